/*
 * tests/d4m/db.c - databases and the catalog of tables (d4m/db.c,
 * include/d4m/db.h): open/close, read-only views, create/open/list/drop of
 * tables with their transpose and degree tables, options and info.
 *
 * Each test makes its own database in a fresh /tmp directory and removes it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test_util.h"
#include "db_util.h"

/* The names of db's tables as one "a,b,c," string (malloc'd). */
static char *names_text(d4m_db *db)
{
    char **names = (char **)0x1;
    size_t n = 99;
    CHECK_OK(d4m_db_list(&names, &n, db));
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *s = calloc(1, len);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++) {
        strcat(s, names[i]);
        strcat(s, ",");
    }
    if (n)
        cr_assert_null(names[n], "the name array ends with NULL");
    d4m_free(names);
    return s;
}

#define ASSERT_NAMES(db, expected)                                               \
    do {                                                                         \
        char *nt_ = names_text(db);                                              \
        cr_assert_str_eq(nt_, (expected));                                       \
        free(nt_);                                                               \
    } while (0)

/* Total size of the sorted files (*.sst) of a database directory. */
static uint64_t sst_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    uint64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".sst") == 0) {
            char path[512];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (stat(path, &st) == 0)
                total += (uint64_t)st.st_size;
        }
    }
    closedir(d);
    return total;
}

/* ---------------------------------------------------------------- db_open */

Test(db_open, create_then_reopen_keeps_tables, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    CHECK_OK(d4m_table_create(t.db, "Tedge", NULL));
    d4m_db_close(t.db);
    t.db = NULL;
    /* Reopen without D4M_DB_CREATE: the table is still there. */
    CHECK_OK(d4m_db_open(&t.db, t.dir, 0));
    ASSERT_NAMES(t.db, "Tedge,");
    tmpdb_free(&t);
}

Test(db_open, missing_database, .fini = tmpdb_fini)
{
    char dir[64];
    tmpdir_new(dir);
    d4m_db *db = (d4m_db *)0x1;
    /* An empty directory is no database. */
    CHECK_FAILS(d4m_db_open(&db, dir, 0), D4M_ENOTFOUND);
    cr_assert_null(db);
    CHECK_FAILS(d4m_db_open(&db, dir, D4M_DB_READONLY), D4M_ENOTFOUND);
    /* Nor is a path that does not exist. */
    char missing[128];
    snprintf(missing, sizeof missing, "%s/nothing/here", dir);
    CHECK_FAILS(d4m_db_open(&db, missing, 0), D4M_ENOTFOUND);
    rm_tree(dir);
}

Test(db_open, create_makes_the_directory, .fini = tmpdb_fini)
{
    char dir[64], sub[128];
    tmpdir_new(dir);
    snprintf(sub, sizeof sub, "%s/db", dir);
    d4m_db *db = NULL;
    CHECK_OK(d4m_db_open(&db, sub, D4M_DB_CREATE | D4M_DB_SYNC));
    CHECK_OK(d4m_table_create(db, "A", NULL));
    d4m_db_close(db);
    CHECK_OK(d4m_db_open(&db, sub, 0));
    ASSERT_NAMES(db, "A,");
    d4m_db_close(db);
    rm_tree(dir);
}

/* A create that fails in a directory that is not a database (a junk
 * CURRENT file) leaves the directory as it found it: no LOCK, no LOG. */
Test(db_open, failed_create_leaves_nothing, .fini = tmpdb_fini)
{
    char dir[64];
    tmpdir_new(dir);
    char p[128];
    snprintf(p, sizeof p, "%s/CURRENT", dir);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("not a manifest name\n", f);
    fclose(f);
    d4m_db *db = NULL;
    int rc = d4m_db_open(&db, dir, D4M_DB_CREATE);
    cr_assert_lt(rc, 0, "a junk CURRENT opened");
    cr_assert_null(db);
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    char left[512] = "";
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            strncat(left, e->d_name, sizeof left - strlen(left) - 2);
            strcat(left, " ");
        }
    closedir(d);
    cr_assert_str_eq(left, "CURRENT ", "left in the directory: %s", left);
    rm_tree(dir);
}

