/*
 * d4m/ingest.c - parallel (SPMD) ingest: per-rank sorted files, one atomic
 * load at the end (the contract is in include/d4m/ingest.h).
 *
 * Each rank buffers triples up to its memory budget, then turns them into
 * Assocs (sorted, duplicates combined by the table's rules) and writes sorted
 * files cut at the target's shard boundaries, for the table, its transpose
 * and its degree table (d4m/load.c, as a bulk put does).  At the commit each
 * rank lists its files; rank 0, the only process that opens the database,
 * ingests every file of every rank in ONE call.  RocksDB makes that call
 * atomic only within one column family, which is why every table of a
 * database lives in one column family (kv/kv.h).
 *
 * When the ranks' data are range-partitioned like the shards (each rank
 * owns a slab of rows), the files never overlap and land in the bottom level
 * with no compaction to follow.  Files that do overlap (a transpose: every
 * rank writes every column) are still loaded atomically, into level 0, where
 * a later file wins for equal keys (rank order) and merge operands combine;
 * RocksDB compacts them in the background.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store.h"

#define DEFAULT_BUDGET ((size_t)512 << 20)

/* Triples buffered between flushes: keys as bytes (string tables) or
 * numbers (integer tables); values of one kind per buffer. */
typedef struct {
    d4m_kind vkind;
    d4m_buf bytes;            /* string keys and string values */
    uint64_t *roff, *coff, *voff;
    double *rnum, *cnum, *vnum;
    size_t n, cap;
} tbuf;

struct d4m_ingest {
    d4m_comm comm;
    char *db_path;
    char *tmpdir;
    d4m_db *db;               /* rank 0 only */
    d4m_table *t;             /* rank 0 only */
    d4m_meta m, pair, deg;    /* every rank's copy of the records */
    bool has_pair, has_deg;
    d4m_sink sink;
    bool sink_ready;
    tbuf num, str;            /* numeric-valued and string-valued triples */
    size_t budget, buffered, peak;
    char prefix[96];
    int failed;               /* a local error happened (code) */
    /* Puts whose rows all follow the rows of earlier puts (slabs, slices)
     * go to files at once: their files cannot overlap earlier ones. */
    bool any_direct;
    double direct_num;        /* largest row so far (integer keys) */
    d4m_buf direct_str;       /* largest row so far (string keys) */
    bool follows;             /* the load under way follows the previous one */
};

d4m_comm d4m_comm_self(void)
{
    d4m_comm c;
    memset(&c, 0, sizeof c);
    c.rank = 0;
    c.size = 1;
    return c;   /* no callbacks: nothing to exchange with */
}

/* ------------------------------------------------------- collectives */

int d4m__comm_bcast(const d4m_comm *c, void *buf, size_t len, int root)
{
    if (c->size <= 1 || !c->bcast)
        return 0;
    return c->bcast(c->ctx, buf, len, root) ? d4m__error(D4M_EMPI, "broadcast failed") : 0;
}

int d4m__comm_allgather(const d4m_comm *c, const void *send, size_t len, void *recv)
{
    if (c->size <= 1 || !c->allgather) {
        memcpy(recv, send, len);
        return 0;
    }
    return c->allgather(c->ctx, send, len, recv) ? d4m__error(D4M_EMPI, "allgather failed") : 0;
}

int d4m__comm_check(const d4m_comm *c, const char *what)
{
    if (c->size < 1 || c->rank < 0 || c->rank >= c->size ||
        (c->size > 1 && (!c->barrier || !c->bcast || !c->allgather)))
        return d4m__error(D4M_EINVAL, "%s: bad communicator (rank %d of %d)", what, c->rank,
                          c->size);
    return 0;
}

int d4m__comm_agree(const d4m_comm *c, int rc, int *who)
{
    int32_t mine = rc;
    int32_t *all = d4m__malloc(d4m__mul((size_t)c->size, sizeof *all));
    if (!all)
        return D4M_ENOMEM;   /* cannot agree: the others will fail at the next step */
    int e = d4m__comm_allgather(c, &mine, sizeof mine, all);
    int out = 0;
    for (int r = 0; !e && r < c->size; r++)
        if (all[r]) {
            out = all[r];
            *who = r;
            break;
        }
    free(all);
    return e ? e : out;
}

