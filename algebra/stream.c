/*
 * algebra/stream.c - an Assoc from entries sorted by one axis (a table
 * scan); see assoc_stream.h.
 */
#define _GNU_SOURCE   /* qsort_r */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "assoc_stream.h"

/* An entry's inner key while sorting: its first 8 bytes big-endian (zero
 * padded, so that integer order is byte order), and the entry's index with
 * the key's length (at most LEN_MAX: longer ones count as LEN_MAX).  Keys
 * of up to 8 bytes are then compared and copied without looking at the
 * entry again (a cache miss each, in a chunk's random order). */
typedef struct {
    uint64_t pre;
    uint64_t ilen;   /* index | min(length, LEN_MAX) << IDX_BITS */
} sort_item;

#define IDX_BITS 40
#define LEN_MAX ((1u << 24) - 1)
#define ITEM_IDX(t) ((t).ilen & (((uint64_t)1 << IDX_BITS) - 1))
#define ITEM_LEN(t) ((size_t)((t).ilen >> IDX_BITS))

struct d4m_assoc_stream {
    d4m_kind kind;
    bool transposed;
    /* Outer keys that have entries: STR bytes (obuf, ooff) or NUM 0-based
     * positions (opos); ostart[i] is the first entry of outer key i. */
    d4m_buf obuf;
    uint64_t *ooff, *opos, *ostart;
    uint64_t no, ocap, omax;
    /* The outer key given last, not yet counted (no entry yet). */
    bool pending;
    d4m_buf pend;
    uint64_t pend_pos;
    /* Inner keys (STR): every entry's, ioff[k]..ioff[k+1] in ibuf (they are
     * sorted and deduplicated at the end, which on large chunks is cheaper
     * than a hash table per entry: a chunk's keys spread over tens of MB
     * of slots, and each lookup missed the cache).  NUM: imax, the largest
     * position. */
    d4m_buf ibuf;
    uint64_t *ioff;
    uint64_t imax;
    /* Scratch of the sort, kept between chunks (capacity sortcap items). */
    sort_item *sa, *sb;
    size_t sortcap;
    /* Entries: inner index (STR: the rank of the key once sorted; NUM:
     * position - 1) and value. */
    uint64_t *j;
    double *x;
    size_t n, cap;
    size_t hint;    /* entries of the last chunk: the first allocation's size */
    bool has_zero;
    /* String values: from the first one on, soff[k]..soff[k+1] are entry
     * k's bytes in sbuf (numbers: x is NaN for strings). */
    bool any_str;
    d4m_buf sbuf;
    uint64_t *soff;
    size_t first_str;   /* the first string entry (SIZE_MAX: none) */
    /* After d4m__stream_sort_inner (STR): the distinct inner keys sorted,
     * and j holding their ranks. */
    bool sorted;
    d4m_keys sik;
};

int d4m__stream_new(d4m_assoc_stream **out, d4m_kind kind, bool transposed)
{
    *out = NULL;
    d4m_assoc_stream *s = d4m__calloc(1, sizeof *s);
    if (!s)
        return D4M_ENOMEM;
    s->kind = kind;
    s->transposed = transposed;
    s->first_str = SIZE_MAX;
    s->sik.kind = kind;
    *out = s;
    return 0;
}

void d4m__stream_free(d4m_assoc_stream *s)
{
    if (!s)
        return;
    d4m__buf_free(&s->obuf);
    d4m__buf_free(&s->pend);
    d4m__buf_free(&s->ibuf);
    d4m__buf_free(&s->sbuf);
    free(s->ooff);
    free(s->opos);
    free(s->ostart);
    free(s->ioff);
    free(s->sa);
    free(s->sb);
    free(s->j);
    free(s->x);
    free(s->soff);
    d4m__keys_clear(&s->sik);
    free(s);
}

void d4m__stream_clear(d4m_assoc_stream *s)
{
    s->obuf.len = s->ibuf.len = s->sbuf.len = s->pend.len = 0;
    s->no = s->omax = s->imax = 0;
    s->n = 0;
    s->pending = false;
    s->has_zero = false;
    s->any_str = false;
    s->first_str = SIZE_MAX;
    if (s->sorted)
        d4m__keys_clear(&s->sik);
    s->sorted = false;
    s->sik.kind = s->kind;
}

size_t d4m__stream_count(const d4m_assoc_stream *s)
{
    return s->n;
}

