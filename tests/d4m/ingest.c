/*
 * tests/d4m/ingest.c - the ingest API in one process (d4m_comm_self): what
 * a program that never calls MPI gets.  The multi-process cases are in
 * tests/mpi/ingest.c.
 */
#include "db_util.h"
#include <math.h>
#include "d4m/ingest.h"

TestSuite(ingest_self, .fini = tmpdb_fini);

/* A database in a new directory with table name, closed again (the ingest
 * opens it itself). */
static void make_table(char dir[64], const char *name, d4m_kind keys, int pair, int degree,
                       d4m_combiner comb)
{
    tmpdir_new(dir);
    d4m_db *db;
    CHECK_OK(d4m_db_open(&db, dir, D4M_DB_CREATE));
    d4m_table *t = table_new(db, name, keys, pair, degree, 2, comb);
    d4m_table_close(t);
    d4m_db_close(db);
}

static char *get_text(const char *dir, const char *name)
{
    d4m_db *db;
    d4m_table *t;
    d4m_assoc *a;
    CHECK_OK(d4m_db_open(&db, dir, D4M_DB_READONLY));
    CHECK_OK(d4m_table_open(&t, db, name));
    CHECK_OK(d4m_table_get(&a, t, NULL, NULL));
    char *s = assoc_text(a);
    d4m_assoc_free(a);
    d4m_table_close(t);
    d4m_db_close(db);
    return s;
}

#define ASSERT_TABLE(dir, name, want)            \
    do {                                         \
        char *got_ = get_text(dir, name);        \
        cr_assert_str_eq(got_, want);            \
        free(got_);                              \
    } while (0)

Test(ingest_self, triples_and_assoc_in_one_commit)
{
    char dir[64];
    make_table(dir, "E", D4M_STR, 1, 1, D4M_COMBINE_NONE);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g;
    CHECK_OK(d4m_ingest_begin(&g, dir, "E", &c, NULL));
    d4m_key r[] = { K("bob"), K("alice") }, col[] = { K("x"), K("y") };
    double v[] = { 2, 1 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(r, 2), d4m_vec_str(col, 2), d4m_vec_num(v, 2)));
    d4m_assoc *a = lists("carl ", "x ", "w ");   /* a string value */
    CHECK_OK(d4m_ingest_put(g, a));
    d4m_assoc_free(a);
    CHECK_OK(d4m_ingest_commit(g));
    d4m_ingest_free(g);
    /* Numbers and strings mixed in one table: all come back as strings. */
    ASSERT_TABLE(dir, "E", "(bob,x)  2\n(carl,x)  w\n(alice,y)  1\n");
    ASSERT_TABLE(dir, "ET", "(y,alice)  1\n(x,bob)  2\n(x,carl)  w\n");
    ASSERT_TABLE(dir, "EDeg", "(x,InDeg)  2\n(y,InDeg)  1\n(alice,OutDeg)  1\n(bob,OutDeg)  1\n"
                              "(carl,OutDeg)  1\n");
}

Test(ingest_self, nothing_is_visible_before_the_commit)
{
    char dir[64];
    make_table(dir, "E", D4M_STR, 0, 0, D4M_COMBINE_NONE);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g;
    d4m_ingest_options o = D4M_INGEST_OPTIONS_INIT;
    o.memory_budget = 1;   /* every put spills to files at once */
    CHECK_OK(d4m_ingest_begin(&g, dir, "E", &c, &o));
    d4m_key r = K("a"), col = K("b");
    double v = 5;
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(&r, 1), d4m_vec_str(&col, 1), d4m_vec_num(&v, 1)));
    /* Read-only views work while an ingest runs; they see nothing of it. */
    ASSERT_TABLE(dir, "E", "");
    d4m_ingest_free(g);   /* given up: nothing loaded, files removed */
    ASSERT_TABLE(dir, "E", "");
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls %s/d4m-tmp | grep -q '^ing-'", dir);
    cr_assert_neq(system(cmd), 0, "files of the abandoned ingest are left in d4m-tmp");
}

Test(ingest_self, later_puts_win_across_spills)
{
    char dir[64];
    make_table(dir, "E", D4M_STR, 0, 0, D4M_COMBINE_NONE);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g;
    d4m_ingest_options o = D4M_INGEST_OPTIONS_INIT;
    o.memory_budget = 1;
    CHECK_OK(d4m_ingest_begin(&g, dir, "E", &c, &o));
    d4m_key r = K("a"), col = K("b");
    for (int i = 1; i <= 5; i++) {
        double v = i;
        CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(&r, 1), d4m_vec_str(&col, 1),
                                        d4m_vec_num(&v, 1)));
    }
    CHECK_OK(d4m_ingest_commit(g));
    d4m_ingest_free(g);
    ASSERT_TABLE(dir, "E", "(a,b)  5\n");
}

