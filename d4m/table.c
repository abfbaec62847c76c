/*
 * d4m/table.c - puts, deletes, queries and iterators of tables.
 *
 * Writes go through an Assoc: its rows are sorted and its columns sorted
 * within each row, and the key encoding preserves that order, so the keys of
 * a table come out of the CSR arrays already sorted, and those of the
 * transpose from the column-major order.  Nothing is sorted here; the
 * normal path hands RocksDB batches in key order, and the bulk path writes
 * one sorted file per shard and ingests every file of the table, its
 * transpose and its degree table in one atomic step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "store.h"
#include "assoc_stream.h"

#define BATCH_ENTRIES 100000

/* A normal put of this many entries or more goes through sorted files and
 * one ingest, as a bulk load does, instead of the log and the memtable: it
 * is as durable when it returns (the ingest syncs the files and the
 * MANIFEST), all-or-nothing, and several times cheaper, since nothing is
 * inserted one key at a time into a skiplist, logged, then flushed. */
#define PUT_FILES_MIN 262144

int d4m_table_put(d4m_table *t, const d4m_assoc *a, unsigned flags)
{
    if (!t || !a)
        return d4m__error(D4M_EINVAL, "put: NULL argument");
    if (flags & ~D4M_PUT_BULK)
        return d4m__error(D4M_EINVAL, "put: unknown flags 0x%x", flags);
    D4M_TRY(d4m__table_writable(t));
    if (d4m_assoc_is_empty(a))
        return 0;
    bool bulk = (flags & D4M_PUT_BULK) != 0 || d4m_assoc_nnz(a) >= PUT_FILES_MIN;
    d4m_meta *tables[2] = { &t->m, t->pair };
    bool empty[2] = { false, false }, resplit[2];
    d4m_sink s;
    int rc = d4m__sink_init(&s, t->db->kv, bulk, NULL, NULL);
    for (int i = 0; i < 2 && !rc && bulk; i++)
        if (tables[i])
            rc = d4m__table_empty(&empty[i], t->db, tables[i]->id);
    if (!rc)
        rc = d4m__load_assoc(&s, &t->m, t->pair, t->deg, a, empty, resplit, false);
    if (!rc)
        rc = d4m__sink_commit(&s);
    for (int i = 0; i < 2 && !rc; i++)
        if (tables[i] && resplit[i])
            rc = d4m__meta_store(t->db, tables[i]);
    d4m__sink_discard(&s);
    return rc;
}

typedef struct {
    d4m_table *t;
    unsigned flags;
} put_ctx;

static int put_one(const d4m_assoc *a, void *ctx)
{
    put_ctx *p = ctx;
    return d4m_table_put(p->t, a, p->flags);
}

int d4m_table_put_triples(d4m_table *t, d4m_vec row, d4m_vec col, d4m_vec val, unsigned flags)
{
    if (!t)
        return d4m__error(D4M_EINVAL, "putTriple: NULL table");
    put_ctx p = { t, flags };
    return d4m__triples_assocs(&t->m, row, col, val, put_one, &p);
}

int d4m_table_delete(d4m_table *t, d4m_vec row, d4m_vec col)
{
    if (!t)
        return d4m__error(D4M_EINVAL, "delete: NULL table");
    D4M_TRY(d4m__table_writable(t));
    size_t n = row.n > col.n ? row.n : col.n;
    if ((row.n != n && row.n != 1) || (col.n != n && col.n != 1))
        return d4m__error(D4M_ELENGTH, "delete: %zu rows and %zu columns", row.n, col.n);
    if (row.n == 0 || col.n == 0)
        return 0;
    if ((row.kind == D4M_STR && !row.str) || (row.kind == D4M_NUM && !row.num) ||
        (col.kind == D4M_STR && !col.str) || (col.kind == D4M_NUM && !col.num))
        return d4m__error(D4M_EINVAL, "delete: NULL keys");
    if ((row.kind == D4M_NUM) != (t->m.keys == D4M_NUM) ||
        (col.kind == D4M_NUM) != (t->m.keys == D4M_NUM))
        return d4m__error(D4M_EKEYKIND, "delete: the keys' kind differs from the table's");
    d4m_kv_batch *b;
    D4M_TRY(d4m_kv__batch_new(&b));
    d4m_buf k = { NULL, 0, 0 }, kt = { NULL, 0, 0 }, rk = { NULL, 0, 0 }, ck = { NULL, 0, 0 };
    int rc = 0;
    for (size_t q = 0; q < n && !rc; q++) {
        size_t ri = row.n == 1 ? 0 : q, ci = col.n == 1 ? 0 : q;
        rk.len = ck.len = 0;
        rc = d4m__encode_key(&rk, t->m.keys, row.kind == D4M_STR ? row.str[ri] : (d4m_key){ 0 },
                             row.kind == D4M_NUM ? row.num[ri] : 0);
        if (!rc)
            rc = d4m__encode_key(&ck, t->m.keys, col.kind == D4M_STR ? col.str[ci] : (d4m_key){ 0 },
                                 col.kind == D4M_NUM ? col.num[ci] : 0);
        if (rc)
            break;
        k.len = 0;
        d4m_kv__put_table_id(&k, t->m.id);
        d4m__buf_put(&k, rk.p, rk.len);
        rc = d4m__buf_put(&k, ck.p, ck.len);
        d4m_kv__batch_delete(b, (d4m_key){ k.p, k.len });
        if (!rc && t->pair) {
            kt.len = 0;
            d4m_kv__put_table_id(&kt, t->pair->id);
            d4m__buf_put(&kt, ck.p, ck.len);
            rc = d4m__buf_put(&kt, rk.p, rk.len);
            d4m_kv__batch_delete(b, (d4m_key){ kt.p, kt.len });
        }
        if (!rc && d4m_kv__batch_count(b) >= BATCH_ENTRIES) {
            rc = d4m_kv__batch_write(t->db->kv, b, false);
            d4m_kv__batch_clear(b);
        }
    }
    if (!rc)
        rc = d4m_kv__batch_write(t->db->kv, b, false);
    d4m_kv__batch_free(b);
    d4m__buf_free(&k);
    d4m__buf_free(&kt);
    d4m__buf_free(&rk);
    d4m__buf_free(&ck);
    return rc;
}

/* ------------------------------------------------------------- queries */

typedef struct {
    d4m_buf lo, hi;   /* full keys, with the table id */
} krange;

static int cmp_buf(const d4m_buf *a, const d4m_buf *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->p, b->p, n) : 0;
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int cmp_krange(const void *x, const void *y)
{
    return cmp_buf(&((const krange *)x)->lo, &((const krange *)y)->lo);
}

/* An integer key of a query term. */
static int term_int(int64_t *v, d4m_key k)
{
    char buf[32];
    if (k.len == 0 || k.len >= sizeof buf)
        goto bad;
    memcpy(buf, k.ptr, k.len);
    buf[k.len] = '\0';
    char *end;
    long long x = strtoll(buf, &end, 10);
    if (*end != '\0')
        goto bad;
    *v = x;
    return 0;
bad:
    return d4m__error(D4M_EPARSE, "'%.*s' is not an integer key; the table has integer keys",
                      (int)(k.len > 40 ? 40 : k.len), k.ptr ? k.ptr : "");
}

static int encode_term_key(d4m_buf *b, d4m_kind kind, d4m_key k)
{
    if (kind == D4M_NUM) {
        int64_t v = 0;
        D4M_TRY(term_int(&v, k));
        return d4m_kv__encode_int(b, v);
    }
    return d4m_kv__encode_str(b, k);
}