static int check_pos(int64_t pos)
{
    if (pos < 1 || (double)pos > D4M__MAX_POSITION)
        return d4m__error(D4M_EKEY, "key %lld is %s: integer keys come back as Assoc "
                          "positions, which are whole numbers from 1 to 2^53",
                          (long long)pos, pos < 1 ? "below 1" : "above 2^53");
    return 0;
}

int d4m__stream_outer(d4m_assoc_stream *s, d4m_key key, int64_t pos)
{
    s->pending = true;
    if (s->kind == D4M_NUM) {
        D4M_TRY(check_pos(pos));
        s->pend_pos = (uint64_t)pos - 1;
        return 0;
    }
    s->pend.len = 0;
    return d4m__buf_put(&s->pend, key.ptr, key.len);
}

/* Count the pending outer key: it has its first entry now. */
static int commit_outer(d4m_assoc_stream *s)
{
    if (s->no + 1 >= s->ocap) {
        uint64_t cap = s->ocap ? 2 * s->ocap : 64;
        uint64_t *st = d4m__realloc(s->ostart, (size_t)(cap + 2) * sizeof *st);
        if (!st)
            return D4M_ENOMEM;
        s->ostart = st;
        if (s->kind == D4M_STR) {
            uint64_t *o = d4m__realloc(s->ooff, (size_t)(cap + 1) * sizeof *o);
            if (!o)
                return D4M_ENOMEM;
            s->ooff = o;
        } else {
            uint64_t *o = d4m__realloc(s->opos, (size_t)(cap + 1) * sizeof *o);
            if (!o)
                return D4M_ENOMEM;
            s->opos = o;
        }
        s->ocap = cap;
    }
    if (s->kind == D4M_STR) {
        if (s->no == 0)
            s->ooff[0] = 0;
        D4M_TRY(d4m__buf_put(&s->obuf, s->pend.p, s->pend.len));
        s->ooff[s->no + 1] = s->obuf.len;
    } else {
        s->opos[s->no] = s->pend_pos;
        if (s->pend_pos + 1 > s->omax)
            s->omax = s->pend_pos + 1;
    }
    s->ostart[s->no] = s->n;
    s->no++;
    s->pending = false;
    return 0;
}

/* Entry k's inner key (STR). */
static inline d4m_key inner_key(const d4m_assoc_stream *s, size_t k)
{
    return (d4m_key){ s->ibuf.p + s->ioff[k], (size_t)(s->ioff[k + 1] - s->ioff[k]) };
}

static int grow_entries(d4m_assoc_stream *s)
{
    size_t cap = s->cap ? 2 * s->cap : 256;
    if (cap < s->hint)
        cap = s->hint;   /* the next chunk is likely as large: no copies on the way */
    uint64_t *j = d4m__realloc(s->j, d4m__mul(cap, sizeof *j));
    if (!j)
        return D4M_ENOMEM;
    s->j = j;
    double *x = d4m__realloc(s->x, d4m__mul(cap, sizeof *x));
    if (!x)
        return D4M_ENOMEM;
    s->x = x;
    if (s->kind == D4M_STR) {
        uint64_t *o = d4m__realloc(s->ioff, d4m__mul(cap + 1, sizeof *o));
        if (!o)
            return D4M_ENOMEM;
        s->ioff = o;
    }
    if (s->soff) {
        uint64_t *o = d4m__realloc(s->soff, d4m__mul(cap + 1, sizeof *o));
        if (!o)
            return D4M_ENOMEM;
        s->soff = o;
    }
    s->cap = cap;
    return 0;
}

