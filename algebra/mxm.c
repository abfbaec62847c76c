/*
 * algebra/mxm.c - matrix products over the intersection of the inner keys:
 * A * B with any of the semirings of d4m_semiring, sqIn, sqOut, transpose,
 * CatKeyMul and CatValMul.
 *
 * Results of mxm stay "jumbled" (columns unsorted within a row) on their way
 * through d4m__assoc_finish(): GraphBLAS would otherwise sort every output
 * row, about half the cost of A*A.' on D4M workloads.  The sort happens later,
 * only if something needs the order.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static GrB_Semiring semiring(d4m_semiring s)
{
    switch (s) {
    case D4M_PLUS_TIMES: return GrB_PLUS_TIMES_SEMIRING_FP64;
    case D4M_MIN_PLUS: return GrB_MIN_PLUS_SEMIRING_FP64;
    case D4M_MAX_PLUS: return GrB_MAX_PLUS_SEMIRING_FP64;
    case D4M_MAX_MIN: return GrB_MAX_MIN_SEMIRING_FP64;
    case D4M_MIN_MAX: return GrB_MIN_MAX_SEMIRING_FP64;
    case D4M_PLUS_MIN: return GrB_PLUS_MIN_SEMIRING_FP64;
    case D4M_MAX_TIMES: return GrB_MAX_TIMES_SEMIRING_FP64;
    case D4M_MIN_TIMES: return GrB_MIN_TIMES_SEMIRING_FP64;
    case D4M_PLUS_PAIR: return GxB_PLUS_PAIR_FP64;
    case D4M_ANY_PAIR: return GxB_ANY_PAIR_FP64;
    }
    return NULL;
}

/* The inner operands of A * B: A restricted to the shared inner keys and B
 * likewise, both renumbered into the intersection.  String values become 1
 * when ones is set. */
typedef struct {
    GrB_Matrix a, b;
    bool own_a, own_b;
    d4m_keys inner;
} inner_pair;

static void inner_free(inner_pair *p)
{
    if (p->own_a) GrB_Matrix_free(&p->a);
    if (p->own_b) GrB_Matrix_free(&p->b);
    d4m__keys_clear(&p->inner);
}

static int restrict_side(GrB_Matrix *out, bool *own, const d4m_assoc *x, bool cols,
                         const uint64_t *map, uint64_t n, bool ones)
{
    GrB_Matrix src = x->m, tmp = NULL;
    if (ones && x->vkind == D4M_STR) {
        D4M_TRY(d4m__matrix_ones(&tmp, x->m));
        src = tmp;
    }
    uint64_t have = cols ? x->col.n : x->row.n;
    if (have == n) {
        *out = src;
        *own = tmp != NULL;
        return 0;
    }
    int rc = cols ? d4m__matrix_remap(out, src, x->row.n, n, NULL, map, NULL)
                  : d4m__matrix_remap(out, src, n, x->col.n, map, NULL, NULL);
    GrB_Matrix_free(&tmp);
    *own = rc == 0;
    return rc;
}

static int inner_pair_make(inner_pair *p, const d4m_assoc *a, const d4m_assoc *b, bool ones)
{
    memset(p, 0, sizeof *p);
    uint64_t *am = NULL, *bm = NULL;
    if (a->col.kind != b->row.kind)
        return d4m__error(D4M_EKEYKIND, "mtimes: A's column keys and B's row keys are of "
                          "different kinds (string and numeric)");
    int rc = d4m__keys_intersect(&p->inner, &am, &bm, &a->col, &b->row);
    if (!rc)
        rc = restrict_side(&p->a, &p->own_a, a, true, am, p->inner.n, ones);
    if (!rc)
        rc = restrict_side(&p->b, &p->own_b, b, false, bm, p->inner.n, ones);
    free(am);
    free(bm);
    if (rc)
        inner_free(p);
    return rc;
}

