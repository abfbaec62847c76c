/*
 * tests/d4m/store_fast.c - the store's fast paths: bulk loads written on
 * several threads (d4m/load.c, stream_parallel) and scans built straight
 * into an Assoc, with a reader thread for large chunks (d4m/table.c,
 * algebra/stream.c).  The thresholds (d4m__bulk_par_min,
 * d4m__scan_par_min, d4m/store.h) are set low so that small tables with
 * exact expected answers go through the threaded paths; every Criterion
 * test runs in a process of its own, so the settings do not leak.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"
#include "db_util.h"
#include "store.h"

static void threaded(void)
{
    CHECK_OK(d4m_set_threads(2));
    d4m__bulk_par_min = 1;
    d4m__scan_par_min = 1;
}

/* ... and a second reader from every shard boundary inside a range. */
static void split_always(void)
{
    threaded();
    d4m__scan_split_any = true;
}

static d4m_table *topen(d4m_db *db, const char *name)
{
    d4m_table *t = NULL;
    CHECK_OK(d4m_table_open(&t, db, name));
    return t;
}

static d4m_assoc *get_all(d4m_table *t)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_table_get(&a, t, NULL, NULL));
    return a;
}

#define ASSERT_TABLE(db, name, expected)                                         \
    do {                                                                         \
        d4m_table *at_ = topen((db), (name));                                    \
        d4m_assoc *aa_ = get_all(at_);                                           \
        ASSERT_ASSOC(aa_, (expected));                                           \
        d4m_assoc_free(aa_);                                                     \
        d4m_table_close(at_);                                                    \
    } while (0)

static void assert_same(d4m_assoc *a, d4m_assoc *b, const char *what)
{
    if (!d4m_assoc_equal(a, b)) {
        char *ta = assoc_text(a), *tb = assoc_text(b);
        cr_assert_fail("%s differ:\n%.2000s\n--- expected\n%.2000s", what, ta, tb);
    }
}

/* ---------------------------------------------------------- bulk loads */

/* Duplicates within a load (the last wins) and across loads (a later load
 * replaces), in the table, its transpose and its degree table, over three
 * shards. */
Test(store_bulk, threaded_duplicates_exact, .fini = tmpdb_fini)
{
    threaded();
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_STR, 1, 1, 3, D4M_COMBINE_NONE);
    static const double v1[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    d4m_assoc *a = NULL;
    d4m_key r1[] = { K("a"), K("b"), K("a"), K("c"), K("d"), K("e"), K("f"), K("a") };
    d4m_key c1[] = { K("x"), K("y"), K("x"), K("z"), K("x"), K("y"), K("z"), K("y") };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r1, 8), d4m_vec_str(c1, 8),
                                   d4m_vec_num(v1, 8), D4M_PUT_BULK));
    a = get_all(t);
    ASSERT_ASSOC(a, "(a,x)  3\n(d,x)  5\n(a,y)  8\n(b,y)  2\n(e,y)  6\n(c,z)  4\n(f,z)  7\n");
    d4m_assoc_free(a);
    ASSERT_TABLE(d.db, "TT", "(x,a)  3\n(y,a)  8\n(y,b)  2\n(z,c)  4\n(x,d)  5\n(y,e)  6\n"
                             "(z,f)  7\n");
    ASSERT_TABLE(d.db, "TDeg", "(x,InDeg)  2\n(y,InDeg)  3\n(z,InDeg)  2\n(a,OutDeg)  2\n"
                               "(b,OutDeg)  1\n(c,OutDeg)  1\n(d,OutDeg)  1\n(e,OutDeg)  1\n"
                               "(f,OutDeg)  1\n");
    /* A second load: (a,x) and (f,z) again, (g,x) new. */
    static const double v2[] = { 30, 70, 9 };
    d4m_key r2[] = { K("a"), K("f"), K("g") }, c2[] = { K("x"), K("z"), K("x") };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_str(r2, 3), d4m_vec_str(c2, 3),
                                   d4m_vec_num(v2, 3), D4M_PUT_BULK));
    a = get_all(t);
    ASSERT_ASSOC(a, "(a,x)  30\n(d,x)  5\n(g,x)  9\n(a,y)  8\n(b,y)  2\n(e,y)  6\n(c,z)  4\n"
                    "(f,z)  70\n");
    d4m_assoc_free(a);
    ASSERT_TABLE(d.db, "TT", "(x,a)  30\n(y,a)  8\n(y,b)  2\n(z,c)  4\n(x,d)  5\n(y,e)  6\n"
                             "(z,f)  70\n(x,g)  9\n");
    /* Degrees count puts. */
    ASSERT_TABLE(d.db, "TDeg", "(x,InDeg)  4\n(y,InDeg)  3\n(z,InDeg)  3\n(a,OutDeg)  3\n"
                               "(b,OutDeg)  1\n(c,OutDeg)  1\n(d,OutDeg)  1\n(e,OutDeg)  1\n"
                               "(f,OutDeg)  2\n(g,OutDeg)  1\n");
    uint64_t n = 0;
    CHECK_OK(d4m_table_nnz(&n, t));
    cr_assert_eq(n, 8);
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* Integer keys and a sum combiner through the threaded bulk path. */
Test(store_bulk, threaded_int_keys_and_sum, .fini = tmpdb_fini)
{
    threaded();
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", D4M_NUM, 1, 0, 2, D4M_COMBINE_SUM);
    static const double r[] = { 5, 1, 5, 300, 2 }, c[] = { 7, 7, 7, 1, 9 },
                        v[] = { 1, 2, 3, 4, 5 };
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_num(r, 5), d4m_vec_num(c, 5), d4m_vec_num(v, 5),
                                   D4M_PUT_BULK));
    CHECK_OK(d4m_table_put_triples(t, d4m_vec_num(r, 5), d4m_vec_num(c, 5), d4m_vec_num(v, 5),
                                   D4M_PUT_BULK));
    d4m_assoc *a = get_all(t);
    ASSERT_ASSOC(a, "(300,1)  8\n(1,7)  4\n(5,7)  8\n(2,9)  10\n");
    d4m_assoc_free(a);
    ASSERT_TABLE(d.db, "TT", "(7,1)  4\n(9,2)  10\n(7,5)  8\n(1,300)  8\n");
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* A pseudo-random workload with many duplicates: the threaded bulk path
 * and the normal path give the same table, transpose and degree table, and
 * both equal the Assoc built from the triples (the last of duplicates). */
