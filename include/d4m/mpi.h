/*
 * d4m/mpi.h - a d4m_comm over an MPI communicator, for d4m_ingest_begin.
 *
 * Header-only, so that libd4m does not link MPI: include it in a program
 * compiled with MPICH's mpicc (mpicc.mpich where Octave's OpenMPI is also
 * installed).  The MPI_Comm must outlive the ingest.
 *
 *     MPI_Comm world = MPI_COMM_WORLD;
 *     d4m_comm comm = d4m_comm_mpi(&world);
 *     d4m_ingest *g;
 *     d4m_ingest_begin(&g, "db", "Tedge", &comm, NULL);
 */
#ifndef D4M_MPI_H
#define D4M_MPI_H

#include <limits.h>
#include <mpi.h>
#include "d4m/ingest.h"

static inline int d4m_mpi__barrier(void *ctx)
{
    return MPI_Barrier(*(MPI_Comm *)ctx) != MPI_SUCCESS;
}

static inline int d4m_mpi__bcast(void *ctx, void *buf, size_t len, int root)
{
    if (len > INT_MAX)
        return 1;
    return MPI_Bcast(buf, (int)len, MPI_BYTE, root, *(MPI_Comm *)ctx) != MPI_SUCCESS;
}

static inline int d4m_mpi__allgather(void *ctx, const void *send, size_t len, void *recv)
{
    if (len > INT_MAX)
        return 1;
    return MPI_Allgather(send, (int)len, MPI_BYTE, recv, (int)len, MPI_BYTE,
                         *(MPI_Comm *)ctx) != MPI_SUCCESS;
}

static inline d4m_comm d4m_comm_mpi(MPI_Comm *comm)
{
    d4m_comm c;
    MPI_Comm_rank(*comm, &c.rank);
    MPI_Comm_size(*comm, &c.size);
    c.ctx = comm;
    c.barrier = d4m_mpi__barrier;
    c.bcast = d4m_mpi__bcast;
    c.allgather = d4m_mpi__allgather;
    return c;
}

#endif
