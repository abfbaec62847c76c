/*
 * algebra/query.c - the D4M query grammar: parsing, and evaluation over the
 * sorted keys of an Assoc.  The store (d4m/) turns the same terms into
 * RocksDB seeks, so a query is a flat list of terms with borrowed bounds.
 *
 *   query  := ":"                          (exactly one byte)
 *           | item+                        (each item ends with the separator,
 *                                           the query's last byte)
 *   item   := key ":" key                  inclusive range ("end" = open above)
 *           | ":" key                      open below (first item only)
 *           | key "*"                      prefix
 *           | key
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct d4m_query {
    size_t n;
    d4m_term *t;
    char *text;     /* owned copy the terms point into */
    size_t text_len;
    int all;
};

void d4m_query_free(d4m_query *q)
{
    if (!q)
        return;
    free(q->t);
    free(q->text);
    free(q);
}

static d4m_query *query_new(size_t nterms, size_t textlen)
{
    d4m_query *q = d4m__calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->t = d4m__calloc(nterms ? nterms : 1, sizeof *q->t);
    q->text = d4m__malloc(textlen ? textlen : 1);
    if (!q->t || !q->text) {
        d4m_query_free(q);
        return NULL;
    }
    q->text_len = textlen;
    return q;
}

/* A key of a term of q, pointed into copy's text instead. */
static d4m_key rebase(d4m_key k, const d4m_query *q, const d4m_query *copy)
{
    if (k.ptr && k.ptr >= q->text && k.ptr <= q->text + q->text_len)
        k.ptr = copy->text + (k.ptr - q->text);
    return k;
}

int d4m_query_copy(d4m_query **out, const d4m_query *q)
{
    if (out)
        *out = NULL;
    if (!out || !q)
        return d4m__error(D4M_EINVAL, "d4m_query_copy: NULL argument");
    d4m_query *c = query_new(q->n, q->text_len);
    if (!c)
        return D4M_ENOMEM;
    if (q->text_len)
        memcpy(c->text, q->text, q->text_len);
    for (size_t i = 0; i < q->n; i++) {
        c->t[i] = q->t[i];
        c->t[i].lo = rebase(q->t[i].lo, q, c);
        c->t[i].hi = rebase(q->t[i].hi, q, c);
    }
    c->n = q->n;
    c->all = q->all;
    *out = c;
    return 0;
}

size_t d4m_query_term_count(const d4m_query *q) { return q ? q->n : 0; }
int d4m_query_is_all(const d4m_query *q) { return !q || q->all; }

const d4m_term *d4m_query_term(const d4m_query *q, size_t i)
{
    return (q && i < q->n) ? &q->t[i] : NULL;
}

int d4m_query_all(d4m_query **out)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_query_all: out is NULL");
    d4m_query *q = query_new(1, 1);
    if (!(*out = q))
        return D4M_ENOMEM;
    q->n = 1;
    q->t[0].kind = D4M_TERM_ALL;
    q->all = 1;
    return 0;
}

static int is_colon(d4m_key k) { return k.len == 1 && k.ptr[0] == ':'; }
static int is_end(d4m_key k) { return k.len == 3 && memcmp(k.ptr, "end", 3) == 0; }