int d4m__stream_add(d4m_assoc_stream *s, d4m_key inner, int64_t pos, double v,
                    const d4m_key *sval)
{
    if (s->sorted)
        return d4m__error(D4M_EINVAL, "stream: an entry after the inner keys were sorted");
    if (s->pending)
        D4M_TRY(commit_outer(s));
    else if (s->no == 0)
        return d4m__error(D4M_EINVAL, "stream: an entry before any outer key");
    if (s->n == s->cap)
        D4M_TRY(grow_entries(s));
    uint64_t jj = 0;
    if (s->kind == D4M_NUM) {
        D4M_TRY(check_pos(pos));
        jj = (uint64_t)pos - 1;
        if (jj + 1 > s->imax)
            s->imax = jj + 1;
    } else {
        if (s->n == 0)
            s->ioff[0] = 0;
        D4M_TRY(d4m__buf_put(&s->ibuf, inner.ptr, inner.len));
        s->ioff[s->n + 1] = s->ibuf.len;
        jj = s->n;
    }
    if (sval && !s->any_str) {
        /* The first string: offsets from here on (numbers have none). */
        if (!s->soff) {
            s->soff = d4m__malloc(d4m__mul(s->cap + 1, sizeof *s->soff));
            if (!s->soff)
                return D4M_ENOMEM;
        }
        for (size_t k = 0; k <= s->n; k++)
            s->soff[k] = 0;
        s->any_str = true;
        s->first_str = s->n;
    }
    size_t k = s->n;
    s->j[k] = jj;
    if (sval) {
        s->x[k] = NAN;
        D4M_TRY(d4m__buf_put(&s->sbuf, sval->ptr, sval->len));
    } else {
        s->x[k] = v;
        s->has_zero |= v == 0;
    }
    if (s->any_str)
        s->soff[k + 1] = s->sbuf.len;
    s->n++;
    return 0;
}

/* The shortest "%.Ng" that reads back as x (as d4m/table.c always did). */
static int fmt_exact(char *buf, size_t cap, double x)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return n;
}

/* String values: every entry's text (numbers printed, but a numeric zero
 * has no text), deduplicated into a->val; x becomes the 1-based index (0 for
 * the empty string: no entry). */
static int string_values(d4m_assoc *a, d4m_assoc_stream *s)
{
    size_t n = s->n;
    d4m_buf text = { NULL, 0, 0 };
    uint64_t *to = d4m__malloc(d4m__mul(n + 1, sizeof *to));
    d4m_key *vk = d4m__malloc(d4m__mul(n, sizeof *vk));
    uint64_t *vi = d4m__malloc(d4m__mul(n, sizeof *vi));
    int rc = !to || !vk || !vi ? D4M_ENOMEM : 0;
    for (size_t k = 0; !rc && k < n; k++) {
        to[k] = text.len;
        if (s->x[k] == 0) {
            /* A stored numeric zero is no entry, in a chunk of strings as
             * in one of numbers: its text is empty. */
        } else if (!isnan(s->x[k])) {
            char num[40];
            int len = fmt_exact(num, sizeof num, s->x[k]);
            rc = d4m__buf_put(&text, num, (size_t)len);
        } else {
            rc = d4m__buf_put(&text, s->sbuf.p + s->soff[k], (size_t)(s->soff[k + 1] - s->soff[k]));
        }
    }
    if (!rc) {
        to[n] = text.len;
        for (size_t k = 0; k < n; k++)
            vk[k] = (d4m_key){ text.p + to[k], (size_t)(to[k + 1] - to[k]) };
        rc = d4m__keys_from_strings(&a->val, vi, vk, n);
    }
    if (!rc) {
        uint64_t empty = a->val.n && a->val.off[1] == 0 ? 0 : UINT64_MAX;
        for (size_t k = 0; k < n; k++) {
            s->x[k] = vi[k] == empty ? 0 : (double)(vi[k] + 1);
            s->has_zero |= vi[k] == empty;
        }
        a->vkind = D4M_STR;
    }
    free(to);
    free(vk);
    free(vi);
    d4m__buf_free(&text);
    return rc;
}

/* ---------------------------------------------------- sorting the keys */

/* The first 8 bytes of k, zero-padded, as a big-endian number: integer
 * order is byte order. */
static inline uint64_t key_prefix(d4m_key k)
{
    uint64_t v = 0;
    if (k.len >= 8) {
        memcpy(&v, k.ptr, 8);
    } else if (k.len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, k.ptr, 4);
        memcpy(&hi, k.ptr + k.len - 4, 4);
        v = (uint64_t)lo | ((uint64_t)hi << ((k.len - 4) * 8));
    } else if (k.len) {
        const unsigned char *u = (const unsigned char *)k.ptr;
        v = (uint64_t)u[0] | ((uint64_t)u[k.len / 2] << (k.len / 2 * 8)) |
            ((uint64_t)u[k.len - 1] << ((k.len - 1) * 8));
    }
    return __builtin_bswap64(v);
}

