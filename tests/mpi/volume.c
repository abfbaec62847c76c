/*
 * tests/mpi/volume.c - a stack of FITS slices ingested as one volume across
 * real MPI processes (d4m_volume_ingest_fits_comm; run by CTest as
 * `mpiexec.mpich -n 3 d4m-test-volume-mpi`).
 *
 * Checks, with exact voxel values read back on rank 0:
 *   1. voxel triples, 11 slices over the ranks (shares of 3 or 4 slices);
 *   2. bricks with a z edge of 4 (3 bricks, one a rank) and of 8 (2 bricks:
 *      a rank loads nothing), raw and zstd-compressed, with an overlap;
 *   3. a slice whose pixels are cut short, read by the last rank only: the
 *      call fails on every rank (D4M_EFITS there, D4M_EMPI elsewhere), no
 *      table is left and no sorted file stays behind; a rerun with the
 *      slice mended succeeds;
 *   4. a slice of another size: every rank refuses before anything is
 *      written; a table of the name that exists already: D4M_EEXISTS on
 *      rank 0, D4M_EMPI elsewhere, the table untouched.
 * Rank 0 prints "N passed, M failed"; the exit code is non-zero on failure.
 *
 * For tests/mpi/fits_ingest.sh (the d4m-fits-ingest-mpi command), run as
 * one process: --write-slices DIR writes the slices DIR/z00.fits ...;
 * --check DB TABLE exits 0 if the volume holds exactly their voxels.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fitsio.h>
#include <d4m.h>
#include <d4m/mpi.h>
#include <d4m/volume.h>
#include "mpi_check.h"

#define NX 13
#define NY 7
#define NZ 11

static char dir[256], db[300];
static char *slices[NZ];


/* Rank 0's answer to a question only it can ask, checked on every rank. */
static void check0(int ok, const char *what)
{
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    check(ok, what);
}

static int16_t pattern(int z, int y, int x) { return (int16_t)(1000 * z - 37 * y + 5 * x - 77); }

/* Slice z as a BITPIX 16 FITS file; nx other than NX for a slice that
 * disagrees; cut > 0 truncates the file by that many bytes. */