static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static void random_load(d4m_kind kind)
{
    threaded();
    tmpdb d = tmpdb_new();
    d4m_table *b = table_new(d.db, "B", kind, 1, 1, 3, D4M_COMBINE_NONE);
    d4m_table *nt = table_new(d.db, "N", kind, 1, 1, 3, D4M_COMBINE_NONE);
    enum { N = 20000, LOADS = 2 };
    d4m_key *rk = calloc(N * LOADS, sizeof *rk), *ck = calloc(N * LOADS, sizeof *ck);
    double *rn = calloc(N * LOADS, sizeof *rn), *cn = calloc(N * LOADS, sizeof *cn);
    double *v = calloc(N * LOADS, sizeof *v);
    char *text = calloc(N * LOADS, 32);
    cr_assert(rk && ck && rn && cn && v && text);
    uint64_t s = 42;
    for (size_t i = 0; i < N * LOADS; i++) {
        uint64_t r = lcg(&s) % 900 + 1, c = lcg(&s) % 700 + 1;
        char *p = text + 32 * i;
        int lr = snprintf(p, 16, "r%llu", (unsigned long long)r);
        int lc = snprintf(p + 16, 16, "c%llu", (unsigned long long)c);
        rk[i] = (d4m_key){ p, (size_t)lr };
        ck[i] = (d4m_key){ p + 16, (size_t)lc };
        rn[i] = (double)r;
        cn[i] = (double)c;
        v[i] = (double)(lcg(&s) % 100 + 1);
    }
    d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
    o.collide = D4M_COLLIDE_LAST;
    for (int l = 0; l < LOADS; l++) {
        size_t off = (size_t)l * N;
        d4m_vec rv = kind == D4M_STR ? d4m_vec_str(rk + off, N) : d4m_vec_num(rn + off, N);
        d4m_vec cv = kind == D4M_STR ? d4m_vec_str(ck + off, N) : d4m_vec_num(cn + off, N);
        CHECK_OK(d4m_table_put_triples(b, rv, cv, d4m_vec_num(v + off, N), D4M_PUT_BULK));
        CHECK_OK(d4m_table_put_triples(nt, rv, cv, d4m_vec_num(v + off, N), 0));
        /* Expected: every triple so far, the last of duplicates. */
        size_t all = off + N;
        d4m_assoc *e = NULL, *et = NULL;
        CHECK_OK(d4m_assoc_build(&e, kind == D4M_STR ? d4m_vec_str(rk, all) : d4m_vec_num(rn, all),
                                 kind == D4M_STR ? d4m_vec_str(ck, all) : d4m_vec_num(cn, all),
                                 d4m_vec_num(v, all), &o));
        CHECK_OK(d4m_assoc_transpose(&et, e));
        d4m_assoc *ga = get_all(b), *gn = get_all(nt);
        assert_same(ga, e, "bulk table");
        assert_same(gn, e, "normal table");
        d4m_assoc_free(ga);
        d4m_assoc_free(gn);
        d4m_table *bt = topen(d.db, "BT"), *ntt = topen(d.db, "NT");
        ga = get_all(bt);
        gn = get_all(ntt);
        assert_same(ga, et, "bulk transpose");
        assert_same(gn, et, "normal transpose");
        d4m_assoc_free(ga);
        d4m_assoc_free(gn);
        d4m_table_close(bt);
        d4m_table_close(ntt);
        d4m_table *bd = topen(d.db, "BDeg"), *nd = topen(d.db, "NDeg");
        ga = get_all(bd);
        gn = get_all(nd);
        assert_same(ga, gn, "degree tables");
        d4m_assoc_free(ga);
        d4m_assoc_free(gn);
        d4m_table_close(bd);
        d4m_table_close(nd);
        uint64_t n = 0;
        CHECK_OK(d4m_table_nnz(&n, b));
        cr_assert_eq(n, d4m_assoc_nnz(e));
        d4m_assoc_free(e);
        d4m_assoc_free(et);
    }
    free(rk); free(ck); free(rn); free(cn); free(v); free(text);
    d4m_table_close(b);
    d4m_table_close(nt);
    tmpdb_free(&d);
}

