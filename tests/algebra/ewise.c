/*
 * tests/algebra/ewise.c - element-wise algebra (algebra/ewise.c):
 * A + B, A - B, A & B, A | B, A .* B, A ./ B, scalars, and the comparisons
 * == ~= < > <= >=, as shared/D4M-SEMANTICS.md "Element-wise algebra" states.
 *
 * Every expected result is the whole display() text: "(row,col)  value" per
 * entry, by column then row.
 */
#include <math.h>
#include <string.h>
#include "test_util.h"

#define N(...) (const double[]){ __VA_ARGS__ }, sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double)

/* An Assoc with numeric (position) rows and string columns. */
static d4m_assoc *pos_rows(const double *rows, size_t n, const char *col, const double *val,
                           size_t nv)
{
    cr_assert_eq(nv, n);
    d4m_key *ck = NULL;
    size_t nc = 0;
    cr_assert_eq(d4m_list_split(&ck, &nc, K(col)), 0);
    cr_assert_eq(nc, n);
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(rows, n), d4m_vec_str(ck, n),
                             d4m_vec_num(val, n), NULL));
    d4m_free(ck);
    return a;
}

/* An Assoc with string rows and numeric (position) columns. */
static d4m_assoc *pos_cols(const char *row, const double *cols, size_t n, const double *val,
                           size_t nv)
{
    cr_assert_eq(nv, n);
    d4m_key *rk = NULL;
    size_t nr = 0;
    cr_assert_eq(d4m_list_split(&rk, &nr, K(row)), 0);
    cr_assert_eq(nr, n);
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rk, n), d4m_vec_num(cols, n),
                             d4m_vec_num(val, n), NULL));
    d4m_free(rk);
    return a;
}

static d4m_assoc *empty(void)
{
    d4m_assoc *e = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    return e;
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

/* ============================================================== plus */

Test(assoc_plus, numeric_union_adds)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    d4m_assoc *b = lists_num("a c ", "x z ", N(10, 5));
    expect_op(d4m_assoc_plus, a, b, "(a,x)  11\n(b,x)  3\n(a,y)  2\n(c,z)  5\n");
}

