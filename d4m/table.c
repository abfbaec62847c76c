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
#include <unistd.h>
#include "store.h"

#define BATCH_ENTRIES 100000

/* ------------------------------------------------------- encoded keys */

/* The encodings of every key of one axis of an Assoc, for a table of kind
 * `kind`: offsets into one buffer.  Numeric axes (positions) become decimal
 * strings in a string-keyed table. */
typedef struct {
    d4m_buf b;
    uint64_t *off;   /* n + 1 */
    uint64_t n;
} enc_keys;

static void enc_free(enc_keys *e)
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
        enc_free(e);
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
            enc_free(e);
            return rc;
        }
        e->off[i + 1] = e->b.len;
    }
    return 0;
}

static d4m_key enc_at(const enc_keys *e, uint64_t i)
{
    return (d4m_key){ e->b.p + e->off[i], (size_t)(e->off[i + 1] - e->off[i]) };
}

/* ----------------------------------------------------------- combiners */

static char merge_tag(d4m_combiner c)
{
    return c == D4M_COMBINE_SUM ? 'S' : c == D4M_COMBINE_MIN ? 'm' : c == D4M_COMBINE_MAX ? 'M' : 0;
}

/* The combiner of column key col (raw bytes) in table m. */
static d4m_combiner col_combiner_of(const d4m_meta *m, d4m_key col)
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

/* Where a sorted stream of (key, value, merge) goes: a write batch flushed
 * every BATCH_ENTRIES, or sorted files cut at the shard boundaries. */
typedef struct {
    d4m_db *db;
    bool bulk;
    /* normal */
    d4m_kv_batch *batch;
    /* bulk */
    const d4m_meta *m;        /* table whose shards cut the files */
    uint32_t shard;           /* current shard */
    d4m_kv_sst *sst;
    char *tmpdir;
    char **files;
    size_t nfiles, capfiles;
    unsigned seq;
} sink;

static int sink_flush(sink *s)
{
    if (s->bulk || !s->batch || d4m_kv__batch_count(s->batch) == 0)
        return 0;
    int rc = d4m_kv__batch_write(s->db->kv, s->batch, false);
    d4m_kv__batch_clear(s->batch);
    return rc;
}

static int sink_close_file(sink *s)
{
    if (!s->sst)
        return 0;
    bool empty;
    int rc = d4m_kv__sst_finish(s->sst, &empty);
    d4m_kv__sst_free(s->sst);
    s->sst = NULL;
    if (!rc && !empty)
        s->nfiles++;
    else if (s->nfiles < s->capfiles) {
        free(s->files[s->nfiles]);
        s->files[s->nfiles] = NULL;
    }
    return rc;
}

static int sink_open_file(sink *s)
{
    if (s->nfiles + 1 >= s->capfiles) {
        size_t cap = s->capfiles ? 2 * s->capfiles : 16;
        char **f = d4m__realloc(s->files, cap * sizeof *f);
        if (!f)
            return D4M_ENOMEM;
        memset(f + s->capfiles, 0, (cap - s->capfiles) * sizeof *f);
        s->files = f;
        s->capfiles = cap;
    }
    size_t n = strlen(s->tmpdir) + 64;
    char *path = d4m__malloc(n);
    if (!path)
        return D4M_ENOMEM;
    snprintf(path, n, "%s/load-%ld-%u.sst", s->tmpdir, (long)getpid(), s->seq++);
    s->files[s->nfiles] = path;
    return d4m_kv__sst_new(&s->sst, s->db->kv, path);
}

/* Start a sorted stream into table m. */
static int sink_begin(sink *s, const d4m_meta *m)
{
    if (!s->bulk)
        return 0;
    D4M_TRY(sink_close_file(s));
    s->m = m;
    s->shard = 0;
    return sink_open_file(s);
}

/* row is the encoded row part of key (without the table id), to find the
 * shard. */
