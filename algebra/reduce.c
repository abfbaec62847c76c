/*
 * algebra/reduce.c - sum, max and min along a dimension.
 *
 * dim 1 collapses the rows: the result is 1 x ncols with the numeric row key
 * 1; dim 2 collapses the columns: nrows x 1 with the numeric column key 1.
 * Only stored entries are visited, so nothing densifies: max and min look at
 * the entries that exist (an absent entry is not a zero).
 */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "internal.h"

typedef enum { RED_SUM, RED_MAX, RED_MIN } reduce_op;

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
