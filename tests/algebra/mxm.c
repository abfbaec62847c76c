/*
 * tests/algebra/mxm.c - matrix products (algebra/mxm.c): A * B over the
 * intersection of A's columns and B's rows, every semiring of d4m_semiring,
 * sqIn/sqOut, transpose, CatKeyMul and CatValMul.
 *
 * Every expected result is the whole display() text: "(row,col)  value" per
 * entry, by column then row.  The semiring results were computed by hand.
 */
#include <string.h>
#include "test_util.h"

#define N(...) (const double[]){ __VA_ARGS__ }, sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double)

static d4m_assoc *empty(void)
{
    d4m_assoc *e = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    return e;
}

/* Build from per-entry key vectors of either kind and numeric values. */
static d4m_assoc *build(d4m_vec row, d4m_vec col, d4m_vec val)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, row, col, val, NULL));
    return a;
}

typedef int (*binop)(d4m_assoc **, const d4m_assoc *, const d4m_assoc *);

/* display(op(a, b)) must be expected; a and b are freed. */
static void expect_op(binop op, d4m_assoc *a, d4m_assoc *b, const char *expected)
{
    d4m_assoc *c = NULL;
    CHECK_OK(op(&c, a, b));
    ASSERT_ASSOC(c, expected);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

/* ============================================================ mtimes */

Test(assoc_mtimes, inner_keys_only_in_one_side_are_ignored)
{
    /* A's column q and B's row z have no partner. */
    d4m_assoc *a = lists_num("a a b a ", "x y y q ", N(1, 2, 3, 7));
    d4m_assoc *b = lists_num("x y y z ", "c c d d ", N(4, 5, 6, 100));
    expect_op(d4m_assoc_mtimes, a, b, "(a,c)  14\n(b,c)  15\n(a,d)  12\n(b,d)  18\n");
}

Test(assoc_mtimes, zero_results_vanish_with_their_keys)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 1, 2));
    d4m_assoc *b = lists_num("x y ", "c c ", N(1, -1));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_mtimes(&c, a, b));
    ASSERT_ASSOC(c, "(b,c)  2\n");       /* (a,c) = 1*1 + 1*-1 = 0 */
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    cr_assert_eq(d4m_assoc_key_find(c, 1, K("a")), -1);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_mtimes, string_values_count_as_one)
{
    d4m_assoc *a = lists("a a b ", "x y y ", "foo bar baz ");
    d4m_assoc *b = lists_num("x y ", "c c ", N(2, 3));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_mtimes(&c, a, b));
    ASSERT_ASSOC(c, "(a,c)  5\n(b,c)  3\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    d4m_assoc_free(c);
    d4m_assoc *s = lists("x y ", "c c ", "p q ");
    CHECK_OK(d4m_assoc_mtimes(&c, a, s));
    ASSERT_ASSOC(c, "(a,c)  2\n(b,c)  1\n");
    d4m_assoc_free(c);
    d4m_assoc_free(s);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_mtimes, no_shared_inner_keys_is_empty)
{
    expect_op(d4m_assoc_mtimes, lists_num("a ", "x ", N(1)), lists_num("y ", "c ", N(1)), "");
}

Test(assoc_mtimes, empty_operands)
{
    expect_op(d4m_assoc_mtimes, empty(), lists_num("x ", "c ", N(1)), "");
    expect_op(d4m_assoc_mtimes, lists_num("a ", "x ", N(1)), empty(), "");
}

Test(assoc_mtimes, numeric_inner_keys)
{
    /* A has column positions 1..3, B row positions 1..2: position 3 of A
     * has no partner. */
    d4m_key ar[] = { K("a"), K("a"), K("b") };
    d4m_key bc[] = { K("c"), K("c"), K("d") };
    d4m_assoc *a = build(d4m_vec_str(ar, 3), d4m_vec_num(N(1, 3, 2)), d4m_vec_num(N(2, 5, 7)));
    d4m_assoc *b = build(d4m_vec_num(N(1, 2, 2)), d4m_vec_str(bc, 3), d4m_vec_num(N(10, 1, 3)));
    expect_op(d4m_assoc_mtimes, a, b, "(a,c)  20\n(b,c)  7\n(b,d)  21\n");
}

