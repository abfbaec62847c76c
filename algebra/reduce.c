/*
 * algebra/reduce.c - sum, max and min along a dimension.
 *
 * dim 1 collapses the rows: the result is 1 x ncols with the numeric row key
 * 1; dim 2 collapses the columns: nrows x 1 with the numeric column key 1.
 * Only stored entries are visited, so nothing densifies: max and min look at
 * the entries that exist (an absent entry is not a zero).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "internal.h"

typedef enum { RED_SUM, RED_MAX, RED_MIN } reduce_op;

/* The Assoc of a reduction whose surviving entries are the keys kept[0..m)
 * (ascending indices into the kept axis k of a, which becomes the result's
 * axis dim_keep) with values x[0..m); the other axis is the numeric key 1.
 * Built directly: the keys are a's (copied, or the subset kept when sums
 * cancelled), so that nothing is looked at twice (no d4m__assoc_finish). */
static int reduced_assoc(d4m_assoc **out, const d4m_keys *k, int dim_keep,
                         uint64_t *kept, double *x, uint64_t m, d4m_keys *pre)
{
    d4m_assoc *r = d4m__assoc_alloc();
    d4m_csr c;
    memset(&c, 0, sizeof c);
    int rc = D4M_ENOMEM;
    for (uint64_t i = 0; i < m; i++)
        if (!isfinite(x[i])) {
            /* a sum beyond the range of a double */
            rc = d4m__error(D4M_EVALUE, "the result has the value %g: beyond the range of a "
                            "double", x[i]);
            goto fail;
        }
    if (!r)
        goto fail;
    d4m_keys *axis = dim_keep == 1 ? &r->row : &r->col;
    d4m_keys *one = dim_keep == 1 ? &r->col : &r->row;
    one->kind = D4M_NUM;
    one->n = 1;
    if (k->kind == D4M_NUM) {
        axis->kind = D4M_NUM;
        axis->n = k->n;
    } else if (m == k->n) {
        /* Every key of a string axis has an entry: all kept, in order (pre:
         * a copy of k made already, taken over). */
        if (pre && pre->off) {
            *axis = *pre;
            memset(pre, 0, sizeof *pre);
        } else {
            rc = d4m__keys_copy(axis, k);
            if (rc)
                goto fail;
        }
        /* kept is 0..m-1 already: m distinct ascending indices below m. */
    } else {
        uint8_t *keep = d4m__calloc((size_t)k->n ? (size_t)k->n : 1, 1);
        if (!keep)
            goto fail;
        for (uint64_t i = 0; i < m; i++)
            keep[kept[i]] = 1;
        rc = d4m__keys_subset(axis, NULL, k, keep);
        free(keep);
        if (rc)
            goto fail;
        for (uint64_t i = 0; i < m; i++)
            kept[i] = i;
    }
    if (dim_keep == 2) {
        /* 1 x ncols: one row holding every entry. */
        rc = d4m__csr_new(&c, 1, axis->n, 1, 0);
        if (rc)
            goto fail;
        free(c.j);
        free(c.x);
        c.j = kept;
        c.x = x;
        kept = NULL;
        x = NULL;
        c.j_size = (m ? m : 1) * sizeof *c.j;
        c.x_size = (m ? m : 1) * sizeof *c.x;
        c.h[0] = 0;
        c.p[1] = m;
    } else {
        /* nrows x 1: row kept[i] holds x[i] in column 0. */
        rc = d4m__csr_new(&c, axis->n, 1, m, 0);
        if (rc)
            goto fail;
        free(c.h);
        free(c.x);
        c.h = kept;
        c.x = x;
        kept = NULL;
        x = NULL;
        c.h_size = (m ? m : 1) * sizeof *c.h;
        c.x_size = (m ? m : 1) * sizeof *c.x;
        free(c.j);
        c.j_size = (m ? m : 1) * sizeof *c.j;
        c.j = d4m__calloc(m ? (size_t)m : 1, sizeof *c.j);
        if (!c.j)
            goto fail;
        for (uint64_t i = 0; i < m; i++)
            c.p[i + 1] = i + 1;
    }
    rc = d4m__csr_pack(&r->m, &c);
    if (rc)
        goto fail;
    if (pre)
        d4m__keys_clear(pre);
    *out = r;
    return 0;
fail:
    if (pre)
        d4m__keys_clear(pre);
    d4m__csr_free(&c);
    free(kept);
    free(x);
    d4m_assoc_free(r);
    return rc;
}