static void write_slice(const char *path, int z, int nx, long cut)
{
    int16_t plane[NY * (NX + 1)];
    for (int y = 0; y < NY; y++)
        for (int x = 0; x < nx; x++)
            plane[y * nx + x] = pattern(z, y, x);
    unlink(path);
    int st = 0;
    fitsfile *f;
    long naxes[2] = { nx, NY };
    fits_create_file(&f, path, &st);
    fits_create_img(f, SHORT_IMG, 2, naxes, &st);
    fits_write_key_str(f, "OBJECT", "mpi stack", "a card to keep", &st);
    long first[2] = { 1, 1 };
    fits_write_pix(f, TSHORT, first, (LONGLONG)nx * NY, plane, &st);
    fits_close_file(f, &st);
    if (st) {
        fprintf(stderr, "cannot write %s (cfitsio %d)\n", path, st);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (cut > 0) {
        FILE *fp = fopen(path, "r+");
        fseek(fp, 0, SEEK_END);
        long size = ftell(fp);
        fclose(fp);
        if (truncate(path, size - cut) != 0)
            MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

static int ingest(const char *table, const d4m_volume_options *o)
{
    MPI_Comm world = MPI_COMM_WORLD;
    d4m_comm comm = d4m_comm_mpi(&world);
    return d4m_volume_ingest_fits_comm(db, table, (const char *const *)slices, NZ, o, &comm);
}

/* Rank 0: does the volume hold exactly the pattern (whole volume and a box
 * inside), with its shape and kept card? */
static int volume_exact(const char *table)
{
    d4m_db *d;
    if (d4m_db_open(&d, db, D4M_DB_READONLY))
        return 0;
    d4m_volume *v = NULL;
    int ok = d4m_volume_open(&v, d, table) == 0;
    d4m_volume_info info;
    ok = ok && d4m_volume_info_get(&info, v) == 0 && info.nz == NZ && info.ny == NY &&
         info.nx == NX && info.dtype == D4M_I16;
    int16_t buf[NZ * NY * NX];
    d4m_box all = { 0, NZ - 1, 0, NY - 1, 0, NX - 1 };
    ok = ok && d4m_volume_read_box(buf, v, &all) == 0;
    for (int z = 0, k = 0; ok && z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++, k++)
                if (buf[k] != pattern(z, y, x)) {
                    fprintf(stderr, "%s: voxel (%d,%d,%d) %d, want %d\n", table, z, y, x, buf[k],
                            pattern(z, y, x));
                    ok = 0;
                }
    d4m_box b = { 3, 8, 2, 5, 4, 11 };
    ok = ok && d4m_volume_read_box(buf, v, &b) == 0;
    for (int z = 3, k = 0; ok && z <= 8; z++)
        for (int y = 2; y <= 5; y++)
            for (int x = 4; x <= 11; x++, k++)
                ok = ok && buf[k] == pattern(z, y, x);
    /* the OBJECT card of the first slice, among the kept cards */
    size_t ncards = 0;
    const char *cards = ok ? d4m_volume_cards(v, &ncards) : NULL;
    int found = 0;
    for (size_t i = 0; cards && i < ncards; i++)
        found |= strncmp(cards + 80 * i, "OBJECT  = 'mpi stack'", 21) == 0;
    ok = ok && found;
    d4m_volume_close(v);
    d4m_db_close(d);
    return ok;
}

/* Rank 0: whether table exists. */
static int table_exists(const char *table)
{
    d4m_db *d;
    if (d4m_db_open(&d, db, D4M_DB_READONLY))
        return -1;
    d4m_table *t = NULL;
    int rc = d4m_table_open(&t, d, table);
    d4m_table_close(t);
    d4m_db_close(d);
    return rc == 0;
}

/* Rank 0: no sorted file or file list of a volume load is left. */
static int no_leftovers(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/d4m-tmp 2>/dev/null | grep -q '^vol-'", db);
    return system(cmd) != 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (argc == 3 && strcmp(argv[1], "--write-slices") == 0) {
        for (int z = 0; z < NZ; z++) {
            char path[512];
            snprintf(path, sizeof path, "%s/z%02d.fits", argv[2], z);
            write_slice(path, z, NX, 0);
        }
        MPI_Finalize();
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--check") == 0) {
        snprintf(db, sizeof db, "%s", argv[2]);
        int ok = volume_exact(argv[3]);
        if (!ok)
            fprintf(stderr, "%s: not the slices' voxels (%s)\n", argv[3], d4m_error_message());
        MPI_Finalize();
        return ok ? 0 : 1;
    }
    if (rank == 0) {
        snprintf(dir, sizeof dir, "/tmp/d4m-test-volume-mpi-XXXXXX");
        if (!mkdtemp(dir))
            MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    snprintf(db, sizeof db, "%s/db", dir);
    for (int z = 0; z < NZ; z++) {
        slices[z] = malloc(strlen(dir) + 32);
        sprintf(slices[z], "%s/z%02d.fits", dir, z);
    }
    if (rank == 0) {
        d4m_db *d;
        if (d4m_db_open(&d, db, D4M_DB_CREATE))
            MPI_Abort(MPI_COMM_WORLD, 1);
        d4m_db_close(d);
        for (int z = 0; z < NZ; z++)
            write_slice(slices[z], z, NX, 0);
    }
    MPI_Barrier(MPI_COMM_WORLD);

    /* 1. triples */
    check(ingest("vt", NULL) == 0, "triples: the ranks load one volume");
    check0(rank == 0 ? volume_exact("vt") : 0, "triples: every voxel exact, card kept");

    /* 2. bricks */
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    o.layout = D4M_VOLUME_BRICKS;
    o.brick[0] = 4;
    o.brick[1] = o.brick[2] = 4;
    check(ingest("vb4", &o) == 0, "bricks of z edge 4: one a rank");
    check0(rank == 0 ? volume_exact("vb4") : 0, "bricks of z edge 4: every voxel exact");
    o.brick[0] = 8;
    o.codec = D4M_CODEC_ZSTD;
    o.overlap = 1;
    check(ingest("vb8", &o) == 0, "zstd bricks of z edge 8, overlap 1: a rank has none");
    check0(rank == 0 ? volume_exact("vb8") : 0, "zstd bricks of z edge 8: every voxel exact");
    check0(rank == 0 ? no_leftovers() : 0, "no sorted files are left after the loads");

    /* 3. the last slice cut short: only the last rank reads it */
    if (rank == 0)
        write_slice(slices[NZ - 1], NZ - 1, NX, 100);
    MPI_Barrier(MPI_COMM_WORLD);
    int rc = ingest("bad", NULL);
    int want = rank == nranks - 1 ? D4M_EFITS : D4M_EMPI;
    if (rc != want)
        fprintf(stderr, "rank %d: code %d (%s), want %d\n", rank, rc, d4m_error_message(), want);
    check(rc == want, "a cut slice fails every rank (D4M_EFITS where it was read)");
    check0(rank == 0 ? table_exists("bad") == 0 : 0, "no table is left");
    check0(rank == 0 ? no_leftovers() : 0, "nor any sorted file or list");
    if (rank == 0)
        write_slice(slices[NZ - 1], NZ - 1, NX, 0);
    MPI_Barrier(MPI_COMM_WORLD);
    check(ingest("bad", NULL) == 0, "a rerun with the slice mended succeeds");
    check0(rank == 0 ? volume_exact("bad") : 0, "and holds every voxel");

    /* 4. refused before anything is written */
    if (rank == 0)
        write_slice(slices[5], 5, NX + 1, 0);
    MPI_Barrier(MPI_COMM_WORLD);
    rc = ingest("wide", NULL);
    check(rc == D4M_EFITS, "a slice of another size: every rank refuses (D4M_EFITS)");
    check0(rank == 0 ? table_exists("wide") == 0 && no_leftovers() : 0,
           "no table, no files");
    if (rank == 0)
        write_slice(slices[5], 5, NX, 0);
    MPI_Barrier(MPI_COMM_WORLD);
    rc = ingest("vt", NULL);
    check(rc == (rank == 0 ? D4M_EEXISTS : D4M_EMPI),
          "an existing table: D4M_EEXISTS on rank 0, D4M_EMPI elsewhere");
    check0(rank == 0 ? volume_exact("vt") : 0, "and the table is untouched");

    if (rank == 0) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        printf("%d passed, %d failed\n", passed, failed);
    }
    for (int z = 0; z < NZ; z++)
        free(slices[z]);
    MPI_Finalize();
    return failed ? 1 : 0;
}
