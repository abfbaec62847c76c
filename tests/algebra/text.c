/*
 * tests/algebra/text.c - TSV and CSV text of associative arrays
 * (algebra/text.c, include/d4m/text.h).
 *
 * Results are compared through dump(), which renders an Assoc's kinds, keys
 * and entries (by row, then column) on one line without using the text
 * module, e.g. "S[a b] S[x y] N{a,y=1.5 b,x=2}":
 *   S[..] / N[n]   a string axis and its keys / a numeric axis of n positions
 *   N{..} / S{..}  numeric values / string values, entries "row,col=value"
 * Bytes other than [A-Za-z0-9._+-] print as \xNN, so "a b" is "a\x20b";
 * string values are quoted with ', positions print as #k.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test_util.h"

/* Assert that expr fails with code and, for offset >= -1, that offset. */
#define FAILS_AT(expr, code, offset)                                          \
    do {                                                                      \
        int f_rc_ = (expr);                                                   \
        cr_assert_eq(f_rc_, (code), "%s -> %d, expected %d (%s)", #expr,     \
                     f_rc_, (code), d4m_error_message());                     \
        cr_assert_eq(d4m_error_code(), (code));                               \
        cr_assert_eq(d4m_error_offset(), (long)(offset),                      \
                     "%s: offset %ld, expected %ld (%s)", #expr,             \
                     d4m_error_offset(), (long)(offset), d4m_error_message()); \
    } while (0)

/* A key view of a string literal that may hold '\0' (test_util.h's K stops
 * at the first '\0'). */
#define KB(lit) ((d4m_key){ (lit), sizeof(lit) - 1 })

/* A string literal that may hold '\0' as the two arguments (bytes, count). */
#define L(lit) (lit), sizeof(lit) - 1

/* ------------------------------------------------------------ helpers */

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(strbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_bytes(strbuf *b, d4m_key k)
{
    for (size_t i = 0; i < k.len; i++) {
        unsigned char ch = (unsigned char)k.ptr[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || (ch && strchr("._+-", ch))) {
            sb_put(b, (const char *)&ch, 1);
        } else {
            char hex[8];
            snprintf(hex, sizeof hex, "\\x%02x", ch);
            sb_str(b, hex);
        }
    }
}

static void sb_key(strbuf *b, const d4m_assoc *a, int dim, uint64_t i)
{
    if (d4m_assoc_key_kind(a, dim) == D4M_NUM) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "#%llu", (unsigned long long)i + 1);
        sb_str(b, tmp);
    } else {
        sb_bytes(b, d4m_assoc_key(a, dim, (size_t)i));
    }
}

static void sb_axis(strbuf *b, const d4m_assoc *a, int dim)
{
    size_t n = d4m_assoc_key_count(a, dim);
    char tmp[32];
    if (d4m_assoc_key_kind(a, dim) == D4M_NUM) {
        snprintf(tmp, sizeof tmp, "N[%zu]", n);
        sb_str(b, tmp);
        return;
    }
    sb_str(b, "S[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_str(b, " ");
        sb_key(b, a, dim, i);
    }
    sb_str(b, "]");
}

/* The one-line rendering of a described at the top of this file; the
 * caller frees it. */
static char *dump(const d4m_assoc *a)
{
    strbuf b = { 0 };
    cr_assert_not_null(a);
    sb_axis(&b, a, 1);
    sb_str(&b, " ");
    sb_axis(&b, a, 2);
    int str = d4m_assoc_val_kind(a) == D4M_STR;
    sb_str(&b, str ? " S{" : " N{");
    d4m_triples *t = NULL;
    CHECK_OK(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    for (size_t k = 0; k < t->n; k++) {
        if (k)
            sb_str(&b, " ");
        sb_key(&b, a, 1, t->row[k]);
        sb_str(&b, ",");
        sb_key(&b, a, 2, t->col[k]);
        sb_str(&b, "=");
        if (str) {
            sb_str(&b, "'");
            sb_bytes(&b, d4m_assoc_val_str(a, (size_t)t->sval[k]));
            sb_str(&b, "'");
        } else {
            char tmp[40];
            snprintf(tmp, sizeof tmp, "%.17g", t->val[k]);
            sb_str(&b, tmp);
        }
    }
    sb_str(&b, "}");
    d4m_triples_free(t);
    return b.p;
}

/* Assert that a renders as expected. */
static void assert_dump(const d4m_assoc *a, const char *expected)
{
    char *got = dump(a);
    cr_assert_str_eq(got, expected, "got      %s\nexpected %s", got, expected);
    free(got);
}

typedef int (*parse_fn)(d4m_assoc **, const char *, size_t, const d4m_text_options *);
typedef int (*write_fn)(FILE *, const d4m_assoc *, const d4m_text_options *);

/* Parse n bytes of s (opts may be NULL) and assert the result's dump. */
static void parse_is(parse_fn parse, const char *s, size_t n, const d4m_text_options *opts,
                     const char *expected)
{
    d4m_assoc *a = NULL;
    CHECK_OK(parse(&a, s, n, opts));
    assert_dump(a, expected);
    d4m_assoc_free(a);
}

#define TSV_IS(lit, expected) parse_is(d4m_assoc_parse_tsv, (lit), sizeof(lit) - 1, NULL, (expected))
#define CSV_IS(lit, expected) parse_is(d4m_assoc_parse_csv, (lit), sizeof(lit) - 1, NULL, (expected))

/* The bytes write puts out for a (caller frees), their count in *len. */
static char *written(write_fn write, const d4m_assoc *a, const d4m_text_options *opts,
                     size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    cr_assert_not_null(f);
    int rc = write(f, a, opts);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(rc, 0, "write -> %d (%s)", rc, d4m_error_message());
    return text;
}

/* Assert that write puts out exactly the n bytes of expected. */
static void writes(write_fn write, const d4m_assoc *a, const d4m_text_options *opts,
                   const char *expected, size_t n)
{
    size_t len = 0;
    char *text = written(write, a, opts, &len);
    strbuf shown = { 0 }, want = { 0 };
    sb_bytes(&shown, (d4m_key){ text, len });
    sb_bytes(&want, (d4m_key){ expected, n });
    cr_assert(len == n && memcmp(text, expected, n) == 0,
              "wrote    %s (%zu bytes)\nexpected %s (%zu bytes)", shown.p ? shown.p : "",
              len, want.p ? want.p : "", n);
    free(shown.p);
    free(want.p);
    free(text);
}

#define WRITES_TSV(a, lit) writes(d4m_assoc_write_tsv, (a), NULL, (lit), sizeof(lit) - 1)
#define WRITES_CSV(a, lit) writes(d4m_assoc_write_csv, (a), NULL, (lit), sizeof(lit) - 1)

/* Assoc(rows, cols, vals) from string keys and numeric values. */
static d4m_assoc *build_num(const d4m_key *r, const d4m_key *c, const double *v, size_t n)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, n), d4m_vec_str(c, n), d4m_vec_num(v, n), NULL));
    return a;
}

