/*
 * algebra/csr.c - CSR arrays from unsorted triples, with a collision rule.
 *
 * Two stable counting sorts (by column, then by row) put the triples in
 * (row, col) order with duplicates in input order, in O(n + nrows + ncols)
 * and sequential reads; duplicates are then folded in one pass.  On this
 * class of machine it is several times faster than GrB_Matrix_build, which
 * runs a general sort.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static double combine(d4m_collide how, double a, double b, d4m_collide_fn fn, void *ctx)
{
    switch (how) {
    case D4M_COLLIDE_MAX: return a > b ? a : b;
    case D4M_COLLIDE_SUM: return a + b;
    case D4M_COLLIDE_FIRST: return a;
    case D4M_COLLIDE_LAST: return b;
    case D4M_COLLIDE_CALLBACK: return fn(a, b, ctx);
    default: return a < b ? a : b;
    }
}

/* Scatter (J, X) of the n triples into buckets by key[], stable. */
static void scatter(uint64_t *cnt, uint64_t nb, const uint64_t *key, size_t n,
                    const uint64_t *J, const double *X, const uint64_t *I,
                    uint64_t *Jo, double *Xo, uint64_t *Io)
{
    memset(cnt, 0, (size_t)(nb + 1) * sizeof *cnt);
    for (size_t t = 0; t < n; t++)
        cnt[key[t] + 1]++;
    for (uint64_t b = 0; b < nb; b++)
        cnt[b + 1] += cnt[b];
    for (size_t t = 0; t < n; t++) {
        uint64_t d = cnt[key[t]]++;
        Jo[d] = J[t];
        Xo[d] = X[t];
        if (Io)
            Io[d] = I[t];
    }
}

/* Triples already in (row, col) order (generated or streamed data often
 * are): the CSR arrays in one pass, duplicates folded in input order. */
/* Sums can overflow and callbacks return anything: no Inf or NaN gets in
 * (inputs were checked). */
static int check_finite(const d4m_csr *c, d4m_collide how)
{
    if (how != D4M_COLLIDE_CALLBACK && how != D4M_COLLIDE_SUM)
        return 0;
    for (uint64_t t = 0; t < c->p[c->nvec]; t++)
        if (!isfinite(c->x[t]))
            return d4m__error(D4M_EVALUE, "%s of colliding values is %g",
                              how == D4M_COLLIDE_SUM ? "the sum" : "the callback's result",
                              c->x[t]);
    return 0;
}

static bool sorted_input(const uint64_t *I, const uint64_t *J, size_t n)
{
    for (size_t t = 1; t < n; t++)
        if (I[t] < I[t - 1] || (I[t] == I[t - 1] && J[t] < J[t - 1]))
            return false;
    return true;
}

static int from_sorted_triples(d4m_csr *c, uint64_t nrows, uint64_t ncols, const uint64_t *I,
                               const uint64_t *J, const double *X, size_t n, d4m_collide how,
                               d4m_collide_fn fn, void *ctx)
{
    uint64_t nvec = 0;
    for (size_t t = 0; t < n; t++)
        nvec += t == 0 || I[t] != I[t - 1];
    D4M_TRY(d4m__csr_new(c, nrows, ncols, nvec, n));
    uint64_t w = 0, v = 0;
    for (size_t t = 0; t < n; t++) {
        if (t > 0 && I[t] == I[t - 1] && J[t] == J[t - 1]) {
            c->x[w - 1] = combine(how, c->x[w - 1], X[t], fn, ctx);
            continue;
        }
        if (t == 0 || I[t] != I[t - 1]) {
            if (v)
                c->p[v] = w;
            c->h[v++] = I[t];
        }
        c->j[w] = J[t];
        c->x[w] = X[t];
        w++;
    }
    c->p[v] = w;
    c->nvec = v;
    c->jumbled = false;
    return 0;
}