int d4m_query_parse(d4m_query **out, d4m_key text)
{
    if (!out || (!text.ptr && text.len))
        return d4m__error(D4M_EINVAL, "d4m_query_parse: NULL argument");
    *out = NULL;
    if (text.len == 0)
        return d4m__error_at(D4M_EPARSE, 0, "empty query: use ':' for everything, or keys "
                             "each followed by a separator, e.g. 'a b '");
    if (text.len == 1 && text.ptr[0] == ':')
        return d4m_query_all(out);
    unsigned char sep = (unsigned char)text.ptr[text.len - 1];
    if ((sep >= '0' && sep <= '9') || (sep >= 'A' && sep <= 'Z') || (sep >= 'a' && sep <= 'z') ||
        sep == '*')
        return d4m__error_at(D4M_EPARSE, (long)text.len - 1,
                             "query must end with its separator, e.g. 'a b ' or 'a,:,b,'; "
                             "it ends in '%c'", sep);

    d4m_query *q = query_new(text.len, text.len);
    if (!q)
        return D4M_ENOMEM;
    memcpy(q->text, text.ptr, text.len);

    /* Tokens: views into q->text, with their offsets. */
    size_t ntok = 0;
    for (size_t i = 0; i < text.len; i++)
        ntok += (unsigned char)text.ptr[i] == sep;
    d4m_key *tok = d4m__malloc(d4m__mul(ntok, sizeof *tok));
    size_t *off = d4m__malloc(d4m__mul(ntok, sizeof *off));
    if (!tok || !off) {
        free(tok);
        free(off);
        d4m_query_free(q);
        return D4M_ENOMEM;
    }
    size_t start = 0, m = 0;
    for (size_t i = 0; i < text.len; i++) {
        if ((unsigned char)text.ptr[i] == sep) {
            tok[m].ptr = q->text + start;
            tok[m].len = i - start;
            off[m] = start;
            m++;
            start = i + 1;
        }
    }

    int rc = 0;
    size_t i = 0;
    while (i < ntok) {
        d4m_term *t = &q->t[q->n];
        memset(t, 0, sizeof *t);
        if (is_colon(tok[i])) {
            if (i != 0) {
                rc = d4m__error_at(D4M_EPARSE, (long)off[i],
                                   "':' at byte %zu has no key before it; a range is "
                                   "'a : b '", off[i]);
                break;
            }
            if (i + 1 >= ntok || is_colon(tok[i + 1])) {
                rc = d4m__error_at(D4M_EPARSE, (long)off[i],
                                   "':' at byte %zu has no key after it", off[i]);
                break;
            }
            t->kind = D4M_TERM_RANGE;
            t->lo_open = 1;
            t->hi = tok[i + 1];
            t->hi_open = is_end(tok[i + 1]);
            if (t->hi_open)
                t->kind = D4M_TERM_ALL;
            i += 2;
        } else if (i + 1 < ntok && is_colon(tok[i + 1])) {
            if (i + 2 >= ntok || is_colon(tok[i + 2])) {
                rc = d4m__error_at(D4M_EPARSE, (long)off[i + 1],
                                   "range at byte %zu has no upper key; write 'a : b ' "
                                   "or 'a : end '", off[i + 1]);
                break;
            }
            t->kind = D4M_TERM_RANGE;
            t->lo = tok[i];
            t->hi = tok[i + 2];
            t->hi_open = is_end(tok[i + 2]);
            i += 3;
            if (i < ntok && is_colon(tok[i])) {
                rc = d4m__error_at(D4M_EPARSE, (long)off[i],
                                   "ranges do not chain: ':' at byte %zu follows a range",
                                   off[i]);
                break;
            }
        } else if (tok[i].len && tok[i].ptr[tok[i].len - 1] == '*') {
            t->kind = D4M_TERM_PREFIX;
            t->lo = tok[i];
            t->lo.len--;
            i++;
        } else {
            t->kind = D4M_TERM_KEY;
            t->lo = tok[i];
            i++;
        }
        if (t->kind == D4M_TERM_ALL)
            q->all = 1;
        q->n++;
    }
    free(tok);
    free(off);
    if (rc) {
        d4m_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

int d4m_query_keys(d4m_query **out, const d4m_key *keys, size_t n)
{
    if (!out || (!keys && n))
        return d4m__error(D4M_EINVAL, "d4m_query_keys: NULL argument");
    *out = NULL;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i].ptr && keys[i].len)
            return d4m__error(D4M_EINVAL, "d4m_query_keys: key %zu has NULL bytes", i);
        bytes += keys[i].len;
    }
    d4m_query *q = query_new(n, bytes);
    if (!q)
        return D4M_ENOMEM;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (keys[i].len)
            memcpy(q->text + pos, keys[i].ptr, keys[i].len);
        q->t[i].kind = D4M_TERM_KEY;
        q->t[i].lo.ptr = q->text + pos;
        q->t[i].lo.len = keys[i].len;
        pos += keys[i].len;
    }
    q->n = n;
    *out = q;
    return 0;
}

