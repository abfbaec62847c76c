/*
 * algebra/schema.c - D4M's exploded schema.  val2col moves each value into
 * its column key (column "Color", value "red" -> column "Color|red", value
 * 1); col2type takes it back out (column "Color|red" -> column "Color",
 * value "red").  A table of records becomes a sparse incidence array, whose
 * columns can be queried, counted and multiplied, and back.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* The row keys of triples t of a, as construction input: views of a's
 * string keys, or positions.  *mem is the caller's to free. */
static int row_vec(d4m_vec *v, void **mem, const d4m_assoc *a, const d4m_triples *t)
{
    size_t n = t->n ? t->n : 1;
    if (d4m_assoc_key_kind(a, 1) == D4M_NUM) {
        double *x = d4m__malloc(d4m__mul(n, sizeof *x));
        if (!x)
            return D4M_ENOMEM;
        for (size_t i = 0; i < t->n; i++)
            x[i] = (double)(t->row[i] + 1);
        *v = d4m_vec_num(x, t->n);
        *mem = x;
    } else {
        d4m_key *k = d4m__malloc(d4m__mul(n, sizeof *k));
        if (!k)
            return D4M_ENOMEM;
        for (size_t i = 0; i < t->n; i++)
            k[i] = d4m_assoc_key(a, 1, (size_t)t->row[i]);
        *v = d4m_vec_str(k, t->n);
        *mem = k;
    }
    return 0;
}

static int check_args(d4m_assoc **out, const d4m_assoc *a, d4m_key sep, const char *fn)
{
    if (out)
        *out = NULL;
    if (!out || !a || (!sep.ptr && sep.len))
        return d4m__error(D4M_EINVAL, "%s: NULL argument", fn);
    if (sep.len == 0)
        return d4m__error(D4M_ESEP, "%s: the separator is empty", fn);
    return 0;
}

int d4m_assoc_val2col(d4m_assoc **out, const d4m_assoc *a, d4m_key sep)
{
    D4M_TRY(check_args(out, a, sep, "val2col"));
    if (d4m_assoc_nnz(a) == 0)
        return d4m_assoc_new_empty(out);
    d4m_triples *t = NULL;
    D4M_TRY(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    bool num_cols = d4m_assoc_key_kind(a, 2) == D4M_NUM;
    d4m_buf text = { NULL, 0, 0 };
    size_t *end = d4m__malloc(d4m__mul(t->n, sizeof *end));
    d4m_key *cols = d4m__malloc(d4m__mul(t->n, sizeof *cols));
    void *rmem = NULL;
    d4m_vec rows;
    int rc = !end || !cols ? D4M_ENOMEM : row_vec(&rows, &rmem, a, t);
    /* Column i of the result: a's column key (a position in decimal), the
     * separator, the value (a number as num2str prints it). */
    for (size_t i = 0; !rc && i < t->n; i++) {
        char num[40];
        if (num_cols) {
            int len = snprintf(num, sizeof num, "%" PRIu64, t->col[i] + 1);
            rc = d4m__buf_put(&text, num, (size_t)len);
        } else {
            d4m_key c = d4m_assoc_key(a, 2, (size_t)t->col[i]);
            rc = d4m__buf_put(&text, c.ptr, c.len);
        }
        if (!rc)
            rc = d4m__buf_put(&text, sep.ptr, sep.len);
        if (!rc && t->sval) {
            d4m_key v = d4m_assoc_val_str(a, (size_t)t->sval[i]);
            rc = d4m__buf_put(&text, v.ptr, v.len);
        } else if (!rc) {
            int len = d4m__fmt_g(num, sizeof num, t->val[i]);
            rc = d4m__buf_put(&text, num, (size_t)len);
        }
        if (!rc)
            end[i] = text.len;
    }
    if (!rc) {
        for (size_t i = 0; i < t->n; i++) {
            size_t start = i ? end[i - 1] : 0;
            cols[i] = (d4m_key){ text.p + start, end[i] - start };
        }
        static const double one = 1;
        rc = d4m_assoc_build(out, rows, d4m_vec_str(cols, t->n), d4m_vec_num(&one, 1), NULL);
    }
    free(rmem);
    free(end);
    free(cols);
    d4m__buf_free(&text);
    d4m_triples_free(t);
    return rc;
}

/* The first sep in k at or after 0, or SIZE_MAX. */
static size_t find_sep(d4m_key k, d4m_key sep)
{
    if (k.len < sep.len)
        return SIZE_MAX;
    for (size_t i = 0; i + sep.len <= k.len; i++)
        if (k.ptr[i] == sep.ptr[0] && memcmp(k.ptr + i, sep.ptr, sep.len) == 0)
            return i;
    return SIZE_MAX;
}

int d4m_assoc_col2type(d4m_assoc **out, const d4m_assoc *a, d4m_key sep)
{
    D4M_TRY(check_args(out, a, sep, "col2type"));
    if (d4m_assoc_nnz(a) == 0)
        return d4m_assoc_new_empty(out);
    if (d4m_assoc_key_kind(a, 2) == D4M_NUM)
        return d4m__error(D4M_EKEY, "col2type: the column keys are numbers; it splits string "
                          "keys such as 'Color|red'");
    /* Each column key split once, at its first separator. */
    size_t nc = d4m_assoc_ncols(a);
    d4m_key *type = d4m__malloc(d4m__mul(nc, sizeof *type));
    d4m_key *val = d4m__malloc(d4m__mul(nc, sizeof *val));
    int rc = !type || !val ? D4M_ENOMEM : 0;
    for (size_t j = 0; !rc && j < nc; j++) {
        d4m_key k = d4m_assoc_key(a, 2, j);
        size_t at = find_sep(k, sep);
        if (at == SIZE_MAX) {
            int shown = k.len > 64 ? 64 : (int)k.len;
            rc = d4m__error(D4M_EKEY, "col2type: column key '%.*s%s' has no separator '%.*s'",
                            shown, k.ptr, k.len > 64 ? "..." : "", (int)sep.len, sep.ptr);
            break;
        }
        type[j] = (d4m_key){ k.ptr, at };
        val[j] = (d4m_key){ k.ptr + at + sep.len, k.len - at - sep.len };
    }
    d4m_triples *t = NULL;
    if (!rc)
        rc = d4m_assoc_find(&t, a, D4M_ORDER_ROW);
    d4m_key *cols = NULL, *vals = NULL;
    void *rmem = NULL;
    d4m_vec rows;
    if (!rc) {
        cols = d4m__malloc(d4m__mul(t->n, sizeof *cols));
        vals = d4m__malloc(d4m__mul(t->n, sizeof *vals));
        rc = !cols || !vals ? D4M_ENOMEM : row_vec(&rows, &rmem, a, t);
    }
    if (!rc) {
        for (size_t i = 0; i < t->n; i++) {
            cols[i] = type[t->col[i]];
            vals[i] = val[t->col[i]];
        }
        /* Two values of one type in a row: the smaller, as Assoc() keeps. */
        rc = d4m_assoc_build(out, rows, d4m_vec_str(cols, t->n), d4m_vec_str(vals, t->n), NULL);
    }
    free(rmem);
    free(cols);
    free(vals);
    free(type);
    free(val);
    d4m_triples_free(t);
    return rc;
}
