/*
 * algebra/convert.c - conversions of values and keys: logical, double, abs0,
 * num2str, str2num, NoDiag, diag, putRow/putCol/putVal, noRow/noCol.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* A copy of a with the same keys and new matrix/value state. */
static int same_keys(d4m_assoc **out, const d4m_assoc *a, d4m_kind vkind,
                     const d4m_keys *val, GrB_Matrix m, bool drop_zeros)
{
    return d4m__assoc_wrap(out, &a->row, &a->col, vkind, val, m, drop_zeros);
}

int d4m_assoc_logical(d4m_assoc **out, const d4m_assoc *a)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "logical: NULL argument");
    *out = NULL;
    GrB_Matrix m;
    D4M_TRY(d4m__matrix_ones(&m, a->m));
    return same_keys(out, a, D4M_NUM, NULL, m, false);
}

int d4m_assoc_abs0(d4m_assoc **out, const d4m_assoc *a)
{
    return d4m_assoc_logical(out, a);
}

int d4m_assoc_double(d4m_assoc **out, const d4m_assoc *a)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "double: NULL argument");
    *out = NULL;
    GrB_Matrix m;
    D4M_TRY(D4M_GRB(GrB_Matrix_dup(&m, a->m)));
    return same_keys(out, a, D4M_NUM, NULL, m, false);
}

int d4m_assoc_num2str(d4m_assoc **out, const d4m_assoc *a)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "num2str: NULL argument");
    *out = NULL;
    if (a->vkind == D4M_STR)
        return d4m_assoc_dup(out, a);
    d4m_csr c;
    D4M_TRY(d4m__csr_copy(&c, a->m, true));
    uint64_t nnz = c.p[c.nvec];
    char *text = d4m__malloc(d4m__mul((size_t)nnz, 32));
    d4m_key *views = d4m__malloc(d4m__mul((size_t)nnz, sizeof *views));
    uint64_t *id = d4m__malloc(d4m__mul((size_t)nnz, sizeof *id));
    d4m_keys vk = { D4M_STR, 0, NULL, NULL };
    int rc = D4M_ENOMEM;
    if (!text || !views || !id)
        goto fail;
    for (uint64_t t = 0; t < nnz; t++) {
        views[t].ptr = text + 32 * t;
        views[t].len = (size_t)d4m__fmt_g(text + 32 * t, 32, c.x[t]);
    }
    rc = d4m__keys_from_strings(&vk, id, views, (size_t)nnz);
    if (rc)
        goto fail;
    for (uint64_t t = 0; t < nnz; t++)
        c.x[t] = (double)(id[t] + 1);
    free(text);
    free(views);
    free(id);
    GrB_Matrix m;
    rc = d4m__csr_pack(&m, &c);
    if (!rc)
        rc = same_keys(out, a, D4M_STR, &vk, m, false);
    d4m__keys_clear(&vk);
    return rc;
fail:
    free(text);
    free(views);
    free(id);
    d4m__csr_free(&c);
    return rc;
}

int d4m_assoc_str2num(d4m_assoc **out, const d4m_assoc *a)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "str2num: NULL argument");
    *out = NULL;
    if (a->vkind == D4M_NUM)
        return d4m_assoc_dup(out, a);
    double *num = d4m__malloc(d4m__mul((size_t)a->val.n, sizeof *num));
    if (!num)
        return D4M_ENOMEM;
    for (uint64_t v = 0; v < a->val.n; v++) {
        /* What the readers take as a number (the "C" locale; no hex, no
         * blanks, nothing that would read as 0 while not 0). */
        d4m_key s = d4m__keys_at(&a->val, v);
        double x = NAN;
        int r = d4m_parse_number(&x, s);
        if (r <= 0) {
            free(num);
            if (r < 0)
                return r;
            return d4m__error(D4M_EVALUE, "str2num: value '%.*s' is not a finite number",
                              (int)(s.len > 60 ? 60 : s.len), s.ptr);
        }
        num[v] = x;
    }
    d4m_csr c;
    int rc = d4m__csr_copy(&c, a->m, true);
    if (rc) {
        free(num);
        return rc;
    }
    for (uint64_t t = 0; t < c.p[c.nvec]; t++)
        c.x[t] = num[(uint64_t)c.x[t] - 1];
    free(num);
    GrB_Matrix m;
    D4M_TRY(d4m__csr_pack(&m, &c));
    return same_keys(out, a, D4M_NUM, NULL, m, true);
}

/* Keep (diag) or drop (NoDiag) the entries whose row key equals their
 * column key. */
static int diag_filter(d4m_assoc **out, const d4m_assoc *a, bool keep_diag)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "%s: NULL argument", keep_diag ? "diag" : "NoDiag");
    *out = NULL;
    d4m_csr c;
    D4M_TRY(d4m__csr_copy(&c, a->m, true));
    bool kinds_match = a->row.kind == a->col.kind;
    for (uint64_t k = 0; k < c.nvec; k++) {
        uint64_t i = c.h[k];
        for (uint64_t t = c.p[k]; t < c.p[k + 1]; t++) {
            bool on;
            if (!kinds_match)
                on = false;
            else if (a->row.kind == D4M_NUM)
                on = i == c.j[t];
            else
                on = d4m_key_cmp(d4m__keys_at(&a->row, i), d4m__keys_at(&a->col, c.j[t])) == 0;
            if (on != keep_diag)
                c.x[t] = 0;   /* dropped by finish */
        }
    }
    GrB_Matrix m;
    D4M_TRY(d4m__csr_pack(&m, &c));
    return same_keys(out, a, a->vkind, &a->val, m, true);
}

