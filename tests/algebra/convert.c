/*
 * tests/algebra/convert.c - conversions of values and keys
 * (algebra/convert.c), user functions (algebra/udf.c), and the GraphBLAS
 * matrix accessors of include/d4m/graphblas.h.
 *
 * Every expected result is the whole display() text: "(row,col)  value" per
 * entry, by column then row.
 */
#include <math.h>
#include <string.h>
#include "test_util.h"
#include "d4m/graphblas.h"

#define N(...) (const double[]){ __VA_ARGS__ }, sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double)

typedef int (*unop)(d4m_assoc **, const d4m_assoc *);

/* display(op(a)) must be expected. */
static void expect_un(unop op, const d4m_assoc *a, const char *expected)
{
    d4m_assoc *c = NULL;
    CHECK_OK(op(&c, a));
    ASSERT_ASSOC(c, expected);
    d4m_assoc_free(c);
}

static void expect_key(d4m_key k, const char *s)
{
    cr_assert_eq(k.len, strlen(s), "key of length %zu, expected '%s'", k.len, s);
    cr_assert_eq(memcmp(k.ptr, s, k.len), 0, "key '%.*s', expected '%s'", (int)k.len,
                 k.ptr, s);
}

/* ========================================================= logical */

Test(assoc_convert, logical_and_abs0_make_every_entry_one)
{
    d4m_assoc *n = lists_num("a a b ", "x y x ", N(2.5, -1, 3));
    d4m_assoc *s = lists("a b ", "x x ", "p q ");
    expect_un(d4m_assoc_logical, n, "(a,x)  1\n(b,x)  1\n(a,y)  1\n");
    expect_un(d4m_assoc_abs0, n, "(a,x)  1\n(b,x)  1\n(a,y)  1\n");
    expect_un(d4m_assoc_logical, s, "(a,x)  1\n(b,x)  1\n");
    expect_un(d4m_assoc_abs0, s, "(a,x)  1\n(b,x)  1\n");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_logical(&c, s));
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    cr_assert_eq(d4m_assoc_val_count(c), 0);
    d4m_assoc_free(c);
    d4m_assoc_free(n);
    d4m_assoc_free(s);
}

/* ========================================================== double */

Test(assoc_convert, double_of_strings_is_the_value_index)
{
    /* value list: apple (1), kiwi (2) */
    d4m_assoc *s = lists("a a b ", "x y x ", "kiwi apple kiwi ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_double(&c, s));
    ASSERT_ASSOC(c, "(a,x)  2\n(b,x)  2\n(a,y)  1\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    d4m_assoc_free(c);
    d4m_assoc_free(s);
}

Test(assoc_convert, double_of_numbers_is_unchanged)
{
    d4m_assoc *n = lists_num("a a b ", "x y x ", N(2.5, -1, 3));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_double(&c, n));
    ASSERT_ASSOC(c, "(a,x)  2.5\n(b,x)  3\n(a,y)  -1\n");
    cr_assert(d4m_assoc_equal(c, n));
    d4m_assoc_free(c);
    d4m_assoc_free(n);
}

/* ========================================================= num2str */

Test(assoc_convert, num2str_prints_with_g)
{
    d4m_assoc *n = lists_num("a a b b ", "x y x y ", N(1.5, 1234567, -2, 0.0001));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_num2str(&c, n));
    ASSERT_ASSOC(c, "(a,x)  1.5\n(b,x)  -2\n(a,y)  1.23457e+06\n(b,y)  0.0001\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(c), 4);
    /* the value strings sort bytewise */
    expect_key(d4m_assoc_val_str(c, 0), "-2");
    expect_key(d4m_assoc_val_str(c, 1), "0.0001");
    expect_key(d4m_assoc_val_str(c, 2), "1.23457e+06");
    expect_key(d4m_assoc_val_str(c, 3), "1.5");
    d4m_assoc_free(c);
    d4m_assoc_free(n);
}

Test(assoc_convert, num2str_shares_equal_strings)
{
    d4m_assoc *n = lists_num("a b c ", "x x y ", N(7, 7, 10));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_num2str(&c, n));
    ASSERT_ASSOC(c, "(a,x)  7\n(b,x)  7\n(c,y)  10\n");
    cr_assert_eq(d4m_assoc_val_count(c), 2);
    expect_key(d4m_assoc_val_str(c, 0), "10");
    expect_key(d4m_assoc_val_str(c, 1), "7");
    d4m_assoc_free(c);
    d4m_assoc_free(n);
}