/* ------------------------------------------------------------ buffers */

static void tbuf_free(tbuf *b)
{
    d4m__buf_free(&b->bytes);
    free(b->roff); free(b->coff); free(b->voff);
    free(b->rnum); free(b->cnum); free(b->vnum);
    memset(b, 0, sizeof *b);
}

static int tbuf_grow(tbuf *b, size_t need)
{
    if (b->n + need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + need)
        cap *= 2;
#define GROW(f, extra)                                                          \
    do {                                                                        \
        void *q = d4m__realloc(b->f, (cap + (extra)) * sizeof *b->f);           \
        if (!q)                                                                 \
            return D4M_ENOMEM;                                                  \
        b->f = q;                                                               \
    } while (0)
    GROW(roff, 1); GROW(coff, 1); GROW(voff, 1);
    GROW(rnum, 0); GROW(cnum, 0); GROW(vnum, 0);
#undef GROW
    b->cap = cap;
    return 0;
}

/* Append the n triples to b; keys are strings in string tables (numbers
 * printed), numbers in integer tables. */
static int tbuf_add(tbuf *b, d4m_kind keys, d4m_vec row, d4m_vec col, d4m_vec val, size_t n)
{
    D4M_TRY(tbuf_grow(b, n));
    if (b->n == 0)
        b->roff[0] = b->coff[0] = b->voff[0] = b->bytes.len;
    for (size_t k = 0; k < n; k++) {
        size_t i = b->n + k;
        size_t ri = row.n == 1 ? 0 : k, ci = col.n == 1 ? 0 : k, vi = val.n == 1 ? 0 : k;
        if (keys == D4M_STR) {
            char num[32];
            d4m_key r = row.kind == D4M_STR ? row.str[ri] : (d4m_key){ num, 0 };
            if (row.kind == D4M_NUM)
                r.len = (size_t)snprintf(num, sizeof num, "%.0f", row.num[ri]);
            D4M_TRY(d4m__buf_put(&b->bytes, r.ptr, r.len));
            b->roff[i + 1] = b->bytes.len;
            d4m_key c = col.kind == D4M_STR ? col.str[ci] : (d4m_key){ num, 0 };
            if (col.kind == D4M_NUM)
                c.len = (size_t)snprintf(num, sizeof num, "%.0f", col.num[ci]);
            D4M_TRY(d4m__buf_put(&b->bytes, c.ptr, c.len));
            b->coff[i + 1] = b->bytes.len;
        } else {
            b->rnum[i] = row.num[ri];
            b->cnum[i] = col.num[ci];
            b->roff[i + 1] = b->coff[i + 1] = b->bytes.len;
        }
        if (val.kind == D4M_STR)
            D4M_TRY(d4m__buf_put(&b->bytes, val.str[vi].ptr, val.str[vi].len));
        else
            b->vnum[i] = val.num[vi];
        b->voff[i + 1] = b->bytes.len;
    }
    b->n += n;
    return 0;
}

/* Bytes a buffered triple costs, roughly. */
static size_t tbuf_bytes(const tbuf *b)
{
    return b->bytes.len + b->cap * (3 * sizeof(uint64_t) + 3 * sizeof(double));
}

static int load_one(const d4m_assoc *a, void *ctx)
{
    d4m_ingest *g = ctx;
    bool empty[2] = { false, false }, resplit[2];
    return d4m__load_assoc(&g->sink, &g->m, g->has_pair ? &g->pair : NULL,
                           g->has_deg ? &g->deg : NULL, a, empty, resplit, g->follows);
}