static int sink_add(sink *s, d4m_key key, d4m_key row, d4m_key val, bool merge)
{
    if (!s->bulk) {
        if (merge)
            d4m_kv__batch_merge(s->batch, key, val);
        else
            d4m_kv__batch_put(s->batch, key, val);
        if (d4m_kv__batch_count(s->batch) >= BATCH_ENTRIES)
            return sink_flush(s);
        return 0;
    }
    /* Past the split point of the current shard: the next file. */
    while (s->shard < s->m->nsplits) {
        const d4m_buf *sp = &s->m->splits[s->shard];
        size_t n = row.len < sp->len ? row.len : sp->len;
        int c = memcmp(row.ptr, sp->p, n);
        if (c < 0 || (c == 0 && row.len < sp->len))
            break;
        D4M_TRY(sink_close_file(s));
        D4M_TRY(sink_open_file(s));
        s->shard++;
    }
    return d4m_kv__sst_add(s->sst, key, val, merge);
}

static void sink_discard(sink *s)
{
    if (s->sst) {
        d4m_kv__sst_free(s->sst);
        s->sst = NULL;
    }
    for (size_t i = 0; i < s->capfiles; i++) {
        if (s->files && s->files[i]) {
            unlink(s->files[i]);
            free(s->files[i]);
        }
    }
    free(s->files);
    s->files = NULL;
    s->nfiles = s->capfiles = 0;
    free(s->tmpdir);
    s->tmpdir = NULL;
    d4m_kv__batch_free(s->batch);
    s->batch = NULL;
}

static int sink_commit(sink *s)
{
    if (!s->bulk)
        return sink_flush(s);
    D4M_TRY(sink_close_file(s));
    return d4m_kv__ingest(s->db->kv, (const char *const *)s->files, s->nfiles);
}

/* --------------------------------------------------------- table empty */

static int table_empty(bool *empty, d4m_db *db, uint32_t id)
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
static int splits_from_load(d4m_meta *m, const enc_keys *keys, const uint64_t *count,
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
            d4m_key next = enc_at(keys, k + 1);
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
} put_state;

static void put_state_free(put_state *p)
{
    enc_free(&p->rows);
    enc_free(&p->cols);
    d4m_triples_free(p->byrow);
    d4m_triples_free(p->bycol);
    free(p->rowcnt);
    free(p->colcnt);
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

/* One sorted stream of a's triples into table m: rows then cols (outer,
 * inner) are the encodings of the outer and inner keys; t the triples in
 * outer-major order; combiners decided by the column key (the inner key of
 * the table, the outer key of the transpose). */
static int stream_entries(sink *s, const d4m_meta *m, const d4m_assoc *a, const d4m_triples *t,
                          const enc_keys *outer, const enc_keys *inner, bool transposed,
                          const d4m_meta *combiner_table)
{
    d4m_buf key = { NULL, 0, 0 }, val = { NULL, 0, 0 };
    int rc = sink_begin(s, m);
    for (size_t k = 0; !rc && k < t->n; k++) {
        uint64_t o = transposed ? t->col[k] : t->row[k];
        uint64_t i = transposed ? t->row[k] : t->col[k];
        d4m_key ok = enc_at(outer, o), ik = enc_at(inner, i);
        /* The column key (raw) decides the combiner, in both tables. */
        d4m_combiner comb = D4M_COMBINE_NONE;
        if (combiner_table->combiner != D4M_COMBINE_NONE || combiner_table->ncc) {
            d4m_key raw = d4m_assoc_key(a, 2, (size_t)t->col[k]);
            char num[32];
            if (d4m_assoc_key_kind(a, 2) == D4M_NUM) {
                int len = snprintf(num, sizeof num, "%llu", (unsigned long long)(t->col[k] + 1));
                raw = (d4m_key){ num, (size_t)len };
            }
            comb = col_combiner_of(combiner_table, raw);
        }
        rc = value_of(&val, a, t, k, comb);
        if (rc)
            break;
        key.len = 0;
        d4m_kv__put_table_id(&key, m->id);
        rc = d4m__buf_put(&key, ok.ptr, ok.len);
        if (!rc)
            rc = d4m__buf_put(&key, ik.ptr, ik.len);
        if (!rc)
            rc = sink_add(s, (d4m_key){ key.p, key.len }, ok, (d4m_key){ val.p, val.len },
                          comb != D4M_COMBINE_NONE);
    }
    d4m__buf_free(&key);
    d4m__buf_free(&val);
    return rc;
}

/* Degree counts: for each row key  (row, "OutDeg") += entries, and for each
 * column key  (col, "InDeg") += entries, merged into one sorted stream. */
static int stream_degrees(sink *s, const d4m_meta *deg, const put_state *p)
{
    d4m_buf out = { NULL, 0, 0 }, in = { NULL, 0, 0 }, key = { NULL, 0, 0 }, val = { NULL, 0, 0 };
    int rc = d4m_kv__encode_str(&out, (d4m_key){ "OutDeg", 6 });
    if (!rc)
        rc = d4m_kv__encode_str(&in, (d4m_key){ "InDeg", 5 });
    if (!rc)
        rc = sink_begin(s, deg);
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
            d4m_key r = enc_at(&p->rows, i), c = enc_at(&p->cols, j);
            size_t n = r.len < c.len ? r.len : c.len;
            int cmp = memcmp(r.ptr, c.ptr, n);
            if (cmp == 0)
                cmp = (r.len > c.len) - (r.len < c.len);
            if (cmp == 0)
                cmp = 1;   /* same key: "InDeg" < "OutDeg" */
            take_row = cmp < 0;
        }
        d4m_key k = take_row ? enc_at(&p->rows, i) : enc_at(&p->cols, j);
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
            rc = sink_add(s, (d4m_key){ key.p, key.len }, k, (d4m_key){ val.p, val.len }, true);
    }
    d4m__buf_free(&out);
    d4m__buf_free(&in);
    d4m__buf_free(&key);
    d4m__buf_free(&val);
    return rc;
}

