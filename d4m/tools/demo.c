/*
 * d4m/tools/demo.c - d4m-demo: a short tour of the associative-array algebra
 * through the public API (include/d4m.h only).
 *
 * Each step prints the D4M (MATLAB/Octave) expression it performs and the
 * result, one "(row,col)  value" line per entry as D4M's display() does.
 * Every call is checked; on failure the demo prints d4m_error_message() and
 * exits with status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <d4m.h>

/* Report a failed call and stop.  A demo may exit: the library never does. */
static void fail(const char *what, int rc)
{
    fprintf(stderr, "d4m-demo: %s failed: %s (%d): %s\n", what,
            d4m_strerror(rc), rc, d4m_error_message());
    exit(1);
}

#define TRY(call) do { int rc_ = (call); if (rc_ < 0) fail(#call, rc_); } while (0)

static d4m_key K(const char *s) { return d4m_key_cstr(s); }

static void show(const char *title, const d4m_assoc *a)
{
    printf("\n%s\n", title);
    printf("  %zu entries, %zu x %zu\n", d4m_assoc_nnz(a),
           d4m_assoc_nrows(a), d4m_assoc_ncols(a));
    fflush(stdout);
    TRY(d4m_assoc_print(stdout, a));
}

/* Copy a file to stdout (to show the TSV text). */
static void cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "d4m-demo: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
}

int main(void)
{
    d4m_assoc *E = NULL, *sub = NULL, *pre = NULL, *B = NULL, *sum = NULL;
    d4m_assoc *L = NULL, *Lt = NULL, *co = NULL, *hours = NULL, *per = NULL;
    d4m_assoc *why = NULL, *back = NULL, *bad = NULL;
    d4m_query *q = NULL, *p = NULL;

    printf("d4m %s: a tour of associative arrays on GraphBLAS\n", d4m_version());

    /* Edges of a small graph: who spends how many hours a week on what.
     * A D4M list is one string whose last byte is the separator. */
    static const double hrs[] = { 3, 5, 2, 4, 6, 1, 2, 3 };
    TRY(d4m_assoc_from_lists_num(&E,
        K("alice alice bob bob carol dave dave dave "),
        K("chess hiking chess piano hiking chess hiking painting "),
        hrs, sizeof hrs / sizeof hrs[0], NULL));
    show("E = Assoc('alice alice bob ...', 'chess hiking chess ...', [3 5 2 4 6 1 2 3])", E);

    /* A query is parsed once and may serve any number of arrays. */
    TRY(d4m_query_parse(&q, K("alice : bob ")));
    TRY(d4m_assoc_get(&sub, E, q, NULL));
    show("E('alice : bob ', :)    % a row range", sub);

    TRY(d4m_query_starts_with(&p, K("p ")));
    TRY(d4m_assoc_get(&pre, E, NULL, p));
    show("E(:, StartsWith('p '))    % columns that begin with p", pre);

    /* Element-wise: union of keys, values add. */
    static const double more[] = { 1, 4 };
    TRY(d4m_assoc_from_lists_num(&B, K("alice erin "), K("chess chess "),
                                 more, 2, NULL));
    show("B = Assoc('alice erin ', 'chess chess ', [1 4])", B);
    TRY(d4m_assoc_plus(&sum, E, B));
    show("E + B    % union of keys; values add", sum);

    /* Matrix algebra: people x people, how many hobbies they share. */
    TRY(d4m_assoc_logical(&L, E));
    TRY(d4m_assoc_sqout(&co, L));
    show("L = logical(E);  L * L.'    % sqOut: hobbies in common", co);

    /* Reductions: dim 1 collapses the rows, dim 2 the columns. */
    TRY(d4m_assoc_sum(&hours, E, 1));
    show("sum(E, 1)    % hours per hobby", hours);
    TRY(d4m_assoc_sum(&per, E, 2));
    show("sum(E, 2)    % hours per person", per);

    /* CatKeyMul: like L * L.', but each value lists the matching inner keys. */
    TRY(d4m_assoc_transpose(&Lt, L));
    TRY(d4m_assoc_catkeymul(&why, L, Lt));
    show("CatKeyMul(L, L.')    % which hobbies they share", why);

    /* TSV: one "row<TAB>col<TAB>value" line per entry, and back. */
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/d4m-demo-XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "d4m-demo: mkstemp %s: %s\n", path, strerror(errno));
        return 1;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        fprintf(stderr, "d4m-demo: fdopen: %s\n", strerror(errno));
        return 1;
    }
    int wrc = d4m_assoc_write_tsv(f, E, NULL);
    if (fclose(f) != 0 && wrc == 0) {
        fprintf(stderr, "d4m-demo: closing %s: %s\n", path, strerror(errno));
        unlink(path);
        return 1;
    }
    if (wrc < 0) {
        unlink(path);
        fail("d4m_assoc_write_tsv(f, E, NULL)", wrc);
    }
    printf("\nd4m_assoc_write_tsv(E) wrote:\n");
    fflush(stdout);
    cat(path);
    int rrc = d4m_assoc_read_tsv(&back, path, NULL);
    unlink(path);
    if (rrc < 0)
        fail("d4m_assoc_read_tsv(&back, path, NULL)", rrc);
    printf("read back: %s\n", d4m_assoc_equal(E, back) ? "equal to E" : "DIFFERENT from E");
    if (!d4m_assoc_equal(E, back))
        return 1;

    /* Errors are codes; the message says what was wrong. */
    static const double three[] = { 1, 2, 3 };
    int rc = d4m_assoc_from_lists_num(&bad, K("a b "), K("x "), three, 3, NULL);
    printf("\nAssoc('a b ', 'x ', [1 2 3])    %% lengths 2, 1, 3\n");
    if (rc >= 0) {
        fprintf(stderr, "d4m-demo: a length mismatch was accepted\n");
        return 1;
    }
    printf("  error %d (%s): %s\n", rc, d4m_strerror(rc), d4m_error_message());

    d4m_query_free(q);
    d4m_query_free(p);
    d4m_assoc_free(E);
    d4m_assoc_free(sub);
    d4m_assoc_free(pre);
    d4m_assoc_free(B);
    d4m_assoc_free(sum);
    d4m_assoc_free(L);
    d4m_assoc_free(Lt);
    d4m_assoc_free(co);
    d4m_assoc_free(hours);
    d4m_assoc_free(per);
    d4m_assoc_free(why);
    d4m_assoc_free(back);
    d4m_assoc_free(bad);
    printf("\ndone\n");
    return 0;
}
