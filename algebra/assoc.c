/*
 * algebra/assoc.c - the Assoc object: lifecycle, accessors, the CSR view of
 * its matrix, and d4m__assoc_finish(), which every operation ends with to
 * restore the invariants of internal.h in one linear pass.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "d4m/graphblas.h"

d4m_assoc *d4m__assoc_alloc(void)
{
    d4m_assoc *a = d4m__calloc(1, sizeof *a);
    if (a) {
        a->row.kind = D4M_STR;
        a->col.kind = D4M_STR;
        a->vkind = D4M_NUM;
        a->val.kind = D4M_STR;
    }
    return a;
}

void d4m_assoc_free(d4m_assoc *a)
{
    if (!a)
        return;
    d4m__keys_clear(&a->row);
    d4m__keys_clear(&a->col);
    d4m__keys_clear(&a->val);
    if (a->m)
        GrB_Matrix_free(&a->m);
    free(a);
}

int d4m_assoc_new_empty(d4m_assoc **out)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_assoc_new_empty: out is NULL");
    *out = NULL;
    D4M_TRY(d4m__init());
    d4m_assoc *a = d4m__assoc_alloc();
    if (!a)
        return D4M_ENOMEM;
    int rc = D4M_GRB(GrB_Matrix_new(&a->m, GrB_FP64, 0, 0));
    if (rc) {
        d4m_assoc_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

int d4m_assoc_dup(d4m_assoc **out, const d4m_assoc *a)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "d4m_assoc_dup: NULL argument");
    *out = NULL;
    d4m_assoc *c = d4m__assoc_alloc();
    if (!c)
        return D4M_ENOMEM;
    c->vkind = a->vkind;
    int rc = d4m__keys_copy(&c->row, &a->row);
    if (!rc) rc = d4m__keys_copy(&c->col, &a->col);
    if (!rc) rc = d4m__keys_copy(&c->val, &a->val);
    if (!rc) rc = D4M_GRB(GrB_Matrix_dup(&c->m, a->m));
    if (rc) {
        d4m_assoc_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------ accessors */

size_t d4m_assoc_nnz(const d4m_assoc *a)
{
    GrB_Index n = 0;
    if (a && a->m)
        GrB_Matrix_nvals(&n, a->m);
    return (size_t)n;
}

size_t d4m_assoc_nrows(const d4m_assoc *a) { return a ? (size_t)a->row.n : 0; }
size_t d4m_assoc_ncols(const d4m_assoc *a) { return a ? (size_t)a->col.n : 0; }
int d4m_assoc_is_empty(const d4m_assoc *a) { return d4m_assoc_nnz(a) == 0; }

static const d4m_keys *axis(const d4m_assoc *a, int dim)
{
    if (!a)
        return NULL;
    return dim == 1 ? &a->row : dim == 2 ? &a->col : NULL;
}

d4m_kind d4m_assoc_key_kind(const d4m_assoc *a, int dim)
{
    const d4m_keys *k = axis(a, dim);
    return k ? k->kind : D4M_STR;
}

size_t d4m_assoc_key_count(const d4m_assoc *a, int dim)
{
    const d4m_keys *k = axis(a, dim);
    return k ? (size_t)k->n : 0;
}

d4m_key d4m_assoc_key(const d4m_assoc *a, int dim, size_t i)
{
    const d4m_keys *k = axis(a, dim);
    d4m_key none = { NULL, 0 };
    if (!k || k->kind != D4M_STR || i >= k->n)
        return none;
    return d4m__keys_at(k, i);
}

int64_t d4m_assoc_key_find(const d4m_assoc *a, int dim, d4m_key key)
{
    const d4m_keys *k = axis(a, dim);
    return k ? d4m__keys_find(k, key) : -1;
}

d4m_kind d4m_assoc_val_kind(const d4m_assoc *a) { return a ? a->vkind : D4M_NUM; }

size_t d4m_assoc_val_count(const d4m_assoc *a)
{
    return (a && a->vkind == D4M_STR) ? (size_t)a->val.n : 0;
}

