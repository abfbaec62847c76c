/*
 * tests/algebra/reduce.c - sum, max and min along a dimension
 * (algebra/reduce.c).  dim 1 collapses the rows into the numeric row key 1,
 * dim 2 the columns into the numeric column key 1.
 *
 * Every expected result is the whole display() text: "(row,col)  value" per
 * entry, by column then row.
 */
#include <string.h>
#include "test_util.h"

#define N(...) (const double[]){ __VA_ARGS__ }, sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double)

typedef int (*reducer)(d4m_assoc **, const d4m_assoc *, int);

static void expect_reduce(reducer f, const d4m_assoc *a, int dim, const char *expected)
{
    d4m_assoc *c = NULL;
    CHECK_OK(f(&c, a, dim));
    char *txt = assoc_text(c);
    cr_assert_str_eq(txt, expected, "dim %d", dim);
    free(txt);
    d4m_assoc_free(c);
}

Test(assoc_reduce, sum_dim1_collapses_rows_into_key_1)
{
    d4m_assoc *a = lists_num("a a b c ", "x y x z ", N(1, 2, 3, 4));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_sum(&c, a, 1));
    ASSERT_ASSOC(c, "(1,x)  4\n(1,y)  2\n(1,z)  4\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 1), D4M_NUM);
    cr_assert_eq(d4m_assoc_key_count(c, 1), 1);
    cr_assert_eq(d4m_assoc_key_kind(c, 2), D4M_STR);
    cr_assert_eq(d4m_assoc_ncols(c), 3);
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_reduce, sum_dim2_collapses_columns_into_key_1)
{
    d4m_assoc *a = lists_num("a a b c ", "x y x z ", N(1, 2, 3, 4));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_sum(&c, a, 2));
    ASSERT_ASSOC(c, "(a,1)  3\n(b,1)  3\n(c,1)  4\n");
    cr_assert_eq(d4m_assoc_key_kind(c, 2), D4M_NUM);
    cr_assert_eq(d4m_assoc_key_count(c, 2), 1);
    cr_assert_eq(d4m_assoc_nrows(c), 3);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_reduce, sum_of_strings_counts_entries)
{
    d4m_assoc *a = lists("a a b c ", "x y x x ", "p q r p ");
    expect_reduce(d4m_assoc_sum, a, 1, "(1,x)  3\n(1,y)  1\n");
    expect_reduce(d4m_assoc_sum, a, 2, "(a,1)  2\n(b,1)  1\n(c,1)  1\n");
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_sum(&c, a, 1));
    cr_assert_eq(d4m_assoc_val_kind(c), D4M_NUM);
    d4m_assoc_free(c);
    d4m_assoc_free(a);
}

Test(assoc_reduce, sum_to_zero_vanishes)
{
    d4m_assoc *a = lists_num("a b a ", "x x y ", N(1, -1, 2));
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_sum(&c, a, 1));
    ASSERT_ASSOC(c, "(1,y)  2\n");
    cr_assert_eq(d4m_assoc_ncols(c), 1);
    d4m_assoc_free(c);
    expect_reduce(d4m_assoc_sum, a, 2, "(a,1)  3\n(b,1)  -1\n");
    d4m_assoc_free(a);
}

Test(assoc_reduce, sum_numeric_positions)
{
    d4m_key cols[] = { K("x"), K("x"), K("y") };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(N(2, 5, 5)), d4m_vec_str(cols, 3),
                             d4m_vec_num(N(1, 2, 4)), NULL));
    expect_reduce(d4m_assoc_sum, a, 1, "(1,x)  3\n(1,y)  4\n");
    expect_reduce(d4m_assoc_sum, a, 2, "(2,1)  1\n(5,1)  6\n");
    d4m_assoc_free(a);
}

/* A: column x holds only -3; y: 2, 5; z: -1, -4. */
static d4m_assoc *negatives(void)
{
    return lists_num("a a b c b ", "x y y z z ", N(-3, 2, 5, -1, -4));
}

Test(assoc_reduce, max_on_stored_entries_only)
{
    d4m_assoc *a = negatives();
    expect_reduce(d4m_assoc_max, a, 1, "(1,x)  -3\n(1,y)  5\n(1,z)  -1\n");
    expect_reduce(d4m_assoc_max, a, 2, "(a,1)  2\n(b,1)  5\n(c,1)  -1\n");
    d4m_assoc_free(a);
}