int d4m_query_starts_with(d4m_query **out, d4m_key list)
{
    if (!out)
        return d4m__error(D4M_EINVAL, "d4m_query_starts_with: out is NULL");
    *out = NULL;
    if (!list.ptr && list.len)
        return d4m__error(D4M_EINVAL, "d4m_query_starts_with: NULL list");
    d4m_key *items;
    size_t n;
    if (list.len == 0)
        return d4m__error_at(D4M_EPARSE, 0, "StartsWith: empty list; give prefixes each "
                             "followed by a separator, e.g. 'al bo '");
    unsigned char sep = (unsigned char)list.ptr[list.len - 1];
    if ((sep >= '0' && sep <= '9') || (sep >= 'A' && sep <= 'Z') || (sep >= 'a' && sep <= 'z'))
        return d4m__error_at(D4M_EPARSE, (long)list.len - 1,
                             "StartsWith: the list must end with its separator, e.g. 'al '; "
                             "it ends in '%c'", sep);
    D4M_TRY(d4m_list_split(&items, &n, list));
    int rc = d4m_query_keys(out, items, n);
    free(items);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        (*out)->t[i].kind = D4M_TERM_PREFIX;
    return 0;
}

int d4m_query_positions(d4m_query **out, const uint64_t *pos, size_t n)
{
    if (!out || (!pos && n))
        return d4m__error(D4M_EINVAL, "d4m_query_positions: NULL argument");
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (pos[i] == 0)
            return d4m__error(D4M_EINVAL, "position %zu is 0; positions start at 1", i);
    d4m_query *q = query_new(n, 1);
    if (!q)
        return D4M_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        q->t[i].kind = D4M_TERM_POSITION;
        q->t[i].pos = pos[i];
    }
    q->n = n;
    *out = q;
    return 0;
}

/* --------------------------------------------------------- evaluation */

typedef struct {
    uint64_t lo, hi;   /* [lo, hi) */
} span;

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return (x->hi > y->hi) - (x->hi < y->hi);
}

static int starts_with(d4m_key k, d4m_key p)
{
    return k.len >= p.len && (p.len == 0 || memcmp(k.ptr, p.ptr, p.len) == 0);
}

/* A numeric-axis key: a whole number, else a parse error. */
static int num_key(uint64_t *v, d4m_key k)
{
    double x = 0;
    int r = d4m_parse_number(&x, k);   /* as the readers: no hex, no blanks */
    if (r < 0)
        return r;
    if (r == 0 || x != floor(x))
        goto bad;
    *v = x < 1 ? 0 : x > D4M__MAX_POSITION ? (uint64_t)D4M__MAX_POSITION : (uint64_t)x;
    return 0;
bad:
    return d4m__error(D4M_EPARSE, "'%.*s' is not a position; this axis has numeric keys",
                      (int)(k.len > 40 ? 40 : k.len), k.ptr ? k.ptr : "");
}

/* The spans of one term over keys k. */
static int term_span(span *s, const d4m_term *t, const d4m_keys *k)
{
    s->lo = s->hi = 0;
    switch (t->kind) {
    case D4M_TERM_ALL:
        s->hi = k->n;
        return 0;
    case D4M_TERM_POSITION:
        if (t->pos >= 1 && t->pos <= k->n) {
            s->lo = t->pos - 1;
            s->hi = t->pos;
        }
        return 0;
    default:
        break;
    }
    if (k->kind == D4M_NUM) {
        uint64_t lo = 1, hi = k->n;
        if (t->kind == D4M_TERM_PREFIX)
            return d4m__error(D4M_EPARSE, "prefix query on an axis of numeric keys");
        if (t->kind == D4M_TERM_KEY) {
            D4M_TRY(num_key(&lo, t->lo));
            hi = lo;
        } else {
            if (!t->lo_open)
                D4M_TRY(num_key(&lo, t->lo));
            if (!t->hi_open)
                D4M_TRY(num_key(&hi, t->hi));
        }
        if (lo < 1)
            lo = 1;
        if (hi > k->n)
            hi = k->n;
        if (lo <= hi) {
            s->lo = lo - 1;
            s->hi = hi;
        }
        return 0;
    }
    switch (t->kind) {
    case D4M_TERM_KEY: {
        int64_t i = d4m__keys_find(k, t->lo);
        if (i >= 0) {
            s->lo = (uint64_t)i;
            s->hi = (uint64_t)i + 1;
        }
        return 0;
    }
    case D4M_TERM_RANGE:
        s->lo = t->lo_open ? 0 : d4m__keys_lower(k, t->lo);
        s->hi = t->hi_open ? k->n : d4m__keys_upper(k, t->hi);
        if (s->hi < s->lo)
            s->hi = s->lo;
        return 0;
    case D4M_TERM_PREFIX: {
        uint64_t lo = d4m__keys_lower(k, t->lo), hi = k->n;
        /* Keys with the prefix are contiguous from lo: find where they end. */
        uint64_t a = lo, b = k->n;
        while (a < b) {
            uint64_t mid = a + (b - a) / 2;
            if (starts_with(d4m__keys_at(k, mid), t->lo))
                a = mid + 1;
            else
                b = mid;
        }
        hi = a;
        s->lo = lo;
        s->hi = hi;
        return 0;
    }
    default:
        return d4m__error(D4M_EINVAL, "unknown query term kind %d", (int)t->kind);
    }
}