Test(assoc_convert, num2str_of_strings_is_a_copy)
{
    d4m_assoc *s = lists("a b ", "x x ", "p q ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_num2str(&c, s));
    cr_assert(d4m_assoc_equal(c, s));
    ASSERT_ASSOC(c, "(a,x)  p\n(b,x)  q\n");
    d4m_assoc_free(c);
    d4m_assoc_free(s);
}

/* ========================================================= str2num */

Test(assoc_convert, str2num_parses_values_and_zero_vanishes)
{
    d4m_assoc *s = lists("a a b c ", "x y x x ", "1.5 -2 1e3 0 ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_str2num(&c, s));
    ASSERT_ASSOC(c, "(a,x)  1.5\n(b,x)  1000\n(a,y)  -2\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    cr_assert_eq(d4m_assoc_nrows(c), 2);   /* row c held only "0" */
    d4m_assoc_free(c);
    d4m_assoc_free(s);
}

Test(assoc_convert, str2num_of_num2str_round_trips)
{
    d4m_assoc *n = lists_num("a a b ", "x y x ", N(1.5, -2, 300));
    d4m_assoc *s = NULL, *c = NULL;
    CHECK_OK(d4m_assoc_num2str(&s, n));
    CHECK_OK(d4m_assoc_str2num(&c, s));
    cr_assert(d4m_assoc_equal(c, n));
    d4m_assoc_free(s);
    d4m_assoc_free(c);
    d4m_assoc_free(n);
}

Test(assoc_convert, str2num_rejects_non_numbers)
{
    const char *bad[] = { "12 12abc ", "12 abc ", "1 inf ", "1 nan ", "1 1e999 " };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        d4m_assoc *s = lists("a b ", "x x ", bad[i]);
        d4m_assoc *c = (d4m_assoc *)&c;
        CHECK_FAILS(d4m_assoc_str2num(&c, s), D4M_EVALUE);
        cr_assert_null(c, "values '%s'", bad[i]);
        d4m_assoc_free(s);
    }
}

Test(assoc_convert, str2num_of_numbers_is_a_copy)
{
    d4m_assoc *n = lists_num("a b ", "x x ", N(1, 2));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_str2num(&c, n));
    cr_assert(d4m_assoc_equal(c, n));
    d4m_assoc_free(c);
    d4m_assoc_free(n);
}

/* ===================================================== NoDiag, diag */

Test(assoc_convert, nodiag_and_diag_by_key)
{
    d4m_assoc *a = lists_num("a a b c ", "a b b a ", N(1, 2, 3, 4));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_nodiag(&c, a));
    ASSERT_ASSOC(c, "(c,a)  4\n(a,b)  2\n");
    cr_assert_eq(d4m_assoc_nrows(c), 2);   /* row b held only (b,b) */
    d4m_assoc_free(c);
    expect_un(d4m_assoc_diag, a, "(a,a)  1\n(b,b)  3\n");
    d4m_assoc_free(a);
}

Test(assoc_convert, diag_compares_keys_not_positions)
{
    /* rows [a b], cols [b c]: (a,b) sits at matrix position (0,0) but its
     * keys differ; (b,b) sits at (1,0) and its keys are equal. */
    d4m_assoc *a = lists_num("a b b ", "b b c ", N(1, 2, 3));
    expect_un(d4m_assoc_nodiag, a, "(a,b)  1\n(b,c)  3\n");
    expect_un(d4m_assoc_diag, a, "(b,b)  2\n");
    d4m_assoc_free(a);
}

Test(assoc_convert, nodiag_numeric_axes_and_strings)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(N(1, 1, 2, 3)), d4m_vec_num(N(1, 2, 2, 1)),
                             d4m_vec_num(N(1, 2, 3, 4)), NULL));
    expect_un(d4m_assoc_nodiag, a, "(3,1)  4\n(1,2)  2\n");
    expect_un(d4m_assoc_diag, a, "(1,1)  1\n(2,2)  3\n");
    d4m_assoc_free(a);
    d4m_assoc *s = lists("a a b ", "a b b ", "p q r ");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_nodiag(&c, s));
    ASSERT_ASSOC(c, "(a,b)  q\n");
    cr_assert_eq(d4m_assoc_val_count(c), 1);
    d4m_assoc_free(c);
    expect_un(d4m_assoc_diag, s, "(a,a)  p\n(b,b)  r\n");
    d4m_assoc_free(s);
}

