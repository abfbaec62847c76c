/*
 * bench/assoc.c - d4m-bench-assoc: how fast are the in-memory Assoc
 * operations, against the D4M toolbox on Octave 7.3?
 *
 * Workload: N triples with row key "r<k>" and column key "c<k>", k uniform
 * in 1..N/10 (drawn independently for row and column), values uniform
 * integers 1..100; a second array B the same way from another seed.  The
 * key and value arrays are made before any timing: an op times only the
 * library call(s) it names.  Each op runs --reps times; the minimum time is
 * reported.  Every result is checked against figures computed here,
 * independently of the library (outside the timing).
 *
 * Output: one JSON object per op on stdout; progress on stderr.
 * Exit status: 0 ok, 1 library error (its message on stderr), 2 bad usage,
 * 3 a result failed a sanity check.
 *
 * Uses only the public API.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include <d4m.h>

/* --------------------------------------------------------------- helpers */

static void die_lib(const char *what, int rc)
{
    fprintf(stderr, "d4m-bench-assoc: %s failed (%d, %s): %s\n", what, rc,
            d4m_strerror(rc), d4m_error_message());
    exit(1);
}

/* Run a library call; on failure print its message and exit 1. */
#define CALL(expr) do { int rc_ = (expr); if (rc_ < 0) die_lib(#expr, rc_); } while (0)

static void die_check(const char *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void die_check(const char *op, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "d4m-bench-assoc: %s: sanity check failed: ", op);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(3);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "d4m-bench-assoc: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* splitmix64 (Steele, Lea, Flood 2014). */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in 1..k (Lemire's multiply; the bias is below 2^-40 here). */
static uint64_t uniform1(uint64_t *s, uint64_t k)
{
    return (uint64_t)(((unsigned __int128)splitmix64(s) * k) >> 64) + 1;
}


/* --------------------------------------------------------------- workload */

/* The printed value strings "1".."100", index v-1. */
static char g_valtext[100][4];
static d4m_key g_valkey[100];

typedef struct dataset {
    size_t n;           /* triples */
    uint64_t kmax;      /* keys are 1..kmax */
    uint32_t *rk, *ck;  /* the k of each triple's row and column key */
    double *val;        /* 1..100 */
    char *buf;          /* the key bytes */
    d4m_key *row, *col; /* views into buf */
    d4m_key *sval;      /* views of g_valkey: the value printed */

    /* Expected results, computed here (lazily, by expect()). */
    bool have_expect;
    uint64_t *code;     /* sorted unique row*(kmax+1)+col of the pairs */
    double *vmin;       /* min value per unique pair (collide min) */
    size_t nuniq;
    size_t nrows, ncols;       /* distinct row / column keys */
    double sum_all, sum_min;   /* sum of all values; sum of the per-pair mins */
} dataset;

static size_t put_key(char *p, char prefix, uint64_t k)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + k % 10);
        k /= 10;
    } while (k);
    p[0] = prefix;
    for (size_t i = 0; i < n; i++)
        p[1 + i] = tmp[n - 1 - i];
    return n + 1;
}

static void dataset_make(dataset *d, size_t n, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->kmax = n / 10 ? n / 10 : 1;
    d->rk = xmalloc(n * sizeof *d->rk);
    d->ck = xmalloc(n * sizeof *d->ck);
    d->val = xmalloc(n * sizeof *d->val);
    d->row = xmalloc(n * sizeof *d->row);
    d->col = xmalloc(n * sizeof *d->col);
    d->sval = xmalloc(n * sizeof *d->sval);
    d->buf = xmalloc(n * 2 * 22);

    uint64_t s = seed;
    for (size_t t = 0; t < n; t++) {
        d->rk[t] = (uint32_t)uniform1(&s, d->kmax);
        d->ck[t] = (uint32_t)uniform1(&s, d->kmax);
        d->val[t] = (double)uniform1(&s, 100);
    }
    /* Lay the key bytes out after drawing (the pointers must not move). */
    char *p = d->buf;
    for (size_t t = 0; t < n; t++) {
        size_t l = put_key(p, 'r', d->rk[t]);
        d->row[t] = (d4m_key){ p, l };
        p += l;
        l = put_key(p, 'c', d->ck[t]);
        d->col[t] = (d4m_key){ p, l };
        p += l;
        d->sval[t] = g_valkey[(int)d->val[t] - 1];
    }
}

