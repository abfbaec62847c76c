/*
 * bench/store.c - d4m-bench-store: how fast is the store (d4m/db.h) against
 * raw RocksDB doing the same thing, in the same run?
 *
 * Workload: N triples.  String keys: row "r<k>", column "c<k>", k uniform in
 * 1..N/10 (drawn independently for row and column, as in d4m-bench-assoc);
 * integer keys: the same draws as int64 keys.  Values uniform integers
 * 1..100.  The draws are made before any timing.
 *
 * Each op runs twice: once through the store's public API, once as raw
 * RocksDB (C API, its own database directory, keys encoded as simply as
 * possible: string keys row + '\0' + col, integer keys 8-byte big-endian row
 * + 8-byte big-endian col; values 8-byte doubles).  The raw half runs first.
 * Before each half the process waits until its background threads are idle
 * (flushes and compactions of the previous step), so one half's leftovers
 * are not timed in the other.
 *
 * Output: one JSON object per op and key kind on stdout; progress on stderr.
 * Exit status: 0 ok, 1 library or RocksDB error (its message on stderr),
 * 2 bad usage, 3 a result failed a sanity check.
 *
 * Uses the public API of libd4m and, for the raw baseline, rocksdb/c.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rocksdb/c.h>

#include "bench_util.h"
#include <d4m.h>
#include <d4m/db.h>

#define PROG "d4m-bench-store"

/* --------------------------------------------------------------- helpers */

static void die_lib(const char *what, int rc)
{
    fprintf(stderr, PROG ": %s failed (%d, %s): %s\n", what, rc,
            d4m_strerror(rc), d4m_error_message());
    exit(1);
}

/* Run a library call; on failure print its message and exit 1. */
#define CALL(expr) do { int rc_ = (expr); if (rc_ < 0) die_lib(#expr, rc_); } while (0)

/* A RocksDB call left a message in err: print it and exit 1. */
static void raw_check(const char *what, char *err)
{
    if (err) {
        fprintf(stderr, PROG ": rocksdb %s: %s\n", what, err);
        rocksdb_free(err);
        exit(1);
    }
}

static void die_check(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void die_check(const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, PROG ": %s: sanity check failed: ", what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(3);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, PROG ": out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, PROG ": out of memory (%zu x %zu bytes)\n", n, size);
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = xmalloc(strlen(s) + 1);
    return strcpy(p, s);
}

static char *path_join(const char *dir, const char *name)
{
    size_t l = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(l);
    snprintf(p, l, "%s/%s", dir, name);
    return p;
}

/* Wait until the process's background threads (RocksDB flushes and
 * compactions, of either half) use less than 4% of a core over 250 ms, at
 * most 120 s.  Returns the seconds waited. */
static double quiesce(void)
{
    double t0 = now();
    for (;;) {
        double c0 = cpu_now();
        struct timespec ts = { 0, 250000000L };
        nanosleep(&ts, NULL);
        if (cpu_now() - c0 < 0.01 || now() - t0 > 120)
            break;
    }
    return now() - t0;
}

/* splitmix64 (Steele, Lea, Flood 2014). */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in 1..k (Lemire's multiply; the bias is below 2^-40 here). */
static uint64_t uniform1(uint64_t *s, uint64_t k)
{
    return (uint64_t)(((unsigned __int128)splitmix64(s) * k) >> 64) + 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values. */
static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    size_t r = (size_t)ceil(p / 100.0 * (double)n);
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    return sorted[r - 1];
}

/* Remove a directory tree (the databases this program made). */
static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    if (remove(p) != 0 && errno != ENOENT)
        fprintf(stderr, PROG ": cannot remove %s: %s\n", p, strerror(errno));
    return 0;
}

static void rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}


/* One timed half of an op: wall and CPU seconds, peak RSS. */
typedef struct span {
    double t0, c0, sec, cpu, rss;
    bool rss_reset;
} span;

/* --verbose: say on stderr when each timed half starts (to attach a profiler). */
static bool g_verbose;

static void span_start(span *s, const char *half)
{
    quiesce();
    if (g_verbose)
        fprintf(stderr, PROG ":   %s half, pid %ld\n", half, (long)getpid());
    s->rss_reset = rss_reset_peak();
    s->c0 = cpu_now();
    s->t0 = now();
}

static void span_stop(span *s)
{
    s->sec = now() - s->t0;
    s->cpu = cpu_now() - s->c0;
    s->rss = peak_rss_mb();
}

/* --------------------------------------------------------------- workload */

typedef struct dataset {
    size_t n;           /* triples */
    uint64_t kmax;      /* keys are 1..kmax */
    uint32_t *rk, *ck;  /* the k of each triple's row and column key */
    double *val;        /* 1..100 */
    double *rnum, *cnum;/* rk, ck as doubles: the integer-keyed puts */
    char *buf;          /* the string key bytes */
    d4m_key *row, *col; /* views into buf: "r<k>", "c<k>" */
    size_t maxlen;      /* longest string key */

    /* Expected figures, computed here from the draws. */
    size_t nuniq;              /* distinct (row, col) pairs */
    uint32_t *row_cnt;         /* distinct pairs per row key k, [0..kmax] */
    uint32_t *col_cnt;         /* distinct pairs per column key k */
    uint64_t *row_cum;         /* row_cum[k] = sum of row_cnt[1..k] */
} dataset;

static size_t put_dec(char *p, uint64_t k)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + k % 10);
        k /= 10;
    } while (k);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_key(char *p, char prefix, uint64_t k)
{
    p[0] = prefix;
    return 1 + put_dec(p + 1, k);
}

/* LSD radix sort of n 64-bit words by their low `bits` bits. */
static void radix_sort64(uint64_t *a, size_t n, int bits)
{
    uint64_t *tmp = xmalloc(n * sizeof *tmp);
    size_t *cnt = xmalloc(65537 * sizeof *cnt);
    uint64_t *src = a, *dst = tmp;
    for (int shift = 0; shift < bits; shift += 16) {
        memset(cnt, 0, 65537 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[((src[i] >> shift) & 0xFFFF) + 1]++;
        for (size_t b = 0; b < 65536; b++)
            cnt[b + 1] += cnt[b];
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> shift) & 0xFFFF]++] = src[i];
        uint64_t *t = src; src = dst; dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(cnt);
    free(tmp);
}

static void dataset_make(dataset *d, size_t n, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->kmax = n / 10 ? n / 10 : 1;
    d->rk = xmalloc(n * sizeof *d->rk);
    d->ck = xmalloc(n * sizeof *d->ck);
    d->val = xmalloc(n * sizeof *d->val);
    d->rnum = xmalloc(n * sizeof *d->rnum);
    d->cnum = xmalloc(n * sizeof *d->cnum);
    d->row = xmalloc(n * sizeof *d->row);
    d->col = xmalloc(n * sizeof *d->col);
    d->buf = xmalloc(n * 2 * 22);

    uint64_t s = seed;
    for (size_t t = 0; t < n; t++) {
        d->rk[t] = (uint32_t)uniform1(&s, d->kmax);
        d->ck[t] = (uint32_t)uniform1(&s, d->kmax);
        d->val[t] = (double)uniform1(&s, 100);
        d->rnum[t] = d->rk[t];
        d->cnum[t] = d->ck[t];
    }
    char *p = d->buf;
    for (size_t t = 0; t < n; t++) {
        size_t l = put_key(p, 'r', d->rk[t]);
        d->row[t] = (d4m_key){ p, l };
        p += l;
        if (l > d->maxlen)
            d->maxlen = l;
        l = put_key(p, 'c', d->ck[t]);
        d->col[t] = (d4m_key){ p, l };
        p += l;
        if (l > d->maxlen)
            d->maxlen = l;
    }

    /* Distinct pairs, per row and per column. */
    uint64_t *w = xmalloc(n * sizeof *w);
    for (size_t t = 0; t < n; t++)
        w[t] = (uint64_t)d->rk[t] * (d->kmax + 1) + d->ck[t];
    int bits = 0;
    for (uint64_t m = (d->kmax + 1) * (d->kmax + 1); m; m >>= 1)
        bits++;
    radix_sort64(w, n, bits);
    d->row_cnt = xcalloc(d->kmax + 1, sizeof *d->row_cnt);
    d->col_cnt = xcalloc(d->kmax + 1, sizeof *d->col_cnt);
    for (size_t t = 0; t < n; t++) {
        if (t > 0 && w[t] == w[t - 1])
            continue;
        d->nuniq++;
        d->row_cnt[w[t] / (d->kmax + 1)]++;
        d->col_cnt[w[t] % (d->kmax + 1)]++;
    }
    free(w);
    d->row_cum = xcalloc(d->kmax + 1, sizeof *d->row_cum);
    for (uint64_t k = 1; k <= d->kmax; k++)
        d->row_cum[k] = d->row_cum[k - 1] + d->row_cnt[k];
}