d4m_key d4m_assoc_val_str(const d4m_assoc *a, size_t i)
{
    d4m_key none = { NULL, 0 };
    if (!a || a->vkind != D4M_STR || i >= a->val.n)
        return none;
    return d4m__keys_at(&a->val, i);
}

double d4m_assoc_get_ij(const d4m_assoc *a, size_t i, size_t j)
{
    double x = 0;
    if (!a || i >= a->row.n || j >= a->col.n)
        return 0;
    if (GrB_Matrix_extractElement_FP64(&x, a->m, i, j) != GrB_SUCCESS)
        return 0;
    return x;
}

GrB_Matrix d4m_assoc_matrix(const d4m_assoc *a) { return a ? a->m : NULL; }

int d4m_assoc_matrix_dup(GrB_Matrix *out, const d4m_assoc *a)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "d4m_assoc_matrix_dup: NULL argument");
    return D4M_GRB(GrB_Matrix_dup(out, a->m));
}

/* ------------------------------------------------------------ CSR views */

void d4m__csr_free(d4m_csr *c)
{
    free(c->p);
    free(c->h);
    free(c->j);
    free(c->x);
    memset(c, 0, sizeof *c);
}

int d4m__csr_unpack(d4m_csr *c, GrB_Matrix m, bool allow_jumbled)
{
    memset(c, 0, sizeof *c);
    GrB_Index nr, nc;
    D4M_TRY(D4M_GRB(GrB_Matrix_nrows(&nr, m)));
    D4M_TRY(D4M_GRB(GrB_Matrix_ncols(&nc, m)));
    bool iso = false, jumbled = false;
    GrB_Index nvec = 0;
    void *x = NULL;
    int rc = D4M_GRB(GxB_Matrix_unpack_HyperCSR(m, &c->p, &c->h, &c->j, &x,
                                                 &c->p_size, &c->h_size, &c->j_size,
                                                 &c->x_size, &iso, &nvec,
                                                 allow_jumbled ? &jumbled : NULL, NULL));
    if (rc)
        return rc;
    c->x = x;
    c->nrows = nr;
    c->ncols = nc;
    c->nvec = nvec;
    c->jumbled = jumbled;
    uint64_t nnz = c->p[nvec];
    if (iso) {
        /* One value shared by every entry: expand it, we edit values. */
        double v = c->x ? c->x[0] : 0;
        double *xx = d4m__malloc(d4m__mul((size_t)nnz, sizeof *xx));
        if (!xx) {
            d4m__csr_free(c);
            return D4M_ENOMEM;
        }
        for (uint64_t t = 0; t < nnz; t++)
            xx[t] = v;
        free(c->x);
        c->x = xx;
        c->x_size = (nnz ? nnz : 1) * sizeof *xx;
    }
    /* pack wants non-NULL arrays even when empty. */
    if (!c->h) { c->h = d4m__malloc(8); c->h_size = 8; }
    if (!c->j) { c->j = d4m__malloc(8); c->j_size = 8; }
    if (!c->x) { c->x = d4m__malloc(8); c->x_size = 8; }
    if (!c->h || !c->j || !c->x) {
        d4m__csr_free(c);
        return D4M_ENOMEM;
    }
    return 0;
}

int d4m__csr_pack(GrB_Matrix *out, d4m_csr *c)
{
    GrB_Matrix m = NULL;
    *out = NULL;
    int rc = D4M_GRB(GrB_Matrix_new(&m, GrB_FP64, c->nrows, c->ncols));
    if (rc) {
        d4m__csr_free(c);
        return rc;
    }
    void *x = c->x;
    rc = D4M_GRB(GxB_Matrix_pack_HyperCSR(m, &c->p, &c->h, &c->j, &x,
                                          c->p_size, c->h_size, c->j_size, c->x_size,
                                          false, c->nvec, c->jumbled, NULL));
    c->x = x;
    if (rc) {
        GrB_Matrix_free(&m);
        d4m__csr_free(c);
        return rc;
    }
    memset(c, 0, sizeof *c);  /* the matrix owns the arrays now */
    *out = m;
    return 0;
}

