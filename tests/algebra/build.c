/*
 * tests/algebra/build.c - construction, keys, lists and accessors
 * (algebra/build.c, algebra/keys.c, algebra/assoc.c accessors, error.c).
 *
 * Each test pins one rule of the "Data model" and "Construction" sections of
 * shared/D4M-SEMANTICS.md or of include/d4m/assoc.h, key.h and error.h, with
 * the exact expected result: the whole display() text, or exact arrays.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

/* A key view of a string literal that may hold '\0'. */
#define KB(lit) ((d4m_key){ (lit), sizeof(lit) - 1 })

/* Assert that expr fails with code, that the last error says so, with a
 * message, and with the given offset. */
#define FAILS_AT(expr, code, offset)                                          \
    do {                                                                      \
        int f_rc_ = (expr);                                                   \
        cr_assert_eq(f_rc_, (code), "%s -> %d, expected %d (%s)", #expr,     \
                     f_rc_, (int)(code), d4m_error_message());                \
        cr_assert_eq(d4m_error_code(), (code), "%s: error code %d", #expr,   \
                     d4m_error_code());                                       \
        cr_assert_neq(d4m_error_message()[0], '\0', "%s: no message", #expr); \
        cr_assert_eq(d4m_error_offset(), (long)(offset),                      \
                     "%s: offset %ld, expected %ld", #expr,                   \
                     d4m_error_offset(), (long)(offset));                     \
    } while (0)

#define FAILS(expr, code) FAILS_AT(expr, code, -1)

/* Assert that a key view holds exactly the bytes of a literal. */
#define ASSERT_KEY(k, lit)                                                    \
    do {                                                                      \
        d4m_key ak_ = (k);                                                    \
        cr_assert_eq(ak_.len, sizeof(lit) - 1, "key length %zu, expected %zu", \
                     ak_.len, sizeof(lit) - 1);                               \
        cr_assert_not_null(ak_.ptr);                                          \
        cr_assert(memcmp(ak_.ptr, (lit), sizeof(lit) - 1) == 0,              \
                  "key '%.*s', expected '%s'", (int)ak_.len, ak_.ptr, (lit)); \
    } while (0)

#define ASSERT_NO_KEY(k)                                                      \
    do {                                                                      \
        d4m_key nk_ = (k);                                                    \
        cr_assert_null(nk_.ptr);                                              \
        cr_assert_eq(nk_.len, 0);                                             \
    } while (0)

/* Assert that an Assoc is the empty Assoc, in every accessor. */
static void assert_empty(const d4m_assoc *a)
{
    cr_assert_not_null(a);
    cr_assert_eq(d4m_assoc_nnz(a), 0);
    cr_assert_eq(d4m_assoc_nrows(a), 0);
    cr_assert_eq(d4m_assoc_ncols(a), 0);
    cr_assert_eq(d4m_assoc_is_empty(a), 1);
    ASSERT_ASSOC(a, "");
}

static d4m_assoc *build(d4m_vec r, d4m_vec c, d4m_vec v, const d4m_build_options *o)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, r, c, v, o));
    cr_assert_not_null(a);
    return a;
}

static d4m_assoc *lists_opt(const char *r, const char *c, const char *v,
                            const d4m_build_options *o)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_from_lists(&a, K(r), K(c), K(v), o));
    cr_assert_not_null(a);
    return a;
}

static d4m_assoc *lists_num_opt(const char *r, const char *c, const double *v, size_t n,
                                const d4m_build_options *o)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_from_lists_num(&a, K(r), K(c), v, n, o));
    cr_assert_not_null(a);
    return a;
}

static d4m_build_options with_collide(d4m_collide c)
{
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    o.collide = c;
    return o;
}

/* ============================================================ assoc_build */

Test(assoc_build, keys_sort_bytewise)
{
    static const double v[] = { 1, 2, 3, 4, 5, 6 };
    d4m_assoc *a = lists_num("9 b a_ B 10 a ", "c ", v, 6);
    ASSERT_ASSOC(a, "(10,c)  5\n(9,c)  1\n(B,c)  4\n(a,c)  6\n(a_,c)  3\n(b,c)  2\n");
    cr_assert_eq(d4m_assoc_nrows(a), 6);
    cr_assert_eq(d4m_assoc_ncols(a), 1);
    ASSERT_KEY(d4m_assoc_key(a, 1, 0), "10");
    ASSERT_KEY(d4m_assoc_key(a, 1, 1), "9");
    ASSERT_KEY(d4m_assoc_key(a, 1, 2), "B");
    ASSERT_KEY(d4m_assoc_key(a, 1, 3), "a");
    ASSERT_KEY(d4m_assoc_key(a, 1, 4), "a_");
    ASSERT_KEY(d4m_assoc_key(a, 1, 5), "b");
    d4m_assoc_free(a);
}

Test(assoc_build, keys_are_unique)
{
    static const double v[] = { 1, 2, 3 };
    d4m_assoc *a = lists_num("a b a ", "x y z ", v, 3);
    ASSERT_ASSOC(a, "(a,x)  1\n(b,y)  2\n(a,z)  3\n");
    cr_assert_eq(d4m_assoc_nrows(a), 2);
    cr_assert_eq(d4m_assoc_ncols(a), 3);
    cr_assert_eq(d4m_assoc_nnz(a), 3);
    d4m_assoc_free(a);
}

Test(assoc_build, display_is_column_major)
{
    static const double v[] = { 1, 2, 3, 4 };
    d4m_assoc *a = lists_num("b a b a ", "y y x x ", v, 4);
    ASSERT_ASSOC(a, "(a,x)  4\n(b,x)  3\n(a,y)  2\n(b,y)  1\n");
    d4m_assoc_free(a);
}

Test(assoc_build, last_char_is_the_separator)
{
    static const double v[] = { 1, 2 };
    const char *expect = "(a,x)  1\n(b,y)  2\n";
    d4m_assoc *a = lists_num("a b ", "x y ", v, 2);
    d4m_assoc *b = lists_num("a,b,", "x,y,", v, 2);
    d4m_assoc *c = lists_num("a\nb\n", "x\ny\n", v, 2);
    d4m_assoc *d = lists_num("a\tb\t", "x;y;", v, 2);   /* each list its own */
    ASSERT_ASSOC(a, expect);
    ASSERT_ASSOC(b, expect);
    ASSERT_ASSOC(c, expect);
    ASSERT_ASSOC(d, expect);
    cr_assert(d4m_assoc_equal(a, b));
    cr_assert(d4m_assoc_equal(a, c));
    cr_assert(d4m_assoc_equal(a, d));
    d4m_assoc_free(a);
    d4m_assoc_free(b);
    d4m_assoc_free(c);
    d4m_assoc_free(d);
}

Test(assoc_build, other_separators_are_key_bytes)
{
    /* With ',' as separator, a space is part of the key; values too. */
    d4m_assoc *a = lists("a b,c d,", "x y\nz\n", "one two|three|");
    ASSERT_ASSOC(a, "(a b,x y)  one two\n(c d,z)  three\n");
    ASSERT_KEY(d4m_assoc_key(a, 1, 0), "a b");
    ASSERT_KEY(d4m_assoc_key(a, 2, 0), "x y");
    ASSERT_KEY(d4m_assoc_val_str(a, 0), "one two");
    d4m_assoc_free(a);
}

Test(assoc_build, empty_items_are_empty_keys)
{
    static const double v[] = { 1, 2, 3 };
    d4m_assoc *a = lists_num("a,,b,", "c,c,c,", v, 3);
    ASSERT_ASSOC(a, "(,c)  2\n(a,c)  1\n(b,c)  3\n");
    cr_assert_eq(d4m_assoc_nrows(a), 3);
    ASSERT_KEY(d4m_assoc_key(a, 1, 0), "");
    cr_assert_eq(d4m_assoc_key_find(a, 1, K("")), 0);
    d4m_assoc_free(a);
}

Test(assoc_build, stored_zero_is_no_entry)
{
    static const double v[] = { 0, 1 };
    d4m_assoc *a = lists_num("a b ", "c c ", v, 2);
    ASSERT_ASSOC(a, "(b,c)  1\n");
    cr_assert_eq(d4m_assoc_nnz(a), 1);
    cr_assert_eq(d4m_assoc_nrows(a), 1);   /* row a has no entry: dropped */
    cr_assert_eq(d4m_assoc_ncols(a), 1);
    ASSERT_KEY(d4m_assoc_key(a, 1, 0), "b");
    cr_assert_eq(d4m_assoc_key_find(a, 1, K("a")), -1);
    d4m_assoc_free(a);
}

