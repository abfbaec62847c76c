/*
 * algebra/internal.h - what the files of algebra/ share.  Not installed.
 *
 * An Assoc is two key sets (rows, columns), a value kind with, for string
 * values, a sorted unique value list, and a GrB_FP64 matrix held by row.
 * Invariants kept by d4m__assoc_finish():
 *   - no stored zeros;
 *   - every key of a string axis has at least one entry (numeric axes are
 *     positions 1..n and may have empty positions, as in D4M);
 *   - for string values, every value string is used by at least one entry,
 *     and the matrix holds its 1-based index.
 */
#ifndef D4M_ALGEBRA_INTERNAL_H
#define D4M_ALGEBRA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <GraphBLAS.h>
#include "d4m.h"
#include "common.h"

/* Largest position of a numeric axis and largest key count of any axis. */
#define D4M__MAX_POSITION 9007199254740992.0   /* 2^53 */
#define D4M__MAX_KEYS ((uint64_t)1 << 48)

/* Translate a GrB_Info into our code, naming the call. */
int d4m__grb(GrB_Info info, const char *what);
/* Start GraphBLAS once per process (thread-safe); 0 or an error code. */
int d4m__init(void);
#define D4M_GRB(call) d4m__grb((call), #call)

/* ---------------------------------------------------------- key sets */

/* The sorted unique keys of one axis, or the value strings of an Assoc.
 * STR: n keys, key i is buf[off[i] .. off[i+1]).  NUM: positions 1..n. */
typedef struct d4m_keys {
    d4m_kind kind;
    uint64_t n;
    uint64_t *off;   /* n + 1 offsets (STR) */
    char *buf;       /* key bytes (STR) */
} d4m_keys;

void d4m__keys_clear(d4m_keys *k);
int d4m__keys_copy(d4m_keys *dst, const d4m_keys *src);
static inline d4m_key d4m__keys_at(const d4m_keys *k, uint64_t i)
{
    d4m_key r;
    r.ptr = k->buf + k->off[i];
    r.len = (size_t)(k->off[i + 1] - k->off[i]);
    return r;
}
/* First index whose key is >= key (n if none). */
uint64_t d4m__keys_lower(const d4m_keys *k, d4m_key key);
/* First index whose key is > key. */
uint64_t d4m__keys_upper(const d4m_keys *k, d4m_key key);
/* Index of key, or -1. */
int64_t d4m__keys_find(const d4m_keys *k, d4m_key key);
int d4m__keys_equal(const d4m_keys *a, const d4m_keys *b);

/* Deduplicate n keys: *out gets the sorted unique keys, id[t] the index of
 * key t in them.  keys may repeat by stride 0 when n_in == 1 (then id has n
 * entries all 0). */
int d4m__keys_from_strings(d4m_keys *out, uint64_t *id, const d4m_key *keys, size_t n);

/* Keep the keys i with keep[i] != 0; map[i] receives the new index (or
 * UINT64_MAX).  Numeric axes: map is the identity-compacting renumbering
 * too when compact_num is true, else the axis is left as is. */
int d4m__keys_subset(d4m_keys *out, uint64_t *map, const d4m_keys *k, const uint8_t *keep);

/* The union of two sorted key sets, and the monotone maps of each into it
 * (the caller frees them).  Both must be of one kind.  Numeric axes: the
 * larger extent, and the maps come back NULL (identity).  amap/bmap may be
 * NULL when not wanted. */
int d4m__keys_union(d4m_keys *out, uint64_t **amap, uint64_t **bmap,
                    const d4m_keys *a, const d4m_keys *b);
/* The intersection, with maps from each side into it (UINT64_MAX if not in
 * the intersection).  Numeric axes: the smaller extent, NULL maps. */
int d4m__keys_intersect(d4m_keys *out, uint64_t **amap, uint64_t **bmap,
                        const d4m_keys *a, const d4m_keys *b);

/* ------------------------------------------------------------- Assoc */

struct d4m_assoc {
    d4m_keys row, col;
    d4m_kind vkind;
    d4m_keys val;     /* value strings when vkind == D4M_STR */
    GrB_Matrix m;     /* GrB_FP64, row.n x col.n */
};

