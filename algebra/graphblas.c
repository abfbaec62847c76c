/*
 * algebra/graphblas.c - GraphBLAS at the border: start-up, once per process,
 * and the translation of GrB_Info into our error codes.
 */
#include <pthread.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "internal.h"

int d4m__grb(GrB_Info info, const char *what)
{
    switch (info) {
    case GrB_SUCCESS:
    case GrB_NO_VALUE:
        return 0;
    case GrB_OUT_OF_MEMORY:
        return d4m__error(D4M_ENOMEM, "out of memory in %s", what);
    case GrB_INDEX_OUT_OF_BOUNDS:
    case GrB_DIMENSION_MISMATCH:
    case GrB_INVALID_INDEX:
        return d4m__error(D4M_ETOOBIG, "GraphBLAS: %s failed (info %d)", what, (int)info);
    default:
        return d4m__error(D4M_EGRAPHBLAS, "GraphBLAS: %s failed (info %d)", what, (int)info);
    }
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static GrB_Info init_info = GrB_SUCCESS;

static void init_graphblas(void)
{
    /* GraphBLAS may already be running in this process (a caller that uses
     * it directly, or Octave's own copy); then GrB_init says so and we go on. */
    init_info = GrB_init(GrB_NONBLOCKING);
    if (init_info == GrB_INVALID_VALUE)
        init_info = GrB_SUCCESS;
    if (init_info == GrB_SUCCESS)
        GxB_Global_Option_set(GxB_FORMAT, GxB_BY_ROW);
}

int d4m__init(void)
{
    pthread_once(&init_once, init_graphblas);
    if (init_info != GrB_SUCCESS)
        return d4m__error(D4M_EGRAPHBLAS, "GraphBLAS failed to start (info %d)", (int)init_info);
    return 0;
}


int d4m_set_threads(int n)
{
    if (n < 0)
        return d4m__error(D4M_EINVAL, "d4m_set_threads: %d threads", n);
    D4M_TRY(d4m__init());
    if (n == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        n = ncpu > 0 ? (int)ncpu : 1;
    }
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
    return D4M_GRB(GxB_Global_Option_set(GxB_NTHREADS, n));
}