/* =================================================== putRow, putCol */

Test(assoc_convert, putrow_resorts)
{
    d4m_assoc *a = lists_num("a b c ", "x y x ", N(1, 2, 3));
    d4m_key k[] = { K("z"), K("m"), K("a") };
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_put_keys(&c, a, 1, d4m_vec_str(k, 3)));
    ASSERT_ASSOC(c, "(a,x)  3\n(z,x)  1\n(m,y)  2\n");
    expect_key(d4m_assoc_key(c, 1, 0), "a");
    expect_key(d4m_assoc_key(c, 1, 1), "m");
    expect_key(d4m_assoc_key(c, 1, 2), "z");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_convert, putrow_collisions_take_min)
{
    d4m_assoc *a = lists_num("a b c ", "x y x ", N(5, 2, 3));
    d4m_key k[] = { K("k"), K("k"), K("k") };
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_put_keys(&c, a, 1, d4m_vec_str(k, 3)));
    ASSERT_ASSOC(c, "(k,x)  3\n(k,y)  2\n");
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_convert, putrow_numeric_keys)
{
    d4m_assoc *a = lists_num("a b c ", "x y x ", N(1, 2, 3));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_put_keys(&c, a, 1, d4m_vec_num(N(3, 1, 2))));
    ASSERT_ASSOC(c, "(2,x)  3\n(3,x)  1\n(1,y)  2\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 1), D4M_NUM);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_convert, putcol_resorts_and_keeps_string_values)
{
    d4m_assoc *a = lists("a b c ", "x y x ", "p q r ");
    d4m_key k[] = { K("b"), K("a") };
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_put_keys(&c, a, 2, d4m_vec_str(k, 2)));
    ASSERT_ASSOC(c, "(b,a)  q\n(a,b)  p\n(c,b)  r\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_convert, putrow_putcol_errors)
{
    d4m_assoc *a = lists_num("a b c ", "x y x ", N(1, 2, 3));
    d4m_key k[] = { K("p"), K("q"), K("r") };
    d4m_assoc *c = (d4m_assoc *)&c;
    CHECK_FAILS(d4m_assoc_put_keys(&c, a, 1, d4m_vec_str(k, 2)), D4M_ELENGTH);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_put_keys(&c, a, 1, d4m_vec_str(k, 1)), D4M_ELENGTH);
    CHECK_FAILS(d4m_assoc_put_keys(&c, a, 2, d4m_vec_str(k, 3)), D4M_ELENGTH);
    CHECK_FAILS(d4m_assoc_put_keys(&c, a, 3, d4m_vec_str(k, 3)), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_put_keys(&c, a, 0, d4m_vec_str(k, 3)), D4M_EINVAL);
    d4m_assoc_free(a);
}

/* ========================================================== putVal */

Test(assoc_convert, putval_replaces_value_strings)
{
    d4m_assoc *a = lists("a b c ", "x x y ", "p q p ");
    d4m_key v[] = { K("zz"), K("aa") };   /* p -> zz, q -> aa */
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_put_val(&c, a, d4m_vec_str(v, 2)));
    ASSERT_ASSOC(c, "(a,x)  zz\n(b,x)  aa\n(c,y)  zz\n");
    cr_assert_eq(d4m_assoc_val_count(c), 2);
    expect_key(d4m_assoc_val_str(c, 0), "aa");
    expect_key(d4m_assoc_val_str(c, 1), "zz");
    d4m_assoc_free(c);
    d4m_key same[] = { K("v"), K("v") };
    CHECK_OK(d4m_assoc_put_val(&c, a, d4m_vec_str(same, 2)));
    ASSERT_ASSOC(c, "(a,x)  v\n(b,x)  v\n(c,y)  v\n");
    cr_assert_eq(d4m_assoc_val_count(c), 1);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_convert, putval_errors)
{
    d4m_assoc *a = lists("a b ", "x x ", "p q ");
    d4m_assoc *n = lists_num("a ", "x ", N(1));
    d4m_key v[] = { K("u"), K("v"), K("w") };
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_put_val(&c, a, d4m_vec_str(v, 3)), D4M_ELENGTH);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_put_val(&c, a, d4m_vec_str(v, 1)), D4M_ELENGTH);
    CHECK_FAILS(d4m_assoc_put_val(&c, n, d4m_vec_str(v, 1)), D4M_EVALKIND);
    CHECK_FAILS(d4m_assoc_put_val(&c, a, d4m_vec_num(N(1, 2))), D4M_EINVAL);
    d4m_assoc_free(a);
    d4m_assoc_free(n);
}