Test(store_bulk, threaded_random_str, .fini = tmpdb_fini) { random_load(D4M_STR); }
Test(store_bulk, threaded_random_int, .fini = tmpdb_fini) { random_load(D4M_NUM); }

/* --------------------------------------------------------------- scans */

/* Rows r1..r5 with 3 entries each (columns c1..c3), value 10 * row + col. */
static d4m_table *grid_table_ex(d4m_db *db, const char *name, d4m_kind kind, int pair,
                                unsigned shards, unsigned flags)
{
    d4m_table *t = table_new(db, name, kind, pair, 0, shards, D4M_COMBINE_NONE);
    d4m_key rk[15], ck[15];
    double rn[15], cn[15], v[15];
    char text[15][16];
    for (int i = 0; i < 15; i++) {
        int r = i / 3 + 1, c = i % 3 + 1;
        snprintf(text[i], 8, "r%d", r);
        snprintf(text[i] + 8, 8, "c%d", c);
        rk[i] = K(text[i]);
        ck[i] = K(text[i] + 8);
        rn[i] = r;
        cn[i] = c;
        v[i] = 10 * r + c;
    }
    CHECK_OK(d4m_table_put_triples(t, kind == D4M_STR ? d4m_vec_str(rk, 15) : d4m_vec_num(rn, 15),
                                   kind == D4M_STR ? d4m_vec_str(ck, 15) : d4m_vec_num(cn, 15),
                                   d4m_vec_num(v, 15), flags));
    return t;
}

static d4m_table *grid_table(d4m_db *db, const char *name, d4m_kind kind, int pair)
{
    return grid_table_ex(db, name, kind, pair, 2, 0);
}

/* Every chunk of an iterator as display text, joined with "|". */
/* The chunks of T(rq, cq) as text, "|" after each; between(k, arg), if
 * not NULL, runs after chunk k is taken (k = 0, 1, ...). */
static char *chunks_text_between(d4m_table *t, const char *rq, const char *cq, size_t chunk,
                                 void (*between)(int, void *), void *arg)
{
    d4m_query *r = NULL, *c = NULL;
    if (rq)
        CHECK_OK(d4m_query_parse(&r, K(rq)));
    if (cq)
        CHECK_OK(d4m_query_parse(&c, K(cq)));
    d4m_table_iter *it = NULL;
    CHECK_OK(d4m_table_iter_new(&it, t, r, c, chunk));
    char *all = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&all, &len);
    cr_assert_not_null(f);
    for (int k = 0;; k++) {
        d4m_assoc *a = NULL;
        int rc = d4m_table_iter_next(&a, it);
        cr_assert(rc == 0 || rc == D4M_ITER_DONE, "iter_next %d: %s", rc, d4m_error_message());
        cr_assert_not_null(a);
        if (rc == D4M_ITER_DONE) {
            cr_assert(d4m_assoc_is_empty(a));
            d4m_assoc_free(a);
            break;
        }
        char *txt = assoc_text(a);
        fprintf(f, "%s|", txt);
        free(txt);
        d4m_assoc_free(a);
        if (between)
            between(k, arg);
    }
    fclose(f);
    d4m_table_iter_free(it);
    d4m_query_free(r);
    d4m_query_free(c);
    return all;
}

static char *chunks_text(d4m_table *t, const char *rq, const char *cq, size_t chunk)
{
    return chunks_text_between(t, rq, cq, chunk, NULL, NULL);
}

#define ASSERT_CHUNKS(t, rq, cq, chunk, expected)                                \
    do {                                                                         \
        char *ct_ = chunks_text((t), (rq), (cq), (chunk));                        \
        cr_assert_str_eq(ct_, (expected), "chunks of %zu:\n%s\nexpected\n%s",    \
                         (size_t)(chunk), ct_, (expected));                      \
        free(ct_);                                                               \
    } while (0)

/* Chunks of 4 over rows of 3: rows r2, r3 and r5 span two chunks; with the
 * reader thread from the first entry and without it (mode 0, 1); and
 * (mode 2) bulk-loaded tables of 3 shards read by a second reader from
 * each shard boundary inside the chunk's range. */
