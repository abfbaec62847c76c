/*
 * d4m/volume.h - images: FITS files in and out, volumes kept in a database,
 * and sub-volume extraction.
 *
 * A volume is a 3-D array of voxels (a 2-D image is a volume of one slice)
 * indexed (z, y, x), x fastest, 0-based: FITS's NAXIS1 is x, NAXIS2 y,
 * NAXIS3 z.  It lives in a table of a database (created through the catalog,
 * so d4m_db_list shows it and d4m_table_drop deletes it) in one of two
 * layouts, with the same read API for both:
 *
 *  - D4M_VOLUME_TRIPLES: one triple per voxel in an integer-keyed table, the
 *    D4M model of an image: row = z*ny + y + 1 (the linear index of the
 *    voxel's x line, 1-based as D4M positions are), col = x + 1, value = the
 *    voxel's value (a number).  The table is an ordinary table: d4m_table_get
 *    and `d4m get` read it.  Blank voxels have no triple; zeros do (a stored
 *    zero), so that a dense read tells them apart.  Values are stored as
 *    numbers (doubles): 64-bit integers beyond 2^53 are not exact here (they
 *    are in bricks).
 *
 *  - D4M_VOLUME_BRICKS: the volume cut into bricks of bz x by x bx voxels
 *    (default 64^3), each brick one stored value, keyed by the brick's
 *    coordinates (bz, by, bx) as the composite integer key
 *    row = bz*nby + by + 1, col = bx + 1 (order-preserving: bricks sort by
 *    z, then y, then x).  A brick holds its voxels in the volume's type, x
 *    fastest, plus `overlap` voxels of its neighbours on every side (SciDB's
 *    chunk overlap; voxels outside the volume are the fill value), raw or
 *    byte-shuffled and compressed with LZ4 or zstd.  A compressed brick is
 *    cut into sub-blocks of 16^3 voxels, each shuffled and compressed on its
 *    own, so that a box decompresses only the sub-blocks it overlaps (bricks
 *    written before sub-blocks, compressed whole, still read).
 *
 * The volume's description (dims, type, layout, brick, codec, FITS BITPIX,
 * BSCALE, BZERO, BLANK and the other header cards) is a record kept next to
 * the table's catalog record, keyed by the table's id.  A volume is written
 * in one atomic ingest: a reader sees all of it or none of it, and a failed
 * ingest leaves no table behind.
 *
 * Values.  FITS BSCALE/BZERO are applied: the stored values are physical
 * values, in the narrowest type that holds them exactly (cfitsio's
 * "equivalent type": BITPIX 16 with BZERO 32768 is D4M_U16; a fractional
 * BSCALE gives D4M_F32 or D4M_F64).  BLANK and NaN pixels are absent:
 * no triple, and the fill value in a dense read (NaN for float types, the
 * physical BLANK value for integer types with a BLANK, else 0).  Written
 * back to FITS, a volume gets its original BITPIX, BSCALE, BZERO, BLANK and
 * header cards (CRPIXn shifted to the box).
 *
 * Handles: d4m_volume is the caller's (d4m_volume_close), and must be
 * closed before its database.  One handle serves one thread at a time.
 */
#ifndef D4M_VOLUME_H
#define D4M_VOLUME_H

#include <stddef.h>
#include <stdint.h>
#include "d4m/assoc.h"
#include "d4m/ingest.h"
#include "d4m/db.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct d4m_volume d4m_volume;
typedef struct d4m_volume_load d4m_volume_load;

/* The type of a volume's voxels. */
typedef enum d4m_dtype {
    D4M_U8 = 0, D4M_I8, D4M_U16, D4M_I16, D4M_U32, D4M_I32, D4M_U64, D4M_I64,
    D4M_F32, D4M_F64
} d4m_dtype;

/* Bytes of one voxel of type t (0 for an unknown type). */
size_t d4m_dtype_size(d4m_dtype t);
/* "u8", "i16", "f32", ... ("?" for an unknown type). */
const char *d4m_dtype_name(d4m_dtype t);

typedef enum d4m_volume_layout {
    D4M_VOLUME_TRIPLES = 0,
    D4M_VOLUME_BRICKS = 1
} d4m_volume_layout;

