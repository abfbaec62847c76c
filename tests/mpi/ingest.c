/*
 * tests/mpi/ingest.c - parallel ingest with real MPI processes (run by CTest
 * as `mpiexec.mpich -n 3 d4m-test-ingest-mpi`).
 *
 * Checks, with exact table contents:
 *   1. three ranks load disjoint and overlapping triples (string keys, a pair
 *      and a degree table, a duplicate key across ranks) in one commit;
 *   2. a rank that fails makes the commit fail on every rank, and nothing of
 *      that ingest is visible; a rerun then succeeds;
 *   3. integer keys, range-partitioned by rank, under a tiny memory budget
 *      (many runs per rank).
 * Rank 0 prints "N passed, M failed"; the exit code is non-zero on failure.
 *
 * With --die DIR, a rank is killed (SIGKILL) in the middle of an ingest into
 * table "K" of the database DIR (created here): mpiexec then ends the whole
 * job.  With --after-die DIR, a new job checks that nothing of that ingest is
 * visible and that a rerun loads it (tests/mpi/die.sh runs both).
 */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <d4m.h>
#include <d4m/mpi.h>
#include "mpi_check.h"

static char dir[256];

#define K(s) d4m_key_cstr(s)


/* display() of T(rows, cols) on rank 0 as text ("" elsewhere). */
static char *table_text(const char *table, const char *rows)
{
    if (rank != 0)
        return strdup("");
    d4m_db *db;
    d4m_table *t;
    d4m_assoc *a = NULL;
    d4m_query *q = NULL;
    char *buf = NULL;
    size_t len = 0;
    if (d4m_db_open(&db, dir, D4M_DB_READONLY))
        return strdup(d4m_error_message());
    if (d4m_table_open(&t, db, table)) {
        d4m_db_close(db);
        return strdup(d4m_error_message());
    }
    if (rows && d4m_query_parse(&q, K(rows)))
        return strdup(d4m_error_message());
    if (d4m_table_get(&a, t, q, NULL) == 0) {
        FILE *f = open_memstream(&buf, &len);
        d4m_assoc_print(f, a);
        fclose(f);
    } else {
        buf = strdup(d4m_error_message());
    }
    d4m_assoc_free(a);
    d4m_query_free(q);
    d4m_table_close(t);
    d4m_db_close(db);
    return buf;
}

static void expect_table(const char *table, const char *rows, const char *want, const char *what)
{
    char *got = table_text(table, rows);
    int ok = rank != 0 || strcmp(got, want) == 0;
    if (!ok)
        fprintf(stderr, "%s: %s\n--- want\n%s--- got\n%s", what, table, want, got);
    free(got);
    check(ok, what);
}