static void dataset_free(dataset *d)
{
    free(d->rk); free(d->ck); free(d->val);
    free(d->row); free(d->col); free(d->sval); free(d->buf);
    free(d->code); free(d->vmin);
    memset(d, 0, sizeof *d);
}

/* LSD radix sort of n 64-bit words by their low `bits` bits. */
static void radix_sort(uint64_t *a, size_t n, int bits)
{
    uint64_t *tmp = xmalloc(n * sizeof *tmp);
    size_t *cnt = xmalloc(65537 * sizeof *cnt);
    uint64_t *src = a, *dst = tmp;
    for (int shift = 0; shift < bits; shift += 16) {
        memset(cnt, 0, 65537 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[((src[i] >> shift) & 0xFFFF) + 1]++;
        for (size_t b = 0; b < 65536; b++)
            cnt[b + 1] += cnt[b];
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> shift) & 0xFFFF]++] = src[i];
        uint64_t *t = src; src = dst; dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(cnt);
    free(tmp);
}

/* Compute the expected figures of a dataset (not timed). */
static void expect(dataset *d)
{
    if (d->have_expect)
        return;
    size_t n = d->n;
    uint64_t *w = xmalloc(n * sizeof *w);
    d->sum_all = 0;
    for (size_t t = 0; t < n; t++) {
        uint64_t code = (uint64_t)d->rk[t] * (d->kmax + 1) + d->ck[t];
        w[t] = (code << 7) | (uint64_t)d->val[t];
        d->sum_all += d->val[t];
    }
    int bits = 7;
    for (uint64_t m = (d->kmax + 1) * (d->kmax + 1); m; m >>= 1)
        bits++;
    radix_sort(w, n, bits);
    d->code = xmalloc(n * sizeof *d->code);
    d->vmin = xmalloc(n * sizeof *d->vmin);
    size_t u = 0;
    d->sum_min = 0;
    for (size_t t = 0; t < n; t++) {
        uint64_t code = w[t] >> 7;
        if (u == 0 || d->code[u - 1] != code) {   /* first of a run = min value */
            d->code[u] = code;
            d->vmin[u] = (double)(w[t] & 127);
            d->sum_min += d->vmin[u];
            u++;
        }
    }
    d->nuniq = u;
    free(w);

    uint8_t *seen = calloc(d->kmax + 1, 1);
    if (!seen) { fprintf(stderr, "d4m-bench-assoc: out of memory\n"); exit(1); }
    d->nrows = 0;
    for (size_t t = 0; t < n; t++)
        if (!seen[d->rk[t]]) { seen[d->rk[t]] = 1; d->nrows++; }
    memset(seen, 0, d->kmax + 1);
    d->ncols = 0;
    for (size_t t = 0; t < n; t++)
        if (!seen[d->ck[t]]) { seen[d->ck[t]] = 1; d->ncols++; }
    free(seen);
    d->have_expect = true;
}

/* Number of distinct pairs in the union of two datasets' pair sets. */
static size_t union_count(const dataset *a, const dataset *b)
{
    size_t i = 0, j = 0, c = 0;
    while (i < a->nuniq && j < b->nuniq) {
        if (a->code[i] < b->code[j]) i++;
        else if (a->code[i] > b->code[j]) j++;
        else { i++; j++; }
        c++;
    }
    return c + (a->nuniq - i) + (b->nuniq - j);
}

/* The row key text of a pair code. */
static size_t code_row_key(const dataset *d, uint64_t code, char *out)
{
    return put_key(out, 'r', code / (d->kmax + 1));
}

/* ------------------------------------------------------------- the bench */

typedef struct bench {
    size_t n;
    int reps;
    double min_time;   /* keep repeating until the timed calls add up to this */
    uint64_t seed;
    dataset da, db;
    bool have_b;
    d4m_assoc *A, *B, *As, *Bs, *At;   /* prepared inputs, made lazily */
    size_t mtimes_nnz;                 /* A*A.' nnz once known, else 0 */
    double mtimes_sum;
} bench;