Test(assoc_reduce, min_on_stored_entries_only)
{
    d4m_assoc *a = negatives();
    expect_reduce(d4m_assoc_min, a, 1, "(1,x)  -3\n(1,y)  2\n(1,z)  -4\n");
    expect_reduce(d4m_assoc_min, a, 2, "(a,1)  -3\n(b,1)  -4\n(c,1)  -1\n");
    d4m_assoc_free(a);
}

Test(assoc_reduce, min_of_positives_is_not_zero)
{
    /* rows a and b are sparse: absent entries are not zeros */
    d4m_assoc *a = lists_num("a b b ", "x x y ", N(4, 6, 7));
    expect_reduce(d4m_assoc_min, a, 1, "(1,x)  4\n(1,y)  7\n");
    expect_reduce(d4m_assoc_min, a, 2, "(a,1)  4\n(b,1)  6\n");
    d4m_assoc_free(a);
}

Test(assoc_reduce, bad_dim)
{
    d4m_assoc *a = lists_num("a ", "x ", N(1));
    d4m_assoc *c = NULL;
    CHECK_FAILS(d4m_assoc_sum(&c, a, 0), D4M_EINVAL);
    cr_assert_null(c);
    CHECK_FAILS(d4m_assoc_sum(&c, a, 3), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_max(&c, a, -1), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_min(&c, a, 0), D4M_EINVAL);
    CHECK_FAILS(d4m_assoc_sum(&c, NULL, 1), D4M_EINVAL);
    d4m_assoc_free(a);
}

Test(assoc_reduce, empty)
{
    d4m_assoc *e = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    expect_reduce(d4m_assoc_sum, e, 1, "");
    expect_reduce(d4m_assoc_sum, e, 2, "");
    expect_reduce(d4m_assoc_max, e, 1, "");
    expect_reduce(d4m_assoc_min, e, 2, "");
    d4m_assoc_free(e);
}

/* ==================================================== against naive */

#define U 12

static unsigned lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fffu;
}

Test(assoc_reduce, random_arrays_match_dense)
{
    static char rn[U][4], cn[U][4];
    for (int i = 0; i < U; i++) {
        snprintf(rn[i], 4, "r%02d", i);
        snprintf(cn[i], 4, "c%02d", i);
    }
    for (unsigned seed = 1; seed <= 20; seed++) {
        unsigned s = seed;
        double d[U][U];
        d4m_key rk[U * U], ck[U * U];
        double v[U * U];
        size_t n = 0;
        for (int i = 0; i < U; i++)
            for (int j = 0; j < U; j++) {
                d[i][j] = 0;
                if (lcg(&s) % 4)
                    continue;
                d[i][j] = (int)(lcg(&s) % 9) - 4;
                if (d[i][j]) {
                    rk[n] = K(rn[i]);
                    ck[n] = K(cn[j]);
                    v[n++] = d[i][j];
                }
            }
        d4m_assoc *a = NULL;
        CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rk, n), d4m_vec_str(ck, n),
                                 d4m_vec_num(v, n), NULL));
        static const reducer fs[] = { d4m_assoc_sum, d4m_assoc_max, d4m_assoc_min };
        for (int op = 0; op < 3; op++)
            for (int dim = 1; dim <= 2; dim++) {
                char *want = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&want, &len);
                for (int p = 0; p < U; p++) {   /* the kept axis */
                    double r = 0;
                    int any = 0;
                    for (int q = 0; q < U; q++) {
                        double x = dim == 1 ? d[q][p] : d[p][q];
                        if (!x)
                            continue;
                        if (!any)
                            r = x;
                        else if (op == 0)
                            r += x;
                        else if (op == 1)
                            r = x > r ? x : r;
                        else
                            r = x < r ? x : r;
                        any = 1;
                    }
                    if (any && r != 0) {
                        if (dim == 1)
                            fprintf(f, "(1,%s)  %g\n", cn[p], r);
                        else
                            fprintf(f, "(%s,1)  %g\n", rn[p], r);
                    }
                }
                fclose(f);
                expect_reduce(fs[op], a, dim, want);
                free(want);
            }
        d4m_assoc_free(a);
    }
}

/* ====================================== large: the two-core paths */

#define LR 400
#define LC 500

static double big_value(int i, int j)
{
    if (j % 3 == 0)   /* these columns sum to exactly 0 */
        return (i % 2 ? 1 : -1) * (double)(j % 7 + 1);
    return (double)((i * 31 + j * 17) % 19) - 9;   /* 0: no entry */
}

