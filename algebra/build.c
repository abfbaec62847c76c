/*
 * algebra/build.c - A = Assoc(row, col, val, collide).
 *
 * String keys are deduplicated by hashing, and only the unique keys are
 * sorted (keys.c); the triples then become CSR arrays by two counting sorts
 * that keep duplicates in input order, folded with the collision rule
 * (csr.c), so FIRST and LAST are the first and last given and a user
 * callback sees its arguments in input order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "internal.h"

/* 1 if the n bytes are valid UTF-8 without NUL. */
static int is_text(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min;
        if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; c &= 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; c &= 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; c &= 0x07; }
        else return 0;
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static int check_vec(const d4m_vec *v, const char *what, unsigned flags)
{
    if (v->kind != D4M_STR && v->kind != D4M_NUM)
        return d4m__error(D4M_EINVAL, "%s: unknown kind %d", what, (int)v->kind);
    if (v->n > D4M__MAX_KEYS)
        return d4m__error(D4M_ETOOBIG, "%s: %zu items is more than the %llu an Assoc can index",
                          what, v->n, (unsigned long long)D4M__MAX_KEYS);
    if (v->kind == D4M_STR && v->n >= UINT32_MAX)
        return d4m__error(D4M_ETOOBIG, "%s: %zu string items in one call; at most %u",
                          what, v->n, UINT32_MAX - 1);
    if (v->n && ((v->kind == D4M_STR && !v->str) || (v->kind == D4M_NUM && !v->num)))
        return d4m__error(D4M_EINVAL, "%s: NULL data for %zu items", what, v->n);
    if (v->kind == D4M_STR) {
        for (size_t i = 0; i < v->n; i++) {
            if (!v->str[i].ptr && v->str[i].len)
                return d4m__error(D4M_EINVAL, "%s: item %zu has NULL bytes", what, i);
            if ((flags & D4M_BUILD_TEXT_KEYS) && !is_text(v->str[i].ptr, v->str[i].len))
                return d4m__error(D4M_EKEY, "%s: item %zu is not UTF-8 text without NUL bytes",
                                  what, i);
        }
    }
    return 0;
}

static int check_positions(const d4m_vec *v, const char *what)
{
    if (v->kind != D4M_NUM)
        return 0;
    for (size_t i = 0; i < v->n; i++) {
        double x = v->num[i];
        if (!(x >= 1 && x <= D4M__MAX_POSITION) || x != floor(x))
            return d4m__error(D4M_EKEY, "%s: item %zu is %g; numeric keys are positions, "
                              "whole numbers from 1 to 2^53", what, i, x);
    }
    return 0;
}

/* Row or column indices of one axis: keys deduplicated (STR) or positions
 * (NUM, checked already).  idx gets one index per item of v. */
static int axis_indices(d4m_keys *keys, uint64_t *idx, const d4m_vec *v)
{
    if (v->kind == D4M_STR)
        return d4m__keys_from_strings(keys, idx, v->str, v->n);
    double max = 0;
    for (size_t i = 0; i < v->n; i++) {
        idx[i] = (uint64_t)v->num[i] - 1;
        if (v->num[i] > max)
            max = v->num[i];
    }
    keys->kind = D4M_NUM;
    keys->n = (uint64_t)max;
    keys->off = NULL;
    keys->buf = NULL;
    return 0;
}

/* ------------------------------------------------------------ building */

