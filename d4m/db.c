/*
 * d4m/db.c - databases and the catalog of tables: open, list, create, open,
 * drop, combiners, shards, info.
 *
 * Why the shard is a key range.  RocksDB offers three units to split a table
 * by: separate instances, column families, or key ranges in one column
 * family.  Instances and column families cannot be loaded atomically together
 * (one ingest call covers one column family of one instance), and a table,
 * its transpose and its degree table must be loaded all-or-nothing.  A key
 * range can: every shard of every table of a database is a range of one
 * column family, bulk and parallel loads write one sorted file per shard
 * (files that never overlap, so no compaction follows a load), ingest them
 * all in one call, and scans and compactions run per range.  Changing the
 * split points moves no data.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store.h"

/* ------------------------------------------------------------- records */

static void put_u32(d4m_buf *b, uint32_t v)
{
    d4m_kv__put_table_id(b, v);   /* 4 bytes big-endian */
}

static int get_u32(uint32_t *v, const char **p, const char *end)
{
    if (end - *p < 4)
        return -1;
    const unsigned char *u = (const unsigned char *)*p;
    *v = ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
    *p += 4;
    return 0;
}

static int get_bytes(d4m_buf *b, const char **p, const char *end)
{
    uint32_t n;
    if (get_u32(&n, p, end) || (uint32_t)(end - *p) < n)
        return -1;
    b->len = 0;
    if (d4m__buf_put(b, *p, n))
        return -1;
    *p += n;
    return 0;
}

void d4m__meta_free(d4m_meta *m)
{
    if (!m)
        return;
    free(m->name);
    for (uint32_t i = 0; i < m->nsplits; i++)
        d4m__buf_free(&m->splits[i]);
    free(m->splits);
    for (uint32_t i = 0; i < m->ncc; i++)
        d4m__buf_free(&m->cc[i].prefix);
    free(m->cc);
    memset(m, 0, sizeof *m);
}

int d4m__meta_encode(d4m_buf *b, const d4m_meta *m)
{
    size_t nl = strlen(m->name);
    D4M_TRY(d4m__buf_put(b, "D4MT", 4));
    put_u32(b, 1);                         /* record version */
    put_u32(b, m->id);
    put_u32(b, (uint32_t)m->keys);
    put_u32(b, (uint32_t)m->role);
    put_u32(b, (uint32_t)m->combiner);
    put_u32(b, m->pair_id);
    put_u32(b, m->deg_id);
    put_u32(b, (uint32_t)nl);
    D4M_TRY(d4m__buf_put(b, m->name, nl));
    put_u32(b, m->nsplits);
    for (uint32_t i = 0; i < m->nsplits; i++) {
        put_u32(b, (uint32_t)m->splits[i].len);
        D4M_TRY(d4m__buf_put(b, m->splits[i].p, m->splits[i].len));
    }
    put_u32(b, m->ncc);
    for (uint32_t i = 0; i < m->ncc; i++) {
        put_u32(b, (uint32_t)m->cc[i].op);
        put_u32(b, (uint32_t)m->cc[i].prefix.len);
        D4M_TRY(d4m__buf_put(b, m->cc[i].prefix.p, m->cc[i].prefix.len));
    }
    return 0;
}