/* The key ranges of query q over table m, sorted, overlaps merged. */
static int query_ranges(krange **out, size_t *nout, const d4m_meta *m, const d4m_query *q)
{
    size_t nt = q ? d4m_query_term_count(q) : 0;
    bool all = !q || d4m_query_is_all(q);
    size_t n = all ? 1 : nt;
    krange *r = d4m__calloc(n ? n : 1, sizeof *r);
    if (!r)
        return D4M_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        d4m_buf *lo = &r[i].lo, *hi = &r[i].hi;
        d4m_kv__put_table_id(lo, m->id);
        if (all) {
            d4m_kv__put_table_id(hi, m->id + 1);
            continue;
        }
        const d4m_term *t = d4m_query_term(q, i);
        d4m_kv__put_table_id(hi, m->id);
        switch (t->kind) {
        case D4M_TERM_ALL:
            hi->len = 0;
            d4m_kv__put_table_id(hi, m->id + 1);
            break;
        case D4M_TERM_KEY:
            rc = encode_term_key(lo, m->keys, t->lo);
            if (!rc)
                rc = d4m__buf_put(hi, lo->p + 4, lo->len - 4);
            if (!rc)
                d4m_kv__successor(hi);
            break;
        case D4M_TERM_RANGE:
            if (!t->lo_open)
                rc = encode_term_key(lo, m->keys, t->lo);
            if (!rc && t->hi_open) {
                hi->len = 0;
                d4m_kv__put_table_id(hi, m->id + 1);
            } else if (!rc) {
                rc = encode_term_key(hi, m->keys, t->hi);
                if (!rc)
                    d4m_kv__successor(hi);
            }
            break;
        case D4M_TERM_PREFIX:
            if (m->keys == D4M_NUM) {
                rc = d4m__error(D4M_EPARSE, "prefix query on a table of integer keys");
                break;
            }
            rc = d4m_kv__encode_str_prefix(lo, t->lo);
            if (!rc)
                rc = d4m__buf_put(hi, lo->p + 4, lo->len - 4);
            if (!rc && d4m_kv__successor(hi)) {
                hi->len = 0;
                d4m_kv__put_table_id(hi, m->id + 1);
            }
            break;
        case D4M_TERM_POSITION:
            rc = d4m__error(D4M_EINVAL, "position queries select keys of an Assoc in memory; "
                            "a table query takes keys, ranges or prefixes");
            break;
        }
    }
    if (!rc) {
        qsort(r, n, sizeof *r, cmp_krange);
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
            if (cmp_buf(&r[i].lo, &r[i].hi) >= 0) {   /* empty range */
                d4m__buf_free(&r[i].lo);
                d4m__buf_free(&r[i].hi);
                continue;
            }
            if (w && cmp_buf(&r[i].lo, &r[w - 1].hi) <= 0) {
                if (cmp_buf(&r[i].hi, &r[w - 1].hi) > 0) {
                    d4m_buf tmp = r[w - 1].hi;
                    r[w - 1].hi = r[i].hi;
                    r[i].hi = tmp;
                }
                d4m__buf_free(&r[i].lo);
                d4m__buf_free(&r[i].hi);
                continue;
            }
            if (w != i)
                r[w] = r[i];
            w++;
        }
        n = w;
    } else {
        for (size_t i = 0; i < n; i++) {
            d4m__buf_free(&r[i].lo);
            d4m__buf_free(&r[i].hi);
        }
        free(r);
        return rc;
    }
    *out = r;
    *nout = n;
    return 0;
}

/* Does raw key k (string) or v (integer) match query q? */
static bool term_match(const d4m_term *t, d4m_kind kind, d4m_key k, int64_t v)
{
    if (t->kind == D4M_TERM_ALL)
        return true;
    if (kind == D4M_NUM) {
        int64_t lo = 0, hi = 0;
        switch (t->kind) {
        case D4M_TERM_KEY:
            return term_int(&lo, t->lo) == 0 && lo == v;
        case D4M_TERM_RANGE:
            if (!t->lo_open && (term_int(&lo, t->lo) || v < lo))
                return false;
            if (!t->hi_open && (term_int(&hi, t->hi) || v > hi))
                return false;
            return true;
        default:
            return false;
        }
    }
    switch (t->kind) {
    case D4M_TERM_KEY:
        return d4m_key_cmp(k, t->lo) == 0;
    case D4M_TERM_RANGE:
        return (t->lo_open || d4m_key_cmp(k, t->lo) >= 0) &&
               (t->hi_open || d4m_key_cmp(k, t->hi) <= 0);
    case D4M_TERM_PREFIX:
        return k.len >= t->lo.len && (t->lo.len == 0 || memcmp(k.ptr, t->lo.ptr, t->lo.len) == 0);
    default:
        return false;
    }
}

static bool query_match(const d4m_query *q, d4m_kind kind, d4m_key k, int64_t v)
{
    if (!q || d4m_query_is_all(q))
        return true;
    size_t n = d4m_query_term_count(q);
    for (size_t i = 0; i < n; i++)
        if (term_match(d4m_query_term(q, i), kind, k, v))
            return true;
    return false;
}

/* Check a filter query once, so that scans need not fail half way. */
static int query_check(const d4m_query *q, d4m_kind kind)
{
    size_t n = q ? d4m_query_term_count(q) : 0;
    for (size_t i = 0; i < n; i++) {
        const d4m_term *t = d4m_query_term(q, i);
        int64_t v = 0;
        if (t->kind == D4M_TERM_POSITION)
            return d4m__error(D4M_EINVAL, "position queries select keys of an Assoc in memory; "
                              "a table query takes keys, ranges or prefixes");
        if (kind == D4M_NUM && t->kind == D4M_TERM_PREFIX)
            return d4m__error(D4M_EPARSE, "prefix query on a table of integer keys");
        if (kind == D4M_NUM && (t->kind == D4M_TERM_KEY || (t->kind == D4M_TERM_RANGE && !t->lo_open)))
            D4M_TRY(term_int(&v, t->lo));
        if (kind == D4M_NUM && t->kind == D4M_TERM_RANGE && !t->hi_open)
            D4M_TRY(term_int(&v, t->hi));
    }
    return 0;
}

/* Scans.  Entries come out of RocksDB in key order, which is the order of
 * the scanned table's rows and, within a row, of its columns: they go
 * straight into an Assoc built in that order (algebra/assoc_stream.h), with
 * no sorting of the row keys and the column keys deduplicated as they come.
 *
 * A large chunk is read by more than one thread.  After the first
 * d4m__scan_par_min entries of a chunk, a reader thread walks RocksDB and
 * copies the raw entries into a ring of blocks while the caller's thread
 * decodes them and builds the Assoc.  And when the table's next shard
 * boundary probably cuts the rest of the chunk about in half (estimated
 * from the sizes on disk of what was read and of what lies before the
 * boundary), a second reader starts at that boundary at once, with its own
 * RocksDB iterator on the same snapshot: shards are read side by side, as
 * the shard layout means them to be (d4m/db.c); else it starts at a key
 * about half-way.  The first reader stops at the
 * boundary, the chunk goes on with the second's entries, and the second's
 * iterator (sought back to just after the chunk's last entry if it read
 * further) carries the scan on.  Readers stop at the chunk's last entry;
 * between chunks the RocksDB iterator is the caller's again. */

#define SCAN_RING 4
#define SCAN_BLOCK_BYTES ((size_t)256 << 10)

size_t d4m__scan_par_min = 4096;
bool d4m__scan_split_any = false;
size_t d4m__scan_halves = 0, d4m__scan_halves_cut = 0, d4m__scan_ahead = 0;
bool d4m__scan_halves_eager = false;