Test(db_open, bad_arguments, .fini = tmpdb_fini)
{
    char dir[64];
    tmpdir_new(dir);
    d4m_db *db = NULL;
    CHECK_FAILS(d4m_db_open(NULL, dir, D4M_DB_CREATE), D4M_EINVAL);
    CHECK_FAILS(d4m_db_open(&db, NULL, D4M_DB_CREATE), D4M_EINVAL);
    CHECK_FAILS(d4m_db_open(&db, "", D4M_DB_CREATE), D4M_EINVAL);
    CHECK_FAILS(d4m_db_open(&db, dir, 0x80u | D4M_DB_CREATE), D4M_EINVAL);
    CHECK_FAILS(d4m_db_open(&db, dir, D4M_DB_CREATE | D4M_DB_READONLY), D4M_EINVAL);
    /* A regular file is not a database directory. */
    char file[128];
    snprintf(file, sizeof file, "%s/file", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    CHECK_FAILS(d4m_db_open(&db, file, D4M_DB_CREATE), D4M_EINVAL);
    cr_assert_null(db);
    d4m_db_close(NULL);
    rm_tree(dir);
}

Test(db_open, second_writer_is_busy, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    d4m_db *other = (d4m_db *)0x1;
    CHECK_FAILS(d4m_db_open(&other, t.dir, 0), D4M_EBUSY);
    cr_assert_null(other);
    tmpdb_free(&t);
}

Test(db_open, read_only_reads_while_a_writer_has_it, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    d4m_table *w = table_new(t.db, "T", D4M_STR, 0, 0, 1, D4M_COMBINE_NONE);
    d4m_assoc *a = lists("a b ", "x y ", "1 2 ");
    CHECK_OK(d4m_table_put(w, a, 0));
    d4m_db *ro = NULL;
    CHECK_OK(d4m_db_open(&ro, t.dir, D4M_DB_READONLY));
    ASSERT_NAMES(ro, "T,");
    d4m_table *r = NULL;
    CHECK_OK(d4m_table_open(&r, ro, "T"));
    d4m_assoc *g = NULL;
    CHECK_OK(d4m_table_get(&g, r, NULL, NULL));
    ASSERT_ASSOC(g, "(a,x)  1\n(b,y)  2\n");
    d4m_assoc_free(g);
    d4m_table_close(r);
    d4m_db_close(ro);
    d4m_assoc_free(a);
    d4m_table_close(w);
    tmpdb_free(&t);
}

Test(db_open, read_only_refuses_writes, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    d4m_table *w = table_new(t.db, "T", D4M_STR, 1, 1, 2, D4M_COMBINE_NONE);
    d4m_assoc *a = lists("a b ", "x y ", "1 2 ");
    CHECK_OK(d4m_table_put(w, a, 0));
    d4m_table_close(w);
    d4m_db_close(t.db);
    CHECK_OK(d4m_db_open(&t.db, t.dir, D4M_DB_READONLY));
    d4m_table *r = NULL;
    CHECK_OK(d4m_table_open(&r, t.db, "T"));
    CHECK_FAILS(d4m_table_create(t.db, "U", NULL), D4M_EINVAL);
    CHECK_FAILS(d4m_table_put(r, a, 0), D4M_EINVAL);
    CHECK_FAILS(d4m_table_put(r, a, D4M_PUT_BULK), D4M_EINVAL);
    d4m_key rk[] = { K("a") }, ck[] = { K("x") }, vk[] = { K("9") };
    CHECK_FAILS(d4m_table_put_triples(r, d4m_vec_str(rk, 1), d4m_vec_str(ck, 1),
                                      d4m_vec_str(vk, 1), 0), D4M_EINVAL);
    CHECK_FAILS(d4m_table_delete(r, d4m_vec_str(rk, 1), d4m_vec_str(ck, 1)), D4M_EINVAL);
    CHECK_FAILS(d4m_table_add_col_combiner(r, K("Degree,"), D4M_COMBINE_SUM), D4M_EINVAL);
    CHECK_FAILS(d4m_table_set_shards(r, 3), D4M_EINVAL);
    CHECK_FAILS(d4m_table_drop(t.db, "T"), D4M_EINVAL);
    /* Nothing changed. */
    d4m_assoc *g = NULL;
    CHECK_OK(d4m_table_get(&g, r, NULL, NULL));
    ASSERT_ASSOC(g, "(a,x)  1\n(b,y)  2\n");
    d4m_assoc_free(g);
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, r));
    cr_assert_eq(info.shards, 2);
    cr_assert_eq(info.col_combiners, 0);
    ASSERT_NAMES(t.db, "T,TDeg,TT,");
    d4m_table_close(r);
    d4m_assoc_free(a);
    tmpdb_free(&t);
}