Test(ingest_self, sum_combiner_across_spills_and_existing_data)
{
    char dir[64];
    make_table(dir, "S", D4M_STR, 0, 0, D4M_COMBINE_SUM);
    d4m_db *db;
    d4m_table *t;
    CHECK_OK(d4m_db_open(&db, dir, 0));
    CHECK_OK(d4m_table_open(&t, db, "S"));
    d4m_assoc *a = lists_num("a ", "b ", (double[]){ 100 }, 1);
    CHECK_OK(d4m_table_put(t, a, 0));
    d4m_assoc_free(a);
    d4m_table_close(t);
    d4m_db_close(db);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g;
    d4m_ingest_options o = D4M_INGEST_OPTIONS_INIT;
    o.memory_budget = 1;
    CHECK_OK(d4m_ingest_begin(&g, dir, "S", &c, &o));
    d4m_key r = K("a"), col = K("b");
    for (int i = 1; i <= 4; i++) {
        double v = i;
        CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(&r, 1), d4m_vec_str(&col, 1),
                                        d4m_vec_num(&v, 1)));
    }
    CHECK_OK(d4m_ingest_commit(g));
    d4m_ingest_free(g);
    ASSERT_TABLE(dir, "S", "(a,b)  110\n");
}

Test(ingest_self, integer_keys_numeric_and_decimal)
{
    char dir[64];
    make_table(dir, "V", D4M_NUM, 0, 0, D4M_COMBINE_NONE);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g;
    CHECK_OK(d4m_ingest_begin(&g, dir, "V", &c, NULL));
    double r[] = { 10, 2 }, col[] = { 1, 1 }, v[] = { 7, 8 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_num(r, 2), d4m_vec_num(col, 2), d4m_vec_num(v, 2)));
    d4m_key rs = K("3"), cs = K("2");
    double w = 9;
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(&rs, 1), d4m_vec_str(&cs, 1), d4m_vec_num(&w, 1)));
    d4m_key bad = K("x1");
    CHECK_FAILS(d4m_ingest_put_triples(g, d4m_vec_str(&bad, 1), d4m_vec_str(&cs, 1),
                                       d4m_vec_num(&w, 1)), D4M_EKEY);
    /* After a failed put the ingest is spoiled: the commit refuses. */
    CHECK_FAILS(d4m_ingest_commit(g), D4M_EKEY);
    d4m_ingest_free(g);
    ASSERT_TABLE(dir, "V", "");
    CHECK_OK(d4m_ingest_begin(&g, dir, "V", &c, NULL));
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_num(r, 2), d4m_vec_num(col, 2), d4m_vec_num(v, 2)));
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(&rs, 1), d4m_vec_str(&cs, 1), d4m_vec_num(&w, 1)));
    CHECK_OK(d4m_ingest_commit(g));
    d4m_ingest_free(g);
    ASSERT_TABLE(dir, "V", "(2,1)  8\n(10,1)  7\n(3,2)  9\n");
}

Test(ingest_self, bad_arguments)
{
    char dir[64];
    make_table(dir, "E", D4M_STR, 0, 0, D4M_COMBINE_NONE);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g = NULL;
    CHECK_FAILS(d4m_ingest_begin(&g, dir, "missing", &c, NULL), D4M_ENOTFOUND);
    cr_assert_null(g);
    CHECK_FAILS(d4m_ingest_begin(&g, "/nonexistent/d4m", "E", &c, NULL), D4M_ENOTFOUND);
    CHECK_FAILS(d4m_ingest_begin(NULL, dir, "E", &c, NULL), D4M_EINVAL);
    d4m_comm bad = c;
    bad.size = 2;   /* two ranks but no collectives */
    CHECK_FAILS(d4m_ingest_begin(&g, dir, "E", &bad, NULL), D4M_EINVAL);
    d4m_ingest_options o = D4M_INGEST_OPTIONS_INIT;
    o.version = 99;
    CHECK_FAILS(d4m_ingest_begin(&g, dir, "E", &c, &o), D4M_EINVAL);
    CHECK_OK(d4m_ingest_begin(&g, dir, "E", &c, NULL));
    d4m_key r[] = { K("a"), K("b") }, col[] = { K("x"), K("y"), K("z") };
    double v[] = { 1, 2 };
    CHECK_FAILS(d4m_ingest_put_triples(g, d4m_vec_str(r, 2), d4m_vec_str(col, 3),
                                       d4m_vec_num(v, 2)), D4M_ELENGTH);
    d4m_ingest_free(g);
    CHECK_OK(d4m_ingest_begin(&g, dir, "E", &c, NULL));
    double nan = NAN;
    CHECK_FAILS(d4m_ingest_put_triples(g, d4m_vec_str(r, 1), d4m_vec_str(col, 1),
                                       d4m_vec_num(&nan, 1)), D4M_EVALUE);
    CHECK_FAILS(d4m_ingest_put(g, NULL), D4M_EINVAL);
    d4m_ingest_free(g);
    d4m_ingest_free(NULL);
    ASSERT_TABLE(dir, "E", "");
}