Test(assoc_mtimes, numeric_outer_keys_keep_positions)
{
    d4m_key ac[] = { K("x"), K("x") };
    d4m_key br[] = { K("x") };
    d4m_assoc *a = build(d4m_vec_num(N(2, 4)), d4m_vec_str(ac, 2), d4m_vec_num(N(1, 3)));
    d4m_assoc *b = build(d4m_vec_str(br, 1), d4m_vec_num(N(3)), d4m_vec_num(N(2)));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_mtimes(&c, a, b));
    ASSERT_ASSOC(c, "(2,3)  2\n(4,3)  6\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 1), D4M_NUM);
    cr_assert_eq(d4m_assoc_key_kind(c, 2), D4M_NUM);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_mtimes, inner_key_kind_mismatch)
{
    d4m_key bc[] = { K("c") };
    d4m_assoc *a = lists_num("a ", "x ", N(1));
    d4m_assoc *b = build(d4m_vec_num(N(1)), d4m_vec_str(bc, 1), d4m_vec_num(N(1)));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_mtimes(&c, a, b), D4M_EKEYKIND);
    cr_assert_null(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_mtimes, sqin_is_at_times_a)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    d4m_assoc *c = NULL, *t = NULL, *d = NULL;
    CHECK_OK(d4m_assoc_sqin(&c, a));
    ASSERT_ASSOC(c, "(x,x)  10\n(y,x)  2\n(x,y)  2\n(y,y)  4\n");
    CHECK_OK(d4m_assoc_transpose(&t, a));
    CHECK_OK(d4m_assoc_mtimes(&d, t, a));
    cr_assert(d4m_assoc_equal(c, d));
    d4m_assoc_free(c);
    d4m_assoc_free(d);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
}

Test(assoc_mtimes, sqout_is_a_times_at)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    d4m_assoc *c = NULL, *t = NULL, *d = NULL;
    CHECK_OK(d4m_assoc_sqout(&c, a));
    ASSERT_ASSOC(c, "(a,a)  5\n(b,a)  3\n(a,b)  3\n(b,b)  9\n");
    CHECK_OK(d4m_assoc_transpose(&t, a));
    CHECK_OK(d4m_assoc_mtimes(&d, a, t));
    cr_assert(d4m_assoc_equal(c, d));
    d4m_assoc_free(c);
    d4m_assoc_free(d);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
}