int d4m__csr_borrow(d4m_csr *c, const d4m_assoc *a)
{
    return d4m__csr_unpack(c, a->m, false);
}

int d4m__csr_return(const d4m_assoc *a, d4m_csr *c)
{
    /* Packing into the matrix the arrays came from cannot fail for lack of
     * memory: the header exists and the arrays are moved, not copied. */
    GrB_Matrix m = a->m;
    void *x = c->x;
    int rc = D4M_GRB(GxB_Matrix_pack_HyperCSR(m, &c->p, &c->h, &c->j, &x, c->p_size,
                                              c->h_size, c->j_size, c->x_size, false,
                                              c->nvec, c->jumbled, NULL));
    c->x = x;
    if (rc)
        d4m__csr_free(c);
    else
        memset(c, 0, sizeof *c);
    return rc;
}

int d4m__csr_copy(d4m_csr *c, GrB_Matrix m, bool allow_jumbled)
{
    GrB_Matrix d = NULL;
    D4M_TRY(D4M_GRB(GrB_Matrix_dup(&d, m)));
    int rc = d4m__csr_unpack(c, d, allow_jumbled);
    GrB_Matrix_free(&d);
    return rc;
}

/* Allocate CSR arrays for nvec rows and nnz entries. */
static int csr_alloc(d4m_csr *c, uint64_t nrows, uint64_t ncols, uint64_t nvec, uint64_t nnz)
{
    memset(c, 0, sizeof *c);
    c->nrows = nrows;
    c->ncols = ncols;
    c->nvec = nvec;
    c->p_size = (nvec + 2) * sizeof(uint64_t);   /* GraphBLAS wants room for 2 */
    c->h_size = (nvec ? nvec : 1) * sizeof(uint64_t);
    c->j_size = (nnz ? nnz : 1) * sizeof(uint64_t);
    c->x_size = (nnz ? nnz : 1) * sizeof(double);
    c->p = d4m__malloc(c->p_size);
    c->h = d4m__malloc(c->h_size);
    c->j = d4m__malloc(c->j_size);
    c->x = d4m__malloc(c->x_size);
    if (!c->p || !c->h || !c->j || !c->x) {
        d4m__csr_free(c);
        return D4M_ENOMEM;
    }
    c->p[0] = 0;
    return 0;
}

int d4m__csr_new(d4m_csr *c, uint64_t nrows, uint64_t ncols, uint64_t nvec, uint64_t nnz)
{
    return csr_alloc(c, nrows, ncols, nvec, nnz);
}

/* ------------------------------------------------------------- finish */

/* Remove entries (zeros when drop_zeros, and entries whose mapped row or
 * column is >= rlimit / climit, which includes UINT64_MAX "not mapped") and
 * empty rows, in place; remap rows and columns (NULL map = identity). */
