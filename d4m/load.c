/*
 * d4m/load.c - turning an Assoc into sorted streams of keys for a table, its
 * transpose and its degree table, and the sinks they go to: write batches
 * (normal puts), or sorted files cut at the shard boundaries (bulk puts and
 * parallel ingest).
 *
 * An Assoc's rows are sorted and its columns sorted within each row, and the
 * key encoding preserves that order, so the keys of a table come out of the
 * CSR arrays already sorted, and those of the transpose from the
 * column-major order: nothing is sorted here.  The row order is read from
 * the Assoc's own arrays (borrowed for the load, not copied), and the
 * column order is one counting sort.  What a large load costs here is
 * memory traffic: each entry's inner key is a random access into the
 * encoded keys (a million distinct keys are far larger than the cache), so
 * keys short enough are laid out in fixed slots, one access each, and
 * fetched ahead of the entries that need them.
 */
#define _GNU_SOURCE   /* qsort_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "store.h"
#include "internal.h"   /* d4m__csr_borrow: the row-major triples of a load */


/* ------------------------------------------------------- encoded keys */

/* The encodings of every key of one axis of an Assoc, for a table of kind
 * `kind`: offsets into one buffer.  Numeric axes (positions) become decimal
 * strings in a string-keyed table. */

void d4m__enc_free(enc_keys *e)
{
    d4m__buf_free(&e->b);
    free(e->off);
}

static int enc_axis(enc_keys *e, const d4m_assoc *a, int dim, d4m_kind kind)
{
    memset(e, 0, sizeof *e);
    e->n = d4m_assoc_key_count(a, dim);
    e->off = d4m__malloc(d4m__mul((size_t)e->n + 1, sizeof *e->off));
    if (!e->off)
        return D4M_ENOMEM;
    e->off[0] = 0;
    d4m_kind akind = d4m_assoc_key_kind(a, dim);
    if (kind == D4M_NUM && akind != D4M_NUM) {
        d4m__enc_free(e);
        memset(e, 0, sizeof *e);
        return d4m__error(D4M_EKEYKIND, "the table has integer keys, the array's %s keys are "
                          "strings", dim == 1 ? "row" : "column");
    }
    for (uint64_t i = 0; i < e->n; i++) {
        int rc;
        if (akind == D4M_NUM && kind == D4M_NUM) {
            rc = d4m_kv__encode_int(&e->b, (int64_t)(i + 1));
        } else if (akind == D4M_NUM) {
            char num[32];
            int len = snprintf(num, sizeof num, "%llu", (unsigned long long)(i + 1));
            rc = d4m_kv__encode_str(&e->b, (d4m_key){ num, (size_t)len });
        } else {
            rc = d4m_kv__encode_str(&e->b, d4m_assoc_key(a, dim, (size_t)i));
        }
        if (rc) {
            d4m__enc_free(e);
            memset(e, 0, sizeof *e);
            return rc;
        }
        e->off[i + 1] = e->b.len;
    }
    return 0;
}


/* ----------------------------------------------------------- combiners */

static char merge_tag(d4m_combiner c)
{
    return c == D4M_COMBINE_SUM ? 'S' : c == D4M_COMBINE_MIN ? 'm' : c == D4M_COMBINE_MAX ? 'M' : 0;
}

/* The combiner of column key col (raw bytes) in table m. */
d4m_combiner d4m__col_combiner(const d4m_meta *m, d4m_key col)
{
    if (m->combiner != D4M_COMBINE_NONE)
        return m->combiner;
    for (uint32_t i = 0; i < m->ncc; i++) {
        const d4m_buf *p = &m->cc[i].prefix;
        if (col.len >= p->len && (p->len == 0 || memcmp(col.ptr, p->p, p->len) == 0))
            return m->cc[i].op;
    }
    return D4M_COMBINE_NONE;
}

/* ------------------------------------------------------------- sinks */

/* The normal path: the put's one batch, written through the log when the
 * put is committed. */
static int sink_flush(d4m_sink *s)
{
    if (s->bulk || !s->batch || d4m_kv__batch_count(s->batch) == 0)
        return 0;
    int rc = d4m_kv__batch_write(s->kv, s->batch, false);
    d4m_kv__batch_clear(s->batch);
    return rc;
}

/* Finish the open file of the stream in cur (leaving no file if it is
 * empty). */
static int stream_close(d4m_sink *s, d4m_sink_stream *cur)
{
    if (!cur->sst)
        return 0;
    bool empty;
    int rc = d4m_kv__sst_finish(cur->sst, &empty);
    d4m_kv__sst_free(cur->sst);
    cur->sst = NULL;
    if (rc || empty) {
        d4m_load_file *f = &s->files[cur->file];
        if (f->path)
            unlink(f->path);
        free(f->path);
        f->path = NULL;
    }
    return rc;
}

/* A new file name for stream cur, registered in the sink's files (which
 * removes it on discard unless it was ingested). */
static int sink_new_file(d4m_sink *s, d4m_sink_stream *cur)
{
    if (s->nfiles + 1 >= s->capfiles) {
        size_t cap = s->capfiles ? 2 * s->capfiles : 16;
        d4m_load_file *f = d4m__realloc(s->files, cap * sizeof *f);
        if (!f)
            return D4M_ENOMEM;
        memset(f + s->capfiles, 0, (cap - s->capfiles) * sizeof *f);
        s->files = f;
        s->capfiles = cap;
    }
    size_t n = strlen(s->tmpdir) + strlen(s->prefix) + 64;
    char *path = d4m__malloc(n);
    if (!path)
        return D4M_ENOMEM;
    snprintf(path, n, "%s/%s-t%u-s%u-%u.sst", s->tmpdir, s->prefix, (unsigned)cur->m->id,
             (unsigned)cur->shard, s->seq++);
    cur->file = s->nfiles++;
    s->files[cur->file].path = path;
    s->files[cur->file].table = cur->m->id;
    return 0;
}