static void dataset_free(dataset *d)
{
    free(d->rk); free(d->ck); free(d->val); free(d->rnum); free(d->cnum);
    free(d->row); free(d->col); free(d->buf);
    free(d->row_cnt); free(d->col_cnt); free(d->row_cum);
    memset(d, 0, sizeof *d);
}

/* Rows k in [lo, hi] (clipped to 1..kmax): their distinct pairs. */
static uint64_t rows_in(const dataset *d, uint64_t lo, uint64_t hi)
{
    if (lo < 1)
        lo = 1;
    if (hi > d->kmax)
        hi = d->kmax;
    return lo > hi ? 0 : d->row_cum[hi] - d->row_cum[lo - 1];
}

/* Distinct pairs of the rows whose decimal k starts with the digits of p. */
static uint64_t rows_with_prefix(const dataset *d, uint64_t p)
{
    uint64_t total = 0;
    for (uint64_t scale = 1; p * scale <= d->kmax; scale *= 10)
        total += rows_in(d, p * scale, (p + 1) * scale - 1);
    return total;
}

/* ------------------------------------------------------ raw: key encoding */

/* A chunk of triples encoded as raw keys, sorted.  Each record carries the
 * first 16 key bytes and the value inline, so that sorting, finding equal
 * keys and writing read the records in order, not the key buffer at random
 * (keys of up to 16 bytes, all of them at n <= 1e6, never touch it). */
typedef struct rec {
    uint64_t k0, k1;  /* key bytes 0-7 and 8-15, big-endian, zero-padded */
    double val;
    uint32_t idx;     /* the triple's index in the chunk */
    uint32_t len;     /* key length */
} rec;

typedef struct enc {
    size_t n, stride;
    unsigned char *key;   /* key i at key + i * stride (the bytes past 16 are read) */
    rec *r;               /* sorted order (after enc_sort) */
    size_t nr;            /* entries of r in use (after enc_unique: distinct keys) */
} enc;

static void be64(unsigned char *p, uint64_t x)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)x;
        x >>= 8;
    }
}

static uint64_t load_be64(const unsigned char *p)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = (x << 8) | p[i];
    return x;
}

/* Encode triples [lo, hi) of d (row-major, or column-major if transpose). */
static void enc_make(enc *e, const dataset *d, d4m_kind kind, size_t lo, size_t hi,
                     bool transpose)
{
    size_t n = hi - lo;
    e->n = e->nr = n;
    e->stride = kind == D4M_STR ? 2 * d->maxlen + 1 : 16;
    if (e->stride < 16)
        e->stride = 16;
    e->key = xcalloc(n, e->stride);   /* zero bytes pad short keys to 16 */
    e->r = xmalloc(n * sizeof *e->r);
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = e->key + i * e->stride;
        size_t t = lo + i, len;
        if (kind == D4M_STR) {
            d4m_key a = transpose ? d->col[t] : d->row[t];
            d4m_key b = transpose ? d->row[t] : d->col[t];
            memcpy(p, a.ptr, a.len);
            p[a.len] = 0;
            memcpy(p + a.len + 1, b.ptr, b.len);
            len = a.len + 1 + b.len;
        } else {
            be64(p, transpose ? d->ck[t] : d->rk[t]);
            be64(p + 8, transpose ? d->rk[t] : d->ck[t]);
            len = 16;
        }
        rec *r = &e->r[i];
        r->k0 = load_be64(p);
        r->k1 = load_be64(p + 8);
        r->val = d->val[t];
        r->idx = (uint32_t)i;
        r->len = (uint32_t)len;
    }
}

static void enc_free(enc *e)
{
    free(e->key);
    free(e->r);
    memset(e, 0, sizeof *e);
}

/* The key of record r: rebuilt in buf (16 bytes) from the record when it is
 * that short, else in the key buffer. */
static const char *rec_key(const enc *e, const rec *r, unsigned char *buf, size_t *len)
{
    *len = r->len;
    if (r->len <= 16) {
        be64(buf, r->k0);
        be64(buf + 8, r->k1);
        return (const char *)buf;
    }
    return (const char *)e->key + (size_t)r->idx * e->stride;
}

/* Bytewise, shorter first on a tie; then input order. */
static int rec_cmp(const void *x, const void *y, void *ctx)
{
    const enc *e = ctx;
    const rec *a = x, *b = y;
    if (a->k0 != b->k0)
        return a->k0 < b->k0 ? -1 : 1;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->len > 16 && b->len > 16) {
        size_t l = (a->len < b->len ? a->len : b->len) - 16;
        int c = memcmp(e->key + (size_t)a->idx * e->stride + 16,
                       e->key + (size_t)b->idx * e->stride + 16, l);
        if (c)
            return c;
    }
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Sort: LSD radix sort (stable) on the 16 inline bytes, 16 bits a pass,
 * passes where every record has the same digit skipped; then the runs of
 * equal 16-byte heads by the whole key. */
static void enc_sort(enc *e)
{
    size_t n = e->n;
    if (n == 0)
        return;
    uint32_t *hist = xcalloc(8 * 65536, sizeof *hist);
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < 8; d++) {
            uint64_t w = d < 4 ? e->r[i].k1 : e->r[i].k0;
            hist[d * 65536 + ((w >> (16 * (d & 3))) & 0xFFFF)]++;
        }
    rec *buf = xmalloc(n * sizeof *buf);
    rec *src = e->r, *dst = buf;
    for (int d = 0; d < 8; d++) {
        uint32_t *h = hist + d * 65536;
        int shift = 16 * (d & 3);
        uint64_t w0 = d < 4 ? src[0].k1 : src[0].k0;
        if (h[(w0 >> shift) & 0xFFFF] == n)
            continue;   /* one digit everywhere: nothing to do */
        uint32_t sum = 0;
        for (size_t v = 0; v < 65536; v++) {
            uint32_t c = h[v];
            h[v] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t w = d < 4 ? src[i].k1 : src[i].k0;
            dst[h[(w >> shift) & 0xFFFF]++] = src[i];
        }
        rec *t = src; src = dst; dst = t;
    }
    if (src != e->r)
        memcpy(e->r, src, n * sizeof *src);
    free(buf);
    free(hist);

    rec *r = e->r;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && r[j].k0 == r[i].k0 && r[j].k1 == r[i].k1)
            j++;
        if (j - i > 1)
            qsort_r(r + i, j - i, sizeof *r, rec_cmp, e);
        i = j;
    }
}