int d4m_table_put(d4m_table *t, const d4m_assoc *a, unsigned flags)
{
    if (!t || !a)
        return d4m__error(D4M_EINVAL, "put: NULL argument");
    if (flags & ~D4M_PUT_BULK)
        return d4m__error(D4M_EINVAL, "put: unknown flags 0x%x", flags);
    if (d4m_kv__readonly(t->db->kv))
        return d4m__error(D4M_EINVAL, "the database is open read-only");
    if (d4m_assoc_is_empty(a))
        return 0;
    put_state p;
    memset(&p, 0, sizeof p);
    sink s;
    memset(&s, 0, sizeof s);
    s.db = t->db;
    s.bulk = (flags & D4M_PUT_BULK) != 0;
    d4m_meta *tables[2] = { &t->m, t->pair };
    bool resplit[2] = { false, false };

    int rc = enc_axis(&p.rows, a, 1, t->m.keys);
    if (!rc)
        rc = enc_axis(&p.cols, a, 2, t->m.keys);
    if (!rc)
        rc = d4m_assoc_find(&p.byrow, a, D4M_ORDER_ROW);
    if (!rc && (t->pair || s.bulk))
        rc = d4m_assoc_find(&p.bycol, a, D4M_ORDER_COL);
    if (!rc && (t->deg || s.bulk)) {
        p.rowcnt = d4m__calloc((size_t)p.rows.n, sizeof *p.rowcnt);
        p.colcnt = d4m__calloc((size_t)p.cols.n, sizeof *p.colcnt);
        if (!p.rowcnt || !p.colcnt)
            rc = D4M_ENOMEM;
        for (size_t k = 0; !rc && k < p.byrow->n; k++) {
            p.rowcnt[p.byrow->row[k]]++;
            p.colcnt[p.byrow->col[k]]++;
        }
    }
    if (!rc && s.bulk) {
        rc = d4m_kv__tmpdir(&s.tmpdir, t->db->kv);
        /* A first load into an empty table sets its split points from the
         * data: shards of equal entry counts. */
        for (int i = 0; i < 2 && !rc; i++) {
            bool empty;
            if (!tables[i])
                continue;
            rc = table_empty(&empty, t->db, tables[i]->id);
            if (!rc && empty) {
                int r = i == 0 ? splits_from_load(tables[i], &p.rows, p.rowcnt, p.byrow->n)
                               : splits_from_load(tables[i], &p.cols, p.colcnt, p.byrow->n);
                if (r < 0)
                    rc = r;
                resplit[i] = r == 1;
            }
        }
    } else if (!rc) {
        rc = d4m_kv__batch_new(&s.batch);
    }
    if (!rc)
        rc = stream_entries(&s, &t->m, a, p.byrow, &p.rows, &p.cols, false, &t->m);
    if (!rc && t->pair)
        rc = stream_entries(&s, t->pair, a, p.bycol, &p.cols, &p.rows, true, &t->m);
    if (!rc && t->deg)
        rc = stream_degrees(&s, t->deg, &p);
    if (!rc)
        rc = sink_commit(&s);
    for (int i = 0; i < 2 && !rc; i++)
        if (resplit[i])
            rc = d4m__meta_store(t->db, tables[i]);
    sink_discard(&s);
    put_state_free(&p);
    return rc;
}

