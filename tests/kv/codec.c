/*
 * tests/kv/codec.c - the key and value encodings of the store (kv/codec.c,
 * layout in kv/kv.h): string keys sort as their bytes (memcmp order of the
 * encodings == d4m_key_cmp order, with \0 and 0xFF bytes), a (row, col)
 * concatenation sorts by row then col, integers sort as int64, round trips,
 * the successor of a prefix, values, and damaged input -> D4M_ECORRUPT.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"
#include "kv.h"

#define KB(lit) ((d4m_key){ (lit), sizeof(lit) - 1 })

static int sign(int x) { return (x > 0) - (x < 0); }

static int buf_cmp(const d4m_buf *a, const d4m_buf *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->p, b->p, n) : 0;
    return c ? sign(c) : (a->len > b->len) - (a->len < b->len);
}

static void assert_bytes(const d4m_buf *b, const char *lit, size_t n)
{
    cr_assert_eq(b->len, n, "length %zu, expected %zu", b->len, n);
    cr_assert(memcmp(b->p, lit, n) == 0, "bytes differ");
}

/* Random keys over a small alphabet rich in the bytes that matter. */
static size_t rand_key(char *k, unsigned *seed)
{
    static const char alpha[] = { 0x00, 0x01, (char)0xFF, (char)0xFE, 'a', 'b', ',' };
    size_t n = (size_t)(rand_r(seed) % 6);
    for (size_t i = 0; i < n; i++)
        k[i] = alpha[rand_r(seed) % sizeof alpha];
    return n;
}

Test(kv_codec, string_encoding_bytes)
{
    d4m_buf b = { NULL, 0, 0 };
    CHECK_OK(d4m_kv__encode_str(&b, KB("a\0b")));
    assert_bytes(&b, "a\0\xff" "b\0\x01", 6);
    b.len = 0;
    CHECK_OK(d4m_kv__encode_str(&b, KB("")));
    assert_bytes(&b, "\0\x01", 2);
    b.len = 0;
    CHECK_OK(d4m_kv__encode_str_prefix(&b, KB("\0\xff")));
    assert_bytes(&b, "\0\xff\xff", 3);
    d4m__buf_free(&b);
}

Test(kv_codec, string_order_random)
{
    unsigned seed = 12345;
    char ka[8], kb[8];
    for (int iter = 0; iter < 20000; iter++) {
        d4m_key a = { ka, rand_key(ka, &seed) }, b = { kb, rand_key(kb, &seed) };
        d4m_buf ea = { NULL, 0, 0 }, eb = { NULL, 0, 0 };
        CHECK_OK(d4m_kv__encode_str(&ea, a));
        CHECK_OK(d4m_kv__encode_str(&eb, b));
        cr_assert_eq(buf_cmp(&ea, &eb), sign(d4m_key_cmp(a, b)),
                     "order differs for keys of %zu and %zu bytes (iteration %d)", a.len, b.len,
                     iter);
        d4m__buf_free(&ea);
        d4m__buf_free(&eb);
    }
}

/* (r1,c1) < (r2,c2) iff r1 < r2, or r1 == r2 and c1 < c2: the concatenated
 * encodings sort by row, then column, for any bytes. */
Test(kv_codec, pair_order_random)
{
    unsigned seed = 777;
    char r1[8], c1[8], r2[8], c2[8];
    for (int iter = 0; iter < 20000; iter++) {
        d4m_key kr1 = { r1, rand_key(r1, &seed) }, kc1 = { c1, rand_key(c1, &seed) };
        d4m_key kr2 = { r2, rand_key(r2, &seed) }, kc2 = { c2, rand_key(c2, &seed) };
        if (iter % 3 == 0)
            kr2 = kr1;
        d4m_buf e1 = { NULL, 0, 0 }, e2 = { NULL, 0, 0 };
        CHECK_OK(d4m_kv__encode_str(&e1, kr1));
        CHECK_OK(d4m_kv__encode_str(&e1, kc1));
        CHECK_OK(d4m_kv__encode_str(&e2, kr2));
        CHECK_OK(d4m_kv__encode_str(&e2, kc2));
        int want = sign(d4m_key_cmp(kr1, kr2));
        if (want == 0)
            want = sign(d4m_key_cmp(kc1, kc2));
        cr_assert_eq(buf_cmp(&e1, &e2), want, "pair order differs (iteration %d)", iter);
        d4m__buf_free(&e1);
        d4m__buf_free(&e2);
    }
}