static const d4m_build_options OPT_MIN = { D4M_BUILD_OPTIONS_VERSION, D4M_COLLIDE_MIN, NULL, NULL, 0u };
static const d4m_build_options OPT_SUM = { D4M_BUILD_OPTIONS_VERSION, D4M_COLLIDE_SUM, NULL, NULL, 0u };

static dataset *data_b(bench *b)
{
    if (!b->have_b) {
        uint64_t s = b->seed ^ 0xB0B0B0B0B0B0B0B0ull;
        dataset_make(&b->db, b->n, splitmix64(&s));
        b->have_b = true;
    }
    return &b->db;
}

static d4m_assoc *build_num(const dataset *d, const d4m_build_options *o)
{
    d4m_assoc *a = NULL;
    CALL(d4m_assoc_build(&a, d4m_vec_str(d->row, d->n), d4m_vec_str(d->col, d->n),
                         d4m_vec_num(d->val, d->n), o));
    return a;
}

static d4m_assoc *build_str(const dataset *d)
{
    d4m_assoc *a = NULL;
    CALL(d4m_assoc_build(&a, d4m_vec_str(d->row, d->n), d4m_vec_str(d->col, d->n),
                         d4m_vec_str(d->sval, d->n), &OPT_MIN));
    return a;
}

static d4m_assoc *get_A(bench *b)  { if (!b->A)  b->A  = build_num(&b->da, &OPT_MIN); return b->A; }
static d4m_assoc *get_B(bench *b)  { if (!b->B)  b->B  = build_num(data_b(b), &OPT_MIN); return b->B; }
static d4m_assoc *get_As(bench *b) { if (!b->As) b->As = build_str(&b->da); return b->As; }
static d4m_assoc *get_Bs(bench *b) { if (!b->Bs) b->Bs = build_str(data_b(b)); return b->Bs; }
static d4m_assoc *get_At(bench *b)
{
    if (!b->At)
        CALL(d4m_assoc_transpose(&b->At, get_A(b)));
    return b->At;
}

/* What one timed call produced. */
typedef struct result {
    d4m_assoc *a;
    d4m_triples *t;
    d4m_query *q;     /* queries made inside the timing are freed with it */
} result;

static void result_free(result *r)
{
    d4m_assoc_free(r->a);
    d4m_triples_free(r->t);
    d4m_query_free(r->q);
    memset(r, 0, sizeof *r);
}

static size_t result_nnz(const result *r)
{
    return r->t ? r->t->n : r->a ? d4m_assoc_nnz(r->a) : 0;
}

/* Sum and count of an Assoc's numeric values (string values: their count). */
static double assoc_sum(const d4m_assoc *a, size_t *n)
{
    d4m_triples *t = NULL;
    CALL(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    double s = 0;
    if (t->val)
        for (size_t i = 0; i < t->n; i++)
            s += t->val[i];
    else
        s = (double)t->n;
    if (n)
        *n = t->n;
    d4m_triples_free(t);
    return s;
}

static bool key_has_prefix(d4m_key k, const char *p)
{
    size_t l = strlen(p);
    return k.len >= l && memcmp(k.ptr, p, l) == 0;
}

/* The string keys of an axis are strictly ascending. */
static void check_sorted(const char *op, const d4m_assoc *a, int dim)
{
    size_t n = d4m_assoc_key_count(a, dim);
    if (d4m_assoc_key_kind(a, dim) != D4M_STR)
        die_check(op, "axis %d is not string-keyed", dim);
    for (size_t i = 1; i < n; i++)
        if (d4m_key_cmp(d4m_assoc_key(a, dim, i - 1), d4m_assoc_key(a, dim, i)) >= 0)
            die_check(op, "keys of axis %d not strictly ascending at %zu", dim, i);
}

#define EXPECT_EQ(op, what, got, want) do { \
        double g_ = (double)(got), w_ = (double)(want); \
        if (g_ != w_) die_check(op, "%s is %.17g, expected %.17g", what, g_, w_); \
    } while (0)

/* ------------------------------------------------------------------ ops */

typedef struct op op;
struct op {
    const char *name;
    double reference;   /* Octave seconds at n = 1e6 */
    double goal;        /* speedup wanted at n = 1e6 */
    void (*setup)(bench *, void **ctx);        /* untimed, optional */
    void (*run)(bench *, void *ctx, result *); /* timed */
    void (*check)(bench *, void *ctx, const result *, const char *name);
    void (*teardown)(void *ctx);
};

