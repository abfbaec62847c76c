/*
 * d4m/volume.c - volumes: FITS in (cfitsio), volume tables of triples or
 * bricks, box reads into dense buffers, Assocs and FITS files.
 *
 * The store side.  A volume is an ordinary integer-keyed table of the
 * catalog (so it lists and drops like any other) whose triples are either
 * voxels or bricks (include/d4m/volume.h), plus a volume record under the
 * catalog's table id 0:
 *   0 | 'v' | id(table, 4 bytes big-endian)  ->  vol_record (below)
 * keyed by id, not name: ids are never reused, so a record can never be
 * mistaken for that of a later table of the same name.  d4m_table_drop
 * deletes it with the table.
 *
 * Loading.  Slices are read with cfitsio and written as sorted files (one
 * or more per range of slices, never overlapping); the commit ingests them
 * together with a sorted file holding the volume record, in one atomic
 * RocksDB ingest.  Before the commit the table exists but is no volume (it
 * has no record), and a failed load drops it.
 *
 * Voxel triples are written to sorted files whose blocks are LZ4-compressed
 * (whatever the store's own setting); compressed bricks to files that are not
 * compressed again.  Both are ordinary files of the store once ingested.
 *
 * Reading.  Boxes are read through one kv iterator per thread: for triples
 * one seek per (z, y) line of the box, then x in key order (boxes of 8
 * lines a slice or more read ahead over the span of a slice's lines);
 * for bricks one seek per (bz, by) row of bricks, then the bricks of that
 * row in key order, copying from the stored value in place (raw) or from
 * the decompressed, still byte-shuffled sub-blocks the box overlaps
 * (compressed; the brick formats are described at encode_brick).
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fitsio.h>
#include <lz4.h>
#include <pthread.h>
#include <zstd.h>
#include "store.h"
#include "d4m/volume.h"

#define REC_VERSION 1
#define CARD 80
#define FILE_BYTES (256u << 20)   /* start a new sorted file past this much */
#define ZSTD_LEVEL 3
#define MAX_BRICK_BYTES ((size_t)1 << 30)   /* a stored brick, overlap included */

/* --------------------------------------------------------------- types */

size_t d4m_dtype_size(d4m_dtype t)
{
    static const size_t sz[] = { 1, 1, 2, 2, 4, 4, 8, 8, 4, 8 };
    return (unsigned)t <= D4M_F64 ? sz[t] : 0;
}

const char *d4m_dtype_name(d4m_dtype t)
{
    static const char *const nm[] = { "u8", "i8", "u16", "i16", "u32", "i32",
                                      "u64", "i64", "f32", "f64" };
    return (unsigned)t <= D4M_F64 ? nm[t] : "?";
}

static int cfitsio_type(d4m_dtype t)
{
    static const int ty[] = { TBYTE, TSBYTE, TUSHORT, TSHORT, TUINT, TINT,
                              TULONGLONG, TLONGLONG, TFLOAT, TDOUBLE };
    return ty[t];
}

static int is_float(d4m_dtype t) { return t == D4M_F32 || t == D4M_F64; }

/* voxel i of p (type t) as a double */
static double get_num(const void *p, size_t i, d4m_dtype t)
{
    switch (t) {
    case D4M_U8: return ((const uint8_t *)p)[i];
    case D4M_I8: return ((const int8_t *)p)[i];
    case D4M_U16: return ((const uint16_t *)p)[i];
    case D4M_I16: return ((const int16_t *)p)[i];
    case D4M_U32: return ((const uint32_t *)p)[i];
    case D4M_I32: return ((const int32_t *)p)[i];
    case D4M_U64: return (double)((const uint64_t *)p)[i];
    case D4M_I64: return (double)((const int64_t *)p)[i];
    case D4M_F32: return ((const float *)p)[i];
    case D4M_F64: return ((const double *)p)[i];
    }
    return 0;
}

static void set_num(void *p, size_t i, d4m_dtype t, double v)
{
    switch (t) {
    case D4M_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case D4M_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case D4M_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case D4M_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case D4M_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case D4M_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case D4M_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
    case D4M_I64: ((int64_t *)p)[i] = (int64_t)v; break;
    case D4M_F32: ((float *)p)[i] = (float)v; break;
    case D4M_F64: ((double *)p)[i] = v; break;
    }
}

/* n copies of the es-byte value v at p */
static void fill_bytes(void *p, size_t n, const unsigned char *v, size_t es)
{
    unsigned char *q = p;
    int zero = 1;
    for (size_t k = 0; k < es; k++)
        zero &= v[k] == 0;
    if (zero) {
        memset(p, 0, n * es);
        return;
    }
    for (size_t i = 0; i < n; i++, q += es)
        memcpy(q, v, es);
}

uint64_t d4m_box_voxels(const d4m_box *b)
{
    if (!b || b->z1 < b->z0 || b->y1 < b->y0 || b->x1 < b->x0)
        return 0;
    /* Edges in unsigned arithmetic (an edge of 2^64 wraps to 0: saturate),
     * the product saturated at UINT64_MAX. */
    uint64_t e[3] = { (uint64_t)b->z1 - (uint64_t)b->z0 + 1, (uint64_t)b->y1 - (uint64_t)b->y0 + 1,
                      (uint64_t)b->x1 - (uint64_t)b->x0 + 1 };
    uint64_t n = 1;
    for (int i = 0; i < 3; i++)
        if (e[i] == 0 || __builtin_mul_overflow(n, e[i], &n))
            return UINT64_MAX;
    return n;
}

/* ------------------------------------------------------- volume record */

typedef struct vol_record {
    uint32_t id;                  /* the table's */
    d4m_volume_layout layout;
    d4m_dtype dtype;
    int64_t nz, ny, nx;
    unsigned brick[3], overlap;
    d4m_volume_codec codec;
    int bitpix;
    double bscale, bzero;
    int has_blank;
    int64_t blank;
    unsigned char fill[8];        /* the fill value, in dtype */
    size_t ncards;
    char *cards;                  /* ncards * 80 */
} vol_record;

static void put_u32(d4m_buf *b, uint32_t v) { d4m_kv__put_table_id(b, v); }

static int put_u64(d4m_buf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 7; i >= 0; i--, v >>= 8)
        x[i] = (unsigned char)v;
    return d4m__buf_put(b, x, 8);
}

static int put_f64(d4m_buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    return put_u64(b, v);
}

typedef struct { const unsigned char *p, *end; int bad; } reader;

static uint64_t rd(reader *r, int n)
{
    if (r->end - r->p < n) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | *r->p++;
    return v;
}