int d4m_assoc_mxm(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b, d4m_semiring s)
{
    if (!out || !a || !b)
        return d4m__error(D4M_EINVAL, "mtimes: NULL argument");
    *out = NULL;
    GrB_Semiring sr = semiring(s);
    if (!sr)
        return d4m__error(D4M_EINVAL, "mtimes: unknown semiring %d", (int)s);
    if (d4m_assoc_is_empty(a) || d4m_assoc_is_empty(b))
        return d4m_assoc_new_empty(out);
    inner_pair p;
    D4M_TRY(inner_pair_make(&p, a, b, true));
    GrB_Matrix c = NULL;
    int rc = D4M_GRB(GrB_Matrix_new(&c, GrB_FP64, a->row.n, b->col.n));
    if (!rc)
        rc = D4M_GRB(GrB_mxm(c, NULL, NULL, sr, p.a, p.b, NULL));
    inner_free(&p);
    if (rc) {
        GrB_Matrix_free(&c);
        return rc;
    }
    return d4m__assoc_wrap(out, &a->row, &b->col, D4M_NUM, NULL, c, true);
}

int d4m_assoc_mtimes(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return d4m_assoc_mxm(out, a, b, D4M_PLUS_TIMES);
}

/* A.' as a matrix held by column: the CSR arrays of A are the CSC arrays of
 * A.', so the transpose is one copy and no reordering; GraphBLAS converts
 * lazily if a later operation wants rows. */
static int transpose_matrix(GrB_Matrix *out, GrB_Matrix m)
{
    d4m_csr c;
    *out = NULL;
    D4M_TRY(d4m__csr_copy(&c, m, true));
    GrB_Matrix t = NULL;
    int rc = D4M_GRB(GrB_Matrix_new(&t, GrB_FP64, c.ncols, c.nrows));
    if (!rc)
        rc = D4M_GRB(GxB_Matrix_Option_set(t, GxB_FORMAT, GxB_BY_COL));
    if (!rc) {
        void *x = c.x;
        rc = D4M_GRB(GxB_Matrix_pack_HyperCSC(t, &c.p, &c.h, &c.j, &x, c.p_size, c.h_size,
                                              c.j_size, c.x_size, false, c.nvec,
                                              c.jumbled, NULL));
        c.x = x;
    }
    if (rc) {
        GrB_Matrix_free(&t);
        d4m__csr_free(&c);
        return rc;
    }
    *out = t;
    return 0;
}

int d4m_assoc_transpose(d4m_assoc **out, const d4m_assoc *a)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "transpose: NULL argument");
    *out = NULL;
    d4m_assoc *c = d4m__assoc_alloc();
    if (!c)
        return D4M_ENOMEM;
    c->vkind = a->vkind;
    int rc = d4m__keys_copy(&c->row, &a->col);
    if (!rc) rc = d4m__keys_copy(&c->col, &a->row);
    if (!rc) rc = d4m__keys_copy(&c->val, &a->val);
    if (!rc) rc = transpose_matrix(&c->m, a->m);
    if (rc) {
        d4m_assoc_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* C = A.' * A (in) or A * A.' (out), the transpose folded into mxm. */
static int sq(d4m_assoc **out, const d4m_assoc *a, bool in)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "%s: NULL argument", in ? "sqIn" : "sqOut");
    *out = NULL;
    if (d4m_assoc_is_empty(a))
        return d4m_assoc_new_empty(out);
    GrB_Matrix src = a->m, ones = NULL, c = NULL;
    if (a->vkind == D4M_STR) {
        D4M_TRY(d4m__matrix_ones(&ones, a->m));
        src = ones;
    }
    const d4m_keys *k = in ? &a->col : &a->row;
    int rc = D4M_GRB(GrB_Matrix_new(&c, GrB_FP64, k->n, k->n));
    if (!rc)
        rc = D4M_GRB(GrB_mxm(c, NULL, NULL, GrB_PLUS_TIMES_SEMIRING_FP64, src, src,
                             in ? GrB_DESC_T0 : GrB_DESC_T1));
    GrB_Matrix_free(&ones);
    if (rc) {
        GrB_Matrix_free(&c);
        return rc;
    }
    return d4m__assoc_wrap(out, k, k, D4M_NUM, NULL, c, true);
}

