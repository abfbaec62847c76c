/*
 * d4m/tools/d4m.c - d4m: the command-line tool of a d4m database.
 *
 *   d4m create DB TABLE [--pair] [--degree] [--int-keys] [--shards N]
 *                       [--combiner sum|min|max]
 *   d4m put DB TABLE [FILE] [--bulk] [--chunk N]
 *   d4m get DB TABLE ROWQ [COLQ] [--chunk N]
 *   d4m nnz DB TABLE | d4m ls DB | d4m drop DB TABLE | d4m info DB TABLE
 *
 * Triples go in and come out as TSV ("row<TAB>col<TAB>value" lines, with the
 * escapes of d4m/text.h: \t \n \r \\ \0).  Only the public API is used
 * (include/d4m.h and include/d4m/db.h).
 *
 * Errors: "d4m: CMD: message" on stderr, the message being the library's
 * d4m_error_message() when a library call failed.  Exit status 0 on success,
 * 1 on a failure, 2 on a usage error.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <inttypes.h>
#include <d4m.h>
#include <d4m/db.h>

#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* ------------------------------------------------------------- commands */

typedef struct command {
    const char *name;
    int (*run)(const struct command *c, int argc, char **argv);
    const char *synopsis;   /* after "d4m " */
    const char *summary;    /* one line for d4m --help */
    const char *help;       /* the rest of "d4m help CMD" */
} command;

static const command *find_command(const char *name);

/* The subcommand being run, for error messages. */
static const char *g_cmd = NULL;

static void vreport(const char *fmt, va_list ap)
{
    fflush(stdout);
    if (g_cmd)
        fprintf(stderr, "d4m: %s: ", g_cmd);
    else
        fputs("d4m: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* Print "d4m: CMD: <formatted message>"; returns EXIT_FAIL. */
static int failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return EXIT_FAIL;
}

/* A library call returned rc < 0: print its last error; returns EXIT_FAIL. */
static int fail(int rc)
{
    const char *msg = d4m_error_message();
    if (!msg || !*msg)
        msg = d4m_strerror(rc);
    return failf("%s", msg);
}

/* A usage error: print the message and the command's synopsis; returns
 * EXIT_USAGE. */
static int usage_error(const command *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    if (c)
        fprintf(stderr, "usage: d4m %s\nTry 'd4m help %s'.\n", c->synopsis, c->name);
    else
        fputs("Try 'd4m --help'.\n", stderr);
    return EXIT_USAGE;
}

/* ------------------------------------------------------------ arguments */

typedef struct option {
    const char *name;   /* without the leading "--" */
    int has_arg;
    int seen;
    const char *arg;
} option;

/* Split argv[1..argc) into options (of opts) and positional arguments.
 * "--name VALUE" and "--name=VALUE" give values; "--" ends the options; "-"
 * alone is positional.  Returns 0, EXIT_USAGE after printing the error, or
 * -1 when --help/-h was asked (the caller prints the help). */
static int parse_args(const command *c, int argc, char **argv, option *opts,
                      size_t nopt, char **pos, size_t *npos, size_t minpos,
                      size_t maxpos)
{
    size_t np = 0;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0))
            return -1;
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            option *o = NULL;
            for (size_t k = 0; k < nopt; k++)
                if (strlen(opts[k].name) == len && memcmp(opts[k].name, name, len) == 0)
                    o = &opts[k];
            if (!o)
                return usage_error(c, "unknown option '%.*s'", (int)(len + 2), a);
            if (o->has_arg) {
                if (eq)
                    o->arg = eq + 1;
                else if (i + 1 < argc)
                    o->arg = argv[++i];
                else
                    return usage_error(c, "option '--%s' needs a value", o->name);
            } else if (eq) {
                return usage_error(c, "option '--%s' takes no value", o->name);
            }
            o->seen = 1;
            continue;
        }
        if (np == maxpos)
            return usage_error(c, "too many arguments ('%s')", a);
        pos[np++] = argv[i];
    }
    if (np < minpos)
        return usage_error(c, "missing arguments");
    *npos = np;
    return 0;
}

/* *x = s as an unsigned decimal integer no larger than max; 0 or -1. */
static int parse_uint(uint64_t *x, const char *s, uint64_t max)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *x = v;
    return 0;
}

/* ---------------------------------------------------------------- output */

/* f gains the bytes p[0, n) with TSV's escapes (\t \n \r \\ \0). */
static void put_escaped(FILE *f, const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc;
        switch (p[i]) {
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\\': esc = "\\\\"; break;
        case '\0': esc = "\\0"; break;
        default: continue;
        }
        fwrite(p + run, 1, i - run, f);
        fwrite(esc, 1, 2, f);
        run = i + 1;
    }
    fwrite(p + run, 1, n - run, f);
}

/* buf = the decimal digits of x, a NUL after them; returns their count. */
static int format_uint(char *buf, uint64_t x)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