static double rd_f64(reader *r)
{
    uint64_t v = rd(r, 8);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static int rec_encode(d4m_buf *b, const vol_record *r)
{
    D4M_TRY(d4m__buf_put(b, "D4MV", 4));
    put_u32(b, REC_VERSION);
    put_u32(b, r->id);
    put_u32(b, (uint32_t)r->layout);
    put_u32(b, (uint32_t)r->dtype);
    put_u64(b, (uint64_t)r->nz);
    put_u64(b, (uint64_t)r->ny);
    put_u64(b, (uint64_t)r->nx);
    for (int i = 0; i < 3; i++)
        put_u32(b, r->brick[i]);
    put_u32(b, r->overlap);
    put_u32(b, (uint32_t)r->codec);
    put_u32(b, (uint32_t)r->bitpix);
    put_f64(b, r->bscale);
    put_f64(b, r->bzero);
    put_u32(b, (uint32_t)r->has_blank);
    put_u64(b, (uint64_t)r->blank);
    D4M_TRY(d4m__buf_put(b, r->fill, 8));
    put_u32(b, (uint32_t)r->ncards);
    return d4m__buf_put(b, r->cards ? r->cards : "", r->ncards * CARD);
}

static int rec_decode(vol_record *r, const char *p, size_t n)
{
    memset(r, 0, sizeof *r);
    reader q = { (const unsigned char *)p, (const unsigned char *)p + n, 0 };
    if (n < 8 || memcmp(p, "D4MV", 4) != 0)
        goto bad;
    q.p += 4;
    if (rd(&q, 4) != REC_VERSION)
        goto bad;
    r->id = (uint32_t)rd(&q, 4);
    uint32_t layout = (uint32_t)rd(&q, 4), dtype = (uint32_t)rd(&q, 4);
    r->nz = (int64_t)rd(&q, 8);
    r->ny = (int64_t)rd(&q, 8);
    r->nx = (int64_t)rd(&q, 8);
    for (int i = 0; i < 3; i++)
        r->brick[i] = (unsigned)rd(&q, 4);
    r->overlap = (unsigned)rd(&q, 4);
    uint32_t codec = (uint32_t)rd(&q, 4);
    r->bitpix = (int)(int32_t)rd(&q, 4);
    r->bscale = rd_f64(&q);
    r->bzero = rd_f64(&q);
    r->has_blank = (int)rd(&q, 4);
    r->blank = (int64_t)rd(&q, 8);
    if (q.end - q.p < 8)
        goto bad;
    memcpy(r->fill, q.p, 8);
    q.p += 8;
    uint64_t nc = rd(&q, 4);
    if (q.bad || layout > D4M_VOLUME_BRICKS || dtype > D4M_F64 || codec > D4M_CODEC_ZSTD ||
        r->nz < 1 || r->ny < 1 || r->nx < 1 || (uint64_t)(q.end - q.p) != nc * CARD)
        goto bad;
    if (layout == D4M_VOLUME_BRICKS && (!r->brick[0] || !r->brick[1] || !r->brick[2]))
        goto bad;
    r->layout = (d4m_volume_layout)layout;
    r->dtype = (d4m_dtype)dtype;
    r->codec = (d4m_volume_codec)codec;
    r->ncards = (size_t)nc;
    r->cards = d4m__malloc(nc * CARD + 1);
    if (!r->cards)
        return D4M_ENOMEM;
    memcpy(r->cards, q.p, nc * CARD);
    return 0;
bad:
    return d4m__error(D4M_ECORRUPT, "a volume record of the catalog is damaged");
}

static void rec_key(d4m_buf *k, uint32_t id)
{
    k->len = 0;
    d4m_kv__put_table_id(k, 0);
    d4m__buf_put(k, "v", 1);
    d4m_kv__put_table_id(k, id);
}

/* Bricks along each axis. */
static int64_t nbricks(int64_t n, unsigned b) { return (n + b - 1) / b; }

/* The stored key of the triple (row, col) of table id: id | int(row) | int(col),
 * written into k (20 bytes). */
static void triple_key(unsigned char *k, uint32_t id, int64_t row, int64_t col)
{
    k[0] = (unsigned char)(id >> 24);
    k[1] = (unsigned char)(id >> 16);
    k[2] = (unsigned char)(id >> 8);
    k[3] = (unsigned char)id;
    uint64_t u = (uint64_t)row ^ 0x8000000000000000ull, w = (uint64_t)col ^ 0x8000000000000000ull;
    for (int i = 7; i >= 0; i--, u >>= 8, w >>= 8) {
        k[4 + i] = (unsigned char)u;
        k[12 + i] = (unsigned char)w;
    }
}

static int64_t key_int(const char *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | (unsigned char)p[i];
    return (int64_t)(u ^ 0x8000000000000000ull);
}

/* ------------------------------------------------------------------ FITS */

/* A D4M_EFITS error naming the file, with cfitsio's reason. */
static int fits_fail(int status, const char *path, const char *what)
{
    char text[FLEN_STATUS] = "", msg[FLEN_ERRMSG] = "", all[400] = "";
    size_t used = 0;
    fits_get_errstatus(status, text);
    /* cfitsio's message stack, oldest first, joined */
    while (fits_read_errmsg(msg)) {
        int n = snprintf(all + used, sizeof all - used, "%s%s", used ? "; " : "", msg);
        if (n > 0 && (size_t)n < sizeof all - used)
            used += (size_t)n;
    }
    /* cfitsio quotes what it read, which may be any bytes of a damaged file */
    for (size_t i = 0; i < used; i++)
        if ((unsigned char)all[i] < 0x20 || (unsigned char)all[i] >= 0x7f)
            all[i] = '?';
    return d4m__error(D4M_EFITS, "%s: %s: %s%s%s%s", path, what, text, used ? " (" : "",
                      all, used ? ")" : "");
}

/* What the header of one image HDU says. */
typedef struct fits_src {
    int naxis;
    int64_t nz, ny, nx;
    int bitpix, equiv;
    double bscale, bzero;
    int has_blank;
    int64_t blank;
} fits_src;

/* The HDU n of a name ending in "[n]" (n decimal, 0 the primary): the
 * length of the file name before it, or 0 if the name has no such end. */
static size_t hdu_suffix(const char *path, int *n)
{
    size_t len = strlen(path);
    if (len < 4 || path[len - 1] != ']')
        return 0;
    size_t i = len - 1;   /* at ']' */
    while (i > 0 && path[i - 1] >= '0' && path[i - 1] <= '9')
        i--;
    size_t digits = len - 1 - i;
    if (digits == 0 || digits > 5 || i < 2 || path[i - 1] != '[')
        return 0;
    *n = atoi(path + i);
    return i - 1;
}

/* Open path at the HDU asked for: hdu >= 1 that HDU; 0 the one named in the
 * file name ("f.fits[2]", 0 the primary), else the first HDU with an image.
 * The name is taken as it is (fits_open_diskfile): cfitsio's extended syntax
 * could write files ("f.fits(out.fits)") or open URLs.  Only a trailing [n]
 * is read, when path itself is no file. */
static int fits_open(fitsfile **f, const char *path, int hdu)
{
    int st = 0;
    *f = NULL;
    char *name = NULL;
    struct stat sb;
    int n = 0;
    size_t plen = 0;
    if (hdu == 0 && stat(path, &sb) != 0 && (plen = hdu_suffix(path, &n)) > 0) {
        name = strndup(path, plen);
        if (!name)
            return D4M_ENOMEM;
        hdu = n + 1;
    }
    if (fits_open_diskfile(f, name ? name : path, READONLY, &st) == 0) {
        if (hdu > 0) {
            fits_movabs_hdu(*f, hdu, NULL, &st);
        } else {
            /* The first HDU with an image: the primary array, or the first
             * image extension after an empty one. */
            int naxis = 0, type = IMAGE_HDU;
            fits_get_img_dim(*f, &naxis, &st);
            while (!st && naxis == 0) {
                fits_movrel_hdu(*f, 1, &type, &st);
                if (!st && type == IMAGE_HDU)
                    fits_get_img_dim(*f, &naxis, &st);
            }
        }
    }
    free(name);
    if (st) {
        int rc = fits_fail(st, path, hdu > 0 ? "cannot open that HDU" : "cannot open");
        if (*f) {
            int s2 = 0;
            fits_close_file(*f, &s2);
        }
        *f = NULL;
        return rc;
    }
    return 0;
}

static void fits_close(fitsfile *f)
{
    int st = 0;
    if (f)
        fits_close_file(f, &st);
}

static int dtype_of_equiv(d4m_dtype *t, int equiv)
{
    switch (equiv) {
    case BYTE_IMG: *t = D4M_U8; return 0;
    case SBYTE_IMG: *t = D4M_I8; return 0;
    case USHORT_IMG: *t = D4M_U16; return 0;
    case SHORT_IMG: *t = D4M_I16; return 0;
    case ULONG_IMG: *t = D4M_U32; return 0;
    case LONG_IMG: *t = D4M_I32; return 0;
    case ULONGLONG_IMG: *t = D4M_U64; return 0;
    case LONGLONG_IMG: *t = D4M_I64; return 0;
    case FLOAT_IMG: *t = D4M_F32; return 0;
    case DOUBLE_IMG: *t = D4M_F64; return 0;
    }
    return -1;
}

static int fits_header(fits_src *s, fitsfile *f, const char *path)
{
    int st = 0, type = 0;
    memset(s, 0, sizeof *s);
    fits_get_hdu_type(f, &type, &st);
    if (st)
        return fits_fail(st, path, "cannot read the header");
    if (type != IMAGE_HDU)
        return d4m__error(D4M_EFITS, "%s: the HDU is a table, not an image", path);
    long naxes[3] = { 1, 1, 1 };
    fits_get_img_param(f, 3, &s->bitpix, &s->naxis, naxes, &st);
    if (st)
        return fits_fail(st, path, "bad image header");
    if (s->naxis < 2 || s->naxis > 3)
        return d4m__error(D4M_EFITS, "%s: NAXIS = %d; a volume needs 2 or 3 axes", path,
                          s->naxis);
    if (naxes[0] < 1 || naxes[1] < 1 || naxes[2] < 1)
        return d4m__error(D4M_EFITS, "%s: an axis has no pixels", path);
    s->nx = naxes[0];
    s->ny = naxes[1];
    s->nz = naxes[2];
    fits_get_img_equivtype(f, &s->equiv, &st);
    s->bscale = 1;
    s->bzero = 0;
    int k = 0;
    if (fits_read_key_dbl(f, "BSCALE", &s->bscale, NULL, &k) == KEY_NO_EXIST)
        s->bscale = 1;
    k = 0;
    if (fits_read_key_dbl(f, "BZERO", &s->bzero, NULL, &k) == KEY_NO_EXIST)
        s->bzero = 0;
    k = 0;
    LONGLONG blank = 0;
    fits_read_key_lnglng(f, "BLANK", &blank, NULL, &k);
    if (k == 0 && s->bitpix > 0) {
        s->has_blank = 1;
        s->blank = blank;
    }
    fits_clear_errmsg();   /* the misses of optional keys above */
    if (st)
        return fits_fail(st, path, "bad image header");
    if (!isfinite(s->bscale) || !isfinite(s->bzero) || s->bscale == 0)
        return d4m__error(D4M_EFITS, "%s: BSCALE/BZERO are not usable numbers", path);
    d4m_dtype t;
    if (dtype_of_equiv(&t, s->equiv))
        return d4m__error(D4M_EFITS, "%s: unsupported BITPIX %d", path, s->bitpix);
    return 0;
}

static int structural(const char *name)
{
    static const char *const skip[] = { "SIMPLE", "XTENSION", "BITPIX", "NAXIS", "EXTEND",
                                        "PCOUNT", "GCOUNT", "BSCALE", "BZERO", "BLANK",
                                        "CHECKSUM", "DATASUM", "END", NULL };
    for (int i = 0; skip[i]; i++)
        if (strcmp(name, skip[i]) == 0)
            return 1;
    if (strncmp(name, "NAXIS", 5) == 0)
        return 1;
    return 0;
}

/* The cards of the current HDU that are not its data's structure. */
static int fits_cards(d4m_buf *out, size_t *n, fitsfile *f, const char *path)
{
    int st = 0, nkeys = 0;
    *n = 0;
    fits_get_hdrspace(f, &nkeys, NULL, &st);
    for (int i = 1; i <= nkeys && !st; i++) {
        char card[FLEN_CARD] = "", name[FLEN_KEYWORD] = "";
        int len = 0;
        if (fits_read_record(f, i, card, &st))
            break;
        fits_get_keyname(card, name, &len, &st);
        if (st)
            break;
        if (structural(name))
            continue;
        char padded[CARD];
        size_t cl = strlen(card);
        memset(padded, ' ', CARD);
        memcpy(padded, card, cl > CARD ? CARD : cl);
        D4M_TRY(d4m__buf_put(out, padded, CARD));
        (*n)++;
    }
    if (st)
        return fits_fail(st, path, "cannot read the header cards");
    return 0;
}

/* Read nplanes planes from plane z (0-based) of the open image into buf
 * (type t), absent pixels set to the fill value.  nulls is scratch of one
 * byte per pixel. */
static int fits_read_planes(void *buf, char *nulls, fitsfile *f, const char *path,
                            const fits_src *s, d4m_dtype t, const unsigned char *fill,
                            int64_t z, int64_t nplanes)
{
    long first[3] = { 1, 1, (long)z + 1 };
    LONGLONG n = (LONGLONG)nplanes * s->ny * s->nx;
    int st = 0, anynul = 0;
    fits_read_pixnull(f, cfitsio_type(t), first, n, buf, nulls, &anynul, &st);
    if (st)
        return fits_fail(st, path, "cannot read the pixels (truncated or damaged file?)");
    size_t es = d4m_dtype_size(t);
    if (anynul) {
        unsigned char *p = buf;
        for (LONGLONG i = 0; i < n; i++)
            if (nulls[i])
                memcpy(p + (size_t)i * es, fill, es);
    }
    return 0;
}

/* ------------------------------------------------------------ loading */

struct d4m_volume_load {
    d4m_db *db;
    char *table;
    vol_record rec;
    char **files;            /* FITS paths */
    size_t nfiles;
    int hdu;
    fits_src src;            /* of the first file */
    unsigned char *loaded;   /* per slice */
    char *tmpdir;
    char **ssts;
    size_t nssts, capssts;
    unsigned seq;
    int rank;                /* of a parallel load (names its files) */
    int committed;
    /* the sorted file being written */
    d4m_kv_sst *sst;
    uint64_t sst_bytes;
};

static int ld_close_sst(d4m_volume_load *ld)
{
    if (!ld->sst)
        return 0;
    bool empty;
    int rc = d4m_kv__sst_finish(ld->sst, &empty);
    d4m_kv__sst_free(ld->sst);
    ld->sst = NULL;
    if (!rc && !empty)
        ld->nssts++;
    else {
        unlink(ld->ssts[ld->nssts]);
        free(ld->ssts[ld->nssts]);
        ld->ssts[ld->nssts] = NULL;
    }
    return rc;
}

static int ld_open_sst(d4m_volume_load *ld)
{
    if (ld->nssts + 1 >= ld->capssts) {
        size_t cap = ld->capssts ? 2 * ld->capssts : 16;
        char **f = d4m__realloc(ld->ssts, cap * sizeof *f);
        if (!f)
            return D4M_ENOMEM;
        memset(f + ld->capssts, 0, (cap - ld->capssts) * sizeof *f);
        ld->ssts = f;
        ld->capssts = cap;
    }
    size_t n = strlen(ld->tmpdir) + 64;
    char *path = d4m__malloc(n);
    if (!path)
        return D4M_ENOMEM;
    snprintf(path, n, "%s/vol-%ld-r%d-%u-%u.sst", ld->tmpdir, (long)getpid(), ld->rank,
             ld->rec.id, ld->seq++);
    ld->ssts[ld->nssts] = path;
    ld->sst_bytes = 0;
    /* Voxel triples go into LZ4-compressed blocks: a box decompresses one
     * or two blocks per line of voxels, and LZ4 is the cheapest to undo
     * (measured on the benchmark's volume, CPU per 64^3 box: LZ4 131-137
     * ms, the store's Snappy 118-173, zstd 145-175 though it takes 4.6
     * bytes a voxel against LZ4's 9.3 and Snappy's 10.3).  Compressed
     * bricks are not compressed again; raw bricks keep the store's
     * setting. */
    d4m_kv_sst_opts so = { D4M_KV_COMPRESS_DEFAULT, 0 };
    if (ld->rec.layout == D4M_VOLUME_TRIPLES)
        so.compression = D4M_KV_COMPRESS_LZ4;
    else if (ld->rec.codec != D4M_CODEC_RAW)
        so.compression = D4M_KV_COMPRESS_NONE;
    return d4m_kv__sst_new_opts(&ld->sst, ld->db ? ld->db->kv : NULL, path, &so);
}

/* Add one entry to the current sorted file, starting a new one at a size. */
static int ld_add(d4m_volume_load *ld, d4m_key k, d4m_key v)
{
    if (!ld->sst || ld->sst_bytes > FILE_BYTES) {
        D4M_TRY(ld_close_sst(ld));
        D4M_TRY(ld_open_sst(ld));
    }
    ld->sst_bytes += k.len + v.len;
    return d4m_kv__sst_add(ld->sst, k, v, false);
}

void d4m_volume_load_free(d4m_volume_load *ld)
{
    if (!ld)
        return;
    if (ld->sst) {
        d4m_kv__sst_free(ld->sst);
        ld->sst = NULL;
        if (ld->ssts && ld->ssts[ld->nssts])
            ld->nssts++;
    }
    for (size_t i = 0; i < ld->nssts; i++) {
        if (!ld->committed)
            unlink(ld->ssts[i]);
        free(ld->ssts[i]);
    }
    free(ld->ssts);
    if (!ld->committed && ld->db && ld->table && ld->rec.id) {
        /* keep the caller's error: the drop is cleanup */
        int code = d4m_error_code();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", d4m_error_message());
        d4m_table_drop(ld->db, ld->table);
        if (code)
            d4m__error(code, "%s", msg);
    }
    for (size_t i = 0; i < ld->nfiles; i++)
        free(ld->files[i]);
    free(ld->files);
    free(ld->table);
    free(ld->rec.cards);
    free(ld->loaded);
    free(ld->tmpdir);
    free(ld);
}

/* A whole number from 0 to max, digits only. */
static bool opt_uint(unsigned *out, const char *s, unsigned max)
{
    if (!s || !*s)
        return false;
    unsigned long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned)(*p - '0');
        if (v > max)
            return false;
    }
    *out = (unsigned)v;
    return true;
}

