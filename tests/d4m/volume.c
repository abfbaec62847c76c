/*
 * tests/d4m/volume.c - volumes (d4m/volume.c): FITS in and out through
 * cfitsio, both layouts, boxes, slice stacks, faults.
 *
 * Fixtures are FITS files the tests write with cfitsio into a fresh
 * directory; expected voxels come from the same formulas that wrote them.
 */
#include <fitsio.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <lz4.h>
#include <zstd.h>
#include <d4m/volume.h>
#include "d4m/db_util.h"
#include "store.h"

#define FITS_OK(st) cr_assert_eq((st), 0, "cfitsio status %d", (st))

/* ----------------------------------------------------------- fixtures */

typedef struct fixture {
    tmpdb t;
    char dir[64];     /* FITS files */
} fixture;

static fixture fx_new(void)
{
    fixture f;
    f.t = tmpdb_new();
    tmpdir_new(f.dir);
    return f;
}

static void fx_free(fixture *f)
{
    tmpdb_free(&f->t);
    rm_tree(f->dir);
}

static char *fx_path(const fixture *f, const char *name)
{
    static char buf[8][256];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 256, "%s/%s", f->dir, name);
    return p;
}

/* The raw (array) value of pixel i of the test pattern, for BITPIX bp. */
static double raw_of(int bp, size_t i)
{
    switch (bp) {
    case 8: return (double)((i * 7) % 256);
    case 16: return (double)((int)((i * 37) % 60000) - 30000);
    case 32: return (double)((int64_t)(i * 100003) - 50000000);
    case 64: return (double)((int64_t)(i * 1000003) - 4000000000LL);
    case -32: return (double)(float)(i * 0.25 - 3.5);
    default: return i * 0.125 - 7.0 + 1e-9 * (double)i;
    }
}

/* Write a cube nx x ny x nz (nz == 0: a 2-D image) with raw values raw_of,
 * as HDU `hdu` (1: primary; 2: after an empty primary).  Optional BSCALE,
 * BZERO, BLANK at the pixels where i % 5 == 3, NaN likewise for floats. */
typedef struct img_spec {
    int bitpix;
    long nx, ny, nz;
    double bscale, bzero;
    int blank;             /* write BLANK (ints) / NaN (floats) at i % 5 == 3 */
    long long blankval;
    int hdu;
    int keywords;          /* OBJECT, EXPTIME, CRPIX1..3, a COMMENT */
} img_spec;

static void write_image(const char *path, const img_spec *s)
{
    int st = 0;
    fitsfile *f;
    fits_create_file(&f, path, &st);
    FITS_OK(st);
    if (s->hdu == 2) {
        long none[1] = { 0 };
        fits_create_img(f, 8, 0, none, &st);
        FITS_OK(st);
    }
    long naxes[3] = { s->nx, s->ny, s->nz };
    fits_create_img(f, s->bitpix, s->nz ? 3 : 2, naxes, &st);
    FITS_OK(st);
    if (s->bscale != 1 || s->bzero != 0) {
        fits_write_key_dbl(f, "BSCALE", s->bscale, -15, NULL, &st);
        fits_write_key_dbl(f, "BZERO", s->bzero, -15, NULL, &st);
        fits_set_bscale(f, 1.0, 0.0, &st);   /* write raw values */
    }
    if (s->blank && s->bitpix > 0) {
        LONGLONG b = s->blankval;
        fits_write_key(f, TLONGLONG, "BLANK", &b, NULL, &st);
    }
    if (s->keywords) {
        fits_write_key_str(f, "OBJECT", "M31 core", "target", &st);
        fits_write_key_dbl(f, "EXPTIME", 30.5, -6, "seconds", &st);
        fits_write_key_dbl(f, "CRPIX1", 10.0, -6, NULL, &st);
        fits_write_key_dbl(f, "CRPIX2", 20.0, -6, NULL, &st);
        fits_write_comment(f, "written by tests/d4m/volume.c", &st);
    }
    FITS_OK(st);
    size_t n = (size_t)s->nx * (size_t)s->ny * (size_t)(s->nz ? s->nz : 1);
    double *raw = malloc(n * sizeof *raw);
    for (size_t i = 0; i < n; i++) {
        raw[i] = raw_of(s->bitpix, i);
        if (s->blank && i % 5 == 3)
            raw[i] = s->bitpix > 0 ? (double)s->blankval : NAN;
    }
    long first[3] = { 1, 1, 1 };
    if (s->bitpix == 64) {
        long long *v = malloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = (long long)raw[i];
        fits_write_pix(f, TLONGLONG, first, (LONGLONG)n, v, &st);
        free(v);
    } else {
        fits_write_pix(f, TDOUBLE, first, (LONGLONG)n, raw, &st);
    }
    FITS_OK(st);
    fits_close_file(f, &st);
    FITS_OK(st);
    free(raw);
}

/* The expected physical value of pixel i, and whether it is absent. */
static double phys_of(const img_spec *s, size_t i, int *absent)
{
    *absent = s->blank && i % 5 == 3;
    if (*absent)
        return NAN;
    if (s->bitpix == 64 && s->bscale == 1 && s->bzero == 0)
        return raw_of(64, i);
    return raw_of(s->bitpix, i) * s->bscale + s->bzero;
}

static const char *one[1];

static void ingest(fixture *f, const char *table, const char *path, d4m_volume_layout layout,
                   unsigned brick, unsigned overlap, d4m_volume_codec codec, int hdu)
{
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    o.layout = layout;
    o.brick[0] = o.brick[1] = o.brick[2] = brick;
    o.overlap = overlap;
    o.codec = codec;
    o.hdu = hdu;
    one[0] = path;
    CHECK_OK(d4m_volume_ingest_fits(f->t.db, table, one, 1, &o));
}

static d4m_volume *vopen(fixture *f, const char *table)
{
    d4m_volume *v = NULL;
    CHECK_OK(d4m_volume_open(&v, f->t.db, table));
    cr_assert_not_null(v);
    return v;
}

/* Read box b and compare every voxel with the spec's pattern. */
static void check_box(d4m_volume *v, const img_spec *s, d4m_box b)
{
    d4m_volume_info info;
    CHECK_OK(d4m_volume_info_get(&info, v));
    size_t es = d4m_dtype_size(info.dtype), n = (size_t)d4m_box_voxels(&b);
    unsigned char *buf = malloc(n * es + 1);
    memset(buf, 0xA5, n * es);
    CHECK_OK(d4m_volume_read_box(buf, v, &b));
    size_t k = 0;
    for (int64_t z = b.z0; z <= b.z1; z++)
        for (int64_t y = b.y0; y <= b.y1; y++)
            for (int64_t x = b.x0; x <= b.x1; x++, k++) {
                size_t i = (size_t)((z * s->ny + y) * s->nx + x);
                int absent;
                double want = phys_of(s, i, &absent), got;
                long long gi = 0;
                switch (info.dtype) {
                case D4M_U8: got = ((uint8_t *)buf)[k]; break;
                case D4M_I8: got = ((int8_t *)buf)[k]; break;
                case D4M_U16: got = ((uint16_t *)buf)[k]; break;
                case D4M_I16: got = ((int16_t *)buf)[k]; break;
                case D4M_U32: got = ((uint32_t *)buf)[k]; break;
                case D4M_I32: got = ((int32_t *)buf)[k]; break;
                case D4M_I64: gi = ((int64_t *)buf)[k]; got = (double)gi; break;
                case D4M_U64: got = (double)((uint64_t *)buf)[k]; break;
                case D4M_F32: got = ((float *)buf)[k]; break;
                default: got = ((double *)buf)[k]; break;
                }
                if (absent) {
                    if (info.dtype == D4M_F32 || info.dtype == D4M_F64)
                        cr_assert(isnan(got), "voxel (%lld,%lld,%lld) = %g, want NaN",
                                  (long long)z, (long long)y, (long long)x, got);
                    else
                        cr_assert_eq(got, info.fill, "blank voxel (%lld,%lld,%lld) = %g, "
                                     "want fill %g", (long long)z, (long long)y,
                                     (long long)x, got, info.fill);
                    continue;
                }
                if (info.dtype == D4M_F32)
                    want = (float)want;
                cr_assert_eq(got, want, "voxel (%lld,%lld,%lld) = %.17g, want %.17g",
                             (long long)z, (long long)y, (long long)x, got, want);
            }
    free(buf);
}