int d4m__meta_decode(d4m_meta *m, const char *p, size_t n)
{
    const char *end = p + n;
    uint32_t ver, keys, role, comb, nl;
    d4m_buf name = { NULL, 0, 0 };
    memset(m, 0, sizeof *m);
    if (n < 8 || memcmp(p, "D4MT", 4) != 0)
        goto bad;
    p += 4;
    if (get_u32(&ver, &p, end) || ver != 1 || get_u32(&m->id, &p, end) ||
        get_u32(&keys, &p, end) || get_u32(&role, &p, end) || get_u32(&comb, &p, end) ||
        get_u32(&m->pair_id, &p, end) || get_u32(&m->deg_id, &p, end))
        goto bad;
    if (keys > D4M_NUM || role > ROLE_DEGREE || comb > D4M_COMBINE_MAX)
        goto bad;
    m->keys = (d4m_kind)keys;
    m->role = (table_role)role;
    m->combiner = (d4m_combiner)comb;
    if (get_u32(&nl, &p, end) || (uint32_t)(end - p) < nl)
        goto bad;
    m->name = d4m__malloc(nl + 1);
    if (!m->name)
        return D4M_ENOMEM;
    memcpy(m->name, p, nl);
    m->name[nl] = '\0';
    p += nl;
    if (get_u32(&m->nsplits, &p, end) || m->nsplits > (uint32_t)(end - p))
        goto bad;
    m->splits = d4m__calloc(m->nsplits ? m->nsplits : 1, sizeof *m->splits);
    if (!m->splits)
        goto nomem;
    for (uint32_t i = 0; i < m->nsplits; i++)
        if (get_bytes(&m->splits[i], &p, end))
            goto bad;
    if (get_u32(&m->ncc, &p, end) || m->ncc > (uint32_t)(end - p))
        goto bad;
    m->cc = d4m__calloc(m->ncc ? m->ncc : 1, sizeof *m->cc);
    if (!m->cc)
        goto nomem;
    for (uint32_t i = 0; i < m->ncc; i++) {
        uint32_t op;
        if (get_u32(&op, &p, end) || op > D4M_COMBINE_MAX || get_bytes(&m->cc[i].prefix, &p, end))
            goto bad;
        m->cc[i].op = (d4m_combiner)op;
    }
    d4m__buf_free(&name);
    return 0;
bad:
    d4m__meta_free(m);
    return d4m__error(D4M_ECORRUPT, "a table record of the catalog is damaged");
nomem:
    d4m__meta_free(m);
    return D4M_ENOMEM;
}

static int catalog_key(d4m_buf *k, const char *name)
{
    d4m_kv__put_table_id(k, 0);
    D4M_TRY(d4m__buf_put(k, "t", 1));
    return d4m__buf_put(k, name, strlen(name));
}

int d4m__meta_load(d4m_meta *m, d4m_db *db, const char *name)
{
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    bool found = false;
    int rc = catalog_key(&k, name);
    if (!rc)
        rc = d4m_kv__get(db->kv, NULL, (d4m_key){ k.p, k.len }, &v, &found);
    if (!rc && !found)
        rc = d4m__error(D4M_ENOTFOUND, "no table '%s'", name);
    if (!rc)
        rc = d4m__meta_decode(m, v.p, v.len);
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    return rc;
}

static int meta_put(d4m_kv_batch *b, const d4m_meta *m, d4m_buf *k, d4m_buf *v)
{
    k->len = v->len = 0;
    D4M_TRY(catalog_key(k, m->name));
    D4M_TRY(d4m__meta_encode(v, m));
    d4m_kv__batch_put(b, (d4m_key){ k->p, k->len }, (d4m_key){ v->p, v->len });
    return 0;
}

int d4m__meta_store(d4m_db *db, const d4m_meta *m)
{
    d4m_kv_batch *b;
    D4M_TRY(d4m_kv__batch_new(&b));
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    int rc = meta_put(b, m, &k, &v);
    if (!rc)
        rc = d4m_kv__batch_write(db->kv, b, true);
    d4m_kv__batch_free(b);
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    return rc;
}

int d4m__meta_load_id(d4m_meta *m, d4m_db *db, uint32_t id)
{
    d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
    d4m_kv__put_table_id(&lo, 0);
    d4m__buf_put(&lo, "t", 1);
    d4m_kv__put_table_id(&hi, 0);
    d4m__buf_put(&hi, "u", 1);
    d4m_kv_iter *it;
    int rc = d4m_kv__iter_new(&it, db->kv, NULL, (d4m_key){ lo.p, lo.len },
                              (d4m_key){ hi.p, hi.len });
    int found = 0;
    for (; !rc && !found && d4m_kv__iter_valid(it); d4m_kv__iter_next(it)) {
        d4m_key v = d4m_kv__iter_value(it);
        rc = d4m__meta_decode(m, v.ptr, v.len);
        if (!rc && m->id == id)
            found = 1;
        else if (!rc)
            d4m__meta_free(m);
    }
    if (!rc)
        rc = d4m_kv__iter_status(it);
    d4m_kv__iter_free(it);
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    if (!rc && !found)
        rc = d4m__error(D4M_ECORRUPT, "the catalog names table id %u, which has no record", id);
    if (rc && found)
        d4m__meta_free(m);
    return rc;
}

