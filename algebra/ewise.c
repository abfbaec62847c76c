/*
 * algebra/ewise.c - element-wise algebra: + - & | .* ./, scalars, and
 * comparisons.
 *
 * The key sets are combined first (union for + - |, intersection for & .*
 * ./), each side's keys mapping monotonically into the result's.  Then the
 * two operands' CSR arrays are read in place and merged row by row straight
 * into the result's arrays, with no copy of either operand: the rows are cut
 * into one part per thread, each part written where it would start if no
 * entries met, and the later parts moved down after.  A union that dropped
 * nothing uses every combined key and needs no finish pass.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "internal.h"

typedef enum { OP_PLUS, OP_MINUS, OP_AND, OP_OR, OP_TIMES, OP_DIVIDE } ewise_op;

static const char *op_name(ewise_op op)
{
    static const char *names[] = { "+", "-", "&", "|", ".*", "./" };
    return names[op];
}

/* Operands brought into one key space: the union of their keys for + - |,
 * the intersection for & .* ./ (maps are NULL for numeric axes, whose
 * positions are their own indices). */
typedef struct {
    d4m_keys row, col, val;   /* result keys; val for string values */
    d4m_kind vkind;
    uint64_t *ra, *rb, *ca, *cb, *va, *vb;   /* monotone maps, or NULL */
} space;

static void space_free(space *s)
{
    d4m__keys_clear(&s->row);
    d4m__keys_clear(&s->col);
    d4m__keys_clear(&s->val);
    free(s->ra); free(s->rb); free(s->ca); free(s->cb); free(s->va); free(s->vb);
    memset(s, 0, sizeof *s);
}

static int keys_combine(d4m_keys *out, uint64_t **am, uint64_t **bm,
                        const d4m_keys *a, const d4m_keys *b, bool union_)
{
    return union_ ? d4m__keys_union(out, am, bm, a, b) : d4m__keys_intersect(out, am, bm, a, b);
}

static int space_make(space *s, const d4m_assoc *a, const d4m_assoc *b, bool union_,
                      bool strings)
{
    memset(s, 0, sizeof *s);
    s->vkind = strings ? D4M_STR : D4M_NUM;
    /* Rows and columns are independent; on large arrays, one core each. */
    int rcs[2] = { 0, 0 };
    bool par = a->row.kind == D4M_STR && a->col.kind == D4M_STR &&
               a->row.n + b->row.n + a->col.n + b->col.n >= 20000;
#ifdef _OPENMP
#pragma omp parallel sections num_threads(2) if (par && omp_get_max_threads() > 1)
#endif
    {
#ifdef _OPENMP
#pragma omp section
#endif
        rcs[0] = keys_combine(&s->row, &s->ra, &s->rb, &a->row, &b->row, union_);
#ifdef _OPENMP
#pragma omp section
#endif
        rcs[1] = keys_combine(&s->col, &s->ca, &s->cb, &a->col, &b->col, union_);
    }
    (void)par;
    int rc = rcs[0] ? rcs[0] : rcs[1];
    if (rc)
        rc = d4m__error(rc, "combining the key sets: %s", d4m_strerror(rc));
    /* Values: always the union, whatever the op, as the matrix holds indices
     * into it (unused values are dropped at the end). */
    if (!rc && strings)
        rc = d4m__keys_union(&s->val, &s->va, &s->vb, &a->val, &b->val);
    if (rc)
        space_free(s);
    return rc;
}

/* One side of a merge: a borrowed CSR, and how its indices and values move
 * into the result's space. */
typedef struct {
    const d4m_csr *c;
    const uint64_t *rmap, *cmap, *vmap;
    bool ones;        /* string values taken as 1 by a numeric op */
    /* cmap by blocks of 2^MAP_SHIFT columns: blk[j >> MAP_SHIFT] is what
     * the block adds to every column in it, or MAP_MIXED (then cmap[j]);
     * NULL with cmap NULL: the identity. */
    int64_t *blk;
} side;

#define MAP_SHIFT 6
#define MAP_MIXED INT64_MIN

/* The block table of s->cmap (n entries).  It is small (n / 8 bytes) and
 * read in cache, where cmap itself would be read at random. */
