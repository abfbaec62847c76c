/*
 * tests/d4m/load_keys.c - loads of many distinct keys (d4m/load.c): the
 * inner keys of a stream read from fixed 16-byte slots (65,536 keys or
 * more, each at most 15 bytes encoded; longer keys keep the offsets), and
 * the row-order triples of a numeric load borrowed from the Assoc's own
 * arrays (string values are copied out).  Every load is checked whole
 * against the Assoc built in memory, in the table, its transpose and its
 * degree table, through the threaded bulk path, the single-stream bulk
 * path and the normal path; and the caller's Assoc must come back intact.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"
#include "db_util.h"
#include "store.h"

enum { N = 140000, R = 70001, C = 70003 };

static d4m_table *topen(d4m_db *db, const char *name)
{
    d4m_table *t = NULL;
    CHECK_OK(d4m_table_open(&t, db, name));
    return t;
}

static void assert_same(d4m_assoc *a, d4m_assoc *b, const char *what)
{
    if (!d4m_assoc_equal(a, b)) {
        char *ta = assoc_text(a), *tb = assoc_text(b);
        cr_assert_fail("%s differ:\n%.2000s\n--- expected\n%.2000s", what, ta, tb);
    }
}

static void assert_table(d4m_db *db, const char *name, d4m_assoc *expected)
{
    d4m_table *t = topen(db, name);
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_table_get(&a, t, NULL, NULL));
    assert_same(a, expected, name);
    d4m_assoc_free(a);
    d4m_table_close(t);
}

/* Triple i: row (i mod R) + 1, column (7 i mod C) + 1 -- all N pairs
 * distinct, every one of the R rows and C columns used; string keys are
 * the numbers zero-padded to `width` digits after 'r' / 'c', and key
 * `long_key` (if not 0) of each axis one digit longer. */
typedef struct {
    d4m_key *rk, *ck, *vk;
    double *rn, *cn, *v;
    char *text;
} triples;

static void triples_make(triples *t, int width, unsigned long long long_key)
{
    t->rk = calloc(N, sizeof *t->rk);
    t->ck = calloc(N, sizeof *t->ck);
    t->vk = calloc(N, sizeof *t->vk);
    t->rn = calloc(N, sizeof *t->rn);
    t->cn = calloc(N, sizeof *t->cn);
    t->v = calloc(N, sizeof *t->v);
    t->text = calloc(N, 64);
    cr_assert(t->rk && t->ck && t->vk && t->rn && t->cn && t->v && t->text);
    for (size_t i = 0; i < N; i++) {
        unsigned long long r = i % R + 1, c = (7 * i) % C + 1;
        char *p = t->text + 64 * i;
        int lr = snprintf(p, 24, "r%0*llu", width + (r == long_key), r);
        int lc = snprintf(p + 24, 24, "c%0*llu", width + (c == long_key), c);
        int lv = snprintf(p + 48, 16, "v%llu", (unsigned long long)(i % 97));
        t->rk[i] = (d4m_key){ p, (size_t)lr };
        t->ck[i] = (d4m_key){ p + 24, (size_t)lc };
        t->vk[i] = (d4m_key){ p + 48, (size_t)lv };
        t->rn[i] = (double)r;
        t->cn[i] = (double)c;
        t->v[i] = (double)(i % 100 + 1);
    }
}

static void triples_free(triples *t)
{
    free(t->rk); free(t->ck); free(t->vk); free(t->rn); free(t->cn); free(t->v);
    free(t->text);
}

static d4m_table *table_pair_deg(d4m_db *db, const char *name, d4m_kind kind)
{
    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    o.keys = kind;
    o.pair = 1;
    o.degree = 1;
    o.shards = 3;
    CHECK_OK(d4m_table_create(db, name, &o));
    return topen(db, name);
}

/* Load the triples into three tables -- bulk on two threads, bulk as one
 * stream, normal -- from one Assoc, and check everything. */