Test(assoc_build, column_without_entry_is_dropped)
{
    static const double v[] = { 1, 0, 2 };
    d4m_assoc *a = lists_num("a a b ", "c d e ", v, 3);
    ASSERT_ASSOC(a, "(a,c)  1\n(b,e)  2\n");
    cr_assert_eq(d4m_assoc_ncols(a), 2);
    ASSERT_KEY(d4m_assoc_key(a, 2, 0), "c");
    ASSERT_KEY(d4m_assoc_key(a, 2, 1), "e");
    d4m_assoc_free(a);
}

Test(assoc_build, all_zeros_is_empty)
{
    static const double v[] = { 0, 0 };
    d4m_assoc *a = lists_num("a b ", "c d ", v, 2);
    assert_empty(a);
    d4m_assoc_free(a);
}

Test(assoc_build, empty_string_value_is_no_entry)
{
    d4m_assoc *a = lists("a,b,", "x,x,", "v,,");
    ASSERT_ASSOC(a, "(a,x)  v\n");
    cr_assert_eq(d4m_assoc_nrows(a), 1);
    cr_assert_eq(d4m_assoc_val_count(a), 1);
    ASSERT_KEY(d4m_assoc_val_str(a, 0), "v");
    d4m_assoc_free(a);
}

Test(assoc_build, length_one_arguments_repeat)
{
    static const double seven[] = { 7 };
    d4m_assoc *a = lists_num("a ", "x y z ", seven, 1);
    ASSERT_ASSOC(a, "(a,x)  7\n(a,y)  7\n(a,z)  7\n");
    d4m_assoc *b = lists("a b ", "c ", "v ");
    ASSERT_ASSOC(b, "(a,c)  v\n(b,c)  v\n");
    static const double v2[] = { 1, 2 };
    d4m_assoc *c = lists_num("r ", "x y ", v2, 2);
    ASSERT_ASSOC(c, "(r,x)  1\n(r,y)  2\n");
    /* Numeric vectors repeat too. */
    static const double pos[] = { 2 };
    d4m_key cols[] = { K("x"), K("y") };
    d4m_assoc *d = build(d4m_vec_num(pos, 1), d4m_vec_str(cols, 2), d4m_vec_num(seven, 1), NULL);
    ASSERT_ASSOC(d, "(2,x)  7\n(2,y)  7\n");
    cr_assert_eq(d4m_assoc_nrows(d), 2);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
    d4m_assoc_free(c);
    d4m_assoc_free(d);
}

Test(assoc_build, length_mismatch_fails)
{
    d4m_assoc *a = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_from_lists(&a, K("a b "), K("x y z "), K("v "), NULL), D4M_ELENGTH);
    cr_assert_null(a);
    static const double v2[] = { 1, 2 };
    FAILS(d4m_assoc_from_lists_num(&a, K("a b c "), K("x "), v2, 2, NULL), D4M_ELENGTH);
    FAILS(d4m_assoc_from_lists(&a, K("a b "), K("x y "), K("u v w "), NULL), D4M_ELENGTH);
    d4m_key r[] = { K("a"), K("b") };
    d4m_key c[] = { K("x"), K("y"), K("z") };
    static const double v1[] = { 1 };
    FAILS(d4m_assoc_build(&a, d4m_vec_str(r, 2), d4m_vec_str(c, 3), d4m_vec_num(v1, 1), NULL),
          D4M_ELENGTH);
    cr_assert_null(a);
}

Test(assoc_build, numeric_rows_are_positions)
{
    static const double rows[] = { 5, 2 };
    static const double v[] = { 1, 2 };
    d4m_key cols[] = { K("b"), K("a") };
    d4m_assoc *a = build(d4m_vec_num(rows, 2), d4m_vec_str(cols, 2), d4m_vec_num(v, 2), NULL);
    ASSERT_ASSOC(a, "(2,a)  2\n(5,b)  1\n");
    cr_assert_eq(d4m_assoc_key_kind(a, 1), D4M_NUM);
    cr_assert_eq(d4m_assoc_key_kind(a, 2), D4M_STR);
    cr_assert_eq(d4m_assoc_nrows(a), 5);      /* Row(A) is 1..max */
    cr_assert_eq(d4m_assoc_key_count(a, 1), 5);
    cr_assert_eq(d4m_assoc_ncols(a), 2);
    ASSERT_NO_KEY(d4m_assoc_key(a, 1, 0));     /* numeric axis: no key bytes */
    cr_assert_eq(d4m_assoc_key_find(a, 1, K("2")), -1);
    cr_assert_eq(d4m_assoc_get_ij(a, 1, 0), 2);
    cr_assert_eq(d4m_assoc_get_ij(a, 4, 1), 1);
    cr_assert_eq(d4m_assoc_get_ij(a, 2, 0), 0);
    d4m_assoc_free(a);
}

Test(assoc_build, numeric_cols_and_both_axes)
{
    static const double cols[] = { 3, 1, 3 };
    static const double v[] = { 1, 2, 3 };
    d4m_key rows[] = { K("b"), K("a"), K("a") };
    d4m_assoc *a = build(d4m_vec_str(rows, 3), d4m_vec_num(cols, 3), d4m_vec_num(v, 3), NULL);
    ASSERT_ASSOC(a, "(a,1)  2\n(a,3)  3\n(b,3)  1\n");
    cr_assert_eq(d4m_assoc_ncols(a), 3);
    cr_assert_eq(d4m_assoc_key_kind(a, 2), D4M_NUM);

    static const double r2[] = { 2, 1, 2 };
    d4m_assoc *b = build(d4m_vec_num(r2, 3), d4m_vec_num(cols, 3), d4m_vec_num(v, 3), NULL);
    ASSERT_ASSOC(b, "(1,1)  2\n(2,3)  1\n");   /* (2,3) collides: min(1, 3) */
    cr_assert_eq(d4m_assoc_nrows(b), 2);
    cr_assert_eq(d4m_assoc_ncols(b), 3);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_build, bad_positions_fail)
{
    static const double bad[] = { 0, -1, 1.5, NAN, INFINITY, 18014398509481984.0 /* 2^54 */ };
    static const double v[] = { 1 };
    d4m_key k[] = { K("a") };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double two[] = { 1, bad[i] };
        d4m_assoc *a = (d4m_assoc *)0x1;
        FAILS(d4m_assoc_build(&a, d4m_vec_num(two, 2), d4m_vec_str(k, 1), d4m_vec_num(v, 1),
                              NULL), D4M_EKEY);
        cr_assert_null(a);
        FAILS(d4m_assoc_build(&a, d4m_vec_str(k, 1), d4m_vec_num(two, 2), d4m_vec_num(v, 1),
                              NULL), D4M_EKEY);
        cr_assert_null(a);
    }
}

Test(assoc_build, collide_default_is_min)
{
    static const double v[] = { 3, -1, 2 };
    d4m_assoc *a = lists_num("a a a ", "x x x ", v, 3);
    ASSERT_ASSOC(a, "(a,x)  -1\n");
    d4m_build_options o = with_collide(D4M_COLLIDE_MIN);
    d4m_assoc *b = lists_num_opt("a a a ", "x x x ", v, 3, &o);
    cr_assert(d4m_assoc_equal(a, b));
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_build, collide_min_strings_alphabetically_smallest)
{
    d4m_assoc *a = lists("a a a b b ", "x x x x x ", "pear apple zoo b B ");
    ASSERT_ASSOC(a, "(a,x)  apple\n(b,x)  B\n");
    /* Unused values are dropped from the value list. */
    cr_assert_eq(d4m_assoc_val_count(a), 2);
    ASSERT_KEY(d4m_assoc_val_str(a, 0), "B");
    ASSERT_KEY(d4m_assoc_val_str(a, 1), "apple");
    ASSERT_NO_KEY(d4m_assoc_val_str(a, 2));
    d4m_assoc_free(a);
}