typedef struct {
    char *p;
    size_t len, cap;
} scan_block;

/* One reader thread and its blocks: a ring of SCAN_RING (the reader that
 * walks the iterator's ranges), or as many as it fills (one that reads
 * ahead from a shard boundary until the caller gets to it). */
typedef struct scan_reader {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    d4m_table_iter *x;
    d4m_kv_iter *it;             /* NULL: x->it, through x's ranges */
    bool ring;
    scan_block **b;
    size_t bcap;                 /* entries of b */
    size_t filled, consumed;     /* blocks handed over / given back */
    bool finished, stop;         /* the reader is done / asked to stop */
    bool at_stop_key;            /* it ended at stop_key */
    const d4m_buf *stop_key;     /* stop before this key (NULL: none) */
    size_t limit, taken;         /* entries to read / read */
    int rc;
    char msg[512];
} scan_reader;

struct d4m_table_iter {
    d4m_table *t;
    bool counted;             /* in t->iters: t stays until this is freed */
    const d4m_meta *m;        /* the table scanned: t->m or its transpose */
    bool transposed;          /* scanning the transpose: swap row and col */
    d4m_query *filter;        /* on the inner key (col of the scanned table):
                                 a copy, the caller may free its query */
    krange *r;
    size_t nr, cur;
    d4m_kv_snap *snap;        /* for a second reader: the iterator's view */
    d4m_kv_iter *it;
    size_t chunk;
    bool done;
    d4m_assoc_stream *as;     /* the chunk's Assoc being built */
    d4m_assoc_stream *as2;    /* ... its part from a shard boundary on */
    d4m_buf dec;              /* a decoded key */
    d4m_buf prev;             /* the encoded outer key of the last entry */
    int64_t prev_num;
    bool have_prev;
    d4m_buf first;            /* the chunk's first key */
    d4m_buf last;             /* the last key taken from a second reader */
    scan_reader *rd;          /* the ring, kept between chunks */
    struct scan_ahead *ahead; /* reading the next chunk (NULL: none) */
    d4m_assoc_stream *as3;    /* ... into this stream */
    int failed;               /* a chunk failed with this error: no more chunks */
};

static void reader_blocks_free(scan_reader *rd)
{
    for (size_t i = 0; rd && i < rd->bcap; i++) {
        if (rd->b[i])
            free(rd->b[i]->p);
        free(rd->b[i]);
    }
    if (rd)
        free(rd->b);
}

static int ahead_stop(d4m_table_iter *x, bool keep, size_t *n);

void d4m_table_iter_free(d4m_table_iter *x)
{
    if (!x)
        return;
    if (x->ahead)
        ahead_stop(x, false, NULL);
    for (size_t i = 0; i < x->nr; i++) {
        d4m__buf_free(&x->r[i].lo);
        d4m__buf_free(&x->r[i].hi);
    }
    free(x->r);
    d4m_kv__iter_free(x->it);
    if (x->snap)
        d4m_kv__snap_free(x->t->db->kv, x->snap);
    d4m__stream_free(x->as);
    d4m__stream_free(x->as2);
    d4m__stream_free(x->as3);
    d4m__buf_free(&x->dec);
    d4m__buf_free(&x->prev);
    d4m__buf_free(&x->first);
    d4m__buf_free(&x->last);
    reader_blocks_free(x->rd);
    free(x->rd);
    d4m_query_free(x->filter);
    d4m_table *t = x->counted ? x->t : NULL;
    free(x);
    if (t)
        d4m__table_iter_gone(t);
}

/* The first split point of m strictly inside (lo, hi), as a full key in
 * *out (with the table id); false if none. */
static bool split_inside(const d4m_meta *m, d4m_key lo, const d4m_buf *hi, d4m_buf *out)
{
    for (uint32_t i = 0; i < m->nsplits; i++) {
        out->len = 0;
        d4m_kv__put_table_id(out, m->id);
        if (!out->p || d4m__buf_put(out, m->splits[i].p, m->splits[i].len))
            return false;
        d4m_key k = { out->p, out->len };
        if (d4m_key_cmp(k, lo) > 0)
            return hi->len == 0 || d4m_key_cmp(k, (d4m_key){ hi->p, hi->len }) < 0;
    }
    return false;
}

int d4m_table_iter_new(d4m_table_iter **out, d4m_table *t, const d4m_query *rows,
                       const d4m_query *cols, size_t chunk)
{
    if (out)
        *out = NULL;
    if (!out || !t)
        return d4m__error(D4M_EINVAL, "Iterator: NULL argument");
    d4m_table_iter *x = d4m__calloc(1, sizeof *x);
    if (!x)
        return D4M_ENOMEM;
    x->t = t;
    x->chunk = chunk ? chunk : SIZE_MAX;
    bool rows_all = !rows || d4m_query_is_all(rows);
    bool cols_all = !cols || d4m_query_is_all(cols);
    /* A column query alone is answered from the transpose when there is one;
     * otherwise rows are scanned and columns filtered. */
    if (rows_all && !cols_all && t->pair) {
        x->m = t->pair;
        x->transposed = true;
    } else {
        x->m = &t->m;
    }
    int rc = 0;
    if (!cols_all && !x->transposed)
        rc = d4m_query_copy(&x->filter, cols);
    if (!rc)
        rc = query_check(x->filter, t->m.keys);
    if (!rc)
        rc = query_ranges(&x->r, &x->nr, x->m, x->transposed ? cols : rows);
    if (!rc)
        rc = d4m__stream_new(&x->as, t->m.keys, x->transposed);
    /* One range across a shard boundary may be read by two readers: both
     * read the snapshot taken now. */
    if (!rc && x->nr == 1 && !x->filter) {
        d4m_buf sp = { NULL, 0, 0 };
        /* ... and so may a whole table's scan, or a prefix or a range of
         * keys (all but one key: a row of a table of triples is short), at
         * a key of its own. */
        const d4m_query *q = x->transposed ? cols : rows;
        bool one_key = q && !d4m_query_is_all(q) && d4m_query_term_count(q) == 1 &&
                       d4m_query_term(q, 0)->kind == D4M_TERM_KEY;
        if (split_inside(x->m, (d4m_key){ x->r[0].lo.p, x->r[0].lo.len }, &x->r[0].hi, &sp) ||
            (rows_all && !x->transposed) || !one_key)
            rc = d4m_kv__snap_new(&x->snap, t->db->kv);
        d4m__buf_free(&sp);
    }
    if (!rc && x->nr) {
        /* One RocksDB iterator for every range: it reads one consistent
         * view of the database, whatever is written meanwhile. */
        rc = d4m_kv__iter_new(&x->it, t->db->kv, x->snap, (d4m_key){ x->r[0].lo.p, x->r[0].lo.len },
                              (d4m_key){ x->r[0].hi.p, x->r[0].hi.len });
    }
    if (rc) {
        d4m_table_iter_free(x);
        return rc;
    }
    x->done = x->nr == 0;
    t->iters++;
    x->counted = true;
    *out = x;
    return 0;
}

/* Take one stored entry (key p[0..n) after the table id, value val) into
 * the chunk: 1 if taken, 0 if the column filter rejects it, or an error. */