Test(assoc_mtimes, sq_on_strings_counts)
{
    d4m_assoc *a = lists("a a b ", "x y x ", "p q r ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_sqin(&c, a));
    ASSERT_ASSOC(c, "(x,x)  2\n(y,x)  1\n(x,y)  1\n(y,y)  1\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_sqout(&c, a));
    ASSERT_ASSOC(c, "(a,a)  2\n(b,a)  1\n(a,b)  1\n(b,b)  1\n");
    d4m_assoc_free(c);
    d4m_assoc *e = empty();
    CHECK_OK(d4m_assoc_sqin(&c, e));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(e);
    d4m_assoc_free(a);
}

Test(assoc_mtimes, sqout_zero_vanishes)
{
    /* a.a' = 1*1 + 1*-1 = 0 off the diagonal */
    d4m_assoc *a = lists_num("a a b b ", "x y x y ", N(1, 1, 1, -1));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_sqout(&c, a));
    ASSERT_ASSOC(c, "(a,a)  2\n(b,b)  2\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

/* ========================================================= transpose */

Test(assoc_transpose, swaps_keys_keeps_values)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    d4m_assoc *t = NULL;
    CHECK_OK(d4m_assoc_transpose(&t, a));
    ASSERT_ASSOC(t, "(x,a)  1\n(y,a)  2\n(x,b)  3\n");
    cr_assert_eq(d4m_assoc_nrows(t), 2);
    cr_assert_eq(d4m_assoc_ncols(t), 2);
    cr_assert_eq(d4m_assoc_key_find(t, 1, K("y")), 1);
    cr_assert_eq(d4m_assoc_get_ij(t, 1, 0), 2);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
}

Test(assoc_transpose, string_values_kept)
{
    d4m_assoc *a = lists("a a b ", "x y x ", "p q r ");
    d4m_assoc *t = NULL;
    CHECK_OK(d4m_assoc_transpose(&t, a));
    ASSERT_ASSOC(t, "(x,a)  p\n(y,a)  q\n(x,b)  r\n");
    cr_assert_eq(d4m_assoc_val_kind(t), D4M_STR);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
}

Test(assoc_transpose, numeric_axes_swap)
{
    d4m_key ac[] = { K("x"), K("y") };
    d4m_assoc *a = build(d4m_vec_num(N(3, 1)), d4m_vec_str(ac, 2), d4m_vec_num(N(5, 6)));
    d4m_assoc *t = NULL;
    CHECK_OK(d4m_assoc_transpose(&t, a));
    ASSERT_ASSOC(t, "(y,1)  6\n(x,3)  5\n");
    cr_assert_eq(d4m_assoc_key_kind(t, 1), D4M_STR);
    cr_assert_eq(d4m_assoc_key_kind(t, 2), D4M_NUM);
    cr_assert_eq(d4m_assoc_ncols(t), 3);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
}

Test(assoc_transpose, twice_is_the_original)
{
    d4m_assoc *a = lists_num("a a b c ", "x y x z ", N(1, 2, 3, 4));
    d4m_assoc *t = NULL, *tt = NULL;
    CHECK_OK(d4m_assoc_transpose(&t, a));
    CHECK_OK(d4m_assoc_transpose(&tt, t));
    cr_assert(d4m_assoc_equal(a, tt));
    ASSERT_ASSOC(tt, "(a,x)  1\n(b,x)  3\n(a,y)  2\n(c,z)  4\n");
    d4m_assoc_free(t);
    d4m_assoc_free(tt);
    d4m_assoc_free(a);
}

Test(assoc_transpose, then_plus)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    d4m_assoc *b = lists_num("x z ", "a c ", N(10, 1));
    d4m_assoc *t = NULL, *c = NULL;
    CHECK_OK(d4m_assoc_transpose(&t, a));
    CHECK_OK(d4m_assoc_plus(&c, t, b));
    ASSERT_ASSOC(c, "(x,a)  11\n(y,a)  2\n(x,b)  3\n(z,c)  1\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_plus(&c, b, t));
    ASSERT_ASSOC(c, "(x,a)  11\n(y,a)  2\n(x,b)  3\n(z,c)  1\n");
    d4m_assoc_free(c);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_transpose, then_other_ops)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    d4m_assoc *t = NULL, *c = NULL;
    CHECK_OK(d4m_assoc_transpose(&t, a));
    CHECK_OK(d4m_assoc_minus(&c, t, t));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_cmp_num(&c, t, D4M_GE, 2));
    ASSERT_ASSOC(c, "(y,a)  2\n(x,b)  3\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_sum(&c, t, 2));
    ASSERT_ASSOC(c, "(x,1)  4\n(y,1)  2\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_catkeymul(&c, t, a));
    ASSERT_ASSOC(c, "(x,x)  a;b;\n(y,x)  a;\n(x,y)  a;\n(y,y)  a;\n");
    d4m_assoc_free(c);
    d4m_assoc *s = NULL;
    CHECK_OK(d4m_assoc_scale(&s, t, 2));
    ASSERT_ASSOC(s, "(x,a)  2\n(y,a)  4\n(x,b)  6\n");
    d4m_assoc_free(s);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
}

Test(assoc_transpose, empty)
{
    d4m_assoc *e = empty(), *t = NULL;
    CHECK_OK(d4m_assoc_transpose(&t, e));
    cr_assert(d4m_assoc_is_empty(t));
    ASSERT_ASSOC(t, "");
    d4m_assoc_free(t);
    d4m_assoc_free(e);
}

/* ========================================================== semiring */

/* A = [a: x=1 y=2; b: x=3 y=-1], B = [x: c=4 d=-2; y: c=5].
 * Inner pairs: (a,c): (1,4) (2,5); (a,d): (1,-2); (b,c): (3,4) (-1,5);
 * (b,d): (3,-2). */
static void semiring_case(d4m_semiring s, const char *expected)
{
    d4m_assoc *a = lists_num("a a b b ", "x y x y ", N(1, 2, 3, -1));
    d4m_assoc *b = lists_num("x y x ", "c c d ", N(4, 5, -2));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_mxm(&c, a, b, s));
    char *txt = assoc_text(c);
    cr_assert_str_eq(txt, expected, "semiring %d", (int)s);
    free(txt);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_semiring, plus_times)
{
    semiring_case(D4M_PLUS_TIMES, "(a,c)  14\n(b,c)  7\n(a,d)  -2\n(b,d)  -6\n");
}

Test(assoc_semiring, plus_times_is_mtimes)
{
    d4m_assoc *a = lists_num("a a b b ", "x y x y ", N(1, 2, 3, -1));
    d4m_assoc *b = lists_num("x y x ", "c c d ", N(4, 5, -2));
    d4m_assoc *c = NULL, *d = NULL;
    CHECK_OK(d4m_assoc_mxm(&c, a, b, D4M_PLUS_TIMES));
    CHECK_OK(d4m_assoc_mtimes(&d, a, b));
    cr_assert(d4m_assoc_equal(c, d));
    d4m_assoc_free(c);
    d4m_assoc_free(d);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_semiring, min_plus)
{
    semiring_case(D4M_MIN_PLUS, "(a,c)  5\n(b,c)  4\n(a,d)  -1\n(b,d)  1\n");
}

Test(assoc_semiring, max_plus)
{
    semiring_case(D4M_MAX_PLUS, "(a,c)  7\n(b,c)  7\n(a,d)  -1\n(b,d)  1\n");
}

Test(assoc_semiring, max_min)
{
    semiring_case(D4M_MAX_MIN, "(a,c)  2\n(b,c)  3\n(a,d)  -2\n(b,d)  -2\n");
}

Test(assoc_semiring, min_max)
{
    semiring_case(D4M_MIN_MAX, "(a,c)  4\n(b,c)  4\n(a,d)  1\n(b,d)  3\n");
}

Test(assoc_semiring, plus_min)
{
    semiring_case(D4M_PLUS_MIN, "(a,c)  3\n(b,c)  2\n(a,d)  -2\n(b,d)  -2\n");
}

Test(assoc_semiring, max_times)
{
    semiring_case(D4M_MAX_TIMES, "(a,c)  10\n(b,c)  12\n(a,d)  -2\n(b,d)  -6\n");
}

Test(assoc_semiring, min_times)
{
    semiring_case(D4M_MIN_TIMES, "(a,c)  4\n(b,c)  -5\n(a,d)  -2\n(b,d)  -6\n");
}

Test(assoc_semiring, plus_pair)
{
    semiring_case(D4M_PLUS_PAIR, "(a,c)  2\n(b,c)  2\n(a,d)  1\n(b,d)  1\n");
}

Test(assoc_semiring, any_pair)
{
    semiring_case(D4M_ANY_PAIR, "(a,c)  1\n(b,c)  1\n(a,d)  1\n(b,d)  1\n");
}

Test(assoc_semiring, zero_result_vanishes)
{
    /* (a,c) = 1 + -1 = 0 under both; (b,c): min(2 + -1, 1 + 3) = 1,
     * max(2 + -1, 1 + 3) = 4 */
    d4m_assoc *a = lists_num("a b b ", "x x y ", N(1, 2, 1));
    d4m_assoc *b = lists_num("x y ", "c c ", N(-1, 3));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_mxm(&c, a, b, D4M_MIN_PLUS));
    ASSERT_ASSOC(c, "(b,c)  1\n");
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_mxm(&c, a, b, D4M_MAX_PLUS));
    ASSERT_ASSOC(c, "(b,c)  4\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_semiring, string_values_count_as_one)
{
    d4m_assoc *a = lists("a a ", "x y ", "p q ");
    d4m_assoc *b = lists_num("x y ", "c c ", N(4, 5));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_mxm(&c, a, b, D4M_MIN_PLUS));
    ASSERT_ASSOC(c, "(a,c)  5\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_mxm(&c, a, b, D4M_MAX_TIMES));
    ASSERT_ASSOC(c, "(a,c)  5\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_semiring, unknown_semiring)
{
    d4m_assoc *a = lists_num("a ", "x ", N(1));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_mxm(&c, a, a, (d4m_semiring)99), D4M_EINVAL);
    cr_assert_null(c);
    d4m_assoc_free(a);
}

/* ============================================================ catmul */

Test(assoc_catmul, catkeymul_lists_inner_keys_in_key_order)
{
    d4m_assoc *a = lists_num("a a b ", "e2 e1 e2 ", N(1, 1, 1));
    d4m_assoc *b = lists_num("e2 e1 e2 e3 ", "c c d c ", N(1, 1, 1, 1));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_catkeymul(&c, a, b));
    ASSERT_ASSOC(c, "(a,c)  e1;e2;\n(b,c)  e2;\n(a,d)  e2;\n(b,d)  e2;\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(c), 2);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_catmul, catkeymul_byte_order_and_any_values)
{
    /* '10' < '9' bytewise; values (strings or numbers) do not matter. */
    d4m_assoc *a = lists("r r r ", "9 10 B ", "x y z ");
    d4m_assoc *b = lists_num("B 9 10 ", "c c c ", N(-1, 2, 3));
    expect_op(d4m_assoc_catkeymul, a, b, "(r,c)  10;9;B;\n");
}

Test(assoc_catmul, catkeymul_numeric_inner_keys)
{
    d4m_key ar[] = { K("a"), K("a"), K("a"), K("b") };
    d4m_key bc[] = { K("c"), K("c"), K("c"), K("d") };
    /* A has positions 1, 3, 12 (12 has no partner in B's 1..10). */
    d4m_assoc *a = build(d4m_vec_str(ar, 4), d4m_vec_num(N(3, 1, 12, 10)),
                         d4m_vec_num(N(1, 1, 1, 1)));
    d4m_assoc *b = build(d4m_vec_num(N(1, 3, 10, 10)), d4m_vec_str(bc, 4),
                         d4m_vec_num(N(1, 1, 1, 1)));
    expect_op(d4m_assoc_catkeymul, a, b, "(a,c)  1;3;\n(b,c)  10;\n(b,d)  10;\n");
}

Test(assoc_catmul, catvalmul_value_pairs)
{
    d4m_assoc *a = lists("a a b ", "k2 k1 k1 ", "v2 v1 u1 ");
    d4m_assoc *b = lists("k1 k2 ", "c c ", "w1 w2 ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_catvalmul(&c, a, b));
    ASSERT_ASSOC(c, "(a,c)  v1;w1;v2;w2;\n(b,c)  u1;w1;\n");
    cr_assert_eq(d4m_assoc_val_count(c), 2);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_catmul, catvalmul_numbers_print_with_g)
{
    d4m_assoc *a = lists_num("a a ", "k1 k2 ", N(1.5, -2));
    d4m_assoc *b = lists("k1 k2 ", "c c ", "w1 w2 ");
    expect_op(d4m_assoc_catvalmul, a, b, "(a,c)  1.5;w1;-2;w2;\n");
    a = lists_num("a ", "k ", N(1234567));
    b = lists_num("k ", "c ", N(0.25));
    expect_op(d4m_assoc_catvalmul, a, b, "(a,c)  1.23457e+06;0.25;\n");
}

Test(assoc_catmul, no_shared_inner_keys_is_empty)
{
    expect_op(d4m_assoc_catkeymul, lists_num("a ", "x ", N(1)), lists_num("y ", "c ", N(1)), "");
    expect_op(d4m_assoc_catvalmul, lists_num("a ", "x ", N(1)), lists_num("y ", "c ", N(1)), "");
}

Test(assoc_catmul, shared_positions_without_pairs_is_empty)
{
    /* Numeric inner axes overlap on positions 1..2, but A has entries only
     * at positions 1 and 3 and B only at position 2: no inner key matches. */
    d4m_key ar[] = { K("a"), K("a") };
    d4m_key bc[] = { K("c") };
    d4m_assoc *a = build(d4m_vec_str(ar, 2), d4m_vec_num(N(1, 3)), d4m_vec_num(N(1, 1)));
    d4m_assoc *b = build(d4m_vec_num(N(2)), d4m_vec_str(bc, 1), d4m_vec_num(N(1)));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_catkeymul(&c, a, b));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_catvalmul(&c, a, b));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_mtimes(&c, a, b));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_catmul, empty_operands)
{
    expect_op(d4m_assoc_catkeymul, empty(), lists_num("x ", "c ", N(1)), "");
    expect_op(d4m_assoc_catvalmul, lists_num("a ", "x ", N(1)), empty(), "");
}

Test(assoc_catmul, inner_key_kind_mismatch)
{
    d4m_key bc[] = { K("c") };
    d4m_assoc *a = lists_num("a ", "x ", N(1));
    d4m_assoc *b = build(d4m_vec_num(N(1)), d4m_vec_str(bc, 1), d4m_vec_num(N(1)));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_catkeymul(&c, a, b), D4M_EKEYKIND);
    CHECK_FAILS(d4m_assoc_catvalmul(&c, a, b), D4M_EKEYKIND);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

/* ==================================================== against naive */

/* Random A (rows r00..r11, inner keys k00..k11) and B (inner keys
 * k03..k14, columns c00..c11) checked against dense loops: A * B, every
 * semiring's plus.times twin, CatKeyMul, and ops on the (possibly jumbled)
 * product. Small integer values keep every result exact. */
#define U 12
#define KU 15

static unsigned lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fffu;
}

