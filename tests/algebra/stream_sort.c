/*
 * tests/algebra/stream_sort.c - the inner keys of an Assoc stream
 * (algebra/assoc_stream.h) are sorted and deduplicated at the end: keys in
 * order, a few keys, and many keys by radix on their first 8 bytes, with
 * keys that share those 8 bytes (longer keys, trailing NUL bytes).  Each
 * stream's Assoc must equal, exactly, d4m_assoc_build's of the same
 * triples.
 */
#include <stdlib.h>
#include <string.h>
#include "test_util.h"
#include "../../algebra/assoc_stream.h"

/* Keys that the first 8 bytes do not tell apart, or only just. */
static const d4m_key TRICKY[] = {
    { "a", 1 },           { "a\0", 2 },          { "a\0\0", 3 },
    { "ab", 2 },          { "abcdefg", 7 },      { "abcdefgh", 8 },
    { "abcdefgh\0", 9 },  { "abcdefghi", 9 },    { "abcdefghij", 10 },
    { "abcdefgh\xff", 9 }, { "abcdefgi", 8 },    { "\xff", 1 },
    { "\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9 }, { "b", 1 },
    { "\x01", 1 },        { "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 40 },
};
#define NTRICKY (sizeof TRICKY / sizeof TRICKY[0])

typedef struct {
    char o[16];
    d4m_key i;
    double v;
} trip;

static int cmp_key(const void *x, const void *y)
{
    return d4m_key_cmp(*(const d4m_key *)x, *(const d4m_key *)y);
}

/* rows outer keys "o0000".., each holding the inner keys of keys[0..nk)
 * picked by a fixed pseudo-random rule, ascending within the row. */
static trip *make(const d4m_key *keys, size_t nk, size_t rows, size_t *n)
{
    d4m_key *sorted = malloc(nk * sizeof *sorted);
    memcpy(sorted, keys, nk * sizeof *sorted);
    qsort(sorted, nk, sizeof *sorted, cmp_key);
    trip *t = malloc(rows * nk * sizeof *t);
    size_t m = 0;
    uint64_t s = 12345;
    for (size_t r = 0; r < rows; r++) {
        for (size_t k = 0; k < nk; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            if ((s >> 33) % 3 == 0)
                continue;
            snprintf(t[m].o, sizeof t[m].o, "o%04u", (unsigned)(r % 10000));
            t[m].i = sorted[k];
            t[m].v = (double)(m % 97 + 1);
            m++;
        }
    }
    free(sorted);
    *n = m;
    return t;
}

static void feed(d4m_assoc_stream *st, const trip *t, size_t lo, size_t hi)
{
    for (size_t k = lo; k < hi; k++) {
        if (k == lo || strcmp(t[k].o, t[k - 1].o) != 0)
            CHECK_OK(d4m__stream_outer(st, K(t[k].o), 0));
        CHECK_OK(d4m__stream_add(st, t[k].i, 0, t[k].v, NULL));
    }
}

/* The stream's Assoc of t[0..n) against d4m_assoc_build's: in one stream,
 * or (cut < n) entries [0, cut) and [cut, n) in two, each sorted, joined
 * (their sorted keys merged). */
static void check_cut(const trip *t, size_t n, bool transposed, size_t cut)
{
    d4m_assoc_stream *st = NULL, *s2 = NULL;
    CHECK_OK(d4m__stream_new(&st, D4M_STR, transposed));
    if (cut < n) {
        CHECK_OK(d4m__stream_new(&s2, D4M_STR, transposed));
        feed(st, t, 0, cut);
        feed(s2, t, cut, n);
        CHECK_OK(d4m__stream_sort_inner(st));
        CHECK_OK(d4m__stream_sort_inner(s2));
        CHECK_OK(d4m__stream_append(st, s2));
        d4m__stream_free(s2);
    } else {
        feed(st, t, 0, n);
    }
    d4m_assoc *a = NULL;
    CHECK_OK(d4m__stream_finish(&a, st));
    d4m__stream_free(st);

    d4m_key *ok = malloc((n ? n : 1) * sizeof *ok), *ik = malloc((n ? n : 1) * sizeof *ik);
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t k = 0; k < n; k++) {
        ok[k] = K(t[k].o);
        ik[k] = t[k].i;
        v[k] = t[k].v;
    }
    d4m_assoc *b = NULL;
    d4m_vec ov = d4m_vec_str(ok, n), iv = d4m_vec_str(ik, n);
    CHECK_OK(d4m_assoc_build(&b, transposed ? iv : ov, transposed ? ov : iv, d4m_vec_num(v, n),
                             NULL));
    if (!d4m_assoc_equal(a, b)) {
        char *ta = assoc_text(a), *tb = assoc_text(b);
        cr_assert_fail("stream (n %zu, transposed %d):\n%s\n--- built\n%s", n, transposed, ta, tb);
    }
    /* And the distinct inner keys counted here. */
    qsort(ik, n, sizeof *ik, cmp_key);
    uint64_t distinct = 0;
    for (size_t k = 0; k < n; k++)
        distinct += k == 0 || d4m_key_cmp(ik[k - 1], ik[k]) != 0;
    cr_assert_eq(transposed ? d4m_assoc_nrows(a) : d4m_assoc_ncols(a), distinct);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
    free(ok);
    free(ik);
    free(v);
}

static void check(const trip *t, size_t n, bool transposed)
{
    check_cut(t, n, transposed, n);
}

/* Many rows over the tricky keys: the radix path, runs of one prefix with
 * different keys sorted by comparison, duplicates across rows. */
Test(stream_sort, keys_sharing_their_first_8_bytes)
{
    size_t n;
    trip *t = make(TRICKY, NTRICKY, 50, &n);
    cr_assert_gt(n, 32);
    check(t, n, false);
    check(t, n, true);
    free(t);
}

/* Every key's first 8 bytes the same: no radix pass, one run. */
Test(stream_sort, one_prefix_for_all)
{
    char text[40][16];
    d4m_key keys[40];
    for (int k = 0; k < 40; k++) {
        snprintf(text[k], sizeof text[k], "prefix00%d", (k * 7) % 40);
        keys[k] = K(text[k]);
    }
    size_t n;
    trip *t = make(keys, 40, 20, &n);
    check(t, n, false);
    free(t);
}

/* One row (keys in order: only deduplicated), a few rows (by comparison),
 * and keys of every length from 0 to 12 bytes of one byte value. */
Test(stream_sort, in_order_and_few)
{
    size_t n;
    trip *t = make(TRICKY, NTRICKY, 1, &n);
    check(t, n, false);
    cr_assert_leq(n, 32);
    free(t);
    t = make(TRICKY, NTRICKY, 3, &n);
    check(t, n, true);
    free(t);
    static const char ones[] = "111111111111";
    d4m_key keys[12];
    for (int k = 0; k < 12; k++)
        keys[k] = (d4m_key){ ones, (size_t)(12 - k) };
    t = make(keys, 12, 30, &n);
    check(t, n, false);
    free(t);
}

/* Two parts joined: their sorted tricky keys merged, at cuts between rows
 * and inside one. */
Test(stream_sort, parts_joined)
{
    size_t n;
    trip *t = make(TRICKY, NTRICKY, 40, &n);
    for (size_t cut = 1; cut < n; cut += n / 7) {
        check_cut(t, n, false, cut);
        check_cut(t, n, true, cut);
    }
    free(t);
}

/* Parts whose keys differ only past their first 8 bytes or in trailing NUL
 * bytes: each merge step between them compares more than the prefixes. */
Test(stream_sort, parts_with_different_keys_of_one_prefix)
{
    static const d4m_key A[] = { { "a", 1 }, { "a\0\0", 3 }, { "abcdefgh", 8 },
                                 { "abcdefghij", 10 }, { "b", 1 } };
    static const d4m_key B[] = { { "a\0", 2 }, { "abcdefgh\0", 9 }, { "abcdefghi", 9 },
                                 { "abcdefgh\xff", 9 }, { "b\0", 2 } };
    size_t n1, n2;
    trip *t1 = make(A, 5, 10, &n1), *t2 = make(B, 5, 10, &n2);
    trip *t = malloc((n1 + n2) * sizeof *t);
    memcpy(t, t1, n1 * sizeof *t);
    memcpy(t + n1, t2, n2 * sizeof *t);
    for (size_t k = n1; k < n1 + n2; k++)
        t[k].o[0] = 'p';   /* the second part's rows after the first's */
    check_cut(t, n1 + n2, false, n1);
    check_cut(t, n1 + n2, true, n1);
    check(t, n1 + n2, false);
    free(t);
    free(t1);
    free(t2);
}