/* construct */
static void run_construct(bench *b, void *c, result *r)
{
    (void)c;
    CALL(d4m_assoc_build(&r->a, d4m_vec_str(b->da.row, b->n), d4m_vec_str(b->da.col, b->n),
                         d4m_vec_num(b->da.val, b->n), &OPT_MIN));
}
static void check_construct_common(bench *b, const result *r, const char *op)
{
    dataset *d = &b->da;
    expect(d);
    EXPECT_EQ(op, "nnz", d4m_assoc_nnz(r->a), d->nuniq);
    EXPECT_EQ(op, "nrows", d4m_assoc_nrows(r->a), d->nrows);
    EXPECT_EQ(op, "ncols", d4m_assoc_ncols(r->a), d->ncols);
    check_sorted(op, r->a, 1);
    check_sorted(op, r->a, 2);
}
static void check_construct(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    check_construct_common(b, r, op);
    if (d4m_assoc_val_kind(r->a) != D4M_NUM)
        die_check(op, "values are not numeric");
    EXPECT_EQ(op, "sum of values (min collide)", assoc_sum(r->a, NULL), b->da.sum_min);
}

/* construct_sum */
static void run_construct_sum(bench *b, void *c, result *r)
{
    (void)c;
    CALL(d4m_assoc_build(&r->a, d4m_vec_str(b->da.row, b->n), d4m_vec_str(b->da.col, b->n),
                         d4m_vec_num(b->da.val, b->n), &OPT_SUM));
}
static void check_construct_sum(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    check_construct_common(b, r, op);
    EXPECT_EQ(op, "sum of values (sum collide)", assoc_sum(r->a, NULL), b->da.sum_all);
}

/* construct_strval */
static void run_construct_strval(bench *b, void *c, result *r)
{
    (void)c;
    CALL(d4m_assoc_build(&r->a, d4m_vec_str(b->da.row, b->n), d4m_vec_str(b->da.col, b->n),
                         d4m_vec_str(b->da.sval, b->n), &OPT_MIN));
}
static void check_construct_strval(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    check_construct_common(b, r, op);
    if (d4m_assoc_val_kind(r->a) != D4M_STR)
        die_check(op, "values are not strings");
    size_t nv = d4m_assoc_val_count(r->a);
    if (nv < 1 || nv > 100)
        die_check(op, "%zu distinct value strings (expected 1..100)", nv);
    for (size_t i = 1; i < nv; i++)
        if (d4m_key_cmp(d4m_assoc_val_str(r->a, i - 1), d4m_assoc_val_str(r->a, i)) >= 0)
            die_check(op, "value strings not strictly ascending at %zu", i);
}

/* plus */
static void setup_plus(bench *b, void **c) { (void)c; get_A(b); get_B(b); }
static void run_plus(bench *b, void *c, result *r) { (void)c; CALL(d4m_assoc_plus(&r->a, b->A, b->B)); }
static void check_plus(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    expect(&b->da);
    expect(&b->db);
    EXPECT_EQ(op, "nnz (union of A and B)", d4m_assoc_nnz(r->a), union_count(&b->da, &b->db));
    if (d4m_assoc_nnz(r->a) < d4m_assoc_nnz(b->A) || d4m_assoc_nnz(r->a) < d4m_assoc_nnz(b->B))
        die_check(op, "nnz(A+B) below nnz(A) or nnz(B)");
    EXPECT_EQ(op, "sum of values", assoc_sum(r->a, NULL), b->da.sum_min + b->db.sum_min);
    check_sorted(op, r->a, 1);
    check_sorted(op, r->a, 2);
}

/* plus_strval */
static void setup_plus_strval(bench *b, void **c) { (void)c; get_As(b); get_Bs(b); }
static void run_plus_strval(bench *b, void *c, result *r) { (void)c; CALL(d4m_assoc_plus(&r->a, b->As, b->Bs)); }
static void check_plus_strval(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    expect(&b->da);
    expect(&b->db);
    EXPECT_EQ(op, "nnz (union of A and B)", d4m_assoc_nnz(r->a), union_count(&b->da, &b->db));
    if (d4m_assoc_val_kind(r->a) != D4M_STR)
        die_check(op, "values are not strings");
    check_sorted(op, r->a, 1);
    check_sorted(op, r->a, 2);
}

