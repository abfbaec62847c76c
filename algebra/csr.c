/*
 * algebra/csr.c - CSR arrays from unsorted triples, with a collision rule.
 *
 * Two stable counting sorts (by column, then by row) put the triples in
 * (row, col) order with duplicates in input order, in O(n + nrows + ncols)
 * and sequential reads; duplicates are then folded in one pass.  On this
 * class of machine it is several times faster than GrB_Matrix_build, which
 * runs a general sort.  Key spaces much larger than n (sparse numeric
 * positions) would make the count arrays too large; those go to
 * GrB_Matrix_build instead (d4m__matrix_from_triples).
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

static int from_triples_sort(d4m_csr *c, uint64_t nrows, uint64_t ncols, const uint64_t *I,
                             const uint64_t *J, const double *X, size_t n, d4m_collide how,
                             d4m_collide_fn fn, void *ctx)
{
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
    if (how == D4M_COLLIDE_CALLBACK)
        for (uint64_t t = 0; t < w; t++)
            if (!isfinite(c->x[t])) {
                rc = d4m__error(D4M_EVALUE, "collision callback returned %g", c->x[t]);
                break;
            }
done:
    free(cnt);
    free(Ia);
    free(Ja);
    free(Xa);
    if (rc)
        d4m__csr_free(c);
    return rc;
}

int d4m__matrix_from_triples(GrB_Matrix *out, uint64_t nrows, uint64_t ncols,
                             const uint64_t *I, const uint64_t *J, const double *X, size_t n,
                             d4m_collide how, d4m_collide_fn fn, void *ctx)
{
    *out = NULL;
    uint64_t limit = 4 * (uint64_t)n + 65536;
    if ((nrows <= limit && ncols <= limit) || how == D4M_COLLIDE_CALLBACK) {
        d4m_csr c;
        if (nrows > limit || ncols > limit)
            return d4m__error(D4M_ETOOBIG, "callback collisions over %llu x %llu positions "
                              "for %zu triples: use fewer positions",
                              (unsigned long long)nrows, (unsigned long long)ncols, n);
        D4M_TRY(from_triples_sort(&c, nrows, ncols, I, J, X, n, how, fn, ctx));
        return d4m__csr_pack(out, &c);
    }
    GrB_BinaryOp dup;
    switch (how) {
    case D4M_COLLIDE_MAX: dup = GrB_MAX_FP64; break;
    case D4M_COLLIDE_SUM: dup = GrB_PLUS_FP64; break;
    case D4M_COLLIDE_FIRST: dup = GrB_FIRST_FP64; break;
    case D4M_COLLIDE_LAST: dup = GrB_SECOND_FP64; break;
    default: dup = GrB_MIN_FP64; break;
    }
    int rc = D4M_GRB(GrB_Matrix_new(out, GrB_FP64, nrows, ncols));
    if (!rc)
        rc = D4M_GRB(GrB_Matrix_build_FP64(*out, I, J, X, n, dup));
    if (rc)
        GrB_Matrix_free(out);
    return rc;
}