int d4m_volume_options_set(d4m_volume_options *o, const char *name, const char *value)
{
    if (!o || !name)
        return d4m__error(D4M_EINVAL, "d4m_volume_options_set: NULL argument");
    unsigned n;
    if (strcmp(name, "compress") == 0) {
        o->layout = D4M_VOLUME_BRICKS;
        o->codec = D4M_CODEC_LZ4;
        return 0;
    }
    if (!value)
        return d4m__error(D4M_EINVAL, "volume option '%s' wants a value", name);
    if (strcmp(name, "bricks") == 0) {
        if (!opt_uint(&n, value, 4096) || n == 0)
            return d4m__error(D4M_EINVAL, "bricks wants an edge of 1 to 4096 voxels, not '%s'",
                              value);
        o->layout = D4M_VOLUME_BRICKS;
        o->brick[0] = o->brick[1] = o->brick[2] = n;
    } else if (strcmp(name, "codec") == 0) {
        d4m_volume_codec c;
        if (strcmp(value, "raw") == 0)
            c = D4M_CODEC_RAW;
        else if (strcmp(value, "lz4") == 0)
            c = D4M_CODEC_LZ4;
        else if (strcmp(value, "zstd") == 0)
            c = D4M_CODEC_ZSTD;
        else
            return d4m__error(D4M_EINVAL, "codec is raw, lz4 or zstd, not '%s'", value);
        o->layout = D4M_VOLUME_BRICKS;
        o->codec = c;
    } else if (strcmp(name, "overlap") == 0) {
        if (!opt_uint(&n, value, 1024))
            return d4m__error(D4M_EINVAL, "overlap wants 0 to 1024 voxels, not '%s'", value);
        o->layout = D4M_VOLUME_BRICKS;
        o->overlap = n;
    } else if (strcmp(name, "hdu") == 0) {
        if (!opt_uint(&n, value, INT_MAX) || n == 0)
            return d4m__error(D4M_EINVAL, "hdu wants an HDU number (1 is the primary), not "
                              "'%s'", value);
        o->hdu = (int)n;
    } else {
        return d4m__error(D4M_EINVAL, "unknown volume option '%s' (bricks, codec, compress, "
                          "overlap, hdu)", name);
    }
    return 0;
}

static int check_options(const d4m_volume_options *o)
{
    if (o->version != D4M_VOLUME_OPTIONS_VERSION)
        return d4m__error(D4M_EINVAL, "volume options version %u, expected %u", o->version,
                          D4M_VOLUME_OPTIONS_VERSION);
    if ((unsigned)o->layout > D4M_VOLUME_BRICKS)
        return d4m__error(D4M_EINVAL, "unknown volume layout %d", (int)o->layout);
    if ((unsigned)o->codec > D4M_CODEC_ZSTD)
        return d4m__error(D4M_EINVAL, "unknown brick codec %d", (int)o->codec);
    if (o->layout == D4M_VOLUME_TRIPLES && (o->codec != D4M_CODEC_RAW || o->overlap))
        return d4m__error(D4M_EINVAL, "codec and overlap apply to bricks only");
    for (int i = 0; i < 3; i++)
        if (o->brick[i] > 4096)
            return d4m__error(D4M_EINVAL, "brick edge %u; at most 4096", o->brick[i]);
    if (o->overlap > 1024)
        return d4m__error(D4M_EINVAL, "overlap %u; at most 1024", o->overlap);
    if (o->hdu < 0)
        return d4m__error(D4M_EINVAL, "HDU %d; HDUs are numbered from 1", o->hdu);
    return 0;
}

static int same_src(const fits_src *a, const fits_src *b)
{
    return a->nx == b->nx && a->ny == b->ny && a->bitpix == b->bitpix && a->equiv == b->equiv &&
           a->bscale == b->bscale && a->bzero == b->bzero && a->has_blank == b->has_blank &&
           (!a->has_blank || a->blank == b->blank);
}

/* The fill value in type t. */
static void make_fill(unsigned char fill[8], const fits_src *s, d4m_dtype t)
{
    memset(fill, 0, 8);
    if (is_float(t)) {
        set_num(fill, 0, t, NAN);
    } else if (s->has_blank) {
        if (t == D4M_U64)
            *(uint64_t *)(void *)fill = (uint64_t)s->blank + 9223372036854775808ull;
        else if (t == D4M_I64)
            *(int64_t *)(void *)fill = s->blank;
        else
            set_num(fill, 0, t, (double)s->blank * s->bscale + s->bzero);
    }
}

/* The part of a load's start that needs no database: the arguments, every
 * file's header, the volume record but its table id.  *out is freed by
 * d4m_volume_load_free (which drops nothing: there is no table yet). */
