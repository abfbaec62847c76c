/*
 * tests/d4m/db_util.h - a fresh database directory per test, removed after.
 *
 * tmpdb_new() makes /tmp/d4m-test-XXXXXX (mkdtemp) and opens a database in it
 * with D4M_DB_CREATE; tmpdb_free() closes it and removes the directory tree.
 * nftw() needs _GNU_SOURCE (or _XOPEN_SOURCE) defined before any include.
 */
#ifndef D4M_TEST_DB_UTIL_H
#define D4M_TEST_DB_UTIL_H


#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test_util.h"
#include "d4m/db.h"

typedef struct tmpdb {
    char dir[64];
    d4m_db *db;
} tmpdb;

static inline int tmpdb_rm_(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(p);
}

/* Remove a directory tree. */
static inline void rm_tree(const char *dir)
{
    nftw(dir, tmpdb_rm_, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new empty directory (no database in it yet). */
static inline void tmpdir_new(char dir[64])
{
    snprintf(dir, 64, "/tmp/d4m-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
}

static inline tmpdb tmpdb_new(void)
{
    tmpdb t;
    memset(&t, 0, sizeof t);
    tmpdir_new(t.dir);
    CHECK_OK(d4m_db_open(&t.db, t.dir, D4M_DB_CREATE));
    cr_assert_not_null(t.db);
    return t;
}

static inline void tmpdb_free(tmpdb *t)
{
    d4m_db_close(t->db);
    t->db = NULL;
    rm_tree(t->dir);
}

/* Create a table with options and open it. */
static inline d4m_table *table_new(d4m_db *db, const char *name, d4m_kind keys, int pair,
                                   int degree, unsigned shards, d4m_combiner comb)
{
    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    o.keys = keys;
    o.pair = pair;
    o.degree = degree;
    o.shards = shards;
    o.combiner = comb;
    CHECK_OK(d4m_table_create(db, name, &o));
    d4m_table *t = NULL;
    CHECK_OK(d4m_table_open(&t, db, name));
    cr_assert_not_null(t);
    return t;
}

#endif