static int stream_open(d4m_sink *s, d4m_sink_stream *cur)
{
    D4M_TRY(sink_new_file(s, cur));
    return d4m_kv__sst_new(&cur->sst, s->kv, s->files[cur->file].path);
}

int d4m__sink_init(d4m_sink *s, d4m_kv *kv, bool bulk, const char *tmpdir, const char *prefix)
{
    memset(s, 0, sizeof *s);
    s->kv = kv;
    s->bulk = bulk;
    if (!bulk)
        return d4m_kv__batch_new(&s->batch);
    if (tmpdir) {
        s->tmpdir = strdup(tmpdir);
        if (!s->tmpdir)
            return d4m__error(D4M_ENOMEM, "out of memory");
    } else {
        D4M_TRY(d4m_kv__tmpdir(&s->tmpdir, kv));
    }
    char pfx[64];
    if (!prefix) {
        snprintf(pfx, sizeof pfx, "load-%ld", (long)getpid());
        prefix = pfx;
    }
    s->prefix = strdup(prefix);
    if (!s->prefix)
        return d4m__error(D4M_ENOMEM, "out of memory");
    return 0;
}

/* Start a sorted stream into table m.  follows: its keys all come after
 * the keys of the last stream into m, so a file held open for m goes on
 * (one file for a whole run of ordered loads, rather than one per load). */
int d4m__sink_begin(d4m_sink *s, const d4m_meta *m, bool follows)
{
    if (!s->bulk)
        return 0;
    /* Park the current stream if it may go on later; else finish it. */
    if (s->cur.sst && s->cur.m != m && s->cur.follows && !s->held.sst) {
        s->held = s->cur;
        memset(&s->cur, 0, sizeof s->cur);
    }
    if (follows && s->cur.sst && s->cur.m == m && s->cur.follows)
        return 0;
    D4M_TRY(stream_close(s, &s->cur));
    if (follows && s->held.sst && s->held.m == m) {
        s->cur = s->held;
        memset(&s->held, 0, sizeof s->held);
        return 0;
    }
    if (s->held.sst && s->held.m == m)
        D4M_TRY(stream_close(s, &s->held));   /* m goes backwards: a new file */
    s->cur.m = m;
    s->cur.shard = 0;
    s->cur.follows = follows;
    return stream_open(s, &s->cur);
}

/* row is the encoded row part of key (without the table id), to find the
 * shard. */
int d4m__sink_add(d4m_sink *s, d4m_key key, d4m_key row, d4m_key val, bool merge)
{
    if (!s->bulk) {
        /* One write batch for the whole put, written at the end: atomic,
         * so that a process killed meanwhile leaves none of it, rather
         * than a table without its transpose or degrees (a put of this
         * kind has fewer than PUT_FILES_MIN entries; d4m/table.c). */
        if (merge)
            d4m_kv__batch_merge(s->batch, key, val);
        else
            d4m_kv__batch_put(s->batch, key, val);
        return 0;
    }
    /* Past the split point of the current shard: the next file. */
    d4m_sink_stream *cur = &s->cur;
    while (cur->shard < cur->m->nsplits) {
        const d4m_buf *sp = &cur->m->splits[cur->shard];
        size_t n = row.len < sp->len ? row.len : sp->len;
        int c = memcmp(row.ptr, sp->p, n);
        if (c < 0 || (c == 0 && row.len < sp->len))
            break;
        D4M_TRY(stream_close(s, cur));
        cur->shard++;
        D4M_TRY(stream_open(s, cur));
    }
    return d4m_kv__sst_add(cur->sst, key, val, merge);
}

void d4m__sink_discard(d4m_sink *s)
{
    d4m_kv__sst_free(s->cur.sst);
    d4m_kv__sst_free(s->held.sst);
    for (size_t i = 0; i < s->capfiles; i++) {
        if (s->files[i].path) {
            if (!s->keep_files)
                unlink(s->files[i].path);
            free(s->files[i].path);
        }
    }
    free(s->files);
    free(s->tmpdir);
    free(s->prefix);
    d4m_kv__batch_free(s->batch);
    memset(s, 0, sizeof *s);
}

int d4m__sink_close(d4m_sink *s)
{
    if (!s->bulk)
        return sink_flush(s);
    D4M_TRY(stream_close(s, &s->cur));
    return stream_close(s, &s->held);
}

int d4m__sink_commit(d4m_sink *s)
{
    D4M_TRY(d4m__sink_close(s));
    if (!s->bulk)
        return 0;
    char **paths = d4m__malloc(d4m__mul(s->nfiles ? s->nfiles : 1, sizeof *paths));
    if (!paths)
        return D4M_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < s->nfiles; i++)
        if (s->files[i].path)
            paths[n++] = s->files[i].path;
    int rc = d4m_kv__ingest(s->kv, (const char *const *)paths, n);
    free(paths);
    return rc;
}

/* --------------------------------------------------------- table empty */

int d4m__table_empty(bool *empty, d4m_db *db, uint32_t id)
{
    d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
    d4m__table_range(&lo, &hi, id);
    d4m_kv_iter *it;
    int rc = d4m_kv__iter_new(&it, db->kv, NULL, (d4m_key){ lo.p, lo.len },
                              (d4m_key){ hi.p, hi.len });
    if (!rc) {
        *empty = !d4m_kv__iter_valid(it);
        rc = d4m_kv__iter_status(it);
        d4m_kv__iter_free(it);
    }
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    return rc;
}