void d4m__table_range(d4m_buf *lo, d4m_buf *hi, uint32_t id)
{
    lo->len = hi->len = 0;
    d4m_kv__put_table_id(lo, id);
    d4m_kv__put_table_id(hi, id + 1);
}

int d4m__encode_key(d4m_buf *b, d4m_kind kind, d4m_key skey, double nkey)
{
    if (kind == D4M_NUM)
        return d4m_kv__encode_int(b, (int64_t)nkey);
    return d4m_kv__encode_str(b, skey);
}

/* ------------------------------------------------------------ databases */

/* Sorted files of a bulk load that was interrupted: nobody else can be
 * writing this database (we hold its lock), so every "load-*" file is stale.
 * Files of a parallel ingest ("ing-*") are its ranks' and not touched. */
static void remove_stale_loads(const char *path)
{
    char dir[4096], file[4352];
    snprintf(dir, sizeof dir, "%s/d4m-tmp", path);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "load-", 5) != 0)
            continue;
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        unlink(file);
    }
    closedir(d);
}

int d4m_db_open(d4m_db **out, const char *path, unsigned flags)
{
    if (!out || !path)
        return d4m__error(D4M_EINVAL, "d4m_db_open: NULL argument");
    *out = NULL;
    if (flags & ~(D4M_DB_CREATE | D4M_DB_READONLY | D4M_DB_SYNC))
        return d4m__error(D4M_EINVAL, "d4m_db_open: unknown flags 0x%x", flags);
    if ((flags & D4M_DB_CREATE) && (flags & D4M_DB_READONLY))
        return d4m__error(D4M_EINVAL, "d4m_db_open: cannot create a database read-only");
    d4m_db *db = d4m__calloc(1, sizeof *db);
    if (!db)
        return D4M_ENOMEM;
    unsigned kf = ((flags & D4M_DB_CREATE) ? D4M_KV_CREATE : 0) |
                  ((flags & D4M_DB_READONLY) ? D4M_KV_READONLY : 0) |
                  ((flags & D4M_DB_SYNC) ? D4M_KV_SYNC : 0);
    int rc = d4m_kv__open(&db->kv, path, kf);
    if (rc) {
        free(db);
        return rc;
    }
    db->flags = flags;
    if (!(flags & D4M_DB_READONLY))
        remove_stale_loads(d4m_kv__path(db->kv));
    *out = db;
    return 0;
}

/* Handles outlive a close of what they depend on: a table (and its
 * iterators) keeps its database open, an iterator its table, until they are
 * closed too.  RocksDB asserts (aborting the process) if a database closes
 * under a live iterator or snapshot. */
static void db_close_if_done(d4m_db *db)
{
    if (db->closed && !db->open_tables) {
        d4m_kv__close(db->kv);
        free(db);
    }
}

void d4m_db_close(d4m_db *db)
{
    if (!db)
        return;
    db->closed = true;
    db_close_if_done(db);
}