static int scan_take(d4m_table_iter *x, const char *p, size_t n, d4m_key val)
{
    d4m_kind kind = x->t->m.keys;
    int64_t iv = 0;
    d4m_key inner = { NULL, 0 };
    if (kind == D4M_NUM) {
        if (n != 16)
            return d4m__error(D4M_ECORRUPT, "stored key is damaged: %zu bytes",
                              n + D4M_KV_TABLE_ID_LEN);
        int64_t ov;
        D4M_TRY(d4m_kv__decode_int(&ov, p, 8));
        D4M_TRY(d4m_kv__decode_int(&iv, p + 8, 8));
        if (!x->have_prev || ov != x->prev_num) {
            D4M_TRY(d4m__stream_outer(x->as, (d4m_key){ NULL, 0 }, ov));
            x->prev_num = ov;
            x->have_prev = true;
        }
    } else {
        /* The encoding is prefix-free: an entry that starts with the last
         * entry's outer key has that outer key. */
        size_t used;
        if (x->have_prev && n > x->prev.len && memcmp(p, x->prev.p, x->prev.len) == 0) {
            used = x->prev.len;
        } else {
            x->dec.len = 0;
            D4M_TRY(d4m_kv__decode_str(&x->dec, &used, p, n));
            D4M_TRY(d4m__stream_outer(x->as, (d4m_key){ x->dec.p, x->dec.len }, 0));
            x->prev.len = 0;
            D4M_TRY(d4m__buf_put(&x->prev, p, used));
            x->have_prev = true;
        }
        /* The column, in place when it holds no escaped NUL byte: its
         * only 0x00 is its terminator's, at the key's end. */
        const char *c = p + used;
        size_t cn = n - used;
        const char *z = cn >= 2 ? memchr(c, 0, cn) : NULL;
        if (z && z == c + cn - 2 && (unsigned char)z[1] == 0x01) {
            inner = (d4m_key){ c, cn - 2 };
        } else {
            size_t used2;
            x->dec.len = 0;
            D4M_TRY(d4m_kv__decode_str(&x->dec, &used2, c, cn));
            if (used + used2 != n)
                return d4m__error(D4M_ECORRUPT, "stored key is damaged: trailing bytes");
            inner = (d4m_key){ x->dec.p, x->dec.len };
        }
    }
    if (x->filter && !query_match(x->filter, kind, inner, iv))
        return 0;
    int is_num;
    double num;
    d4m_key str;
    D4M_TRY(d4m_kv__decode_value(&is_num, &num, &str, val.ptr, val.len));
    D4M_TRY(d4m__stream_add(x->as, inner, iv, num, is_num ? NULL : &str));
    return 1;
}

/* The iterator at a valid entry, moving on to the next range as each ends:
 * 1 if there is one, 0 if the scan is done, or an error. */
static int scan_valid(d4m_table_iter *x)
{
    while (!x->done) {
        if (d4m_kv__iter_valid(x->it))
            return 1;
        D4M_TRY(d4m_kv__iter_status(x->it));
        if (++x->cur >= x->nr) {
            x->done = true;
            break;
        }
        D4M_TRY(d4m_kv__iter_seek(x->it, (d4m_key){ x->r[x->cur].lo.p, x->r[x->cur].lo.len },
                                  (d4m_key){ x->r[x->cur].hi.p, x->r[x->cur].hi.len }));
    }
    return 0;
}

/* 1 if a reader has an entry, 0 at its end, or an error: its own iterator
 * (it), or the scan's iterator across shards (it NULL). */
static int reader_valid(d4m_table_iter *x, d4m_kv_iter *it)
{
    if (!it)
        return scan_valid(x);
    if (d4m_kv__iter_valid(it))
        return 1;
    return d4m_kv__iter_status(it);
}

/* A reader's next block to fill (under its lock): NULL if out of memory. */
static scan_block *reader_block(scan_reader *rd, size_t i)
{
    size_t slot = rd->ring ? i % SCAN_RING : i;
    if (slot >= rd->bcap) {
        size_t cap = rd->bcap ? 2 * rd->bcap : SCAN_RING;
        scan_block **b = d4m__realloc(rd->b, cap * sizeof *b);
        if (!b)
            return NULL;
        memset(b + rd->bcap, 0, (cap - rd->bcap) * sizeof *b);
        rd->b = b;
        rd->bcap = cap;
    }
    if (!rd->b[slot])
        rd->b[slot] = d4m__calloc(1, sizeof **rd->b);
    return rd->b[slot];
}

/* A reader thread: raw entries (key without the table id, value, each
 * after its 4-byte length) into blocks, until rd->limit entries, the end of
 * the scan or stop_key. */
static void *scan_reader_main(void *arg)
{
    scan_reader *rd = arg;
    d4m_kv__iter_thread();
    d4m_table_iter *x = rd->x;
    int rc = 0;
    bool end = false;
    while (!rc && !end) {
        pthread_mutex_lock(&rd->mu);
        while (rd->ring && rd->filled - rd->consumed == SCAN_RING && !rd->stop)
            pthread_cond_wait(&rd->cv, &rd->mu);
        bool stop = rd->stop;
        scan_block *b = stop ? NULL : reader_block(rd, rd->filled);
        pthread_mutex_unlock(&rd->mu);
        if (stop)
            break;
        if (!b) {
            rc = d4m__error(D4M_ENOMEM, "out of memory");
            break;
        }
        b->len = 0;
        while (b->len < SCAN_BLOCK_BYTES) {
            if (rd->taken >= rd->limit) {
                end = true;
                break;
            }
            int v = reader_valid(x, rd->it);
            if (v <= 0) {
                rc = v;
                end = true;
                break;
            }
            d4m_kv_iter *it = rd->it ? rd->it : x->it;
            d4m_key k = d4m_kv__iter_key(it), val = d4m_kv__iter_value(it);
            if (rd->stop_key && d4m_key_cmp(k, (d4m_key){ rd->stop_key->p, rd->stop_key->len }) >= 0) {
                rd->at_stop_key = true;
                end = true;
                break;
            }
            uint32_t kl = (uint32_t)(k.len - D4M_KV_TABLE_ID_LEN), vl = (uint32_t)val.len;
            size_t need = b->len + 8 + kl + vl;
            if (need > b->cap) {
                size_t cap = b->cap ? 2 * b->cap : SCAN_BLOCK_BYTES + 4096;
                while (cap < need)
                    cap *= 2;
                char *np = d4m__realloc(b->p, cap);
                if (!np) {
                    rc = D4M_ENOMEM;
                    break;
                }
                b->p = np;
                b->cap = cap;
            }
            char *w = b->p + b->len;
            memcpy(w, &kl, 4);
            memcpy(w + 4, &vl, 4);
            memcpy(w + 8, k.ptr + D4M_KV_TABLE_ID_LEN, kl);
            memcpy(w + 8 + kl, val.ptr, vl);
            b->len = need;
            rd->taken++;
            d4m_kv__iter_next(it);
        }
        pthread_mutex_lock(&rd->mu);
        if (b->len)
            rd->filled++;
        if (rc) {
            rd->rc = rc;
            snprintf(rd->msg, sizeof rd->msg, "%s", d4m_error_message());
        }
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
    }
    pthread_mutex_lock(&rd->mu);
    rd->finished = true;
    pthread_cond_broadcast(&rd->cv);
    pthread_mutex_unlock(&rd->mu);
    return NULL;
}