/* Keep the last of each run of equal keys (a later put replaces). */
static void enc_unique(enc *e)
{
    size_t m = 0;
    for (size_t i = 0; i < e->nr; i++) {
        const rec *a = &e->r[i], *b = a + 1;
        if (i + 1 < e->nr && a->k0 == b->k0 && a->k1 == b->k1 && a->len == b->len &&
            (a->len <= 16 ||
             memcmp(e->key + (size_t)a->idx * e->stride + 16,
                    e->key + (size_t)b->idx * e->stride + 16, a->len - 16) == 0))
            continue;
        e->r[m++] = *a;
    }
    e->nr = m;
}

/* --------------------------------------------------------- raw: databases */

/* The raw baseline's RocksDB configuration: the options the store gives
 * RocksDB (kv/store.c: memtables of 128 MB, up to 4 of them, 64 MB files,
 * 1024 open files, background jobs for every core, a block cache of 1/16 of
 * memory between 64 MiB and 1 GiB),
 * so that the two differ in what is written and read, not in tuning. */
#define RAW_SST_BYTES (64u << 20)

typedef struct rawdb {
    char *path;
    rocksdb_t *db;
    rocksdb_options_t *opt;
    rocksdb_writeoptions_t *wo;
    rocksdb_readoptions_t *ro;
    rocksdb_block_based_table_options_t *table;
    rocksdb_cache_t *cache;
} rawdb;

static rawdb *raw_open(const char *path)
{
    rawdb *r = xcalloc(1, sizeof *r);
    r->path = xstrdup(path);
    r->opt = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(r->opt, 1);
    rocksdb_options_set_error_if_exists(r->opt, 1);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    rocksdb_options_increase_parallelism(r->opt, ncpu > 1 ? (int)ncpu : 2);
    rocksdb_options_set_write_buffer_size(r->opt, 128u << 20);
    rocksdb_options_set_max_write_buffer_number(r->opt, 4);
    rocksdb_options_set_target_file_size_base(r->opt, 64u << 20);
    rocksdb_options_set_max_open_files(r->opt, 1024);
    rocksdb_options_set_level_compaction_dynamic_level_bytes(r->opt, 1);
    /* The store's default block cache (kv/store.c): a quarter of memory,
     * 64 MiB to 16 GiB. */
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    size_t cache = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize / 4 : (64u << 20);
    if (cache < (64u << 20)) cache = 64u << 20;
    if (cache > ((size_t)16 << 30)) cache = (size_t)16 << 30;
    r->cache = rocksdb_cache_create_lru(cache);
    /* ... and its iterators' setting: no per-thread perf counting (raw's
     * reads run in this thread). */
    rocksdb_set_perf_level(rocksdb_disable);
    r->table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(r->table, r->cache);
    rocksdb_options_set_block_based_table_factory(r->opt, r->table);
    r->wo = rocksdb_writeoptions_create();   /* WAL on, no fsync */
    r->ro = rocksdb_readoptions_create();
    char *err = NULL;
    r->db = rocksdb_open(r->opt, path, &err);
    raw_check("open", err);
    return r;
}

/* --keep: leave the databases on disk at the end. */
static bool g_keep;

/* Close and delete the database (unless --keep). Accepts NULL. */
static void raw_destroy(rawdb *r)
{
    if (!r)
        return;
    rocksdb_close(r->db);
    rocksdb_readoptions_destroy(r->ro);
    rocksdb_writeoptions_destroy(r->wo);
    rocksdb_options_destroy(r->opt);
    rocksdb_block_based_options_destroy(r->table);
    rocksdb_cache_destroy(r->cache);
    if (!g_keep)
        rm_tree(r->path);
    free(r->path);
    free(r);
}

static double raw_sst_mb(rawdb *r)
{
    uint64_t v = 0;
    if (rocksdb_property_int(r->db, "rocksdb.total-sst-files-size", &v) != 0)
        return NAN;
    return (double)v / (1024.0 * 1024.0);
}

/* Write the sorted chunk with one write batch (WAL on). */
static void raw_write_sorted(rawdb *r, const enc *e)
{
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    unsigned char kb[16];
    for (size_t i = 0; i < e->nr; i++) {
        size_t kl;
        const char *k = rec_key(e, &e->r[i], kb, &kl);
        rocksdb_writebatch_put(wb, k, kl, (const char *)&e->r[i].val, sizeof(double));
    }
    char *err = NULL;
    rocksdb_write(r->db, r->wo, wb, &err);
    raw_check("write", err);
    rocksdb_writebatch_destroy(wb);
}

/* Write the sorted, distinct keys into SST files of about RAW_SST_BYTES in
 * dir, and ingest them all in one call. */
static void raw_ingest_sorted(rawdb *r, const enc *e, const char *dir)
{
    rocksdb_envoptions_t *env = rocksdb_envoptions_create();
    size_t cap = 16, nf = 0;
    char **files = xmalloc(cap * sizeof *files);
    rocksdb_sstfilewriter_t *w = NULL;
    size_t bytes = 0;
    char *err = NULL;
    for (size_t i = 0; i < e->nr; i++) {
        if (!w) {
            char name[64];
            snprintf(name, sizeof name, "raw-%06zu.sst", nf);
            if (nf == cap)
                files = realloc(files, (cap *= 2) * sizeof *files);
            if (!files) {
                fprintf(stderr, PROG ": out of memory\n");
                exit(1);
            }
            files[nf++] = path_join(dir, name);
            w = rocksdb_sstfilewriter_create(env, r->opt);
            rocksdb_sstfilewriter_open(w, files[nf - 1], &err);
            raw_check("sstfilewriter_open", err);
            bytes = 0;
        }
        unsigned char kb[16];
        size_t kl;
        const char *k = rec_key(e, &e->r[i], kb, &kl);
        rocksdb_sstfilewriter_put(w, k, kl, (const char *)&e->r[i].val, sizeof(double), &err);
        if (err)
            raw_check("sstfilewriter_put", err);
        bytes += kl + sizeof(double);
        if (bytes >= RAW_SST_BYTES || i + 1 == e->nr) {
            rocksdb_sstfilewriter_finish(w, &err);
            raw_check("sstfilewriter_finish", err);
            rocksdb_sstfilewriter_destroy(w);
            w = NULL;
        }
    }
    if (nf > 0) {
        rocksdb_ingestexternalfileoptions_t *io = rocksdb_ingestexternalfileoptions_create();
        rocksdb_ingestexternalfileoptions_set_move_files(io, 1);
        rocksdb_ingest_external_file(r->db, (const char *const *)files, nf, io, &err);
        raw_check("ingest_external_file", err);
        rocksdb_ingestexternalfileoptions_destroy(io);
    }
    for (size_t i = 0; i < nf; i++) {
        remove(files[i]);   /* moved already, unless ingest copied them */
        free(files[i]);
    }
    free(files);
    rocksdb_envoptions_destroy(env);
}

/* What a raw read hands back: the keys' tails (after the prefix sought) and
 * the values, copied out as a caller of RocksDB would.  Reused across calls. */
typedef struct rawout {
    char *kbuf;
    size_t kcap, klen;
    double *val;
    size_t vcap, n;
} rawout;