/* A zeroed Assoc shell (no matrix). */
d4m_assoc *d4m__assoc_alloc(void);

/* A matrix unpacked into hypersparse CSR arrays (malloc'd, GraphBLAS's). */
typedef struct d4m_csr {
    uint64_t nrows, ncols;
    uint64_t nvec;      /* rows present */
    uint64_t *p;        /* nvec + 1 */
    uint64_t *h;        /* nvec row indices, ascending */
    uint64_t *j;        /* column indices, p[nvec] of them */
    double *x;          /* values (never iso here) */
    uint64_t p_size, h_size, j_size, x_size;   /* bytes */
    bool jumbled;       /* columns within a row may be unsorted */
} d4m_csr;

/* Take m's contents out (m is left an empty matrix of the same size).
 * allow_jumbled: accept unsorted rows (cheaper after mxm). */
int d4m__csr_unpack(d4m_csr *c, GrB_Matrix m, bool allow_jumbled);
/* A new matrix c->nrows x c->ncols that takes ownership of c's arrays. */
int d4m__csr_pack(GrB_Matrix *out, d4m_csr *c);
void d4m__csr_free(d4m_csr *c);
/* Fresh CSR arrays for nvec rows and nnz entries (p[0] = 0). */
int d4m__csr_new(d4m_csr *c, uint64_t nrows, uint64_t ncols, uint64_t nvec, uint64_t nnz);
/* a's own arrays, in place and without a copy, to read (sorted rows); give
 * them back with d4m__csr_return before anything else uses a.  This is why
 * one Assoc must not be used by two threads at once (d4m/assoc.h). */
int d4m__csr_borrow(d4m_csr *c, const d4m_assoc *a);
int d4m__csr_return(const d4m_assoc *a, d4m_csr *c);
/* A copy of m's contents as CSR (m untouched). */
int d4m__csr_copy(d4m_csr *c, GrB_Matrix m, bool allow_jumbled);

/* Make an Assoc's invariants hold after an operation put arbitrary content
 * in a->m: drop zeros (when drop_zeros), drop empty keys of string axes, drop
 * unused value strings.  On failure a is freed. */
int d4m__assoc_finish(d4m_assoc **out, d4m_assoc *a, bool drop_zeros);
/* The same; compact_num also drops the empty positions of numeric axes and
 * renumbers them 1..k (D4M's subsref does this). */
int d4m__assoc_finish_ex(d4m_assoc **out, d4m_assoc *a, bool drop_zeros, bool compact_num);

/* Copy m into another key space of nrows x ncols through monotone maps
 * (NULL = identity); entries whose mapped row/col is >= nrows/ncols
 * (UINT64_MAX = not mapped) are dropped.  Values remapped through vmap
 * (NULL = unchanged; vmap[k] is the new 0-based index of 0-based value k). */
int d4m__matrix_remap(GrB_Matrix *out, GrB_Matrix m, uint64_t nrows, uint64_t ncols,
                      const uint64_t *rmap, const uint64_t *cmap, const uint64_t *vmap);

/* New Assoc from row/col key sets (copied) and a matrix (taken). */
int d4m__assoc_wrap(d4m_assoc **out, const d4m_keys *row, const d4m_keys *col,
                    d4m_kind vkind, const d4m_keys *val, GrB_Matrix m, bool drop_zeros);

/* A matrix from n unsorted triples; duplicates combined by `how` in input
 * order (fn/ctx for D4M_COLLIDE_CALLBACK). */
int d4m__matrix_from_triples(GrB_Matrix *out, uint64_t nrows, uint64_t ncols,
                             const uint64_t *I, const uint64_t *J, const double *X, size_t n,
                             d4m_collide how, d4m_collide_fn fn, void *ctx);

/* A matrix with every value 1 (string values counted as 1). */
int d4m__matrix_ones(GrB_Matrix *out, GrB_Matrix m);

/* Build an Assoc from rows/cols given as indices into existing key sets and
 * per-entry string values (deduplicated here); collisions take min. */
int d4m__assoc_from_strvals(d4m_assoc **out, const d4m_keys *row, const d4m_keys *col,
                            const uint64_t *ri, const uint64_t *ci,
                            const d4m_key *vals, size_t n);

#endif