/* transpose */
static void setup_A(bench *b, void **c) { (void)c; get_A(b); }
static void run_transpose(bench *b, void *c, result *r) { (void)c; CALL(d4m_assoc_transpose(&r->a, b->A)); }
static void check_transpose(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    EXPECT_EQ(op, "nrows(A.')", d4m_assoc_nrows(r->a), d4m_assoc_ncols(b->A));
    EXPECT_EQ(op, "ncols(A.')", d4m_assoc_ncols(r->a), d4m_assoc_nrows(b->A));
    EXPECT_EQ(op, "nnz(A.')", d4m_assoc_nnz(r->a), d4m_assoc_nnz(b->A));
    d4m_key k0 = d4m_assoc_key(r->a, 1, 0), c0 = d4m_assoc_key(b->A, 2, 0);
    if (d4m_key_cmp(k0, c0) != 0)
        die_check(op, "first row key of A.' is not the first column key of A");
}

/* mtimes_AAt and sqout: both A*A.' */
static void setup_AAt(bench *b, void **c) { (void)c; get_A(b); get_At(b); }
static void run_mtimes_AAt(bench *b, void *c, result *r) { (void)c; CALL(d4m_assoc_mtimes(&r->a, b->A, b->At)); }
static void run_sqout(bench *b, void *c, result *r) { (void)c; CALL(d4m_assoc_sqout(&r->a, b->A)); }

/* sum over i,j of (A A.')(i,j) = sum over columns c of (sum_i A(i,c))^2 */
static double expected_AAt_sum(bench *b)
{
    d4m_triples *t = NULL;
    CALL(d4m_assoc_find(&t, b->A, D4M_ORDER_COL));
    double total = 0, colsum = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0 && t->col[i] != t->col[i - 1]) {
            total += colsum * colsum;
            colsum = 0;
        }
        colsum += t->val[i];
    }
    total += colsum * colsum;
    d4m_triples_free(t);
    return total;
}
static void check_AAt(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    size_t nr = d4m_assoc_nrows(b->A);
    EXPECT_EQ(op, "nrows(A*A.')", d4m_assoc_nrows(r->a), nr);
    EXPECT_EQ(op, "ncols(A*A.')", d4m_assoc_ncols(r->a), nr);
    if (d4m_assoc_nnz(r->a) < nr)
        die_check(op, "nnz(A*A.') = %zu < nrows(A) = %zu (the diagonal alone has that many)",
                  d4m_assoc_nnz(r->a), nr);
    size_t cnt;
    double s = assoc_sum(r->a, &cnt);
    if (b->mtimes_nnz) {
        EXPECT_EQ(op, "nnz (vs the other A*A.')", cnt, b->mtimes_nnz);
        EXPECT_EQ(op, "sum of values (vs the other A*A.')", s, b->mtimes_sum);
    } else {
        EXPECT_EQ(op, "sum of values", s, expected_AAt_sum(b));
        b->mtimes_nnz = cnt;
        b->mtimes_sum = s;
    }
}

/* Queries on rows.  The row keys selected are checked against the dataset:
 * keep(k) says whether row key r<k> is selected. */
static void check_rows_selected(bench *b, const result *r, const char *op,
                                bool (*keep)(const char *key, size_t len, void *), void *kctx)
{
    dataset *d = &b->da;
    expect(d);
    size_t want_nnz = 0, want_rows = 0;
    uint64_t last_row = UINT64_MAX;
    char key[24];
    for (size_t u = 0; u < d->nuniq; u++) {
        uint64_t rk = d->code[u] / (d->kmax + 1);
        size_t l = code_row_key(d, d->code[u], key);
        if (keep(key, l, kctx)) {
            want_nnz++;
            if (rk != last_row) { want_rows++; last_row = rk; }
        }
    }
    EXPECT_EQ(op, "nnz", d4m_assoc_nnz(r->a), want_nnz);
    EXPECT_EQ(op, "nrows", d4m_assoc_nrows(r->a), want_rows);
    for (size_t i = 0; i < d4m_assoc_nrows(r->a); i++) {
        d4m_key k = d4m_assoc_key(r->a, 1, i);
        if (!keep(k.ptr, k.len, kctx))
            die_check(op, "row key %.*s should not be selected", (int)k.len, k.ptr);
    }
}

