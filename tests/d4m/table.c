/*
 * tests/d4m/table.c - puts, queries, pairs, degrees, combiners, iterators,
 * bulk loads, integer keys and shards of tables (d4m/table.c, d4m/db.c,
 * include/d4m/db.h, the "Tables" section of shared/D4M-SEMANTICS.md).
 *
 * Every test makes its own database in a fresh /tmp directory (db_util.h)
 * and asserts exact answers: display(A) text, or d4m_assoc_equal() against
 * an Assoc built by hand when keys hold bytes that do not print.  A few tests
 * look inside (d4m/store.h: split points, raw writes) where the contract
 * promises something the public API cannot show.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test_util.h"
#include "db_util.h"
#include "store.h"

#define KB(lit) ((d4m_key){ (lit), sizeof(lit) - 1 })

/* ---------------------------------------------------------------- helpers */

static d4m_query *qp(const char *s)
{
    if (!s)
        return NULL;
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_parse(&q, K(s)));
    return q;
}

static d4m_query *qpb(d4m_key s)
{
    d4m_query *q = NULL;
    CHECK_OK(d4m_query_parse(&q, s));
    return q;
}

/* T(rq, cq) with queries given as strings (NULL: ":"). */
static d4m_assoc *get(d4m_table *t, const char *rq, const char *cq)
{
    d4m_query *r = qp(rq), *c = qp(cq);
    d4m_assoc *a = NULL;
    int rc = d4m_table_get(&a, t, r, c);
    cr_assert_eq(rc, 0, "get('%s', '%s') -> %d: %s", rq ? rq : ":", cq ? cq : ":", rc,
                 d4m_error_message());
    cr_assert_not_null(a);
    d4m_query_free(r);
    d4m_query_free(c);
    return a;
}

#define ASSERT_GET(t, rq, cq, expected)                                          \
    do {                                                                         \
        d4m_assoc *ag_ = get((t), (rq), (cq));                                   \
        char *ag_txt_ = assoc_text(ag_);                                         \
        cr_assert_str_eq(ag_txt_, (expected), "T(%s, %s) is\n%sexpected\n%s",    \
                         (rq) ? (rq) : ":", (cq) ? (cq) : ":", ag_txt_, (expected)); \
        free(ag_txt_);                                                           \
        d4m_assoc_free(ag_);                                                     \
    } while (0)

/* The get fails with code. */
static void get_fails(d4m_table *t, const char *rq, const char *cq, int code)
{
    d4m_query *r = qp(rq), *c = qp(cq);
    d4m_assoc *a = (d4m_assoc *)0x1;
    CHECK_FAILS(d4m_table_get(&a, t, r, c), code);
    cr_assert_null(a);
    d4m_query_free(r);
    d4m_query_free(c);
}

static void put(d4m_table *t, d4m_assoc *a, unsigned flags)
{
    CHECK_OK(d4m_table_put(t, a, flags));
    d4m_assoc_free(a);
}

static void put_num(d4m_table *t, const char *r, const char *c, const double *v, size_t n,
                    unsigned flags)
{
    put(t, lists_num(r, c, v, n), flags);
}

static d4m_table *topen(d4m_db *db, const char *name)
{
    d4m_table *t = NULL;
    CHECK_OK(d4m_table_open(&t, db, name));
    return t;
}

static uint64_t nnz(d4m_table *t)
{
    uint64_t n = 99999;
    CHECK_OK(d4m_table_nnz(&n, t));
    return n;
}

/* The whole of a table as display text (malloc'd). */
static char *table_text(d4m_table *t)
{
    d4m_assoc *a = get(t, NULL, NULL);
    char *s = assoc_text(a);
    d4m_assoc_free(a);
    return s;
}

/* The whole of table `name` of db. */
#define ASSERT_TABLE(db, name, expected)                                         \
    do {                                                                         \
        d4m_table *at_ = topen((db), (name));                                    \
        ASSERT_GET(at_, NULL, NULL, (expected));                                 \
        d4m_table_close(at_);                                                    \
    } while (0)

/* The query data: rows a ab b ba c d, columns x y z. */
static const double QV[] = { 1, 2, 3, 4, 5, 6, 7 };
#define QROWS "a ab b ba c d a "
#define QCOLS "x y x z y x z "
#define QALL "(a,x)  1\n(b,x)  3\n(d,x)  6\n(ab,y)  2\n(c,y)  5\n(a,z)  7\n(ba,z)  4\n"

static d4m_table *query_table(d4m_db *db, const char *name, int pair)
{
    d4m_table *t = table_new(db, name, D4M_STR, pair, 0, 3, D4M_COMBINE_NONE);
    put_num(t, QROWS, QCOLS, QV, 7, 0);
    return t;
}

/* An encoded string key, as split points hold them. */
static void assert_split(const d4m_meta *m, uint32_t i, const char *key)
{
    cr_assert_lt(i, m->nsplits);
    d4m_buf e = { NULL, 0, 0 };
    CHECK_OK(d4m_kv__encode_str(&e, K(key)));
    cr_assert(m->splits[i].len == e.len && memcmp(m->splits[i].p, e.p, e.len) == 0,
              "split %u of %s is '%.*s', expected '%s'", i, m->name, (int)m->splits[i].len,
              m->splits[i].p, key);
    d4m__buf_free(&e);
}

/* Rows r00..r(n-1), column c00.., value i + 1: (rNN, cNN) */
static d4m_assoc *diagonal(int from, int n)
{
    d4m_key *r = calloc((size_t)n, sizeof *r), *c = calloc((size_t)n, sizeof *c);
    double *v = calloc((size_t)n, sizeof *v);
    char *text = calloc((size_t)n, 16);
    cr_assert(r && c && v && text);
    for (int i = 0; i < n; i++) {
        char *p = text + 16 * i;
        snprintf(p, 8, "r%02d", from + i);
        snprintf(p + 8, 8, "c%02d", from + i);
        r[i] = K(p);
        c[i] = K(p + 8);
        v[i] = from + i + 1;
    }
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, (size_t)n), d4m_vec_str(c, (size_t)n),
                             d4m_vec_num(v, (size_t)n), NULL));
    free(r); free(c); free(v); free(text);
    return a;
}

/* -------------------------------------------------------------- table_put */

