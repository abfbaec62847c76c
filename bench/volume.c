/*
 * bench/volume.c - d4m-bench-volume: how fast are sub-volume reads from a
 * d4m volume (voxel triples, bricks, compressed bricks) against HDF5 and
 * per-slice FITS files holding the same volume, in the same run?
 *
 * Data: a 1024 x 1024 x 256 (x, y, z) volume of 16-bit unsigned voxels, a
 * smooth gradient plus 6 random low bits:
 *     v(z, y, x) = 16 * (x + y + 4 z) + (splitmix64(linear index) & 63)
 * written as 256 per-slice FITS files (BITPIX 16, BZERO 32768), which are
 * then the input of d4m's ingest (`d4m fits-ingest` does the same).
 *
 * Sources (each box is read into a dense buffer of uint16, x fastest):
 *   triples            d4m volume, one triple per voxel (d4m_volume_read_box)
 *   bricks             d4m volume, 64^3 raw bricks
 *   bricks-compressed  d4m volume, 64^3 bricks, byte shuffle + zstd
 *   bricks-lz4         d4m volume, 64^3 bricks, byte shuffle + LZ4
 *   bricks-32, bricks-32-compressed   the same with 32^3 bricks (raw, zstd)
 *   hdf5               one HDF5 dataset, 64^3 chunks, no filter (H5Dread of
 *                      a hyperslab, default chunk cache)
 *   hdf5-deflate       the same with shuffle + deflate level 1
 *   fits-subset        the 256 slice files (kept open), fits_read_subset of
 *                      the box's rectangle from each slice of the box
 *   fits-slices        the same files, each slice of the box read whole
 *                      (fits_read_pix) and the rectangle copied out
 *
 * Boxes: 200 random 32^3 and 200 random 64^3 boxes (fixed seed), the same
 * for every source.  Each source reads the whole box set once untimed (warm
 * cache), then once timed, box by box; every box is checked against the
 * pattern after it is timed.  seconds_per_box is the median of the timed
 * reads (mean_seconds also given).  bytes_per_voxel is the source's size on
 * disk over the volume's voxels; ingest_seconds the time to build it from
 * the slice files (for hdf5, to write it from memory).
 *
 * Output: one JSON object per (box size, source) on stdout, then one
 * "goals" object; progress on stderr.  Exit status: 0 ok, 1 a library
 * error, 2 bad usage, 3 a box read wrong voxels.
 *
 *   d4m-bench-volume [--small] [--boxes N] [--dir DIR] [--keep] [--reuse]
 *                    [--only SOURCE,...]
 *
 * --small: a 256 x 256 x 64 volume and 50 boxes per size, for a quick run.
 * --dir: where the files and the database go (default: a new directory in
 * /tmp, removed at the end unless --keep).
 * --reuse: with --dir, keep the d4m volumes a --keep run left there (their
 * ingest_seconds is then -1) instead of ingesting them again.
 * --only: measure only the named sources (the goals line then holds only
 * the ratios whose sources ran; the others are null).
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fitsio.h>
#include <hdf5.h>

#include <d4m.h>
#include <d4m/db.h>
#include <d4m/volume.h>

#define PROG "d4m-bench-volume"

static int64_t NX = 1024, NY = 1024, NZ = 256;
static int NBOX = 200;

static void die_lib(const char *what, int rc)
{
    fprintf(stderr, PROG ": %s failed (%d, %s): %s\n", what, rc, d4m_strerror(rc),
            d4m_error_message());
    exit(1);
}

#define CALL(expr) do { int rc_ = (expr); if (rc_ < 0) die_lib(#expr, rc_); } while (0)

static void die_fits(const char *what, int st)
{
    char text[FLEN_STATUS];
    fits_get_errstatus(st, text);
    fprintf(stderr, PROG ": %s: cfitsio %d: %s\n", what, st, text);
    exit(1);
}

static void die_h5(const char *what)
{
    fprintf(stderr, PROG ": HDF5: %s failed\n", what);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint16_t pattern(int64_t z, int64_t y, int64_t x)
{
    uint64_t i = (uint64_t)((z * NY + y) * NX + x);
    return (uint16_t)(16 * (x + y + 4 * z) + (int64_t)(splitmix(i) & 63));
}

/* ------------------------------------------------------------ the data */

