/*
 * algebra/udf.c - user-defined functions: apply a callback to every value,
 * keep the entries a predicate selects.  The callbacks run in the calling
 * thread, over the CSR arrays, with whatever context pointer the caller
 * gives (GraphBLAS user operators have no context, hence no GrB_apply).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int d4m_assoc_apply(d4m_assoc **out, const d4m_assoc *a, d4m_apply_fn fn, void *ctx)
{
    if (!out || !a || !fn)
        return d4m__error(D4M_EINVAL, "apply: NULL argument");
    *out = NULL;
    if (a->vkind == D4M_STR)
        return d4m__error(D4M_EVALKIND, "apply: the array has string values; use "
                          "d4m_assoc_double or str2num first");
    d4m_csr c;
    D4M_TRY(d4m__csr_copy(&c, a->m, true));
    for (uint64_t t = 0; t < c.p[c.nvec]; t++) {
        double x = c.x[t];
        double v = fn(x, ctx);
        if (!isfinite(v)) {
            d4m__csr_free(&c);
            return d4m__error(D4M_EVALUE, "apply: the function returned %g for %g", v, x);
        }
        c.x[t] = v;
    }
    GrB_Matrix m;
    D4M_TRY(d4m__csr_pack(&m, &c));
    return d4m__assoc_wrap(out, &a->row, &a->col, D4M_NUM, NULL, m, true);
}

static void axis_entry(d4m_key *k, double *num, const d4m_keys *keys, uint64_t i)
{
    if (keys->kind == D4M_NUM) {
        k->ptr = NULL;
        k->len = 0;
        *num = (double)(i + 1);
    } else {
        *k = d4m__keys_at(keys, i);
        *num = 0;
    }
}

int d4m_assoc_select(d4m_assoc **out, const d4m_assoc *a, d4m_select_fn fn, void *ctx)
{
    if (!out || !a || !fn)
        return d4m__error(D4M_EINVAL, "select: NULL argument");
    *out = NULL;
    d4m_csr c;
    D4M_TRY(d4m__csr_copy(&c, a->m, false));
    d4m_entry e;
    memset(&e, 0, sizeof e);
    for (uint64_t k = 0; k < c.nvec; k++) {
        axis_entry(&e.row, &e.row_num, &a->row, c.h[k]);
        for (uint64_t t = c.p[k]; t < c.p[k + 1]; t++) {
            axis_entry(&e.col, &e.col_num, &a->col, c.j[t]);
            e.val = c.x[t];
            if (a->vkind == D4M_STR)
                e.sval = d4m__keys_at(&a->val, (uint64_t)c.x[t] - 1);
            int keep = fn(&e, ctx);
            if (keep < 0) {
                d4m__csr_free(&c);
                return d4m__error(D4M_ECALLBACK, "select: the predicate stopped with %d", keep);
            }
            if (!keep)
                c.x[t] = 0;   /* dropped by finish */
        }
    }
    GrB_Matrix m;
    D4M_TRY(d4m__csr_pack(&m, &c));
    return d4m__assoc_wrap(out, &a->row, &a->col, a->vkind, &a->val, m, true);
}