Test(assoc_build, collide_max)
{
    static const double v[] = { 3, -1, 2 };
    d4m_build_options o = with_collide(D4M_COLLIDE_MAX);
    d4m_assoc *a = lists_num_opt("a a a ", "x x x ", v, 3, &o);
    ASSERT_ASSOC(a, "(a,x)  3\n");
    d4m_assoc *b = lists_opt("a a a ", "x x x ", "pear apple zoo ", &o);
    ASSERT_ASSOC(b, "(a,x)  zoo\n");
    cr_assert_eq(d4m_assoc_val_count(b), 1);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_build, collide_sum)
{
    static const double v[] = { 3, 0.5, 2 };
    d4m_build_options o = with_collide(D4M_COLLIDE_SUM);
    d4m_assoc *a = lists_num_opt("a a a ", "x x x ", v, 3, &o);
    ASSERT_ASSOC(a, "(a,x)  5.5\n");
    d4m_assoc_free(a);
}

Test(assoc_build, collide_sum_to_zero_vanishes)
{
    static const double v[] = { 2, 5, -2 };
    d4m_build_options o = with_collide(D4M_COLLIDE_SUM);
    d4m_assoc *a = lists_num_opt("a b a ", "x x x ", v, 3, &o);
    ASSERT_ASSOC(a, "(b,x)  5\n");
    cr_assert_eq(d4m_assoc_nrows(a), 1);
    cr_assert_eq(d4m_assoc_nnz(a), 1);
    static const double w[] = { 2, -2 };
    d4m_assoc *b = lists_num_opt("a a ", "x x ", w, 2, &o);
    assert_empty(b);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_build, collide_sum_on_strings_fails)
{
    d4m_build_options o = with_collide(D4M_COLLIDE_SUM);
    d4m_assoc *a = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_from_lists(&a, K("a a "), K("x x "), K("p q "), &o), D4M_EVALKIND);
    cr_assert_null(a);
}

Test(assoc_build, collide_first_and_last_in_input_order)
{
    static const double v[] = { 3, 1, 4, 2 };
    d4m_build_options f = with_collide(D4M_COLLIDE_FIRST);
    d4m_build_options l = with_collide(D4M_COLLIDE_LAST);
    d4m_assoc *a = lists_num_opt("b a b a ", "x x x x ", v, 4, &f);
    ASSERT_ASSOC(a, "(a,x)  1\n(b,x)  3\n");
    d4m_assoc *b = lists_num_opt("b a b a ", "x x x x ", v, 4, &l);
    ASSERT_ASSOC(b, "(a,x)  2\n(b,x)  4\n");
    d4m_assoc *c = lists_opt("a a a ", "x x x ", "pear apple zoo ", &f);
    ASSERT_ASSOC(c, "(a,x)  pear\n");
    cr_assert_eq(d4m_assoc_val_count(c), 1);
    ASSERT_KEY(d4m_assoc_val_str(c, 0), "pear");
    d4m_assoc *d = lists_opt("a a a ", "x x x ", "pear zoo apple ", &l);
    ASSERT_ASSOC(d, "(a,x)  apple\n");
    d4m_assoc_free(a);
    d4m_assoc_free(b);
    d4m_assoc_free(c);
    d4m_assoc_free(d);
}

typedef struct {
    int calls;
    double seen[16];   /* the (a, b) pairs, in call order */
} cb_log;

/* Concatenate digits: shows the order in which values are folded. */
static double concat(double a, double b, void *ctx)
{
    cb_log *log = ctx;
    if (log->calls < 8) {
        log->seen[2 * log->calls] = a;
        log->seen[2 * log->calls + 1] = b;
    }
    log->calls++;
    return a * 10 + b;
}

Test(assoc_build, collide_callback_in_input_order_with_ctx)
{
    static const double v[] = { 1, 2, 3, 4, 5 };
    cb_log log = { 0 };
    d4m_build_options o = with_collide(D4M_COLLIDE_CALLBACK);
    o.fn = concat;
    o.ctx = &log;
    d4m_assoc *a = lists_num_opt("b a b a b ", "x x x x x ", v, 5, &o);
    ASSERT_ASSOC(a, "(a,x)  24\n(b,x)  135\n");
    cr_assert_eq(log.calls, 3);
    /* b: fn(1, 3) then fn(13, 5); a: fn(2, 4) (the order of the keys among
     * themselves is not pinned, the order within a key is). */
    int saw_b1 = 0, saw_b2 = 0, saw_a = 0;
    for (int i = 0; i < 3; i++) {
        double x = log.seen[2 * i], y = log.seen[2 * i + 1];
        saw_b1 |= x == 1 && y == 3;
        saw_b2 |= x == 13 && y == 5;
        saw_a |= x == 2 && y == 4;
    }
    cr_assert(saw_b1 && saw_b2 && saw_a, "callback pairs not in input order");
    d4m_assoc_free(a);
}

static double cancel(double a, double b, void *ctx)
{
    (void)ctx;
    return a - b;
}

static double make_nan(double a, double b, void *ctx)
{
    (void)a; (void)b; (void)ctx;
    return NAN;
}

Test(assoc_build, collide_callback_zero_vanishes_and_nan_fails)
{
    static const double v[] = { 4, 4, 9 };
    d4m_build_options o = with_collide(D4M_COLLIDE_CALLBACK);
    o.fn = cancel;
    d4m_assoc *a = lists_num_opt("a a b ", "x x x ", v, 3, &o);
    ASSERT_ASSOC(a, "(b,x)  9\n");
    cr_assert_eq(d4m_assoc_nrows(a), 1);
    d4m_assoc_free(a);

    o.fn = make_nan;
    d4m_assoc *b = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_from_lists_num(&b, K("a a "), K("x x "), v, 2, &o), D4M_EVALUE);
    cr_assert_null(b);
}

Test(assoc_build, collide_callback_errors)
{
    d4m_build_options o = with_collide(D4M_COLLIDE_CALLBACK);
    o.fn = concat;
    cb_log log = { 0 };
    o.ctx = &log;
    d4m_assoc *a = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_from_lists(&a, K("a a "), K("x x "), K("p q "), &o), D4M_EVALKIND);
    cr_assert_null(a);
    cr_assert_eq(log.calls, 0);
    o.fn = NULL;
    static const double v[] = { 1, 2 };
    FAILS(d4m_assoc_from_lists_num(&a, K("a a "), K("x x "), v, 2, &o), D4M_EINVAL);
    d4m_build_options bad = D4M_BUILD_OPTIONS_INIT;
    bad.collide = (d4m_collide)42;
    FAILS(d4m_assoc_from_lists_num(&a, K("a a "), K("x x "), v, 2, &bad), D4M_EINVAL);
}

Test(assoc_build, string_values_sorted_unique)
{
    d4m_assoc *a = lists("a b c d ", "x x x x ", "pear apple pear fig ");
    ASSERT_ASSOC(a, "(a,x)  pear\n(b,x)  apple\n(c,x)  pear\n(d,x)  fig\n");
    cr_assert_eq(d4m_assoc_val_kind(a), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(a), 3);
    ASSERT_KEY(d4m_assoc_val_str(a, 0), "apple");
    ASSERT_KEY(d4m_assoc_val_str(a, 1), "fig");
    ASSERT_KEY(d4m_assoc_val_str(a, 2), "pear");
    /* The matrix holds 1-based indices into the value list. */
    cr_assert_eq(d4m_assoc_get_ij(a, 0, 0), 3);
    cr_assert_eq(d4m_assoc_get_ij(a, 1, 0), 1);
    cr_assert_eq(d4m_assoc_get_ij(a, 3, 0), 2);
    d4m_assoc_free(a);
}

Test(assoc_build, unused_values_dropped_after_collision)
{
    d4m_assoc *a = lists("a a b ", "x x x ", "zoo apple mid ");
    ASSERT_ASSOC(a, "(a,x)  apple\n(b,x)  mid\n");
    cr_assert_eq(d4m_assoc_val_count(a), 2);
    ASSERT_KEY(d4m_assoc_val_str(a, 0), "apple");
    ASSERT_KEY(d4m_assoc_val_str(a, 1), "mid");
    cr_assert_eq(d4m_assoc_get_ij(a, 1, 0), 2);
    d4m_assoc_free(a);
}

Test(assoc_build, empty_assoc)
{
    d4m_assoc *a = lists("", "", "");
    assert_empty(a);
    d4m_assoc *b = NULL;
    CHECK_OK(d4m_assoc_new_empty(&b));
    assert_empty(b);
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_from_lists_num(&c, K(""), K(""), NULL, 0, NULL));
    assert_empty(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
    d4m_assoc_free(c);
}