static char g_dir[512];
static const char *g_only;   /* --only: comma-separated source names */
static int g_reuse;          /* --reuse */

/* Whether --only selects the source name. */
static int selected(const char *name)
{
    if (!g_only)
        return 1;
    size_t n = strlen(name);
    for (const char *p = g_only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static const char *path_in(const char *name)
{
    static char buf[4][1024];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 1024, "%s/%s", g_dir, name);
    return p;
}

static uint64_t file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static char **g_slices;

static void write_slices(void)
{
    mkdir(path_in("slices"), 0777);
    g_slices = calloc((size_t)NZ, sizeof *g_slices);
    uint16_t *plane = malloc((size_t)(NX * NY) * 2);
    for (int64_t z = 0; z < NZ; z++) {
        char name[64];
        snprintf(name, sizeof name, "slices/z%04lld.fits", (long long)z);
        g_slices[z] = strdup(path_in(name));
        unlink(g_slices[z]);
        for (int64_t y = 0; y < NY; y++)
            for (int64_t x = 0; x < NX; x++)
                plane[y * NX + x] = pattern(z, y, x);
        int st = 0;
        fitsfile *f;
        long naxes[2] = { (long)NX, (long)NY };
        fits_create_file(&f, g_slices[z], &st);
        fits_create_img(f, USHORT_IMG, 2, naxes, &st);
        long first[2] = { 1, 1 };
        fits_write_pix(f, TUSHORT, first, (LONGLONG)(NX * NY), plane, &st);
        fits_close_file(f, &st);
        if (st)
            die_fits(g_slices[z], st);
    }
    free(plane);
}

/* --------------------------------------------------------------- boxes */

typedef struct { int64_t z, y, x; } origin;

static origin *make_boxes(int edge, uint64_t seed)
{
    origin *o = malloc((size_t)NBOX * sizeof *o);
    uint64_t s = seed;
    for (int i = 0; i < NBOX; i++) {
        s = splitmix(s);
        o[i].z = (int64_t)(s % (uint64_t)(NZ - edge + 1));
        s = splitmix(s);
        o[i].y = (int64_t)(s % (uint64_t)(NY - edge + 1));
        s = splitmix(s);
        o[i].x = (int64_t)(s % (uint64_t)(NX - edge + 1));
    }
    return o;
}

static int check(const uint16_t *buf, origin o, int edge)
{
    size_t k = 0;
    for (int64_t z = o.z; z < o.z + edge; z++)
        for (int64_t y = o.y; y < o.y + edge; y++)
            for (int64_t x = o.x; x < o.x + edge; x++, k++)
                if (buf[k] != pattern(z, y, x)) {
                    fprintf(stderr, PROG ": wrong voxel (%lld,%lld,%lld): %u, want %u\n",
                            (long long)z, (long long)y, (long long)x, buf[k],
                            pattern(z, y, x));
                    return -1;
                }
    return 0;
}

/* ------------------------------------------------------------- sources */

typedef struct source source;
struct source {
    const char *name;
    unsigned brick;          /* d4m bricks: the edge */
    const char *codec;       /* d4m bricks: raw, lz4, zstd */
    void (*read)(source *s, uint16_t *buf, origin o, int edge);
    double ingest_seconds;
    uint64_t bytes;
    /* state */
    d4m_volume *vol;
    hid_t h5file, h5set;
    fitsfile **fits;
    uint16_t *plane;
};

static void read_volume(source *s, uint16_t *buf, origin o, int edge)
{
    d4m_box b = { o.z, o.z + edge - 1, o.y, o.y + edge - 1, o.x, o.x + edge - 1 };
    CALL(d4m_volume_read_box(buf, s->vol, &b));
}

static void read_h5(source *s, uint16_t *buf, origin o, int edge)
{
    hsize_t start[3] = { (hsize_t)o.z, (hsize_t)o.y, (hsize_t)o.x };
    hsize_t count[3] = { (hsize_t)edge, (hsize_t)edge, (hsize_t)edge };
    hid_t fs = H5Dget_space(s->h5set);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(3, count, NULL);
    if (H5Dread(s->h5set, H5T_NATIVE_UINT16, ms, fs, H5P_DEFAULT, buf) < 0)
        die_h5("H5Dread");
    H5Sclose(ms);
    H5Sclose(fs);
}

static void read_fits_subset(source *s, uint16_t *buf, origin o, int edge)
{
    for (int k = 0; k < edge; k++) {
        long fpix[2] = { (long)o.x + 1, (long)o.y + 1 };
        long lpix[2] = { (long)o.x + edge, (long)o.y + edge };
        long inc[2] = { 1, 1 };
        int st = 0, anynul = 0;
        fits_read_subset(s->fits[o.z + k], TUSHORT, fpix, lpix, inc, NULL,
                         buf + (size_t)k * (size_t)(edge * edge), &anynul, &st);
        if (st)
            die_fits("fits_read_subset", st);
    }
}

static void read_fits_slices(source *s, uint16_t *buf, origin o, int edge)
{
    for (int k = 0; k < edge; k++) {
        long first[2] = { 1, 1 };
        int st = 0, anynul = 0;
        fits_read_pix(s->fits[o.z + k], TUSHORT, first, (LONGLONG)(NX * NY), NULL, s->plane,
                      &anynul, &st);
        if (st)
            die_fits("fits_read_pix", st);
        for (int j = 0; j < edge; j++)
            memcpy(buf + ((size_t)k * edge + j) * edge, s->plane + (o.y + j) * NX + o.x,
                   (size_t)edge * 2);
    }
}

/* Build a d4m volume from the slice files. */
static void ingest_volume(source *s, d4m_db *db, const char *table, d4m_volume_layout layout,
                          unsigned brick, d4m_volume_codec codec)
{
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    o.layout = layout;
    o.codec = codec;
    if (layout == D4M_VOLUME_BRICKS) {
        o.brick[0] = o.brick[1] = o.brick[2] = brick;
        s->brick = brick;
        s->codec = codec == D4M_CODEC_LZ4 ? "lz4" : codec == D4M_CODEC_ZSTD ? "zstd" : "raw";
    }
    if (!selected(s->name))
        return;
    if (g_reuse && d4m_volume_open(&s->vol, db, table) == 0) {
        fprintf(stderr, PROG ": reusing %s\n", s->name);
        s->ingest_seconds = -1;
    } else {
        if (g_reuse)
            d4m_table_drop(db, table);   /* a table that is no volume, if any */
        fprintf(stderr, PROG ": ingesting %s ...\n", s->name);
        double t0 = now();
        CALL(d4m_volume_ingest_fits(db, table, (const char *const *)g_slices, (size_t)NZ,
                                    &o));
        s->ingest_seconds = now() - t0;
        CALL(d4m_volume_open(&s->vol, db, table));
    }
    d4m_volume_info info;
    CALL(d4m_volume_info_get(&info, s->vol));
    s->bytes = info.approx_bytes;
    s->read = read_volume;
}

static void write_h5(source *s, const char *name, int deflate)
{
    const char *p = path_in(name);
    unlink(p);
    fprintf(stderr, PROG ": writing %s ...\n", name);
    double t0 = now();
    hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[3] = { (hsize_t)NZ, (hsize_t)NY, (hsize_t)NX }, chunk[3] = { 64, 64, 64 };
    hid_t space = H5Screate_simple(3, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 3, chunk);
    if (deflate) {
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 1);
    }
    hid_t d = H5Dcreate2(f, "v", H5T_NATIVE_UINT16, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (f < 0 || d < 0)
        die_h5("create");
    /* 64 planes at a time */
    uint16_t *slab = malloc((size_t)(64 * NY * NX) * 2);
    for (int64_t z0 = 0; z0 < NZ; z0 += 64) {
        int64_t nz = NZ - z0 < 64 ? NZ - z0 : 64;
        for (int64_t z = 0; z < nz; z++)
            for (int64_t y = 0; y < NY; y++)
                for (int64_t x = 0; x < NX; x++)
                    slab[(z * NY + y) * NX + x] = pattern(z0 + z, y, x);
        hsize_t start[3] = { (hsize_t)z0, 0, 0 }, count[3] = { (hsize_t)nz, (hsize_t)NY,
                                                                (hsize_t)NX };
        hid_t fs = H5Dget_space(d);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        hid_t ms = H5Screate_simple(3, count, NULL);
        if (H5Dwrite(d, H5T_NATIVE_UINT16, ms, fs, H5P_DEFAULT, slab) < 0)
            die_h5("H5Dwrite");
        H5Sclose(ms);
        H5Sclose(fs);
    }
    free(slab);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);
    s->ingest_seconds = now() - t0;
    s->bytes = file_size(p);
    s->h5file = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    s->h5set = H5Dopen2(s->h5file, "v", H5P_DEFAULT);
    if (s->h5file < 0 || s->h5set < 0)
        die_h5("open");
    s->read = read_h5;
}