static int load_prepare(d4m_volume_load **out, const char *table, const char *const *files,
                        size_t nfiles, const d4m_volume_options *opts, const char *who)
{
    static const d4m_volume_options defaults = D4M_VOLUME_OPTIONS_INIT;
    if (!table || !files || nfiles == 0)
        return d4m__error(D4M_EINVAL, "%s: NULL argument or no files", who);
    if (!opts)
        opts = &defaults;
    D4M_TRY(check_options(opts));
    for (size_t i = 0; i < nfiles; i++)
        if (!files[i])
            return d4m__error(D4M_EINVAL, "%s: file %zu is NULL", who, i);

    d4m_volume_load *ld = d4m__calloc(1, sizeof *ld);
    if (!ld)
        return D4M_ENOMEM;
    ld->hdu = opts->hdu;
    int rc = 0;
    d4m_buf cards = { NULL, 0, 0 };
    ld->files = d4m__calloc(nfiles, sizeof *ld->files);
    ld->table = strdup(table);
    if (!ld->files || !ld->table) {
        rc = d4m__error(D4M_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nfiles && !rc; i++) {
        ld->files[i] = strdup(files[i]);
        if (!ld->files[i])
            rc = d4m__error(D4M_ENOMEM, "out of memory");
        else
            ld->nfiles++;
    }
    /* Every header first: a stack that disagrees writes nothing. */
    for (size_t i = 0; i < nfiles && !rc; i++) {
        fitsfile *f;
        fits_src s;
        rc = fits_open(&f, files[i], opts->hdu);
        if (rc)
            break;
        rc = fits_header(&s, f, files[i]);
        if (!rc && i == 0)
            rc = fits_cards(&cards, &ld->rec.ncards, f, files[i]);
        fits_close(f);
        if (rc)
            break;
        if (i == 0) {
            ld->src = s;
        } else if (s.nz != 1) {
            rc = d4m__error(D4M_EFITS, "%s: a slice of a stack must be 2-D, not %lld planes",
                            files[i], (long long)s.nz);
        } else if (!same_src(&ld->src, &s)) {
            rc = d4m__error(D4M_EFITS, "%s: slice %zu differs from the first slice (%s) in "
                            "size, BITPIX, BSCALE, BZERO or BLANK", files[i], i, files[0]);
        }
    }
    if (!rc && nfiles > 1 && ld->src.nz != 1)
        rc = d4m__error(D4M_EFITS, "%s: a slice of a stack must be 2-D, not %lld planes",
                        files[0], (long long)ld->src.nz);
    if (rc)
        goto fail;

    vol_record *r = &ld->rec;
    r->layout = opts->layout;
    dtype_of_equiv(&r->dtype, ld->src.equiv);
    r->nz = nfiles > 1 ? (int64_t)nfiles : ld->src.nz;
    r->ny = ld->src.ny;
    r->nx = ld->src.nx;
    if (r->layout == D4M_VOLUME_BRICKS) {
        for (int i = 0; i < 3; i++)
            r->brick[i] = opts->brick[i] ? opts->brick[i] : 64;
        r->overlap = opts->overlap;
        r->codec = opts->codec;
    }
    r->bitpix = ld->src.bitpix;
    /* A stored brick (its edges plus the overlap on both sides) is one
     * buffer and one RocksDB value: at most MAX_BRICK_BYTES. */
    if (r->layout == D4M_VOLUME_BRICKS) {
        double bytes = (double)d4m_dtype_size(r->dtype);
        for (int i = 0; i < 3; i++)
            bytes *= (double)r->brick[i] + 2.0 * r->overlap;
        if (bytes > (double)MAX_BRICK_BYTES) {
            rc = d4m__error(D4M_EINVAL, "a brick of %u x %u x %u voxels with an overlap of %u "
                            "stores %.0f bytes; at most %u MiB a brick", r->brick[0],
                            r->brick[1], r->brick[2], r->overlap, bytes,
                            (unsigned)(MAX_BRICK_BYTES >> 20));
            goto fail;
        }
    }
    r->bscale = ld->src.bscale;
    r->bzero = ld->src.bzero;
    r->has_blank = ld->src.has_blank;
    r->blank = ld->src.blank;
    make_fill(r->fill, &ld->src, r->dtype);
    r->cards = cards.p;
    cards.p = NULL;
    if ((uint64_t)r->nz * (uint64_t)r->ny > (uint64_t)1 << 52 || r->nx > ((int64_t)1 << 52)) {
        rc = d4m__error(D4M_ETOOBIG, "the volume is too large for 53-bit keys");
        goto fail;
    }
    ld->loaded = d4m__calloc((size_t)r->nz, 1);
    if (!ld->loaded) {
        rc = D4M_ENOMEM;
        goto fail;
    }
    *out = ld;
    return 0;
fail:
    d4m__buf_free(&cards);
    d4m_volume_load_free(ld);
    return rc;
}

/* The part that does: the table (empty, not yet a volume) and its id, and
 * the directory of the sorted files.  On failure no table is left. */
static int load_create(d4m_volume_load *ld, d4m_db *db)
{
    if (d4m_kv__readonly(db->kv))
        return d4m__error(D4M_EINVAL, "the database is open read-only");
    d4m_table_options to = D4M_TABLE_OPTIONS_INIT;
    to.keys = D4M_NUM;
    to.shards = 1;
    D4M_TRY(d4m_table_create(db, ld->table, &to));
    ld->db = db;   /* from here on, a failed load drops the table */
    d4m_meta m;
    int rc = d4m__meta_load(&m, db, ld->table);
    if (rc) {
        d4m_table_drop(db, ld->table);
        ld->db = NULL;
        return rc;
    }
    ld->rec.id = m.id;
    d4m__meta_free(&m);
    return d4m_kv__tmpdir(&ld->tmpdir, db->kv);
}

int d4m_volume_load_begin(d4m_volume_load **out, d4m_db *db, const char *table,
                          const char *const *files, size_t nfiles,
                          const d4m_volume_options *opts)
{
    if (!out || !db)
        return d4m__error(D4M_EINVAL, "d4m_volume_load_begin: NULL argument or no files");
    *out = NULL;
    d4m_volume_load *ld;
    D4M_TRY(load_prepare(&ld, table, files, nfiles, opts, "d4m_volume_load_begin"));
    int rc = load_create(ld, db);
    if (rc) {
        d4m_volume_load_free(ld);
        return rc;
    }
    *out = ld;
    return 0;
}

/* Read planes [z, z + n) of the volume being loaded into buf. */
static int ld_read_planes(d4m_volume_load *ld, void *buf, char *nulls, int64_t z, int64_t n)
{
    const vol_record *r = &ld->rec;
    size_t plane = (size_t)r->ny * (size_t)r->nx * d4m_dtype_size(r->dtype);
    if (ld->nfiles == 1) {
        fitsfile *f;
        D4M_TRY(fits_open(&f, ld->files[0], ld->hdu));
        int rc = fits_read_planes(buf, nulls, f, ld->files[0], &ld->src, r->dtype, r->fill, z, n);
        fits_close(f);
        return rc;
    }
    for (int64_t k = 0; k < n; k++) {
        const char *path = ld->files[z + k];
        fitsfile *f;
        fits_src s;
        D4M_TRY(fits_open(&f, path, ld->hdu));
        int rc = fits_header(&s, f, path);
        if (!rc && (s.nz != 1 || !same_src(&ld->src, &s)))
            rc = d4m__error(D4M_EFITS, "%s: the slice changed since the load began", path);
        if (!rc)
            rc = fits_read_planes((char *)buf + (size_t)k * plane, nulls, f, path, &ld->src,
                                  r->dtype, r->fill, 0, 1);
        fits_close(f);
        if (rc)
            return rc;
    }
    return 0;
}

static int is_fill(const unsigned char *p, const vol_record *r, size_t es)
{
    if (r->dtype == D4M_F32) {
        float f;
        memcpy(&f, p, 4);
        return isnan(f);
    }
    if (r->dtype == D4M_F64) {
        double d;
        memcpy(&d, p, 8);
        return isnan(d);
    }
    return r->has_blank && memcmp(p, r->fill, es) == 0;
}

static int load_triples(d4m_volume_load *ld, int64_t z0, int64_t z1)
{
    const vol_record *r = &ld->rec;
    size_t es = d4m_dtype_size(r->dtype);
    size_t plane = (size_t)r->ny * (size_t)r->nx;
    int64_t step = 8;
    unsigned char *buf = d4m__malloc(d4m__mul(plane * (size_t)step, es));
    char *nulls = d4m__malloc(plane * (size_t)step);
    int rc = (buf && nulls) ? 0 : D4M_ENOMEM;
    unsigned char key[20], val[9];
    val[0] = 'd';
    for (int64_t z = z0; z < z1 && !rc; z += step) {
        int64_t n = z1 - z < step ? z1 - z : step;
        rc = ld_read_planes(ld, buf, nulls, z, n);
        const unsigned char *p = buf;
        for (int64_t k = 0; k < n && !rc; k++)
            for (int64_t y = 0; y < r->ny && !rc; y++)
                for (int64_t x = 0; x < r->nx && !rc; x++, p += es) {
                    if (is_fill(p, r, es))
                        continue;
                    double v = get_num(p, 0, r->dtype);
                    triple_key(key, r->id, (z + k) * r->ny + y + 1, x + 1);
                    memcpy(val + 1, &v, 8);
                    rc = ld_add(ld, (d4m_key){ (const char *)key, 20 },
                                (d4m_key){ (const char *)val, 9 });
                }
    }
    free(buf);
    free(nulls);
    return rc;
}

/* Brick values (the stored value of one brick; every form starts with 's',
 * a string value of the store, then a tag):
 *
 *   format 1, whole bricks (written before sub-blocks; still read):
 *     's' 'R' voxels                 raw, the stored brick x fastest
 *     's' 'L' lz4(shuffle(voxels))   the whole brick byte-shuffled, LZ4
 *     's' 'Z' zstd(shuffle(voxels))  the same with zstd (one frame)
 *   format 2, sub-blocks (what LZ4 and zstd bricks are written as now):
 *     's' 'l' | 'z'   LZ4 | zstd
 *     sz sy sx        the sub-block edges, 2 bytes each, big-endian
 *     end[n]          4 bytes each, big-endian: where sub-block i's
 *                     compressed bytes end, counted from the first byte
 *                     after this table (sub-block i starts at end[i - 1],
 *                     sub-block 0 at 0; the last end is the rest's length)
 *     data            the n compressed sub-blocks, back to back
 *   The stored brick (its edges plus the overlap on both sides) is cut into
 *   a grid of sz x sy x sx sub-blocks (the last along each axis clipped to
 *   the brick), n = the product of the grid's three counts, numbered z, then
 *   y, then x.  Sub-block i is its own voxels, x fastest, byte-shuffled
 *   within the sub-block and compressed alone (zstd: one standard frame,
 *   level 3; LZ4: one block of LZ4_compress_default), so that a box
 *   decompresses only the sub-blocks it overlaps.  The sub-block edge is
 *   16 (SUB_EDGE) along each axis, or the stored brick's edge if smaller:
 *   a 32^3 box of 64^3 bricks decompresses about 27 sub-blocks of 8 KiB
 *   instead of 3.4 bricks of 512 KiB, for 1.163 bytes a voxel instead of
 *   1.103 on the benchmark's volume.  A reader takes the edges from the
 *   value, not from SUB_EDGE. */
#define SUB_EDGE 16u

/* Sub-blocks along an axis of n voxels cut every e. */
static size_t nsub(int64_t n, unsigned e) { return (size_t)((n + e - 1) / e); }

/* Byte-shuffle n elements of es bytes: byte k of element i goes to
 * out[k*n + i]. */
static void shuffle(unsigned char *out, const unsigned char *in, size_t n, size_t es)
{
    if (es == 2) {
        for (size_t i = 0; i < n; i++) {
            out[i] = in[2 * i];
            out[n + i] = in[2 * i + 1];
        }
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < es; k++)
            out[k * n + i] = in[i * es + k];
}

/* What encoding bricks keeps between them. */
typedef struct brick_enc {
    d4m_buf gather, shuf;        /* one sub-block, as is and shuffled */
    ZSTD_CCtx *zc;
} brick_enc;

static void brick_enc_free(brick_enc *e)
{
    d4m__buf_free(&e->gather);
    d4m__buf_free(&e->shuf);
    ZSTD_freeCCtx(e->zc);
}

static int buf_reserve(d4m_buf *b, size_t n)
{
    if (b->cap >= n)
        return 0;
    char *p = d4m__realloc(b->p, n);
    if (!p)
        return D4M_ENOMEM;
    b->p = p;
    b->cap = n;
    return 0;
}

/* One brick's stored value (format 2 for LZ4 and zstd); the brick is
 * ez x ey x ex voxels of es bytes, x fastest. */
static int encode_brick(d4m_buf *v, brick_enc *e, const unsigned char *brick, int64_t ez,
                        int64_t ey, int64_t ex, size_t es, d4m_volume_codec codec)
{
    size_t n = (size_t)(ez * ey * ex);
    v->len = 0;
    if (codec == D4M_CODEC_RAW) {
        D4M_TRY(d4m__buf_put(v, "sR", 2));
        return d4m__buf_put(v, brick, n * es);
    }
    unsigned se[3] = { SUB_EDGE, SUB_EDGE, SUB_EDGE };
    int64_t ed[3] = { ez, ey, ex };
    for (int a = 0; a < 3; a++)
        if ((int64_t)se[a] > ed[a])
            se[a] = (unsigned)ed[a];
    size_t gz = nsub(ez, se[0]), gy = nsub(ey, se[1]), gx = nsub(ex, se[2]);
    size_t ns = gz * gy * gx, sub_raw = (size_t)se[0] * se[1] * se[2] * es;
    size_t bound = codec == D4M_CODEC_LZ4 ? (size_t)LZ4_compressBound((int)sub_raw)
                                          : ZSTD_compressBound(sub_raw);
    size_t head = 2 + 6 + 4 * ns;
    D4M_TRY(buf_reserve(&e->gather, sub_raw));
    D4M_TRY(buf_reserve(&e->shuf, sub_raw));
    D4M_TRY(buf_reserve(v, head + d4m__mul(ns, bound)));
    if (codec == D4M_CODEC_ZSTD && !e->zc) {
        e->zc = ZSTD_createCCtx();
        if (!e->zc || ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel,
                                                          ZSTD_LEVEL)))
            return d4m__error(D4M_ENOMEM, "out of memory for a zstd context");
    }
    unsigned char *out = (unsigned char *)v->p;
    out[0] = 's';
    out[1] = codec == D4M_CODEC_LZ4 ? 'l' : 'z';
    for (int a = 0; a < 3; a++) {
        out[2 + 2 * a] = (unsigned char)(se[a] >> 8);
        out[3 + 2 * a] = (unsigned char)se[a];
    }
    size_t used = 0, i = 0;
    for (size_t sz = 0; sz < gz; sz++)
        for (size_t sy = 0; sy < gy; sy++)
            for (size_t sx = 0; sx < gx; sx++, i++) {
                int64_t z0 = (int64_t)(sz * se[0]), y0 = (int64_t)(sy * se[1]),
                        x0 = (int64_t)(sx * se[2]);
                int64_t nz = ez - z0 < se[0] ? ez - z0 : se[0],
                        ny = ey - y0 < se[1] ? ey - y0 : se[1],
                        nx = ex - x0 < se[2] ? ex - x0 : se[2];
                unsigned char *g = (unsigned char *)e->gather.p;
                for (int64_t z = 0; z < nz; z++)
                    for (int64_t y = 0; y < ny; y++, g += (size_t)nx * es)
                        memcpy(g, brick + (size_t)(((z0 + z) * ey + y0 + y) * ex + x0) * es,
                               (size_t)nx * es);
                size_t cnt = (size_t)(nz * ny * nx), raw = cnt * es;
                shuffle((unsigned char *)e->shuf.p, (const unsigned char *)e->gather.p, cnt, es);
                unsigned char *dst = out + head + used;
                size_t clen;
                if (codec == D4M_CODEC_LZ4) {
                    int c = LZ4_compress_default(e->shuf.p, (char *)dst, (int)raw, (int)bound);
                    if (c <= 0)
                        return d4m__error(D4M_EINVAL, "LZ4 could not compress a brick");
                    clen = (size_t)c;
                } else {
                    clen = ZSTD_compress2(e->zc, dst, bound, e->shuf.p, raw);
                    if (ZSTD_isError(clen))
                        return d4m__error(D4M_EINVAL, "zstd could not compress a brick: %s",
                                          ZSTD_getErrorName(clen));
                }
                used += clen;
                if (used > UINT32_MAX)
                    return d4m__error(D4M_ETOOBIG, "a compressed brick is over 4 GiB");
                unsigned char *end = out + 8 + 4 * i;
                end[0] = (unsigned char)(used >> 24);
                end[1] = (unsigned char)(used >> 16);
                end[2] = (unsigned char)(used >> 8);
                end[3] = (unsigned char)used;
            }
    v->len = head + used;
    return 0;
}

