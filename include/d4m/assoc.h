/*
 * d4m/assoc.h - associative arrays (D4M's Assoc) over GraphBLAS.
 *
 * An Assoc has sorted unique row keys, sorted unique column keys and a sparse
 * matrix of values.  Each axis holds string keys (D4M_STR) or numeric keys
 * (D4M_NUM).  A numeric axis is D4M's "positions": its keys are 1..n, key k
 * is row/column k-1 of the matrix, and n is the largest position given.
 * Values are doubles (D4M_NUM) or strings (D4M_STR: the matrix holds 1-based
 * indices into the sorted unique list of value strings).
 *
 * A stored zero (or an empty string value) is no entry, and string-keyed rows
 * and columns left without entries are dropped from the key lists.
 * The reference behaviour is shared/D4M-SEMANTICS.md.
 *
 * Ownership: every d4m_assoc ** out parameter receives a new array owned by
 * the caller and freed with d4m_assoc_free().  Keys returned by accessors are
 * borrowed from the array and stay valid until it is freed.  An Assoc's
 * content never changes after it is built, but reading one may reorganise
 * its storage (GraphBLAS finishes deferred work lazily, and some reads borrow
 * the matrix's arrays in place): use one Assoc from one thread at a time, or
 * give each thread its own d4m_assoc_dup().
 */
#ifndef D4M_ASSOC_H
#define D4M_ASSOC_H

#include <stdint.h>
#include <stdio.h>
#include "d4m/key.h"
#include "d4m/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct d4m_assoc d4m_assoc;

/* ---------------------------------------------------------------- build */

/* How duplicate (row, col) pairs are combined. */
typedef enum d4m_collide {
    D4M_COLLIDE_MIN = 0,   /* default; for strings the alphabetically smallest */
    D4M_COLLIDE_MAX,       /* for strings the alphabetically largest */
    D4M_COLLIDE_SUM,       /* numeric values only */
    D4M_COLLIDE_FIRST,     /* the first in input order */
    D4M_COLLIDE_LAST,      /* the last in input order */
    D4M_COLLIDE_CALLBACK   /* options.fn(a, b, ctx), a earlier in input order; numeric only */
} d4m_collide;

typedef double (*d4m_collide_fn)(double a, double b, void *ctx);

/* Flags of d4m_build_options. */
#define D4M_BUILD_TEXT_KEYS 0x1u  /* string keys and values must be valid UTF-8
                                     without NUL bytes, else D4M_EKEY */

typedef struct d4m_build_options {
    unsigned version;        /* D4M_BUILD_OPTIONS_VERSION */
    d4m_collide collide;
    d4m_collide_fn fn;       /* D4M_COLLIDE_CALLBACK */
    void *ctx;
    unsigned flags;          /* D4M_BUILD_* */
} d4m_build_options;

#define D4M_BUILD_OPTIONS_VERSION 1
#define D4M_BUILD_OPTIONS_INIT { D4M_BUILD_OPTIONS_VERSION, D4M_COLLIDE_MIN, NULL, NULL, 0u }

/* A = Assoc(row, col, val, collide).
 * row, col, val each have n items or 1 item (repeated).  Numeric row/col
 * items are positions: positive integers up to 2^53.  Numeric values must be
 * finite; zeros (and empty string values) make no entry.  opts may be NULL.
 * Errors: D4M_ELENGTH, D4M_EVALUE (NaN/Inf), D4M_EKEY (bad position, or not
 * text under D4M_BUILD_TEXT_KEYS), D4M_EVALKIND (sum or callback on string
 * values), D4M_ETOOBIG, D4M_EINVAL, D4M_ENOMEM. */
int d4m_assoc_build(d4m_assoc **out, d4m_vec row, d4m_vec col, d4m_vec val,
                    const d4m_build_options *opts);

/* A = Assoc('r1 r2 ', 'c1 c2 ', 'v1 v2 ') from D4M lists (last byte of each
 * list is its separator).  val_num != NULL gives numeric values instead of
 * the val list (val_n of them).  As in D4M, any empty list gives the empty
 * Assoc.  Errors as d4m_assoc_build, plus D4M_ESEP (a list ending in a letter
 * or digit: its separator is missing). */
int d4m_assoc_from_lists(d4m_assoc **out, d4m_key row, d4m_key col, d4m_key val,
                         const d4m_build_options *opts);
int d4m_assoc_from_lists_num(d4m_assoc **out, d4m_key row, d4m_key col,
                             const double *val_num, size_t val_n,
                             const d4m_build_options *opts);

/* The empty Assoc. */
int d4m_assoc_new_empty(d4m_assoc **out);

/* A copy of a. */
int d4m_assoc_dup(d4m_assoc **out, const d4m_assoc *a);

/* Free an Assoc. Accepts NULL. */
void d4m_assoc_free(d4m_assoc *a);

/* ------------------------------------------------------------- accessors */

