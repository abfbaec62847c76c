/*
 * algebra/text.c - associative arrays to and from TSV triples and D4M CSV
 * tables (include/d4m/text.h is the contract).
 *
 * Parsing never copies a field that needs no unescaping: keys are views into
 * the caller's buffer, and escaped or quoted fields are unescaped into one
 * arena of the input's size (unescaping never makes a field longer, so the
 * arena never moves).  The Assoc is then built through d4m_assoc_build with
 * d4m_vec views of those keys, and written back through the public
 * accessors, so this file knows nothing of the Assoc's insides.
 *
 * Choices the header leaves open, made here:
 *   - keys read from text are always strings: TSV "3" and CSV "3" are the
 *     string key "3", never a position (a numeric axis writes its positions
 *     as integers, so such an Assoc reads back with string keys);
 *   - an empty value (TSV "r<TAB>c<TAB>", an empty CSV cell) is no entry and
 *     does not decide whether values are numbers or strings;
 *   - a number is decimal: [+-] digits [. digits] [e [+-] digits], at least
 *     one digit in the mantissa, no spaces, no hex, no inf or nan, and its
 *     value must be finite ("1e999" is the string "1e999");
 *   - numbers are read and written in the "C" locale whatever the caller's
 *     LC_NUMERIC is;
 *   - TSV writes one line per entry by row, then column; CSV writes the
 *     columns and rows that hold entries (all keys of a string axis);
 *   - the first cell of a CSV header is ignored on reading, empty on writing;
 *   - the collide option applies to repeated (row, col) pairs in CSV as well
 *     (a repeated row key or column key); D4M_COLLIDE_CALLBACK is D4M_EINVAL,
 *     since d4m_text_options carries no callback;
 *   - an input without entries gives d4m_assoc_new_empty()'s Assoc, and an
 *     Assoc without entries writes nothing (zero bytes) in both formats.
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Writers hand their buffer to the FILE once it holds this many bytes. */
#define CHUNK (64u * 1024u)

/* ----------------------------------------------------------- locale */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;

static void c_locale_make(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* *old = the thread's locale, and the "C" numeric locale in its place.
 * Errors: D4M_ENOMEM. */
static int locale_enter(locale_t *old)
{
    pthread_once(&c_locale_once, c_locale_make);
    if (c_locale == (locale_t)0)
        return d4m__error(D4M_ENOMEM, "cannot create the C locale for numbers");
    *old = uselocale(c_locale);
    return 0;
}

static void locale_leave(locale_t old)
{
    uselocale(old);
}

/* ----------------------------------------------------------- options */

/* *o = opts, or the defaults when opts is NULL.  Errors: D4M_EINVAL. */
static int text_options(d4m_text_options *o, const d4m_text_options *opts)
{
    d4m_text_options def = D4M_TEXT_OPTIONS_INIT;
    *o = opts ? *opts : def;
    if (o->version != D4M_TEXT_OPTIONS_VERSION)
        return d4m__error(D4M_EINVAL, "d4m_text_options version %u, expected %u",
                          o->version, (unsigned)D4M_TEXT_OPTIONS_VERSION);
    if (o->collide == D4M_COLLIDE_CALLBACK)
        return d4m__error(D4M_EINVAL, "text options cannot collide by callback");
    if ((unsigned)o->collide > (unsigned)D4M_COLLIDE_LAST)
        return d4m__error(D4M_EINVAL, "bad collide %d", (int)o->collide);
    if (o->sep == 0)
        o->sep = ',';
    return 0;
}

/* ----------------------------------------------------------- triples */

/* The entries parsed so far: keys and values as views, plus the arena that
 * unescaped fields live in. */
typedef struct parsed {
    d4m_key *row, *col, *val;
    size_t n, cap;
    char *arena;     /* input length bytes; never moves */
    size_t used;
} parsed;

static void parsed_free(parsed *p)
{
    free(p->row);
    free(p->col);
    free(p->val);
    free(p->arena);
    memset(p, 0, sizeof *p);
}

/* p gains the entry (r, c, v).  Errors: D4M_ENOMEM. */
static int parsed_add(parsed *p, d4m_key r, d4m_key c, d4m_key v)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        size_t bytes = d4m__mul(cap, sizeof(d4m_key));
        d4m_key *nr = d4m__realloc(p->row, bytes);
        if (!nr)
            return D4M_ENOMEM;
        p->row = nr;
        d4m_key *nc = d4m__realloc(p->col, bytes);
        if (!nc)
            return D4M_ENOMEM;
        p->col = nc;
        d4m_key *nv = d4m__realloc(p->val, bytes);
        if (!nv)
            return D4M_ENOMEM;
        p->val = nv;
        p->cap = cap;
    }
    p->row[p->n] = r;
    p->col[p->n] = c;
    p->val[p->n] = v;
    p->n++;
    return 0;
}