static int load_bricks(d4m_volume_load *ld, int64_t z0, int64_t z1)
{
    const vol_record *r = &ld->rec;
    size_t es = d4m_dtype_size(r->dtype);
    int64_t o = r->overlap;
    int64_t ez = r->brick[0] + 2 * o, ey = r->brick[1] + 2 * o, ex = r->brick[2] + 2 * o;
    size_t plane = (size_t)r->ny * (size_t)r->nx;
    size_t maxplanes = (size_t)(r->brick[0] + 2 * o);
    if ((int64_t)maxplanes > r->nz)
        maxplanes = (size_t)r->nz;
    unsigned char *slab = d4m__malloc(d4m__mul(plane * maxplanes, es));
    char *nulls = d4m__malloc(d4m__mul(plane, maxplanes));
    unsigned char *brick = d4m__malloc(d4m__mul((size_t)(ez * ey * ex), es));
    d4m_buf v = { NULL, 0, 0 };
    brick_enc enc;
    memset(&enc, 0, sizeof enc);
    int rc = (slab && nulls && brick) ? 0 : D4M_ENOMEM;
    int64_t nby = nbricks(r->ny, r->brick[1]), nbx = nbricks(r->nx, r->brick[2]);
    unsigned char key[20];
    for (int64_t bz = z0 / r->brick[0]; bz * r->brick[0] < z1 && !rc; bz++) {
        /* planes [pz0, pz1) of the volume are in the slab */
        int64_t pz0 = bz * r->brick[0] - o, pz1 = (bz + 1) * r->brick[0] + o;
        if (pz0 < 0)
            pz0 = 0;
        if (pz1 > r->nz)
            pz1 = r->nz;
        rc = ld_read_planes(ld, slab, nulls, pz0, pz1 - pz0);
        for (int64_t by = 0; by < nby && !rc; by++)
            for (int64_t bx = 0; bx < nbx && !rc; bx++) {
                int64_t gz = bz * r->brick[0] - o, gy = by * r->brick[1] - o,
                        gx = bx * r->brick[2] - o;
                unsigned char *q = brick;
                for (int64_t k = 0; k < ez; k++)
                    for (int64_t j = 0; j < ey; j++, q += (size_t)ex * es) {
                        int64_t z = gz + k, y = gy + j;
                        if (z < pz0 || z >= pz1 || y < 0 || y >= r->ny) {
                            fill_bytes(q, (size_t)ex, r->fill, es);
                            continue;
                        }
                        int64_t xa = gx < 0 ? 0 : gx, xb = gx + ex > r->nx ? r->nx : gx + ex;
                        if (xa > gx)
                            fill_bytes(q, (size_t)(xa - gx), r->fill, es);
                        if (xb < gx + ex)
                            fill_bytes(q + (size_t)(xb - gx) * es, (size_t)(gx + ex - xb),
                                       r->fill, es);
                        memcpy(q + (size_t)(xa - gx) * es,
                               slab + (((size_t)(z - pz0) * (size_t)r->ny + (size_t)y) *
                                       (size_t)r->nx + (size_t)xa) * es,
                               (size_t)(xb - xa) * es);
                    }
                rc = encode_brick(&v, &enc, brick, ez, ey, ex, es, r->codec);
                if (rc)
                    break;
                triple_key(key, r->id, bz * nby + by + 1, bx + 1);
                rc = ld_add(ld, (d4m_key){ (const char *)key, 20 }, (d4m_key){ v.p, v.len });
            }
    }
    free(slab);
    free(nulls);
    free(brick);
    d4m__buf_free(&v);
    brick_enc_free(&enc);
    return rc;
}

int d4m_volume_load_slices(d4m_volume_load *ld, int64_t z0, int64_t z1)
{
    if (!ld)
        return d4m__error(D4M_EINVAL, "d4m_volume_load_slices: NULL argument");
    const vol_record *r = &ld->rec;
    if (ld->committed)
        return d4m__error(D4M_EINVAL, "the volume is committed already");
    if (z0 < 0 || z1 > r->nz || z0 >= z1)
        return d4m__error(D4M_EINVAL, "slices [%lld, %lld) are not a range of [0, %lld)",
                          (long long)z0, (long long)z1, (long long)r->nz);
    if (r->layout == D4M_VOLUME_BRICKS &&
        (z0 % r->brick[0] != 0 || (z1 % r->brick[0] != 0 && z1 != r->nz)))
        return d4m__error(D4M_EINVAL, "slices [%lld, %lld): bricks need ranges on multiples "
                          "of the brick's z edge %u", (long long)z0, (long long)z1,
                          r->brick[0]);
    for (int64_t z = z0; z < z1; z++)
        if (ld->loaded[z])
            return d4m__error(D4M_EINVAL, "slice %lld is loaded already", (long long)z);
    /* Each range gets its own files: ranges may come in any order. */
    int rc = ld_close_sst(ld);
    if (!rc)
        rc = r->layout == D4M_VOLUME_TRIPLES ? load_triples(ld, z0, z1)
                                             : load_bricks(ld, z0, z1);
    if (!rc)
        rc = ld_close_sst(ld);
    if (!rc)
        memset(ld->loaded + z0, 1, (size_t)(z1 - z0));
    return rc;
}

int d4m_volume_load_commit(d4m_volume_load *ld)
{
    if (!ld)
        return d4m__error(D4M_EINVAL, "d4m_volume_load_commit: NULL argument");
    if (ld->committed)
        return d4m__error(D4M_EINVAL, "the volume is committed already");
    for (int64_t z = 0; z < ld->rec.nz; z++)
        if (!ld->loaded[z])
            return d4m__error(D4M_EINVAL, "slice %lld was never loaded", (long long)z);
    D4M_TRY(ld_close_sst(ld));
    /* The record goes in as one more sorted file of the same ingest. */
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    rec_key(&k, ld->rec.id);
    int rc = rec_encode(&v, &ld->rec);
    if (!rc)
        rc = ld_open_sst(ld);
    if (!rc)
        rc = d4m_kv__sst_add(ld->sst, (d4m_key){ k.p, k.len }, (d4m_key){ v.p, v.len }, false);
    if (!rc)
        rc = ld_close_sst(ld);
    if (!rc)
        rc = d4m_kv__ingest(ld->db->kv, (const char *const *)ld->ssts, ld->nssts);
    if (!rc)
        ld->committed = 1;
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    return rc;
}

int d4m_volume_ingest_fits(d4m_db *db, const char *table, const char *const *files,
                           size_t nfiles, const d4m_volume_options *opts)
{
    d4m_volume_load *ld;
    D4M_TRY(d4m_volume_load_begin(&ld, db, table, files, nfiles, opts));
    int rc = d4m_volume_load_slices(ld, 0, ld->rec.nz);
    if (!rc)
        rc = d4m_volume_load_commit(ld);
    d4m_volume_load_free(ld);
    return rc;
}

/* ------------------------------------------------------ parallel load */

/* The slices rank r of n loads: an equal share of whole bricks along z (of
 * slices, for triples), so that ranks never share a brick. */
static void rank_range(int64_t *z0, int64_t *z1, const vol_record *r, int rank, int n)
{
    int64_t step = r->layout == D4M_VOLUME_BRICKS ? r->brick[0] : 1;
    int64_t units = (r->nz + step - 1) / step;
    int64_t u0 = units * rank / n, u1 = units * (rank + 1) / n;
    *z0 = u0 * step;
    *z1 = u1 * step < r->nz ? u1 * step : r->nz;
}

/* The list of this rank's sorted files, one path a line, for rank 0. */
static int write_file_list(const d4m_volume_load *ld, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return d4m__error(errno == ENOSPC ? D4M_ENOSPC : D4M_EIO, "cannot write %s: %s", path,
                          strerror(errno));
    for (size_t i = 0; i < ld->nssts; i++)
        fprintf(f, "%s\n", ld->ssts[i]);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return d4m__error(D4M_EIO, "cannot write %s", path);
    return 0;
}

/* Rank 0: take over the files another rank listed at path (removing the
 * list), as if this process had written them. */
static int adopt_file_list(d4m_volume_load *ld, const char *path, int rank)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return d4m__error(D4M_EMPI, "the file list of rank %d (%s) is missing: %s; is the "
                          "database on a filesystem every rank shares?", rank, path,
                          strerror(errno));
    char line[4096];
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!*line)
            continue;
        if (ld->nssts + 1 >= ld->capssts) {
            size_t cap = ld->capssts ? 2 * ld->capssts : 16;
            char **v = d4m__realloc(ld->ssts, cap * sizeof *v);
            if (!v) {
                rc = D4M_ENOMEM;
                break;
            }
            memset(v + ld->capssts, 0, (cap - ld->capssts) * sizeof *v);
            ld->ssts = v;
            ld->capssts = cap;
        }
        ld->ssts[ld->nssts] = strdup(line);
        if (!ld->ssts[ld->nssts])
            rc = d4m__error(D4M_ENOMEM, "out of memory");
        else
            ld->nssts++;
    }
    fclose(f);
    unlink(path);
    return rc;
}

