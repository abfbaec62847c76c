/*
 * tests/fuzz/fuzz_query.c - libFuzzer: d4m_query_parse, then, if the query
 * parsed, d4m_query_select and d4m_assoc_get on two small fixed Assocs (one
 * with string keys, one with numeric keys) along each axis.
 *
 * On the string-keyed Assoc the selection is checked against an oracle that
 * runs the parsed terms by hand (a key matches a term if it equals a KEY
 * term, lies in a RANGE, starts with a PREFIX, or sits at a POSITION), and
 * the keys of A(q, :) and A(:, q) must be exactly the selected ones, since
 * every key of the fixture has an entry in every row and column.  Any
 * disagreement abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "d4m.h"

static d4m_assoc *fix_str, *fix_num;

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_query: %s (rc %d: %s; offset %ld)\n", what, rc,
            d4m_error_message(), d4m_error_offset());
    abort();
}

/* The fixtures, dense so that every key has entries on both axes. */
static void fixtures(void)
{
    static const char *rows[] = { "", "al", "alice", "bob", "b\tx", "carl", "dave", "end", "\xff" };
    static const char *cols[] = { ":", "a", "a b", "z" };
    enum { NR = sizeof rows / sizeof *rows, NC = sizeof cols / sizeof *cols };
    d4m_key r[NR * NC], c[NR * NC];
    double v[NR * NC], rn[5 * 3], cn[5 * 3], vn[5 * 3];
    for (size_t i = 0; i < NR; i++)
        for (size_t j = 0; j < NC; j++) {
            r[i * NC + j] = d4m_key_cstr(rows[i]);
            c[i * NC + j] = d4m_key_cstr(cols[j]);
            v[i * NC + j] = (double)(i * NC + j + 1);
        }
    int rc = d4m_assoc_build(&fix_str, d4m_vec_str(r, NR * NC), d4m_vec_str(c, NR * NC),
                             d4m_vec_num(v, NR * NC), NULL);
    if (rc < 0)
        fail("fixture build (string keys)", rc);
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 3; j++) {
            rn[i * 3 + j] = (double)(i + 1);
            cn[i * 3 + j] = (double)(j + 1);
            vn[i * 3 + j] = (double)(i * 3 + j + 1);
        }
    rc = d4m_assoc_build(&fix_num, d4m_vec_num(rn, 15), d4m_vec_num(cn, 15),
                         d4m_vec_num(vn, 15), NULL);
    if (rc < 0)
        fail("fixture build (numeric keys)", rc);
}

/* 1 if key i (0-based) of a string axis matches term t. */
static int term_matches(const d4m_term *t, d4m_key k, size_t i)
{
    switch (t->kind) {
    case D4M_TERM_ALL:
        return 1;
    case D4M_TERM_KEY:
        return d4m_key_cmp(k, t->lo) == 0;
    case D4M_TERM_RANGE:
        return (t->lo_open || d4m_key_cmp(k, t->lo) >= 0) &&
               (t->hi_open || d4m_key_cmp(k, t->hi) <= 0);
    case D4M_TERM_PREFIX:
        return k.len >= t->lo.len && memcmp(k.ptr, t->lo.ptr, t->lo.len) == 0;
    case D4M_TERM_POSITION:
        return t->pos == (uint64_t)i + 1;
    }
    fail("unknown term kind", (int)t->kind);
    return 0;
}

/* Check select and get of q along axis dim of the string-keyed fixture. */
static void check_str(const d4m_query *q, int dim)
{
    const d4m_assoc *a = fix_str;
    size_t nkeys = d4m_assoc_key_count(a, dim), nterms = d4m_query_term_count(q);
    uint64_t *idx = NULL;
    size_t n = 0;
    int rc = d4m_query_select(&idx, &n, q, a, dim);
    if (rc < 0)
        fail("select on string keys", rc);
    size_t k = 0;
    for (size_t i = 0; i < nkeys; i++) {
        d4m_key key = d4m_assoc_key(a, dim, i);
        int hit = 0;
        for (size_t t = 0; t < nterms && !hit; t++)
            hit = term_matches(d4m_query_term(q, t), key, i);
        if (hit) {
            if (k >= n || idx[k] != i)
                fail("select disagrees with the terms (missing key)", (int)i);
            k++;
        }
    }
    if (k != n)
        fail("select disagrees with the terms (extra key)", (int)n);

    d4m_assoc *sub = NULL;
    rc = dim == 1 ? d4m_assoc_get(&sub, a, q, NULL) : d4m_assoc_get(&sub, a, NULL, q);
    if (rc < 0)
        fail("get on string keys", rc);
    if (d4m_assoc_key_count(sub, dim) != n)
        fail("get kept other keys than select", (int)d4m_assoc_key_count(sub, dim));
    for (size_t i = 0; i < n; i++) {
        if (d4m_key_cmp(d4m_assoc_key(sub, dim, i), d4m_assoc_key(a, dim, idx[i])) != 0)
            fail("get kept other keys than select", (int)i);
    }
    if (d4m_assoc_nnz(sub) != n * d4m_assoc_key_count(a, 3 - dim))
        fail("get lost entries of a selected key", (int)d4m_assoc_nnz(sub));
    d4m_assoc_free(sub);
    d4m_free(idx);
}

/* Check select and get of q along axis dim of the numeric fixture: any
 * error is allowed (keys that are not numbers), but not a crash, and a
 * success must agree with select. */
static void check_num(const d4m_query *q, int dim)
{
    const d4m_assoc *a = fix_num;
    uint64_t *idx = NULL;
    size_t n = 0;
    int rc = d4m_query_select(&idx, &n, q, a, dim);
    if (rc < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= d4m_assoc_key_count(a, dim) || (i > 0 && idx[i] <= idx[i - 1]))
            fail("select on numeric keys out of range or not ascending", (int)i);
    d4m_assoc *sub = NULL;
    rc = dim == 1 ? d4m_assoc_get(&sub, a, q, NULL) : d4m_assoc_get(&sub, a, NULL, q);
    if (rc == 0 && d4m_assoc_nnz(sub) != n * d4m_assoc_key_count(a, 3 - dim))
        fail("get on numeric keys disagrees with select", (int)d4m_assoc_nnz(sub));
    d4m_assoc_free(sub);
    d4m_free(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fix_str)
        fixtures();
    d4m_query *q = NULL;
    d4m_key text = { (const char *)data, size };
    int rc = d4m_query_parse(&q, text);
    if (rc < 0) {
        if (q != NULL)
            fail("failed parse left *out set", rc);
        if (rc == D4M_EPARSE) {
            long off = d4m_error_offset();
            if (off < 0 || (size_t)off > size)
                fail("parse error offset outside the query", rc);
        } else if (rc != D4M_ESEP && rc != D4M_ENOMEM) {
            fail("unexpected parse error", rc);
        }
        return 0;
    }
    for (int dim = 1; dim <= 2; dim++) {
        check_str(q, dim);
        check_num(q, dim);
    }
    d4m_query_free(q);
    return 0;
}
