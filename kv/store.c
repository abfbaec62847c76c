/*
 * kv/store.c - the RocksDB instance of a database: open/close, batches,
 * snapshots, iterators, sorted files and atomic ingest, and the merge
 * operator behind combiners.  RocksDB reports errors as malloc'd strings;
 * they become our codes here, with RocksDB's text kept in the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rocksdb/c.h>
#include "kv.h"

struct d4m_kv {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_mergeoperator_t *merge;
    rocksdb_writeoptions_t *wopts, *wopts_sync;
    rocksdb_readoptions_t *ropts;
    rocksdb_envoptions_t *envopts;
    rocksdb_block_based_table_options_t *table;
    rocksdb_cache_t *cache;
    bool shared_cache;  /* the process's default cache (shared_cache_get) */
    char *path;
    unsigned flags;
    uint64_t mark;   /* number of the last bulk load (see the marks below) */
};

struct d4m_kv_batch {
    rocksdb_writebatch_t *wb;
};

struct d4m_kv_snap {
    const rocksdb_snapshot_t *s;
};

struct d4m_kv_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ro;
    d4m_buf lo, hi;     /* bounds; the read options point into hi */
    bool has_hi;
};

struct d4m_kv_sst {
    rocksdb_sstfilewriter_t *w;
    char *path;
    uint64_t count;
    rocksdb_options_t *own_opts;        /* a writer without a database, or with
                                           its own block settings */
    rocksdb_envoptions_t *own_env;
    rocksdb_block_based_table_options_t *own_table;
};

/* ------------------------------------------------------------- errors */

static int contains(const char *s, const char *what)
{
    return s && strstr(s, what) != NULL;
}

int d4m_kv__error(char *err, const char *what)
{
    if (!err)
        return 0;
    int code = D4M_ESTORE;
    if (contains(err, "No space left") || contains(err, "File too large") ||
        contains(err, "ENOSPC"))
        code = D4M_ENOSPC;
    else if (contains(err, "lock") && (contains(err, "Resource temporarily unavailable") ||
                                       contains(err, "No locks available") ||
                                       contains(err, "already held")))
        code = D4M_EBUSY;
    else if (contains(err, "Corruption") || contains(err, "corrupt"))
        code = D4M_ECORRUPT;
    else if (contains(err, "does not exist") || contains(err, "No such file"))
        code = D4M_ENOTFOUND;
    else if (contains(err, "IO error"))
        code = D4M_EIO;
    d4m__error(code, "%s: %s", what, err);
    free(err);
    return code;
}

/* ------------------------------------------------------- merge operator */

/* Combine numeric operands: 'S' adds, 'm' keeps the min, 'M' the max.  A
 * stored base value that is a number starts the fold; a string base (or
 * none) is replaced by the first operand.  Any damage makes the merge fail,
 * which RocksDB reports as a corruption on read: nothing is made up. */
static bool fold(double *acc, bool *have, const char *p, size_t n)
{
    if (n != 9)
        return false;
    double v;
    memcpy(&v, p + 1, 8);
    switch (p[0]) {
    case 'd':
        *acc = v;
        break;
    case 'S':
        *acc = *have ? *acc + v : v;
        break;
    case 'm':
        *acc = (*have && *acc < v) ? *acc : v;
        break;
    case 'M':
        *acc = (*have && *acc > v) ? *acc : v;
        break;
    default:
        return false;
    }
    *have = true;
    return true;
}

static char *merge_result(double acc, char tag, size_t *len, unsigned char *success)
{
    char *out = malloc(9);
    if (!out) {
        *success = 0;
        return NULL;
    }
    out[0] = tag;
    memcpy(out + 1, &acc, 8);
    *len = 9;
    *success = 1;
    return out;
}

static char *full_merge(void *state, const char *key, size_t klen, const char *base,
                        size_t blen, const char *const *ops, const size_t *oplen, int nops,
                        unsigned char *success, size_t *len)
{
    (void)state; (void)key; (void)klen;
    double acc = 0;
    bool have = false;
    *success = 0;
    if (base && blen == 9 && base[0] == 'd') {
        memcpy(&acc, base + 1, 8);
        have = true;
    }
    for (int i = 0; i < nops; i++)
        if (!fold(&acc, &have, ops[i], oplen[i]))
            return NULL;
    return merge_result(acc, 'd', len, success);
}