int d4m_assoc_build(d4m_assoc **out, d4m_vec row, d4m_vec col, d4m_vec val,
                    const d4m_build_options *opts)
{
    static const d4m_build_options defaults = D4M_BUILD_OPTIONS_INIT;
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_assoc_build: out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != D4M_BUILD_OPTIONS_VERSION)
        return d4m__error(D4M_EINVAL, "d4m_assoc_build: options version %u, expected %u",
                          opts->version, D4M_BUILD_OPTIONS_VERSION);
    if ((unsigned)opts->collide > D4M_COLLIDE_CALLBACK)
        return d4m__error(D4M_EINVAL, "d4m_assoc_build: unknown collision rule %d",
                          (int)opts->collide);
    if (opts->collide == D4M_COLLIDE_CALLBACK && !opts->fn)
        return d4m__error(D4M_EINVAL, "d4m_assoc_build: D4M_COLLIDE_CALLBACK without fn");
    D4M_TRY(check_vec(&row, "row", opts->flags));
    D4M_TRY(check_vec(&col, "col", opts->flags));
    D4M_TRY(check_vec(&val, "val", opts->flags));
    D4M_TRY(d4m__init());

    if (row.n == 0 || col.n == 0 || val.n == 0)
        return d4m_assoc_new_empty(out);   /* as D4M: any empty argument */

    size_t n = row.n;
    if (col.n > n) n = col.n;
    if (val.n > n) n = val.n;
    if ((row.n != n && row.n != 1) || (col.n != n && col.n != 1) || (val.n != n && val.n != 1))
        return d4m__error(D4M_ELENGTH, "row, col and val have %zu, %zu and %zu items; "
                          "each must have %zu or 1", row.n, col.n, val.n, n);
    if (val.kind == D4M_STR &&
        (opts->collide == D4M_COLLIDE_SUM || opts->collide == D4M_COLLIDE_CALLBACK))
        return d4m__error(D4M_EVALKIND, "the %s collision rule needs numeric values",
                          opts->collide == D4M_COLLIDE_SUM ? "sum" : "callback");
    if (val.kind == D4M_NUM)
        for (size_t t = 0; t < val.n; t++)
            if (!isfinite(val.num[t]))
                return d4m__error(D4M_EVALUE, "val: item %zu is %g; values must be finite",
                                  t, val.num[t]);

    d4m_assoc *a = d4m__assoc_alloc();
    uint64_t *ri = d4m__malloc(d4m__mul(row.n, sizeof *ri));
    uint64_t *ci = d4m__malloc(d4m__mul(col.n, sizeof *ci));
    uint64_t *vi = val.kind == D4M_STR ? d4m__malloc(d4m__mul(val.n, sizeof *vi)) : NULL;
    uint64_t *I = NULL, *J = NULL;
    double *X = NULL;
    bool own_x = true;    /* X is ours (else it is val.num) */
    int rc = D4M_ENOMEM;
    if (!a || !ri || !ci || (val.kind == D4M_STR && !vi))
        goto fail;

    /* Positions are checked here, so that the (parallel) key work below can
     * fail only for lack of memory. */
    rc = check_positions(&row, "row");
    if (!rc)
        rc = check_positions(&col, "col");
    if (rc)
        goto fail;
    a->vkind = val.kind;
    /* Rows, columns and string values are independent: on large inputs they
     * are deduplicated on separate cores.  Errors are recorded in the worker's
     * thread, so they are recorded again here. */
    int rcs[3] = { 0, 0, 0 };
#ifdef _OPENMP
#pragma omp parallel sections num_threads(2) if (n >= 50000 && omp_get_max_threads() > 1)
#endif
    {
#ifdef _OPENMP
#pragma omp section
#endif
        rcs[0] = axis_indices(&a->row, ri, &row);
#ifdef _OPENMP
#pragma omp section
#endif
        rcs[1] = axis_indices(&a->col, ci, &col);
#ifdef _OPENMP
#pragma omp section
#endif
        if (val.kind == D4M_STR)
            rcs[2] = d4m__keys_from_strings(&a->val, vi, val.str, val.n);
    }
    for (int k = 0; k < 3 && !rc; k++)
        if (rcs[k])
            rc = d4m__error(rcs[k], "building the %s keys: %s",
                            k == 0 ? "row" : k == 1 ? "column" : "value", d4m_strerror(rcs[k]));
    if (rc)
        goto fail;

    /* Expand to n triples. */
    rc = D4M_ENOMEM;
    I = row.n == n ? ri : d4m__malloc(d4m__mul(n, sizeof *I));
    J = col.n == n ? ci : d4m__malloc(d4m__mul(n, sizeof *J));
    /* Numeric values, one per triple, are used where they are. */
    own_x = !(val.kind == D4M_NUM && val.n == n);
    X = own_x ? d4m__malloc(d4m__mul(n, sizeof *X)) : (double *)val.num;
    if (!I || !J || !X)
        goto fail;
    if (I != ri)
        for (size_t t = 0; t < n; t++) I[t] = ri[0];
    if (J != ci)
        for (size_t t = 0; t < n; t++) J[t] = ci[0];
    if (val.kind == D4M_STR) {
        /* 1-based value index; an empty string is no entry (0). */
        uint64_t empty = a->val.n && a->val.off[1] == 0 ? 0 : UINT64_MAX;
        for (size_t t = 0; t < n; t++) {
            uint64_t v = vi[val.n == n ? t : 0];
            X[t] = v == empty ? 0 : (double)(v + 1);
        }
    } else if (own_x) {
        for (size_t t = 0; t < n; t++)
            X[t] = val.num[0];
    }

    rc = d4m__matrix_from_triples(&a->m, a->row.n, a->col.n, I, J, X, n, opts->collide,
                                  opts->fn, opts->ctx);
    if (rc)
        goto fail;
    if (I != ri) free(I);
    if (J != ci) free(J);
    if (own_x)
        free(X);
    free(ri);
    free(ci);
    free(vi);
    return d4m__assoc_finish(out, a, true);