static void rawout_add(rawout *o, const char *k, size_t kl, const char *v)
{
    if (o->klen + kl > o->kcap) {
        o->kcap = 2 * (o->klen + kl) + 4096;
        o->kbuf = realloc(o->kbuf, o->kcap);
    }
    if (o->n == o->vcap) {
        o->vcap = 2 * o->vcap + 1024;
        o->val = realloc(o->val, o->vcap * sizeof *o->val);
    }
    if (!o->kbuf || !o->val) {
        fprintf(stderr, PROG ": out of memory\n");
        exit(1);
    }
    memcpy(o->kbuf + o->klen, k, kl);
    o->klen += kl;
    memcpy(&o->val[o->n++], v, sizeof(double));
}

/* Every entry whose key starts with pfx (pl bytes); if hi != NULL, every
 * entry from pfx on whose first hl bytes are <= hi.  Returns the count. */
static size_t raw_read(rawdb *r, rawout *o, const char *pfx, size_t pl,
                       const char *hi, size_t hl)
{
    o->klen = o->n = 0;
    rocksdb_iterator_t *it = rocksdb_create_iterator(r->db, r->ro);
    for (rocksdb_iter_seek(it, pfx, pl); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (hi) {
            if (kl < hl || memcmp(k, hi, hl) > 0)
                break;
        } else if (kl < pl || memcmp(k, pfx, pl) != 0) {
            break;
        }
        const char *v = rocksdb_iter_value(it, &vl);
        if (vl != sizeof(double))
            die_check("raw read", "value of %zu bytes", vl);
        rawout_add(o, k + pl, kl - pl, v);
    }
    char *err = NULL;
    rocksdb_iter_get_error(it, &err);
    raw_check("iterator", err);
    rocksdb_iter_destroy(it);
    return o->n;
}

/* A full pass: the count; the sum of the values and of the key lengths
 * (so that every key and value is read) if asked. */
static size_t raw_scan(rawdb *r, double *vsum, size_t *kbytes)
{
    size_t n = 0, klen = 0;
    double s = 0;
    rocksdb_iterator_t *it = rocksdb_create_iterator(r->db, r->ro);
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        double x;
        memcpy(&x, v, sizeof x);
        s += x;
        klen += kl + (unsigned char)k[kl - 1];
        n++;
    }
    char *err = NULL;
    rocksdb_iter_get_error(it, &err);
    raw_check("iterator", err);
    rocksdb_iter_destroy(it);
    if (vsum)
        *vsum = s;
    if (kbytes)
        *kbytes = klen;
    return n;
}

/* ------------------------------------------------------------- the bench */

#define MAX_PREFIX 100

typedef struct kstate {
    d4m_kind kind;
    const char *name;            /* "str" / "int" */

    /* The store: one database per table, so no table pays for another's. */
    d4m_db *bulk_db, *pair_db;
    d4m_table *bulk, *pair;
    char *bulk_path, *pair_path;
    bool have_bulk, have_pair;   /* made (store and/or raw, as the run asks) */

    /* Raw: the put_bulk database, and the put_pair pair. */
    rawdb *raw_bulk, *raw_pair, *raw_pairT;

    /* Query inputs, made before timing. */
    size_t q;
    uint64_t *qrow, *qcol;       /* the k of each query */
    char *qbuf;
    d4m_key *qrow_store, *qcol_store;   /* as the store is asked */
    d4m_key *qrow_raw, *qcol_raw;       /* the raw prefix sought */
    size_t nprefix;
    d4m_key pstore[MAX_PREFIX];          /* StartsWith list / range query text */
    d4m_key praw_lo[MAX_PREFIX], praw_hi[MAX_PREFIX];  /* raw: prefix, or range */
    uint64_t pwant[MAX_PREFIX];          /* expected entries */
} kstate;

typedef struct bench {
    size_t n, q, chunk;
    int reps;
    uint64_t seed;
    char *dir;
    bool own_dir, keep, raw_only;
    dataset d;
} bench;

static d4m_vec vec_rows(const bench *b, d4m_kind kind, size_t lo, size_t hi)
{
    return kind == D4M_STR ? d4m_vec_str(b->d.row + lo, hi - lo)
                           : d4m_vec_num(b->d.rnum + lo, hi - lo);
}

static d4m_vec vec_cols(const bench *b, d4m_kind kind, size_t lo, size_t hi)
{
    return kind == D4M_STR ? d4m_vec_str(b->d.col + lo, hi - lo)
                           : d4m_vec_num(b->d.cnum + lo, hi - lo);
}

static char *ks_path(const bench *b, const kstate *ks, const char *what)
{
    char name[96];
    snprintf(name, sizeof name, "%s-%s", ks->name, what);
    return path_join(b->dir, name);
}

/* Open a fresh store database at path holding one table "t". */
static d4m_table *store_new_table(d4m_db **db, const char *path, d4m_kind kind, bool pair)
{
    d4m_table *t = NULL;
    CALL(d4m_db_open(db, path, D4M_DB_CREATE));
    d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
    o.keys = kind;
    o.pair = pair;
    CALL(d4m_table_create(*db, "t", &o));
    CALL(d4m_table_open(&t, *db, "t"));
    return t;
}

static void store_close(d4m_db **db, d4m_table **t, char **path, bool keep)
{
    d4m_table_close(*t);
    d4m_db_close(*db);
    if (*path && !keep)
        rm_tree(*path);
    free(*path);
    *t = NULL;
    *db = NULL;
    *path = NULL;
}

static double store_table_mb(d4m_table *t)
{
    d4m_table_info info;
    CALL(d4m_table_info_get(&info, t));
    return (double)info.approx_bytes / (1024.0 * 1024.0);
}

/* ---------------------------------------------------------------- report */

typedef enum goal_kind { GOAL_NONE, GOAL_RATE, GOAL_RATIO, GOAL_P50 } goal_kind;

/* The figures of one op. NAN: not measured (e.g. the store under --raw-only). */
typedef struct report {
    size_t items;            /* triples written, or entries read */
    size_t queries;          /* 0 for puts and scans */
    span s, r;               /* store half, raw half */
    bool s_run, r_run;
    double s_p50, s_p99, r_p50, r_p99;   /* microseconds, queries only */
    double s_mb, r_mb;       /* on disk after the op (put_bulk) */
} report;

typedef struct op {
    const char *name;
    bool latency;            /* the figure is p50/p99 per query */
    goal_kind goal;
    double goal_val;
    void (*run)(bench *, kstate *, report *);
} op;

static void jnum(const char *name, double x, const char *fmt)
{
    printf(",\"%s\":", name);
    if (isnan(x) || isinf(x))
        printf("null");
    else
        printf(fmt, x);
}