static void csr_filter(d4m_csr *c, bool drop_zeros, const uint64_t *rmap, const uint64_t *cmap,
                       uint64_t rlimit, uint64_t climit)
{
    if (!rmap && !cmap && rlimit == UINT64_MAX && climit == UINT64_MAX) {
        /* Nothing to remap: a read-only look first, since results of +, *
         * and the like seldom hold a zero or an empty row, and then no
         * entry needs to move. */
        bool clean = true;
        for (uint64_t k = 0; clean && k < c->nvec; k++)
            clean = c->p[k + 1] > c->p[k];
        for (uint64_t t = 0; clean && drop_zeros && t < c->p[c->nvec]; t++)
            clean = c->x[t] != 0;
        if (clean)
            return;
    }
    uint64_t w = 0, v = 0;
    uint64_t start = 0;
    for (uint64_t k = 0; k < c->nvec; k++) {
        uint64_t end = c->p[k + 1];
        uint64_t r = rmap ? rmap[c->h[k]] : c->h[k];
        if (r < rlimit) {
            uint64_t w0 = w;
            for (uint64_t t = start; t < end; t++) {
                double x = c->x[t];
                if (drop_zeros && x == 0)
                    continue;
                uint64_t col = cmap ? cmap[c->j[t]] : c->j[t];
                if (col >= climit)
                    continue;
                c->j[w] = col;
                c->x[w] = x;
                w++;
            }
            if (w > w0) {
                c->h[v] = r;
                c->p[v + 1] = w;
                v++;
            }
        }
        start = end;
    }
    c->p[0] = 0;
    c->nvec = v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Renumber the columns of a numeric axis to 0..k-1 over the used ones. */
static int compact_num_cols(d4m_csr *c)
{
    uint64_t nnz = c->p[c->nvec];
    uint64_t *u = d4m__malloc(d4m__mul((size_t)nnz, sizeof *u));
    if (!u)
        return D4M_ENOMEM;
    memcpy(u, c->j, (size_t)nnz * sizeof *u);
    qsort(u, (size_t)nnz, sizeof *u, cmp_u64);
    uint64_t k = 0;
    for (uint64_t t = 0; t < nnz; t++)
        if (k == 0 || u[k - 1] != u[t])
            u[k++] = u[t];
    for (uint64_t t = 0; t < nnz; t++) {
        uint64_t lo = 0, hi = k;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (u[mid] < c->j[t]) lo = mid + 1; else hi = mid;
        }
        c->j[t] = lo;
    }
    free(u);
    c->ncols = k;
    return 0;
}

int d4m__assoc_finish(d4m_assoc **out, d4m_assoc *a, bool drop_zeros)
{
    return d4m__assoc_finish_ex(out, a, drop_zeros, false);
}