/* dim: 1 = rows, 2 = columns (as D4M's sum(A, dim)). */
size_t d4m_assoc_nnz(const d4m_assoc *a);
size_t d4m_assoc_nrows(const d4m_assoc *a);   /* number of row keys */
size_t d4m_assoc_ncols(const d4m_assoc *a);   /* number of column keys */
int d4m_assoc_is_empty(const d4m_assoc *a);   /* nnz == 0 */

d4m_kind d4m_assoc_key_kind(const d4m_assoc *a, int dim);
size_t d4m_assoc_key_count(const d4m_assoc *a, int dim);
/* The i-th (0-based) key of a string axis; {NULL,0} if out of range or the
 * axis is numeric.  Borrowed from a. */
d4m_key d4m_assoc_key(const d4m_assoc *a, int dim, size_t i);
/* Position of key key on a string axis (0-based), or -1 if absent. */
int64_t d4m_assoc_key_find(const d4m_assoc *a, int dim, d4m_key key);

d4m_kind d4m_assoc_val_kind(const d4m_assoc *a);
/* Number of distinct string values (0 for numeric values). */
size_t d4m_assoc_val_count(const d4m_assoc *a);
/* The i-th (0-based) string value, borrowed; {NULL,0} if out of range. */
d4m_key d4m_assoc_val_str(const d4m_assoc *a, size_t i);

/* The value at (row i, col j), 0-based indices.  For string values the
 * result is the 1-based index of the value string, 0 if absent. */
double d4m_assoc_get_ij(const d4m_assoc *a, size_t i, size_t j);

/* Triples out. */
typedef enum d4m_order {
    D4M_ORDER_COL = 0,   /* by column, then row: D4M's find() */
    D4M_ORDER_ROW = 1    /* by row, then column */
} d4m_order;

typedef struct d4m_triples {
    size_t n;
    uint64_t *row;   /* 0-based row key index */
    uint64_t *col;   /* 0-based column key index */
    double *val;     /* numeric values, or NULL when values are strings */
    uint64_t *sval;  /* 0-based index into the value strings, or NULL */
} d4m_triples;

/* [r, c, v] = find(A).  *out is the caller's, freed with d4m_triples_free. */
int d4m_assoc_find(d4m_triples **out, const d4m_assoc *a, d4m_order order);
void d4m_triples_free(d4m_triples *t);

/* ------------------------------------------------------------ element-wise */

/* C = A + B: union of keys; numbers add; strings keep the larger string;
 * string + number counts the string side as 1. */