/* =================================================== noRow, noCol */

Test(assoc_convert, norow_nocol_make_positions)
{
    d4m_assoc *a = lists_num("b d ", "x y ", N(1, 2));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_no_keys(&c, a, 1));
    ASSERT_ASSOC(c, "(1,x)  1\n(2,y)  2\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 1), D4M_NUM);
    cr_assert_eq(d4m_assoc_key_kind(c, 2), D4M_STR);
    cr_assert_eq(d4m_assoc_nrows(c), 2);
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_no_keys(&c, a, 2));
    ASSERT_ASSOC(c, "(b,1)  1\n(d,2)  2\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 2), D4M_NUM);
    d4m_assoc_free(c);
    CHECK_FAILS(d4m_assoc_no_keys(&c, a, 0), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_no_keys(&c, a, 3), D4M_EINVAL);
    d4m_assoc_free(a);
}

Test(assoc_convert, norow_then_plus_with_positions)
{
    d4m_assoc *a = lists_num("b d ", "x x ", N(1, 2));
    d4m_assoc *p = NULL, *c = NULL, *q = NULL;
    CHECK_OK(d4m_assoc_no_keys(&p, a, 1));
    d4m_key cx[] = { K("x") };
    CHECK_OK(d4m_assoc_build(&q, d4m_vec_num(N(2)), d4m_vec_str(cx, 1), d4m_vec_num(N(10)),
                             NULL));
    CHECK_OK(d4m_assoc_plus(&c, p, q));
    ASSERT_ASSOC(c, "(1,x)  1\n(2,x)  12\n");
    d4m_assoc_free(c);
    d4m_assoc_free(q);
    d4m_assoc_free(p);
    d4m_assoc_free(a);
}

/* ================================================ val2col, col2type */

/* A small table of records: the exploded schema's reason to be. */
static d4m_assoc *records(void)
{
    return lists("e1,e1,e2,e2,e3,", "Color,Type,Color,Type,Color,", "red,car,blue,car,red,");
}