static int from_triples_sort(d4m_csr *c, uint64_t nrows, uint64_t ncols, const uint64_t *I,
                             const uint64_t *J, const double *X, size_t n, d4m_collide how,
                             d4m_collide_fn fn, void *ctx)
{
    if (sorted_input(I, J, n)) {
        int rc = from_sorted_triples(c, nrows, ncols, I, J, X, n, how, fn, ctx);
        if (!rc)
            rc = check_finite(c, how);
        if (rc)
            d4m__csr_free(c);
        return rc;
    }
    uint64_t nb = nrows > ncols ? nrows : ncols;
    uint64_t *cnt = d4m__malloc(d4m__mul((size_t)nb + 1, sizeof *cnt));
    uint64_t *Ia = d4m__malloc(d4m__mul(n, sizeof *Ia));
    uint64_t *Ja = d4m__malloc(d4m__mul(n, sizeof *Ja));
    double *Xa = d4m__malloc(d4m__mul(n, sizeof *Xa));
    int rc = D4M_ENOMEM;
    memset(c, 0, sizeof *c);
    if (!cnt || !Ia || !Ja || !Xa)
        goto done;
    /* By column, carrying rows and values along... */
    scatter(cnt, ncols, J, n, J, X, I, Ja, Xa, Ia);
    /* ...then by row, stable: (row, col) order, duplicates in input order.
     * The output lands straight in the CSR's j and x arrays. */
    rc = d4m__csr_new(c, nrows, ncols, 0, n);
    if (rc)
        goto done;
    scatter(cnt, nrows, Ia, n, Ja, Xa, NULL, c->j, c->x, NULL);
    /* cnt[i] is now the end of row i.  Fold duplicates, build h and p. */
    uint64_t nvec = 0;
    for (uint64_t i = 0; i < nrows; i++)
        nvec += (i == 0 ? cnt[0] : cnt[i] - cnt[i - 1]) > 0;
    free(c->p);
    free(c->h);
    c->p_size = (nvec + 2) * sizeof *c->p;   /* GraphBLAS wants room for 2 */
    c->h_size = (nvec ? nvec : 1) * sizeof *c->h;
    c->p = d4m__malloc(c->p_size);
    c->h = d4m__malloc(c->h_size);
    rc = D4M_ENOMEM;
    if (!c->p || !c->h)
        goto done;
    uint64_t w = 0, v = 0, start = 0;
    c->p[0] = 0;
    for (uint64_t i = 0; i < nrows; i++) {
        uint64_t end = cnt[i];
        if (end == start)
            continue;
        for (uint64_t t = start; t < end; t++) {
            if (t > start && c->j[t] == c->j[w - 1]) {
                c->x[w - 1] = combine(how, c->x[w - 1], c->x[t], fn, ctx);
            } else {
                c->j[w] = c->j[t];
                c->x[w] = c->x[t];
                w++;
            }
        }
        c->h[v++] = i;
        c->p[v] = w;
        start = end;
    }
    c->nvec = v;
    c->jumbled = false;
    rc = 0;
    rc = check_finite(c, how);
done:
    free(cnt);
    free(Ia);
    free(Ja);
    free(Xa);
    if (rc)
        d4m__csr_free(c);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The distinct values of idx[0..n), sorted; *ids[t] becomes the rank of
 * idx[t] among them.  For key spaces far larger than n. */
static int compact_ids(uint64_t **uniq, uint64_t *nu, uint64_t **ids, const uint64_t *idx,
                       size_t n)
{
    uint64_t *u = d4m__malloc(d4m__mul(n, sizeof *u));
    uint64_t *r = d4m__malloc(d4m__mul(n, sizeof *r));
    if (!u || !r) {
        free(u);
        free(r);
        return D4M_ENOMEM;
    }
    memcpy(u, idx, n * sizeof *u);
    qsort(u, n, sizeof *u, cmp_u64);
    uint64_t k = 0;
    for (size_t t = 0; t < n; t++)
        if (k == 0 || u[k - 1] != u[t])
            u[k++] = u[t];
    for (size_t t = 0; t < n; t++) {
        uint64_t lo = 0, hi = k;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (u[mid] < idx[t]) lo = mid + 1; else hi = mid;
        }
        r[t] = lo;
    }
    *uniq = u;
    *nu = k;
    *ids = r;
    return 0;
}

int d4m__matrix_from_triples(GrB_Matrix *out, uint64_t nrows, uint64_t ncols,
                             const uint64_t *I, const uint64_t *J, const double *X, size_t n,
                             d4m_collide how, d4m_collide_fn fn, void *ctx)
{
    *out = NULL;
    /* Key spaces much larger than n (sparse numeric positions) are first
     * compacted to the positions in use, so that the count arrays stay of
     * the size of the input; the monotone map back keeps the order. */
    uint64_t limit = 4 * (uint64_t)n + 65536;
    uint64_t *ur = NULL, *uc = NULL, *ri = NULL, *ci = NULL, nur = nrows, nuc = ncols;
    int rc = 0;
    if (nrows > limit)
        rc = compact_ids(&ur, &nur, &ri, I, n);
    if (!rc && ncols > limit)
        rc = compact_ids(&uc, &nuc, &ci, J, n);
    d4m_csr c;
    if (!rc)
        rc = from_triples_sort(&c, nur, nuc, ri ? ri : I, ci ? ci : J, X, n, how, fn, ctx);
    if (!rc) {
        if (ur)
            for (uint64_t k = 0; k < c.nvec; k++)
                c.h[k] = ur[c.h[k]];
        if (uc)
            for (uint64_t t = 0; t < c.p[c.nvec]; t++)
                c.j[t] = uc[c.j[t]];
        c.nrows = nrows;
        c.ncols = ncols;
        rc = d4m__csr_pack(out, &c);
    }
    free(ur);
    free(uc);
    free(ri);
    free(ci);
    return rc;
}