static d4m_box whole(const img_spec *s)
{
    d4m_box b = { 0, (s->nz ? s->nz : 1) - 1, 0, s->ny - 1, 0, s->nx - 1 };
    return b;
}

/* ------------------------------------------------- every BITPIX, both layouts */

static void roundtrip(int bitpix, d4m_dtype want)
{
    fixture f = fx_new();
    img_spec s = { bitpix, 7, 5, 3, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "cube.fits"), &s);
    ingest(&f, "Vt", fx_path(&f, "cube.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "Vb", fx_path(&f, "cube.fits"), D4M_VOLUME_BRICKS, 2, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "Vz", fx_path(&f, "cube.fits"), D4M_VOLUME_BRICKS, 4, 1, D4M_CODEC_ZSTD, 0);
    const char *names[3] = { "Vt", "Vb", "Vz" };
    for (int i = 0; i < 3; i++) {
        d4m_volume *v = vopen(&f, names[i]);
        d4m_volume_info info;
        CHECK_OK(d4m_volume_info_get(&info, v));
        cr_assert_eq(info.dtype, want, "%s: dtype %s", names[i], d4m_dtype_name(info.dtype));
        cr_assert_eq(info.nz, 3);
        cr_assert_eq(info.ny, 5);
        cr_assert_eq(info.nx, 7);
        cr_assert_eq(info.bitpix, bitpix);
        check_box(v, &s, whole(&s));
        d4m_box b = { 1, 2, 1, 3, 2, 5 };
        check_box(v, &s, b);
        d4m_volume_close(v);
    }
    fx_free(&f);
}

Test(volume_fits, bitpix_8) { roundtrip(8, D4M_U8); }
Test(volume_fits, bitpix_16) { roundtrip(16, D4M_I16); }
Test(volume_fits, bitpix_32) { roundtrip(32, D4M_I32); }
Test(volume_fits, bitpix_64) { roundtrip(64, D4M_I64); }
Test(volume_fits, bitpix_m32) { roundtrip(-32, D4M_F32); }
Test(volume_fits, bitpix_m64) { roundtrip(-64, D4M_F64); }

static void scaled(img_spec s, d4m_dtype want)
{
    fixture f = fx_new();
    write_image(fx_path(&f, "s.fits"), &s);
    ingest(&f, "T", fx_path(&f, "s.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "B", fx_path(&f, "s.fits"), D4M_VOLUME_BRICKS, 3, 0, D4M_CODEC_LZ4, 0);
    const char *names[2] = { "T", "B" };
    for (int i = 0; i < 2; i++) {
        d4m_volume *v = vopen(&f, names[i]);
        d4m_volume_info info;
        CHECK_OK(d4m_volume_info_get(&info, v));
        cr_assert_eq(info.dtype, want, "%s: dtype %s", names[i], d4m_dtype_name(info.dtype));
        cr_assert_eq(info.bscale, s.bscale);
        cr_assert_eq(info.bzero, s.bzero);
        check_box(v, &s, whole(&s));
        d4m_volume_close(v);
    }
    fx_free(&f);
}

Test(volume_fits, bzero_unsigned_16)
{
    img_spec s = { 16, 6, 4, 2, 1, 32768, 0, 0, 1, 0 };
    scaled(s, D4M_U16);
}

Test(volume_fits, bzero_signed_8)
{
    img_spec s = { 8, 6, 4, 2, 1, -128, 0, 0, 1, 0 };
    scaled(s, D4M_I8);
}

Test(volume_fits, bzero_unsigned_32)
{
    img_spec s = { 32, 6, 4, 2, 1, 2147483648.0, 0, 0, 1, 0 };
    scaled(s, D4M_U32);
}

Test(volume_fits, bscale_fraction_gives_float)
{
    img_spec s = { 16, 6, 4, 2, 0.5, 10, 0, 0, 1, 0 };
    scaled(s, D4M_F32);
}

Test(volume_fits, bscale_fraction_32_gives_double)
{
    img_spec s = { 32, 6, 4, 2, 0.25, -3, 0, 0, 1, 0 };
    scaled(s, D4M_F64);
}

/* ------------------------------------------------------------ BLANK, NaN */

Test(volume_blank, integer_blank_absent)
{
    fixture f = fx_new();
    img_spec s = { 16, 5, 4, 2, 1, 0, 1, -32768, 1, 0 };
    write_image(fx_path(&f, "b.fits"), &s);
    ingest(&f, "T", fx_path(&f, "b.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "B", fx_path(&f, "b.fits"), D4M_VOLUME_BRICKS, 2, 1, D4M_CODEC_LZ4, 0);
    /* 40 pixels, 8 of them blank (i % 5 == 3), none zero: 32 triples */
    d4m_table *t;
    CHECK_OK(d4m_table_open(&t, f.t.db, "T"));
    uint64_t nnz = 0;
    CHECK_OK(d4m_table_nnz(&nnz, t));
    cr_assert_eq(nnz, 32);
    d4m_table_close(t);
    const char *names[2] = { "T", "B" };
    for (int i = 0; i < 2; i++) {
        d4m_volume *v = vopen(&f, names[i]);
        d4m_volume_info info;
        CHECK_OK(d4m_volume_info_get(&info, v));
        cr_assert_eq(info.has_blank, 1);
        cr_assert_eq(info.blank, -32768);
        cr_assert_eq(info.fill, -32768.0);
        check_box(v, &s, whole(&s));
        d4m_assoc *a;
        CHECK_OK(d4m_volume_read_assoc(&a, v, &(d4m_box){ 0, 1, 0, 3, 0, 4 }));
        cr_assert_eq(d4m_assoc_nnz(a), 32);
        d4m_assoc_free(a);
        d4m_volume_close(v);
    }
    fx_free(&f);
}

/* Voxel triples are read a line at a time without an upper bound: a line
 * whose last voxels in the box are absent ends at a voxel past x1 of the
 * same row, at the next row's first voxel, or (the volume's last line) at
 * the next table's first key.  Every x-range of every line, in volumes
 * where the absent voxels (i % 5 == 3) fall at x == 3 of every line (nx 5)
 * or at a different x line by line (nx 4: at x == 3 of every fifth line,
 * right before the next row). */
Test(volume_blank, absent_voxels_at_line_ends)
{
    fixture f = fx_new();
    for (long nx = 4; nx <= 5; nx++) {
        img_spec s = { 16, nx, 4, 3, 1, 0, 1, -32768, 1, 0 };
        char name[16];
        snprintf(name, sizeof name, "e%ld.fits", nx);
        write_image(fx_path(&f, name), &s);
        ingest(&f, "T", fx_path(&f, name), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
        ingest(&f, "U", fx_path(&f, name), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
        d4m_volume *v = vopen(&f, "T");
        for (int64_t x0 = 0; x0 < nx; x0++)
            for (int64_t x1 = x0; x1 < nx; x1++) {
                check_box(v, &s, (d4m_box){ 0, 2, 0, 3, x0, x1 });
                check_box(v, &s, (d4m_box){ 2, 2, 3, 3, x0, x1 });   /* the last line */
                check_box(v, &s, (d4m_box){ 1, 1, 2, 2, x0, x1 });   /* one line */
            }
        d4m_volume_close(v);
        CHECK_OK(d4m_table_drop(f.t.db, "T"));
        CHECK_OK(d4m_table_drop(f.t.db, "U"));
    }
    fx_free(&f);
}

Test(volume_blank, nan_absent)
{
    fixture f = fx_new();
    img_spec s = { -32, 5, 4, 2, 1, 0, 1, 0, 1, 0 };
    write_image(fx_path(&f, "n.fits"), &s);
    ingest(&f, "T", fx_path(&f, "n.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "B", fx_path(&f, "n.fits"), D4M_VOLUME_BRICKS, 4, 0, D4M_CODEC_RAW, 0);
    const char *names[2] = { "T", "B" };
    for (int i = 0; i < 2; i++) {
        d4m_volume *v = vopen(&f, names[i]);
        check_box(v, &s, whole(&s));
        /* raw_of(-32, 14) = 0: a stored zero, no Assoc entry either */
        d4m_assoc *a;
        CHECK_OK(d4m_volume_read_assoc(&a, v, &(d4m_box){ 0, 1, 0, 3, 0, 4 }));
        cr_assert_eq(d4m_assoc_nnz(a), 31);
        d4m_assoc_free(a);
        d4m_volume_close(v);
    }
    fx_free(&f);
}

Test(volume_blank, scaled_blank_becomes_nan_and_back)
{
    fixture f = fx_new();
    img_spec s = { 16, 5, 4, 0, 0.5, 100, 1, -1, 1, 0 };
    write_image(fx_path(&f, "sb.fits"), &s);
    ingest(&f, "B", fx_path(&f, "sb.fits"), D4M_VOLUME_BRICKS, 2, 0, D4M_CODEC_RAW, 0);
    d4m_volume *v = vopen(&f, "B");
    check_box(v, &s, whole(&s));
    CHECK_OK(d4m_volume_write_fits(v, NULL, fx_path(&f, "out.fits")));
    d4m_volume_close(v);
    /* the written file says the same: BLANK -1, BSCALE 0.5, BZERO 100 */
    ingest(&f, "B2", fx_path(&f, "out.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    v = vopen(&f, "B2");
    d4m_volume_info info;
    CHECK_OK(d4m_volume_info_get(&info, v));
    cr_assert_eq(info.bitpix, 16);
    cr_assert_eq(info.bscale, 0.5);
    cr_assert_eq(info.bzero, 100);
    cr_assert_eq(info.has_blank, 1);
    cr_assert_eq(info.blank, -1);
    cr_assert_eq(info.nz, 1);
    check_box(v, &s, whole(&s));
    d4m_volume_close(v);
    fx_free(&f);
}

/* ---------------------------------------------------- HDUs and keywords */

Test(volume_fits, any_hdu)
{
    fixture f = fx_new();
    img_spec s = { 16, 6, 5, 4, 1, 0, 0, 0, 2, 0 };
    write_image(fx_path(&f, "mef.fits"), &s);
    /* an empty primary: the first image is HDU 2 */
    ingest(&f, "A", fx_path(&f, "mef.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "B", fx_path(&f, "mef.fits"), D4M_VOLUME_BRICKS, 4, 0, D4M_CODEC_RAW, 2);
    char named[300];
    snprintf(named, sizeof named, "%s[1]", fx_path(&f, "mef.fits"));
    ingest(&f, "C", named, D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    const char *names[3] = { "A", "B", "C" };
    for (int i = 0; i < 3; i++) {
        d4m_volume *v = vopen(&f, names[i]);
        check_box(v, &s, whole(&s));
        d4m_volume_close(v);
    }
    /* HDU 1 has no pixels */
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    o.hdu = 1;
    one[0] = fx_path(&f, "mef.fits");
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "D", one, 1, &o), D4M_EFITS);
    o.hdu = 3;
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "D", one, 1, &o), D4M_EFITS);
    /* Names are files, not cfitsio's extended syntax: one that would have
     * cfitsio write a copy fails and writes nothing; one with brackets
     * inside is a name like others. */
    char made[300], trick[700];
    snprintf(made, sizeof made, "%s", fx_path(&f, "made.fits"));
    snprintf(trick, sizeof trick, "%s(%s)", fx_path(&f, "mef.fits"), made);
    one[0] = trick;
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "E", one, 1, NULL), D4M_EFITS);
    struct stat sb;
    cr_assert_neq(stat(made, &sb), 0, "cfitsio wrote %s", made);
    cr_assert_eq(rename(fx_path(&f, "mef.fits"), fx_path(&f, "m[1]x.fits")), 0);
    ingest(&f, "F", fx_path(&f, "m[1]x.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    d4m_volume *v = vopen(&f, "F");
    check_box(v, &s, whole(&s));
    d4m_volume_close(v);
    fx_free(&f);
}

static int has_card(const char *cards, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(cards + 80 * i, prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

Test(volume_fits, keywords_kept_and_written_back)
{
    fixture f = fx_new();
    img_spec s = { 16, 8, 6, 3, 1, 0, 0, 0, 1, 1 };
    write_image(fx_path(&f, "k.fits"), &s);
    ingest(&f, "K", fx_path(&f, "k.fits"), D4M_VOLUME_BRICKS, 4, 0, D4M_CODEC_LZ4, 0);
    d4m_volume *v = vopen(&f, "K");
    size_t n = 0;
    const char *cards = d4m_volume_cards(v, &n);
    /* cfitsio's two COMMENT cards about the FITS standard, and ours */
    cr_assert_eq(n, 7, "cards: %zu", n);
    cr_assert(has_card(cards, n, "OBJECT  = 'M31 core'"));
    cr_assert(has_card(cards, n, "EXPTIME = "));
    cr_assert(has_card(cards, n, "COMMENT written by tests/d4m/volume.c"));
    cr_assert(!has_card(cards, n, "BITPIX"));
    cr_assert(!has_card(cards, n, "NAXIS"));
    d4m_box b = { 1, 2, 2, 4, 3, 7 };
    CHECK_OK(d4m_volume_write_fits(v, &b, fx_path(&f, "box.fits")));
    d4m_volume_close(v);

    int st = 0, bitpix, naxis;
    long naxes[3];
    fitsfile *ff;
    fits_open_file(&ff, fx_path(&f, "box.fits"), READONLY, &st);
    fits_get_img_param(ff, 3, &bitpix, &naxis, naxes, &st);
    FITS_OK(st);
    cr_assert_eq(bitpix, 16);
    cr_assert_eq(naxis, 3);
    cr_assert_eq(naxes[0], 5);
    cr_assert_eq(naxes[1], 3);
    cr_assert_eq(naxes[2], 2);
    char obj[FLEN_VALUE];
    double exptime, crpix1, crpix2;
    fits_read_key_str(ff, "OBJECT", obj, NULL, &st);
    fits_read_key_dbl(ff, "EXPTIME", &exptime, NULL, &st);
    fits_read_key_dbl(ff, "CRPIX1", &crpix1, NULL, &st);
    fits_read_key_dbl(ff, "CRPIX2", &crpix2, NULL, &st);
    FITS_OK(st);
    cr_assert_str_eq(obj, "M31 core");
    cr_assert_eq(exptime, 30.5);
    cr_assert_eq(crpix1, 7.0);    /* 10 - x0 */
    cr_assert_eq(crpix2, 18.0);   /* 20 - y0 */
    short pix[30];
    long first[3] = { 1, 1, 1 };
    fits_read_pix(ff, TSHORT, first, 30, NULL, pix, NULL, &st);
    FITS_OK(st);
    int k = 0;
    for (int z = 1; z <= 2; z++)
        for (int y = 2; y <= 4; y++)
            for (int x = 3; x <= 7; x++, k++)
                cr_assert_eq(pix[k], (short)raw_of(16, (size_t)((z * 6 + y) * 8 + x)));
    fits_close_file(ff, &st);
    fx_free(&f);
}

/* ------------------------------------------------------------------ boxes */

/* A volume handle keeps its database open until it is closed. */
Test(volume_table, outlives_its_database)
{
    fixture f = fx_new();
    img_spec s = { 16, 4, 3, 2, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "a.fits"), &s);
    ingest(&f, "B", fx_path(&f, "a.fits"), D4M_VOLUME_BRICKS, 2, 0, D4M_CODEC_LZ4, 0);
    d4m_volume *v = vopen(&f, "B");
    d4m_db_close(f.t.db);
    f.t.db = NULL;
    check_box(v, &s, whole(&s));
    d4m_db *db = NULL;
    CHECK_FAILS(d4m_db_open(&db, f.t.dir, 0), D4M_EBUSY);
    d4m_volume_close(v);
    CHECK_OK(d4m_db_open(&db, f.t.dir, 0));
    d4m_db_close(db);
    fx_free(&f);
}

/* Voxel counts: exact, 0 for empty or inverted boxes, saturated rather than
 * wrapped or overflowed for boxes larger than 2^64. */
Test(volume_box, voxel_counts)
{
    d4m_box b = { 0, 1, 0, 2, 0, 3 };
    cr_assert_eq(d4m_box_voxels(&b), 24);
    d4m_box inv = { 2, 1, 0, 0, 0, 0 };
    cr_assert_eq(d4m_box_voxels(&inv), 0);
    cr_assert_eq(d4m_box_voxels(NULL), 0);
    d4m_box all = { INT64_MIN, INT64_MAX, 0, 0, 0, 0 };
    cr_assert_eq(d4m_box_voxels(&all), UINT64_MAX);
    d4m_box sq = { 0, 0, 0, ((int64_t)1 << 32) - 1, 0, ((int64_t)1 << 32) - 1 };
    cr_assert_eq(d4m_box_voxels(&sq), UINT64_MAX);
    d4m_box edge = { 0, INT64_MAX, 0, 0, 0, 0 };
    cr_assert_eq(d4m_box_voxels(&edge), (uint64_t)INT64_MAX + 1);
}

/* A u16 volume with edges that are not multiples of the brick. */
Test(volume_box, identical_in_every_layout)
{
    fixture f = fx_new();
    img_spec s = { 16, 37, 29, 23, 1, 32768, 0, 0, 1, 0 };
    write_image(fx_path(&f, "v.fits"), &s);
    const char *path = fx_path(&f, "v.fits");
    ingest(&f, "T", path, D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "R", path, D4M_VOLUME_BRICKS, 8, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "L", path, D4M_VOLUME_BRICKS, 8, 2, D4M_CODEC_LZ4, 0);
    ingest(&f, "Z", path, D4M_VOLUME_BRICKS, 5, 1, D4M_CODEC_ZSTD, 0);
    const char *names[4] = { "T", "R", "L", "Z" };
    unsigned seed = 12345;
    d4m_box boxes[40];
    for (int i = 0; i < 40; i++) {
        int64_t d[3] = { 23, 29, 37 }, lo[3], hi[3];
        for (int a = 0; a < 3; a++) {
            seed = seed * 1103515245u + 12345u;
            lo[a] = (int64_t)((seed >> 8) % (unsigned)d[a]);
            seed = seed * 1103515245u + 12345u;
            hi[a] = lo[a] + (int64_t)((seed >> 8) % (unsigned)(d[a] - lo[a]));
        }
        boxes[i] = (d4m_box){ lo[0], hi[0], lo[1], hi[1], lo[2], hi[2] };
    }
    boxes[0] = whole(&s);
    boxes[1] = (d4m_box){ 8, 15, 8, 15, 8, 15 };      /* exactly one brick */
    boxes[2] = (d4m_box){ 22, 22, 28, 28, 36, 36 };   /* the last voxel */
    for (int n = 0; n < 4; n++) {
        d4m_volume *v = vopen(&f, names[n]);
        for (int i = 0; i < 40; i++)
            check_box(v, &s, boxes[i]);
        d4m_volume_close(v);
    }
    fx_free(&f);
}

Test(volume_box, assoc_triples_exact)
{
    fixture f = fx_new();
    img_spec s = { 16, 4, 3, 2, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "a.fits"), &s);
    ingest(&f, "B", fx_path(&f, "a.fits"), D4M_VOLUME_BRICKS, 2, 0, D4M_CODEC_RAW, 0);
    d4m_volume *v = vopen(&f, "B");
    d4m_assoc *a;
    d4m_box b = { 1, 1, 1, 2, 2, 3 };
    CHECK_OK(d4m_volume_read_assoc(&a, v, &b));
    d4m_triples *t;
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    cr_assert_eq(t->n, 4);
    /* rows z*ny + y + 1 = 5, 6; cols x + 1 = 3, 4 */
    uint64_t wr[4] = { 4, 4, 5, 5 }, wc[4] = { 2, 3, 2, 3 };
    size_t idx[4] = { 18, 19, 22, 23 };
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(t->row[i], wr[i]);
        cr_assert_eq(t->col[i], wc[i]);
        cr_assert_eq(t->val[i], raw_of(16, idx[i]));
    }
    d4m_triples_free(t);
    d4m_assoc_free(a);
    d4m_volume_close(v);

    /* the triples layout is an ordinary table: get reads the same voxels */
    ingest(&f, "T", fx_path(&f, "a.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    d4m_table *tt;
    CHECK_OK(d4m_table_open(&tt, f.t.db, "T"));
    d4m_query *rq, *cq;
    CHECK_OK(d4m_query_parse(&rq, K("5 : 6 ")));
    CHECK_OK(d4m_query_parse(&cq, K("3 : 4 ")));
    CHECK_OK(d4m_table_get(&a, tt, rq, cq));
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    cr_assert_eq(t->n, 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(t->val[i], raw_of(16, idx[i]));
    d4m_triples_free(t);
    d4m_assoc_free(a);
    d4m_query_free(rq);
    d4m_query_free(cq);
    d4m_table_close(tt);
    fx_free(&f);
}

/* ------------------------------------------------- compressed sub-blocks */

/* Bricks of bz x by x bx voxels. */
/* A volume's table opens as a table, to read (the triples layout is an
 * ordinary integer-keyed table), but writing it through the table API would
 * make its entries disagree with the volume: refused, in every layout. */
Test(volume_table, read_only_through_the_table_api)
{
    fixture f = fx_new();
    img_spec s = { 16, 4, 3, 2, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "a.fits"), &s);
    ingest(&f, "V", fx_path(&f, "a.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    ingest(&f, "B", fx_path(&f, "a.fits"), D4M_VOLUME_BRICKS, 2, 0, D4M_CODEC_LZ4, 0);
    const char *names[] = { "V", "B" };
    for (int i = 0; i < 2; i++) {
        d4m_table *t = NULL;
        CHECK_OK(d4m_table_open(&t, f.t.db, names[i]));
        static const double one1[] = { 1 }, v1[] = { 5 };
        d4m_vec r = d4m_vec_num(one1, 1), c = d4m_vec_num(one1, 1);
        CHECK_FAILS(d4m_table_put_triples(t, r, c, d4m_vec_num(v1, 1), 0), D4M_EINVAL);
        cr_assert(strstr(d4m_error_message(), "holds a volume") != NULL, "%s",
                  d4m_error_message());
        d4m_assoc *a = NULL;
        CHECK_OK(d4m_assoc_build(&a, r, c, d4m_vec_num(v1, 1), NULL));
        CHECK_FAILS(d4m_table_put(t, a, 0), D4M_EINVAL);
        CHECK_FAILS(d4m_table_put(t, a, D4M_PUT_BULK), D4M_EINVAL);
        d4m_assoc_free(a);
        CHECK_FAILS(d4m_table_delete(t, r, c), D4M_EINVAL);
        CHECK_FAILS(d4m_table_add_col_combiner(t, K("1"), D4M_COMBINE_SUM), D4M_EINVAL);
        d4m_table_close(t);
        /* The volume is as it was. */
        d4m_volume *v = vopen(&f, names[i]);
        check_box(v, &s, whole(&s));
        d4m_volume_close(v);
    }
    /* Reading the triples layout as a table works. */
    d4m_table *t = NULL;
    CHECK_OK(d4m_table_open(&t, f.t.db, "V"));
    uint64_t n = 0;
    CHECK_OK(d4m_table_nnz(&n, t));
    cr_assert_eq(n, 4 * 3 * 2);
    d4m_table_close(t);
    /* Nor can a parallel ingest (which opens the database itself) write it. */
    d4m_db_close(f.t.db);
    f.t.db = NULL;
    d4m_comm c = d4m_comm_self();
    d4m_ingest *g = (d4m_ingest *)0x1;
    CHECK_FAILS(d4m_ingest_begin(&g, f.t.dir, "V", &c, NULL), D4M_EINVAL);
    cr_assert_null(g);
    fx_free(&f);
}

static void ingest3(fixture *f, const char *table, const char *path, unsigned bz,
                    unsigned by, unsigned bx, unsigned overlap, d4m_volume_codec codec)
{
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    o.layout = D4M_VOLUME_BRICKS;
    o.brick[0] = bz;
    o.brick[1] = by;
    o.brick[2] = bx;
    o.overlap = overlap;
    o.codec = codec;
    one[0] = path;
    CHECK_OK(d4m_volume_ingest_fits(f->t.db, table, one, 1, &o));
}

static uint32_t table_id(fixture *f, const char *table)
{
    d4m_meta m;
    CHECK_OK(d4m__meta_load(&m, f->t.db, table));
    uint32_t id = m.id;
    d4m__meta_free(&m);
    return id;
}

/* The stored key of brick (row, col) of table id. */
static void brick_key(d4m_buf *k, uint32_t id, int64_t row, int64_t col)
{
    k->len = 0;
    d4m_kv__put_table_id(k, id);
    CHECK_OK(d4m_kv__encode_int(k, row));
    CHECK_OK(d4m_kv__encode_int(k, col));
}

static void get_brick(fixture *f, d4m_buf *v, uint32_t id, int64_t row, int64_t col)
{
    d4m_buf k = { NULL, 0, 0 };
    bool found = false;
    brick_key(&k, id, row, col);
    v->len = 0;
    CHECK_OK(d4m_kv__get(f->t.db->kv, NULL, (d4m_key){ k.p, k.len }, v, &found));
    cr_assert(found, "brick (%lld, %lld) missing", (long long)row, (long long)col);
    d4m__buf_free(&k);
}

static void put_brick(fixture *f, uint32_t id, int64_t row, int64_t col, const void *p,
                      size_t n)
{
    d4m_buf k = { NULL, 0, 0 };
    brick_key(&k, id, row, col);
    d4m_kv_batch *b;
    CHECK_OK(d4m_kv__batch_new(&b));
    d4m_kv__batch_put(b, (d4m_key){ k.p, k.len }, (d4m_key){ p, n });
    CHECK_OK(d4m_kv__batch_write(f->t.db->kv, b, false));
    d4m_kv__batch_free(b);
    d4m__buf_free(&k);
}

static uint32_t be32_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Boxes that start and end on both sides of sub-block (16) and brick edges. */
static void check_edges(d4m_volume *v, const img_spec *s, unsigned seed, int nrand)
{
    int64_t d[3] = { s->nz, s->ny, s->nx };
    check_box(v, s, whole(s));
    int64_t cut[] = { 0, 14, 15, 16, 17, 19, 20, 31, 32, 33, 39, 40, 47, 48 };
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++)
        for (size_t j = i; j < sizeof cut / sizeof cut[0]; j += 3) {
            int64_t lo[3], hi[3];
            for (int a = 0; a < 3; a++) {
                lo[a] = cut[i] < d[a] ? cut[i] : d[a] - 1;
                hi[a] = cut[j] < d[a] ? cut[j] : d[a] - 1;
            }
            check_box(v, s, (d4m_box){ lo[0], hi[0], lo[1], hi[1], lo[2], hi[2] });
        }
    check_box(v, s, (d4m_box){ d[0] - 1, d[0] - 1, d[1] - 1, d[1] - 1, d[2] - 1, d[2] - 1 });
    check_box(v, s, (d4m_box){ 0, d[0] - 1, d[1] - 1, d[1] - 1, 0, d[2] - 1 });
    for (int i = 0; i < nrand; i++) {
        int64_t lo[3], hi[3];
        for (int a = 0; a < 3; a++) {
            seed = seed * 1103515245u + 12345u;
            lo[a] = (int64_t)((seed >> 8) % (unsigned)d[a]);
            seed = seed * 1103515245u + 12345u;
            hi[a] = lo[a] + (int64_t)((seed >> 8) % (unsigned)(d[a] - lo[a]));
        }
        check_box(v, s, (d4m_box){ lo[0], hi[0], lo[1], hi[1], lo[2], hi[2] });
    }
}

/* Compressed bricks are stored as independently compressed sub-blocks of
 * 16^3 (format 2, d4m/volume.c), clipped at the stored brick's edge. */
Test(volume_subblock, boxes_across_subblocks_and_bricks)
{
    fixture f = fx_new();
    img_spec s = { 16, 70, 45, 37, 1, 32768, 0, 0, 1, 0 };
    const char *path = fx_path(&f, "v.fits");
    write_image(path, &s);
    ingest3(&f, "Z", path, 20, 33, 40, 0, D4M_CODEC_ZSTD);
    ingest3(&f, "L", path, 32, 32, 32, 3, D4M_CODEC_LZ4);
    ingest3(&f, "W", path, 64, 64, 64, 0, D4M_CODEC_ZSTD);   /* one brick, mostly fill */
    /* triples too: boxes of 8 lines a slice and more read ahead */
    ingest(&f, "T", path, D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    const char *names[4] = { "Z", "L", "W", "T" };
    for (int n = 0; n < 4; n++) {
        d4m_volume *v = vopen(&f, names[n]);
        check_edges(v, &s, 777u + (unsigned)n, 30);
        d4m_volume_close(v);
    }
    /* the stored form: 's', the tag, the sub-block edges, the table of ends */
    d4m_buf val = { NULL, 0, 0 };
    struct { const char *t; char tag; unsigned se[3]; size_t ns; } want[3] = {
        { "Z", 'z', { 16, 16, 16 }, 2 * 3 * 3 },    /* 20 x 33 x 40: 16+4, 16+16+1, 16+16+8 */
        { "L", 'l', { 16, 16, 16 }, 3 * 3 * 3 },    /* 38^3: 16+16+6 */
        { "W", 'z', { 16, 16, 16 }, 4 * 4 * 4 } };
    for (int n = 0; n < 3; n++) {
        get_brick(&f, &val, table_id(&f, want[n].t), 1, 1);
        const unsigned char *p = (const unsigned char *)val.p;
        cr_assert_geq(val.len, 8 + 4 * want[n].ns);
        cr_assert_eq(p[0], 's');
        cr_assert_eq(p[1], want[n].tag);
        for (int a = 0; a < 3; a++)
            cr_assert_eq(p[2 + 2 * a] << 8 | p[3 + 2 * a], want[n].se[a]);
        uint32_t prev = 0;
        for (size_t i = 0; i < want[n].ns; i++) {
            uint32_t e = be32_at(p + 8 + 4 * i);
            cr_assert_gt(e, prev, "%s: sub-block %zu is empty", want[n].t, i);
            prev = e;
        }
        cr_assert_eq(prev, val.len - 8 - 4 * want[n].ns, "%s: the last end", want[n].t);
    }
    d4m__buf_free(&val);
    fx_free(&f);
}

/* Every element size through the sub-blocks' shuffle, with absent voxels. */
Test(volume_subblock, element_sizes_and_blanks)
{
    fixture f = fx_new();
    int bp[4] = { 8, 32, -32, -64 };
    for (int i = 0; i < 4; i++) {
        img_spec s = { bp[i], 35, 18, 21, 1, 0, 1, bp[i] == 8 ? 255 : -7, 1, 0 };
        char name[32], tz[8], tl[8];
        snprintf(name, sizeof name, "v%d.fits", i);
        snprintf(tz, sizeof tz, "Z%d", i);
        snprintf(tl, sizeof tl, "L%d", i);
        write_image(fx_path(&f, name), &s);
        ingest3(&f, tz, fx_path(&f, name), 17, 17, 17, 1, D4M_CODEC_ZSTD);
        ingest3(&f, tl, fx_path(&f, name), 20, 18, 33, 0, D4M_CODEC_LZ4);
        d4m_volume *v = vopen(&f, tz);
        check_edges(v, &s, 99u + (unsigned)i, 10);
        d4m_volume_close(v);
        v = vopen(&f, tl);
        check_edges(v, &s, 199u + (unsigned)i, 10);
        d4m_volume_close(v);
    }
    fx_free(&f);
}

/* Shuffle a whole brick (format 1). */
static void shuffle_all(unsigned char *out, const unsigned char *in, size_t n, size_t es)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < es; k++)
            out[k * n + i] = in[i * es + k];
}

/* Bricks written before sub-blocks ('s' 'Z' / 's' 'L': the whole brick
 * shuffled and compressed in one piece) still read, also mixed with
 * format-2 bricks in one volume. */
Test(volume_subblock, format1_bricks_still_read)
{
    fixture f = fx_new();
    img_spec s = { 16, 45, 30, 25, 1, 32768, 0, 0, 1, 0 };
    const char *path = fx_path(&f, "v.fits");
    write_image(path, &s);
    ingest3(&f, "R", path, 20, 20, 20, 1, D4M_CODEC_RAW);
    ingest3(&f, "Z", path, 20, 20, 20, 1, D4M_CODEC_ZSTD);
    ingest3(&f, "L", path, 20, 20, 20, 1, D4M_CODEC_LZ4);
    uint32_t rid = table_id(&f, "R"), zid = table_id(&f, "Z"), lid = table_id(&f, "L");
    size_t n = 22 * 22 * 22, raw = n * 2;
    unsigned char *sh = malloc(raw);
    size_t cap = ZSTD_compressBound(raw) + 2;
    unsigned char *out = malloc(cap);
    d4m_buf val = { NULL, 0, 0 };
    int replaced = 0;
    /* 2 x 2 x 3 bricks: rows bz*2 + by + 1, cols bx + 1 */
    for (int64_t row = 1; row <= 4; row++)
        for (int64_t col = 1; col <= 3; col++) {
            get_brick(&f, &val, rid, row, col);
            cr_assert_eq(val.len, 2 + raw);
            cr_assert_eq(val.p[1], 'R');
            shuffle_all(sh, (const unsigned char *)val.p + 2, n, 2);
            out[0] = 's';
            out[1] = 'L';
            int c = LZ4_compress_default((const char *)sh, (char *)out + 2, (int)raw,
                                         (int)cap - 2);
            cr_assert_gt(c, 0);
            put_brick(&f, lid, row, col, out, (size_t)c + 2);
            if ((row + col) % 2) {
                out[1] = 'Z';
                size_t z = ZSTD_compress(out + 2, cap - 2, sh, raw, 3);
                cr_assert(!ZSTD_isError(z));
                put_brick(&f, zid, row, col, out, z + 2);
                replaced++;
            }
        }
    cr_assert_eq(replaced, 6);
    get_brick(&f, &val, zid, 1, 1);
    cr_assert_eq(val.p[1], 'z');    /* this one kept format 2 */
    get_brick(&f, &val, zid, 1, 2);
    cr_assert_eq(val.p[1], 'Z');
    const char *names[2] = { "Z", "L" };
    for (int i = 0; i < 2; i++) {
        d4m_volume *v = vopen(&f, names[i]);
        check_edges(v, &s, 4242u + (unsigned)i, 20);
        d4m_volume_close(v);
    }
    d4m__buf_free(&val);
    free(sh);
    free(out);
    fx_free(&f);
}

/* A damaged brick is D4M_ECORRUPT for a box that needs the damage, and
 * never a crash; a box that needs only intact sub-blocks still reads. */
Test(volume_subblock, damaged_bricks_fail_cleanly)
{
    fixture f = fx_new();
    img_spec s = { 16, 40, 40, 40, 1, 32768, 0, 0, 1, 0 };
    const char *path = fx_path(&f, "v.fits");
    write_image(path, &s);
    ingest3(&f, "Z", path, 20, 20, 20, 0, D4M_CODEC_ZSTD);   /* sub-blocks 16 + 4 */
    ingest3(&f, "L", path, 20, 20, 20, 0, D4M_CODEC_LZ4);
    d4m_box first = { 0, 3, 0, 3, 0, 3 };        /* sub-block 0 of brick (0, 0, 0) */
    d4m_box last = { 16, 19, 16, 19, 16, 19 };   /* sub-block 7 of the same brick */
    const char *names[2] = { "Z", "L" };
    d4m_buf good = { NULL, 0, 0 };
    for (int t = 0; t < 2; t++) {
        uint32_t id = table_id(&f, names[t]);
        get_brick(&f, &good, id, 1, 1);
        size_t len = good.len, ns = 8;
        cr_assert_eq(be32_at((unsigned char *)good.p + 8 + 4 * 7), len - 8 - 4 * ns);
        unsigned char *bad = malloc(len + 1);
        for (int c = 0; c < 8; c++) {
            size_t blen = len;
            memcpy(bad, good.p, len);
            int sub0_only = 0;
            switch (c) {
            case 0: blen = 7; break;                               /* no header */
            case 1: bad[2] = 0; bad[3] = 0; break;                 /* edge 0 */
            case 2: bad[7] = 21; break;                            /* edge past the brick */
            case 3: bad[len] = 0; blen = len + 1; break;           /* last end != length */
            case 4: blen = 8 + 4 * 7; break;                       /* table cut short */
            case 5: memcpy(bad + 8, bad + 8 + 4 * 6, 4); break;    /* ends go backwards */
            case 6: bad[1] = 'q'; break;                           /* unknown codec */
            case 7:                                                /* sub-block 0's bytes */
                memset(bad + 8 + 4 * ns, 0xEE, be32_at(bad + 8));
                sub0_only = 1;
                break;
            }
            put_brick(&f, id, 1, 1, bad, blen);
            d4m_volume *v = vopen(&f, names[t]);
            short buf[64];
            CHECK_FAILS(d4m_volume_read_box(buf, v, &first), D4M_ECORRUPT);
            d4m_box all = whole(&s);
            short *big = malloc(40 * 40 * 40 * sizeof *big);
            CHECK_FAILS(d4m_volume_read_box(big, v, &all), D4M_ECORRUPT);
            free(big);
            if (sub0_only)
                check_box(v, &s, last);
            check_box(v, &s, (d4m_box){ 20, 39, 0, 39, 0, 39 });   /* other bricks */
            d4m_volume_close(v);
        }
        put_brick(&f, id, 1, 1, good.p, good.len);
        d4m_volume *v = vopen(&f, names[t]);
        check_box(v, &s, whole(&s));
        d4m_volume_close(v);
        free(bad);
    }
    d4m__buf_free(&good);
    fx_free(&f);
}

/* ------------------------------------------------------------- stacks */

static void write_stack(fixture *f, img_spec *s, int nz, const char **paths)
{
    /* slice z holds pixels z*nx*ny .. of the cube pattern */
    for (int z = 0; z < nz; z++) {
        char name[32];
        snprintf(name, sizeof name, "slice%03d.fits", z);
        paths[z] = strdup(fx_path(f, name));
        int st = 0;
        fitsfile *ff;
        long naxes[2] = { s->nx, s->ny };
        fits_create_file(&ff, paths[z], &st);
        fits_create_img(ff, s->bitpix, 2, naxes, &st);
        size_t n = (size_t)(s->nx * s->ny);
        double *raw = malloc(n * sizeof *raw);
        for (size_t i = 0; i < n; i++)
            raw[i] = raw_of(s->bitpix, (size_t)z * n + i);
        long first[2] = { 1, 1 };
        fits_write_pix(ff, TDOUBLE, first, (LONGLONG)n, raw, &st);
        fits_close_file(ff, &st);
        FITS_OK(st);
        free(raw);
    }
}

Test(volume_stack, slices_make_one_volume)
{
    fixture f = fx_new();
    img_spec s = { 16, 9, 7, 6, 1, 0, 0, 0, 1, 0 };
    const char *paths[6];
    write_stack(&f, &s, 6, paths);
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    CHECK_OK(d4m_volume_ingest_fits(f.t.db, "T", paths, 6, &o));
    o.layout = D4M_VOLUME_BRICKS;
    o.brick[0] = 2; o.brick[1] = 4; o.brick[2] = 4;
    o.codec = D4M_CODEC_LZ4;
    CHECK_OK(d4m_volume_ingest_fits(f.t.db, "B", paths, 6, &o));
    /* the parallel hook: ranges in any order, then one commit */
    d4m_volume_load *ld;
    CHECK_OK(d4m_volume_load_begin(&ld, f.t.db, "P", paths, 6, &o));
    CHECK_OK(d4m_volume_load_slices(ld, 4, 6));
    CHECK_OK(d4m_volume_load_slices(ld, 0, 2));
    CHECK_FAILS(d4m_volume_load_slices(ld, 1, 3), D4M_EINVAL);   /* not brick-aligned */
    CHECK_FAILS(d4m_volume_load_commit(ld), D4M_EINVAL);         /* 2, 3 missing */
    d4m_volume *pv = NULL;
    CHECK_FAILS(d4m_volume_open(&pv, f.t.db, "P"), D4M_ENOTFOUND);   /* not yet a volume */
    CHECK_OK(d4m_volume_load_slices(ld, 2, 4));
    CHECK_FAILS(d4m_volume_load_slices(ld, 2, 4), D4M_EINVAL);   /* twice */
    CHECK_OK(d4m_volume_load_commit(ld));
    d4m_volume_load_free(ld);
    const char *names[3] = { "T", "B", "P" };
    for (int i = 0; i < 3; i++) {
        d4m_volume *v = vopen(&f, names[i]);
        d4m_volume_info info;
        CHECK_OK(d4m_volume_info_get(&info, v));
        cr_assert_eq(info.nz, 6);
        check_box(v, &s, whole(&s));
        check_box(v, &s, (d4m_box){ 1, 4, 2, 5, 3, 8 });
        d4m_volume_close(v);
    }
    for (int z = 0; z < 6; z++)
        free((char *)paths[z]);
    fx_free(&f);
}

/* ------------------------------------------------------------- faults */

static size_t ntables(fixture *f)
{
    char **names;
    size_t n;
    CHECK_OK(d4m_db_list(&names, &n, f->t.db));
    d4m_free(names);
    return n;
}

Test(volume_fault, box_out_of_range)
{
    fixture f = fx_new();
    img_spec s = { 16, 6, 5, 4, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "v.fits"), &s);
    ingest(&f, "B", fx_path(&f, "v.fits"), D4M_VOLUME_BRICKS, 4, 0, D4M_CODEC_RAW, 0);
    d4m_volume *v = vopen(&f, "B");
    short buf[1024];
    d4m_box bad[5] = { { 0, 4, 0, 4, 0, 5 }, { -1, 0, 0, 0, 0, 0 }, { 0, 0, 0, 5, 0, 0 },
                       { 0, 0, 0, 0, 0, 6 }, { 2, 1, 0, 0, 0, 0 } };
    for (int i = 0; i < 5; i++)
        CHECK_FAILS(d4m_volume_read_box(buf, v, &bad[i]), D4M_EINVAL);
    cr_assert(strstr(d4m_error_message(), "not inside the volume z 0:3 y 0:4 x 0:5"),
              "%s", d4m_error_message());
    d4m_assoc *a = NULL;
    CHECK_FAILS(d4m_volume_read_assoc(&a, v, &bad[0]), D4M_EINVAL);
    cr_assert_null(a);
    CHECK_FAILS(d4m_volume_write_fits(v, &bad[3], fx_path(&f, "o.fits")), D4M_EINVAL);
    struct stat st;
    cr_assert_neq(stat(fx_path(&f, "o.fits"), &st), 0, "a file was left");
    CHECK_OK(d4m_volume_write_fits(v, NULL, fx_path(&f, "o.fits")));
    CHECK_FAILS(d4m_volume_write_fits(v, NULL, fx_path(&f, "o.fits")), D4M_EEXISTS);
    /* File names are taken as they are, not as cfitsio's extended syntax:
     * "!name" does not overwrite name, and "[...]" is part of a name. */
    const char *keep = fx_path(&f, "keep.txt");
    FILE *k = fopen(keep, "w");
    cr_assert_not_null(k);
    fputs("precious\n", k);
    fclose(k);
    char bang[300];
    snprintf(bang, sizeof bang, "!%s", keep);
    cr_assert_neq(d4m_volume_write_fits(v, NULL, bang), 0, "\"!name\" was written");
    k = fopen(keep, "r");
    char line[32] = "";
    cr_assert_not_null(fgets(line, sizeof line, k));
    fclose(k);
    cr_assert_str_eq(line, "precious\n", "the file was overwritten");
    CHECK_OK(d4m_volume_write_fits(v, NULL, fx_path(&f, "o[1].fits")));
    cr_assert_eq(stat(fx_path(&f, "o[1].fits"), &st), 0, "no file named o[1].fits");
    d4m_volume_close(v);
    fx_free(&f);
}

/* A file of random bytes: a D4M_EFITS error whose message is printable
 * (cfitsio quotes the bytes it read). */
Test(volume_fault, garbage_message_is_printable)
{
    fixture f = fx_new();
    const char *p = fx_path(&f, "g.fits");
    FILE *g = fopen(p, "wb");
    cr_assert_not_null(g);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 2880; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        fputc((int)(x & 0xff), g);
    }
    fclose(g);
    one[0] = p;
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "G", one, 1, NULL), D4M_EFITS);
    for (const char *m = d4m_error_message(); *m; m++)
        cr_assert((unsigned char)*m >= 0x20 && (unsigned char)*m < 0x7f,
                  "byte 0x%02x in the message", (unsigned char)*m);
    fx_free(&f);
}

Test(volume_fault, truncated_writes_nothing)
{
    fixture f = fx_new();
    img_spec s = { 16, 64, 64, 8, 1, 0, 0, 0, 1, 0 };
    const char *p = fx_path(&f, "t.fits");
    write_image(p, &s);
    cr_assert_eq(truncate(p, 2880 * 8), 0);
    one[0] = p;
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, &o), D4M_EFITS);
    cr_assert(strstr(d4m_error_message(), "t.fits"), "%s", d4m_error_message());
    o.layout = D4M_VOLUME_BRICKS;
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "B", one, 1, &o), D4M_EFITS);
    cr_assert_eq(ntables(&f), 0);
    /* the names are free again */
    img_spec ok = { 16, 4, 4, 2, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "ok.fits"), &ok);
    ingest(&f, "T", fx_path(&f, "ok.fits"), D4M_VOLUME_TRIPLES, 0, 0, D4M_CODEC_RAW, 0);
    cr_assert_eq(ntables(&f), 1);
    fx_free(&f);
}

Test(volume_fault, corrupt_and_missing_files)
{
    fixture f = fx_new();
    const char *p = fx_path(&f, "junk.fits");
    FILE *fp = fopen(p, "wb");
    for (int i = 0; i < 5760; i++)
        fputc("NOT A FITS FILE "[i % 16], fp);
    fclose(fp);
    one[0] = p;
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, NULL), D4M_EFITS);
    one[0] = fx_path(&f, "absent.fits");
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, NULL), D4M_EFITS);
    cr_assert(strstr(d4m_error_message(), "absent.fits"), "%s", d4m_error_message());
    cr_assert_eq(ntables(&f), 0);
    fx_free(&f);
}