/* Sorted, unique triples for a plain table skip the Assoc: the same table
 * must result, zeros being no entry, and the next put may go backwards. */
Test(ingest_self, sorted_puts_go_straight_to_files)
{
    char dir[64];
    make_table(dir, "E", D4M_STR, 0, 0, D4M_COMBINE_NONE);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g;
    CHECK_OK(d4m_ingest_begin(&g, dir, "E", &c, NULL));
    d4m_key r1[] = { K("a"), K("a"), K("b") }, c1[] = { K("x"), K("y"), K("x") };
    double v1[] = { 1, 0, 3 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(r1, 3), d4m_vec_str(c1, 3), d4m_vec_num(v1, 3)));
    d4m_key r2[] = { K("c"), K("d") }, c2[] = { K("x"), K("x") };
    double v2[] = { 4, 5 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(r2, 2), d4m_vec_str(c2, 2), d4m_vec_num(v2, 2)));
    d4m_key r3[] = { K("a") }, c3[] = { K("x") };
    double v3[] = { 9 };   /* backwards: buffered, and later puts win */
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_str(r3, 1), d4m_vec_str(c3, 1), d4m_vec_num(v3, 1)));
    CHECK_OK(d4m_ingest_commit(g));
    d4m_ingest_free(g);
    ASSERT_TABLE(dir, "E", "(a,x)  9\n(b,x)  3\n(c,x)  4\n(d,x)  5\n");

    char dir2[64];
    make_table(dir2, "V", D4M_NUM, 0, 0, D4M_COMBINE_NONE);
    CHECK_OK(d4m_ingest_begin(&g, dir2, "V", &c, NULL));
    double r[] = { 1, 1, 2 }, cc[] = { 1, 3, 2 }, v[] = { 5, 6, 7 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_num(r, 3), d4m_vec_num(cc, 3), d4m_vec_num(v, 3)));
    double rb[] = { 0.5 }, cb[] = { 1 };
    CHECK_FAILS(d4m_ingest_put_triples(g, d4m_vec_num(rb, 1), d4m_vec_num(cb, 1),
                                       d4m_vec_num(v, 1)), D4M_EKEY);
    d4m_ingest_free(g);
    ASSERT_TABLE(dir2, "V", "");
    CHECK_OK(d4m_ingest_begin(&g, dir2, "V", &c, NULL));
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_num(r, 3), d4m_vec_num(cc, 3), d4m_vec_num(v, 3)));
    CHECK_OK(d4m_ingest_commit(g));
    d4m_ingest_free(g);
    ASSERT_TABLE(dir2, "V", "(1,1)  5\n(2,2)  7\n(1,3)  6\n");
}

/* Integer keys with a transpose: slices in row order go to files without an
 * Assoc, the transpose's keys put in column order by a radix sort (columns
 * above 255 and 65535 take several passes; zeros are no entry; one value
 * for every triple).  A slice that goes backwards is buffered, and the
 * later value wins in both tables. */
Test(ingest_self, sorted_integer_puts_feed_the_transpose)
{
    char dir[64];
    make_table(dir, "P", D4M_NUM, 1, 0, D4M_COMBINE_NONE);
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g;
    CHECK_OK(d4m_ingest_begin(&g, dir, "P", &c, NULL));
    double r1[] = { 1, 1, 1, 2, 2 }, c1[] = { 3, 300, 70000, 3, 300 }, v1[] = { 1, 2, 0, 4, 5 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_num(r1, 5), d4m_vec_num(c1, 5), d4m_vec_num(v1, 5)));
    double r2[] = { 3, 3, 4 }, c2[] = { 256, 70000, 3 }, v2[] = { 7 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_num(r2, 3), d4m_vec_num(c2, 3), d4m_vec_num(v2, 1)));
    double r3[] = { 2 }, c3[] = { 3 }, v3[] = { 9 };
    CHECK_OK(d4m_ingest_put_triples(g, d4m_vec_num(r3, 1), d4m_vec_num(c3, 1), d4m_vec_num(v3, 1)));
    CHECK_OK(d4m_ingest_commit(g));
    d4m_ingest_free(g);
    ASSERT_TABLE(dir, "P",
                 "(1,3)  1\n(2,3)  9\n(4,3)  7\n(3,256)  7\n(1,300)  2\n(2,300)  5\n"
                 "(3,70000)  7\n");
    ASSERT_TABLE(dir, "PT",
                 "(3,1)  1\n(300,1)  2\n(3,2)  9\n(300,2)  5\n(256,3)  7\n(70000,3)  7\n"
                 "(3,4)  7\n");
}