/* Triples with a combiner rule per column: the columns of each rule are
 * built into one Assoc with that rule as the collision rule, and put. */
int d4m_table_put_triples(d4m_table *t, d4m_vec row, d4m_vec col, d4m_vec val, unsigned flags)
{
    if (!t)
        return d4m__error(D4M_EINVAL, "putTriple: NULL table");
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    /* Without a combiner a later put replaces: the last of duplicates wins. */
    if (t->m.combiner == D4M_COMBINE_NONE && t->m.ncc == 0) {
        o.collide = D4M_COLLIDE_LAST;
    } else if (t->m.ncc == 0) {
        o.collide = t->m.combiner == D4M_COMBINE_SUM ? D4M_COLLIDE_SUM
                  : t->m.combiner == D4M_COMBINE_MIN ? D4M_COLLIDE_MIN : D4M_COLLIDE_MAX;
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
                    if ((int)col_combiner_of(&t->m, c) == rule)
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
                            rc = d4m_table_put(t, a, flags);
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
    int rc = d4m_table_put(t, a, flags);
    d4m_assoc_free(a);
    return rc;
}

int d4m_table_delete(d4m_table *t, d4m_vec row, d4m_vec col)
{
    if (!t)
        return d4m__error(D4M_EINVAL, "delete: NULL table");
    if (d4m_kv__readonly(t->db->kv))
        return d4m__error(D4M_EINVAL, "the database is open read-only");
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
        int64_t v;
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
        int64_t lo, hi;
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
        int64_t v;
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

struct d4m_table_iter {
    d4m_table *t;
    const d4m_meta *m;        /* the table scanned: t->m or its transpose */
    bool transposed;          /* scanning the transpose: swap row and col */
    const d4m_query *filter;  /* on the inner key (col of the scanned table) */
    krange *r;
    size_t nr, cur;
    d4m_kv_iter *it;
    size_t chunk;
    bool done;
    /* collected entries of one chunk */
    d4m_buf rows, cols, sval;
    uint64_t *roff, *coff, *voff;
    double *rnum, *cnum, *vnum;
    size_t n, cap;
    bool any_str;
};

void d4m_table_iter_free(d4m_table_iter *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->nr; i++) {
        d4m__buf_free(&x->r[i].lo);
        d4m__buf_free(&x->r[i].hi);
    }
    free(x->r);
    d4m_kv__iter_free(x->it);
    d4m__buf_free(&x->rows);
    d4m__buf_free(&x->cols);
    d4m__buf_free(&x->sval);
    free(x->roff); free(x->coff); free(x->voff);
    free(x->rnum); free(x->cnum); free(x->vnum);
    free(x);
}

int d4m_table_iter_new(d4m_table_iter **out, d4m_table *t, const d4m_query *rows,
                       const d4m_query *cols, size_t chunk)
{
    if (!out || !t)
        return d4m__error(D4M_EINVAL, "Iterator: NULL argument");
    *out = NULL;
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
        x->filter = NULL;
    } else {
        x->m = &t->m;
        x->filter = cols_all ? NULL : cols;
    }
    int rc = query_check(x->filter, t->m.keys);
    if (!rc)
        rc = query_ranges(&x->r, &x->nr, x->m, x->transposed ? cols : rows);
    if (!rc && x->nr) {
        /* One RocksDB iterator for every range: it reads one consistent
         * view of the database, whatever is written meanwhile. */
        rc = d4m_kv__iter_new(&x->it, t->db->kv, NULL, (d4m_key){ x->r[0].lo.p, x->r[0].lo.len },
                              (d4m_key){ x->r[0].hi.p, x->r[0].hi.len });
    }
    if (rc) {
        d4m_table_iter_free(x);
        return rc;
    }
    x->done = x->nr == 0;
    *out = x;
    return 0;
}

