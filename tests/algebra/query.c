/*
 * tests/algebra/query.c - the D4M query grammar and sub-reference
 * (algebra/query.c, include/d4m/query.h).
 *
 * query_parse pins what d4m_query_parse() and the other constructors make of
 * a query (its terms) and where a bad query fails (d4m_error_offset()).
 * query_select pins A(rows, cols), A(B) and d4m_query_select() with exact
 * results, following the "Sub-reference" section of shared/D4M-SEMANTICS.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

#define KB(lit) ((d4m_key){ (lit), sizeof(lit) - 1 })

#define FAILS_AT(expr, code, offset)                                          \
    do {                                                                      \
        int f_rc_ = (expr);                                                   \
        cr_assert_eq(f_rc_, (code), "%s -> %d, expected %d (%s)", #expr,     \
                     f_rc_, (int)(code), d4m_error_message());                \
        cr_assert_eq(d4m_error_code(), (code), "%s: error code %d", #expr,   \
                     d4m_error_code());                                       \
        cr_assert_neq(d4m_error_message()[0], '\0', "%s: no message", #expr); \
        cr_assert_eq(d4m_error_offset(), (long)(offset),                      \
                     "%s: offset %ld, expected %ld (%s)", #expr,              \
                     d4m_error_offset(), (long)(offset), d4m_error_message()); \
    } while (0)

#define FAILS(expr, code) FAILS_AT(expr, code, -1)

#define ASSERT_KEY(k, lit)                                                    \
    do {                                                                      \
        d4m_key ak_ = (k);                                                    \
        cr_assert_eq(ak_.len, sizeof(lit) - 1, "key '%.*s' length %zu, expected '%s'", \
                     (int)ak_.len, ak_.ptr ? ak_.ptr : "", ak_.len, (lit));   \
        cr_assert(ak_.len == 0 || memcmp(ak_.ptr, (lit), sizeof(lit) - 1) == 0, \
                  "key '%.*s', expected '%s'", (int)ak_.len, ak_.ptr, (lit)); \
    } while (0)

static d4m_query *parse(const char *text)
{
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_parse(&q, K(text)));
    cr_assert_not_null(q);
    return q;
}

/* Assert the parse error of text: D4M_EPARSE at byte offset. */
static void parse_fails_at(d4m_key text, long offset)
{
    d4m_query *q = (d4m_query *)0x1;
    int rc = d4m_query_parse(&q, text);
    cr_assert_eq(rc, D4M_EPARSE, "parse('%.*s') -> %d, expected D4M_EPARSE", (int)text.len,
                 text.ptr ? text.ptr : "", rc);
    cr_assert_null(q);
    cr_assert_eq(d4m_error_code(), D4M_EPARSE);
    cr_assert_neq(d4m_error_message()[0], '\0');
    cr_assert_eq(d4m_error_offset(), offset, "parse('%.*s'): offset %ld, expected %ld (%s)",
                 (int)text.len, text.ptr ? text.ptr : "", d4m_error_offset(), offset,
                 d4m_error_message());
}

static const d4m_term *term(const d4m_query *q, size_t i)
{
    const d4m_term *t = d4m_query_term(q, i);
    cr_assert_not_null(t, "no term %zu", i);
    return t;
}

static void assert_key_term(const d4m_query *q, size_t i, const char *key)
{
    const d4m_term *t = term(q, i);
    cr_assert_eq(t->kind, D4M_TERM_KEY, "term %zu kind %d", i, (int)t->kind);
    cr_assert_eq(t->lo.len, strlen(key));
    cr_assert(t->lo.len == 0 || memcmp(t->lo.ptr, key, t->lo.len) == 0,
              "term %zu is '%.*s', expected '%s'", i, (int)t->lo.len, t->lo.ptr, key);
}

/* A = alice bob carl dave al alfred over x y z:
 *   (alfred,x) 6  (alice,x) 1  (carl,x) 3  (al,y) 5  (bob,y) 2  (dave,z) 4
 * Sorted rows: al alfred alice bob carl dave (positions 1..6). */
static d4m_assoc *people(void)
{
    static const double v[] = { 1, 2, 3, 4, 5, 6 };
    return lists_num("alice bob carl dave al alfred ", "x y x z y x ", v, 6);
}

#define PEOPLE "(alfred,x)  6\n(alice,x)  1\n(carl,x)  3\n(al,y)  5\n(bob,y)  2\n(dave,z)  4\n"

/* A(rows, cols) with parsed queries (NULL text = ':'). */
static d4m_assoc *get(const d4m_assoc *a, const char *rows, const char *cols)
{
    d4m_query *r = rows ? parse(rows) : NULL, *c = cols ? parse(cols) : NULL;
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_get(&s, a, r, c));
    cr_assert_not_null(s);
    d4m_query_free(r);
    d4m_query_free(c);
    return s;
}

/* Assert A(rows, cols) displays as expected, and free it. */
static void check_get(const d4m_assoc *a, const char *rows, const char *cols, const char *expect)
{
    d4m_assoc *s = get(a, rows, cols);
    char *txt = assoc_text(s);
    cr_assert_str_eq(txt, expect, "A(%s, %s):\n%s\nexpected:\n%s", rows ? rows : "NULL",
                     cols ? cols : "NULL", txt, expect);
    free(txt);
    d4m_assoc_free(s);
}