Test(table_put, string_values, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    put(t, lists("a b a ", "x y y ", "v1 v2 v3 "), 0);
    ASSERT_GET(t, NULL, NULL, "(a,x)  v1\n(a,y)  v3\n(b,y)  v2\n");
    d4m_assoc *g = get(t, NULL, NULL);
    cr_assert_eq(d4m_assoc_val_kind(g), D4M_STR);
    d4m_assoc_free(g);
    cr_assert_eq(nnz(t), 3);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, numeric_values_exact, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    static const double v[] = { 0.1, 1.0 / 3, -2.5e300, 7 };
    put_num(t, "a b c d ", "x x x x ", v, 4, 0);
    d4m_assoc *g = get(t, NULL, NULL);
    cr_assert_eq(d4m_assoc_val_kind(g), D4M_NUM);
    cr_assert_eq(d4m_assoc_nnz(g), 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(d4m_assoc_get_ij(g, i, 0), v[i], "row %zu: %.17g", i,
                     d4m_assoc_get_ij(g, i, 0));
    d4m_assoc_free(g);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, later_put_replaces, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    static const double v1[] = { 1, 2, 3 }, v2[] = { 5 };
    put_num(t, "a b c ", "x y x ", v1, 3, 0);
    put_num(t, "a ", "x ", v2, 1, 0);
    ASSERT_GET(t, NULL, NULL, "(a,x)  5\n(c,x)  3\n(b,y)  2\n");
    cr_assert_eq(nnz(t), 3);
    /* A string replaces a number: the answer is then all strings. */
    put(t, lists("c ", "x ", "s "), 0);
    ASSERT_GET(t, NULL, NULL, "(a,x)  5\n(c,x)  s\n(b,y)  2\n");
    cr_assert_eq(nnz(t), 3);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* Mixed values come back as strings, numbers printed exactly (d4m_table_get);
 * the numbers before a string must not be lost. */
Test(table_put, mixed_values_come_back_as_strings, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    static const double v[] = { 1, 0.5, 2, -3 };
    put_num(t, "a a c c ", "x y z w ", v, 4, 0);
    put(t, lists("b ", "x ", "s "), 0);
    /* Row order: (a,x) 1, (a,y) 0.5, (b,x) s, (c,w) -3, (c,z) 2 */
    d4m_assoc *g = get(t, NULL, NULL);
    cr_assert_eq(d4m_assoc_val_kind(g), D4M_STR);
    ASSERT_ASSOC(g, "(c,w)  -3\n(a,x)  1\n(b,x)  s\n(a,y)  0.5\n(c,z)  2\n");
    d4m_assoc_free(g);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* d4m_table_get: mixed answers print numbers "as the shortest text that
 * reads back exactly: 0.1 is "0.1"". */
Test(table_put, mixed_values_numbers_shortest_exact, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    static const double v[] = { 0.1, 0.1 + 0.2, 1e21, -0.5, 123456789012.0 };
    put(t, lists("a ", "x ", "s "), 0);
    put_num(t, "b c d e f ", "x x x x x ", v, 5, 0);
    ASSERT_GET(t, NULL, NULL,
               "(a,x)  s\n(b,x)  0.1\n(c,x)  0.30000000000000004\n(d,x)  1e+21\n"
               "(e,x)  -0.5\n(f,x)  123456789012\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, numeric_keys_become_decimal_strings, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    static const double r[] = { 2, 10 }, v[] = { 1, 2 };
    d4m_key c[] = { K("x") };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r, 2), d4m_vec_str(c, 1), d4m_vec_num(v, 2), NULL));
    put(t, a, 0);
    /* String keys sort bytewise: "10" < "2". */
    ASSERT_GET(t, NULL, NULL, "(10,x)  2\n(2,x)  1\n");
    d4m_assoc *g = get(t, NULL, NULL);
    cr_assert_eq(d4m_assoc_key_kind(g, 1), D4M_STR);
    d4m_assoc_free(g);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, empty_assoc_puts_nothing, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 1, 1, 2, D4M_COMBINE_NONE);
    d4m_assoc *e = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    CHECK_OK(d4m_table_put(t, e, 0));
    CHECK_OK(d4m_table_put(t, e, D4M_PUT_BULK));
    d4m_assoc_free(e);
    cr_assert_eq(nnz(t), 0);
    ASSERT_GET(t, NULL, NULL, "");
    ASSERT_TABLE(d.db, "TDeg", "");
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, binary_keys, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    d4m_key r[] = { KB("a\0b"), KB("a"), KB("a\xff"), KB("a,b"), KB("a b"), KB("\xff\xff"),
                    KB("\0") };
    d4m_key c[] = { KB("c\0"), KB("c"), KB("c\0"), KB("c"), KB("c\xff"), KB("c"), KB("c") };
    static const double v[] = { 1, 2, 3, 4, 5, 6, 7 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, 7), d4m_vec_str(c, 7), d4m_vec_num(v, 7), NULL));
    CHECK_OK(d4m_table_put(t, a, 0));
    d4m_assoc *g = get(t, NULL, NULL);
    cr_assert(d4m_assoc_equal(g, a), "the table gives back what was put");
    d4m_assoc_free(g);
    cr_assert_eq(nnz(t), 7);
    d4m_assoc_free(a);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, nnz_after_overwrites_and_deletes, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    cr_assert_eq(nnz(t), 0);
    static const double v[] = { 1, 2, 3, 4 };
    put_num(t, "a b c d ", "x x y y ", v, 4, 0);
    cr_assert_eq(nnz(t), 4);
    put_num(t, "a b e ", "x x x ", v, 3, 0);
    cr_assert_eq(nnz(t), 5);
    d4m_key rk[] = { K("a"), K("zz"), K("c") }, ck[] = { K("x"), K("x"), K("x") };
    CHECK_OK(d4m_table_delete(t, d4m_vec_str(rk, 3), d4m_vec_str(ck, 3)));
    cr_assert_eq(nnz(t), 4, "(a,x) deleted; (zz,x) and (c,x) absent");
    ASSERT_GET(t, NULL, NULL, "(b,x)  2\n(e,x)  3\n(c,y)  3\n(d,y)  4\n");
    uint64_t n;
    CHECK_FAILS(d4m_table_nnz(NULL, t), D4M_EINVAL);
    CHECK_FAILS(d4m_table_nnz(&n, NULL), D4M_EINVAL);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, put_triples_vectors_and_repetition, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    d4m_key r[] = { K("a"), K("b"), K("c") }, c1[] = { K("x") };
    static const double v[] = { 1, 2, 3 }, seven[] = { 7 };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 3), d4m_vec_str(c1, 1), d4m_vec_num(v, 3),
                                   0));
    d4m_key r1[] = { K("d") }, c2[] = { K("x"), K("y") };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r1, 1), d4m_vec_str(c2, 2),
                                   d4m_vec_num(seven, 1), 0));
    ASSERT_GET(t, NULL, NULL, "(a,x)  1\n(b,x)  2\n(c,x)  3\n(d,x)  7\n(d,y)  7\n");
    d4m_key sv[] = { K("hello") };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 2), d4m_vec_str(c1, 1), d4m_vec_str(sv, 1),
                                   0));
    ASSERT_GET(t, NULL, NULL,
               "(a,x)  hello\n(b,x)  hello\n(c,x)  3\n(d,x)  7\n(d,y)  7\n");
    /* Lengths that disagree. */
    CHECK_FAILS(d4m_table_put_triples(t, d4m_vec_str(r, 3), d4m_vec_str(c2, 2),
                                      d4m_vec_num(v, 3), 0), D4M_ELENGTH);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, put_triples_duplicates_last_wins, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    d4m_key r[] = { K("a"), K("a"), K("a"), K("b") }, c[] = { K("x"), K("x"), K("x"), K("x") };
    static const double v[] = { 3, 1, 2, 9 };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 4), d4m_vec_str(c, 4), d4m_vec_num(v, 4),
                                   0));
    ASSERT_GET(t, NULL, NULL, "(a,x)  2\n(b,x)  9\n");
    d4m_key s[] = { K("z"), K("a"), K("m"), K("q") };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 4), d4m_vec_str(c, 4), d4m_vec_str(s, 4),
                                   0));
    ASSERT_GET(t, NULL, NULL, "(a,x)  m\n(b,x)  q\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_put, bad_arguments, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    d4m_table *n = table_new(d.db, "N", D4M_NUM, 0, 0, 2, D4M_COMBINE_NONE);
    d4m_assoc *a = lists("a ", "x ", "v ");
    CHECK_FAILS(d4m_table_put(NULL, a, 0), D4M_EINVAL);
    CHECK_FAILS(d4m_table_put(t, NULL, 0), D4M_EINVAL);
    CHECK_FAILS(d4m_table_put(t, a, 0x40u), D4M_EINVAL);
    /* String keys do not go into a table of integer keys. */
    CHECK_FAILS(d4m_table_put(n, a, 0), D4M_EKEYKIND);
    d4m_key k[] = { K("a") };
    CHECK_FAILS(d4m_table_put_triples(NULL, d4m_vec_str(k, 1), d4m_vec_str(k, 1),
                                      d4m_vec_str(k, 1), 0), D4M_EINVAL);
    CHECK_FAILS(d4m_table_delete(NULL, d4m_vec_str(k, 1), d4m_vec_str(k, 1)), D4M_EINVAL);
    cr_assert_eq(nnz(t), 0);
    cr_assert_eq(nnz(n), 0);
    d4m_assoc_free(a);
    d4m_table_close(t);
    d4m_table_close(n);
    tmpdb_free(&d);
}

/* ------------------------------------------------------------ table_query */

/* Every query, on a table with a transpose and on one without: the same
 * answers. */
static void check_queries(d4m_table *t)
{
    ASSERT_GET(t, NULL, NULL, QALL);
    ASSERT_GET(t, ":", ":", QALL);
    ASSERT_GET(t, "a b ", NULL, "(a,x)  1\n(b,x)  3\n(a,z)  7\n");
    ASSERT_GET(t, "zz a q ", NULL, "(a,x)  1\n(a,z)  7\n");
    ASSERT_GET(t, "zz ", NULL, "");
    ASSERT_GET(t, "a : b ", NULL, "(a,x)  1\n(b,x)  3\n(ab,y)  2\n(a,z)  7\n");
    ASSERT_GET(t, "a,:,b,", NULL, "(a,x)  1\n(b,x)  3\n(ab,y)  2\n(a,z)  7\n");
    ASSERT_GET(t, "b : end ", NULL, "(b,x)  3\n(d,x)  6\n(c,y)  5\n(ba,z)  4\n");
    ASSERT_GET(t, "bb : end ", NULL, "(d,x)  6\n(c,y)  5\n");
    ASSERT_GET(t, ": ab ", NULL, "(a,x)  1\n(ab,y)  2\n(a,z)  7\n");
    ASSERT_GET(t, "a* ", NULL, "(a,x)  1\n(ab,y)  2\n(a,z)  7\n");
    ASSERT_GET(t, "b* ", NULL, "(b,x)  3\n(ba,z)  4\n");
    ASSERT_GET(t, "* ", NULL, QALL);
    ASSERT_GET(t, "a c : d ", NULL, "(a,x)  1\n(d,x)  6\n(c,y)  5\n(a,z)  7\n");
    ASSERT_GET(t, "a : b ab* b ", NULL, "(a,x)  1\n(b,x)  3\n(ab,y)  2\n(a,z)  7\n");
    ASSERT_GET(t, "c : b ", NULL, "");
    /* columns */
    ASSERT_GET(t, NULL, "x ", "(a,x)  1\n(b,x)  3\n(d,x)  6\n");
    ASSERT_GET(t, ":", "x z ", "(a,x)  1\n(b,x)  3\n(d,x)  6\n(a,z)  7\n(ba,z)  4\n");
    ASSERT_GET(t, NULL, "x : y ", "(a,x)  1\n(b,x)  3\n(d,x)  6\n(ab,y)  2\n(c,y)  5\n");
    ASSERT_GET(t, NULL, "y : end ", "(ab,y)  2\n(c,y)  5\n(a,z)  7\n(ba,z)  4\n");
    ASSERT_GET(t, NULL, ": x ", "(a,x)  1\n(b,x)  3\n(d,x)  6\n");
    ASSERT_GET(t, NULL, "z* ", "(a,z)  7\n(ba,z)  4\n");
    ASSERT_GET(t, NULL, "q ", "");
    /* rows and columns */
    ASSERT_GET(t, "a : b ", "x z ", "(a,x)  1\n(b,x)  3\n(a,z)  7\n");
    ASSERT_GET(t, "b* ", "z ", "(ba,z)  4\n");
    ASSERT_GET(t, "c d ", "x : y ", "(d,x)  6\n(c,y)  5\n");
    ASSERT_GET(t, "d ", "y ", "");
    /* StartsWith and key vectors */
    d4m_query *sw = NULL, *kv = NULL, *csw = NULL;
    CHECK_OK(d4m_query_starts_with(&sw, K("b d ")));
    d4m_key keys[] = { K("c"), K("ab"), K("nope") };
    CHECK_OK(d4m_query_keys(&kv, keys, 3));
    CHECK_OK(d4m_query_starts_with(&csw, K("y,z,")));
    d4m_assoc *g = NULL;
    CHECK_OK(d4m_table_get(&g, t, sw, NULL));
    ASSERT_ASSOC(g, "(b,x)  3\n(d,x)  6\n(ba,z)  4\n");
    d4m_assoc_free(g);
    CHECK_OK(d4m_table_get(&g, t, kv, NULL));
    ASSERT_ASSOC(g, "(ab,y)  2\n(c,y)  5\n");
    d4m_assoc_free(g);
    CHECK_OK(d4m_table_get(&g, t, NULL, csw));
    ASSERT_ASSOC(g, "(ab,y)  2\n(c,y)  5\n(a,z)  7\n(ba,z)  4\n");
    d4m_assoc_free(g);
    CHECK_OK(d4m_table_get(&g, t, sw, csw));
    ASSERT_ASSOC(g, "(ba,z)  4\n");
    d4m_assoc_free(g);
    d4m_query_free(sw);
    d4m_query_free(kv);
    d4m_query_free(csw);
}