int d4m__assoc_finish_ex(d4m_assoc **out, d4m_assoc *a, bool drop_zeros, bool compact_num)
{
    d4m_csr c;
    uint8_t *keep = NULL;
    uint64_t *map = NULL;
    d4m_keys nk = { D4M_STR, 0, NULL, NULL };
    int rc = d4m__csr_unpack(&c, a->m, true);
    if (rc)
        goto fail;

    csr_filter(&c, drop_zeros, NULL, NULL, UINT64_MAX, UINT64_MAX);
    uint64_t nnz = c.p[c.nvec];
    /* An Assoc holds finite numbers only (as built): a result that went
     * beyond a double (1e308 + 1e308, or inf - inf in a sum of products)
     * is an error, not an inf to pass on.  One branch-free pass. */
    if (a->vkind == D4M_NUM) {
        int bad = 0;
        const double *x = c.x;
#ifdef _OPENMP
#pragma omp parallel for reduction(| : bad) num_threads(2) if (nnz >= (1u << 20))
#endif
        for (uint64_t t = 0; t < nnz; t++)
            bad |= !(fabs(x[t]) <= DBL_MAX);
        if (bad) {
            rc = d4m__error(D4M_EVALUE, "the result has a value beyond the range of a double "
                            "(inf)");
            goto fail;
        }
    }

    if (nnz == 0) {
        /* The canonical empty Assoc: whatever the operation, D4M's
         * Assoc('','',''). */
        d4m__csr_free(&c);
        d4m__keys_clear(&a->row);
        d4m__keys_clear(&a->col);
        d4m__keys_clear(&a->val);
        a->row.kind = a->col.kind = D4M_STR;
        a->vkind = D4M_NUM;
        GrB_Matrix_free(&a->m);
        rc = D4M_GRB(GrB_Matrix_new(&a->m, GrB_FP64, 0, 0));
        if (rc)
            goto fail;
        *out = a;
        return 0;
    }

    /* Rows: the rows present are exactly c.h[0..nvec), ascending. */
    if (a->row.kind == D4M_NUM) {
        if (compact_num) {
            for (uint64_t k = 0; k < c.nvec; k++)
                c.h[k] = k;
            a->row.n = c.nrows = c.nvec;
        }
    } else if (c.nvec < a->row.n) {
        keep = d4m__calloc((size_t)a->row.n, 1);
        map = d4m__malloc(d4m__mul((size_t)a->row.n, sizeof *map));
        rc = D4M_ENOMEM;
        if (!keep || !map)
            goto fail;
        for (uint64_t k = 0; k < c.nvec; k++)
            keep[c.h[k]] = 1;
        rc = d4m__keys_subset(&nk, map, &a->row, keep);
        if (rc)
            goto fail;
        for (uint64_t k = 0; k < c.nvec; k++)
            c.h[k] = map[c.h[k]];
        d4m__keys_clear(&a->row);
        a->row = nk;
        c.nrows = nk.n;
        free(keep); keep = NULL;
        free(map); map = NULL;
    }

    /* Columns. */
    if (a->col.kind == D4M_NUM) {
        if (compact_num) {
            rc = compact_num_cols(&c);
            if (rc)
                goto fail;
            a->col.n = c.ncols;
        }
    } else {
        keep = d4m__calloc((size_t)a->col.n, 1);
        rc = D4M_ENOMEM;
        if (!keep)
            goto fail;
        uint64_t used = 0;
        for (uint64_t t = 0; t < nnz; t++) {
            if (!keep[c.j[t]]) {
                keep[c.j[t]] = 1;
                used++;
            }
        }
        if (used < a->col.n) {
            map = d4m__malloc(d4m__mul((size_t)a->col.n, sizeof *map));
            if (!map)
                goto fail;
            rc = d4m__keys_subset(&nk, map, &a->col, keep);
            if (rc)
                goto fail;
            for (uint64_t t = 0; t < nnz; t++)
                c.j[t] = map[c.j[t]];
            d4m__keys_clear(&a->col);
            a->col = nk;
            c.ncols = nk.n;
            free(map); map = NULL;
        }
        free(keep); keep = NULL;
    }

    /* String values: drop the unused ones. */
    if (a->vkind == D4M_STR) {
        keep = d4m__calloc((size_t)a->val.n, 1);
        rc = D4M_ENOMEM;
        if (!keep)
            goto fail;
        uint64_t used = 0;
        for (uint64_t t = 0; t < nnz; t++) {
            uint64_t v = (uint64_t)c.x[t] - 1;
            if (!keep[v]) {
                keep[v] = 1;
                used++;
            }
        }
        if (used < a->val.n) {
            map = d4m__malloc(d4m__mul((size_t)a->val.n, sizeof *map));
            if (!map)
                goto fail;
            rc = d4m__keys_subset(&nk, map, &a->val, keep);
            if (rc)
                goto fail;
            for (uint64_t t = 0; t < nnz; t++)
                c.x[t] = (double)(map[(uint64_t)c.x[t] - 1] + 1);
            d4m__keys_clear(&a->val);
            a->val = nk;
            free(map); map = NULL;
        }
        free(keep); keep = NULL;
    }

    GrB_Matrix_free(&a->m);
    rc = d4m__csr_pack(&a->m, &c);
    if (rc)
        goto fail;
    *out = a;
    return 0;
fail:
    d4m__csr_free(&c);
    free(keep);
    free(map);
    d4m_assoc_free(a);
    *out = NULL;
    return rc;
}

int d4m__assoc_wrap(d4m_assoc **out, const d4m_keys *row, const d4m_keys *col,
                    d4m_kind vkind, const d4m_keys *val, GrB_Matrix m, bool drop_zeros)
{
    *out = NULL;
    d4m_assoc *a = d4m__assoc_alloc();
    if (!a) {
        GrB_Matrix_free(&m);
        return D4M_ENOMEM;
    }
    a->m = m;
    a->vkind = vkind;
    int rc = d4m__keys_copy(&a->row, row);
    if (!rc) rc = d4m__keys_copy(&a->col, col);
    if (!rc && vkind == D4M_STR) rc = d4m__keys_copy(&a->val, val);
    if (rc) {
        d4m_assoc_free(a);
        return rc;
    }
    return d4m__assoc_finish(out, a, drop_zeros);
}

