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
#ifdef _OPENMP
#include <omp.h>
#endif
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

/* Stable sort of one row's entries by column (duplicates keep their input
 * order): insertion sort for short rows, merge sort (tmp: room for len
 * entries) for long ones. */
static void sort_row(uint64_t *j, double *x, uint64_t len, uint64_t *tj, double *tx)
{
    if (len <= 32) {
        for (uint64_t i = 1; i < len; i++) {
            uint64_t kj = j[i];
            double kx = x[i];
            uint64_t k = i;
            while (k > 0 && j[k - 1] > kj) {
                j[k] = j[k - 1];
                x[k] = x[k - 1];
                k--;
            }
            j[k] = kj;
            x[k] = kx;
        }
        return;
    }
    /* Runs of 32 by insertion, then bottom-up merges between j/x and tj/tx. */
    for (uint64_t s = 0; s < len; s += 32)
        sort_row(j + s, x + s, len - s < 32 ? len - s : 32, NULL, NULL);
    uint64_t *sj = j, *dj = tj;
    double *sx = x, *dx = tx;
    for (uint64_t w = 32; w < len; w *= 2) {
        for (uint64_t lo = 0; lo < len; lo += 2 * w) {
            uint64_t mid = lo + w < len ? lo + w : len, hi = lo + 2 * w < len ? lo + 2 * w : len;
            uint64_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi) {
                if (sj[b] < sj[a]) { dj[o] = sj[b]; dx[o++] = sx[b++]; }
                else { dj[o] = sj[a]; dx[o++] = sx[a++]; }
            }
            while (a < mid) { dj[o] = sj[a]; dx[o++] = sx[a++]; }
            while (b < hi) { dj[o] = sj[b]; dx[o++] = sx[b++]; }
        }
        uint64_t *t = sj; sj = dj; dj = t;
        double *u = sx; sx = dx; dx = u;
    }
    if (sj != j) {
        memcpy(j, sj, (size_t)len * sizeof *j);
        memcpy(x, sx, (size_t)len * sizeof *x);
    }
}

/* Entries of from_triples_sparse, ordered by row, column, input order. */
typedef struct { uint64_t i, j; size_t k; } sp_entry;

