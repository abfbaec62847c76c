/*
 * d4m.h - the umbrella header of libd4m.
 *
 * Associative arrays in the style of MIT Lincoln Laboratory's D4M, held as
 * SuiteSparse:GraphBLAS matrices.  See the headers in include/d4m/, one per noun.
 * d4m/graphblas.h (the GraphBLAS matrix of an Assoc) is not included here, so
 * that users who do not want GraphBLAS.h need not see it.
 */
#ifndef D4M_H
#define D4M_H

#define D4M_VERSION_MAJOR 0
#define D4M_VERSION_MINOR 1
#define D4M_VERSION_PATCH 0
#define D4M_VERSION_STRING "0.1.0"

#include "d4m/error.h"
#include "d4m/key.h"
#include "d4m/assoc.h"
#include "d4m/query.h"
#include "d4m/text.h"
#include "d4m/volume.h"
#include "d4m/db.h"
#include "d4m/ingest.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many threads the library's own loops and GraphBLAS use in this
 * process (0: one per core, the default).  Several processes on one machine
 * (MPI ranks) each want fewer: d4m_ingest_begin sets 1 when it has several
 * ranks.  Errors: D4M_EINVAL. */
int d4m_set_threads(int n);

/* The library's version string, e.g. "0.1.0". */
const char *d4m_version(void);

#ifdef __cplusplus
}
#endif
#endif
