/*
 * tests/d4m/db_util.h - a fresh database directory per test, removed after.
 *
 * tmpdb_new() makes /tmp/d4m-test-XXXXXX (mkdtemp) and opens a database in it
 * with D4M_DB_CREATE; tmpdb_free() closes it and removes the directory tree.
 */
#ifndef D4M_TEST_DB_UTIL_H
#define D4M_TEST_DB_UTIL_H


#include <dirent.h>
#include <sys/stat.h>
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

/* Remove a directory tree (no symlinks are followed). */
static inline void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            size_t n = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(n);
            if (!p)
                continue;
            snprintf(p, n, "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(p);
            else
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Directories made by this test process, removed again by tmpdb_fini (a
 * Criterion .fini, run even when a failed assertion ended the test early)
 * and at exit, so that no test leaves one behind. */
static char tmpdb_made_[8][64];

static inline void tmpdb_atexit_(void)
{
    for (int i = 0; i < 8; i++)
        if (tmpdb_made_[i][0])
            rm_tree(tmpdb_made_[i]);
}

static inline void tmpdb_fini(void)
{
    tmpdb_atexit_();
    memset(tmpdb_made_, 0, sizeof tmpdb_made_);
}

/* A new empty directory (no database in it yet). */
static inline void tmpdir_new(char dir[64])
{
    static int registered;
    snprintf(dir, 64, "/tmp/d4m-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
    if (!registered) {
        registered = 1;
        atexit(tmpdb_atexit_);
    }
    for (int i = 0; i < 8; i++) {
        if (!tmpdb_made_[i][0]) {
            memcpy(tmpdb_made_[i], dir, 64);
            break;
        }
    }
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