/* 400 x 500 minus the zeros (~190k entries, past the two-core threshold);
 * numeric_cols: column j is position 2j + 2 instead of "c<j>". */
static d4m_assoc *big(int numeric_cols, int string_vals)
{
    static char rn[LR][8], cn[LC][8];
    size_t cap = (size_t)LR * LC, n = 0;
    d4m_key *rk = malloc(cap * sizeof *rk), *ck = malloc(cap * sizeof *ck),
            *sv = malloc(cap * sizeof *sv);
    double *cp = malloc(cap * sizeof *cp), *v = malloc(cap * sizeof *v);
    cr_assert(rk && ck && sv && cp && v);
    for (int i = 0; i < LR; i++)
        snprintf(rn[i], 8, "r%03d", i);
    for (int j = 0; j < LC; j++)
        snprintf(cn[j], 8, "c%03d", j);
    /* Row-major but columns descending, so that the build has work to do. */
    for (int i = 0; i < LR; i++)
        for (int j = LC - 1; j >= 0; j--) {
            double x = big_value(i, j);
            if (x == 0)
                continue;
            rk[n] = K(rn[i]);
            ck[n] = K(cn[j]);
            cp[n] = 2.0 * j + 2;
            sv[n] = x > 0 ? K("pos") : K("neg");
            v[n++] = x;
        }
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rk, n),
                             numeric_cols ? d4m_vec_num(cp, n) : d4m_vec_str(ck, n),
                             string_vals ? d4m_vec_str(sv, n) : d4m_vec_num(v, n), NULL));
    free(rk); free(ck); free(sv); free(cp); free(v);
    return a;
}

static void expect_big(reducer f, int op, const d4m_assoc *a, int dim, int numeric_cols,
                       int count)
{
    char *want = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&want, &len);
    int np = dim == 1 ? LC : LR, nq = dim == 1 ? LR : LC;
    for (int p = 0; p < np; p++) {
        double r = 0;
        int any = 0;
        for (int q = 0; q < nq; q++) {
            double x = dim == 1 ? big_value(q, p) : big_value(p, q);
            if (!x)
                continue;
            if (count)
                x = 1;
            if (!any)
                r = x;
            else if (op == 0)
                r += x;
            else if (op == 1)
                r = x > r ? x : r;
            else
                r = x < r ? x : r;
            any = 1;
        }
        if (!any || r == 0)
            continue;
        if (dim == 2)
            fprintf(mf, "(r%03d,1)  %g\n", p, r);
        else if (numeric_cols)
            fprintf(mf, "(1,%d)  %g\n", 2 * p + 2, r);
        else
            fprintf(mf, "(1,c%03d)  %g\n", p, r);
    }
    fclose(mf);
    expect_reduce(f, a, dim, want);
    free(want);
}

Test(assoc_reduce, large_arrays_on_two_cores)
{
    static const reducer fs[] = { d4m_assoc_sum, d4m_assoc_max, d4m_assoc_min };
    d4m_assoc *a = big(0, 0);
    cr_assert_gt(d4m_assoc_nnz(a), 150000);
    for (int op = 0; op < 3; op++)
        for (int dim = 1; dim <= 2; dim++)
            expect_big(fs[op], op, a, dim, 0, 0);
    /* The columns whose sums cancel are gone, keys and all. */
    d4m_assoc *c = NULL;
    CHECK_OK(d4m_assoc_sum(&c, a, 1));
    size_t nonzero = 0;
    for (int j = 0; j < LC; j++) {
        double r = 0;
        for (int i = 0; i < LR; i++)
            r += big_value(i, j);
        nonzero += r != 0;
    }
    cr_assert_leq(nonzero, LC - (LC + 2) / 3);
    cr_assert_eq(d4m_assoc_ncols(c), nonzero);
    cr_assert_eq(d4m_assoc_key_kind(c, 1), D4M_NUM);
    cr_assert_eq(d4m_assoc_nrows(c), 1);
    d4m_assoc_free(c);
    d4m_assoc_free(a);

    a = big(1, 0);   /* numeric columns: positions kept, extent too */
    for (int op = 0; op < 3; op++)
        expect_big(fs[op], op, a, 1, 1, 0);
    CHECK_OK(d4m_assoc_sum(&c, a, 1));
    cr_assert_eq(d4m_assoc_key_kind(c, 2), D4M_NUM);
    cr_assert_eq(d4m_assoc_ncols(c), 2 * LC);
    d4m_assoc_free(c);
    d4m_assoc_free(a);

    a = big(0, 1);   /* string values: sum counts */
    expect_big(d4m_assoc_sum, 0, a, 1, 0, 1);
    expect_big(d4m_assoc_sum, 0, a, 2, 0, 1);
    d4m_assoc_free(a);
}