/* buf = the shortest of %.15g, %.16g, %.17g that reads back as v. */
static void format_number(char *buf, size_t size, double v)
{
    /* A whole number below 1e15 is its digits in every one of them (no
     * exponent below 15 digits): the common case of counts, made fast. */
    if (v != 0 && v > -1e15 && v < 1e15 && v == (double)(int64_t)v && size >= 18) {
        if (v < 0)
            *buf++ = '-';
        format_uint(buf, (uint64_t)(v < 0 ? -v : v));
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Flush stdout; EXIT_FAIL with the reason if the output could not be written. */
static int finish_output(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return failf("cannot write the output: %s", strerror(errno ? errno : EIO));
    return 0;
}

/* ------------------------------------------------------------- handles */

static int open_db(d4m_db **db, const char *path, unsigned flags)
{
    int rc = d4m_db_open(db, path, flags);
    if (rc < 0) {
        *db = NULL;
        return fail(rc);
    }
    return 0;
}

/* Open database path and its table name; on failure both are NULL/closed. */
static int open_table(d4m_db **db, d4m_table **t, const char *path,
                      const char *name, unsigned flags)
{
    *t = NULL;
    int ex = open_db(db, path, flags);
    if (ex)
        return ex;
    int rc = d4m_table_open(t, *db, name);
    if (rc < 0) {
        ex = fail(rc);
        *t = NULL;
        d4m_db_close(*db);
        *db = NULL;
        return ex;
    }
    return 0;
}

static void close_table(d4m_db *db, d4m_table *t)
{
    d4m_table_close(t);
    d4m_db_close(db);
}

static const char *combiner_name(d4m_combiner c)
{
    switch (c) {
    case D4M_COMBINE_NONE: return "none";
    case D4M_COMBINE_SUM: return "sum";
    case D4M_COMBINE_MIN: return "min";
    case D4M_COMBINE_MAX: return "max";
    }
    return "?";
}

/* ---------------------------------------------------------------- create */

static int cmd_create(const command *c, int argc, char **argv)
{
    option opts[] = {
        { "pair", 0, 0, NULL }, { "degree", 0, 0, NULL }, { "int-keys", 0, 0, NULL },
        { "shards", 1, 0, NULL }, { "combiner", 1, 0, NULL },
    };
    char *pos[2];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, opts, 5, pos, &np, 2, 2);
    if (ex)
        return ex;

    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    o.pair = opts[0].seen;
    o.degree = opts[1].seen;
    o.keys = opts[2].seen ? D4M_NUM : D4M_STR;
    if (opts[3].seen) {
        uint64_t n = 0;
        if (parse_uint(&n, opts[3].arg, UINT_MAX) < 0)
            return usage_error(c, "--shards wants a number, not '%s'", opts[3].arg);
        o.shards = (unsigned)n;
    }
    if (opts[4].seen) {
        const char *s = opts[4].arg;
        if (strcmp(s, "sum") == 0)
            o.combiner = D4M_COMBINE_SUM;
        else if (strcmp(s, "min") == 0)
            o.combiner = D4M_COMBINE_MIN;
        else if (strcmp(s, "max") == 0)
            o.combiner = D4M_COMBINE_MAX;
        else if (strcmp(s, "none") == 0)
            o.combiner = D4M_COMBINE_NONE;
        else
            return usage_error(c, "--combiner is sum, min, max or none, not '%s'", s);
    }

    d4m_db *db;
    if ((ex = open_db(&db, pos[0], D4M_DB_CREATE)))
        return ex;
    int rc = d4m_table_create(db, pos[1], &o);
    if (rc < 0)
        ex = fail(rc);
    d4m_db_close(db);
    return ex;
}

/* ------------------------------------------------------------------- put */

/* One chunk of parsed triples.  Fields are unescaped into the arena and
 * referred to by offset (the arena moves as it grows). */
typedef struct chunk {
    char *arena;
    size_t used, cap;
    size_t *f;              /* 6 per triple: row off, len, col off, len, val off, len */
    unsigned char *isnum;   /* per triple: the value is a number */
    double *num;            /* per triple: that number */
    size_t n, tcap;
    d4m_key *row, *col, *val;   /* views built when the chunk is written */
    size_t vcap;
} chunk;

static void chunk_free(chunk *k)
{
    free(k->arena);
    free(k->f);
    free(k->isnum);
    free(k->num);
    free(k->row);
    free(k->col);
    free(k->val);
}

static int chunk_reserve(chunk *k, size_t bytes)
{
    if (k->used + bytes > k->cap) {
        size_t cap = k->cap ? k->cap : 1u << 20;
        while (cap < k->used + bytes)
            cap *= 2;
        char *a = realloc(k->arena, cap);
        if (!a)
            return -1;
        k->arena = a;
        k->cap = cap;
    }
    if (k->n == k->tcap) {
        size_t cap = k->tcap ? k->tcap * 2 : 4096;
        size_t *f = realloc(k->f, cap * 6 * sizeof *f);
        if (!f)
            return -1;
        k->f = f;
        unsigned char *in = realloc(k->isnum, cap);
        if (!in)
            return -1;
        k->isnum = in;
        double *num = realloc(k->num, cap * sizeof *num);
        if (!num)
            return -1;
        k->num = num;
        k->tcap = cap;
    }
    return 0;
}

/* 1 if s is a decimal integer key from 1 to 2^53 ([+] d+): integer keys
 * are positions, as the library takes them. */
static int is_int_key(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '+')
        i++;
    if (i == n)
        return 0;
    uint64_t v = 0, max = (uint64_t)1 << 53;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    return v >= 1;
}

/* The input being read. */
typedef struct input {
    FILE *f;
    const char *name;       /* for messages: the path, or "stdin" */
    unsigned long long line;
    int int_keys;           /* the table has integer keys */
} input;

static const char *field_names[3] = { "row", "column", "value" };

/* k gains the triple of line[0, len) (without its newline).  Blank lines are
 * skipped, a trailing '\r' is dropped, a triple with an empty value is left
 * out (an empty value is no entry).  Returns 0, or EXIT_FAIL after printing
 * "NAME:LINE: problem". */