typedef enum d4m_volume_codec {
    D4M_CODEC_RAW = 0,    /* voxels as they are */
    D4M_CODEC_LZ4 = 1,    /* byte-shuffled, then LZ4 */
    D4M_CODEC_ZSTD = 2    /* byte-shuffled, then zstd (level 3) */
} d4m_volume_codec;

typedef struct d4m_volume_options {
    unsigned version;            /* D4M_VOLUME_OPTIONS_VERSION */
    d4m_volume_layout layout;
    unsigned brick[3];           /* brick edges z, y, x; 0: 64 (bricks only) */
    unsigned overlap;            /* voxels of overlap on each side (bricks only) */
    d4m_volume_codec codec;      /* bricks only */
    int hdu;                     /* 0: the first HDU with an image; n >= 1: HDU n
                                    (1 is the primary array).  A file name may
                                    also say it, cfitsio's way: "f.fits[2]" */
} d4m_volume_options;

#define D4M_VOLUME_OPTIONS_VERSION 1
#define D4M_VOLUME_OPTIONS_INIT \
    { D4M_VOLUME_OPTIONS_VERSION, D4M_VOLUME_TRIPLES, { 0u, 0u, 0u }, 0u, D4M_CODEC_RAW, 0 }

/* Set one option by name, as a command line or a binding spells it:
 *   "bricks" N     bricks of edge N (1 to 4096) on every axis;
 *   "codec" C      bricks compressed with C: "raw", "lz4" or "zstd";
 *   "compress" -   bricks with LZ4 (value ignored, may be NULL);
 *   "overlap" N    bricks overlapping by N voxels (0 to 1024) on each side;
 *   "hdu" N        HDU N (1 is the primary array).
 * "codec", "compress" and "overlap" imply bricks.  Errors: D4M_EINVAL for
 * an unknown name or a bad value (the message says which and why); o is
 * then unchanged. */
int d4m_volume_options_set(d4m_volume_options *o, const char *name, const char *value);

/* A box of voxels, bounds inclusive and 0-based: [z0, z1] x [y0, y1] x [x0, x1]. */
typedef struct d4m_box {
    int64_t z0, z1, y0, y1, x0, x1;
} d4m_box;

/* Voxels in a box (0 if it is empty or inverted; UINT64_MAX if there are
 * more than that). */
uint64_t d4m_box_voxels(const d4m_box *b);

/* ---------------------------------------------------------------- ingest */

/* Ingest FITS images as a new volume in table `table` (which must not
 * exist).  One file: a 2-D image or a 3-D cube (the HDU of opts->hdu).
 * Several files: a stack of 2-D slices, file i being z = i; every slice must
 * have the same size and BITPIX, BSCALE, BZERO and BLANK.  The header cards
 * of the first file are kept.  All or nothing: on any error no table is left.
 * opts may be NULL (triples).
 * Errors: D4M_EFITS (unreadable, truncated or corrupt FITS, no image HDU,
 * NAXIS not 2 or 3, slices that disagree; the message names file and
 * cfitsio's reason), D4M_EEXISTS (table exists), D4M_EINVAL (bad options,
 * read-only database), D4M_EIO, D4M_ENOSPC, D4M_ENOMEM. */
int d4m_volume_ingest_fits(d4m_db *db, const char *table, const char *const *files,
                           size_t nfiles, const d4m_volume_options *opts);

/* The same in three steps, so that the slices of a stack can be read by
 * different workers (the hook of a parallel ingest: rank r loads its own
 * range of z, one process commits).
 *   begin:  reads every file's header, checks they agree, creates the table
 *           (empty and not yet a volume);
 *   slices: reads slices [z0, z1) and writes their triples or bricks to
 *           sorted files (not yet visible).  For bricks z0 and z1 must be
 *           multiples of the brick's z edge (or z1 = nz).  Ranges may come in
 *           any order but must not overlap;
 *   commit: checks that every slice was loaded, then makes the data and the
 *           volume record visible in one atomic ingest.
 * d4m_volume_load_free after a commit frees the handle; before one (or
 * after a failure) it removes the sorted files and drops the table.
 * Errors as d4m_volume_ingest_fits; D4M_EINVAL for a bad or repeated range
 * and for a commit with slices missing. */
int d4m_volume_load_begin(d4m_volume_load **out, d4m_db *db, const char *table,
                          const char *const *files, size_t nfiles,
                          const d4m_volume_options *opts);