/* ============ the two-core column sums: halves that cancel, fold order */

#define HR 1000
#define HC 200

/* HR x HC with every entry present (200k: past the two-core threshold);
 * rows "r0000".. in CSR order, so the two halves of the entries are the
 * rows below HR/2 and the rest. */
static d4m_assoc *halves(double (*value)(int, int))
{
    static char rn[HR][8], cn[HC][8];
    size_t n = (size_t)HR * HC, t = 0;
    d4m_key *rk = malloc(n * sizeof *rk), *ck = malloc(n * sizeof *ck);
    double *v = malloc(n * sizeof *v);
    cr_assert(rk && ck && v);
    for (int i = 0; i < HR; i++)
        snprintf(rn[i], 8, "r%04d", i);
    for (int j = 0; j < HC; j++)
        snprintf(cn[j], 8, "c%03d", j);
    for (int i = 0; i < HR; i++)
        for (int j = 0; j < HC; j++) {
            rk[t] = K(rn[i]);
            ck[t] = K(cn[j]);
            v[t++] = value(i, j);
        }
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rk, n), d4m_vec_str(ck, n),
                             d4m_vec_num(v, n), NULL));
    free(rk); free(ck); free(v);
    cr_assert_eq(d4m_assoc_nnz(a), n);
    return a;
}

/* Even columns: +(j+1) in the first half of the rows, -(j+1) in the second:
 * each half's sum is nonzero, the whole column's 0.  Odd columns: 1..7. */
static double cancel_value(int i, int j)
{
    if (j % 2 == 0)
        return (i < HR / 2 ? 1 : -1) * (double)(j + 1);
    return (double)((i * 3 + j) % 7 + 1);
}

/* Tenths (not exact in binary): every column sum depends on the order. */
static double tenth_value(int i, int j)
{
    return 0.1 * ((i * 7 + j * 3) % 11 + 1);
}

Test(assoc_reduce, column_sums_cancelling_across_the_halves)
{
    d4m_assoc *a = halves(cancel_value);
    char *want = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&want, &len);
    for (int j = 1; j < HC; j += 2) {
        double r = 0;
        for (int i = 0; i < HR; i++)
            r += cancel_value(i, j);
        fprintf(f, "(1,c%03d)  %g\n", j, r);
    }
    fclose(f);
    for (int threads = 2; threads >= 1; threads--) {
        CHECK_OK(d4m_set_threads(threads));
        d4m_assoc *c = NULL;
        CHECK_OK(d4m_assoc_sum(&c, a, 1));
        ASSERT_ASSOC(c, want);
        cr_assert_eq(d4m_assoc_ncols(c), HC / 2, "%d threads", threads);
        d4m_key k0 = d4m_assoc_key(c, 2, 0);
        cr_assert(k0.len == 4 && !memcmp(k0.ptr, "c001", 4), "%d threads", threads);
        d4m_assoc_free(c);
    }
    CHECK_OK(d4m_set_threads(0));
    free(want);
    d4m_assoc_free(a);
}

Test(assoc_reduce, column_sums_fold_the_halves_in_order_on_any_thread_count)
{
    /* Every column kept: the result takes the copied keys as they are.
     * Each column's sum is (rows of half 0, in order) + (rows of half 1, in
     * order), bit for bit, on one thread as on two. */
    d4m_assoc *a = halves(tenth_value);
    double want[HC];
    for (int j = 0; j < HC; j++) {
        double h0 = 0, h1 = 0;
        for (int i = 0; i < HR / 2; i++)
            h0 += tenth_value(i, j);
        for (int i = HR / 2; i < HR; i++)
            h1 += tenth_value(i, j);
        want[j] = h0 + h1;
    }
    for (int threads = 2; threads >= 1; threads--) {
        CHECK_OK(d4m_set_threads(threads));
        d4m_assoc *c = NULL;
        CHECK_OK(d4m_assoc_sum(&c, a, 1));
        cr_assert_eq(d4m_assoc_ncols(c), HC);
        d4m_triples *t = NULL;
        CHECK_OK(d4m_assoc_find(&t, c, D4M_ORDER_ROW));
        cr_assert_eq(t->n, HC);
        for (int j = 0; j < HC; j++) {
            char key[8];
            snprintf(key, sizeof key, "c%03d", j);
            d4m_key k = d4m_assoc_key(c, 2, (size_t)j);
            cr_assert(k.len == 4 && !memcmp(k.ptr, key, 4), "key %d", j);
            cr_assert_eq(t->row[j], 0);
            cr_assert_eq(t->col[j], (uint64_t)j);
            cr_assert(t->val[j] == want[j], "%d threads, column %d: %.17g, not %.17g",
                      threads, j, t->val[j], want[j]);
        }
        d4m_triples_free(t);
        d4m_assoc_free(c);
    }
    CHECK_OK(d4m_set_threads(0));
    d4m_assoc_free(a);
}