int d4m__matrix_remap(GrB_Matrix *out, GrB_Matrix m, uint64_t nrows, uint64_t ncols,
                      const uint64_t *rmap, const uint64_t *cmap, const uint64_t *vmap)
{
    d4m_csr c;
    *out = NULL;
    D4M_TRY(d4m__csr_copy(&c, m, true));
    csr_filter(&c, false, rmap, cmap, nrows, ncols);
    if (vmap) {
        uint64_t nnz = c.p[c.nvec];
        for (uint64_t t = 0; t < nnz; t++)
            c.x[t] = (double)(vmap[(uint64_t)c.x[t] - 1] + 1);
    }
    c.nrows = nrows;
    c.ncols = ncols;
    return d4m__csr_pack(out, &c);
}

int d4m__matrix_ones(GrB_Matrix *out, GrB_Matrix m)
{
    GrB_Index nr, nc;
    *out = NULL;
    D4M_TRY(D4M_GRB(GrB_Matrix_nrows(&nr, m)));
    D4M_TRY(D4M_GRB(GrB_Matrix_ncols(&nc, m)));
    D4M_TRY(D4M_GRB(GrB_Matrix_new(out, GrB_FP64, nr, nc)));
    int rc = D4M_GRB(GrB_Matrix_apply(*out, NULL, NULL, GxB_ONE_FP64, m, NULL));
    if (rc)
        GrB_Matrix_free(out);
    return rc;
}

/* ------------------------------------------------- string-valued results */

int d4m__assoc_from_strvals(d4m_assoc **out, const d4m_keys *row, const d4m_keys *col,
                            const uint64_t *ri, const uint64_t *ci,
                            const d4m_key *vals, size_t n)
{
    *out = NULL;
    d4m_keys vk = { D4M_STR, 0, NULL, NULL };
    uint64_t *vid = d4m__malloc(d4m__mul(n, sizeof *vid));
    double *x = d4m__malloc(d4m__mul(n, sizeof *x));
    GrB_Matrix m = NULL;
    int rc = D4M_ENOMEM;
    if (!vid || !x)
        goto done;
    rc = d4m__keys_from_strings(&vk, vid, vals, n);
    if (rc)
        goto done;
    for (size_t t = 0; t < n; t++)
        x[t] = (double)(vid[t] + 1);
    rc = d4m__matrix_from_triples(&m, row->n, col->n, ri, ci, x, n, D4M_COLLIDE_MIN,
                                  NULL, NULL);
    if (rc)
        goto done;
    rc = d4m__assoc_wrap(out, row, col, D4M_STR, &vk, m, true);
done:
    d4m__keys_clear(&vk);
    free(vid);
    free(x);
    return rc;
}

/* --------------------------------------------------------------- find */

void d4m_triples_free(d4m_triples *t)
{
    if (!t)
        return;
    free(t->row);
    free(t->col);
    free(t->val);
    free(t->sval);
    free(t);
}

typedef struct { uint64_t col, row; double x; } col_entry;

static int col_entry_cmp(const void *a, const void *b)
{
    const col_entry *p = a, *q = b;
    if (p->col != q->col)
        return p->col < q->col ? -1 : 1;
    return (p->row > q->row) - (p->row < q->row);
}