/* Assoc(rows, cols, vals) from string keys and string values. */
static d4m_assoc *build_str(const d4m_key *r, const d4m_key *c, const d4m_key *v, size_t n)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, n), d4m_vec_str(c, n), d4m_vec_str(v, n), NULL));
    return a;
}

/* Write a with write, parse it back with parse (opts), and assert that the
 * result equals a. */
static void round_trips(write_fn write, parse_fn parse, const d4m_assoc *a,
                        const d4m_text_options *opts)
{
    size_t len = 0;
    char *text = written(write, a, opts, &len);
    d4m_assoc *b = NULL;
    CHECK_OK(parse(&b, text, len, opts));
    char *da = dump(a), *db = dump(b);
    cr_assert_str_eq(db, da, "read back %s\nwritten   %s", db, da);
    cr_assert(d4m_assoc_equal(a, b), "d4m_assoc_equal says the round trip differs: %s", da);
    free(da);
    free(db);
    free(text);
    d4m_assoc_free(b);
}

static int is_empty_assoc(const d4m_assoc *a)
{
    d4m_assoc *e = NULL;
    CHECK_OK(d4m_assoc_new_empty(&e));
    int eq = d4m_assoc_equal(a, e);
    d4m_assoc_free(e);
    return eq && d4m_assoc_nnz(a) == 0;
}

/* A fresh directory under /tmp for files of one test (caller frees). */
static char *temp_dir(void)
{
    char *dir = strdup("/tmp/d4m-text-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    return dir;
}

/* ============================================================== TSV */

Test(text_tsv, parse_numbers_sorted_by_key)
{
    TSV_IS("b\tx\t2\na\ty\t1.5\n", "S[a b] S[x y] N{a,y=1.5 b,x=2}");
}

Test(text_tsv, parse_any_string_makes_all_values_strings)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_parse_tsv(&a, L("b\tx\tfoo\na\tx\t1\n"), NULL));
    assert_dump(a, "S[a b] S[x] S{a,x='1' b,x='foo'}");
    cr_assert_eq(d4m_assoc_val_kind(a), D4M_STR);
    cr_assert_eq(d4m_assoc_val_count(a), 2);
    d4m_key v0 = d4m_assoc_val_str(a, 0);
    cr_assert(v0.len == 1 && v0.ptr[0] == '1');
    d4m_assoc_free(a);
}

Test(text_tsv, parse_string_values_flag_keeps_numbers_as_strings)
{
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.flags = D4M_TEXT_STRING_VALUES;
    parse_is(d4m_assoc_parse_tsv, L("a\tx\t1\na\ty\t2.5\n"), &o, "S[a] S[x y] S{a,x='1' a,y='2.5'}");
}

Test(text_tsv, parse_keys_are_always_strings)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_parse_tsv(&a, L("9\t1\t1\n10\t2\t1\n"), NULL));
    cr_assert_eq(d4m_assoc_key_kind(a, 1), D4M_STR);
    cr_assert_eq(d4m_assoc_key_kind(a, 2), D4M_STR);
    assert_dump(a, "S[10 9] S[1 2] N{10,2=1 9,1=1}");
    d4m_assoc_free(a);
}

Test(text_tsv, parse_escapes)
{
    TSV_IS("a\\tb\tc\\nd\te\\\\f\\0g\\r\n", "S[a\\x09b] S[c\\x0ad] S{a\\x09b,c\\x0ad='e\\x5cf\\x00g\\x0d'}");
}

Test(text_tsv, parse_raw_nul_and_non_utf8_bytes)
{
    TSV_IS("a\0b\t\xff\xfe\t\xc3\x28\n", "S[a\\x00b] S[\\xff\\xfe] S{a\\x00b,\\xff\\xfe='\\xc3\\x28'}");
}