Test(volume_fault, unsupported_shapes)
{
    fixture f = fx_new();
    int st = 0;
    fitsfile *ff;
    long n1[1] = { 10 }, n4[4] = { 2, 2, 2, 2 };
    short pix[16] = { 0 };
    long first[4] = { 1, 1, 1, 1 };
    fits_create_file(&ff, fx_path(&f, "1d.fits"), &st);
    fits_create_img(ff, 16, 1, n1, &st);
    fits_write_pix(ff, TSHORT, first, 10, pix, &st);
    fits_close_file(ff, &st);
    fits_create_file(&ff, fx_path(&f, "4d.fits"), &st);
    fits_create_img(ff, 16, 4, n4, &st);
    fits_write_pix(ff, TSHORT, first, 16, pix, &st);
    fits_close_file(ff, &st);
    FITS_OK(st);
    one[0] = fx_path(&f, "1d.fits");
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, NULL), D4M_EFITS);
    cr_assert(strstr(d4m_error_message(), "NAXIS = 1"), "%s", d4m_error_message());
    one[0] = fx_path(&f, "4d.fits");
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, NULL), D4M_EFITS);
    /* slices of a stack that disagree */
    img_spec a = { 16, 4, 4, 0, 1, 0, 0, 0, 1, 0 }, b = { 16, 5, 4, 0, 1, 0, 0, 0, 1, 0 },
             c = { 32, 4, 4, 0, 1, 0, 0, 0, 1, 0 }, d = { 16, 4, 4, 3, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "a.fits"), &a);
    write_image(fx_path(&f, "b.fits"), &b);
    write_image(fx_path(&f, "c.fits"), &c);
    write_image(fx_path(&f, "d.fits"), &d);
    const char *ab[2] = { fx_path(&f, "a.fits"), fx_path(&f, "b.fits") };
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", ab, 2, NULL), D4M_EFITS);
    const char *ac[2] = { fx_path(&f, "a.fits"), fx_path(&f, "c.fits") };
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", ac, 2, NULL), D4M_EFITS);
    const char *ad[2] = { fx_path(&f, "a.fits"), fx_path(&f, "d.fits") };
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", ad, 2, NULL), D4M_EFITS);
    /* bricks whose stored size (overlap included) passes 1 GiB: refused
     * before anything is allocated (2049 x 2049 x 6144 voxels here) */
    d4m_volume_options big = D4M_VOLUME_OPTIONS_INIT;
    big.layout = D4M_VOLUME_BRICKS;
    big.brick[0] = big.brick[1] = 1;
    big.brick[2] = 4096;
    big.overlap = 1024;
    one[0] = fx_path(&f, "a.fits");
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, &big), D4M_EINVAL);
    cr_assert(strstr(d4m_error_message(), "at most 1024 MiB a brick"), "%s",
              d4m_error_message());
    big.brick[2] = 1;   /* 2049^3 voxels of 2 bytes: still too large */
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, &big), D4M_EINVAL);
    big.overlap = 0;
    big.brick[0] = big.brick[1] = big.brick[2] = 4;
    CHECK_OK(d4m_volume_ingest_fits(f.t.db, "T", one, 1, &big));
    CHECK_OK(d4m_table_drop(f.t.db, "T"));
    cr_assert_eq(ntables(&f), 0);
    fx_free(&f);
}