/* Whether a result is kept: sums that cancel are dropped; max and min are
 * never 0 (no stored zeros) and NaN marks "no entry met". */
static inline bool kept_value(reduce_op op, double v)
{
    return op == RED_SUM ? v != 0 : v == v;
}

static inline double fold(reduce_op op, double acc, double x)
{
    /* acc is NaN where nothing was met yet (values are finite). */
    if (op == RED_SUM)
        return acc + x;
    if (acc != acc)
        return x;
    return op == RED_MAX ? (x > acc ? x : acc) : (x < acc ? x : acc);
}

/* dim 1 of numeric results (sums, counts of string values, max/min of
 * numbers), straight from a's CSR arrays: C(1, j) = op over i of A(i, j).
 * Each half of the entries on its own core into its own dense accumulator
 * over the columns, half 0's being the result's value array; then, column
 * range by column range on the two cores, the halves are folded in place,
 * every column is taken as kept (its index written) and the kept ones are
 * counted, while the two cores also copy the column keys.  Only when some
 * columns drop out (sums that cancel; on a numeric axis, positions no entry
 * met) is a pass made to compact them.  Half 0 is folded before half 1
 * whatever the number of threads, so the sums do not depend on it. */
typedef struct { uint64_t col, at; double x; } col_val;

static int col_val_cmp(const void *a, const void *b)
{
    const col_val *p = a, *q = b;
    if (p->col != q->col)
        return p->col < q->col ? -1 : 1;
    return (p->at > q->at) - (p->at < q->at);
}

/* dim 1 when a's numeric column axis is far longer than its entries (a
 * position of 1e9): the dense accumulators of reduce_cols would take memory
 * by the number of columns.  The entries are sorted by column (then by
 * their place in a's arrays, so the fold order is fixed) and folded run by
 * run. */
static int reduce_cols_sparse(d4m_assoc **out, const d4m_assoc *a, reduce_op op,
                              const d4m_csr *src)
{
    bool count = a->vkind == D4M_STR;
    uint64_t nnz = src->p[src->nvec];
    col_val *e = d4m__malloc(d4m__mul((size_t)(nnz ? nnz : 1), sizeof *e));
    uint64_t *kept = d4m__malloc(d4m__mul((size_t)(nnz ? nnz : 1), sizeof *kept));
    double *x = d4m__malloc(d4m__mul((size_t)(nnz ? nnz : 1), sizeof *x));
    if (!e || !kept || !x) {
        free(e);
        free(kept);
        free(x);
        return D4M_ENOMEM;
    }
    for (uint64_t t = 0; t < nnz; t++)
        e[t] = (col_val){ src->j[t], t, count ? 1 : src->x[t] };
    qsort(e, (size_t)nnz, sizeof *e, col_val_cmp);
    uint64_t m = 0;
    for (uint64_t t = 0; t < nnz;) {
        double v = op == RED_SUM ? 0.0 : NAN;
        uint64_t j = e[t].col;
        for (; t < nnz && e[t].col == j; t++)
            v = fold(op, v, e[t].x);
        if (kept_value(op, v)) {
            kept[m] = j;
            x[m] = v;
            m++;
        }
    }
    free(e);
    if (m == 0) {
        free(kept);
        free(x);
        return d4m_assoc_new_empty(out);
    }
    return reduced_assoc(out, &a->col, 2, kept, x, m, NULL);
}