void d4m__db_release(d4m_db *db)
{
    if (db->open_tables)
        db->open_tables--;
    db_close_if_done(db);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int d4m_db_list(char ***names, size_t *n, d4m_db *db)
{
    if (!names || !n || !db)
        return d4m__error(D4M_EINVAL, "d4m_db_list: NULL argument");
    *names = NULL;
    *n = 0;
    d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 }, text = { NULL, 0, 0 };
    d4m_kv__put_table_id(&lo, 0);
    d4m__buf_put(&lo, "t", 1);
    d4m_kv__put_table_id(&hi, 0);
    d4m__buf_put(&hi, "u", 1);
    d4m_kv_iter *it;
    size_t count = 0;
    int rc = d4m_kv__iter_new(&it, db->kv, NULL, (d4m_key){ lo.p, lo.len },
                              (d4m_key){ hi.p, hi.len });
    for (; !rc && d4m_kv__iter_valid(it); d4m_kv__iter_next(it)) {
        d4m_key k = d4m_kv__iter_key(it);
        rc = d4m__buf_put(&text, k.ptr + 5, k.len - 5);
        if (!rc)
            rc = d4m__buf_put(&text, "", 1);
        count++;
    }
    if (!rc)
        rc = d4m_kv__iter_status(it);
    if (it)
        d4m_kv__iter_free(it);
    char **arr = NULL;
    if (!rc) {
        /* One allocation: the pointer array, then the strings. */
        arr = d4m__malloc(d4m__mul(count + 1, sizeof *arr) + text.len + 1);
        if (!arr)
            rc = D4M_ENOMEM;
    }
    if (!rc) {
        char *s = (char *)(arr + count + 1);
        if (text.len)
            memcpy(s, text.p, text.len);
        for (size_t i = 0; i < count; i++) {
            arr[i] = s;
            s += strlen(s) + 1;
        }
        arr[count] = NULL;
        qsort(arr, count, sizeof *arr, cmp_names);
        *names = arr;
        *n = count;
    }
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    d4m__buf_free(&text);
    return rc;
}

/* --------------------------------------------------------------- tables */

static int check_name(const char *name)
{
    if (!name || !*name)
        return d4m__error(D4M_EINVAL, "table name is empty");
    size_t n = strlen(name);
    if (n > 200)
        return d4m__error(D4M_EINVAL, "table name is %zu bytes; at most 200", n);
    return 0;
}

static int next_id(uint32_t *id, d4m_db *db)
{
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    bool found = false;
    d4m_kv__put_table_id(&k, 0);
    d4m__buf_put(&k, "n", 1);
    int rc = d4m_kv__get(db->kv, NULL, (d4m_key){ k.p, k.len }, &v, &found);
    *id = 1;
    if (!rc && found && v.len == 4) {
        const char *p = v.p;
        get_u32(id, &p, p + 4);
    }
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    return rc;
}

/* Initial split points: shards - 1 keys spread over the likely first bytes
 * (string keys: '0'..'z'; integer keys: 1..2^20).  The first bulk load into
 * an empty table replaces them with quantiles of its data. */
int d4m__initial_splits(d4m_meta *m, unsigned shards)
{
    m->nsplits = shards > 1 ? shards - 1 : 0;
    m->splits = d4m__calloc(m->nsplits ? m->nsplits : 1, sizeof *m->splits);
    if (!m->splits)
        return D4M_ENOMEM;
    for (uint32_t i = 0; i < m->nsplits; i++) {
        if (m->keys == D4M_NUM) {
            D4M_TRY(d4m_kv__encode_int(&m->splits[i], 1 + (int64_t)(i + 1) * ((1 << 20) / shards)));
        } else {
            char c = (char)('0' + (i + 1) * ('z' - '0') / shards);
            D4M_TRY(d4m_kv__encode_str(&m->splits[i], (d4m_key){ &c, 1 }));
        }
    }
    return 0;
}

/* A new table's name must also list unambiguously (ls in Octave separates
 * names by spaces, the CLI by newlines): no spaces or control bytes. */
static int check_new_name(const char *name)
{
    D4M_TRY(check_name(name));
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return d4m__error(D4M_EINVAL, "table name '%s' has a space or control character "
                              "(byte 0x%02x at %zu)", name, *p,
                              (size_t)(p - (const unsigned char *)name));
    return 0;
}

