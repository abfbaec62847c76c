/*
 * tests/algebra/stream_join.c - Assoc streams built in two parts and
 * joined (algebra/assoc_stream.h: d4m__stream_append, _truncate, _entry,
 * _sort_inner), as a scan split at a shard boundary does (d4m/table.c):
 * the joined Assoc equals, exactly, the one stream of all the entries.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"
#include "../../algebra/assoc_stream.h"

/* One entry: outer and inner key (STR: the text; NUM: the number), and a
 * number or, if s is not NULL, a string value. */
typedef struct {
    const char *o, *i;
    double v;
    const char *s;
} ent;

static void feed(d4m_assoc_stream *st, d4m_kind kind, const ent *e, size_t lo, size_t hi)
{
    const char *last = NULL;
    for (size_t k = lo; k < hi; k++) {
        if (!last || strcmp(last, e[k].o) != 0) {
            CHECK_OK(d4m__stream_outer(st, K(e[k].o), kind == D4M_NUM ? atoll(e[k].o) : 0));
            last = e[k].o;
        }
        d4m_key sv = e[k].s ? K(e[k].s) : K("");
        CHECK_OK(d4m__stream_add(st, K(e[k].i), kind == D4M_NUM ? atoll(e[k].i) : 0, e[k].v,
                                 e[k].s ? &sv : NULL));
    }
}

/* The Assoc of entries [0, n) in one stream. */
static d4m_assoc *whole(d4m_kind kind, bool transposed, const ent *e, size_t n)
{
    d4m_assoc_stream *st = NULL;
    CHECK_OK(d4m__stream_new(&st, kind, transposed));
    feed(st, kind, e, 0, n);
    d4m_assoc *a = NULL;
    CHECK_OK(d4m__stream_finish(&a, st));
    d4m__stream_free(st);
    return a;
}

/* Entries [0, cut) in one stream and [cut, n) in another, the second
 * truncated to keep entries of the first `keep` (SIZE_MAX: all); sorted
 * before the join if asked (sort: bit 1 the first, bit 2 the second);
 * joined.  Checked against the one stream of the entries kept, and
 * against expected (display text) if not NULL. */
static void check_join(d4m_kind kind, bool transposed, const ent *e, size_t n, size_t cut,
                       size_t keep, int sort, const char *expected)
{
    d4m_assoc_stream *s1 = NULL, *s2 = NULL;
    CHECK_OK(d4m__stream_new(&s1, kind, transposed));
    CHECK_OK(d4m__stream_new(&s2, kind, transposed));
    feed(s1, kind, e, 0, cut);
    feed(s2, kind, e, cut, n);
    size_t total = n;
    if (keep != SIZE_MAX) {
        CHECK_OK(d4m__stream_truncate(s2, keep));
        total = cut + keep;
    }
    if (sort & 1)
        CHECK_OK(d4m__stream_sort_inner(s1));
    if (sort & 2)
        CHECK_OK(d4m__stream_sort_inner(s2));
    CHECK_OK(d4m__stream_append(s1, s2));
    cr_assert_eq(d4m__stream_count(s1), total);
    cr_assert_eq(d4m__stream_count(s2), 0);
    d4m_assoc *a = NULL;
    CHECK_OK(d4m__stream_finish(&a, s1));
    d4m_assoc *w = whole(kind, transposed, e, total);
    if (!d4m_assoc_equal(a, w)) {
        char *ta = assoc_text(a), *tw = assoc_text(w);
        cr_assert_fail("joined (cut %zu, keep %zu, sort %d):\n%s\n--- one stream\n%s", cut, keep,
                       sort, ta, tw);
    }
    if (expected)
        ASSERT_ASSOC(a, expected);
    d4m_assoc_free(a);
    d4m_assoc_free(w);
    /* The streams are reusable afterwards. */
    feed(s2, kind, e, 0, 1);
    CHECK_OK(d4m__stream_finish(&a, s2));
    cr_assert_eq(d4m_assoc_nnz(a), e[0].s && !*e[0].s ? 0 : 1);
    d4m_assoc_free(a);
    d4m__stream_free(s1);
    d4m__stream_free(s2);
}