Test(assoc_plus, commutes)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    d4m_assoc *b = lists_num("a c ", "x z ", N(10, 5));
    d4m_assoc *ab = NULL, *ba = NULL;
    CHECK_OK(d4m_assoc_plus(&ab, a, b));
    CHECK_OK(d4m_assoc_plus(&ba, b, a));
    cr_assert(d4m_assoc_equal(ab, ba));
    d4m_assoc_free(ab);
    d4m_assoc_free(ba);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_plus, sum_of_zero_vanishes_with_its_keys)
{
    d4m_assoc *a = lists_num("a a ", "x y ", N(1, 4));
    d4m_assoc *b = lists_num("a b ", "x y ", N(-1, 2));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_plus(&c, a, b));
    ASSERT_ASSOC(c, "(a,y)  4\n(b,y)  2\n");
    cr_assert_eq(d4m_assoc_ncols(c), 1);     /* column x is gone */
    cr_assert_eq(d4m_assoc_nnz(c), 2);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_plus, strings_keep_the_larger)
{
    d4m_assoc *a = lists("a a ", "x y ", "apple kiwi ");
    d4m_assoc *b = lists("a b ", "x x ", "banana cherry ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_plus(&c, a, b));
    ASSERT_ASSOC(c, "(a,x)  banana\n(b,x)  cherry\n(a,y)  kiwi\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(c), 3);   /* apple is no longer used */
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_plus, strings_larger_wins_from_either_side)
{
    d4m_assoc *a = lists("a a ", "x y ", "zebra b ");
    d4m_assoc *b = lists("a a ", "x y ", "ant c ");
    expect_op(d4m_assoc_plus, a, b, "(a,x)  zebra\n(a,y)  c\n");
}

Test(assoc_plus, string_plus_number_counts_string_as_one)
{
    d4m_assoc *a = lists("a b ", "x x ", "s t ");
    d4m_assoc *b = lists_num("a c ", "x x ", N(2, 4));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_plus(&c, a, b));
    ASSERT_ASSOC(c, "(a,x)  3\n(b,x)  1\n(c,x)  4\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_plus(&c, b, a));
    ASSERT_ASSOC(c, "(a,x)  3\n(b,x)  1\n(c,x)  4\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_plus, string_plus_minus_one_vanishes)
{
    d4m_assoc *a = lists("a b ", "x x ", "s t ");
    d4m_assoc *b = lists_num("a ", "x ", N(-1));
    expect_op(d4m_assoc_plus, a, b, "(b,x)  1\n");
}

Test(assoc_plus, empty_operands)
{
    d4m_assoc *a = lists_num("a b ", "x y ", N(1, 2));
    d4m_assoc *s = lists("a ", "x ", "v ");
    expect_op(d4m_assoc_plus, empty(), lists_num("a b ", "x y ", N(1, 2)),
              "(a,x)  1\n(b,y)  2\n");
    expect_op(d4m_assoc_plus, lists_num("a b ", "x y ", N(1, 2)), empty(),
              "(a,x)  1\n(b,y)  2\n");
    expect_op(d4m_assoc_plus, empty(), lists("a ", "x ", "v "), "(a,x)  v\n");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_plus(&c, a, s));   /* sanity: both non-empty */
    ASSERT_ASSOC(c, "(a,x)  2\n(b,y)  2\n");
    d4m_assoc_free(c);
    d4m_assoc *e1 = empty(), *e2 = empty();
    CHECK_OK(d4m_assoc_plus(&c, e1, e2));
    cr_assert(d4m_assoc_is_empty(c));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(e1);
    d4m_assoc_free(e2);
    d4m_assoc_free(a);
    d4m_assoc_free(s);
}

Test(assoc_plus, key_kind_mismatch)
{
    d4m_assoc *s = lists_num("a b ", "x x ", N(1, 2));
    d4m_assoc *n = pos_rows(N(1, 2), "x x ", N(3, 4));
    d4m_assoc *c = (d4m_assoc *)&c;
    CHECK_FAILS(d4m_assoc_plus(&c, s, n), D4M_EKEYKIND);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_plus(&c, n, s), D4M_EKEYKIND);
    d4m_assoc *nc = pos_cols("a b ", N(1, 2), N(1, 2));
    CHECK_FAILS(d4m_assoc_plus(&c, s, nc), D4M_EKEYKIND);
    d4m_assoc_free(s);
    d4m_assoc_free(n);
    d4m_assoc_free(nc);
}

Test(assoc_plus, different_key_sets_union_in_byte_order)
{
    d4m_assoc *a = lists_num("9 a ", "c c ", N(1, 2));
    d4m_assoc *b = lists_num("10 B ", "c c ", N(3, 4));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_plus(&c, a, b));
    ASSERT_ASSOC(c, "(10,c)  3\n(9,c)  1\n(B,c)  4\n(a,c)  2\n");
    cr_assert_eq(d4m_assoc_nrows(c), 4);
    d4m_key k = d4m_assoc_key(c, 1, 2);
    cr_assert_eq(k.len, 1);
    cr_assert_eq(k.ptr[0], 'B');
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_plus, interleaved_columns)
{
    d4m_assoc *a = lists_num("r r r ", "b d f ", N(1, 2, 3));
    d4m_assoc *b = lists_num("r r s ", "a d g ", N(10, 20, 30));
    expect_op(d4m_assoc_plus, a, b,
              "(r,a)  10\n(r,b)  1\n(r,d)  22\n(r,f)  3\n(s,g)  30\n");
}

Test(assoc_plus, numeric_positions_take_the_larger_extent)
{
    d4m_assoc *a = pos_rows(N(1, 3), "x x ", N(1, 2));
    d4m_assoc *b = pos_rows(N(2, 5), "x y ", N(5, 7));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_plus(&c, a, b));
    ASSERT_ASSOC(c, "(1,x)  1\n(2,x)  5\n(3,x)  2\n(5,y)  7\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 1), D4M_NUM);
    cr_assert_eq(d4m_assoc_nrows(c), 5);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_plus, null_arguments)
{
    d4m_assoc *a = lists_num("a ", "x ", N(1));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_plus(&c, a, NULL), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_plus(NULL, a, a), D4M_EINVAL);
    d4m_assoc_free(a);
}

/* ============================================================= minus */