static void create(const char *name, d4m_kind keys)
{
    if (rank == 0) {
        d4m_db *db;
        d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
        o.keys = keys;
        o.pair = keys == D4M_STR;
        o.degree = keys == D4M_STR;
        o.shards = 2;
        if (d4m_db_open(&db, dir, D4M_DB_CREATE) || d4m_table_create(db, name, &o)) {
            fprintf(stderr, "create %s: %s\n", name, d4m_error_message());
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        d4m_db_close(db);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Each rank: rows "rank<r>", plus one shared row "shared" whose value
 * depends on the rank (the last rank wins), columns "c1" "c2". */
static int put_edges(d4m_ingest *g, int fail_rank)
{
    char row[32];
    snprintf(row, sizeof row, "rank%d", rank);
    d4m_key rows[3] = { K(row), K(row), K("shared") };
    d4m_key cols[3] = { K("c1"), K("c2"), K("c1") };
    double vals[3] = { 10 + rank, 20 + rank, 100 + rank };
    if (rank == fail_rank) {
        /* A bad argument: the put fails on this rank only. */
        double nan = 0.0 / 0.0;
        return d4m_ingest_put_triples(g, d4m_vec_str(rows, 1), d4m_vec_str(cols, 1),
                                      d4m_vec_num(&nan, 1));
    }
    return d4m_ingest_put_triples(g, d4m_vec_str(rows, 3), d4m_vec_str(cols, 3),
                                  d4m_vec_num(vals, 3));
}

/* The ingest of the --die case: every rank puts its edges; the last rank is
 * killed before the commit when die is set. */
static int die_ingest(const d4m_comm *comm, int die)
{
    d4m_ingest *g;
    int rc = d4m_ingest_begin(&g, dir, "K", comm, NULL);
    if (rc)
        return rc;
    rc = put_edges(g, -1);
    if (die && rank == nranks - 1) {
        fprintf(stderr, "rank %d: killing myself mid-ingest\n", rank);
        fflush(stderr);
        raise(SIGKILL);
    }
    if (!rc)
        rc = d4m_ingest_commit(g);
    d4m_ingest_free(g);
    return rc;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm world = MPI_COMM_WORLD;
    d4m_comm comm = d4m_comm_mpi(&world);
    if (argc == 3 && (strcmp(argv[1], "--die") == 0 || strcmp(argv[1], "--after-die") == 0)) {
        snprintf(dir, sizeof dir, "%s", argv[2]);
        if (strcmp(argv[1], "--die") == 0) {
            create("K", D4M_STR);
            die_ingest(&comm, 1);
            MPI_Finalize();
            return 0;   /* not reached: mpiexec ends the job */
        }
        expect_table("K", NULL, "", "after a rank died: nothing of the ingest is visible");
        expect_table("KT", NULL, "", "nor in the transpose");
        check(die_ingest(&comm, 0) == 0, "a rerun succeeds");
        char w[64];
        snprintf(w, sizeof w, "(shared,c1)  %d\n", 100 + nranks - 1);
        expect_table("K", "shared ", w, "and its data are there");
        if (rank == 0)
            printf("%d passed, %d failed\n", passed, failed);
        MPI_Finalize();
        return failed ? 1 : 0;
    }
    if (rank == 0) {
        snprintf(dir, sizeof dir, "/tmp/d4m-test-ingest-XXXXXX");
        if (!mkdtemp(dir))
            MPI_Abort(MPI_COMM_WORLD, 1);
        strcat(dir, "/db");
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);

    /* 1. One commit from every rank. */
    create("E", D4M_STR);
    d4m_ingest *g;
    int rc = d4m_ingest_begin(&g, dir, "E", &comm, NULL);
    check(rc == 0, "begin");
    if (rc == 0) {
        check(put_edges(g, -1) == 0, "put on every rank");
        check(d4m_ingest_commit(g) == 0, "commit");
        d4m_ingest_free(g);
    }
    char want[1024] = "", line[128];
    for (int r = 0; r < nranks; r++) {
        snprintf(line, sizeof line, "(rank%d,c1)  %d\n", r, 10 + r);
        strcat(want, line);
    }
    snprintf(line, sizeof line, "(shared,c1)  %d\n", 100 + nranks - 1);
    strcat(want, line);
    for (int r = 0; r < nranks; r++) {
        snprintf(line, sizeof line, "(rank%d,c2)  %d\n", r, 20 + r);
        strcat(want, line);
    }
    expect_table("E", NULL, want, "table holds every rank's triples, last rank wins a shared key");
    /* The transpose: its display lists (col,row) entries by row, then col. */
    char wantT[1024] = "";
    for (int r = 0; r < nranks; r++) {
        snprintf(line, sizeof line, "(c1,rank%d)  %d\n(c2,rank%d)  %d\n", r, 10 + r, r, 20 + r);
        strcat(wantT, line);
    }
    snprintf(line, sizeof line, "(c1,shared)  %d\n", 100 + nranks - 1);
    strcat(wantT, line);
    expect_table("ET", NULL, wantT, "transpose loaded in the same commit");
    char wantD[1024];
    snprintf(wantD, sizeof wantD, "(c1,InDeg)  %d\n(c2,InDeg)  %d\n", 2 * nranks, nranks);
    for (int r = 0; r < nranks; r++) {
        snprintf(line, sizeof line, "(rank%d,OutDeg)  2\n", r);
        strcat(wantD, line);
    }
    snprintf(line, sizeof line, "(shared,OutDeg)  %d\n", nranks);
    strcat(wantD, line);
    expect_table("EDeg", NULL, wantD, "degree counts summed across ranks");

    /* 2. A failing rank: nothing of the ingest is loaded. */
    create("F", D4M_STR);
    rc = d4m_ingest_begin(&g, dir, "F", &comm, NULL);
    check(rc == 0, "begin (failure case)");
    if (rc == 0) {
        int prc = put_edges(g, nranks - 1);
        check((rank == nranks - 1) == (prc != 0), "only the failing rank's put fails");
        int crc = d4m_ingest_commit(g);
        int want_code = rank == nranks - 1 ? D4M_EVALUE : D4M_EMPI;
        check(crc == want_code, "commit fails everywhere (D4M_EVALUE there, D4M_EMPI elsewhere)");
        d4m_ingest_free(g);
    }
    expect_table("F", NULL, "", "the table is as before: empty");
    expect_table("FT", NULL, "", "its transpose too");
    if (rank == 0) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "ls %s/d4m-tmp | grep -c '^ing-' > /dev/null", dir);
        check(system(tmp) != 0, "no files of the failed ingest are left");
    } else {
        check(1, "no files of the failed ingest are left");
    }
    rc = d4m_ingest_begin(&g, dir, "F", &comm, NULL);
    if (rc == 0) {
        rc = put_edges(g, -1);
        if (!rc)
            rc = d4m_ingest_commit(g);
        d4m_ingest_free(g);
    }
    check(rc == 0, "a rerun succeeds");
    {
        char ws[64];
        snprintf(ws, sizeof ws, "(shared,c1)  %d\n", 100 + nranks - 1);
        expect_table("F", "shared ", ws, "the rerun's data are there");
    }

    /* 3. Integer keys, rank slabs, a tiny budget: many runs per rank. */
    create("V", D4M_NUM);
    d4m_ingest_options io = D4M_INGEST_OPTIONS_INIT;
    io.memory_budget = 4096;
    rc = d4m_ingest_begin(&g, dir, "V", &comm, &io);
    long per = 300, total = 0;
    for (long i = 0; rc == 0 && i < per; i++) {
        double r = (double)(rank * per + i + 1), c = (double)(i % 7 + 1), v = r * 10 + c;
        rc = d4m_ingest_put_triples(g, d4m_vec_num(&r, 1), d4m_vec_num(&c, 1), d4m_vec_num(&v, 1));
    }
    if (rc == 0)
        rc = d4m_ingest_commit(g);
    d4m_ingest_free(g);
    check(rc == 0, "integer-keyed ingest under a 4 KiB budget");
    if (rank == 0) {
        d4m_db *db;
        d4m_table *t;
        d4m_assoc *a = NULL;
        uint64_t n = 0;
        int ok = d4m_db_open(&db, dir, D4M_DB_READONLY) == 0 && d4m_table_open(&t, db, "V") == 0 &&
                 d4m_table_nnz(&n, t) == 0 && d4m_table_get(&a, t, NULL, NULL) == 0;
        total = per * nranks;
        ok = ok && n == (uint64_t)total && d4m_assoc_nnz(a) == (size_t)total;
        for (long k = 0; ok && k < total; k++) {
            double v = d4m_assoc_get_ij(a, (size_t)k, (size_t)(k % per % 7));
            ok = v == (double)((k + 1) * 10 + k % per % 7 + 1);
        }
        d4m_assoc_free(a);
        if (ok) {
            d4m_table_close(t);
            d4m_db_close(db);
        }
        check(ok, "every voxel value exact");
    } else {
        check(1, "every voxel value exact");
    }

    if (rank == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf %.*s", (int)(strlen(dir) - 3), dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        printf("%d passed, %d failed\n", passed, failed);
    }
    MPI_Finalize();
    return failed ? 1 : 0;
}
