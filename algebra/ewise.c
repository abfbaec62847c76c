/*
 * algebra/ewise.c - element-wise algebra: + - & | .* ./, scalars, and
 * comparisons.
 *
 * Both operands are first brought into the union of their key spaces.  A key
 * space only grows by a monotone map, so moving a matrix is a linear rewrite
 * of its indices (no sort, no rebuild), and when one side's keys already are
 * the union (the common case of arrays over the same keys) its matrix is used
 * as it is.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

typedef enum { OP_PLUS, OP_MINUS, OP_AND, OP_OR, OP_TIMES, OP_DIVIDE } ewise_op;

static const char *op_name(ewise_op op)
{
    static const char *names[] = { "+", "-", "&", "|", ".*", "./" };
    return names[op];
}

/* Operands aligned into one key space. */
typedef struct {
    d4m_keys row, col, val;   /* union keys; val for string values */
    d4m_kind vkind;
    GrB_Matrix a, b;          /* aligned matrices */
    bool own_a, own_b;        /* a/b are ours to free */
} aligned;

static void aligned_free(aligned *x)
{
    d4m__keys_clear(&x->row);
    d4m__keys_clear(&x->col);
    d4m__keys_clear(&x->val);
    if (x->own_a) GrB_Matrix_free(&x->a);
    if (x->own_b) GrB_Matrix_free(&x->b);
}

/* Move m (keys row/col, values through vmap) into the space of x. */
static int move(GrB_Matrix *out, bool *own, GrB_Matrix m, const aligned *x,
                const d4m_keys *row, const uint64_t *rmap,
                const d4m_keys *col, const uint64_t *cmap,
                const uint64_t *vmap, bool ones)
{
    GrB_Matrix src = m, tmp = NULL;
    if (ones) {
        D4M_TRY(d4m__matrix_ones(&tmp, m));
        src = tmp;
    }
    bool same = row->n == x->row.n && col->n == x->col.n && !vmap;
    if (same) {
        if (tmp) {
            *out = tmp;
            *own = true;
        } else {
            *out = m;
            *own = false;
        }
        return 0;
    }
    int rc = d4m__matrix_remap(out, src, x->row.n, x->col.n,
                               row->n == x->row.n ? NULL : rmap,
                               col->n == x->col.n ? NULL : cmap, vmap);
    GrB_Matrix_free(&tmp);
    *own = rc == 0;
    return rc;
}

static int align(aligned *x, const d4m_assoc *a, const d4m_assoc *b, bool strings)
{
    memset(x, 0, sizeof *x);
    uint64_t *ra = NULL, *rb = NULL, *ca = NULL, *cb = NULL, *va = NULL, *vb = NULL;
    int rc = d4m__keys_union(&x->row, &ra, &rb, &a->row, &b->row);
    if (!rc)
        rc = d4m__keys_union(&x->col, &ca, &cb, &a->col, &b->col);
    x->vkind = strings ? D4M_STR : D4M_NUM;
    if (!rc && strings)
        rc = d4m__keys_union(&x->val, &va, &vb, &a->val, &b->val);
    bool a_ones = !strings && a->vkind == D4M_STR;
    bool b_ones = !strings && b->vkind == D4M_STR;
    if (!rc)
        rc = move(&x->a, &x->own_a, a->m, x, &a->row, ra, &a->col, ca,
                  (strings && a->val.n != x->val.n) ? va : NULL, a_ones);
    if (!rc)
        rc = move(&x->b, &x->own_b, b->m, x, &b->row, rb, &b->col, cb,
                  (strings && b->val.n != x->val.n) ? vb : NULL, b_ones);
    free(ra); free(rb); free(ca); free(cb); free(va); free(vb);
    if (rc)
        aligned_free(x);
    return rc;
}

static int result(d4m_assoc **out, aligned *x, GrB_Matrix c, bool drop_zeros)
{
    int rc = d4m__assoc_wrap(out, &x->row, &x->col, x->vkind, &x->val, c, drop_zeros);
    aligned_free(x);
    return rc;
}

static int ewise(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b, ewise_op op)
{
    if (!out || !a || !b)
        return d4m__error(D4M_EINVAL, "%s: NULL argument", op_name(op));
    *out = NULL;
    bool ea = d4m_assoc_is_empty(a), eb = d4m_assoc_is_empty(b);
    bool intersect = op == OP_AND || op == OP_TIMES || op == OP_DIVIDE;
    if ((ea || eb) && (intersect || (ea && eb)))
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

    aligned x;
    D4M_TRY(align(&x, a, b, both_str));
    GrB_Matrix c = NULL;
    int rc = D4M_GRB(GrB_Matrix_new(&c, GrB_FP64, x.row.n, x.col.n));
    if (rc) {
        aligned_free(&x);
        return rc;
    }
    switch (op) {
    case OP_PLUS:
        rc = D4M_GRB(GrB_Matrix_eWiseAdd_BinaryOp(c, NULL, NULL,
                                                  both_str ? GrB_MAX_FP64 : GrB_PLUS_FP64,
                                                  x.a, x.b, NULL));
        break;
    case OP_MINUS:
        if (both_str) {
            /* Entries present in only one side: the union, masked by the
             * complement of the intersection. */
            GrB_Matrix both = NULL;
            rc = D4M_GRB(GrB_Matrix_new(&both, GrB_FP64, x.row.n, x.col.n));
            if (!rc)
                rc = D4M_GRB(GrB_Matrix_eWiseMult_BinaryOp(both, NULL, NULL, GrB_ONEB_FP64,
                                                           x.a, x.b, NULL));
            if (!rc)
                rc = D4M_GRB(GrB_Matrix_eWiseAdd_BinaryOp(c, both, NULL, GrB_MIN_FP64,
                                                          x.a, x.b, GrB_DESC_RSC));
            GrB_Matrix_free(&both);
        } else {
            GrB_Scalar zero = NULL;
            rc = D4M_GRB(GrB_Scalar_new(&zero, GrB_FP64));
            if (!rc)
                rc = D4M_GRB(GrB_Scalar_setElement_FP64(zero, 0));
            if (!rc)
                rc = D4M_GRB(GxB_Matrix_eWiseUnion(c, NULL, NULL, GrB_MINUS_FP64,
                                                   x.a, zero, x.b, zero, NULL));
            GrB_Scalar_free(&zero);
        }
        break;
    case OP_AND:
        rc = D4M_GRB(GrB_Matrix_eWiseMult_BinaryOp(c, NULL, NULL, GrB_MIN_FP64,
                                                   x.a, x.b, NULL));
        break;
    case OP_OR:
        rc = D4M_GRB(GrB_Matrix_eWiseAdd_BinaryOp(c, NULL, NULL, GrB_MIN_FP64,
                                                  x.a, x.b, NULL));
        break;
    case OP_TIMES:
        rc = D4M_GRB(GrB_Matrix_eWiseMult_BinaryOp(c, NULL, NULL, GrB_TIMES_FP64,
                                                   x.a, x.b, NULL));
        break;
    case OP_DIVIDE:
        rc = D4M_GRB(GrB_Matrix_eWiseMult_BinaryOp(c, NULL, NULL, GrB_DIV_FP64,
                                                   x.a, x.b, NULL));
        break;
    }
    if (rc) {
        GrB_Matrix_free(&c);
        aligned_free(&x);
        return rc;
    }
    return result(out, &x, c, true);
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