/* Selected indices of keys k, ascending and unique. *all = 1 when every key
 * is selected (idx is then NULL). */
static int select_keys(uint64_t **idx, uint64_t *n, int *all, const d4m_query *q,
                       const d4m_keys *k)
{
    *idx = NULL;
    *n = 0;
    *all = 0;
    if (!q || q->all) {
        *all = 1;
        *n = k->n;
        return 0;
    }
    span *s = d4m__malloc(d4m__mul(q->n, sizeof *s));
    if (!s)
        return D4M_ENOMEM;
    size_t ns = 0;
    for (size_t i = 0; i < q->n; i++) {
        int rc = term_span(&s[ns], &q->t[i], k);
        if (rc) {
            free(s);
            return rc;
        }
        if (s[ns].hi > s[ns].lo)
            ns++;
    }
    qsort(s, ns, sizeof *s, cmp_span);
    /* Merge overlapping spans and count. */
    size_t m = 0;
    for (size_t i = 0; i < ns; i++) {
        if (m && s[i].lo <= s[m - 1].hi) {
            if (s[i].hi > s[m - 1].hi)
                s[m - 1].hi = s[i].hi;
        } else {
            s[m++] = s[i];
        }
    }
    uint64_t total = 0;
    for (size_t i = 0; i < m; i++)
        total += s[i].hi - s[i].lo;
    if (total == k->n && k->n) {
        free(s);
        *all = 1;
        *n = k->n;
        return 0;
    }
    uint64_t *out = d4m__malloc(d4m__mul((size_t)total, sizeof *out));
    if (!out) {
        free(s);
        return D4M_ENOMEM;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < m; i++)
        for (uint64_t j = s[i].lo; j < s[i].hi; j++)
            out[w++] = j;
    free(s);
    *idx = out;
    *n = total;
    return 0;
}

int d4m_query_select(uint64_t **idx, size_t *n, const d4m_query *q,
                     const d4m_assoc *a, int dim)
{
    if (!idx || !n || !a || (dim != 1 && dim != 2))
        return d4m__error(D4M_EINVAL, "d4m_query_select: bad argument");
    const d4m_keys *k = dim == 1 ? &a->row : &a->col;
    uint64_t *sel, cnt;
    int all;
    D4M_TRY(select_keys(&sel, &cnt, &all, q, k));
    if (all) {
        sel = d4m__malloc(d4m__mul((size_t)cnt, sizeof *sel));
        if (!sel)
            return D4M_ENOMEM;
        for (uint64_t i = 0; i < cnt; i++)
            sel[i] = i;
    }
    *idx = sel;
    *n = (size_t)cnt;
    return 0;
}

/* Keys k restricted to the ascending indices sel. */
static int keys_pick(d4m_keys *out, const d4m_keys *k, const uint64_t *sel, uint64_t n)
{
    if (k->kind == D4M_NUM) {
        *out = (d4m_keys){ D4M_NUM, n, NULL, NULL };
        return 0;
    }
    uint8_t *keep = d4m__calloc((size_t)k->n, 1);
    if (!keep)
        return D4M_ENOMEM;
    for (uint64_t i = 0; i < n; i++)
        keep[sel[i]] = 1;
    int rc = d4m__keys_subset(out, NULL, k, keep);
    free(keep);
    return rc;
}