static void load_and_check(d4m_kind kind, int width, unsigned long long long_key, bool strval)
{
    CHECK_OK(d4m_set_threads(2));
    triples t;
    triples_make(&t, width, long_key);
    d4m_vec rv = kind == D4M_STR ? d4m_vec_str(t.rk, N) : d4m_vec_num(t.rn, N);
    d4m_vec cv = kind == D4M_STR ? d4m_vec_str(t.ck, N) : d4m_vec_num(t.cn, N);
    d4m_vec vv = strval ? d4m_vec_str(t.vk, N) : d4m_vec_num(t.v, N);
    d4m_assoc *a = NULL, *before = NULL, *at = NULL;
    CHECK_OK(d4m_assoc_build(&a, rv, cv, vv, NULL));
    cr_assert_eq(d4m_assoc_nnz(a), (size_t)N);
    cr_assert_eq(d4m_assoc_key_count(a, 1), (size_t)R);
    cr_assert_eq(d4m_assoc_key_count(a, 2), (size_t)C);
    CHECK_OK(d4m_assoc_dup(&before, a));
    CHECK_OK(d4m_assoc_transpose(&at, a));

    tmpdb d = tmpdb_new();
    static const char *names[3] = { "P", "S", "W" };
    for (int w = 0; w < 3; w++) {
        d4m__bulk_par_min = w == 0 ? 1 : (size_t)-1;
        d4m_table *tb = table_pair_deg(d.db, names[w], kind);
        CHECK_OK(d4m_table_put(tb, a, w < 2 ? D4M_PUT_BULK : 0));
        /* The caller's Assoc is whole again after the put. */
        assert_same(a, before, "the Assoc after the put");
        uint64_t n = 0;
        CHECK_OK(d4m_table_nnz(&n, tb));
        cr_assert_eq(n, (uint64_t)N);
        d4m_table_close(tb);
        assert_table(d.db, names[w], a);
        char tn[8];
        snprintf(tn, sizeof tn, "%sT", names[w]);
        assert_table(d.db, tn, at);
    }
    /* Degrees: the three loads agree, and two rows and two columns are
     * checked by value (rows 1..R-2 have 2 entries, R-1 and R one; column
     * c has the i < N with 7 i = c - 1 mod C: i0 and i0 + C if < N). */
    d4m_table *dg[3];
    d4m_assoc *ga[3];
    for (int w = 0; w < 3; w++) {
        char tn[8];
        snprintf(tn, sizeof tn, "%sDeg", names[w]);
        dg[w] = topen(d.db, tn);
        CHECK_OK(d4m_table_get(&ga[w], dg[w], NULL, NULL));
    }
    assert_same(ga[1], ga[0], "degree tables (one stream, two threads)");
    assert_same(ga[2], ga[0], "degree tables (normal, bulk)");
    char k1[32], k2[32], k3[32];
    unsigned long long last = R;
    if (kind == D4M_STR) {
        snprintf(k1, sizeof k1, "r%0*d", width + (long_key == 1), 1);
        snprintf(k2, sizeof k2, "r%0*llu", width + (long_key == last), last);
        /* column 1: 7 i = 0 mod C -> i = 0 and C (< N): two entries;
         * column 8: 7 i = 7 -> i = 1 and 1 + C: two entries */
        snprintf(k3, sizeof k3, "c%0*d", width + (long_key == 8), 8);
    } else {
        snprintf(k1, sizeof k1, "1");
        snprintf(k2, sizeof k2, "%llu", last);
        snprintf(k3, sizeof k3, "8");
    }
    d4m_key rows[3] = { { k1, strlen(k1) }, { k2, strlen(k2) }, { k3, strlen(k3) } };
    d4m_query *rq = NULL;
    CHECK_OK(d4m_query_keys(&rq, rows, 3));
    d4m_assoc *g = NULL;
    CHECK_OK(d4m_table_get(&g, dg[0], rq, NULL));
    char want[256];
    /* degree tables key by text; display order is column-major */
    snprintf(want, sizeof want, "(%s,InDeg)  2\n(%s,OutDeg)  2\n(%s,OutDeg)  1\n", k3, k1, k2);
    if (kind == D4M_NUM) {
        /* "1" < "70001" < "8" as text; column 70001: 2 entries */
        snprintf(want, sizeof want, "(1,InDeg)  2\n(70001,InDeg)  2\n(8,InDeg)  2\n"
                 "(1,OutDeg)  2\n(70001,OutDeg)  1\n(8,OutDeg)  2\n");
    }
    ASSERT_ASSOC(g, want);
    d4m_assoc_free(g);
    d4m_query_free(rq);
    for (int w = 0; w < 3; w++) {
        d4m_assoc_free(ga[w]);
        d4m_table_close(dg[w]);
    }
    d4m_assoc_free(a);
    d4m_assoc_free(before);
    d4m_assoc_free(at);
    triples_free(&t);
    tmpdb_free(&d);
}