Test(volume_fault, bad_arguments_and_tables)
{
    fixture f = fx_new();
    img_spec s = { 16, 4, 4, 2, 1, 0, 0, 0, 1, 0 };
    write_image(fx_path(&f, "v.fits"), &s);
    one[0] = fx_path(&f, "v.fits");
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    o.codec = D4M_CODEC_LZ4;   /* triples have no codec */
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, &o), D4M_EINVAL);
    o = (d4m_volume_options)D4M_VOLUME_OPTIONS_INIT;
    o.version = 99;
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, &o), D4M_EINVAL);
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 0, NULL), D4M_EINVAL);
    CHECK_OK(d4m_volume_ingest_fits(f.t.db, "T", one, 1, NULL));
    CHECK_FAILS(d4m_volume_ingest_fits(f.t.db, "T", one, 1, NULL), D4M_EEXISTS);
    /* a table that is not a volume; a volume that was dropped */
    d4m_table_close(table_new(f.t.db, "plain", D4M_NUM, 0, 0, 1, D4M_COMBINE_NONE));
    d4m_volume *v = NULL;
    CHECK_FAILS(d4m_volume_open(&v, f.t.db, "plain"), D4M_ENOTFOUND);
    CHECK_FAILS(d4m_volume_open(&v, f.t.db, "nope"), D4M_ENOTFOUND);
    CHECK_OK(d4m_table_drop(f.t.db, "T"));
    CHECK_FAILS(d4m_volume_open(&v, f.t.db, "T"), D4M_ENOTFOUND);
    cr_assert_eq(ntables(&f), 1);
    fx_free(&f);
}