static char *partial_merge(void *state, const char *key, size_t klen,
                           const char *const *ops, const size_t *oplen, int nops,
                           unsigned char *success, size_t *len)
{
    (void)state; (void)key; (void)klen;
    *success = 0;
    /* Only operands of one kind fold into one operand of that kind. */
    for (int i = 0; i < nops; i++)
        if (oplen[i] != 9 || ops[i][0] != ops[0][0] || ops[0][0] == 'd')
            return NULL;
    double acc = 0;
    bool have = false;
    for (int i = 0; i < nops; i++)
        if (!fold(&acc, &have, ops[i], oplen[i]))
            return NULL;
    return merge_result(acc, ops[0][0], len, success);
}

static void delete_value(void *state, const char *v, size_t n)
{
    (void)state; (void)n;
    free((void *)v);
}

static void merge_state_free(void *state)
{
    (void)state;   /* the operator has no state; RocksDB calls this anyway */
}

static const char *merge_name(void *state)
{
    (void)state;
    return "d4m.combine.v1";
}

/* ---------------------------------------------------------- block cache */

/* The block cache holds uncompressed blocks in the process.  Unless
 * D4M_BLOCK_CACHE_MB gives a database a cache of its own, every database
 * the process opens shares one, of a quarter of physical memory (at least
 * 64 MiB, at most 16 GiB), released when the last of them closes.
 *
 * Why that large: RocksDB allocates the cache only as blocks are read, and
 * the page cache is no substitute for it, since it holds the compressed
 * files, costs a read and a decompression per block, and is reclaimed
 * from under the process (cgroup limits; DAMON reclaim on VMs, which on
 * this project's machines drops file pages idle for 30 s).  And an LRU
 * cache smaller than what a workload reads over and over gets almost no
 * hits: the volume benchmark's 200 random 64^3 boxes of voxel triples read
 * 2.8 GiB of blocks, and a box took about 60 ms (115-120 ms of CPU) with
 * 1, 2, 3 or 4 GiB of cache, 39-42 ms (80 ms of CPU) with 6 GiB.  It was
 * 1/16 of memory, at most 1 GiB, per database; shared, a larger default
 * does not multiply with the databases a process opens. */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static rocksdb_cache_t *shared;
static size_t shared_users;

static size_t default_cache_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    size_t c = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize / 4 : (64u << 20);
    if (c < (64u << 20))
        c = 64u << 20;
    if (c > ((size_t)16 << 30))
        c = (size_t)16 << 30;
    return c;
}

/* The shared cache, created by its first user; NULL if out of memory. */
static rocksdb_cache_t *shared_cache_get(void)
{
    pthread_mutex_lock(&shared_lock);
    if (!shared)
        shared = rocksdb_cache_create_lru(default_cache_bytes());
    if (shared)
        shared_users++;
    rocksdb_cache_t *c = shared;
    pthread_mutex_unlock(&shared_lock);
    return c;
}

/* One user fewer (after its database closed): the last frees the blocks. */
static void shared_cache_put(void)
{
    pthread_mutex_lock(&shared_lock);
    if (shared_users && --shared_users == 0) {
        rocksdb_cache_destroy(shared);
        shared = NULL;
    }
    pthread_mutex_unlock(&shared_lock);
}

/* ------------------------------------------------------------ open/close */

void d4m_kv__close(d4m_kv *kv)
{
    if (!kv)
        return;
    if (kv->db)
        rocksdb_close(kv->db);
    if (kv->opts)
        rocksdb_options_destroy(kv->opts);   /* also releases the merge operator */
    else if (kv->merge)
        rocksdb_mergeoperator_destroy(kv->merge);
    if (kv->wopts) rocksdb_writeoptions_destroy(kv->wopts);
    if (kv->wopts_sync) rocksdb_writeoptions_destroy(kv->wopts_sync);
    if (kv->ropts) rocksdb_readoptions_destroy(kv->ropts);
    if (kv->envopts) rocksdb_envoptions_destroy(kv->envopts);
    if (kv->table) rocksdb_block_based_options_destroy(kv->table);
    if (kv->cache && kv->shared_cache)
        shared_cache_put();
    else if (kv->cache)
        rocksdb_cache_destroy(kv->cache);
    free(kv->path);
    free(kv);
}

/* ------------------------------------------------------ bulk-load marks */

/* A bulk load is one RocksDB ingest, recorded only in the MANIFEST.  If the
 * MANIFEST loses its tail (a torn or truncated file), RocksDB opens without
 * the load and deletes its files as obsolete: the load, which had returned,
 * is gone and nothing says so.  So every ingest carries one more key, the
 * load's number (MARK_KEY, in the catalog's id 0), and after it returns the
 * number is also written to a small file of its own (MARK_FILE, fsync'd and
 * renamed into place).  On open, a file number above the key's means an
 * acknowledged load is missing: the database is damaged. */