int d4m_assoc_nodiag(d4m_assoc **out, const d4m_assoc *a) { return diag_filter(out, a, false); }
int d4m_assoc_diag(d4m_assoc **out, const d4m_assoc *a) { return diag_filter(out, a, true); }

/* Rebuild a from its triples with row keys, column keys or values
 * substituted (NULL: keep a's).  Collisions take min. */
static int rebuild(d4m_assoc **out, const d4m_assoc *a, const d4m_vec *rows,
                   const d4m_vec *cols, const d4m_vec *vals)
{
    d4m_triples *t;
    D4M_TRY(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    size_t n = t->n;
    d4m_key *rk = NULL, *ck = NULL, *vk = NULL;
    double *rn = NULL, *cn = NULL, *vn = NULL;
    int rc = D4M_ENOMEM;
    const d4m_keys *axes[2] = { &a->row, &a->col };
    const d4m_vec *subs[2] = { rows, cols };
    d4m_key *ks[2] = { NULL, NULL };
    double *ns[2] = { NULL, NULL };
    d4m_vec vecs[3];
    for (int d = 0; d < 2; d++) {
        const uint64_t *idx = d == 0 ? t->row : t->col;
        d4m_kind kind = subs[d] ? subs[d]->kind : axes[d]->kind;
        if (kind == D4M_STR) {
            ks[d] = d4m__malloc(d4m__mul(n, sizeof *ks[d]));
            if (!ks[d])
                goto done;
            for (size_t p = 0; p < n; p++)
                ks[d][p] = subs[d] ? subs[d]->str[idx[p]] : d4m__keys_at(axes[d], idx[p]);
            vecs[d] = d4m_vec_str(ks[d], n);
        } else {
            ns[d] = d4m__malloc(d4m__mul(n, sizeof *ns[d]));
            if (!ns[d])
                goto done;
            for (size_t p = 0; p < n; p++)
                ns[d][p] = subs[d] ? subs[d]->num[idx[p]] : (double)(idx[p] + 1);
            vecs[d] = d4m_vec_num(ns[d], n);
        }
    }
    rk = ks[0]; ck = ks[1]; rn = ns[0]; cn = ns[1];
    if (t->sval) {
        vk = d4m__malloc(d4m__mul(n, sizeof *vk));
        if (!vk)
            goto done;
        for (size_t p = 0; p < n; p++)
            vk[p] = vals ? vals->str[t->sval[p]] : d4m__keys_at(&a->val, t->sval[p]);
        vecs[2] = d4m_vec_str(vk, n);
    } else {
        vn = t->val;
        vecs[2] = d4m_vec_num(vn, n);
    }
    rc = d4m_assoc_build(out, vecs[0], vecs[1], vecs[2], NULL);
done:
    free(rk); free(ck); free(vk); free(rn); free(cn);
    d4m_triples_free(t);
    return rc;
}

int d4m_assoc_put_keys(d4m_assoc **out, const d4m_assoc *a, int dim, d4m_vec keys)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "putRow/putCol: NULL argument");
    *out = NULL;
    if (dim != 1 && dim != 2)
        return d4m__error(D4M_EINVAL, "putRow/putCol: dim is %d; it must be 1 or 2", dim);
    const d4m_keys *k = dim == 1 ? &a->row : &a->col;
    if (keys.n != k->n)
        return d4m__error(D4M_ELENGTH, "%s: %zu new keys for %llu keys", dim == 1 ? "putRow"
                          : "putCol", keys.n, (unsigned long long)k->n);
    if (keys.kind != D4M_STR && keys.kind != D4M_NUM)
        return d4m__error(D4M_EINVAL, "putRow/putCol: unknown key kind %d", (int)keys.kind);
    if ((keys.kind == D4M_STR && keys.n && !keys.str) ||
        (keys.kind == D4M_NUM && keys.n && !keys.num))
        return d4m__error(D4M_EINVAL, "putRow/putCol: NULL keys");
    if (d4m_assoc_is_empty(a))
        return d4m_assoc_new_empty(out);
    return rebuild(out, a, dim == 1 ? &keys : NULL, dim == 2 ? &keys : NULL, NULL);
}

int d4m_assoc_put_val(d4m_assoc **out, const d4m_assoc *a, d4m_vec vals)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "putVal: NULL argument");
    *out = NULL;
    if (vals.kind != D4M_STR || (vals.n && !vals.str))
        return d4m__error(D4M_EINVAL, "putVal: the new values must be strings");
    if (a->vkind != D4M_STR) {
        if (d4m_assoc_is_empty(a))
            return d4m_assoc_new_empty(out);
        return d4m__error(D4M_EVALKIND, "putVal: the array has numeric values");
    }
    if (vals.n != a->val.n)
        return d4m__error(D4M_ELENGTH, "putVal: %zu new values for %llu values", vals.n,
                          (unsigned long long)a->val.n);
    return rebuild(out, a, NULL, NULL, &vals);
}

int d4m_assoc_no_keys(d4m_assoc **out, const d4m_assoc *a, int dim)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "noRow/noCol: NULL argument");
    *out = NULL;
    if (dim != 1 && dim != 2)
        return d4m__error(D4M_EINVAL, "noRow/noCol: dim is %d; it must be 1 or 2", dim);
    if (d4m_assoc_is_empty(a))
        return d4m_assoc_new_empty(out);
    d4m_assoc *c;
    D4M_TRY(d4m_assoc_dup(&c, a));
    d4m_keys *k = dim == 1 ? &c->row : &c->col;
    uint64_t n = k->n;
    d4m__keys_clear(k);
    k->kind = D4M_NUM;
    k->n = n;
    *out = c;
    return 0;
}