/* Start reader rd on x (its iterator it, or x's ranges if NULL). */
static int reader_start(scan_reader *rd, d4m_table_iter *x, d4m_kv_iter *it, bool ring,
                        size_t limit, const d4m_buf *stop_key)
{
    if (pthread_mutex_init(&rd->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&rd->cv, NULL) != 0) {
        pthread_mutex_destroy(&rd->mu);
        return -1;
    }
    rd->x = x;
    rd->it = it;
    rd->ring = ring;
    rd->filled = rd->consumed = 0;
    rd->finished = rd->stop = rd->at_stop_key = false;
    rd->stop_key = stop_key;
    rd->limit = limit;
    rd->taken = 0;
    rd->rc = 0;
    if (pthread_create(&rd->th, NULL, scan_reader_main, rd) != 0) {
        pthread_cond_destroy(&rd->cv);
        pthread_mutex_destroy(&rd->mu);
        return -1;
    }
    return 0;
}

/* Stop (if asked) and join reader rd; its error, recorded here. */
static int reader_join(scan_reader *rd, bool stop)
{
    if (stop) {
        pthread_mutex_lock(&rd->mu);
        rd->stop = true;
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
    }
    pthread_join(rd->th, NULL);
    pthread_cond_destroy(&rd->cv);
    pthread_mutex_destroy(&rd->mu);
    return rd->rc ? d4m__error(rd->rc, "%s", rd->msg) : 0;
}

/* Take the entries of reader rd's blocks as they come, max at most (then
 * the reader is stopped, and the last key taken is kept in x->last);
 * *used = entries taken.  Joins the reader. */
static int reader_consume(d4m_table_iter *x, scan_reader *rd, size_t max, size_t *used)
{
    int rc = 0;
    size_t taken = 0;
    bool full = max == 0;
    while (!full && !rc) {
        pthread_mutex_lock(&rd->mu);
        while (rd->consumed == rd->filled && !rd->finished)
            pthread_cond_wait(&rd->cv, &rd->mu);
        scan_block *b = rd->consumed < rd->filled ? rd->b[rd->ring ? rd->consumed % SCAN_RING
                                                                    : rd->consumed] : NULL;
        pthread_mutex_unlock(&rd->mu);
        if (!b)
            break;
        for (size_t off = 0; off < b->len && !rc;) {
            uint32_t kl, vl;
            memcpy(&kl, b->p + off, 4);
            memcpy(&vl, b->p + off + 4, 4);
            const char *k = b->p + off + 8;
            int r = scan_take(x, k, kl, (d4m_key){ k + kl, vl });
            if (r < 0)
                rc = r;
            off += 8 + (size_t)kl + vl;
            if (++taken == max) {
                x->last.len = 0;
                rc = rc ? rc : d4m__buf_put(&x->last, k, kl);
                full = true;
                break;
            }
        }
        pthread_mutex_lock(&rd->mu);
        rd->consumed++;
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
    }
    int rc2 = reader_join(rd, full || rc);
    *used = taken;
    return rc ? rc : rc2;
}

/* Read and take entries from iterator it (NULL: x's, through its ranges)
 * until limit entries, the end, or stop (if not NULL: *at_stop, as at the
 * end), or *cap entries (if cap is not NULL; it may shrink meanwhile, and
 * is looked at every SCAN_BATCH entries). */
#define SCAN_BATCH 32
static int scan_run(d4m_table_iter *x, d4m_kv_iter *it, size_t limit, _Atomic size_t *cap,
                    const d4m_key *stop, size_t *used, bool *at_stop)
{
    size_t n = 0, want = 0;
    int rc = 0;
    *at_stop = false;
    for (;;) {
        if (want == 0) {
            want = limit - n;
            if (cap) {
                size_t c = atomic_load_explicit(cap, memory_order_relaxed);
                want = c > n ? (c - n < want ? c - n : want) : 0;
            }
            if (want == 0)
                break;
            if (want > SCAN_BATCH)
                want = SCAN_BATCH;
        }
        int v = reader_valid(x, it);
        if (v <= 0) {
            rc = v;
            *at_stop = v == 0;
            break;
        }
        d4m_kv_iter *i = it ? it : x->it;
        d4m_key k = d4m_kv__iter_key(i), val = d4m_kv__iter_value(i);
        if (stop && d4m_key_cmp(k, *stop) >= 0) {
            *at_stop = true;
            break;
        }
        int r = scan_take(x, k.ptr + D4M_KV_TABLE_ID_LEN, k.len - D4M_KV_TABLE_ID_LEN, val);
        if (r < 0) {
            rc = r;
            break;
        }
        n++;
        want--;
        d4m_kv__iter_next(i);
    }
    *used = n;
    return rc;
}

/* The next chunk, read ahead.  When a chunk comes out full (more entries
 * follow), a thread goes on reading the entries that follow into a stream
 * of their own (x->as3): for a chunk read in two parts, as soon as both
 * are read, while the caller joins them, builds the Assoc and works with
 * it (else once the chunk is read); the next d4m_table_iter_next
 * stops the thread (it stops within SCAN_BATCH entries), takes what it
 * read as the start of the new chunk and goes on from there as usual.  So
 * the work of one thread alone between two chunks (joining the parts'
 * column keys, about a tenth of a chunk's time) no longer leaves the other
 * core idle, and neither does the caller's own work.  At most one chunk is
 * read ahead. */
typedef struct scan_ahead {
    pthread_t th;
    d4m_table_iter xb;           /* x with the stream and key buffers of the read */
    _Atomic size_t cap;          /* SIZE_MAX, or 0: stop */
    size_t taken;
    int rc;
    char msg[512];
} scan_ahead;

static void *scan_ahead_main(void *arg)
{
    scan_ahead *a = arg;
    d4m_kv__iter_thread();
    bool end;
    int rc = scan_run(&a->xb, a->xb.it, a->xb.chunk, &a->cap, NULL, &a->taken, &end);
    if (rc) {
        a->rc = rc;
        snprintf(a->msg, sizeof a->msg, "%s", d4m_error_message());
    }
    return NULL;
}

/* Start reading the next chunk ahead from x's iterator, which holds its
 * first entry; nothing happens if that cannot be done (the next chunk is
 * then read as usual). */
static void ahead_start(d4m_table_iter *x)
{
    if (x->ahead || x->nr != 1 || x->filter || !d4m_kv__iter_valid(x->it))
        return;
    if (!x->as3 && d4m__stream_new(&x->as3, x->t->m.keys, x->transposed) != 0)
        return;
    d4m_key k = d4m_kv__iter_key(x->it);
    x->first.len = 0;
    if (d4m__buf_put(&x->first, k.ptr, k.len) != 0)
        return;
    scan_ahead *a = d4m__calloc(1, sizeof *a);
    if (!a)
        return;
    a->xb = *x;
    a->xb.as = x->as3;
    a->xb.dec = a->xb.prev = a->xb.first = a->xb.last = (d4m_buf){ NULL, 0, 0 };
    a->xb.have_prev = false;
    atomic_init(&a->cap, SIZE_MAX);
    if (pthread_create(&a->th, NULL, scan_ahead_main, a) != 0) {
        free(a);
        return;
    }
    x->ahead = a;
    d4m__scan_ahead++;
}

/* Stop the read ahead; with keep, its entries (*n of them) become the
 * start of x's chunk, else they are dropped.  An error of the read. */
static int ahead_stop(d4m_table_iter *x, bool keep, size_t *n)
{
    scan_ahead *a = x->ahead;
    x->ahead = NULL;
    atomic_store(&a->cap, 0);
    pthread_join(a->th, NULL);
    int rc = a->rc;
    if (keep && !rc) {
        d4m_assoc_stream *s = x->as;   /* empty: its chunk was handed out */
        x->as = x->as3;
        x->as3 = s;
        d4m_buf b = x->prev;
        x->prev = a->xb.prev;
        a->xb.prev = b;
        x->prev_num = a->xb.prev_num;
        x->have_prev = a->xb.have_prev;
        *n = a->taken;
    } else {
        d4m__stream_clear(x->as3);
    }
    d4m__buf_free(&a->xb.dec);
    d4m__buf_free(&a->xb.prev);
    if (rc)
        rc = d4m__error(rc, "%s", a->msg);
    free(a);
    return rc;
}

