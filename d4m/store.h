/*
 * d4m/store.h - what the files of the store (d4m/db.c, d4m/table.c) share.
 * Not installed.
 *
 * The catalog lives in the database itself, under table id 0:
 *   0 | 'n'          -> the next table id (4 bytes, big-endian)
 *   0 | 't' | name   -> the table's record (d4m__meta_encode)
 * Catalog changes are written with sync, in one batch with the data they
 * concern (a drop deletes the records and the key ranges together).
 */
#ifndef D4M_STORE_H
#define D4M_STORE_H

#include <stdbool.h>
#include "common.h"
#include "kv.h"
#include "d4m.h"
#include "d4m/db.h"

typedef enum { ROLE_MAIN = 0, ROLE_TRANSPOSE = 1, ROLE_DEGREE = 2 } table_role;

typedef struct col_combiner {
    d4m_buf prefix;        /* raw column-key prefix */
    d4m_combiner op;
} col_combiner;

/* A table's record. */
typedef struct d4m_meta {
    char *name;
    uint32_t id;
    d4m_kind keys;
    table_role role;
    d4m_combiner combiner;
    uint32_t pair_id;      /* the transpose's id, 0 if none */
    uint32_t deg_id;       /* the degree table's id, 0 if none */
    uint32_t nsplits;      /* shards - 1 */
    d4m_buf *splits;       /* encoded row keys (without table id), ascending */
    uint32_t ncc;
    col_combiner *cc;
} d4m_meta;

struct d4m_db {
    d4m_kv *kv;
    unsigned flags;
    unsigned open_tables;
};

struct d4m_table {
    d4m_db *db;
    d4m_meta m;            /* this table */
    d4m_meta *pair;        /* its transpose, or NULL */
    d4m_meta *deg;         /* its degree table, or NULL */
};

void d4m__meta_free(d4m_meta *m);
int d4m__meta_encode(d4m_buf *b, const d4m_meta *m);
int d4m__meta_decode(d4m_meta *m, const char *p, size_t n);
/* Read a table's record; D4M_ENOTFOUND if there is none. */
int d4m__meta_load(d4m_meta *m, d4m_db *db, const char *name);
/* Write a record (synced). */
int d4m__meta_store(d4m_db *db, const d4m_meta *m);
/* A record by id (scans the catalog). */
int d4m__meta_load_id(d4m_meta *m, d4m_db *db, uint32_t id);

/* Default split points for `shards` shards of an empty table. */
int d4m__initial_splits(d4m_meta *m, unsigned shards);

/* The key range of a whole table: [id, id + 1). */
void d4m__table_range(d4m_buf *lo, d4m_buf *hi, uint32_t id);

/* Encode one key of a table's kind; numeric keys are positions (whole
 * numbers >= 1). */
int d4m__encode_key(d4m_buf *b, d4m_kind kind, d4m_key skey, double nkey);

#endif