static int side_blocks(side *s, uint64_t n)
{
    s->blk = NULL;
    if (!s->cmap)
        return 0;
    uint64_t nb = (n >> MAP_SHIFT) + 1;
    int64_t *blk = d4m__malloc(d4m__mul((size_t)nb, sizeof *blk));
    if (!blk)
        return D4M_ENOMEM;
    for (uint64_t b = 0; b < nb; b++) {
        uint64_t lo = b << MAP_SHIFT, hi = lo + ((uint64_t)1 << MAP_SHIFT);
        if (hi > n)
            hi = n;
        int64_t d = lo < n ? (int64_t)(s->cmap[lo] - lo) : 0;
        for (uint64_t j = lo + 1; j < hi; j++)
            if ((int64_t)(s->cmap[j] - j) != d) {
                d = MAP_MIXED;
                break;
            }
        blk[b] = d;
    }
    s->blk = blk;
    return 0;
}

/* Column j of side s in the result's space. */
static inline uint64_t side_map(const side *s, uint64_t j)
{
    if (!s->blk)
        return j;
    int64_t d = s->blk[j >> MAP_SHIFT];
    return d != MAP_MIXED ? j + (uint64_t)d : s->cmap[j];
}

typedef struct {
    side a, b;
    ewise_op op;
    bool strings;
    uint64_t nrows, ncols;   /* result extents: mapped indices >= are dropped */
} merge_ctx;

static inline uint64_t side_row(const side *s, uint64_t k)
{
    uint64_t i = s->c->h[k];
    return s->rmap ? s->rmap[i] : i;
}

static inline uint64_t side_col(const side *s, uint64_t t)
{
    uint64_t j = s->c->j[t];
    return s->cmap ? s->cmap[j] : j;
}

static inline double side_val(const side *s, uint64_t t)
{
    if (s->ones)
        return 1;
    double v = s->c->x[t];
    return s->vmap ? (double)(s->vmap[(uint64_t)v - 1] + 1) : v;
}

/* One thread's share of the rows, and what it wrote. */
typedef struct {
    uint64_t ka0, ka1, kb0, kb1;   /* row slots of a and of b */
    uint64_t nrows, nnz;           /* rows and entries it produces */
    uint64_t row0, nnz0;           /* where it writes them */
    bool both, dropped;            /* entries met in both; entries dropped */
} merge_part;

/* The next row of the result present in a or in b, within part p: its
 * index *i, and the entries [*ta, *ta1) of a and [*tb, *tb1) of b in it
 * (an empty range for a side without the row).  Rows that map outside the
 * result (not in an intersection) are passed over.  false at the end. */
static inline __attribute__((always_inline)) bool
next_row(const merge_ctx *m, const merge_part *p, uint64_t *ka,
                            uint64_t *kb, uint64_t *i, uint64_t *ta, uint64_t *ta1,
                            uint64_t *tb, uint64_t *tb1)
{
    const side *A = &m->a, *B = &m->b;
    while (*ka < p->ka1 || *kb < p->kb1) {
        uint64_t ia = *ka < p->ka1 ? side_row(A, *ka) : UINT64_MAX;
        uint64_t ib = *kb < p->kb1 ? side_row(B, *kb) : UINT64_MAX;
        if (ia >= m->nrows && *ka < p->ka1) {
            (*ka)++;
            continue;
        }
        if (ib >= m->nrows && *kb < p->kb1) {
            (*kb)++;
            continue;
        }
        *i = ia < ib ? ia : ib;
        *ta = *ta1 = *tb = *tb1 = 0;
        if (ia == *i) {
            *ta = A->c->p[*ka];
            *ta1 = A->c->p[*ka + 1];
            (*ka)++;
        }
        if (ib == *i) {
            *tb = B->c->p[*kb];
            *tb1 = B->c->p[*kb + 1];
            (*kb)++;
        }
        return true;
    }
    return false;
}

/* The rows of an intersection op (& .* ./): the entries present in both
 * sides, rows and columns mapped into the intersection (a mapped index of
 * the result's extent or more, UINT64_MAX included, is not in it). */