Test(kv_codec, string_round_trip)
{
    unsigned seed = 99;
    char k1[8], k2[8];
    for (int iter = 0; iter < 5000; iter++) {
        d4m_key a = { k1, rand_key(k1, &seed) }, b = { k2, rand_key(k2, &seed) };
        d4m_buf e = { NULL, 0, 0 }, da = { NULL, 0, 0 }, db = { NULL, 0, 0 };
        CHECK_OK(d4m_kv__encode_str(&e, a));
        size_t ea = e.len;
        CHECK_OK(d4m_kv__encode_str(&e, b));
        size_t used = 0, used2 = 0;
        CHECK_OK(d4m_kv__decode_str(&da, &used, e.p, e.len));
        cr_assert_eq(used, ea);
        CHECK_OK(d4m_kv__decode_str(&db, &used2, e.p + used, e.len - used));
        cr_assert_eq(used + used2, e.len);
        cr_assert_eq(da.len, a.len);
        cr_assert(a.len == 0 || memcmp(da.p, a.ptr, a.len) == 0);
        cr_assert_eq(db.len, b.len);
        cr_assert(b.len == 0 || memcmp(db.p, b.ptr, b.len) == 0);
        d4m__buf_free(&e);
        d4m__buf_free(&da);
        d4m__buf_free(&db);
    }
}

Test(kv_codec, string_decode_damaged)
{
    d4m_buf out = { NULL, 0, 0 };
    size_t used = 0;
    /* no terminator */
    CHECK_FAILS(d4m_kv__decode_str(&out, &used, "abc", 3), D4M_ECORRUPT);
    /* a NUL at the very end */
    CHECK_FAILS(d4m_kv__decode_str(&out, &used, "ab\0", 3), D4M_ECORRUPT);
    /* a NUL followed by neither 0x01 nor 0xFF */
    CHECK_FAILS(d4m_kv__decode_str(&out, &used, "a\0\x02" "b\0\x01", 6), D4M_ECORRUPT);
    /* empty input */
    CHECK_FAILS(d4m_kv__decode_str(&out, &used, "", 0), D4M_ECORRUPT);
    /* escaped NUL but no terminator after it */
    CHECK_FAILS(d4m_kv__decode_str(&out, &used, "\0\xff", 2), D4M_ECORRUPT);
    d4m__buf_free(&out);
}

Test(kv_codec, int_order_and_round_trip)
{
    static const int64_t v[] = { INT64_MIN, INT64_MIN + 1, -1000000000000LL, -256, -255, -2,
                                 -1, 0, 1, 2, 9, 10, 255, 256, 65536, 1LL << 40,
                                 INT64_MAX - 1, INT64_MAX };
    size_t n = sizeof v / sizeof v[0];
    d4m_buf e[sizeof v / sizeof v[0]];
    memset(e, 0, sizeof e);
    for (size_t i = 0; i < n; i++) {
        CHECK_OK(d4m_kv__encode_int(&e[i], v[i]));
        cr_assert_eq(e[i].len, 8);
        int64_t back = 0;
        CHECK_OK(d4m_kv__decode_int(&back, e[i].p, e[i].len));
        cr_assert_eq(back, v[i], "round trip of %lld gave %lld", (long long)v[i],
                     (long long)back);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            cr_assert_eq(buf_cmp(&e[i], &e[j]), (v[i] > v[j]) - (v[i] < v[j]),
                         "%lld vs %lld", (long long)v[i], (long long)v[j]);
    /* the exact bytes: big-endian, sign bit flipped */
    d4m_buf b = { NULL, 0, 0 };
    CHECK_OK(d4m_kv__encode_int(&b, 1));
    assert_bytes(&b, "\x80\0\0\0\0\0\0\x01", 8);
    b.len = 0;
    CHECK_OK(d4m_kv__encode_int(&b, -1));
    assert_bytes(&b, "\x7f\xff\xff\xff\xff\xff\xff\xff", 8);
    d4m__buf_free(&b);
    for (size_t i = 0; i < n; i++)
        d4m__buf_free(&e[i]);
}

Test(kv_codec, int_decode_short)
{
    int64_t v = 0;
    CHECK_FAILS(d4m_kv__decode_int(&v, "\x80\0\0\0\0\0\0", 7), D4M_ECORRUPT);
    CHECK_FAILS(d4m_kv__decode_int(&v, "", 0), D4M_ECORRUPT);
}

Test(kv_codec, table_id)
{
    d4m_buf b = { NULL, 0, 0 };
    d4m_kv__put_table_id(&b, 0x01020304u);
    assert_bytes(&b, "\x01\x02\x03\x04", 4);
    d4m_buf c = { NULL, 0, 0 };
    d4m_kv__put_table_id(&c, 0x01020305u);
    cr_assert_lt(buf_cmp(&b, &c), 0);
    d4m__buf_free(&b);
    d4m__buf_free(&c);
}

Test(kv_codec, successor)
{
    d4m_buf b = { NULL, 0, 0 };
    d4m__buf_put(&b, "ab", 2);
    cr_assert_eq(d4m_kv__successor(&b), 0);
    assert_bytes(&b, "ac", 2);
    b.len = 0;
    d4m__buf_put(&b, "a\xff\xff", 3);
    cr_assert_eq(d4m_kv__successor(&b), 0);
    assert_bytes(&b, "b", 1);
    b.len = 0;
    d4m__buf_put(&b, "a\0", 2);
    cr_assert_eq(d4m_kv__successor(&b), 0);
    assert_bytes(&b, "a\x01", 2);
    b.len = 0;
    d4m__buf_put(&b, "\xff\xff", 2);
    cr_assert_eq(d4m_kv__successor(&b), 1);
    cr_assert_eq(b.len, 0);
    b.len = 0;
    cr_assert_eq(d4m_kv__successor(&b), 1);
    d4m__buf_free(&b);
}

/* Every key that starts with prefix p (any bytes) lies in
 * [enc_prefix(p), successor(enc_prefix(p))), and no other key does. */
Test(kv_codec, prefix_range_random)
{
    unsigned seed = 4242;
    char kp[8], kk[16];
    for (int iter = 0; iter < 20000; iter++) {
        d4m_key p = { kp, rand_key(kp, &seed) };
        size_t kn = rand_key(kk, &seed);
        if (iter % 2 == 0 && p.len + kn < sizeof kk) {   /* often a real extension */
            memmove(kk + p.len, kk, kn);
            memcpy(kk, p.ptr, p.len);
            kn += p.len;
        }
        d4m_key k = { kk, kn };
        bool starts = k.len >= p.len && (p.len == 0 || memcmp(k.ptr, p.ptr, p.len) == 0);
        d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 }, ek = { NULL, 0, 0 };
        CHECK_OK(d4m_kv__encode_str_prefix(&lo, p));
        d4m__buf_put(&hi, lo.p, lo.len);
        int unbounded = d4m_kv__successor(&hi);
        CHECK_OK(d4m_kv__encode_str(&ek, k));
        bool in = buf_cmp(&ek, &lo) >= 0 && (unbounded || buf_cmp(&ek, &hi) < 0);
        cr_assert_eq(in, starts, "prefix of %zu bytes, key of %zu bytes (iteration %d)", p.len,
                     k.len, iter);
        d4m__buf_free(&lo);
        d4m__buf_free(&hi);
        d4m__buf_free(&ek);
    }
}