/* -------------------------------------------------------------- db_tables */

Test(db_tables, list_is_sorted, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    ASSERT_NAMES(t.db, "");
    CHECK_OK(d4m_table_create(t.db, "b", NULL));
    CHECK_OK(d4m_table_create(t.db, "a", NULL));
    CHECK_OK(d4m_table_create(t.db, "C", NULL));
    CHECK_OK(d4m_table_create(t.db, "ab", NULL));
    ASSERT_NAMES(t.db, "C,a,ab,b,");
    char **names = NULL;
    size_t n = 0;
    CHECK_FAILS(d4m_db_list(NULL, &n, t.db), D4M_EINVAL);
    CHECK_FAILS(d4m_db_list(&names, NULL, t.db), D4M_EINVAL);
    CHECK_FAILS(d4m_db_list(&names, &n, NULL), D4M_EINVAL);
    tmpdb_free(&t);
}

Test(db_tables, pair_and_degree_come_together, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    o.pair = 1;
    o.degree = 1;
    CHECK_OK(d4m_table_create(t.db, "Tedge", &o));
    CHECK_OK(d4m_table_create(t.db, "Other", NULL));
    ASSERT_NAMES(t.db, "Other,Tedge,TedgeDeg,TedgeT,");
    d4m_table *tb = NULL;
    CHECK_OK(d4m_table_open(&tb, t.db, "Tedge"));
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, tb));
    cr_assert_str_eq(info.name, "Tedge");
    cr_assert_eq(info.has_pair, 1);
    cr_assert_eq(info.has_degree, 1);
    d4m_table_close(tb);
    /* The transpose and the degree table open as tables of their own. */
    CHECK_OK(d4m_table_open(&tb, t.db, "TedgeT"));
    CHECK_OK(d4m_table_info_get(&info, tb));
    cr_assert_str_eq(info.name, "TedgeT");
    cr_assert_eq(info.has_pair, 0);
    cr_assert_eq(info.has_degree, 0);
    d4m_table_close(tb);
    CHECK_OK(d4m_table_open(&tb, t.db, "TedgeDeg"));
    CHECK_OK(d4m_table_info_get(&info, tb));
    cr_assert_eq(info.combiner, D4M_COMBINE_SUM, "the degree table sums");
    d4m_table_close(tb);
    /* The transpose or the degree table alone cannot be dropped: Tedge names
     * them, and would name nothing.  Nothing changes. */
    CHECK_FAILS(d4m_table_drop(t.db, "TedgeT"), D4M_EINVAL);
    cr_assert(strstr(d4m_error_message(), "drop that table") != NULL, "%s",
              d4m_error_message());
    CHECK_FAILS(d4m_table_drop(t.db, "TedgeDeg"), D4M_EINVAL);
    ASSERT_NAMES(t.db, "Other,Tedge,TedgeDeg,TedgeT,");
    CHECK_OK(d4m_table_open(&tb, t.db, "Tedge"));
    d4m_table_close(tb);
    /* Dropping the table drops all three. */
    CHECK_OK(d4m_table_drop(t.db, "Tedge"));
    ASSERT_NAMES(t.db, "Other,");
    CHECK_FAILS(d4m_table_open(&tb, t.db, "TedgeT"), D4M_ENOTFOUND);
    CHECK_FAILS(d4m_table_open(&tb, t.db, "TedgeDeg"), D4M_ENOTFOUND);
    tmpdb_free(&t);
}

Test(db_tables, exists_and_not_found, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    CHECK_OK(d4m_table_create(t.db, "T", NULL));
    CHECK_FAILS(d4m_table_create(t.db, "T", NULL), D4M_EEXISTS);
    /* A pair whose transpose name is taken: nothing is created. */
    CHECK_OK(d4m_table_create(t.db, "XT", NULL));
    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    o.pair = 1;
    CHECK_FAILS(d4m_table_create(t.db, "X", &o), D4M_EEXISTS);
    o.pair = 0;
    o.degree = 1;
    CHECK_OK(d4m_table_create(t.db, "YDeg", NULL));
    CHECK_FAILS(d4m_table_create(t.db, "Y", &o), D4M_EEXISTS);
    ASSERT_NAMES(t.db, "T,XT,YDeg,");
    d4m_table *tb = (d4m_table *)0x1;
    CHECK_FAILS(d4m_table_open(&tb, t.db, "nope"), D4M_ENOTFOUND);
    cr_assert_null(tb);
    CHECK_FAILS(d4m_table_drop(t.db, "nope"), D4M_ENOTFOUND);
    CHECK_OK(d4m_table_drop(t.db, "T"));
    CHECK_FAILS(d4m_table_drop(t.db, "T"), D4M_ENOTFOUND);
    ASSERT_NAMES(t.db, "XT,YDeg,");
    tmpdb_free(&t);
}