static bool keep_prefix_r1(const char *k, size_t l, void *c)
{
    (void)c;
    return l >= 2 && k[0] == 'r' && k[1] == '1';
}
static void run_query_startswith(bench *b, void *c, result *r)
{
    (void)c;
    CALL(d4m_query_starts_with(&r->q, d4m_key_cstr("r1,")));
    CALL(d4m_assoc_get(&r->a, b->A, r->q, NULL));
}
static void check_query_startswith(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    check_rows_selected(b, r, op, keep_prefix_r1, NULL);
    for (size_t i = 0; i < d4m_assoc_nrows(r->a); i++)
        if (!key_has_prefix(d4m_assoc_key(r->a, 1, i), "r1"))
            die_check(op, "row key without the prefix r1");
}

static bool keep_range_r1_r2(const char *k, size_t l, void *c)
{
    (void)c;
    d4m_key key = { k, l };
    return d4m_key_cmp(key, d4m_key_cstr("r1")) >= 0 && d4m_key_cmp(key, d4m_key_cstr("r2")) <= 0;
}
static void run_query_range(bench *b, void *c, result *r)
{
    (void)c;
    CALL(d4m_query_parse(&r->q, d4m_key_cstr("r1,:,r2,")));
    CALL(d4m_assoc_get(&r->a, b->A, r->q, NULL));
}
static void check_query_range(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    check_rows_selected(b, r, op, keep_range_r1_r2, NULL);
}

/* query_5keys: "r1,r22,r333,r4444,r5," filtered to the keys A has. */
typedef struct keys5 {
    char text[128];
    char first[64];       /* A's first row key, when none of the five exists */
    const char *key[5];
    int n;
} keys5;
static void setup_query_5keys(bench *b, void **c)
{
    static const char *const cand[] = { "r1", "r22", "r333", "r4444", "r5" };
    keys5 *k = xmalloc(sizeof *k);
    k->text[0] = '\0';
    k->n = 0;
    get_A(b);
    for (int i = 0; i < 5; i++)
        if (d4m_assoc_key_find(b->A, 1, d4m_key_cstr(cand[i])) >= 0) {
            k->key[k->n++] = cand[i];
            strcat(k->text, cand[i]);
            strcat(k->text, ",");
        }
    if (k->n == 0) {   /* none exists (tiny n): ask for A's first row key */
        d4m_key f = d4m_assoc_key(b->A, 1, 0);
        snprintf(k->first, sizeof k->first, "%.*s", (int)f.len, f.ptr);
        snprintf(k->text, sizeof k->text, "%s,", k->first);
        k->key[k->n++] = k->first;
    }
    *c = k;
}
static bool keep_5keys(const char *kp, size_t l, void *c)
{
    keys5 *k = c;
    for (int i = 0; i < k->n; i++)
        if (strlen(k->key[i]) == l && memcmp(k->key[i], kp, l) == 0)
            return true;
    return false;
}
static void run_query_5keys(bench *b, void *c, result *r)
{
    keys5 *k = c;
    CALL(d4m_query_parse(&r->q, d4m_key_cstr(k->text)));
    CALL(d4m_assoc_get(&r->a, b->A, r->q, NULL));
}
static void check_query_5keys(bench *b, void *c, const result *r, const char *op)
{
    check_rows_selected(b, r, op, keep_5keys, c);
}

/* sum1 */
static void run_sum1(bench *b, void *c, result *r) { (void)c; CALL(d4m_assoc_sum(&r->a, b->A, 1)); }
static void check_sum1(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    expect(&b->da);
    EXPECT_EQ(op, "nrows(sum(A,1))", d4m_assoc_nrows(r->a), 1);
    EXPECT_EQ(op, "ncols(sum(A,1))", d4m_assoc_ncols(r->a), d4m_assoc_ncols(b->A));
    EXPECT_EQ(op, "sum of values", assoc_sum(r->a, NULL), b->da.sum_min);
}