/* ------------------------------------------------------------- options */

Test(volume_options, set_by_name)
{
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    CHECK_OK(d4m_volume_options_set(&o, "hdu", "3"));
    cr_assert_eq(o.hdu, 3);
    cr_assert_eq(o.layout, D4M_VOLUME_TRIPLES, "hdu alone keeps triples");
    CHECK_OK(d4m_volume_options_set(&o, "bricks", "32"));
    cr_assert_eq(o.layout, D4M_VOLUME_BRICKS);
    cr_assert(o.brick[0] == 32 && o.brick[1] == 32 && o.brick[2] == 32);
    cr_assert_eq(o.codec, D4M_CODEC_RAW);
    CHECK_OK(d4m_volume_options_set(&o, "compress", NULL));
    cr_assert_eq(o.codec, D4M_CODEC_LZ4);
    CHECK_OK(d4m_volume_options_set(&o, "codec", "zstd"));
    cr_assert_eq(o.codec, D4M_CODEC_ZSTD);
    CHECK_OK(d4m_volume_options_set(&o, "codec", "raw"));
    cr_assert_eq(o.codec, D4M_CODEC_RAW);
    CHECK_OK(d4m_volume_options_set(&o, "overlap", "0"));
    CHECK_OK(d4m_volume_options_set(&o, "overlap", "1024"));
    cr_assert_eq(o.overlap, 1024u);
    CHECK_OK(d4m_volume_options_set(&o, "bricks", "4096"));
    cr_assert_eq(o.brick[1], 4096u);

    d4m_volume_options t = D4M_VOLUME_OPTIONS_INIT;
    CHECK_OK(d4m_volume_options_set(&t, "codec", "lz4"));
    cr_assert_eq(t.layout, D4M_VOLUME_BRICKS, "a codec implies bricks");
    cr_assert_eq(t.brick[0], 0u, "of the default edge");

    /* bad names and values leave the options as they were */
    d4m_volume_options before = o;
    static const char *bad[][2] = {
        { "bricks", "0" },     { "bricks", "4097" },  { "bricks", "" },
        { "bricks", "-1" },    { "bricks", "8x" },    { "bricks", NULL },
        { "codec", "gzip" },   { "codec", "" },       { "overlap", "1025" },
        { "overlap", "one" },  { "hdu", "0" },        { "hdu", "99999999999" },
        { "brick", "64" },     { "", "1" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_FAILS(d4m_volume_options_set(&o, bad[i][0], bad[i][1]), D4M_EINVAL);
        cr_assert(memcmp(&o, &before, sizeof o) == 0, "%s=%s changed the options", bad[i][0],
                  bad[i][1] ? bad[i][1] : "(null)");
    }
    cr_assert_not_null(strstr(d4m_error_message(), "unknown volume option"));
    CHECK_FAILS(d4m_volume_options_set(NULL, "hdu", "1"), D4M_EINVAL);
    CHECK_FAILS(d4m_volume_options_set(&o, NULL, "1"), D4M_EINVAL);
}
