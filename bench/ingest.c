/*
 * bench/ingest.c - d4m-bench-ingest: how fast does a parallel ingest load a
 * table, against raw RocksDB loading the same data in the same run?
 *
 *   mpiexec -n R d4m-bench-ingest [--volume NXxNYxNZ] [--strings N] [--pair]
 *                                 [--budget MB] [--dir DIR] [--json FILE]
 *
 * Workloads (the published runs' two kinds):
 *   --volume   a simulated 3-D image of random 8-bit voxels (1..255) as
 *              triples with integer keys: row = z*NY + y + 1, col = x + 1;
 *              rank r owns the slab of z in [r*NZ/R, (r+1)*NZ/R).
 *   --strings  N edge triples, row "r<k>" (zero-padded, so string order is
 *              numeric order), col "c<k>", values 1..100; rank r owns the rows
 *              of its share of k, columns are random.
 * Each rank makes its data before the clock starts.  Ours: d4m_ingest_begin,
 * put per slice (volume) or per 64K triples (strings), commit.  Raw: each rank
 * writes its triples, already sorted, with the same key and value bytes
 * straight through RocksDB's SstFileWriter, and rank 0 ingests every file
 * in one call, into a separate database.  Times are the slowest rank's.
 * One JSON object per workload on stdout (rank 0), and appended to --json.
 */
#define _XOPEN_SOURCE 700
#include <mpi.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <rocksdb/c.h>
#include <d4m.h>
#include <d4m/mpi.h>
#include "bench_util.h"

static int rank, nranks;