Test(table_query, without_pair, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = query_table(d.db, "T", 0);
    check_queries(t);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_query, with_pair, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = query_table(d.db, "P", 1);
    check_queries(t);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* Keys with \0, 0xFF, the separator and spaces: queries with '\n' as the
 * separator, key vectors and prefixes. */
static void check_binary_queries(d4m_table *t)
{
    d4m_key want1[] = { KB("a\0b") };
    d4m_query *q = NULL;
    d4m_assoc *g = NULL;
    CHECK_OK(d4m_query_keys(&q, want1, 1));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    cr_assert_eq(d4m_assoc_nnz(g), 1);
    d4m_key k = d4m_assoc_key(g, 1, 0);
    cr_assert(k.len == 3 && memcmp(k.ptr, "a\0b", 3) == 0);
    k = d4m_assoc_key(g, 2, 0);
    cr_assert(k.len == 2 && memcmp(k.ptr, "c\0", 2) == 0);
    cr_assert_eq(d4m_assoc_get_ij(g, 0, 0), 1);
    d4m_assoc_free(g);
    d4m_query_free(q);

    /* Prefix "a": every row but "\xff\xff" and "\0". */
    q = qpb(KB("a*\n"));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    cr_assert_eq(d4m_assoc_nnz(g), 5);
    cr_assert_eq(d4m_assoc_nrows(g), 5);
    d4m_assoc_free(g);
    d4m_query_free(q);
    /* Prefix "a\0": only "a\0b". */
    CHECK_OK(d4m_query_starts_with(&q, KB("a\0\n")));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    cr_assert_eq(d4m_assoc_nnz(g), 1);
    k = d4m_assoc_key(g, 1, 0);
    cr_assert(k.len == 3 && memcmp(k.ptr, "a\0b", 3) == 0);
    d4m_assoc_free(g);
    d4m_query_free(q);
    /* Range "a\0" : "a,": a\0b and "a b" ("a,b" > "a,"). */
    q = qpb(KB("a\0\n:\na,\n"));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    cr_assert_eq(d4m_assoc_nnz(g), 2);
    k = d4m_assoc_key(g, 1, 0);
    cr_assert(k.len == 3 && memcmp(k.ptr, "a\0b", 3) == 0);
    k = d4m_assoc_key(g, 1, 1);
    cr_assert(k.len == 3 && memcmp(k.ptr, "a b", 3) == 0);
    d4m_assoc_free(g);
    d4m_query_free(q);
    /* Keys holding a separator of some other list. */
    q = qpb(KB("a,b\na b\n"));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    ASSERT_ASSOC(g, "(a,b,c)  4\n(a b,c\xff)  5\n");
    d4m_assoc_free(g);
    d4m_query_free(q);
    /* Open range from 0xFF: the last row. */
    q = qpb(KB("\xff\n:\nend\n"));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    ASSERT_ASSOC(g, "(\xff\xff,c)  6\n");
    d4m_assoc_free(g);
    d4m_query_free(q);
    /* Prefix of 0xFF bytes. */
    q = qpb(KB("\xff*\n"));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    ASSERT_ASSOC(g, "(\xff\xff,c)  6\n");
    d4m_assoc_free(g);
    d4m_query_free(q);
    /* Columns: "c\0" (from the transpose, or filtered). */
    d4m_key cw[] = { KB("c\0") };
    CHECK_OK(d4m_query_keys(&q, cw, 1));
    CHECK_OK(d4m_table_get(&g, t, NULL, q));
    cr_assert_eq(d4m_assoc_nnz(g), 2);
    cr_assert_eq(d4m_assoc_ncols(g), 1);
    k = d4m_assoc_key(g, 2, 0);
    cr_assert(k.len == 2 && memcmp(k.ptr, "c\0", 2) == 0);
    k = d4m_assoc_key(g, 1, 0);
    cr_assert(k.len == 3 && memcmp(k.ptr, "a\0b", 3) == 0);
    k = d4m_assoc_key(g, 1, 1);
    cr_assert(k.len == 2 && memcmp(k.ptr, "a\xff", 2) == 0);
    d4m_assoc_free(g);
    d4m_query_free(q);
    q = qpb(KB("c\xff*\n"));
    CHECK_OK(d4m_table_get(&g, t, NULL, q));
    ASSERT_ASSOC(g, "(a b,c\xff)  5\n");
    d4m_assoc_free(g);
    d4m_query_free(q);
    /* The row "\0". */
    d4m_key z[] = { KB("\0") };
    CHECK_OK(d4m_query_keys(&q, z, 1));
    CHECK_OK(d4m_table_get(&g, t, q, NULL));
    cr_assert_eq(d4m_assoc_nnz(g), 1);
    k = d4m_assoc_key(g, 1, 0);
    cr_assert(k.len == 1 && k.ptr[0] == '\0');
    cr_assert_eq(d4m_assoc_get_ij(g, 0, 0), 7);
    d4m_assoc_free(g);
    d4m_query_free(q);
}

static d4m_table *binary_table(d4m_db *db, const char *name, int pair)
{
    d4m_table *t = table_new(db, name, D4M_STR, pair, 0, 2, D4M_COMBINE_NONE);
    d4m_key r[] = { KB("a\0b"), KB("a"), KB("a\xff"), KB("a,b"), KB("a b"), KB("\xff\xff"),
                    KB("\0") };
    d4m_key c[] = { KB("c\0"), KB("c"), KB("c\0"), KB("c"), KB("c\xff"), KB("c"), KB("c") };
    static const double v[] = { 1, 2, 3, 4, 5, 6, 7 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, 7), d4m_vec_str(c, 7), d4m_vec_num(v, 7), NULL));
    put(t, a, 0);
    return t;
}