Test(assoc_schema, val2col_moves_values_into_columns)
{
    d4m_assoc *a = records(), *c = NULL;
    CHECK_OK(d4m_assoc_val2col(&c, a, K("|")));
    ASSERT_ASSOC(c, "(e2,Color|blue)  1\n(e1,Color|red)  1\n(e3,Color|red)  1\n"
                    "(e1,Type|car)  1\n(e2,Type|car)  1\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    d4m_assoc_free(c);
    /* Any separator, even several bytes. */
    CHECK_OK(d4m_assoc_val2col(&c, a, K("::")));
    ASSERT_ASSOC(c, "(e2,Color::blue)  1\n(e1,Color::red)  1\n(e3,Color::red)  1\n"
                    "(e1,Type::car)  1\n(e2,Type::car)  1\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_schema, val2col_numbers_and_positions)
{
    /* Numbers as num2str prints them; numeric keys in decimal. */
    d4m_assoc *a = lists_num("a b b ", "x x y ", N(2.5, -1, 100000));
    d4m_assoc *c = NULL, *p = NULL;
    CHECK_OK(d4m_assoc_val2col(&c, a, K("/")));
    ASSERT_ASSOC(c, "(b,x/-1)  1\n(a,x/2.5)  1\n(b,y/100000)  1\n");
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_no_keys(&p, a, 1));
    d4m_assoc *q = NULL;
    CHECK_OK(d4m_assoc_no_keys(&q, p, 2));
    CHECK_OK(d4m_assoc_val2col(&c, q, K("/")));
    ASSERT_ASSOC(c, "(2,1/-1)  1\n(1,1/2.5)  1\n(2,2/100000)  1\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 1), D4M_NUM);
    d4m_assoc_free(c);
    d4m_assoc_free(p);
    d4m_assoc_free(q);
    d4m_assoc_free(a);
}

Test(assoc_schema, col2type_is_the_inverse)
{
    d4m_assoc *a = records(), *c = NULL, *b = NULL;
    CHECK_OK(d4m_assoc_val2col(&c, a, K("|")));
    CHECK_OK(d4m_assoc_col2type(&b, c, K("|")));
    cr_assert(d4m_assoc_equal(b, a));
    ASSERT_ASSOC(b, "(e1,Color)  red\n(e2,Color)  blue\n(e3,Color)  red\n"
                    "(e1,Type)  car\n(e2,Type)  car\n");
    d4m_assoc_free(b);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_schema, col2type_splits_at_the_first_separator)
{
    /* Values are not looked at; "a|b|c" is type "a", value "b|c"; two
     * values of one type in a row keep the smaller; "t|" has an empty
     * value: no entry. */
    d4m_assoc *a = lists_num("r1,r1,r1,r2,r2,", "a|b|c,t|z,t|m,n|7,t|,", N(5, 6, 7, 8, 9));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_col2type(&c, a, K("|")));
    ASSERT_ASSOC(c, "(r1,a)  b|c\n(r2,n)  7\n(r1,t)  m\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_STR);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_schema, errors_and_empty)
{
    d4m_assoc *a = records(), *c = (d4m_assoc *)0x1, *e = NULL, *n = NULL;
    CHECK_FAILS(d4m_assoc_col2type(&c, a, K("|")), D4M_EKEY);   /* "Color" has no '|' */
    cr_assert_null(c);
    cr_assert(strstr(d4m_error_message(), "'Color'") != NULL, "%s", d4m_error_message());
    CHECK_FAILS(d4m_assoc_val2col(&c, a, K("")), D4M_ESEP);
    CHECK_FAILS(d4m_assoc_col2type(&c, a, K("")), D4M_ESEP);
    CHECK_FAILS(d4m_assoc_val2col(NULL, a, K("|")), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_val2col(&c, NULL, K("|")), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_col2type(&c, NULL, K("|")), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_val2col(&c, a, ((d4m_key){ NULL, 1 })), D4M_EINVAL);
    CHECK_OK(d4m_assoc_no_keys(&n, a, 2));
    CHECK_FAILS(d4m_assoc_col2type(&c, n, K("|")), D4M_EKEY);
    CHECK_OK(d4m_assoc_new_empty(&e));
    CHECK_OK(d4m_assoc_val2col(&c, e, K("|")));
    cr_assert(d4m_assoc_is_empty(c));
    d4m_assoc_free(c);
    CHECK_OK(d4m_assoc_col2type(&c, e, K("|")));
    cr_assert(d4m_assoc_is_empty(c));
    d4m_assoc_free(c);
    d4m_assoc_free(e);
    d4m_assoc_free(n);
    d4m_assoc_free(a);
}

/* ============================================================ udf */

static double minus_one_counting(double v, void *ctx)
{
    (*(int *)ctx)++;
    return v - 1;
}

static double nan_above_two(double v, void *ctx)
{
    (void)ctx;
    return v > 2 ? NAN : v;
}

static double inf_fn(double v, void *ctx)
{
    (void)ctx;
    return v / 0.0;
}

Test(assoc_udf, apply_results_of_zero_vanish)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 3, 2));
    d4m_assoc *c = NULL;
    int calls = 0;
    CHECK_OK(d4m_assoc_apply(&c, a, minus_one_counting, &calls));
    ASSERT_ASSOC(c, "(b,x)  1\n(a,y)  2\n");
    cr_assert_eq(calls, 3);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_udf, apply_drops_emptied_rows)
{
    d4m_assoc *a = lists_num("a b ", "x y ", N(1, 5));
    d4m_assoc *c = NULL;
    int calls = 0;
    CHECK_OK(d4m_assoc_apply(&c, a, minus_one_counting, &calls));
    ASSERT_ASSOC(c, "(b,y)  4\n");
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    cr_assert_eq(d4m_assoc_ncols(c), 1);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_udf, apply_nan_or_inf_is_evalue)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 3, 2));
    d4m_assoc *c = (d4m_assoc *)&c;
    CHECK_FAILS(d4m_assoc_apply(&c, a, nan_above_two, NULL), D4M_EVALUE);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_apply(&c, a, inf_fn, NULL), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_apply(&c, a, NULL, NULL), D4M_EINVAL);
    d4m_assoc_free(a);
}