/* find */
static void run_find(bench *b, void *c, result *r) { (void)c; CALL(d4m_assoc_find(&r->t, b->A, D4M_ORDER_COL)); }
static void check_find(bench *b, void *c, const result *r, const char *op)
{
    (void)c;
    expect(&b->da);
    const d4m_triples *t = r->t;
    EXPECT_EQ(op, "number of triples", t->n, d4m_assoc_nnz(b->A));
    if (!t->val)
        die_check(op, "no numeric values");
    double s = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0 && (t->col[i] < t->col[i - 1] ||
                      (t->col[i] == t->col[i - 1] && t->row[i] <= t->row[i - 1])))
            die_check(op, "triple %zu out of column-major order", i);
        s += t->val[i];
    }
    EXPECT_EQ(op, "sum of values", s, b->da.sum_min);
}

static void free_ctx(void *c) { free(c); }

static const op OPS[] = {
    { "construct",        5.08,  20, NULL,              run_construct,        check_construct,        NULL },
    { "construct_sum",    1.76,  10, NULL,              run_construct_sum,    check_construct_sum,    NULL },
    { "construct_strval", 5.26,  20, NULL,              run_construct_strval, check_construct_strval, NULL },
    { "plus",             0.32,   8, setup_plus,        run_plus,             check_plus,             NULL },
    { "plus_strval",      0.69,  10, setup_plus_strval, run_plus_strval,      check_plus_strval,      NULL },
    { "transpose",        0.019,  1, setup_A,           run_transpose,        check_transpose,        NULL },
    { "mtimes_AAt",       1.20,   3, setup_AAt,         run_mtimes_AAt,       check_AAt,              NULL },
    { "sqout",            0.76,   3, setup_A,           run_sqout,            check_AAt,              NULL },
    { "query_startswith", 0.135, 10, setup_A,           run_query_startswith, check_query_startswith, NULL },
    { "query_range",      0.130, 10, setup_A,           run_query_range,      check_query_range,      NULL },
    { "query_5keys",      0.072, 10, setup_query_5keys, run_query_5keys,      check_query_5keys,      free_ctx },
    { "sum1",             0.003,  1, setup_A,           run_sum1,             check_sum1,             NULL },
    { "find",             0.31,  10, setup_A,           run_find,             check_find,             NULL },
};
#define NOPS (sizeof OPS / sizeof OPS[0])
#define REFERENCE_N 1000000
#define MAX_REPS 1000   /* --min-time never repeats more often than this */

static void run_op(bench *b, const op *o)
{
    void *ctx = NULL;
    if (o->setup)
        o->setup(b, &ctx);
    bool hwm = rss_reset_peak();
    double base = proc_status_mb("VmRSS");
    double best = -1, best_cpu = 0, load = loadavg1();
    double total = 0;
    int reps = 0;
    result r = { 0 };
    while (reps < b->reps || (total < b->min_time && reps < MAX_REPS)) {
        result_free(&r);
        double c0 = cpu_now(), t0 = now();
        o->run(b, ctx, &r);
        double t = now() - t0, c = cpu_now() - c0;
        if (best < 0 || t < best) {
            best = t;
            best_cpu = c;
        }
        total += t;
        reps++;
    }
    /* Without a resettable mark (peak_rss_reset false) this is the peak of
     * the whole run so far. */
    double peak = peak_rss_mb();
    size_t nnz = result_nnz(&r);
    o->check(b, ctx, &r, o->name);
    result_free(&r);
    if (o->teardown)
        o->teardown(ctx);

    printf("{\"bench\":\"assoc\",\"op\":\"%s\",\"n\":%zu,\"reps\":%d,\"seconds\":%.6f,"
           "\"cpu_seconds\":%.6f,\"peak_rss_mb\":%.1f,\"base_rss_mb\":%.1f,\"peak_rss_reset\":%s,"
           "\"nnz\":%zu,\"loadavg_1m\":%.2f",
           o->name, b->n, reps, best, best_cpu, peak, base, hwm ? "true" : "false", nnz, load);
    if (b->n == REFERENCE_N) {
        double speedup = o->reference / best;
        printf(",\"reference_seconds\":%.3f,\"speedup\":%.2f", o->reference, speedup);
        printf(",\"goal_speedup\":%g,\"goal_met\":%s", o->goal, speedup >= o->goal ? "true" : "false");
    } else {
        printf(",\"goal_speedup\":%g", o->goal);
    }
    printf("}\n");
    fflush(stdout);
}