static char row_names[KU][4], inner_names[KU][4], col_names[KU][4];

static void make_names(void)
{
    for (int i = 0; i < KU; i++) {
        snprintf(row_names[i], 4, "r%02d", i);
        snprintf(inner_names[i], 4, "k%02d", i);
        snprintf(col_names[i], 4, "c%02d", i);
    }
}

/* d is nr x KU (row-major, stride KU); cells outside [r0,r1) x [c0,c1) are 0. */
static d4m_assoc *random_dense(unsigned seed, double *d, char (*rn)[4], int r0, int r1,
                               char (*cn)[4], int c0, int c1)
{
    d4m_key rk[KU * KU], ck[KU * KU];
    double v[KU * KU];
    size_t n = 0;
    for (int i = 0; i < KU; i++)
        for (int j = 0; j < KU; j++) {
            d[i * KU + j] = 0;
            if (i < r0 || i >= r1 || j < c0 || j >= c1 || lcg(&seed) % 3)
                continue;
            int x = (int)(lcg(&seed) % 7) - 3;
            d[i * KU + j] = x;
            if (x) {
                rk[n] = K(rn[i]);
                ck[n] = K(cn[j]);
                v[n++] = x;
            }
        }
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rk, n), d4m_vec_str(ck, n), d4m_vec_num(v, n),
                             NULL));
    return a;
}

