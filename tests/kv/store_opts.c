/*
 * tests/kv/store_opts.c - sorted files with their own block settings
 * (d4m_kv__sst_new_opts: codec and block size) and iterators with their own
 * read settings (d4m_kv__iter_new_opts: readahead, no block-cache fill),
 * kv/store.c: every combination reads back exactly what was written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "d4m/db_util.h"
#include "kv.h"

#define NKEYS 5000

static void key_of(char *k, int part, int i) { snprintf(k, 16, "%c%06d", 'a' + part, i); }

/* A compressible value: the index, then a run of one letter. */
static size_t value_of(char *v, int i)
{
    int n = snprintf(v, 64, "%06d", i);
    memset(v + n, 'q', 40);
    return (size_t)n + 40;
}

/* Write keys of part `part` into one sorted file with options o, ingest it. */
static void write_part(d4m_kv *kv, const char *dir, int part, const d4m_kv_sst_opts *o)
{
    char path[128], k[16], v[64];
    snprintf(path, sizeof path, "%s/part%d.sst", dir, part);
    d4m_kv_sst *s = NULL;
    CHECK_OK(d4m_kv__sst_new_opts(&s, kv, path, o));
    for (int i = 0; i < NKEYS; i++) {
        key_of(k, part, i);
        size_t n = value_of(v, i);
        CHECK_OK(d4m_kv__sst_add(s, (d4m_key){ k, 7 }, (d4m_key){ v, n }, false));
    }
    bool empty = true;
    CHECK_OK(d4m_kv__sst_finish(s, &empty));
    cr_assert(!empty);
    d4m_kv__sst_free(s);
    const char *files[1] = { path };
    CHECK_OK(d4m_kv__ingest(kv, files, 1));
}

/* Every key of the part, in order, with its value, and nothing else. */
static void read_part(d4m_kv *kv, int part, const d4m_kv_iter_opts *o)
{
    char lo[16], hi[16], k[16], v[64];
    key_of(lo, part, 0);
    key_of(hi, part + 1, 0);
    d4m_kv_iter *it = NULL;
    CHECK_OK(d4m_kv__iter_new_opts(&it, kv, NULL, (d4m_key){ lo, 7 }, (d4m_key){ hi, 7 }, o));
    int i = 0;
    for (; d4m_kv__iter_valid(it); d4m_kv__iter_next(it), i++) {
        d4m_key gk = d4m_kv__iter_key(it), gv = d4m_kv__iter_value(it);
        key_of(k, part, i);
        size_t n = value_of(v, i);
        cr_assert_eq(gk.len, 7);
        cr_assert(memcmp(gk.ptr, k, 7) == 0, "part %d key %d", part, i);
        cr_assert_eq(gv.len, n);
        cr_assert(memcmp(gv.ptr, v, n) == 0, "part %d value %d", part, i);
    }
    CHECK_OK(d4m_kv__iter_status(it));
    cr_assert_eq(i, NKEYS, "part %d: %d keys", part, i);
    /* re-aimed at the middle of the part */
    key_of(lo, part, 4990);
    CHECK_OK(d4m_kv__iter_seek(it, (d4m_key){ lo, 7 }, (d4m_key){ hi, 7 }));
    for (i = 4990; d4m_kv__iter_valid(it); d4m_kv__iter_next(it), i++)
        ;
    cr_assert_eq(i, NKEYS);
    d4m_kv__iter_free(it);
}

static uint64_t part_size(d4m_kv *kv, int part)
{
    char lo[16], hi[16];
    key_of(lo, part, 0);
    key_of(hi, part + 1, 0);
    return d4m_kv__approx_size(kv, (d4m_key){ lo, 7 }, (d4m_key){ hi, 7 });
}

Test(kv_opts, every_codec_and_block_size_reads_back)
{
    char dir[64];
    tmpdir_new(dir);
    d4m_kv *kv = NULL;
    CHECK_OK(d4m_kv__open(&kv, dir, D4M_KV_CREATE));
    d4m_kv_sst_opts opts[7] = {
        { D4M_KV_COMPRESS_DEFAULT, 0 }, { D4M_KV_COMPRESS_NONE, 0 },
        { D4M_KV_COMPRESS_SNAPPY, 0 },  { D4M_KV_COMPRESS_LZ4, 0 },
        { D4M_KV_COMPRESS_ZSTD, 0 },    { D4M_KV_COMPRESS_ZSTD, 1024 },
        { D4M_KV_COMPRESS_NONE, 65536 } };
    for (int p = 0; p < 7; p++)
        write_part(kv, dir, p, &opts[p]);
    write_part(kv, dir, 7, NULL);   /* the database's settings */
    d4m_kv_iter_opts ro[4] = { { 0, false }, { 65536, false }, { 0, true }, { 1 << 20, true } };
    for (int p = 0; p < 8; p++) {
        read_part(kv, p, NULL);
        for (int r = 0; r < 4; r++)
            read_part(kv, p, &ro[r]);
    }
    /* the codecs did what they say: the values are mostly one letter */
    uint64_t none = part_size(kv, 1), zstd = part_size(kv, 4);
    cr_assert_gt(none, (uint64_t)NKEYS * 40, "uncompressed part: %llu bytes",
                 (unsigned long long)none);
    cr_assert_lt(zstd * 3, none, "zstd %llu against none %llu", (unsigned long long)zstd,
                 (unsigned long long)none);
    d4m_kv__close(kv);
    rm_tree(dir);
}

