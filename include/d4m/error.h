/*
 * d4m/error.h - error codes and the thread-local last error.
 *
 * Every function of the library that can fail returns an int: 0 (D4M_OK) on
 * success, a negative D4M_E* code on failure, and a few positive codes for
 * non-error states (D4M_ITER_DONE).  On failure the calling thread's last
 * error holds a message naming the problem and, for query and text parse
 * errors, the byte offset of the offending token.  Read it only right after
 * a call that failed: a successful call does not clear it.
 *
 * The library never aborts or exits the caller's process; running out of
 * memory is D4M_ENOMEM like any other error.
 */
#ifndef D4M_ERROR_H
#define D4M_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum d4m_status {
    D4M_OK = 0,
    D4M_ITER_DONE = 1,     /* an iterator has no more results (not an error) */

    D4M_ENOMEM = -1,       /* out of memory */
    D4M_EINVAL = -2,       /* invalid argument: NULL where not allowed, bad enum, bad dim */
    D4M_ELENGTH = -3,      /* argument lengths disagree (and none is 1) */
    D4M_ESEP = -4,         /* key list empty where keys are needed, or no separator */
    D4M_EVALUE = -5,       /* a value is NaN or Inf, or a string is not a number */
    D4M_EKEY = -6,         /* a key is not acceptable (position not a positive integer,
                              key not text under D4M_BUILD_TEXT_KEYS) */
    D4M_EKEYKIND = -7,     /* string keys mixed with numeric keys on one axis */
    D4M_EVALKIND = -8,     /* operation not defined for these value kinds */
    D4M_EPARSE = -9,       /* a query does not parse; d4m_error_offset() says where */
    D4M_ETOOBIG = -10,     /* more keys, entries or bytes than the library can index */
    D4M_EFORMAT = -11,     /* malformed TSV/CSV text; d4m_error_offset() says where */
    D4M_EIO = -12,         /* a read or write failed (errno text in the message) */
    D4M_EGRAPHBLAS = -13,  /* GraphBLAS reported an unexpected error */
    D4M_ENOTFOUND = -14,   /* no such table, database or file */
    D4M_EEXISTS = -15,     /* it exists already */
    D4M_EBUSY = -16,       /* in use by another process */
    D4M_ECORRUPT = -17,    /* stored data is damaged */
    D4M_ENOSPC = -18,      /* no space left on device */
    D4M_ESTORE = -19,      /* the storage engine reported an error */
    D4M_EMPI = -20,        /* a parallel (MPI) step failed */
    D4M_EFITS = -21,       /* a FITS file could not be read or written */
    D4M_ECALLBACK = -22    /* a user callback asked to stop */
} d4m_status;

/* The message of the calling thread's last error.  Borrowed: valid until the
 * thread's next failing call.  "" if no error was ever recorded. */
const char *d4m_error_message(void);

/* The code of the calling thread's last error (D4M_OK if none). */
int d4m_error_code(void);

/* The byte offset of the bad token for D4M_EPARSE and D4M_EFORMAT errors,
 * -1 for other errors. */
long d4m_error_offset(void);

/* A static description of a code ("out of memory", ...). Never NULL. */
const char *d4m_strerror(int code);

/* Forget the calling thread's last error. */
void d4m_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