static int sp_cmp(const void *a, const void *b)
{
    const sp_entry *x = a, *y = b;
    if (x->i != y->i)
        return x->i < y->i ? -1 : 1;
    if (x->j != y->j)
        return x->j < y->j ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Far fewer triples than rows: the counting sort below would cost memory
 * and time by the number of rows (a position of 1e9 asked for 24 GB), so
 * the triples themselves are sorted (stably: duplicates keep their input
 * order for the collide rule) and built as sorted input, hypersparse. */
static int from_triples_sparse(d4m_csr *c, uint64_t nrows, uint64_t ncols, const uint64_t *I,
                               const uint64_t *J, const double *X, size_t n, d4m_collide how,
                               d4m_collide_fn fn, void *ctx)
{
    sp_entry *e = d4m__malloc(d4m__mul(n ? n : 1, sizeof *e));
    uint64_t *I2 = d4m__malloc(d4m__mul(n ? n : 1, sizeof *I2));
    uint64_t *J2 = d4m__malloc(d4m__mul(n ? n : 1, sizeof *J2));
    double *X2 = d4m__malloc(d4m__mul(n ? n : 1, sizeof *X2));
    int rc = D4M_ENOMEM;
    memset(c, 0, sizeof *c);
    if (e && I2 && J2 && X2) {
        for (size_t t = 0; t < n; t++)
            e[t] = (sp_entry){ I[t], J[t], t };
        qsort(e, n, sizeof *e, sp_cmp);
        for (size_t t = 0; t < n; t++) {
            I2[t] = e[t].i;
            J2[t] = e[t].j;
            X2[t] = X[e[t].k];
        }
        rc = from_sorted_triples(c, nrows, ncols, I2, J2, X2, n, how, fn, ctx);
        if (!rc)
            rc = check_finite(c, how);
        if (rc)
            d4m__csr_free(c);
    }
    free(e);
    free(I2);
    free(J2);
    free(X2);
    return rc;
}

/* Unsorted triples: one stable counting sort by row (each half of the
 * triples on its own core, half 0's entries of a row before half 1's, so
 * input order holds), straight into the CSR's j and x; then each row sorted
 * by column (stable, rows are short) and its duplicates folded in input
 * order, rows split over the two cores by entries.  A user callback is
 * only ever called from the calling thread: then everything runs there. */
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
    if (nrows / 4 > (uint64_t)n + 4096)
        return from_triples_sparse(c, nrows, ncols, I, J, X, n, how, fn, ctx);
    int parts = n >= 50000 && how != D4M_COLLIDE_CALLBACK ? 2 : 1;
#ifdef _OPENMP
    if (omp_get_max_threads() < 2)
        parts = 1;
#endif
    uint64_t *cnt[2] = { NULL, NULL };
    uint64_t *start = d4m__malloc(d4m__mul((size_t)nrows + 1, sizeof *start));
    uint64_t *newlen = d4m__malloc(d4m__mul((size_t)nrows + 1, sizeof *newlen));
    int rc = D4M_ENOMEM;
    memset(c, 0, sizeof *c);
    for (int q = 0; q < parts; q++)
        cnt[q] = d4m__calloc((size_t)nrows + 1, sizeof *cnt[q]);
    if (!start || !newlen || !cnt[0] || (parts > 1 && !cnt[1]))
        goto done;
    rc = d4m__csr_new(c, nrows, ncols, 0, n);
    if (rc)
        goto done;
    uint64_t *cj = c->j;
    double *cx = c->x;
    uint64_t rsplit = nrows, bsplit = 0, out0 = 0;   /* rows of part 0; its bytes */
    uint64_t tmax[2] = { 0, 0 };
    int fail = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(2) if (parts > 1)
#endif
    {
        int tid = 0, nth = 1;
#ifdef _OPENMP
        tid = omp_get_thread_num();
        nth = omp_get_num_threads();
#endif
        for (int q = tid; q < parts; q += nth) {
            uint64_t *ct = cnt[q];
            for (size_t t = n * q / parts; t < n * (q + 1) / parts; t++)
                ct[I[t]]++;
        }
#ifdef _OPENMP
#pragma omp barrier
#pragma omp single
#endif
        {
            /* Row i: part 0's entries from start[i], then part 1's; the rows
             * split between the parts at about half the entries. */
            uint64_t s = 0, lmax = 0;
            for (uint64_t i = 0; i < nrows; i++) {
                uint64_t c0 = cnt[0][i], c1 = parts > 1 ? cnt[1][i] : 0;
                start[i] = s;
                cnt[0][i] = s;
                if (parts > 1)
                    cnt[1][i] = s + c0;
                if (rsplit == nrows && 2 * s >= n && parts > 1)
                    rsplit = i;
                s += c0 + c1;
                if (c0 + c1 > lmax)
                    lmax = c0 + c1;
            }
            start[nrows] = s;
            if (parts == 1)
                rsplit = nrows;
            bsplit = start[rsplit];
            tmax[0] = tmax[1] = lmax > 32 ? lmax : 0;
        }
        for (int q = tid; q < parts; q += nth) {
            uint64_t *ct = cnt[q];
            for (size_t t = n * q / parts; t < n * (q + 1) / parts; t++) {
                uint64_t d = ct[I[t]]++;
                cj[d] = J[t];
                cx[d] = X[t];
            }
        }
#ifdef _OPENMP
#pragma omp barrier
#endif
        /* Sort and fold the rows of each part in place; part q's rows are
         * [r0, r1), written from their own first entry on. */
        for (int q = tid; q < parts; q += nth) {
            uint64_t r0 = q ? rsplit : 0, r1 = q || parts == 1 ? nrows : rsplit;
            uint64_t *tj = NULL;
            double *tx = NULL;
            if (tmax[q]) {
                tj = malloc((size_t)tmax[q] * sizeof *tj);
                tx = malloc((size_t)tmax[q] * sizeof *tx);
                if (!tj || !tx) {
                    free(tj);
                    free(tx);
#ifdef _OPENMP
#pragma omp atomic write
#endif
                    fail = 1;
                    continue;
                }
            }
            uint64_t w = start[r0];
            for (uint64_t i = r0; i < r1; i++) {
                uint64_t s0 = start[i], e = start[i + 1], w0 = w;
                if (e - s0 > 1)
                    sort_row(cj + s0, cx + s0, e - s0, tj, tx);
                for (uint64_t t = s0; t < e; t++) {
                    if (w > w0 && cj[t] == cj[w - 1]) {
                        cx[w - 1] = combine(how, cx[w - 1], cx[t], fn, ctx);
                    } else {
                        cj[w] = cj[t];
                        cx[w] = cx[t];
                        w++;
                    }
                }
                newlen[i] = w - w0;
            }
            if (q == 0)
                out0 = w;
            free(tj);
            free(tx);
        }
    }
    rc = D4M_ENOMEM;
    if (fail)
        goto done;
    /* Part 1's rows were folded from bsplit on: close the gap part 0 left. */
    if (parts > 1 && out0 < bsplit) {
        uint64_t len1 = 0;
        for (uint64_t i = rsplit; i < nrows; i++)
            len1 += newlen[i];
        memmove(cj + out0, cj + bsplit, (size_t)len1 * sizeof *cj);
        memmove(cx + out0, cx + bsplit, (size_t)len1 * sizeof *cx);
    }
    uint64_t nvec = 0;
    for (uint64_t i = 0; i < nrows; i++)
        nvec += newlen[i] > 0;
    free(c->p);
    free(c->h);
    c->p_size = (nvec + 2) * sizeof *c->p;   /* GraphBLAS wants room for 2 */
    c->h_size = (nvec ? nvec : 1) * sizeof *c->h;
    c->p = d4m__malloc(c->p_size);
    c->h = d4m__malloc(c->h_size);
    if (!c->p || !c->h)
        goto done;
    uint64_t v = 0, w = 0;
    c->p[0] = 0;
    for (uint64_t i = 0; i < nrows; i++) {
        if (!newlen[i])
            continue;
        w += newlen[i];
        c->h[v++] = i;
        c->p[v] = w;
    }
    c->nvec = v;
    c->jumbled = false;
    rc = check_finite(c, how);
done:
    free(cnt[0]);
    free(cnt[1]);
    free(start);
    free(newlen);
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