int d4m_volume_ingest_fits_comm(const char *db_path, const char *table,
                                const char *const *files, size_t nfiles,
                                const d4m_volume_options *opts, const d4m_comm *comm)
{
    if (!db_path || !comm)
        return d4m__error(D4M_EINVAL, "d4m_volume_ingest_fits_comm: NULL argument");
    D4M_TRY(d4m__comm_check(comm, "d4m_volume_ingest_fits_comm"));
    /* The ranks are the parallelism (as in d4m_ingest_begin). */
    if (comm->size > 1)
        D4M_TRY(d4m_set_threads(1));

    /* Every rank reads the headers; rank 0 also creates the table. */
    d4m_volume_load *ld = NULL;
    d4m_db *db = NULL;
    int rc = load_prepare(&ld, table, files, nfiles, opts, "d4m_volume_ingest_fits_comm");
    uint64_t hdr[3] = { 0, 0, 0 };   /* code, table id, token of the file lists */
    if (comm->rank == 0) {
        if (!rc)
            rc = d4m_db_open(&db, db_path, 0);
        if (!rc)
            rc = load_create(ld, db);
        hdr[0] = (uint64_t)(int64_t)rc;
        hdr[1] = ld ? ld->rec.id : 0;
        hdr[2] = ((uint64_t)getpid() << 20) ^ (uint64_t)time(NULL);
    }
    int e = d4m__comm_bcast(comm, hdr, sizeof hdr, 0);
    if (!rc && e)
        rc = e;
    if (!rc && comm->rank != 0) {
        size_t n = strlen(db_path) + 16;
        ld->rank = comm->rank;
        ld->rec.id = (uint32_t)hdr[1];
        ld->tmpdir = d4m__malloc(n);
        if (!ld->tmpdir)
            rc = D4M_ENOMEM;
        else
            snprintf(ld->tmpdir, n, "%s/d4m-tmp", db_path);
        if (!rc && (int64_t)hdr[0] != 0)
            rc = d4m__error(D4M_EMPI, "rank 0 could not start the load of '%s' in %s (code %d)",
                            table, db_path, (int)(int64_t)hdr[0]);
    }
    int who = 0;
    int all = d4m__comm_agree(comm, rc, &who);

    /* Each rank its own range of slices, into its own files. */
    char list[4096] = "";
    int64_t *ranges = NULL;   /* every rank's loaded [z0, z1), rank order */
    if (!all) {
        int64_t mine[2];
        rank_range(&mine[0], &mine[1], &ld->rec, comm->rank, comm->size);
        if (mine[0] < mine[1])
            rc = d4m_volume_load_slices(ld, mine[0], mine[1]);
        if (!rc)
            rc = ld_close_sst(ld);
        snprintf(list, sizeof list, "%s/vol-%llx-r%d.lst", ld->tmpdir,
                 (unsigned long long)hdr[2], comm->rank);
        if (!rc && comm->rank != 0)
            rc = write_file_list(ld, list);
        all = d4m__comm_agree(comm, rc, &who);
        if (!all) {
            ranges = d4m__malloc(d4m__mul((size_t)comm->size, sizeof mine));
            /* every rank takes part in the gather, or none does */
            all = d4m__comm_agree(comm, ranges ? 0 : D4M_ENOMEM, &who);
            if (!all)
                all = d4m__comm_allgather(comm, mine, sizeof mine, ranges);
        }
    }

    /* Rank 0 takes every rank's files and loads them with the record; the
     * commit checks that the ranks' ranges cover every slice. */
    int64_t result = all;
    if (!all && comm->rank == 0) {
        for (int q = 1; q < comm->size && !rc; q++) {
            char other[4096];
            snprintf(other, sizeof other, "%s/vol-%llx-r%d.lst", ld->tmpdir,
                     (unsigned long long)hdr[2], q);
            rc = adopt_file_list(ld, other, q);
            if (!rc && ranges[2 * q] < ranges[2 * q + 1])
                memset(ld->loaded + ranges[2 * q], 1,
                       (size_t)(ranges[2 * q + 1] - ranges[2 * q]));
        }
        if (!rc)
            rc = d4m_volume_load_commit(ld);
        result = rc;
    }
    free(ranges);
    if (!all) {
        e = d4m__comm_bcast(comm, &result, sizeof result, 0);
        if (!rc && e)
            rc = e;
    }
    if (!rc && result)
        rc = d4m__error(D4M_EMPI, "the load of '%s' failed on rank %d (code %d); nothing was "
                        "loaded", table ? table : "", all ? who : 0, (int)result);
    /* Loaded or not, the other ranks' names of their files go (the
     * database holds its own links to loaded files); rank 0 drops the
     * table unless it committed. */
    if (*list && comm->rank != 0)
        unlink(list);
    d4m_volume_load_free(ld);
    d4m_db_close(db);
    return rc;
}

/* --------------------------------------------------------------- reads */

/* What one reading thread keeps between boxes. */
typedef struct worker {
    d4m_buf scratch;     /* a decompressed brick */
    ZSTD_DCtx *zd;       /* kept: a context per brick costs more than the brick */
} worker;

#define MAX_WORKERS 16

struct d4m_volume {
    d4m_db *db;
    vol_record rec;
    worker w[MAX_WORKERS];
};

int d4m_volume_open(d4m_volume **out, d4m_db *db, const char *table)
{
    if (!out || !db || !table)
        return d4m__error(D4M_EINVAL, "d4m_volume_open: NULL argument");
    *out = NULL;
    d4m_meta m;
    D4M_TRY(d4m__meta_load(&m, db, table));
    uint32_t id = m.id;
    d4m__meta_free(&m);
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    bool found = false;
    rec_key(&k, id);
    int rc = d4m_kv__get(db->kv, NULL, (d4m_key){ k.p, k.len }, &v, &found);
    if (!rc && !found)
        rc = d4m__error(D4M_ENOTFOUND, "table '%s' is not a volume", table);
    d4m_volume *vol = NULL;
    if (!rc) {
        vol = d4m__calloc(1, sizeof *vol);
        rc = vol ? rec_decode(&vol->rec, v.p, v.len) : D4M_ENOMEM;
    }
    if (!rc && vol->rec.id != id)
        rc = d4m__error(D4M_ECORRUPT, "the volume record of '%s' names table id %u, not %u",
                        table, vol->rec.id, id);
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    if (rc) {
        d4m_volume_close(vol);
        return rc;
    }
    vol->db = db;
    db->open_tables++;   /* the database stays open until this closes */
    *out = vol;
    return 0;
}

void d4m_volume_close(d4m_volume *v)
{
    if (!v)
        return;
    if (v->db)
        d4m__db_release(v->db);
    free(v->rec.cards);
    for (int i = 0; i < MAX_WORKERS; i++) {
        d4m__buf_free(&v->w[i].scratch);
        ZSTD_freeDCtx(v->w[i].zd);
    }
    free(v);
}

int d4m_volume_info_get(d4m_volume_info *info, const d4m_volume *v)
{
    if (!info || !v)
        return d4m__error(D4M_EINVAL, "d4m_volume_info_get: NULL argument");
    const vol_record *r = &v->rec;
    memset(info, 0, sizeof *info);
    info->nz = r->nz;
    info->ny = r->ny;
    info->nx = r->nx;
    info->dtype = r->dtype;
    info->layout = r->layout;
    memcpy(info->brick, r->brick, sizeof info->brick);
    info->overlap = r->overlap;
    info->codec = r->codec;
    info->bitpix = r->bitpix;
    info->bscale = r->bscale;
    info->bzero = r->bzero;
    info->has_blank = r->has_blank;
    info->blank = r->blank;
    info->fill = get_num(r->fill, 0, r->dtype);
    info->ncards = r->ncards;
    d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
    d4m__table_range(&lo, &hi, r->id);
    info->approx_bytes = d4m_kv__approx_size(v->db->kv, (d4m_key){ lo.p, lo.len },
                                             (d4m_key){ hi.p, hi.len });
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    return 0;
}

const char *d4m_volume_cards(const d4m_volume *v, size_t *ncards)
{
    if (ncards)
        *ncards = v ? v->rec.ncards : 0;
    return v && v->rec.cards ? v->rec.cards : "";
}

static int check_box(const d4m_volume *v, const d4m_box *b)
{
    const vol_record *r = &v->rec;
    if (b->z0 < 0 || b->y0 < 0 || b->x0 < 0 || b->z1 >= r->nz || b->y1 >= r->ny ||
        b->x1 >= r->nx || b->z0 > b->z1 || b->y0 > b->y1 || b->x0 > b->x1)
        return d4m__error(D4M_EINVAL, "box z %lld:%lld y %lld:%lld x %lld:%lld is not inside "
                          "the volume z 0:%lld y 0:%lld x 0:%lld",
                          (long long)b->z0, (long long)b->z1, (long long)b->y0,
                          (long long)b->y1, (long long)b->x0, (long long)b->x1,
                          (long long)r->nz - 1, (long long)r->ny - 1, (long long)r->nx - 1);
    return 0;
}

/* One box read's share of work for one thread: items [lo, hi) of its list
 * (lines of voxels, or rows of bricks), with the thread's own iterator and
 * decompression state. */
typedef struct box_job {
    void *buf;
    const d4m_box *b;
} box_job;

static int triples_part(d4m_volume *v, worker *w, const box_job *j, size_t lo_item,
                        size_t hi_item)
{
    const vol_record *r = &v->rec;
    const d4m_box *b = j->b;
    size_t es = d4m_dtype_size(r->dtype);
    int64_t wx = b->x1 - b->x0 + 1, wy = b->y1 - b->y0 + 1;
    unsigned char lo[20];
    d4m_kv_iter *it = NULL;
    int rc = 0;
    for (size_t item = lo_item; item < hi_item && !rc; item++) {
        int64_t z = b->z0 + (int64_t)item / wy, y = b->y0 + (int64_t)item % wy;
        int64_t row = z * r->ny + y + 1;
        triple_key(lo, r->id, row, b->x0 + 1);
        /* No upper bound at the line's end: the loop below stops at the
         * line's last voxel, or at the first key of another row or past
         * x1.  RocksDB compares every key of the line's last block with a
         * bound that ends inside it (about 4% of a 64^3 box's CPU). */
        d4m_key l = { (const char *)lo, 20 }, none = { NULL, 0 };
        if (!it) {
            /* The lines of one slice of the box lie within wy lines of the
             * volume, nx voxels each (about 9 bytes a voxel, LZ4): reads
             * of 6 bytes a voxel of that span serve them in one or two.
             * The blocks still go to the block cache: it lives in the
             * process, while the page cache of a busy machine drops the
             * files (a full benchmark run that left the cache alone read
             * 32^3 boxes in 64 ms instead of 8-10, at load 3-8). */
            d4m_kv_iter_opts io = { 0, false };
            if (wy >= 8) {
                size_t span = (size_t)wy * (size_t)r->nx * 6;
                io.readahead = span < (64u << 10) ? (64u << 10)
                             : span > (1u << 20) ? (1u << 20) : span;
            }
            rc = d4m_kv__iter_new_opts(&it, v->db->kv, NULL, l, none, &io);
        } else {
            rc = d4m_kv__iter_seek(it, l, none);
        }
        if (rc)
            break;
        unsigned char *line = (unsigned char *)j->buf + (size_t)item * (size_t)wx * es;
        /* No step past the line's last voxel: it could load the next block. */
        for (; d4m_kv__iter_valid(it); d4m_kv__iter_next(it)) {
            d4m_key k = d4m_kv__iter_key(it), val = d4m_kv__iter_value(it);
            if (k.len < 12 || memcmp(k.ptr, lo, 12) != 0)
                break;   /* another row (the line's last voxels are absent) */
            if (k.len != 20 || val.len != 9 || val.ptr[0] != 'd') {
                rc = d4m__error(D4M_ECORRUPT, "a voxel triple of the volume is damaged");
                break;
            }
            int64_t x = key_int(k.ptr + 12) - 1 - b->x0;
            if (x >= wx)
                break;
            double d;
            memcpy(&d, val.ptr + 1, 8);
            set_num(line, (size_t)x, r->dtype, d);
            if (x == wx - 1)
                break;
        }
        if (!rc)
            rc = d4m_kv__iter_status(it);
    }
    (void)w;
    d4m_kv__iter_free(it);
    return rc;
}

