/*
 * d4m/ingest.h - parallel (SPMD) ingest: every process ("rank") puts triples
 * into the same logical table; each writes its own sorted output, cut at the
 * target's shard boundaries; one collective commit loads everything into the
 * table (its transpose and degree table too) in one atomic step.  After a
 * crash at any point a reader sees all of the ingest or none of it.
 *
 * The library does not link MPI.  Ranks talk through a d4m_comm: a few
 * collective callbacks.  include/d4m/mpi.h fills one from an MPI
 * communicator (compile that part with mpicc); d4m_comm_self() is the
 * single-process one, for programs that never call MPI.
 *
 * Every rank must see the same filesystem path for the database (one machine,
 * or a shared filesystem across nodes): each rank writes its files under
 * DB/d4m-tmp/, and rank 0 opens the database and ingests them.  Other ranks
 * never open the database.
 *
 * With several ranks, d4m_ingest_begin makes each rank's library calls use
 * one thread (d4m_set_threads(1)): the ranks are the parallelism.
 *
 * Memory is bounded: a rank buffers up to opts.memory_budget bytes of encoded
 * triples, then sorts and writes them as a run file; the commit merges runs.
 *
 * Failures: an error on any rank makes d4m_ingest_commit fail on every rank
 * with D4M_EMPI (the failing rank keeps its own code and message); nothing
 * is loaded and the temporary files are removed.  A rank that dies kills the
 * job under mpiexec; the table is then as before, and leftover files are
 * removed by the next ingest.
 */
#ifndef D4M_INGEST_H
#define D4M_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include "d4m/assoc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Collective operations among the ranks.  Each returns 0 or non-zero. */
typedef struct d4m_comm {
    int rank, size;
    void *ctx;
    int (*barrier)(void *ctx);
    /* Broadcast len bytes at buf from root to every rank. */
    int (*bcast)(void *ctx, void *buf, size_t len, int root);
    /* Every rank gives len bytes; recv gets size * len bytes, rank order. */
    int (*allgather)(void *ctx, const void *send, size_t len, void *recv);
} d4m_comm;

/* One process, no MPI. */
d4m_comm d4m_comm_self(void);

typedef struct d4m_ingest d4m_ingest;

typedef struct d4m_ingest_options {
    unsigned version;          /* D4M_INGEST_OPTIONS_VERSION */
    size_t memory_budget;      /* bytes of buffered triples per rank; 0: 512 MiB */
} d4m_ingest_options;

#define D4M_INGEST_OPTIONS_VERSION 1
#define D4M_INGEST_OPTIONS_INIT { D4M_INGEST_OPTIONS_VERSION, 0 }

/* Collective: start an ingest into table `table` of the database at db_path
 * (created with d4m_table_create beforehand).  Errors: as d4m_table_open on
 * rank 0, then D4M_EMPI everywhere. */
int d4m_ingest_begin(d4m_ingest **out, const char *db_path, const char *table,
                     const d4m_comm *comm, const d4m_ingest_options *opts);

/* Local: add triples (as d4m_table_put_triples) or an Assoc. */
int d4m_ingest_put_triples(d4m_ingest *g, d4m_vec row, d4m_vec col, d4m_vec val);
int d4m_ingest_put(d4m_ingest *g, const d4m_assoc *a);

/* Collective: load every rank's triples in one atomic step. */
int d4m_ingest_commit(d4m_ingest *g);

/* Local: give up (after a failure); the files of this rank are removed.
 * Frees g; accepts NULL.  After a successful commit, also frees. */
void d4m_ingest_free(d4m_ingest *g);

/* Peak bytes this rank buffered (for reports). */
size_t d4m_ingest_peak_bytes(const d4m_ingest *g);

#ifdef __cplusplus
}
#endif
#endif
