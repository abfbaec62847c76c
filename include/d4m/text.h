/*
 * d4m/text.h - associative arrays to and from text.
 *
 * TSV triples: one "row<TAB>col<TAB>value" line per entry.  Bytes that would
 * break the format are escaped as \t \n \r \\ and \0, so any key round-trips.
 * Reading: a value that parses entirely as a finite number makes a numeric
 * value unless D4M_TEXT_STRING_VALUES is set; if any value of the file is not
 * a number, all values are strings.  Blank lines are skipped; a trailing
 * '\r' is dropped (CRLF files).
 *
 * CSV tables (D4M's ReadCSV/WriteCSV, Assoc2CSV): the first line is the
 * separator-led header of column keys ("," then each column key), each further
 * line a row key followed by one cell per column; an empty cell is no entry.
 * Cells holding the separator, a quote or a newline are quoted with '"' and
 * quotes doubled (RFC 4180).  Numbers print with %.17g so they read back
 * exactly.
 *
 * Errors: D4M_EFORMAT with d4m_error_offset() at the byte where the problem
 * is, D4M_EIO, D4M_ENOMEM, and the errors of d4m_assoc_build.
 */
#ifndef D4M_TEXT_H
#define D4M_TEXT_H

#include <stdio.h>
#include "d4m/assoc.h"

#ifdef __cplusplus
extern "C" {
#endif

#define D4M_TEXT_STRING_VALUES 0x1u   /* never turn values into numbers */

typedef struct d4m_text_options {
    unsigned version;       /* D4M_TEXT_OPTIONS_VERSION */
    char sep;               /* CSV field separator; 0 means ',' (TSV ignores it) */
    unsigned flags;         /* D4M_TEXT_* */
    d4m_collide collide;    /* for repeated (row, col) pairs in TSV */
} d4m_text_options;

#define D4M_TEXT_OPTIONS_VERSION 1
#define D4M_TEXT_OPTIONS_INIT { D4M_TEXT_OPTIONS_VERSION, 0, 0u, D4M_COLLIDE_MIN }

int d4m_assoc_parse_tsv(d4m_assoc **out, const char *buf, size_t len,
                        const d4m_text_options *opts);
int d4m_assoc_read_tsv(d4m_assoc **out, const char *path, const d4m_text_options *opts);
int d4m_assoc_write_tsv(FILE *f, const d4m_assoc *a, const d4m_text_options *opts);

int d4m_assoc_parse_csv(d4m_assoc **out, const char *buf, size_t len,
                        const d4m_text_options *opts);
int d4m_assoc_read_csv(d4m_assoc **out, const char *path, const d4m_text_options *opts);
int d4m_assoc_write_csv(FILE *f, const d4m_assoc *a, const d4m_text_options *opts);
int d4m_assoc_save_csv(const d4m_assoc *a, const char *path, const d4m_text_options *opts);

/* Is s a value the readers above take as a number?  A decimal number
 * [+-] (d+ [. d*] | . d+) [eE [+-] d+] with a finite value, read in the "C"
 * locale whatever the caller's: returns 1 and sets *x, or 0 (s is text:
 * "inf", "nan", " 1", "1e999", "1e-400" (nonzero, but it would read as 0)
 * and "" are).  D4M_EINVAL for NULL arguments,
 * D4M_ENOMEM. */
int d4m_parse_number(double *x, d4m_key s);

#ifdef __cplusplus
}
#endif
#endif