static int parse_line(chunk *k, input *in, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return 0;
    const char *t1 = memchr(line, '\t', len);
    const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(line + len - t1 - 1)) : NULL;
    if (!t2)
        return failf("%s:%llu: %d field%s, expected 3 (row<TAB>column<TAB>value)",
                     in->name, in->line, t1 ? 2 : 1, t1 ? "s" : "");
    if (memchr(t2 + 1, '\t', (size_t)(line + len - t2 - 1)))
        return failf("%s:%llu: more than 3 fields, expected 3 (row<TAB>column<TAB>value)",
                     in->name, in->line);
    if (chunk_reserve(k, len) < 0)
        return failf("out of memory");
    size_t start[3] = { 0, (size_t)(t1 - line) + 1, (size_t)(t2 - line) + 1 };
    size_t end[3] = { (size_t)(t1 - line), (size_t)(t2 - line), len };
    size_t *f = k->f + 6 * k->n;
    for (int j = 0; j < 3; j++) {
        char *dst = k->arena + k->used;
        size_t m = 0;
        for (size_t i = start[j]; i < end[j]; i++) {
            char ch = line[i];
            if (ch == '\\') {
                if (i + 1 == end[j])
                    return failf("%s:%llu: %s field ends in a lone backslash",
                                 in->name, in->line, field_names[j]);
                switch (line[++i]) {
                case 't': ch = '\t'; break;
                case 'n': ch = '\n'; break;
                case 'r': ch = '\r'; break;
                case '\\': ch = '\\'; break;
                case '0': ch = '\0'; break;
                default:
                    return failf("%s:%llu: unknown escape '\\%c' in the %s field "
                                 "(escapes: \\t \\n \\r \\\\ \\0)",
                                 in->name, in->line, line[i], field_names[j]);
                }
            }
            dst[m++] = ch;
        }
        if (j < 2 && in->int_keys && !is_int_key(dst, m))
            return failf("%s:%llu: %s key '%.*s' is not an integer from 1 to 2^53 (the table "
                         "has integer keys)",
                         in->name, in->line, field_names[j], (int)(m > 40 ? 40 : m), dst);
        f[2 * j] = k->used;
        f[2 * j + 1] = m;
        k->used += m;
    }
    if (f[5] == 0) {                /* an empty value is no entry */
        k->used = f[0];
        return 0;
    }
    /* Numbers as the library's text readers take them. */
    int isnum = d4m_parse_number(&k->num[k->n], (d4m_key){ k->arena + f[4], f[5] });
    if (isnum < 0)
        return failf("%s:%llu: %s", in->name, in->line, d4m_error_message());
    k->isnum[k->n] = (unsigned char)isnum;
    k->n++;
    return 0;
}

/* Progress on stderr, when it is a terminal. */
typedef struct progress {
    int on;
    struct timespec start, last;
    unsigned long long shown;   /* 1 once a line was printed */
} progress;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) * 1e-9;
}

static void progress_show(progress *p, const char *what, unsigned long long n, int force)
{
    if (!p->on || (!force && seconds_since(&p->last) < 1.0))
        return;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    double dt = seconds_since(&p->start);
    fprintf(stderr, "\r\033[Kd4m: put: %llu %s, %.0f/s", n, what,
            dt > 0 ? (double)n / dt : 0.0);
    fflush(stderr);
    p->shown = 1;
}

static void progress_end(progress *p)
{
    if (p->on && p->shown)
        fputc('\n', stderr);
    p->shown = 0;
}

/* Write chunk k to t: triples in input order, in runs of numeric and of
 * string values (one d4m_table_put_triples per run; usually one run). */
static int chunk_write(chunk *k, d4m_table *t, unsigned flags,
                       unsigned long long *written)
{
    if (k->n == 0)
        return 0;
    if (k->vcap < k->n) {
        d4m_key *r = realloc(k->row, k->n * sizeof *r);
        if (r)
            k->row = r;
        d4m_key *c = realloc(k->col, k->n * sizeof *c);
        if (c)
            k->col = c;
        d4m_key *v = realloc(k->val, k->n * sizeof *v);
        if (v)
            k->val = v;
        if (!r || !c || !v)
            return failf("out of memory");
        k->vcap = k->n;
    }
    for (size_t i = 0; i < k->n; i++) {
        const size_t *f = k->f + 6 * i;
        k->row[i] = (d4m_key){ k->arena + f[0], f[1] };
        k->col[i] = (d4m_key){ k->arena + f[2], f[3] };
        k->val[i] = (d4m_key){ k->arena + f[4], f[5] };
    }
    for (size_t s = 0; s < k->n;) {
        size_t e = s + 1;
        while (e < k->n && k->isnum[e] == k->isnum[s])
            e++;
        size_t m = e - s;
        d4m_vec val = k->isnum[s] ? d4m_vec_num(k->num + s, m) : d4m_vec_str(k->val + s, m);
        int rc = d4m_table_put_triples(t, d4m_vec_str(k->row + s, m),
                                       d4m_vec_str(k->col + s, m), val, flags);
        if (rc < 0)
            return fail(rc);
        *written += m;
        s = e;
    }
    return 0;
}

static void chunk_reset(chunk *k)
{
    k->n = 0;
    k->used = 0;
}

/* Read in, chunk by chunk of at most chunk_lines triples, and write each
 * chunk to t (t NULL: only check the input).  *written counts the triples
 * written. */
static int put_stream(input *in, d4m_table *t, unsigned flags, size_t chunk_lines,
                      progress *pr, unsigned long long *written)
{
    chunk k = { 0 };
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int ex = 0;
    const char *what = t ? "triples" : "lines checked";
    in->line = 0;
    errno = 0;
    while ((len = getline(&line, &lcap, in->f)) >= 0) {
        in->line++;
        size_t n = (size_t)len;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        if ((ex = parse_line(&k, in, line, n)))
            break;
        if ((in->line & 0xfff) == 0)
            progress_show(pr, what, t ? *written : in->line, 0);
        if (k.n >= chunk_lines || k.used >= ((size_t)64 << 20)) {
            if (t && (ex = chunk_write(&k, t, flags, written)))
                break;
            chunk_reset(&k);
            progress_show(pr, what, t ? *written : in->line, 0);
        }
    }
    if (!ex && ferror(in->f))
        ex = failf("cannot read %s: %s", in->name, strerror(errno ? errno : EIO));
    if (!ex && t)
        ex = chunk_write(&k, t, flags, written);
    if (!ex)
        progress_show(pr, what, t ? *written : in->line, 1);
    progress_end(pr);
    if (ex && t && *written > 0)
        fprintf(stderr, "d4m: put: %llu triples were written before the error\n", *written);
    free(line);
    chunk_free(&k);
    return ex;
}