/* A brick's voxels, decoded: raw bricks point into the stored value. */
static int brick_payload(const unsigned char **out, worker *w, d4m_key val, size_t raw)
{
    if (val.len < 2 || val.ptr[0] != 's')
        return d4m__error(D4M_ECORRUPT, "a brick of the volume is damaged");
    const char *p = val.ptr + 2;
    size_t n = val.len - 2;
    char tag = val.ptr[1];
    if (tag == 'R') {
        if (n != raw)
            return d4m__error(D4M_ECORRUPT, "a raw brick has %zu bytes, not %zu", n, raw);
        *out = (const unsigned char *)p;
        return 0;
    }
    if (w->scratch.cap < raw) {
        char *q = d4m__realloc(w->scratch.p, raw);
        if (!q)
            return D4M_ENOMEM;
        w->scratch.p = q;
        w->scratch.cap = raw;
    }
    if (tag == 'L') {
        int got = LZ4_decompress_safe(p, w->scratch.p, (int)n, (int)raw);
        if (got < 0 || (size_t)got != raw)
            return d4m__error(D4M_ECORRUPT, "an LZ4 brick does not decompress");
    } else if (tag == 'Z') {
        if (!w->zd && !(w->zd = ZSTD_createDCtx()))
            return d4m__error(D4M_ENOMEM, "out of memory for a zstd context");
        size_t got = ZSTD_decompressDCtx(w->zd, w->scratch.p, raw, p, n);
        if (ZSTD_isError(got) || got != raw)
            return d4m__error(D4M_ECORRUPT, "a zstd brick does not decompress");
    } else {
        return d4m__error(D4M_ECORRUPT, "a brick has unknown codec '%c'", tag);
    }
    *out = (const unsigned char *)w->scratch.p;
    return 0;
}

/* Copy n voxels starting at voxel i of a shuffled brick of bn voxels. */
static void unshuffle_run(unsigned char *dst, const unsigned char *src, size_t i, size_t n,
                          size_t bn, size_t es)
{
    if (es == 1) {
        memcpy(dst, src + i, n);
        return;
    }
    if (es == 2) {
        const unsigned char *a = src + i, *b = src + bn + i;
        for (size_t t = 0; t < n; t++) {
            dst[2 * t] = a[t];
            dst[2 * t + 1] = b[t];
        }
        return;
    }
    for (size_t k = 0; k < es; k++) {
        const unsigned char *a = src + k * bn + i;
        for (size_t t = 0; t < n; t++)
            dst[t * es + k] = a[t];
    }
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where a box's voxels go: voxel (z, y, x) of the stored brick (overlap
 * included) is at out + (((z - oz) * wy + (y - oy)) * wx + (x - ox)) * es. */
typedef struct brick_dst {
    unsigned char *out;
    int64_t oz, oy, ox, wy, wx;
    size_t es;
} brick_dst;

static unsigned char *dst_at(const brick_dst *d, int64_t z, int64_t y, int64_t x)
{
    return d->out + (size_t)(((z - d->oz) * d->wy + (y - d->oy)) * d->wx + (x - d->ox)) * d->es;
}

/* Copy voxels lo..hi (inclusive, stored-brick coordinates) of a format-2
 * brick (ed: the stored brick's edges) to d, decompressing only the
 * sub-blocks they overlap. */
static int copy_subblocks(worker *w, d4m_key val, const int64_t ed[3], const int64_t lo[3],
                          const int64_t hi[3], const brick_dst *d)
{
    const unsigned char *p = (const unsigned char *)val.ptr;
    size_t es = d->es;
    if (val.len < 8)
        goto bad;
    int64_t se[3];
    size_t g[3];
    for (int a = 0; a < 3; a++) {
        se[a] = (int64_t)p[2 + 2 * a] << 8 | p[3 + 2 * a];
        if (se[a] < 1 || se[a] > ed[a])
            goto bad;
        g[a] = nsub(ed[a], (unsigned)se[a]);
    }
    size_t ns = g[0] * g[1] * g[2];
    if ((val.len - 8) / 4 < ns)
        goto bad;
    const unsigned char *ends = p + 8, *data = ends + 4 * ns;
    size_t dlen = val.len - 8 - 4 * ns;
    /* every end in order and inside the data, checked once per brick */
    for (size_t i = 0, prev = 0; i < ns; i++) {
        size_t e = be32(ends + 4 * i);
        if (e < prev || e > dlen)
            goto bad;
        prev = e;
    }
    if (be32(ends + 4 * (ns - 1)) != dlen)
        goto bad;
    D4M_TRY(buf_reserve(&w->scratch, (size_t)(se[0] * se[1] * se[2]) * es));
    unsigned char *sb = (unsigned char *)w->scratch.p;
    for (int64_t sz = lo[0] / se[0]; sz <= hi[0] / se[0]; sz++)
        for (int64_t sy = lo[1] / se[1]; sy <= hi[1] / se[1]; sy++)
            for (int64_t sx = lo[2] / se[2]; sx <= hi[2] / se[2]; sx++) {
                size_t i = ((size_t)sz * g[1] + (size_t)sy) * g[2] + (size_t)sx;
                size_t from = i ? be32(ends + 4 * (i - 1)) : 0, to = be32(ends + 4 * i);
                int64_t z0 = sz * se[0], y0 = sy * se[1], x0 = sx * se[2];
                int64_t nz = ed[0] - z0 < se[0] ? ed[0] - z0 : se[0],
                        ny = ed[1] - y0 < se[1] ? ed[1] - y0 : se[1],
                        nx = ed[2] - x0 < se[2] ? ed[2] - x0 : se[2];
                size_t cnt = (size_t)(nz * ny * nx), raw = cnt * es;
                if (p[1] == 'l') {
                    int got = LZ4_decompress_safe((const char *)data + from, (char *)sb,
                                                  (int)(to - from), (int)raw);
                    if (got < 0 || (size_t)got != raw)
                        return d4m__error(D4M_ECORRUPT, "an LZ4 brick does not decompress");
                } else {
                    if (!w->zd && !(w->zd = ZSTD_createDCtx()))
                        return d4m__error(D4M_ENOMEM, "out of memory for a zstd context");
                    size_t got = ZSTD_decompressDCtx(w->zd, sb, raw, data + from, to - from);
                    if (ZSTD_isError(got) || got != raw)
                        return d4m__error(D4M_ECORRUPT, "a zstd brick does not decompress");
                }
                /* the part of lo..hi in this sub-block */
                int64_t za = lo[0] > z0 ? lo[0] : z0, zb = hi[0] < z0 + nz - 1 ? hi[0] : z0 + nz - 1;
                int64_t ya = lo[1] > y0 ? lo[1] : y0, yb = hi[1] < y0 + ny - 1 ? hi[1] : y0 + ny - 1;
                int64_t xa = lo[2] > x0 ? lo[2] : x0, xb = hi[2] < x0 + nx - 1 ? hi[2] : x0 + nx - 1;
                size_t run = (size_t)(xb - xa + 1);
                for (int64_t z = za; z <= zb; z++)
                    for (int64_t y = ya; y <= yb; y++)
                        unshuffle_run(dst_at(d, z, y, xa), sb,
                                      (size_t)(((z - z0) * ny + (y - y0)) * nx + (xa - x0)), run,
                                      cnt, es);
            }
    return 0;
bad:
    return d4m__error(D4M_ECORRUPT, "a brick of the volume is damaged (sub-block table)");
}

static int bricks_part(d4m_volume *v, worker *w, const box_job *j, size_t lo_item,
                       size_t hi_item)
{
    const vol_record *r = &v->rec;
    const d4m_box *b = j->b;
    size_t es = d4m_dtype_size(r->dtype);
    int64_t o = r->overlap, B[3] = { r->brick[0], r->brick[1], r->brick[2] };
    int64_t ed[3] = { B[0] + 2 * o, B[1] + 2 * o, B[2] + 2 * o };
    size_t bn = (size_t)(ed[0] * ed[1] * ed[2]), raw = bn * es;
    int64_t wx = b->x1 - b->x0 + 1, wy = b->y1 - b->y0 + 1;
    int64_t nby = nbricks(r->ny, r->brick[1]);
    int64_t by0 = b->y0 / B[1], nrow_y = b->y1 / B[1] - by0 + 1;
    unsigned char lo[20], hi[20];
    d4m_kv_iter *it = NULL;
    int rc = 0;
    for (size_t item = lo_item; item < hi_item && !rc; item++) {
        int64_t bz = b->z0 / B[0] + (int64_t)item / nrow_y, by = by0 + (int64_t)item % nrow_y;
        int64_t bx0 = b->x0 / B[2], bx1 = b->x1 / B[2];
        triple_key(lo, r->id, bz * nby + by + 1, bx0 + 1);
        triple_key(hi, r->id, bz * nby + by + 1, bx1 + 2);
        d4m_key l = { (const char *)lo, 20 }, h = { (const char *)hi, 20 };
        rc = it ? d4m_kv__iter_seek(it, l, h) : d4m_kv__iter_new(&it, v->db->kv, NULL, l, h);
        int64_t expect = bx0;
        for (; !rc && d4m_kv__iter_valid(it); d4m_kv__iter_next(it), expect++) {
            d4m_key k = d4m_kv__iter_key(it);
            int64_t bx = k.len == 20 ? key_int(k.ptr + 12) - 1 : -1;
            if (bx != expect)
                break;
            d4m_key val = d4m_kv__iter_value(it);
            /* the part of the box in this brick's core, in the stored
             * brick's coordinates (overlap included) */
            int64_t g0[3] = { bz * B[0] - o, by * B[1] - o, bx * B[2] - o };
            int64_t blo[3] = { b->z0, b->y0, b->x0 }, bhi[3] = { b->z1, b->y1, b->x1 };
            int64_t pl[3], ph[3];
            for (int a = 0; a < 3; a++) {
                int64_t ca = g0[a] + o, cb = ca + B[a] - 1;
                pl[a] = (ca > blo[a] ? ca : blo[a]) - g0[a];
                ph[a] = (cb < bhi[a] ? cb : bhi[a]) - g0[a];
            }
            brick_dst d = { (unsigned char *)j->buf, b->z0 - g0[0], b->y0 - g0[1],
                            b->x0 - g0[2], wy, wx, es };
            if (val.len >= 2 && val.ptr[0] == 's' && (val.ptr[1] == 'z' || val.ptr[1] == 'l')) {
                rc = copy_subblocks(w, val, ed, pl, ph, &d);
            } else {
                const unsigned char *src = NULL;
                rc = brick_payload(&src, w, val, raw);
                size_t run = (size_t)(ph[2] - pl[2] + 1);
                for (int64_t z = pl[0]; z <= ph[0] && !rc; z++)
                    for (int64_t y = pl[1]; y <= ph[1]; y++) {
                        size_t i = (size_t)((z * ed[1] + y) * ed[2] + pl[2]);
                        if (val.ptr[1] == 'R')
                            memcpy(dst_at(&d, z, y, pl[2]), src + i * es, run * es);
                        else
                            unshuffle_run(dst_at(&d, z, y, pl[2]), src, i, run, bn, es);
                    }
            }
            if (rc)
                break;
            /* The last brick of the row: no step to the next (the store's
             * iterator has no upper bound; the step would read a brick). */
            if (bx == bx1) {
                expect++;
                break;
            }
        }
        if (!rc)
            rc = d4m_kv__iter_status(it);
        if (!rc && expect != bx1 + 1)
            rc = d4m__error(D4M_ECORRUPT, "brick (%lld, %lld, %lld) of the volume is missing",
                            (long long)bz, (long long)by, (long long)expect);
    }
    d4m_kv__iter_free(it);
    return rc;
}