/* The part of a chunk from a shard boundary on, read and built by a
 * thread of its own into a stream of its own (x->as2) while the caller
 * reads and builds the part before the boundary: rows never straddle a
 * boundary, so the two parts are joined at the end (d4m__stream_append)
 * with only their column keys merged.  The thread reads at most limit
 * entries; once the caller knows how many the chunk still holds (cap), it
 * stops there, and if it had read more it drops them and leaves its
 * iterator's seek key in seek. */
typedef struct scan_half {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    d4m_table_iter xb;           /* x with the stream and key buffers of this part */
    d4m_kv_iter *it;
    size_t limit, taken;
    _Atomic size_t cap;          /* entries this part may keep (SIZE_MAX: not known yet) */
    bool cap_set;                /* under mu */
    d4m_buf seek;                /* it read too far: seek here to go on */
    int rc;
    char msg[512];
} scan_half;

/* The stored key just after entry k of stream as (of table m): seek key. */
static int entry_successor(d4m_buf *b, const d4m_meta *m, const d4m_assoc_stream *as, size_t k)
{
    d4m_key ok, ik;
    int64_t op, ip;
    D4M_TRY(d4m__stream_entry(as, k, &ok, &op, &ik, &ip));
    b->len = 0;
    d4m_kv__put_table_id(b, m->id);
    if (!b->p)
        return D4M_ENOMEM;
    if (m->keys == D4M_STR) {
        D4M_TRY(d4m_kv__encode_str(b, ok));
        D4M_TRY(d4m_kv__encode_str(b, ik));
    } else {
        D4M_TRY(d4m_kv__encode_int(b, op));
        D4M_TRY(d4m_kv__encode_int(b, ip));
    }
    return d4m__buf_put(b, "", 1);
}

static void *scan_half_main(void *arg)
{
    scan_half *h = arg;
    d4m_kv__iter_thread();
    bool end;
    int rc = scan_run(&h->xb, h->it, h->limit, d4m__scan_halves_eager ? NULL : &h->cap, NULL,
                      &h->taken, &end);
    pthread_mutex_lock(&h->mu);
    while (!h->cap_set)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    size_t cap = atomic_load(&h->cap);
    if (!rc && cap && h->taken > cap) {
        rc = entry_successor(&h->seek, h->xb.m, h->xb.as, cap - 1);
        if (!rc)
            rc = d4m__stream_truncate(h->xb.as, cap);
        h->taken = cap;
    }
    if (!rc && cap)
        rc = d4m__stream_sort_inner(h->xb.as);
    if (rc) {
        h->rc = rc;
        snprintf(h->msg, sizeof h->msg, "%s", d4m_error_message());
    }
    return NULL;
}

/* Tell part h how many entries it may keep (0: none): it stops reading
 * there, and sorts its part while the caller sorts its own. */