/* Every cut, every sort order, both orientations. */
static void check_all_cuts(d4m_kind kind, const ent *e, size_t n)
{
    for (int tr = 0; tr < 2; tr++)
        for (size_t cut = 0; cut <= n; cut++)
            for (int sort = 0; sort < 4; sort++)
                check_join(kind, tr, e, n, cut, SIZE_MAX, sort, NULL);
}

/* Rows on both sides share column keys; columns only one side has; a key
 * of more than 8 bytes. */
static const ent grid[] = {
    { "a", "c2", 1, NULL }, { "a", "c9", 2, NULL },
    { "b", "c1", 3, NULL }, { "b", "column-long-key", 4, NULL },
    { "c", "c2", 5, NULL }, { "c", "c3", 6, NULL },
    { "d", "c1", 7, NULL }, { "d", "c9", 8, NULL }, { "d", "column-long-key", 9, NULL },
};

Test(stream_join, shared_column_keys)
{
    size_t n = sizeof grid / sizeof *grid;
    check_join(D4M_STR, false, grid, n, 4, SIZE_MAX, 0,
               "(b,c1)  3\n(d,c1)  7\n(a,c2)  1\n(c,c2)  5\n(c,c3)  6\n(a,c9)  2\n(d,c9)  8\n"
               "(b,column-long-key)  4\n(d,column-long-key)  9\n");
    check_all_cuts(D4M_STR, grid, n);
}

/* A cut inside a row (a row read by both parts): counted once. */
Test(stream_join, row_cut_in_two)
{
    size_t n = sizeof grid / sizeof *grid;
    check_join(D4M_STR, false, grid, n, 7, SIZE_MAX, 3, NULL);
    check_join(D4M_STR, true, grid, n, 1, SIZE_MAX, 0, NULL);
}

/* Empty parts: either one, or both. */
Test(stream_join, empty_parts)
{
    size_t n = sizeof grid / sizeof *grid;
    check_join(D4M_STR, false, grid, n, 0, SIZE_MAX, 3, NULL);
    check_join(D4M_STR, false, grid, n, n, SIZE_MAX, 3, NULL);
    d4m_assoc_stream *s1 = NULL, *s2 = NULL;
    CHECK_OK(d4m__stream_new(&s1, D4M_STR, false));
    CHECK_OK(d4m__stream_new(&s2, D4M_STR, false));
    CHECK_OK(d4m__stream_append(s1, s2));
    d4m_assoc *a = NULL;
    CHECK_OK(d4m__stream_finish(&a, s1));
    cr_assert(d4m_assoc_is_empty(a));
    d4m_assoc_free(a);
    d4m__stream_free(s1);
    d4m__stream_free(s2);
}

/* String values in one part make every value a string (numbers as their
 * shortest exact text), whichever part holds them; an empty string and a
 * number 0 are no entry as a number but "0" as text. */
Test(stream_join, string_values)
{
    static const ent e[] = {
        { "a", "x", 0.1, NULL }, { "a", "y", 2, NULL },
        { "b", "x", 0, NULL }, { "b", "y", 0, "hi" },
        { "c", "x", 0, "" }, { "c", "z", 0, "there" }, { "d", "x", 7, NULL },
    };
    size_t n = sizeof e / sizeof *e;
    check_join(D4M_STR, false, e, n, 3, SIZE_MAX, 0,
               "(a,x)  0.1\n(d,x)  7\n(a,y)  2\n(b,y)  hi\n(c,z)  there\n");
    check_join(D4M_STR, false, e, n, 2, SIZE_MAX, 0, NULL);
    check_all_cuts(D4M_STR, e, n);
    /* Only numbers once the strings are cut off: numbers again. */
    check_join(D4M_STR, false, e, n, 3, 0, 0, "(a,x)  0.1\n(a,y)  2\n");
    static const ent f[] = {
        { "a", "x", 1, NULL }, { "b", "x", 2, NULL }, { "b", "y", 0, "s" }, { "c", "y", 3, NULL },
    };
    check_join(D4M_STR, false, f, 4, 1, 1, 3, "(a,x)  1\n(b,x)  2\n");
    check_join(D4M_STR, false, f, 4, 1, 2, 3, "(a,x)  1\n(b,x)  2\n(b,y)  s\n");
}