Test(assoc_mtimes, random_products_match_dense)
{
    make_names();
    for (unsigned seed = 1; seed <= 20; seed++) {
        double da[KU * KU], db[KU * KU];
        d4m_assoc *a = random_dense(seed, da, row_names, 0, U, inner_names, 0, U);
        d4m_assoc *b = random_dense(seed * 7919u + 5u, db, inner_names, 3, KU, col_names, 0, U);
        char *want_c = NULL, *want_k = NULL, *want_2c = NULL;
        size_t lc = 0, lk = 0, l2 = 0;
        FILE *fc = open_memstream(&want_c, &lc);
        FILE *fk = open_memstream(&want_k, &lk);
        FILE *f2 = open_memstream(&want_2c, &l2);
        for (int j = 0; j < U; j++)
            for (int i = 0; i < U; i++) {
                double s = 0;
                int any = 0;
                char keys[KU * 4 + 1] = "";
                for (int k = 0; k < KU; k++) {
                    double x = da[i * KU + k], y = db[k * KU + j];
                    s += x * y;
                    if (x && y) {
                        any = 1;
                        strcat(keys, inner_names[k]);
                        strcat(keys, ";");
                    }
                }
                if (s) {
                    fprintf(fc, "(r%02d,c%02d)  %g\n", i, j, s);
                    fprintf(f2, "(r%02d,c%02d)  %g\n", i, j, 2 * s);
                }
                if (any)
                    fprintf(fk, "(r%02d,c%02d)  %s\n", i, j, keys);
            }
        fclose(fc);
        fclose(fk);
        fclose(f2);
        d4m_assoc *c = NULL, *k = NULL, *c2 = NULL;
        CHECK_OK(d4m_assoc_mtimes(&c, a, b));
        char *got = assoc_text(c);
        cr_assert_str_eq(got, want_c, "seed %u: A*B", seed);
        free(got);
        CHECK_OK(d4m_assoc_plus(&c2, c, c));
        got = assoc_text(c2);
        cr_assert_str_eq(got, want_2c, "seed %u: C+C", seed);
        free(got);
        CHECK_OK(d4m_assoc_catkeymul(&k, a, b));
        got = assoc_text(k);
        cr_assert_str_eq(got, want_k, "seed %u: CatKeyMul", seed);
        free(got);
        free(want_c);
        free(want_k);
        free(want_2c);
        d4m_assoc_free(c);
        d4m_assoc_free(c2);
        d4m_assoc_free(k);
        d4m_assoc_free(a);
        d4m_assoc_free(b);
    }
}