static int above(const d4m_entry *e, void *ctx)
{
    return e->val > *(const double *)ctx;
}

Test(assoc_udf, select_with_ctx)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 5, 7));
    d4m_assoc *c = NULL;
    double thr = 4;
    CHECK_OK(d4m_assoc_select(&c, a, above, &thr));
    ASSERT_ASSOC(c, "(b,x)  7\n(a,y)  5\n");
    d4m_assoc_free(c);
    thr = 6;
    CHECK_OK(d4m_assoc_select(&c, a, above, &thr));
    ASSERT_ASSOC(c, "(b,x)  7\n");
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    d4m_assoc_free(c);
    thr = 100;
    CHECK_OK(d4m_assoc_select(&c, a, above, &thr));
    ASSERT_ASSOC(c, "");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

/* Keeps the entries whose row key is ctx; records what it saw. */
typedef struct {
    const char *row;
    int calls;
    char seen[256];
} by_row;

static int row_is(const d4m_entry *e, void *ctx)
{
    by_row *b = ctx;
    size_t len = strlen(b->seen);
    snprintf(b->seen + len, sizeof b->seen - len, "%.*s,%.*s=%g/%.*s;", (int)e->row.len,
             e->row.ptr ? e->row.ptr : "", (int)e->col.len, e->col.ptr ? e->col.ptr : "",
             e->val, (int)e->sval.len, e->sval.ptr ? e->sval.ptr : "");
    b->calls++;
    return e->row.len == strlen(b->row) && memcmp(e->row.ptr, b->row, e->row.len) == 0;
}

Test(assoc_udf, select_sees_keys_and_string_values)
{
    d4m_assoc *a = lists("a a b ", "x y x ", "p q r ");
    d4m_assoc *c = NULL;
    by_row b = { "a", 0, "" };
    CHECK_OK(d4m_assoc_select(&c, a, row_is, &b));
    ASSERT_ASSOC(c, "(a,x)  p\n(a,y)  q\n");
    cr_assert_eq(d4m_assoc_val_count(c), 2);
    cr_assert_eq(b.calls, 3);
    /* every entry once, values as 1-based indices with their strings
     * (visiting order is not part of the contract: check each piece) */
    cr_assert_not_null(strstr(b.seen, "a,x=1/p;"), "%s", b.seen);
    cr_assert_not_null(strstr(b.seen, "a,y=2/q;"), "%s", b.seen);
    cr_assert_not_null(strstr(b.seen, "b,x=3/r;"), "%s", b.seen);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

static int row_num_is_4(const d4m_entry *e, void *ctx)
{
    (void)ctx;
    cr_assert_null(e->row.ptr);
    cr_assert_not_null(e->col.ptr);
    return e->row_num == 4;
}

Test(assoc_udf, select_numeric_axis_gives_positions)
{
    d4m_key cols[] = { K("x"), K("y") };
    d4m_assoc *a = NULL, *c = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(N(2, 4)), d4m_vec_str(cols, 2),
                             d4m_vec_num(N(1, 2)), NULL));
    CHECK_OK(d4m_assoc_select(&c, a, row_num_is_4, NULL));
    ASSERT_ASSOC(c, "(4,y)  2\n");
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

static int stop_at_second(const d4m_entry *e, void *ctx)
{
    (void)e;
    return ++*(int *)ctx == 2 ? -1 : 1;
}

Test(assoc_udf, select_stop_is_ecallback)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 5, 7));
    d4m_assoc *c = (d4m_assoc *)&c;
    int calls = 0;
    CHECK_FAILS(d4m_assoc_select(&c, a, stop_at_second, &calls), D4M_ECALLBACK);
    cr_assert_null(c);
    cr_assert_eq(calls, 2);   /* no call after the stop */
    CHECK_FAILS(d4m_assoc_select(&c, a, NULL, NULL), D4M_EINVAL);
    d4m_assoc_free(a);
}

