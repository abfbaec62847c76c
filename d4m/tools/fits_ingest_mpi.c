/*
 * d4m/tools/fits_ingest_mpi.c - d4m-fits-ingest-mpi: `d4m fits-ingest`
 * across MPI ranks (d4m_volume_ingest_fits_comm).
 *
 *   mpiexec.mpich -n 4 d4m-fits-ingest-mpi DB TABLE FILE... [--bricks N]
 *       [--compress] [--codec raw|lz4|zstd] [--overlap N] [--hdu N]
 *
 * One FILE is a cube, several are a stack of 2-D slices in z order; each rank
 * reads its share of the slices, rank 0 loads everything in one atomic step
 * (the database is created if missing).  Every rank must see DB and the files
 * at the same paths.  Exit status: 0 loaded, 1 failed (nothing loaded; each
 * failing rank says why on stderr), 2 bad usage.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <d4m.h>
#include <d4m/db.h>
#include <d4m/mpi.h>
#include <d4m/volume.h>

static const char usage[] =
    "usage: d4m-fits-ingest-mpi DB TABLE FILE... [--bricks N] [--compress] "
    "[--codec raw|lz4|zstd] [--overlap N] [--hdu N]\n";

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm world = MPI_COMM_WORLD;
    d4m_comm comm = d4m_comm_mpi(&world);

    /* Every rank parses the same arguments, so all agree on a usage error. */
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    const char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int np = 0, bad = !pos;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            pos[np++] = a;
            continue;
        }
        int flag = strcmp(a, "--compress") == 0;
        const char *v = flag ? NULL : i + 1 < argc ? argv[++i] : NULL;
        if (!flag && !v) {
            if (rank == 0)
                fprintf(stderr, "d4m-fits-ingest-mpi: %s wants a value\n", a);
            bad = 1;
        } else if (d4m_volume_options_set(&o, a + 2, v) < 0) {
            if (rank == 0)
                fprintf(stderr, "d4m-fits-ingest-mpi: --%s\n", d4m_error_message());
            bad = 1;
        }
    }
    if (!bad && np < 3) {
        if (rank == 0)
            fputs(usage, stderr);
        bad = 1;
    }
    if (bad) {
        free(pos);
        MPI_Finalize();
        return 2;
    }

    /* Rank 0 makes the database if it is missing, before anyone reads. */
    int rc = 0;
    if (rank == 0) {
        d4m_db *db = NULL;
        rc = d4m_db_open(&db, pos[0], D4M_DB_CREATE);
        if (rc < 0)
            fprintf(stderr, "d4m-fits-ingest-mpi: %s\n", d4m_error_message());
        d4m_db_close(db);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc == 0) {
        rc = d4m_volume_ingest_fits_comm(pos[0], pos[1], pos + 2, (size_t)(np - 2), &o, &comm);
        /* the ranks that failed on their own say why; the others only echo
         * rank 0's summary */
        if (rc < 0 && (rc != D4M_EMPI || rank == 0))
            fprintf(stderr, "d4m-fits-ingest-mpi: rank %d: %s\n", rank, d4m_error_message());
    }
    free(pos);
    MPI_Finalize();
    return rc < 0 ? 1 : 0;
}