static void intersect_rows(const merge_ctx *m, merge_part *p, d4m_csr *out)
{
    const side *A = &m->a, *B = &m->b;
    uint64_t ka = p->ka0, kb = p->kb0;
    uint64_t rows = 0, nnz = 0;
    uint64_t *oh = out->h + p->row0, *op = out->p + p->row0, *oj = out->j + p->nnz0;
    double *ox = out->x + p->nnz0;
    bool dropped = false;
    uint64_t i, ta, ta1, tb, tb1;
    while (next_row(m, p, &ka, &kb, &i, &ta, &ta1, &tb, &tb1)) {
        uint64_t start = nnz;
        while (ta < ta1 && tb < tb1) {
            uint64_t ja = side_col(A, ta), jb = side_col(B, tb);
            if (ja >= m->ncols) {
                ta++;
                continue;
            }
            if (jb >= m->ncols) {
                tb++;
                continue;
            }
            if (ja != jb) {
                if (ja < jb)
                    ta++;
                else
                    tb++;
                continue;
            }
            double x = side_val(A, ta), y = side_val(B, tb), v;
            ta++;
            tb++;
            switch (m->op) {
            case OP_TIMES: v = x * y; break;
            case OP_DIVIDE: v = x / y; break;
            default: v = x < y ? x : y; break;   /* OP_AND, numbers and strings */
            }
            if (v == 0) {
                dropped = true;
                continue;
            }
            oj[nnz] = ja;
            ox[nnz] = v;
            nnz++;
        }
        if (nnz == start)
            continue;
        oh[rows] = i;
        op[rows + 1] = p->nnz0 + nnz;
        rows++;
    }
    p->nrows = rows;
    p->nnz = nnz;
    p->both = false;
    p->dropped = dropped;
}

/* The rows of a union op (+ - |): every key of both sides is in the
 * result, columns map through the block tables. */
static void union_rows(const merge_ctx *m, merge_part *p, d4m_csr *out)
{
    const side *A = &m->a, *B = &m->b;
    const d4m_csr *ca = A->c, *cb = B->c;
    const uint64_t *ja_ = ca->j, *jb_ = cb->j;
    const double *xa_ = ca->x, *xb_ = cb->x;
    const ewise_op op = m->op;
    const bool strings = m->strings;
    const bool plain = !A->vmap && !B->vmap && !A->ones && !B->ones;
    const bool neg = op == OP_MINUS && !strings;
    uint64_t ka = p->ka0, kb = p->kb0;
    uint64_t rows = 0, nnz = 0;
    uint64_t *oh = out->h + p->row0, *op_ = out->p + p->row0, *oj = out->j + p->nnz0;
    double *ox = out->x + p->nnz0;
    bool both = false, dropped = false;
#define VAL(S, X, T) (plain ? (X)[T] : side_val((S), (T)))
#define EMIT(J, V)         \
    do {                   \
        oj[nnz] = (J);     \
        ox[nnz] = (V);     \
        nnz++;             \
    } while (0)
    uint64_t i, ta, ta1, tb, tb1;
    while (next_row(m, p, &ka, &kb, &i, &ta, &ta1, &tb, &tb1)) {
        uint64_t start = nnz;
        while (ta < ta1 && tb < tb1) {
            uint64_t ua = side_map(A, ja_[ta]), ub = side_map(B, jb_[tb]);
            if (ua < ub) {
                EMIT(ua, VAL(A, xa_, ta));
                ta++;
            } else if (ub < ua) {
                double v = VAL(B, xb_, tb);
                EMIT(ub, neg ? -v : v);
                tb++;
            } else {
                double xa = VAL(A, xa_, ta), xb = VAL(B, xb_, tb), v;
                int keep = 1;
                switch (op) {
                case OP_PLUS: v = strings ? (xa > xb ? xa : xb) : xa + xb; break;
                case OP_MINUS: v = xa - xb; keep = !strings; break;
                default: v = xa < xb ? xa : xb; break;   /* OP_OR */
                }
                both = true;
                if (keep && v != 0)
                    EMIT(ua, v);
                else
                    dropped = true;
                /* Beyond a double (1e308 + 1e308): the finish pass, which
                 * reports it, instead of the shortcut past it. */
                if (!isfinite(v))
                    dropped = true;
                ta++;
                tb++;
            }
        }
        for (; ta < ta1; ta++)
            EMIT(side_map(A, ja_[ta]), VAL(A, xa_, ta));
        for (; tb < tb1; tb++) {
            double v = VAL(B, xb_, tb);
            EMIT(side_map(B, jb_[tb]), neg ? -v : v);
        }
        if (nnz == start)
            continue;
        oh[rows] = i;
        op_[rows + 1] = p->nnz0 + nnz;
        rows++;
    }
#undef EMIT
#undef VAL
    p->nrows = rows;
    p->nnz = nnz;
    p->both = both;
    p->dropped = dropped;
}