/* ====================================================== GraphBLAS */

Test(assoc_udf, matrix_has_the_dims_and_values)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    GrB_Matrix m = d4m_assoc_matrix(a);
    cr_assert_not_null(m);
    GrB_Index nr = 0, nc = 0, nv = 0;
    cr_assert_eq(GrB_Matrix_nrows(&nr, m), GrB_SUCCESS);
    cr_assert_eq(GrB_Matrix_ncols(&nc, m), GrB_SUCCESS);
    cr_assert_eq(GrB_Matrix_nvals(&nv, m), GrB_SUCCESS);
    cr_assert_eq(nr, 2);
    cr_assert_eq(nc, 2);
    cr_assert_eq(nv, 3);
    double x = 0;
    cr_assert_eq(GrB_Matrix_extractElement_FP64(&x, m, 1, 0), GrB_SUCCESS);  /* (b,x) */
    cr_assert_eq(x, 3);
    cr_assert_eq(GrB_Matrix_extractElement_FP64(&x, m, 0, 1), GrB_SUCCESS);  /* (a,y) */
    cr_assert_eq(x, 2);
    cr_assert_eq(GrB_Matrix_extractElement_FP64(&x, m, 1, 1), GrB_NO_VALUE);
    d4m_assoc_free(a);
}

Test(assoc_udf, matrix_of_strings_holds_value_indices)
{
    d4m_assoc *a = lists("a b ", "x x ", "q p ");
    GrB_Matrix m = d4m_assoc_matrix(a);
    double x = 0;
    cr_assert_eq(GrB_Matrix_extractElement_FP64(&x, m, 0, 0), GrB_SUCCESS);
    cr_assert_eq(x, 2);   /* q is the second of p q */
    cr_assert_eq(GrB_Matrix_extractElement_FP64(&x, m, 1, 0), GrB_SUCCESS);
    cr_assert_eq(x, 1);
    d4m_assoc_free(a);
}

Test(assoc_udf, matrix_dup_is_independent)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    GrB_Matrix m = NULL;
    CHECK_OK(d4m_assoc_matrix_dup(&m, a));
    cr_assert_eq(GrB_Matrix_setElement_FP64(m, 99, 0, 0), GrB_SUCCESS);
    GrB_Index nv = 0;
    cr_assert_eq(GrB_Matrix_nvals(&nv, m), GrB_SUCCESS);
    cr_assert_eq(nv, 3);
    ASSERT_ASSOC(a, "(a,x)  1\n(b,x)  3\n(a,y)  2\n");
    GrB_Matrix_free(&m);
    d4m_assoc_free(a);
}

Test(assoc_udf, put_adj_takes_the_matrix_values)
{
    d4m_assoc *a = lists("a a b ", "x y x ", "p q r ");
    GrB_Matrix m = NULL;
    cr_assert_eq(GrB_Matrix_new(&m, GrB_FP64, 2, 2), GrB_SUCCESS);
    cr_assert_eq(GrB_Matrix_setElement_FP64(m, 10, 0, 0), GrB_SUCCESS);  /* (a,x) */
    cr_assert_eq(GrB_Matrix_setElement_FP64(m, -1, 1, 1), GrB_SUCCESS);  /* (b,y) */
    cr_assert_eq(GrB_Matrix_setElement_FP64(m, 0, 0, 1), GrB_SUCCESS);   /* zero: none */
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_put_adj(&c, a, m));
    ASSERT_ASSOC(c, "(a,x)  10\n(b,y)  -1\n");
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    d4m_assoc_free(c);
    GrB_Matrix_free(&m);
    d4m_assoc_free(a);
}

Test(assoc_udf, put_adj_errors)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1, 2, 3));
    GrB_Matrix m = NULL;
    d4m_assoc *c = NULL;
    cr_assert_eq(GrB_Matrix_new(&m, GrB_FP64, 3, 2), GrB_SUCCESS);
    CHECK_FAILS(d4m_assoc_put_adj(&c, a, m), D4M_ELENGTH);
    cr_assert_null(c);
    GrB_Matrix_free(&m);
    cr_assert_eq(GrB_Matrix_new(&m, GrB_FP64, 2, 2), GrB_SUCCESS);
    cr_assert_eq(GrB_Matrix_setElement_FP64(m, NAN, 1, 0), GrB_SUCCESS);
    CHECK_FAILS(d4m_assoc_put_adj(&c, a, m), D4M_EVALUE);
    GrB_Matrix_free(&m);
    CHECK_FAILS(d4m_assoc_put_adj(&c, a, NULL), D4M_EINVAL);
    d4m_assoc_free(a);
}