static void print_report(const bench *b, const kstate *ks, const op *o, const report *rp,
                         double load)
{
    double s_sec = rp->s_run ? rp->s.sec : NAN, r_sec = rp->r_run ? rp->r.sec : NAN;
    double s_rate = (double)rp->items / s_sec, r_rate = (double)rp->items / r_sec;
    double ratio = o->latency ? rp->r_p50 / rp->s_p50 : s_rate / r_rate;

    printf("{\"bench\":\"store\",\"op\":\"%s\",\"keys\":\"%s\",\"n\":%zu", o->name, ks->name, b->n);
    if (rp->queries)
        printf(",\"queries\":%zu", rp->queries);
    printf(",\"entries\":%zu,\"reps\":%d", rp->items, b->reps);
    jnum("seconds", s_sec, "%.6f");
    jnum("raw_seconds", r_sec, "%.6f");
    jnum("triples_per_s", s_rate, "%.0f");
    jnum("raw_triples_per_s", r_rate, "%.0f");
    if (rp->queries) {
        jnum("queries_per_s", (double)rp->queries / s_sec, "%.1f");
        jnum("raw_queries_per_s", (double)rp->queries / r_sec, "%.1f");
        jnum("p50_us", rp->s_p50, "%.2f");
        jnum("p99_us", rp->s_p99, "%.2f");
        jnum("raw_p50_us", rp->r_p50, "%.2f");
        jnum("raw_p99_us", rp->r_p99, "%.2f");
    }
    jnum("ratio_to_raw", ratio, "%.3f");

    double fig = NAN;
    const char *gtext = NULL;
    char gbuf[64];
    bool met = false;
    switch (o->goal) {
    case GOAL_RATE:
        snprintf(gbuf, sizeof gbuf, "triples_per_s >= %.0f", o->goal_val);
        fig = s_rate;
        met = fig >= o->goal_val;
        gtext = gbuf;
        break;
    case GOAL_RATIO:
        snprintf(gbuf, sizeof gbuf, "ratio_to_raw >= %g", o->goal_val);
        fig = ratio;
        met = fig >= o->goal_val;
        gtext = gbuf;
        break;
    case GOAL_P50:
        snprintf(gbuf, sizeof gbuf, "p50_us <= %g", o->goal_val);
        fig = rp->s_p50;
        met = fig <= o->goal_val;
        gtext = gbuf;
        break;
    case GOAL_NONE:
        break;
    }
    if (gtext)
        printf(",\"goal\":\"%s\",\"goal_met\":%s", gtext,
               isnan(fig) ? "null" : met ? "true" : "false");
    else
        printf(",\"goal\":null,\"goal_met\":null");

    jnum("peak_rss_mb", rp->s_run ? rp->s.rss : NAN, "%.1f");
    jnum("raw_peak_rss_mb", rp->r_run ? rp->r.rss : NAN, "%.1f");
    jnum("cpu_seconds", rp->s_run ? rp->s.cpu : NAN, "%.6f");
    jnum("raw_cpu_seconds", rp->r_run ? rp->r.cpu : NAN, "%.6f");
    if (!isnan(rp->s_mb) || !isnan(rp->r_mb)) {
        jnum("disk_mb", rp->s_mb, "%.1f");
        jnum("raw_disk_mb", rp->r_mb, "%.1f");
    }
    printf(",\"peak_rss_reset\":%s", (rp->s_run ? rp->s.rss_reset : rp->r.rss_reset) ? "true" : "false");
    jnum("loadavg_1m", load, "%.2f");
    printf("}\n");
    fflush(stdout);
}

/* ------------------------------------------------------------------ puts */

/* Read an iterator to its end, freeing each chunk; its entries, counted.
 * The iterator is freed. */
static size_t iter_drain(d4m_table_iter *it)
{
    size_t total = 0;
    for (;;) {
        d4m_assoc *a = NULL;
        int rc = d4m_table_iter_next(&a, it);
        if (rc < 0)
            die_lib("d4m_table_iter_next", rc);
        total += d4m_assoc_nnz(a);
        d4m_assoc_free(a);
        if (rc == D4M_ITER_DONE)
            break;
    }
    d4m_table_iter_free(it);
    return total;
}

/* Every entry of t's transpose, counted through column queries of the
 * whole column range (in chunks of 1M entries). */
static size_t transpose_count(d4m_table *t, d4m_kind kind)
{
    const char *text = kind == D4M_STR ? ": \xff\xff " : ": 9007199254740992 ";
    d4m_query *q = NULL;
    d4m_table_iter *it = NULL;
    size_t total = 0;
    CALL(d4m_query_parse(&q, (d4m_key){ text, strlen(text) }));
    CALL(d4m_table_iter_new(&it, t, NULL, q, (size_t)1 << 20));
    total = iter_drain(it);
    d4m_query_free(q);
    return total;
}

/* put / put_pair: chunks through d4m_table_put_triples (no flags); raw:
 * each chunk encoded, sorted and written as one write batch (and, for the
 * pair, the transposed chunk into a second database).  With keep, the
 * tables and databases are kept in ks for col_query. */
static void do_put(bench *b, kstate *ks, bool pair, bool keep, report *rp)
{
    const dataset *d = &b->d;
    size_t n = d->n, chunk = b->chunk;
    char *rpath = ks_path(b, ks, pair ? "pair-raw" : "put-raw");
    char *rtpath = ks_path(b, ks, "pair-rawT");
    char *spath = ks_path(b, ks, pair ? "pair-store" : "put-store");

    /* raw */
    rawdb *r = raw_open(rpath), *rt = pair ? raw_open(rtpath) : NULL;
    span_start(&rp->r, "raw");
    for (size_t lo = 0; lo < n; lo += chunk) {
        size_t hi = lo + chunk < n ? lo + chunk : n;
        enc e;
        enc_make(&e, d, ks->kind, lo, hi, false);
        enc_sort(&e);
        raw_write_sorted(r, &e);
        enc_free(&e);
        if (rt) {
            enc_make(&e, d, ks->kind, lo, hi, true);
            enc_sort(&e);
            raw_write_sorted(rt, &e);
            enc_free(&e);
        }
    }
    span_stop(&rp->r);
    rp->r_run = true;
    size_t cnt = raw_scan(r, NULL, NULL);
    if (cnt != d->nuniq)
        die_check(pair ? "put_pair (raw)" : "put (raw)", "%zu entries, expected %zu", cnt, d->nuniq);
    if (rt && (cnt = raw_scan(rt, NULL, NULL)) != d->nuniq)
        die_check("put_pair (raw transpose)", "%zu entries, expected %zu", cnt, d->nuniq);

    /* store */
    d4m_db *db = NULL;
    d4m_table *t = NULL;
    if (!b->raw_only) {
        t = store_new_table(&db, spath, ks->kind, pair);
        span_start(&rp->s, "store");
        for (size_t lo = 0; lo < n; lo += chunk) {
            size_t hi = lo + chunk < n ? lo + chunk : n;
            CALL(d4m_table_put_triples(t, vec_rows(b, ks->kind, lo, hi),
                                       vec_cols(b, ks->kind, lo, hi),
                                       d4m_vec_num(d->val + lo, hi - lo), 0));
        }
        span_stop(&rp->s);
        rp->s_run = true;
        uint64_t nn = 0;
        CALL(d4m_table_nnz(&nn, t));
        if (nn != d->nuniq)
            die_check(pair ? "put_pair" : "put", "d4m_table_nnz is %" PRIu64 ", expected %zu",
                      nn, d->nuniq);
        /* The transpose is checked too, read back whole as raw's is
         * (raw_scan of rt above): both halves then query a table that was
         * read once, not one warm and one cold.  Read once the compactions
         * that follow the puts are done (a block read before is one of a
         * file that is gone after). */
        if (pair)
            quiesce();
        size_t tn = pair ? transpose_count(t, ks->kind) : d->nuniq;
        if (tn != d->nuniq)
            die_check("put_pair", "the transpose holds %zu entries, expected %zu", tn, d->nuniq);
    }
    rp->items = n;

    if (keep) {
        ks->raw_pair = r;
        ks->raw_pairT = rt;
        ks->pair_db = db;
        ks->pair = t;
        ks->pair_path = spath;
        ks->have_pair = true;
    } else {
        raw_destroy(r);
        raw_destroy(rt);
        store_close(&db, &t, &spath, b->keep);
    }
    free(rpath);
    free(rtpath);
}

/* put_bulk: all N triples with D4M_PUT_BULK into a fresh table; raw: encode,
 * sort, keep the last of equal keys, SST files, one ingest.  The table and
 * the database are kept for the read ops. */