static void scan_half_cap(scan_half *h, size_t cap)
{
    pthread_mutex_lock(&h->mu);
    atomic_store(&h->cap, cap);
    h->cap_set = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* Join part h, told its cap already (scan_half_cap). */
static int scan_half_join(scan_half *h)
{
    pthread_join(h->th, NULL);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    d4m__buf_free(&h->xb.dec);
    d4m__buf_free(&h->xb.prev);
    return h->rc ? d4m__error(h->rc, "%s", h->msg) : 0;
}

/* The rest of the chunk (limit entries at most) in two parts read and
 * built at once: the caller up to shard boundary sp, a thread from sp on
 * (iterator it2, the caller's on success).  *started is false if no thread
 * could be made. */
static int scan_halves(d4m_table_iter *x, size_t limit, const d4m_buf *sp, d4m_kv_iter **it2,
                       bool *started)
{
    *started = false;
    if (!x->as2)
        D4M_TRY(d4m__stream_new(&x->as2, x->t->m.keys, x->transposed));
    scan_half *h = d4m__calloc(1, sizeof *h);
    if (!h)
        return D4M_ENOMEM;
    h->xb = *x;
    h->xb.as = x->as2;
    h->xb.dec = h->xb.prev = (d4m_buf){ NULL, 0, 0 };
    h->xb.have_prev = false;
    h->it = *it2;
    h->limit = limit;
    atomic_init(&h->cap, SIZE_MAX);
    if (pthread_mutex_init(&h->mu, NULL) != 0) {
        free(h);
        return 0;
    }
    if (pthread_cond_init(&h->cv, NULL) != 0) {
        pthread_mutex_destroy(&h->mu);
        free(h);
        return 0;
    }
    if (pthread_create(&h->th, NULL, scan_half_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return 0;
    }
    *started = true;
    /* This thread: up to the boundary. */
    const krange *rg = &x->r[x->cur];
    d4m_key stop = { sp->p, sp->len };
    size_t used = 0;
    bool at_stop = false;
    int rc = scan_run(x, NULL, limit, NULL, &stop, &used, &at_stop);
    /* The chunk goes on past the boundary only if this part reached it. */
    size_t cap = !rc && at_stop ? limit - used : 0;
    scan_half_cap(h, cap);
    if (!rc && cap)
        rc = d4m__stream_sort_inner(x->as);   /* while the other part sorts its own */
    int rc2 = scan_half_join(h);
    rc = rc ? rc : rc2;
    if (!rc && cap) {
        d4m__scan_halves++;
        d4m__scan_halves_cut += h->seek.len > 0;
        if (h->seek.len)
            rc = d4m_kv__iter_seek(*it2, (d4m_key){ h->seek.p, h->seek.len },
                                   (d4m_key){ rg->hi.p, rg->hi.len });
        if (!rc) {
            /* The other part's iterator carries the scan on: from the
             * next chunk's first entry if this one is full. */
            d4m_kv__iter_free(x->it);
            x->it = *it2;
            *it2 = NULL;
            if (h->taken == cap)
                ahead_start(x);
            rc = d4m__stream_append(x->as, x->as2);
        }
    }
    d4m__stream_clear(x->as2);
    d4m__buf_free(&h->seek);
    free(h);
    return rc;
}

/* Would split point sp cut the rest of the chunk (limit entries) into
 * parts of about the same size (each 35% of it at least)?  Parts of
 * unequal size leave one thread waiting for the other (a shard boundary at
 * a fifth of the chunk made the caller read four fifths alone, 40% longer
 * than half).  An estimate: the chunk's n entries so far took the bytes on
 * disk from its first key to the current one. */
static bool split_balanced(d4m_table_iter *x, size_t n, size_t limit, const d4m_buf *sp)
{
    d4m_key cur = d4m_kv__iter_key(x->it);
    d4m_kv *kv = x->t->db->kv;
    uint64_t done = d4m_kv__approx_size(kv, (d4m_key){ x->first.p, x->first.len }, cur);
    uint64_t ahead = d4m_kv__approx_size(kv, cur, (d4m_key){ sp->p, sp->len });
    if (d4m__scan_split_any)
        return true;
    if (done == 0)
        return false;   /* in the memtable, or too little read to tell */
    double before = (double)ahead / (double)done * (double)n;
    return before >= 0.35 * (double)limit && before <= 0.65 * (double)limit;
}

/* Without a shard boundary in reach: a key about `want` bytes on disk
 * after cur and before hi, found by bisection on RocksDB's approximate
 * sizes over the 8 bytes after the keys' common prefix; false if none. */
static bool split_guess(d4m_table_iter *x, d4m_key cur, d4m_key hi, uint64_t want, d4m_buf *out)
{
    if (hi.len == 0 || d4m_key_cmp(cur, hi) >= 0)
        return false;
    size_t p = 0;
    while (p < cur.len && p < hi.len && cur.ptr[p] == hi.ptr[p])
        p++;
    uint64_t a = 0, b = 0;
    for (size_t i = 0; i < 8; i++) {
        a = a << 8 | (p + i < cur.len ? (unsigned char)cur.ptr[p + i] : 0);
        b = b << 8 | (p + i < hi.len ? (unsigned char)hi.ptr[p + i] : 0);
    }
    if (b <= a + 1)
        return false;
    d4m_kv *kv = x->t->db->kv;
    uint64_t lo = a;
    for (int step = 0; step < 64 && b - a > 1; step++) {
        uint64_t mid = a + (b - a) / 2;
        out->len = 0;
        if (d4m__buf_put(out, cur.ptr, p))
            return false;
        for (int i = 7; i >= 0; i--) {
            char c = (char)(mid >> (8 * i));
            if (d4m__buf_put(out, &c, 1))
                return false;
        }
        if (d4m_kv__approx_size(kv, cur, (d4m_key){ out->p, out->len }) < want)
            a = mid;
        else
            b = mid;
    }
    if (a == lo)
        return false;   /* nothing measurable before it: too close to tell */
    out->len = 0;
    if (d4m__buf_put(out, cur.ptr, p))
        return false;
    for (int i = 7; i >= 0; i--) {
        char c = (char)(b >> (8 * i));
        if (d4m__buf_put(out, &c, 1))
            return false;
    }
    return d4m_key_cmp((d4m_key){ out->p, out->len }, hi) < 0;
}

/* A split key for the rest of a chunk of limit entries (n read so far),
 * when no shard boundary is in reach: half-way to the chunk's probable end
 * (each part's entries cost the same to read, build and sort; the second
 * part reads on to the end). */
static bool split_somewhere(d4m_table_iter *x, size_t n, size_t limit, d4m_key hi, d4m_buf *out)
{
    if (n == 0 || x->first.len == 0)
        return false;
    d4m_key cur = d4m_kv__iter_key(x->it);
    d4m_kv *kv = x->t->db->kv;
    uint64_t done = d4m_kv__approx_size(kv, (d4m_key){ x->first.p, x->first.len }, cur);
    uint64_t rest = d4m_kv__approx_size(kv, cur, hi);
    if (done == 0 || rest == 0)
        return false;
    double want = 0.5 * (double)done / (double)n * (double)limit;
    if (want > 0.5 * (double)rest)
        want = 0.5 * (double)rest;
    /* Too little to share: below 16 KiB (about a thousand entries) a
     * second thread costs more than it saves.  Prefix queries of 10-20k
     * entries at 1e6: 0.72-0.79 of raw's speed with 64 KiB here (they
     * were read by one thread and a ring), 0.86-0.97 with 16 KiB, no
     * better with 8 KiB. */
    if (want < 16384)
        return false;
    return split_guess(x, cur, hi, (uint64_t)want, out);
}

/* The rest of the chunk (limit entries at most) through reader threads.
 * *started is false if no thread could be made (the caller goes on alone). */
static int scan_parallel(d4m_table_iter *x, size_t n, size_t limit, bool *started)
{
    *started = false;
    if (!x->rd) {
        x->rd = d4m__calloc(1, sizeof *x->rd);
        if (!x->rd)
            return D4M_ENOMEM;
    }
    /* The part from the next shard boundary on by a thread of its own, if
     * the boundary cuts the rest of the chunk about in half; else from a
     * key of about half-way. */
    d4m_buf sp = { NULL, 0, 0 };
    d4m_kv_iter *it2 = NULL;
    const krange *rg = &x->r[x->cur];
    if (x->snap && x->nr == 1 && d4m_kv__iter_valid(x->it) &&
        ((split_inside(x->m, d4m_kv__iter_key(x->it), &rg->hi, &sp) &&
          split_balanced(x, n, limit, &sp)) ||
         split_somewhere(x, n, limit, (d4m_key){ rg->hi.p, rg->hi.len }, &sp)) &&
        d4m_kv__iter_new(&it2, x->t->db->kv, x->snap, (d4m_key){ sp.p, sp.len },
                         (d4m_key){ rg->hi.p, rg->hi.len }) == 0) {
        int rc = scan_halves(x, limit, &sp, &it2, started);
        d4m_kv__iter_free(it2);
        if (*started || rc) {
            d4m__buf_free(&sp);
            return rc;
        }
    }
    d4m__buf_free(&sp);
    if (reader_start(x->rd, x, NULL, true, limit, NULL) != 0)
        return 0;
    *started = true;
    size_t used = 0;
    return reader_consume(x, x->rd, limit, &used);
}

static unsigned scan_threads(void)
{
#ifdef _OPENMP
    return (unsigned)omp_get_max_threads();
#else
    return 1;
#endif
}

/* The next chunk: 0 with the Assoc of its entries (n of them were read),
 * D4M_ITER_DONE with an empty Assoc at the end, or an error. */
static int iter_chunk(d4m_assoc **out, d4m_table_iter *x)
{
    *out = NULL;
    /* A failed chunk's entries are gone (the RocksDB iterator is past
     * them): going on would leave a gap in the answer without a word. */
    if (x->failed)
        return d4m__error(x->failed, "Iterator: an earlier chunk failed (%s); the iterator "
                          "cannot go on without a gap", d4m_strerror(x->failed));
    x->have_prev = false;
    size_t n = 0;
    int rc = x->ahead ? ahead_stop(x, true, &n) : 0;
    /* Without a column filter every entry read is one of the chunk, so
     * reader threads can count them; with one, the caller reads alone. */
    bool threaded = !x->filter && scan_threads() > 1, may_split = threaded;
    while (!rc && n < x->chunk) {
        if (may_split && n >= d4m__scan_par_min) {
            bool started;
            rc = scan_parallel(x, n, x->chunk - n, &started);
            if (started || rc)
                break;
            may_split = false;
        }
        int v = scan_valid(x);
        if (v <= 0) {
            rc = v;
            break;
        }
        d4m_key key = d4m_kv__iter_key(x->it), val = d4m_kv__iter_value(x->it);
        if (n == 0 && x->snap) {
            x->first.len = 0;
            rc = d4m__buf_put(&x->first, key.ptr, key.len);
            if (rc)
                break;
        }
        int r = scan_take(x, key.ptr + D4M_KV_TABLE_ID_LEN, key.len - D4M_KV_TABLE_ID_LEN, val);
        if (r < 0) {
            rc = r;
            break;
        }
        n += (size_t)r;
        d4m_kv__iter_next(x->it);
    }
    if (!rc)
        n = d4m__stream_count(x->as);
    /* A full chunk read without two parts (the read ahead took it whole,
     * say): the next one is read ahead from here. */
    if (!rc && threaded && n == x->chunk && x->chunk >= d4m__scan_par_min)
        ahead_start(x);
    if (!rc)
        rc = d4m__stream_finish(out, x->as);
    if (rc) {
        d4m__stream_clear(x->as);   /* drop the partial chunk */
        if (x->ahead)
            ahead_stop(x, false, NULL);
        x->failed = rc;
        return rc;
    }
    return n == 0 ? D4M_ITER_DONE : 0;
}

int d4m_table_iter_next(d4m_assoc **out, d4m_table_iter *x)
{
    if (!out || !x)
        return d4m__error(D4M_EINVAL, "Iterator: NULL argument");
    for (;;) {
        int rc = iter_chunk(out, x);
        /* A chunk of stored zeros only (a sum combiner leaves them) has no
         * entry; returned empty, it would read as the end. */
        if (rc != 0 || !d4m_assoc_is_empty(*out))
            return rc;
        d4m_assoc_free(*out);
    }
}

int d4m_table_get(d4m_assoc **out, d4m_table *t, const d4m_query *rows, const d4m_query *cols)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "get: out is NULL");
    *out = NULL;
    d4m_table_iter *x;
    D4M_TRY(d4m_table_iter_new(&x, t, rows, cols, 0));
    int rc = d4m_table_iter_next(out, x);
    d4m_table_iter_free(x);
    return rc == D4M_ITER_DONE ? 0 : rc;
}