static int cmd_put(const command *c, int argc, char **argv)
{
    option opts[] = { { "bulk", 0, 0, NULL }, { "chunk", 1, 0, NULL } };
    char *pos[3];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, opts, 2, pos, &np, 2, 3);
    if (ex)
        return ex;
    size_t chunk_lines = 65536;
    if (opts[1].seen) {
        uint64_t n = 0;
        if (parse_uint(&n, opts[1].arg, SIZE_MAX / 64) < 0 || n == 0)
            return usage_error(c, "--chunk wants a positive number, not '%s'", opts[1].arg);
        chunk_lines = (size_t)n;
    }
    unsigned flags = opts[0].seen ? D4M_PUT_BULK : 0u;

    input in = { stdin, "stdin", 0, 0 };
    if (np == 3 && strcmp(pos[2], "-") != 0) {
        in.f = fopen(pos[2], "rb");
        if (!in.f)
            return failf("cannot open %s: %s", pos[2], strerror(errno));
        in.name = pos[2];
    }

    d4m_db *db;
    d4m_table *t;
    if ((ex = open_table(&db, &t, pos[0], pos[1], 0))) {
        if (in.f != stdin)
            fclose(in.f);
        return ex;
    }
    d4m_table_info info;
    int rc = d4m_table_info_get(&info, t);
    if (rc < 0) {
        ex = fail(rc);
        goto done;
    }
    in.int_keys = info.keys == D4M_NUM;

    progress pr = { 0 };
    pr.on = isatty(STDERR_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    pr.last = pr.start;
    unsigned long long written = 0;

    /* A regular file is checked whole before anything is written. */
    struct stat st;
    if (in.f != stdin && fstat(fileno(in.f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((ex = put_stream(&in, NULL, flags, chunk_lines, &pr, &written)))
            goto done;
        if (fseek(in.f, 0, SEEK_SET) != 0) {
            ex = failf("cannot rewind %s: %s", in.name, strerror(errno));
            goto done;
        }
        clock_gettime(CLOCK_MONOTONIC, &pr.start);
        pr.last = pr.start;
    }
    ex = put_stream(&in, t, flags, chunk_lines, &pr, &written);
done:
    close_table(db, t);
    if (in.f != stdin)
        fclose(in.f);
    return ex;
}

/* ------------------------------------------------------------------- get */

/* stdout gains key i of axis dim of a. */
static void print_key(const d4m_assoc *a, int dim, uint64_t i)
{
    if (d4m_assoc_key_kind(a, dim) == D4M_NUM) {
        char buf[24];
        fwrite(buf, 1, (size_t)format_uint(buf, i + 1), stdout);
        return;
    }
    d4m_key k = d4m_assoc_key(a, dim, (size_t)i);
    put_escaped(stdout, k.ptr, k.len);
}

static int parse_query(d4m_query **q, const char *text)
{
    int rc = d4m_query_parse(q, d4m_key_cstr(text));
    if (rc < 0) {
        *q = NULL;
        return fail(rc);
    }
    return 0;
}

/* Print the entries of a as TSV triples, sorted by row then column. */
static int print_triples(const d4m_assoc *a)
{
    if (d4m_assoc_nnz(a) == 0)
        return 0;
    d4m_triples *tr = NULL;
    int rc = d4m_assoc_find(&tr, a, D4M_ORDER_ROW);
    if (rc < 0)
        return fail(rc);
    int numeric = d4m_assoc_val_kind(a) == D4M_NUM;
    char buf[40];
    flockfile(stdout);   /* once, not in every call below */
    for (size_t i = 0; i < tr->n; i++) {
        print_key(a, 1, tr->row[i]);
        putchar_unlocked('\t');
        print_key(a, 2, tr->col[i]);
        putchar_unlocked('\t');
        if (numeric) {
            format_number(buf, sizeof buf, tr->val[i]);
            fputs(buf, stdout);
        } else {
            d4m_key v = d4m_assoc_val_str(a, (size_t)tr->sval[i]);
            put_escaped(stdout, v.ptr, v.len);
        }
        putchar_unlocked('\n');
    }
    funlockfile(stdout);
    d4m_triples_free(tr);
    return ferror(stdout) ? finish_output() : 0;
}

/* get reads the answer in chunks of this many entries and prints each before
 * reading on (the store reads the next one meanwhile), so that its memory
 * does not grow with the answer. */
#define GET_CHUNK ((size_t)1 << 16)

static int cmd_get(const command *c, int argc, char **argv)
{
    option opts[] = { { "chunk", 1, 0, NULL } };
    char *pos[4];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, opts, 1, pos, &np, 3, 4);
    if (ex)
        return ex;
    size_t chunk = GET_CHUNK;
    if (opts[0].seen) {
        uint64_t n = 0;
        if (parse_uint(&n, opts[0].arg, SIZE_MAX / 64) < 0 || n == 0)
            return usage_error(c, "--chunk wants a positive number, not '%s'", opts[0].arg);
        chunk = (size_t)n;
    }

    d4m_query *rq = NULL, *cq = NULL;
    if ((ex = parse_query(&rq, pos[2])))
        return ex;
    if (np == 4 && (ex = parse_query(&cq, pos[3]))) {
        d4m_query_free(rq);
        return ex;
    }
    /* Chunks come in row order, except those of a column query alone, which
     * a table pair answers from its transpose (in column order): that answer
     * is read whole, to be printed by row. */
    if (d4m_query_is_all(rq) && cq && !d4m_query_is_all(cq))
        chunk = 0;

    d4m_db *db;
    d4m_table *t;
    d4m_table_iter *it = NULL;
    if ((ex = open_table(&db, &t, pos[0], pos[1], D4M_DB_READONLY)))
        goto out;
    int rc = d4m_table_iter_new(&it, t, rq, cq, chunk);
    while (rc >= 0) {
        d4m_assoc *a = NULL;
        rc = d4m_table_iter_next(&a, it);
        if (rc >= 0 && rc != D4M_ITER_DONE)
            ex = print_triples(a);
        d4m_assoc_free(a);
        if (rc == D4M_ITER_DONE || ex)
            break;
    }
    if (rc < 0 && !ex)
        ex = fail(rc);
    if (!ex)
        ex = finish_output();
    d4m_table_iter_free(it);
    close_table(db, t);
out:
    d4m_query_free(rq);
    d4m_query_free(cq);
    return ex;
}

/* ------------------------------------------------- nnz, ls, drop, info */

static int cmd_nnz(const command *c, int argc, char **argv)
{
    char *pos[2];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, NULL, 0, pos, &np, 2, 2);
    if (ex)
        return ex;
    d4m_db *db;
    d4m_table *t;
    if ((ex = open_table(&db, &t, pos[0], pos[1], D4M_DB_READONLY)))
        return ex;
    uint64_t n = 0;
    int rc = d4m_table_nnz(&n, t);
    if (rc < 0)
        ex = fail(rc);
    else {
        printf("%" PRIu64 "\n", n);
        ex = finish_output();
    }
    close_table(db, t);
    return ex;
}