Test(text_tsv, parse_crlf)
{
    TSV_IS("a\tb\t1\r\nc\td\tx\r\n", "S[a c] S[b d] S{a,b='1' c,d='x'}");
    TSV_IS("a\tb\t7\r", "S[a] S[b] N{a,b=7}");
    /* only one '\r' belongs to the line end */
    TSV_IS("a\tb\tx\r\r\n", "S[a] S[b] S{a,b='x\\x0d'}");
}

Test(text_tsv, parse_skips_blank_lines_and_needs_no_final_newline)
{
    TSV_IS("\n\na\tb\t1\n\r\n\nc\td\t2", "S[a c] S[b d] N{a,b=1 c,d=2}");
}

Test(text_tsv, parse_empty_input_is_the_empty_assoc)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_parse_tsv(&a, L(""), NULL));
    cr_assert(is_empty_assoc(a));
    d4m_assoc_free(a);
    CHECK_OK(d4m_assoc_parse_tsv(&a, NULL, 0, NULL));
    cr_assert(is_empty_assoc(a));
    d4m_assoc_free(a);
    CHECK_OK(d4m_assoc_parse_tsv(&a, L("\n\r\n\n"), NULL));
    cr_assert(is_empty_assoc(a));
    d4m_assoc_free(a);
}

Test(text_tsv, parse_empty_value_is_no_entry_and_does_not_decide_kind)
{
    TSV_IS("a\tb\t\nc\td\t2\n", "S[c] S[d] N{c,d=2}");
}

Test(text_tsv, parse_zero_is_no_entry)
{
    TSV_IS("a\tb\t0\nc\td\t2\n", "S[c] S[d] N{c,d=2}");
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_parse_tsv(&a, L("a\tb\t0\n"), NULL));
    cr_assert(is_empty_assoc(a));
    d4m_assoc_free(a);
}

Test(text_tsv, parse_number_syntax)
{
    TSV_IS("a\tb\t+1.\na\tc\t.5\na\td\t-2E+3\na\te\t1e-3\n",
           "S[a] S[b c d e] N{a,b=1 a,c=0.5 a,d=-2000 a,e=0.001}");
    /* not numbers: each makes all values strings */
    TSV_IS("a\tb\t1\na\tc\t1e999\n", "S[a] S[b c] S{a,b='1' a,c='1e999'}");
    TSV_IS("a\tb\t1\na\tc\t 2\n", "S[a] S[b c] S{a,b='1' a,c='\\x202'}");
    TSV_IS("a\tb\t1\na\tc\t0x10\n", "S[a] S[b c] S{a,b='1' a,c='0x10'}");
    TSV_IS("a\tb\t1\na\tc\tinf\n", "S[a] S[b c] S{a,b='1' a,c='inf'}");
    TSV_IS("a\tb\t1\na\tc\tnan\n", "S[a] S[b c] S{a,b='1' a,c='nan'}");
    TSV_IS("a\tb\t1\na\tc\t1e\n", "S[a] S[b c] S{a,b='1' a,c='1e'}");
    TSV_IS("a\tb\t1\na\tc\t.\n", "S[a] S[b c] S{a,b='1' a,c='.'}");
    TSV_IS("a\tb\t1\na\tc\t2 \n", "S[a] S[b c] S{a,b='1' a,c='2\\x20'}");
}

Test(text_tsv, parse_long_number)
{
    /* longer than any fixed buffer a parser might use */
    char line[200];
    memcpy(line, "a\tb\t", 4);
    memset(line + 4, '0', 150);
    line[154] = '7';
    line[155] = '\n';
    parse_is(d4m_assoc_parse_tsv, line, 156, NULL, "S[a] S[b] N{a,b=7}");
}

Test(text_tsv, parse_duplicates_take_min_by_default)
{
    TSV_IS("a\tb\t5\na\tb\t2\na\tb\t7\n", "S[a] S[b] N{a,b=2}");
    TSV_IS("a\tb\tz\na\tb\tm\na\tb\tq\n", "S[a] S[b] S{a,b='m'}");
}

Test(text_tsv, parse_collide_option)
{
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.collide = D4M_COLLIDE_LAST;
    parse_is(d4m_assoc_parse_tsv, L("a\tb\t5\na\tb\t2\na\tb\t7\n"), &o, "S[a] S[b] N{a,b=7}");
    o.collide = D4M_COLLIDE_SUM;
    parse_is(d4m_assoc_parse_tsv, L("a\tb\t5\na\tb\t2\na\tb\t7\n"), &o, "S[a] S[b] N{a,b=14}");
    o.collide = D4M_COLLIDE_FIRST;
    parse_is(d4m_assoc_parse_tsv, L("a\tb\tz\na\tb\tm\n"), &o, "S[a] S[b] S{a,b='z'}");
}

Test(text_tsv, parse_collide_sum_on_strings_fails)
{
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.collide = D4M_COLLIDE_SUM;
    d4m_assoc *a = (d4m_assoc *)&o;
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\tx\na\tb\ty\n"), &o), D4M_EVALKIND, -1);
    cr_assert_null(a);
}

Test(text_tsv, parse_bad_arguments)
{
    d4m_assoc *a = NULL;
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    FAILS_AT(d4m_assoc_parse_tsv(NULL, L("a\tb\t1\n"), NULL), D4M_EINVAL, -1);
    FAILS_AT(d4m_assoc_parse_tsv(&a, NULL, 1, NULL), D4M_EINVAL, -1);
    o.version = 99;
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\t1\n"), &o), D4M_EINVAL, -1);
    o.version = D4M_TEXT_OPTIONS_VERSION;
    o.collide = D4M_COLLIDE_CALLBACK;
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\t1\n"), &o), D4M_EINVAL, -1);
    o.collide = (d4m_collide)42;
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\t1\n"), &o), D4M_EINVAL, -1);
    cr_assert_null(a);
}

