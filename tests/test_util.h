/*
 * tests/test_util.h - helpers shared by the Criterion suites.
 *
 * CHECK_OK(call) fails the test with the library's last error message when a
 * call does not return 0 (clar's cl_git_pass, LMDB's E()).
 * assoc_text() renders an Assoc as its display() text so that a test can
 * assert the whole of it (keys, values and order) in one exact comparison.
 */
#ifndef D4M_TEST_UTIL_H
#define D4M_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <d4m.h>

#define K(s) d4m_key_cstr(s)

#define CHECK_OK(call)                                                           \
    do {                                                                         \
        int check_rc_ = (call);                                                  \
        cr_assert_eq(check_rc_, 0, "%s returned %d: %s", #call, check_rc_,       \
                     d4m_error_message());                                       \
    } while (0)

#define CHECK_FAILS(call, code)                                                  \
    do {                                                                         \
        int check_rc_ = (call);                                                  \
        cr_assert_eq(check_rc_, (code), "%s returned %d (%s), expected %d", #call, \
                     check_rc_, d4m_error_message(), (int)(code));               \
        cr_assert_neq(d4m_error_message()[0], '\0', "no error message");         \
    } while (0)

/* display(A) as a malloc'd string (the caller frees it). */
static inline char *assoc_text(const d4m_assoc *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cr_assert_eq(d4m_assoc_print(f, a), 0, "print: %s", d4m_error_message());
    fclose(f);
    return buf;
}

/* Assert that display(A) is exactly `expected`. */
#define ASSERT_ASSOC(a, expected)                                                \
    do {                                                                         \
        char *assoc_txt_ = assoc_text(a);                                        \
        cr_assert_str_eq(assoc_txt_, (expected));                                \
        free(assoc_txt_);                                                        \
    } while (0)

/* Build from D4M lists (string values) or with numeric values. */
static inline d4m_assoc *lists(const char *r, const char *c, const char *v)
{
    d4m_assoc *a = NULL;
    int rc = d4m_assoc_from_lists(&a, K(r), K(c), K(v), NULL);
    cr_assert_eq(rc, 0, "from_lists: %s", d4m_error_message());
    return a;
}

static inline d4m_assoc *lists_num(const char *r, const char *c, const double *v, size_t n)
{
    d4m_assoc *a = NULL;
    int rc = d4m_assoc_from_lists_num(&a, K(r), K(c), v, n, NULL);
    cr_assert_eq(rc, 0, "from_lists_num: %s", d4m_error_message());
    return a;
}

#endif