int d4m_table_create(d4m_db *db, const char *name, const d4m_table_options *opts)
{
    static const d4m_table_options defaults = D4M_TABLE_OPTIONS_INIT;
    if (!db)
        return d4m__error(D4M_EINVAL, "d4m_table_create: db is NULL");
    if (!opts)
        opts = &defaults;
    D4M_TRY(check_new_name(name));
    if (opts->version != D4M_TABLE_OPTIONS_VERSION)
        return d4m__error(D4M_EINVAL, "table options version %u, expected %u", opts->version,
                          D4M_TABLE_OPTIONS_VERSION);
    if (opts->keys != D4M_STR && opts->keys != D4M_NUM)
        return d4m__error(D4M_EINVAL, "unknown key kind %d", (int)opts->keys);
    if ((unsigned)opts->combiner > D4M_COMBINE_MAX)
        return d4m__error(D4M_EINVAL, "unknown combiner %d", (int)opts->combiner);
    if (opts->shards > 4096)
        return d4m__error(D4M_EINVAL, "%u shards; at most 4096", opts->shards);
    if (d4m_kv__readonly(db->kv))
        return d4m__error(D4M_EINVAL, "the database is open read-only");
    unsigned shards = opts->shards;
    if (!shards) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        shards = ncpu > 0 ? (unsigned)ncpu : 1;
    }

    /* The tables to create: NAME, NAMET, NAMEDeg. */
    const char *suffix[3] = { "", "T", "Deg" };
    int want[3] = { 1, opts->pair, opts->degree };
    d4m_meta m[3];
    memset(m, 0, sizeof m);
    uint32_t id;
    int rc = next_id(&id, db);
    for (int i = 0; i < 3 && !rc; i++) {
        if (!want[i])
            continue;
        size_t n = strlen(name) + 4;
        m[i].name = d4m__malloc(n);
        if (!m[i].name) {
            rc = D4M_ENOMEM;
            break;
        }
        snprintf(m[i].name, n, "%s%s", name, suffix[i]);
        d4m_meta existing;
        int e = d4m__meta_load(&existing, db, m[i].name);
        if (e == 0) {
            d4m__meta_free(&existing);
            rc = d4m__error(D4M_EEXISTS, "table '%s' exists already", m[i].name);
            break;
        }
        if (e != D4M_ENOTFOUND) {
            rc = e;
            break;
        }
        m[i].id = id++;
        /* Degree tables hold row and column keys with the column names
         * "OutDeg"/"InDeg": string keys, whatever the main table's kind
         * (integer keys appear as their decimal text). */
        m[i].keys = i == 2 ? D4M_STR : opts->keys;
        m[i].role = (table_role)i;
        m[i].combiner = i == 2 ? D4M_COMBINE_SUM : opts->combiner;
        /* Degree tables are keyed by the other tables' keys, both kinds. */
        rc = d4m__initial_splits(&m[i], i == 2 ? 1 : shards);
        if (rc)
            break;
        m[i].cc = d4m__calloc(1, sizeof *m[i].cc);
        if (!m[i].cc)
            rc = D4M_ENOMEM;
    }
    if (!rc) {
        m[0].pair_id = want[1] ? m[1].id : 0;
        m[0].deg_id = want[2] ? m[2].id : 0;
        d4m_kv_batch *b = NULL;
        d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
        rc = d4m_kv__batch_new(&b);
        for (int i = 0; i < 3 && !rc; i++)
            if (want[i])
                rc = meta_put(b, &m[i], &k, &v);
        if (!rc) {
            /* The id counter moves with the records, in the same batch. */
            k.len = 0;
            v.len = 0;
            d4m_kv__put_table_id(&k, 0);
            d4m__buf_put(&k, "n", 1);
            put_u32(&v, id);
            d4m_kv__batch_put(b, (d4m_key){ k.p, k.len }, (d4m_key){ v.p, v.len });
            rc = d4m_kv__batch_write(db->kv, b, true);
        }
        d4m_kv__batch_free(b);
        d4m__buf_free(&k);
        d4m__buf_free(&v);
    }
    for (int i = 0; i < 3; i++)
        d4m__meta_free(&m[i]);
    return rc;
}

/* The key of the volume record of table id (d4m/volume.c): 0 | 'v' | id. */
static void volume_key(d4m_buf *k, uint32_t id)
{
    k->len = 0;
    d4m_kv__put_table_id(k, 0);
    d4m__buf_put(k, "v", 1);
    d4m_kv__put_table_id(k, id);
}

/* Whether table id holds a volume. */
static int holds_volume(bool *yes, d4m_db *db, uint32_t id)
{
    d4m_buf k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
    volume_key(&k, id);
    int rc = k.p ? d4m_kv__get(db->kv, NULL, (d4m_key){ k.p, k.len }, &v, yes) : D4M_ENOMEM;
    d4m__buf_free(&k);
    d4m__buf_free(&v);
    return rc;
}