/* "r00001": 8 bytes encoded, in slots. */
Test(store_load, fixed_slots_str, .fini = tmpdb_fini) { load_and_check(D4M_STR, 5, 0, false); }
/* 8-byte integers, in slots. */
Test(store_load, fixed_slots_int, .fini = tmpdb_fini) { load_and_check(D4M_NUM, 0, 0, false); }
/* 13 bytes, 15 encoded: the longest keys a slot holds. */
Test(store_load, slot_longest_key, .fini = tmpdb_fini) { load_and_check(D4M_STR, 12, 0, false); }
/* One key of each axis 14 bytes (16 encoded): offsets for that axis. */
Test(store_load, one_key_too_long, .fini = tmpdb_fini) { load_and_check(D4M_STR, 12, 8, false); }
/* String values: the triples are copied out, slots as before. */
Test(store_load, string_values, .fini = tmpdb_fini) { load_and_check(D4M_STR, 5, 0, true); }

/* ------------------------------------------- the keys of a query's answer */

/* An answer's inner keys (columns of a row scan, rows of a column query
 * through the transpose) are sorted at the end: kept as they are when they
 * came in order, by comparison when there are few, by radix passes when
 * more -- here, keys that share their first 8 bytes too. */
static d4m_assoc *get_q(d4m_table *t, const char *rq, const char *cq)
{
    d4m_query *r = NULL, *c = NULL;
    if (rq)
        CHECK_OK(d4m_query_parse(&r, (d4m_key){ rq, strlen(rq) }));
    if (cq)
        CHECK_OK(d4m_query_parse(&c, (d4m_key){ cq, strlen(cq) }));
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_table_get(&a, t, r, c));
    d4m_query_free(r);
    d4m_query_free(c);
    return a;
}

Test(store_load, answer_keys_sorted, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    o.pair = 1;
    CHECK_OK(d4m_table_create(d.db, "K", &o));
    d4m_table *t = topen(d.db, "K");
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_from_lists_num(&a, d4m_key_cstr("r1 r1 r2 r2 r3 "),
                                      d4m_key_cstr("longprefixB x longprefixA a x "),
                                      (const double[]){ 1, 2, 3, 4, 5 }, 5, NULL));
    CHECK_OK(d4m_table_put(t, a, 0));
    /* r1's columns in order; r1 and r2 together: longprefixB x longprefixA a
     * as they come, 4 keys sorted by comparison. */
    d4m_assoc *g = get_q(t, "r1 ", NULL);
    ASSERT_ASSOC(g, "(r1,longprefixB)  1\n(r1,x)  2\n");
    d4m_assoc_free(g);
    g = get_q(t, "r1 r2 ", NULL);
    ASSERT_ASSOC(g, "(r2,a)  4\n(r2,longprefixA)  3\n(r1,longprefixB)  1\n(r1,x)  2\n");
    d4m_assoc_free(g);
    /* Column x through the transpose: its rows r1 r3 in order. */
    g = get_q(t, NULL, "x ");
    ASSERT_ASSOC(g, "(r1,x)  2\n(r3,x)  5\n");
    d4m_assoc_free(g);
    g = get_q(t, NULL, "x longprefixA ");
    ASSERT_ASSOC(g, "(r2,longprefixA)  3\n(r1,x)  2\n(r3,x)  5\n");
    d4m_assoc_free(g);
    d4m_assoc_free(a);

    /* 80 columns, a row's own in order, two rows interleaved: the radix
     * passes, then runs of equal first 8 bytes compared whole. */
    enum { M = 40 };
    d4m_key rk[2 * M], ck[2 * M];
    double v[2 * M];
    char text[2 * M][24];
    for (int i = 0; i < 2 * M; i++) {
        int row = i % 2;   /* row 0 gets the even columns, row 1 the odd */
        snprintf(text[i], sizeof text[i], "samefirst%03d", 2 * M - 1 - i);
        rk[i] = row ? d4m_key_cstr("q2") : d4m_key_cstr("q1");
        ck[i] = d4m_key_cstr(text[i]);
        v[i] = i + 1;
    }
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(rk, 2 * M), d4m_vec_str(ck, 2 * M),
                             d4m_vec_num(v, 2 * M), NULL));
    CHECK_OK(d4m_table_put(t, a, 0));
    g = get_q(t, "q1 q2 ", NULL);
    assert_same(g, a, "two interleaved rows");
    cr_assert_eq(d4m_assoc_key_count(g, 2), (size_t)(2 * M));
    d4m_key k0 = d4m_assoc_key(g, 2, 0), kl = d4m_assoc_key(g, 2, 2 * M - 1);
    cr_assert(k0.len == 12 && memcmp(k0.ptr, "samefirst000", 12) == 0);
    cr_assert(kl.len == 12 && memcmp(kl.ptr, "samefirst079", 12) == 0);
    d4m_assoc_free(g);
    d4m_assoc_free(a);
    d4m_table_close(t);
    tmpdb_free(&d);
}