Test(assoc_minus, numeric_b_only_negated_zeros_dropped)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(5, 2, 1));
    d4m_assoc *b = lists_num("a b c ", "x x z ", N(5, 4, 3));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_minus(&c, a, b));
    ASSERT_ASSOC(c, "(b,x)  -3\n(a,y)  2\n(c,z)  -3\n");
    cr_assert_eq(d4m_assoc_nnz(c), 3);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_minus, row_left_empty_vanishes)
{
    d4m_assoc *a = lists_num("a b ", "x y ", N(1, 2));
    d4m_assoc *b = lists_num("a ", "x ", N(1));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_minus(&c, a, b));
    ASSERT_ASSOC(c, "(b,y)  2\n");
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    cr_assert_eq(d4m_assoc_ncols(c), 1);
    cr_assert_eq(d4m_assoc_key_find(c, 1, K("a")), -1);
    cr_assert_eq(d4m_assoc_key_find(c, 1, K("b")), 0);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_minus, self_is_empty)
{
    d4m_assoc *a = lists_num("a b ", "x y ", N(1.5, -2));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_minus(&c, a, a));
    cr_assert(d4m_assoc_is_empty(c));
    cr_assert_eq(d4m_assoc_nrows(c), 0);
    cr_assert_eq(d4m_assoc_ncols(c), 0);
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_minus, strings_keep_entries_in_only_one_side)
{
    d4m_assoc *a = lists("a a b ", "x y x ", "p q r ");
    d4m_assoc *b = lists("a c ", "x x ", "s t ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_minus(&c, a, b));
    ASSERT_ASSOC(c, "(b,x)  r\n(c,x)  t\n(a,y)  q\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(c), 3);   /* p and s are gone */
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_minus, strings_same_value_both_sides_dropped)
{
    d4m_assoc *a = lists("a a ", "x y ", "v w ");
    d4m_assoc *b = lists("a ", "x ", "v ");
    expect_op(d4m_assoc_minus, a, b, "(a,y)  w\n");
}

Test(assoc_minus, empty_operands)
{
    expect_op(d4m_assoc_minus, empty(), lists_num("a b ", "x y ", N(1, -2)),
              "(a,x)  -1\n(b,y)  2\n");
    expect_op(d4m_assoc_minus, lists_num("a b ", "x y ", N(1, -2)), empty(),
              "(a,x)  1\n(b,y)  -2\n");
    expect_op(d4m_assoc_minus, empty(), lists("a ", "x ", "v "), "(a,x)  v\n");
    expect_op(d4m_assoc_minus, empty(), empty(), "");
}

Test(assoc_minus, key_kind_mismatch)
{
    d4m_assoc *s = lists_num("a b ", "x x ", N(1, 2));
    d4m_assoc *n = pos_rows(N(1, 2), "x x ", N(3, 4));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_minus(&c, s, n), D4M_EKEYKIND);
    cr_assert_null(c);
    d4m_assoc_free(s);
    d4m_assoc_free(n);
}

/* =============================================================== and */

Test(assoc_and, numeric_intersection_keeps_min)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(3, 1, 2));
    d4m_assoc *b = lists_num("a b c ", "x x x ", N(5, -1, 7));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_and(&c, a, b));
    ASSERT_ASSOC(c, "(a,x)  3\n(b,x)  -1\n");
    cr_assert_eq(d4m_assoc_ncols(c), 1);   /* y had no partner */
    cr_assert_eq(d4m_assoc_nrows(c), 2);   /* c had no partner */
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_and, strings_intersection_keeps_smaller)
{
    d4m_assoc *a = lists("a b ", "x x ", "pear fig ");
    d4m_assoc *b = lists("a c ", "x y ", "apple kiwi ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_and(&c, a, b));
    ASSERT_ASSOC(c, "(a,x)  apple\n");
    cr_assert_eq(d4m_assoc_val_count(c), 1);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_and, disjoint_and_empty)
{
    expect_op(d4m_assoc_and, lists_num("a ", "x ", N(1)), lists_num("b ", "x ", N(1)), "");
    expect_op(d4m_assoc_and, lists_num("a ", "x ", N(1)), empty(), "");
    expect_op(d4m_assoc_and, empty(), lists("a ", "x ", "v "), "");
}

Test(assoc_and, key_kind_mismatch)
{
    d4m_assoc *s = lists_num("a b ", "x x ", N(1, 2));
    d4m_assoc *n = pos_rows(N(1, 2), "x x ", N(3, 4));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_and(&c, s, n), D4M_EKEYKIND);
    d4m_assoc_free(s);
    d4m_assoc_free(n);
}

/* ================================================================ or */

Test(assoc_or, numeric_union_keeps_min)
{
    d4m_assoc *a = lists_num("a a ", "x y ", N(3, 1));
    d4m_assoc *b = lists_num("a b ", "x z ", N(2, -4));
    expect_op(d4m_assoc_or, a, b, "(a,x)  2\n(a,y)  1\n(b,z)  -4\n");
}

Test(assoc_or, strings_union_keeps_smaller_on_collision)
{
    d4m_assoc *a = lists("a ", "x ", "pear ");
    d4m_assoc *b = lists("a b ", "x x ", "apple kiwi ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_or(&c, a, b));
    ASSERT_ASSOC(c, "(a,x)  apple\n(b,x)  kiwi\n");
    cr_assert_eq(d4m_assoc_val_count(c), 2);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_or, empty_operands)
{
    expect_op(d4m_assoc_or, empty(), lists_num("a b ", "x y ", N(1, -2)),
              "(a,x)  1\n(b,y)  -2\n");
    expect_op(d4m_assoc_or, lists("a ", "x ", "v "), empty(), "(a,x)  v\n");
    expect_op(d4m_assoc_or, empty(), empty(), "");
}

Test(assoc_or, key_kind_mismatch)
{
    d4m_assoc *s = lists_num("a b ", "x x ", N(1, 2));
    d4m_assoc *n = pos_cols("a b ", N(1, 2), N(3, 4));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_or(&c, s, n), D4M_EKEYKIND);
    d4m_assoc_free(s);
    d4m_assoc_free(n);
}

