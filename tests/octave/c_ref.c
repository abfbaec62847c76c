/*
 * c_ref.c - the C library's answer for tests/octave/test_vs_c.m.
 *
 *   c_ref OP A.tsv B.tsv OUT.tsv [QUERY]
 *
 * Reads A and B (TSV triples), computes OP with the C API directly and
 * writes the result as TSV, so the test can compare it byte for byte with
 * what the Octave bindings wrote for the same inputs.  Compiled by the test
 * against the libd4m of the build tree.
 */
#include <stdio.h>
#include <string.h>
#include <d4m.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: c_ref OP A.tsv B.tsv OUT.tsv [QUERY]\n");
        return 2;
    }
    const char *op = argv[1];
    d4m_assoc *a = NULL, *b = NULL, *c = NULL;
    d4m_query *q = NULL;
    int rc = d4m_assoc_read_tsv(&a, argv[2], NULL);
    if (!rc) rc = d4m_assoc_read_tsv(&b, argv[3], NULL);
    if (!rc) {
        if (!strcmp(op, "plus")) rc = d4m_assoc_plus(&c, a, b);
        else if (!strcmp(op, "minus")) rc = d4m_assoc_minus(&c, a, b);
        else if (!strcmp(op, "and")) rc = d4m_assoc_and(&c, a, b);
        else if (!strcmp(op, "or")) rc = d4m_assoc_or(&c, a, b);
        else if (!strcmp(op, "times")) rc = d4m_assoc_times(&c, a, b);
        else if (!strcmp(op, "mtimes")) rc = d4m_assoc_mtimes(&c, a, b);
        else if (!strcmp(op, "catkeymul")) rc = d4m_assoc_catkeymul(&c, a, b);
        else if (!strcmp(op, "transpose")) rc = d4m_assoc_transpose(&c, a);
        else if (!strcmp(op, "sqin")) rc = d4m_assoc_sqin(&c, a);
        else if (!strcmp(op, "sqout")) rc = d4m_assoc_sqout(&c, a);
        else if (!strcmp(op, "sum1")) rc = d4m_assoc_sum(&c, a, 1);
        else if (!strcmp(op, "sum2")) rc = d4m_assoc_sum(&c, a, 2);
        else if (!strcmp(op, "max1")) rc = d4m_assoc_max(&c, a, 1);
        else if (!strcmp(op, "min2")) rc = d4m_assoc_min(&c, a, 2);
        else if (!strcmp(op, "gt50")) rc = d4m_assoc_cmp_num(&c, a, D4M_GT, 50);
        else if (!strcmp(op, "query") && argc > 5) {
            rc = d4m_query_parse(&q, d4m_key_cstr(argv[5]));
            if (!rc) rc = d4m_assoc_get(&c, a, q, NULL);
        } else {
            fprintf(stderr, "c_ref: unknown op %s\n", op);
            return 2;
        }
    }
    if (!rc) {
        FILE *f = fopen(argv[4], "wb");
        if (!f) { perror(argv[4]); return 1; }
        rc = d4m_assoc_write_tsv(f, c, NULL);
        fclose(f);
    }
    if (rc < 0)
        fprintf(stderr, "c_ref: %s: %s\n", d4m_strerror(rc), d4m_error_message());
    d4m_query_free(q);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
    d4m_assoc_free(c);
    return rc < 0;
}