/* Write the buffered triples as sorted files, empty the buffer. */
static int tbuf_flush(d4m_ingest *g, tbuf *b)
{
    if (b->n == 0)
        return 0;
    size_t n = b->n;
    d4m_key *rk = NULL, *ck = NULL, *vk = NULL;
    int rc = 0;
    if (g->m.keys == D4M_STR) {
        rk = d4m__malloc(d4m__mul(n, sizeof *rk));
        ck = d4m__malloc(d4m__mul(n, sizeof *ck));
        if (!rk || !ck)
            rc = D4M_ENOMEM;
        /* Triple i is laid out row, col, value, from voff[i] on. */
        for (size_t i = 0; !rc && i < n; i++) {
            rk[i] = (d4m_key){ b->bytes.p + b->voff[i], (size_t)(b->roff[i + 1] - b->voff[i]) };
            ck[i] = (d4m_key){ b->bytes.p + b->roff[i + 1],
                               (size_t)(b->coff[i + 1] - b->roff[i + 1]) };
        }
    }
    if (!rc && b->vkind == D4M_STR) {
        vk = d4m__malloc(d4m__mul(n, sizeof *vk));
        if (!vk)
            rc = D4M_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++)
            vk[i] = (d4m_key){ b->bytes.p + b->coff[i + 1],
                               (size_t)(b->voff[i + 1] - b->coff[i + 1]) };
    }
    if (!rc) {
        d4m_vec rv = rk ? d4m_vec_str(rk, n) : d4m_vec_num(b->rnum, n);
        d4m_vec cv = ck ? d4m_vec_str(ck, n) : d4m_vec_num(b->cnum, n);
        d4m_vec vv = vk ? d4m_vec_str(vk, n) : d4m_vec_num(b->vnum, n);
        rc = d4m__triples_assocs(&g->m, rv, cv, vv, load_one, g);
    }
    free(rk);
    free(ck);
    free(vk);
    b->n = 0;
    b->bytes.len = 0;
    return rc;
}

static void note_peak(d4m_ingest *g)
{
    g->buffered = tbuf_bytes(&g->num) + tbuf_bytes(&g->str);
    if (g->buffered > g->peak)
        g->peak = g->buffered;
}

/* -------------------------------------------------------------- begin */

/* Remove the files an interrupted ingest left behind (rank 0, before any
 * rank writes). */
static void clean_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "ing-", 4) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

/* Rank 0 packs the three table records: [len][bytes] x 3, len 0 = none. */
static int pack_records(d4m_buf *b, d4m_table *t)
{
    const d4m_meta *ms[3] = { &t->m, t->pair, t->deg };
    for (int i = 0; i < 3; i++) {
        d4m_buf one = { NULL, 0, 0 };
        int rc = ms[i] ? d4m__meta_encode(&one, ms[i]) : 0;
        uint64_t len = one.len;
        if (!rc)
            rc = d4m__buf_put(b, &len, sizeof len);
        if (!rc)
            rc = d4m__buf_put(b, one.p, one.len);
        d4m__buf_free(&one);
        if (rc)
            return rc;
    }
    return 0;
}

static int unpack_records(d4m_ingest *g, const char *p, size_t n)
{
    d4m_meta *ms[3] = { &g->m, &g->pair, &g->deg };
    bool *has[3] = { NULL, &g->has_pair, &g->has_deg };
    size_t pos = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t len;
        if (n - pos < sizeof len)
            return d4m__error(D4M_EMPI, "ingest: table records arrived damaged");
        memcpy(&len, p + pos, sizeof len);
        pos += sizeof len;
        if (len > n - pos)
            return d4m__error(D4M_EMPI, "ingest: table records arrived damaged");
        if (len) {
            D4M_TRY(d4m__meta_decode(ms[i], p + pos, (size_t)len));
            if (has[i])
                *has[i] = true;
        }
        pos += (size_t)len;
    }
    return 0;
}