Test(assoc_build, any_empty_argument_is_empty)
{
    d4m_key k[] = { K("a"), K("b") };
    static const double v[] = { 1, 2 };
    d4m_vec s = d4m_vec_str(k, 2), n = d4m_vec_num(v, 2);
    d4m_vec none_s = d4m_vec_str(NULL, 0), none_n = d4m_vec_num(NULL, 0);
    d4m_assoc *a;
    a = build(none_s, s, n, NULL); assert_empty(a); d4m_assoc_free(a);
    a = build(s, none_s, n, NULL); assert_empty(a); d4m_assoc_free(a);
    a = build(s, s, none_n, NULL); assert_empty(a); d4m_assoc_free(a);
    a = build(s, s, none_s, NULL); assert_empty(a); d4m_assoc_free(a);
    a = build(none_n, n, n, NULL); assert_empty(a); d4m_assoc_free(a);
    /* From lists: Assoc('', 'a ', 1) and friends are empty, as in D4M. */
    a = lists_num_opt("a b ", "x ", NULL, 0, NULL); assert_empty(a); d4m_assoc_free(a);
    a = lists_num_opt("", "x ", v, 1, NULL); assert_empty(a); d4m_assoc_free(a);
    a = lists_opt("a ", "", "v ", NULL); assert_empty(a); d4m_assoc_free(a);
    a = lists_opt("a ", "x ", "", NULL); assert_empty(a); d4m_assoc_free(a);
}

Test(assoc_build, nan_and_inf_values_fail)
{
    static const double bad[] = { NAN, INFINITY, -INFINITY };
    for (size_t i = 0; i < 3; i++) {
        double v[] = { 1, bad[i] };
        d4m_assoc *a = (d4m_assoc *)0x1;
        FAILS(d4m_assoc_from_lists_num(&a, K("a b "), K("x "), v, 2, NULL), D4M_EVALUE);
        cr_assert_null(a);
        FAILS(d4m_assoc_from_lists_num(&a, K("a b "), K("x "), &bad[i], 1, NULL), D4M_EVALUE);
        cr_assert_null(a);
    }
}

Test(assoc_build, binary_keys_accepted_and_sorted_bytewise)
{
    d4m_key rows[] = { KB("a\0b"), KB("\xff"), KB("a"), KB("\xc3\xa9"), KB("a\0"), KB("\x80z") };
    static const double v[] = { 1, 2, 3, 4, 5, 6 };
    d4m_key col[] = { K("c") };
    d4m_key vals[] = { KB("v\0w"), KB("\xfe") };
    d4m_assoc *a = build(d4m_vec_str(rows, 6), d4m_vec_str(col, 1), d4m_vec_num(v, 6), NULL);
    cr_assert_eq(d4m_assoc_nrows(a), 6);
    ASSERT_KEY(d4m_assoc_key(a, 1, 0), "a");
    ASSERT_KEY(d4m_assoc_key(a, 1, 1), "a\0");
    ASSERT_KEY(d4m_assoc_key(a, 1, 2), "a\0b");
    ASSERT_KEY(d4m_assoc_key(a, 1, 3), "\x80z");
    ASSERT_KEY(d4m_assoc_key(a, 1, 4), "\xc3\xa9");
    ASSERT_KEY(d4m_assoc_key(a, 1, 5), "\xff");
    cr_assert_eq(d4m_assoc_get_ij(a, 0, 0), 3);
    cr_assert_eq(d4m_assoc_get_ij(a, 1, 0), 5);
    cr_assert_eq(d4m_assoc_get_ij(a, 2, 0), 1);
    cr_assert_eq(d4m_assoc_get_ij(a, 3, 0), 6);
    cr_assert_eq(d4m_assoc_get_ij(a, 4, 0), 4);
    cr_assert_eq(d4m_assoc_get_ij(a, 5, 0), 2);
    cr_assert_eq(d4m_assoc_key_find(a, 1, KB("a\0b")), 2);
    cr_assert_eq(d4m_assoc_key_find(a, 1, KB("a\0c")), -1);

    d4m_assoc *b = build(d4m_vec_str(rows, 2), d4m_vec_str(col, 1), d4m_vec_str(vals, 2), NULL);
    cr_assert_eq(d4m_assoc_val_count(b), 2);
    ASSERT_KEY(d4m_assoc_val_str(b, 0), "v\0w");
    ASSERT_KEY(d4m_assoc_val_str(b, 1), "\xfe");
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_build, text_keys_flag_rejects_binary)
{
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    o.flags = D4M_BUILD_TEXT_KEYS;
    d4m_key ok[] = { K("a"), KB("\xc3\xa9"), KB("\xe2\x82\xac"), KB("\xf0\x9f\x98\x80") };
    d4m_key col[] = { K("c") };
    d4m_key sval[] = { K("v") };
    static const double one[] = { 1 };
    d4m_assoc *a = build(d4m_vec_str(ok, 4), d4m_vec_str(col, 1), d4m_vec_num(one, 1), &o);
    cr_assert_eq(d4m_assoc_nrows(a), 4);
    ASSERT_KEY(d4m_assoc_key(a, 1, 1), "\xc3\xa9");
    d4m_assoc_free(a);

    static const d4m_key bad[] = {
        { "a\0b", 3 }, { "\xff", 1 }, { "\x80", 1 }, { "\xc3", 1 }, { "\xc0\xaf", 2 },
        { "\xed\xa0\x80", 3 }, { "\xf4\x90\x80\x80", 4 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d4m_key two[] = { K("a"), bad[i] };
        d4m_assoc *b = (d4m_assoc *)0x1;
        FAILS(d4m_assoc_build(&b, d4m_vec_str(two, 2), d4m_vec_str(col, 1),
                              d4m_vec_num(one, 1), &o), D4M_EKEY);
        cr_assert_null(b);
        FAILS(d4m_assoc_build(&b, d4m_vec_str(col, 1), d4m_vec_str(two, 2),
                              d4m_vec_num(one, 1), &o), D4M_EKEY);
        FAILS(d4m_assoc_build(&b, d4m_vec_str(col, 1), d4m_vec_str(col, 1),
                              d4m_vec_str(two, 2), &o), D4M_EKEY);
        /* Without the flag the same bytes are fine. */
        b = build(d4m_vec_str(two, 2), d4m_vec_str(col, 1), d4m_vec_str(sval, 1), NULL);
        cr_assert_eq(d4m_assoc_nrows(b), 2);
        d4m_assoc_free(b);
    }
}

Test(assoc_build, huge_counts_fail_before_reading)
{
    /* n claims 2^50 items over arrays of one: the call must fail without
     * reading past them (ASan would catch a read). */
    const size_t huge = (size_t)1 << 50;
    static const double one[] = { 1 };
    d4m_key k[] = { K("a") };
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    o.flags = D4M_BUILD_TEXT_KEYS;
    d4m_assoc *a = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_build(&a, d4m_vec_num(one, huge), d4m_vec_str(k, 1), d4m_vec_num(one, 1),
                          NULL), D4M_ETOOBIG);
    cr_assert_null(a);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(k, huge), d4m_vec_str(k, 1), d4m_vec_num(one, 1),
                          &o), D4M_ETOOBIG);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(k, 1), d4m_vec_str(k, huge), d4m_vec_num(one, 1),
                          &o), D4M_ETOOBIG);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(k, 1), d4m_vec_num(one, huge), d4m_vec_num(one, 1),
                          NULL), D4M_ETOOBIG);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(k, 1), d4m_vec_str(k, 1), d4m_vec_num(one, huge),
                          NULL), D4M_ETOOBIG);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(k, 1), d4m_vec_str(k, 1), d4m_vec_str(k, huge),
                          &o), D4M_ETOOBIG);
    FAILS(d4m_assoc_from_lists_num(&a, K("a "), K("x "), one, huge, NULL), D4M_ETOOBIG);
    cr_assert_null(a);
}

Test(assoc_build, list_without_separator_fails)
{
    static const double v[] = { 1 };
    d4m_assoc *a = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_from_lists(&a, K("a b"), K("x "), K("v "), NULL), D4M_ESEP);
    cr_assert_null(a);
    FAILS(d4m_assoc_from_lists(&a, K("a "), K("x y"), K("v "), NULL), D4M_ESEP);
    FAILS(d4m_assoc_from_lists(&a, K("a "), K("x "), K("v1"), NULL), D4M_ESEP);
    FAILS(d4m_assoc_from_lists(&a, K("a "), K("x "), K("vZ"), NULL), D4M_ESEP);
    FAILS(d4m_assoc_from_lists_num(&a, K("ab"), K("x "), v, 1, NULL), D4M_ESEP);
    FAILS(d4m_assoc_from_lists_num(&a, K("a "), K("x 9"), v, 1, NULL), D4M_ESEP);
    cr_assert_null(a);
}