static void check_empty(const d4m_assoc *s)
{
    cr_assert_eq(d4m_assoc_nnz(s), 0);
    cr_assert_eq(d4m_assoc_nrows(s), 0);
    cr_assert_eq(d4m_assoc_ncols(s), 0);
    ASSERT_ASSOC(s, "");
}

/* ============================================================ query_parse */

Test(query_parse, colon_is_all)
{
    d4m_query *q = parse(":");
    cr_assert_eq(d4m_query_is_all(q), 1);
    cr_assert_eq(d4m_query_term_count(q), 1);
    cr_assert_eq(term(q, 0)->kind, D4M_TERM_ALL);
    cr_assert_null(d4m_query_term(q, 1));
    d4m_query_free(q);

    CHECK_OK(d4m_query_all(&q));
    cr_assert_eq(d4m_query_is_all(q), 1);
    cr_assert_eq(d4m_query_term_count(q), 1);
    cr_assert_eq(term(q, 0)->kind, D4M_TERM_ALL);
    d4m_query_free(q);

    cr_assert_eq(d4m_query_is_all(NULL), 1);
    cr_assert_eq(d4m_query_term_count(NULL), 0);
    cr_assert_null(d4m_query_term(NULL, 0));
    d4m_query_free(NULL);
}

Test(query_parse, key_list_any_separator)
{
    static const char *texts[] = { "bob alice zed ", "bob,alice,zed,", "bob\nalice\nzed\n",
                                   "bob;alice;zed;" };
    for (size_t i = 0; i < 4; i++) {
        d4m_query *q = parse(texts[i]);
        cr_assert_eq(d4m_query_is_all(q), 0);
        cr_assert_eq(d4m_query_term_count(q), 3);
        assert_key_term(q, 0, "bob");
        assert_key_term(q, 1, "alice");
        assert_key_term(q, 2, "zed");
        cr_assert_null(d4m_query_term(q, 3));
        d4m_query_free(q);
    }
    /* With ',' as separator a space is a key byte. */
    d4m_query *q = parse("a b,c,");
    cr_assert_eq(d4m_query_term_count(q), 2);
    assert_key_term(q, 0, "a b");
    assert_key_term(q, 1, "c");
    d4m_query_free(q);
}

Test(query_parse, terms_outlive_the_text)
{
    char text[] = "bob alice ";
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_parse(&q, K(text)));
    memset(text, 'z', sizeof text - 1);
    assert_key_term(q, 0, "bob");
    assert_key_term(q, 1, "alice");
    d4m_query_free(q);
}

/* A copy answers as its original did after the original is freed (and its
 * memory reused): its keys point into its own text. */
static void check_copy(const d4m_assoc *a, d4m_query *q, const char *expect)
{
    d4m_query *c = NULL;
    CHECK_OK(d4m_query_copy(&c, q));
    cr_assert_eq(d4m_query_term_count(c), d4m_query_term_count(q));
    cr_assert_eq(d4m_query_is_all(c), d4m_query_is_all(q));
    size_t len = 0;
    for (size_t i = 0; i < d4m_query_term_count(q); i++) {
        cr_assert_eq(term(c, i)->kind, term(q, i)->kind);
        len += term(q, i)->lo.len + term(q, i)->hi.len;
    }
    d4m_query_free(q);
    char *junk = malloc(len + 64);   /* likely where q's text was */
    memset(junk, 'q', len + 64);
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_get(&s, a, c, NULL));
    char *txt = assoc_text(s);
    cr_assert_str_eq(txt, expect);
    free(txt);
    free(junk);
    d4m_assoc_free(s);
    d4m_query_free(c);
}

Test(query_parse, copy)
{
    d4m_assoc *a = people();
    check_copy(a, parse("al* carl : dave "), "(alfred,x)  6\n(alice,x)  1\n(carl,x)  3\n"
                                             "(al,y)  5\n(dave,z)  4\n");
    check_copy(a, parse(": alfred bob "), "(alfred,x)  6\n(al,y)  5\n(bob,y)  2\n");
    check_copy(a, parse("carl : end "), "(carl,x)  3\n(dave,z)  4\n");
    check_copy(a, parse(":"), PEOPLE);
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_starts_with(&q, K("bo,da,")));
    check_copy(a, q, "(bob,y)  2\n(dave,z)  4\n");
    d4m_key keys[] = { K("carl"), K("al") };
    CHECK_OK(d4m_query_keys(&q, keys, 2));
    check_copy(a, q, "(carl,x)  3\n(al,y)  5\n");
    static const uint64_t pos[] = { 2, 6 };
    CHECK_OK(d4m_query_positions(&q, pos, 2));
    check_copy(a, q, "(alfred,x)  6\n(dave,z)  4\n");
    CHECK_OK(d4m_query_keys(&q, NULL, 0));
    check_copy(a, q, "");

    q = parse("a ");
    d4m_query *c = (d4m_query *)0x1;
    FAILS(d4m_query_copy(&c, NULL), D4M_EINVAL);
    cr_assert_null(c);
    FAILS(d4m_query_copy(NULL, q), D4M_EINVAL);
    c = (d4m_query *)0x1;
    FAILS(d4m_query_starts_with(&c, (d4m_key){ NULL, 3 }), D4M_EINVAL);
    cr_assert_null(c);
    d4m_query_free(q);
    d4m_assoc_free(a);
}