static int collect_grow(d4m_table_iter *x)
{
    size_t cap = x->cap ? 2 * x->cap : 1024;
    uint64_t *ro = d4m__realloc(x->roff, (cap + 1) * sizeof *ro);
    if (!ro) return D4M_ENOMEM;
    x->roff = ro;
    uint64_t *co = d4m__realloc(x->coff, (cap + 1) * sizeof *co);
    if (!co) return D4M_ENOMEM;
    x->coff = co;
    uint64_t *vo = d4m__realloc(x->voff, (cap + 1) * sizeof *vo);
    if (!vo) return D4M_ENOMEM;
    x->voff = vo;
    double *rn = d4m__realloc(x->rnum, cap * sizeof *rn);
    if (!rn) return D4M_ENOMEM;
    x->rnum = rn;
    double *cn = d4m__realloc(x->cnum, cap * sizeof *cn);
    if (!cn) return D4M_ENOMEM;
    x->cnum = cn;
    double *vn = d4m__realloc(x->vnum, cap * sizeof *vn);
    if (!vn) return D4M_ENOMEM;
    x->vnum = vn;
    x->cap = cap;
    return 0;
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

/* The shortest "%.Ng" that reads back as x. */
static int fmt_exact(char *buf, size_t cap, double x)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return n;
}

static int collect_assoc(d4m_assoc **out, d4m_table_iter *x)
{
    size_t n = x->n;
    d4m_kind kind = x->t->m.keys;
    d4m_key *rk = NULL, *ck = NULL, *vk = NULL;
    int rc = 0;
    d4m_buf vtext = { NULL, 0, 0 };
    uint64_t *vto = NULL;
    if (n == 0)
        return d4m_assoc_new_empty(out);
    if (kind == D4M_STR) {
        rk = d4m__malloc(d4m__mul(n, sizeof *rk));
        ck = d4m__malloc(d4m__mul(n, sizeof *ck));
        if (!rk || !ck)
            rc = D4M_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++) {
            rk[i] = (d4m_key){ x->rows.p + x->roff[i], (size_t)(x->roff[i + 1] - x->roff[i]) };
            ck[i] = (d4m_key){ x->cols.p + x->coff[i], (size_t)(x->coff[i + 1] - x->coff[i]) };
        }
    } else {
        for (size_t i = 0; i < n && !rc; i++)
            if (x->rnum[i] < 1 || x->cnum[i] < 1)
                rc = d4m__error(D4M_EKEY, "key %.0f is below 1: integer keys come back as "
                                "Assoc positions, which start at 1",
                                x->rnum[i] < 1 ? x->rnum[i] : x->cnum[i]);
    }
    if (!rc && x->any_str) {
        /* Mixed values: every number becomes its exact text. */
        vk = d4m__malloc(d4m__mul(n, sizeof *vk));
        vto = d4m__malloc(d4m__mul(n + 1, sizeof *vto));
        if (!vk || !vto)
            rc = D4M_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++) {
            vto[i] = vtext.len;
            if (x->voff[i + 1] == UINT64_MAX - 1) {
                char num[40];
                int len = fmt_exact(num, sizeof num, x->vnum[i]);
                rc = d4m__buf_put(&vtext, num, (size_t)len);
            } else {
                rc = d4m__buf_put(&vtext, x->sval.p + x->voff[i],
                                  (size_t)(x->voff[i + 1] - x->voff[i]));
            }
        }
        if (!rc) {
            vto[n] = vtext.len;
            for (size_t i = 0; i < n; i++)
                vk[i] = (d4m_key){ vtext.p + vto[i], (size_t)(vto[i + 1] - vto[i]) };
        }
    }
    if (!rc) {
        d4m_vec rv = kind == D4M_STR ? d4m_vec_str(rk, n) : d4m_vec_num(x->rnum, n);
        d4m_vec cv = kind == D4M_STR ? d4m_vec_str(ck, n) : d4m_vec_num(x->cnum, n);
        d4m_vec vv = x->any_str ? d4m_vec_str(vk, n) : d4m_vec_num(x->vnum, n);
        if (x->transposed) {
            d4m_vec tmp = rv;
            rv = cv;
            cv = tmp;
        }
        rc = d4m_assoc_build(out, rv, cv, vv, NULL);
    }
    free(rk);
    free(ck);
    free(vk);
    free(vto);
    d4m__buf_free(&vtext);
    return rc;
}

