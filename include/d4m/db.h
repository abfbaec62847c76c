/*
 * d4m/db.h - the embedded store: databases, tables of triples, queries that
 * return associative arrays, iterators, bulk loads.
 *
 * A database is a directory (one RocksDB instance, no server).  A table is a
 * named set of triples (row, col, value) with string keys (any bytes, ordered
 * bytewise) or integer keys (int64, ordered numerically), chosen at creation.
 * Values are numbers or strings, per triple.
 *
 * D4M's schema maps onto it as in the toolbox: a table pair (Tedge with its
 * transpose TedgeT, written together, column queries answered from the
 * transpose), a degree table (TedgeDeg: for each row key the count of its
 * entries in column "OutDeg", for each column key in column "InDeg", kept by
 * every put; its keys are strings, an integer-keyed table's keys appearing as
 * decimal text), and combiners (sum, min, max) on a whole table or on the columns
 * that start with a prefix (D4M's addColCombiner(T, 'Degree,', 'sum')).
 *
 * Sharding: a table's rows are split by key range into shards; the split
 * points are kept with the table and can be changed later without moving any
 * data (a shard is a key range, not a file or a column family).  Bulk and
 * parallel loads write one sorted file per shard, so that loaded files never
 * overlap, and scans and compactions run per shard.
 *
 * Durability: a put that returned is in the write-ahead log; it survives the
 * process being killed (and, with D4M_DB_SYNC, the machine losing power).
 * A put of 262,144 entries or more, and every bulk load, goes instead
 * through sorted files and one ingest, which syncs the files and RocksDB's
 * MANIFEST before it returns: durable as well, and all-or-nothing.  Queries and iterators read a consistent
 * snapshot taken when they start, whatever writes go on meanwhile.
 *
 * Handles: d4m_db and d4m_table are the caller's and freed with
 * d4m_db_close / d4m_table_close, in any order: a table (or volume) handle
 * keeps its database open, and an iterator its table, until they are closed
 * too.  One handle may be used by one thread at a time.
 */
#ifndef D4M_DB_H
#define D4M_DB_H

#include <stdint.h>
#include "d4m/assoc.h"
#include "d4m/query.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct d4m_db d4m_db;
typedef struct d4m_table d4m_table;
typedef struct d4m_table_iter d4m_table_iter;

/* ------------------------------------------------------------- databases */

#define D4M_DB_CREATE   0x1u  /* create the directory/database if missing */
#define D4M_DB_READONLY 0x2u  /* read-only view; works while another process writes */
#define D4M_DB_SYNC     0x4u  /* fsync the log on every put (power-loss safe) */

/* Open the database in directory path.
 * Errors: D4M_ENOTFOUND (no database there and no D4M_DB_CREATE),
 * D4M_EBUSY (another process has it open for writing), D4M_ECORRUPT,
 * D4M_EIO, D4M_ENOSPC, D4M_EINVAL. */
int d4m_db_open(d4m_db **out, const char *path, unsigned flags);
/* Close; accepts NULL.  With table, volume or iterator handles still open,
 * the database closes when the last of them does. */
void d4m_db_close(d4m_db *db);

/* The names of the tables, sorted; *names is one allocation holding the
 * array and the strings (d4m_free). */
int d4m_db_list(char ***names, size_t *n, d4m_db *db);

/* ---------------------------------------------------------------- tables */

typedef enum d4m_combiner {
    D4M_COMBINE_NONE = 0,   /* a later put replaces the value */
    D4M_COMBINE_SUM,
    D4M_COMBINE_MIN,
    D4M_COMBINE_MAX
} d4m_combiner;

typedef struct d4m_table_options {
    unsigned version;         /* D4M_TABLE_OPTIONS_VERSION */
    d4m_kind keys;            /* D4M_STR (default) or D4M_NUM (int64 keys) */
    int pair;                 /* also create the transpose NAME + "T" */
    int degree;               /* also create the degree table NAME + "Deg" */
    unsigned shards;          /* 0: one per core of this machine */
    d4m_combiner combiner;    /* for the whole table */
} d4m_table_options;

#define D4M_TABLE_OPTIONS_VERSION 1
#define D4M_TABLE_OPTIONS_INIT { D4M_TABLE_OPTIONS_VERSION, D4M_STR, 0, 0, 0u, D4M_COMBINE_NONE }

/* Create table name (and its transpose/degree tables as asked).  A name is
 * 1 to 200 bytes without spaces or control characters (so that lists of
 * names read back).  Errors: D4M_EEXISTS, D4M_EINVAL (a bad name, bad
 * options), D4M_EIO. */