Test(assoc_build, null_arguments_fail)
{
    static const double v[] = { 1, 2 };
    d4m_key k[] = { K("a"), K("b") };
    d4m_key holey[] = { K("a"), { NULL, 3 } };
    d4m_assoc *a = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_build(NULL, d4m_vec_str(k, 2), d4m_vec_str(k, 2), d4m_vec_num(v, 2), NULL),
          D4M_EINVAL);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(NULL, 2), d4m_vec_str(k, 2), d4m_vec_num(v, 2), NULL),
          D4M_EINVAL);
    cr_assert_null(a);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(k, 2), d4m_vec_num(NULL, 2), d4m_vec_num(v, 2), NULL),
          D4M_EINVAL);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(k, 2), d4m_vec_str(k, 2), d4m_vec_num(NULL, 2), NULL),
          D4M_EINVAL);
    FAILS(d4m_assoc_build(&a, d4m_vec_str(holey, 2), d4m_vec_str(k, 2), d4m_vec_num(v, 2), NULL),
          D4M_EINVAL);
    d4m_vec odd = d4m_vec_str(k, 2);
    odd.kind = (d4m_kind)7;
    FAILS(d4m_assoc_build(&a, odd, d4m_vec_str(k, 2), d4m_vec_num(v, 2), NULL), D4M_EINVAL);
    FAILS(d4m_assoc_from_lists(NULL, K("a "), K("x "), K("v "), NULL), D4M_EINVAL);
    FAILS(d4m_assoc_from_lists(&a, (d4m_key){ NULL, 2 }, K("x "), K("v "), NULL), D4M_EINVAL);
    FAILS(d4m_assoc_from_lists_num(NULL, K("a "), K("x "), v, 1, NULL), D4M_EINVAL);
    FAILS(d4m_assoc_from_lists_num(&a, K("a "), K("x "), NULL, 2, NULL), D4M_EINVAL);
    FAILS(d4m_assoc_new_empty(NULL), D4M_EINVAL);
    cr_assert_null(a);
}

Test(assoc_build, options_version_mismatch_fails)
{
    static const double v[] = { 1 };
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    d4m_assoc *a = (d4m_assoc *)0x1;
    o.version = D4M_BUILD_OPTIONS_VERSION + 1;
    FAILS(d4m_assoc_from_lists_num(&a, K("a "), K("x "), v, 1, &o), D4M_EINVAL);
    cr_assert_null(a);
    o.version = 0;
    FAILS(d4m_assoc_from_lists_num(&a, K("a "), K("x "), v, 1, &o), D4M_EINVAL);
    cr_assert_null(a);
    o.version = D4M_BUILD_OPTIONS_VERSION;
    a = lists_num_opt("a ", "x ", v, 1, &o);
    ASSERT_ASSOC(a, "(a,x)  1\n");
    d4m_assoc_free(a);
}

/* ============================================================ assoc_lists */

Test(assoc_lists, split_items)
{
    d4m_key *items = NULL;
    size_t n = 0;
    const char *list = "alice bob ";
    CHECK_OK(d4m_list_split(&items, &n, K(list)));
    cr_assert_eq(n, 2);
    ASSERT_KEY(items[0], "alice");
    ASSERT_KEY(items[1], "bob");
    cr_assert_eq(items[0].ptr, list);        /* views borrow the list's bytes */
    cr_assert_eq(items[1].ptr, list + 6);
    d4m_free(items);
}

Test(assoc_lists, split_any_separator)
{
    d4m_key *items = NULL;
    size_t n = 0;
    CHECK_OK(d4m_list_split(&items, &n, K("a,b c,")));
    cr_assert_eq(n, 2);
    ASSERT_KEY(items[0], "a");
    ASSERT_KEY(items[1], "b c");
    d4m_free(items);
    CHECK_OK(d4m_list_split(&items, &n, K("x\ny\nz\n")));
    cr_assert_eq(n, 3);
    ASSERT_KEY(items[2], "z");
    d4m_free(items);
    CHECK_OK(d4m_list_split(&items, &n, KB("p\0q r\0")));
    cr_assert_eq(n, 2);
    ASSERT_KEY(items[0], "p");
    ASSERT_KEY(items[1], "q r");
    d4m_free(items);
}

Test(assoc_lists, split_empty_items)
{
    d4m_key *items = NULL;
    size_t n = 0;
    CHECK_OK(d4m_list_split(&items, &n, K("a,,b,")));
    cr_assert_eq(n, 3);
    ASSERT_KEY(items[0], "a");
    cr_assert_eq(items[1].len, 0);
    ASSERT_KEY(items[2], "b");
    d4m_free(items);
    CHECK_OK(d4m_list_split(&items, &n, K(",")));
    cr_assert_eq(n, 1);
    cr_assert_eq(items[0].len, 0);
    d4m_free(items);
}

Test(assoc_lists, split_errors)
{
    d4m_key *items = (d4m_key *)0x1;
    size_t n = 99;
    FAILS(d4m_list_split(&items, &n, K("")), D4M_ESEP);
    cr_assert_null(items);
    cr_assert_eq(n, 0);
    FAILS(d4m_list_split(NULL, &n, K("a ")), D4M_EINVAL);
    FAILS(d4m_list_split(&items, NULL, K("a ")), D4M_EINVAL);
    FAILS(d4m_list_split(&items, &n, (d4m_key){ NULL, 3 }), D4M_EINVAL);
    d4m_free(NULL);
}

Test(assoc_lists, key_cmp_is_bytewise)
{
    const char *order[] = { "", "10", "9", "B", "a", "a_", "b", "\x80", "\xff" };
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = d4m_key_cmp(K(order[i]), K(order[j]));
            int want = (i > j) - (i < j);
            cr_assert_eq((c > 0) - (c < 0), want, "cmp('%s', '%s') = %d", order[i], order[j], c);
        }
    cr_assert_lt(d4m_key_cmp(K("a"), KB("a\0")), 0);
    cr_assert_lt(d4m_key_cmp(KB("a\0"), KB("a\0b")), 0);
    cr_assert_gt(d4m_key_cmp(KB("a\x01"), KB("a\0b")), 0);
    cr_assert_eq(d4m_key_cmp((d4m_key){ NULL, 0 }, (d4m_key){ NULL, 0 }), 0);
    cr_assert_lt(d4m_key_cmp((d4m_key){ NULL, 0 }, K("a")), 0);
}

Test(assoc_lists, key_cstr)
{
    d4m_key k = d4m_key_cstr("abc");
    cr_assert_eq(k.len, 3);
    k = d4m_key_cstr(NULL);
    cr_assert_null(k.ptr);
    cr_assert_eq(k.len, 0);
}

Test(assoc_lists, list_separator_nul)
{
    static const double v[] = { 1, 2 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_from_lists_num(&a, KB("b\0a\0"), K("x "), v, 2, NULL));
    ASSERT_ASSOC(a, "(a,x)  2\n(b,x)  1\n");
    d4m_assoc_free(a);
}

Test(assoc_lists, value_list_separator)
{
    d4m_assoc *a = lists("a b c ", "x x x ", "1,,2,");   /* the middle value is empty */
    ASSERT_ASSOC(a, "(a,x)  1\n(c,x)  2\n");
    cr_assert_eq(d4m_assoc_val_count(a), 2);
    d4m_assoc_free(a);
}

/* ========================================================= assoc_accessors */

/* rows: a b c; cols: x y; entries (a,x)=1 (b,y)=2 (c,x)=3 (a,y)=4 */
static d4m_assoc *sample(void)
{
    static const double v[] = { 1, 2, 3, 4 };
    return lists_num("a b c a ", "x y x y ", v, 4);
}