Test(table_query, binary_keys_without_pair, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = binary_table(d.db, "T", 0);
    check_binary_queries(t);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_query, binary_keys_with_pair, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = binary_table(d.db, "T", 1);
    check_binary_queries(t);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_query, errors, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = query_table(d.db, "P", 1);
    d4m_query *q = (d4m_query *)0x1;
    CHECK_FAILS(d4m_query_parse(&q, K("a : ")), D4M_EPARSE);
    /* Position queries select keys of an Assoc, not of a table. */
    static const uint64_t pos[] = { 1, 2 };
    CHECK_OK(d4m_query_positions(&q, pos, 2));
    d4m_assoc *g = (d4m_assoc *)0x1;
    CHECK_FAILS(d4m_table_get(&g, t, q, NULL), D4M_EINVAL);
    cr_assert_null(g);
    CHECK_FAILS(d4m_table_get(&g, t, NULL, q), D4M_EINVAL);
    CHECK_FAILS(d4m_table_get(&g, t, qp(NULL), q), D4M_EINVAL);
    d4m_query *r = qp("a ");
    CHECK_FAILS(d4m_table_get(&g, t, r, q), D4M_EINVAL);
    d4m_table_iter *it = (d4m_table_iter *)0x1;
    CHECK_FAILS(d4m_table_iter_new(&it, t, q, NULL, 2), D4M_EINVAL);
    cr_assert_null(it);
    d4m_query_free(q);
    d4m_query_free(r);
    CHECK_FAILS(d4m_table_get(NULL, t, NULL, NULL), D4M_EINVAL);
    CHECK_FAILS(d4m_table_get(&g, NULL, NULL, NULL), D4M_EINVAL);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* ------------------------------------------------------------- table_pair */

Test(table_pair, transpose_holds_the_transpose, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = query_table(d.db, "P", 1);
    ASSERT_TABLE(d.db, "PT",
                 "(x,a)  1\n(z,a)  7\n(y,ab)  2\n(x,b)  3\n(z,ba)  4\n(y,c)  5\n(x,d)  6\n");
    d4m_table *pt = topen(d.db, "PT");
    cr_assert_eq(nnz(pt), 7);
    d4m_table_close(pt);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* A column query alone is answered from the transpose: an entry written only
 * into the transpose shows in column queries, not in row scans. */
Test(table_pair, column_query_reads_the_transpose, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = query_table(d.db, "P", 1);
    d4m_table *pt = topen(d.db, "PT");
    /* The transpose is written through its table only: a put into it is
     * refused, so the entry (zz, x) only P's column queries can see is
     * written raw, (x, zz) in PT. */
    static const double nine[] = { 9 };
    d4m_assoc *one = lists_num("x ", "zz ", nine, 1);
    CHECK_FAILS(d4m_table_put(pt, one, 0), D4M_EINVAL);
    cr_assert(strstr(d4m_error_message(), "is the transpose of another table"), "%s",
              d4m_error_message());
    d4m_assoc_free(one);
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    d4m_kv__put_table_id(&k, pt->m.id);
    CHECK_OK(d4m_kv__encode_str(&k, K("x")));
    CHECK_OK(d4m_kv__encode_str(&k, K("zz")));
    CHECK_OK(d4m_kv__encode_num_value(&v, 9));
    d4m_kv_batch *b = NULL;
    CHECK_OK(d4m_kv__batch_new(&b));
    d4m_kv__batch_put(b, (d4m_key){ k.p, k.len }, (d4m_key){ v.p, v.len });
    CHECK_OK(d4m_kv__batch_write(d.db->kv, b, false));
    d4m_kv__batch_free(b);
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    ASSERT_GET(t, NULL, "x ", "(a,x)  1\n(b,x)  3\n(d,x)  6\n(zz,x)  9\n");
    ASSERT_GET(t, ":", "x : y ",
               "(a,x)  1\n(b,x)  3\n(d,x)  6\n(zz,x)  9\n(ab,y)  2\n(c,y)  5\n");
    /* Row scans read P itself. */
    ASSERT_GET(t, NULL, NULL, QALL);
    ASSERT_GET(t, "zz ", NULL, "");
    ASSERT_GET(t, "zz ", "x ", "");
    /* And a table without a pair filters its own rows. */
    d4m_table *u = query_table(d.db, "U", 0);
    ASSERT_GET(u, NULL, "x ", "(a,x)  1\n(b,x)  3\n(d,x)  6\n");
    d4m_table_close(u);
    d4m_table_close(pt);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_pair, delete_from_both, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = query_table(d.db, "P", 1);
    d4m_key r[] = { K("a"), K("b") }, c[] = { K("x") };
    CHECK_OK(d4m_table_delete(t, d4m_vec_str(r, 2), d4m_vec_str(c, 1)));
    ASSERT_GET(t, NULL, "x ", "(d,x)  6\n");
    ASSERT_GET(t, NULL, NULL, "(d,x)  6\n(ab,y)  2\n(c,y)  5\n(a,z)  7\n(ba,z)  4\n");
    ASSERT_TABLE(d.db, "PT", "(z,a)  7\n(y,ab)  2\n(z,ba)  4\n(y,c)  5\n(x,d)  6\n");
    cr_assert_eq(nnz(t), 5);
    /* Lengths that disagree; absent triples are ignored. */
    d4m_key c3[] = { K("x"), K("y"), K("z") };
    CHECK_FAILS(d4m_table_delete(t, d4m_vec_str(r, 2), d4m_vec_str(c3, 3)), D4M_ELENGTH);
    d4m_key none[] = { K("nope") };
    CHECK_OK(d4m_table_delete(t, d4m_vec_str(none, 1), d4m_vec_str(c3, 3)));
    cr_assert_eq(nnz(t), 5);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_pair, later_put_replaces_in_both, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = query_table(d.db, "P", 1);
    static const double v[] = { 100 };
    put_num(t, "a ", "x ", v, 1, 0);
    ASSERT_GET(t, NULL, "x ", "(a,x)  100\n(b,x)  3\n(d,x)  6\n");
    ASSERT_GET(t, "a ", NULL, "(a,x)  100\n(a,z)  7\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* ----------------------------------------------------------- table_degree */

Test(table_degree, counts_after_several_puts, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "E", D4M_STR, 1, 1, 2, D4M_COMBINE_NONE);
    put(t, lists("a a b ", "x y x ", "1 1 1 "), 0);
    put(t, lists("a c ", "z x ", "1 1 "), 0);
    ASSERT_TABLE(d.db, "EDeg",
                 "(x,InDeg)  3\n(y,InDeg)  1\n(z,InDeg)  1\n"
                 "(a,OutDeg)  3\n(b,OutDeg)  1\n(c,OutDeg)  1\n");
    /* A key that is both a row and a column key gets both counts. */
    put(t, lists("x ", "a ", "1 "), 0);
    ASSERT_TABLE(d.db, "EDeg",
                 "(a,InDeg)  1\n(x,InDeg)  3\n(y,InDeg)  1\n(z,InDeg)  1\n"
                 "(a,OutDeg)  3\n(b,OutDeg)  1\n(c,OutDeg)  1\n(x,OutDeg)  1\n");
    d4m_table *deg = topen(d.db, "EDeg");
    d4m_assoc *g = get(deg, NULL, "OutDeg ");
    ASSERT_ASSOC(g, "(a,OutDeg)  3\n(b,OutDeg)  1\n(c,OutDeg)  1\n(x,OutDeg)  1\n");
    cr_assert_eq(d4m_assoc_val_kind(g), D4M_NUM);
    d4m_assoc_free(g);
    d4m_table_close(deg);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_degree, put_triples_counts_too, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "E", D4M_STR, 0, 1, 2, D4M_COMBINE_NONE);
    d4m_key r[] = { K("a"), K("b") }, c[] = { K("x"), K("y") };
    static const double one[] = { 1 };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 2), d4m_vec_str(c, 2),
                                   d4m_vec_num(one, 1), 0));
    ASSERT_TABLE(d.db, "EDeg", "(x,InDeg)  1\n(y,InDeg)  1\n(a,OutDeg)  1\n(b,OutDeg)  1\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* --------------------------------------------------------- table_combiner */

Test(table_combiner, sum_min_max_whole_table, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    static const d4m_combiner op[3] = { D4M_COMBINE_SUM, D4M_COMBINE_MIN, D4M_COMBINE_MAX };
    static const char *const name[3] = { "S", "Mn", "Mx" };
    static const char *const want[3] = { "(a,x)  7\n(b,x)  2\n", "(a,x)  -1\n(b,x)  2\n",
                                         "(a,x)  5\n(b,x)  2\n" };
    for (int i = 0; i < 3; i++) {
        d4m_table *t = table_new(d.db, name[i], D4M_STR, 1, 0, 2, op[i]);
        static const double v1[] = { 3, 2 }, v2[] = { 5 }, v3[] = { -1 };
        put_num(t, "a b ", "x x ", v1, 2, 0);
        put_num(t, "a ", "x ", v2, 1, 0);
        put_num(t, "a ", "x ", v3, 1, 0);
        ASSERT_GET(t, NULL, NULL, want[i]);
        /* The transpose combines the same way. */
        ASSERT_GET(t, NULL, "x ", want[i]);
        cr_assert_eq(nnz(t), 2);
        d4m_table_info info;
        CHECK_OK(d4m_table_info_get(&info, t));
        cr_assert_eq(info.combiner, op[i]);
        d4m_table_close(t);
    }
    tmpdb_free(&d);
}

Test(table_combiner, put_triples_duplicates_combine, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *s = table_new(d.db, "S", D4M_STR, 0, 0, 2, D4M_COMBINE_SUM);
    d4m_table *m = table_new(d.db, "M", D4M_STR, 0, 0, 2, D4M_COMBINE_MIN);
    d4m_key r[] = { K("a"), K("a"), K("a") }, c[] = { K("x") };
    static const double v[] = { 10, 20, 5 };
    CHECK_OK(d4m_table_put_triples(s, d4m_vec_str(r, 3), d4m_vec_str(c, 1), d4m_vec_num(v, 3),
                                   0));
    CHECK_OK(d4m_table_put_triples(s, d4m_vec_str(r, 1), d4m_vec_str(c, 1), d4m_vec_num(v, 1),
                                   0));
    ASSERT_GET(s, NULL, NULL, "(a,x)  45\n");
    CHECK_OK(d4m_table_put_triples(m, d4m_vec_str(r, 3), d4m_vec_str(c, 1), d4m_vec_num(v, 3),
                                   0));
    ASSERT_GET(m, NULL, NULL, "(a,x)  5\n");
    d4m_table_close(s);
    d4m_table_close(m);
    tmpdb_free(&d);
}

Test(table_combiner, column_prefix, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 1, 0, 2, D4M_COMBINE_NONE);
    CHECK_OK(d4m_table_add_col_combiner(t, K("Degree,"), D4M_COMBINE_SUM));
    CHECK_OK(d4m_table_add_col_combiner(t, K("Max,"), D4M_COMBINE_MAX));
    d4m_key r[] = { K("a"), K("a"), K("a"), K("a"), K("a"), K("a"), K("a") };
    d4m_key c[] = { K("Degree,in"), K("Degree,in"), K("other"), K("other"), K("Degree"),
                    K("Max,v"), K("Max,v") };
    static const double v[] = { 1, 2, 5, 7, 4, 3, 8 };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 7), d4m_vec_str(c, 7), d4m_vec_num(v, 7),
                                   0));
    ASSERT_GET(t, NULL, NULL,
               "(a,Degree)  4\n(a,Degree,in)  3\n(a,Max,v)  8\n(a,other)  7\n");
    static const double w[] = { 4, 1, 1, 2 };
    put_num(t, "a a a a ", "Degree,in other Degree Max,v ", w, 4, 0);
    ASSERT_GET(t, NULL, NULL,
               "(a,Degree)  1\n(a,Degree,in)  7\n(a,Max,v)  8\n(a,other)  1\n");
    /* The transpose combines alike. */
    ASSERT_GET(t, NULL, "Degree,in Max,v ", "(a,Degree,in)  7\n(a,Max,v)  8\n");
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.col_combiners, 2);
    /* The same prefix again changes its rule, not the count. */
    CHECK_OK(d4m_table_add_col_combiner(t, K("Max,"), D4M_COMBINE_MIN));
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.col_combiners, 2);
    d4m_table_close(t);
    /* Combiners are kept with the table. */
    t = topen(d.db, "T");
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.col_combiners, 2);
    static const double x[] = { 10, 3 };
    put_num(t, "a a ", "Degree,in Max,v ", x, 2, 0);
    ASSERT_GET(t, NULL, NULL,
               "(a,Degree)  1\n(a,Degree,in)  17\n(a,Max,v)  3\n(a,other)  1\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_combiner, string_values_refused, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *s = table_new(d.db, "S", D4M_STR, 1, 0, 2, D4M_COMBINE_SUM);
    d4m_assoc *a = lists("a b ", "x x ", "1 one ");
    CHECK_FAILS(d4m_table_put(s, a, 0), D4M_EVALKIND);
    CHECK_FAILS(d4m_table_put(s, a, D4M_PUT_BULK), D4M_EVALKIND);
    d4m_key r[] = { K("a") }, c[] = { K("x") }, v[] = { K("str") };
    CHECK_FAILS(d4m_table_put_triples(s, d4m_vec_str(r, 1), d4m_vec_str(c, 1),
                                      d4m_vec_str(v, 1), 0), D4M_EVALKIND);
    cr_assert_eq(nnz(s), 0, "nothing was written");
    ASSERT_TABLE(d.db, "ST", "");
    d4m_assoc_free(a);

    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    CHECK_OK(d4m_table_add_col_combiner(t, K("Degree,"), D4M_COMBINE_SUM));
    d4m_key c2[] = { K("Degree,x") }, c3[] = { K("name") };
    CHECK_FAILS(d4m_table_put_triples(t, d4m_vec_str(r, 1), d4m_vec_str(c2, 1),
                                      d4m_vec_str(v, 1), 0), D4M_EVALKIND);
    a = lists("a ", "Degree,x ", "str ");
    CHECK_FAILS(d4m_table_put(t, a, 0), D4M_EVALKIND);
    d4m_assoc_free(a);
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 1), d4m_vec_str(c3, 1), d4m_vec_str(v, 1),
                                   0));
    ASSERT_GET(t, NULL, NULL, "(a,name)  str\n");
    /* bad combiner arguments */
    CHECK_FAILS(d4m_table_add_col_combiner(t, K("p"), D4M_COMBINE_NONE), D4M_EINVAL);
    CHECK_FAILS(d4m_table_add_col_combiner(t, K("p"), (d4m_combiner)9), D4M_EINVAL);
    CHECK_FAILS(d4m_table_add_col_combiner(NULL, K("p"), D4M_COMBINE_SUM), D4M_EINVAL);
    d4m_table_close(t);
    d4m_table_close(s);
    tmpdb_free(&d);
}