int d4m__table_writable(d4m_table *t)
{
    if (d4m_kv__readonly(t->db->kv))
        return d4m__error(D4M_EINVAL, "the database is open read-only");
    if (t->volume)
        return d4m__error(D4M_EINVAL, "'%s' holds a volume: it is written through the volume "
                          "functions only (its entries would no longer be its voxels)",
                          t->m.name);
    if (t->m.role != ROLE_MAIN)
        return d4m__error(D4M_EINVAL, "'%s' is the %s of another table: it is written through "
                          "that table (else the two would disagree)", t->m.name,
                          t->m.role == ROLE_TRANSPOSE ? "transpose" : "degree table");
    /* Still the table this handle opened: one dropped meanwhile would take
     * the writes where nothing reads them.  Only this database handle can
     * drop tables (RocksDB admits one writing process, and one open per
     * process): the catalog is read again only after a drop. */
    if (t->drops == t->db->drops)
        return 0;
    d4m_meta now;
    int rc = d4m__meta_load(&now, t->db, t->m.name);
    if (rc == D4M_ENOTFOUND)
        return d4m__error(D4M_ENOTFOUND, "table '%s' was dropped after this handle opened it",
                          t->m.name);
    if (rc)
        return rc;
    bool same = now.id == t->m.id;
    d4m__meta_free(&now);
    if (!same)
        return d4m__error(D4M_ENOTFOUND, "table '%s' was dropped (and made again) after this "
                          "handle opened it", t->m.name);
    t->drops = t->db->drops;
    return 0;
}

int d4m_table_open(d4m_table **out, d4m_db *db, const char *name)
{
    if (!out || !db)
        return d4m__error(D4M_EINVAL, "d4m_table_open: NULL argument");
    *out = NULL;
    D4M_TRY(check_name(name));
    d4m_table *t = d4m__calloc(1, sizeof *t);
    if (!t)
        return D4M_ENOMEM;
    t->db = db;
    int rc = d4m__meta_load(&t->m, db, name);
    if (!rc && t->m.pair_id) {
        t->pair = d4m__calloc(1, sizeof *t->pair);
        rc = t->pair ? d4m__meta_load_id(t->pair, db, t->m.pair_id) : D4M_ENOMEM;
    }
    if (!rc && t->m.deg_id) {
        t->deg = d4m__calloc(1, sizeof *t->deg);
        rc = t->deg ? d4m__meta_load_id(t->deg, db, t->m.deg_id) : D4M_ENOMEM;
    }
    if (!rc)
        rc = holds_volume(&t->volume, db, t->m.id);
    if (rc) {
        d4m_table_close(t);
        return rc;
    }
    db->open_tables++;
    t->counted = true;
    t->drops = db->drops;
    *out = t;
    return 0;
}

static void table_free(d4m_table *t)
{
    if (t->counted)
        d4m__db_release(t->db);
    d4m__meta_free(&t->m);
    if (t->pair) {
        d4m__meta_free(t->pair);
        free(t->pair);
    }
    if (t->deg) {
        d4m__meta_free(t->deg);
        free(t->deg);
    }
    free(t);
}

void d4m_table_close(d4m_table *t)
{
    if (!t)
        return;
    t->closed = true;
    if (!t->iters)
        table_free(t);
}

void d4m__table_iter_gone(d4m_table *t)
{
    if (t->iters)
        t->iters--;
    if (t->closed && !t->iters)
        table_free(t);
}

