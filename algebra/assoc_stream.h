/*
 * algebra/assoc_stream.h - an Assoc built from entries that arrive sorted
 * by one axis: the outer key ascending, and within one outer key the inner
 * key ascending -- the order of a table scan (d4m/table.c).  Not installed.
 *
 * The outer keys need no sorting and no deduplication (a new outer key is
 * told apart from the last one by the caller); every entry's inner key is
 * kept as it comes, and at the end they are sorted (a radix sort on their
 * first 8 bytes) and deduplicated in one go; the CSR arrays are filled in
 * arrival order.  So the work at the end (d4m__stream_finish) is that sort
 * and one pass over the entries, and everything else can overlap the reads
 * that produce the entries.
 */
#ifndef D4M_ALGEBRA_ASSOC_STREAM_H
#define D4M_ALGEBRA_ASSOC_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include "d4m.h"

typedef struct d4m_assoc_stream d4m_assoc_stream;

/* kind: the key kind of both axes (D4M_STR, or D4M_NUM positions >= 1).
 * transposed: the outer keys are the Assoc's columns and the inner keys
 * its rows (a scan of a transposed table). */
int d4m__stream_new(d4m_assoc_stream **out, d4m_kind kind, bool transposed);
void d4m__stream_free(d4m_assoc_stream *s);

/* A new outer key, greater than the last one given: STR keys as bytes,
 * NUM keys as positions.  It counts only once an entry is added for it. */
int d4m__stream_outer(d4m_assoc_stream *s, d4m_key key, int64_t pos);

/* An entry of the current outer key (inner keys ascend within it): the
 * inner key (bytes for STR, a position for NUM) and a number, or, when sval
 * is not NULL, a string value.  As in d4m_table_get's answers, a chunk that
 * holds any string value holds only strings: numbers become their shortest
 * exact text, and a number 0 is no entry, as in a chunk of numbers. */
int d4m__stream_add(d4m_assoc_stream *s, d4m_key inner, int64_t pos, double v,
                    const d4m_key *sval);

/* Forget the entries added since the last finish (an abandoned chunk). */
void d4m__stream_clear(d4m_assoc_stream *s);

/* Entries added since the last finish. */
size_t d4m__stream_count(const d4m_assoc_stream *s);

/* The entries of a chunk may be built in two streams at once, one per key
 * range (d4m/table.c: a chunk read by two threads), and joined at the end:
 *
 * d4m__stream_truncate keeps the first n entries only (before sorting).
 * d4m__stream_entry gives entry k's keys (before sorting): STR keys as
 * bytes, NUM keys as the positions given.
 * d4m__stream_sort_inner sorts the distinct inner keys now (finish and
 * append would otherwise): each thread can sort its own.  No entry can be
 * added after it until the next finish or clear.
 * d4m__stream_append appends s2's entries to s: every outer key of s2 is
 * >= the last one of s (one equal key is a row cut in two: its entries
 * are joined, inner keys ascending), inner keys may be shared; s2 is empty
 * afterwards.  s's Assoc is then exactly that of all its entries added to
 * one stream in order. */
int d4m__stream_truncate(d4m_assoc_stream *s, size_t n);
int d4m__stream_entry(const d4m_assoc_stream *s, size_t k, d4m_key *outer, int64_t *opos,
                      d4m_key *inner, int64_t *ipos);
int d4m__stream_sort_inner(d4m_assoc_stream *s);
int d4m__stream_append(d4m_assoc_stream *s, d4m_assoc_stream *s2);

/* The Assoc of the entries added since the last finish (the empty Assoc
 * if none); s is then empty again, ready for the next chunk (its buffers
 * kept).  Zero values are dropped, as d4m_assoc_build drops them. */
int d4m__stream_finish(d4m_assoc **out, d4m_assoc_stream *s);

#endif