static int cmd_ls(const command *c, int argc, char **argv)
{
    char *pos[1];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, NULL, 0, pos, &np, 1, 1);
    if (ex)
        return ex;
    d4m_db *db;
    if ((ex = open_db(&db, pos[0], D4M_DB_READONLY)))
        return ex;
    char **names = NULL;
    size_t n = 0;
    int rc = d4m_db_list(&names, &n, db);
    if (rc < 0)
        ex = fail(rc);
    else {
        for (size_t i = 0; i < n; i++) {
            put_escaped(stdout, names[i], strlen(names[i]));
            putchar('\n');
        }
        ex = finish_output();
    }
    d4m_free(names);
    d4m_db_close(db);
    return ex;
}

static int cmd_drop(const command *c, int argc, char **argv)
{
    char *pos[2];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, NULL, 0, pos, &np, 2, 2);
    if (ex)
        return ex;
    d4m_db *db;
    if ((ex = open_db(&db, pos[0], 0)))
        return ex;
    int rc = d4m_table_drop(db, pos[1]);
    if (rc < 0)
        ex = fail(rc);
    d4m_db_close(db);
    return ex;
}

/* The volume lines of `d4m info`, when the table is a volume. */
static void print_volume_info(d4m_db *db, const char *table)
{
    static const char *codecs[] = { "raw", "lz4", "zstd" };
    d4m_volume *v;
    d4m_volume_info vi;
    if (d4m_volume_open(&v, db, table) < 0) {
        d4m_error_clear();   /* not a volume: nothing to add */
        return;
    }
    if (d4m_volume_info_get(&vi, v) == 0) {
        printf("volume: %" PRId64 " x %" PRId64 " x %" PRId64 " (z y x), %s, BITPIX %d\n",
               vi.nz, vi.ny, vi.nx, d4m_dtype_name(vi.dtype), vi.bitpix);
        if (vi.layout == D4M_VOLUME_BRICKS)
            printf("layout: bricks %u x %u x %u, codec %s, overlap %u\n", vi.brick[0],
                   vi.brick[1], vi.brick[2],
                   (unsigned)vi.codec <= D4M_CODEC_ZSTD ? codecs[vi.codec] : "?", vi.overlap);
        else
            printf("layout: triples\n");
        printf("cards: %zu\n", vi.ncards);
    }
    d4m_volume_close(v);
}

static int cmd_info(const command *c, int argc, char **argv)
{
    char *pos[2];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, NULL, 0, pos, &np, 2, 2);
    if (ex)
        return ex;
    d4m_db *db;
    d4m_table *t;
    if ((ex = open_table(&db, &t, pos[0], pos[1], D4M_DB_READONLY)))
        return ex;
    d4m_table_info info;
    memset(&info, 0, sizeof info);
    int rc = d4m_table_info_get(&info, t);
    if (rc < 0)
        ex = fail(rc);
    else {
        info.name[sizeof info.name - 1] = '\0';
        fputs("name: ", stdout);
        put_escaped(stdout, info.name, strlen(info.name));
        printf("\nkeys: %s\n", info.keys == D4M_NUM ? "int" : "string");
        printf("shards: %u\n", info.shards);
        printf("pair: %s\n", info.has_pair ? "yes" : "no");
        printf("degree: %s\n", info.has_degree ? "yes" : "no");
        printf("combiner: %s\n", combiner_name(info.combiner));
        printf("col_combiners: %zu\n", info.col_combiners);
        printf("approx_bytes: %" PRIu64 "\n", info.approx_bytes);
        print_volume_info(db, pos[1]);
        ex = finish_output();
    }
    close_table(db, t);
    return ex;
}

/* ------------------------------------------------ volume, fits-ingest */