static int cmp_items(const void *x, const void *y, void *ctx)
{
    const sort_item *a = x, *b = y;
    const d4m_assoc_stream *s = ctx;
    if (a->pre != b->pre)
        return a->pre < b->pre ? -1 : 1;
    size_t la = ITEM_LEN(*a), lb = ITEM_LEN(*b);
    if (la <= 8 && lb <= 8)   /* the prefixes hold them whole */
        return la < lb ? -1 : la > lb;
    return d4m_key_cmp(inner_key(s, ITEM_IDX(*a)), inner_key(s, ITEM_IDX(*b)));
}

/* Items of one prefix: the same key? */
static inline bool same_key(const d4m_assoc_stream *s, sort_item a, sort_item b)
{
    size_t la = ITEM_LEN(a), lb = ITEM_LEN(b);
    if (la != lb)
        return false;
    return la <= 8 || d4m_key_cmp(inner_key(s, ITEM_IDX(a)), inner_key(s, ITEM_IDX(b))) == 0;
}

static int sort_scratch(d4m_assoc_stream *s, size_t n, bool both)
{
    if (n > s->sortcap || (both && !s->sb)) {
        size_t cap = n > s->sortcap ? n : s->sortcap;
        sort_item *a = d4m__realloc(s->sa, d4m__mul(cap, sizeof *a));
        if (!a)
            return D4M_ENOMEM;
        s->sa = a;
        if (both || s->sb) {
            sort_item *b = d4m__realloc(s->sb, d4m__mul(cap, sizeof *b));
            if (!b)
                return D4M_ENOMEM;
            s->sb = b;
        }
        s->sortcap = cap;
    }
    return 0;
}

/* The entries' inner keys sorted: *out the distinct ones, j[k] the rank of
 * entry k's.  Keys that come in order (one row's, or one column's read
 * through the transpose) are only deduplicated; a few are sorted by
 * comparison; otherwise an LSD radix sort on the first 8 bytes (passes
 * whose byte is the same for every key skipped), then runs of one prefix
 * that hold different keys by full comparison. */
static int sort_entries(d4m_assoc_stream *s, d4m_keys *out)
{
    size_t n = s->n;
    if ((uint64_t)n >= (uint64_t)1 << IDX_BITS)
        return d4m__error(D4M_ETOOBIG, "more than 2^%d entries in one chunk", IDX_BITS);
    D4M_TRY(sort_scratch(s, n, false));
    sort_item *a = s->sa;
    bool ordered = true;
    uint64_t first = key_prefix(inner_key(s, 0)), diff = 0;
    for (size_t k = 0; k < n; k++) {
        d4m_key key = inner_key(s, k);
        uint64_t pre = key_prefix(key);
        a[k].pre = pre;
        a[k].ilen = (uint64_t)k | (uint64_t)(key.len < LEN_MAX ? key.len : LEN_MAX) << IDX_BITS;
        diff |= pre ^ first;
        if (ordered && k)
            ordered = cmp_items(&a[k - 1], &a[k], s) <= 0;
    }
    if (!ordered && n <= 32) {
        qsort_r(a, n, sizeof *a, cmp_items, s);
        ordered = true;
    }
    if (!ordered) {
        D4M_TRY(sort_scratch(s, n, true));
        a = s->sa;
        int bytes[8], nb = 0;
        for (int b = 0; b < 8; b++)
            if ((diff >> (8 * b)) & 255)
                bytes[nb++] = b;
        static const size_t zero[256];
        size_t (*cnt)[256] = d4m__malloc(d4m__mul((size_t)(nb ? nb : 1), sizeof *cnt));
        if (!cnt)
            return D4M_ENOMEM;
        for (int i = 0; i < nb; i++)
            memcpy(cnt[i], zero, sizeof zero);
        for (size_t k = 0; k < n; k++)
            for (int i = 0; i < nb; i++)
                cnt[i][(a[k].pre >> (8 * bytes[i])) & 255]++;
        sort_item *src = a, *dst = s->sb;
        for (int i = 0; i < nb; i++) {
            size_t sum = 0;
            for (int v = 0; v < 256; v++) {
                size_t c = cnt[i][v];
                cnt[i][v] = sum;
                sum += c;
            }
            int sh = 8 * bytes[i];
            for (size_t k = 0; k < n; k++)
                dst[cnt[i][(src[k].pre >> sh) & 255]++] = src[k];
            sort_item *t = src;
            src = dst;
            dst = t;
        }
        free(cnt);
        /* Runs of one prefix: equal keys, unless some are longer than 8
         * bytes or differ only in trailing NUL bytes. */
        for (size_t i = 0; i < n;) {
            size_t e = i + 1;
            bool same = true;
            for (; e < n && src[e].pre == src[i].pre; e++)
                same = same && same_key(s, src[i], src[e]);
            if (!same)
                qsort_r(src + i, e - i, sizeof *src, cmp_items, s);
            i = e;
        }
        a = src;
    }
    /* Ranks, and the distinct keys (shrunk to size at the end). */
    out->kind = D4M_STR;
    out->n = 0;
    out->off = d4m__malloc(d4m__mul(n + 1, sizeof *out->off));
    out->buf = d4m__malloc(s->ibuf.len + 8);   /* 8: a short key is copied as 8 bytes */
    if (!out->off || !out->buf) {
        d4m__keys_clear(out);
        return D4M_ENOMEM;
    }
    uint64_t r = 0;
    size_t pos = 0;
    out->off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || a[i].pre != a[i - 1].pre || !same_key(s, a[i - 1], a[i])) {
            size_t len = ITEM_LEN(a[i]);
            if (len <= 8) {
                uint64_t be = __builtin_bswap64(a[i].pre);
                memcpy(out->buf + pos, &be, 8);   /* room: see the allocation */
            } else {
                d4m_key k = inner_key(s, ITEM_IDX(a[i]));
                memcpy(out->buf + pos, k.ptr, k.len);
                len = k.len;
            }
            pos += len;
            out->off[++r] = pos;
        }
        s->j[ITEM_IDX(a[i])] = r - 1;
    }
    out->n = r;
    uint64_t *o = d4m__realloc(out->off, (size_t)(r + 1) * sizeof *o);
    if (o)
        out->off = o;
    char *bb = d4m__realloc(out->buf, pos ? pos : 1);
    if (bb)
        out->buf = bb;
    return 0;
}