int d4m_ingest_begin(d4m_ingest **out, const char *db_path, const char *table,
                     const d4m_comm *comm, const d4m_ingest_options *opts)
{
    static const d4m_ingest_options defaults = D4M_INGEST_OPTIONS_INIT;
    if (!out || !db_path || !table || !comm)
        return d4m__error(D4M_EINVAL, "ingest: NULL argument");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != D4M_INGEST_OPTIONS_VERSION)
        return d4m__error(D4M_EINVAL, "ingest options version %u, expected %u", opts->version,
                          D4M_INGEST_OPTIONS_VERSION);
    D4M_TRY(d4m__comm_check(comm, "ingest"));
    /* The ranks are the parallelism: idle helper threads of each rank would
     * spin on the cores the other ranks need. */
    if (comm->size > 1)
        D4M_TRY(d4m_set_threads(1));
    d4m_ingest *g = d4m__calloc(1, sizeof *g);
    if (!g)
        return D4M_ENOMEM;
    g->comm = *comm;
    g->budget = opts->memory_budget ? opts->memory_budget : DEFAULT_BUDGET;
    g->num.vkind = D4M_NUM;
    g->str.vkind = D4M_STR;
    size_t n = strlen(db_path) + 16;
    g->db_path = strdup(db_path);
    g->tmpdir = d4m__malloc(n);
    int rc = g->db_path && g->tmpdir ? 0 : D4M_ENOMEM;
    if (!rc)
        snprintf(g->tmpdir, n, "%s/d4m-tmp", db_path);

    /* Rank 0 opens the database and the table, cleans up, and sends the
     * table records and a token naming this ingest's files. */
    d4m_buf rec = { NULL, 0, 0 };
    uint64_t hdr[3] = { 0, 0, 0 };   /* code, records length, token */
    if (comm->rank == 0) {
        if (!rc)
            rc = d4m_db_open(&g->db, db_path, 0);
        if (!rc)
            rc = d4m_table_open(&g->t, g->db, table);
        if (!rc)
            rc = d4m__table_writable(g->t);
        if (!rc) {
            char *dir = NULL;
            rc = d4m_kv__tmpdir(&dir, g->db->kv);
            free(dir);
        }
        if (!rc) {
            clean_leftovers(g->tmpdir);
            rc = pack_records(&rec, g->t);
        }
        hdr[0] = (uint64_t)(int64_t)rc;
        hdr[1] = rec.len;
        hdr[2] = ((uint64_t)getpid() << 20) ^ (uint64_t)time(NULL);
    }
    int e = d4m__comm_bcast(comm, hdr, sizeof hdr, 0);
    if (!e && (int64_t)hdr[0] == 0) {
        /* Every rank takes part in the second broadcast, whatever happens. */
        char *tmp = comm->rank == 0 ? rec.p : malloc(hdr[1] ? (size_t)hdr[1] : 1);
        if (!tmp) {
            /* Cannot take part: the job cannot go on consistently. */
            rc = d4m__error(D4M_ENOMEM, "ingest: out of memory for the table records");
        } else {
            e = d4m__comm_bcast(comm, tmp, (size_t)hdr[1], 0);
            if (!e && !rc)
                rc = unpack_records(g, tmp, (size_t)hdr[1]);
            if (comm->rank != 0)
                free(tmp);
        }
    } else if (!e && comm->rank != 0) {
        rc = d4m__error(D4M_EMPI, "ingest: rank 0 could not open table '%s' in %s (code %d)",
                        table, db_path, (int)(int64_t)hdr[0]);
    }
    d4m__buf_free(&rec);
    if (e)
        rc = e;
    if (!rc) {
        snprintf(g->prefix, sizeof g->prefix, "ing-%llx-r%d", (unsigned long long)hdr[2],
                 comm->rank);
        rc = d4m__sink_init(&g->sink, comm->rank == 0 ? g->db->kv : NULL, true, g->tmpdir,
                            g->prefix);
        g->sink_ready = rc == 0;
    }
    /* Nobody writes before rank 0 has cleaned up, and all agree to start. */
    int who = 0;
    int all = d4m__comm_agree(&g->comm, rc, &who);
    if (all) {
        if (!rc)
            rc = d4m__error(D4M_EMPI, "ingest: rank %d failed to start (code %d)", who, all);
        d4m_ingest_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

/* ------------------------------------------------------------------ put */

/* Do all rows of this put come after every row put so far?  If so, note the
 * new largest row. */
static bool rows_follow(d4m_ingest *g, d4m_vec row)
{
    if (row.kind == D4M_NUM) {
        double lo = row.num[0], hi = row.num[0];
        for (size_t i = 1; i < row.n; i++) {
            if (row.num[i] < lo) lo = row.num[i];
            if (row.num[i] > hi) hi = row.num[i];
        }
        if (g->any_direct && !(lo > g->direct_num))
            return false;
        g->direct_num = hi;
    } else {
        d4m_key lo = row.str[0], hi = row.str[0];
        for (size_t i = 1; i < row.n; i++) {
            if (d4m_key_cmp(row.str[i], lo) < 0) lo = row.str[i];
            if (d4m_key_cmp(row.str[i], hi) > 0) hi = row.str[i];
        }
        if (g->any_direct &&
            d4m_key_cmp(lo, (d4m_key){ g->direct_str.p, g->direct_str.len }) <= 0)
            return false;
        g->direct_str.len = 0;
        if (d4m__buf_put(&g->direct_str, hi.ptr, hi.len))
            return false;
    }
    g->any_direct = true;
    return true;
}

/* The order of the transpose of n triples sorted by (row, col) with
 * integer keys: idx sorted by column, stably (so by row within a column),
 * by a radix sort on the bytes the columns use.  The zero values (no entry)
 * are left out; *m is how many remain. */
static int transposed_order(uint32_t **out, size_t *m, const double *col, const double *val,
                            size_t nval, size_t n)
{
    uint32_t *a = d4m__malloc(d4m__mul(n, sizeof *a));
    uint32_t *b = d4m__malloc(d4m__mul(n, sizeof *b));
    if (!a || !b) {
        free(a);
        free(b);
        return D4M_ENOMEM;
    }
    size_t k = 0;
    uint64_t hi = 0;
    for (size_t t = 0; t < n; t++) {
        if (val[nval == 1 ? 0 : t] == 0)
            continue;
        a[k++] = (uint32_t)t;
        if ((uint64_t)col[t] > hi)
            hi = (uint64_t)col[t];
    }
    for (unsigned shift = 0; shift < 64 && (hi >> shift) != 0; shift += 8) {
        size_t cnt[257] = { 0 };
        for (size_t t = 0; t < k; t++)
            cnt[(((uint64_t)col[a[t]] >> shift) & 0xFF) + 1]++;
        for (int d = 0; d < 256; d++)
            cnt[d + 1] += cnt[d];
        for (size_t t = 0; t < k; t++)
            b[cnt[((uint64_t)col[a[t]] >> shift) & 0xFF]++] = a[t];
        uint32_t *tmp = a;
        a = b;
        b = tmp;
    }
    free(b);
    *out = a;
    *m = k;
    return 0;
}

/* Triples already in key order, unique, with numeric values, for a table
 * with nothing else to feed but, for integer keys, its transpose (no
 * degrees or combiners): the keys go to the files as they come, without an
 * Assoc in between; the transpose's are put in column order by a radix
 * sort.  *done is false when the triples are not like that (the general
 * path then takes them). */
static int put_sorted(d4m_ingest *g, d4m_vec row, d4m_vec col, d4m_vec val, size_t n,
                      bool *done)
{
    *done = false;
    if ((g->has_pair && (row.kind != D4M_NUM || n > UINT32_MAX)) || g->has_deg ||
        g->m.ncc || g->m.combiner != D4M_COMBINE_NONE ||
        val.kind != D4M_NUM || row.n != n || col.n != n || row.kind != col.kind ||
        (g->m.keys == D4M_NUM) != (row.kind == D4M_NUM))
        return 0;
    for (size_t k = 1; k < n; k++) {
        int c;
        if (row.kind == D4M_NUM)
            c = row.num[k] != row.num[k - 1] ? (row.num[k] > row.num[k - 1] ? 1 : -1)
              : (col.num[k] > col.num[k - 1]) - (col.num[k] < col.num[k - 1]);
        else {
            c = d4m_key_cmp(row.str[k], row.str[k - 1]);
            if (c == 0)
                c = d4m_key_cmp(col.str[k], col.str[k - 1]);
        }
        if (c <= 0)
            return 0;
    }
    if (row.kind == D4M_NUM)
        for (size_t k = 0; k < n; k++)
            if (!(row.num[k] >= 1 && col.num[k] >= 1 && row.num[k] <= 9007199254740992.0 &&
                  col.num[k] <= 9007199254740992.0 && row.num[k] == (double)(int64_t)row.num[k] &&
                  col.num[k] == (double)(int64_t)col.num[k]))
                return 0;   /* let the general path say what is wrong */
    *done = true;
    int rc = d4m__sink_begin(&g->sink, &g->m, true);
    d4m_buf key = { NULL, 0, 0 };
    char v[9], ik[20];
    v[0] = 'd';
    d4m_kv__put_table_id(&key, g->m.id);
    if (!key.p)
        return d4m__error(D4M_ENOMEM, "out of memory");
    memcpy(ik, key.p, D4M_KV_TABLE_ID_LEN);
    for (size_t k = 0; !rc && k < n; k++) {
        if (val.num[val.n == 1 ? 0 : k] == 0)
            continue;   /* a zero is no entry */
        memcpy(v + 1, &val.num[val.n == 1 ? 0 : k], 8);
        if (row.kind == D4M_NUM) {
            /* Integer keys, as kv/codec.c encodes them, written in place. */
            uint64_t a = (uint64_t)(int64_t)row.num[k] ^ 0x8000000000000000ull;
            uint64_t b = (uint64_t)(int64_t)col.num[k] ^ 0x8000000000000000ull;
            for (int i = 7; i >= 0; i--, a >>= 8, b >>= 8) {
                ik[4 + i] = (char)a;
                ik[12 + i] = (char)b;
            }
            rc = d4m__sink_add(&g->sink, (d4m_key){ ik, 20 }, (d4m_key){ ik + 4, 8 },
                               (d4m_key){ v, 9 }, false);
            continue;
        }
        key.len = D4M_KV_TABLE_ID_LEN;
        rc = d4m_kv__encode_str(&key, row.str[k]);
        size_t rowlen = key.len - D4M_KV_TABLE_ID_LEN;
        if (!rc)
            rc = d4m_kv__encode_str(&key, col.str[k]);
        if (!rc)
            rc = d4m__sink_add(&g->sink, (d4m_key){ key.p, key.len },
                               (d4m_key){ key.p + D4M_KV_TABLE_ID_LEN, rowlen },
                               (d4m_key){ v, 9 }, false);
    }
    d4m__buf_free(&key);
    if (rc || !g->has_pair)
        return rc;
    /* The transpose: key  pair id | col | row. */
    uint32_t *idx = NULL;
    size_t m = 0;
    rc = transposed_order(&idx, &m, col.num, val.num, val.n, n);
    if (!rc)
        rc = d4m__sink_begin(&g->sink, &g->pair, false);
    d4m_buf pk = { NULL, 0, 0 };
    d4m_kv__put_table_id(&pk, g->pair.id);
    if (!rc && !pk.p)
        rc = d4m__error(D4M_ENOMEM, "out of memory");
    if (!rc)
        memcpy(ik, pk.p, D4M_KV_TABLE_ID_LEN);
    for (size_t q = 0; !rc && q < m; q++) {
        size_t k = idx[q];
        memcpy(v + 1, &val.num[val.n == 1 ? 0 : k], 8);
        uint64_t a = (uint64_t)(int64_t)col.num[k] ^ 0x8000000000000000ull;
        uint64_t b = (uint64_t)(int64_t)row.num[k] ^ 0x8000000000000000ull;
        for (int i = 7; i >= 0; i--, a >>= 8, b >>= 8) {
            ik[4 + i] = (char)a;
            ik[12 + i] = (char)b;
        }
        rc = d4m__sink_add(&g->sink, (d4m_key){ ik, 20 }, (d4m_key){ ik + 4, 8 },
                           (d4m_key){ v, 9 }, false);
    }
    d4m__buf_free(&pk);
    free(idx);
    return rc;
}

int d4m_ingest_put_triples(d4m_ingest *g, d4m_vec row, d4m_vec col, d4m_vec val)
{
    if (!g)
        return d4m__error(D4M_EINVAL, "ingest: NULL handle");
    if (g->failed)
        return d4m__error(g->failed, "ingest: an earlier put failed on this rank");
    size_t n = row.n;
    if (col.n > n) n = col.n;
    if (val.n > n) n = val.n;
    int rc = 0;
    if ((row.n != n && row.n != 1) || (col.n != n && col.n != 1) || (val.n != n && val.n != 1))
        rc = d4m__error(D4M_ELENGTH, "ingest: row, col and val have %zu, %zu and %zu items",
                        row.n, col.n, val.n);
    else if (row.n == 0 || col.n == 0 || val.n == 0)
        return 0;
    else if ((row.kind == D4M_STR && !row.str) || (row.kind == D4M_NUM && !row.num) ||
             (col.kind == D4M_STR && !col.str) || (col.kind == D4M_NUM && !col.num) ||
             (val.kind == D4M_STR && !val.str) || (val.kind == D4M_NUM && !val.num))
        rc = d4m__error(D4M_EINVAL, "ingest: NULL data");
    for (size_t k = 0; !rc && val.kind == D4M_NUM && k < val.n; k++)
        if (!isfinite(val.num[k]))
            rc = d4m__error(D4M_EVALUE, "ingest: value %zu is %g; values must be finite", k,
                            val.num[k]);
    double *rs = NULL, *cs = NULL;
    if (!rc && g->m.keys == D4M_NUM) {
        rc = d4m__vec_to_positions(&row, &rs, row, "row");
        if (!rc)
            rc = d4m__vec_to_positions(&col, &cs, col, "column");
    }
    /* Positions are checked now, not at a later flush: the error belongs to
     * this put. */
    for (int axis = 0; !rc && g->m.keys == D4M_NUM && axis < 2; axis++) {
        const d4m_vec *v = axis == 0 ? &row : &col;
        for (size_t k = 0; k < v->n; k++) {
            double x = v->num[k];
            if (!(x >= 1 && x <= 9007199254740992.0) || x != floor(x)) {
                rc = d4m__error(D4M_EKEY, "ingest: %s key %zu is %g; integer keys are "
                                "whole numbers from 1 to 2^53", axis ? "column" : "row", k, x);
                break;
            }
        }
    }
    if (!rc) {
        tbuf *b = val.kind == D4M_STR ? &g->str : &g->num;
        if (g->m.ncc == 0 && g->num.n == 0 && g->str.n == 0 && rows_follow(g, row)) {
            /* In order after everything so far: straight to files, no copy,
             * the table's file going on from the previous such put. */
            bool done = false;
            rc = put_sorted(g, row, col, val, n, &done);
            if (!rc && !done) {
                g->follows = true;
                rc = d4m__triples_assocs(&g->m, row, col, val, load_one, g);
                g->follows = false;
            }
        } else {
            rc = tbuf_add(b, g->m.keys, row, col, val, n);
            note_peak(g);
            if (!rc && g->buffered >= g->budget) {
                rc = tbuf_flush(g, &g->num);
                if (!rc)
                    rc = tbuf_flush(g, &g->str);
            }
        }
    }
    free(rs);
    free(cs);
    if (rc)
        g->failed = rc;
    return rc;
}

static int put_assoc_cb(const d4m_assoc *a, void *ctx)
{
    return load_one(a, ctx);
}

int d4m_ingest_put(d4m_ingest *g, const d4m_assoc *a)
{
    if (!g || !a)
        return d4m__error(D4M_EINVAL, "ingest: NULL argument");
    if (g->failed)
        return d4m__error(g->failed, "ingest: an earlier put failed on this rank");
    if (d4m_assoc_is_empty(a))
        return 0;
    int rc = put_assoc_cb(a, g);
    if (rc)
        g->failed = rc;
    return rc;
}

/* ------------------------------------------------------------- commit */

static int write_list(d4m_ingest *g)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.lst", g->tmpdir, g->prefix);
    FILE *f = fopen(path, "w");
    if (!f)
        return d4m__error(errno == ENOSPC ? D4M_ENOSPC : D4M_EIO, "ingest: cannot write %s: %s",
                          path, strerror(errno));
    for (size_t i = 0; i < g->sink.nfiles; i++)
        if (g->sink.files[i].path)
            fprintf(f, "%s\n", g->sink.files[i].path);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return d4m__error(D4M_EIO, "ingest: cannot write %s", path);
    return 0;
}