/* ============================================================= times */

Test(assoc_times, intersection_products)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(2, 3, 4));
    d4m_assoc *b = lists_num("a b c ", "x x x ", N(5, 0.5, 9));
    expect_op(d4m_assoc_times, a, b, "(a,x)  10\n(b,x)  2\n");
}

Test(assoc_times, intersection_quotients)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(2, 3, 4));
    d4m_assoc *b = lists_num("a b c ", "x x x ", N(5, 0.5, 9));
    expect_op(d4m_assoc_divide, a, b, "(a,x)  0.4\n(b,x)  8\n");
}

Test(assoc_times, string_side_counts_as_one)
{
    d4m_assoc *s = lists("a b ", "x x ", "s t ");
    d4m_assoc *n = lists_num("a c ", "x x ", N(3, 2));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_times(&c, s, n));
    ASSERT_ASSOC(c, "(a,x)  3\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_divide(&c, n, s));
    ASSERT_ASSOC(c, "(a,x)  3\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_divide(&c, s, n));
    ASSERT_ASSOC(c, "(a,x)  0.333333\n");
    d4m_assoc_free(c);
    d4m_assoc_free(s);
    d4m_assoc_free(n);
}

Test(assoc_times, two_string_arrays_are_evalkind)
{
    d4m_assoc *a = lists("a ", "x ", "s ");
    d4m_assoc *b = lists("a ", "x ", "t ");
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_times(&c, a, b), D4M_EVALKIND);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_divide(&c, a, b), D4M_EVALKIND);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(assoc_times, scalar_times_and_divide)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(2, 3, 4));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_scale(&c, a, 2));
    ASSERT_ASSOC(c, "(a,x)  4\n(b,x)  8\n(a,y)  6\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_scale(&c, a, -0.5));
    ASSERT_ASSOC(c, "(a,x)  -1\n(b,x)  -2\n(a,y)  -1.5\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_divide_scalar(&c, a, 4));
    ASSERT_ASSOC(c, "(a,x)  0.5\n(b,x)  1\n(a,y)  0.75\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_times, scalar_zero_empties)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(2, 3, 4));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_scale(&c, a, 0));
    cr_assert(d4m_assoc_is_empty(c));
    cr_assert_eq(d4m_assoc_nrows(c), 0);
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_times, scalar_errors)
{
    d4m_assoc *a = lists_num("a ", "x ", N(2));
    d4m_assoc *s = lists("a ", "x ", "v ");
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_divide_scalar(&c, a, 0), D4M_EVALUE);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_divide_scalar(&c, a, NAN), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_scale(&c, a, NAN), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_scale(&c, a, INFINITY), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_scale(&c, s, 2), D4M_EVALKIND);
    CHECK_FAILS(d4m_assoc_divide_scalar(&c, s, 2), D4M_EVALKIND);
    d4m_assoc_free(a);
    d4m_assoc_free(s);
}

Test(assoc_times, empty_operands)
{
    expect_op(d4m_assoc_times, empty(), lists_num("a ", "x ", N(1)), "");
    expect_op(d4m_assoc_times, lists_num("a ", "x ", N(1)), empty(), "");
    expect_op(d4m_assoc_divide, empty(), lists_num("a ", "x ", N(1)), "");
    d4m_assoc *e = empty(), *c = NULL;
    CHECK_OK(d4m_assoc_scale(&c, e, 3));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(e);
}

Test(assoc_times, key_kind_mismatch)
{
    d4m_assoc *s = lists_num("a b ", "x x ", N(1, 2));
    d4m_assoc *n = pos_rows(N(1, 2), "x x ", N(3, 4));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_times(&c, s, n), D4M_EKEYKIND);
    CHECK_FAILS(d4m_assoc_divide(&c, n, s), D4M_EKEYKIND);
    d4m_assoc_free(s);
    d4m_assoc_free(n);
}

/* =============================================================== cmp */

typedef struct {
    d4m_cmp op;
    const char *expected;
} cmp_case;

static void check_num(const d4m_assoc *a, double x, const cmp_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        d4m_assoc *c = NULL;
        CHECK_OK(d4m_assoc_cmp_num(&c, a, cases[i].op, x));
        char *txt = assoc_text(c);
        cr_assert_str_eq(txt, cases[i].expected, "op %d against %g", (int)cases[i].op, x);
        free(txt);
        d4m_assoc_free(c);
    }
}

static void check_str(const d4m_assoc *a, const char *x, const cmp_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        d4m_assoc *c = NULL;
        CHECK_OK(d4m_assoc_cmp_str(&c, a, cases[i].op, K(x)));
        char *txt = assoc_text(c);
        cr_assert_str_eq(txt, cases[i].expected, "op %d against '%s'", (int)cases[i].op, x);
        free(txt);
        d4m_assoc_free(c);
    }
}