int d4m_assoc_find(d4m_triples **out, const d4m_assoc *a, d4m_order order)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "d4m_assoc_find: NULL argument");
    if (order != D4M_ORDER_COL && order != D4M_ORDER_ROW)
        return d4m__error(D4M_EINVAL, "d4m_assoc_find: unknown order %d", (int)order);
    *out = NULL;
    d4m_csr c;
    D4M_TRY(d4m__csr_borrow(&c, a));
    uint64_t nnz = c.p[c.nvec];
    d4m_triples *t = d4m__calloc(1, sizeof *t);
    uint64_t *cnt = NULL;
    int rc = D4M_ENOMEM;
    if (!t)
        goto fail;
    t->n = (size_t)nnz;
    t->row = d4m__malloc(d4m__mul((size_t)nnz, sizeof *t->row));
    t->col = d4m__malloc(d4m__mul((size_t)nnz, sizeof *t->col));
    double *vals = d4m__malloc(d4m__mul((size_t)nnz, sizeof *vals));
    if (!t->row || !t->col || !vals) {
        free(vals);
        goto fail;
    }
    if (order == D4M_ORDER_ROW) {
        for (uint64_t k = 0; k < c.nvec; k++)
            for (uint64_t p = c.p[k]; p < c.p[k + 1]; p++) {
                t->row[p] = c.h[k];
                t->col[p] = c.j[p];
                vals[p] = c.x[p];
            }
    } else if (c.ncols / 4 > nnz + 4096) {
        /* Far more columns than entries (a numeric position of 1e9): the
         * counting sort would take memory by the number of columns; sort
         * the entries by (column, row) instead. */
        col_entry *e = d4m__malloc(d4m__mul((size_t)(nnz ? nnz : 1), sizeof *e));
        if (!e) {
            free(vals);
            goto fail;
        }
        for (uint64_t k = 0; k < c.nvec; k++)
            for (uint64_t p = c.p[k]; p < c.p[k + 1]; p++)
                e[p] = (col_entry){ c.j[p], c.h[k], c.x[p] };
        qsort(e, (size_t)nnz, sizeof *e, col_entry_cmp);
        for (uint64_t p = 0; p < nnz; p++) {
            t->row[p] = e[p].row;
            t->col[p] = e[p].col;
            vals[p] = e[p].x;
        }
        free(e);
    } else {
        /* Counting sort by column; rows stay ascending within a column. */
        cnt = d4m__calloc((size_t)c.ncols + 1, sizeof *cnt);
        if (!cnt) {
            free(vals);
            goto fail;
        }
        for (uint64_t p = 0; p < nnz; p++)
            cnt[c.j[p] + 1]++;
        for (uint64_t q = 0; q < c.ncols; q++)
            cnt[q + 1] += cnt[q];
        for (uint64_t k = 0; k < c.nvec; k++)
            for (uint64_t p = c.p[k]; p < c.p[k + 1]; p++) {
                uint64_t d = cnt[c.j[p]]++;
                t->row[d] = c.h[k];
                t->col[d] = c.j[p];
                vals[d] = c.x[p];
            }
    }
    if (a->vkind == D4M_STR) {
        t->sval = d4m__malloc(d4m__mul((size_t)nnz, sizeof *t->sval));
        if (!t->sval) {
            free(vals);
            goto fail;
        }
        for (uint64_t p = 0; p < nnz; p++)
            t->sval[p] = (uint64_t)vals[p] - 1;
        free(vals);
    } else {
        t->val = vals;
    }
    free(cnt);
    rc = d4m__csr_return(a, &c);
    if (rc) {
        d4m_triples_free(t);
        return rc;
    }
    *out = t;
    return 0;
fail:
    free(cnt);
    d4m__csr_return(a, &c);
    d4m_triples_free(t);
    return rc;
}

/* ------------------------------------------------------------ display */

static int print_key(FILE *f, const d4m_keys *k, uint64_t i)
{
    if (k->kind == D4M_NUM)
        return fprintf(f, "%llu", (unsigned long long)(i + 1)) < 0 ? -1 : 0;
    d4m_key key = d4m__keys_at(k, i);
    return (key.len && fwrite(key.ptr, 1, key.len, f) != key.len) ? -1 : 0;
}