/* "a:b" (or "a") as an inclusive range of non-negative integers. */
static int parse_span(int64_t *lo, int64_t *hi, const char *s)
{
    char buf[64];
    uint64_t a, b;
    const char *colon = strchr(s, ':');
    if (strlen(s) >= sizeof buf)
        return -1;
    if (!colon) {
        if (parse_uint(&a, s, INT64_MAX) < 0)
            return -1;
        *lo = *hi = (int64_t)a;
        return 0;
    }
    memcpy(buf, s, (size_t)(colon - s));
    buf[colon - s] = '\0';
    if (parse_uint(&a, buf, INT64_MAX) < 0 || parse_uint(&b, colon + 1, INT64_MAX) < 0)
        return -1;
    *lo = (int64_t)a;
    *hi = (int64_t)b;
    return 0;
}

static int cmd_fits_ingest(const command *c, int argc, char **argv)
{
    option opts[] = {
        { "bricks", 1, 0, NULL }, { "compress", 0, 0, NULL }, { "codec", 1, 0, NULL },
        { "overlap", 1, 0, NULL }, { "hdu", 1, 0, NULL },
    };
    char **pos = malloc((size_t)(argc > 1 ? argc : 1) * sizeof *pos);
    if (!pos)
        return failf("out of memory");
    size_t np = 0;
    int ex = parse_args(c, argc, argv, opts, 5, pos, &np, 3, (size_t)argc);
    if (ex) {
        free(pos);
        return ex;
    }
    d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
    for (int k = 0; k < 5 && !ex; k++)
        if (opts[k].seen && d4m_volume_options_set(&o, opts[k].name, opts[k].arg) < 0)
            ex = usage_error(c, "--%s", d4m_error_message());
    d4m_db *db = NULL;
    if (!ex)
        ex = open_db(&db, pos[0], D4M_DB_CREATE);
    if (!ex) {
        int rc = d4m_volume_ingest_fits(db, pos[1], (const char *const *)(pos + 2), np - 2, &o);
        if (rc < 0)
            ex = fail(rc);
    }
    d4m_db_close(db);
    free(pos);
    return ex;
}

static int cmd_volume(const command *c, int argc, char **argv)
{
    option opts[] = { { "out", 1, 0, NULL } };
    char *pos[5];
    size_t np = 0;
    int ex = parse_args(c, argc, argv, opts, 1, pos, &np, 2, 5);
    if (ex)
        return ex;
    if (np != 2 && np != 5)
        return usage_error(c, "give all three ranges z0:z1 y0:y1 x0:x1, or none");
    d4m_box b;
    if (np == 5 && (parse_span(&b.z0, &b.z1, pos[2]) || parse_span(&b.y0, &b.y1, pos[3]) ||
                    parse_span(&b.x0, &b.x1, pos[4])))
        return usage_error(c, "a range is 'first:last' (inclusive, 0-based) or one number");
    if (np == 2 && opts[0].seen)
        return usage_error(c, "--out wants a box");
    d4m_db *db;
    if ((ex = open_db(&db, pos[0], D4M_DB_READONLY)))
        return ex;
    d4m_volume *v = NULL;
    int rc = d4m_volume_open(&v, db, pos[1]);
    if (rc >= 0 && np == 2) {
        d4m_volume_info in;
        rc = d4m_volume_info_get(&in, v);
        if (rc >= 0) {
            printf("dims: %" PRId64 " %" PRId64 " %" PRId64 "\n", in.nz, in.ny, in.nx);
            printf("type: %s\n", d4m_dtype_name(in.dtype));
            printf("layout: %s\n", in.layout == D4M_VOLUME_BRICKS ? "bricks" : "triples");
            if (in.layout == D4M_VOLUME_BRICKS) {
                printf("brick: %u %u %u\n", in.brick[0], in.brick[1], in.brick[2]);
                printf("overlap: %u\n", in.overlap);
                printf("codec: %s\n", in.codec == D4M_CODEC_LZ4 ? "lz4"
                                      : in.codec == D4M_CODEC_ZSTD ? "zstd" : "raw");
            }
            printf("bitpix: %d\n", in.bitpix);
            printf("bscale: %.17g\nbzero: %.17g\n", in.bscale, in.bzero);
            if (in.has_blank)
                printf("blank: %" PRId64 "\n", in.blank);
            printf("cards: %zu\n", in.ncards);
            printf("approx_bytes: %" PRIu64 "\n", in.approx_bytes);
        }
    } else if (rc >= 0 && opts[0].seen) {
        rc = d4m_volume_write_fits(v, &b, opts[0].arg);
    } else if (rc >= 0) {
        /* z<TAB>y<TAB>x<TAB>value for each voxel present */
        d4m_volume_info in;
        unsigned char *buf = NULL;
        rc = d4m_volume_info_get(&in, v);
        uint64_t nv = d4m_box_voxels(&b);
        size_t es = d4m_dtype_size(in.dtype);
        if (rc >= 0 && (b.z0 < 0 || b.z1 >= in.nz || b.y0 < 0 || b.y1 >= in.ny || b.x0 < 0 ||
                        b.x1 >= in.nx))
            rc = -1, ex = failf("the box z %" PRId64 ":%" PRId64 " y %" PRId64 ":%" PRId64
                                " x %" PRId64 ":%" PRId64 " is not inside the volume z 0:%" PRId64
                                " y 0:%" PRId64 " x 0:%" PRId64, b.z0, b.z1, b.y0, b.y1, b.x0,
                                b.x1, in.nz - 1, in.ny - 1, in.nx - 1);
        if (rc >= 0 && nv > (uint64_t)1 << 31)
            rc = -1, ex = failf("the box has %" PRIu64 " voxels; write it with --out", nv);
        if (rc >= 0 && !(buf = malloc((size_t)nv * es + 1)))
            rc = -1, ex = failf("out of memory");
        if (rc >= 0)
            rc = d4m_volume_read_box(buf, v, &b);
        if (rc >= 0) {
            size_t k = 0;
            for (int64_t z = b.z0; z <= b.z1; z++)
                for (int64_t y = b.y0; y <= b.y1; y++)
                    for (int64_t x = b.x0; x <= b.x1; x++, k++) {
                        const unsigned char *p = buf + k * es;
                        char num[40];
                        double d = 0;
                        int absent = 0;
                        switch (in.dtype) {
                        case D4M_U8: d = *p; break;
                        case D4M_I8: d = *(const int8_t *)p; break;
                        case D4M_U16: { uint16_t t; memcpy(&t, p, 2); d = t; break; }
                        case D4M_I16: { int16_t t; memcpy(&t, p, 2); d = t; break; }
                        case D4M_U32: { uint32_t t; memcpy(&t, p, 4); d = t; break; }
                        case D4M_I32: { int32_t t; memcpy(&t, p, 4); d = t; break; }
                        case D4M_U64: { uint64_t t; memcpy(&t, p, 8); d = (double)t; break; }
                        case D4M_I64: { int64_t t; memcpy(&t, p, 8); d = (double)t; break; }
                        case D4M_F32: { float t; memcpy(&t, p, 4); d = t; break; }
                        case D4M_F64: memcpy(&d, p, 8); break;
                        }
                        if (in.dtype == D4M_F32 || in.dtype == D4M_F64)
                            absent = isnan(d);
                        else
                            absent = in.has_blank && d == in.fill;
                        if (absent)
                            continue;
                        format_number(num, sizeof num, d);
                        printf("%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%s\n", z, y, x, num);
                    }
        }
        free(buf);
        if (rc >= 0)
            ex = finish_output();
    }
    if (rc < 0 && !ex)
        ex = fail(rc);
    d4m_volume_close(v);
    d4m_db_close(db);
    return ex;
}

