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

#include <pthread.h>
#include <stdbool.h>
#include "common.h"
#include "kv.h"
#include "d4m.h"
#include "d4m/db.h"
#include "d4m/ingest.h"

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
    unsigned open_tables;  /* table and volume handles still open */
    uint64_t drops;        /* tables dropped through this handle (the only
                              writer: RocksDB admits one writing process) */
    bool closed;           /* d4m_db_close was called: closes with the last */
};

struct d4m_table {
    d4m_db *db;
    d4m_meta m;            /* this table */
    d4m_meta *pair;        /* its transpose, or NULL */
    d4m_meta *deg;         /* its degree table, or NULL */
    bool volume;           /* it holds a volume (d4m/volume.c): written through
                              the volume API only */
    bool counted;          /* in db->open_tables */
    uint64_t drops;        /* db->drops when the table was last known there */
    unsigned iters;        /* iterators still open over it */
    bool closed;           /* d4m_table_close was called: freed with the last */
};

/* A table or volume handle of db is gone: closes db if d4m_db_close was
 * called and it was the last. */
void d4m__db_release(d4m_db *db);
/* An iterator over t is gone: frees t if d4m_table_close was called and it
 * was the last. */
void d4m__table_iter_gone(d4m_table *t);

/* 0 if t may be written; else why not (a read-only database, a volume's
 * table). */
int d4m__table_writable(d4m_table *t);
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

/* ------------------------------------------------------ loads (load.c) */

/* The encodings of every key of one axis of an Assoc: offsets into b. */
typedef struct {
    d4m_buf b;
    uint64_t *off;   /* n + 1 */
    uint64_t n;
} enc_keys;

void d4m__enc_free(enc_keys *e);
static inline d4m_key d4m__enc_at(const enc_keys *e, uint64_t i)
{
    d4m_key k = { e->b.p + e->off[i], (size_t)(e->off[i + 1] - e->off[i]) };
    return k;
}

/* The combiner of raw column key col in table m. */
d4m_combiner d4m__col_combiner(const d4m_meta *m, d4m_key col);
int d4m__table_empty(bool *empty, d4m_db *db, uint32_t id);
/* New split points at the entry quantiles of keys (count[i] entries for key
 * i, total in all): 1 if changed, 0 if not, or an error. */
int d4m__splits_from_load(d4m_meta *m, const enc_keys *keys, const uint64_t *count,
                          uint64_t total);

/* A sorted file written by a load: its path (NULL: it ended empty) and table. */
typedef struct {
    char *path;
    uint32_t table;
} d4m_load_file;

/* Where sorted streams go: a write batch (normal puts) or sorted files cut
 * at the shard boundaries of each table (bulk puts, parallel ingest). */
/* One sorted stream being written: its table, shard and open file. */
typedef struct {
    const d4m_meta *m;
    uint32_t shard;
    d4m_kv_sst *sst;
    size_t file;              /* its entry in the sink's files */
    bool follows;             /* may go on with a later, following load */
} d4m_sink_stream;

typedef struct d4m_sink {
    d4m_kv *kv;               /* NULL: files only (a rank without the database) */
    bool bulk;
    bool keep_files;          /* discard leaves the files (handed to rank 0) */
    d4m_kv_batch *batch;
    d4m_sink_stream cur, held; /* the stream written, one parked to go on */
    char *tmpdir, *prefix;
    d4m_load_file *files;
    size_t nfiles, capfiles;
    unsigned seq;
} d4m_sink;

/* tmpdir NULL: the database's d4m-tmp/; prefix NULL: "load-PID". */
int d4m__sink_init(d4m_sink *s, d4m_kv *kv, bool bulk, const char *tmpdir, const char *prefix);
/* Start a sorted stream into table m (follows: its keys come after those of
 * the last stream into m, so an open file of m goes on). */
int d4m__sink_begin(d4m_sink *s, const d4m_meta *m, bool follows);
/* The next key of the stream; row is the encoded row (after the table id),
 * to cut files at shard boundaries. */
int d4m__sink_add(d4m_sink *s, d4m_key key, d4m_key row, d4m_key val, bool merge);
/* Flush the batch / finish the current file. */
int d4m__sink_close(d4m_sink *s);
/* Close, then ingest every file in one atomic step (bulk). */
int d4m__sink_commit(d4m_sink *s);
/* Free; files not ingested are removed unless keep_files. */
void d4m__sink_discard(d4m_sink *s);

/* Collectives over a d4m_comm (d4m/ingest.c); one rank, or no callbacks,
 * needs no exchange.  Each returns 0 or D4M_EMPI. */
int d4m__comm_bcast(const d4m_comm *c, void *buf, size_t len, int root);
int d4m__comm_allgather(const d4m_comm *c, const void *send, size_t len, void *recv);
/* D4M_EINVAL unless c is a usable communicator ("what: bad communicator"). */
int d4m__comm_check(const d4m_comm *c, const char *what);
/* Every rank's rc: 0 if all are 0, else the first failing rank's code (and
 * *who that rank). */
int d4m__comm_agree(const d4m_comm *c, int rc, int *who);

/* Decimal string keys as positions for an integer-keyed table. */
int d4m__vec_to_positions(d4m_vec *out, double **store, d4m_vec in, const char *what);

/* Triples as Assocs with table m's collision rules; fn gets each. */
int d4m__triples_assocs(const d4m_meta *m, d4m_vec row, d4m_vec col, d4m_vec val,
                        int (*fn)(const d4m_assoc *a, void *ctx), void *ctx);

/* follows: a's rows all come after those of the previous load into s, so
 * the table's file may go on. */
int d4m__load_assoc(d4m_sink *s, d4m_meta *m, d4m_meta *pair, const d4m_meta *deg,
                    const d4m_assoc *a, const bool empty[2], bool resplit[2], bool follows);

/* Tuning, for tests: a bulk load writes its files on several threads from
 * d4m__bulk_par_min entries; a scan hands RocksDB to a reader thread after
 * d4m__scan_par_min entries of a chunk. */
extern size_t d4m__bulk_par_min;
extern size_t d4m__scan_par_min;
/* ... and starts a second reader at a shard boundary inside the chunk's
 * range whether or not the chunk probably gets there. */
extern bool d4m__scan_split_any;
/* Counts, for tests: chunks read in two parts (from a shard boundary on by
 * a thread of its own), and of those the ones whose second part read past
 * the chunk's end and was cut back. */
extern size_t d4m__scan_halves, d4m__scan_halves_cut;
/* ... and chunks read ahead (d4m/table.c, scan_ahead). */
extern size_t d4m__scan_ahead;
/* For tests: a second part reads as far as the chunk could go before it
 * looks at how far it does go (so that it is cut back whenever the chunk
 * ends inside it). */
extern bool d4m__scan_halves_eager;

#endif