/* Split points at the entry quantiles of a load: weights[i] entries for
 * encoded key i. */
int d4m__splits_from_load(d4m_meta *m, const enc_keys *keys, const uint64_t *count,
                            uint64_t total)
{
    uint32_t shards = m->nsplits + 1;
    if (shards < 2 || keys->n < shards)
        return 0;
    d4m_buf *sp = d4m__calloc(shards - 1, sizeof *sp);
    if (!sp)
        return D4M_ENOMEM;
    uint64_t acc = 0, k = 0;
    uint32_t s = 0;
    for (; k < keys->n && s < shards - 1; k++) {
        acc += count[k];
        if (acc * shards >= (uint64_t)(s + 1) * total && k + 1 < keys->n) {
            d4m_key next = d4m__enc_at(keys, k + 1);
            if (d4m__buf_put(&sp[s], next.ptr, next.len)) {
                for (uint32_t i = 0; i < shards - 1; i++)
                    d4m__buf_free(&sp[i]);
                free(sp);
                return D4M_ENOMEM;
            }
            s++;
        }
    }
    if (s < shards - 1) {   /* too few distinct keys: keep the old points */
        for (uint32_t i = 0; i < shards - 1; i++)
            d4m__buf_free(&sp[i]);
        free(sp);
        return 0;
    }
    for (uint32_t i = 0; i < m->nsplits; i++)
        d4m__buf_free(&m->splits[i]);
    free(m->splits);
    m->splits = sp;
    return 1;   /* changed */
}

/* ------------------------------------------------------------------ put */

typedef struct {
    enc_keys rows, cols;
    d4m_triples *byrow, *bycol;
    uint64_t *rowcnt, *colcnt;   /* entries per row / column key */
    unsigned char *rfix, *cfix;  /* rows, cols in fixed slots (enc_fixed), or NULL */
} put_state;

static void put_state_free(put_state *p)
{
    d4m__enc_free(&p->rows);
    d4m__enc_free(&p->cols);
    d4m_triples_free(p->byrow);
    d4m_triples_free(p->bycol);
    free(p->rowcnt);
    free(p->colcnt);
    free(p->rfix);
    free(p->cfix);
}

/* Value bytes of entry k of t. */
static int value_of(d4m_buf *v, const d4m_assoc *a, const d4m_triples *t, size_t k,
                    d4m_combiner comb)
{
    v->len = 0;
    if (t->sval) {
        if (comb != D4M_COMBINE_NONE)
            return d4m__error(D4M_EVALKIND, "a combiner column got the string value '%.*s'",
                              (int)d4m_assoc_val_str(a, t->sval[k]).len,
                              d4m_assoc_val_str(a, t->sval[k]).ptr);
        return d4m_kv__encode_str_value(v, d4m_assoc_val_str(a, t->sval[k]));
    }
    if (comb != D4M_COMBINE_NONE)
        return d4m_kv__encode_merge(v, merge_tag(comb), t->val[k]);
    return d4m_kv__encode_num_value(v, t->val[k]);
}

static size_t enc_maxlen(const enc_keys *e)
{
    size_t m = 0;
    for (uint64_t i = 0; i < e->n; i++)
        if (e->off[i + 1] - e->off[i] > m)
            m = (size_t)(e->off[i + 1] - e->off[i]);
    return m;
}

/* Where the entries of one stream go: the sink (which cuts files at shard
 * boundaries, or fills write batches), or one sorted file of a bulk load's
 * piece written by a thread of its own. */
typedef struct {
    d4m_sink *s;
    d4m_kv_sst *sst;
} stream_out;

static inline int out_add(stream_out *o, d4m_key key, d4m_key row, d4m_key val, bool merge)
{
    if (o->sst)
        return d4m_kv__sst_add(o->sst, key, val, merge);
    return d4m__sink_add(o->s, key, row, val, merge);
}

#define PF_FAR 32
#define PF_NEAR 16

/* The encoded keys of e in slots of FIX_SLOT bytes, slot i = its length,
 * then its bytes: one cache line holds a key, found without its offset
 * first.  NULL (not an error) when a key is too long for a slot, or the
 * keys are few enough to stay in the cache anyway. */
#define FIX_SLOT 16
#define FIX_MIN_KEYS 65536

static unsigned char *enc_fixed(const enc_keys *e)
{
    if (e->n < FIX_MIN_KEYS || enc_maxlen(e) >= FIX_SLOT)
        return NULL;
    unsigned char *f = d4m__malloc(d4m__mul((size_t)e->n, FIX_SLOT));
    if (!f)
        return NULL;   /* the offsets will do */
    for (uint64_t i = 0; i < e->n; i++) {
        d4m_key k = d4m__enc_at(e, i);
        unsigned char *slot = f + i * FIX_SLOT;
        slot[0] = (unsigned char)k.len;
        memcpy(slot + 1, k.ptr, k.len);
    }
    return f;
}

/* Entries k0 .. k1-1 of one sorted stream of a's triples into table m:
 * outer and inner are the encodings of the outer and inner keys (rows then
 * columns, or the reverse for the transpose); t the triples in outer-major
 * order; combiners decided by the column key (the inner key of the table,
 * the outer key of the transpose). */
