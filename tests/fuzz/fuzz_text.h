/*
 * tests/fuzz/fuzz_text.h - the round trip shared by fuzz_tsv.c and
 * fuzz_csv.c: parse the input; if it parses, write the Assoc back and parse
 * that again, which must give an equal Assoc.  Any other outcome abort()s,
 * which libFuzzer reports as a crash.
 */
#ifndef D4M_FUZZ_TEXT_H
#define D4M_FUZZ_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "d4m.h"

typedef int (*fuzz_parse_fn)(d4m_assoc **out, const char *buf, size_t len,
                             const d4m_text_options *opts);
typedef int (*fuzz_write_fn)(FILE *f, const d4m_assoc *a, const d4m_text_options *opts);

static void fuzz_fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz: %s (rc %d: %s; offset %ld)\n", what, rc,
            d4m_error_message(), d4m_error_offset());
    abort();
}

/* Parse data[0, size) with parse; check the error if it fails, else the
 * round trip through write. */
static void fuzz_round_trip(fuzz_parse_fn parse, fuzz_write_fn write,
                            const uint8_t *data, size_t size)
{
    d4m_assoc *a = NULL, *b = NULL;
    int rc = parse(&a, (const char *)data, size, NULL);
    if (rc < 0) {
        /* with default options only malformed text (an error naming a byte
         * of the input) or memory can make a parse fail */
        if (a != NULL)
            fuzz_fail("failed parse left *out set", rc);
        if (rc == D4M_EFORMAT) {
            long off = d4m_error_offset();
            if (off < 0 || (size_t)off > size)
                fuzz_fail("format error offset outside the input", rc);
        } else if (rc != D4M_ENOMEM) {
            fuzz_fail("unexpected parse error", rc);
        }
        return;
    }

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort();
    rc = write(f, a, NULL);
    if (fclose(f) != 0 || rc < 0)
        fuzz_fail("write failed", rc);

    /* A string-valued Assoc whose strings all look like numbers would come
     * back numeric: the text does not record the value kind. */
    d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
    if (d4m_assoc_val_kind(a) == D4M_STR)
        o.flags |= D4M_TEXT_STRING_VALUES;
    rc = parse(&b, text, len, &o);
    if (rc < 0)
        fuzz_fail("written text does not parse", rc);
    if (!d4m_assoc_equal(a, b)) {
        fprintf(stderr, "fuzz: round trip changed the Assoc; written text (%zu bytes):\n", len);
        fwrite(text, 1, len, stderr);
        fuzz_fail("round trip not equal", 0);
    }
    free(text);
    d4m_assoc_free(a);
    d4m_assoc_free(b);
}

#endif