int d4m_table_nnz(uint64_t *n, d4m_table *t)
{
    if (!n || !t)
        return d4m__error(D4M_EINVAL, "nnz: NULL argument");
    *n = 0;
    d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
    d4m__table_range(&lo, &hi, t->m.id);
    d4m_kv_iter *it;
    int rc = d4m_kv__iter_new(&it, t->db->kv, NULL, (d4m_key){ lo.p, lo.len },
                              (d4m_key){ hi.p, hi.len });
    uint64_t count = 0;
    if (!rc) {
        for (; d4m_kv__iter_valid(it); d4m_kv__iter_next(it))
            count++;
        rc = d4m_kv__iter_status(it);
        d4m_kv__iter_free(it);
    }
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    if (!rc)
        *n = count;
    return rc;
}

/* Decode one stored key of table m into (outer, inner) raw keys, appending
 * string keys to ob/ib or giving integers. */
static int decode_pair(d4m_kind kind, d4m_key key, d4m_buf *ob, int64_t *ov, d4m_buf *ib,
                       int64_t *iv)
{
    const char *p = key.ptr + D4M_KV_TABLE_ID_LEN;
    size_t n = key.len - D4M_KV_TABLE_ID_LEN, used;
    if (kind == D4M_NUM) {
        if (n != 16)
            return d4m__error(D4M_ECORRUPT, "stored key is damaged: %zu bytes", key.len);
        D4M_TRY(d4m_kv__decode_int(ov, p, 8));
        return d4m_kv__decode_int(iv, p + 8, 8);
    }
    D4M_TRY(d4m_kv__decode_str(ob, &used, p, n));
    size_t used2;
    D4M_TRY(d4m_kv__decode_str(ib, &used2, p + used, n - used));
    if (used + used2 != n)
        return d4m__error(D4M_ECORRUPT, "stored key is damaged: trailing bytes");
    return 0;
}

/* --------------------------------------------------------------- shards */

int d4m_table_set_shards(d4m_table *t, unsigned shards)
{
    if (!t)
        return d4m__error(D4M_EINVAL, "set_shards: NULL table");
    if (shards == 0 || shards > 4096)
        return d4m__error(D4M_EINVAL, "set_shards: %u shards; 1 to 4096", shards);
    if (d4m_kv__readonly(t->db->kv))
        return d4m__error(D4M_EINVAL, "the database is open read-only");
    /* Row keys and their entry counts, from one key scan. */
    d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
    enc_keys rows;
    memset(&rows, 0, sizeof rows);
    uint64_t *cnt = NULL, cap = 0, total = 0;
    d4m__table_range(&lo, &hi, t->m.id);
    d4m_kv_iter *it;
    int rc = d4m_kv__iter_new(&it, t->db->kv, NULL, (d4m_key){ lo.p, lo.len },
                              (d4m_key){ hi.p, hi.len });
    d4m_buf ob = { NULL, 0, 0 }, ib = { NULL, 0, 0 }, enc = { NULL, 0, 0 };
    for (; !rc && d4m_kv__iter_valid(it); d4m_kv__iter_next(it)) {
        d4m_key key = d4m_kv__iter_key(it);
        int64_t ov, iv;
        ob.len = ib.len = enc.len = 0;
        rc = decode_pair(t->m.keys, key, &ob, &ov, &ib, &iv);
        if (!rc)
            rc = t->m.keys == D4M_NUM ? d4m_kv__encode_int(&enc, ov)
                                      : d4m_kv__encode_str(&enc, (d4m_key){ ob.p, ob.len });
        if (rc)
            break;
        bool same = rows.n && rows.off[rows.n] - rows.off[rows.n - 1] == enc.len &&
                    memcmp(rows.b.p + rows.off[rows.n - 1], enc.p, enc.len) == 0;
        if (!same) {
            if (rows.n + 1 >= cap) {
                cap = cap ? 2 * cap : 1024;
                uint64_t *o = d4m__realloc(rows.off, (cap + 1) * sizeof *o);
                uint64_t *c = o ? d4m__realloc(cnt, cap * sizeof *c) : NULL;
                if (o) rows.off = o;
                if (c) cnt = c;
                if (!o || !c) {
                    rc = D4M_ENOMEM;
                    break;
                }
            }
            if (rows.n == 0)
                rows.off[0] = 0;
            rc = d4m__buf_put(&rows.b, enc.p, enc.len);
            rows.off[rows.n + 1] = rows.b.len;
            cnt[rows.n] = 0;
            rows.n++;
        }
        cnt[rows.n - 1]++;
        total++;
    }
    if (!rc && it)
        rc = d4m_kv__iter_status(it);
    d4m_kv__iter_free(it);
    if (!rc) {
        d4m_meta *m = &t->m;
        if (total == 0 || rows.n < shards) {
            for (uint32_t i = 0; i < m->nsplits; i++)
                d4m__buf_free(&m->splits[i]);
            free(m->splits);
            m->splits = NULL;
            m->nsplits = 0;
            rc = d4m__initial_splits(m, rows.n && rows.n < shards ? (unsigned)rows.n : shards);
        } else {
            /* d4m__splits_from_load replaces m->nsplits split points: give
             * it an array of the new count, and keep the old one aside. */
            d4m_buf *old = m->splits;
            uint32_t nold = m->nsplits;
            m->splits = d4m__calloc(shards - 1, sizeof *m->splits);
            m->nsplits = shards - 1;
            int r = m->splits ? d4m__splits_from_load(m, &rows, cnt, total) : D4M_ENOMEM;
            if (r == 0) {
                /* Entry quantiles collide (skewed rows): cut at every
                 * (rows.n / shards)-th row key instead; rows.n >= shards
                 * makes these distinct. */
                for (uint32_t i = 0; i < shards - 1 && !r; i++) {
                    uint64_t k = (uint64_t)(i + 1) * rows.n / shards;
                    d4m_key key = d4m__enc_at(&rows, k);
                    m->splits[i].len = 0;
                    r = d4m__buf_put(&m->splits[i], key.ptr, key.len);
                }
            }
            if (r < 0) {
                for (uint32_t i = 0; m->splits && i < m->nsplits; i++)
                    d4m__buf_free(&m->splits[i]);
                free(m->splits);
                m->splits = old;
                m->nsplits = nold;
                rc = r;
            } else {
                for (uint32_t i = 0; i < nold; i++)
                    d4m__buf_free(&old[i]);
                free(old);
            }
        }
        if (!rc)
            rc = d4m__meta_store(t->db, m);
    }
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    d4m__buf_free(&ob);
    d4m__buf_free(&ib);
    d4m__buf_free(&enc);
    d4m__enc_free(&rows);
    free(cnt);
    return rc;
}