/* A handle whose table was dropped does not write where nothing reads: its
 * puts fail (and its table, made again, is not touched). */
Test(db_tables, stale_handle_does_not_write, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    CHECK_OK(d4m_table_create(t.db, "T", NULL));
    d4m_table *tb = NULL;
    CHECK_OK(d4m_table_open(&tb, t.db, "T"));
    d4m_key r[] = { K("a") }, c[] = { K("x") };
    static const double v[] = { 1 };
    CHECK_OK(d4m_table_put_triples(tb, d4m_vec_str(r, 1), d4m_vec_str(c, 1), d4m_vec_num(v, 1), 0));
    CHECK_OK(d4m_table_drop(t.db, "T"));
    CHECK_FAILS(d4m_table_put_triples(tb, d4m_vec_str(r, 1), d4m_vec_str(c, 1),
                                      d4m_vec_num(v, 1), 0), D4M_ENOTFOUND);
    cr_assert(strstr(d4m_error_message(), "was dropped"), "%s", d4m_error_message());
    CHECK_OK(d4m_table_create(t.db, "T", NULL));
    CHECK_FAILS(d4m_table_put_triples(tb, d4m_vec_str(r, 1), d4m_vec_str(c, 1),
                                      d4m_vec_num(v, 1), D4M_PUT_BULK), D4M_ENOTFOUND);
    CHECK_FAILS(d4m_table_delete(tb, d4m_vec_str(r, 1), d4m_vec_str(c, 1)), D4M_ENOTFOUND);
    d4m_table *fresh = NULL;
    CHECK_OK(d4m_table_open(&fresh, t.db, "T"));
    uint64_t n = 7;
    CHECK_OK(d4m_table_nnz(&n, fresh));
    cr_assert_eq(n, 0);
    d4m_table_close(fresh);
    d4m_table_close(tb);
    tmpdb_free(&t);
}

Test(db_tables, bad_options_and_names, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    CHECK_FAILS(d4m_table_create(NULL, "T", &o), D4M_EINVAL);
    CHECK_FAILS(d4m_table_create(t.db, NULL, &o), D4M_EINVAL);
    CHECK_FAILS(d4m_table_create(t.db, "", &o), D4M_EINVAL);
    o.version = 99;
    CHECK_FAILS(d4m_table_create(t.db, "T", &o), D4M_EINVAL);
    o.version = D4M_TABLE_OPTIONS_VERSION;
    o.keys = (d4m_kind)7;
    CHECK_FAILS(d4m_table_create(t.db, "T", &o), D4M_EINVAL);
    o.keys = D4M_STR;
    o.combiner = (d4m_combiner)9;
    CHECK_FAILS(d4m_table_create(t.db, "T", &o), D4M_EINVAL);
    o.combiner = D4M_COMBINE_NONE;
    o.shards = 5000;
    CHECK_FAILS(d4m_table_create(t.db, "T", &o), D4M_EINVAL);
    o.shards = 0;
    /* Names that would not list unambiguously. */
    static const char *bad[] = { "a b", "a\nb", "a\tb", " T", "T ", "x\x7f", "\x01" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_FAILS(d4m_table_create(t.db, bad[i], &o), D4M_EINVAL);
    char long_name[202];
    memset(long_name, 'n', 201);
    long_name[201] = 0;
    CHECK_FAILS(d4m_table_create(t.db, long_name, &o), D4M_EINVAL);
    ASSERT_NAMES(t.db, "");
    /* Bytes above 0x7f, punctuation and dots are names like others. */
    CHECK_OK(d4m_table_create(t.db, "caf\xc3\xa9.v1/x-y_z", &o));
    ASSERT_NAMES(t.db, "caf\xc3\xa9.v1/x-y_z,");
    CHECK_OK(d4m_table_drop(t.db, "caf\xc3\xa9.v1/x-y_z"));
    ASSERT_NAMES(t.db, "");
    d4m_table *tb = NULL;
    CHECK_FAILS(d4m_table_open(NULL, t.db, "T"), D4M_EINVAL);
    CHECK_FAILS(d4m_table_open(&tb, NULL, "T"), D4M_EINVAL);
    CHECK_FAILS(d4m_table_open(&tb, t.db, ""), D4M_EINVAL);
    CHECK_FAILS(d4m_table_drop(NULL, "T"), D4M_EINVAL);
    CHECK_FAILS(d4m_table_drop(t.db, NULL), D4M_EINVAL);
    d4m_table_info info;
    CHECK_FAILS(d4m_table_info_get(&info, NULL), D4M_EINVAL);
    d4m_table_close(NULL);
    tmpdb_free(&t);
}

Test(db_tables, info_reports_options, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    d4m_table *a = table_new(t.db, "A", D4M_NUM, 0, 0, 7, D4M_COMBINE_MAX);
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, a));
    cr_assert_str_eq(info.name, "A");
    cr_assert_eq(info.keys, D4M_NUM);
    cr_assert_eq(info.shards, 7);
    cr_assert_eq(info.has_pair, 0);
    cr_assert_eq(info.has_degree, 0);
    cr_assert_eq(info.combiner, D4M_COMBINE_MAX);
    cr_assert_eq(info.col_combiners, 0);
    cr_assert_eq(info.approx_bytes, 0);
    d4m_table_close(a);
    /* shards 0: one per core of this machine. */
    d4m_table *b = table_new(t.db, "B", D4M_STR, 0, 0, 0, D4M_COMBINE_NONE);
    CHECK_OK(d4m_table_info_get(&info, b));
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cr_assert_eq(info.shards, (unsigned)(ncpu > 0 ? ncpu : 1));
    cr_assert_eq(info.keys, D4M_STR);
    d4m_table_close(b);
    tmpdb_free(&t);
}