int d4m_assoc_plus(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
/* C = A - B: numbers: union, B-only entries negated; strings: entries present
 * in only one side. */
int d4m_assoc_minus(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
/* C = A & B: intersection keeping the min (strings: the smaller string). */
int d4m_assoc_and(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
/* C = A | B: union keeping the min where both have an entry. */
int d4m_assoc_or(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
/* C = A .* B and C = A ./ B over the intersection (numeric values only;
 * a string-valued side counts as 1). */
int d4m_assoc_times(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
int d4m_assoc_divide(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
/* C = A .* x and C = A ./ x (numeric values). */
int d4m_assoc_scale(d4m_assoc **out, const d4m_assoc *a, double x);
int d4m_assoc_divide_scalar(d4m_assoc **out, const d4m_assoc *a, double x);

/* Comparisons: the entries of A whose value satisfies `v op x`, with their
 * original values.  _num on numeric values, _str on string values (compared
 * bytewise with the value strings). */
typedef enum d4m_cmp { D4M_EQ, D4M_NE, D4M_LT, D4M_GT, D4M_LE, D4M_GE } d4m_cmp;
int d4m_assoc_cmp_num(d4m_assoc **out, const d4m_assoc *a, d4m_cmp op, double x);
int d4m_assoc_cmp_str(d4m_assoc **out, const d4m_assoc *a, d4m_cmp op, d4m_key x);

/* -------------------------------------------------------------- matrices */

/* Semirings for d4m_assoc_mxm (add.multiply). */
typedef enum d4m_semiring {
    D4M_PLUS_TIMES = 0,  /* the ordinary A * B */
    D4M_MIN_PLUS,
    D4M_MAX_PLUS,
    D4M_MAX_MIN,
    D4M_MIN_MAX,
    D4M_PLUS_MIN,
    D4M_MAX_TIMES,
    D4M_MIN_TIMES,
    D4M_PLUS_PAIR,       /* counts the matching inner keys */
    D4M_ANY_PAIR         /* 1 where any inner key matches */
} d4m_semiring;

/* C = A (add.mul) B over the intersection of A's column keys and B's row
 * keys.  String values count as 1.  Results equal to zero vanish. */
int d4m_assoc_mxm(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b,
                  d4m_semiring s);
/* C = A * B (plus.times). */
int d4m_assoc_mtimes(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
/* C = A.' */
int d4m_assoc_transpose(d4m_assoc **out, const d4m_assoc *a);
/* C = A.' * A and C = A * A.' */
int d4m_assoc_sqin(d4m_assoc **out, const d4m_assoc *a);
int d4m_assoc_sqout(d4m_assoc **out, const d4m_assoc *a);
/* C = CatKeyMul(A, B): C(i,j) = "k1;k2;" the matching inner keys in order.
 * Numeric inner keys print as integers. */
int d4m_assoc_catkeymul(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);
/* C = CatValMul(A, B): C(i,j) = "a1;b1;a2;b2;" the value pairs of the
 * matching inner keys (numbers printed with %g). */
int d4m_assoc_catvalmul(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *b);

/* Reductions along dim (1: collapse rows -> 1 x ncols, row key 1;
 * 2: collapse columns -> nrows x 1, column key 1).  sum counts string
 * values as 1; max/min of string values give the largest/smallest string.
 * max/min look at stored entries only (absent entries are not zeros). */
int d4m_assoc_sum(d4m_assoc **out, const d4m_assoc *a, int dim);
int d4m_assoc_max(d4m_assoc **out, const d4m_assoc *a, int dim);
int d4m_assoc_min(d4m_assoc **out, const d4m_assoc *a, int dim);

/* ----------------------------------------------------------- conversions */

int d4m_assoc_logical(d4m_assoc **out, const d4m_assoc *a); /* every entry 1 */
/* double(A): numeric values unchanged; string values become their 1-based
 * index in the value list. */
int d4m_assoc_double(d4m_assoc **out, const d4m_assoc *a);
int d4m_assoc_abs0(d4m_assoc **out, const d4m_assoc *a);    /* = logical */
/* num2str: numeric values to strings printed with "%g". */
int d4m_assoc_num2str(d4m_assoc **out, const d4m_assoc *a);
/* str2num: string values parsed as numbers; D4M_EVALUE names the first that
 * is not a finite number. */
int d4m_assoc_str2num(d4m_assoc **out, const d4m_assoc *a);
/* NoDiag: drop the entries whose row key equals their column key. */
int d4m_assoc_nodiag(d4m_assoc **out, const d4m_assoc *a);
/* diag: keep only those entries. */
int d4m_assoc_diag(d4m_assoc **out, const d4m_assoc *a);
/* putRow/putCol: replace the keys of an axis, the i-th key by keys[i]
 * (exactly as many keys as the axis has; the result is re-sorted and
 * collisions take min).  putVal: replace the i-th string value. */
int d4m_assoc_put_keys(d4m_assoc **out, const d4m_assoc *a, int dim, d4m_vec keys);
int d4m_assoc_put_val(d4m_assoc **out, const d4m_assoc *a, d4m_vec vals);
/* noRow/noCol: make an axis numeric (positions 1..n); noVal: values 1. */
int d4m_assoc_no_keys(d4m_assoc **out, const d4m_assoc *a, int dim);
/* val2col(A, sep): D4M's exploded schema.  Entry (r, c, v) becomes
 * (r, c<sep>v, 1): column "Color" with value "red" becomes column
 * "Color|red" (numbers as num2str prints them, numeric column keys in
 * decimal).  Errors: D4M_ESEP (empty sep), D4M_EINVAL. */
int d4m_assoc_val2col(d4m_assoc **out, const d4m_assoc *a, d4m_key sep);
/* col2type(A, sep): the inverse.  Column "Color|red" becomes column "Color"
 * with the string value "red" (split at the first sep; A's values are not
 * used); two values of one type in a row keep the smaller, as construction
 * does.  Errors: D4M_EKEY (a column key without sep, or numeric column
 * keys), D4M_ESEP, D4M_EINVAL. */
int d4m_assoc_col2type(d4m_assoc **out, const d4m_assoc *a, d4m_key sep);

/* ----------------------------------------------------- user functions */

/* Apply fn to every numeric value; results of 0 vanish, NaN/Inf results are
 * D4M_EVALUE. */
typedef double (*d4m_apply_fn)(double v, void *ctx);
int d4m_assoc_apply(d4m_assoc **out, const d4m_assoc *a, d4m_apply_fn fn, void *ctx);

/* One entry as seen by a predicate.  A key of a numeric axis has ptr NULL
 * and its position in *num. */
typedef struct d4m_entry {
    d4m_key row;  double row_num;
    d4m_key col;  double col_num;
    double val;   /* numeric value (string values: their 1-based index) */
    d4m_key sval; /* the string value, or {NULL,0} */
} d4m_entry;

/* Return 1 to keep the entry, 0 to drop it, negative to stop (the call then
 * fails with D4M_ECALLBACK). */
typedef int (*d4m_select_fn)(const d4m_entry *e, void *ctx);
int d4m_assoc_select(d4m_assoc **out, const d4m_assoc *a, d4m_select_fn fn, void *ctx);

/* ---------------------------------------------------------------- display */

/* display(A): one "(row,col)  value" line per entry, in D4M's column-major
 * order. Errors: D4M_EIO. */
int d4m_assoc_print(FILE *f, const d4m_assoc *a);

/* 1 if a and b hold the same keys, kinds and values, else 0. */
int d4m_assoc_equal(const d4m_assoc *a, const d4m_assoc *b);

#ifdef __cplusplus
}
#endif
#endif