int d4m_table_iter_next(d4m_assoc **out, d4m_table_iter *x)
{
    if (!out || !x)
        return d4m__error(D4M_EINVAL, "Iterator: NULL argument");
    *out = NULL;
    x->n = 0;
    x->any_str = false;
    x->rows.len = x->cols.len = x->sval.len = 0;
    d4m_kind kind = x->t->m.keys;
    d4m_buf ob = { NULL, 0, 0 }, ib = { NULL, 0, 0 };
    int rc = 0;
    while (!rc && !x->done && x->n < x->chunk) {
        if (!d4m_kv__iter_valid(x->it)) {
            rc = d4m_kv__iter_status(x->it);
            if (rc)
                break;
            if (++x->cur >= x->nr) {
                x->done = true;
                break;
            }
            rc = d4m_kv__iter_seek(x->it, (d4m_key){ x->r[x->cur].lo.p, x->r[x->cur].lo.len },
                                   (d4m_key){ x->r[x->cur].hi.p, x->r[x->cur].hi.len });
            continue;
        }
        d4m_key key = d4m_kv__iter_key(x->it), val = d4m_kv__iter_value(x->it);
        int64_t ov = 0, iv = 0;
        ob.len = ib.len = 0;
        rc = decode_pair(kind, key, &ob, &ov, &ib, &iv);
        if (rc)
            break;
        if (x->filter && !query_match(x->filter, kind, (d4m_key){ ib.p, ib.len }, iv)) {
            d4m_kv__iter_next(x->it);
            continue;
        }
        int is_num;
        double num;
        d4m_key str;
        rc = d4m_kv__decode_value(&is_num, &num, &str, val.ptr, val.len);
        if (rc)
            break;
        if (x->n == x->cap && (rc = collect_grow(x)))
            break;
        size_t i = x->n;
        if (i == 0) {
            x->roff[0] = x->coff[0] = x->voff[0] = 0;
        }
        if (kind == D4M_STR) {
            rc = d4m__buf_put(&x->rows, ob.p, ob.len);
            if (!rc)
                rc = d4m__buf_put(&x->cols, ib.p, ib.len);
        } else {
            x->rnum[i] = (double)ov;
            x->cnum[i] = (double)iv;
        }
        x->roff[i + 1] = x->rows.len;
        x->coff[i + 1] = x->cols.len;
        if (is_num) {
            x->vnum[i] = num;
            x->voff[i + 1] = UINT64_MAX - 1;   /* marks a number */
            /* keep voff monotone for strings: the next string starts here */
            if (!rc && i + 1 <= x->cap)
                x->voff[i] = x->voff[i] == UINT64_MAX - 1 ? x->sval.len : x->voff[i];
        } else {
            x->any_str = true;
            x->voff[i] = x->sval.len;
            rc = d4m__buf_put(&x->sval, str.ptr, str.len);
            x->voff[i + 1] = x->sval.len;
        }
        x->n++;
        d4m_kv__iter_next(x->it);
    }
    d4m__buf_free(&ob);
    d4m__buf_free(&ib);
    if (rc)
        return rc;
    rc = collect_assoc(out, x);
    if (rc)
        return rc;
    return x->n == 0 ? D4M_ITER_DONE : 0;
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

/* --------------------------------------------------------------- shards */

int d4m_table_set_shards(d4m_table *t, unsigned shards)
{
    if (!t || shards == 0 || shards > 4096)
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
            m->nsplits = shards - 1;
            int r = splits_from_load(m, &rows, cnt, total);
            rc = r < 0 ? r : 0;
        }
        if (!rc)
            rc = d4m__meta_store(t->db, m);
    }
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    d4m__buf_free(&ob);
    d4m__buf_free(&ib);
    d4m__buf_free(&enc);
    enc_free(&rows);
    free(cnt);
    return rc;
}