Test(text_tsv, error_too_few_fields)
{
    d4m_assoc *a = NULL;
    /* the offset is the line end, where a tab was expected */
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\n"), NULL), D4M_EFORMAT, 3);
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("x\ty\t1\na\n"), NULL), D4M_EFORMAT, 7);
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("x\ty\t1\na\tb"), NULL), D4M_EFORMAT, 9);
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\r\n"), NULL), D4M_EFORMAT, 3);
    cr_assert_null(a);
}

Test(text_tsv, error_too_many_fields)
{
    d4m_assoc *a = NULL;
    /* the offset is the third tab */
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("x\ty\t1\na\tb\tc\td\n"), NULL), D4M_EFORMAT, 11);
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\tc\t\n"), NULL), D4M_EFORMAT, 5);
    cr_assert_null(a);
}

Test(text_tsv, error_bad_escape)
{
    d4m_assoc *a = NULL;
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\t\\q\n"), NULL), D4M_EFORMAT, 4);
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\\x\tb\t1\n"), NULL), D4M_EFORMAT, 1);
    /* a backslash ending a field, a line, the input */
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\\\tc\n"), NULL), D4M_EFORMAT, 3);
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\tc\\\n"), NULL), D4M_EFORMAT, 5);
    FAILS_AT(d4m_assoc_parse_tsv(&a, L("a\tb\tc\\"), NULL), D4M_EFORMAT, 5);
    cr_assert_null(a);
    cr_assert_neq(strstr(d4m_error_message(), "backslash"), NULL, "%s", d4m_error_message());
}

Test(text_tsv, write_exact_bytes_by_row_then_column)
{
    d4m_key r[] = { KB("b"), KB("a"), KB("a"), KB("b") };
    d4m_key c[] = { KB("x"), KB("y"), KB("x"), KB("y") };
    double v[] = { 2, 1.5, -3, 4 };
    d4m_assoc *a = build_num(r, c, v, 4);
    WRITES_TSV(a, "a\tx\t-3\na\ty\t1.5\nb\tx\t2\nb\ty\t4\n");
    d4m_assoc_free(a);
}

Test(text_tsv, write_escapes)
{
    d4m_key r[] = { KB("a\tb") };
    d4m_key c[] = { KB("c\nd") };
    d4m_key v[] = { KB("e\\f\0g\r") };
    d4m_assoc *a = build_str(r, c, v, 1);
    WRITES_TSV(a, "a\\tb\tc\\nd\te\\\\f\\0g\\r\n");
    d4m_assoc_free(a);
}

Test(text_tsv, write_numbers_with_17_digits)
{
    d4m_key r[] = { KB("a"), KB("b"), KB("c"), KB("d"), KB("e") };
    d4m_key c[] = { KB("x") };
    double v[] = { 0.1, 1.0 / 3, 1e300, -2.5, 3 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, 5), d4m_vec_str(c, 1), d4m_vec_num(v, 5), NULL));
    WRITES_TSV(a, "a\tx\t0.10000000000000001\nb\tx\t0.33333333333333331\n"
                  "c\tx\t1.0000000000000001e+300\nd\tx\t-2.5\ne\tx\t3\n");
    d4m_assoc_free(a);
}

Test(text_tsv, write_numeric_axes_as_integers)
{
    double r[] = { 3, 1 }, c[] = { 2, 12 }, v[] = { 5, 6 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r, 2), d4m_vec_num(c, 2), d4m_vec_num(v, 2), NULL));
    WRITES_TSV(a, "1\t12\t6\n3\t2\t5\n");
    /* and they read back as string keys */
    TSV_IS("1\t12\t6\n3\t2\t5\n", "S[1 3] S[12 2] N{1,12=6 3,2=5}");
    d4m_assoc_free(a);
}

Test(text_tsv, write_empty_assoc_writes_nothing)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_new_empty(&a));
    WRITES_TSV(a, "");
    d4m_assoc_free(a);
}

Test(text_tsv, write_errors)
{
    d4m_key r[] = { KB("a") }, c[] = { KB("b") };
    double v[] = { 1 };
    d4m_assoc *a = build_num(r, c, v, 1);
    FAILS_AT(d4m_assoc_write_tsv(NULL, a, NULL), D4M_EINVAL, -1);
    FAILS_AT(d4m_assoc_write_tsv(stderr, NULL, NULL), D4M_EINVAL, -1);
    FILE *f = fopen("/dev/full", "w");
    cr_assert_not_null(f);
    FAILS_AT(d4m_assoc_write_tsv(f, a, NULL), D4M_EIO, -1);
    cr_assert_neq(strstr(d4m_error_message(), strerror(ENOSPC)), NULL, "%s", d4m_error_message());
    fclose(f);
    f = fopen("/dev/null", "r");
    cr_assert_not_null(f);
    FAILS_AT(d4m_assoc_write_tsv(f, a, NULL), D4M_EIO, -1);
    fclose(f);
    d4m_assoc_free(a);
}

