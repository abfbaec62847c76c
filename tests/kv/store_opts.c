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