Test(query_parse, range)
{
    d4m_query *q = parse("a : b ");
    cr_assert_eq(d4m_query_term_count(q), 1);
    const d4m_term *t = term(q, 0);
    cr_assert_eq(t->kind, D4M_TERM_RANGE);
    ASSERT_KEY(t->lo, "a");
    ASSERT_KEY(t->hi, "b");
    cr_assert_eq(t->lo_open, 0);
    cr_assert_eq(t->hi_open, 0);
    cr_assert_eq(d4m_query_is_all(q), 0);
    d4m_query_free(q);

    q = parse("al,:,bob,");
    cr_assert_eq(d4m_query_term_count(q), 1);
    t = term(q, 0);
    cr_assert_eq(t->kind, D4M_TERM_RANGE);
    ASSERT_KEY(t->lo, "al");
    ASSERT_KEY(t->hi, "bob");
    d4m_query_free(q);
}

Test(query_parse, several_ranges_and_keys)
{
    d4m_query *q = parse("a : b q x : z ");
    cr_assert_eq(d4m_query_term_count(q), 3);
    const d4m_term *t = term(q, 0);
    cr_assert_eq(t->kind, D4M_TERM_RANGE);
    ASSERT_KEY(t->lo, "a");
    ASSERT_KEY(t->hi, "b");
    assert_key_term(q, 1, "q");
    t = term(q, 2);
    cr_assert_eq(t->kind, D4M_TERM_RANGE);
    ASSERT_KEY(t->lo, "x");
    ASSERT_KEY(t->hi, "z");
    d4m_query_free(q);

    q = parse("k a : b ");
    cr_assert_eq(d4m_query_term_count(q), 2);
    assert_key_term(q, 0, "k");
    cr_assert_eq(term(q, 1)->kind, D4M_TERM_RANGE);
    ASSERT_KEY(term(q, 1)->lo, "a");
    d4m_query_free(q);
}

Test(query_parse, open_ranges)
{
    d4m_query *q = parse("m : end ");
    cr_assert_eq(d4m_query_term_count(q), 1);
    const d4m_term *t = term(q, 0);
    cr_assert_eq(t->kind, D4M_TERM_RANGE);
    ASSERT_KEY(t->lo, "m");
    cr_assert_eq(t->lo_open, 0);
    cr_assert_eq(t->hi_open, 1);
    cr_assert_eq(d4m_query_is_all(q), 0);
    d4m_query_free(q);

    q = parse(": m ");
    cr_assert_eq(d4m_query_term_count(q), 1);
    t = term(q, 0);
    cr_assert_eq(t->kind, D4M_TERM_RANGE);
    ASSERT_KEY(t->hi, "m");
    cr_assert_eq(t->lo_open, 1);
    cr_assert_eq(t->hi_open, 0);
    d4m_query_free(q);

    q = parse(": m x ");   /* open below, then a key */
    cr_assert_eq(d4m_query_term_count(q), 2);
    cr_assert_eq(term(q, 0)->lo_open, 1);
    assert_key_term(q, 1, "x");
    d4m_query_free(q);

    q = parse(": end ");   /* everything */
    cr_assert_eq(d4m_query_is_all(q), 1);
    d4m_query_free(q);
}

Test(query_parse, prefix)
{
    d4m_query *q = parse("al* bo* x ");
    cr_assert_eq(d4m_query_term_count(q), 3);
    cr_assert_eq(term(q, 0)->kind, D4M_TERM_PREFIX);
    ASSERT_KEY(term(q, 0)->lo, "al");
    cr_assert_eq(term(q, 1)->kind, D4M_TERM_PREFIX);
    ASSERT_KEY(term(q, 1)->lo, "bo");
    assert_key_term(q, 2, "x");
    d4m_query_free(q);
}

Test(query_parse, starts_with)
{
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_starts_with(&q, K("al,bo b,")));
    cr_assert_eq(d4m_query_term_count(q), 2);
    cr_assert_eq(term(q, 0)->kind, D4M_TERM_PREFIX);
    ASSERT_KEY(term(q, 0)->lo, "al");
    cr_assert_eq(term(q, 1)->kind, D4M_TERM_PREFIX);
    ASSERT_KEY(term(q, 1)->lo, "bo b");
    d4m_query_free(q);

    q = (d4m_query *)0x1;
    FAILS_AT(d4m_query_starts_with(&q, K("")), D4M_EPARSE, 0);
    cr_assert_null(q);
    FAILS(d4m_query_starts_with(NULL, K("al ")), D4M_EINVAL);
}

Test(query_parse, starts_with_needs_separator)
{
    /* As for every list: "al" has no separator (it would silently be the
     * prefix "a" split on 'l'). */
    d4m_query *q = (d4m_query *)0x1;
    FAILS_AT(d4m_query_starts_with(&q, K("al")), D4M_EPARSE, 1);
    cr_assert_null(q);
}