Test(assoc_accessors, counts_and_keys)
{
    d4m_assoc *a = sample();
    ASSERT_ASSOC(a, "(a,x)  1\n(c,x)  3\n(a,y)  4\n(b,y)  2\n");
    cr_assert_eq(d4m_assoc_nnz(a), 4);
    cr_assert_eq(d4m_assoc_nrows(a), 3);
    cr_assert_eq(d4m_assoc_ncols(a), 2);
    cr_assert_eq(d4m_assoc_is_empty(a), 0);
    cr_assert_eq(d4m_assoc_key_count(a, 1), 3);
    cr_assert_eq(d4m_assoc_key_count(a, 2), 2);
    cr_assert_eq(d4m_assoc_key_count(a, 3), 0);
    cr_assert_eq(d4m_assoc_key_kind(a, 1), D4M_STR);
    cr_assert_eq(d4m_assoc_key_kind(a, 2), D4M_STR);
    ASSERT_KEY(d4m_assoc_key(a, 1, 2), "c");
    ASSERT_KEY(d4m_assoc_key(a, 2, 1), "y");
    ASSERT_NO_KEY(d4m_assoc_key(a, 1, 3));
    ASSERT_NO_KEY(d4m_assoc_key(a, 2, 2));
    ASSERT_NO_KEY(d4m_assoc_key(a, 0, 0));
    ASSERT_NO_KEY(d4m_assoc_key(a, 3, 0));
    cr_assert_eq(d4m_assoc_key_find(a, 1, K("a")), 0);
    cr_assert_eq(d4m_assoc_key_find(a, 1, K("c")), 2);
    cr_assert_eq(d4m_assoc_key_find(a, 1, K("bb")), -1);
    cr_assert_eq(d4m_assoc_key_find(a, 1, K("x")), -1);
    cr_assert_eq(d4m_assoc_key_find(a, 2, K("x")), 0);
    cr_assert_eq(d4m_assoc_key_find(a, 2, K("y")), 1);
    cr_assert_eq(d4m_assoc_key_find(a, 3, K("x")), -1);
    cr_assert_eq(d4m_assoc_nnz(NULL), 0);
    cr_assert_eq(d4m_assoc_nrows(NULL), 0);
    cr_assert_eq(d4m_assoc_ncols(NULL), 0);
    d4m_assoc_free(a);
    d4m_assoc_free(NULL);
}

Test(assoc_accessors, values)
{
    d4m_assoc *a = sample();
    cr_assert_eq(d4m_assoc_val_kind(a), D4M_NUM);
    cr_assert_eq(d4m_assoc_val_count(a), 0);
    ASSERT_NO_KEY(d4m_assoc_val_str(a, 0));
    cr_assert_eq(d4m_assoc_get_ij(a, 0, 0), 1);
    cr_assert_eq(d4m_assoc_get_ij(a, 0, 1), 4);
    cr_assert_eq(d4m_assoc_get_ij(a, 1, 1), 2);
    cr_assert_eq(d4m_assoc_get_ij(a, 2, 0), 3);
    cr_assert_eq(d4m_assoc_get_ij(a, 1, 0), 0);   /* absent */
    cr_assert_eq(d4m_assoc_get_ij(a, 3, 0), 0);   /* out of range */
    cr_assert_eq(d4m_assoc_get_ij(a, 0, 2), 0);
    cr_assert_eq(d4m_assoc_get_ij(NULL, 0, 0), 0);
    d4m_assoc_free(a);
}

Test(assoc_accessors, find_column_major)
{
    d4m_assoc *a = sample();
    d4m_triples *t = NULL;
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_COL));
    static const uint64_t r[] = { 0, 2, 0, 1 }, c[] = { 0, 0, 1, 1 };
    static const double v[] = { 1, 3, 4, 2 };
    cr_assert_eq(t->n, 4);
    cr_assert_null(t->sval);
    cr_assert_not_null(t->val);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(t->row[i], r[i], "row[%zu]", i);
        cr_assert_eq(t->col[i], c[i], "col[%zu]", i);
        cr_assert_eq(t->val[i], v[i], "val[%zu]", i);
    }
    d4m_triples_free(t);
    d4m_assoc_free(a);
}

Test(assoc_accessors, find_row_major)
{
    d4m_assoc *a = sample();
    d4m_triples *t = NULL;
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    static const uint64_t r[] = { 0, 0, 1, 2 }, c[] = { 0, 1, 1, 0 };
    static const double v[] = { 1, 4, 2, 3 };
    cr_assert_eq(t->n, 4);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(t->row[i], r[i], "row[%zu]", i);
        cr_assert_eq(t->col[i], c[i], "col[%zu]", i);
        cr_assert_eq(t->val[i], v[i], "val[%zu]", i);
    }
    d4m_triples_free(t);
    d4m_assoc_free(a);
}

Test(assoc_accessors, find_string_values)
{
    d4m_assoc *a = lists("b a b ", "y x x ", "q r p ");
    ASSERT_ASSOC(a, "(a,x)  r\n(b,x)  p\n(b,y)  q\n");
    d4m_triples *t = NULL;
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_COL));
    static const uint64_t r[] = { 0, 1, 1 }, c[] = { 0, 0, 1 }, s[] = { 2, 0, 1 };
    cr_assert_eq(t->n, 3);
    cr_assert_null(t->val);
    cr_assert_not_null(t->sval);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(t->row[i], r[i]);
        cr_assert_eq(t->col[i], c[i]);
        cr_assert_eq(t->sval[i], s[i]);
    }
    d4m_triples_free(t);
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    static const uint64_t r2[] = { 0, 1, 1 }, c2[] = { 0, 0, 1 }, s2[] = { 2, 0, 1 };
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(t->row[i], r2[i]);
        cr_assert_eq(t->col[i], c2[i]);
        cr_assert_eq(t->sval[i], s2[i]);
    }
    d4m_triples_free(t);
    d4m_triples_free(NULL);
    d4m_assoc_free(a);
}

Test(assoc_accessors, find_empty_and_errors)
{
    d4m_assoc *e = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    d4m_triples *t = NULL;
    CHECK_OK(d4m_assoc_find(&t, e, D4M_ORDER_COL));
    cr_assert_eq(t->n, 0);
    d4m_triples_free(t);
    t = (d4m_triples *)0x1;
    FAILS(d4m_assoc_find(&t, e, (d4m_order)5), D4M_EINVAL);
    FAILS(d4m_assoc_find(NULL, e, D4M_ORDER_COL), D4M_EINVAL);
    FAILS(d4m_assoc_find(&t, NULL, D4M_ORDER_COL), D4M_EINVAL);
    d4m_assoc_free(e);
}

Test(assoc_accessors, equal)
{
    d4m_assoc *a = sample();
    static const double v[] = { 4, 3, 2, 1 };
    d4m_assoc *b = lists_num("a,c,b,a,", "y,x,y,x,", v, 4);   /* same, other order */
    cr_assert_eq(d4m_assoc_equal(a, b), 1);
    cr_assert_eq(d4m_assoc_equal(a, a), 1);
    static const double w[] = { 1, 2, 3, 5 };
    d4m_assoc *c = lists_num("a b c a ", "x y x y ", w, 4);    /* one value differs */
    cr_assert_eq(d4m_assoc_equal(a, c), 0);
    static const double u[] = { 1, 2, 3, 4 };
    d4m_assoc *d = lists_num("a b d a ", "x y x y ", u, 4);    /* one key differs */
    cr_assert_eq(d4m_assoc_equal(a, d), 0);
    d4m_assoc *s = lists("a b c a ", "x y x y ", "1 2 3 4 ");  /* string values */
    cr_assert_eq(d4m_assoc_equal(a, s), 0);
    cr_assert_eq(d4m_assoc_equal(a, NULL), 0);
    cr_assert_eq(d4m_assoc_equal(NULL, a), 0);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
    d4m_assoc_free(c);
    d4m_assoc_free(d);
    d4m_assoc_free(s);
}

Test(assoc_accessors, equal_empty)
{
    d4m_assoc *e1 = NULL, *e2 = lists("", "", "");
    CHECK_OK(d4m_assoc_new_empty(&e1));
    static const double z[] = { 0 };
    d4m_assoc *e3 = lists_num("a ", "x ", z, 1);
    cr_assert_eq(d4m_assoc_equal(e1, e2), 1);
    cr_assert_eq(d4m_assoc_equal(e1, e3), 1);
    d4m_assoc *a = sample();
    cr_assert_eq(d4m_assoc_equal(e1, a), 0);
    d4m_assoc_free(e1);
    d4m_assoc_free(e2);
    d4m_assoc_free(e3);
    d4m_assoc_free(a);
}

