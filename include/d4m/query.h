/*
 * d4m/query.h - D4M key queries: parse once, run in memory or on a table.
 *
 * Grammar of a query string (the last byte is the separator, as in a list):
 *   ":"                     everything (the one-byte string)
 *   "a b c "                the listed keys (missing keys are ignored)
 *   "a : b "                an inclusive range; several may be given, and
 *                           mixed with keys: "a : b x : z q "
 *   "a : end "              open above; ": b " at the start is open below
 *   "al* "                  every key that starts with "al"
 * StartsWith("al bo ") builds prefix terms from a list, and positions (1-based,
 * in sorted key order) and key vectors have their own constructors.  A query
 * is a union of its terms.  On a numeric axis, keys and range bounds are read
 * as numbers.  Parse errors are D4M_EPARSE with d4m_error_offset() set to the
 * byte offset of the bad token.
 *
 * A d4m_query is owned by the caller (d4m_query_free) and immutable: it may
 * be used from any number of threads.
 */
#ifndef D4M_QUERY_H
#define D4M_QUERY_H

#include <stdint.h>
#include "d4m/key.h"
#include "d4m/assoc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct d4m_query d4m_query;

typedef enum d4m_term_kind {
    D4M_TERM_ALL = 0,
    D4M_TERM_KEY,        /* lo is the key */
    D4M_TERM_RANGE,      /* [lo, hi]; lo_open/hi_open for "end" bounds */
    D4M_TERM_PREFIX,     /* lo is the prefix */
    D4M_TERM_POSITION    /* pos (1-based) */
} d4m_term_kind;

/* One term of a parsed query; keys borrow from the query. */
typedef struct d4m_term {
    d4m_term_kind kind;
    d4m_key lo, hi;
    int lo_open, hi_open;  /* RANGE: 1 if unbounded on that side */
    uint64_t pos;
} d4m_term;

int d4m_query_parse(d4m_query **out, d4m_key text);
int d4m_query_all(d4m_query **out);
int d4m_query_keys(d4m_query **out, const d4m_key *keys, size_t n);
int d4m_query_starts_with(d4m_query **out, d4m_key list);
int d4m_query_positions(d4m_query **out, const uint64_t *pos, size_t n);
/* *out = a query of its own equal to q (q may then be freed). */
int d4m_query_copy(d4m_query **out, const d4m_query *q);
void d4m_query_free(d4m_query *q);

size_t d4m_query_term_count(const d4m_query *q);
/* Term i, borrowed from q; NULL if out of range. */
const d4m_term *d4m_query_term(const d4m_query *q, size_t i);
/* 1 if the query selects everything. */
int d4m_query_is_all(const d4m_query *q);

/* Asub = A(rows, cols); NULL means ":".  Rows and columns left without entries
 * are dropped (numeric axes are renumbered 1..k, as D4M does). */
int d4m_assoc_get(d4m_assoc **out, const d4m_assoc *a,
                  const d4m_query *rows, const d4m_query *cols);
/* Asub = A(B) for a mask B: the entries of A where B has an entry, with A's
 * values. */
int d4m_assoc_mask(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *mask);

/* The 0-based indices of the keys of an axis of a that q selects, ascending.
 * *idx is the caller's (d4m_free). */
int d4m_query_select(uint64_t **idx, size_t *n, const d4m_query *q,
                     const d4m_assoc *a, int dim);

#ifdef __cplusplus
}
#endif
#endif