static void die(const char *what)
{
    fprintf(stderr, "d4m-bench-ingest: rank %d: %s: %s\n", rank, what, d4m_error_message());
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* CPU seconds of the last timed half, summed over the ranks (rank 0). */
static double g_cpu;

static void cpu_done(double c0)
{
    double c = cpu_now() - c0, sum = 0;
    MPI_Reduce(&c, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    g_cpu = sum;
}

static uint64_t rng_state;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s; (void)f; (void)w;
    return remove(p);
}

static void rmrf(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------- data */

typedef struct {
    size_t n;
    int strings;
    double *r, *c, *v;            /* volume: numeric keys */
    d4m_key *rs, *cs;             /* strings */
    char *text;
    size_t slice;                 /* triples per put call */
} data;

static void make_volume(data *d, long nx, long ny, long nz)
{
    long z0 = nz * rank / nranks, z1 = nz * (rank + 1) / nranks;
    d->n = (size_t)(z1 - z0) * ny * nx;
    d->slice = (size_t)ny * nx;
    d->r = malloc(d->n * sizeof *d->r);
    d->c = malloc(d->n * sizeof *d->c);
    d->v = malloc(d->n * sizeof *d->v);
    if (!d->r || !d->c || !d->v) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    rng_state = 12345 + (uint64_t)rank;
    size_t k = 0;
    for (long z = z0; z < z1; z++)
        for (long y = 0; y < ny; y++)
            for (long x = 0; x < nx; x++, k++) {
                d->r[k] = (double)(z * ny + y + 1);
                d->c[k] = (double)(x + 1);
                d->v[k] = (double)(1 + rng() % 255);
            }
}

static void make_strings(data *d, size_t total)
{
    size_t kmax = total / 10 ? total / 10 : 1;
    size_t k0 = kmax * rank / nranks, k1 = kmax * (rank + 1) / nranks;
    d->strings = 1;
    d->n = total / nranks;
    d->slice = 65536;
    d->rs = malloc(d->n * sizeof *d->rs);
    d->cs = malloc(d->n * sizeof *d->cs);
    d->v = malloc(d->n * sizeof *d->v);
    d->text = malloc(d->n * 20);
    if (!d->rs || !d->cs || !d->v || !d->text) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    rng_state = 777 + (uint64_t)rank;
    char *p = d->text;
    for (size_t i = 0; i < d->n; i++) {
        size_t kr = k0 + 1 + (k1 > k0 ? rng() % (k1 - k0) : 0);
        size_t kc = 1 + rng() % kmax;
        int len = sprintf(p, "r%09zu", kr);
        d->rs[i] = (d4m_key){ p, (size_t)len };
        p += len;
        len = sprintf(p, "c%zu", kc);
        d->cs[i] = (d4m_key){ p, (size_t)len };
        p += len;
        d->v[i] = (double)(1 + rng() % 100);
    }
}

static void data_free(data *d)
{
    free(d->r); free(d->c); free(d->v); free(d->rs); free(d->cs); free(d->text);
}

/* ------------------------------------------------------------- ours */

static double run_ours(const data *d, const char *dir, int pair, size_t budget, size_t *buffered,
                       double *rss_mb)
{
    if (rank == 0) {
        rmrf(dir);
        d4m_db *db;
        if (d4m_db_open(&db, dir, D4M_DB_CREATE))
            die("create database");
        d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
        o.keys = d->strings ? D4M_STR : D4M_NUM;
        o.pair = pair;
        o.shards = (unsigned)nranks;
        if (d4m_table_create(db, "Tedge", &o))
            die("create table");
        d4m_db_close(db);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Comm world = MPI_COMM_WORLD;
    d4m_comm comm = d4m_comm_mpi(&world);
    d4m_ingest_options io = D4M_INGEST_OPTIONS_INIT;
    io.memory_budget = budget;
    double t0 = now(), c0 = cpu_now();
    d4m_ingest *g;
    if (d4m_ingest_begin(&g, dir, "Tedge", &comm, &io))
        die("ingest begin");
    for (size_t s = 0; s < d->n; s += d->slice) {
        size_t m = d->n - s < d->slice ? d->n - s : d->slice;
        int rc = d->strings
            ? d4m_ingest_put_triples(g, d4m_vec_str(d->rs + s, m), d4m_vec_str(d->cs + s, m),
                                     d4m_vec_num(d->v + s, m))
            : d4m_ingest_put_triples(g, d4m_vec_num(d->r + s, m), d4m_vec_num(d->c + s, m),
                                     d4m_vec_num(d->v + s, m));
        if (rc)
            die("ingest put");
    }
    if (d4m_ingest_commit(g))
        die("ingest commit");
    *buffered = d4m_ingest_peak_bytes(g);
    d4m_ingest_free(g);
    *rss_mb = peak_rss_mb();   /* before the count reads the table (block cache) */
    double t = now() - t0, tmax;
    cpu_done(c0);
    MPI_Reduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    return tmax;
}

/* ------------------------------------------------------------- raw */

static const data *sort_data;
static int cmp_str_triple(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = d4m_key_cmp(sort_data->rs[x], sort_data->rs[y]);
    return c ? c : d4m_key_cmp(sort_data->cs[x], sort_data->cs[y]);
}

static int cmp_num_transposed(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const data *d = sort_data;
    if (d->c[x] != d->c[y])
        return d->c[x] < d->c[y] ? -1 : 1;
    return (d->r[x] > d->r[y]) - (d->r[x] < d->r[y]);
}

static int cmp_str_transposed(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = d4m_key_cmp(sort_data->cs[x], sort_data->cs[y]);
    return c ? c : d4m_key_cmp(sort_data->rs[x], sort_data->rs[y]);
}

static void put_be(char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)v;
        v >>= 8;
    }
}

/* The key bytes our store writes: table id, then the encoded row and col. */
static size_t raw_key(char *k, const data *d, size_t i, int tr)
{
    put_be(k, tr ? 2 : 1, 4);
    if (!d->strings) {
        put_be(k + 4, (uint64_t)(int64_t)(tr ? d->c[i] : d->r[i]) ^ 0x8000000000000000ull, 8);
        put_be(k + 12, (uint64_t)(int64_t)(tr ? d->r[i] : d->c[i]) ^ 0x8000000000000000ull, 8);
        return 20;
    }
    const d4m_key *a = tr ? &d->cs[i] : &d->rs[i], *b = tr ? &d->rs[i] : &d->cs[i];
    size_t n = 4;
    memcpy(k + n, a->ptr, a->len);
    n += a->len;
    k[n++] = 0;
    k[n++] = 1;
    memcpy(k + n, b->ptr, b->len);
    n += b->len;
    k[n++] = 0;
    k[n++] = 1;
    return n;
}

/* One sorted file of the triples in order ord (table, or transpose). */
static void raw_file(const data *d, const size_t *ord, const char *path, int tr,
                     rocksdb_envoptions_t *e, rocksdb_options_t *o)
{
    char *err = NULL;
    rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(e, o);
    rocksdb_sstfilewriter_open(w, path, &err);
    if (err) {
        fprintf(stderr, "raw: %s\n", err);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    char k[64], nk[64], v[9];
    v[0] = 'd';
    for (size_t q = 0; q < d->n; q++) {
        size_t i = ord[q];
        size_t klen = raw_key(k, d, i, tr);
        if (q + 1 < d->n) {   /* a key equal to the next: keep the last, as a put would */
            size_t nlen = raw_key(nk, d, ord[q + 1], tr);
            if (nlen == klen && memcmp(nk, k, klen) == 0)
                continue;
        }
        memcpy(v + 1, &d->v[i], 8);
        rocksdb_sstfilewriter_put(w, k, klen, v, 9, &err);
        if (err) {
            fprintf(stderr, "raw: %s\n", err);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    rocksdb_sstfilewriter_finish(w, &err);
    rocksdb_sstfilewriter_destroy(w);
    if (err) {
        fprintf(stderr, "raw: %s\n", err);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

static double run_raw(const data *d, const char *dir, int pair)
{
    char *err = NULL;
    if (rank == 0)
        rmrf(dir);
    /* The "same partitioned sorted data": sorted before the clock starts. */
    size_t *ord = malloc(d->n * sizeof *ord), *tord = NULL;
    for (size_t i = 0; i < d->n; i++)
        ord[i] = i;
    sort_data = d;
    if (d->strings)
        qsort(ord, d->n, sizeof *ord, cmp_str_triple);
    if (pair) {
        tord = malloc(d->n * sizeof *tord);
        for (size_t i = 0; i < d->n; i++)
            tord[i] = i;
        qsort(tord, d->n, sizeof *tord, d->strings ? cmp_str_transposed : cmp_num_transposed);
    }
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_envoptions_t *e = rocksdb_envoptions_create();
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now(), c0 = cpu_now();
    char path[4400];
    snprintf(path, sizeof path, "%s-r%d-t.sst", dir, rank);
    raw_file(d, ord, path, 0, e, o);
    if (pair) {
        snprintf(path, sizeof path, "%s-r%d-tt.sst", dir, rank);
        raw_file(d, tord, path, 1, e, o);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        rocksdb_options_set_create_if_missing(o, 1);
        rocksdb_t *db = rocksdb_open(o, dir, &err);
        if (err) {
            fprintf(stderr, "raw: %s\n", err);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        int nf = nranks * (pair ? 2 : 1);
        char **files = malloc(nf * sizeof *files);
        for (int f = 0; f < nf; f++) {
            files[f] = malloc(4400);
            snprintf(files[f], 4400, "%s-r%d-%s.sst", dir, f % nranks, f < nranks ? "t" : "tt");
        }
        rocksdb_ingestexternalfileoptions_t *io = rocksdb_ingestexternalfileoptions_create();
        rocksdb_ingestexternalfileoptions_set_move_files(io, 1);
        rocksdb_ingest_external_file(db, (const char *const *)files, nf, io, &err);
        if (err) {
            fprintf(stderr, "raw ingest: %s\n", err);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        rocksdb_ingestexternalfileoptions_destroy(io);
        rocksdb_close(db);
        for (int f = 0; f < nf; f++) {
            unlink(files[f]);
            free(files[f]);
        }
        free(files);
    }
    double t = now() - t0, tmax;
    cpu_done(c0);
    MPI_Reduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    rocksdb_options_destroy(o);
    rocksdb_envoptions_destroy(e);
    free(ord);
    free(tord);
    return tmax;
}

/* Rank 0: the table holds exactly the triples loaded (count check). */
static uint64_t count_table(const char *dir)
{
    d4m_db *db;
    d4m_table *t;
    uint64_t n = 0;
    if (d4m_db_open(&db, dir, D4M_DB_READONLY) || d4m_table_open(&t, db, "Tedge") ||
        d4m_table_nnz(&n, t))
        die("count");
    d4m_table_close(t);
    d4m_db_close(db);
    return n;
}

static void report(FILE *json, const char *keys, const data *d, int pair, size_t budget,
                   double ours, double raw, size_t buffered, uint64_t stored, double rss,
                   double cpu, double raw_cpu)
{
    unsigned long long total = 0, mine = d->n;
    MPI_Reduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    double rssmax;
    MPI_Reduce(&rss, &rssmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    unsigned long long b = buffered, bmax;
    MPI_Reduce(&b, &bmax, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank != 0)
        return;
    char line[1024];
    snprintf(line, sizeof line,
             "{\"bench\":\"ingest\",\"keys\":\"%s\",\"ranks\":%d,\"pair\":%s,\"triples\":%llu,"
             "\"stored\":%llu,\"seconds\":%.4f,\"triples_per_s\":%.0f,\"peak_rss_mb\":%.1f,"
             "\"budget_mb\":%.0f,\"buffered_peak_mb\":%.1f,\"raw_seconds\":%.4f,"
             "\"raw_triples_per_s\":%.0f,\"ratio_to_raw\":%.3f,\"cpu_seconds\":%.3f,"
             "\"raw_cpu_seconds\":%.3f,\"cpu_ratio_to_raw\":%.3f,\"loadavg_1m\":%.2f}",
             keys, nranks, pair ? "true" : "false", total, (unsigned long long)stored, ours,
             total / ours, rssmax, budget / 1048576.0, bmax / 1048576.0, raw, total / raw,
             raw / ours, cpu, raw_cpu, cpu > 0 ? raw_cpu / cpu : 0, loadavg1());
    puts(line);
    fflush(stdout);
    if (json) {
        fprintf(json, "%s\n", line);
        fflush(json);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    long nx = 0, ny = 0, nz = 0;
    size_t strings = 0, budget = (size_t)256 << 20;
    int pair = 0;
    const char *dir = NULL, *jsonpath = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--volume") && i + 1 < argc) {
            if (sscanf(argv[++i], "%ldx%ldx%ld", &nx, &ny, &nz) != 3 || nx < 1 || ny < 1 || nz < 1) {
                if (rank == 0)
                    fprintf(stderr, "d4m-bench-ingest: --volume wants NXxNYxNZ, e.g. 512x512x64\n");
                MPI_Finalize();
                return 2;
            }
        } else if (!strcmp(argv[i], "--strings") && i + 1 < argc) {
            strings = (size_t)strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--pair")) {
            pair = 1;
        } else if (!strcmp(argv[i], "--budget") && i + 1 < argc) {
            budget = (size_t)(strtod(argv[++i], NULL) * 1048576);
        } else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            jsonpath = argv[++i];
        } else {
            if (rank == 0)
                fprintf(stderr, "usage: mpiexec -n R d4m-bench-ingest [--volume NXxNYxNZ] "
                        "[--strings N] [--pair] [--budget MB] [--dir DIR] [--json FILE]\n");
            MPI_Finalize();
            return 2;
        }
    }
    if (!nx && !strings) {
        nx = 512;
        ny = 512;
        nz = 64;
    }
    char base[4096], ours_dir[4200], raw_dir[4200];
    if (dir) {
        snprintf(base, sizeof base, "%s", dir);
    } else {
        /* One directory for every rank: rank 0 picks it. */
        memset(base, 0, sizeof base);
        if (rank == 0) {
            snprintf(base, sizeof base, "/tmp/d4m-bench-ingest-XXXXXX");
            if (!mkdtemp(base)) {
                perror("mkdtemp");
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
        }
        MPI_Bcast(base, sizeof base, MPI_CHAR, 0, MPI_COMM_WORLD);
    }
    if (rank == 0)
        mkdir(base, 0777);
    snprintf(ours_dir, sizeof ours_dir, "%s/ours", base);
    snprintf(raw_dir, sizeof raw_dir, "%s/raw", base);
    FILE *json = NULL;
    if (rank == 0 && jsonpath && !(json = fopen(jsonpath, "a"))) {
        perror(jsonpath);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    for (int w = 0; w < 2; w++) {
        data d;
        memset(&d, 0, sizeof d);
        if (w == 0 && nx)
            make_volume(&d, nx, ny, nz);
        else if (w == 1 && strings)
            make_strings(&d, strings);
        else
            continue;
        size_t buffered = 0;
        double rss = 0;
        double raw = run_raw(&d, raw_dir, pair);
        double raw_cpu = g_cpu;
        double ours = run_ours(&d, ours_dir, pair, budget, &buffered, &rss);
        double cpu = g_cpu;
        uint64_t stored = rank == 0 ? count_table(ours_dir) : 0;
        report(json, w == 0 ? "int" : "string", &d, pair, budget, ours, raw, buffered, stored, rss,
               cpu, raw_cpu);
        data_free(&d);
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 0) {
            rmrf(ours_dir);
            rmrf(raw_dir);
        }
    }
    if (rank == 0 && !dir)
        rmrf(base);
    if (json)
        fclose(json);
    MPI_Finalize();
    return 0;
}