#define CASES(...) (const cmp_case[]){ __VA_ARGS__ }, \
    sizeof((const cmp_case[]){ __VA_ARGS__ }) / sizeof(cmp_case)

Test(assoc_cmp, numbers_keep_original_values)
{
    d4m_assoc *a = lists_num("a a b b c ", "x y x y z ", N(1, 5, 3, -2, 3));
    check_num(a, 3, CASES(
        { D4M_EQ, "(b,x)  3\n(c,z)  3\n" },
        { D4M_NE, "(a,x)  1\n(a,y)  5\n(b,y)  -2\n" },
        { D4M_LT, "(a,x)  1\n(b,y)  -2\n" },
        { D4M_GT, "(a,y)  5\n" },
        { D4M_LE, "(a,x)  1\n(b,x)  3\n(b,y)  -2\n(c,z)  3\n" },
        { D4M_GE, "(b,x)  3\n(a,y)  5\n(c,z)  3\n" }));
    check_num(a, 4, CASES(
        { D4M_EQ, "" },
        { D4M_NE, "(a,x)  1\n(b,x)  3\n(a,y)  5\n(b,y)  -2\n(c,z)  3\n" },
        { D4M_GT, "(a,y)  5\n" }));
    check_num(a, 0, CASES(
        { D4M_LT, "(b,y)  -2\n" },
        { D4M_GE, "(a,x)  1\n(b,x)  3\n(a,y)  5\n(c,z)  3\n" }));
    d4m_assoc_free(a);
}

Test(assoc_cmp, numbers_drop_unmatched_keys)
{
    d4m_assoc *a = lists_num("a a b b c ", "x y x y z ", N(1, 5, 3, -2, 3));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_cmp_num(&c, a, D4M_GT, 2));
    ASSERT_ASSOC(c, "(b,x)  3\n(a,y)  5\n(c,z)  3\n");
    cr_assert_eq(d4m_assoc_nrows(c), 3);
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_cmp_num(&c, a, D4M_EQ, 5));
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    cr_assert_eq(d4m_assoc_ncols(c), 1);
    cr_assert_eq(d4m_assoc_key_find(c, 1, K("a")), 0);
    cr_assert_eq(d4m_assoc_key_find(c, 2, K("y")), 0);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_cmp, strings_present_in_value_list)
{
    d4m_assoc *a = lists("a a b b c ", "x y x y z ", "apple fig kiwi fig pear ");
    check_str(a, "fig", CASES(
        { D4M_EQ, "(a,y)  fig\n(b,y)  fig\n" },
        { D4M_NE, "(a,x)  apple\n(b,x)  kiwi\n(c,z)  pear\n" },
        { D4M_LT, "(a,x)  apple\n" },
        { D4M_GT, "(b,x)  kiwi\n(c,z)  pear\n" },
        { D4M_LE, "(a,x)  apple\n(a,y)  fig\n(b,y)  fig\n" },
        { D4M_GE, "(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n(c,z)  pear\n" }));
    check_str(a, "apple", CASES(
        { D4M_EQ, "(a,x)  apple\n" },
        { D4M_LT, "" },
        { D4M_GE, "(a,x)  apple\n(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n(c,z)  pear\n" }));
    check_str(a, "pear", CASES(
        { D4M_GT, "" },
        { D4M_LE, "(a,x)  apple\n(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n(c,z)  pear\n" },
        { D4M_NE, "(a,x)  apple\n(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n" }));
    d4m_assoc_free(a);
}

Test(assoc_cmp, strings_not_in_value_list)
{
    d4m_assoc *a = lists("a a b b c ", "x y x y z ", "apple fig kiwi fig pear ");
    /* between fig and kiwi */
    check_str(a, "grape", CASES(
        { D4M_EQ, "" },
        { D4M_NE, "(a,x)  apple\n(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n(c,z)  pear\n" },
        { D4M_LT, "(a,x)  apple\n(a,y)  fig\n(b,y)  fig\n" },
        { D4M_LE, "(a,x)  apple\n(a,y)  fig\n(b,y)  fig\n" },
        { D4M_GT, "(b,x)  kiwi\n(c,z)  pear\n" },
        { D4M_GE, "(b,x)  kiwi\n(c,z)  pear\n" }));
    /* a proper prefix of fig sorts before it */
    check_str(a, "fi", CASES(
        { D4M_LT, "(a,x)  apple\n" },
        { D4M_GT, "(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n(c,z)  pear\n" }));
    /* before every value, after every value; 'Z' < 'a' bytewise */
    check_str(a, "Zebra", CASES(
        { D4M_LT, "" },
        { D4M_LE, "" },
        { D4M_GT, "(a,x)  apple\n(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n(c,z)  pear\n" }));
    check_str(a, "zzz", CASES(
        { D4M_GT, "" },
        { D4M_GE, "" },
        { D4M_LT, "(a,x)  apple\n(b,x)  kiwi\n(a,y)  fig\n(b,y)  fig\n(c,z)  pear\n" }));
    d4m_assoc_free(a);
}