static int stream_range(stream_out *o, const d4m_meta *m, const d4m_assoc *a,
                        const d4m_triples *t, size_t k0, size_t k1, const enc_keys *outer,
                        const enc_keys *inner, const unsigned char *ifix, bool transposed,
                        const d4m_meta *combiner_table)
{
    d4m_buf val = { NULL, 0, 0 };
    bool combining = combiner_table->combiner != D4M_COMBINE_NONE || combiner_table->ncc;
    /* The key is built in place: table id and outer key once per outer key,
     * then each inner key after them. */
    size_t cap = D4M_KV_TABLE_ID_LEN + enc_maxlen(outer) + enc_maxlen(inner);
    char *key = d4m__malloc(cap);
    if (!key)
        return D4M_ENOMEM;
    d4m_buf idb = { NULL, 0, 0 };
    d4m_kv__put_table_id(&idb, m->id);
    if (!idb.p) {
        free(key);
        return d4m__error(D4M_ENOMEM, "out of memory");
    }
    memcpy(key, idb.p, D4M_KV_TABLE_ID_LEN);
    d4m__buf_free(&idb);
    size_t plen = 0;
    uint64_t last_o = UINT64_MAX;
    d4m_key ok = { NULL, 0 };
    char num[9];
    num[0] = 'd';
    const uint64_t *op = transposed ? t->col : t->row, *ip = transposed ? t->row : t->col;
    int rc = 0;
    for (size_t k = k0; !rc && k < k1; k++) {
        /* The inner keys of a large load are all over their buffer, and
         * each is a cache miss (two through the offsets: the offset, then
         * the bytes), which costs more than the rest of the entry's work:
         * they are fetched ahead -- a fixed slot PF_FAR entries ahead, or
         * the offset PF_FAR and the bytes PF_NEAR entries ahead (their
         * offset is in the cache by then). */
        if (ifix) {
            if (k + PF_FAR < k1)
                __builtin_prefetch(ifix + ip[k + PF_FAR] * FIX_SLOT);
        } else {
            if (k + PF_FAR < k1)
                __builtin_prefetch(&inner->off[ip[k + PF_FAR]]);
            if (k + PF_NEAR < k1)
                __builtin_prefetch(inner->b.p + inner->off[ip[k + PF_NEAR]]);
        }
        uint64_t o_ = op[k];
        if (o_ != last_o) {
            ok = d4m__enc_at(outer, o_);
            memcpy(key + D4M_KV_TABLE_ID_LEN, ok.ptr, ok.len);
            plen = D4M_KV_TABLE_ID_LEN + ok.len;
            last_o = o_;
        }
        d4m_key ik;
        if (ifix) {
            const unsigned char *slot = ifix + ip[k] * FIX_SLOT;
            ik = (d4m_key){ (const char *)slot + 1, slot[0] };
        } else {
            ik = d4m__enc_at(inner, ip[k]);
        }
        memcpy(key + plen, ik.ptr, ik.len);
        d4m_key kk = { key, plen + ik.len };
        /* The column key (raw) decides the combiner, in both tables. */
        d4m_combiner comb = D4M_COMBINE_NONE;
        if (combining) {
            d4m_key raw = d4m_assoc_key(a, 2, (size_t)t->col[k]);
            char txt[32];
            if (d4m_assoc_key_kind(a, 2) == D4M_NUM) {
                int len = snprintf(txt, sizeof txt, "%llu", (unsigned long long)(t->col[k] + 1));
                raw = (d4m_key){ txt, (size_t)len };
            }
            comb = d4m__col_combiner(combiner_table, raw);
        }
        if (!t->sval && comb == D4M_COMBINE_NONE) {
            memcpy(num + 1, &t->val[k], 8);   /* the common case, without a buffer */
            rc = out_add(o, kk, ok, (d4m_key){ num, 9 }, false);
            continue;
        }
        rc = value_of(&val, a, t, k, comb);
        if (!rc)
            rc = out_add(o, kk, ok, (d4m_key){ val.p, val.len }, comb != D4M_COMBINE_NONE);
    }
    free(key);
    d4m__buf_free(&val);
    return rc;
}

static int stream_entries(d4m_sink *s, const d4m_meta *m, const d4m_assoc *a, const d4m_triples *t,
                          const enc_keys *outer, const enc_keys *inner, const unsigned char *ifix,
                          bool transposed, const d4m_meta *combiner_table, bool follows)
{
    D4M_TRY(d4m__sink_begin(s, m, follows));
    stream_out o = { s, NULL };
    return stream_range(&o, m, a, t, 0, t->n, outer, inner, ifix, transposed, combiner_table);
}

/* ------------------------------------------------- parallel bulk streams */

/* A bulk load writes sorted files, and the files of one table need only
 * not overlap: so the stream of a table (and that of its transpose) is cut
 * into pieces at outer-key boundaries -- at every shard boundary, as the
 * sink cuts, and at entry quantiles, one piece per thread -- and the
 * pieces are written to files of their own on every core at once.  (The
 * raw baseline of bench/store.c writes on one core.) */
size_t d4m__bulk_par_min = 65536;

typedef struct {
    const d4m_meta *m;
    const d4m_triples *t;
    const enc_keys *outer, *inner;
    const unsigned char *ifix;
    bool transposed;
    size_t k0, k1;       /* entries */
    size_t file;         /* in the sink's files */
    int rc;
    char msg[512];
} piece;

/* First entry k in [lo, hi) of t whose outer key is >= the split point sp
 * (outer keys ascend with k). */
static size_t first_at_or_after(const d4m_triples *t, bool transposed, const enc_keys *outer,
                                size_t lo, size_t hi, const d4m_buf *sp)
{
    const uint64_t *op = transposed ? t->col : t->row;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        d4m_key k = d4m__enc_at(outer, op[mid]);
        size_t n = k.len < sp->len ? k.len : sp->len;
        int c = n ? memcmp(k.ptr, sp->p, n) : 0;
        if (c < 0 || (c == 0 && k.len < sp->len))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return (a > b) - (a < b);
}