static int reduce_cols(d4m_assoc **out, const d4m_assoc *a, reduce_op op)
{
    bool count = a->vkind == D4M_STR;
    double init = op == RED_SUM ? 0.0 : NAN;
    const d4m_keys *k = &a->col;
    d4m_csr src;
    D4M_TRY(d4m__csr_borrow(&src, a));
    uint64_t nnz = src.p[src.nvec], len = src.ncols;
    if (k->kind == D4M_NUM && len / 4 > nnz + 4096) {
        int rc = reduce_cols_sparse(out, a, op, &src);
        int rc2 = d4m__csr_return(a, &src);
        if (rc2 && !rc)
            d4m_assoc_free(*out), *out = NULL;
        return rc ? rc : rc2;
    }
    size_t lz = len ? (size_t)len : 1;
    int parts = nnz >= 100000 ? 2 : 1;
    double *x = d4m__malloc(d4m__mul(lz, sizeof *x));
    double *acc1 = parts > 1 ? d4m__malloc(d4m__mul(lz, sizeof *acc1)) : NULL;
    uint64_t *kept = d4m__malloc(d4m__mul(lz, sizeof *kept));
    int rc = !x || !kept || (parts > 1 && !acc1) ? D4M_ENOMEM : 0;
    /* A string axis: its keys are the result's unless some sums cancel. */
    d4m_keys pre = { D4M_STR, 0, NULL, NULL };
    size_t pre_bytes = 0;
    if (!rc && k->kind == D4M_STR) {
        pre.n = k->n;
        pre_bytes = (size_t)k->off[k->n];
        pre.off = d4m__malloc(d4m__mul((size_t)pre.n + 1, sizeof *pre.off));
        pre.buf = d4m__malloc(pre_bytes ? pre_bytes : 1);
        if (!pre.off || !pre.buf)
            rc = D4M_ENOMEM;
    }
    uint64_t used[2] = { 0, 0 };
    if (!rc) {
#ifdef _OPENMP
#pragma omp parallel num_threads(2) if (parts > 1 && omp_get_max_threads() > 1)
#endif
        {
            int tid = 0, nth = 1;
#ifdef _OPENMP
            tid = omp_get_thread_num();
            nth = omp_get_num_threads();
#endif
            for (int q = tid; q < parts; q += nth) {
                double *ac = q ? acc1 : x;
                if (init == 0)   /* +0.0 is all zero bytes; memset is faster */
                    memset(ac, 0, (size_t)len * sizeof *ac);
                else
                    for (uint64_t j = 0; j < len; j++)
                        ac[j] = init;
                uint64_t lo = nnz * q / parts, hi = nnz * (q + 1) / parts;
                const uint64_t *J = src.j;
                const double *X = src.x;
                if (op == RED_SUM && count)
                    for (uint64_t t = lo; t < hi; t++)
                        ac[J[t]] += 1;
                else if (op == RED_SUM)
                    for (uint64_t t = lo; t < hi; t++)
                        ac[J[t]] += X[t];
                else
                    for (uint64_t t = lo; t < hi; t++)
                        ac[J[t]] = fold(op, ac[J[t]], count ? 1 : X[t]);
            }
#ifdef _OPENMP
#pragma omp barrier
#endif
            for (int q = tid; q < parts; q += nth) {
                uint64_t lo = len * q / parts, hi = len * (q + 1) / parts, u = 0;
                if (pre.off && q == 0)
                    memcpy(pre.off, k->off, (size_t)(pre.n + 1) * sizeof *pre.off);
                if (pre.off && q == parts - 1 && pre_bytes)
                    memcpy(pre.buf, k->buf, pre_bytes);
                for (uint64_t j = lo; j < hi; j++) {
                    double v = x[j];
                    if (parts > 1)
                        x[j] = v = fold(op, v, acc1[j]);
                    kept[j] = j;
                    u += kept_value(op, v);
                }
                used[q] = u;
            }
        }
    }
    free(acc1);
    int rc2 = d4m__csr_return(a, &src);
    uint64_t m = used[0] + used[1];
    if (rc || rc2 || m == 0) {
        free(kept);
        free(x);
        d4m__keys_clear(&pre);
        if (rc || rc2)
            return rc ? rc : rc2;
        return d4m_assoc_new_empty(out);
    }
    if (m < len) {
        /* Some columns dropped out: the kept ones to the front, in place
         * (position w <= j is written after j is read). */
        uint64_t w = 0;
        for (uint64_t j = 0; j < len; j++) {
            double v = x[j];
            if (kept_value(op, v)) {
                x[w] = v;
                kept[w] = j;
                w++;
            }
        }
    }
    return reduced_assoc(out, k, 2, kept, x, m, &pre);
}

