/*
 * tests/pkg/consumer/main.c - an outside program using the installed libd4m:
 * build an Assoc from D4M lists, print what it holds, check it.
 * tests/pkg/run.sh compares the output with tests/pkg/expected.txt.
 */
#include <stdio.h>
#include <string.h>
#include <d4m.h>

#define CHECK(call) do { int rc_ = (call); if (rc_ < 0) { \
    fprintf(stderr, "%s: %s\n", #call, d4m_error_message()); return 1; } } while (0)

int main(void)
{
    static const double v[] = { 1, 2, 3 };
    d4m_assoc *a = NULL, *bad = NULL;

    CHECK(d4m_assoc_from_lists_num(&a, d4m_key_cstr("alice bob alice "),
                                   d4m_key_cstr("cat dog dog "), v, 3, NULL));
    size_t nnz = d4m_assoc_nnz(a), nr = d4m_assoc_nrows(a), nc = d4m_assoc_ncols(a);
    int64_t i = d4m_assoc_key_find(a, 1, d4m_key_cstr("bob"));
    int64_t j = d4m_assoc_key_find(a, 2, d4m_key_cstr("dog"));
    double x = (i >= 0 && j >= 0) ? d4m_assoc_get_ij(a, (size_t)i, (size_t)j) : -1;
    int version_ok = strcmp(d4m_version(), D4M_VERSION_STRING) == 0;

    /* Row list of 2, column list of 1, 3 values: a length error. */
    int rc = d4m_assoc_from_lists_num(&bad, d4m_key_cstr("a b "), d4m_key_cstr("x "),
                                      v, 3, NULL);
    int error_ok = rc == D4M_ELENGTH && bad == NULL && d4m_error_message()[0] != '\0';

    printf("version %s\n", version_ok ? "ok" : "MISMATCH");
    printf("nnz %zu\n", nnz);
    printf("size %zu x %zu\n", nr, nc);
    printf("A(bob,dog) %g\n", x);
    printf("error %s\n", error_ok ? "ok" : "WRONG");

    int ok = version_ok && nnz == 3 && nr == 2 && nc == 2 && x == 2 && error_ok;
    printf("%s\n", ok ? "ok" : "FAIL");
    d4m_assoc_free(a);
    d4m_assoc_free(bad);
    return ok ? 0 : 1;
}
