/*
 * common/common.h - what every layer shares: the thread-local last error,
 * checked allocation, growable buffers.  Not installed.
 */
#ifndef D4M_COMMON_H
#define D4M_COMMON_H

#include <stdint.h>
#include <stddef.h>
#include "d4m/error.h"

/* ------------------------------------------------------------- errors */

/* Record the calling thread's last error; returns code. */
int d4m__error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same, with a byte offset (parse errors). */
int d4m__error_at(int code, long offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define D4M_TRY(expr) do { int d4m__rc = (expr); if (d4m__rc < 0) return d4m__rc; } while (0)

/* Checked allocation: NULL after recording D4M_ENOMEM. */
void *d4m__malloc(size_t n);
void *d4m__calloc(size_t n, size_t size);
void *d4m__realloc(void *p, size_t n);
/* n * size, or SIZE_MAX on overflow. */
static inline size_t d4m__mul(size_t n, size_t size)
{
    return (size && n > SIZE_MAX / size) ? SIZE_MAX : n * size;
}

/* Append text; growable buffer. */
typedef struct d4m_buf {
    char *p;
    size_t len, cap;
} d4m_buf;
int d4m__buf_put(d4m_buf *b, const void *s, size_t n);
int d4m__buf_printf(d4m_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void d4m__buf_free(d4m_buf *b);

/* Format a double as %g into buf (>= 32 bytes); returns length. */
int d4m__fmt_g(char *buf, size_t cap, double x);

#endif