int d4m_assoc_sqin(d4m_assoc **out, const d4m_assoc *a) { return sq(out, a, true); }
int d4m_assoc_sqout(d4m_assoc **out, const d4m_assoc *a) { return sq(out, a, false); }

/* ------------------------------------------------- CatKeyMul, CatValMul */

/* Text of one value (string, or a number with %g) appended to b. */
static int put_value(d4m_buf *b, const d4m_assoc *a, double x)
{
    if (a->vkind == D4M_STR) {
        d4m_key v = d4m__keys_at(&a->val, (uint64_t)x - 1);
        return d4m__buf_put(b, v.ptr, v.len);
    }
    char num[64];
    int n = d4m__fmt_g(num, sizeof num, x);
    return d4m__buf_put(b, num, (size_t)n);
}

static int put_inner_key(d4m_buf *b, const d4m_keys *inner, uint64_t k)
{
    if (inner->kind == D4M_NUM)
        return d4m__buf_printf(b, "%llu", (unsigned long long)(k + 1));
    d4m_key key = d4m__keys_at(inner, k);
    return d4m__buf_put(b, key.ptr, key.len);
}

/* For each output entry (i, j), the text of the matching inner keys k in
 * ascending order: keys (CatKeyMul) or "A(i,k);B(k,j);" (CatValMul). */