Test(kv_codec, values)
{
    d4m_buf b = { NULL, 0, 0 };
    int is_num = -1;
    double num = 0;
    d4m_key s = { NULL, 0 };
    CHECK_OK(d4m_kv__encode_num_value(&b, 0.1));
    cr_assert_eq(b.len, 9);
    cr_assert_eq(b.p[0], 'd');
    CHECK_OK(d4m_kv__decode_value(&is_num, &num, &s, b.p, b.len));
    cr_assert_eq(is_num, 1);
    cr_assert_eq(num, 0.1);
    b.len = 0;
    CHECK_OK(d4m_kv__encode_num_value(&b, -1e300));
    CHECK_OK(d4m_kv__decode_value(&is_num, &num, &s, b.p, b.len));
    cr_assert_eq(num, -1e300);

    b.len = 0;
    CHECK_OK(d4m_kv__encode_str_value(&b, KB("x\0\xffy")));
    assert_bytes(&b, "sx\0\xffy", 5);
    CHECK_OK(d4m_kv__decode_value(&is_num, &num, &s, b.p, b.len));
    cr_assert_eq(is_num, 0);
    cr_assert_eq(s.len, 4);
    cr_assert(memcmp(s.ptr, "x\0\xffy", 4) == 0);
    cr_assert_eq(s.ptr, b.p + 1, "the string is a view into the input");

    b.len = 0;
    CHECK_OK(d4m_kv__encode_str_value(&b, KB("")));
    CHECK_OK(d4m_kv__decode_value(&is_num, &num, &s, b.p, b.len));
    cr_assert_eq(is_num, 0);
    cr_assert_eq(s.len, 0);

    static const char ops[3] = { 'S', 'm', 'M' };
    for (int i = 0; i < 3; i++) {
        b.len = 0;
        CHECK_OK(d4m_kv__encode_merge(&b, ops[i], 2.5));
        cr_assert_eq(b.len, 9);
        cr_assert_eq(b.p[0], ops[i]);
        CHECK_OK(d4m_kv__decode_value(&is_num, &num, &s, b.p, b.len));
        cr_assert_eq(is_num, 1);
        cr_assert_eq(num, 2.5);
    }
    d4m__buf_free(&b);
}

Test(kv_codec, values_damaged)
{
    int is_num;
    double num;
    d4m_key s;
    CHECK_FAILS(d4m_kv__decode_value(&is_num, &num, &s, "", 0), D4M_ECORRUPT);
    CHECK_FAILS(d4m_kv__decode_value(&is_num, &num, &s, "d1234567", 8), D4M_ECORRUPT);
    CHECK_FAILS(d4m_kv__decode_value(&is_num, &num, &s, "d123456789", 10), D4M_ECORRUPT);
    CHECK_FAILS(d4m_kv__decode_value(&is_num, &num, &s, "x12345678", 9), D4M_ECORRUPT);
    CHECK_FAILS(d4m_kv__decode_value(&is_num, &num, &s, "S", 1), D4M_ECORRUPT);
}