int d4m__stream_sort_inner(d4m_assoc_stream *s)
{
    if (s->kind != D4M_STR || s->sorted)
        return 0;
    d4m_keys ik = { D4M_STR, 0, NULL, NULL };
    if (s->n)
        D4M_TRY(sort_entries(s, &ik));
    d4m__keys_clear(&s->sik);
    s->sik = ik;
    s->sorted = true;
    return 0;
}

/* The largest i < no with ostart[i] <= k: the outer key of entry k. */
static uint64_t outer_of(const d4m_assoc_stream *s, size_t k)
{
    uint64_t lo = 0, hi = s->no;   /* ostart[lo] <= k < ostart[hi] (hi: none) */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s->ostart[mid] <= k)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int d4m__stream_entry(const d4m_assoc_stream *s, size_t k, d4m_key *outer, int64_t *opos,
                      d4m_key *inner, int64_t *ipos)
{
    if (k >= s->n || s->sorted)
        return d4m__error(D4M_EINVAL, "stream: no entry %zu", k);
    uint64_t i = outer_of(s, k);
    if (s->kind == D4M_STR) {
        *outer = (d4m_key){ s->obuf.p + s->ooff[i], (size_t)(s->ooff[i + 1] - s->ooff[i]) };
        *inner = inner_key(s, k);
        *opos = *ipos = 0;
    } else {
        *outer = *inner = (d4m_key){ NULL, 0 };
        *opos = (int64_t)s->opos[i] + 1;
        *ipos = (int64_t)s->j[k] + 1;
    }
    return 0;
}

int d4m__stream_truncate(d4m_assoc_stream *s, size_t n)
{
    if (s->sorted)
        return d4m__error(D4M_EINVAL, "stream: truncated after sorting");
    if (n >= s->n)
        return 0;
    s->pending = false;
    if (n == 0) {
        d4m__stream_clear(s);
        return 0;
    }
    /* Outer keys that keep an entry. */
    uint64_t no = outer_of(s, n - 1) + 1;
    s->no = no;
    if (s->kind == D4M_STR)
        s->obuf.len = (size_t)s->ooff[no];
    else
        s->omax = s->opos[no - 1] + 1;
    /* NUM: the largest position kept; STR: the kept entries' key bytes. */
    uint64_t jmax = 0;
    bool zero = false;
    for (size_t k = 0; k < n; k++) {
        if (s->kind == D4M_NUM && s->j[k] > jmax)
            jmax = s->j[k];
        zero |= s->x[k] == 0;
    }
    s->has_zero = zero;
    if (s->kind == D4M_STR)
        s->ibuf.len = (size_t)s->ioff[n];
    else
        s->imax = jmax + 1;
    if (s->any_str) {
        if (s->first_str >= n) {
            s->any_str = false;
            s->first_str = SIZE_MAX;
            s->sbuf.len = 0;
        } else {
            s->sbuf.len = (size_t)s->soff[n];
        }
    }
    s->n = n;
    return 0;
}