Test(db_tables, drop_gives_space_back, .fini = tmpdb_fini)
{
    tmpdb t = tmpdb_new();
    d4m_table *tb = table_new(t.db, "Big", D4M_STR, 1, 1, 2, D4M_COMBINE_NONE);
    enum { N = 20000 };
    d4m_key *r = calloc(N, sizeof *r), *c = calloc(N, sizeof *c), *v = calloc(N, sizeof *v);
    char *text = calloc(N, 128);
    cr_assert(r && c && v && text);
    for (size_t i = 0; i < N; i++) {
        char *p = text + i * 128;
        int n = snprintf(p, 128, "row%06zu", i);
        r[i] = (d4m_key){ p, (size_t)n };
        n = snprintf(p + 16, 112, "col%03zu", i % 997);
        c[i] = (d4m_key){ p + 16, (size_t)n };
        n = snprintf(p + 32, 96, "value-%zu-%zu-padding-padding-padding-padding", i, i * 7919);
        v[i] = (d4m_key){ p + 32, (size_t)n };
    }
    CHECK_OK(d4m_table_put_triples(tb, d4m_vec_str(r, N), d4m_vec_str(c, N), d4m_vec_str(v, N),
                                   D4M_PUT_BULK));
    uint64_t n = 0;
    CHECK_OK(d4m_table_nnz(&n, tb));
    cr_assert_eq(n, N);
    d4m_table_info info;
    CHECK_OK(d4m_table_info_get(&info, tb));
    cr_assert_gt(info.approx_bytes, 100000, "approx_bytes %llu",
                 (unsigned long long)info.approx_bytes);
    uint64_t before = sst_bytes(t.dir);
    cr_assert_gt(before, 1000000, "%llu bytes of sorted files", (unsigned long long)before);
    d4m_table_close(tb);
    CHECK_OK(d4m_table_drop(t.db, "Big"));
    uint64_t after = sst_bytes(t.dir);
    cr_assert_lt(after, before / 10, "after drop %llu bytes, before %llu",
                 (unsigned long long)after, (unsigned long long)before);
    /* A new table of the same name starts empty. */
    tb = table_new(t.db, "Big", D4M_STR, 1, 1, 2, D4M_COMBINE_NONE);
    CHECK_OK(d4m_table_nnz(&n, tb));
    cr_assert_eq(n, 0);
    d4m_assoc *g = NULL;
    CHECK_OK(d4m_table_get(&g, tb, NULL, NULL));
    cr_assert(d4m_assoc_is_empty(g));
    d4m_assoc_free(g);
    d4m_table_close(tb);
    free(r); free(c); free(v); free(text);
    tmpdb_free(&t);
}