Test(assoc_cmp, string_result_value_list_shrinks)
{
    d4m_assoc *a = lists("a a b b c ", "x y x y z ", "apple fig kiwi fig pear ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_cmp_str(&c, a, D4M_GT, K("grape")));
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(c), 2);
    d4m_key v = d4m_assoc_val_str(c, 0);
    cr_assert_eq(v.len, 4);
    cr_assert_eq(memcmp(v.ptr, "kiwi", 4), 0);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_cmp, value_kind_errors)
{
    d4m_assoc *n = lists_num("a ", "x ", N(1));
    d4m_assoc *s = lists("a ", "x ", "v ");
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_cmp_num(&c, s, D4M_EQ, 1), D4M_EVALKIND);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_cmp_str(&c, n, D4M_EQ, K("v")), D4M_EVALKIND);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_cmp_num(&c, n, D4M_LT, NAN), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_cmp_num(&c, n, (d4m_cmp)42, 1), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_cmp_str(&c, s, (d4m_cmp)42, K("v")), D4M_EINVAL);
    d4m_assoc_free(n);
    d4m_assoc_free(s);
}

Test(assoc_cmp, empty_array)
{
    d4m_assoc *e = empty(), *c = NULL;
    CHECK_OK(d4m_assoc_cmp_num(&c, e, D4M_GE, 0));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_cmp_str(&c, e, D4M_EQ, K("v")));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(e);
}

/* ==================================================== against naive */

/* Random arrays over rows r00..r11 and columns c00..c11 (zero-padded, so
 * byte order is numeric order), each checked against a dense computation.
 * Values are small integers (about a third of the cells set), so every
 * sum and product is exact. */
#define U 12

static unsigned lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fffu;
}

static d4m_assoc *random_assoc(unsigned seed, double d[U][U])
{
    static char names[2][U][4];
    d4m_key rk[U * U], ck[U * U];
    double v[U * U];
    size_t n = 0;
    for (int i = 0; i < U; i++) {
        snprintf(names[0][i], 4, "r%02d", i);
        snprintf(names[1][i], 4, "c%02d", i);
    }
    for (int i = 0; i < U; i++)
        for (int j = 0; j < U; j++) {
            d[i][j] = 0;
            if (lcg(&seed) % 3 == 0) {
                int x = (int)(lcg(&seed) % 7) - 3;   /* -3..3, 0 = none */
                d[i][j] = x;
                if (x) {
                    rk[n] = K(names[0][i]);
                    ck[n] = K(names[1][j]);
                    v[n++] = x;
                }
            }
        }
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rk, n), d4m_vec_str(ck, n), d4m_vec_num(v, n),
                             NULL));
    return a;
}

/* display() text of a dense array, 0 = no entry. */
static char *dense_text(double d[U][U])
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    for (int j = 0; j < U; j++)
        for (int i = 0; i < U; i++)
            if (d[i][j] != 0)
                fprintf(f, "(r%02d,c%02d)  %g\n", i, j, d[i][j]);
    fclose(f);
    return buf;
}

typedef enum { E_PLUS, E_MINUS, E_AND, E_OR, E_TIMES, E_DIVIDE } ewise_kind;

/* One cell of the dense reference; 0 is no entry. */
static double naive(ewise_kind k, double x, double y)
{
    switch (k) {
    case E_PLUS: return x + y;
    case E_MINUS: return x - y;
    case E_AND: return (x && y) ? (x < y ? x : y) : 0;
    case E_OR: return (x && y) ? (x < y ? x : y) : (x ? x : y);
    case E_TIMES: return x * y;
    case E_DIVIDE: return (x && y) ? x / y : 0;
    }
    return 0;
}

Test(assoc_plus, random_arrays_match_dense)
{
    for (unsigned seed = 1; seed <= 20; seed++) {
        double da[U][U], db[U][U], dc[U][U];
        d4m_assoc *a = random_assoc(seed, da);
        d4m_assoc *b = random_assoc(seed * 7919u + 13u, db);
        static const binop ops[] = { d4m_assoc_plus, d4m_assoc_minus, d4m_assoc_and,
                                     d4m_assoc_or, d4m_assoc_times, d4m_assoc_divide };
        for (int op = 0; op < 6; op++) {
            for (int i = 0; i < U; i++)
                for (int j = 0; j < U; j++)
                    dc[i][j] = naive((ewise_kind)op, da[i][j], db[i][j]);
            char *want = dense_text(dc);
            d4m_assoc *c = NULL;
            CHECK_OK(ops[op](&c, a, b));
            char *got = assoc_text(c);
            cr_assert_str_eq(got, want, "seed %u op %d", seed, op);
            free(got);
            free(want);
            d4m_assoc_free(c);
        }
        d4m_assoc_free(a);
        d4m_assoc_free(b);
    }
}