/* The union of two sorted distinct key sets; ma[i] / mb[i]: the place of
 * a's / b's key i in it. */
static int merge_keys(d4m_keys *out, uint64_t *ma, uint64_t *mb, const d4m_keys *a,
                      const d4m_keys *b)
{
    uint64_t na = a->n, nb = b->n;
    size_t bytes = (na ? (size_t)a->off[na] : 0) + (nb ? (size_t)b->off[nb] : 0);
    out->kind = D4M_STR;
    out->n = 0;
    out->off = d4m__malloc(d4m__mul((size_t)(na + nb) + 1, sizeof *out->off));
    out->buf = d4m__malloc(bytes + 8);   /* 8: a short key is copied as 8 bytes */
    if (!out->off || !out->buf) {
        d4m__keys_clear(out);
        return D4M_ENOMEM;
    }
    uint64_t i = 0, j = 0, r = 0;
    size_t pos = 0;
    out->off[0] = 0;
    /* The keys at i and j, and their prefixes: most steps compare those. */
    d4m_key ka = na ? d4m__keys_at(a, 0) : (d4m_key){ NULL, 0 };
    d4m_key kb = nb ? d4m__keys_at(b, 0) : (d4m_key){ NULL, 0 };
    uint64_t pa = na ? key_prefix(ka) : 0, pb = nb ? key_prefix(kb) : 0;
    while (i < na || j < nb) {
        int c;
        if (j == nb)
            c = -1;
        else if (i == na)
            c = 1;
        else if (pa != pb)
            c = pa < pb ? -1 : 1;
        else if (ka.len <= 8 && kb.len <= 8)
            c = (ka.len > kb.len) - (ka.len < kb.len);
        else
            c = d4m_key_cmp(ka, kb);
        d4m_key k = c <= 0 ? ka : kb;
        uint64_t pre = c <= 0 ? pa : pb;
        if (k.len <= 8) {
            uint64_t be = __builtin_bswap64(pre);
            memcpy(out->buf + pos, &be, 8);
        } else {
            memcpy(out->buf + pos, k.ptr, k.len);
        }
        pos += k.len;
        out->off[++r] = pos;
        if (c <= 0) {
            ma[i++] = r - 1;
            if (i < na) {
                ka = d4m__keys_at(a, i);
                pa = key_prefix(ka);
            }
        }
        if (c >= 0) {
            mb[j++] = r - 1;
            if (j < nb) {
                kb = d4m__keys_at(b, j);
                pb = key_prefix(kb);
            }
        }
    }
    out->n = r;
    return 0;
}