Test(assoc_accessors, dup_is_an_independent_copy)
{
    d4m_assoc *a = lists("a b ", "x y ", "p q ");
    d4m_assoc *b = NULL;
    CHECK_OK(d4m_assoc_dup(&b, a));
    cr_assert_neq(a, b);
    cr_assert_eq(d4m_assoc_equal(a, b), 1);
    d4m_assoc_free(a);
    ASSERT_ASSOC(b, "(a,x)  p\n(b,y)  q\n");
    cr_assert_eq(d4m_assoc_val_count(b), 2);
    d4m_assoc *e = NULL, *f = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    CHECK_OK(d4m_assoc_dup(&f, e));
    assert_empty(f);
    d4m_assoc *g = (d4m_assoc *)0x1;
    FAILS(d4m_assoc_dup(&g, NULL), D4M_EINVAL);
    FAILS(d4m_assoc_dup(NULL, b), D4M_EINVAL);
    d4m_assoc_free(b);
    d4m_assoc_free(e);
    d4m_assoc_free(f);
}

Test(assoc_accessors, last_error_after_failure)
{
    d4m_error_clear();
    cr_assert_eq(d4m_error_code(), D4M_OK);
    cr_assert_str_eq(d4m_error_message(), "");
    cr_assert_eq(d4m_error_offset(), -1);

    d4m_assoc *a = NULL;
    int rc = d4m_assoc_from_lists(&a, K("a b "), K("x y z "), K("v "), NULL);
    cr_assert_eq(rc, D4M_ELENGTH);
    cr_assert_eq(d4m_error_code(), D4M_ELENGTH);
    cr_assert_eq(d4m_error_offset(), -1);
    const char *msg = d4m_error_message();
    cr_assert_neq(msg[0], '\0');
    char saved[512];
    snprintf(saved, sizeof saved, "%s", msg);

    /* A successful call does not clear it. */
    a = lists("a ", "x ", "v ");
    cr_assert_eq(d4m_error_code(), D4M_ELENGTH);
    cr_assert_str_eq(d4m_error_message(), saved);
    d4m_assoc_free(a);

    /* The next failure replaces it. */
    static const double nan1[] = { NAN };
    rc = d4m_assoc_from_lists_num(&a, K("a "), K("x "), nan1, 1, NULL);
    cr_assert_eq(rc, D4M_EVALUE);
    cr_assert_eq(d4m_error_code(), D4M_EVALUE);
    cr_assert_str_neq(d4m_error_message(), saved);

    d4m_error_clear();
    cr_assert_eq(d4m_error_code(), D4M_OK);
    cr_assert_str_eq(d4m_error_message(), "");
}

Test(assoc_accessors, strerror)
{
    static const int codes[] = {
        D4M_OK, D4M_ITER_DONE, D4M_ENOMEM, D4M_EINVAL, D4M_ELENGTH, D4M_ESEP, D4M_EVALUE,
        D4M_EKEY, D4M_EKEYKIND, D4M_EVALKIND, D4M_EPARSE, D4M_ETOOBIG, D4M_EFORMAT, D4M_EIO,
        D4M_EGRAPHBLAS, D4M_ENOTFOUND, D4M_EEXISTS, D4M_EBUSY, D4M_ECORRUPT, D4M_ENOSPC,
        D4M_ESTORE, D4M_EMPI, D4M_EFITS, D4M_ECALLBACK,
    };
    size_t n = sizeof codes / sizeof codes[0];
    const char *unknown = d4m_strerror(-12345);
    cr_assert_not_null(unknown);
    cr_assert_neq(unknown[0], '\0');
    cr_assert_str_eq(d4m_strerror(D4M_ENOMEM), "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *s = d4m_strerror(codes[i]);
        cr_assert_not_null(s);
        cr_assert_neq(s[0], '\0');
        cr_assert_str_neq(s, unknown, "code %d has no description", codes[i]);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(s, d4m_strerror(codes[j]), "codes %d and %d", codes[i], codes[j]);
    }
    cr_assert_str_eq(d4m_strerror(4242), unknown);
    cr_assert_str_eq(d4m_version(), D4M_VERSION_STRING);
}

/* ================================================ assoc_build: at scale */

/* Large inputs take the library's fast paths (radix sort of unique keys,
 * hash table growth, counting-sort CSR build, two-core deduplication from
 * 50000 triples).  The result is checked against a plain reference: sorted
 * key pools and a stable fold of each (row, col) group in input order. */

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return rng_state >> 33;
}

static int ref_cmp(const void *pa, const void *pb)
{
    const d4m_key *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a->ptr[i], y = (unsigned char)b->ptr[i];
        if (x != y)
            return x < y ? -1 : 1;
    }
    return (a->len > b->len) - (a->len < b->len);
}

/* A sorted pool of distinct keys whose bytes come from a small alphabet
 * (with '\0' and high bytes) and whose lengths straddle 8, 16 and 255, so
 * that keys share prefixes and hash buckets often.  *store holds the bytes. */
static d4m_key *key_pool(size_t want, size_t *n, char **store)
{
    static const char alpha[] = { 'a', 'b', '\0', (char)0xff, 'Z', ' ' };
    static const size_t lens[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 254, 255, 256, 300 };
    size_t cap = want * 300;
    char *buf = malloc(cap);
    d4m_key *k = malloc(want * sizeof *k);
    cr_assert(buf && k);
    size_t pos = 0;
    for (size_t i = 0; i < want; i++) {
        size_t len = lens[rng() % (sizeof lens / sizeof lens[0])];
        /* Long keys share a long common start. */
        for (size_t j = 0; j < len; j++)
            buf[pos + j] = j < len - 4 && len > 200 ? 'q' : alpha[rng() % sizeof alpha];
        k[i].ptr = buf + pos;
        k[i].len = len;
        pos += len;
    }
    qsort(k, want, sizeof *k, ref_cmp);
    size_t m = 0;
    for (size_t i = 0; i < want; i++)
        if (m == 0 || ref_cmp(&k[m - 1], &k[i]) != 0)
            k[m++] = k[i];
    *n = m;
    *store = buf;
    return k;
}

typedef struct {
    uint32_t r, c;
    uint32_t t;   /* input order */
    double v;
} ref_triple;

static int ref_triple_cmp(const void *pa, const void *pb)
{
    const ref_triple *a = pa, *b = pb;
    if (a->r != b->r) return a->r < b->r ? -1 : 1;
    if (a->c != b->c) return a->c < b->c ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}

static double plus_twice(double a, double b, void *ctx)
{
    (void)ctx;
    return a + 2 * b;
}

static double ref_combine(d4m_collide how, double a, double b)
{
    switch (how) {
    case D4M_COLLIDE_MAX: return a > b ? a : b;
    case D4M_COLLIDE_SUM: return a + b;
    case D4M_COLLIDE_FIRST: return a;
    case D4M_COLLIDE_LAST: return b;
    case D4M_COLLIDE_CALLBACK: return plus_twice(a, b, NULL);
    default: return a < b ? a : b;
    }
}

/* Build n triples over the pools with rule how and check the whole result.
 * String values (vals != NULL) are pool indices: their order is the
 * pool's sorted order. */
/* Distinct row keys drawn for check_random_build (at most). */
static size_t g_row_pool = 700;