/* 1 if s is a decimal number: [+-] (d+ [. d*] | . d+) [eE [+-] d+]. */
static int is_decimal(d4m_key s)
{
    size_t i = 0, n = s.len, digits = 0;
    const char *p = s.ptr;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        i++;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++, digits++;
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == e)
            return 0;
    }
    return i == n;
}

/* *x = the value of s if s is a decimal number with a finite value: returns
 * 1 then, 0 if s is not such a number.  Runs in the "C" locale (the caller's
 * locale_enter).  Errors: D4M_ENOMEM (a number of 64 bytes or more). */
static int parse_number(double *x, d4m_key s)
{
    char small[64];
    if (s.len == 0 || !is_decimal(s))
        return 0;
    /* strtod needs a terminated string: s is a view into a larger buffer */
    char *tmp = s.len < sizeof small ? small : d4m__malloc(s.len + 1);
    if (!tmp)
        return D4M_ENOMEM;
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    char *end = NULL;
    double v = strtod(tmp, &end);
    int ok = end == tmp + s.len && isfinite(v);
    /* A nonzero number too small for a double (1e-400) would read as 0,
     * which is no entry: the value would be lost.  It stays text. */
    for (size_t i = 0; ok && v == 0 && i < s.len && s.ptr[i] != 'e' && s.ptr[i] != 'E'; i++)
        if (s.ptr[i] >= '1' && s.ptr[i] <= '9')
            ok = 0;
    if (tmp != small)
        free(tmp);
    if (ok)
        *x = v;
    return ok;
}

int d4m_parse_number(double *x, d4m_key s)
{
    if (!x || (!s.ptr && s.len))
        return d4m__error(D4M_EINVAL, "d4m_parse_number: NULL argument");
    locale_t old = (locale_t)0;
    D4M_TRY(locale_enter(&old));
    int rc = parse_number(x, s);
    locale_leave(old);
    return rc;
}

/* *out = Assoc(p's rows, cols, vals): numeric values when every non-empty
 * value is a number and string_values is 0, else strings.  Entries with an
 * empty value are left out; no entries at all gives the empty Assoc.
 * Errors: those of d4m_assoc_build, D4M_ENOMEM. */