Test(text_tsv, escapes_round_trip)
{
    d4m_key r[] = { KB("\0"), KB("a\tb"), KB("line\nbreak"), KB("cr\r"), KB("back\\slash"),
                    KB("\xff\xfe\xc3"), KB(""), KB(" "), KB("\\0"), KB("\\t\t") };
    d4m_key c[] = { KB("c\0d"), KB("\t"), KB("\n"), KB("\r\n"), KB("\\"), KB("\x80"), KB("x"),
                    KB(""), KB("\\\\"), KB("\"") };
    d4m_key v[] = { KB("v\0"), KB("\t\t"), KB("\n"), KB("\r"), KB("\\n"), KB("\xff"), KB("1"),
                    KB(" "), KB("\0\0"), KB("e") };
    d4m_assoc *a = build_str(r, c, v, 10);
    cr_assert_eq(d4m_assoc_nnz(a), 10);
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.flags = D4M_TEXT_STRING_VALUES;
    round_trips(d4m_assoc_write_tsv, d4m_assoc_parse_tsv, a, &o);
    /* without the flag too: "e" and friends keep the values strings */
    round_trips(d4m_assoc_write_tsv, d4m_assoc_parse_tsv, a, NULL);
    d4m_assoc_free(a);
}

Test(text_tsv, numbers_round_trip_exactly)
{
    d4m_key r[] = { KB("a"), KB("b"), KB("c"), KB("d"), KB("e"), KB("f"), KB("g"), KB("h") };
    d4m_key c[] = { KB("x") };
    double v[] = { 0.1, 1.0 / 3, 1e-310, -1.7976931348623157e308, 5e-324,
                   123456789012345678.0, -0.3, 2.0 / 7 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_str(r, 8), d4m_vec_str(c, 1), d4m_vec_num(v, 8), NULL));
    round_trips(d4m_assoc_write_tsv, d4m_assoc_parse_tsv, a, NULL);
    d4m_assoc_free(a);
}

/* Switch LC_NUMERIC to a locale whose decimal point is ',' (one the system
 * has, or one compiled by localedef into a fresh directory); 0 if none can
 * be had.  Criterion runs each test in its own process. */
static int comma_locale(void)
{
    static const char *names[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8", "fr_FR.utf8" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (setlocale(LC_NUMERIC, names[i]))
            return 1;
    char *dir = temp_dir(), cmd[512];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", dir);
    int ok = system(cmd) == 0;
    if (ok) {
        setenv("LOCPATH", dir, 1);
        ok = setlocale(LC_NUMERIC, "de_DE.UTF-8") != NULL;
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
    free(dir);
    return ok;
}

Test(text_tsv, numbers_ignore_the_callers_locale)
{
    if (!comma_locale())
        cr_skip_test("no locale with a decimal comma on this system");
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%g", 1.5);
    cr_assert_str_eq(tmp, "1,5", "the test locale did not take");
    TSV_IS("a\tb\t1.5\n", "S[a] S[b] N{a,b=1,5}");
    CSV_IS(",b\na,-2.25e-3\n", "S[a] S[b] N{a,b=-0,0022499999999999998}");
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_parse_tsv(&a, L("a\tb\t1.5\na\tc\t1,5\n"), NULL));
    cr_assert_eq(d4m_assoc_val_kind(a), D4M_STR, "1,5 is not a number in any locale");
    d4m_assoc_free(a);
    double v[] = { 1.5 };
    d4m_key r[] = { KB("a") }, c[] = { KB("b") };
    a = build_num(r, c, v, 1);
    WRITES_TSV(a, "a\tb\t1.5\n");
    WRITES_CSV(a, ",b\na,1.5\n");
    d4m_assoc_free(a);
}

Test(text_tsv, read_file)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_read_tsv(&a, D4M_TEST_DATA "/text_triples.tsv", NULL));
    assert_dump(a, "S[alice bob carl] S[age city] "
                   "S{alice,age='30' alice,city='Boston' bob,city='New\\x20York' "
                   "carl,age='unknown\\x09tab'}");
    d4m_assoc_free(a);
}

Test(text_tsv, read_file_error_offset_is_file_offset)
{
    d4m_assoc *a = NULL;
    /* text_bad.tsv: "a\tb\t1\nc\td\n" */
    FAILS_AT(d4m_assoc_read_tsv(&a, D4M_TEST_DATA "/text_bad.tsv", NULL), D4M_EFORMAT, 9);
    cr_assert_null(a);
}

Test(text_tsv, read_missing_file)
{
    d4m_assoc *a = NULL;
    FAILS_AT(d4m_assoc_read_tsv(&a, D4M_TEST_DATA "/no-such-file.tsv", NULL), D4M_EIO, -1);
    cr_assert_neq(strstr(d4m_error_message(), "no-such-file.tsv"), NULL, "%s", d4m_error_message());
    cr_assert_neq(strstr(d4m_error_message(), strerror(ENOENT)), NULL, "%s", d4m_error_message());
    FAILS_AT(d4m_assoc_read_tsv(&a, D4M_TEST_DATA, NULL), D4M_EIO, -1);   /* a directory */
    FAILS_AT(d4m_assoc_read_tsv(&a, NULL, NULL), D4M_EINVAL, -1);
    cr_assert_null(a);
}

/* ============================================================== CSV */

Test(text_csv, parse_numbers)
{
    CSV_IS(",a,b\nr1,1,\nr2,,2\n", "S[r1 r2] S[a b] N{r1,a=1 r2,b=2}");
}

Test(text_csv, parse_any_string_makes_all_values_strings)
{
    CSV_IS(",city,age\nalice,Boston,30\nbob,NYC,\n",
           "S[alice bob] S[age city] S{alice,age='30' alice,city='Boston' bob,city='NYC'}");
}

