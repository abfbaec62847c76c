/*
 * kv/kv.h - RocksDB at the border, and the byte layout of the store.  Not
 * installed; nothing above kv/ sees a RocksDB type.
 *
 * Layout.  One RocksDB instance per database, one column family.  Every key
 * starts with a 4-byte big-endian table id; id 0 is the catalog.  A triple
 * of table t is the key  id(t) | enc(row) | enc(col)  with the value
 * enc(value).  Keeping every table of a database in one column family is
 * what makes a load atomic across a table, its transpose and its degree
 * table: RocksDB ingests several files into one column family in one atomic
 * step, and its C API cannot do that across column families.
 *
 * Key encodings preserve order and are unambiguous for any bytes, so that a
 * (row, col) pair concatenates into one key that sorts by row, then col:
 *   string:   each 0x00 byte as 0x00 0xFF, then the terminator 0x00 0x01
 *   integer:  8 bytes, big-endian, sign bit flipped (int64 order)
 * Composite integer keys (image voxels z, y, x) are several integers in a
 * row.  Values: 'd' + 8-byte double, or 's' + bytes.  Merge operands (for
 * combiners): 'S' (sum), 'm' (min), 'M' (max) + 8-byte double.
 *
 * Bulk-load marks: every ingest also loads the key  id(0) | "bi"  holding
 * the load's number (8 bytes, big-endian), and once it returns the number
 * is written to the file D4M-LOADS in the database directory.  An open that
 * finds the file ahead of the key reports the database damaged: a MANIFEST
 * that lost its last records would otherwise drop a finished load silently
 * (kv/store.c, "bulk-load marks").
 */
#ifndef D4M_KV_H
#define D4M_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"
#include "d4m/key.h"

typedef struct d4m_kv d4m_kv;
typedef struct d4m_kv_batch d4m_kv_batch;
typedef struct d4m_kv_iter d4m_kv_iter;
typedef struct d4m_kv_snap d4m_kv_snap;
typedef struct d4m_kv_sst d4m_kv_sst;

/* ---------------------------------------------------------------- codecs */

#define D4M_KV_TABLE_ID_LEN 4

void d4m_kv__put_table_id(d4m_buf *b, uint32_t id);
int d4m_kv__encode_str(d4m_buf *b, d4m_key k);       /* with terminator */
int d4m_kv__encode_str_prefix(d4m_buf *b, d4m_key k);/* without terminator */
int d4m_kv__encode_int(d4m_buf *b, int64_t v);
/* Decode one string key at p (n bytes): the unescaped bytes are appended to
 * out; *used = bytes consumed.  D4M_ECORRUPT if malformed. */
int d4m_kv__decode_str(d4m_buf *out, size_t *used, const char *p, size_t n);
int d4m_kv__decode_int(int64_t *v, const char *p, size_t n);
/* The first key after every key that starts with b's content: b + 0xFF...
 * is not enough for prefixes of arbitrary bytes, so this increments the last
 * byte that is not 0xFF (dropping the 0xFF tail).  Returns 0, or 1 if b was
 * all 0xFF (no upper bound). */
int d4m_kv__successor(d4m_buf *b);

int d4m_kv__encode_num_value(d4m_buf *b, double v);
int d4m_kv__encode_str_value(d4m_buf *b, d4m_key s);
int d4m_kv__encode_merge(d4m_buf *b, char op, double v);   /* op 'S' 'm' 'M' */
/* A stored value: *is_num and *num, or the string bytes in *str (a view
 * into p).  D4M_ECORRUPT if malformed. */
int d4m_kv__decode_value(int *is_num, double *num, d4m_key *str, const char *p, size_t n);

/* ----------------------------------------------------------- the database */

#define D4M_KV_CREATE   0x1u
#define D4M_KV_READONLY 0x2u
#define D4M_KV_SYNC     0x4u

/* Open RocksDB in path.  Errors as d4m_db_open. */
int d4m_kv__open(d4m_kv **out, const char *path, unsigned flags);
void d4m_kv__close(d4m_kv *kv);
bool d4m_kv__readonly(const d4m_kv *kv);
const char *d4m_kv__path(const d4m_kv *kv);
/* The block cache's capacity in bytes: D4M_BLOCK_CACHE_MB, a cache of the
 * database's own; or the process's shared default cache, a quarter of memory
 * between 64 MiB and 16 GiB (kv/store.c, "the block cache"). */
size_t d4m_kv__cache_bytes(const d4m_kv *kv);
/* The bytes of blocks the database's block cache holds now (shared with
 * other databases when it is the default cache). */
size_t d4m_kv__cache_usage(const d4m_kv *kv);

/* Translate a RocksDB error string (freed here) into our code; what names the
 * operation.  Returns 0 if err is NULL. */
int d4m_kv__error(char *err, const char *what);

/* Point read: *found, and the value appended to val. */
int d4m_kv__get(d4m_kv *kv, const d4m_kv_snap *snap, d4m_key key, d4m_buf *val, bool *found);

/* Write batches: applied atomically, logged (unless the database was opened
 * for bulk work), synced with D4M_KV_SYNC. */