/* ------------------------------------------------------------- table_iter */

/* (a,x)1 (a,y)2 (b,x)3 (c,x)4 (c,y)5 (d,y)6, in row order. */
static d4m_table *iter_table(d4m_db *db, const char *name, int pair)
{
    d4m_table *t = table_new(db, name, D4M_STR, pair, 0, 2, D4M_COMBINE_NONE);
    static const double v[] = { 1, 2, 3, 4, 5, 6 };
    put_num(t, "a a b c c d ", "x y x x y y ", v, 6, 0);
    return t;
}

/* The chunks of an iterator, then D4M_ITER_DONE with an empty Assoc (twice). */
static void check_chunks(d4m_table_iter *it, const char *const *chunks)
{
    for (size_t i = 0; chunks[i]; i++) {
        d4m_assoc *a = NULL;
        int rc = d4m_table_iter_next(&a, it);
        cr_assert_eq(rc, 0, "chunk %zu: %d (%s)", i, rc, d4m_error_message());
        cr_assert_not_null(a);
        char *txt = assoc_text(a);
        cr_assert_str_eq(txt, chunks[i], "chunk %zu", i);
        free(txt);
        d4m_assoc_free(a);
    }
    for (int k = 0; k < 2; k++) {
        d4m_assoc *a = NULL;
        cr_assert_eq(d4m_table_iter_next(&a, it), D4M_ITER_DONE);
        cr_assert_not_null(a, "an empty Assoc at the end");
        cr_assert(d4m_assoc_is_empty(a));
        ASSERT_ASSOC(a, "");
        d4m_assoc_free(a);
    }
}

static void check_iter(d4m_table *t, const char *rq, const char *cq, size_t chunk,
                       const char *const *chunks)
{
    d4m_query *r = qp(rq), *c = qp(cq);
    d4m_table_iter *it = NULL;
    CHECK_OK(d4m_table_iter_new(&it, t, r, c, chunk));
    check_chunks(it, chunks);
    d4m_table_iter_free(it);
    d4m_query_free(r);
    d4m_query_free(c);
}

Test(table_iter, chunk_sizes, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = iter_table(d.db, "T", 0);
    const char *c1[] = { "(a,x)  1\n", "(a,y)  2\n", "(b,x)  3\n", "(c,x)  4\n", "(c,y)  5\n",
                         "(d,y)  6\n", NULL };
    check_iter(t, NULL, NULL, 1, c1);
    const char *c2[] = { "(a,x)  1\n(a,y)  2\n", "(b,x)  3\n(c,x)  4\n", "(c,y)  5\n(d,y)  6\n",
                         NULL };
    check_iter(t, NULL, NULL, 2, c2);
    const char *c3[] = { "(a,x)  1\n(b,x)  3\n(a,y)  2\n", "(c,x)  4\n(c,y)  5\n(d,y)  6\n",
                         NULL };
    check_iter(t, NULL, NULL, 3, c3);
    const char *c4[] = { "(a,x)  1\n(b,x)  3\n(c,x)  4\n(a,y)  2\n", "(c,y)  5\n(d,y)  6\n",
                         NULL };
    check_iter(t, NULL, NULL, 4, c4);
    const char *call[] = { "(a,x)  1\n(b,x)  3\n(c,x)  4\n(a,y)  2\n(c,y)  5\n(d,y)  6\n", NULL };
    check_iter(t, NULL, NULL, 6, call);
    check_iter(t, NULL, NULL, 100, call);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_iter, queries, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    for (int pair = 0; pair < 2; pair++) {
        d4m_table *t = iter_table(d.db, pair ? "P" : "T", pair);
        const char *r1[] = { "(b,x)  3\n(c,x)  4\n", "(c,y)  5\n(d,y)  6\n", NULL };
        check_iter(t, "b : end ", NULL, 2, r1);
        const char *r2[] = { "(a,x)  1\n", "(a,y)  2\n", "(d,y)  6\n", NULL };
        check_iter(t, "a d ", NULL, 1, r2);
        check_iter(t, "d a zz ", NULL, 1, r2);
        const char *c1[] = { "(a,y)  2\n(c,y)  5\n", "(d,y)  6\n", NULL };
        check_iter(t, NULL, "y ", 2, c1);
        const char *rc[] = { "(c,x)  4\n", "(c,y)  5\n", NULL };
        check_iter(t, "c ", "x y ", 1, rc);
        const char *none[] = { NULL };
        check_iter(t, "zz ", NULL, 3, none);
        check_iter(t, NULL, "q ", 3, none);
        d4m_table_close(t);
    }
    tmpdb_free(&d);
}

/* An iterator reads the table as it was when the iterator was made. */
Test(table_iter, snapshot, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    for (int pair = 0; pair < 2; pair++) {
        d4m_table *t = iter_table(d.db, pair ? "P" : "T", pair);
        d4m_table_iter *it = NULL, *ct = NULL;
        CHECK_OK(d4m_table_iter_new(&it, t, NULL, NULL, 2));
        d4m_query *cq = qp("x ");
        CHECK_OK(d4m_table_iter_new(&ct, t, NULL, cq, 1));
        d4m_assoc *a = NULL;
        CHECK_OK(d4m_table_iter_next(&a, it));
        ASSERT_ASSOC(a, "(a,x)  1\n(a,y)  2\n");
        d4m_assoc_free(a);
        /* Writes after the iterators were made. */
        static const double v[] = { 9, 40, 11 };
        put_num(t, "aa c e ", "x x x ", v, 3, 0);
        d4m_key dr[] = { K("d"), K("b") }, dc[] = { K("y"), K("x") };
        CHECK_OK(d4m_table_delete(t, d4m_vec_str(dr, 2), d4m_vec_str(dc, 2)));
        const char *rest[] = { "(b,x)  3\n(c,x)  4\n", "(c,y)  5\n(d,y)  6\n", NULL };
        check_chunks(it, rest);
        const char *cols[] = { "(a,x)  1\n", "(b,x)  3\n", "(c,x)  4\n", NULL };
        check_chunks(ct, cols);
        d4m_table_iter_free(it);
        d4m_table_iter_free(ct);
        d4m_query_free(cq);
        /* A new read sees the writes. */
        ASSERT_GET(t, NULL, NULL, "(a,x)  1\n(aa,x)  9\n(c,x)  40\n(e,x)  11\n(a,y)  2\n(c,y)  5\n");
        d4m_table_close(t);
    }
    tmpdb_free(&d);
}

/* A sum combiner can leave a stored zero, which is no entry: a chunk whose
 * entries are all zeros is not returned (an empty chunk would look like
 * the end), and in an answer of strings a zero is no entry either. */
