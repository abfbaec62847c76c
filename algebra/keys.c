/*
 * algebra/keys.c - sorted unique key sets: deduplication, search, union,
 * intersection and subsets, each with the monotone index maps that let a
 * matrix move between key spaces without re-sorting.
 *
 * Deduplication hashes the N input keys and sorts only the unique ones: with
 * the usual D4M workloads (N triples over N/10 distinct keys) that is ten
 * times less sorting than sorting all keys.
 */
#define _GNU_SOURCE   /* qsort_r */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int d4m_key_cmp(d4m_key a, d4m_key b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c)
        return c;
    return (a.len > b.len) - (a.len < b.len);
}

/* Bytes of all keys; an unset key set (off NULL) has none. */
static inline size_t keys_bytes(const d4m_keys *k)
{
    return k->off ? (size_t)k->off[k->n] : 0;
}

void d4m__keys_clear(d4m_keys *k)
{
    free(k->off);
    free(k->buf);
    k->off = NULL;
    k->buf = NULL;
    k->n = 0;
}

/* Allocate a STR key set of n keys and nbytes bytes. */
static int keys_alloc(d4m_keys *k, uint64_t n, size_t nbytes)
{
    k->kind = D4M_STR;
    k->n = n;
    k->off = d4m__malloc(d4m__mul((size_t)n + 1, sizeof *k->off));
    k->buf = d4m__malloc(nbytes);
    if (!k->off || !k->buf) {
        d4m__keys_clear(k);
        return D4M_ENOMEM;
    }
    k->off[0] = 0;
    return 0;
}

int d4m__keys_copy(d4m_keys *dst, const d4m_keys *src)
{
    d4m_keys k = { src->kind, src->n, NULL, NULL };
    if (src->kind == D4M_STR && !src->off) {
        k.n = 0;   /* an unset (empty) value list */
    } else if (src->kind == D4M_STR) {
        D4M_TRY(keys_alloc(&k, src->n, (size_t)src->off[src->n]));
        memcpy(k.off, src->off, (size_t)(src->n + 1) * sizeof *k.off);
        if (src->off[src->n])
            memcpy(k.buf, src->buf, (size_t)src->off[src->n]);
    }
    *dst = k;
    return 0;
}