int d4m_table_create(d4m_db *db, const char *name, const d4m_table_options *opts);
/* Open a table (its transpose and degree tables, if it has them, come along).
 * The table of a volume (include/d4m/volume.h) opens too, to read: puts,
 * deletes and combiners on it fail with D4M_EINVAL.  Errors: D4M_ENOTFOUND. */
int d4m_table_open(d4m_table **out, d4m_db *db, const char *name);
void d4m_table_close(d4m_table *t);
/* Delete a table and all its triples (D4M's deleteForce), with its transpose
 * and degree tables.  Handles still open on it read nothing new, and their
 * puts and deletes fail with D4M_ENOTFOUND.  Errors: D4M_ENOTFOUND, D4M_EINVAL (a transpose or
 * degree table named alone: its table would name nothing). */
int d4m_table_drop(d4m_db *db, const char *name);

/* Combine the values of columns starting with prefix (addColCombiner). */
int d4m_table_add_col_combiner(d4m_table *t, d4m_key prefix, d4m_combiner c);

/* Change the number of shards; split points are recomputed from the data
 * (metadata only, no data moves). */
int d4m_table_set_shards(d4m_table *t, unsigned shards);

typedef struct d4m_table_info {
    char name[256];
    d4m_kind keys;
    unsigned shards;
    int has_pair, has_degree;
    d4m_combiner combiner;
    size_t col_combiners;      /* number of column-prefix combiners */
    uint64_t approx_bytes;     /* on disk, approximate */
} d4m_table_info;

int d4m_table_info_get(d4m_table_info *info, d4m_table *t);

/* ------------------------------------------------------------------- puts */

#define D4M_PUT_BULK 0x1u   /* sorted files + one atomic ingest, no log:
                               all-or-nothing, for large loads */

/* put(T, A): every entry of a (and its transpose, degrees).  A transpose or
 * degree table, and a volume's table, are written through their own table
 * only (D4M_EINVAL).  Numeric keys are positions: a put works in memory
 * proportional to its largest integer key, and one past 2^26 with 16 times
 * fewer entries than that is refused (D4M_ETOOBIG).  A put is all or
 * nothing, with its transpose and degrees: without D4M_PUT_BULK, one of
 * fewer than 262,144 entries is one write batch through the log; a larger
 * one is a load of sorted files in one atomic ingest. */
int d4m_table_put(d4m_table *t, const d4m_assoc *a, unsigned flags);
/* putTriple(T, r, c, v): n triples (vectors of length n or 1, as in
 * d4m_assoc_build).  On integer-keyed tables keys are numbers (D4M_NUM) or
 * decimal strings. */
int d4m_table_put_triples(d4m_table *t, d4m_vec row, d4m_vec col, d4m_vec val,
                          unsigned flags);
/* Delete the n triples (row, col); absent ones are ignored. */
int d4m_table_delete(d4m_table *t, d4m_vec row, d4m_vec col);

/* ----------------------------------------------------------------- reads */

/* A = T(rows, cols): NULL means ":".  Row queries scan the table, column
 * queries the transpose when there is one.  Values: numeric if every value
 * of the answer is a number, else all strings (numbers as the shortest text
 * that reads back exactly: 0.1 is "0.1").  A stored 0 (a sum combiner's
 * sum that came to 0) is no entry either way.
 * Integer keys come back as numeric keys (positions: keys must be >= 1,
 * else D4M_EKEY). */
int d4m_table_get(d4m_assoc **out, d4m_table *t, const d4m_query *rows,
                  const d4m_query *cols);
/* The exact number of triples (a key-only scan). */
int d4m_table_nnz(uint64_t *n, d4m_table *t);

/* Iterator(T, 'elements', n): the answer of the query in chunks of at most n
 * entries, in row order (a column query alone on a table pair is read from
 * the transpose: in column order).  Each d4m_table_iter_next returns 0 and a
 * non-empty chunk, or D4M_ITER_DONE and an empty Assoc at the end (a stored
 * 0 is no entry: a chunk may hold fewer, and one of nothing but zeros is
 * skipped).  Every chunk reads the database as it was when the iterator was
 * made.  With more than one thread (d4m_set_threads), while the caller has
 * a full chunk of a query of one range without a column filter, a thread
 * reads the next one ahead: the iterator then holds up to n entries besides
 * the caller's chunk.  d4m_table_iter_free stops that thread.  After a
 * chunk fails (a damaged block, say), every later call fails too: its
 * entries are lost, and going on would leave a gap; make a new iterator. */
int d4m_table_iter_new(d4m_table_iter **out, d4m_table *t, const d4m_query *rows,
                       const d4m_query *cols, size_t chunk);
int d4m_table_iter_next(d4m_assoc **out, d4m_table_iter *it);
void d4m_table_iter_free(d4m_table_iter *it);

#ifdef __cplusplus
}
#endif
#endif