Test(query_parse, keys_and_positions)
{
    d4m_key keys[] = { K("b"), KB("a\0"), K("") };
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_keys(&q, keys, 3));
    cr_assert_eq(d4m_query_term_count(q), 3);
    assert_key_term(q, 0, "b");
    cr_assert_eq(term(q, 1)->kind, D4M_TERM_KEY);
    ASSERT_KEY(term(q, 1)->lo, "a\0");
    ASSERT_KEY(term(q, 2)->lo, "");
    d4m_query_free(q);

    static const uint64_t pos[] = { 3, 1, 99 };
    CHECK_OK(d4m_query_positions(&q, pos, 3));
    cr_assert_eq(d4m_query_term_count(q), 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(term(q, i)->kind, D4M_TERM_POSITION);
        cr_assert_eq(term(q, i)->pos, pos[i]);
    }
    d4m_query_free(q);

    static const uint64_t zero[] = { 2, 0 };
    q = (d4m_query *)0x1;
    FAILS(d4m_query_positions(&q, zero, 2), D4M_EINVAL);
    cr_assert_null(q);
    FAILS(d4m_query_positions(&q, NULL, 2), D4M_EINVAL);
    FAILS(d4m_query_keys(&q, NULL, 2), D4M_EINVAL);
    d4m_key holey[] = { { NULL, 2 } };
    FAILS(d4m_query_keys(&q, holey, 1), D4M_EINVAL);
}

Test(query_parse, error_empty_query)
{
    parse_fails_at(K(""), 0);
}

Test(query_parse, error_missing_separator)
{
    parse_fails_at(K("a b"), 2);
    parse_fails_at(K("alice bob9"), 9);
    parse_fails_at(K("a : B"), 4);
    parse_fails_at(K("al*"), 2);
    parse_fails_at(K("x"), 0);
}

Test(query_parse, error_colon_without_key_after)
{
    parse_fails_at(K(": "), 0);
    parse_fails_at(K(",:,"), 1);   /* an empty key, then ':' with nothing after */
    parse_fails_at(K(": : b "), 0);
}

Test(query_parse, error_range_without_upper)
{
    parse_fails_at(K("a : "), 2);
    parse_fails_at(K("x y : "), 4);
    parse_fails_at(K("a : : b "), 2);
    parse_fails_at(K("alice,:,"), 6);
}

Test(query_parse, error_chained_range)
{
    parse_fails_at(K("a : b : c "), 6);
    parse_fails_at(K("k a : b : c "), 8);
}

Test(query_parse, error_colon_without_key_before)
{
    /* After the open-below range ': b ', a ':' has no key of its own. */
    parse_fails_at(K(": b : c "), 4);
    parse_fails_at(K(":,bob,:,carl,"), 6);
}

Test(query_parse, null_arguments)
{
    d4m_query *q = NULL;
    FAILS(d4m_query_parse(NULL, K(": ")), D4M_EINVAL);
    FAILS(d4m_query_parse(&q, (d4m_key){ NULL, 3 }), D4M_EINVAL);
    FAILS(d4m_query_all(NULL), D4M_EINVAL);
}

/* =========================================================== query_select */

Test(query_select, everything)
{
    d4m_assoc *a = people();
    ASSERT_ASSOC(a, PEOPLE);
    check_get(a, ":", ":", PEOPLE);
    check_get(a, NULL, NULL, PEOPLE);
    check_get(a, ": end ", NULL, PEOPLE);
    d4m_assoc *s = get(a, ":", NULL);
    cr_assert(d4m_assoc_equal(s, a));
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, key_list_missing_keys_ignored)
{
    d4m_assoc *a = people();
    const char *expect = "(alice,x)  1\n(bob,y)  2\n";
    check_get(a, "bob alice zed ", NULL, expect);
    check_get(a, "bob,alice,zed,", NULL, expect);   /* separator differs from A's */
    check_get(a, "bob\nalice\n", NULL, expect);
    check_get(a, "alice alice bob ", NULL, expect); /* repeats are harmless */
    d4m_assoc *s = get(a, "bob alice zed ", NULL);
    cr_assert_eq(d4m_assoc_nrows(s), 2);
    cr_assert_eq(d4m_assoc_ncols(s), 2);           /* z left empty: dropped */
    d4m_assoc_free(s);
    s = get(a, "zed ", NULL);
    check_empty(s);
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, inclusive_range)
{
    d4m_assoc *a = people();
    check_get(a, "alice : carl ", NULL, "(alice,x)  1\n(carl,x)  3\n(bob,y)  2\n");
    /* Bounds need not be keys. */
    check_get(a, "alb : bz ", NULL, "(alfred,x)  6\n(alice,x)  1\n(bob,y)  2\n");
    check_get(a, "alice : alice ", NULL, "(alice,x)  1\n");
    d4m_assoc *s = get(a, "carl : bob ", NULL);   /* reversed: nothing */
    check_empty(s);
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, several_ranges_and_keys)
{
    d4m_assoc *a = people();
    check_get(a, "al : alfred carl : dave ", NULL,
              "(alfred,x)  6\n(carl,x)  3\n(al,y)  5\n(dave,z)  4\n");
    check_get(a, "al : alfred bob ", NULL, "(alfred,x)  6\n(al,y)  5\n(bob,y)  2\n");
    check_get(a, "dave al : alfred ", NULL, "(alfred,x)  6\n(al,y)  5\n(dave,z)  4\n");
    /* Overlapping ranges. */
    check_get(a, "al : alice alfred : bob ", NULL,
              "(alfred,x)  6\n(alice,x)  1\n(al,y)  5\n(bob,y)  2\n");
    d4m_assoc_free(a);
}