Test(text_csv, parse_string_values_flag)
{
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.flags = D4M_TEXT_STRING_VALUES;
    parse_is(d4m_assoc_parse_csv, L(",a\nr,1\n"), &o, "S[r] S[a] S{r,a='1'}");
}

Test(text_csv, parse_quoted_fields)
{
    CSV_IS(",\"a,b\",\"q\"\"uote\"\n\"r\n1\",x,\"\"\"\"\n",
           "S[r\\x0a1] S[a\\x2cb q\\x22uote] S{r\\x0a1,a\\x2cb='x' r\\x0a1,q\\x22uote='\\x22'}");
    /* a quoted empty cell is no entry; a quoted header cell is ignored too */
    CSV_IS("\"h\",a,b\nr,\"\",2\n", "S[r] S[b] N{r,b=2}");
}

Test(text_csv, parse_quote_inside_a_field_is_literal)
{
    CSV_IS(",a\nr,5\"x\"\n", "S[r] S[a] S{r,a='5\\x22x\\x22'}");
}

Test(text_csv, parse_crlf)
{
    CSV_IS(",a,b\r\nr1,1,2\r\nr2,3,4\r\n", "S[r1 r2] S[a b] N{r1,a=1 r1,b=2 r2,a=3 r2,b=4}");
    CSV_IS(",\"a\"\r\n\"r\",\"x\"\r\n", "S[r] S[a] S{r,a='x'}");
    CSV_IS(",a\r\nr,1\r", "S[r] S[a] N{r,a=1}");
    /* line breaks inside quotes are kept as they are */
    CSV_IS(",a\nr,\"x\r\ny\"\n", "S[r] S[a] S{r,a='x\\x0d\\x0ay'}");
}

Test(text_csv, parse_skips_blank_lines)
{
    CSV_IS("\n\r\n,a\n\r\n\nr,1\n\n", "S[r] S[a] N{r,a=1}");
}

Test(text_csv, parse_short_rows_and_rows_without_cells)
{
    CSV_IS(",a,b,c\nr,1\ns\nt,,,3", "S[r t] S[a c] N{r,a=1 t,c=3}");
}

Test(text_csv, parse_header_first_cell_is_ignored)
{
    CSV_IS("rows,a\nr,1\n", "S[r] S[a] N{r,a=1}");
}

Test(text_csv, parse_custom_separator)
{
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.sep = ';';
    parse_is(d4m_assoc_parse_csv, L(";a,1;b\nr;1,5;\"x;y\"\n"), &o,
             "S[r] S[a\\x2c1 b] S{r,a\\x2c1='1\\x2c5' r,b='x\\x3by'}");
    o.sep = '\t';
    parse_is(d4m_assoc_parse_csv, L("\ta\tb\nr\t1\t2\n"), &o, "S[r] S[a b] N{r,a=1 r,b=2}");
}

Test(text_csv, parse_empty_inputs)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_parse_csv(&a, L(""), NULL));
    cr_assert(is_empty_assoc(a));
    d4m_assoc_free(a);
    CHECK_OK(d4m_assoc_parse_csv(&a, L(",a,b\n"), NULL));
    cr_assert(is_empty_assoc(a));
    d4m_assoc_free(a);
    CHECK_OK(d4m_assoc_parse_csv(&a, L(",a,b\nr,,\n"), NULL));
    cr_assert(is_empty_assoc(a));
    d4m_assoc_free(a);
}

Test(text_csv, parse_repeated_keys_collide)
{
    CSV_IS(",a,a\nr,5,2\nr,1,\n", "S[r] S[a] N{r,a=1}");
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.collide = D4M_COLLIDE_MAX;
    parse_is(d4m_assoc_parse_csv, L(",a,a\nr,5,2\nr,1,\n"), &o, "S[r] S[a] N{r,a=5}");
}

Test(text_csv, parse_empty_keys)
{
    CSV_IS(",,a\n,1,2\n", "S[] S[ a] N{,=1 ,a=2}");
}

Test(text_csv, error_row_longer_than_header)
{
    d4m_assoc *a = NULL;
    /* the offset is the separator that starts the first extra cell */
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\nr,1,2\n"), NULL), D4M_EFORMAT, 6);
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\nr,1,\n"), NULL), D4M_EFORMAT, 6);
    FAILS_AT(d4m_assoc_parse_csv(&a, L("x\nr,1\n"), NULL), D4M_EFORMAT, 3);
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\r\nr,\"1\",2\r\n"), NULL), D4M_EFORMAT, 9);
    cr_assert_null(a);
}

Test(text_csv, error_unterminated_quote)
{
    d4m_assoc *a = NULL;
    /* the offset is the opening quote */
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\n\"r,1\n"), NULL), D4M_EFORMAT, 3);
    FAILS_AT(d4m_assoc_parse_csv(&a, L("\"abc"), NULL), D4M_EFORMAT, 0);
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\nr,\"x\"\""), NULL), D4M_EFORMAT, 5);
    cr_assert_null(a);
}

Test(text_csv, error_bytes_after_closing_quote)
{
    d4m_assoc *a = NULL;
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\n\"r\"x,1\n"), NULL), D4M_EFORMAT, 6);
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",\"a\" ,b\n"), NULL), D4M_EFORMAT, 4);
    /* '\r' not followed by '\n' after a quote */
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",\"a\"\rb\n"), NULL), D4M_EFORMAT, 4);
    cr_assert_null(a);
}