int d4m__stream_append(d4m_assoc_stream *s, d4m_assoc_stream *s2)
{
    if (s->kind != s2->kind || s->transposed != s2->transposed)
        return d4m__error(D4M_EINVAL, "stream: appending a stream of another kind");
    if (s2->n == 0) {
        d4m__stream_clear(s2);
        return 0;
    }
    if (s->n == 0) {
        /* Nothing of s's own is kept: s becomes s2 (buffers swapped). */
        d4m_assoc_stream tmp = *s;
        *s = *s2;
        *s2 = tmp;
        d4m__stream_clear(s2);
        return 0;
    }
    s->pending = false;   /* an outer key without entries: none */
    D4M_TRY(d4m__stream_sort_inner(s));
    D4M_TRY(d4m__stream_sort_inner(s2));
    size_t n1 = s->n, n2 = s2->n;
    while (s->cap < n1 + n2)
        D4M_TRY(grow_entries(s));
    /* Inner keys: the union, and both streams' ranks mapped into it. */
    uint64_t *m2 = NULL;
    if (s->kind == D4M_STR) {
        uint64_t *m1 = d4m__malloc(d4m__mul((size_t)s->sik.n + 1, sizeof *m1));
        m2 = d4m__malloc(d4m__mul((size_t)s2->sik.n + 1, sizeof *m2));
        d4m_keys u = { D4M_STR, 0, NULL, NULL };
        int rc = !m1 || !m2 ? D4M_ENOMEM : merge_keys(&u, m1, m2, &s->sik, &s2->sik);
        if (rc) {
            free(m1);
            free(m2);
            return rc;
        }
        if (u.n != s->sik.n)   /* else every key of s keeps its rank */
            for (size_t k = 0; k < n1; k++)
                s->j[k] = m1[s->j[k]];
        free(m1);
        d4m__keys_clear(&s->sik);
        s->sik = u;
    } else if (s2->imax > s->imax) {
        s->imax = s2->imax;
    }
    /* Outer keys: s2's follow s's; one both hold (a row cut in two) is
     * counted once. */
    uint64_t skip = 0;
    if (s->kind == D4M_STR) {
        size_t l1 = (size_t)(s->ooff[s->no] - s->ooff[s->no - 1]);
        size_t l2 = (size_t)(s2->ooff[1] - s2->ooff[0]);
        skip = l1 == l2 && memcmp(s->obuf.p + s->ooff[s->no - 1], s2->obuf.p, l1) == 0;
    } else {
        skip = s->opos[s->no - 1] == s2->opos[0];
    }
    int rc = 0;
    for (uint64_t i = skip; !rc && i < s2->no; i++) {
        if (s->kind == D4M_STR) {
            s->pend.len = 0;
            rc = d4m__buf_put(&s->pend, s2->obuf.p + s2->ooff[i],
                              (size_t)(s2->ooff[i + 1] - s2->ooff[i]));
        } else {
            s->pend_pos = s2->opos[i];
        }
        if (!rc) {
            uint64_t at = s->n;
            s->n = n1 + s2->ostart[i];   /* commit_outer records s->n */
            rc = commit_outer(s);
            s->n = at;
        }
    }
    if (rc) {
        free(m2);
        return rc;
    }
    /* Entries. */
    for (size_t k = 0; k < n2; k++)
        s->j[n1 + k] = m2 ? m2[s2->j[k]] : s2->j[k];
    memcpy(s->x + n1, s2->x, n2 * sizeof *s->x);
    free(m2);
    if (s2->any_str || s->any_str) {
        if (!s->any_str) {
            if (!s->soff) {
                s->soff = d4m__malloc(d4m__mul(s->cap + 1, sizeof *s->soff));
                if (!s->soff)
                    return D4M_ENOMEM;
            }
            for (size_t k = 0; k <= n1; k++)
                s->soff[k] = 0;
            s->any_str = true;
            s->sbuf.len = 0;
            s->first_str = n1 + s2->first_str;
        }
        uint64_t base = s->sbuf.len;
        if (s2->any_str && s2->sbuf.len)
            D4M_TRY(d4m__buf_put(&s->sbuf, s2->sbuf.p, s2->sbuf.len));
        for (size_t k = 0; k < n2; k++)
            s->soff[n1 + k + 1] = base + (s2->any_str ? s2->soff[k + 1] : 0);
    }
    s->has_zero |= s2->has_zero;
    s->n = n1 + n2;
    s2->hint = n2;
    d4m__stream_clear(s2);
    return 0;
}