/* Append the pieces of one table's stream to *ps (registering a file name
 * for each in the sink). */
static int plan_pieces(d4m_sink *s, piece **ps, size_t *np, size_t *cap, const d4m_meta *m,
                       const d4m_triples *t, const enc_keys *outer, const enc_keys *inner,
                       const unsigned char *ifix, bool transposed, unsigned nthreads)
{
    const uint64_t *op = transposed ? t->col : t->row;
    size_t ncut = 0;
    size_t *cut = d4m__malloc(d4m__mul((size_t)m->nsplits + nthreads + 2, sizeof *cut));
    if (!cut)
        return D4M_ENOMEM;
    cut[ncut++] = 0;
    cut[ncut++] = t->n;
    for (uint32_t i = 0; i < m->nsplits; i++)
        cut[ncut++] = first_at_or_after(t, transposed, outer, 0, t->n, &m->splits[i]);
    for (unsigned i = 1; i < nthreads; i++) {
        size_t k = (size_t)((unsigned __int128)t->n * i / nthreads);
        while (k > 0 && k < t->n && op[k] == op[k - 1])   /* an outer key's start */
            k++;
        cut[ncut++] = k;
    }
    qsort(cut, ncut, sizeof *cut, cmp_size);
    int rc = 0;
    uint32_t shard = 0;
    for (size_t i = 0; i + 1 < ncut && !rc; i++) {
        if (cut[i] == cut[i + 1])
            continue;
        if (*np == *cap) {
            size_t c2 = *cap ? 2 * *cap : 8;
            piece *p2 = d4m__realloc(*ps, c2 * sizeof *p2);
            if (!p2) {
                rc = D4M_ENOMEM;
                break;
            }
            *ps = p2;
            *cap = c2;
        }
        /* The piece's shard: split points at or below its first key. */
        d4m_key first = d4m__enc_at(outer, op[cut[i]]);
        while (shard < m->nsplits) {
            const d4m_buf *sp = &m->splits[shard];
            size_t n = first.len < sp->len ? first.len : sp->len;
            int c = n ? memcmp(first.ptr, sp->p, n) : 0;
            if (c < 0 || (c == 0 && first.len < sp->len))
                break;
            shard++;
        }
        d4m_sink_stream st;
        memset(&st, 0, sizeof st);
        st.m = m;
        st.shard = shard;
        rc = sink_new_file(s, &st);
        if (rc)
            break;
        piece *p = &(*ps)[(*np)++];
        memset(p, 0, sizeof *p);
        p->m = m;
        p->t = t;
        p->outer = outer;
        p->inner = inner;
        p->ifix = ifix;
        p->transposed = transposed;
        p->k0 = cut[i];
        p->k1 = cut[i + 1];
        p->file = st.file;
    }
    free(cut);
    return rc;
}

static void write_piece(d4m_sink *s, const d4m_assoc *a, const d4m_meta *ct, piece *p)
{
    d4m_load_file *f = &s->files[p->file];
    stream_out o = { s, NULL };
    int rc = d4m_kv__sst_new(&o.sst, s->kv, f->path);
    if (!rc)
        rc = stream_range(&o, p->m, a, p->t, p->k0, p->k1, p->outer, p->inner, p->ifix,
                          p->transposed, ct);
    bool empty = false;
    if (!rc)
        rc = d4m_kv__sst_finish(o.sst, &empty);
    d4m_kv__sst_free(o.sst);
    if (rc || empty) {
        unlink(f->path);
        free(f->path);
        f->path = NULL;
    }
    p->rc = rc;
    if (rc)
        snprintf(p->msg, sizeof p->msg, "%s", d4m_error_message());
}

/* The streams of m and of its transpose pair (NULL if none) on nthreads
 * threads. */
static int stream_parallel(d4m_sink *s, const d4m_assoc *a, d4m_meta *m, d4m_meta *pair,
                           const put_state *p, unsigned nthreads)
{
    /* Files are cut here, not by the sink: close what it has open. */
    D4M_TRY(d4m__sink_close(s));
    piece *ps = NULL;
    size_t np = 0, cap = 0;
    int rc = plan_pieces(s, &ps, &np, &cap, m, p->byrow, &p->rows, &p->cols, p->cfix, false,
                         nthreads);
    if (!rc && pair)
        rc = plan_pieces(s, &ps, &np, &cap, pair, p->bycol, &p->cols, &p->rows, p->rfix, true,
                         nthreads);
    if (!rc) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
#endif
        for (size_t i = 0; i < np; i++)
            write_piece(s, a, m, &ps[i]);
        for (size_t i = 0; i < np && !rc; i++)
            if (ps[i].rc)
                rc = d4m__error(ps[i].rc, "%s", ps[i].msg);
    }
    free(ps);
    return rc;
}

/* Put the keys of e in byte order, with their counts: *cnt_out gets cnt
 * permuted alike (the caller frees it). */
static int cmp_enc_idx(const void *x, const void *y, void *ctx)
{
    d4m_key a = d4m__enc_at(ctx, *(const uint64_t *)x);
    d4m_key b = d4m__enc_at(ctx, *(const uint64_t *)y);
    return d4m_key_cmp(a, b);
}