static fitsfile **open_slices(void)
{
    fitsfile **f = calloc((size_t)NZ, sizeof *f);
    for (int64_t z = 0; z < NZ; z++) {
        int st = 0;
        fits_open_image(&f[z], g_slices[z], READONLY, &st);
        if (st)
            die_fits(g_slices[z], st);
    }
    return f;
}

/* ----------------------------------------------------------------- runs */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct { double median, mean; } timing;

static timing run(source *s, const origin *boxes, int edge, uint16_t *buf)
{
    for (int i = 0; i < NBOX; i++)   /* warm */
        s->read(s, buf, boxes[i], edge);
    double *t = malloc((size_t)NBOX * sizeof *t), sum = 0;
    for (int i = 0; i < NBOX; i++) {
        memset(buf, 0, (size_t)edge * edge * edge * 2);
        double t0 = now();
        s->read(s, buf, boxes[i], edge);
        t[i] = now() - t0;
        sum += t[i];
        if (check(buf, boxes[i], edge)) {
            fprintf(stderr, PROG ": %s read box %d wrong\n", s->name, i);
            exit(3);
        }
    }
    qsort(t, (size_t)NBOX, sizeof *t, cmp_double);
    timing r = { NBOX % 2 ? t[NBOX / 2] : 0.5 * (t[NBOX / 2 - 1] + t[NBOX / 2]), sum / NBOX };
    free(t);
    return r;
}