static void rows_across_chunks(int bulk)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = grid_table_ex(d.db, "S", D4M_STR, 0, 3, bulk ? D4M_PUT_BULK : 0);
    d4m_table *u = grid_table_ex(d.db, "I", D4M_NUM, 0, 3, bulk ? D4M_PUT_BULK : 0);
    if (bulk) {
        cr_assert_eq(t->m.nsplits, 2);
        cr_assert_eq(u->m.nsplits, 2);
    }
    const char *s4 =
        "(r1,c1)  11\n(r2,c1)  21\n(r1,c2)  12\n(r1,c3)  13\n|"
        "(r3,c1)  31\n(r2,c2)  22\n(r3,c2)  32\n(r2,c3)  23\n|"
        "(r4,c1)  41\n(r4,c2)  42\n(r3,c3)  33\n(r4,c3)  43\n|"
        "(r5,c1)  51\n(r5,c2)  52\n(r5,c3)  53\n|";
    const char *i4 =
        "(1,1)  11\n(2,1)  21\n(1,2)  12\n(1,3)  13\n|"
        "(3,1)  31\n(2,2)  22\n(3,2)  32\n(2,3)  23\n|"
        "(4,1)  41\n(4,2)  42\n(3,3)  33\n(4,3)  43\n|"
        "(5,1)  51\n(5,2)  52\n(5,3)  53\n|";
    for (int mode = 0; mode < 2; mode++) {
        if (mode) {
            if (bulk)
                split_always();
            else
                threaded();
        }
        ASSERT_CHUNKS(t, NULL, NULL, 4, s4);
        ASSERT_CHUNKS(u, NULL, NULL, 4, i4);
        /* A range query over rows r2..r3 in chunks of 5. */
        ASSERT_CHUNKS(t, "r2 : r3 ", NULL, 5,
                      "(r2,c1)  21\n(r3,c1)  31\n(r2,c2)  22\n(r3,c2)  32\n(r2,c3)  23\n|"
                      "(r3,c3)  33\n|");
        /* Column filter (no pair): chunks count the entries kept. */
        ASSERT_CHUNKS(t, "r1 r4 r5 ", "c2 c3 ", 3,
                      "(r1,c2)  12\n(r4,c2)  42\n(r1,c3)  13\n|"
                      "(r5,c2)  52\n(r4,c3)  43\n(r5,c3)  53\n|");
        /* The whole table at once. */
        ASSERT_CHUNKS(u, NULL, NULL, 0,
                      "(1,1)  11\n(2,1)  21\n(3,1)  31\n(4,1)  41\n(5,1)  51\n"
                      "(1,2)  12\n(2,2)  22\n(3,2)  32\n(4,2)  42\n(5,2)  52\n"
                      "(1,3)  13\n(2,3)  23\n(3,3)  33\n(4,3)  43\n(5,3)  53\n|");
        /* Nothing in range. */
        ASSERT_CHUNKS(t, "zz ", NULL, 4, "");
        /* Chunks of every size, as many as the entries need. */
        for (size_t c = 1; c <= 16; c++) {
            char *all = chunks_text(t, NULL, NULL, c);
            size_t bars = 0;
            for (char *q = all; *q; q++)
                bars += *q == '|';
            cr_assert_eq(bars, (15 + c - 1) / c, "chunks of %zu: %s", c, all);
            free(all);
        }
        ASSERT_CHUNKS(u, "2 : 4 ", NULL, 0,
                      "(2,1)  21\n(3,1)  31\n(4,1)  41\n(2,2)  22\n(3,2)  32\n(4,2)  42\n"
                      "(2,3)  23\n(3,3)  33\n(4,3)  43\n|");
        ASSERT_CHUNKS(u, "2 : 4 ", NULL, 7,
                      "(2,1)  21\n(3,1)  31\n(4,1)  41\n(2,2)  22\n(3,2)  32\n(2,3)  23\n"
                      "(3,3)  33\n|(4,2)  42\n(4,3)  43\n|");
    }
    d4m_table_close(t);
    d4m_table_close(u);
    tmpdb_free(&d);
}

Test(store_scan, rows_across_chunks_exact, .fini = tmpdb_fini) { rows_across_chunks(0); }
Test(store_scan, rows_across_chunks_shards, .fini = tmpdb_fini) { rows_across_chunks(1); }

/* Column queries read the transpose, in chunks, through both paths. */
Test(store_scan, transpose_chunks_exact, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = grid_table(d.db, "S", D4M_STR, 1);
    d4m_table *u = grid_table(d.db, "I", D4M_NUM, 1);
    for (int mode = 0; mode < 2; mode++) {
        if (mode) threaded();
        ASSERT_CHUNKS(t, NULL, "c3 c1 ", 4,
                      "(r1,c1)  11\n(r2,c1)  21\n(r3,c1)  31\n(r4,c1)  41\n|"
                      "(r5,c1)  51\n(r1,c3)  13\n(r2,c3)  23\n(r3,c3)  33\n|"
                      "(r4,c3)  43\n(r5,c3)  53\n|");
        ASSERT_CHUNKS(u, NULL, "2 ", 0,
                      "(1,2)  12\n(2,2)  22\n(3,2)  32\n(4,2)  42\n(5,2)  52\n|");
    }
    d4m_table_close(t);
    d4m_table_close(u);
    tmpdb_free(&d);
}