static int enc_sort_bytes(enc_keys *e, const uint64_t *cnt, uint64_t **cnt_out)
{
    *cnt_out = NULL;
    size_t n = (size_t)e->n;
    uint64_t *idx = d4m__malloc(d4m__mul(n ? n : 1, sizeof *idx));
    uint64_t *c2 = d4m__malloc(d4m__mul(n ? n : 1, sizeof *c2));
    enc_keys s;
    memset(&s, 0, sizeof s);
    s.off = d4m__malloc(d4m__mul(n + 1, sizeof *s.off));
    if (!idx || !c2 || !s.off) {
        free(idx);
        free(c2);
        free(s.off);
        return D4M_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, n, sizeof *idx, cmp_enc_idx, e);
    s.n = e->n;
    s.off[0] = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        d4m_key k = d4m__enc_at(e, idx[i]);
        rc = d4m__buf_put(&s.b, k.ptr, k.len);
        s.off[i + 1] = s.b.len;
        c2[i] = cnt[idx[i]];
    }
    free(idx);
    if (rc) {
        free(c2);
        d4m__enc_free(&s);
        return rc;
    }
    d4m__enc_free(e);
    *e = s;
    *cnt_out = c2;
    return 0;
}

/* Degree counts: for each row key  (row, "OutDeg") += entries, and for each
 * column key  (col, "InDeg") += entries, merged into one sorted stream. */
static int stream_degrees(d4m_sink *s, const d4m_meta *deg, const put_state *p)
{
    d4m_buf out = { NULL, 0, 0 }, in = { NULL, 0, 0 }, key = { NULL, 0, 0 }, val = { NULL, 0, 0 };
    int rc = d4m_kv__encode_str(&out, (d4m_key){ "OutDeg", 6 });
    if (!rc)
        rc = d4m_kv__encode_str(&in, (d4m_key){ "InDeg", 5 });
    if (!rc)
        rc = d4m__sink_begin(s, deg, false);
    uint64_t i = 0, j = 0;
    while (!rc && (i < p->rows.n || j < p->cols.n)) {
        /* Row key r with OutDeg vs column key c with InDeg: compare the
         * full encoded keys (key then column name). */
        int take_row;
        if (i == p->rows.n)
            take_row = 0;
        else if (j == p->cols.n)
            take_row = 1;
        else {
            d4m_key r = d4m__enc_at(&p->rows, i), c = d4m__enc_at(&p->cols, j);
            size_t n = r.len < c.len ? r.len : c.len;
            int cmp = memcmp(r.ptr, c.ptr, n);
            if (cmp == 0)
                cmp = (r.len > c.len) - (r.len < c.len);
            if (cmp == 0)
                cmp = 1;   /* same key: "InDeg" < "OutDeg" */
            take_row = cmp < 0;
        }
        d4m_key k = take_row ? d4m__enc_at(&p->rows, i) : d4m__enc_at(&p->cols, j);
        uint64_t cnt = take_row ? p->rowcnt[i++] : p->colcnt[j++];
        if (cnt == 0)
            continue;
        key.len = 0;
        val.len = 0;
        d4m_kv__put_table_id(&key, deg->id);
        rc = d4m__buf_put(&key, k.ptr, k.len);
        if (!rc)
            rc = take_row ? d4m__buf_put(&key, out.p, out.len) : d4m__buf_put(&key, in.p, in.len);
        if (!rc)
            rc = d4m_kv__encode_merge(&val, 'S', (double)cnt);
        if (!rc)
            rc = d4m__sink_add(s, (d4m_key){ key.p, key.len }, k, (d4m_key){ val.p, val.len }, true);
    }
    d4m__buf_free(&out);
    d4m__buf_free(&in);
    d4m__buf_free(&key);
    d4m__buf_free(&val);
    return rc;
}

/* The triples of a in row order for a load, *t, without copying the
 * matrix: the column indices and numeric values are a's own CSR arrays,
 * borrowed in *c (*borrowed set) until rows_return; only the row index of
 * each entry is made.  A's matrix must not be used meanwhile (its keys
 * may).  String values are copied out by d4m_assoc_find as before. */
static int rows_borrow(d4m_triples **t, d4m_csr *c, bool *borrowed, const d4m_assoc *a)
{
    *borrowed = false;
    if (d4m_assoc_val_kind(a) == D4M_STR)
        return d4m_assoc_find(t, a, D4M_ORDER_ROW);
    D4M_TRY(d4m__csr_borrow(c, a));
    uint64_t nnz = c->p[c->nvec];
    d4m_triples *r = d4m__calloc(1, sizeof *r);
    uint64_t *row = d4m__malloc(d4m__mul(nnz ? (size_t)nnz : 1, sizeof *row));
    if (!r || !row) {
        free(r);
        free(row);
        d4m__csr_return(a, c);
        return D4M_ENOMEM;
    }
    for (uint64_t k = 0; k < c->nvec; k++)
        for (uint64_t q = c->p[k]; q < c->p[k + 1]; q++)
            row[q] = c->h[k];
    r->n = (size_t)nnz;
    r->row = row;
    r->col = c->j;
    r->val = c->x;
    *t = r;
    *borrowed = true;
    return 0;
}

/* Give back what rows_borrow borrowed (t's borrowed arrays are dropped). */
static int rows_return(d4m_triples *t, d4m_csr *c, bool borrowed, const d4m_assoc *a)
{
    if (!borrowed)
        return 0;
    if (t) {
        t->col = NULL;
        t->val = NULL;
    }
    return d4m__csr_return(a, c);
}

/* Every entry of a into s: the table m, its transpose pair and its degree
 * table deg (either may be NULL), each as one sorted stream.  empty[i] set:
 * table i (0: m, 1: pair) is empty, so its split points come from this load;
 * resplit[i] says whether they changed. */
/* Numeric keys are positions: an axis of an Assoc with a key k has k keys,
 * and a load encodes (and counts) every one of them.  Past this many, an
 * axis far sparser than its entries is refused rather than let run the
 * machine out of memory (a single triple with key 2e9 would want ~40 GB). */
#define SPARSE_AXIS_MAX ((uint64_t)1 << 26)