/* ------------------------------------------------------------------ help */

static const command commands[] = {
    { "create", cmd_create,
      "create DB TABLE [--pair] [--degree] [--int-keys] [--shards N] [--combiner sum|min|max]",
      "create a table (and the database directory if missing)",
      "Creates table TABLE in the database in directory DB, creating the\n"
      "database if it does not exist yet.\n"
      "\n"
      "  --pair            also keep the transpose table TABLE\"T\": every put writes\n"
      "                    both, and column queries are answered from the transpose\n"
      "  --degree          also keep the degree table TABLE\"Deg\": for each row key\n"
      "                    the count of its entries in column OutDeg, for each\n"
      "                    column key in column InDeg\n"
      "  --int-keys        row and column keys are integers (int64), ordered\n"
      "                    numerically (2 < 10); the default is byte strings,\n"
      "                    ordered bytewise ('10' < '2')\n"
      "  --shards N        split the rows into N key-range shards (default: one\n"
      "                    per core of this machine)\n"
      "  --combiner C      sum, min or max: a put of an existing (row, col) combines\n"
      "                    the values; the default (none) replaces the value\n" },
    { "put", cmd_put,
      "put DB TABLE [FILE] [--bulk] [--chunk N]",
      "add TSV triples (row<TAB>col<TAB>value lines) to a table",
      "Reads TSV triples, one \"row<TAB>column<TAB>value\" line each, from FILE or,\n"
      "without FILE or with '-', from standard input, and puts them into TABLE.\n"
      "\n"
      "Fields use the escapes \\t \\n \\r \\\\ and \\0 for the bytes tab, newline,\n"
      "carriage return, backslash and NUL.  Blank lines are skipped and a\n"
      "trailing carriage return is dropped (CRLF files).  A value that parses\n"
      "entirely as a finite decimal number (3, -2.5, 1e3) is stored as a number,\n"
      "any other value as a string; a triple with an empty value is no entry and\n"
      "is skipped.  On a table with integer keys, keys must be decimal integers\n"
      "from 1 to 2^53.\n"
      "\n"
      "The input is written in chunks of N triples (default 65536), each with one\n"
      "store call, all or nothing (a process killed meanwhile leaves whole chunks,\n"
      "with their transpose and degrees).  A line without exactly three fields, with a bad escape or\n"
      "with a non-integer key on an integer-keyed table is an error naming the\n"
      "line.  When FILE is a regular file it is checked whole before anything is\n"
      "written, so a bad line writes nothing.  Standard input (or a pipe) is\n"
      "checked chunk by chunk: a bad line writes nothing of its chunk, but the\n"
      "chunks before it stay written (the error says how many triples).\n"
      "\n"
      "  --bulk     load each chunk as sorted files with one atomic ingest, no\n"
      "             write-ahead log (for large loads; all-or-nothing per chunk)\n"
      "  --chunk N  triples per chunk (default 65536)\n"
      "\n"
      "When standard error is a terminal, a progress line (triples, rate) is\n"
      "updated about once a second.\n" },
    { "get", cmd_get,
      "get DB TABLE ROWQ [COLQ] [--chunk N]",
      "print the triples of T(ROWQ, COLQ) as TSV, sorted by row then column",
      "Prints T(ROWQ, COLQ) as TSV triples sorted by row, then column.  Keys and\n"
      "string values are escaped as in put's input; numbers print in the\n"
      "shortest form that reads back exactly (3, 0.1, 0.30000000000000004);\n"
      "integer keys print as integers.  A stored zero is no entry.\n"
      "\n"
      "The answer is read and printed in chunks of N triples (default 65536),\n"
      "so memory does not grow with it; all chunks read the database as it was\n"
      "when get began.  A column query alone on a table pair is read whole\n"
      "(it comes from the transpose, by column, and is printed by row).  If\n"
      "reading fails part way, what was printed stays and the exit status is 1.\n"
      "\n"
      "Queries use D4M's syntax; the last byte of a query is its separator:\n"
      "  :              everything\n"
      "  'a b c '       these keys (missing keys are ignored)\n"
      "  'a : b '       an inclusive range; 'a : end ' open above,\n"
      "                 ': b ' open below; several ranges and keys may be mixed\n"
      "  'al* '         every key that starts with al\n"
      "COLQ defaults to ':'.  On a table pair, column queries are answered from\n"
      "the transpose table.\n" },
    { "nnz", cmd_nnz, "nnz DB TABLE", "print the number of triples of a table",
      "Prints the exact number of triples of TABLE.\n" },
    { "ls", cmd_ls, "ls DB", "list the tables of a database",
      "Prints the names of the tables of DB, one per line, sorted (transpose and\n"
      "degree tables are tables too).\n" },
    { "drop", cmd_drop, "drop DB TABLE", "delete a table and all its triples",
      "Deletes TABLE and all its triples, with its transpose and degree tables\n"
      "(D4M's deleteForce).  A transpose or degree table cannot be dropped\n"
      "alone: drop the table it belongs to.\n" },
    { "info", cmd_info, "info DB TABLE", "print what a table is (keys, shards, combiners, size)",
      "Prints \"key: value\" lines: name, keys (string or int), shards, pair\n"
      "(yes/no), degree (yes/no), combiner (none, sum, min, max), col_combiners\n"
      "(the number of column-prefix combiners) and approx_bytes (on disk,\n"
      "approximate).\n" },
    { "fits-ingest", cmd_fits_ingest,
      "fits-ingest DB TABLE FILE... [--bricks N] [--compress] [--codec C] [--overlap N] [--hdu N]",
      "ingest FITS images as a volume (one cube, or a stack of slices in z order)",
      "Ingests one FITS image (2-D, or a 3-D cube) or a stack of 2-D slices, one\n"
      "file per z in the order given, as the new volume table TABLE (creating\n"
      "the database if missing).  BSCALE/BZERO are applied, BLANK and NaN pixels\n"
      "are absent, and the header cards are kept.  All or nothing: a bad file\n"
      "leaves no table.  A file name may name its HDU cfitsio's way: f.fits[2].\n"
      "\n"
      "By default each voxel is a triple (row z*ny+y+1, column x+1): an ordinary\n"
      "integer-keyed table that get reads.\n"
      "\n"
      "  --bricks N     keep the volume as N^3 bricks, one stored value each\n"
      "  --compress     bricks byte-shuffled and LZ4-compressed (64^3 unless\n"
      "                 --bricks)\n"
      "  --codec C      brick codec: raw, lz4 or zstd\n"
      "  --overlap N    each brick also holds N voxels of its neighbours per side\n"
      "  --hdu N        the HDU to read (1 is the primary array; default: the\n"
      "                 first HDU with an image)\n" },
    { "volume", cmd_volume,
      "volume DB TABLE [z0:z1 y0:y1 x0:x1 [--out FILE.fits]]",
      "describe a volume, print a box's voxels, or write a box as FITS",
      "Without a box, prints \"key: value\" lines describing the volume (dims\n"
      "as z y x, type, layout, brick, codec, bitpix, bscale, bzero, blank,\n"
      "cards, approx_bytes).  With a box (inclusive, 0-based ranges first:last\n"
      "or single numbers, z then y then x), prints \"z<TAB>y<TAB>x<TAB>value\"\n"
      "for every voxel present, or with --out writes the box as a new FITS file\n"
      "(the source's BITPIX, BSCALE, BZERO, BLANK and header cards; CRPIXn\n"
      "shifted to the box).  A box outside the volume is an error.\n" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_usage(FILE *f)
{
    fputs("usage: d4m COMMAND ARGS...\n", f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "   or: d4m %s\n", commands[i].synopsis);
}

static int print_help(void)
{
    printf("d4m %s - tables of associative arrays in a d4m database\n\n", d4m_version());
    print_usage(stdout);
    puts("\nCommands:");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-7s %s\n", commands[i].name, commands[i].summary);
    puts("\n"
         "DB is a database directory.  get, nnz, ls and info open it read-only and\n"
         "work while another process writes to it.\n"
         "\n"
         "  d4m help COMMAND   the details of a command\n"
         "  d4m --version      the version\n"
         "\n"
         "Exit status: 0 on success, 1 on a failure, 2 on a usage error.  Errors are\n"
         "printed as \"d4m: COMMAND: message\" on standard error.");
    return finish_output();
}

static int print_command_help(const command *c)
{
    printf("usage: d4m %s\n\n%s\n%s", c->synopsis, c->summary, c->help);
    return finish_output();
}

int main(int argc, char **argv)
{
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    if (argc < 2) {
        print_usage(stderr);
        fputs("Try 'd4m --help'.\n", stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        (strcmp(name, "help") == 0 && argc == 2))
        return print_help();
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("d4m %s\n", d4m_version());
        return finish_output();
    }
    if (strcmp(name, "help") == 0) {
        g_cmd = "help";
        if (argc > 3)
            return usage_error(NULL, "usage: d4m help [COMMAND]");
        const command *c = find_command(argv[2]);
        if (!c)
            return usage_error(NULL, "unknown command '%s'", argv[2]);
        return print_command_help(c);
    }
    const command *c = find_command(name);
    if (!c)
        return usage_error(NULL, "unknown command '%s'", name);
    g_cmd = c->name;
    int ex = c->run(c, argc - 1, argv + 1);
    if (ex < 0)
        return print_command_help(c);
    return ex;
}