static void check_random_build(size_t n, d4m_collide how, int string_values)
{
    size_t nr, nc, nv;
    char *sr, *sc, *sv;
    d4m_key *rp = key_pool(g_row_pool, &nr, &sr);
    d4m_key *cp = key_pool(300, &nc, &sc);
    d4m_key *vp = key_pool(100, &nv, &sv);
    d4m_key *R = malloc(n * sizeof *R), *C = malloc(n * sizeof *C), *V = malloc(n * sizeof *V);
    double *X = malloc(n * sizeof *X);
    ref_triple *T = malloc(n * sizeof *T);
    cr_assert(R && C && V && X && T);
    for (size_t t = 0; t < n; t++) {
        T[t].r = (uint32_t)(rng() % nr);
        T[t].c = (uint32_t)(rng() % (t % 3 ? 8 : nc));   /* crowd a few columns */
        T[t].t = (uint32_t)t;
        if (string_values) {
            size_t vi = rng() % nv;
            if (vp[vi].len == 0)
                vi = (vi + 1) % nv;   /* an empty value is no entry: keep clear of it */
            T[t].v = (double)vi;
            V[t] = vp[vi];
        } else {
            /* Zeros only where they cannot change the result otherwise. */
            int x = (int)(rng() % 9) - 4;
            if (x == 0 && how != D4M_COLLIDE_SUM)
                x = 1;
            T[t].v = x;
            X[t] = x;
        }
        R[t] = rp[T[t].r];
        C[t] = cp[T[t].c];
    }
    d4m_build_options o = with_collide(how);
    if (how == D4M_COLLIDE_CALLBACK)
        o.fn = plus_twice;
    d4m_assoc *a = build(d4m_vec_str(R, n), d4m_vec_str(C, n),
                         string_values ? d4m_vec_str(V, n) : d4m_vec_num(X, n), &o);

    /* Reference: fold groups, drop zeros. */
    qsort(T, n, sizeof *T, ref_triple_cmp);
    size_t m = 0;
    for (size_t t = 0; t < n; t++) {
        if (m && T[m - 1].r == T[t].r && T[m - 1].c == T[t].c)
            T[m - 1].v = ref_combine(how, T[m - 1].v, T[t].v);
        else
            T[m++] = T[t];
    }
    size_t k = 0;
    for (size_t t = 0; t < m; t++)
        if (string_values || T[t].v != 0)
            T[k++] = T[t];
    /* Keys present, in order; their new indices. */
    uint32_t *rnew = calloc(nr, sizeof *rnew), *cnew = calloc(nc, sizeof *cnew);
    uint32_t *vnew = calloc(nv, sizeof *vnew);
    cr_assert(rnew && cnew && vnew);
    for (size_t t = 0; t < k; t++) {
        rnew[T[t].r] = 1;
        cnew[T[t].c] = 1;
        if (string_values)
            vnew[(size_t)T[t].v] = 1;
    }
    uint32_t nrp = 0, ncp = 0, nvp = 0;
    for (size_t i = 0; i < nr; i++)
        rnew[i] = rnew[i] ? ++nrp : 0;
    for (size_t i = 0; i < nc; i++)
        cnew[i] = cnew[i] ? ++ncp : 0;
    for (size_t i = 0; i < nv; i++)
        vnew[i] = vnew[i] ? ++nvp : 0;

    cr_assert_eq(d4m_assoc_nnz(a), k, "nnz %zu, expected %zu", d4m_assoc_nnz(a), k);
    cr_assert_eq(d4m_assoc_nrows(a), nrp);
    cr_assert_eq(d4m_assoc_ncols(a), ncp);
    for (size_t i = 0; i < nr; i++)
        if (rnew[i]) {
            d4m_key got = d4m_assoc_key(a, 1, rnew[i] - 1);
            cr_assert(got.len == rp[i].len && ref_cmp(&got, &rp[i]) == 0, "row key %zu", i);
        }
    for (size_t i = 0; i < nc; i++)
        if (cnew[i]) {
            d4m_key got = d4m_assoc_key(a, 2, cnew[i] - 1);
            cr_assert(got.len == cp[i].len && ref_cmp(&got, &cp[i]) == 0, "col key %zu", i);
        }
    if (string_values) {
        cr_assert_eq(d4m_assoc_val_count(a), nvp);
        for (size_t i = 0; i < nv; i++)
            if (vnew[i]) {
                d4m_key got = d4m_assoc_val_str(a, vnew[i] - 1);
                cr_assert(got.len == vp[i].len && ref_cmp(&got, &vp[i]) == 0, "value %zu", i);
            }
    }
    d4m_triples *f = NULL;
    CHECK_OK(d4m_assoc_find(&f, a, D4M_ORDER_ROW));
    cr_assert_eq(f->n, k);
    for (size_t t = 0; t < k; t++) {
        cr_assert_eq(f->row[t], rnew[T[t].r] - 1, "triple %zu row", t);
        cr_assert_eq(f->col[t], cnew[T[t].c] - 1, "triple %zu col", t);
        if (string_values)
            cr_assert_eq(f->sval[t], vnew[(size_t)T[t].v] - 1, "triple %zu value", t);
        else
            cr_assert_eq(f->val[t], T[t].v, "triple %zu: %g, expected %g", t, f->val[t],
                         T[t].v);
    }
    d4m_triples_free(f);
    d4m_assoc_free(a);
    free(rnew); free(cnew); free(vnew);
    free(R); free(C); free(V); free(X); free(T);
    free(rp); free(cp); free(vp);
    free(sr); free(sc); free(sv);
}

Test(assoc_build, large_numeric_every_rule)
{
    static const d4m_collide rules[] = { D4M_COLLIDE_MIN, D4M_COLLIDE_MAX, D4M_COLLIDE_SUM,
                                         D4M_COLLIDE_FIRST, D4M_COLLIDE_LAST,
                                         D4M_COLLIDE_CALLBACK };
    rng_state = 12345;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        check_random_build(3000, rules[i], 0);     /* one core */
        check_random_build(60000, rules[i], 0);    /* two cores */
    }
}

Test(assoc_build, large_string_values)
{
    static const d4m_collide rules[] = { D4M_COLLIDE_MIN, D4M_COLLIDE_MAX, D4M_COLLIDE_FIRST,
                                         D4M_COLLIDE_LAST };
    rng_state = 777;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        check_random_build(3000, rules[i], 1);
        check_random_build(60000, rules[i], 1);
    }
}

Test(assoc_build, positions_up_to_2_53_with_every_rule)
{
    /* Positions are whole numbers up to 2^53, whatever the collision rule. */
    static const double rows[] = { 9007199254740992.0, 3, 9007199254740992.0 };
    static const double v[] = { 5, 7, 6 };
    d4m_key c[] = { K("x") };
    static const d4m_collide rules[] = { D4M_COLLIDE_MIN, D4M_COLLIDE_MAX, D4M_COLLIDE_SUM,
                                         D4M_COLLIDE_FIRST, D4M_COLLIDE_LAST,
                                         D4M_COLLIDE_CALLBACK };
    static const double want[] = { 5, 6, 11, 5, 6, 17 };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        d4m_build_options o = with_collide(rules[i]);
        o.fn = plus_twice;
        d4m_assoc *a = NULL;
        int rc = d4m_assoc_build(&a, d4m_vec_num(rows, 3), d4m_vec_str(c, 1),
                                 d4m_vec_num(v, 3), &o);
        cr_assert_eq(rc, 0, "rule %d: %d %s", (int)rules[i], rc, d4m_error_message());
        cr_expect_eq(d4m_assoc_nrows(a), (size_t)9007199254740992ull);
        cr_assert_eq(d4m_assoc_nnz(a), 2);
        char want_txt[64];
        snprintf(want_txt, sizeof want_txt, "(3,x)  7\n(9007199254740992,x)  %g\n", want[i]);
        ASSERT_ASSOC(a, want_txt);
        d4m_assoc_free(a);
    }
}

Test(assoc_build, collide_sum_overflow_fails)
{
    /* Values must be finite: a sum that overflows is D4M_EVALUE, as a
     * callback's Inf is, not a stored Inf. */
    static const double v[] = { 1e308, 1e308 };
    d4m_build_options o = with_collide(D4M_COLLIDE_SUM);
    d4m_assoc *a = NULL;
    int rc = d4m_assoc_from_lists_num(&a, K("a a "), K("x x "), v, 2, &o);
    char held[128] = "";
    if (rc == 0) {
        char *txt = assoc_text(a);
        snprintf(held, sizeof held, "%s", txt);
        free(txt);
    }
    d4m_assoc_free(a);   /* before asserting, so that a failure leaks nothing */
    cr_assert_eq(rc, D4M_EVALUE, "sum of 1e308 + 1e308 -> %d, holding:\n%s", rc, held);
    cr_assert_eq(d4m_error_code(), D4M_EVALUE);
    cr_assert_null(a);
}

/* Rows of every length: one row holding all the triples (so that one core's
 * share of the rows is empty), two rows, and many short rows, through the
 * merge sort of long rows and the fold of each core's rows. */
Test(assoc_build, large_skewed_rows_every_rule)
{
    static const d4m_collide rules[] = { D4M_COLLIDE_MIN, D4M_COLLIDE_SUM, D4M_COLLIDE_FIRST,
                                         D4M_COLLIDE_LAST, D4M_COLLIDE_CALLBACK };
    static const size_t pools[] = { 1, 2, 40000 };
    rng_state = 777;
    for (size_t p = 0; p < sizeof pools / sizeof pools[0]; p++)
        for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
            g_row_pool = pools[p];
            check_random_build(70000, rules[i], 0);
        }
    g_row_pool = 700;
}