static void do_bulk(bench *b, kstate *ks, report *rp)
{
    const dataset *d = &b->d;
    char *rpath = ks_path(b, ks, "bulk-raw");
    char *sstdir = ks_path(b, ks, "bulk-sst");
    ks->bulk_path = ks_path(b, ks, "bulk-store");

    /* raw */
    if (mkdir(sstdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, PROG ": mkdir %s: %s\n", sstdir, strerror(errno));
        exit(1);
    }
    rawdb *r = raw_open(rpath);
    span_start(&rp->r, "raw");
    enc e;
    enc_make(&e, d, ks->kind, 0, d->n, false);
    enc_sort(&e);
    enc_unique(&e);
    raw_ingest_sorted(r, &e, sstdir);
    enc_free(&e);
    span_stop(&rp->r);
    rp->r_run = true;
    rm_tree(sstdir);
    size_t cnt = raw_scan(r, NULL, NULL);
    if (cnt != d->nuniq)
        die_check("put_bulk (raw)", "%zu entries, expected %zu", cnt, d->nuniq);
    rp->r_mb = raw_sst_mb(r);
    ks->raw_bulk = r;

    /* store */
    if (!b->raw_only) {
        ks->bulk = store_new_table(&ks->bulk_db, ks->bulk_path, ks->kind, false);
        span_start(&rp->s, "store");
        CALL(d4m_table_put_triples(ks->bulk, vec_rows(b, ks->kind, 0, d->n),
                                   vec_cols(b, ks->kind, 0, d->n),
                                   d4m_vec_num(d->val, d->n), D4M_PUT_BULK));
        span_stop(&rp->s);
        rp->s_run = true;
        uint64_t nn = 0;
        CALL(d4m_table_nnz(&nn, ks->bulk));
        if (nn != d->nuniq)
            die_check("put_bulk", "d4m_table_nnz is %" PRIu64 ", expected %zu", nn, d->nuniq);
        rp->s_mb = store_table_mb(ks->bulk);
    }
    rp->items = d->n;
    ks->have_bulk = true;
    free(rpath);
    free(sstdir);
}

static void report_init(report *rp)
{
    memset(rp, 0, sizeof *rp);
    rp->s_p50 = rp->s_p99 = rp->r_p50 = rp->r_p99 = NAN;
    rp->s_mb = rp->r_mb = NAN;
}

/* Keep in best, per half, the better of best and r (the smaller time, or
 * for latency ops the smaller p50): with --reps R each half's best of R. */
static void report_keep_best(report *best, const report *r, bool latency, bool first)
{
    if (first) {
        *best = *r;
        return;
    }
    bool s_better = latency ? r->s_p50 < best->s_p50 : r->s.sec < best->s.sec;
    bool r_better = latency ? r->r_p50 < best->r_p50 : r->r.sec < best->r.sec;
    if (r->s_run && (!best->s_run || s_better)) {
        best->s = r->s;
        best->s_run = true;
        best->s_p50 = r->s_p50;
        best->s_p99 = r->s_p99;
        best->s_mb = r->s_mb;
    }
    if (r->r_run && (!best->r_run || r_better)) {
        best->r = r->r;
        best->r_run = true;
        best->r_p50 = r->r_p50;
        best->r_p99 = r->r_p99;
        best->r_mb = r->r_mb;
    }
}

/* The read ops need the put_bulk / put_pair tables; made untimed if those
 * ops were not asked for. */
static void need_bulk(bench *b, kstate *ks)
{
    if (ks->have_bulk)
        return;
    fprintf(stderr, PROG ": (%s) loading the put_bulk table first (not reported)\n", ks->name);
    report rp;
    report_init(&rp);
    do_bulk(b, ks, &rp);
}

static void need_pair(bench *b, kstate *ks)
{
    if (ks->have_pair)
        return;
    fprintf(stderr, PROG ": (%s) loading the put_pair table first (not reported)\n", ks->name);
    report rp;
    report_init(&rp);
    do_put(b, ks, true, true, &rp);
}

static void run_put(bench *b, kstate *ks, report *rp) { do_put(b, ks, false, false, rp); }

static void run_put_pair(bench *b, kstate *ks, report *rp)
{
    if (ks->have_pair) {   /* a second put_pair: start over */
        raw_destroy(ks->raw_pair);
        raw_destroy(ks->raw_pairT);
        ks->raw_pair = ks->raw_pairT = NULL;
        store_close(&ks->pair_db, &ks->pair, &ks->pair_path, b->keep);
        ks->have_pair = false;
    }
    do_put(b, ks, true, true, rp);
}

static void run_put_bulk(bench *b, kstate *ks, report *rp)
{
    if (ks->have_bulk) {
        raw_destroy(ks->raw_bulk);
        ks->raw_bulk = NULL;
        store_close(&ks->bulk_db, &ks->bulk, &ks->bulk_path, b->keep);
        ks->have_bulk = false;
    }
    do_bulk(b, ks, rp);
}

/* --------------------------------------------------------------- queries */

/* Latencies (seconds) -> p50/p99 in microseconds. */
static void latency_figures(double *lat, size_t n, double *p50, double *p99)
{
    qsort(lat, n, sizeof *lat, cmp_double);
    *p50 = percentile(lat, n, 50) * 1e6;
    *p99 = percentile(lat, n, 99) * 1e6;
}

/* Q single-key queries on rows (dim 1) or columns (dim 2). */
static void run_key_queries(bench *b, kstate *ks, report *rp, int dim)
{
    const dataset *d = &b->d;
    const char *opname = dim == 1 ? "row_query" : "col_query";
    if (dim == 1)
        need_bulk(b, ks);
    else
        need_pair(b, ks);
    rawdb *r = dim == 1 ? ks->raw_bulk : ks->raw_pairT;
    d4m_table *t = dim == 1 ? ks->bulk : ks->pair;
    const uint64_t *qk = dim == 1 ? ks->qrow : ks->qcol;
    const d4m_key *qraw = dim == 1 ? ks->qrow_raw : ks->qcol_raw;
    const d4m_key *qstore = dim == 1 ? ks->qrow_store : ks->qcol_store;
    const uint32_t *want = dim == 1 ? d->row_cnt : d->col_cnt;
    size_t q = ks->q;
    double *lat = xmalloc(q * sizeof *lat);
    size_t total = 0;

    /* raw */
    rawout o;
    memset(&o, 0, sizeof o);
    span_start(&rp->r, "raw");
    for (size_t i = 0; i < q; i++) {
        double t0 = now();
        size_t c = raw_read(r, &o, qraw[i].ptr, qraw[i].len, NULL, 0);
        lat[i] = now() - t0;
        if (c != want[qk[i]])
            die_check(opname, "raw: key %" PRIu64 ": %zu entries, expected %u", qk[i], c, want[qk[i]]);
        total += c;
    }
    span_stop(&rp->r);
    rp->r_run = true;
    latency_figures(lat, q, &rp->r_p50, &rp->r_p99);
    free(o.kbuf);
    free(o.val);

    /* store */
    if (!b->raw_only) {
        size_t *got = xmalloc(q * sizeof *got);
        span_start(&rp->s, "store");
        for (size_t i = 0; i < q; i++) {
            d4m_query *qq = NULL;
            d4m_assoc *a = NULL;
            double t0 = now();
            CALL(d4m_query_keys(&qq, &qstore[i], 1));
            CALL(d4m_table_get(&a, t, dim == 1 ? qq : NULL, dim == 1 ? NULL : qq));
            lat[i] = now() - t0;
            got[i] = d4m_assoc_nnz(a);
            d4m_assoc_free(a);
            d4m_query_free(qq);
        }
        span_stop(&rp->s);
        rp->s_run = true;
        for (size_t i = 0; i < q; i++)
            if (got[i] != want[qk[i]])
                die_check(opname, "key %.*s: %zu entries, expected %u", (int)qstore[i].len,
                          qstore[i].ptr, got[i], want[qk[i]]);
        free(got);
        latency_figures(lat, q, &rp->s_p50, &rp->s_p99);
    }
    rp->queries = q;
    rp->items = total;
    free(lat);
}