static int check_sparse_axes(const d4m_assoc *a)
{
    uint64_t nnz = d4m_assoc_nnz(a);
    for (int dim = 1; dim <= 2; dim++) {
        uint64_t n = d4m_assoc_key_count(a, dim);
        if (d4m_assoc_key_kind(a, dim) == D4M_NUM && n > SPARSE_AXIS_MAX && n / 16 > nnz)
            return d4m__error(D4M_ETOOBIG, "%s key %llu with only %llu entries: a put "
                              "works in memory proportional to its largest integer key (as "
                              "an Assoc's numeric keys are positions 1..n); keys this sparse "
                              "(ids, times) belong in a string-keyed table",
                              dim == 1 ? "row" : "column", (unsigned long long)n,
                              (unsigned long long)nnz);
    }
    return 0;
}

int d4m__load_assoc(d4m_sink *s, d4m_meta *m, d4m_meta *pair, const d4m_meta *deg,
                    const d4m_assoc *a, const bool empty[2], bool resplit[2], bool follows)
{
    D4M_TRY(check_sparse_axes(a));
    put_state p;
    memset(&p, 0, sizeof p);
    d4m_meta *tables[2] = { m, pair };
    resplit[0] = resplit[1] = false;
    d4m_csr csr;
    bool borrowed = false;
    int rc = enc_axis(&p.rows, a, 1, m->keys);
    if (!rc)
        rc = enc_axis(&p.cols, a, 2, m->keys);
    /* The column order first: it needs a's matrix, which the row order
     * then borrows. */
    if (!rc && pair)
        rc = d4m_assoc_find(&p.bycol, a, D4M_ORDER_COL);
    if (!rc) {
        p.cfix = enc_fixed(&p.cols);
        if (pair)
            p.rfix = enc_fixed(&p.rows);
    }
    if (!rc)
        rc = rows_borrow(&p.byrow, &csr, &borrowed, a);
    /* Entry counts: for the degree table, and for split points of an empty
     * table's first load. */
    if (!rc && (deg || (s->bulk && (empty[0] || empty[1])))) {
        p.rowcnt = d4m__calloc((size_t)p.rows.n, sizeof *p.rowcnt);
        p.colcnt = d4m__calloc((size_t)p.cols.n, sizeof *p.colcnt);
        if (!p.rowcnt || !p.colcnt)
            rc = D4M_ENOMEM;
        for (size_t k = 0; !rc && k < p.byrow->n; k++) {
            p.rowcnt[p.byrow->row[k]]++;
            p.colcnt[p.byrow->col[k]]++;
        }
    }
    /* A first load into an empty table sets its split points from the data:
     * shards of equal entry counts. */
    for (int i = 0; i < 2 && !rc && s->bulk; i++) {
        if (!tables[i] || !empty[i])
            continue;
        int r = i == 0 ? d4m__splits_from_load(tables[i], &p.rows, p.rowcnt, p.byrow->n)
                       : d4m__splits_from_load(tables[i], &p.cols, p.colcnt, p.byrow->n);
        if (r < 0)
            rc = r;
        resplit[i] = r == 1;
    }
    unsigned nthreads = 1;
#ifdef _OPENMP
    nthreads = (unsigned)omp_get_max_threads();
#endif
    if (nthreads > 16)
        nthreads = 16;
    if (!rc && s->bulk && !follows && nthreads > 1 && p.byrow &&
        p.byrow->n >= d4m__bulk_par_min) {
        rc = stream_parallel(s, a, m, pair, &p, nthreads);
    } else {
        if (!rc)
            rc = stream_entries(s, m, a, p.byrow, &p.rows, &p.cols, p.cfix, false, m, follows);
        if (!rc && pair)
            rc = stream_entries(s, pair, a, p.bycol, &p.cols, &p.rows, p.rfix, true, m, false);
    }
    if (!rc && deg)
    {
        if (m->keys == D4M_STR) {
            rc = stream_degrees(s, deg, &p);
        } else {
            /* An integer-keyed table's degrees are keyed by decimal text. */
            put_state q = p;
            memset(&q.rows, 0, sizeof q.rows);
            memset(&q.cols, 0, sizeof q.cols);
            q.rowcnt = q.colcnt = NULL;
            rc = enc_axis(&q.rows, a, 1, D4M_STR);
            if (!rc)
                rc = enc_axis(&q.cols, a, 2, D4M_STR);
            /* Decimal text does not sort as the numbers do (10 < 9): the
             * sorted stream wants the keys in byte order. */
            if (!rc)
                rc = enc_sort_bytes(&q.rows, p.rowcnt, &q.rowcnt);
            if (!rc)
                rc = enc_sort_bytes(&q.cols, p.colcnt, &q.colcnt);
            if (!rc)
                rc = stream_degrees(s, deg, &q);
            d4m__enc_free(&q.rows);
            d4m__enc_free(&q.cols);
            free(q.rowcnt);
            free(q.colcnt);
        }
    }
    int rc2 = rows_return(p.byrow, &csr, borrowed, a);
    if (!rc)
        rc = rc2;
    put_state_free(&p);
    return rc;
}

/* Decimal string keys of an integer-keyed table as positions: *store is
 * the caller's (free). */
