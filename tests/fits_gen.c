/*
 * fits_gen.c - FITS fixtures for the Octave and command-line tests
 * (tests/octave/test_volume.m, tests/cli/run.sh), written and read with
 * cfitsio directly (Octave 7 has no fitswrite).
 *
 *   d4m-test-fits-gen cube   OUT.fits   TYPE NX NY NZ   one image (NZ 1: 2-D)
 *   d4m-test-fits-gen slices PREFIX     TYPE NX NY NZ   PREFIX000.fits ... one
 *                                                       2-D file per z
 *   d4m-test-fits-gen dump   FILE.fits                  the file's BITPIX,
 *       BZERO, NAXISn, OBJECT and CRPIX1, then every pixel (physical value,
 *       "nan" for BLANK/NaN) one per line, x fastest
 *
 * TYPE and the value of voxel (x, y, z), 0-based (tests/octave/test_volume.m
 * computes the same):
 *   u8   BITPIX 8                  (z*50 + y*7 + x) mod 256
 *   i16  BITPIX 16, BLANK -32768   z*1000 + y*30 + x - 500; voxel (1,0,0) blank
 *   u16  BITPIX 16, BZERO 32768    40000 + z*1000 + y*30 + x
 *   i32  BITPIX 32                 z*100000 + y*300 + x - 7
 *   f32  BITPIX -32                z + y/8 + x/64; voxel (2,1,0) NaN
 *   f64  BITPIX -64                z*1000.5 + y/4 + x
 * Every file also gets OBJECT = 'd4mtest', EXPTIME = 1.5 and CRPIX1 = 10.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fitsio.h>

static double value(const char *t, long x, long y, long z, int *blank)
{
    *blank = 0;
    if (!strcmp(t, "u8")) return (double)((z * 50 + y * 7 + x) % 256);
    if (!strcmp(t, "i16")) {
        *blank = x == 1 && y == 0 && z == 0;
        return (double)(z * 1000 + y * 30 + x - 500);
    }
    if (!strcmp(t, "u16")) return (double)(40000 + z * 1000 + y * 30 + x);
    if (!strcmp(t, "i32")) return (double)(z * 100000 + y * 300 + x - 7);
    if (!strcmp(t, "f32")) {
        *blank = x == 2 && y == 1 && z == 0;
        return (double)z + y / 8.0 + x / 64.0;
    }
    return z * 1000.5 + y / 4.0 + (double)x;
}

static int bitpix_of(const char *t)
{
    if (!strcmp(t, "u8")) return BYTE_IMG;
    if (!strcmp(t, "i16")) return SHORT_IMG;
    if (!strcmp(t, "u16")) return USHORT_IMG;
    if (!strcmp(t, "i32")) return LONG_IMG;
    if (!strcmp(t, "f32")) return FLOAT_IMG;
    if (!strcmp(t, "f64")) return DOUBLE_IMG;
    return 0;
}

/* Write slices [z0, z1) of the pattern as one image at path. */
static int write_image(const char *path, const char *t, long nx, long ny, long z0, long z1,
                       int naxis)
{
    fitsfile *f = NULL;
    int st = 0;
    long naxes[3] = { nx, ny, z1 - z0 };
    size_t n = (size_t)nx * (size_t)ny * (size_t)(z1 - z0);
    double *buf = malloc(n * sizeof *buf);
    if (!buf) return 1;
    size_t k = 0;
    for (long z = z0; z < z1; z++)
        for (long y = 0; y < ny; y++)
            for (long x = 0; x < nx; x++, k++) {
                int blank;
                double v = value(t, x, y, z, &blank);
                buf[k] = blank ? (strcmp(t, "i16") ? NAN : -32768.0) : v;
            }
    long fpixel[3] = { 1, 1, 1 };
    fits_create_file(&f, path, &st);
    fits_create_img(f, bitpix_of(t), naxis, naxes, &st);
    if (!strcmp(t, "i16")) {
        long blank = -32768;
        fits_write_key(f, TLONG, "BLANK", &blank, "blank pixels", &st);
    }
    fits_write_key(f, TSTRING, "OBJECT", "d4mtest", "test pattern", &st);
    double exptime = 1.5, crpix = 10;
    fits_write_key(f, TDOUBLE, "EXPTIME", &exptime, "seconds", &st);
    fits_write_key(f, TDOUBLE, "CRPIX1", &crpix, NULL, &st);
    fits_write_pix(f, TDOUBLE, fpixel, (LONGLONG)n, buf, &st);
    fits_close_file(f, &st);
    free(buf);
    if (st) {
        fits_report_error(stderr, st);
        return 1;
    }
    return 0;
}

static int dump(const char *path)
{
    fitsfile *f = NULL;
    int st = 0, bitpix = 0, naxis = 0, anynul = 0;
    long naxes[3] = { 1, 1, 1 };
    double bzero = 0, crpix = 0, nul = NAN;
    char object[FLEN_VALUE] = "";
    fits_open_image(&f, path, READONLY, &st);
    fits_get_img_type(f, &bitpix, &st);
    fits_get_img_dim(f, &naxis, &st);
    fits_get_img_size(f, 3, naxes, &st);
    if (st) {
        fits_report_error(stderr, st);
        return 1;
    }
    if (fits_read_key(f, TDOUBLE, "BZERO", &bzero, NULL, &st)) st = 0, bzero = 0;
    if (fits_read_key(f, TSTRING, "OBJECT", object, NULL, &st)) st = 0, object[0] = 0;
    if (fits_read_key(f, TDOUBLE, "CRPIX1", &crpix, NULL, &st)) st = 0, crpix = 0;
    printf("bitpix %d\nbzero %g\nnaxis %d", bitpix, bzero, naxis);
    for (int i = 0; i < naxis; i++) printf(" %ld", naxes[i]);
    printf("\nobject %s\ncrpix1 %g\n", object, crpix);
    size_t n = 1;
    for (int i = 0; i < naxis; i++) n *= (size_t)naxes[i];
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    long fpixel[3] = { 1, 1, 1 };
    if (!buf) return 1;
    fits_read_pix(f, TDOUBLE, fpixel, (LONGLONG)n, &nul, buf, &anynul, &st);
    fits_close_file(f, &st);
    if (st) {
        fits_report_error(stderr, st);
        free(buf);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(buf[i])) printf("nan\n");
        else printf("%.17g\n", buf[i]);
    }
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "dump"))
        return dump(argv[2]);
    if (argc != 7 || !bitpix_of(argv[3])) {
        fprintf(stderr, "usage: d4m-test-fits-gen cube|slices OUT TYPE NX NY NZ\n"
                        "       d4m-test-fits-gen dump FILE\n");
        return 2;
    }
    long nx = atol(argv[4]), ny = atol(argv[5]), nz = atol(argv[6]);
    if (nx < 1 || ny < 1 || nz < 1) return 2;
    if (!strcmp(argv[1], "cube"))
        return write_image(argv[2], argv[3], nx, ny, 0, nz, nz > 1 ? 3 : 2);
    if (!strcmp(argv[1], "slices")) {
        char path[4096];
        for (long z = 0; z < nz; z++) {
            snprintf(path, sizeof path, "%s%03ld.fits", argv[2], z);
            if (write_image(path, argv[3], nx, ny, z, z + 1, 2)) return 1;
        }
        return 0;
    }
    return 2;
}