Test(kv_opts, files_without_a_database_and_bad_codecs)
{
    char dir[64], path[128];
    tmpdir_new(dir);
    snprintf(path, sizeof path, "%s/x.sst", dir);
    d4m_kv_sst *s = (d4m_kv_sst *)&s;
    d4m_kv_sst_opts bad = { (d4m_kv_compression)99, 0 };
    CHECK_FAILS(d4m_kv__sst_new_opts(&s, NULL, path, &bad), D4M_EINVAL);
    cr_assert_null(s);
    /* a rank of a parallel load: no database, its own settings */
    d4m_kv_sst_opts z = { D4M_KV_COMPRESS_ZSTD, 2048 };
    CHECK_OK(d4m_kv__sst_new_opts(&s, NULL, path, &z));
    char k[16], v[64];
    for (int i = 0; i < NKEYS; i++) {
        key_of(k, 0, i);
        size_t n = value_of(v, i);
        CHECK_OK(d4m_kv__sst_add(s, (d4m_key){ k, 7 }, (d4m_key){ v, n }, false));
    }
    bool empty = true;
    CHECK_OK(d4m_kv__sst_finish(s, &empty));
    d4m_kv__sst_free(s);
    char dbdir[160];
    snprintf(dbdir, sizeof dbdir, "%s/db", dir);
    d4m_kv *kv = NULL;
    CHECK_OK(d4m_kv__open(&kv, dbdir, D4M_KV_CREATE));
    const char *files[1] = { path };
    CHECK_OK(d4m_kv__ingest(kv, files, 1));
    d4m_kv_iter_opts ra = { 4096, true };
    read_part(kv, 0, &ra);
    d4m_kv__close(kv);
    rm_tree(dir);
}

/* The default block cache: a quarter of memory, 64 MiB to 16 GiB. */
static size_t default_cache(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    size_t want = (size_t)pages * (size_t)psize / 4;
    if (want < (64u << 20)) want = 64u << 20;
    if (want > ((size_t)16 << 30)) want = (size_t)16 << 30;
    return want;
}

/* D4M_BLOCK_CACHE_MB sizes the block cache; a value that is not a whole
 * number of MiB from 8 to 1048576 fails the open and creates nothing. */
Test(kv_opts, block_cache_size_from_the_environment)
{
    char dir[64], dbdir[128];
    tmpdir_new(dir);
    snprintf(dbdir, sizeof dbdir, "%s/db", dir);
    d4m_kv *kv = NULL;
    unsetenv("D4M_BLOCK_CACHE_MB");
    CHECK_OK(d4m_kv__open(&kv, dbdir, D4M_KV_CREATE));
    size_t want = default_cache();
    cr_assert_eq(d4m_kv__cache_bytes(kv), want, "default cache %zu, want %zu",
                 d4m_kv__cache_bytes(kv), want);
    write_part(kv, dir, 0, NULL);
    write_part(kv, dir, 1, NULL);
    /* the iterator stops at each seek's own upper bound (RocksDB holds it
     * there; iter_valid does not compare again), narrower or wider */
    char lo[16], hi[16];
    d4m_kv_iter *it = NULL;
    key_of(lo, 0, 100);
    key_of(hi, 0, 200);
    CHECK_OK(d4m_kv__iter_new(&it, kv, NULL, (d4m_key){ lo, 7 }, (d4m_key){ hi, 7 }));
    int n = 0;
    for (; d4m_kv__iter_valid(it); d4m_kv__iter_next(it))
        n++;
    cr_assert_eq(n, 100);
    key_of(lo, 0, NKEYS - 10);
    key_of(hi, 1, 5);
    CHECK_OK(d4m_kv__iter_seek(it, (d4m_key){ lo, 7 }, (d4m_key){ hi, 7 }));
    for (n = 0; d4m_kv__iter_valid(it); d4m_kv__iter_next(it))
        n++;
    cr_assert_eq(n, 15);
    key_of(lo, 1, 3);
    key_of(hi, 1, 4);
    CHECK_OK(d4m_kv__iter_seek(it, (d4m_key){ lo, 7 }, (d4m_key){ hi, 7 }));
    cr_assert(d4m_kv__iter_valid(it));
    cr_assert(memcmp(d4m_kv__iter_key(it).ptr, lo, 7) == 0);
    d4m_kv__iter_next(it);
    cr_assert(!d4m_kv__iter_valid(it));
    d4m_kv__iter_free(it);
    d4m_kv__close(kv);

    setenv("D4M_BLOCK_CACHE_MB", "96", 1);
    CHECK_OK(d4m_kv__open(&kv, dbdir, 0));
    cr_assert_eq(d4m_kv__cache_bytes(kv), (size_t)96 << 20);
    read_part(kv, 0, NULL);
    d4m_kv__close(kv);
    setenv("D4M_BLOCK_CACHE_MB", "", 1);   /* empty: the default */
    CHECK_OK(d4m_kv__open(&kv, dbdir, 0));
    cr_assert_eq(d4m_kv__cache_bytes(kv), want);
    d4m_kv__close(kv);

    static const char *bad[] = { "7", "0", "abc", "12x", "-5", " 64", "+64", "1048577",
                                 "99999999999999999999999" };
    char fresh[160];
    snprintf(fresh, sizeof fresh, "%s/fresh", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("D4M_BLOCK_CACHE_MB", bad[i], 1);
        kv = (d4m_kv *)&kv;
        CHECK_FAILS(d4m_kv__open(&kv, fresh, D4M_KV_CREATE), D4M_EINVAL);
        cr_assert_null(kv);
        cr_assert_not_null(strstr(d4m_error_message(), "D4M_BLOCK_CACHE_MB"), "%s",
                           d4m_error_message());
        cr_assert_neq(access(fresh, F_OK), 0, "nothing is created for %s", bad[i]);
    }
    setenv("D4M_BLOCK_CACHE_MB", "8", 1);
    CHECK_OK(d4m_kv__open(&kv, dbdir, 0));
    cr_assert_eq(d4m_kv__cache_bytes(kv), (size_t)8 << 20);
    read_part(kv, 0, NULL);
    d4m_kv__close(kv);
    unsetenv("D4M_BLOCK_CACHE_MB");
    rm_tree(dir);
}