static int parsed_build(d4m_assoc **out, parsed *p, const d4m_text_options *o)
{
    size_t n = 0;
    for (size_t t = 0; t < p->n; t++) {
        if (p->val[t].len == 0)
            continue;
        p->row[n] = p->row[t];
        p->col[n] = p->col[t];
        p->val[n] = p->val[t];
        n++;
    }
    if (n == 0)
        return d4m_assoc_new_empty(out);

    double *num = NULL;
    if (!(o->flags & D4M_TEXT_STRING_VALUES)) {
        num = d4m__malloc(d4m__mul(n, sizeof(double)));
        if (!num)
            return D4M_ENOMEM;
        locale_t old = (locale_t)0;
        int rc = locale_enter(&old);
        if (rc < 0) {
            free(num);
            return rc;
        }
        int is_num = 1;
        for (size_t t = 0; t < n && is_num == 1; t++)
            is_num = parse_number(&num[t], p->val[t]);
        locale_leave(old);
        if (is_num != 1) {             /* a value is not a number: strings */
            free(num);
            num = NULL;
            if (is_num < 0)
                return is_num;
        }
    }

    d4m_build_options bo = D4M_BUILD_OPTIONS_INIT;
    bo.collide = o->collide;
    d4m_vec val = num ? d4m_vec_num(num, n) : d4m_vec_str(p->val, n);
    d4m_assoc *a = NULL;
    int rc = d4m_assoc_build(&a, d4m_vec_str(p->row, n), d4m_vec_str(p->col, n), val, &bo);
    free(num);
    if (rc < 0)
        return rc;
    if (d4m_assoc_nnz(a) == 0) {
        /* every value was zero: the one empty Assoc, whatever the kinds */
        d4m_assoc_free(a);
        return d4m_assoc_new_empty(out);
    }
    *out = a;
    return 0;
}

/* ---------------------------------------------------------- TSV read */

/* *field = the TSV field of buf[start, end) with its escapes undone (a view
 * into buf when there are none, else into p's arena).
 * Errors: D4M_EFORMAT at a backslash not followed by t n r \ 0. */
static int tsv_field(d4m_key *field, parsed *p, const char *buf, size_t start, size_t end)
{
    const char *bs = memchr(buf + start, '\\', end - start);
    if (!bs) {
        field->ptr = buf + start;
        field->len = end - start;
        return 0;
    }
    char *dst = p->arena + p->used;
    size_t k = 0;
    for (size_t i = start; i < end; i++) {
        char ch = buf[i];
        if (ch == '\\') {
            if (i + 1 == end)
                return d4m__error_at(D4M_EFORMAT, (long)i,
                                     "TSV: backslash at the end of a field (offset %zu)", i);
            switch (buf[i + 1]) {
            case 't': ch = '\t'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case '\\': ch = '\\'; break;
            case '0': ch = '\0'; break;
            default:
                return d4m__error_at(D4M_EFORMAT, (long)i,
                                     "TSV: unknown escape \\ then byte 0x%02x (offset %zu)",
                                     (unsigned char)buf[i + 1], i);
            }
            i++;
        }
        dst[k++] = ch;
    }
    field->ptr = dst;
    field->len = k;
    p->used += k;
    return 0;
}

/* p gains the entries of TSV buf[0, len).
 * Errors: D4M_EFORMAT (a line without exactly three fields, a bad escape),
 * D4M_ENOMEM. */
static int tsv_lines(parsed *p, const char *buf, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t eol = nl ? (size_t)(nl - buf) : len;
        size_t next = nl ? eol + 1 : len;
        if (eol > pos && buf[eol - 1] == '\r')
            eol--;                               /* CRLF */
        if (eol == pos) {                        /* blank line */
            pos = next;
            continue;
        }
        const char *t1 = memchr(buf + pos, '\t', eol - pos);
        const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(buf + eol - t1 - 1)) : NULL;
        if (!t2)
            return d4m__error_at(D4M_EFORMAT, (long)eol,
                                 "TSV: line at offset %zu has %d field%s, expected 3",
                                 pos, t1 ? 2 : 1, t1 ? "s" : "");
        const char *t3 = memchr(t2 + 1, '\t', (size_t)(buf + eol - t2 - 1));
        if (t3)
            return d4m__error_at(D4M_EFORMAT, (long)(t3 - buf),
                                 "TSV: line at offset %zu has more than 3 fields", pos);
        d4m_key r, c, v;
        size_t a = (size_t)(t1 - buf), b = (size_t)(t2 - buf);
        D4M_TRY(tsv_field(&r, p, buf, pos, a));
        D4M_TRY(tsv_field(&c, p, buf, a + 1, b));
        D4M_TRY(tsv_field(&v, p, buf, b + 1, eol));
        D4M_TRY(parsed_add(p, r, c, v));
        pos = next;
    }
    return 0;
}