int d4m_assoc_print(FILE *f, const d4m_assoc *a)
{
    if (!f || !a)
        return d4m__error(D4M_EINVAL, "d4m_assoc_print: NULL argument");
    d4m_triples *t;
    D4M_TRY(d4m_assoc_find(&t, a, D4M_ORDER_COL));
    int bad = 0;
    for (size_t p = 0; p < t->n && !bad; p++) {
        bad |= fputc('(', f) == EOF;
        bad |= print_key(f, &a->row, t->row[p]);
        bad |= fputc(',', f) == EOF;
        bad |= print_key(f, &a->col, t->col[p]);
        bad |= fputs(")  ", f) == EOF;
        if (t->sval) {
            d4m_key v = d4m__keys_at(&a->val, t->sval[p]);
            bad |= v.len && fwrite(v.ptr, 1, v.len, f) != v.len;
        } else {
            char num[64];
            d4m__fmt_g(num, sizeof num, t->val[p]);
            bad |= fputs(num, f) == EOF;
        }
        bad |= fputc('\n', f) == EOF;
    }
    d4m_triples_free(t);
    if (bad)
        return d4m__error(D4M_EIO, "d4m_assoc_print: write failed");
    return 0;
}

int d4m_assoc_equal(const d4m_assoc *a, const d4m_assoc *b)
{
    if (!a || !b)
        return 0;
    if (a->vkind != b->vkind || !d4m__keys_equal(&a->row, &b->row) ||
        !d4m__keys_equal(&a->col, &b->col))
        return 0;
    if (a->vkind == D4M_STR && !d4m__keys_equal(&a->val, &b->val))
        return 0;
    if (d4m_assoc_nnz(a) != d4m_assoc_nnz(b))
        return 0;
    d4m_triples *ta = NULL, *tb = NULL;
    if (d4m_assoc_find(&ta, a, D4M_ORDER_ROW) || d4m_assoc_find(&tb, b, D4M_ORDER_ROW)) {
        d4m_triples_free(ta);
        return 0;
    }
    int eq = ta->n == tb->n;
    for (size_t p = 0; eq && p < ta->n; p++) {
        eq = ta->row[p] == tb->row[p] && ta->col[p] == tb->col[p];
        if (eq)
            eq = ta->val ? ta->val[p] == tb->val[p] : ta->sval[p] == tb->sval[p];
    }
    d4m_triples_free(ta);
    d4m_triples_free(tb);
    return eq;
}

int d4m_assoc_put_adj(d4m_assoc **out, const d4m_assoc *a, GrB_Matrix m)
{
    if (!out || !a || !m)
        return d4m__error(D4M_EINVAL, "d4m_assoc_put_adj: NULL argument");
    *out = NULL;
    GrB_Index nr, nc;
    D4M_TRY(D4M_GRB(GrB_Matrix_nrows(&nr, m)));
    D4M_TRY(D4M_GRB(GrB_Matrix_ncols(&nc, m)));
    if (nr != a->row.n || nc != a->col.n)
        return d4m__error(D4M_ELENGTH, "putAdj: matrix is %llux%llu, the Assoc has %llux%llu keys",
                          (unsigned long long)nr, (unsigned long long)nc,
                          (unsigned long long)a->row.n, (unsigned long long)a->col.n);
    GrB_Matrix c = NULL;
    D4M_TRY(D4M_GRB(GrB_Matrix_new(&c, GrB_FP64, nr, nc)));
    int rc = D4M_GRB(GrB_Matrix_assign(c, NULL, NULL, m, GrB_ALL, nr, GrB_ALL, nc, NULL));
    if (rc) {
        GrB_Matrix_free(&c);
        return rc;
    }
    /* Reject NaN and Inf as construction does. */
    d4m_csr t;
    rc = d4m__csr_unpack(&t, c, true);
    if (rc) {
        GrB_Matrix_free(&c);
        return rc;
    }
    for (uint64_t p = 0; p < t.p[t.nvec]; p++) {
        if (!isfinite(t.x[p])) {
            d4m__csr_free(&t);
            GrB_Matrix_free(&c);
            return d4m__error(D4M_EVALUE, "putAdj: the matrix holds NaN or Inf");
        }
    }
    GrB_Matrix_free(&c);
    D4M_TRY(d4m__csr_pack(&c, &t));
    return d4m__assoc_wrap(out, &a->row, &a->col, D4M_NUM, NULL, c, true);
}