fail:
    if (I != ri) free(I);
    if (J != ci) free(J);
    if (own_x)
        free(X);
    free(ri);
    free(ci);
    free(vi);
    d4m_assoc_free(a);
    return rc;
}

/* Separators must not be letters or digits: "a b" (no trailing separator)
 * would otherwise silently mean the one key "a " split on 'b'. */
static int split_list(d4m_key **items, size_t *n, d4m_key list, const char *what)
{
    if (!list.ptr && list.len)
        return d4m__error(D4M_EINVAL, "%s list: NULL bytes", what);
    if (list.len == 0)
        return d4m__error(D4M_ESEP, "%s list is empty; a list ends with its separator, "
                          "e.g. 'a b '", what);
    unsigned char sep = (unsigned char)list.ptr[list.len - 1];
    if ((sep >= '0' && sep <= '9') || (sep >= 'A' && sep <= 'Z') || (sep >= 'a' && sep <= 'z'))
        return d4m__error(D4M_ESEP, "%s list ends in '%c', which cannot be a separator: "
                          "a list ends with its separator, e.g. 'a b '", what, sep);
    return d4m_list_split(items, n, list);
}

static int from_lists(d4m_assoc **out, d4m_key row, d4m_key col, d4m_key val,
                      const double *val_num, size_t val_n, const d4m_build_options *opts)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_assoc_from_lists: out is NULL");
    *out = NULL;
    /* As D4M: any empty argument gives the empty Assoc ('' is how scripts
     * write "nothing"). */
    if (row.len == 0 || col.len == 0 || (val_num ? val_n == 0 : val.len == 0))
        return d4m_assoc_new_empty(out);
    d4m_key *r = NULL, *c = NULL, *v = NULL;
    size_t nr = 0, nc = 0, nv = 0;
    int rc = split_list(&r, &nr, row, "row");
    if (!rc)
        rc = split_list(&c, &nc, col, "col");
    if (!rc && !val_num)
        rc = split_list(&v, &nv, val, "val");
    if (!rc)
        rc = d4m_assoc_build(out, d4m_vec_str(r, nr), d4m_vec_str(c, nc),
                             val_num ? d4m_vec_num(val_num, val_n) : d4m_vec_str(v, nv), opts);
    free(r);
    free(c);
    free(v);
    return rc;
}

int d4m_assoc_from_lists(d4m_assoc **out, d4m_key row, d4m_key col, d4m_key val,
                         const d4m_build_options *opts)
{
    return from_lists(out, row, col, val, NULL, 0, opts);
}

int d4m_assoc_from_lists_num(d4m_assoc **out, d4m_key row, d4m_key col,
                             const double *val_num, size_t val_n,
                             const d4m_build_options *opts)
{
    if (out)
        *out = NULL;
    if (!val_num && val_n)
        return d4m__error(D4M_EINVAL, "d4m_assoc_from_lists_num: NULL values");
    static const double none = 0;
    return from_lists(out, row, col, (d4m_key){ NULL, 0 }, val_num ? val_num : &none,
                      val_n, opts);
}