/* ============================================== large, against naive */

/* Arrays large enough for the parallel merge (100,000 entries and more),
 * over key sets that differ on both sides, so that every key map has holes
 * (blocks of columns that move by different amounts).  A has rows i % 7 != 0
 * and columns j % 11 != 3, B rows i % 5 != 1 and columns j % 13 != 2; about
 * one cell in 12 is set, to -3..3.  Checked cell by cell, in row-major
 * order, against the dense computation, with 1, 2 and 3 threads (3 parts on
 * 2 cores exercise the moves of the later parts). */
#define LR 1500
#define LC 1000

typedef struct {
    signed char *d;    /* LR x LC, 0 = none */
    d4m_assoc *a;
} big;

static void big_make(big *g, unsigned seed, int rmod, int rrem, int cmod, int crem,
                     bool numeric_keys, bool string_vals)
{
    static char rn[LR][8], cn[LC][8];
    static char vn[7][4] = { "v-3", "v-2", "v-1", "v0", "v1", "v2", "v3" };
    for (int i = 0; i < LR; i++)
        snprintf(rn[i], sizeof rn[i], "r%05d", i);
    for (int j = 0; j < LC; j++)
        snprintf(cn[j], sizeof cn[j], "c%05d", j);
    g->d = calloc((size_t)LR * LC, 1);
    size_t cap = (size_t)LR * LC / 8, n = 0;
    d4m_key *rk = malloc(cap * sizeof *rk), *ck = malloc(cap * sizeof *ck);
    d4m_key *vk = malloc(cap * sizeof *vk);
    double *rx = malloc(cap * sizeof *rx), *cx = malloc(cap * sizeof *cx);
    double *v = malloc(cap * sizeof *v);
    cr_assert(g->d && rk && ck && vk && rx && cx && v);
    for (int i = 0; i < LR; i++) {
        if (i % rmod == rrem)
            continue;
        for (int j = 0; j < LC; j++) {
            if (j % cmod == crem || lcg(&seed) % 12 != 0)
                continue;
            int x = (int)(lcg(&seed) % 7) - 3;
            if (!x || n == cap)
                continue;
            g->d[(size_t)i * LC + j] = (signed char)x;
            rk[n] = K(rn[i]);
            ck[n] = K(cn[j]);
            vk[n] = K(vn[x + 3]);
            rx[n] = i + 1;
            cx[n] = j + 1;
            v[n++] = x;
        }
    }
    cr_assert_gt(n, 100000 / 2);
    g->a = NULL;
    CHECK_OK(d4m_assoc_build(&g->a, numeric_keys ? d4m_vec_num(rx, n) : d4m_vec_str(rk, n),
                             numeric_keys ? d4m_vec_num(cx, n) : d4m_vec_str(ck, n),
                             string_vals ? d4m_vec_str(vk, n) : d4m_vec_num(v, n), NULL));
    free(rk); free(ck); free(vk); free(rx); free(cx); free(v);
}

static void big_free(big *g)
{
    free(g->d);
    d4m_assoc_free(g->a);
}

/* Row i, column j of entry t of c's triples (names r%05d / c%05d, or
 * positions i + 1, j + 1). */
static void big_key(const d4m_assoc *c, const d4m_triples *t, size_t k, int *i, int *j)
{
    if (d4m_assoc_key_kind(c, 1) == D4M_NUM) {
        *i = (int)t->row[k];
        *j = (int)t->col[k];
        return;
    }
    d4m_key r = d4m_assoc_key(c, 1, t->row[k]), q = d4m_assoc_key(c, 2, t->col[k]);
    cr_assert_eq(r.len, 6);
    cr_assert_eq(q.len, 6);
    char buf[8] = { 0 };
    memcpy(buf, r.ptr + 1, 5);
    *i = atoi(buf);
    memcpy(buf, q.ptr + 1, 5);
    *j = atoi(buf);
}

/* c must hold exactly the nonzero cells of want (LR x LC doubles), row-major. */
static void big_expect(const d4m_assoc *c, const double *want, const char *what)
{
    d4m_triples *t = NULL;
    CHECK_OK(d4m_assoc_find(&t, c, D4M_ORDER_ROW));
    size_t k = 0;
    for (int i = 0; i < LR; i++)
        for (int j = 0; j < LC; j++) {
            double w = want[(size_t)i * LC + j];
            if (w == 0)
                continue;
            cr_assert_lt(k, t->n, "%s: entry (%d,%d) missing, only %zu", what, i, j, t->n);
            int ti, tj;
            big_key(c, t, k, &ti, &tj);
            cr_assert(ti == i && tj == j, "%s: entry %zu is (%d,%d), want (%d,%d)", what, k,
                      ti, tj, i, j);
            double got;
            if (t->sval) {
                d4m_key s = d4m_assoc_val_str(c, t->sval[k]);
                char buf[8] = { 0 };
                cr_assert_lt(s.len, sizeof buf);
                memcpy(buf, s.ptr, s.len);
                got = atof(buf + 1);
            } else {
                got = t->val[k];
            }
            cr_assert_eq(got, w, "%s: (%d,%d) is %g, want %g", what, i, j, got, w);
            k++;
        }
    cr_assert_eq(k, t->n, "%s: %zu entries, want %zu", what, t->n, k);
    d4m_triples_free(t);
}