Test(table_iter, stored_zeros_are_no_entries, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    for (int pair = 0; pair < 2; pair++) {
        d4m_table *t = table_new(d.db, pair ? "P" : "T", D4M_STR, pair, 0, 2,
                                 D4M_COMBINE_NONE);
        CHECK_OK(d4m_table_add_col_combiner(t, K("deg,"), D4M_COMBINE_SUM));
        static const double v[] = { 1, 2, 3, 4, 5, 6 }, w[] = { -2, -3, -4 };
        put_num(t, "a b b c c e ", "deg,x deg,x deg,y deg,x deg,y deg,x ", v, 6, 0);
        put_num(t, "b b c ", "deg,x deg,y deg,x ", w, 3, 0);
        /* Stored: (a,x) 1, (b,x) 0, (b,y) 0, (c,x) 0, (c,y) 5, (e,x) 6. */
        cr_assert_eq(nnz(t), 6);
        const char *c1[] = { "(a,deg,x)  1\n", "(c,deg,y)  5\n", "(e,deg,x)  6\n", NULL };
        check_iter(t, NULL, NULL, 1, c1);
        const char *c2[] = { "(a,deg,x)  1\n", "(e,deg,x)  6\n(c,deg,y)  5\n", NULL };
        check_iter(t, NULL, NULL, 2, c2);
        const char *c3[] = { "(a,deg,x)  1\n", "(e,deg,x)  6\n(c,deg,y)  5\n", NULL };
        check_iter(t, NULL, NULL, 3, c3);
        const char *none[] = { NULL };
        check_iter(t, "b ", NULL, 1, none);
        check_iter(t, "b ", NULL, 0, none);
        check_iter(t, NULL, "deg,x ", 1, (const char *[]){ "(a,deg,x)  1\n",
                                                          "(e,deg,x)  6\n", NULL });
        ASSERT_GET(t, "b ", NULL, "");
        /* With a string among them the answer is of strings: the zeros are
         * still no entries. */
        put(t, lists("b ", "name ", "bob "), 0);
        ASSERT_GET(t, NULL, NULL,
                   "(a,deg,x)  1\n(e,deg,x)  6\n(c,deg,y)  5\n(b,name)  bob\n");
        ASSERT_GET(t, "b ", NULL, "(b,name)  bob\n");
        const char *s2[] = { "(a,deg,x)  1\n", "(b,name)  bob\n", "(c,deg,y)  5\n",
                             "(e,deg,x)  6\n", NULL };
        check_iter(t, NULL, NULL, 2, s2);
        d4m_table_close(t);
    }
    tmpdb_free(&d);
}

/* The iterator keeps what it needs of its queries: the caller may free them
 * at once (the Octave bindings do). */
Test(table_iter, queries_freed_after_new, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    for (int pair = 0; pair < 2; pair++) {
        d4m_table *t = iter_table(d.db, pair ? "P" : "T", pair);
        d4m_query *r = qp("a : c "), *c = qp("y ");
        d4m_table_iter *it = NULL;
        CHECK_OK(d4m_table_iter_new(&it, t, r, c, 1));
        d4m_query_free(r);
        d4m_query_free(c);
        /* Likely in the memory of the freed ones. */
        d4m_query *r2 = qp("d : d "), *c2 = qp("x ");
        const char *chunks[] = { "(a,y)  2\n", "(c,y)  5\n", NULL };
        check_chunks(it, chunks);
        d4m_table_iter_free(it);
        d4m_query_free(r2);
        d4m_query_free(c2);
        d4m_table_close(t);
    }
    tmpdb_free(&d);
}

/* Handles outlive a close of what they depend on: an iterator keeps its
 * table, and the table its database, until the iterator is freed (a
 * database closed under a live iterator made RocksDB abort the process). */
Test(table_iter, outlives_its_table_and_database, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = iter_table(d.db, "T", 1);
    d4m_table_iter *it = NULL, *it2 = NULL;
    CHECK_OK(d4m_table_iter_new(&it, t, NULL, NULL, 2));
    d4m_query *cq = qp("y ");
    CHECK_OK(d4m_table_iter_new(&it2, t, NULL, cq, 1));
    d4m_query_free(cq);
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_table_iter_next(&a, it));
    ASSERT_ASSOC(a, "(a,x)  1\n(a,y)  2\n");
    d4m_assoc_free(a);
    d4m_table_close(t);
    d4m_db_close(d.db);
    d.db = NULL;
    const char *rest[] = { "(b,x)  3\n(c,x)  4\n", "(c,y)  5\n(d,y)  6\n", NULL };
    check_chunks(it, rest);
    d4m_table_iter_free(it);
    /* Still open: the other iterator's. */
    d4m_db *db2 = (d4m_db *)0x1;
    CHECK_FAILS(d4m_db_open(&db2, d.dir, 0), D4M_EBUSY);
    const char *ys[] = { "(a,y)  2\n", "(c,y)  5\n", "(d,y)  6\n", NULL };
    check_chunks(it2, ys);
    d4m_table_iter_free(it2);
    /* The last handle closed the database: it opens again. */
    CHECK_OK(d4m_db_open(&db2, d.dir, 0));
    d4m_db_close(db2);
    tmpdb_free(&d);
}

Test(table_iter, errors, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = iter_table(d.db, "T", 0);
    d4m_table_iter *it = (d4m_table_iter *)0x1;
    CHECK_FAILS(d4m_table_iter_new(NULL, t, NULL, NULL, 1), D4M_EINVAL);
    CHECK_FAILS(d4m_table_iter_new(&it, NULL, NULL, NULL, 1), D4M_EINVAL);
    CHECK_OK(d4m_table_iter_new(&it, t, NULL, NULL, 1));
    d4m_assoc *a = NULL;
    CHECK_FAILS(d4m_table_iter_next(NULL, it), D4M_EINVAL);
    CHECK_FAILS(d4m_table_iter_next(&a, NULL), D4M_EINVAL);
    d4m_table_iter_free(it);
    d4m_table_iter_free(NULL);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* ------------------------------------------------------------- table_bulk */

/* Two puts (the second overlapping the first) into a table with pair,
 * degree and a column combiner: bulk and normal puts give the same tables. */
Test(table_bulk, same_content_as_normal_put, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    static const char *const name[2] = { "N", "B" };
    for (int bulk = 0; bulk < 2; bulk++) {
        d4m_table *t = table_new(d.db, name[bulk], D4M_STR, 1, 1, 3, D4M_COMBINE_NONE);
        CHECK_OK(d4m_table_add_col_combiner(t, K("Degree,"), D4M_COMBINE_SUM));
        unsigned fl = bulk ? D4M_PUT_BULK : 0;
        static const double v1[] = { 1, 2, 3, 4 }, v2[] = { 10, 20, 30 };
        put_num(t, "a b c a ", "x y Degree,1 z ", v1, 4, fl);
        put_num(t, "a c d ", "x Degree,1 y ", v2, 3, fl);
        ASSERT_GET(t, NULL, NULL,
                   "(c,Degree,1)  23\n(a,x)  10\n(b,y)  2\n(d,y)  30\n(a,z)  4\n");
        cr_assert_eq(nnz(t), 5);
        char tn[8], dn[8];
        snprintf(tn, sizeof tn, "%sT", name[bulk]);
        snprintf(dn, sizeof dn, "%sDeg", name[bulk]);
        ASSERT_TABLE(d.db, tn, "(x,a)  10\n(z,a)  4\n(y,b)  2\n(Degree,1,c)  23\n(y,d)  30\n");
        ASSERT_TABLE(d.db, dn,
                     "(Degree,1,InDeg)  2\n(x,InDeg)  2\n(y,InDeg)  2\n(z,InDeg)  1\n"
                     "(a,OutDeg)  3\n(b,OutDeg)  1\n(c,OutDeg)  2\n(d,OutDeg)  1\n");
        d4m_table_close(t);
    }
    /* A sum table: two bulk loads add up. */
    d4m_table *s = table_new(d.db, "S", D4M_STR, 1, 0, 2, D4M_COMBINE_SUM);
    static const double v[] = { 1, 2 };
    put_num(s, "a b ", "x x ", v, 2, D4M_PUT_BULK);
    put_num(s, "a b ", "x x ", v, 2, D4M_PUT_BULK);
    put_num(s, "a ", "x ", v, 1, 0);
    ASSERT_GET(s, NULL, NULL, "(a,x)  3\n(b,x)  4\n");
    ASSERT_GET(s, NULL, "x ", "(a,x)  3\n(b,x)  4\n");
    d4m_table_close(s);
    /* The load's temporary files are gone. */
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s/d4m-tmp", d.dir);
    DIR *dir = opendir(tmp);
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL)
            cr_assert(e->d_name[0] == '.', "left behind: %s", e->d_name);
        closedir(dir);
    }
    tmpdb_free(&d);
}

Test(table_bulk, first_load_sets_split_points, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 1, 0, 4, D4M_COMBINE_NONE);
    /* Before any load: the default points over '0'..'z'. */
    cr_assert_eq(t->m.nsplits, 3);
    assert_split(&t->m, 0, "B");
    assert_split(&t->m, 1, "U");
    assert_split(&t->m, 2, "g");
    put(t, diagonal(0, 100), D4M_PUT_BULK);
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.shards, 4);
    cr_assert_gt(info.approx_bytes, 0);
    assert_split(&t->m, 0, "r25");
    assert_split(&t->m, 1, "r50");
    assert_split(&t->m, 2, "r75");
    cr_assert_eq(t->pair->nsplits, 3);
    assert_split(t->pair, 0, "c25");
    assert_split(t->pair, 1, "c50");
    assert_split(t->pair, 2, "c75");
    cr_assert_eq(nnz(t), 100);
    ASSERT_GET(t, "r24 : r26 ", NULL, "(r24,c24)  25\n(r25,c25)  26\n(r26,c26)  27\n");
    ASSERT_GET(t, NULL, "c49 : c50 ", "(r49,c49)  50\n(r50,c50)  51\n");
    d4m_table_close(t);
    /* Kept with the table. */
    t = topen(d.db, "T");
    assert_split(&t->m, 0, "r25");
    assert_split(&t->m, 2, "r75");
    /* A later load into the non-empty table keeps them. */
    put(t, diagonal(0, 10), D4M_PUT_BULK);
    assert_split(&t->m, 0, "r25");
    assert_split(&t->m, 1, "r50");
    cr_assert_eq(nnz(t), 100);
    d4m_table_close(t);
    /* A normal put into an empty table keeps the default points. */
    d4m_table *u = table_new(d.db, "U", D4M_STR, 0, 0, 4, D4M_COMBINE_NONE);
    put(u, diagonal(0, 100), 0);
    assert_split(&u->m, 0, "B");
    d4m_table_close(u);
    u = topen(d.db, "U");
    assert_split(&u->m, 0, "B");
    d4m_table_close(u);
    tmpdb_free(&d);
}