#define MARK_FILE "D4M-LOADS"
static const char mark_key[6] = { 0, 0, 0, 0, 'b', 'i' };

static void be64(char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (char)(v & 0xFF);
}

/* The number in MARK_FILE: 0 if there is no file. */
static int mark_file_read(uint64_t *id, const char *dir)
{
    char path[4096], buf[64];
    *id = 0;
    snprintf(path, sizeof path, "%s/" MARK_FILE, dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : d4m__error(D4M_EIO, "cannot read %s: %s", path,
                                                 strerror(errno));
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    unsigned long long v;
    char tail;
    if (sscanf(buf, "d4m loads 1 %llu%c", &v, &tail) != 2 || tail != '\n')
        return d4m__error(D4M_ECORRUPT, "the database is damaged: %s is not a d4m load "
                          "record", path);
    *id = v;
    return 0;
}

static int mark_file_write(const char *dir, uint64_t id)
{
    char path[4096], tmp[4200], buf[64];
    snprintf(path, sizeof path, "%s/" MARK_FILE, dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int n = snprintf(buf, sizeof buf, "d4m loads 1 %llu\n", (unsigned long long)id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    int e = 0;
    if (fd < 0)
        e = errno;
    else if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0)
        e = errno ? errno : EIO;
    if (fd >= 0 && close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return d4m__error(e == ENOSPC ? D4M_ENOSPC : D4M_EIO, "cannot write %s: %s", path,
                          strerror(e));
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* On open: every acknowledged load must be there. */
static int mark_check(d4m_kv *kv)
{
    uint64_t acked;
    D4M_TRY(mark_file_read(&acked, kv->path));
    d4m_buf v = { NULL, 0, 0 };
    bool found = false;
    int rc = d4m_kv__get(kv, NULL, (d4m_key){ mark_key, sizeof mark_key }, &v, &found);
    uint64_t loaded = 0;
    if (!rc && found) {
        if (v.len != 8)
            rc = d4m__error(D4M_ECORRUPT, "the database is damaged: its load mark has %zu "
                            "bytes", v.len);
        for (size_t i = 0; !rc && i < 8; i++)
            loaded = loaded << 8 | (unsigned char)v.p[i];
    }
    d4m__buf_free(&v);
    if (!rc && acked > loaded)
        rc = d4m__error(D4M_ECORRUPT, "the database is damaged: bulk load %llu returned, but "
                        "its data is gone (the last is %llu); its MANIFEST lost records",
                        (unsigned long long)acked, (unsigned long long)loaded);
    kv->mark = acked > loaded ? acked : loaded;
    return rc;
}

/* The block cache size the environment asks for: D4M_BLOCK_CACHE_MB, a
 * whole number of MiB from 8 to 1048576 (1 TiB), or *mb = 0 when it is
 * unset or empty (the default size). */
static int block_cache_mb(uint64_t *mb)
{
    *mb = 0;
    const char *e = getenv("D4M_BLOCK_CACHE_MB");
    if (!e || !*e)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(e, &end, 10);
    if (errno || *end || *e < '0' || *e > '9' || v < 8 || v > (1ull << 20))
        return d4m__error(D4M_EINVAL,
                          "D4M_BLOCK_CACHE_MB=%s: want a whole number of MiB from 8 to 1048576",
                          e);
    *mb = v;
    return 0;
}

/* Remove the LOCK file path unless a process holds its lock (RocksDB
 * locks it with fcntl): one made by a process opening the database at the
 * same moment stays. */
static void unlink_unlocked(const char *path)
{
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return;
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) == 0)
        unlink(path);
    close(fd);
}

int d4m_kv__open(d4m_kv **out, const char *path, unsigned flags)
{
    *out = NULL;
    if (!path || !*path)
        return d4m__error(D4M_EINVAL, "database path is empty");
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && !S_ISDIR(st.st_mode))
        return d4m__error(D4M_EINVAL, "%s is not a directory", path);
    if (!exists && !(flags & D4M_KV_CREATE))
        return d4m__error(D4M_ENOTFOUND, "no database at %s", path);
    if (exists && !(flags & D4M_KV_CREATE)) {
        char cur[4096];
        snprintf(cur, sizeof cur, "%s/CURRENT", path);
        if (access(cur, F_OK) != 0)
            return d4m__error(D4M_ENOTFOUND, "%s is not a d4m database (no CURRENT file)", path);
    }

    uint64_t cache_mb;
    D4M_TRY(block_cache_mb(&cache_mb));

    d4m_kv *kv = d4m__calloc(1, sizeof *kv);
    if (!kv)
        return D4M_ENOMEM;
    kv->flags = flags;
    kv->path = strdup(path);
    kv->opts = rocksdb_options_create();
    kv->merge = rocksdb_mergeoperator_create(NULL, merge_state_free, full_merge, partial_merge,
                                             delete_value, merge_name);
    kv->wopts = rocksdb_writeoptions_create();
    kv->wopts_sync = rocksdb_writeoptions_create();
    kv->ropts = rocksdb_readoptions_create();
    kv->envopts = rocksdb_envoptions_create();
    if (!kv->path || !kv->opts || !kv->merge || !kv->wopts || !kv->wopts_sync || !kv->ropts ||
        !kv->envopts) {
        d4m_kv__close(kv);
        return d4m__error(D4M_ENOMEM, "out of memory opening %s", path);
    }
    rocksdb_options_set_merge_operator(kv->opts, kv->merge);
    /* RocksDB's own LOG file: fatal messages only.  On a full disk its
     * writes fail too, and Debian's librocksdb (built with assertions)
     * then aborts the process in the next one, instead of the write
     * returning "No space left on device". */
    rocksdb_options_set_info_log_level(kv->opts, 4 /* FATAL_LEVEL */);
    rocksdb_options_set_create_if_missing(kv->opts, (flags & D4M_KV_CREATE) ? 1 : 0);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    rocksdb_options_increase_parallelism(kv->opts, ncpu > 1 ? (int)ncpu : 2);
    rocksdb_options_set_write_buffer_size(kv->opts, 128u << 20);
    rocksdb_options_set_max_write_buffer_number(kv->opts, 4);
    rocksdb_options_set_target_file_size_base(kv->opts, 64u << 20);
    rocksdb_options_set_max_open_files(kv->opts, 1024);
    /* Level sizes follow the last level's: a small database uses only the
     * bottom levels, and a load that overlaps data already there goes to
     * level 0 and is compacted down, instead of stacking one level above
     * the data per load (each such level costs every seek a file). */
    rocksdb_options_set_level_compaction_dynamic_level_bytes(kv->opts, 1);
    /* Queries read the same blocks again and again: the process's shared
     * cache (see "block cache" above), or one of D4M_BLOCK_CACHE_MB. */
    if (cache_mb) {
        kv->cache = rocksdb_cache_create_lru((size_t)cache_mb << 20);
    } else {
        kv->cache = shared_cache_get();
        kv->shared_cache = kv->cache != NULL;
    }
    kv->table = rocksdb_block_based_options_create();
    if (kv->cache && kv->table) {
        rocksdb_block_based_options_set_block_cache(kv->table, kv->cache);
        rocksdb_options_set_block_based_table_factory(kv->opts, kv->table);
    }
    rocksdb_writeoptions_set_sync(kv->wopts_sync, 1);
    if (flags & D4M_KV_SYNC)
        rocksdb_writeoptions_set_sync(kv->wopts, 1);

    if ((flags & D4M_KV_CREATE) && !exists && mkdir(path, 0777) != 0 && errno != EEXIST) {
        int e = errno;
        d4m_kv__close(kv);
        return d4m__error(e == ENOSPC ? D4M_ENOSPC : D4M_EIO, "cannot create %s: %s", path,
                          strerror(e));
    }
    char *err = NULL;
    /* What a failed open leaves is removed: only files it made itself. */
    char lockp[4096], logp[4096];
    snprintf(lockp, sizeof lockp, "%s/LOCK", path);
    snprintf(logp, sizeof logp, "%s/LOG", path);
    bool had_lock = access(lockp, F_OK) == 0, had_log = access(logp, F_OK) == 0;
    if (flags & D4M_KV_READONLY)
        kv->db = rocksdb_open_for_read_only(kv->opts, path, 0, &err);
    else
        kv->db = rocksdb_open(kv->opts, path, &err);
    if (err || !kv->db) {
        int rc = err ? d4m_kv__error(err, path)
                     : d4m__error(D4M_ESTORE, "%s: RocksDB did not open", path);
        /* Busy: the LOCK is another process's (it may have made it just
         * now), and removing it would let a third one in beside it. */
        if (rc != D4M_EBUSY && !had_lock)
            unlink_unlocked(lockp);
        if (rc != D4M_EBUSY && !had_log)
            unlink(logp);
        if (rc == D4M_EBUSY)
            d4m__error(D4M_EBUSY, "%s is in use by another process (open it read-only to "
                       "read while it writes)", path);
        /* A database is there (it has a CURRENT file) but a file it names
         * (its MANIFEST) is missing: damaged, not absent. */
        char cur[4096];
        snprintf(cur, sizeof cur, "%s/CURRENT", path);
        if (rc == D4M_ENOTFOUND && access(cur, F_OK) == 0) {
            char was[1024];
            snprintf(was, sizeof was, "%s", d4m_error_message());
            rc = d4m__error(D4M_ECORRUPT, "the database is damaged, a file it names is "
                            "missing: %s", was);
        }
        kv->db = NULL;
        d4m_kv__close(kv);
        return rc;
    }
    int rc = mark_check(kv);
    if (rc) {
        d4m_kv__close(kv);
        return rc;
    }
    *out = kv;
    return 0;
}

bool d4m_kv__readonly(const d4m_kv *kv) { return (kv->flags & D4M_KV_READONLY) != 0; }
size_t d4m_kv__cache_bytes(const d4m_kv *kv)
{
    return kv->cache ? rocksdb_cache_get_capacity(kv->cache) : 0;
}

size_t d4m_kv__cache_usage(const d4m_kv *kv)
{
    return kv->cache ? rocksdb_cache_get_usage(kv->cache) : 0;
}

const char *d4m_kv__path(const d4m_kv *kv) { return kv->path; }

int d4m_kv__get(d4m_kv *kv, const d4m_kv_snap *snap, d4m_key key, d4m_buf *val, bool *found)
{
    char *err = NULL;
    size_t n = 0;
    rocksdb_readoptions_t *ro = kv->ropts;
    if (snap)
        rocksdb_readoptions_set_snapshot(ro, snap->s);
    char *v = rocksdb_get(kv->db, ro, key.ptr, key.len, &n, &err);
    if (snap)
        rocksdb_readoptions_set_snapshot(ro, NULL);
    if (err)
        return d4m_kv__error(err, "read");
    *found = v != NULL;
    int rc = v ? d4m__buf_put(val, v, n) : 0;
    rocksdb_free(v);
    return rc;
}

/* -------------------------------------------------------------- batches */

int d4m_kv__batch_new(d4m_kv_batch **out)
{
    d4m_kv_batch *b = d4m__calloc(1, sizeof *b);
    if (!b)
        return D4M_ENOMEM;
    b->wb = rocksdb_writebatch_create();
    if (!b->wb) {
        free(b);
        return d4m__error(D4M_ENOMEM, "out of memory for a write batch");
    }
    *out = b;
    return 0;
}

void d4m_kv__batch_put(d4m_kv_batch *b, d4m_key k, d4m_key v)
{
    rocksdb_writebatch_put(b->wb, k.ptr, k.len, v.ptr, v.len);
}

void d4m_kv__batch_merge(d4m_kv_batch *b, d4m_key k, d4m_key v)
{
    rocksdb_writebatch_merge(b->wb, k.ptr, k.len, v.ptr, v.len);
}

void d4m_kv__batch_delete(d4m_kv_batch *b, d4m_key k)
{
    rocksdb_writebatch_delete(b->wb, k.ptr, k.len);
}

void d4m_kv__batch_delete_range(d4m_kv_batch *b, d4m_key lo, d4m_key hi)
{
    rocksdb_writebatch_delete_range(b->wb, lo.ptr, lo.len, hi.ptr, hi.len);
}

size_t d4m_kv__batch_count(const d4m_kv_batch *b)
{
    return (size_t)rocksdb_writebatch_count(b->wb);
}

void d4m_kv__batch_clear(d4m_kv_batch *b) { rocksdb_writebatch_clear(b->wb); }

int d4m_kv__batch_write(d4m_kv *kv, d4m_kv_batch *b, bool sync)
{
    if (d4m_kv__readonly(kv))
        return d4m__error(D4M_EINVAL, "%s is open read-only", kv->path);
    char *err = NULL;
    rocksdb_write(kv->db, sync ? kv->wopts_sync : kv->wopts, b->wb, &err);
    return d4m_kv__error(err, "write");
}

void d4m_kv__batch_free(d4m_kv_batch *b)
{
    if (!b)
        return;
    rocksdb_writebatch_destroy(b->wb);
    free(b);
}

/* ------------------------------------------------------------ snapshots */

int d4m_kv__snap_new(d4m_kv_snap **out, d4m_kv *kv)
{
    d4m_kv_snap *s = d4m__calloc(1, sizeof *s);
    if (!s)
        return D4M_ENOMEM;
    s->s = rocksdb_create_snapshot(kv->db);
    *out = s;
    return 0;
}

void d4m_kv__snap_free(d4m_kv *kv, d4m_kv_snap *s)
{
    if (!s)
        return;
    if (s->s)
        rocksdb_release_snapshot(kv->db, s->s);
    free(s);
}

/* ------------------------------------------------------------ iterators */

/* Past every key: table ids never reach 0xFFFFFFFF. */
static const char no_bound[5] = { (char)0xFF, (char)0xFF, (char)0xFF, (char)0xFF, (char)0xFF };

static int iter_bounds(d4m_kv_iter *it, d4m_key lo, d4m_key hi)
{
    it->lo.len = 0;
    it->hi.len = 0;
    D4M_TRY(d4m__buf_put(&it->lo, lo.ptr, lo.len));
    D4M_TRY(d4m__buf_put(&it->hi, hi.ptr, hi.len));
    it->has_hi = hi.len > 0;
    return 0;
}

int d4m_kv__iter_new(d4m_kv_iter **out, d4m_kv *kv, const d4m_kv_snap *snap,
                     d4m_key lo, d4m_key hi)
{
    return d4m_kv__iter_new_opts(out, kv, snap, lo, hi, NULL);
}

/* RocksDB counts into a per-thread perf context at every step unless
 * the thread's perf level says not to; nothing here reads the counts, and
 * each one is a thread-local lookup in the shared library (about 4% of the
 * CPU of a scan of small entries, measured on voxel triples; 7% on a
 * table scan's).  The level is the calling thread's: iterators set it
 * where they are made, and a thread that steps one made elsewhere calls
 * this first. */
void d4m_kv__iter_thread(void)
{
    rocksdb_set_perf_level(rocksdb_disable);
}

int d4m_kv__iter_new_opts(d4m_kv_iter **out, d4m_kv *kv, const d4m_kv_snap *snap,
                          d4m_key lo, d4m_key hi, const d4m_kv_iter_opts *o)
{
    *out = NULL;
    d4m_kv__iter_thread();
    d4m_kv_iter *it = d4m__calloc(1, sizeof *it);
    if (!it)
        return D4M_ENOMEM;
    it->ro = rocksdb_readoptions_create();
    if (!it->ro) {
        free(it);
        return d4m__error(D4M_ENOMEM, "out of memory for an iterator");
    }
    if (snap)
        rocksdb_readoptions_set_snapshot(it->ro, snap->s);
    if (o && o->readahead)
        rocksdb_readoptions_set_readahead_size(it->ro, o->readahead);
    if (o && o->no_fill_cache)
        rocksdb_readoptions_set_fill_cache(it->ro, 0);
    /* The upper bound lets RocksDB stop early and skip tombstones past it;
     * the iterator keeps the address of the options' bound, so one is set
     * now and changed per seek (iter_seek), and RocksDB's own check of it
     * is the only one (iter_valid). */
    rocksdb_readoptions_set_iterate_upper_bound(it->ro, no_bound, sizeof no_bound);
    it->it = rocksdb_create_iterator(kv->db, it->ro);
    if (!it->it) {
        rocksdb_readoptions_destroy(it->ro);
        free(it);
        return d4m__error(D4M_ENOMEM, "out of memory for an iterator");
    }
    int rc = d4m_kv__iter_seek(it, lo, hi);
    if (rc) {
        d4m_kv__iter_free(it);
        return rc;
    }
    *out = it;
    return 0;
}

int d4m_kv__iter_seek(d4m_kv_iter *it, d4m_key lo, d4m_key hi)
{
    D4M_TRY(iter_bounds(it, lo, hi));
    /* The read options hold the bound by address, and the iterator reads it
     * at every step: RocksDB stops at it instead of reading the block after
     * the range (for a volume, a whole brick). */
    if (it->has_hi)
        rocksdb_readoptions_set_iterate_upper_bound(it->ro, it->hi.p, it->hi.len);
    else
        rocksdb_readoptions_set_iterate_upper_bound(it->ro, no_bound, sizeof no_bound);
    rocksdb_iter_seek(it->it, it->lo.p ? it->lo.p : "", it->lo.len);
    return 0;
}

/* RocksDB holds the iterator under the upper bound set at the seek, so
 * that validity is all there is to ask. */
bool d4m_kv__iter_valid(const d4m_kv_iter *it) { return rocksdb_iter_valid(it->it); }

void d4m_kv__iter_next(d4m_kv_iter *it) { rocksdb_iter_next(it->it); }

d4m_key d4m_kv__iter_key(const d4m_kv_iter *it)
{
    d4m_key k;
    k.ptr = rocksdb_iter_key(it->it, &k.len);
    return k;
}

d4m_key d4m_kv__iter_value(const d4m_kv_iter *it)
{
    d4m_key v;
    v.ptr = rocksdb_iter_value(it->it, &v.len);
    return v;
}

int d4m_kv__iter_status(const d4m_kv_iter *it)
{
    char *err = NULL;
    rocksdb_iter_get_error(it->it, &err);
    return d4m_kv__error(err, "read");
}

void d4m_kv__iter_free(d4m_kv_iter *it)
{
    if (!it)
        return;
    if (it->it)
        rocksdb_iter_destroy(it->it);
    if (it->ro)
        rocksdb_readoptions_destroy(it->ro);
    d4m__buf_free(&it->lo);
    d4m__buf_free(&it->hi);
    free(it);
}

/* ------------------------------------------------- sorted files, ingest */

int d4m_kv__sst_new(d4m_kv_sst **out, d4m_kv *kv, const char *path)
{
    return d4m_kv__sst_new_opts(out, kv, path, NULL);
}

int d4m_kv__sst_new_opts(d4m_kv_sst **out, d4m_kv *kv, const char *path,
                         const d4m_kv_sst_opts *o)
{
    *out = NULL;
    d4m_kv_sst *s = d4m__calloc(1, sizeof *s);
    if (!s)
        return D4M_ENOMEM;
    s->path = strdup(path);
    bool own = o && (o->compression != D4M_KV_COMPRESS_DEFAULT || o->block_size);
    if (!kv || own) {
        /* Ranks of a parallel load write files without opening the
         * database: default options are what a sorted file needs. */
        s->own_opts = kv ? rocksdb_options_create_copy(kv->opts) : rocksdb_options_create();
        s->own_env = rocksdb_envoptions_create();
    }
    if (own && s->own_opts) {
        static const int codec[] = { 0, rocksdb_no_compression, rocksdb_snappy_compression,
                                     rocksdb_lz4_compression, rocksdb_zstd_compression };
        if ((unsigned)o->compression > D4M_KV_COMPRESS_ZSTD) {
            d4m_kv__sst_free(s);
            return d4m__error(D4M_EINVAL, "unknown compression %d", (int)o->compression);
        }
        if (o->compression != D4M_KV_COMPRESS_DEFAULT)
            rocksdb_options_set_compression(s->own_opts, codec[o->compression]);
        if (o->block_size) {
            /* a writer has no use for a block cache */
            s->own_table = rocksdb_block_based_options_create();
            if (s->own_table) {
                rocksdb_block_based_options_set_no_block_cache(s->own_table, 1);
                rocksdb_block_based_options_set_block_size(s->own_table, o->block_size);
                rocksdb_options_set_block_based_table_factory(s->own_opts, s->own_table);
            }
        }
    }
    if (!s->own_opts && !s->own_env)
        s->w = rocksdb_sstfilewriter_create(kv->envopts, kv->opts);
    else if (s->own_opts && s->own_env && (!own || !o->block_size || s->own_table))
        s->w = rocksdb_sstfilewriter_create(s->own_env, s->own_opts);
    if (!s->path || !s->w) {
        d4m_kv__sst_free(s);
        return d4m__error(D4M_ENOMEM, "out of memory for a sorted file");
    }
    char *err = NULL;
    rocksdb_sstfilewriter_open(s->w, path, &err);
    if (err) {
        d4m_kv__sst_free(s);
        return d4m_kv__error(err, path);
    }
    *out = s;
    return 0;
}

int d4m_kv__sst_add(d4m_kv_sst *s, d4m_key k, d4m_key v, bool merge)
{
    char *err = NULL;
    if (merge)
        rocksdb_sstfilewriter_merge(s->w, k.ptr, k.len, v.ptr, v.len, &err);
    else
        rocksdb_sstfilewriter_put(s->w, k.ptr, k.len, v.ptr, v.len, &err);
    s->count++;
    return d4m_kv__error(err, s->path);
}

int d4m_kv__sst_finish(d4m_kv_sst *s, bool *empty)
{
    *empty = s->count == 0;
    if (*empty) {
        /* RocksDB refuses to finish an empty file; leave none behind. */
        rocksdb_sstfilewriter_destroy(s->w);
        s->w = NULL;
        unlink(s->path);
        return 0;
    }
    char *err = NULL;
    rocksdb_sstfilewriter_finish(s->w, &err);
    return d4m_kv__error(err, s->path);
}

void d4m_kv__sst_free(d4m_kv_sst *s)
{
    if (!s)
        return;
    if (s->w)
        rocksdb_sstfilewriter_destroy(s->w);
    if (s->own_opts)
        rocksdb_options_destroy(s->own_opts);
    if (s->own_env)
        rocksdb_envoptions_destroy(s->own_env);
    if (s->own_table)
        rocksdb_block_based_options_destroy(s->own_table);
    free(s->path);
    free(s);
}

int d4m_kv__ingest(d4m_kv *kv, const char *const *files, size_t n)
{
    if (d4m_kv__readonly(kv))
        return d4m__error(D4M_EINVAL, "%s is open read-only", kv->path);
    if (n == 0)
        return 0;
    rocksdb_ingestexternalfileoptions_t *o = rocksdb_ingestexternalfileoptions_create();
    if (!o)
        return d4m__error(D4M_ENOMEM, "out of memory for ingest options");
    rocksdb_ingestexternalfileoptions_set_move_files(o, 1);
    /* The load's mark goes in with it (see "bulk-load marks"). */
    uint64_t id = kv->mark + 1;
    char *dir = NULL, *mark = NULL;
    const char **all = d4m__malloc(d4m__mul(n + 1, sizeof *all));
    int rc = all ? d4m_kv__tmpdir(&dir, kv) : D4M_ENOMEM;
    if (!rc) {
        size_t len = strlen(dir) + 64;
        mark = d4m__malloc(len);
        rc = mark ? 0 : D4M_ENOMEM;
        if (mark)
            snprintf(mark, len, "%s/load-mark-%ld.sst", dir, (long)getpid());
    }
    d4m_kv_sst *s = NULL;
    if (!rc)
        rc = d4m_kv__sst_new(&s, kv, mark);
    if (!rc) {
        char v[8];
        be64(v, id);
        bool empty;
        rc = d4m_kv__sst_add(s, (d4m_key){ mark_key, sizeof mark_key }, (d4m_key){ v, 8 },
                             false);
        if (!rc)
            rc = d4m_kv__sst_finish(s, &empty);
    }
    d4m_kv__sst_free(s);
    if (!rc) {
        memcpy(all, files, n * sizeof *all);
        all[n] = mark;
        char *err = NULL;
        rocksdb_ingest_external_file(kv->db, all, n + 1, o, &err);
        rc = d4m_kv__error(err, "ingest");
    }
    rocksdb_ingestexternalfileoptions_destroy(o);
    if (mark)
        unlink(mark);   /* gone already when the ingest moved it */
    if (!rc) {
        kv->mark = id;
        /* The load is in.  If its record cannot be written, it is not
         * reported as failed (a retry would load it twice); the check on
         * open then relies on the previous record. */
        if (mark_file_write(kv->path, id) != 0)
            d4m_error_clear();
    }
    free(all);
    free(dir);
    free(mark);
    return rc;
}

int d4m_kv__tmpdir(char **dir, d4m_kv *kv)
{
    size_t n = strlen(kv->path) + 16;
    char *d = d4m__malloc(n);
    if (!d)
        return D4M_ENOMEM;
    snprintf(d, n, "%s/d4m-tmp", kv->path);
    if (mkdir(d, 0777) != 0 && errno != EEXIST) {
        int e = errno;
        free(d);
        return d4m__error(e == ENOSPC ? D4M_ENOSPC : D4M_EIO, "cannot create %s/d4m-tmp: %s",
                          kv->path, strerror(e));
    }
    *dir = d;
    return 0;
}

int d4m_kv__compact(d4m_kv *kv, d4m_key lo, d4m_key hi)
{
    rocksdb_compact_range(kv->db, lo.ptr, lo.len, hi.len ? hi.ptr : NULL, hi.len);
    return 0;
}

uint64_t d4m_kv__approx_size(d4m_kv *kv, d4m_key lo, d4m_key hi)
{
    const char *s[1] = { lo.ptr };
    const char *l[1] = { hi.ptr };
    size_t sl[1] = { lo.len }, ll[1] = { hi.len };
    uint64_t size = 0;
    char *err = NULL;
    rocksdb_approximate_sizes(kv->db, 1, s, sl, l, ll, &size, &err);
    if (err) {
        free(err);
        return 0;
    }
    return size;
}