/* Empty tables: done at once, with the empty Assoc. */
Test(store_scan, empty_tables, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "S", D4M_STR, 1, 0, 2, D4M_COMBINE_NONE);
    d4m_table *u = table_new(d.db, "I", D4M_NUM, 0, 0, 2, D4M_COMBINE_NONE);
    for (int mode = 0; mode < 2; mode++) {
        if (mode) threaded();
        ASSERT_CHUNKS(t, NULL, NULL, 3, "");
        ASSERT_CHUNKS(t, NULL, "x ", 3, "");
        ASSERT_CHUNKS(u, NULL, NULL, 0, "");
        d4m_assoc *a = get_all(u);
        cr_assert(d4m_assoc_is_empty(a));
        d4m_assoc_free(a);
    }
    d4m_table_close(t);
    d4m_table_close(u);
    tmpdb_free(&d);
}

/* Values: a chunk with a string value holds strings only (numbers as their
 * shortest exact text); a number 0 (a sum that came to 0) is no entry in
 * either, and a chunk of nothing but such zeros is skipped (returned empty,
 * it would read as the end). */
Test(store_scan, string_values_and_zeros, .fini = tmpdb_fini)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "S", D4M_STR, 0, 0, 1, D4M_COMBINE_NONE);
    CHECK_OK(d4m_table_add_col_combiner(t, K("n"), D4M_COMBINE_SUM));
    d4m_assoc *a = lists("a a b c ", "x y x y ", "hi 2 0.1 there ");
    CHECK_OK(d4m_table_put(t, a, 0));
    d4m_assoc_free(a);
    static const double v1[] = { 5, 3 }, v2[] = { -5, 0.5 };
    CHECK_OK(d4m_table_put(t, a = lists_num("a b ", "n n ", v1, 2), 0));
    d4m_assoc_free(a);
    CHECK_OK(d4m_table_put(t, a = lists_num("a b ", "n n ", v2, 2), 0));
    d4m_assoc_free(a);
    for (int mode = 0; mode < 2; mode++) {
        if (mode) threaded();
        /* (a,n) sums to 0: no entry, in a chunk of numbers as in one of
         * strings. */
        ASSERT_CHUNKS(t, NULL, NULL, 0,
                      "(b,n)  3.5\n(a,x)  hi\n(b,x)  0.1\n(a,y)  2\n(c,y)  there\n|");
        ASSERT_CHUNKS(t, NULL, NULL, 2, "(a,x)  hi\n|(b,n)  3.5\n(a,y)  2\n|"
                                        "(b,x)  0.1\n(c,y)  there\n|");
        ASSERT_CHUNKS(t, "a ", NULL, 0, "(a,x)  hi\n(a,y)  2\n|");
        ASSERT_CHUNKS(t, NULL, "n ", 0, "(b,n)  3.5\n|");
        /* The chunk of just (a,n) is skipped. */
        ASSERT_CHUNKS(t, NULL, "n ", 1, "(b,n)  3.5\n|");
        ASSERT_CHUNKS(t, "a ", "n ", 1, "");
    }
    d4m_table_close(t);
    tmpdb_free(&d);
}

/* A larger scan through the reader thread, with blocks handed over many
 * times: each chunk equals the matching slice of the triples in key order. */