int d4m_assoc_get(d4m_assoc **out, const d4m_assoc *a,
                  const d4m_query *rows, const d4m_query *cols)
{
    if (!out || !a)
        return d4m__error(D4M_EINVAL, "d4m_assoc_get: NULL argument");
    *out = NULL;
    uint64_t *ri = NULL, *ci = NULL, nr, nc;
    int rall, call;
    int rc = select_keys(&ri, &nr, &rall, rows, &a->row);
    if (!rc)
        rc = select_keys(&ci, &nc, &call, cols, &a->col);
    if (rc) {
        free(ri);
        return rc;
    }
    d4m_assoc *c = d4m__assoc_alloc();
    rc = c ? 0 : D4M_ENOMEM;
    if (!rc)
        rc = rall ? d4m__keys_copy(&c->row, &a->row) : keys_pick(&c->row, &a->row, ri, nr);
    if (!rc)
        rc = call ? d4m__keys_copy(&c->col, &a->col) : keys_pick(&c->col, &a->col, ci, nc);
    if (!rc && a->vkind == D4M_STR)
        rc = d4m__keys_copy(&c->val, &a->val);
    if (!rc) {
        c->vkind = a->vkind;
        rc = D4M_GRB(GrB_Matrix_new(&c->m, GrB_FP64, nr, nc));
    }
    if (!rc)
        rc = D4M_GRB(GrB_Matrix_extract(c->m, NULL, NULL, a->m,
                                        rall ? GrB_ALL : ri, nr, call ? GrB_ALL : ci, nc, NULL));
    free(ri);
    free(ci);
    if (rc) {
        d4m_assoc_free(c);
        return rc;
    }
    return d4m__assoc_finish_ex(out, c, false, true);
}

int d4m_assoc_mask(d4m_assoc **out, const d4m_assoc *a, const d4m_assoc *mask)
{
    if (!out || !a || !mask)
        return d4m__error(D4M_EINVAL, "d4m_assoc_mask: NULL argument");
    *out = NULL;
    if (d4m_assoc_is_empty(a) || d4m_assoc_is_empty(mask))
        return d4m_assoc_new_empty(out);
    if (a->row.kind != mask->row.kind || a->col.kind != mask->col.kind)
        return d4m__error(D4M_EKEYKIND, "mask: the mask's key kinds differ from the array's");
    /* Bring the mask into a's key space, then keep a's values where both
     * have an entry. */
    uint64_t *rmap = NULL, *cmap = NULL;
    d4m_keys ri = { D4M_STR, 0, NULL, NULL }, ci = { D4M_STR, 0, NULL, NULL };
    GrB_Matrix mm = NULL;
    d4m_assoc *c = NULL;
    int rc = d4m__keys_intersect(&ri, NULL, &rmap, &a->row, &mask->row);
    if (!rc)
        rc = d4m__keys_intersect(&ci, NULL, &cmap, &a->col, &mask->col);
    /* Map mask indices into a's indices: via the intersection, then into a. */
    if (!rc && a->row.kind == D4M_STR) {
        for (uint64_t i = 0; i < mask->row.n; i++)
            if (rmap[i] != UINT64_MAX)
                rmap[i] = (uint64_t)d4m__keys_find(&a->row, d4m__keys_at(&ri, rmap[i]));
    }
    if (!rc && a->col.kind == D4M_STR) {
        for (uint64_t i = 0; i < mask->col.n; i++)
            if (cmap[i] != UINT64_MAX)
                cmap[i] = (uint64_t)d4m__keys_find(&a->col, d4m__keys_at(&ci, cmap[i]));
    }
    if (!rc)
        rc = d4m__matrix_remap(&mm, mask->m, a->row.n, a->col.n, rmap, cmap, NULL);
    if (!rc) {
        c = d4m__assoc_alloc();
        rc = c ? 0 : D4M_ENOMEM;
    }
    if (!rc) {
        c->vkind = a->vkind;
        rc = d4m__keys_copy(&c->row, &a->row);
        if (!rc) rc = d4m__keys_copy(&c->col, &a->col);
        if (!rc && a->vkind == D4M_STR) rc = d4m__keys_copy(&c->val, &a->val);
        if (!rc) rc = D4M_GRB(GrB_Matrix_new(&c->m, GrB_FP64, a->row.n, a->col.n));
        if (!rc)
            rc = D4M_GRB(GrB_Matrix_eWiseMult_BinaryOp(c->m, NULL, NULL, GrB_FIRST_FP64,
                                                       a->m, mm, NULL));
    }
    free(rmap);
    free(cmap);
    d4m__keys_clear(&ri);
    d4m__keys_clear(&ci);
    GrB_Matrix_free(&mm);
    if (rc) {
        d4m_assoc_free(c);
        return rc;
    }
    return d4m__assoc_finish(out, c, false);
}