/* A = the Assoc of TSV triples buf[0, len) (see text.h; keys are strings). */
int d4m_assoc_parse_tsv(d4m_assoc **out, const char *buf, size_t len,
                        const d4m_text_options *opts)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_assoc_parse_tsv: out is NULL");
    *out = NULL;
    if (!buf && len)
        return d4m__error(D4M_EINVAL, "d4m_assoc_parse_tsv: buf is NULL");
    d4m_text_options o;
    D4M_TRY(text_options(&o, opts));
    parsed p = { 0 };
    p.arena = d4m__malloc(len);
    if (!p.arena)
        return D4M_ENOMEM;
    int rc = tsv_lines(&p, buf, len);
    if (rc == 0)
        rc = parsed_build(out, &p, &o);
    parsed_free(&p);
    return rc;
}

/* --------------------------------------------------------- file input */

/* *buf, *len = the whole of the file at path (*buf the caller's, free()).
 * Errors: D4M_EINVAL, D4M_EIO (with errno's text), D4M_ENOMEM, D4M_ETOOBIG. */
static int slurp(char **buf, size_t *len, const char *path)
{
    *buf = NULL;
    *len = 0;
    if (!path)
        return d4m__error(D4M_EINVAL, "path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f)
        return d4m__error(D4M_EIO, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 64 * 1024, n = 0;
    char *b = d4m__malloc(cap);
    if (!b) {
        fclose(f);
        return D4M_ENOMEM;
    }
    for (;;) {
        if (n == cap) {
            if (cap > SIZE_MAX / 2) {
                free(b);
                fclose(f);
                return d4m__error(D4M_ETOOBIG, "%s is too large to read", path);
            }
            char *nb = d4m__realloc(b, cap * 2);
            if (!nb) {
                free(b);
                fclose(f);
                return D4M_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        errno = 0;
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n < cap) {
            if (ferror(f)) {
                int e = errno;
                free(b);
                fclose(f);
                return d4m__error(D4M_EIO, "cannot read %s: %s", path,
                                  e ? strerror(e) : "read error");
            }
            if (feof(f))
                break;
        }
    }
    fclose(f);
    *buf = b;
    *len = n;
    return 0;
}

/* A = the Assoc of the TSV file at path.  Error offsets are file offsets. */
int d4m_assoc_read_tsv(d4m_assoc **out, const char *path, const d4m_text_options *opts)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_assoc_read_tsv: out is NULL");
    *out = NULL;
    char *buf;
    size_t len;
    D4M_TRY(slurp(&buf, &len, path));
    int rc = d4m_assoc_parse_tsv(out, buf, len, opts);
    free(buf);
    return rc;
}

/* --------------------------------------------------------- file output */

/* The text of one Assoc being written, handed to f by chunks. */
typedef struct writer {
    FILE *f;
    d4m_buf b;
} writer;

/* f receives w's buffered bytes.  Errors: D4M_EIO. */
static int writer_flush(writer *w)
{
    if (w->b.len == 0)
        return 0;
    errno = 0;
    size_t put = fwrite(w->b.p, 1, w->b.len, w->f);
    int e = errno;
    if (put != w->b.len)
        return d4m__error(D4M_EIO, "write failed: %s", e ? strerror(e) : "write error");
    w->b.len = 0;
    return 0;
}

/* w gains n bytes of s.  Errors: D4M_EIO, D4M_ENOMEM. */
static int put(writer *w, const void *s, size_t n)
{
    D4M_TRY(d4m__buf_put(&w->b, s, n));
    return w->b.len >= CHUNK ? writer_flush(w) : 0;
}

/* f receives the rest of w, is flushed, and w's buffer is freed: rc, or
 * D4M_EIO if rc was 0 and writing failed. */
static int writer_end(writer *w, int rc)
{
    if (rc == 0)
        rc = writer_flush(w);
    if (rc == 0) {
        errno = 0;
        if (fflush(w->f) != 0 || ferror(w->f)) {
            int e = errno;
            rc = d4m__error(D4M_EIO, "write failed: %s", e ? strerror(e) : "write error");
        }
    }
    d4m__buf_free(&w->b);
    return rc;
}

/* w gains x printed with %.17g ("C" locale: the caller's locale_enter). */
static int put_number(writer *w, double x)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.17g", x == 0 ? 0.0 : x);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return d4m__error(D4M_EVALUE, "cannot print the number %g", x);
    return put(w, tmp, (size_t)n);
}

/* A writer of one key or string value in some format's quoting. */
typedef int (*put_key_fn)(writer *w, d4m_key k, char sep);

/* w gains key i of axis dim of a: the key's bytes (through put_key) on a
 * string axis, the position i + 1 as an integer on a numeric axis. */
static int put_axis_key(writer *w, const d4m_assoc *a, int dim, uint64_t i,
                        put_key_fn put_key, char sep)
{
    if (d4m_assoc_key_kind(a, dim) == D4M_NUM) {
        char tmp[24];
        int n = snprintf(tmp, sizeof tmp, "%" PRIu64, i + 1);
        return put(w, tmp, (size_t)n);
    }
    return put_key(w, d4m_assoc_key(a, dim, (size_t)i), sep);
}

/* w gains k with TSV's escapes (\t \n \r \\ \0). */
static int put_tsv_key(writer *w, d4m_key k, char sep)
{
    (void)sep;
    size_t run = 0;
    for (size_t i = 0; i < k.len; i++) {
        const char *esc;
        switch (k.ptr[i]) {
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\\': esc = "\\\\"; break;
        case '\0': esc = "\\0"; break;
        default: continue;
        }
        D4M_TRY(put(w, k.ptr + run, i - run));
        D4M_TRY(put(w, esc, 2));
        run = i + 1;
    }
    return put(w, k.ptr + run, k.len - run);
}

/* w gains the value of entry t of triples tr of a. */
static int put_value(writer *w, const d4m_assoc *a, const d4m_triples *tr, size_t t,
                     put_key_fn put_key, char sep)
{
    if (tr->val)
        return put_number(w, tr->val[t]);
    return put_key(w, d4m_assoc_val_str(a, (size_t)tr->sval[t]), sep);
}

/* f receives a as TSV, one "row<TAB>col<TAB>value\n" line per entry, by row
 * then column; positions of numeric axes print as integers, values with
 * %.17g.  Errors: D4M_EINVAL, D4M_EIO, D4M_ENOMEM. */
int d4m_assoc_write_tsv(FILE *f, const d4m_assoc *a, const d4m_text_options *opts)
{
    if (!f || !a)
        return d4m__error(D4M_EINVAL, "d4m_assoc_write_tsv: NULL argument");
    d4m_text_options o;
    D4M_TRY(text_options(&o, opts));
    if (d4m_assoc_nnz(a) == 0)
        return 0;
    d4m_triples *tr = NULL;
    D4M_TRY(d4m_assoc_find(&tr, a, D4M_ORDER_ROW));
    locale_t old = (locale_t)0;
    int rc = locale_enter(&old);
    if (rc < 0) {
        d4m_triples_free(tr);
        return rc;
    }
    writer w = { f, { 0 } };
    for (size_t t = 0; t < tr->n && rc == 0; t++) {
        rc = put_axis_key(&w, a, 1, tr->row[t], put_tsv_key, 0);
        if (rc == 0)
            rc = put(&w, "\t", 1);
        if (rc == 0)
            rc = put_axis_key(&w, a, 2, tr->col[t], put_tsv_key, 0);
        if (rc == 0)
            rc = put(&w, "\t", 1);
        if (rc == 0)
            rc = put_value(&w, a, tr, t, put_tsv_key, 0);
        if (rc == 0)
            rc = put(&w, "\n", 1);
    }
    locale_leave(old);
    d4m_triples_free(tr);
    return writer_end(&w, rc);
}

/* ---------------------------------------------------------- CSV read */

/* Where one CSV field ended. */
enum { CSV_SEP, CSV_EOL };

/* *field = the CSV field at *pos of buf[0, len) (a view into buf, or for a
 * quoted field with doubled quotes into p's arena); *pos moves past it and
 * past the separator or line end that follows, and *ended says which.
 * A quote is special only as a field's first byte.
 * Errors: D4M_EFORMAT at the opening quote of a field that never closes, or
 * at the byte after a closing quote that is not a separator or line end. */
static int csv_field(d4m_key *field, int *ended, size_t *pos, parsed *p,
                     const char *buf, size_t len, char sep)
{
    size_t i = *pos;
    if (i < len && buf[i] == '"') {
        size_t open = i, start = ++i;
        int doubled = 0;
        for (;;) {
            const char *q = i < len ? memchr(buf + i, '"', len - i) : NULL;
            if (!q)
                return d4m__error_at(D4M_EFORMAT, (long)open,
                                     "CSV: quoted field at offset %zu never closes", open);
            i = (size_t)(q - buf);
            if (i + 1 < len && buf[i + 1] == '"') {
                doubled = 1;
                i += 2;
                continue;
            }
            break;
        }
        size_t close = i++;
        if (!doubled) {
            field->ptr = buf + start;
            field->len = close - start;
        } else {
            char *dst = p->arena + p->used;
            size_t k = 0;
            for (size_t j = start; j < close; j++) {
                dst[k++] = buf[j];
                if (buf[j] == '"')
                    j++;
            }
            field->ptr = dst;
            field->len = k;
            p->used += k;
        }
        if (i == len || buf[i] == '\n') {
            *ended = CSV_EOL;
            *pos = i < len ? i + 1 : len;
        } else if (buf[i] == '\r' && (i + 1 == len || buf[i + 1] == '\n')) {
            *ended = CSV_EOL;
            *pos = i + 1 < len ? i + 2 : len;
        } else if (buf[i] == sep) {
            *ended = CSV_SEP;
            *pos = i + 1;
        } else {
            return d4m__error_at(D4M_EFORMAT, (long)i,
                                 "CSV: unexpected byte after the closing quote at offset %zu",
                                 close);
        }
        return 0;
    }
    size_t start = i;
    while (i < len && buf[i] != sep && buf[i] != '\n')
        i++;
    field->ptr = buf + start;
    field->len = i - start;
    if (i < len && buf[i] == sep) {
        *ended = CSV_SEP;
        *pos = i + 1;
        return 0;
    }
    if (field->len > 0 && buf[i - 1] == '\r')
        field->len--;                            /* CRLF */
    *ended = CSV_EOL;
    *pos = i < len ? i + 1 : len;
    return 0;
}

/* The offset of the line after the blank lines at pos ("\n" or "\r\n" or a
 * lone "\r" at the end). */
static size_t skip_blank(const char *buf, size_t len, size_t pos)
{
    for (;;) {
        if (pos < len && buf[pos] == '\n')
            pos++;
        else if (pos < len && buf[pos] == '\r' && (pos + 1 == len || buf[pos + 1] == '\n'))
            pos += pos + 1 == len ? 1 : 2;
        else
            return pos;
    }
}

/* p gains the entries of CSV table buf[0, len).
 * Errors: D4M_EFORMAT (bad quoting, a row with more cells than the header
 * has column keys), D4M_ENOMEM. */
static int csv_lines(parsed *p, const char *buf, size_t len, char sep)
{
    d4m_key *cols = NULL;
    size_t ncols = 0, cap = 0;
    int ended = CSV_EOL, rc = 0;
    d4m_key field;

    size_t pos = skip_blank(buf, len, 0);
    if (pos == len)
        return 0;
    /* the header: an ignored first cell, then the column keys */
    rc = csv_field(&field, &ended, &pos, p, buf, len, sep);
    while (rc == 0 && ended == CSV_SEP) {
        rc = csv_field(&field, &ended, &pos, p, buf, len, sep);
        if (rc < 0)
            break;
        if (ncols == cap) {
            cap = cap ? 2 * cap : 64;
            d4m_key *nc = d4m__realloc(cols, d4m__mul(cap, sizeof *cols));
            if (!nc) {
                rc = D4M_ENOMEM;
                break;
            }
            cols = nc;
        }
        cols[ncols++] = field;
    }
    /* the rows: a row key, then one cell per column key */
    while (rc == 0 && (pos = skip_blank(buf, len, pos)) < len) {
        d4m_key row;
        rc = csv_field(&row, &ended, &pos, p, buf, len, sep);
        for (size_t j = 0; rc == 0 && ended == CSV_SEP; j++) {
            if (j == ncols) {
                rc = d4m__error_at(D4M_EFORMAT, (long)(pos - 1),
                                   "CSV: row has more than the header's %zu cells "
                                   "(separator at offset %zu)", ncols, pos - 1);
                break;
            }
            rc = csv_field(&field, &ended, &pos, p, buf, len, sep);
            if (rc == 0 && field.len > 0)
                rc = parsed_add(p, row, cols[j], field);
        }
    }
    free(cols);
    return rc;
}

/* A = the Assoc of the CSV table buf[0, len) (see text.h; keys are strings). */
int d4m_assoc_parse_csv(d4m_assoc **out, const char *buf, size_t len,
                        const d4m_text_options *opts)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_assoc_parse_csv: out is NULL");
    *out = NULL;
    if (!buf && len)
        return d4m__error(D4M_EINVAL, "d4m_assoc_parse_csv: buf is NULL");
    d4m_text_options o;
    D4M_TRY(text_options(&o, opts));
    if (o.sep == '"' || o.sep == '\n' || o.sep == '\r')
        return d4m__error(D4M_EINVAL, "CSV separator cannot be a quote or a line end");
    parsed p = { 0 };
    p.arena = d4m__malloc(len);
    if (!p.arena)
        return D4M_ENOMEM;
    int rc = csv_lines(&p, buf, len, o.sep);
    if (rc == 0)
        rc = parsed_build(out, &p, &o);
    parsed_free(&p);
    return rc;
}