/* Lower bound of row slot key i of one side in the other side's slots. */
static uint64_t slot_lower(const d4m_csr *c, uint64_t i)
{
    uint64_t lo = 0, hi = c->nvec;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (c->h[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

#define MERGE_MAX_THREADS 8

/* The result matrix of m; *both and *dropped tell what happened. */
static int merge(GrB_Matrix *out, bool *both, bool *dropped, const merge_ctx *m,
                 const d4m_keys *arow, const d4m_keys *brow)
{
    const d4m_csr *ca = m->a.c, *cb = m->b.c;
    uint64_t na = ca->p[ca->nvec], nb = cb->p[cb->nvec];
    int T = 1;
#ifdef _OPENMP
    if (na + nb >= 100000) {
        T = omp_get_max_threads();
        if (T > MERGE_MAX_THREADS)
            T = MERGE_MAX_THREADS;
        if (T < 1)
            T = 1;
    }
#endif
    /* Split a's rows at equal shares of its entries, and b's rows at the
     * same keys. */
    bool union_ = m->op == OP_PLUS || m->op == OP_MINUS || m->op == OP_OR;
    void (*rows_fn)(const merge_ctx *, merge_part *, d4m_csr *) =
        union_ ? union_rows : intersect_rows;
    merge_part parts[MERGE_MAX_THREADS];
    memset(parts, 0, sizeof parts);
    uint64_t ka = 0, kb = 0;
    for (int t = 0; t < T; t++) {
        uint64_t ka1 = ca->nvec, kb1 = cb->nvec;
        if (t + 1 < T) {
            uint64_t e = na / (uint64_t)T * (uint64_t)(t + 1);
            uint64_t lo = ka, hi = ca->nvec;   /* first slot whose rows start past e */
            while (lo < hi) {
                uint64_t mid = lo + (hi - lo) / 2;
                if (ca->p[mid] <= e)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            ka1 = lo;
            if (ka1 < ca->nvec) {
                uint64_t i = ca->h[ka1];   /* a's key index of the first row after */
                uint64_t bi = arow->kind == D4M_NUM
                                  ? i : d4m__keys_lower(brow, d4m__keys_at(arow, i));
                kb1 = slot_lower(cb, bi);
                if (kb1 < kb)
                    kb1 = kb;
            }
        }
        parts[t].ka0 = ka;
        parts[t].ka1 = ka1;
        parts[t].kb0 = kb;
        parts[t].kb1 = kb1;
        ka = ka1;
        kb = kb1;
    }
    /* One pass: each part writes where it would start if nothing met
     * (the sum of its inputs before it), then the parts move down. */
    uint64_t ub_rows = 0, ub_nnz = 0;
    for (int t = 0; t < T; t++) {
        merge_part *q = &parts[t];
        q->row0 = ub_rows;
        q->nnz0 = ub_nnz;
        ub_rows += (q->ka1 - q->ka0) + (q->kb1 - q->kb0);
        ub_nnz += (ca->p[q->ka1] - ca->p[q->ka0]) + (cb->p[q->kb1] - cb->p[q->kb0]);
    }
    d4m_csr c;
    D4M_TRY(d4m__csr_new(&c, m->nrows, m->ncols, ub_rows, ub_nnz));
#ifdef _OPENMP
#pragma omp parallel for num_threads(T) schedule(static, 1) if (T > 1)
#endif
    for (int t = 0; t < T; t++)
        rows_fn(m, &parts[t], &c);
    uint64_t rows = parts[0].nrows, nnz = parts[0].nnz;
    *both = parts[0].both;
    *dropped = parts[0].dropped;
    for (int t = 1; t < T; t++) {
        const merge_part *q = &parts[t];
        uint64_t shift = q->nnz0 - nnz;
        if (shift) {
            memmove(c.j + nnz, c.j + q->nnz0, q->nnz * sizeof *c.j);
            memmove(c.x + nnz, c.x + q->nnz0, q->nnz * sizeof *c.x);
        }
        if (q->row0 != rows) {
            memmove(c.h + rows, c.h + q->row0, q->nrows * sizeof *c.h);
        }
        if (q->row0 != rows || shift)
            for (uint64_t r = 1; r <= q->nrows; r++)
                c.p[rows + r] = c.p[q->row0 + r] - shift;
        rows += q->nrows;
        nnz += q->nnz;
        *both |= q->both;
        *dropped |= q->dropped;
    }
    c.nvec = rows;
    c.p[rows] = nnz;
    /* Give back what the meetings saved, when it is worth it. */
    if (ub_nnz - nnz > ub_nnz / 4 + 1024) {
        size_t sz = (nnz ? nnz : 1) * sizeof(uint64_t);
        uint64_t *j = realloc(c.j, sz);
        if (j) {
            c.j = j;
            c.j_size = sz;
        }
        double *x = realloc(c.x, sz);
        if (x) {
            c.x = x;
            c.x_size = sz;
        }
    }
    if (ub_rows - rows > ub_rows / 4 + 1024) {
        size_t sz = (rows ? rows : 1) * sizeof(uint64_t);
        uint64_t *h = realloc(c.h, sz);
        if (h) {
            c.h = h;
            c.h_size = sz;
        }
        uint64_t *pp = realloc(c.p, (rows + 2) * sizeof(uint64_t));
        if (pp) {
            c.p = pp;
            c.p_size = (rows + 2) * sizeof(uint64_t);
        }
    }
    return d4m__csr_pack(out, &c);
}

static int ewise(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b, ewise_op op)
{
    if (!out || !a || !b)
        return d4m__error(D4M_EINVAL, "%s: NULL argument", op_name(op));
    *out = NULL;
    bool ea = d4m_assoc_is_empty(a), eb = d4m_assoc_is_empty(b);
    bool union_ = op == OP_PLUS || op == OP_MINUS || op == OP_OR;
    if ((ea || eb) && (!union_ || (ea && eb)))
        return d4m_assoc_new_empty(out);
    if (a->row.kind != b->row.kind && !ea && !eb)
        return d4m__error(D4M_EKEYKIND, "%s: one array has string row keys, the other "
                          "numeric", op_name(op));
    if (a->col.kind != b->col.kind && !ea && !eb)
        return d4m__error(D4M_EKEYKIND, "%s: one array has string column keys, the other "
                          "numeric", op_name(op));
    bool both_str = a->vkind == D4M_STR && b->vkind == D4M_STR;
    if ((op == OP_TIMES || op == OP_DIVIDE) && both_str)
        return d4m__error(D4M_EVALKIND, "%s is not defined for two string-valued arrays",
                          op_name(op));
    if (ea || eb) {
        /* Union with an empty array. */
        const d4m_assoc *s = ea ? b : a;
        if (op == OP_MINUS && ea && s->vkind == D4M_NUM) {
            d4m_assoc *c;
            D4M_TRY(d4m_assoc_dup(&c, s));
            int rc = D4M_GRB(GrB_Matrix_apply(c->m, NULL, NULL, GrB_AINV_FP64, c->m, NULL));
            if (rc) {
                d4m_assoc_free(c);
                return rc;
            }
            *out = c;
            return 0;
        }
        return d4m_assoc_dup(out, s);
    }

    space s;
    D4M_TRY(space_make(&s, a, b, union_, both_str));
    /* Read both operands' arrays in place (the same ones when a == b). */
    d4m_csr csa, csb;
    int rc = d4m__csr_borrow(&csa, a);
    if (rc) {
        space_free(&s);
        return rc;
    }
    if (b != a) {
        rc = d4m__csr_borrow(&csb, b);
        if (rc) {
            d4m__csr_return(a, &csa);
            space_free(&s);
            return rc;
        }
    }
    merge_ctx m;
    memset(&m, 0, sizeof m);
    m.a.c = &csa;
    /* A side whose keys are the result's keys needs no map. */
    m.a.rmap = a->row.n == s.row.n ? NULL : s.ra;
    m.a.cmap = a->col.n == s.col.n ? NULL : s.ca;
    m.a.vmap = both_str && a->val.n != s.val.n ? s.va : NULL;
    m.a.ones = !both_str && a->vkind == D4M_STR;
    m.b.c = b != a ? &csb : &csa;
    m.b.rmap = b->row.n == s.row.n ? NULL : s.rb;
    m.b.cmap = b->col.n == s.col.n ? NULL : s.cb;
    m.b.vmap = both_str && b->val.n != s.val.n ? s.vb : NULL;
    m.b.ones = !both_str && b->vkind == D4M_STR;
    m.op = op;
    m.strings = both_str;
    m.nrows = s.row.n;
    m.ncols = s.col.n;
    GrB_Matrix c = NULL;
    bool both = false, dropped = false;
    if (union_) {
        rc = side_blocks(&m.a, a->col.n);
        if (!rc)
            rc = side_blocks(&m.b, b->col.n);
    }
    if (!rc)
        rc = merge(&c, &both, &dropped, &m, &a->row, &b->row);
    free(m.a.blk);
    free(m.b.blk);
    int rc2 = b != a ? d4m__csr_return(b, &csb) : 0;
    int rc1 = d4m__csr_return(a, &csa);
    if (!rc)
        rc = rc1 ? rc1 : rc2;
    d4m_assoc *r = rc ? NULL : d4m__assoc_alloc();
    if (!r) {
        GrB_Matrix_free(&c);
        space_free(&s);
        return rc ? rc : D4M_ENOMEM;
    }
    /* The result takes the key sets.  A union where nothing was dropped
     * uses every key, and every value unless two met (+ keeps one of them);
     * anything else goes through the finish pass. */
    r->row = s.row;
    r->col = s.col;
    r->vkind = s.vkind;
    if (both_str)
        r->val = s.val;
    else
        d4m__keys_clear(&s.val);
    memset(&s.row, 0, sizeof s.row);
    memset(&s.col, 0, sizeof s.col);
    memset(&s.val, 0, sizeof s.val);
    space_free(&s);
    r->m = c;
    if (union_ && !dropped && !(both_str && both)) {
        *out = r;
        return 0;
    }
    return d4m__assoc_finish(out, r, false);
}

int d4m_assoc_plus(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return ewise(out, a, b, OP_PLUS);
}

int d4m_assoc_minus(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return ewise(out, a, b, OP_MINUS);
}

int d4m_assoc_and(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return ewise(out, a, b, OP_AND);
}

int d4m_assoc_or(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return ewise(out, a, b, OP_OR);
}

int d4m_assoc_times(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return ewise(out, a, b, OP_TIMES);
}

int d4m_assoc_divide(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b)
{
    return ewise(out, a, b, OP_DIVIDE);
}

/* ------------------------------------------------------------- scalars */

static int scalar_op(d4m_assoc **out, const d4m_assoc *a, double x, bool divide)
{
    const char *name = divide ? "./" : ".*";
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "%s: NULL argument", name);
    *out = NULL;
    if (!isfinite(x))
        return d4m__error(D4M_EVALUE, "%s: the scalar is %g; it must be finite", name, x);
    if (divide && x == 0)
        return d4m__error(D4M_EVALUE, "./: division by zero");
    if (a->vkind == D4M_STR)
        return d4m__error(D4M_EVALKIND, "%s a scalar is not defined for string values", name);
    d4m_assoc *c;
    D4M_TRY(d4m_assoc_dup(&c, a));
    int rc = D4M_GRB(GrB_Matrix_apply_BinaryOp2nd_FP64(c->m, NULL, NULL,
                                                       divide ? GrB_DIV_FP64 : GrB_TIMES_FP64,
                                                       c->m, x, NULL));
    if (rc) {
        d4m_assoc_free(c);
        return rc;
    }
    return d4m__assoc_finish(out, c, true);
}

int d4m_assoc_scale(d4m_assoc **out, const d4m_assoc *a, double x)
{
    return scalar_op(out, a, x, false);
}

int d4m_assoc_divide_scalar(d4m_assoc **out, const d4m_assoc *a, double x)
{
    return scalar_op(out, a, x, true);
}

/* --------------------------------------------------------- comparisons */

/* Keep the entries of a whose (matrix) value v satisfies v op x. */
static int keep_where(d4m_assoc **out, const d4m_assoc *a, GrB_IndexUnaryOp op, double x)
{
    d4m_assoc *c;
    D4M_TRY(d4m_assoc_dup(&c, a));
    int rc = D4M_GRB(GrB_Matrix_select_FP64(c->m, NULL, NULL, op, c->m, x, NULL));
    if (rc) {
        d4m_assoc_free(c);
        return rc;
    }
    return d4m__assoc_finish(out, c, false);
}

static GrB_IndexUnaryOp cmp_op(d4m_cmp op)
{
    switch (op) {
    case D4M_EQ: return GrB_VALUEEQ_FP64;
    case D4M_NE: return GrB_VALUENE_FP64;
    case D4M_LT: return GrB_VALUELT_FP64;
    case D4M_GT: return GrB_VALUEGT_FP64;
    case D4M_LE: return GrB_VALUELE_FP64;
    case D4M_GE: return GrB_VALUEGE_FP64;
    }
    return NULL;
}

int d4m_assoc_cmp_num(d4m_assoc **out, const d4m_assoc *a, d4m_cmp op, double x)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "comparison: NULL argument");
    *out = NULL;
    if (!cmp_op(op))
        return d4m__error(D4M_EINVAL, "comparison: unknown operator %d", (int)op);
    if (isnan(x))
        return d4m__error(D4M_EVALUE, "comparison with NaN");
    if (a->vkind == D4M_STR)
        return d4m__error(D4M_EVALKIND, "comparison with a number on string values; "
                          "compare with a string instead");
    return keep_where(out, a, cmp_op(op), x);
}

int d4m_assoc_cmp_str(d4m_assoc **out, const d4m_assoc *a, d4m_cmp op, d4m_key x)
{
    if (!out || !a || (!x.ptr && x.len))
        return d4m__error(D4M_EINVAL, "comparison: NULL argument");
    *out = NULL;
    if (!cmp_op(op))
        return d4m__error(D4M_EINVAL, "comparison: unknown operator %d", (int)op);
    if (a->vkind != D4M_STR) {
        if (d4m_assoc_is_empty(a))
            return d4m_assoc_new_empty(out);
        return d4m__error(D4M_EVALKIND, "comparison with a string on numeric values");
    }
    /* The value strings are sorted, so each comparison is one on the
     * 1-based index v: lo values are < x, hi values are <= x. */
    double lo = (double)d4m__keys_lower(&a->val, x);
    double hi = (double)d4m__keys_upper(&a->val, x);
    switch (op) {
    case D4M_EQ:
        if (hi == lo)
            return d4m_assoc_new_empty(out);
        return keep_where(out, a, GrB_VALUEEQ_FP64, hi);
    case D4M_NE:
        if (hi == lo)
            return d4m_assoc_dup(out, a);
        return keep_where(out, a, GrB_VALUENE_FP64, hi);
    case D4M_LT: return keep_where(out, a, GrB_VALUELE_FP64, lo);
    case D4M_LE: return keep_where(out, a, GrB_VALUELE_FP64, hi);
    case D4M_GT: return keep_where(out, a, GrB_VALUEGT_FP64, hi);
    case D4M_GE: return keep_where(out, a, GrB_VALUEGT_FP64, lo);
    }
    return d4m__error(D4M_EINVAL, "comparison: unknown operator");
}
