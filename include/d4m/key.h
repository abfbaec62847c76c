/*
 * d4m/key.h - keys, key vectors and D4M separator lists.
 *
 * A key is a byte string viewed through d4m_key {ptr, len}, like LMDB's
 * MDB_val: any byte is allowed, including '\0'.  String keys sort bytewise
 * (memcmp, shorter first on a tie), so '10' < '9' < 'B' < 'a' < 'a_' < 'b'.
 *
 * A D4M list is one string whose LAST byte is the separator: "alice bob ",
 * "a,b,c,", "x\ny\n".  Empty items ("a,,b,") are empty keys.
 */
#ifndef D4M_KEY_H
#define D4M_KEY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed view of a byte string. */
typedef struct d4m_key {
    const char *ptr;
    size_t len;
} d4m_key;

/* What an axis or a value list holds. */
typedef enum d4m_kind {
    D4M_STR = 0,   /* byte-string keys / string values */
    D4M_NUM = 1    /* numeric keys (positions 1..n) / double values */
} d4m_kind;

/* An input vector for construction: n string keys or n numbers.
 * A vector of length 1 is repeated to the length of the others. */
typedef struct d4m_vec {
    d4m_kind kind;
    size_t n;
    const d4m_key *str;   /* kind == D4M_STR */
    const double *num;    /* kind == D4M_NUM */
} d4m_vec;

/* A view of a NUL-terminated C string (without the NUL). */
static inline d4m_key d4m_key_cstr(const char *s)
{
    d4m_key k;
    k.ptr = s;
    k.len = s ? strlen(s) : 0;
    return k;
}

static inline d4m_vec d4m_vec_str(const d4m_key *keys, size_t n)
{
    d4m_vec v;
    v.kind = D4M_STR; v.n = n; v.str = keys; v.num = NULL;
    return v;
}

static inline d4m_vec d4m_vec_num(const double *x, size_t n)
{
    d4m_vec v;
    v.kind = D4M_NUM; v.n = n; v.str = NULL; v.num = x;
    return v;
}

/* Compare two keys bytewise: <0, 0, >0. */
int d4m_key_cmp(d4m_key a, d4m_key b);

/* Split a D4M list into views of its items.
 * *out is a new array of *n views into `list` (the caller frees the array
 * with d4m_free; the views borrow list's bytes).
 * Errors: D4M_ESEP if list.len == 0, D4M_EINVAL on NULL, D4M_ENOMEM. */
int d4m_list_split(d4m_key **out, size_t *n, d4m_key list);

/* Free memory the library handed out as a plain array. Accepts NULL. */
void d4m_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