/* A = the Assoc of the CSV file at path.  Error offsets are file offsets. */
int d4m_assoc_read_csv(d4m_assoc **out, const char *path, const d4m_text_options *opts)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_assoc_read_csv: out is NULL");
    *out = NULL;
    char *buf;
    size_t len;
    D4M_TRY(slurp(&buf, &len, path));
    int rc = d4m_assoc_parse_csv(out, buf, len, opts);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------- CSV write */

/* w gains k as a CSV cell: quoted, quotes doubled, if it holds sep, a quote,
 * '\n' or '\r'. */
static int put_csv_key(writer *w, d4m_key k, char sep)
{
    int quote = 0;
    for (size_t i = 0; i < k.len && !quote; i++) {
        char ch = k.ptr[i];
        quote = ch == sep || ch == '"' || ch == '\n' || ch == '\r';
    }
    if (!quote)
        return put(w, k.ptr, k.len);
    D4M_TRY(put(w, "\"", 1));
    size_t run = 0;
    for (size_t i = 0; i < k.len; i++) {
        if (k.ptr[i] != '"')
            continue;
        D4M_TRY(put(w, k.ptr + run, i + 1 - run));   /* through the quote */
        D4M_TRY(put(w, "\"", 1));                     /* and its double */
        run = i + 1;
    }
    D4M_TRY(put(w, k.ptr + run, k.len - run));
    return put(w, "\"", 1);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* The cell number (0-based) of column index c among the n used columns. */
static uint64_t cell_of(const uint64_t *used, size_t n, uint64_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (used[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* w gains a as a CSV table (tr: a's triples by row).  Only the columns that
 * hold entries get a cell: a numeric axis may have 2^53 positions. */
static int csv_table(writer *w, const d4m_assoc *a, const d4m_triples *tr, char sep)
{
    uint64_t *used = d4m__malloc(d4m__mul(tr->n, sizeof *used));
    if (!used)
        return D4M_ENOMEM;
    memcpy(used, tr->col, tr->n * sizeof *used);
    qsort(used, tr->n, sizeof *used, cmp_u64);
    size_t nused = 0;
    for (size_t t = 0; t < tr->n; t++)
        if (nused == 0 || used[nused - 1] != used[t])
            used[nused++] = used[t];

    int rc = 0;
    for (size_t k = 0; k < nused && rc == 0; k++) {
        rc = put(w, &sep, 1);
        if (rc == 0)
            rc = put_axis_key(w, a, 2, used[k], put_csv_key, sep);
    }
    if (rc == 0)
        rc = put(w, "\n", 1);
    for (size_t t = 0; t < tr->n && rc == 0;) {
        uint64_t r = tr->row[t], cell = 0;   /* separators written so far */
        rc = put_axis_key(w, a, 1, r, put_csv_key, sep);
        for (; rc == 0 && t < tr->n && tr->row[t] == r; t++) {
            uint64_t slot = cell_of(used, nused, tr->col[t]);
            for (; rc == 0 && cell <= slot; cell++)
                rc = put(w, &sep, 1);
            if (rc == 0)
                rc = put_value(w, a, tr, t, put_csv_key, sep);
        }
        for (; rc == 0 && cell < nused; cell++)
            rc = put(w, &sep, 1);
        if (rc == 0)
            rc = put(w, "\n", 1);
    }
    free(used);
    return rc;
}

/* f receives a as a D4M CSV table: the header sep,col1,col2... then one line
 * per row, row key then one cell per column (empty where a has no entry).
 * Errors: D4M_EINVAL (bad separator), D4M_EIO, D4M_ENOMEM. */
int d4m_assoc_write_csv(FILE *f, const d4m_assoc *a, const d4m_text_options *opts)
{
    if (!f || !a)
        return d4m__error(D4M_EINVAL, "d4m_assoc_write_csv: NULL argument");
    d4m_text_options o;
    D4M_TRY(text_options(&o, opts));
    if (o.sep == '"' || o.sep == '\n' || o.sep == '\r')
        return d4m__error(D4M_EINVAL, "CSV separator cannot be a quote or a line end");
    if (d4m_assoc_nnz(a) == 0)
        return 0;
    d4m_triples *tr = NULL;
    D4M_TRY(d4m_assoc_find(&tr, a, D4M_ORDER_ROW));
    locale_t old = (locale_t)0;
    int rc = locale_enter(&old);
    if (rc < 0) {
        d4m_triples_free(tr);
        return rc;
    }
    writer w = { f, { 0 } };
    rc = csv_table(&w, a, tr, o.sep);
    locale_leave(old);
    d4m_triples_free(tr);
    return writer_end(&w, rc);
}

/* The file at path (created or truncated) receives a as a CSV table.  On
 * failure the file may hold part of the table.
 * Errors: those of d4m_assoc_write_csv, D4M_EIO when the file cannot be
 * opened or closed. */
int d4m_assoc_save_csv(const d4m_assoc *a, const char *path, const d4m_text_options *opts)
{
    if (!a || !path)
        return d4m__error(D4M_EINVAL, "d4m_assoc_save_csv: NULL argument");
    FILE *f = fopen(path, "wb");
    if (!f)
        return d4m__error(D4M_EIO, "cannot open %s: %s", path, strerror(errno));
    int rc = d4m_assoc_write_csv(f, a, opts);
    errno = 0;
    if (fclose(f) != 0 && rc == 0) {
        int e = errno;
        rc = d4m__error(D4M_EIO, "cannot close %s: %s", path, e ? strerror(e) : "close error");
    }
    return rc;
}