int d4m__vec_to_positions(d4m_vec *out, double **store, d4m_vec in, const char *what)
{
    *store = NULL;
    *out = in;
    if (in.kind != D4M_STR)
        return 0;
    double *x = d4m__malloc(d4m__mul(in.n ? in.n : 1, sizeof *x));
    if (!x)
        return D4M_ENOMEM;
    for (size_t i = 0; i < in.n; i++) {
        char buf[32];
        d4m_key k = in.str[i];
        char *end = NULL;
        long long v = 0;
        if (k.ptr && k.len && k.len < sizeof buf) {
            memcpy(buf, k.ptr, k.len);
            buf[k.len] = '\0';
            v = strtoll(buf, &end, 10);
        }
        if (!end || *end != '\0' || v < 1 || v > (1LL << 53)) {
            free(x);
            return d4m__error(D4M_EKEY, "%s key %zu ('%.*s') is not a whole number from 1 to "
                              "2^53, as the keys of an integer-keyed table are", what, i,
                              (int)(k.len > 40 ? 40 : k.len), k.ptr ? k.ptr : "");
        }
        x[i] = (double)v;
    }
    *store = x;
    *out = d4m_vec_num(x, in.n);
    return 0;
}

/* Triples as Assocs with the table's collision rules: without a combiner
 * the last of duplicates wins (a later put replaces); with one, duplicates
 * combine by it; with column combiners, the columns of each rule make one
 * Assoc with that rule.  fn gets each Assoc. */
int d4m__triples_assocs(const d4m_meta *tm, d4m_vec row, d4m_vec col, d4m_vec val,
                        int (*fn)(const d4m_assoc *a, void *ctx), void *ctx)
{
    if (tm->keys == D4M_NUM && (row.kind == D4M_STR || col.kind == D4M_STR)) {
        double *rs = NULL, *cs = NULL;
        d4m_vec r2, c2;
        int rc = d4m__vec_to_positions(&r2, &rs, row, "row");
        if (!rc)
            rc = d4m__vec_to_positions(&c2, &cs, col, "column");
        if (!rc)
            rc = d4m__triples_assocs(tm, r2, c2, val, fn, ctx);
        free(rs);
        free(cs);
        return rc;
    }
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    /* Without a combiner a later put replaces: the last of duplicates wins. */
    if (tm->combiner == D4M_COMBINE_NONE && tm->ncc == 0) {
        o.collide = D4M_COLLIDE_LAST;
    } else if (tm->ncc == 0) {
        o.collide = tm->combiner == D4M_COMBINE_SUM ? D4M_COLLIDE_SUM
                  : tm->combiner == D4M_COMBINE_MIN ? D4M_COLLIDE_MIN : D4M_COLLIDE_MAX;
    } else {
        /* Column combiners: split the triples by rule. */
        size_t n = row.n > col.n ? row.n : col.n;
        if (val.n > n) n = val.n;
        if (col.kind != D4M_STR) {
            o.collide = D4M_COLLIDE_LAST;
        } else {
            int rc = 0;
            for (int rule = 0; rule <= D4M_COMBINE_MAX && !rc; rule++) {
                size_t *sel = d4m__malloc(d4m__mul(n, sizeof *sel));
                d4m_key *rk = NULL, *ck = NULL, *vk = NULL;
                double *rn = NULL, *vn = NULL;
                if (!sel)
                    return D4M_ENOMEM;
                size_t m = 0;
                for (size_t k = 0; k < n; k++) {
                    d4m_key c = col.str[col.n == 1 ? 0 : k];
                    if ((int)d4m__col_combiner(tm, c) == rule)
                        sel[m++] = k;
                }
                if (m) {
                    rk = row.kind == D4M_STR ? d4m__malloc(m * sizeof *rk) : NULL;
                    rn = row.kind == D4M_NUM ? d4m__malloc(m * sizeof *rn) : NULL;
                    ck = d4m__malloc(m * sizeof *ck);
                    vk = val.kind == D4M_STR ? d4m__malloc(m * sizeof *vk) : NULL;
                    vn = val.kind == D4M_NUM ? d4m__malloc(m * sizeof *vn) : NULL;
                    if (!ck || (!rk && !rn) || (!vk && !vn)) {
                        rc = D4M_ENOMEM;
                    } else {
                        for (size_t q = 0; q < m; q++) {
                            size_t k = sel[q];
                            if (rk) rk[q] = row.str[row.n == 1 ? 0 : k];
                            if (rn) rn[q] = row.num[row.n == 1 ? 0 : k];
                            ck[q] = col.str[col.n == 1 ? 0 : k];
                            if (vk) vk[q] = val.str[val.n == 1 ? 0 : k];
                            if (vn) vn[q] = val.num[val.n == 1 ? 0 : k];
                        }
                        d4m_build_options ro = D4M_BUILD_OPTIONS_INIT;
                        ro.collide = rule == D4M_COMBINE_SUM ? D4M_COLLIDE_SUM
                                   : rule == D4M_COMBINE_MIN ? D4M_COLLIDE_MIN
                                   : rule == D4M_COMBINE_MAX ? D4M_COLLIDE_MAX : D4M_COLLIDE_LAST;
                        d4m_assoc *a = NULL;
                        rc = d4m_assoc_build(&a, rk ? d4m_vec_str(rk, m) : d4m_vec_num(rn, m),
                                             d4m_vec_str(ck, m),
                                             vk ? d4m_vec_str(vk, m) : d4m_vec_num(vn, m), &ro);
                        if (!rc)
                            rc = fn(a, ctx);
                        d4m_assoc_free(a);
                    }
                }
                free(sel); free(rk); free(rn); free(ck); free(vk); free(vn);
            }
            return rc;
        }
    }
    if (val.kind == D4M_STR && o.collide == D4M_COLLIDE_SUM)
        return d4m__error(D4M_EVALKIND, "the table sums values; string values cannot be summed");
    d4m_assoc *a = NULL;
    D4M_TRY(d4m_assoc_build(&a, row, col, val, &o));
    int rc = fn(a, ctx);
    d4m_assoc_free(a);
    return rc;
}


