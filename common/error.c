/*
 * common/error.c - the thread-local last error, checked allocation and
 * growable buffers: what every layer of the library shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "d4m.h"
#include "common.h"

#define MSG_CAP 512

static _Thread_local struct {
    int code;
    long offset;
    char msg[MSG_CAP];
} last = { 0, -1, "" };

static int record(int code, long offset, const char *fmt, va_list ap)
{
    last.code = code;
    last.offset = offset;
    vsnprintf(last.msg, sizeof last.msg, fmt, ap);
    return code;
}

int d4m__error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(code, -1, fmt, ap);
    va_end(ap);
    return code;
}

int d4m__error_at(int code, long offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(code, offset, fmt, ap);
    va_end(ap);
    return code;
}

const char *d4m_error_message(void) { return last.msg; }
int d4m_error_code(void) { return last.code; }
long d4m_error_offset(void) { return last.offset; }

void d4m_error_clear(void)
{
    last.code = 0;
    last.offset = -1;
    last.msg[0] = '\0';
}

const char *d4m_strerror(int code)
{
    switch (code) {
    case D4M_OK: return "success";
    case D4M_ITER_DONE: return "no more results";
    case D4M_ENOMEM: return "out of memory";
    case D4M_EINVAL: return "invalid argument";
    case D4M_ELENGTH: return "argument lengths disagree";
    case D4M_ESEP: return "empty list or missing separator";
    case D4M_EVALUE: return "invalid value";
    case D4M_EKEY: return "invalid key";
    case D4M_EKEYKIND: return "string and numeric keys mixed";
    case D4M_EVALKIND: return "operation not defined for these values";
    case D4M_EPARSE: return "query does not parse";
    case D4M_ETOOBIG: return "too large";
    case D4M_EFORMAT: return "malformed text";
    case D4M_EIO: return "input/output error";
    case D4M_EGRAPHBLAS: return "GraphBLAS error";
    case D4M_ENOTFOUND: return "not found";
    case D4M_EEXISTS: return "already exists";
    case D4M_EBUSY: return "in use by another process";
    case D4M_ECORRUPT: return "stored data is damaged";
    case D4M_ENOSPC: return "no space left on device";
    case D4M_ESTORE: return "storage engine error";
    case D4M_EMPI: return "parallel step failed";
    case D4M_EFITS: return "FITS error";
    case D4M_ECALLBACK: return "callback stopped the operation";
    default: return "unknown error";
    }
}

void *d4m__malloc(size_t n)
{
    void *p = (n == SIZE_MAX) ? NULL : malloc(n ? n : 1);
    if (!p)
        d4m__error(D4M_ENOMEM, "out of memory allocating %zu bytes", n);
    return p;
}

void *d4m__calloc(size_t n, size_t size)
{
    void *p = (d4m__mul(n, size) == SIZE_MAX) ? NULL : calloc(n ? n : 1, size ? size : 1);
    if (!p)
        d4m__error(D4M_ENOMEM, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *d4m__realloc(void *p, size_t n)
{
    void *q = (n == SIZE_MAX) ? NULL : realloc(p, n ? n : 1);
    if (!q)
        d4m__error(D4M_ENOMEM, "out of memory allocating %zu bytes", n);
    return q;
}

void d4m_free(void *p) { free(p); }

const char *d4m_version(void) { return D4M_VERSION_STRING; }

/* ------------------------------------------------------------ buffers */

int d4m__buf_put(d4m_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = d4m__realloc(b->p, cap);
        if (!p)
            return D4M_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int d4m__buf_printf(d4m_buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return d4m__error(D4M_EINVAL, "bad format");
    if ((size_t)n < sizeof tmp)
        return d4m__buf_put(b, tmp, (size_t)n);
    char *big = d4m__malloc((size_t)n + 1);
    if (!big)
        return D4M_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = d4m__buf_put(b, big, (size_t)n);
    free(big);
    return rc;
}

void d4m__buf_free(d4m_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int d4m__fmt_g(char *buf, size_t cap, double x)
{
    if (x == 0)
        x = 0;   /* no "-0" */
    int n = snprintf(buf, cap, "%g", x);
    return n < 0 ? 0 : n;
}