/* dim 2 of numeric results: C(i, 1) = op over j of A(i, j), each row's
 * entries in a row, the rows in two ranges on two cores. */
static int reduce_rows(d4m_assoc **out, const d4m_assoc *a, reduce_op op)
{
    bool count = a->vkind == D4M_STR;
    double init = op == RED_SUM ? 0.0 : NAN;
    d4m_csr src;
    D4M_TRY(d4m__csr_borrow(&src, a));
    uint64_t nnz = src.p[src.nvec], len = src.nvec;
    size_t lz = len ? (size_t)len : 1;
    int parts = nnz >= 100000 ? 2 : 1;
    double *x = d4m__malloc(d4m__mul(lz, sizeof *x));
    uint64_t *kept = d4m__malloc(d4m__mul(lz, sizeof *kept));
    uint64_t m = 0;
    int rc = !x || !kept ? D4M_ENOMEM : 0;
    if (!rc) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(2) if (parts > 1 && omp_get_max_threads() > 1)
#endif
        for (int q = 0; q < parts; q++) {
            uint64_t lo = len * q / parts, hi = len * (q + 1) / parts;
            for (uint64_t r = lo; r < hi; r++) {
                double v = init;
                if (op == RED_SUM && count)
                    v = (double)(src.p[r + 1] - src.p[r]);
                else
                    for (uint64_t t = src.p[r]; t < src.p[r + 1]; t++)
                        v = fold(op, v, count ? 1 : src.x[t]);
                x[r] = v;
            }
        }
        /* The kept rows to the front, with their positions among a's rows. */
        for (uint64_t r = 0; r < len; r++) {
            double v = x[r];
            if (kept_value(op, v)) {
                x[m] = v;
                kept[m] = src.h[r];
                m++;
            }
        }
    }
    int rc2 = d4m__csr_return(a, &src);
    if (rc || rc2 || m == 0) {
        free(kept);
        free(x);
        if (rc || rc2)
            return rc ? rc : rc2;
        return d4m_assoc_new_empty(out);
    }
    return reduced_assoc(out, &a->row, 1, kept, x, m, NULL);
}