/* Rank 0: the files of every rank, in rank order. */
static int read_lists(char ***files, size_t *nfiles, d4m_ingest *g)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    const char *dash = strrchr(g->prefix, 'r');
    size_t stem = (size_t)(dash - g->prefix);
    for (int r = 0; r < g->comm.size && !rc; r++) {
        char path[4096], line[4096];
        snprintf(path, sizeof path, "%s/%.*sr%d.lst", g->tmpdir, (int)stem, g->prefix, r);
        FILE *f = fopen(path, "r");
        if (!f) {
            rc = d4m__error(D4M_EMPI, "ingest: rank %d's list %s is missing (%s): is %s on a "
                            "filesystem every rank shares?", r, path, strerror(errno),
                            g->db_path);
            break;
        }
        while (!rc && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            if (!*line)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                char **q = d4m__realloc(v, cap * sizeof *q);
                if (!q) {
                    rc = D4M_ENOMEM;
                    break;
                }
                v = q;
            }
            v[n] = strdup(line);
            if (!v[n])
                rc = d4m__error(D4M_ENOMEM, "out of memory");
            else
                n++;
        }
        fclose(f);
        unlink(path);
    }
    if (rc) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        return rc;
    }
    *files = v;
    *nfiles = n;
    return 0;
}

int d4m_ingest_commit(d4m_ingest *g)
{
    if (!g)
        return d4m__error(D4M_EINVAL, "ingest: NULL handle");
    int rc = g->failed;
    if (!rc)
        rc = tbuf_flush(g, &g->num);
    if (!rc)
        rc = tbuf_flush(g, &g->str);
    if (!rc)
        rc = d4m__sink_close(&g->sink);
    if (!rc)
        rc = write_list(g);
    int who = 0;
    int all = d4m__comm_agree(&g->comm, rc, &who);
    if (all) {
        if (!rc)
            rc = d4m__error(D4M_EMPI, "ingest: rank %d failed (code %d); nothing was loaded",
                            who, all);
        g->failed = rc;
        return rc;   /* the files go with d4m_ingest_free */
    }
    /* Every rank's files are written and listed: rank 0 loads them all. */
    int64_t result = 0;
    if (g->comm.rank == 0) {
        char **files = NULL;
        size_t n = 0;
        rc = read_lists(&files, &n, g);
        if (!rc)
            rc = d4m_kv__ingest(g->db->kv, (const char *const *)files, n);
        for (size_t i = 0; i < n; i++) {
            if (rc)
                unlink(files[i]);
            free(files[i]);
        }
        free(files);
        result = rc;
    }
    int e = d4m__comm_bcast(&g->comm, &result, sizeof result, 0);
    if (g->comm.rank != 0) {
        if (e)
            rc = e;
        else if (result)
            rc = d4m__error(D4M_EMPI, "ingest: the load on rank 0 failed (code %d); nothing "
                            "was loaded", (int)result);
    }
    /* Loaded or not, this rank's names of the files go with d4m_ingest_free:
     * the database holds its own links to loaded files. */
    if (rc)
        g->failed = rc;
    return rc;
}

void d4m_ingest_free(d4m_ingest *g)
{
    if (!g)
        return;
    if (g->sink_ready)
        d4m__sink_discard(&g->sink);
    if (g->tmpdir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.lst", g->tmpdir, g->prefix);
        unlink(path);
    }
    tbuf_free(&g->num);
    tbuf_free(&g->str);
    d4m__buf_free(&g->direct_str);
    d4m__meta_free(&g->m);
    d4m__meta_free(&g->pair);
    d4m__meta_free(&g->deg);
    d4m_table_close(g->t);
    d4m_db_close(g->db);
    free(g->db_path);
    free(g->tmpdir);
    free(g);
}

size_t d4m_ingest_peak_bytes(const d4m_ingest *g)
{
    return g ? g->peak : 0;
}