static void run_row_query(bench *b, kstate *ks, report *rp) { run_key_queries(b, ks, rp, 1); }
static void run_col_query(bench *b, kstate *ks, report *rp) { run_key_queries(b, ks, rp, 2); }

/* StartsWith('r<p>,') for p = 1..100 on string keys; on integer keys the
 * range queries 'lo,:,hi,' over 100 slices of 1..N/10. */
static void run_prefix_query(bench *b, kstate *ks, report *rp)
{
    need_bulk(b, ks);
    size_t np = ks->nprefix;
    double *lat = xmalloc(np * sizeof *lat);
    size_t total = 0;

    rawout o;
    memset(&o, 0, sizeof o);
    span_start(&rp->r, "raw");
    for (size_t i = 0; i < np; i++) {
        double t0 = now();
        size_t c = ks->kind == D4M_STR
            ? raw_read(ks->raw_bulk, &o, ks->praw_lo[i].ptr, ks->praw_lo[i].len, NULL, 0)
            : raw_read(ks->raw_bulk, &o, ks->praw_lo[i].ptr, ks->praw_lo[i].len,
                       ks->praw_hi[i].ptr, ks->praw_hi[i].len);
        lat[i] = now() - t0;
        if (c != ks->pwant[i])
            die_check("prefix_query", "raw: query %zu: %zu entries, expected %" PRIu64,
                      i, c, ks->pwant[i]);
        total += c;
    }
    span_stop(&rp->r);
    rp->r_run = true;
    latency_figures(lat, np, &rp->r_p50, &rp->r_p99);
    free(o.kbuf);
    free(o.val);

    if (!b->raw_only) {
        size_t *got = xmalloc(np * sizeof *got);
        span_start(&rp->s, "store");
        for (size_t i = 0; i < np; i++) {
            d4m_query *qq = NULL;
            d4m_assoc *a = NULL;
            double t0 = now();
            if (ks->kind == D4M_STR)
                CALL(d4m_query_starts_with(&qq, ks->pstore[i]));
            else
                CALL(d4m_query_parse(&qq, ks->pstore[i]));
            CALL(d4m_table_get(&a, ks->bulk, qq, NULL));
            lat[i] = now() - t0;
            got[i] = d4m_assoc_nnz(a);
            d4m_assoc_free(a);
            d4m_query_free(qq);
        }
        span_stop(&rp->s);
        rp->s_run = true;
        for (size_t i = 0; i < np; i++)
            if (got[i] != ks->pwant[i])
                die_check("prefix_query", "query '%.*s': %zu entries, expected %" PRIu64,
                          (int)ks->pstore[i].len, ks->pstore[i].ptr, got[i], ks->pwant[i]);
        free(got);
        latency_figures(lat, np, &rp->s_p50, &rp->s_p99);
    }
    rp->queries = np;
    rp->items = total;
    free(lat);
}

/* scan: every entry of the put_bulk table, through an iterator of 1M-entry
 * chunks; raw: one iterator pass. */
#define SCAN_CHUNK ((size_t)1 << 20)

static void run_scan(bench *b, kstate *ks, report *rp)
{
    need_bulk(b, ks);
    const dataset *d = &b->d;
    span_start(&rp->r, "raw");
    double vsum = 0;
    size_t kbytes = 0;
    size_t cnt = raw_scan(ks->raw_bulk, &vsum, &kbytes);
    span_stop(&rp->r);
    rp->r_run = true;
    if (cnt != d->nuniq)
        die_check("scan (raw)", "%zu entries, expected %zu", cnt, d->nuniq);

    if (!b->raw_only) {
        size_t total = 0;
        d4m_table_iter *it = NULL;
        span_start(&rp->s, "store");
        CALL(d4m_table_iter_new(&it, ks->bulk, NULL, NULL, SCAN_CHUNK));
        total = iter_drain(it);
        span_stop(&rp->s);
        rp->s_run = true;
        if (total != d->nuniq)
            die_check("scan", "%zu entries, expected %zu", total, d->nuniq);
    }
    rp->items = d->nuniq;
}

/* ------------------------------------------------------------------ ops */

static const op OPS[] = {
    { "put",          false, GOAL_RATE,  1e6, run_put },
    { "put_bulk",     false, GOAL_RATIO, 0.9, run_put_bulk },
    { "put_pair",     false, GOAL_NONE,  0,   run_put_pair },
    { "row_query",    true,  GOAL_P50,   20,  run_row_query },
    { "col_query",    true,  GOAL_P50,   20,  run_col_query },
    { "prefix_query", false, GOAL_NONE,  0,   run_prefix_query },
    { "scan",         false, GOAL_RATIO, 0.9, run_scan },
};
#define NOPS (sizeof OPS / sizeof OPS[0])

/* The query inputs of a key kind: Q random existing row keys and column
 * keys (those of random triples), and the prefix / range queries. */
static void kstate_init(kstate *ks, bench *b, d4m_kind kind)
{
    const dataset *d = &b->d;
    memset(ks, 0, sizeof *ks);
    ks->kind = kind;
    ks->name = kind == D4M_STR ? "str" : "int";
    size_t q = ks->q = b->q;
    ks->qrow = xmalloc(q * sizeof *ks->qrow);
    ks->qcol = xmalloc(q * sizeof *ks->qcol);
    ks->qrow_store = xmalloc(q * sizeof(d4m_key));
    ks->qcol_store = xmalloc(q * sizeof(d4m_key));
    ks->qrow_raw = xmalloc(q * sizeof(d4m_key));
    ks->qcol_raw = xmalloc(q * sizeof(d4m_key));
    ks->qbuf = xmalloc(q * 4 * 24 + MAX_PREFIX * 3 * 48);
    char *p = ks->qbuf;
    uint64_t s = b->seed ^ (kind == D4M_STR ? 0x5157ull : 0x1A7ull);
    for (size_t i = 0; i < q; i++) {
        ks->qrow[i] = d->rk[uniform1(&s, d->n) - 1];
        ks->qcol[i] = d->ck[uniform1(&s, d->n) - 1];
        for (int dim = 1; dim <= 2; dim++) {
            uint64_t k = dim == 1 ? ks->qrow[i] : ks->qcol[i];
            d4m_key *st = dim == 1 ? &ks->qrow_store[i] : &ks->qcol_store[i];
            d4m_key *rw = dim == 1 ? &ks->qrow_raw[i] : &ks->qcol_raw[i];
            size_t l;
            if (kind == D4M_STR) {
                l = put_key(p, dim == 1 ? 'r' : 'c', k);
                *st = (d4m_key){ p, l };
                p[l] = '\0';              /* raw: the key and its separator */
                *rw = (d4m_key){ p, l + 1 };
                p += l + 1;
            } else {
                l = put_dec(p, k);        /* the store reads decimal keys as numbers */
                *st = (d4m_key){ p, l };
                p += l;
                be64((unsigned char *)p, k);
                *rw = (d4m_key){ p, 8 };
                p += 8;
            }
        }
    }
    ks->nprefix = MAX_PREFIX;
    for (size_t i = 0; i < MAX_PREFIX; i++) {
        if (kind == D4M_STR) {
            uint64_t pk = i + 1;
            size_t l = put_key(p, 'r', pk);
            ks->praw_lo[i] = (d4m_key){ p, l };
            p[l] = ',';
            ks->pstore[i] = (d4m_key){ p, l + 1 };   /* "r<p>," */
            p += l + 1;
            ks->pwant[i] = rows_with_prefix(d, pk);
        } else {
            uint64_t lo = i * d->kmax / MAX_PREFIX + 1, hi = (i + 1) * d->kmax / MAX_PREFIX;
            if (hi < lo)
                hi = lo;
            int l = snprintf(p, 48, "%" PRIu64 ",:,%" PRIu64 ",", lo, hi);
            ks->pstore[i] = (d4m_key){ p, (size_t)l };
            p += l;
            be64((unsigned char *)p, lo);
            ks->praw_lo[i] = (d4m_key){ p, 8 };
            p += 8;
            be64((unsigned char *)p, hi);
            ks->praw_hi[i] = (d4m_key){ p, 8 };
            p += 8;
            ks->pwant[i] = rows_in(d, lo, hi);
        }
    }
}