/* ============================================== far-out numeric columns */

/* Numeric column positions far beyond the entries (1e9 with a handful of
 * entries): the column sums, maxima and minima, and find in column order,
 * take memory by the entries, not by the positions (they took 24 GB), with
 * the same answers as dense columns would give. */
Test(assoc_reduce, far_out_numeric_columns)
{
    static const double r[] = { 1, 2, 2, 3, 1, 3 }, c[] = { 1e9, 5, 1e9, 5, 7, 7 },
                        v[] = { 3, 4, -3, 1, 2, 6 };
    d4m_assoc *a = NULL, *s = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r, 6), d4m_vec_num(c, 6), d4m_vec_num(v, 6), NULL));
    cr_assert_eq(d4m_assoc_ncols(a), 1000000000);
    CHECK_OK(d4m_assoc_sum(&s, a, 1));
    /* column 1e9 sums to 0: no entry */
    ASSERT_ASSOC(s, "(1,5)  5\n(1,7)  8\n");
    d4m_assoc_free(s);
    CHECK_OK(d4m_assoc_max(&s, a, 1));
    ASSERT_ASSOC(s, "(1,5)  4\n(1,7)  6\n(1,1000000000)  3\n");
    d4m_assoc_free(s);
    CHECK_OK(d4m_assoc_min(&s, a, 1));
    ASSERT_ASSOC(s, "(1,5)  1\n(1,7)  2\n(1,1000000000)  -3\n");
    d4m_assoc_free(s);
    d4m_triples *t = NULL;
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_COL));
    static const uint64_t wr[] = { 1, 2, 0, 2, 0, 1 }, wc[] = { 4, 4, 6, 6, 999999999, 999999999 };
    static const double wv[] = { 4, 1, 2, 6, 3, -3 };
    cr_assert_eq(t->n, 6);
    for (size_t i = 0; i < 6; i++) {
        cr_assert_eq(t->row[i], wr[i], "entry %zu", i);
        cr_assert_eq(t->col[i], wc[i], "entry %zu", i);
        cr_assert_eq(t->val[i], wv[i], "entry %zu", i);
    }
    d4m_triples_free(t);
    /* The transpose (built from unsorted triples with 1e9 rows). */
    d4m_assoc *tr = NULL;
    CHECK_OK(d4m_assoc_transpose(&tr, a));
    CHECK_OK(d4m_assoc_sum(&s, tr, 2));
    ASSERT_ASSOC(s, "(5,1)  5\n(7,1)  8\n");
    d4m_assoc_free(s);
    d4m_assoc_free(tr);
    d4m_assoc_free(a);
    /* Unsorted triples with far-out rows, duplicates folded in input order. */
    static const double r2[] = { 7e8, 3, 7e8, 3 }, c2[] = { 1, 1, 1, 2 }, v2[] = { 5, 1, 9, 2 };
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    o.collide = D4M_COLLIDE_FIRST;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r2, 4), d4m_vec_num(c2, 4), d4m_vec_num(v2, 4), &o));
    ASSERT_ASSOC(a, "(3,1)  1\n(700000000,1)  5\n(3,2)  2\n");
    d4m_assoc_free(a);
    o.collide = D4M_COLLIDE_LAST;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r2, 4), d4m_vec_num(c2, 4), d4m_vec_num(v2, 4), &o));
    ASSERT_ASSOC(a, "(3,1)  1\n(700000000,1)  9\n(3,2)  2\n");
    d4m_assoc_free(a);
}