Test(table_bulk, too_few_keys_keep_default_points, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 4, D4M_COMBINE_NONE);
    put(t, diagonal(0, 2), D4M_PUT_BULK);
    cr_assert_eq(t->m.nsplits, 3);
    assert_split(&t->m, 0, "B");
    ASSERT_GET(t, NULL, NULL, "(r00,c00)  1\n(r01,c01)  2\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* -------------------------------------------------------- table_int_keys */

static d4m_assoc *num_assoc(const double *r, const double *c, const double *v, size_t n)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r, n), d4m_vec_num(c, n), d4m_vec_num(v, n), NULL));
    return a;
}

static d4m_table *int_table(d4m_db *db, const char *name, int pair, int degree)
{
    d4m_table *t = table_new(db, name, D4M_NUM, pair, degree, 2, D4M_COMBINE_NONE);
    static const double r[] = { 2, 10, 1, 2 }, c[] = { 1, 1, 1, 3 }, v[] = { 20, 100, 10, 23 };
    put(t, num_assoc(r, c, v, 4), 0);
    return t;
}

Test(table_int_keys, numeric_order_and_queries, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = int_table(d.db, "N", 0, 0);
    d4m_assoc *g = get(t, NULL, NULL);
    ASSERT_ASSOC(g, "(1,1)  10\n(2,1)  20\n(10,1)  100\n(2,3)  23\n");
    cr_assert_eq(d4m_assoc_key_kind(g, 1), D4M_NUM);
    cr_assert_eq(d4m_assoc_key_kind(g, 2), D4M_NUM);
    cr_assert_eq(d4m_assoc_nrows(g), 10, "positions: keys are 1..10");
    cr_assert_eq(d4m_assoc_ncols(g), 3);
    d4m_assoc_free(g);
    /* Stored in numeric order: 1 < 2 < 10. */
    const char *c1[] = { "(1,1)  10\n", "(2,1)  20\n", "(2,3)  23\n", "(10,1)  100\n", NULL };
    check_iter(t, NULL, NULL, 1, c1);
    ASSERT_GET(t, "2 : 10 ", NULL, "(2,1)  20\n(10,1)  100\n(2,3)  23\n");
    ASSERT_GET(t, "3 : end ", NULL, "(10,1)  100\n");
    ASSERT_GET(t, ": 2 ", NULL, "(1,1)  10\n(2,1)  20\n(2,3)  23\n");
    ASSERT_GET(t, "10 1 ", NULL, "(1,1)  10\n(10,1)  100\n");
    ASSERT_GET(t, "5 ", NULL, "");
    ASSERT_GET(t, NULL, "3 ", "(2,3)  23\n");
    ASSERT_GET(t, "2 ", "1 : 2 ", "(2,1)  20\n");
    cr_assert_eq(nnz(t), 4);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_int_keys, pair, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = int_table(d.db, "N", 1, 0);
    ASSERT_GET(t, NULL, "1 ", "(1,1)  10\n(2,1)  20\n(10,1)  100\n");
    ASSERT_GET(t, NULL, "2 : end ", "(2,3)  23\n");
    ASSERT_TABLE(d.db, "NT", "(1,1)  10\n(1,2)  20\n(3,2)  23\n(1,10)  100\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_int_keys, query_errors, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = int_table(d.db, "N", 1, 0);
    get_fails(t, "1* ", NULL, D4M_EPARSE);
    get_fails(t, NULL, "1* ", D4M_EPARSE);
    get_fails(t, "2 ", "1* ", D4M_EPARSE);
    get_fails(t, "abc ", NULL, D4M_EPARSE);
    get_fails(t, "a : 3 ", NULL, D4M_EPARSE);
    get_fails(t, "1 ", "x ", D4M_EPARSE);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* A put works in memory proportional to its largest integer key (numeric
 * keys are positions): one far sparser than its entries is refused with a
 * reason instead of running the machine out of memory; nothing is written. */
Test(table_int_keys, far_sparse_keys_are_refused, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = int_table(d.db, "N", 1, 1);
    static const double big[] = { 9007199254740992.0, 2e9 }, one[] = { 1 }, v[] = { 7 };
    for (int i = 0; i < 2; i++) {
        CHECK_FAILS(d4m_table_put_triples(t, d4m_vec_num(&big[i], 1), d4m_vec_num(one, 1),
                                          d4m_vec_num(v, 1), 0), D4M_ETOOBIG);
        cr_assert(strstr(d4m_error_message(), "string-keyed table"), "%s", d4m_error_message());
        CHECK_FAILS(d4m_table_put_triples(t, d4m_vec_num(one, 1), d4m_vec_num(&big[i], 1),
                                          d4m_vec_num(v, 1), D4M_PUT_BULK), D4M_ETOOBIG);
    }
    cr_assert_eq(nnz(t), 4, "nothing written");
    /* A large key is fine while the entries are not far sparser. */
    static const double ok[] = { 1000000 };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_num(ok, 1), d4m_vec_num(one, 1),
                                   d4m_vec_num(v, 1), 0));
    ASSERT_GET(t, "1000000 ", NULL, "(1000000,1)  7\n");
    /* Its transpose and degree table are written through it only. */
    d4m_table *tt = topen(d.db, "NT"), *td = topen(d.db, "NDeg");
    CHECK_FAILS(d4m_table_put_triples(tt, d4m_vec_num(one, 1), d4m_vec_num(one, 1),
                                      d4m_vec_num(v, 1), 0), D4M_EINVAL);
    CHECK_FAILS(d4m_table_delete(td, d4m_vec_num(one, 1), d4m_vec_num(one, 1)), D4M_EINVAL);
    cr_assert_eq(nnz(tt), 5);
    d4m_table_close(tt);
    d4m_table_close(td);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* Integer keys come back as positions: a stored key below 1 cannot. */
Test(table_int_keys, key_below_one_is_ekey, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = int_table(d.db, "N", 0, 0);
    /* Keys below 1 cannot be put through an Assoc: write one raw. */
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    d4m_kv__put_table_id(&k, t->m.id);
    CHECK_OK(d4m_kv__encode_int(&k, 0));
    CHECK_OK(d4m_kv__encode_int(&k, 1));
    CHECK_OK(d4m_kv__encode_num_value(&v, 5));
    d4m_kv_batch *b = NULL;
    CHECK_OK(d4m_kv__batch_new(&b));
    d4m_kv__batch_put(b, (d4m_key){ k.p, k.len }, (d4m_key){ v.p, v.len });
    k.len = 0;
    d4m_kv__put_table_id(&k, t->m.id);
    CHECK_OK(d4m_kv__encode_int(&k, 3));
    CHECK_OK(d4m_kv__encode_int(&k, -7));
    d4m_kv__batch_put(b, (d4m_key){ k.p, k.len }, (d4m_key){ v.p, v.len });
    CHECK_OK(d4m_kv__batch_write(d.db->kv, b, false));
    d4m_kv__batch_free(b);
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    cr_assert_eq(nnz(t), 6);
    get_fails(t, NULL, NULL, D4M_EKEY);
    get_fails(t, ": 0 ", NULL, D4M_EKEY);
    get_fails(t, "3 ", NULL, D4M_EKEY);
    /* Queries that leave them out still work. */
    ASSERT_GET(t, "1 : 2 ", NULL, "(1,1)  10\n(2,1)  20\n(2,3)  23\n");
    ASSERT_GET(t, "1 : end ", "1 : end ", "(1,1)  10\n(2,1)  20\n(10,1)  100\n(2,3)  23\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* put_triples: "On integer-keyed tables keys are numbers (D4M_NUM) or
 * decimal strings." */
Test(table_int_keys, put_triples_numbers_and_decimal_strings, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "N", D4M_NUM, 0, 0, 2, D4M_COMBINE_NONE);
    static const double r[] = { 3, 12 }, c[] = { 1 }, v[] = { 7, 8 };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_num(r, 2), d4m_vec_num(c, 1), d4m_vec_num(v, 2),
                                   0));
    ASSERT_GET(t, NULL, NULL, "(3,1)  7\n(12,1)  8\n");
    d4m_key rs[] = { K("4"), K("20") }, cs[] = { K("2") };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(rs, 2), d4m_vec_str(cs, 1), d4m_vec_num(v, 2),
                                   0));
    ASSERT_GET(t, NULL, NULL, "(3,1)  7\n(12,1)  8\n(4,2)  7\n(20,2)  8\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_int_keys, delete, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = int_table(d.db, "N", 1, 0);
    static const double r[] = { 2 }, c[] = { 1, 3 };
    CHECK_OK(d4m_table_delete(t, d4m_vec_num(r, 1), d4m_vec_num(c, 2)));
    ASSERT_GET(t, NULL, NULL, "(1,1)  10\n(10,1)  100\n");
    ASSERT_GET(t, NULL, "1 : 3 ", "(1,1)  10\n(10,1)  100\n");
    d4m_key s[] = { K("2") };
    CHECK_FAILS(d4m_table_delete(t, d4m_vec_str(s, 1), d4m_vec_num(c, 1)), D4M_EKEYKIND);
    cr_assert_eq(nnz(t), 2);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* The degree table of an integer-keyed table: rows are the keys, columns
 * "InDeg" / "OutDeg". */
Test(table_int_keys, degree, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = int_table(d.db, "N", 0, 1);
    d4m_table *deg = topen(d.db, "NDeg");
    d4m_assoc *g = NULL;
    CHECK_OK(d4m_table_get(&g, deg, NULL, NULL));
    /* A degree table has string keys (d4m_table_create): the integer keys
     * appear as decimal text, in byte order ("10" < "2"). */
    ASSERT_ASSOC(g, "(1,InDeg)  3\n(3,InDeg)  1\n(1,OutDeg)  1\n(10,OutDeg)  1\n(2,OutDeg)  2\n");
    d4m_assoc_free(g);
    d4m_table_close(deg);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* ------------------------------------------------------------ table_shards */

Test(table_shards, set_on_empty_table, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 2, D4M_COMBINE_NONE);
    CHECK_OK(d4m_table_set_shards(t, 5));
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.shards, 5);
    d4m_table_close(t);
    t = topen(d.db, "T");
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.shards, 5);
    CHECK_FAILS(d4m_table_set_shards(t, 0), D4M_EINVAL);
    CHECK_FAILS(d4m_table_set_shards(t, 4097), D4M_EINVAL);
    CHECK_FAILS(d4m_table_set_shards(NULL, 2), D4M_EINVAL);
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.shards, 5);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_shards, recomputed_from_data, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 1, D4M_COMBINE_NONE);
    put(t, diagonal(0, 100), 0);
    char *before = table_text(t);
    static const unsigned counts[] = { 4, 8, 2, 8, 1, 3 };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        CHECK_OK(d4m_table_set_shards(t, counts[i]));
        d4m_table_info info;
        CHECK_OK(d4m_table_info_get(&info, t));
        cr_assert_eq(info.shards, counts[i]);
        cr_assert_eq(t->m.nsplits, counts[i] - 1);
        if (counts[i] == 4) {
            assert_split(&t->m, 0, "r25");
            assert_split(&t->m, 1, "r50");
            assert_split(&t->m, 2, "r75");
        } else if (counts[i] == 8) {
            static const char *const s8[] = { "r13", "r25", "r38", "r50", "r63", "r75", "r88" };
            for (uint32_t k = 0; k < 7; k++)
                assert_split(&t->m, k, s8[k]);
        } else if (counts[i] == 2) {
            assert_split(&t->m, 0, "r50");
        }
        /* No data moves. */
        char *now = table_text(t);
        cr_assert_str_eq(now, before);
        free(now);
        cr_assert_eq(nnz(t), 100);
    }
    d4m_table_close(t);
    t = topen(d.db, "T");
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.shards, 3);
    ASSERT_GET(t, "r32 : r34 ", NULL, "(r32,c32)  33\n(r33,c33)  34\n(r34,c34)  35\n");
    free(before);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* Fewer row keys than shards: one shard per row key. */