/* -------------------------------------------------------------- options */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: d4m-bench-assoc [--n N] [--ops LIST] [--reps R] [--min-time T] [--seed S]\n"
            "  --n N      triples per array (default 100000; 1e6 notation accepted)\n"
            "  --ops LIST comma-separated ops (default all):\n            ");
    for (size_t i = 0; i < NOPS; i++)
        fprintf(f, "%s%s", OPS[i].name, i + 1 < NOPS ? "," : "\n");
    fprintf(f,
            "  --reps R   repetitions per op, the minimum time is reported (default 3)\n"
            "  --min-time T  repeat an op beyond R times until its runs add up to T\n"
            "             seconds (at most 1000 runs; default 0): steadier minima for\n"
            "             fast ops on a busy machine\n"
            "  --seed S   seed of the workload (default 1)\n"
            "Prints one JSON object per op.  Reference times are Octave 7.3 D4M at n=1e6.\n");
}

int main(int argc, char **argv)
{
    bench b;
    memset(&b, 0, sizeof b);
    b.n = 100000;
    b.reps = 3;
    b.seed = 1;
    bool selected[NOPS];
    for (size_t i = 0; i < NOPS; i++)
        selected[i] = true;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "d4m-bench-assoc: %s needs a value\n", a);
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        double x;
        if (!strcmp(a, "--n")) {
            if (!parse_count(v, 1, 4e9, &x)) {
                fprintf(stderr, "d4m-bench-assoc: bad --n '%s'\n", v);
                return 2;
            }
            b.n = (size_t)x;
        } else if (!strcmp(a, "--reps")) {
            if (!parse_count(v, 1, 1e6, &x)) {
                fprintf(stderr, "d4m-bench-assoc: bad --reps '%s'\n", v);
                return 2;
            }
            b.reps = (int)x;
        } else if (!strcmp(a, "--min-time")) {
            char *end;
            errno = 0;
            b.min_time = strtod(v, &end);
            if (errno || end == v || *end || !(b.min_time >= 0 && b.min_time <= 3600)) {
                fprintf(stderr, "d4m-bench-assoc: bad --min-time '%s'\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            b.seed = strtoull(v, &end, 0);
            if (errno || end == v || *end) {
                fprintf(stderr, "d4m-bench-assoc: bad --seed '%s'\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--ops")) {
            for (size_t k = 0; k < NOPS; k++)
                selected[k] = false;
            const char *p = v;
            while (*p) {
                size_t l = strcspn(p, ",");
                if (l > 0) {
                    size_t k;
                    for (k = 0; k < NOPS; k++)
                        if (strlen(OPS[k].name) == l && !memcmp(OPS[k].name, p, l))
                            break;
                    if (k == NOPS) {
                        fprintf(stderr, "d4m-bench-assoc: unknown op '%.*s'\n", (int)l, p);
                        usage(stderr);
                        return 2;
                    }
                    selected[k] = true;
                }
                p += l;
                if (*p == ',')
                    p++;
            }
        } else {
            fprintf(stderr, "d4m-bench-assoc: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
    }

    for (int v = 1; v <= 100; v++) {
        int l = snprintf(g_valtext[v - 1], sizeof g_valtext[v - 1], "%d", v);
        g_valkey[v - 1] = (d4m_key){ g_valtext[v - 1], (size_t)l };
    }

    fprintf(stderr, "d4m-bench-assoc: libd4m %s, n=%zu, reps=%d, min-time=%g, seed=%" PRIu64 "\n",
            d4m_version(), b.n, b.reps, b.min_time, b.seed);
    double t0 = now();
    uint64_t s = b.seed;
    dataset_make(&b.da, b.n, splitmix64(&s));
    fprintf(stderr, "d4m-bench-assoc: workload made in %.2f s\n", now() - t0);

    for (size_t i = 0; i < NOPS; i++) {
        if (!selected[i])
            continue;
        fprintf(stderr, "d4m-bench-assoc: %s ...\n", OPS[i].name);
        run_op(&b, &OPS[i]);
    }

    d4m_assoc_free(b.A); d4m_assoc_free(b.B);
    d4m_assoc_free(b.As); d4m_assoc_free(b.Bs);
    d4m_assoc_free(b.At);
    dataset_free(&b.da);
    if (b.have_b)
        dataset_free(&b.db);
    return 0;
}