Test(query_select, open_ranges)
{
    d4m_assoc *a = people();
    check_get(a, "carl : end ", NULL, "(carl,x)  3\n(dave,z)  4\n");
    check_get(a, ": alice ", NULL, "(alfred,x)  6\n(alice,x)  1\n(al,y)  5\n");
    check_get(a, ": alice dave ", NULL, "(alfred,x)  6\n(alice,x)  1\n(al,y)  5\n(dave,z)  4\n");
    check_get(a, "c : end ", NULL, "(carl,x)  3\n(dave,z)  4\n");
    d4m_assoc_free(a);
}

Test(query_select, prefix)
{
    d4m_assoc *a = people();
    check_get(a, "al* ", NULL, "(alfred,x)  6\n(alice,x)  1\n(al,y)  5\n");
    check_get(a, "ali* da* ", NULL, "(alice,x)  1\n(dave,z)  4\n");
    check_get(a, "* ", NULL, PEOPLE);
    d4m_assoc_free(a);
}

Test(query_select, prefix_is_anchored)
{
    /* We differ from the in-memory toolbox: 'arl* ' is a prefix, so it does
     * not match 'carl', and 'l* ' does not match 'al' or 'alice'. */
    d4m_assoc *a = people();
    d4m_assoc *s = get(a, "arl* ", NULL);
    check_empty(s);
    d4m_assoc_free(s);
    s = get(a, "l* ", NULL);
    check_empty(s);
    d4m_assoc_free(s);
    check_get(a, "ca* ", NULL, "(carl,x)  3\n");
    d4m_assoc_free(a);
}

Test(query_select, starts_with)
{
    d4m_assoc *a = people();
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_starts_with(&q, K("al,bo,")));
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_get(&s, a, q, NULL));
    ASSERT_ASSOC(s, "(alfred,x)  6\n(alice,x)  1\n(al,y)  5\n(bob,y)  2\n");
    d4m_assoc_free(s);
    d4m_query_free(q);
    CHECK_OK(d4m_query_starts_with(&q, K("alf ca ")));
    CHECK_OK(d4m_assoc_get(&s, a, q, NULL));
    ASSERT_ASSOC(s, "(alfred,x)  6\n(carl,x)  3\n");
    d4m_assoc_free(s);
    d4m_query_free(q);
    d4m_assoc_free(a);
}

Test(query_select, positions)
{
    d4m_assoc *a = people();
    static const uint64_t pos[] = { 4, 2, 99, 4 };   /* bob, alfred; 99 ignored */
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_positions(&q, pos, 4));
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_get(&s, a, q, NULL));
    ASSERT_ASSOC(s, "(alfred,x)  6\n(bob,y)  2\n");
    d4m_assoc_free(s);
    /* Columns by position: 3 is z. */
    static const uint64_t three[] = { 3 };
    d4m_query *c = NULL;
    CHECK_OK(d4m_query_positions(&c, three, 1));
    CHECK_OK(d4m_assoc_get(&s, a, NULL, c));
    ASSERT_ASSOC(s, "(dave,z)  4\n");
    d4m_assoc_free(s);
    static const uint64_t far[] = { 7 };
    d4m_query_free(q);
    CHECK_OK(d4m_query_positions(&q, far, 1));
    CHECK_OK(d4m_assoc_get(&s, a, q, NULL));
    check_empty(s);
    d4m_assoc_free(s);
    d4m_query_free(q);
    d4m_query_free(c);
    d4m_assoc_free(a);
}

Test(query_select, columns_and_both)
{
    d4m_assoc *a = people();
    check_get(a, NULL, "x ", "(alfred,x)  6\n(alice,x)  1\n(carl,x)  3\n");
    check_get(a, "al* ", "y ", "(al,y)  5\n");
    check_get(a, ":", "y : z ", "(al,y)  5\n(bob,y)  2\n(dave,z)  4\n");
    d4m_assoc *s = get(a, "al* ", "y ");
    cr_assert_eq(d4m_assoc_nrows(s), 1);
    cr_assert_eq(d4m_assoc_ncols(s), 1);
    ASSERT_KEY(d4m_assoc_key(s, 1, 0), "al");
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, get_drops_rows_and_cols_left_empty)
{
    d4m_assoc *a = people();
    d4m_assoc *s = get(a, "dave ", "x ");   /* dave has no x */
    check_empty(s);
    d4m_assoc_free(s);
    s = get(a, NULL, "x y ");
    ASSERT_ASSOC(s, "(alfred,x)  6\n(alice,x)  1\n(carl,x)  3\n(al,y)  5\n(bob,y)  2\n");
    cr_assert_eq(d4m_assoc_nrows(s), 5);     /* dave dropped */
    cr_assert_eq(d4m_assoc_key_find(s, 1, K("dave")), -1);
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, string_values_keep_only_used)
{
    d4m_assoc *a = lists("a b c ", "x x x ", "pear apple fig ");
    d4m_assoc *s = get(a, "a c ", NULL);
    ASSERT_ASSOC(s, "(a,x)  pear\n(c,x)  fig\n");
    cr_assert_eq(d4m_assoc_val_kind(s), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(s), 2);
    ASSERT_KEY(d4m_assoc_val_str(s, 0), "fig");
    ASSERT_KEY(d4m_assoc_val_str(s, 1), "pear");
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, binary_keys)
{
    d4m_key rows[] = { KB("a\0b"), KB("a"), KB("\xff") };
    d4m_key col[] = { K("c") };
    static const double v[] = { 1, 2, 3 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rows, 3), d4m_vec_str(col, 1), d4m_vec_num(v, 3),
                             NULL));
    d4m_key want[] = { KB("a\0b") };
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_keys(&q, want, 1));
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_get(&s, a, q, NULL));
    cr_assert_eq(d4m_assoc_nnz(s), 1);
    ASSERT_KEY(d4m_assoc_key(s, 1, 0), "a\0b");
    cr_assert_eq(d4m_assoc_get_ij(s, 0, 0), 1);
    d4m_assoc_free(s);
    d4m_query_free(q);
    /* A query whose separator is '\n' may ask for a key holding a space. */
    d4m_assoc *b = lists("a b,c,", "x,x,", "1,2,");
    check_get(b, "a b\n", NULL, "(a b,x)  1\n");
    d4m_assoc_free(b);
    d4m_assoc_free(a);
}