uint64_t d4m__keys_lower(const d4m_keys *k, d4m_key key)
{
    uint64_t lo = 0, hi = k->n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (d4m_key_cmp(d4m__keys_at(k, mid), key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t d4m__keys_upper(const d4m_keys *k, d4m_key key)
{
    uint64_t lo = 0, hi = k->n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (d4m_key_cmp(d4m__keys_at(k, mid), key) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int64_t d4m__keys_find(const d4m_keys *k, d4m_key key)
{
    if (k->kind != D4M_STR)
        return -1;
    uint64_t i = d4m__keys_lower(k, key);
    if (i < k->n && d4m_key_cmp(d4m__keys_at(k, i), key) == 0)
        return (int64_t)i;
    return -1;
}

int d4m__keys_equal(const d4m_keys *a, const d4m_keys *b)
{
    if (a->kind != b->kind || a->n != b->n)
        return 0;
    if (a->kind == D4M_NUM || a->n == 0)
        return 1;
    if (memcmp(a->off, b->off, (size_t)(a->n + 1) * sizeof *a->off) != 0)
        return 0;
    return keys_bytes(a) == 0 || memcmp(a->buf, b->buf, keys_bytes(a)) == 0;
}

/* ------------------------------------------------------- deduplication */

/* The n < 8 bytes at p as a little-endian integer, without a byte loop:
 * two overlapping 4-byte loads, or three byte loads. */
static inline uint64_t load_tail(const char *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, b, 4);
        memcpy(&hi, b + n - 4, 4);
        return (uint64_t)lo | ((uint64_t)hi << (8 * (n - 4)));
    }
    if (n == 0)
        return 0;
    return (uint64_t)b[0] | ((uint64_t)b[n >> 1] << (8 * (n >> 1))) |
           ((uint64_t)b[n - 1] << (8 * (n - 1)));
}

static inline uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    h = (h ^ load_tail(p, n)) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    return h;
}

/* The first 8 bytes of a key, big-endian, so that integer order is byte
 * order; ties are settled by the full comparison. */
static uint64_t key_prefix(d4m_key k)
{
    unsigned char b[8] = { 0 };
    memcpy(b, k.ptr, k.len < 8 ? k.len : 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

typedef struct {
    uint64_t prefix;
    uint64_t idx;      /* index of the unique key */
} sort_item;

/* qsort_r (glibc) passes the keys: no thread-local lookup per comparison. */
static int cmp_items(const void *pa, const void *pb, void *ctx)
{
    const sort_item *a = pa, *b = pb;
    const d4m_keys *keys = ctx;
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    return d4m_key_cmp(d4m__keys_at(keys, a->idx), d4m__keys_at(keys, b->idx));
}

/* Sort items by key: an LSD radix sort on the 8-byte big-endian prefix
 * (passes whose digit is the same for all items are skipped), then the runs
 * of equal prefixes, which only keys that share 8 bytes form, by the full
 * comparison. */
static int sort_items(sort_item *items, uint64_t n, const d4m_keys *keys)
{
    enum { BITS = 11, BUCKETS = 1 << BITS };
    if (n < 64) {
        qsort_r(items, (size_t)n, sizeof *items, cmp_items, (void *)keys);
        return 0;
    }
    sort_item *tmp = d4m__malloc(d4m__mul((size_t)n, sizeof *tmp));
    uint64_t *cnt = d4m__malloc(BUCKETS * sizeof *cnt);
    if (!tmp || !cnt) {
        free(tmp);
        free(cnt);
        return D4M_ENOMEM;
    }
    sort_item *src = items, *dst = tmp;
    for (int shift = 0; shift < 64; shift += BITS) {
        memset(cnt, 0, BUCKETS * sizeof *cnt);
        for (uint64_t i = 0; i < n; i++)
            cnt[(src[i].prefix >> shift) & (BUCKETS - 1)]++;
        if (cnt[(src[0].prefix >> shift) & (BUCKETS - 1)] == n)
            continue;   /* one digit for all: nothing to do */
        uint64_t sum = 0;
        for (int b = 0; b < BUCKETS; b++) {
            uint64_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (uint64_t i = 0; i < n; i++)
            dst[cnt[(src[i].prefix >> shift) & (BUCKETS - 1)]++] = src[i];
        sort_item *t = src;
        src = dst;
        dst = t;
    }
    if (src != items)
        memcpy(items, src, (size_t)n * sizeof *items);
    free(tmp);
    free(cnt);
    for (uint64_t i = 0; i < n;) {
        uint64_t j = i + 1;
        while (j < n && items[j].prefix == items[i].prefix)
            j++;
        if (j - i > 1)
            qsort_r(items + i, (size_t)(j - i), sizeof *items, cmp_items, (void *)keys);
        i = j;
    }
    return 0;
}

/* The table of unique keys met so far: open addressing over 16-byte slots
 * that hold a key's first 8 bytes, its length and a hash tag, so that for
 * keys of up to 8 bytes a probe settles equality without leaving the table;
 * longer keys compare their rest in the compact buffer of unique keys.  The
 * slot of a key a few places ahead is prefetched while the current one is
 * probed: on a million keys the table does not fit in cache, and the probes
 * are otherwise one cache miss after another.  The table starts small and
 * doubles at half load. */
typedef struct {
    uint64_t pre;     /* first 8 bytes, zero padded */
    uint32_t meta;    /* hash tag (24 bits) << 8 | min(len, 255) */
    uint32_t idx1;    /* unique index + 1; 0 = empty slot */
} dslot;

typedef struct {
    dslot *slot;
    uint64_t cap;        /* power of 2 */
    uint64_t *uhash;     /* per unique key */
    d4m_keys u;          /* unique keys in order of first appearance */
    uint64_t ucap;       /* capacity of u.off / uhash in keys */
    size_t bcap;         /* capacity of u.buf in bytes */
} dedup;

static inline uint64_t key_pre(d4m_key k)
{
    uint64_t v;
    if (k.len >= 8) {
        memcpy(&v, k.ptr, 8);
        return v;
    }
    return load_tail(k.ptr, k.len);
}

static int dedup_grow_table(dedup *d)
{
    uint64_t cap = d->cap * 2;
    dslot *slot = d4m__calloc((size_t)cap, sizeof *slot);
    if (!slot)
        return D4M_ENOMEM;
    for (uint64_t s = 0; s < d->cap; s++) {
        if (!d->slot[s].idx1)
            continue;
        uint64_t t = d->uhash[d->slot[s].idx1 - 1] & (cap - 1);
        while (slot[t].idx1)
            t = (t + 1) & (cap - 1);
        slot[t] = d->slot[s];
    }
    free(d->slot);
    d->slot = slot;
    d->cap = cap;
    return 0;
}

/* Append key k (hash h) as a new unique key. */
static int dedup_add(dedup *d, d4m_key k, uint64_t h)
{
    if (d->u.n + 1 >= d->ucap) {
        uint64_t ucap = d->ucap * 2;
        uint64_t *off = d4m__realloc(d->u.off, (size_t)(ucap + 1) * sizeof *off);
        if (!off)
            return D4M_ENOMEM;
        d->u.off = off;
        uint64_t *uh = d4m__realloc(d->uhash, (size_t)ucap * sizeof *uh);
        if (!uh)
            return D4M_ENOMEM;
        d->uhash = uh;
        d->ucap = ucap;
    }
    size_t used = (size_t)d->u.off[d->u.n];
    if (used + k.len > d->bcap) {
        size_t bcap = d->bcap * 2;
        while (bcap < used + k.len)
            bcap *= 2;
        char *buf = d4m__realloc(d->u.buf, bcap);
        if (!buf)
            return D4M_ENOMEM;
        d->u.buf = buf;
        d->bcap = bcap;
    }
    if (k.len)
        memcpy(d->u.buf + used, k.ptr, k.len);
    d->uhash[d->u.n] = h;
    d->u.off[d->u.n + 1] = used + k.len;
    d->u.n++;
    return 0;
}

#define PREFETCH_AHEAD 8

int d4m__keys_from_strings(d4m_keys *out, uint64_t *id, const d4m_key *keys, size_t n)
{
    out->kind = D4M_STR;
    out->n = 0;
    out->off = NULL;
    out->buf = NULL;
    if (n >= UINT32_MAX)
        return d4m__error(D4M_ETOOBIG, "%zu string keys in one call; at most %u", n,
                          UINT32_MAX - 1);

    /* Keys already in order (a table scan, sorted text): one linear pass. */
    size_t t0 = 1;
    while (t0 < n && d4m_key_cmp(keys[t0 - 1], keys[t0]) <= 0)
        t0++;
    if (n && t0 == n) {
        size_t nbytes = 0;
        uint64_t nu = 0;
        for (size_t t = 0; t < n; t++) {
            if (t == 0 || d4m_key_cmp(keys[t - 1], keys[t]) != 0) {
                nu++;
                nbytes += keys[t].len;
            }
        }
        D4M_TRY(keys_alloc(out, nu, nbytes));
        size_t pos = 0;
        uint64_t r = 0;
        for (size_t t = 0; t < n; t++) {
            if (t == 0 || d4m_key_cmp(keys[t - 1], keys[t]) != 0) {
                if (keys[t].len)
                    memcpy(out->buf + pos, keys[t].ptr, keys[t].len);
                pos += keys[t].len;
                out->off[++r] = pos;
            }
            id[t] = r - 1;
        }
        return 0;
    }

    dedup d;
    memset(&d, 0, sizeof d);
    d.u.kind = D4M_STR;
    /* The table starts at a quarter of the input (at most 2^22 slots): a
     * million keys with a hundred thousand distinct ones never grow it, and
     * the pages of a large calloc that no key lands on are never touched. */
    d.cap = 1024;
    while (d.cap < n / 4 && d.cap < ((uint64_t)1 << 22))
        d.cap *= 2;
    d.ucap = 256;
    d.bcap = 4096;
    d.slot = d4m__calloc((size_t)d.cap, sizeof *d.slot);
    d.uhash = d4m__malloc((size_t)d.ucap * sizeof *d.uhash);
    d.u.off = d4m__malloc((size_t)(d.ucap + 1) * sizeof *d.u.off);
    d.u.buf = d4m__malloc(d.bcap);
    sort_item *items = NULL;
    uint64_t *rank = NULL;
    int rc = D4M_ENOMEM;
    if (!d.slot || !d.uhash || !d.u.off || !d.u.buf)
        goto done;
    d.u.off[0] = 0;

    uint64_t ahead[PREFETCH_AHEAD];
    for (size_t t = 0; t < n && t < PREFETCH_AHEAD; t++) {
        ahead[t] = hash_bytes(keys[t].ptr, keys[t].len);
        __builtin_prefetch(&d.slot[ahead[t] & (d.cap - 1)]);
    }
    for (size_t t = 0; t < n; t++) {
        d4m_key k = keys[t];
        uint64_t h = ahead[t % PREFETCH_AHEAD];
        if (t + PREFETCH_AHEAD < n) {
            d4m_key f = keys[t + PREFETCH_AHEAD];
            uint64_t hf = hash_bytes(f.ptr, f.len);
            ahead[t % PREFETCH_AHEAD] = hf;
            __builtin_prefetch(&d.slot[hf & (d.cap - 1)]);
        }
        uint64_t pre = key_pre(k);
        uint32_t meta = (uint32_t)((h >> 40) << 8) | (uint32_t)(k.len < 255 ? k.len : 255);
        uint64_t s = h & (d.cap - 1);
        for (;;) {
            dslot *e = &d.slot[s];
            if (e->idx1 == 0) {
                rc = dedup_add(&d, k, h);
                if (rc)
                    goto done;
                e->pre = pre;
                e->meta = meta;
                e->idx1 = (uint32_t)d.u.n;
                id[t] = d.u.n - 1;
                if (2 * d.u.n > d.cap && (rc = dedup_grow_table(&d)))
                    goto done;
                break;
            }
            if (e->meta == meta && e->pre == pre) {
                uint64_t u = e->idx1 - 1;
                if (k.len <= 8) {
                    id[t] = u;
                    break;
                }
                d4m_key have = d4m__keys_at(&d.u, u);
                if (have.len == k.len && memcmp(have.ptr + 8, k.ptr + 8, k.len - 8) == 0) {
                    id[t] = u;
                    break;
                }
            }
            s = (s + 1) & (d.cap - 1);
        }
    }
    free(d.slot);
    d.slot = NULL;

    uint64_t nu = d.u.n;
    rc = D4M_ENOMEM;
    items = d4m__malloc(d4m__mul((size_t)nu, sizeof *items));
    rank = d4m__malloc(d4m__mul((size_t)nu, sizeof *rank));
    if (!items || !rank)
        goto done;
    for (uint64_t u = 0; u < nu; u++) {
        items[u].prefix = key_prefix(d4m__keys_at(&d.u, u));
        items[u].idx = u;
    }
    rc = sort_items(items, nu, &d.u);
    if (rc)
        goto done;

    rc = keys_alloc(out, nu, (size_t)d.u.off[nu]);
    if (rc)
        goto done;
    size_t pos = 0;
    for (uint64_t r = 0; r < nu; r++) {
        d4m_key k = d4m__keys_at(&d.u, items[r].idx);
        if (k.len)
            memcpy(out->buf + pos, k.ptr, k.len);
        pos += k.len;
        out->off[r + 1] = pos;
        rank[items[r].idx] = r;
    }
    for (size_t t = 0; t < n; t++)
        id[t] = rank[id[t]];
    rc = 0;
done:
    free(d.slot);
    free(d.uhash);
    d4m__keys_clear(&d.u);
    free(items);
    free(rank);
    return rc;
}

/* --------------------------------------------------- subsets and merges */

int d4m__keys_subset(d4m_keys *out, uint64_t *map, const d4m_keys *k, const uint8_t *keep)
{
    uint64_t m = 0;
    size_t nbytes = 0;
    for (uint64_t i = 0; i < k->n; i++) {
        if (keep[i]) {
            if (map)
                map[i] = m;
            m++;
            if (k->kind == D4M_STR)
                nbytes += (size_t)(k->off[i + 1] - k->off[i]);
        } else if (map) {
            map[i] = UINT64_MAX;
        }
    }
    if (k->kind == D4M_NUM) {
        out->kind = D4M_NUM;
        out->n = m;
        out->off = NULL;
        out->buf = NULL;
        return 0;
    }
    D4M_TRY(keys_alloc(out, m, nbytes));
    uint64_t r = 0;
    size_t pos = 0;
    for (uint64_t i = 0; i < k->n; i++) {
        if (!keep[i])
            continue;
        size_t len = (size_t)(k->off[i + 1] - k->off[i]);
        if (len)
            memcpy(out->buf + pos, k->buf + k->off[i], len);
        pos += len;
        out->off[++r] = pos;
    }
    return 0;
}

/* Merge a and b.  union_ = 1: keep keys of either; 0: keys of both. */
static int merge(d4m_keys *out, uint64_t **amap, uint64_t **bmap,
                 const d4m_keys *a, const d4m_keys *b, int union_)
{
    uint64_t *am = NULL, *bm = NULL;
    if (amap) *amap = NULL;
    if (bmap) *bmap = NULL;
    if (a->kind == D4M_NUM) {
        /* Positions: the maps are the identity (NULL); an intersection is
         * the smaller extent, and callers drop indices beyond it. */
        out->kind = D4M_NUM;
        out->n = union_ ? (a->n > b->n ? a->n : b->n) : (a->n < b->n ? a->n : b->n);
        out->off = NULL;
        out->buf = NULL;
        return 0;
    }
    if (amap) {
        am = d4m__malloc(d4m__mul((size_t)a->n, sizeof *am));
        if (!am)
            return D4M_ENOMEM;
    }
    if (bmap) {
        bm = d4m__malloc(d4m__mul((size_t)b->n, sizeof *bm));
        if (!bm) {
            free(am);
            return D4M_ENOMEM;
        }
    }
    size_t cap = union_ ? keys_bytes(a) + keys_bytes(b)
                        : (keys_bytes(a) < keys_bytes(b) ? keys_bytes(a) : keys_bytes(b));
    uint64_t ncap = union_ ? a->n + b->n : (a->n < b->n ? a->n : b->n);
    d4m_keys k;
    int rc = keys_alloc(&k, ncap, cap);
    if (rc) {
        free(am);
        free(bm);
        return rc;
    }
    uint64_t i = 0, j = 0, r = 0;
    size_t pos = 0;
    while (i < a->n || j < b->n) {
        int c;
        if (i == a->n)
            c = 1;
        else if (j == b->n)
            c = -1;
        else
            c = d4m_key_cmp(d4m__keys_at(a, i), d4m__keys_at(b, j));
        d4m_key key;
        int take;
        if (c == 0) {
            key = d4m__keys_at(a, i);
            take = 1;
            if (am) am[i] = r;
            if (bm) bm[j] = r;
            i++;
            j++;
        } else if (c < 0) {
            key = d4m__keys_at(a, i);
            take = union_;
            if (am) am[i] = take ? r : UINT64_MAX;
            i++;
        } else {
            key = d4m__keys_at(b, j);
            take = union_;
            if (bm) bm[j] = take ? r : UINT64_MAX;
            j++;
        }
        if (take) {
            if (key.len)
                memcpy(k.buf + pos, key.ptr, key.len);
            pos += key.len;
            k.off[++r] = pos;
        }
    }
    k.n = r;
    *out = k;
    if (amap) *amap = am;
    if (bmap) *bmap = bm;
    return 0;
}

int d4m__keys_union(d4m_keys *out, uint64_t **amap, uint64_t **bmap,
                    const d4m_keys *a, const d4m_keys *b)
{
    return merge(out, amap, bmap, a, b, 1);
}

int d4m__keys_intersect(d4m_keys *out, uint64_t **amap, uint64_t **bmap,
                        const d4m_keys *a, const d4m_keys *b)
{
    return merge(out, amap, bmap, a, b, 0);
}

/* ------------------------------------------------------------- lists */

int d4m_list_split(d4m_key **out, size_t *n, d4m_key list)
{
    if (!out || !n || (!list.ptr && list.len))
        return d4m__error(D4M_EINVAL, "d4m_list_split: NULL argument");
    *out = NULL;
    *n = 0;
    if (list.len == 0)
        return d4m__error(D4M_ESEP, "empty list: a list ends with its separator, e.g. 'a b '");
    char sep = list.ptr[list.len - 1];
    size_t count = 0;
    for (size_t i = 0; i < list.len; i++)
        count += list.ptr[i] == sep;
    d4m_key *k = d4m__malloc(d4m__mul(count, sizeof *k));
    if (!k)
        return D4M_ENOMEM;
    size_t start = 0, m = 0;
    for (size_t i = 0; i < list.len; i++) {
        if (list.ptr[i] == sep) {
            k[m].ptr = list.ptr + start;
            k[m].len = i - start;
            m++;
            start = i + 1;
        }
    }
    *out = k;
    *n = m;
    return 0;
}
