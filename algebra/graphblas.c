/*
 * algebra/graphblas.c - GraphBLAS at the border: start-up, once per process,
 * and the translation of GrB_Info into our error codes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
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

/* Fresh memory is expensive: every 4 KiB page of a new array is a page
 * fault (about 3 ms per MB on the 2-core machines here), and by default
 * glibc serves blocks over its mmap threshold (adaptive, at most 32 MB)
 * with fresh mappings and returns the top of its heap to the system as soon
 * as 2 x that threshold is free there.  The arrays of an Assoc of a million
 * entries are 8 to 16 MB each, a product's 80 MB and more, so an operation
 * repeated on such arrays faulted its whole result in each time.  The
 * library therefore asks glibc to serve every block from its heap (no
 * mmap'd blocks) and to keep up to 256 MB of freed memory there for reuse
 * (at 1e6: A + B 44 -> 14 ms, A*A.' 0.31 -> 0.17 s, construction 74 -> 57
 * ms; RSS stays up to 256 MB higher after large temporaries are freed).
 * Only where glibc is the allocator, and not if the caller has chosen (any
 * of glibc's MALLOC_* tunables set) or says D4M_MALLOC=default. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    const char *mine = getenv("D4M_MALLOC");
    if ((mine && *mine) || getenv("MALLOC_TRIM_THRESHOLD_") || getenv("MALLOC_MMAP_THRESHOLD_") ||
        getenv("MALLOC_MMAP_MAX_") || getenv("MALLOC_TOP_PAD_") || getenv("GLIBC_TUNABLES"))
        return;
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

static void init_graphblas(void)
{
    tune_malloc();
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
