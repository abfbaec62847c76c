/*
 * tests/pkg/consumer/graphblas.c - an outside program that reaches the
 * GraphBLAS matrix of an Assoc through <d4m/graphblas.h>.
 */
#include <stdio.h>
#include <d4m.h>
#include <d4m/graphblas.h>

int main(void)
{
    static const double v[] = { 1, 2, 3 };
    d4m_assoc *a = NULL;
    if (d4m_assoc_from_lists_num(&a, d4m_key_cstr("alice bob alice "),
                                 d4m_key_cstr("cat dog dog "), v, 3, NULL) < 0) {
        fprintf(stderr, "build: %s\n", d4m_error_message());
        return 1;
    }
    GrB_Index nvals = 0, nrows = 0;
    GrB_Matrix m = d4m_assoc_matrix(a);
    if (!m || GrB_Matrix_nvals(&nvals, m) != GrB_SUCCESS
           || GrB_Matrix_nrows(&nrows, m) != GrB_SUCCESS) {
        fprintf(stderr, "GraphBLAS call failed\n");
        d4m_assoc_free(a);
        return 1;
    }
    printf("nvals %llu\nnrows %llu\n", (unsigned long long)nvals,
           (unsigned long long)nrows);
    d4m_assoc_free(a);
    return nvals == 3 && nrows == 2 ? 0 : 1;
}
