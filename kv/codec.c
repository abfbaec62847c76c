/*
 * kv/codec.c - order-preserving key encodings and value encodings (the
 * layout is described in kv/kv.h).
 */
#include <string.h>
#include "kv.h"

void d4m_kv__put_table_id(d4m_buf *b, uint32_t id)
{
    unsigned char x[4] = { (unsigned char)(id >> 24), (unsigned char)(id >> 16),
                           (unsigned char)(id >> 8), (unsigned char)id };
    d4m__buf_put(b, x, 4);
}

int d4m_kv__encode_str_prefix(d4m_buf *b, d4m_key k)
{
    size_t start = 0;
    for (size_t i = 0; i < k.len; i++) {
        if (k.ptr[i] == '\0') {
            static const char esc[2] = { 0x00, (char)0xFF };
            D4M_TRY(d4m__buf_put(b, k.ptr + start, i - start));
            D4M_TRY(d4m__buf_put(b, esc, 2));
            start = i + 1;
        }
    }
    return d4m__buf_put(b, k.ptr + start, k.len - start);
}

int d4m_kv__encode_str(d4m_buf *b, d4m_key k)
{
    static const char term[2] = { 0x00, 0x01 };
    D4M_TRY(d4m_kv__encode_str_prefix(b, k));
    return d4m__buf_put(b, term, 2);
}

int d4m_kv__encode_int(d4m_buf *b, int64_t v)
{
    uint64_t u = (uint64_t)v ^ 0x8000000000000000ull;
    unsigned char x[8];
    for (int i = 7; i >= 0; i--) {
        x[i] = (unsigned char)u;
        u >>= 8;
    }
    return d4m__buf_put(b, x, 8);
}

int d4m_kv__decode_str(d4m_buf *out, size_t *used, const char *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\0')
            continue;
        if (i + 1 >= n)
            break;
        D4M_TRY(d4m__buf_put(out, p + start, i - start));
        if ((unsigned char)p[i + 1] == 0x01) {
            *used = i + 2;
            return 0;
        }
        if ((unsigned char)p[i + 1] != 0xFF)
            break;
        D4M_TRY(d4m__buf_put(out, "", 1));   /* the escaped NUL byte */
        start = i + 2;
        i++;
    }
    return d4m__error(D4M_ECORRUPT, "stored key is damaged: bad string encoding");
}

int d4m_kv__decode_int(int64_t *v, const char *p, size_t n)
{
    if (n < 8)
        return d4m__error(D4M_ECORRUPT, "stored key is damaged: short integer");
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | (unsigned char)p[i];
    *v = (int64_t)(u ^ 0x8000000000000000ull);
    return 0;
}

int d4m_kv__successor(d4m_buf *b)
{
    while (b->len > 0) {
        unsigned char c = (unsigned char)b->p[b->len - 1];
        if (c != 0xFF) {
            b->p[b->len - 1] = (char)(c + 1);
            return 0;
        }
        b->len--;
    }
    return 1;
}

int d4m_kv__encode_num_value(d4m_buf *b, double v)
{
    char x[9];
    x[0] = 'd';
    memcpy(x + 1, &v, 8);
    return d4m__buf_put(b, x, 9);
}

int d4m_kv__encode_str_value(d4m_buf *b, d4m_key s)
{
    D4M_TRY(d4m__buf_put(b, "s", 1));
    return d4m__buf_put(b, s.ptr, s.len);
}

int d4m_kv__encode_merge(d4m_buf *b, char op, double v)
{
    char x[9];
    x[0] = op;
    memcpy(x + 1, &v, 8);
    return d4m__buf_put(b, x, 9);
}

int d4m_kv__decode_value(int *is_num, double *num, d4m_key *str, const char *p, size_t n)
{
    if (n >= 1 && p[0] == 's') {
        *is_num = 0;
        str->ptr = p + 1;
        str->len = n - 1;
        return 0;
    }
    if (n == 9 && (p[0] == 'd' || p[0] == 'S' || p[0] == 'm' || p[0] == 'M')) {
        *is_num = 1;
        memcpy(num, p + 1, 8);
        return 0;
    }
    return d4m__error(D4M_ECORRUPT, "stored value is damaged (%zu bytes, tag 0x%02x)", n,
                      n ? (unsigned char)p[0] : 0);
}