int d4m_volume_load_slices(d4m_volume_load *ld, int64_t z0, int64_t z1);
int d4m_volume_load_commit(d4m_volume_load *ld);
void d4m_volume_load_free(d4m_volume_load *ld);

/* d4m_volume_ingest_fits across the ranks of comm (SPMD: every rank calls it
 * with the same arguments; d4m_comm_mpi of include/d4m/mpi.h makes comm).
 * Rank 0 is the only process that opens the database at db_path: it creates
 * the table, each rank reads its own share of the slices (whole bricks along
 * z) into sorted files under db_path/d4m-tmp (a filesystem every rank
 * shares), and rank 0 ingests every rank's files and the volume record in
 * one atomic step.  With several ranks each rank's library calls use one
 * thread, as in d4m_ingest_begin.  All or nothing: an error on any rank
 * fails the call on every rank (that rank keeps its own code, the others
 * get D4M_EMPI), leaves no table and removes the files.  Errors as
 * d4m_volume_ingest_fits, and D4M_EINVAL for a bad communicator. */
int d4m_volume_ingest_fits_comm(const char *db_path, const char *table,
                                const char *const *files, size_t nfiles,
                                const d4m_volume_options *opts, const d4m_comm *comm);

/* ----------------------------------------------------------------- reads */

/* Open the volume of table `table`.  Errors: D4M_ENOTFOUND (no such table,
 * or a table that is not a volume), D4M_ECORRUPT. */
int d4m_volume_open(d4m_volume **out, d4m_db *db, const char *table);
/* Close; accepts NULL. */
void d4m_volume_close(d4m_volume *v);

typedef struct d4m_volume_info {
    int64_t nz, ny, nx;
    d4m_dtype dtype;
    d4m_volume_layout layout;
    unsigned brick[3];            /* z, y, x (bricks) */
    unsigned overlap;
    d4m_volume_codec codec;
    int bitpix;                   /* of the FITS source */
    double bscale, bzero;
    int has_blank;
    int64_t blank;                /* the raw FITS BLANK value */
    double fill;                  /* what absent voxels read as */
    size_t ncards;                /* header cards kept */
    uint64_t approx_bytes;        /* on disk, approximate */
} d4m_volume_info;

int d4m_volume_info_get(d4m_volume_info *info, const d4m_volume *v);

/* The header cards kept from the FITS source (those that are not the
 * structure of the data: SIMPLE, XTENSION, BITPIX, NAXISn, EXTEND, PCOUNT,
 * GCOUNT, BSCALE, BZERO, BLANK, CHECKSUM, DATASUM and END are left out),
 * as *ncards cards of 80 characters, back to back, no terminator.
 * Borrowed: valid until d4m_volume_close. */
const char *d4m_volume_cards(const d4m_volume *v, size_t *ncards);

/* buf = the voxels of box b, x fastest, then y, then z, in the volume's
 * type (d4m_dtype_size bytes each); absent voxels read as the fill value.
 * buf must hold d4m_box_voxels(b) voxels.
 * Errors: D4M_EINVAL (NULL, or a box not inside the volume: the message
 * gives both), D4M_ECORRUPT (a brick or triple that does not decode),
 * D4M_ENOMEM, D4M_ESTORE. */
int d4m_volume_read_box(void *buf, d4m_volume *v, const d4m_box *b);

/* The voxels of box b as an Assoc of triples (numeric keys and values):
 * row = z*ny + y + 1, col = x + 1, as in the triples layout (whole-volume
 * coordinates).  Absent voxels and, by D4M's rule, zeros are no entry.
 * Errors as d4m_volume_read_box, plus those of d4m_assoc_build. */
int d4m_volume_read_assoc(d4m_assoc **out, d4m_volume *v, const d4m_box *b);

/* Write box b (NULL: the whole volume) as a new FITS file at path: the
 * source's BITPIX, BSCALE, BZERO, BLANK and cards, NAXIS 3 (2 when the
 * volume has one slice), CRPIXn shifted by the box's origin.
 * Errors: D4M_EEXISTS (path exists), D4M_EFITS (cfitsio could not write),
 * and those of d4m_volume_read_box.  Nothing is left at path on failure. */
int d4m_volume_write_fits(d4m_volume *v, const d4m_box *b, const char *path);

#ifdef __cplusplus
}
#endif
#endif