/* N: numeric rows 1..6: (1,x) 10 (3,y) 20 (5,x) 30 (6,y) 40 */
static d4m_assoc *numeric_rows(void)
{
    static const double r[] = { 1, 3, 5, 6 }, v[] = { 10, 20, 30, 40 };
    d4m_key c[] = { K("x"), K("y"), K("x"), K("y") };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r, 4), d4m_vec_str(c, 4), d4m_vec_num(v, 4), NULL));
    return a;
}

Test(query_select, numeric_rows_renumbered)
{
    d4m_assoc *a = numeric_rows();
    ASSERT_ASSOC(a, "(1,x)  10\n(5,x)  30\n(3,y)  20\n(6,y)  40\n");
    cr_assert_eq(d4m_assoc_nrows(a), 6);
    /* Rows 3..5: 3 and 5 have entries and become 1 and 2. */
    d4m_assoc *s = get(a, "3 : 5 ", NULL);
    ASSERT_ASSOC(s, "(2,x)  30\n(1,y)  20\n");
    cr_assert_eq(d4m_assoc_nrows(s), 2);
    cr_assert_eq(d4m_assoc_key_kind(s, 1), D4M_NUM);
    d4m_assoc_free(s);
    check_get(a, "5 1 ", NULL, "(1,x)  10\n(2,x)  30\n");
    check_get(a, "4 : end ", NULL, "(1,x)  30\n(2,y)  40\n");
    check_get(a, ": 3 ", NULL, "(1,x)  10\n(2,y)  20\n");
    check_get(a, "6,2,", NULL, "(1,y)  40\n");
    /* Out of range and non-positive keys select nothing. */
    s = get(a, "7 0 -1 2 ", NULL);
    check_empty(s);
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, numeric_rows_positions_and_columns)
{
    d4m_assoc *a = numeric_rows();
    static const uint64_t pos[] = { 6, 5 };
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_positions(&q, pos, 2));
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_get(&s, a, q, NULL));
    ASSERT_ASSOC(s, "(1,x)  30\n(2,y)  40\n");
    cr_assert_eq(d4m_assoc_nrows(s), 2);
    d4m_assoc_free(s);
    d4m_query_free(q);
    /* A(:, 'x '): rows 1 and 5 are left, renumbered 1 and 2. */
    s = get(a, NULL, "x ");
    ASSERT_ASSOC(s, "(1,x)  10\n(2,x)  30\n");
    cr_assert_eq(d4m_assoc_nrows(s), 2);
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, numeric_columns_renumbered)
{
    static const double c[] = { 2, 4, 5 }, v[] = { 1, 2, 3 };
    d4m_key r[] = { K("a"), K("b"), K("a") };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, 3), d4m_vec_num(c, 3), d4m_vec_num(v, 3), NULL));
    ASSERT_ASSOC(a, "(a,2)  1\n(b,4)  2\n(a,5)  3\n");
    cr_assert_eq(d4m_assoc_ncols(a), 5);
    d4m_assoc *s = get(a, NULL, "4 : 5 ");
    ASSERT_ASSOC(s, "(b,1)  2\n(a,2)  3\n");
    cr_assert_eq(d4m_assoc_ncols(s), 2);
    d4m_assoc_free(s);
    s = get(a, "a ", NULL);
    ASSERT_ASSOC(s, "(a,1)  1\n(a,2)  3\n");
    cr_assert_eq(d4m_assoc_ncols(s), 2);
    cr_assert_eq(d4m_assoc_nrows(s), 1);
    d4m_assoc_free(s);
    d4m_assoc_free(a);
}

Test(query_select, numeric_axis_rejects_non_numbers)
{
    d4m_assoc *a = numeric_rows();
    d4m_query *q = NULL;
    d4m_assoc *s = (d4m_assoc *)0x1;
    CHECK_OK(d4m_query_parse(&q, K("bob ")));
    FAILS(d4m_assoc_get(&s, a, q, NULL), D4M_EPARSE);
    cr_assert_null(s);
    d4m_query_free(q);
    CHECK_OK(d4m_query_parse(&q, K("1* ")));
    FAILS(d4m_assoc_get(&s, a, q, NULL), D4M_EPARSE);
    d4m_query_free(q);
    CHECK_OK(d4m_query_parse(&q, K("1.5 ")));
    FAILS(d4m_assoc_get(&s, a, q, NULL), D4M_EPARSE);
    d4m_query_free(q);
    /* Positions read as numbers are read everywhere: no hex (0x3 was 3),
     * no blanks. */
    CHECK_OK(d4m_query_parse(&q, K("0x3,")));
    FAILS(d4m_assoc_get(&s, a, q, NULL), D4M_EPARSE);
    d4m_query_free(q);
    CHECK_OK(d4m_query_parse(&q, K("\t3,")));
    FAILS(d4m_assoc_get(&s, a, q, NULL), D4M_EPARSE);
    d4m_query_free(q);
    d4m_assoc_free(a);
}