Test(table_shards, fewer_rows_than_shards, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 1, D4M_COMBINE_NONE);
    put(t, diagonal(0, 3), 0);
    CHECK_OK(d4m_table_set_shards(t, 8));
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.shards, 3);
    ASSERT_GET(t, NULL, NULL, "(r00,c00)  1\n(r01,c01)  2\n(r02,c02)  3\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(table_shards, bulk_load_across_shards, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 1, 1, 4, D4M_COMBINE_NONE);
    put(t, diagonal(0, 100), D4M_PUT_BULK);
    put(t, diagonal(50, 50), D4M_PUT_BULK);   /* overwrites r50..r99 with the same */
    cr_assert_eq(nnz(t), 100);
    ASSERT_GET(t, "r48 : r51 ", NULL,
               "(r48,c48)  49\n(r49,c49)  50\n(r50,c50)  51\n(r51,c51)  52\n");
    ASSERT_GET(t, NULL, "c74 : c76 ", "(r74,c74)  75\n(r75,c75)  76\n(r76,c76)  77\n");
    d4m_table *deg = topen(d.db, "TDeg");
    ASSERT_GET(deg, "r49 r50 c50 ", NULL, "(c50,InDeg)  2\n(r49,OutDeg)  1\n(r50,OutDeg)  2\n");
    d4m_table_close(deg);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* Entry quantiles that all fall on the last row: the split points still
 * number shards - 1, one per row key. */
Test(table_shards, skewed_rows, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 0, 0, 1, D4M_COMBINE_NONE);
    put(t, lists("a b c ", "x x x ", "1 1 1 "), 0);
    char cols[97 * 5 + 1];
    size_t off = 0;
    for (int i = 0; i < 97; i++)
        off += (size_t)snprintf(cols + off, sizeof cols - off, "y%02d ", i);
    static const double one[] = { 1 };
    d4m_key r[] = { K("d") };
    d4m_key *c = NULL;
    size_t nc = 0;
    CHECK_OK(d4m_list_split(&c, &nc, K(cols)));
    cr_assert_eq(nc, 97);
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r, 1), d4m_vec_str(c, nc),
                                   d4m_vec_num(one, 1), 0));
    d4m_free(c);
    cr_assert_eq(nnz(t), 100);
    CHECK_OK(d4m_table_set_shards(t, 4));
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, t));
    cr_assert_eq(info.shards, 4);
    assert_split(&t->m, 0, "b");
    assert_split(&t->m, 1, "c");
    assert_split(&t->m, 2, "d");
    cr_assert_eq(nnz(t), 100);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* ------------------------------------------------------- large normal puts */

/* The number in the database's record of finished loads (D4M-LOADS), 0 if
 * there is none: it counts the puts that went through sorted files. */
static unsigned long loads_recorded(const char *dir)
{
    char p[128], buf[64] = { 0 };
    snprintf(p, sizeof p, "%s/D4M-LOADS", dir);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    unsigned long v = 0;
    cr_assert_eq(sscanf(buf, "d4m loads 1 %lu", &v), 1, "record: %s", buf);
    return v;
}

/* 300,000 triples: row r<k/3>, column c<k%1000>, value base + k%7. */
#define LP_N 300000
static void put_large(d4m_table *t, double base, size_t n)
{
    char (*rs)[24] = malloc(n * sizeof *rs), (*cs)[24] = malloc(n * sizeof *cs);
    d4m_key *rk = malloc(n * sizeof *rk), *ck = malloc(n * sizeof *ck);
    double *v = malloc(n * sizeof *v);
    cr_assert(rs && cs && rk && ck && v);
    for (size_t k = 0; k < n; k++) {
        snprintf(rs[k], sizeof rs[k], "r%06zu", k / 3);
        snprintf(cs[k], sizeof cs[k], "c%03zu", k % 1000);
        rk[k] = K(rs[k]);
        ck[k] = K(cs[k]);
        v[k] = base + (double)(k % 7);
    }
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(rk, n), d4m_vec_str(ck, n),
                                   d4m_vec_num(v, n), 0));
    free(rs); free(cs); free(rk); free(ck); free(v);
}

/* A normal put this large goes through sorted files and one ingest (the
 * record of loads counts it; a small put does not), with the semantics of
 * any put: a later put replaces, combiners add, the transpose and the
 * degree table follow. */
Test(table_put, large_put_goes_through_files_with_put_semantics, .timeout = 120,
     .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 1, 1, 2, D4M_COMBINE_NONE);
    cr_assert_eq(loads_recorded(d.dir), 0);
    put_large(t, 1, LP_N);
    cr_assert_eq(loads_recorded(d.dir), 1);
    cr_assert_eq(nnz(t), LP_N);
    /* k = 3000..3002 are row r001000, columns c000..c002, values 1 + k % 7. */
    ASSERT_GET(t, "r001000,", NULL, "(r001000,c000)  5\n(r001000,c001)  6\n(r001000,c002)  7\n");
    static const double one[] = { 100 };
    put_num(t, "r001000 ", "c001 ", one, 1, 0);
    cr_assert_eq(loads_recorded(d.dir), 1, "a small put went through files");
    ASSERT_GET(t, "r001000,", NULL,
               "(r001000,c000)  5\n(r001000,c001)  100\n(r001000,c002)  7\n");
    /* The same keys again, other values: the later put wins everywhere. */
    put_large(t, 11, LP_N);
    cr_assert_eq(loads_recorded(d.dir), 2);
    cr_assert_eq(nnz(t), LP_N);
    ASSERT_GET(t, "r001000,", NULL,
               "(r001000,c000)  15\n(r001000,c001)  16\n(r001000,c002)  17\n");
    /* Column c001 holds rows k/3 for k = 1, 1001, 2001, ...: from the
     * transpose. */
    d4m_assoc *c = get(t, NULL, "c001,");
    cr_assert_eq(d4m_assoc_nnz(c), LP_N / 1000);
    d4m_assoc_free(c);
    ASSERT_GET(t, "r000333,", "c001,", "(r000333,c001)  11\n");
    /* Degrees: each row has 3 entries, each column 300, put twice: a
     * degree table counts puts of entries, as with small puts. */
    d4m_table *g = NULL;
    CHECK_OK(d4m_table_open(&g, d.db, "TDeg"));
    ASSERT_GET(g, "c001,", NULL, "(c001,InDeg)  601\n");
    ASSERT_GET(g, "r001000,", NULL, "(r001000,OutDeg)  7\n");
    d4m_table_close(g);
    d4m_table_close(t);

    /* A sum table: two large puts of value 1 + k%7 add up. */
    d4m_table *s = table_new(d.db, "S", D4M_STR, 0, 0, 2, D4M_COMBINE_SUM);
    put_large(s, 1, LP_N);
    put_large(s, 1, LP_N);
    cr_assert_eq(loads_recorded(d.dir), 4);
    cr_assert_eq(nnz(s), LP_N);
    ASSERT_GET(s, "r001000,", NULL,
               "(r001000,c000)  10\n(r001000,c001)  12\n(r001000,c002)  14\n");
    d4m_table_close(s);
    tmpdb_free(&d);
}