/* Integer keys: positions, the largest of both parts. */
Test(stream_join, integer_keys)
{
    static const ent e[] = {
        { "1", "5", 1, NULL }, { "1", "9", 2, NULL }, { "3", "2", 3, NULL },
        { "4", "5", 4, NULL }, { "4", "11", 5, NULL }, { "7", "1", 6, NULL },
    };
    size_t n = sizeof e / sizeof *e;
    check_all_cuts(D4M_NUM, e, n);
    for (size_t cut = 0; cut <= n; cut++)
        for (size_t keep = 0; keep <= n - cut; keep++)
            check_join(D4M_NUM, cut & 1, e, n, cut, keep, (int)keep & 3, NULL);
}

/* Truncation: the column keys that only dropped entries had are gone, the
 * rest still deduplicated; entry keys as given. */
Test(stream_join, truncate_and_entry)
{
    size_t n = sizeof grid / sizeof *grid;
    for (size_t cut = 0; cut <= n; cut++)
        for (size_t keep = 0; keep <= n - cut; keep++)
            check_join(D4M_STR, false, grid, n, cut, keep, (int)(cut + keep) & 3, NULL);
    d4m_assoc_stream *s = NULL;
    CHECK_OK(d4m__stream_new(&s, D4M_STR, false));
    feed(s, D4M_STR, grid, 0, n);
    d4m_key o, i;
    int64_t op, ip;
    CHECK_OK(d4m__stream_entry(s, 3, &o, &op, &i, &ip));
    cr_assert(o.len == 1 && memcmp(o.ptr, "b", 1) == 0);
    cr_assert(i.len == 15 && memcmp(i.ptr, "column-long-key", 15) == 0);
    CHECK_OK(d4m__stream_entry(s, 8, &o, &op, &i, &ip));
    cr_assert(o.len == 1 && memcmp(o.ptr, "d", 1) == 0);
    cr_assert_neq(d4m__stream_entry(s, 9, &o, &op, &i, &ip), 0);
    CHECK_OK(d4m__stream_truncate(s, 5));
    /* Keys added after a truncation are deduplicated with the kept ones. */
    CHECK_OK(d4m__stream_outer(s, K("e"), 0));
    CHECK_OK(d4m__stream_add(s, K("c2"), 0, 10, NULL));
    CHECK_OK(d4m__stream_add(s, K("c3"), 0, 11, NULL));
    d4m_assoc *a = NULL;
    CHECK_OK(d4m__stream_finish(&a, s));
    ASSERT_ASSOC(a, "(b,c1)  3\n(a,c2)  1\n(c,c2)  5\n(e,c2)  10\n(e,c3)  11\n(a,c9)  2\n"
                    "(b,column-long-key)  4\n");
    d4m_assoc_free(a);
    /* No entry after sorting, until the next chunk. */
    feed(s, D4M_STR, grid, 0, 2);
    CHECK_OK(d4m__stream_sort_inner(s));
    CHECK_OK(d4m__stream_outer(s, K("z"), 0));
    cr_assert_neq(d4m__stream_add(s, K("c1"), 0, 1, NULL), 0);
    CHECK_OK(d4m__stream_finish(&a, s));
    cr_assert_eq(d4m_assoc_nnz(a), 2);
    d4m_assoc_free(a);
    d4m__stream_free(s);
}
