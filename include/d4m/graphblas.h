/*
 * d4m/graphblas.h - the GraphBLAS matrix behind an Assoc, for callers who
 * want to run GraphBLAS themselves.  Includes GraphBLAS.h.
 */
#ifndef D4M_GRAPHBLAS_H
#define D4M_GRAPHBLAS_H

#include <GraphBLAS.h>
#include "d4m/assoc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The matrix of a (GrB_FP64, nrows x ncols, row-major; string values hold
 * 1-based value indices).  Borrowed and read-only: valid until a is freed. */
GrB_Matrix d4m_assoc_matrix(const d4m_assoc *a);

/* A copy of that matrix, the caller's (GrB_Matrix_free). */
int d4m_assoc_matrix_dup(GrB_Matrix *out, const d4m_assoc *a);

/* putAdj: a new Assoc with a's keys and the values of m (GrB_FP64-castable,
 * same dimensions as a).  Numeric values result. */
int d4m_assoc_put_adj(d4m_assoc **out, const d4m_assoc *a, GrB_Matrix m);

#ifdef __cplusplus
}
#endif
#endif