int d4m__stream_finish(d4m_assoc **out, d4m_assoc_stream *s)
{
    *out = NULL;
    if (s->n == 0) {
        d4m__stream_clear(s);
        return d4m_assoc_new_empty(out);
    }
    D4M_TRY(d4m__init());
    d4m_assoc *a = d4m__assoc_alloc();
    if (!a)
        return D4M_ENOMEM;
    d4m_keys ok = { s->kind, 0, NULL, NULL }, ik = { s->kind, 0, NULL, NULL };
    d4m_csr c;
    memset(&c, 0, sizeof c);
    GrB_Matrix m = NULL, mt = NULL;
    int rc = 0;
    /* Inner keys: the distinct ones sorted, and the entries' indices
     * mapped to their ranks (unless d4m__stream_sort_inner did it). */
    if (s->kind == D4M_STR) {
        if (!s->sorted)
            rc = d4m__stream_sort_inner(s);
        if (!rc) {
            ik = s->sik;
            s->sik = (d4m_keys){ s->kind, 0, NULL, NULL };
            s->sorted = false;
        }
        /* Outer keys: as they came (sorted, distinct). */
        if (!rc) {
            ok.n = s->no;
            ok.off = d4m__malloc(d4m__mul((size_t)s->no + 1, sizeof *ok.off));
            ok.buf = d4m__malloc(s->obuf.len ? s->obuf.len : 1);
            rc = !ok.off || !ok.buf ? D4M_ENOMEM : 0;
            if (!rc) {
                memcpy(ok.off, s->ooff, (size_t)(s->no + 1) * sizeof *ok.off);
                if (s->obuf.len)
                    memcpy(ok.buf, s->obuf.p, s->obuf.len);
            }
        }
    } else {
        ok.n = s->omax;
        ik.n = s->imax;
    }
    if (!rc && s->any_str)
        rc = string_values(a, s);
    /* One outer key read through a transpose (a column query): its inner
     * keys, in order, are the rows of the answer, one entry each, so the
     * answer is built as it is (flip) instead of transposed afterwards. */
    bool flip = !rc && s->transposed && s->no == 1;
    for (uint64_t t = 1; flip && t < s->n; t++)
        flip = s->j[t - 1] < s->j[t];
    /* The CSR arrays: rows = outer keys, j and x handed over; flipped, rows
     * = the inner positions (j, handed over as h) and one column. */
    if (!rc) {
        uint64_t nvec = flip ? s->n : s->no;
        c.nrows = flip ? ik.n : ok.n;
        c.ncols = flip ? ok.n : ik.n;
        c.nvec = nvec;
        c.p_size = (size_t)(nvec + 2) * sizeof *c.p;
        c.p = d4m__malloc(c.p_size);
        if (flip) {
            c.h = s->j;
            c.h_size = s->cap * sizeof *c.h;
            c.j_size = (size_t)(s->n ? s->n : 1) * sizeof *c.j;
            c.j = d4m__malloc(c.j_size);
        } else {
            c.h_size = (size_t)(s->no ? s->no : 1) * sizeof *c.h;
            c.h = d4m__malloc(c.h_size);
            c.j = s->j;
            c.j_size = s->cap * sizeof *c.j;
        }
        s->j = NULL;
        rc = !c.p || !c.h || !c.j ? D4M_ENOMEM : 0;
    }
    if (!rc) {
        if (flip) {
            uint64_t col = s->kind == D4M_STR ? 0 : s->opos[0];
            for (uint64_t t = 0; t <= s->n; t++)
                c.p[t] = t;
            for (uint64_t t = 0; t < s->n; t++)
                c.j[t] = col;
        } else {
            memcpy(c.p, s->ostart, (size_t)s->no * sizeof *c.p);
            c.p[s->no] = s->n;
            for (uint64_t i = 0; i < s->no; i++)
                c.h[i] = s->kind == D4M_STR ? i : s->opos[i];
        }
        c.x = s->x;
        c.x_size = s->cap * sizeof *c.x;
        c.jumbled = false;
        s->x = NULL;
        s->cap = 0;
        free(s->soff);
        s->soff = NULL;
        rc = d4m__csr_pack(&m, &c);   /* frees the arrays on failure */
    } else {
        d4m__csr_free(&c);
    }
    if (!rc && s->transposed && !flip) {
        rc = D4M_GRB(GrB_Matrix_new(&mt, GrB_FP64, ik.n, ok.n));
        if (!rc)
            rc = D4M_GRB(GrB_transpose(mt, NULL, NULL, m, NULL));
        GrB_Matrix_free(&m);
        m = mt;
        mt = NULL;
    }
    bool zeros = s->has_zero;
    s->hint = s->n;
    d4m__stream_clear(s);
    if (rc) {
        GrB_Matrix_free(&m);
        GrB_Matrix_free(&mt);
        d4m__keys_clear(&ok);
        d4m__keys_clear(&ik);
        d4m_assoc_free(a);
        return rc;
    }
    a->row = s->transposed ? ik : ok;
    a->col = s->transposed ? ok : ik;
    a->m = m;
    /* Every key and value string has an entry by construction: only zeros
     * (a sum that came to 0, an empty string value) need the full check. */
    if (zeros)
        return d4m__assoc_finish(out, a, true);
    *out = a;
    return 0;
}