Test(text_csv, error_bad_separator)
{
    d4m_assoc *a = NULL;
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.sep = '"';
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\n"), &o), D4M_EINVAL, -1);
    o.sep = '\n';
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\n"), &o), D4M_EINVAL, -1);
    o.sep = '\r';
    FAILS_AT(d4m_assoc_parse_csv(&a, L(",a\n"), &o), D4M_EINVAL, -1);
    FAILS_AT(d4m_assoc_parse_csv(NULL, L(",a\n"), NULL), D4M_EINVAL, -1);
    FAILS_AT(d4m_assoc_parse_csv(&a, NULL, 3, NULL), D4M_EINVAL, -1);
    cr_assert_null(a);
}

Test(text_csv, write_exact_bytes)
{
    d4m_key r[] = { KB("r2"), KB("r1") };
    d4m_key c[] = { KB("b"), KB("a") };
    double v[] = { 2.5, 1 };
    d4m_assoc *a = build_num(r, c, v, 2);
    WRITES_CSV(a, ",a,b\nr1,1,\nr2,,2.5\n");
    d4m_assoc_free(a);
}

Test(text_csv, write_strings_with_quoting)
{
    d4m_key r[] = { KB("plain"), KB("q\"x"), KB("line\nbreak"), KB("cr\r") };
    d4m_key c[] = { KB("a,b"), KB("c"), KB("c"), KB("c") };
    d4m_key v[] = { KB("x,y"), KB("\"\""), KB("v"), KB("w\0") };
    d4m_assoc *a = build_str(r, c, v, 4);
    WRITES_CSV(a, ",\"a,b\",c\n"
                  "\"cr\r\",,w\0\n"
                  "\"line\nbreak\",,v\n"
                  "plain,\"x,y\",\n"
                  "\"q\"\"x\",,\"\"\"\"\"\"\n");
    d4m_assoc_free(a);
}

Test(text_csv, write_custom_separator)
{
    d4m_key r[] = { KB("r,1") };
    d4m_key c[] = { KB("a;b") };
    double v[] = { 3 };
    d4m_assoc *a = build_num(r, c, v, 1);
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.sep = ';';
    writes(d4m_assoc_write_csv, a, &o, ";\"a;b\"\nr,1;3\n", 13);
    o.sep = '"';
    FAILS_AT(d4m_assoc_write_csv(stderr, a, &o), D4M_EINVAL, -1);
    d4m_assoc_free(a);
}

Test(text_csv, write_numeric_axes_only_used_keys)
{
    double r[] = { 4, 2 }, c[] = { 3, 1 }, v[] = { 0.5, 7 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r, 2), d4m_vec_num(c, 2), d4m_vec_num(v, 2), NULL));
    WRITES_CSV(a, ",1,3\n2,7,\n4,,0.5\n");
    d4m_assoc_free(a);
}

Test(text_csv, write_far_positions_without_dense_rows)
{
    /* 2^52: a table over every position would not fit in memory */
    double r[] = { 4503599627370496.0, 1 }, c[] = { 4503599627370496.0, 2 }, v[] = { 1, 2 };
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_build(&a, d4m_vec_num(r, 2), d4m_vec_num(c, 2), d4m_vec_num(v, 2), NULL));
    WRITES_CSV(a, ",2,4503599627370496\n1,2,\n4503599627370496,,1\n");
    WRITES_TSV(a, "1\t2\t2\n4503599627370496\t4503599627370496\t1\n");
    d4m_assoc_free(a);
}

Test(text_csv, write_empty_assoc_writes_nothing)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_new_empty(&a));
    WRITES_CSV(a, "");
    d4m_assoc_free(a);
}

Test(text_csv, write_io_error)
{
    d4m_key r[] = { KB("a") }, c[] = { KB("b") };
    double v[] = { 1 };
    d4m_assoc *a = build_num(r, c, v, 1);
    FILE *f = fopen("/dev/full", "w");
    cr_assert_not_null(f);
    FAILS_AT(d4m_assoc_write_csv(f, a, NULL), D4M_EIO, -1);
    fclose(f);
    FAILS_AT(d4m_assoc_write_csv(NULL, a, NULL), D4M_EINVAL, -1);
    d4m_assoc_free(a);
}

Test(text_csv, quoting_round_trip)
{
    d4m_key r[] = { KB("\0"), KB("a,b"), KB("line\nbreak"), KB("cr\r"), KB("\"q\""),
                    KB("\xff\xfe\xc3"), KB(""), KB(" "), KB("\r\n"), KB(",") };
    d4m_key c[] = { KB("c\0d"), KB("\t"), KB("\n"), KB("\r\n"), KB("\""), KB("\x80"), KB("x"),
                    KB(""), KB("\"\""), KB(",,") };
    d4m_key v[] = { KB("v\0"), KB(",\","), KB("\n"), KB("\r"), KB("\""), KB("\xff"), KB("1"),
                    KB(" "), KB("\0\0"), KB("e") };
    d4m_assoc *a = build_str(r, c, v, 10);
    cr_assert_eq(d4m_assoc_nnz(a), 10);
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    o.flags = D4M_TEXT_STRING_VALUES;
    round_trips(d4m_assoc_write_csv, d4m_assoc_parse_csv, a, &o);
    round_trips(d4m_assoc_write_csv, d4m_assoc_parse_csv, a, NULL);
    o.sep = '\t';
    round_trips(d4m_assoc_write_csv, d4m_assoc_parse_csv, a, &o);
    d4m_assoc_free(a);
}