static int reduce(d4m_assoc **out, const d4m_assoc *a, int dim, reduce_op op)
{
    static const char *names[] = { "sum", "max", "min" };
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "%s: NULL argument", names[op]);
    *out = NULL;
    if (dim != 1 && dim != 2)
        return d4m__error(D4M_EINVAL, "%s: dim is %d; it must be 1 (rows) or 2 (columns)",
                          names[op], dim);
    if (d4m_assoc_is_empty(a))
        return d4m_assoc_new_empty(out);
    if (a->vkind == D4M_NUM || op == RED_SUM)
        return dim == 1 ? reduce_cols(out, a, op) : reduce_rows(out, a, op);

    /* Sum of string values counts entries; max/min of string values pick
     * the largest/smallest string (the value indices are sorted).  One pass
     * over a's own arrays, with a dense accumulator over the columns for
     * dim 1: cheaper than GrB_reduce, which transposes for column sums. */
    bool strings = a->vkind == D4M_STR && op != RED_SUM;
    bool count = a->vkind == D4M_STR && op == RED_SUM;
    d4m_csr src, c;
    memset(&c, 0, sizeof c);
    D4M_TRY(d4m__csr_borrow(&src, a));
    int rc = 0;
    if (dim == 2) {
        rc = d4m__csr_new(&c, src.nrows, 1, src.nvec, src.nvec);
        for (uint64_t k = 0; !rc && k < src.nvec; k++) {
            double acc = count ? 0 : src.x[src.p[k]];
            for (uint64_t t = src.p[k] + (count ? 0 : 1); t < src.p[k + 1]; t++) {
                double x = count ? 1 : src.x[t];
                acc = op == RED_MAX ? (x > acc ? x : acc)
                    : op == RED_MIN ? (x < acc ? x : acc) : acc + x;
            }
            c.h[k] = src.h[k];
            c.p[k + 1] = k + 1;
            c.j[k] = 0;
            c.x[k] = acc;
        }
    } else {
        /* Two halves of the entries on two cores, each into its own
         * accumulator, merged after. */
        enum { PARTS = 2 };
        double *acc[PARTS] = { NULL, NULL };
        uint8_t *has[PARTS] = { NULL, NULL };
        uint64_t nnz = src.p[src.nvec], used = 0;
        int parts = nnz >= 200000 ? PARTS : 1;
        for (int q = 0; q < parts; q++) {
            acc[q] = d4m__malloc(d4m__mul((size_t)src.ncols, sizeof *acc[q]));
            has[q] = d4m__calloc((size_t)src.ncols, 1);
            if (!acc[q] || !has[q])
                rc = D4M_ENOMEM;
        }
#ifdef _OPENMP
#pragma omp parallel for num_threads(PARTS) if (parts > 1 && omp_get_max_threads() > 1)
#endif
        for (int q = 0; q < parts; q++) {
            if (rc)
                continue;
            double *ac = acc[q];
            uint8_t *hs = has[q];
            for (uint64_t t = nnz * q / parts; t < nnz * (q + 1) / parts; t++) {
                uint64_t j = src.j[t];
                double x = count ? 1 : src.x[t];
                if (!hs[j]) {
                    hs[j] = 1;
                    ac[j] = x;
                } else {
                    ac[j] = op == RED_MAX ? (x > ac[j] ? x : ac[j])
                          : op == RED_MIN ? (x < ac[j] ? x : ac[j]) : ac[j] + x;
                }
            }
        }
        for (uint64_t j = 0; !rc && j < src.ncols; j++) {
            for (int q = 1; q < parts; q++) {
                if (!has[q][j])
                    continue;
                double x = acc[q][j];
                if (!has[0][j]) {
                    has[0][j] = 1;
                    acc[0][j] = x;
                } else {
                    acc[0][j] = op == RED_MAX ? (x > acc[0][j] ? x : acc[0][j])
                              : op == RED_MIN ? (x < acc[0][j] ? x : acc[0][j]) : acc[0][j] + x;
                }
            }
            used += has[0][j];
        }
        if (!rc)
            rc = d4m__csr_new(&c, 1, src.ncols, used ? 1 : 0, used);
        if (!rc && used) {
            uint64_t w = 0;
            for (uint64_t j = 0; j < src.ncols; j++)
                if (has[0][j]) {
                    c.j[w] = j;
                    c.x[w] = acc[0][j];
                    w++;
                }
            c.h[0] = 0;
            c.p[1] = used;
        }
        for (int q = 0; q < parts; q++) {
            free(acc[q]);
            free(has[q]);
        }
    }
    int rc2 = d4m__csr_return(a, &src);
    if (rc || rc2) {
        d4m__csr_free(&c);
        return rc ? rc : rc2;
    }
    GrB_Matrix m;
    D4M_TRY(d4m__csr_pack(&m, &c));
    d4m_keys one = { D4M_NUM, 1, NULL, NULL };
    return d4m__assoc_wrap(out, dim == 1 ? &one : &a->row, dim == 1 ? &a->col : &one,
                           strings ? D4M_STR : D4M_NUM, &a->val, m, true);
}

int d4m_assoc_sum(d4m_assoc **out, const d4m_assoc *a, int dim)
{
    return reduce(out, a, dim, RED_SUM);
}

int d4m_assoc_max(d4m_assoc **out, const d4m_assoc *a, int dim)
{
    return reduce(out, a, dim, RED_MAX);
}

int d4m_assoc_min(d4m_assoc **out, const d4m_assoc *a, int dim)
{
    return reduce(out, a, dim, RED_MIN);
}