/* Databases opened without D4M_BLOCK_CACHE_MB share one default cache (the
 * blocks one reads are in the other's cache too), released with the last
 * of them; one opened with D4M_BLOCK_CACHE_MB has a cache of its own. */
Test(kv_opts, databases_share_the_default_block_cache)
{
    char dir[64], a_dir[128], b_dir[128], c_dir[128];
    tmpdir_new(dir);
    snprintf(a_dir, sizeof a_dir, "%s/a", dir);
    snprintf(b_dir, sizeof b_dir, "%s/b", dir);
    snprintf(c_dir, sizeof c_dir, "%s/c", dir);
    unsetenv("D4M_BLOCK_CACHE_MB");
    d4m_kv *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(d4m_kv__open(&a, a_dir, D4M_KV_CREATE));
    write_part(a, dir, 0, NULL);
    d4m_kv__close(a);

    CHECK_OK(d4m_kv__open(&a, a_dir, 0));
    CHECK_OK(d4m_kv__open(&b, b_dir, D4M_KV_CREATE));
    setenv("D4M_BLOCK_CACHE_MB", "16", 1);
    CHECK_OK(d4m_kv__open(&c, c_dir, D4M_KV_CREATE));
    unsetenv("D4M_BLOCK_CACHE_MB");
    cr_assert_eq(d4m_kv__cache_bytes(a), default_cache());
    cr_assert_eq(d4m_kv__cache_bytes(b), default_cache());
    cr_assert_eq(d4m_kv__cache_bytes(c), (size_t)16 << 20);
    /* opening a read its load mark's block (kv/store.c, "bulk-load marks") */
    size_t opened = d4m_kv__cache_usage(a);
    cr_assert_eq(d4m_kv__cache_usage(b), opened);
    size_t c_opened = d4m_kv__cache_usage(c);
    read_part(a, 0, NULL);   /* only a reads */
    size_t used = d4m_kv__cache_usage(a);
    cr_assert_gt(used, opened + (size_t)NKEYS * 40, "a's blocks: %zu bytes", used);
    cr_assert_eq(d4m_kv__cache_usage(b), used);
    cr_assert_eq(d4m_kv__cache_usage(c), c_opened);

    /* b outlives a: the cache stays while one database uses it */
    d4m_kv__close(a);
    cr_assert_eq(d4m_kv__cache_usage(b), used);
    d4m_kv__close(b);
    d4m_kv__close(c);
    /* the last one closed: a new open starts without those blocks (RocksDB
     * keeps a few small entries of its own there, so not at 0) */
    CHECK_OK(d4m_kv__open(&a, a_dir, 0));
    size_t again = d4m_kv__cache_usage(a);
    cr_assert_lt(again + (size_t)NKEYS * 40, used, "%zu bytes after the reopen", again);
    read_part(a, 0, NULL);
    cr_assert_gt(d4m_kv__cache_usage(a), again + (size_t)NKEYS * 40);
    d4m_kv__close(a);
    rm_tree(dir);
}
