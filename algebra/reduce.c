/*
 * algebra/reduce.c - sum, max and min along a dimension.
 *
 * dim 1 collapses the rows: the result is 1 x ncols with the numeric row key
 * 1; dim 2 collapses the columns: nrows x 1 with the numeric column key 1.
 * GraphBLAS reduces over stored entries only, so nothing densifies: max and
 * min look at the entries that exist (an absent entry is not a zero).
 */
#include <stdlib.h>
#include <string.h>
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
     * the largest/smallest string (the value indices are sorted). */
    bool strings = a->vkind == D4M_STR && op != RED_SUM;
    GrB_Matrix src = a->m, ones = NULL;
    if (a->vkind == D4M_STR && op == RED_SUM) {
        D4M_TRY(d4m__matrix_ones(&ones, a->m));
        src = ones;
    }
    GrB_Monoid mon = op == RED_SUM ? GrB_PLUS_MONOID_FP64
                   : op == RED_MAX ? GrB_MAX_MONOID_FP64 : GrB_MIN_MONOID_FP64;
    uint64_t len = dim == 1 ? a->col.n : a->row.n;
    GrB_Vector w = NULL;
    GrB_Index nv = 0;
    d4m_csr c;
    memset(&c, 0, sizeof c);
    int rc = D4M_GRB(GrB_Vector_new(&w, GrB_FP64, len));
    if (!rc)
        rc = D4M_GRB(GrB_Matrix_reduce_Monoid(w, NULL, NULL, mon, src,
                                              dim == 1 ? GrB_DESC_T0 : NULL));
    if (!rc)
        rc = D4M_GRB(GrB_Vector_nvals(&nv, w));
    if (!rc)
        rc = dim == 1 ? d4m__csr_new(&c, 1, len, nv ? 1 : 0, nv)
                      : d4m__csr_new(&c, len, 1, nv, nv);
    if (!rc) {
        GrB_Index n = nv;
        rc = D4M_GRB(GrB_Vector_extractTuples_FP64(dim == 1 ? c.j : c.h, c.x, &n, w));
    }
    GrB_Vector_free(&w);
    GrB_Matrix_free(&ones);
    if (rc) {
        d4m__csr_free(&c);
        return rc;
    }
    if (dim == 1) {
        if (nv) {
            c.h[0] = 0;
            c.p[1] = nv;
        }
    } else {
        for (uint64_t k = 0; k < nv; k++) {
            c.p[k + 1] = k + 1;
            c.j[k] = 0;
        }
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