static void big_ops(bool numeric_keys)
{
    big ga, gb;
    big_make(&ga, 11u, 7, 0, 11, 3, numeric_keys, false);
    big_make(&gb, 29u, 5, 1, 13, 2, numeric_keys, false);
    cr_assert_geq(d4m_assoc_nnz(ga.a) + d4m_assoc_nnz(gb.a), 100000);
    static const binop ops[] = { d4m_assoc_plus, d4m_assoc_minus, d4m_assoc_and,
                                 d4m_assoc_or, d4m_assoc_times, d4m_assoc_divide };
    double *want = malloc((size_t)LR * LC * sizeof *want);
    cr_assert_not_null(want);
    for (int threads = 1; threads <= 3; threads++) {
        CHECK_OK(d4m_set_threads(threads));
        for (int op = 0; op < 6; op++) {
            for (size_t q = 0; q < (size_t)LR * LC; q++)
                want[q] = naive((ewise_kind)op, ga.d[q], gb.d[q]);
            d4m_assoc *c = NULL;
            CHECK_OK(ops[op](&c, ga.a, gb.a));
            char what[64];
            snprintf(what, sizeof what, "op %d, %d threads", op, threads);
            big_expect(c, want, what);
            d4m_assoc_free(c);
        }
        /* An array with itself: every entry meets its twin. */
        for (size_t q = 0; q < (size_t)LR * LC; q++)
            want[q] = 2.0 * ga.d[q];
        d4m_assoc *c = NULL;
        CHECK_OK(d4m_assoc_plus(&c, ga.a, ga.a));
        big_expect(c, want, "A + A");
        d4m_assoc_free(c);
        CHECK_OK(d4m_assoc_minus(&c, ga.a, ga.a));
        cr_assert_eq(d4m_assoc_nnz(c), 0);
        cr_assert_eq(d4m_assoc_nrows(c), 0);
        d4m_assoc_free(c);
    }
    CHECK_OK(d4m_set_threads(0));
    free(want);
    big_free(&ga);
    big_free(&gb);
}

Test(assoc_plus, large_string_keys_match_dense, .timeout = 120)
{
    big_ops(false);
}

Test(assoc_plus, large_numeric_keys_match_dense, .timeout = 120)
{
    big_ops(true);
}

/* String values: + keeps the larger string, - keeps entries in only one
 * side; "v-3" < "v-2" < "v-1" < "v0" < "v1" < "v2" < "v3" bytewise, except
 * that '-' sorts before digits, which the reference below follows. */
static double str_max(double x, double y)
{
    if (!x || !y)
        return x ? x : y;
    if ((x < 0) != (y < 0))
        return x < 0 ? y : x;         /* "v1" > "v-1" */
    if (x < 0)
        return -x > -y ? x : y;       /* "v-3" > "v-1": '3' > '1' */
    return x > y ? x : y;
}

Test(assoc_plus, large_string_values_match_dense, .timeout = 120)
{
    big ga, gb;
    big_make(&ga, 5u, 7, 0, 11, 3, false, true);
    big_make(&gb, 77u, 5, 1, 13, 2, false, true);
    double *want = malloc((size_t)LR * LC * sizeof *want);
    cr_assert_not_null(want);
    for (int threads = 1; threads <= 2; threads++) {
        CHECK_OK(d4m_set_threads(threads));
        for (size_t q = 0; q < (size_t)LR * LC; q++)
            want[q] = str_max(ga.d[q], gb.d[q]);
        d4m_assoc *c = NULL;
        CHECK_OK(d4m_assoc_plus(&c, ga.a, gb.a));
        big_expect(c, want, "A + B strings");
        d4m_assoc_free(c);
        for (size_t q = 0; q < (size_t)LR * LC; q++)
            want[q] = ga.d[q] && gb.d[q] ? 0 : ga.d[q] ? ga.d[q] : gb.d[q];
        CHECK_OK(d4m_assoc_minus(&c, ga.a, gb.a));
        big_expect(c, want, "A - B strings");
        d4m_assoc_free(c);
    }
    CHECK_OK(d4m_set_threads(0));
    free(want);
    big_free(&ga);
    big_free(&gb);
}