typedef int (*part_fn)(d4m_volume *v, worker *w, const box_job *j, size_t lo, size_t hi);

typedef struct part {
    d4m_volume *v;
    part_fn fn;
    const box_job *j;
    int t;
    size_t lo, hi;
    int rc;
    char msg[512];
} part;

static void *part_main(void *arg)
{
    part *p = arg;
    p->rc = p->fn(p->v, &p->v->w[p->t], p->j, p->lo, p->hi);
    if (p->rc < 0)
        snprintf(p->msg, sizeof p->msg, "%s", d4m_error_message());
    return NULL;
}

/* Items [0, n) split into one contiguous share per thread (so that each
 * thread's seeks move forward): the caller's thread and up to ncores - 1
 * helpers started for this read and joined before it returns (no pool
 * that spins between reads; on a busy machine a spinning pool made reads
 * slower, not faster).  Small reads stay on the caller's thread.  An error
 * on any thread is the call's error, with that thread's message. */
static int run_parts(d4m_volume *v, part_fn fn, const box_job *j, size_t n, size_t min_items)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = ncpu > 1 ? (size_t)ncpu : 1;
    if (nt > 4)
        nt = 4;

    if (nt > n / (min_items ? min_items : 1))
        nt = n / (min_items ? min_items : 1);
    if (nt <= 1)
        return fn(v, &v->w[0], j, 0, n);
    part p[4];
    pthread_t th[4];
    int started[4] = { 0 };
    for (size_t t = 0; t < nt; t++)
        p[t] = (part){ v, fn, j, (int)t, n * t / nt, n * (t + 1) / nt, 0, "" };
    for (size_t t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, part_main, &p[t]) == 0;
    /* a helper that did not start: its share runs here */
    part_main(&p[0]);
    for (size_t t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            part_main(&p[t]);
    }
    for (size_t t = 0; t < nt; t++)
        if (p[t].rc < 0)
            return d4m__error(p[t].rc, "%s", p[t].msg);
    return 0;
}

int d4m_volume_read_box(void *buf, d4m_volume *v, const d4m_box *b)
{
    if (!buf || !v || !b)
        return d4m__error(D4M_EINVAL, "d4m_volume_read_box: NULL argument");
    D4M_TRY(check_box(v, b));
    const vol_record *r = &v->rec;
    box_job j = { buf, b };
    if (r->layout == D4M_VOLUME_TRIPLES) {
        fill_bytes(buf, (size_t)d4m_box_voxels(b), r->fill, d4m_dtype_size(r->dtype));
        return run_parts(v, triples_part, &j,
                         (size_t)((b->z1 - b->z0 + 1) * (b->y1 - b->y0 + 1)), 64);
    }
    int64_t rows = (b->z1 / r->brick[0] - b->z0 / r->brick[0] + 1) *
                   (b->y1 / r->brick[1] - b->y0 / r->brick[1] + 1);
    int64_t per_row = b->x1 / r->brick[2] - b->x0 / r->brick[2] + 1;
    /* helpers only for 4 bricks or more: for fewer, starting a thread
     * costs about what it saves, and more on a busy machine (measured:
     * from 2 compressed bricks on, 32^3 boxes read 15-35% slower) */
    return run_parts(v, bricks_part, &j, (size_t)rows,
                     rows * per_row >= 4 ? 1 : (size_t)rows + 1);
}

/* A dense copy of box b (the caller frees it). */
static int read_dense(unsigned char **out, d4m_volume *v, const d4m_box *b)
{
    *out = NULL;
    D4M_TRY(check_box(v, b));
    size_t n = d4m__mul((size_t)d4m_box_voxels(b), d4m_dtype_size(v->rec.dtype));
    unsigned char *buf = d4m__malloc(n ? n : 1);
    if (!buf)
        return D4M_ENOMEM;
    int rc = d4m_volume_read_box(buf, v, b);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

int d4m_volume_read_assoc(d4m_assoc **out, d4m_volume *v, const d4m_box *b)
{
    if (!out || !v || !b)
        return d4m__error(D4M_EINVAL, "d4m_volume_read_assoc: NULL argument");
    *out = NULL;
    unsigned char *buf;
    D4M_TRY(read_dense(&buf, v, b));
    const vol_record *r = &v->rec;
    size_t es = d4m_dtype_size(r->dtype), n = (size_t)d4m_box_voxels(b), m = 0;
    double *rows = d4m__malloc(d4m__mul(n ? n : 1, 3 * sizeof(double)));
    int rc = rows ? 0 : D4M_ENOMEM;
    if (!rc) {
        double *cols = rows + n, *vals = rows + 2 * n;
        size_t i = 0;
        for (int64_t z = b->z0; z <= b->z1; z++)
            for (int64_t y = b->y0; y <= b->y1; y++)
                for (int64_t x = b->x0; x <= b->x1; x++, i++) {
                    const unsigned char *p = buf + i * es;
                    double d = get_num(p, 0, r->dtype);
                    if (is_fill(p, r, es) || d == 0)
                        continue;
                    rows[m] = (double)(z * r->ny + y + 1);
                    cols[m] = (double)(x + 1);
                    vals[m] = d;
                    m++;
                }
        if (m == 0)
            rc = d4m_assoc_new_empty(out);
        else
            rc = d4m_assoc_build(out, d4m_vec_num(rows, m), d4m_vec_num(cols, m),
                                 d4m_vec_num(vals, m), NULL);
    }
    free(rows);
    free(buf);
    return rc;
}

int d4m_volume_write_fits(d4m_volume *v, const d4m_box *box, const char *path)
{
    if (!v || !path)
        return d4m__error(D4M_EINVAL, "d4m_volume_write_fits: NULL argument");
    if (!*path)
        return d4m__error(D4M_EINVAL, "the FITS file name is empty");
    const vol_record *r = &v->rec;
    d4m_box whole = { 0, r->nz - 1, 0, r->ny - 1, 0, r->nx - 1 };
    const d4m_box *b = box ? box : &whole;
    struct stat st0;
    if (stat(path, &st0) == 0)
        return d4m__error(D4M_EEXISTS, "%s exists already", path);
    unsigned char *buf;
    D4M_TRY(read_dense(&buf, v, b));
    size_t n = (size_t)d4m_box_voxels(b);
    d4m_dtype t = r->dtype;
    /* A scaled integer image keeps its nulls as BLANK: mark NaN with a
     * value cfitsio can compare. */
    double sentinel = t == D4M_F32 ? -FLT_MAX : -DBL_MAX;
    int need_null = 0;
    if (is_float(t) && r->bitpix > 0 && r->has_blank)
        for (size_t i = 0; i < n; i++)
            if (isnan(get_num(buf, i, t))) {
                set_num(buf, i, t, sentinel);
                need_null = 1;
            }
    int st = 0;
    fitsfile *f = NULL;
    long naxes[3] = { (long)(b->x1 - b->x0 + 1), (long)(b->y1 - b->y0 + 1),
                      (long)(b->z1 - b->z0 + 1) };
    int naxis = r->nz == 1 ? 2 : 3;
    fits_create_diskfile(&f, path, &st);   /* the name as it is: no "!" clobber, no [..] */
    fits_create_img(f, r->bitpix, naxis, naxes, &st);
    /* cfitsio adds two COMMENT cards of its own; the kept cards have them */
    while (!st) {
        int k = 0;
        if (fits_delete_key(f, "COMMENT", &k))
            break;
    }
    fits_clear_errmsg();
    if (r->bscale != 1 || r->bzero != 0) {
        fits_write_key_dbl(f, "BSCALE", r->bscale, -15, "physical = BZERO + BSCALE * array",
                           &st);
        fits_write_key_dbl(f, "BZERO", r->bzero, -15, NULL, &st);
        fits_set_bscale(f, r->bscale, r->bzero, &st);
    }
    if (r->has_blank && r->bitpix > 0) {
        LONGLONG blank = r->blank;
        fits_write_key(f, TLONGLONG, "BLANK", &blank, "raw value of undefined pixels", &st);
        fits_set_imgnull(f, r->blank, &st);
    }
    for (size_t i = 0; i < r->ncards && !st; i++) {
        char card[CARD + 1];
        memcpy(card, r->cards + i * CARD, CARD);
        card[CARD] = '\0';
        fits_write_record(f, card, &st);
    }
    /* Pixel coordinates of the box: CRPIXn move with its origin. */
    int64_t off[3] = { b->x0, b->y0, b->z0 };
    for (int a = 0; a < 3 && !st; a++) {
        char name[16];
        double crpix;
        int k = 0;
        snprintf(name, sizeof name, "CRPIX%d", a + 1);
        if (off[a] && fits_read_key_dbl(f, name, &crpix, NULL, &k) == 0)
            fits_update_key_dbl(f, name, crpix - (double)off[a], -15, NULL, &st);
    }
    fits_clear_errmsg();
    long first[3] = { 1, 1, 1 };
    if (!st) {
        if (need_null) {
            if (t == D4M_F32) {
                float s = (float)sentinel;
                fits_write_pixnull(f, TFLOAT, first, (LONGLONG)n, buf, &s, &st);
            } else {
                fits_write_pixnull(f, TDOUBLE, first, (LONGLONG)n, buf, &sentinel, &st);
            }
        } else if (!is_float(t) && r->has_blank) {
            unsigned char nul[8];
            memcpy(nul, r->fill, 8);
            fits_write_pixnull(f, cfitsio_type(t), first, (LONGLONG)n, buf, nul, &st);
        } else {
            fits_write_pix(f, cfitsio_type(t), first, (LONGLONG)n, buf, &st);
        }
    }
    int rc = 0;
    if (st) {
        rc = fits_fail(st, path, "cannot write");
        int s2 = 0;
        if (f)
            fits_delete_file(f, &s2);
        else
            unlink(path);
    } else {
        fits_close_file(f, &st);
        if (st) {
            rc = fits_fail(st, path, "cannot write");
            unlink(path);
        }
    }
    free(buf);
    return rc;
}