static int catmul(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b, bool vals)
{
    const char *name = vals ? "CatValMul" : "CatKeyMul";
    if (!out || !a || !b)
        return d4m__error(D4M_EINVAL, "%s: NULL argument", name);
    *out = NULL;
    if (d4m_assoc_is_empty(a) || d4m_assoc_is_empty(b))
        return d4m_assoc_new_empty(out);
    inner_pair p;
    D4M_TRY(inner_pair_make(&p, a, b, false));
    d4m_csr ca, cb;
    memset(&ca, 0, sizeof ca);
    memset(&cb, 0, sizeof cb);
    int rc = d4m__csr_copy(&ca, p.a, false);
    if (!rc)
        rc = d4m__csr_copy(&cb, p.b, false);

    /* B's rows by inner key: brow[k] = position of row k in cb, or -1. */
    int64_t *brow = NULL;
    uint64_t *head = NULL, *tail = NULL, *next = NULL, *kk = NULL, *touched = NULL;
    double *av = NULL, *bv = NULL;
    uint64_t *ri = NULL, *ci = NULL, *soff = NULL;
    size_t nout = 0, capout = 0, nlist = 0, caplist = 0;
    d4m_buf text = { NULL, 0, 0 };
    d4m_key *views = NULL;
    if (rc)
        goto done;
    rc = D4M_ENOMEM;
    brow = d4m__malloc(d4m__mul((size_t)p.inner.n + 1, sizeof *brow));
    head = d4m__malloc(d4m__mul((size_t)b->col.n + 1, sizeof *head));
    tail = d4m__malloc(d4m__mul((size_t)b->col.n + 1, sizeof *tail));
    touched = d4m__malloc(d4m__mul((size_t)b->col.n + 1, sizeof *touched));
    if (!brow || !head || !tail || !touched)
        goto done;
    for (uint64_t k = 0; k < p.inner.n; k++)
        brow[k] = -1;
    for (uint64_t r = 0; r < cb.nvec; r++)
        brow[cb.h[r]] = (int64_t)r;
    for (uint64_t j = 0; j < b->col.n; j++)
        head[j] = UINT64_MAX;

    for (uint64_t r = 0; r < ca.nvec; r++) {
        uint64_t i = ca.h[r], nt = 0;
        nlist = 0;
        for (uint64_t s = ca.p[r]; s < ca.p[r + 1]; s++) {
            uint64_t k = ca.j[s];
            if (brow[k] < 0)
                continue;
            uint64_t br = (uint64_t)brow[k];
            for (uint64_t t = cb.p[br]; t < cb.p[br + 1]; t++) {
                uint64_t j = cb.j[t];
                if (nlist == caplist) {
                    size_t cap = caplist ? 2 * caplist : 256;
                    uint64_t *n1 = d4m__realloc(next, cap * sizeof *n1);
                    if (!n1) goto done;
                    next = n1;
                    uint64_t *n2 = d4m__realloc(kk, cap * sizeof *n2);
                    if (!n2) goto done;
                    kk = n2;
                    double *n3 = d4m__realloc(av, cap * sizeof *n3);
                    if (!n3) goto done;
                    av = n3;
                    double *n4 = d4m__realloc(bv, cap * sizeof *n4);
                    if (!n4) goto done;
                    bv = n4;
                    caplist = cap;
                }
                kk[nlist] = k;
                av[nlist] = ca.x[s];
                bv[nlist] = cb.x[t];
                next[nlist] = UINT64_MAX;
                if (head[j] == UINT64_MAX) {
                    head[j] = nlist;
                    touched[nt++] = j;
                } else {
                    next[tail[j]] = nlist;
                }
                tail[j] = nlist;
                nlist++;
            }
        }
        for (uint64_t q = 0; q < nt; q++) {
            uint64_t j = touched[q];
            if (nout == capout) {
                size_t cap = capout ? 2 * capout : 1024;
                uint64_t *n1 = d4m__realloc(ri, cap * sizeof *n1);
                if (!n1) goto done;
                ri = n1;
                uint64_t *n2 = d4m__realloc(ci, cap * sizeof *n2);
                if (!n2) goto done;
                ci = n2;
                uint64_t *n3 = d4m__realloc(soff, (cap + 1) * sizeof *n3);
                if (!n3) goto done;
                soff = n3;
                capout = cap;
            }
            ri[nout] = i;
            ci[nout] = j;
            soff[nout] = text.len;
            for (uint64_t e = head[j]; e != UINT64_MAX; e = next[e]) {
                if (vals) {
                    if (put_value(&text, a, av[e]) || d4m__buf_put(&text, ";", 1) ||
                        put_value(&text, b, bv[e]) || d4m__buf_put(&text, ";", 1))
                        goto done;
                } else {
                    if (put_inner_key(&text, &p.inner, kk[e]) || d4m__buf_put(&text, ";", 1))
                        goto done;
                }
            }
            nout++;
            head[j] = UINT64_MAX;
        }
    }
    if (nout == 0) {
        /* No inner key matched (numeric inner axes can overlap without a
         * common entry): the empty Assoc, as A * B gives. */
        rc = d4m_assoc_new_empty(out);
        goto done;
    }
    views = d4m__malloc(d4m__mul(nout, sizeof *views));
    if (!views)
        goto done;
    for (size_t e = 0; e < nout; e++) {
        size_t end = e + 1 < nout ? soff[e + 1] : text.len;
        views[e].ptr = text.p + soff[e];
        views[e].len = end - soff[e];
    }
    rc = d4m__assoc_from_strvals(out, &a->row, &b->col, ri, ci, views, nout);
done:
    inner_free(&p);
    d4m__csr_free(&ca);
    d4m__csr_free(&cb);
    free(brow); free(head); free(tail); free(next); free(kk); free(touched);
    free(av); free(bv); free(ri); free(ci); free(soff); free(views);
    d4m__buf_free(&text);
    return rc;
}

int d4m_assoc_catkeymul(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return catmul(out, a, b, false);
}

int d4m_assoc_catvalmul(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return catmul(out, a, b, true);
}
