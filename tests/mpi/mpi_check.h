/*
 * tests/mpi/mpi_check.h - the checks of the MPI test programs: every rank
 * asserts, rank 0 prints "ok: ..." or "FAIL: ..." and counts.
 */
#ifndef D4M_TEST_MPI_CHECK_H
#define D4M_TEST_MPI_CHECK_H
#include <mpi.h>
#include <stdio.h>

static int rank, nranks, passed, failed;

/* ok must hold on every rank. */
static void check(int ok, const char *what)
{
    int all_ok;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (rank == 0) {
        if (all_ok)
            passed++;
        else
            failed++;
        printf("%s: %s\n", all_ok ? "ok" : "FAIL", what);
        fflush(stdout);
    }
}

#endif