/* ============================================ odd arguments (fuzzing) */

Test(assoc_convert, odd_arguments_found_by_fuzzing)
{
    d4m_assoc *a = lists("a b c ", "x y x ", "1 2 3 "), *b = (d4m_assoc *)0x1, *e = NULL;
    /* a key vector of no known kind */
    d4m_vec k7 = { (d4m_kind)7, 3, NULL, NULL };
    CHECK_FAILS(d4m_assoc_put_keys(&b, a, 1, k7), D4M_EINVAL);
    cr_assert_null(b);
    /* noRow of the empty Assoc is the empty Assoc */
    CHECK_OK(d4m_assoc_new_empty(&e));
    CHECK_OK(d4m_assoc_no_keys(&b, e, 1));
    cr_assert(d4m_assoc_equal(b, e));
    d4m_assoc_free(b);
    /* str2num reads numbers as the readers do: no hex, no blanks, nothing
     * that would read as 0 while not 0 */
    const char *bad[] = { "0x10 ", "\t5,", "1e-400 " };
    for (size_t i = 0; i < 3; i++) {
        d4m_assoc *s = lists("a ", "x ", bad[i]);
        CHECK_FAILS(d4m_assoc_str2num(&b, s), D4M_EVALUE);
        d4m_assoc_free(s);
    }
    /* val2col writes numeric column keys in full */
    static const double r[] = { 1, 1 }, c[] = { 1234567, 1234568 }, v[] = { 5, 5 };
    d4m_assoc *n = NULL;
    CHECK_OK(d4m_assoc_build(&n, d4m_vec_num(r, 2), d4m_vec_num(c, 2), d4m_vec_num(v, 2), NULL));
    CHECK_OK(d4m_assoc_val2col(&b, n, K("|")));
    ASSERT_ASSOC(b, "(1,1234567|5)  1\n(1,1234568|5)  1\n");
    d4m_assoc_free(b);
    d4m_assoc_free(n);
    /* a failed constructor clears *out */
    b = (d4m_assoc *)0x1;
    CHECK_FAILS(d4m_assoc_from_lists_num(&b, K("a "), K("x "), NULL, 3, NULL), D4M_EINVAL);
    cr_assert_null(b);
    d4m_assoc_free(e);
    d4m_assoc_free(a);
}

/* An Assoc holds finite numbers only, as built: a result beyond the range
 * of a double is D4M_EVALUE, from every operation that can overflow. */
Test(assoc_convert, overflow_is_an_error)
{
    d4m_assoc *a = lists_num("a a b ", "x y x ", N(1e308, 1e308, 3)), *c = (d4m_assoc *)0x1;
    CHECK_FAILS(d4m_assoc_plus(&c, a, a), D4M_EVALUE);
    cr_assert_null(c);
    d4m_assoc *neg = lists_num("a ", "x ", N(-1e308));
    CHECK_FAILS(d4m_assoc_minus(&c, a, neg), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_times(&c, a, a), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_scale(&c, a, 10), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_divide_scalar(&c, a, 1e-10), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_sum(&c, a, 2), D4M_EVALUE);
    CHECK_FAILS(d4m_assoc_sqin(&c, a), D4M_EVALUE);
    d4m_assoc *t = lists_num("p q ", "x x ", N(1e308, 1e308));
    CHECK_FAILS(d4m_assoc_sum(&c, t, 1), D4M_EVALUE);
    cr_assert(strstr(d4m_error_message(), "beyond the range"), "%s", d4m_error_message());
    /* Within range all is as before. */
    CHECK_OK(d4m_assoc_plus(&c, a, neg));
    ASSERT_ASSOC(c, "(b,x)  3\n(a,y)  1e+308\n");
    d4m_assoc_free(c);
    d4m_assoc_free(neg);
    d4m_assoc_free(t);
    d4m_assoc_free(a);
}