static void big_scan(d4m_kind kind, bool split)
{
    if (split)
        split_always();
    else
        threaded();
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", kind, 0, 0, 3, D4M_COMBINE_NONE);
    enum { N = 60000 };
    double *rn = calloc(N, sizeof *rn), *cn = calloc(N, sizeof *cn), *v = calloc(N, sizeof *v);
    d4m_key *rk = calloc(N, sizeof *rk), *ck = calloc(N, sizeof *ck);
    char *text = calloc(N, 32);
    cr_assert(rn && cn && v && rk && ck && text);
    /* Row i / 7, column (i * 37) % 1000 + 1 within it: distinct, unsorted. */
    for (size_t i = 0; i < N; i++) {
        size_t r = i / 7 + 1, c = (i * 37) % 1000 + 1;
        rn[i] = (double)r;
        cn[i] = (double)c;
        v[i] = (double)(i % 97 + 1);
        char *p = text + 32 * i;
        int lr = snprintf(p, 16, "r%06zu", r), lc = snprintf(p + 16, 16, "c%zu", c);
        rk[i] = (d4m_key){ p, (size_t)lr };
        ck[i] = (d4m_key){ p + 16, (size_t)lc };
    }
    d4m_vec rv = kind == D4M_STR ? d4m_vec_str(rk, N) : d4m_vec_num(rn, N);
    d4m_vec cv = kind == D4M_STR ? d4m_vec_str(ck, N) : d4m_vec_num(cn, N);
    CHECK_OK(d4m_table_put_triples(t, rv, cv, d4m_vec_num(v, N), D4M_PUT_BULK));
    d4m_assoc *all = NULL;
    CHECK_OK(d4m_assoc_build(&all, rv, cv, d4m_vec_num(v, N), NULL));
    /* The triples in key order (row-major). */
    d4m_triples *tr = NULL;
    CHECK_OK(d4m_assoc_find(&tr, all, D4M_ORDER_ROW));
    cr_assert_eq(tr->n, N);
    static const size_t chunks[] = { 7, 25000, 29999, 59999, 60000, 0 };
    for (size_t ci = 0; ci < sizeof chunks / sizeof *chunks; ci++) {
        size_t chunk = chunks[ci] ? chunks[ci] : SIZE_MAX, k = 0;
        d4m_table_iter *it = NULL;
        CHECK_OK(d4m_table_iter_new(&it, t, NULL, NULL, chunks[ci]));
        for (;;) {
            d4m_assoc *a = NULL;
            int rc = d4m_table_iter_next(&a, it);
            cr_assert(rc == 0 || rc == D4M_ITER_DONE, "%s", d4m_error_message());
            if (rc == D4M_ITER_DONE) {
                cr_assert(d4m_assoc_is_empty(a));
                d4m_assoc_free(a);
                break;
            }
            size_t m = N - k < chunk ? N - k : chunk;
            cr_assert_eq(d4m_assoc_nnz(a), m);
            /* Checked fully for the big chunks; for chunks of 7 every
             * 500th. */
            if (chunk > 7 || (k / 7) % 500 == 0) {
                d4m_key *sr = calloc(m, sizeof *sr), *sc = calloc(m, sizeof *sc);
                double *nr = calloc(m, sizeof *nr), *nc = calloc(m, sizeof *nc);
                double *sv = calloc(m, sizeof *sv);
                for (size_t q = 0; q < m; q++) {
                    if (kind == D4M_STR) {
                        sr[q] = d4m_assoc_key(all, 1, tr->row[k + q]);
                        sc[q] = d4m_assoc_key(all, 2, tr->col[k + q]);
                    }
                    nr[q] = (double)(tr->row[k + q] + 1);
                    nc[q] = (double)(tr->col[k + q] + 1);
                    sv[q] = tr->val[k + q];
                }
                d4m_assoc *e = NULL;
                CHECK_OK(d4m_assoc_build(&e, kind == D4M_STR ? d4m_vec_str(sr, m) : d4m_vec_num(nr, m),
                                         kind == D4M_STR ? d4m_vec_str(sc, m) : d4m_vec_num(nc, m),
                                         d4m_vec_num(sv, m), NULL));
                assert_same(a, e, "chunk");
                d4m_assoc_free(e);
                free(sr); free(sc); free(nr); free(nc); free(sv);
            }
            d4m_assoc_free(a);
            k += m;
        }
        cr_assert_eq(k, N);
        d4m_table_iter_free(it);
    }
    d4m_triples_free(tr);
    d4m_assoc_free(all);
    free(rn); free(cn); free(v); free(rk); free(ck); free(text);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(store_scan, reader_thread_str, .fini = tmpdb_fini) { big_scan(D4M_STR, false); }
Test(store_scan, reader_thread_int, .fini = tmpdb_fini) { big_scan(D4M_NUM, false); }
Test(store_scan, second_reader_str, .fini = tmpdb_fini) { big_scan(D4M_STR, true); }
Test(store_scan, second_reader_int, .fini = tmpdb_fini) { big_scan(D4M_NUM, true); }

/* Chunks read in two parts at shard boundaries, each part building its
 * own Assoc (d4m/table.c, scan_halves), joined: the same chunks as one
 * thread reads, over 1, 2 and 8 shards, for chunks that end before, at
 * and after a boundary.  Rows of both parts share column keys; string
 * values only in the last rows, so a part of numbers is joined with a part
 * of strings. */
static void halves_scan(d4m_kind kind, bool eager)
{
    d4m__scan_halves_eager = eager;
    tmpdb d = tmpdb_new();
    enum { N = 600 };
    d4m_key rk[N], ck[N], vk[N];
    double rn[N], cn[N];
    char text[N][3][16];
    for (int i = 0; i < N; i++) {
        int r = i / 3 + 1, c = (i * 7) % 23 + 1;
        rn[i] = r;
        cn[i] = c;
        snprintf(text[i][0], 16, "r%03d", r);
        snprintf(text[i][1], 16, "c%d", c);
        if (r > 150)
            snprintf(text[i][2], 16, "s%d", i);
        else
            snprintf(text[i][2], 16, "%d", i + 1);
        rk[i] = K(text[i][0]);
        ck[i] = K(text[i][1]);
        vk[i] = K(text[i][2]);
    }
    static const unsigned shards[] = { 1, 2, 8 };
    static const size_t chunks[] = { 0, 1, 7, 150, 299, 300, 301, 599, 600, 1000 };
    for (size_t si = 0; si < 3; si++) {
        char name[16];
        snprintf(name, sizeof name, "T%u", shards[si]);
        d4m_table *t = table_new(d.db, name, kind, 0, 0, shards[si], D4M_COMBINE_NONE);
        CHECK_OK(d4m_table_put_triples(t, kind == D4M_STR ? d4m_vec_str(rk, N) : d4m_vec_num(rn, N),
                                       kind == D4M_STR ? d4m_vec_str(ck, N) : d4m_vec_num(cn, N),
                                       d4m_vec_str(vk, N), D4M_PUT_BULK));
        cr_assert_eq(t->m.nsplits, shards[si] - 1);
        for (size_t ci = 0; ci < sizeof chunks / sizeof *chunks; ci++) {
            d4m__scan_split_any = false;
            d4m__scan_par_min = (size_t)1 << 30;   /* one thread */
            char *one = chunks_text(t, NULL, NULL, chunks[ci]);
            split_always();
            char *two = chunks_text(t, NULL, NULL, chunks[ci]);
            cr_assert_str_eq(two, one, "%u shards, chunks of %zu", shards[si], chunks[ci]);
            /* A row range starting inside the first shard, too. */
            free(one);
            free(two);
            d4m__scan_split_any = false;
            d4m__scan_par_min = (size_t)1 << 30;
            const char *rq = kind == D4M_STR ? "r010,:,r190," : "10,:,190,";
            one = chunks_text(t, rq, NULL, chunks[ci]);
            split_always();
            two = chunks_text(t, rq, NULL, chunks[ci]);
            cr_assert_str_eq(two, one, "%u shards, rows %s, chunks of %zu", shards[si], rq,
                             chunks[ci]);
            free(one);
            free(two);
        }
        d4m_table_close(t);
    }
    /* Both ways through: parts joined, and second parts cut back. */
    cr_assert_gt(d4m__scan_halves, 10);
    if (eager)
        cr_assert_gt(d4m__scan_halves_cut, 10);
    tmpdb_free(&d);
}

Test(store_scan, halves_str, .fini = tmpdb_fini) { halves_scan(D4M_STR, false); }
Test(store_scan, halves_int, .fini = tmpdb_fini) { halves_scan(D4M_NUM, false); }
Test(store_scan, halves_cut_back_str, .fini = tmpdb_fini) { halves_scan(D4M_STR, true); }
Test(store_scan, halves_cut_back_int, .fini = tmpdb_fini) { halves_scan(D4M_NUM, true); }

/* n triples into t: rows row0, row0 + step, ... (per_row entries each,
 * "row%07zu" on string keys), columns (i * 37) % ncols + 1, values val or
 * (if 0) i % 89 + 1 through a bulk load. */
static void put_rows(d4m_table *t, d4m_kind kind, size_t n, size_t row0, size_t step,
                     size_t per_row, size_t ncols, double val)
{
    double *rn = calloc(n, sizeof *rn), *cn = calloc(n, sizeof *cn), *v = calloc(n, sizeof *v);
    d4m_key *rk = calloc(n, sizeof *rk), *ck = calloc(n, sizeof *ck);
    char *text = calloc(n, 32);
    cr_assert(rn && cn && v && rk && ck && text);
    for (size_t i = 0; i < n; i++) {
        size_t r = row0 + (i / per_row) * step, c = (i * 37) % ncols + 1;
        rn[i] = (double)r;
        cn[i] = (double)c;
        v[i] = val ? val : (double)(i % 89 + 1);
        char *p = text + 32 * i;
        int lr = snprintf(p, 16, "row%07zu", r), lc = snprintf(p + 16, 16, "col%zu", c);
        rk[i] = (d4m_key){ p, (size_t)lr };
        ck[i] = (d4m_key){ p + 16, (size_t)lc };
    }
    CHECK_OK(d4m_table_put_triples(t, kind == D4M_STR ? d4m_vec_str(rk, n) : d4m_vec_num(rn, n),
                                   kind == D4M_STR ? d4m_vec_str(ck, n) : d4m_vec_num(cn, n),
                                   d4m_vec_num(v, n), val ? 0 : D4M_PUT_BULK));
    free(rn); free(cn); free(v); free(rk); free(ck); free(text);
}

/* One shard: a whole table's scan is cut at a key of its own, about
 * half-way through the chunk (split_somewhere, from RocksDB's approximate
 * sizes); the chunks equal those one thread reads. */
static void one_shard_halves(d4m_kind kind)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", kind, 0, 0, 1, D4M_COMBINE_NONE);
    enum { N = 200000 };
    put_rows(t, kind, N, 1, 1, 5, 3001, 0);   /* rows 1..40000, 5 entries each */
    cr_assert_eq(t->m.nsplits, 0);
    /* The whole table; a range of rows and (string keys) a prefix: 75,000
     * and 50,000 entries. */
    const char *rq[] = { NULL, kind == D4M_STR ? "row0005001,:,row0020000," : "5001,:,20000,",
                         kind == D4M_STR ? "row001*," : NULL };
    const size_t want[] = { N, 75000, 50000 };
    static const size_t chunks[] = { 0, 50000, 150000, 20000 };
    for (size_t qi = 0; qi < 3; qi++)
    for (size_t ci = 0; ci < 4; ci++) {
        if (qi == 2 && !rq[qi])
            break;
        d4m_query *q = NULL;
        if (rq[qi])
            CHECK_OK(d4m_query_parse(&q, K(rq[qi])));
        size_t halves0 = d4m__scan_halves;
        d4m_table_iter *one = NULL, *two = NULL;
        CHECK_OK(d4m_set_threads(1));
        CHECK_OK(d4m_table_iter_new(&one, t, q, NULL, chunks[ci]));
        CHECK_OK(d4m_set_threads(2));
        CHECK_OK(d4m_table_iter_new(&two, t, q, NULL, chunks[ci]));
        size_t total = 0;
        for (;;) {
            d4m_assoc *a = NULL, *b = NULL;
            CHECK_OK(d4m_set_threads(1));
            int ra = d4m_table_iter_next(&a, one);
            CHECK_OK(d4m_set_threads(2));
            int rb = d4m_table_iter_next(&b, two);
            cr_assert(ra >= 0 && rb == ra, "%d %d: %s", ra, rb, d4m_error_message());
            assert_same(b, a, "chunk");
            total += d4m_assoc_nnz(a);
            d4m_assoc_free(a);
            d4m_assoc_free(b);
            if (ra == D4M_ITER_DONE)
                break;
        }
        cr_assert_eq(total, want[qi], "query %s", rq[qi] ? rq[qi] : ":");
        /* Every chunk of 20,000 entries or more is read in two parts. */
        cr_assert_gt(d4m__scan_halves, halves0, "query %s", rq[qi] ? rq[qi] : ":");
        d4m_table_iter_free(one);
        d4m_table_iter_free(two);
        d4m_query_free(q);
    }
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(store_scan, one_shard_halves_str, .fini = tmpdb_fini) { one_shard_halves(D4M_STR); }
Test(store_scan, one_shard_halves_int, .fini = tmpdb_fini) { one_shard_halves(D4M_NUM); }

/* Chunks read ahead (d4m/table.c, scan_ahead): while the caller has a full
 * chunk, a thread reads the next.  The chunks equal those one thread reads
 * without reading ahead, also when the caller writes to the table between
 * chunks (the iterator reads its snapshot: new rows before, among and after
 * the ones read, and a value replaced, are not seen), when the caller is
 * slow (the thread has read the whole next chunk) and when the iterator is
 * freed while the thread reads. */

typedef struct {
    d4m_table *t;
    d4m_kind kind;
} between_arg;

/* After chunk k: new rows before, among and after those read, values
 * replaced; after chunk 1 a pause (the next chunk is read ahead whole). */
static void write_between(int k, void *arg)
{
    between_arg *w = arg;
    put_rows(w->t, w->kind, 8, 5 + (size_t)k * 5000, 10, 4, 1001, 0);
    put_rows(w->t, w->kind, 4, 10 + (size_t)k * 4000, 10, 4, 1001, 7777);
    put_rows(w->t, w->kind, 8, 2000000 + (size_t)k, 1, 4, 1001, 0);
    if (k == 1)
        usleep(200000);
}

static void read_ahead(d4m_kind kind)
{
    tmpdb d = tmpdb_new();
    d4m_table *t = table_new(d.db, "T", kind, 0, 0, 1, D4M_COMBINE_NONE);
    enum { N = 120000, CHUNK = 25000 };
    put_rows(t, kind, N, 10, 10, 4, 1001, 0);   /* rows 10, 20, ..., 4 entries each */
    CHECK_OK(d4m_set_threads(1));
    char *one = chunks_text(t, NULL, NULL, CHUNK);
    threaded();
    size_t ahead0 = d4m__scan_ahead;
    char *two = chunks_text(t, NULL, NULL, CHUNK);
    cr_assert_str_eq(two, one);
    free(two);
    /* 5 chunks: the 4 after the first read ahead, and none after the last. */
    cr_assert_eq(d4m__scan_ahead - ahead0, 4);

    /* Writes between chunks, and a slow caller. */
    between_arg w = { t, kind };
    char *all = chunks_text_between(t, NULL, NULL, CHUNK, write_between, &w);
    cr_assert_str_eq(all, one);
    free(all);

    /* Freed while reading ahead: nothing leaks (ASan), nothing is left
     * running. */
    for (int k = 0; k < 3; k++) {
        d4m_table_iter *it = NULL;
        CHECK_OK(d4m_table_iter_new(&it, t, NULL, NULL, CHUNK));
        d4m_assoc *a = NULL;
        CHECK_OK(d4m_table_iter_next(&a, it));
        cr_assert_eq(d4m_assoc_nnz(a), CHUNK);
        d4m_assoc_free(a);
        if (k == 1)
            usleep(100000);
        d4m_table_iter_free(it);
    }
    free(one);
    d4m_table_close(t);
    tmpdb_free(&d);
}

Test(store_scan, read_ahead_str, .fini = tmpdb_fini) { read_ahead(D4M_STR); }
Test(store_scan, read_ahead_int, .fini = tmpdb_fini) { read_ahead(D4M_NUM); }