int d4m_table_drop(d4m_db *db, const char *name)
{
    if (!db)
        return d4m__error(D4M_EINVAL, "d4m_table_drop: db is NULL");
    D4M_TRY(check_name(name));
    if (d4m_kv__readonly(db->kv))
        return d4m__error(D4M_EINVAL, "the database is open read-only");
    d4m_table *t;
    D4M_TRY(d4m_table_open(&t, db, name));
    if (t->m.role != ROLE_MAIN) {
        /* Its table names it in the catalog: dropped alone, it would leave
         * that table pointing at nothing. */
        int rc = d4m__error(D4M_EINVAL, "'%s' is the %s of another table; drop that "
                            "table, which drops both", name,
                            t->m.role == ROLE_TRANSPOSE ? "transpose" : "degree table");
        d4m_table_close(t);
        return rc;
    }
    d4m_meta *all[3] = { &t->m, t->pair, t->deg };
    d4m_kv_batch *b;
    d4m_buf k = { NULL, 0, 0 }, lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
    int rc = d4m_kv__batch_new(&b);
    for (int i = 0; i < 3 && !rc; i++) {
        if (!all[i])
            continue;
        k.len = 0;
        rc = catalog_key(&k, all[i]->name);
        if (rc)
            break;
        d4m_kv__batch_delete(b, (d4m_key){ k.p, k.len });
        /* The volume record of d4m/volume.c, if any. */
        volume_key(&k, all[i]->id);
        d4m_kv__batch_delete(b, (d4m_key){ k.p, k.len });
        d4m__table_range(&lo, &hi, all[i]->id);
        d4m_kv__batch_delete_range(b, (d4m_key){ lo.p, lo.len }, (d4m_key){ hi.p, hi.len });
    }
    if (!rc)
        rc = d4m_kv__batch_write(db->kv, b, true);
    if (!rc)
        db->drops++;   /* open handles check the catalog before they write */
    /* Give the space back now rather than at some later compaction. */
    for (int i = 0; i < 3 && !rc; i++) {
        if (!all[i])
            continue;
        d4m__table_range(&lo, &hi, all[i]->id);
        d4m_kv__compact(db->kv, (d4m_key){ lo.p, lo.len }, (d4m_key){ hi.p, hi.len });
    }
    d4m_kv__batch_free(b);
    d4m__buf_free(&k);
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    d4m_table_close(t);
    return rc;
}

int d4m_table_add_col_combiner(d4m_table *t, d4m_key prefix, d4m_combiner c)
{
    if (!t || (!prefix.ptr && prefix.len))
        return d4m__error(D4M_EINVAL, "addColCombiner: NULL argument");
    if (c < D4M_COMBINE_SUM || c > D4M_COMBINE_MAX)
        return d4m__error(D4M_EINVAL, "addColCombiner: unknown combiner %d", (int)c);
    D4M_TRY(d4m__table_writable(t));
    /* D4M passes 'Degree,' (a list): a trailing separator is not part of the
     * prefix when the key list form is used. */
    for (uint32_t i = 0; i < t->m.ncc; i++) {
        if (t->m.cc[i].prefix.len == prefix.len &&
            (prefix.len == 0 || memcmp(t->m.cc[i].prefix.p, prefix.ptr, prefix.len) == 0)) {
            t->m.cc[i].op = c;
            return d4m__meta_store(t->db, &t->m);
        }
    }
    col_combiner *cc = d4m__realloc(t->m.cc, (t->m.ncc + 1) * sizeof *cc);
    if (!cc)
        return D4M_ENOMEM;
    t->m.cc = cc;
    memset(&cc[t->m.ncc], 0, sizeof *cc);
    cc[t->m.ncc].op = c;
    D4M_TRY(d4m__buf_put(&cc[t->m.ncc].prefix, prefix.ptr, prefix.len));
    t->m.ncc++;
    return d4m__meta_store(t->db, &t->m);
}

int d4m_table_info_get(d4m_table_info *info, d4m_table *t)
{
    if (!info || !t)
        return d4m__error(D4M_EINVAL, "d4m_table_info_get: NULL argument");
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", t->m.name);
    info->keys = t->m.keys;
    info->shards = t->m.nsplits + 1;
    info->has_pair = t->pair != NULL;
    info->has_degree = t->deg != NULL;
    info->combiner = t->m.combiner;
    info->col_combiners = t->m.ncc;
    d4m_buf lo = { NULL, 0, 0 }, hi = { NULL, 0, 0 };
    d4m__table_range(&lo, &hi, t->m.id);
    info->approx_bytes = d4m_kv__approx_size(t->db->kv, (d4m_key){ lo.p, lo.len },
                                             (d4m_key){ hi.p, hi.len });
    d4m__buf_free(&lo);
    d4m__buf_free(&hi);
    return 0;
}