Test(assoc_transpose, random_twice_is_original_and_sq_agree)
{
    make_names();
    for (unsigned seed = 1; seed <= 10; seed++) {
        double da[KU * KU];
        d4m_assoc *a = random_dense(seed, da, row_names, 0, U, col_names, 0, U);
        d4m_assoc *t = NULL, *tt = NULL, *in = NULL, *in2 = NULL, *out = NULL, *out2 = NULL;
        CHECK_OK(d4m_assoc_transpose(&t, a));
        CHECK_OK(d4m_assoc_transpose(&tt, t));
        cr_assert(d4m_assoc_equal(a, tt), "seed %u", seed);
        CHECK_OK(d4m_assoc_sqin(&in, a));
        CHECK_OK(d4m_assoc_mtimes(&in2, t, a));
        cr_assert(d4m_assoc_equal(in, in2), "seed %u: sqIn", seed);
        CHECK_OK(d4m_assoc_sqout(&out, a));
        CHECK_OK(d4m_assoc_mtimes(&out2, a, t));
        cr_assert(d4m_assoc_equal(out, out2), "seed %u: sqOut", seed);
        /* the transpose's display is A's entries with the keys swapped */
        char *want = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&want, &len);
        for (int i = 0; i < U; i++)
            for (int j = 0; j < U; j++)
                if (da[i * KU + j])
                    fprintf(f, "(c%02d,r%02d)  %g\n", j, i, da[i * KU + j]);
        fclose(f);
        char *got = assoc_text(t);
        cr_assert_str_eq(got, want, "seed %u: A.'", seed);
        free(got);
        free(want);
        d4m_assoc_free(t);
        d4m_assoc_free(tt);
        d4m_assoc_free(in);
        d4m_assoc_free(in2);
        d4m_assoc_free(out);
        d4m_assoc_free(out2);
        d4m_assoc_free(a);
    }
}