Test(text_csv, numbers_round_trip_exactly)
{
    d4m_key r[] = { KB("a"), KB("b"), KB("c"), KB("d"), KB("e"), KB("f") };
    d4m_key c[] = { KB("x"), KB("y"), KB("x"), KB("y"), KB("x"), KB("y") };
    double v[] = { 0.1, 1.0 / 3, 1e-310, -1.7976931348623157e308, 5e-324, -0.3 };
    d4m_assoc *a = build_num(r, c, v, 6);
    round_trips(d4m_assoc_write_csv, d4m_assoc_parse_csv, a, NULL);
    d4m_assoc_free(a);
}

Test(text_csv, read_file)
{
    d4m_assoc *a = NULL;
    CHECK_OK(d4m_assoc_read_csv(&a, D4M_TEST_DATA "/text_table.csv", NULL));
    assert_dump(a, "S[alice bob carl] S[age city] "
                   "S{alice,age='30' alice,city='Boston\\x2c\\x20MA' bob,city='New\\x20York' "
                   "carl,age='41'}");
    d4m_assoc_free(a);
}

Test(text_csv, save_then_read)
{
    d4m_key r[] = { KB("b"), KB("a\n"), KB("a\n") };
    d4m_key c[] = { KB("x"), KB("y,z"), KB("x") };
    double v[] = { 1, 2, 3 };
    d4m_assoc *a = build_num(r, c, v, 3), *b = NULL;
    char *dir = temp_dir(), path[256];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    CHECK_OK(d4m_assoc_save_csv(a, path, NULL));
    CHECK_OK(d4m_assoc_read_csv(&b, path, NULL));
    cr_assert(d4m_assoc_equal(a, b));
    assert_dump(b, "S[a\\x0a b] S[x y\\x2cz] N{a\\x0a,x=3 a\\x0a,y\\x2cz=2 b,x=1}");
    unlink(path);
    rmdir(dir);
    free(dir);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

Test(text_csv, save_and_read_errors)
{
    d4m_key r[] = { KB("a") }, c[] = { KB("b") };
    double v[] = { 1 };
    d4m_assoc *a = build_num(r, c, v, 1), *b = NULL;
    FAILS_AT(d4m_assoc_save_csv(a, "/nonexistent-d4m-dir/t.csv", NULL), D4M_EIO, -1);
    cr_assert_neq(strstr(d4m_error_message(), "/nonexistent-d4m-dir/t.csv"), NULL);
    FAILS_AT(d4m_assoc_save_csv(a, "/dev/full", NULL), D4M_EIO, -1);
    FAILS_AT(d4m_assoc_save_csv(NULL, "/tmp/x.csv", NULL), D4M_EINVAL, -1);
    FAILS_AT(d4m_assoc_read_csv(&b, "/nonexistent-d4m-dir/t.csv", NULL), D4M_EIO, -1);
    /* text_bad.csv: ",a\r\nr,1,2\r\n" */
    FAILS_AT(d4m_assoc_read_csv(&b, D4M_TEST_DATA "/text_bad.csv", NULL), D4M_EFORMAT, 7);
    cr_assert_null(b);
    d4m_assoc_free(a);
}

/* d4m_parse_number: what the readers take as a number, exactly. */
Test(text_number, decimal_numbers_and_text)
{
    static const struct {
        const char *s;
        int is;
        double x;
    } cases[] = {
        { "1", 1, 1 }, { "-2.5e3", 1, -2500 }, { ".5", 1, 0.5 }, { "5.", 1, 5 },
        { "+7E-1", 1, 0.7 }, { "0", 1, 0 }, { "1e", 0, 0 }, { "abc", 0, 0 }, { "", 0, 0 },
        { "inf", 0, 0 }, { "nan", 0, 0 }, { "1e999", 0, 0 }, { " 1", 0, 0 }, { "1 ", 0, 0 },
        { "0x10", 0, 0 }, { "1,5", 0, 0 }, { "-", 0, 0 }, { ".", 0, 0 },
        /* too small for a double: it would read as 0, no entry; it stays text */
        { "1e-400", 0, 0 }, { "-2.5E-999", 0, 0 }, { "0.0e-400", 1, 0 }, { "-0", 1, 0 },
        { "0e5", 1, 0 }, { "4.9e-324", 1, 4.9e-324 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double x = -99;
        int rc = d4m_parse_number(&x, K(cases[i].s));
        cr_assert_eq(rc, cases[i].is, "'%s': %d", cases[i].s, rc);
        if (rc == 1)
            cr_assert_eq(x, cases[i].x, "'%s' read as %.17g", cases[i].s, x);
        else
            cr_assert_eq(x, -99, "'%s' changed x", cases[i].s);
    }
    /* 80 digits: longer than the parser's stack buffer. */
    char big[82];
    memset(big, '0', 80);
    big[79] = '3';
    big[80] = '\0';
    double x = 0;
    cr_assert_eq(d4m_parse_number(&x, K(big)), 1);
    cr_assert_eq(x, 3);
    /* A view into a longer buffer: only its bytes count. */
    cr_assert_eq(d4m_parse_number(&x, (d4m_key){ "42abc", 2 }), 1);
    cr_assert_eq(x, 42);
    CHECK_FAILS(d4m_parse_number(NULL, K("1")), D4M_EINVAL);
    CHECK_FAILS(d4m_parse_number(&x, (d4m_key){ NULL, 3 }), D4M_EINVAL);
}
