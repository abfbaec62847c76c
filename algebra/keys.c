/*
 * algebra/keys.c - sorted unique key sets: deduplication, search, union,
 * intersection and subsets, each with the monotone index maps that let a
 * matrix move between key spaces without re-sorting.
 *
 * Deduplication hashes the N input keys and sorts only the unique ones: with
 * the usual D4M workloads (N triples over N/10 distinct keys) that is ten
 * times less sorting than sorting all keys.
 */
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
    if (a->kind == D4M_NUM)
        return 1;
    if (memcmp(a->off, b->off, (size_t)(a->n + 1) * sizeof *a->off) != 0)
        return 0;
    return a->off[a->n] == 0 || memcmp(a->buf, b->buf, (size_t)a->off[a->n]) == 0;
}

/* ------------------------------------------------------- deduplication */

static uint64_t hash_bytes(const char *p, size_t n)
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
    uint64_t v = 0;
    if (n)
        memcpy(&v, p, n);
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
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
    uint64_t idx;      /* index of the unique key (its first occurrence) */
} sort_item;

static _Thread_local const d4m_key *sort_keys; /* qsort has no context argument */

static int cmp_items(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    return d4m_key_cmp(sort_keys[a->idx], sort_keys[b->idx]);
}

/* Sort the unique keys: qsort on (prefix, key).  Keys that
 * differ in their first 8 bytes never reach memcmp. */
static void sort_unique(sort_item *items, uint64_t nu, const d4m_key *keys)
{
    sort_keys = keys;
    qsort(items, (size_t)nu, sizeof *items, cmp_items);
    sort_keys = NULL;
}

int d4m__keys_from_strings(d4m_keys *out, uint64_t *id, const d4m_key *keys, size_t n)
{
    out->kind = D4M_STR;
    out->n = 0;
    out->off = NULL;
    out->buf = NULL;

    uint64_t cap = 16;
    while (cap < 2 * (uint64_t)n)
        cap *= 2;
    uint64_t *slot = d4m__calloc((size_t)cap, sizeof *slot);   /* unique index + 1 */
    uint64_t *first = d4m__malloc(d4m__mul(n, sizeof *first)); /* unique -> input index */
    uint64_t *uhash = d4m__malloc(d4m__mul(n, sizeof *uhash));
    sort_item *items = NULL;
    uint64_t *rank = NULL;
    int rc = D4M_ENOMEM;
    if (!slot || !first || !uhash)
        goto done;

    uint64_t nu = 0;
    size_t nbytes = 0;
    for (size_t t = 0; t < n; t++) {
        d4m_key k = keys[t];
        uint64_t h = hash_bytes(k.ptr, k.len);
        uint64_t s = h & (cap - 1);
        for (;;) {
            uint64_t u = slot[s];
            if (u == 0) {
                slot[s] = nu + 1;
                first[nu] = t;
                uhash[nu] = h;
                id[t] = nu++;
                nbytes += k.len;
                break;
            }
            u--;
            if (uhash[u] == h && d4m_key_cmp(keys[first[u]], k) == 0) {
                id[t] = u;
                break;
            }
            s = (s + 1) & (cap - 1);
        }
    }
    free(slot);
    slot = NULL;

    items = d4m__malloc(d4m__mul((size_t)nu, sizeof *items));
    rank = d4m__malloc(d4m__mul((size_t)nu, sizeof *rank));
    if (!items || !rank)
        goto done;
    for (uint64_t u = 0; u < nu; u++) {
        items[u].prefix = key_prefix(keys[first[u]]);
        items[u].idx = first[u];
    }
    sort_unique(items, nu, keys);

    rc = keys_alloc(out, nu, nbytes);
    if (rc)
        goto done;
    size_t pos = 0;
    for (uint64_t r = 0; r < nu; r++) {
        d4m_key k = keys[items[r].idx];
        if (k.len)
            memcpy(out->buf + pos, k.ptr, k.len);
        pos += k.len;
        out->off[r + 1] = pos;
        rank[id[items[r].idx]] = r;
    }
    for (size_t t = 0; t < n; t++)
        id[t] = rank[id[t]];
    rc = 0;
done:
    free(slot);
    free(first);
    free(uhash);
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
    size_t cap = union_ ? (size_t)(a->off[a->n] + b->off[b->n])
                        : (size_t)(a->off[a->n] < b->off[b->n] ? a->off[a->n] : b->off[b->n]);
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