int d4m_kv__batch_new(d4m_kv_batch **out);
void d4m_kv__batch_put(d4m_kv_batch *b, d4m_key k, d4m_key v);
void d4m_kv__batch_merge(d4m_kv_batch *b, d4m_key k, d4m_key v);
void d4m_kv__batch_delete(d4m_kv_batch *b, d4m_key k);
void d4m_kv__batch_delete_range(d4m_kv_batch *b, d4m_key lo, d4m_key hi);
size_t d4m_kv__batch_count(const d4m_kv_batch *b);
void d4m_kv__batch_clear(d4m_kv_batch *b);
int d4m_kv__batch_write(d4m_kv *kv, d4m_kv_batch *b, bool sync);
void d4m_kv__batch_free(d4m_kv_batch *b);

/* A consistent view for reads. */
int d4m_kv__snap_new(d4m_kv_snap **out, d4m_kv *kv);
void d4m_kv__snap_free(d4m_kv *kv, d4m_kv_snap *s);

/* Iterators over [lo, hi) (hi.len == 0: no upper bound), in key order. */
int d4m_kv__iter_new(d4m_kv_iter **out, d4m_kv *kv, const d4m_kv_snap *snap,
                     d4m_key lo, d4m_key hi);
/* Tuning of one iterator, for reads that walk far more data than the block
 * cache keeps and read it once (volume boxes): readahead > 0 reads that
 * many bytes of a file at a time into the iterator's own buffer (RocksDB's
 * ReadOptions::readahead_size) so that nearby blocks come from one read;
 * no_fill_cache leaves the blocks read out of the block cache. */
typedef struct d4m_kv_iter_opts {
    size_t readahead;
    bool no_fill_cache;
} d4m_kv_iter_opts;
/* d4m_kv__iter_new with options (o NULL: as d4m_kv__iter_new). */
int d4m_kv__iter_new_opts(d4m_kv_iter **out, d4m_kv *kv, const d4m_kv_snap *snap,
                          d4m_key lo, d4m_key hi, const d4m_kv_iter_opts *o);
/* The calling thread is to step iterators made by another thread: RocksDB's
 * per-thread perf counting off there too (iterators turn it off in the
 * thread that makes them). */
void d4m_kv__iter_thread(void);
/* Re-aim at [lo, hi) and seek to lo. */
int d4m_kv__iter_seek(d4m_kv_iter *it, d4m_key lo, d4m_key hi);
bool d4m_kv__iter_valid(const d4m_kv_iter *it);
void d4m_kv__iter_next(d4m_kv_iter *it);
d4m_key d4m_kv__iter_key(const d4m_kv_iter *it);
d4m_key d4m_kv__iter_value(const d4m_kv_iter *it);
/* 0, or the error that ended the iteration early. */
int d4m_kv__iter_status(const d4m_kv_iter *it);
void d4m_kv__iter_free(d4m_kv_iter *it);

/* Sorted-file writing and atomic ingest.  kv may be NULL: a process that
 * does not open the database (a rank of a parallel load) writes files too. */
int d4m_kv__sst_new(d4m_kv_sst **out, d4m_kv *kv, const char *path);
/* A sorted file written with its own block settings (o NULL: as
 * d4m_kv__sst_new, the database's): the codec of its data blocks and the
 * bytes of a data block before compression (0: the database's).  The file
 * reads like any other (each block records its codec); a compaction that
 * rewrites it later uses the database's settings again. */
typedef enum d4m_kv_compression {
    D4M_KV_COMPRESS_DEFAULT = 0, D4M_KV_COMPRESS_NONE, D4M_KV_COMPRESS_SNAPPY,
    D4M_KV_COMPRESS_LZ4, D4M_KV_COMPRESS_ZSTD
} d4m_kv_compression;
typedef struct d4m_kv_sst_opts {
    d4m_kv_compression compression;
    size_t block_size;
} d4m_kv_sst_opts;
int d4m_kv__sst_new_opts(d4m_kv_sst **out, d4m_kv *kv, const char *path,
                         const d4m_kv_sst_opts *o);
/* Keys strictly ascending.  merge: a merge operand rather than a value. */
int d4m_kv__sst_add(d4m_kv_sst *s, d4m_key k, d4m_key v, bool merge);
/* Finish the file; *empty set when nothing was added (no file is left). */
int d4m_kv__sst_finish(d4m_kv_sst *s, bool *empty);
void d4m_kv__sst_free(d4m_kv_sst *s);
/* Ingest the files in one atomic step (moved into the database). */
int d4m_kv__ingest(d4m_kv *kv, const char *const *files, size_t n);
/* A directory for temporary files of this database (created on demand);
 * *dir is the caller's (free). */
int d4m_kv__tmpdir(char **dir, d4m_kv *kv);

/* Compact [lo, hi); approximate bytes on disk in [lo, hi). */
int d4m_kv__compact(d4m_kv *kv, d4m_key lo, d4m_key hi);
uint64_t d4m_kv__approx_size(d4m_kv *kv, d4m_key lo, d4m_key hi);

#endif