/* The goals line: numbers, or null where a source did not run. */
static void print_num(const char *name, double x)
{
    if (isfinite(x))
        printf(",\"%s\":%.4g", name, x);
    else
        printf(",\"%s\":null", name);
}

static void print_pair(const char *name, double a, double b)
{
    if (isfinite(a) && isfinite(b))
        printf(",\"%s\":[%.3f,%.3f]", name, a, b);
    else
        printf(",\"%s\":null", name);
}

/* One goal: true/false, or null when its figures (summed into `figures`)
 * did not all exist; `first` leaves out the comma. */
static void print_met(const char *name, int met, double figures, int first)
{
    printf("%s\"%s\":%s", first ? "" : ",", name,
           !isfinite(figures) ? "null" : met ? "true" : "false");
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(p);
}

int main(int argc, char **argv)
{
    int small = 0, keep = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--small") == 0)
            small = 1;
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--boxes") == 0 && i + 1 < argc)
            NBOX = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            g_only = argv[++i];
        else if (strcmp(argv[i], "--reuse") == 0)
            g_reuse = 1;
        else {
            fprintf(stderr, "usage: " PROG " [--small] [--boxes N] [--dir DIR] [--keep] [--reuse]"
                            " [--only SOURCE,...]\n");
            return 2;
        }
    }
    if (small) {
        NX = 256;
        NY = 256;
        NZ = 64;
        if (NBOX == 200)
            NBOX = 50;
    }
    if (NBOX < 1) {
        fprintf(stderr, PROG ": --boxes wants a positive number\n");
        return 2;
    }
    if (dir) {
        snprintf(g_dir, sizeof g_dir, "%s", dir);
        mkdir(g_dir, 0777);
    } else {
        snprintf(g_dir, sizeof g_dir, "/tmp/d4m-bench-volume-XXXXXX");
        if (!mkdtemp(g_dir)) {
            perror(PROG ": mkdtemp");
            return 1;
        }
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fprintf(stderr, PROG ": %lldx%lldx%lld u16 in %s\n", (long long)NX, (long long)NY,
            (long long)NZ, g_dir);
    write_slices();
    uint64_t fits_bytes = 0;
    for (int64_t z = 0; z < NZ; z++)
        fits_bytes += file_size(g_slices[z]);

    enum { TRIPLES, BRICKS, BRICKS_C, BRICKS_L, BRICKS32, BRICKS32_C, HDF5, HDF5_D, FITS_SUB,
           FITS_SL, NSRC };
    source src[NSRC];
    memset(src, 0, sizeof src);
    const char *names[NSRC] = { "triples", "bricks", "bricks-compressed", "bricks-lz4",
                                "bricks-32", "bricks-32-compressed", "hdf5", "hdf5-deflate",
                                "fits-subset", "fits-slices" };
    for (int i = 0; i < NSRC; i++)
        src[i].name = names[i];

    char dbpath[1100];
    snprintf(dbpath, sizeof dbpath, "%s/db", g_dir);
    d4m_db *db;
    CALL(d4m_db_open(&db, dbpath, D4M_DB_CREATE));
    if (!g_reuse) {
        char **tables;
        size_t nt;
        CALL(d4m_db_list(&tables, &nt, db));
        for (size_t i = 0; i < nt; i++)
            CALL(d4m_table_drop(db, tables[i]));
        d4m_free(tables);
    }
    ingest_volume(&src[BRICKS], db, "vbricks", D4M_VOLUME_BRICKS, 64, D4M_CODEC_RAW);
    ingest_volume(&src[BRICKS_C], db, "vbricks_zstd", D4M_VOLUME_BRICKS, 64, D4M_CODEC_ZSTD);
    ingest_volume(&src[BRICKS_L], db, "vbricks_lz4", D4M_VOLUME_BRICKS, 64, D4M_CODEC_LZ4);
    ingest_volume(&src[BRICKS32], db, "vbricks32", D4M_VOLUME_BRICKS, 32, D4M_CODEC_RAW);
    ingest_volume(&src[BRICKS32_C], db, "vbricks32_zstd", D4M_VOLUME_BRICKS, 32,
                  D4M_CODEC_ZSTD);
    ingest_volume(&src[TRIPLES], db, "vtriples", D4M_VOLUME_TRIPLES, 0, D4M_CODEC_RAW);
    if (selected(src[HDF5].name))
        write_h5(&src[HDF5], "v.h5", 0);
    if (selected(src[HDF5_D].name))
        write_h5(&src[HDF5_D], "v-deflate.h5", 1);
    src[FITS_SUB].fits = src[FITS_SL].fits = open_slices();
    src[FITS_SUB].read = read_fits_subset;
    src[FITS_SL].read = read_fits_slices;
    src[FITS_SUB].bytes = src[FITS_SL].bytes = fits_bytes;
    src[FITS_SL].plane = malloc((size_t)(NX * NY) * 2);

    double voxels = (double)NX * (double)NY * (double)NZ;
    int edges[2] = { 32, 64 };
    double med[2][NSRC];
    uint16_t *buf = malloc((size_t)64 * 64 * 64 * 2);
    for (int e = 0; e < 2; e++) {
        origin *boxes = make_boxes(edges[e], 20261121u + (uint64_t)edges[e]);
        for (int i = 0; i < NSRC; i++) {
            med[e][i] = NAN;
            if (!selected(src[i].name))
                continue;
            fprintf(stderr, PROG ": %d^3 boxes from %s ...\n", edges[e], src[i].name);
            timing t = run(&src[i], boxes, edges[e], buf);
            med[e][i] = t.median;
            double load[1] = { 0 };
            getloadavg(load, 1);
            printf("{\"bench\":\"volume\",\"box\":%d,\"source\":\"%s\",\"boxes\":%d,"
                   "\"seconds_per_box\":%.6g,\"mean_seconds\":%.6g,\"bytes_per_voxel\":%.4f,"
                   "\"ingest_seconds\":%.3f,\"volume\":[%lld,%lld,%lld]",
                   edges[e], src[i].name, NBOX, t.median, t.mean,
                   (double)src[i].bytes / voxels, src[i].ingest_seconds, (long long)NZ,
                   (long long)NY, (long long)NX);
            if (src[i].brick)
                printf(",\"brick\":%u,\"codec\":\"%s\"", src[i].brick, src[i].codec);
            printf(",\"loadavg\":%.2f}\n", load[0]);
            fflush(stdout);
        }
        free(boxes);
    }
    /* the goals of the issue, from this run's figures (null where a source
     * did not run) */
    double bpv_c = selected(src[BRICKS_C].name) ? (double)src[BRICKS_C].bytes / voxels : NAN;
    double bpv_c32 = selected(src[BRICKS32_C].name) ? (double)src[BRICKS32_C].bytes / voxels
                                                     : NAN;
    printf("{\"bench\":\"volume-goals\"");
    print_pair("bricks_over_hdf5", med[0][BRICKS] / med[0][HDF5], med[1][BRICKS] / med[1][HDF5]);
    print_num("bricks_compressed_bytes_per_voxel", bpv_c);
    print_pair("hdf5_deflate_over_bricks_compressed", med[0][HDF5_D] / med[0][BRICKS_C],
               med[1][HDF5_D] / med[1][BRICKS_C]);
    print_pair("fits_slices_over_triples", med[0][FITS_SL] / med[0][TRIPLES],
               med[1][FITS_SL] / med[1][TRIPLES]);
    print_pair("bricks32_over_hdf5", med[0][BRICKS32] / med[0][HDF5],
               med[1][BRICKS32] / med[1][HDF5]);
    print_num("bricks32_compressed_bytes_per_voxel", bpv_c32);
    print_pair("hdf5_deflate_over_bricks32_compressed", med[0][HDF5_D] / med[0][BRICKS32_C],
               med[1][HDF5_D] / med[1][BRICKS32_C]);
    printf(",\"met\":{");
    print_met("bricks_le_hdf5", med[0][BRICKS] / med[0][HDF5] <= 1 &&
                                med[1][BRICKS] / med[1][HDF5] <= 1,
              med[0][BRICKS] / med[0][HDF5] + med[1][BRICKS] / med[1][HDF5], 1);
    print_met("compressed_le_1.25_bpv", bpv_c <= 1.25, bpv_c, 0);
    print_met("compressed_5x_deflate", med[0][HDF5_D] >= 5 * med[0][BRICKS_C] &&
                                       med[1][HDF5_D] >= 5 * med[1][BRICKS_C],
              med[0][HDF5_D] / med[0][BRICKS_C] + med[1][HDF5_D] / med[1][BRICKS_C], 0);
    print_met("triples_lt_fits_slices", med[0][TRIPLES] < med[0][FITS_SL] &&
                                        med[1][TRIPLES] < med[1][FITS_SL],
              med[0][TRIPLES] + med[1][TRIPLES] + med[0][FITS_SL] + med[1][FITS_SL], 0);
    printf("}}\n");
    free(buf);
    for (int i = 0; i < NSRC; i++)
        d4m_volume_close(src[i].vol);
    d4m_db_close(db);
    for (int i = HDF5; i <= HDF5_D; i++) {
        H5Dclose(src[i].h5set);
        H5Fclose(src[i].h5file);
    }
    for (int64_t z = 0; z < NZ; z++) {
        int st = 0;
        fits_close_file(src[FITS_SUB].fits[z], &st);
        free(g_slices[z]);
    }
    free(src[FITS_SUB].fits);
    free(src[FITS_SL].plane);
    free(g_slices);
    if (!keep && !dir)
        nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