static void kstate_free(kstate *ks, bool keep)
{
    store_close(&ks->bulk_db, &ks->bulk, &ks->bulk_path, keep);
    store_close(&ks->pair_db, &ks->pair, &ks->pair_path, keep);
    raw_destroy(ks->raw_bulk);
    raw_destroy(ks->raw_pair);
    raw_destroy(ks->raw_pairT);
    free(ks->qrow); free(ks->qcol);
    free(ks->qrow_store); free(ks->qcol_store);
    free(ks->qrow_raw); free(ks->qcol_raw);
    free(ks->qbuf);
    memset(ks, 0, sizeof *ks);
}

/* -------------------------------------------------------------- options */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " [--n N] [--keys str|int|both] [--queries Q] [--dir DIR]\n"
            "                       [--ops LIST] [--reps R] [--seed S] [--raw-only] [--keep] [--verbose]\n"
            "  --n N        triples (default 1000000; 1e7 notation accepted)\n"
            "  --keys K     str, int or both (default both)\n"
            "  --queries Q  row and column queries (default 10000)\n"
            "  --dir DIR    where the databases go (default a new /tmp/d4m-bench-store-XXXXXX,\n"
            "               removed at the end); made if missing\n"
            "  --ops LIST   comma-separated ops (default all):\n              ");
    for (size_t i = 0; i < NOPS; i++)
        fprintf(f, "%s%s", OPS[i].name, i + 1 < NOPS ? "," : "\n");
    fprintf(f,
            "  --reps R     run each op R times; each half's best run is reported (default 1)\n"
            "  --seed S     seed of the workload (default 1)\n"
            "  --raw-only   run only the raw RocksDB baselines\n"
            "  --keep       keep the databases (in DIR) at the end\n"
            "  --verbose    say on stderr when each timed half starts\n"
            "Prints one JSON object per op and key kind.\n");
}

int main(int argc, char **argv)
{
    bench b;
    memset(&b, 0, sizeof b);
    b.n = 1000000;
    b.q = 10000;
    b.chunk = 1000000;
    b.reps = 1;
    b.seed = 1;
    bool kinds[2] = { true, true };   /* str, int */
    bool selected[NOPS];
    for (size_t i = 0; i < NOPS; i++)
        selected[i] = true;
    const char *dir = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--raw-only")) {
            b.raw_only = true;
            continue;
        }
        if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            g_verbose = true;
            continue;
        }
        if (!strcmp(a, "--keep")) {
            b.keep = g_keep = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": %s needs a value\n", a);
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        double x;
        if (!strcmp(a, "--n")) {
            if (!parse_count(v, 10, 2e9, &x)) {
                fprintf(stderr, PROG ": bad --n '%s'\n", v);
                return 2;
            }
            b.n = (size_t)x;
        } else if (!strcmp(a, "--queries")) {
            if (!parse_count(v, 1, 1e8, &x)) {
                fprintf(stderr, PROG ": bad --queries '%s'\n", v);
                return 2;
            }
            b.q = (size_t)x;
        } else if (!strcmp(a, "--reps")) {
            if (!parse_count(v, 1, 1000, &x)) {
                fprintf(stderr, PROG ": bad --reps '%s'\n", v);
                return 2;
            }
            b.reps = (int)x;
        } else if (!strcmp(a, "--keys")) {
            if (!strcmp(v, "str")) {
                kinds[0] = true; kinds[1] = false;
            } else if (!strcmp(v, "int")) {
                kinds[0] = false; kinds[1] = true;
            } else if (!strcmp(v, "both")) {
                kinds[0] = kinds[1] = true;
            } else {
                fprintf(stderr, PROG ": bad --keys '%s' (str, int or both)\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--dir")) {
            dir = v;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            b.seed = strtoull(v, &end, 0);
            if (errno || end == v || *end) {
                fprintf(stderr, PROG ": bad --seed '%s'\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--ops")) {
            for (size_t k = 0; k < NOPS; k++)
                selected[k] = false;
            const char *p = v;
            while (*p) {
                size_t l = strcspn(p, ",");
                if (l > 0) {
                    size_t k;
                    for (k = 0; k < NOPS; k++)
                        if (strlen(OPS[k].name) == l && !memcmp(OPS[k].name, p, l))
                            break;
                    if (k == NOPS) {
                        fprintf(stderr, PROG ": unknown op '%.*s'\n", (int)l, p);
                        usage(stderr);
                        return 2;
                    }
                    selected[k] = true;
                }
                p += l;
                if (*p == ',')
                    p++;
            }
        } else {
            fprintf(stderr, PROG ": unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
    }

    if (dir) {
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, PROG ": mkdir %s: %s\n", dir, strerror(errno));
            return 1;
        }
        b.dir = xstrdup(dir);
    } else {
        char tmpl[] = "/tmp/d4m-bench-store-XXXXXX";
        if (!mkdtemp(tmpl)) {
            fprintf(stderr, PROG ": mkdtemp: %s\n", strerror(errno));
            return 1;
        }
        b.dir = xstrdup(tmpl);
        b.own_dir = true;
    }

    fprintf(stderr, PROG ": libd4m %s, rocksdb (shared), n=%zu, queries=%zu, reps=%d, seed=%" PRIu64
            ", dir=%s%s\n", d4m_version(), b.n, b.q, b.reps, b.seed, b.dir,
            b.raw_only ? ", raw only" : "");
    double t0 = now();
    uint64_t s = b.seed;
    dataset_make(&b.d, b.n, splitmix64(&s));
    fprintf(stderr, PROG ": workload made in %.2f s (%zu distinct pairs, keys 1..%" PRIu64 ")\n",
            now() - t0, b.d.nuniq, b.d.kmax);

    for (int kk = 0; kk < 2; kk++) {
        if (!kinds[kk])
            continue;
        kstate ks;
        kstate_init(&ks, &b, kk == 0 ? D4M_STR : D4M_NUM);
        for (size_t i = 0; i < NOPS; i++) {
            if (!selected[i])
                continue;
            fprintf(stderr, PROG ": %s %s ...\n", OPS[i].name, ks.name);
            report rp;
            report_init(&rp);
            double load = loadavg1();
            for (int rep = 0; rep < b.reps; rep++) {
                report r1;
                report_init(&r1);
                OPS[i].run(&b, &ks, &r1);
                report_keep_best(&rp, &r1, OPS[i].latency, rep == 0);
            }
            print_report(&b, &ks, &OPS[i], &rp, load);
        }
        kstate_free(&ks, b.keep);
    }

    if (b.own_dir && !b.keep)
        rm_tree(b.dir);
    else if (b.keep)
        fprintf(stderr, PROG ": databases kept in %s\n", b.dir);
    free(b.dir);
    dataset_free(&b.d);
    return 0;
}