Test(query_select, query_select_indices)
{
    d4m_assoc *a = people();
    d4m_query *q = parse("al* dave ");
    uint64_t *idx = NULL;
    size_t n = 0;
    CHECK_OK(d4m_query_select(&idx, &n, q, a, 1));
    static const uint64_t want[] = { 0, 1, 2, 5 };
    cr_assert_eq(n, 4);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(idx[i], want[i], "idx[%zu] = %llu", i, (unsigned long long)idx[i]);
    d4m_free(idx);
    d4m_query_free(q);

    q = parse("z y q ");
    CHECK_OK(d4m_query_select(&idx, &n, q, a, 2));
    cr_assert_eq(n, 2);
    cr_assert_eq(idx[0], 1);
    cr_assert_eq(idx[1], 2);
    d4m_free(idx);
    d4m_query_free(q);

    CHECK_OK(d4m_query_select(&idx, &n, NULL, a, 1));   /* NULL = ':' */
    cr_assert_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(idx[i], i);
    d4m_free(idx);

    q = parse("nobody ");
    CHECK_OK(d4m_query_select(&idx, &n, q, a, 1));
    cr_assert_eq(n, 0);
    d4m_free(idx);
    FAILS(d4m_query_select(&idx, &n, q, a, 3), D4M_EINVAL);
    FAILS(d4m_query_select(&idx, &n, q, NULL, 1), D4M_EINVAL);
    FAILS(d4m_query_select(NULL, &n, q, a, 1), D4M_EINVAL);
    d4m_query_free(q);

    d4m_assoc *nr = numeric_rows();
    q = parse("3 : 5 ");
    CHECK_OK(d4m_query_select(&idx, &n, q, nr, 1));
    cr_assert_eq(n, 3);
    cr_assert_eq(idx[0], 2);
    cr_assert_eq(idx[1], 3);
    cr_assert_eq(idx[2], 4);
    d4m_free(idx);
    d4m_query_free(q);
    d4m_assoc_free(nr);
    d4m_assoc_free(a);
}

Test(query_select, mask_keeps_a_values)
{
    d4m_assoc *a = people();
    /* String-valued mask with a key A lacks and an entry where A has none. */
    d4m_assoc *m = lists("alice bob zed carl ", "x x x x ", "t t t t ");
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_mask(&s, a, m));
    ASSERT_ASSOC(s, "(alice,x)  1\n(carl,x)  3\n");
    cr_assert_eq(d4m_assoc_val_kind(s), D4M_NUM);
    cr_assert_eq(d4m_assoc_nrows(s), 2);
    cr_assert_eq(d4m_assoc_ncols(s), 1);
    d4m_assoc_free(s);
    d4m_assoc_free(m);

    static const double nine[] = { 9 };
    m = lists_num("dave al ", "z y ", nine, 1);
    CHECK_OK(d4m_assoc_mask(&s, a, m));
    ASSERT_ASSOC(s, "(al,y)  5\n(dave,z)  4\n");
    d4m_assoc_free(s);
    d4m_assoc_free(m);

    /* String values of A are kept, and only the used ones listed. */
    d4m_assoc *b = lists("a b c ", "x x y ", "pear apple fig ");
    m = lists_num("a c ", "x y ", nine, 1);
    CHECK_OK(d4m_assoc_mask(&s, b, m));
    ASSERT_ASSOC(s, "(a,x)  pear\n(c,y)  fig\n");
    cr_assert_eq(d4m_assoc_val_count(s), 2);
    d4m_assoc_free(s);
    d4m_assoc_free(m);
    d4m_assoc_free(b);
    d4m_assoc_free(a);
}

Test(query_select, mask_edge_cases)
{
    d4m_assoc *a = people();
    d4m_assoc *e = NULL, *s = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    CHECK_OK(d4m_assoc_mask(&s, a, e));
    check_empty(s);
    d4m_assoc_free(s);
    CHECK_OK(d4m_assoc_mask(&s, e, a));
    check_empty(s);
    d4m_assoc_free(s);
    d4m_assoc *m = lists("nobody ", "x ", "t ");
    CHECK_OK(d4m_assoc_mask(&s, a, m));
    check_empty(s);
    d4m_assoc_free(s);
    d4m_assoc_free(m);
    d4m_assoc *n = numeric_rows();
    s = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_mask(&s, a, n), D4M_EKEYKIND);
    FAILS(d4m_assoc_mask(&s, NULL, a), D4M_EINVAL);
    FAILS(d4m_assoc_mask(NULL, a, a), D4M_EINVAL);
    /* A numeric-row mask on a numeric-row Assoc. */
    static const double r[] = { 5, 2 }, one[] = { 1 };
    d4m_key c[] = { K("x") };
    CHECK_OK(d4m_assoc_build(&m, d4m_vec_num(r, 2), d4m_vec_str(c, 1), d4m_vec_num(one, 1),
                             NULL));
    CHECK_OK(d4m_assoc_mask(&s, n, m));
    ASSERT_ASSOC(s, "(5,x)  30\n");
    d4m_assoc_free(s);
    d4m_assoc_free(m);
    d4m_assoc_free(n);
    d4m_assoc_free(e);
    d4m_assoc_free(a);
}

Test(query_select, get_on_empty_and_errors)
{
    d4m_assoc *e = NULL, *s = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    s = get(e, "a : b ", "x ");
    check_empty(s);
    d4m_assoc_free(s);
    s = get(e, NULL, NULL);
    check_empty(s);
    d4m_assoc_free(s);
    FAILS(d4m_assoc_get(NULL, e, NULL, NULL), D4M_EINVAL);
    FAILS(d4m_assoc_get(&s, NULL, NULL, NULL), D4M_EINVAL);
    d4m_assoc_free(e);
}

/* ============================================ query_select: random queries */

/* Many keys over a small alphabet (so that ranges and prefixes have many
 * matches and bounds fall between keys); each query's selection is checked
 * against a linear scan of the sorted keys. */

static uint64_t qrng_state = 99;
static uint64_t qrng(void)
{
    qrng_state = qrng_state * 6364136223846793005ull + 1442695040888963407ull;
    return qrng_state >> 33;
}

static void rand_word(char *w, size_t maxlen)
{
    static const char alpha[] = "abz~";
    size_t len = 1 + qrng() % maxlen;
    for (size_t i = 0; i < len; i++)
        w[i] = alpha[qrng() % 4];
    w[len] = '\0';
}

static int bytes_cmp(d4m_key a, const char *b)
{
    size_t bl = strlen(b), n = a.len < bl ? a.len : bl;
    int c = n ? memcmp(a.ptr, b, n) : 0;
    return c ? c : (a.len > bl) - (a.len < bl);
}

Test(query_select, random_queries_match_a_linear_scan)
{
    enum { NKEYS = 3000, NQ = 400 };
    char *text = malloc(NKEYS * 8);
    cr_assert_not_null(text);
    size_t pos = 0;
    for (int i = 0; i < NKEYS; i++) {
        rand_word(text + pos, 6);
        pos += strlen(text + pos);
        text[pos++] = ' ';
    }
    text[pos] = '\0';
    static const double one[] = { 1 };
    d4m_assoc *a = lists_num(text, "x ", one, 1);
    size_t n = d4m_assoc_nrows(a);
    cr_assert_gt(n, 1000);
    uint8_t *want = malloc(n);
    cr_assert_not_null(want);
    for (int q = 0; q < NQ; q++) {
        /* 1 to 3 terms: key, range, open ranges, prefix. */
        char qtext[128] = "";
        memset(want, 0, n);
        int nterms = 1 + (int)(qrng() % 3);
        for (int t = 0; t < nterms; t++) {
            char lo[8], hi[8];
            rand_word(lo, 4);
            rand_word(hi, 4);
            int kind = (int)(qrng() % 5);
            if (kind == 3 && t != 0)
                kind = 1;   /* ': hi ' only as the first term */
            char item[32];
            for (size_t i = 0; i < n; i++) {
                d4m_key k = d4m_assoc_key(a, 1, i);
                int hit = 0;
                switch (kind) {
                case 0: hit = bytes_cmp(k, lo) == 0; break;
                case 1: hit = bytes_cmp(k, lo) >= 0 && bytes_cmp(k, hi) <= 0; break;
                case 2: hit = bytes_cmp(k, lo) >= 0; break;
                case 3: hit = bytes_cmp(k, hi) <= 0; break;
                default: hit = k.len >= strlen(lo) && memcmp(k.ptr, lo, strlen(lo)) == 0; break;
                }
                want[i] |= (uint8_t)hit;
            }
            switch (kind) {
            case 0: snprintf(item, sizeof item, "%s ", lo); break;
            case 1: snprintf(item, sizeof item, "%s : %s ", lo, hi); break;
            case 2: snprintf(item, sizeof item, "%s : end ", lo); break;
            case 3: snprintf(item, sizeof item, ": %s ", hi); break;
            default: snprintf(item, sizeof item, "%s* ", lo); break;
            }
            strcat(qtext, item);
        }
        d4m_query *qq = parse(qtext);
        uint64_t *idx = NULL;
        size_t m = 0;
        CHECK_OK(d4m_query_select(&idx, &m, qq, a, 1));
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
            if (!want[i])
                continue;
            cr_assert_lt(w, m, "query '%s': too few keys selected", qtext);
            cr_assert_eq(idx[w], i, "query '%s': selected %llu, expected %zu", qtext,
                         (unsigned long long)idx[w], i);
            w++;
        }
        cr_assert_eq(w, m, "query '%s': %zu keys selected, expected %zu", qtext, m, w);
        /* A(q, :) holds exactly those rows. */
        d4m_assoc *s = NULL;
        CHECK_OK(d4m_assoc_get(&s, a, qq, NULL));
        cr_assert_eq(d4m_assoc_nrows(s), m, "query '%s'", qtext);
        cr_assert_eq(d4m_assoc_nnz(s), m);
        for (size_t i = 0; i < m; i++) {
            d4m_key k = d4m_assoc_key(s, 1, i), e = d4m_assoc_key(a, 1, idx[i]);
            cr_assert(k.len == e.len && memcmp(k.ptr, e.ptr, k.len) == 0, "query '%s'", qtext);
        }
        d4m_assoc_free(s);
        d4m_free(idx);
        d4m_query_free(qq);
    }
    free(want);
    free(text);
    d4m_assoc_free(a);
}
