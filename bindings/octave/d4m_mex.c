/*
 * d4m_mex.c - the one MEX gateway of the Octave/MATLAB bindings.
 *
 *   out = d4m_mex(command, args...)
 *
 * Written to the MEX API (mex.h) against the public include/d4m.h,
 * include/d4m/db.h and include/d4m/volume.h only, so that the same source builds with Octave's
 * `mkoctfile --mex` and MATLAB's `mex`.  The .m classes in @Assoc, @DBserver,
 * @DBtable and @DBtableIterator call it; users do not.
 *
 * Handles.  Every C object (Assoc, database, table, iterator, volume) lives in a slot
 * of a table kept by this module.  Octave sees a uint64 handle id:
 *
 *     bits  0..23  slot index
 *     bits 24..47  generation of the slot (incremented when the slot is freed)
 *     bits 48..63  a tag chosen when the module is loaded
 *
 * so an id of a freed object, of an object of another kind, of an earlier
 * load of the module, or any made-up number, is refused with d4m:badHandle
 * (never dereferenced).  The .m side holds each id in a D4MHandle object
 * (classdef < handle) whose delete() frees the slot when the last Octave
 * reference goes, so loops do not accumulate C objects.  While any slot is
 * live the module is locked (mexLock) so `clear functions` cannot unload it
 * under live ids; at exit everything is freed, tables before databases.
 *
 * Databases and tables: a table slot counts as a child of its database slot,
 * an iterator as a child of its table.  Freeing a parent that still has
 * children only marks it (its id is then refused); it is closed when its last
 * child goes.  So Octave may drop the objects in any order.  A volume
 * (d4m_volume, @DBvolume) is a child of its database as a table is.
 *
 * Errors.  Library failures become Octave errors with identifier
 * d4m:<code> (d4m:parse, d4m:length, ...) and d4m_error_message() as text;
 * argument problems are d4m:badArg, d4m:nargin, d4m:badHandle.  Every C
 * resource of a call is registered in a cleanup list that is emptied before
 * the error is raised (the MEX error longjmps/throws out of this frame).
 */
#include <stdarg.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "mex.h"
#include <d4m.h>
#include <d4m/db.h>
#include <d4m/volume.h>

/* ============================================================ cleanup list */

typedef void (*cleanup_fn)(void *);
static void **tmp_p;
static cleanup_fn *tmp_f;
static int tmp_n, tmp_cap;
/* The temporaries of the running call start here: 0, except while a
 * collide function runs (call_collide), when the outer call's stay below
 * and a d4m_mex call made by the function must not free them. */
static int tmp_base;

static void tmp_run(void)
{
    while (tmp_n > tmp_base) {
        tmp_n--;
        if (tmp_p[tmp_n])
            tmp_f[tmp_n](tmp_p[tmp_n]);
    }
}

static void fail(const char *id, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((noreturn, format(printf, 2, 3)))
#endif
    ;

static void fail(const char *id, const char *fmt, ...)
{
    static char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tmp_run();
    mexErrMsgIdAndTxt(id, "%s", msg);
    abort(); /* not reached */
}

/* Register p to be freed by f when the call ends (or fails). */
static void *tmp_push(void *p, cleanup_fn f)
{
    if (tmp_n == tmp_cap) {
        /* One per argument, file name, ...: as many as a call needs. */
        int cap = tmp_cap ? 2 * tmp_cap : 64;
        void **np = cap < (1 << 24) ? realloc(tmp_p, (size_t)cap * sizeof *np) : NULL;
        if (np)
            tmp_p = np;
        cleanup_fn *nf = np ? realloc(tmp_f, (size_t)cap * sizeof *nf) : NULL;
        if (nf)
            tmp_f = nf;
        if (!np || !nf) {
            if (p) f(p);
            fail("d4m:nomem", "d4m_mex: out of memory");
        }
        tmp_cap = cap;
    }
    tmp_p[tmp_n] = p;
    tmp_f[tmp_n] = f;
    tmp_n++;
    return p;
}

/* Forget p (its ownership moved elsewhere). */
static void tmp_keep(void *p)
{
    for (int i = tmp_n - 1; i >= 0; i--)
        if (tmp_p[i] == p) { tmp_p[i] = NULL; return; }
}

static void free_assoc(void *p) { d4m_assoc_free(p); }
static void free_query(void *p) { d4m_query_free(p); }
static void free_plain(void *p) { free(p); }
static void free_lib(void *p) { d4m_free(p); }
static void free_triples(void *p) { d4m_triples_free(p); }
static void free_file(void *p) { fclose(p); }

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        fail("d4m:nomem", "out of memory (%zu bytes)", n);
    return tmp_push(p, free_plain);
}

/* ================================================================= errors */

static const char *code_id(int rc)
{
    switch (rc) {
    case D4M_ENOMEM: return "d4m:nomem";
    case D4M_EINVAL: return "d4m:inval";
    case D4M_ELENGTH: return "d4m:length";
    case D4M_ESEP: return "d4m:sep";
    case D4M_EVALUE: return "d4m:value";
    case D4M_EKEY: return "d4m:key";
    case D4M_EKEYKIND: return "d4m:keykind";
    case D4M_EVALKIND: return "d4m:valkind";
    case D4M_EPARSE: return "d4m:parse";
    case D4M_ETOOBIG: return "d4m:toobig";
    case D4M_EFORMAT: return "d4m:format";
    case D4M_EIO: return "d4m:io";
    case D4M_EGRAPHBLAS: return "d4m:graphblas";
    case D4M_ENOTFOUND: return "d4m:notfound";
    case D4M_EEXISTS: return "d4m:exists";
    case D4M_EBUSY: return "d4m:busy";
    case D4M_ECORRUPT: return "d4m:corrupt";
    case D4M_ENOSPC: return "d4m:nospc";
    case D4M_ESTORE: return "d4m:store";
    case D4M_EMPI: return "d4m:mpi";
    case D4M_EFITS: return "d4m:fits";
    case D4M_ECALLBACK: return "d4m:callback";
    default: return "d4m:error";
    }
}

/* Raise the library's last error if rc < 0. */
static void check(int rc)
{
    if (rc >= 0)
        return;
    const char *m = d4m_error_message();
    fail(code_id(rc), "%s%s%s", d4m_strerror(rc), m && *m ? ": " : "", m ? m : "");
}

#define BADARG(...) fail("d4m:badArg", __VA_ARGS__)

/* ================================================================ handles */

enum { K_FREE = 0, K_ASSOC, K_DB, K_TABLE, K_ITER, K_VOL };
static const char *kind_name[] = { "freed", "Assoc", "DBserver", "DBtable", "iterator",
                                   "DBvolume" };

typedef struct slot {
    void *p;
    int kind;
    uint32_t gen;       /* 24 bits used */
    int32_t parent;     /* slot index of the db (table) or table (iterator), -1 */
    uint32_t children;  /* live child slots */
    int zombie;         /* freed by Octave, waiting for its children */
    char *name;         /* table name (for deleteForce) */
    int32_t next_free;
} slot;

#define SLOT_BITS 24
#define MAX_SLOTS (1u << SLOT_BITS)
static slot *slots;
static uint32_t nslots, capslots;
static int32_t free_head = -1;
static uint64_t tag;          /* 16 bits, shifted to 48 */
static size_t nlive;
static int locked;

static void close_slot(uint32_t i);

static void free_all(void)
{
    /* Iterators, then tables, then databases, then everything else. */
    int order[] = { K_ITER, K_TABLE, K_VOL, K_DB, K_ASSOC };
    for (int o = 0; o < 5; o++)
        for (uint32_t i = 0; i < nslots; i++)
            if (slots[i].kind == order[o]) {
                slots[i].children = 0;
                close_slot(i);
            }
    free(slots);
    slots = NULL;
    nslots = capslots = 0;
    free_head = -1;
    nlive = 0;
}

static void at_exit(void) { free_all(); }

static void ensure_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)&done;
    t ^= t >> 29; t *= 0xbf58476d1ce4e5b9ULL; t ^= t >> 32;
    tag = (t & 0xffffu) | 1u; /* never 0: a zero id is never valid */
    mexAtExit(at_exit);
}

static uint64_t make_id(uint32_t i)
{
    return (tag << 48) | ((uint64_t)(slots[i].gen & 0xffffffu) << SLOT_BITS) | i;
}

static void live_inc(void)
{
    if (nlive++ == 0 && !locked) { mexLock(); locked = 1; }
}

static void live_dec(void)
{
    if (nlive > 0 && --nlive == 0 && locked) { mexUnlock(); locked = 0; }
}

/* Store p in a new slot (taking ownership from the cleanup list). */
static uint64_t new_slot(void *p, int kind, int32_t parent, const char *name)
{
    uint32_t i;
    char *nm = NULL;
    if (name) {
        nm = strdup(name);
        if (!nm) fail("d4m:nomem", "out of memory");
    }
    if (free_head >= 0) {
        i = (uint32_t)free_head;
        free_head = slots[i].next_free;
    } else {
        if (nslots == capslots) {
            uint32_t nc = capslots ? capslots * 2 : 256;
            if (nc > MAX_SLOTS) nc = MAX_SLOTS;
            if (nc == capslots) {
                free(nm);
                fail("d4m:toobig", "too many live d4m objects (%u)", capslots);
            }
            slot *ns = realloc(slots, (size_t)nc * sizeof *ns);
            if (!ns) {
                free(nm);
                fail("d4m:nomem", "out of memory");
            }
            slots = ns;
            capslots = nc;
        }
        i = nslots++;
        slots[i].gen = 1;
    }
    tmp_keep(p);
    slots[i].p = p;
    slots[i].kind = kind;
    slots[i].parent = parent;
    slots[i].children = 0;
    slots[i].zombie = 0;
    slots[i].name = nm;
    slots[i].next_free = -1;
    if (parent >= 0)
        slots[parent].children++;
    live_inc();
    return make_id(i);
}

/* Close the C object of slot i and release the slot (and a zombie parent). */
static void close_slot(uint32_t i)
{
    slot *s = &slots[i];
    if (s->kind == K_FREE)
        return;
    if (s->children > 0) {   /* wait for the children */
        s->zombie = 1;
        return;
    }
    switch (s->kind) {
    case K_ASSOC: d4m_assoc_free(s->p); break;
    case K_DB: d4m_db_close(s->p); break;
    case K_TABLE: d4m_table_close(s->p); break;
    case K_ITER: d4m_table_iter_free(s->p); break;
    case K_VOL: d4m_volume_close(s->p); break;
    }
    int32_t parent = s->parent;
    free(s->name);
    s->name = NULL;
    s->p = NULL;
    s->kind = K_FREE;
    s->gen = (s->gen + 1) & 0xffffffu;
    if (s->gen == 0) s->gen = 1;
    s->next_free = free_head;
    free_head = (int32_t)i;
    live_dec();
    if (parent >= 0) {
        slot *ps = &slots[parent];
        if (ps->children > 0)
            ps->children--;
        if (ps->zombie && ps->children == 0)
            close_slot((uint32_t)parent);
    }
}

/* Decode an id; -1 if it names no slot of this generation.  any: also
 * slots whose object was closed under them (deleteForce) or that wait for
 * their children, which only 'free' may name. */
static int64_t id_slot_x(const mxArray *a, int any)
{
    if (!a || mxGetNumberOfElements(a) != 1 || mxIsComplex(a) || mxIsSparse(a))
        return -1;
    uint64_t id;
    if (mxIsUint64(a))
        id = *(const uint64_t *)mxGetData(a);
    else
        return -1;
    uint32_t i = (uint32_t)(id & (MAX_SLOTS - 1));
    uint32_t gen = (uint32_t)((id >> SLOT_BITS) & 0xffffffu);
    if ((id >> 48) != tag || i >= nslots)
        return -1;
    slot *s = &slots[i];
    if (s->kind == K_FREE || s->gen != gen)
        return -1;
    if (!any && (s->zombie || !s->p))
        return -1;
    return i;
}

static int64_t id_slot(const mxArray *a) { return id_slot_x(a, 0); }

static void *get_obj(const mxArray *a, int kind, const char *what)
{
    int64_t i = id_slot(a);
    if (i < 0)
        fail("d4m:badHandle", "%s: not a live %s handle (freed, foreign, or not a handle)",
             what, kind_name[kind]);
    if (slots[i].kind != kind)
        fail("d4m:badHandle", "%s: handle is a %s, not a %s", what, kind_name[slots[i].kind],
             kind_name[kind]);
    return slots[i].p;
}

#define ASSOC(k) ((const d4m_assoc *)get_obj(prhs[k], K_ASSOC, cmd))

static mxArray *id_out(uint64_t id)
{
    mxArray *m = mxCreateNumericMatrix(1, 1, mxUINT64_CLASS, mxREAL);
    *(uint64_t *)mxGetData(m) = id;
    return m;
}

static mxArray *assoc_out(d4m_assoc *a)
{
    tmp_push(a, free_assoc);
    mxArray *m = mxCreateNumericMatrix(1, 1, mxUINT64_CLASS, mxREAL);
    *(uint64_t *)mxGetData(m) = new_slot(a, K_ASSOC, -1, NULL);
    return m;
}

/* ========================================================= Octave values */

/* The bytes of a char row vector (borrowed when mxChar is one byte). */
static d4m_key get_bytes(const mxArray *a, const char *what)
{
    d4m_key k = { NULL, 0 };
    if (!mxIsChar(a))
        BADARG("%s must be a string", what);
    size_t m = mxGetM(a), n = mxGetN(a);
    if (mxGetNumberOfDimensions(a) > 2 || (m > 1 && n > 1))
        BADARG("%s must be a string (a char row vector), not a %zux%zu char matrix", what, m, n);
    size_t len = mxGetNumberOfElements(a);
    if (len == 0) {
        k.ptr = "";
        return k;
    }
    const mxChar *c = mxGetChars(a);
    if (sizeof(mxChar) == 1) {
        k.ptr = (const char *)c;
    } else {
        /* MATLAB: UTF-16 code units; keep the low byte (bytes pass through
         * as chars 0..255; see the README). */
        char *b = xmalloc(len);
        for (size_t i = 0; i < len; i++)
            b[i] = (char)(c[i] & 0xff);
        k.ptr = b;
    }
    k.len = len;
    return k;
}

/* A NUL-terminated copy (file names, table names). */
static char *get_cstr(const mxArray *a, const char *what)
{
    d4m_key k = get_bytes(a, what);
    if (memchr(k.ptr, 0, k.len))
        BADARG("%s must not contain NUL characters", what);
    char *s = xmalloc(k.len + 1);
    memcpy(s, k.ptr, k.len);
    s[k.len] = 0;
    return s;
}

static mxArray *str_out(const char *p, size_t len)
{
    mwSize dims[2] = { len ? 1 : 0, len };
    mxArray *m = mxCreateCharArray(2, dims);
    if (len) {
        mxChar *c = mxGetChars(m);
        if (sizeof(mxChar) == 1)
            memcpy(c, p, len);
        else
            for (size_t i = 0; i < len; i++)
                c[i] = (mxChar)(unsigned char)p[i];
    }
    return m;
}

static double get_scalar(const mxArray *a, const char *what)
{
    if (!a || !(mxIsNumeric(a) || mxIsLogical(a)) ||
        mxIsComplex(a) || mxGetNumberOfElements(a) != 1 || mxIsSparse(a))
        BADARG("%s must be a real numeric scalar", what);
    if (mxIsDouble(a))
        return mxGetScalar(a);
    return mxGetScalar(a);
}

/* A real, full double vector (other numeric classes are converted). */
static const double *get_doubles(const mxArray *a, size_t *n, const char *what)
{
    if (mxIsComplex(a) || mxIsSparse(a) || !(mxIsNumeric(a) || mxIsLogical(a)))
        BADARG("%s must be a real full numeric vector", what);
    size_t m = mxGetM(a), c = mxGetN(a);
    if (mxGetNumberOfDimensions(a) > 2 || (m > 1 && c > 1))
        BADARG("%s must be a vector, not a %zux%zu matrix", what, m, c);
    *n = mxGetNumberOfElements(a);
    if (mxIsDouble(a))
        return *n ? mxGetPr(a) : NULL;
    double *d = xmalloc(*n * sizeof *d);
    for (size_t i = 0; i < *n; i++) {
        if (mxIsLogical(a)) d[i] = ((const mxLogical *)mxGetData(a))[i];
        else {
            switch (mxGetClassID(a)) {
            case mxSINGLE_CLASS: d[i] = ((const float *)mxGetData(a))[i]; break;
            case mxINT8_CLASS: d[i] = ((const int8_t *)mxGetData(a))[i]; break;
            case mxUINT8_CLASS: d[i] = ((const uint8_t *)mxGetData(a))[i]; break;
            case mxINT16_CLASS: d[i] = ((const int16_t *)mxGetData(a))[i]; break;
            case mxUINT16_CLASS: d[i] = ((const uint16_t *)mxGetData(a))[i]; break;
            case mxINT32_CLASS: d[i] = ((const int32_t *)mxGetData(a))[i]; break;
            case mxUINT32_CLASS: d[i] = ((const uint32_t *)mxGetData(a))[i]; break;
            case mxINT64_CLASS: d[i] = (double)((const int64_t *)mxGetData(a))[i]; break;
            case mxUINT64_CLASS: d[i] = (double)((const uint64_t *)mxGetData(a))[i]; break;
            default: BADARG("%s: unsupported numeric class", what);
            }
        }
    }
    return d;
}

/* --------------------------------------------------- two-way parallelism */

/* Run fn(arg0) here and fn(arg1) on a second thread when par (else both
 * here, one after the other).  The workers never call the mx API. */
typedef void (*work_fn)(void *);
typedef struct { work_fn fn; void *arg; } work_item;

static void *work_thread(void *p)
{
    work_item *w = p;
    w->fn(w->arg);
    return NULL;
}

static void par2(work_fn fn, void *arg0, void *arg1, int par)
{
    pthread_t th;
    work_item w = { fn, arg1 };
    if (par && pthread_create(&th, NULL, work_thread, &w) == 0) {
        fn(arg0);
        pthread_join(th, NULL);
        return;
    }
    fn(arg0);
    fn(arg1);
}

/* Inputs of this size and more are worked on two threads. */
#define PAR_MIN 65536

/* A key/value vector argument: a D4M list (string), a numeric vector, or a
 * cell array of strings. */
/* The bytes of a list argument, its separator checked. */
static d4m_key get_list(const mxArray *a, const char *what)
{
    d4m_key list = get_bytes(a, what);
    if (list.len == 0)
        return list;
    unsigned char last = (unsigned char)list.ptr[list.len - 1];
    if ((last >= '0' && last <= '9') || (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z'))
        fail("d4m:sep", "%s: the list '%.*s' ends in '%c': its separator is missing "
             "(a D4M list ends with its separator, as 'a b ')", what,
             (int)(list.len < 40 ? list.len : 40), list.ptr, last);
    return list;
}

static d4m_vec get_vec(const mxArray *a, const char *what)
{
    d4m_vec v = { D4M_NUM, 0, NULL, NULL };
    if (mxIsChar(a)) {
        d4m_key list = get_list(a, what);
        d4m_key *keys = NULL;
        size_t n = 0;
        if (list.len == 0)
            return d4m_vec_str(NULL, 0);
        check(d4m_list_split(&keys, &n, list));
        tmp_push(keys, free_lib);
        return d4m_vec_str(keys, n);
    }
    if (mxIsCell(a)) {
        size_t n = mxGetNumberOfElements(a);
        d4m_key *keys = xmalloc(n * sizeof *keys);
        for (size_t i = 0; i < n; i++) {
            const mxArray *e = mxGetCell(a, i);
            if (!e)
                keys[i] = d4m_key_cstr("");
            else
                keys[i] = get_bytes(e, what);
        }
        return d4m_vec_str(keys, n);
    }
    if (mxIsNumeric(a) || mxIsLogical(a)) {
        size_t n;
        const double *d = get_doubles(a, &n, what);
        return d4m_vec_num(d, n);
    }
    BADARG("%s must be a string list, a numeric vector or a cell array of strings", what);
    return v;
}

/* The row, col and val arguments of a build.  The lists among them are
 * split on two threads (the items point into Octave's own char arrays when
 * mxChar is one byte: nothing is copied); the rest as get_vec. */
typedef struct split_job {
    d4m_key list[3];
    d4m_key *keys[3];
    size_t n[3];
    int rc[3];
    int k;
} split_job;

static void split_work(void *p)
{
    split_job *j = p;
    for (int i = 0; i < j->k; i++)
        j->rc[i] = d4m_list_split(&j->keys[i], &j->n[i], j->list[i]);
}

static void get_vecs(d4m_vec out[3], const mxArray *const in[3])
{
    static const char *what[3] = { "row", "col", "val" };
    d4m_key list[3];
    int is_list[3], nl = 0;
    size_t bytes = 0;
    for (int i = 0; i < 3; i++) {
        is_list[i] = mxIsChar(in[i]) && mxGetNumberOfElements(in[i]) > 0;
        if (is_list[i]) {
            list[i] = get_list(in[i], what[i]);
            bytes += list[i].len;
            nl++;
        } else {
            out[i] = get_vec(in[i], what[i]);
        }
    }
    /* Two threads: the longest list alone, the others together. */
    split_job jb[2];
    memset(jb, 0, sizeof jb);
    int slot[3][2], big = -1;
    for (int i = 0; i < 3; i++)
        if (is_list[i] && (big < 0 || list[i].len > list[big].len))
            big = i;
    for (int i = 0; i < 3; i++) {
        if (!is_list[i])
            continue;
        split_job *j = &jb[i == big ? 0 : 1];
        slot[i][0] = i == big ? 0 : 1;
        slot[i][1] = j->k;
        j->list[j->k++] = list[i];
    }
    par2(split_work, &jb[0], &jb[1], nl > 1 && bytes >= 4 * (size_t)PAR_MIN);
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        if (!is_list[i])
            continue;
        split_job *j = &jb[slot[i][0]];
        int k = slot[i][1];
        tmp_push(j->keys[k], free_lib);
        if (j->rc[k] < 0 && !rc)
            rc = j->rc[k];
        out[i] = d4m_vec_str(j->keys[k], j->n[k]);
    }
    if (rc)
        fail(code_id(rc), "splitting the lists: %s", d4m_strerror(rc));
}

/* A query argument: ':' (NULL), a query string, positions, a logical vector,
 * a cell array of keys, or the struct made by StartsWith. */
static d4m_query *get_query(const mxArray *a, const char *what)
{
    d4m_query *q = NULL;
    if (mxIsChar(a)) {
        d4m_key k = get_bytes(a, what);
        if (k.len == 1 && k.ptr[0] == ':')
            return NULL;
        if (k.len == 0)
            BADARG("%s: an empty query string (use ':' for everything)", what);
        check(d4m_query_parse(&q, k));
    } else if (mxIsStruct(a)) {
        const mxArray *f = mxGetNumberOfElements(a) == 1 ? mxGetField(a, 0, "StartsWith") : NULL;
        if (!f)
            BADARG("%s: a struct query must come from StartsWith(...)", what);
        d4m_key k = get_bytes(f, what);
        check(d4m_query_starts_with(&q, k));
    } else if (mxIsCell(a)) {
        d4m_vec v = get_vec(a, what);
        check(d4m_query_keys(&q, v.str, v.n));
    } else if (mxIsLogical(a)) {
        size_t n = mxGetNumberOfElements(a), k = 0;
        const mxLogical *l = mxGetLogicals(a);
        uint64_t *pos = xmalloc(n * sizeof *pos);
        for (size_t i = 0; i < n; i++)
            if (l[i]) pos[k++] = i + 1;
        check(d4m_query_positions(&q, pos, k));
    } else if (mxIsNumeric(a)) {
        size_t n;
        const double *d = get_doubles(a, &n, what);
        uint64_t *pos = xmalloc(n * sizeof *pos);
        for (size_t i = 0; i < n; i++) {
            if (!(d[i] >= 1 && d[i] <= 9007199254740992.0) || d[i] != floor(d[i]))
                BADARG("%s: position %.17g is not a positive integer", what, d[i]);
            pos[i] = (uint64_t)d[i];
        }
        check(d4m_query_positions(&q, pos, n));
    } else {
        BADARG("%s must be ':', a query string, positions, or StartsWith(...)", what);
    }
    return tmp_push(q, free_query);
}

/* ============================================================ conversions */

/* A D4M list of the keys idx[0..n) of an axis (idx NULL: all keys in order),
 * each followed by sep. */
static mxArray *keys_list(const d4m_assoc *a, int dim, const uint64_t *idx, size_t n, char sep)
{
    size_t total = 0;
    for (size_t t = 0; t < n; t++)
        total += d4m_assoc_key(a, dim, idx ? idx[t] : t).len + 1;
    mwSize dims[2] = { total ? 1 : 0, total };
    mxArray *m = mxCreateCharArray(2, dims);
    if (!total)
        return m;
    mxChar *c = mxGetChars(m);
    size_t w = 0;
    for (size_t t = 0; t < n; t++) {
        d4m_key k = d4m_assoc_key(a, dim, idx ? idx[t] : t);
        if (sizeof(mxChar) == 1) {
            memcpy((char *)c + w, k.ptr, k.len);
            w += k.len;
        } else {
            for (size_t i = 0; i < k.len; i++) c[w++] = (unsigned char)k.ptr[i];
        }
        c[w++] = (mxChar)(unsigned char)sep;
    }
    return m;
}

static mxArray *vals_list(const d4m_assoc *a, const uint64_t *idx, size_t n, char sep)
{
    size_t total = 0;
    for (size_t t = 0; t < n; t++)
        total += d4m_assoc_val_str(a, idx ? idx[t] : t).len + 1;
    mwSize dims[2] = { total ? 1 : 0, total };
    mxArray *m = mxCreateCharArray(2, dims);
    if (!total)
        return m;
    mxChar *c = mxGetChars(m);
    size_t w = 0;
    for (size_t t = 0; t < n; t++) {
        d4m_key k = d4m_assoc_val_str(a, idx ? idx[t] : t);
        if (sizeof(mxChar) == 1) {
            memcpy((char *)c + w, k.ptr, k.len);
            w += k.len;
        } else {
            for (size_t i = 0; i < k.len; i++) c[w++] = (unsigned char)k.ptr[i];
        }
        c[w++] = (mxChar)(unsigned char)sep;
    }
    return m;
}

/* A separator byte that no key of the lists uses (for save/load). */
static int pick_sep(const d4m_assoc *a, int want_rows, int want_cols, int want_vals)
{
    unsigned char used[256] = { 0 };
    for (int dim = 1; dim <= 2; dim++) {
        if ((dim == 1 && !want_rows) || (dim == 2 && !want_cols) ||
            d4m_assoc_key_kind(a, dim) != D4M_STR)
            continue;
        size_t n = d4m_assoc_key_count(a, dim);
        for (size_t i = 0; i < n; i++) {
            d4m_key k = d4m_assoc_key(a, dim, i);
            for (size_t j = 0; j < k.len; j++) used[(unsigned char)k.ptr[j]] = 1;
        }
    }
    if (want_vals && d4m_assoc_val_kind(a) == D4M_STR) {
        size_t n = d4m_assoc_val_count(a);
        for (size_t i = 0; i < n; i++) {
            d4m_key k = d4m_assoc_val_str(a, i);
            for (size_t j = 0; j < k.len; j++) used[(unsigned char)k.ptr[j]] = 1;
        }
    }
    static const unsigned char pref[] = { '\n', ',', ' ', '\t', ';', '|' };
    for (size_t i = 0; i < sizeof pref; i++)
        if (!used[pref[i]]) return pref[i];
    /* Not a letter or digit (nor '*'): a list ending in one is refused as
     * missing its separator when the saved Assoc is built again. */
    for (int b = 1; b < 256; b++)
        if (!used[b] && !(b >= '0' && b <= '9') && !(b >= 'A' && b <= 'Z') &&
            !(b >= 'a' && b <= 'z') && b != '*')
            return b;
    if (!used[0]) return 0;
    return -1;
}

/* A separator given as its byte value (0..255), or as a one-char string. */
static char get_sep_byte(const mxArray *a)
{
    if (mxIsChar(a) && mxGetNumberOfElements(a) == 1)
        return (char)(mxGetChars(a)[0] & 0xff);
    double d = get_scalar(a, "sep");
    if (!(d >= 0 && d <= 255) || d != floor(d))
        BADARG("the separator must be a byte value 0..255 or one character");
    return (char)(unsigned char)d;
}

static char get_sep(const mxArray *a, int i)
{
    /* The separators argument: a char vector [rowsep colsep valsep]. */
    if (!a || !mxIsChar(a) || mxGetNumberOfElements(a) < 3)
        return '\n';
    const mxChar *c = mxGetChars(a);
    return (char)(c[i] & 0xff);
}

/* ================================================================= find */

/* The keys of one axis (or the value strings) laid out once for copying:
 * key i followed by the separator is slab[off[i] .. off[i+1]), and the slab
 * has 16 spare bytes so that a key of up to 16 bytes is copied with one
 * fixed-size memcpy. */
typedef struct keyslab {
    char *slab;
    uint64_t *off;
} keyslab;

static void slab_make(keyslab *s, const d4m_assoc *a, int dim, char sep)
{
    size_t n = dim ? d4m_assoc_key_count(a, dim) : d4m_assoc_val_count(a), total = 0;
    s->off = xmalloc((n + 1) * sizeof *s->off);
    for (size_t i = 0; i < n; i++) {
        d4m_key k = dim ? d4m_assoc_key(a, dim, i) : d4m_assoc_val_str(a, i);
        s->off[i] = total;
        total += k.len + 1;
    }
    s->off[n] = total;
    s->slab = xmalloc(total + 16);
    for (size_t i = 0; i < n; i++) {
        d4m_key k = dim ? d4m_assoc_key(a, dim, i) : d4m_assoc_val_str(a, i);
        if (k.len) memcpy(s->slab + s->off[i], k.ptr, k.len);
        s->slab[s->off[i] + k.len] = sep;
    }
    memset(s->slab + total, 0, 16);
}

/* Copy slab key k to out + w; bytes up to end may be scribbled on. */
static inline size_t slab_put(char *out, size_t w, size_t end, const keyslab *s, uint64_t k)
{
    const char *p = s->slab + s->off[k];
    size_t len = (size_t)(s->off[k + 1] - s->off[k]);
    if (len <= 16 && w + 16 <= end)
        memcpy(out + w, p, 16);
    else
        memcpy(out + w, p, len);
    return w + len;
}

/* A char row of len bytes for a list; *bytes is where to write them (the
 * array's own chars when mxChar is one byte, else a buffer widened by
 * list_done). */
static mxArray *list_new(size_t len, char **bytes)
{
    mwSize dims[2] = { len ? 1 : 0, len };
    mxArray *m = mxCreateCharArray(2, dims);
    if (sizeof(mxChar) == 1)
        *bytes = (char *)mxGetChars(m);
    else
        *bytes = xmalloc(len ? len : 1);
    return m;
}

static void list_done(mxArray *m, const char *bytes, size_t len)
{
    if (sizeof(mxChar) != 1) {
        mxChar *c = mxGetChars(m);
        for (size_t i = 0; i < len; i++) c[i] = (mxChar)(unsigned char)bytes[i];
    }
}

typedef struct find_job {
    int q;                       /* half: 0 or 1 */
    const d4m_triples *t;        /* row-major triples */
    size_t n, nhalf, ncols;
    uint64_t *cnt;               /* this half's count per column; then its next slot */
    uint64_t *rowo, *svo;        /* column-major row indices / value indices */
    double *valo;                /* column-major numeric values (mx array) */
    double *rowd;                /* numeric row positions (mx array) or NULL */
    const keyslab *rk, *ck, *vk; /* slabs of string axes (NULL: numeric) */
    size_t rbytes, vbytes;       /* bytes of this half's entries at d < nhalf */
    size_t rall, vall;           /* bytes of all this half's entries */
    /* writing */
    const uint64_t *colstart;    /* first d of each column */
    char *rout, *cout, *vout;
    size_t r0, r1, c0, c1, v0, v1;  /* byte ranges of this half in each list */
    size_t cfirst, clast;        /* columns of this half in the column list */
    double *cold;                /* numeric column positions (mx array) or NULL */
} find_job;

static void find_count(void *p)
{
    find_job *j = p;
    size_t lo = j->q ? j->nhalf : 0, hi = j->q ? j->n : j->nhalf;
    const uint64_t *col = j->t->col;
    for (size_t i = lo; i < hi; i++)
        j->cnt[col[i]]++;
}

static void find_scatter(void *p)
{
    find_job *j = p;
    size_t lo = j->q ? j->nhalf : 0, hi = j->q ? j->n : j->nhalf;
    const d4m_triples *t = j->t;
    uint64_t *cnt = j->cnt;
    size_t rb = 0, vb = 0, ra = 0, va = 0;
    const uint64_t *roff = j->rk ? j->rk->off : NULL, *voff = j->vk ? j->vk->off : NULL;
    for (size_t i = lo; i < hi; i++) {
        uint64_t d = cnt[t->col[i]]++;
        uint64_t r = t->row[i];
        j->rowo[d] = r;
        if (t->sval) {
            j->svo[d] = t->sval[i];
            if (voff) {
                size_t l = voff[t->sval[i] + 1] - voff[t->sval[i]];
                va += l;
                if (d < j->nhalf) vb += l;
            }
        } else if (j->valo) {
            j->valo[d] = t->val[i];
        }
        if (roff) {
            size_t l = roff[r + 1] - roff[r];
            ra += l;
            if (d < j->nhalf) rb += l;
        }
    }
    j->rbytes = rb;
    j->vbytes = vb;
    j->rall = ra;
    j->vall = va;
}

static void find_write(void *p)
{
    find_job *j = p;
    size_t lo = j->q ? j->nhalf : 0, hi = j->q ? j->n : j->nhalf;
    if (j->rout) {
        size_t w = j->r0;
        for (size_t d = lo; d < hi; d++) w = slab_put(j->rout, w, j->r1, j->rk, j->rowo[d]);
    } else if (j->rowd) {
        for (size_t d = lo; d < hi; d++) j->rowd[d] = (double)j->rowo[d] + 1;
    }
    if (j->vout) {
        size_t w = j->v0;
        for (size_t d = lo; d < hi; d++) w = slab_put(j->vout, w, j->v1, j->vk, j->svo[d]);
    }
    if (j->cout) {
        size_t w = j->c0;
        for (size_t c = j->cfirst; c < j->clast; c++)
            for (uint64_t k = j->colstart[c]; k < j->colstart[c + 1]; k++)
                w = slab_put(j->cout, w, j->c1, j->ck, c);
    } else if (j->cold) {
        for (size_t c = j->cfirst; c < j->clast; c++)
            for (uint64_t k = j->colstart[c]; k < j->colstart[c + 1]; k++)
                j->cold[k] = (double)c + 1;
    }
}

/* [r, c, v] = find(A) in column-major order (rows ascending within a
 * column).  The library hands the triples in row order (a plain copy); the
 * order by column is a counting sort done here on two threads, straight into
 * the output arrays, and each distinct key is laid out once (keyslab) so
 * that writing a list is one small memcpy per entry. */
/* A list of n items item(k) each followed by sep, as one char row. */
static mxArray *list_of(size_t n, d4m_key (*item)(const d4m_assoc *, const d4m_triples *, size_t),
                        const d4m_assoc *a, const d4m_triples *t, char sep)
{
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += item(a, t, k).len + 1;
    char *out = NULL;
    mxArray *m = list_new(total, &out);
    size_t w = 0;
    for (size_t k = 0; k < n; k++) {
        d4m_key x = item(a, t, k);
        memcpy(out + w, x.ptr, x.len);
        w += x.len;
        out[w++] = sep;
    }
    list_done(m, out, total);
    return m;
}

static d4m_key row_item(const d4m_assoc *a, const d4m_triples *t, size_t k)
{
    return d4m_assoc_key(a, 1, (size_t)t->row[k]);
}

static d4m_key val_item(const d4m_assoc *a, const d4m_triples *t, size_t k)
{
    return d4m_assoc_val_str(a, (size_t)t->sval[k]);
}

/* find of an Assoc whose numeric column axis is far longer than its entries
 * (a position of 1e9): do_find's per-column counts would take memory by the
 * number of columns, so the triples come in column order from the library
 * (which sorts them) and are copied out one by one. */
static void find_sparse_cols(int nlhs, mxArray *plhs[], const d4m_assoc *a, char rs, char vs)
{
    d4m_triples *t = NULL;
    check(d4m_assoc_find(&t, a, D4M_ORDER_COL));
    tmp_push(t, free_triples);
    size_t n = t->n;
    int want = nlhs ? nlhs : 1;
    if (d4m_assoc_key_kind(a, 1) == D4M_STR) {
        plhs[0] = list_of(n, row_item, a, t, rs);
    } else {
        plhs[0] = mxCreateUninitNumericMatrix(n, 1, mxDOUBLE_CLASS, mxREAL);
        for (size_t k = 0; k < n; k++)
            mxGetPr(plhs[0])[k] = (double)t->row[k] + 1;
    }
    if (want >= 2) {
        plhs[1] = mxCreateUninitNumericMatrix(n, 1, mxDOUBLE_CLASS, mxREAL);
        for (size_t k = 0; k < n; k++)
            mxGetPr(plhs[1])[k] = (double)t->col[k] + 1;
    }
    if (want >= 3) {
        if (t->sval) {
            plhs[2] = list_of(n, val_item, a, t, vs);
        } else {
            plhs[2] = mxCreateUninitNumericMatrix(n, 1, mxDOUBLE_CLASS, mxREAL);
            for (size_t k = 0; k < n; k++)
                mxGetPr(plhs[2])[k] = t->val[k];
        }
    }
}

static void do_find(int nlhs, mxArray *plhs[], const d4m_assoc *a, char rs, char cs, char vs)
{
    if (d4m_assoc_key_kind(a, 2) == D4M_NUM &&
        d4m_assoc_ncols(a) / 4 > d4m_assoc_nnz(a) + 4096) {
        find_sparse_cols(nlhs, plhs, a, rs, vs);
        return;
    }
    d4m_triples *t = NULL;
    check(d4m_assoc_find(&t, a, D4M_ORDER_ROW));
    tmp_push(t, free_triples);
    size_t n = t->n, nc = d4m_assoc_ncols(a);
    int want = nlhs ? nlhs : 1;
    int rstr = d4m_assoc_key_kind(a, 1) == D4M_STR, cstr = d4m_assoc_key_kind(a, 2) == D4M_STR;
    int par = n >= PAR_MIN;
    keyslab rk, ck, vk;
    find_job jb[2];
    memset(jb, 0, sizeof jb);
    for (int q = 0; q < 2; q++) {
        jb[q].q = q;
        jb[q].t = t;
        jb[q].n = n;
        jb[q].nhalf = n / 2;
        jb[q].ncols = nc;
        jb[q].cnt = xmalloc((nc + 1) * sizeof(uint64_t));
        memset(jb[q].cnt, 0, (nc + 1) * sizeof(uint64_t));
    }
    if (rstr) slab_make(&rk, a, 1, rs);
    if (cstr && want >= 2) slab_make(&ck, a, 2, cs);
    if (t->sval && want >= 3) slab_make(&vk, a, 0, vs);
    uint64_t *rowo = xmalloc((n ? n : 1) * sizeof *rowo);
    uint64_t *svo = t->sval ? xmalloc((n ? n : 1) * sizeof *svo) : NULL;
    uint64_t *colstart = xmalloc((nc + 1) * sizeof *colstart);
    mxArray *vm = NULL;
    if (want >= 3 && !t->sval)
        vm = mxCreateUninitNumericMatrix(n, 1, mxDOUBLE_CLASS, mxREAL);

    par2(find_count, &jb[0], &jb[1], par);
    /* Column c holds d in [colstart[c], colstart[c+1]): half 0's entries,
     * then half 1's (rows ascend within a column).  cnt becomes each half's
     * next slot. */
    uint64_t s = 0;
    for (size_t c = 0; c < nc; c++) {
        uint64_t c0 = jb[0].cnt[c], c1 = jb[1].cnt[c];
        colstart[c] = s;
        jb[0].cnt[c] = s;
        jb[1].cnt[c] = s + c0;
        s += c0 + c1;
    }
    colstart[nc] = s;
    for (int q = 0; q < 2; q++) {
        jb[q].rowo = rowo;
        jb[q].svo = svo;
        jb[q].valo = vm ? mxGetPr(vm) : NULL;
        jb[q].rk = rstr ? &rk : NULL;
        jb[q].vk = t->sval && want >= 3 ? &vk : NULL;
    }
    par2(find_scatter, &jb[0], &jb[1], par);

    /* The outputs, and the byte range of each half in each list. */
    mxArray *rm = NULL, *cm = NULL;
    char *rout = NULL, *cout = NULL, *vout = NULL;
    if (rstr) {
        size_t lo = jb[0].rbytes + jb[1].rbytes, total = jb[0].rall + jb[1].rall;
        rm = list_new(total, &rout);
        jb[0].r0 = 0; jb[0].r1 = lo;
        jb[1].r0 = lo; jb[1].r1 = total;
    } else {
        rm = mxCreateUninitNumericMatrix(n, 1, mxDOUBLE_CLASS, mxREAL);
    }
    if (want >= 2) {
        size_t split = nc;
        if (cstr) {
            size_t total = 0, half = 0;
            for (size_t c = 0; c < nc; c++)
                total += (colstart[c + 1] - colstart[c]) * (ck.off[c + 1] - ck.off[c]);
            split = 0;
            while (split < nc && 2 * half < total) {
                half += (colstart[split + 1] - colstart[split]) * (ck.off[split + 1] - ck.off[split]);
                split++;
            }
            cm = list_new(total, &cout);
            jb[0].c0 = 0; jb[0].c1 = half;
            jb[1].c0 = half; jb[1].c1 = total;
        } else {
            cm = mxCreateUninitNumericMatrix(n, 1, mxDOUBLE_CLASS, mxREAL);
            split = nc / 2;
        }
        jb[0].cfirst = 0; jb[0].clast = split;
        jb[1].cfirst = split; jb[1].clast = nc;
    }
    if (want >= 3 && t->sval) {
        size_t lo = jb[0].vbytes + jb[1].vbytes, total = jb[0].vall + jb[1].vall;
        vm = list_new(total, &vout);
        jb[0].v0 = 0; jb[0].v1 = lo;
        jb[1].v0 = lo; jb[1].v1 = total;
    }
    for (int q = 0; q < 2; q++) {
        jb[q].colstart = colstart;
        jb[q].rout = rout;
        jb[q].rowd = rstr ? NULL : mxGetPr(rm);
        jb[q].cout = cout;
        jb[q].cold = cm && !cstr ? mxGetPr(cm) : NULL;
        jb[q].ck = cstr && want >= 2 ? &ck : NULL;
        jb[q].vout = vout;
    }
    par2(find_write, &jb[0], &jb[1], par);
    if (rout) list_done(rm, rout, mxGetNumberOfElements(rm));
    if (cout) list_done(cm, cout, mxGetNumberOfElements(cm));
    if (vout) list_done(vm, vout, mxGetNumberOfElements(vm));
    plhs[0] = rm;
    if (want >= 2) plhs[1] = cm;
    if (want >= 3) plhs[2] = vm;
}

/* Adj(A): the sparse matrix (string values: their 1-based indices). */
static mxArray *do_adj(const d4m_assoc *a)
{
    d4m_triples *t = NULL;
    check(d4m_assoc_find(&t, a, D4M_ORDER_COL));
    tmp_push(t, free_triples);
    size_t nr = d4m_assoc_nrows(a), nc = d4m_assoc_ncols(a), n = t->n;
    mxArray *m = mxCreateSparse(nr, nc, n ? n : 1, mxREAL);
    double *pr = mxGetPr(m);
    mwIndex *ir = mxGetIr(m), *jc = mxGetJc(m);
    size_t k = 0;
    for (size_t j = 0; j <= nc; j++) jc[j] = 0;
    for (size_t i = 0; i < n; i++) {
        jc[t->col[i] + 1]++;
        ir[k] = (mwIndex)t->row[i];
        pr[k] = t->sval ? (double)t->sval[i] + 1 : t->val[i];
        k++;
    }
    for (size_t j = 0; j < nc; j++) jc[j + 1] += jc[j];
    return m;
}

/* putAdj(A, M): A's keys, M's values (same size), without GraphBLAS. */
static d4m_assoc *do_put_adj(const d4m_assoc *a, const mxArray *M)
{
    size_t nr = d4m_assoc_nrows(a), nc = d4m_assoc_ncols(a);
    if (!(mxIsDouble(M) || mxIsLogical(M)) || mxIsComplex(M) || mxGetNumberOfDimensions(M) > 2)
        BADARG("putAdj: the matrix must be real double or logical");
    if (mxGetM(M) != nr || mxGetN(M) != nc)
        BADARG("putAdj: the matrix is %zux%zu, the Assoc %zux%zu",
               (size_t)mxGetM(M), (size_t)mxGetN(M), nr, nc);
    size_t cap = mxIsSparse(M) ? (size_t)mxGetJc(M)[nc] : nr * nc;
    d4m_key *rk = NULL, *ck = NULL;
    double *rn = NULL, *cn = NULL;
    int rstr = d4m_assoc_key_kind(a, 1) == D4M_STR, cstr = d4m_assoc_key_kind(a, 2) == D4M_STR;
    if (rstr) rk = xmalloc((cap ? cap : 1) * sizeof *rk); else rn = xmalloc((cap ? cap : 1) * sizeof *rn);
    if (cstr) ck = xmalloc((cap ? cap : 1) * sizeof *ck); else cn = xmalloc((cap ? cap : 1) * sizeof *cn);
    double *v = xmalloc((cap ? cap : 1) * sizeof *v);
    size_t n = 0;
#define PUT(i, j, x) do { if ((x) != 0) { \
        if (rstr) rk[n] = d4m_assoc_key(a, 1, i); else rn[n] = (double)(i) + 1; \
        if (cstr) ck[n] = d4m_assoc_key(a, 2, j); else cn[n] = (double)(j) + 1; \
        v[n++] = (x); } } while (0)
    if (mxIsSparse(M)) {
        const mwIndex *ir = mxGetIr(M), *jc = mxGetJc(M);
        for (size_t j = 0; j < nc; j++)
            for (mwIndex p = jc[j]; p < jc[j + 1]; p++) {
                double x = mxIsLogical(M) ? (double)mxGetLogicals(M)[p] : mxGetPr(M)[p];
                PUT(ir[p], j, x);
            }
    } else {
        for (size_t j = 0; j < nc; j++)
            for (size_t i = 0; i < nr; i++) {
                double x = mxIsLogical(M) ? (double)mxGetLogicals(M)[i + j * nr]
                                          : mxGetPr(M)[i + j * nr];
                PUT(i, j, x);
            }
    }
#undef PUT
    d4m_assoc *out = NULL;
    if (n == 0) {
        check(d4m_assoc_new_empty(&out));
        return out;
    }
    d4m_vec R = rstr ? d4m_vec_str(rk, n) : d4m_vec_num(rn, n);
    d4m_vec C = cstr ? d4m_vec_str(ck, n) : d4m_vec_num(cn, n);
    check(d4m_assoc_build(&out, R, C, d4m_vec_num(v, n), NULL));
    return out;
}

/* display(A) through mexPrintf (Octave's own output stream). */
static void print_text(const char *buf, size_t len)
{
    /* mexPrintf formats with %s; print in chunks without NUL. */
    char chunk[4097];
    size_t i = 0;
    while (i < len) {
        size_t m = len - i < 4096 ? len - i : 4096;
        memcpy(chunk, buf + i, m);
        for (size_t k = 0; k < m; k++) if (!chunk[k]) chunk[k] = ' ';
        chunk[m] = 0;
        mexPrintf("%s", chunk);
        i += m;
    }
}

static void do_print(const d4m_assoc *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        fail("d4m:io", "display: cannot open a memory stream");
    int rc = d4m_assoc_print(f, a);
    fclose(f);
    tmp_push(buf, free_plain);
    check(rc);
    print_text(buf, len);
}

/* ========================================================= user collide */

typedef struct cb_ctx {
    const mxArray *fn;
    int failed;
    char msg[512];
    pthread_t main;
} cb_ctx;

static double call_collide(double a, double b, void *vctx)
{
    cb_ctx *c = vctx;
    if (c->failed)
        return a;
    if (!pthread_equal(pthread_self(), c->main)) {
        c->failed = 1;
        snprintf(c->msg, sizeof c->msg, "collide function called from another thread");
        return a;
    }
    mxArray *in[3], *out[1] = { NULL };
    in[0] = (mxArray *)c->fn;
    in[1] = mxCreateDoubleScalar(a);
    in[2] = mxCreateDoubleScalar(b);
    /* The function may call d4m_mex itself: its temporaries go above ours
     * (and are freed here if its call was cut short), and the MEX file
     * stays loaded even if it runs "clear functions". */
    int base = tmp_base;
    tmp_base = tmp_n;
    mexLock();
    mxArray *ex = mexCallMATLABWithTrap(1, out, 3, in, "feval");
    mexUnlock();
    tmp_run();
    tmp_base = base;
    mxDestroyArray(in[1]);
    mxDestroyArray(in[2]);
    if (ex) {
        c->failed = 1;
        snprintf(c->msg, sizeof c->msg, "the collide function failed (it must take two numbers and return one)");
        mxDestroyArray(ex);
        return a;
    }
    double r = a;
    if (out[0] && mxGetNumberOfElements(out[0]) == 1 && !mxIsComplex(out[0]) &&
        (mxIsNumeric(out[0]) || mxIsLogical(out[0])))
        r = mxGetScalar(out[0]);
    else {
        c->failed = 1;
        snprintf(c->msg, sizeof c->msg, "the collide function must return a numeric scalar");
    }
    if (out[0]) mxDestroyArray(out[0]);
    return r;
}

/* ============================================================== commands */

static int dcmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void nargs(const char *cmd, int nrhs, int lo, int hi)
{
    if (nrhs - 1 < lo || nrhs - 1 > hi)
        fail("d4m:nargin", "d4m_mex('%s'): expected %d to %d arguments, got %d", cmd, lo, hi,
             nrhs - 1);
}

static d4m_collide parse_collide(const mxArray *a)
{
    char *s = get_cstr(a, "collide");
    if (!strcmp(s, "min")) return D4M_COLLIDE_MIN;
    if (!strcmp(s, "max")) return D4M_COLLIDE_MAX;
    if (!strcmp(s, "sum") || !strcmp(s, "plus")) return D4M_COLLIDE_SUM;
    if (!strcmp(s, "first")) return D4M_COLLIDE_FIRST;
    if (!strcmp(s, "last")) return D4M_COLLIDE_LAST;
    BADARG("collide must be min, max, sum, first, last or a function handle, not '%s'", s);
    return D4M_COLLIDE_MIN;
}

static d4m_combiner parse_combiner(const mxArray *a)
{
    char *s = get_cstr(a, "combiner");
    if (!strcmp(s, "sum") || !strcmp(s, "plus")) return D4M_COMBINE_SUM;
    if (!strcmp(s, "min")) return D4M_COMBINE_MIN;
    if (!strcmp(s, "max")) return D4M_COMBINE_MAX;
    if (!strcmp(s, "none")) return D4M_COMBINE_NONE;
    BADARG("combiner must be sum, min or max, not '%s'", s);
    return D4M_COMBINE_NONE;
}

static int get_dim(const mxArray *a, const char *what)
{
    double d = get_scalar(a, what);
    if (d != 1 && d != 2)
        BADARG("%s must be 1 or 2", what);
    return (int)d;
}

typedef int (*binop_fn)(d4m_assoc **, const d4m_assoc *, const d4m_assoc *);
typedef int (*unop_fn)(d4m_assoc **, const d4m_assoc *);

static const struct { const char *name; binop_fn fn; } binops[] = {
    { "plus", d4m_assoc_plus }, { "minus", d4m_assoc_minus }, { "and", d4m_assoc_and },
    { "or", d4m_assoc_or }, { "times", d4m_assoc_times }, { "divide", d4m_assoc_divide },
    { "mtimes", d4m_assoc_mtimes }, { "catkeymul", d4m_assoc_catkeymul },
    { "catvalmul", d4m_assoc_catvalmul }, { "mask", d4m_assoc_mask },
};
static const struct { const char *name; unop_fn fn; } unops[] = {
    { "transpose", d4m_assoc_transpose }, { "sqin", d4m_assoc_sqin }, { "sqout", d4m_assoc_sqout },
    { "logical", d4m_assoc_logical }, { "double", d4m_assoc_double }, { "abs0", d4m_assoc_abs0 },
    { "num2str", d4m_assoc_num2str }, { "str2num", d4m_assoc_str2num },
    { "nodiag", d4m_assoc_nodiag }, { "diag", d4m_assoc_diag }, { "dup", d4m_assoc_dup },
};

static int cmp_op(const char *s)
{
    if (!strcmp(s, "eq")) return D4M_EQ;
    if (!strcmp(s, "ne")) return D4M_NE;
    if (!strcmp(s, "lt")) return D4M_LT;
    if (!strcmp(s, "gt")) return D4M_GT;
    if (!strcmp(s, "le")) return D4M_LE;
    if (!strcmp(s, "ge")) return D4M_GE;
    BADARG("comparison must be eq, ne, lt, gt, le or ge");
    return 0;
}

/* ================================================================ volumes */

/* Close every open handle of table `name` of database slot dbi (its
 * iterators, tables and volumes) once the table is dropped: they would
 * otherwise read or write a table that no longer exists.  Their ids are
 * refused from then on; the slots are freed by Octave. */
static void close_table_handles(int32_t dbi, const char *name)
{
    for (uint32_t i = 0; i < nslots; i++)
        if (slots[i].kind == K_ITER && slots[i].parent >= 0 && slots[i].p &&
            slots[slots[i].parent].parent == dbi && slots[slots[i].parent].name &&
            !strcmp(slots[slots[i].parent].name, name)) {
            d4m_table_iter_free(slots[i].p);
            slots[i].p = NULL;
        }
    for (uint32_t i = 0; i < nslots; i++)
        if (slots[i].kind == K_TABLE && slots[i].parent == dbi && slots[i].p &&
            slots[i].name && !strcmp(slots[i].name, name)) {
            d4m_table_close(slots[i].p);
            slots[i].p = NULL;
        }
    for (uint32_t i = 0; i < nslots; i++)
        if (slots[i].kind == K_VOL && slots[i].parent == dbi && slots[i].p &&
            slots[i].name && !strcmp(slots[i].name, name)) {
            d4m_volume_close(slots[i].p);
            slots[i].p = NULL;
        }
}

static mxClassID dtype_class(d4m_dtype t)
{
    switch (t) {
    case D4M_U8: return mxUINT8_CLASS;
    case D4M_I8: return mxINT8_CLASS;
    case D4M_U16: return mxUINT16_CLASS;
    case D4M_I16: return mxINT16_CLASS;
    case D4M_U32: return mxUINT32_CLASS;
    case D4M_I32: return mxINT32_CLASS;
    case D4M_U64: return mxUINT64_CLASS;
    case D4M_I64: return mxINT64_CLASS;
    case D4M_F32: return mxSINGLE_CLASS;
    case D4M_F64: return mxDOUBLE_CLASS;
    }
    return mxUNKNOWN_CLASS;
}

/* A non-negative integer option (brick edge, overlap, HDU). */
static unsigned get_count(const mxArray *a, const char *what, double max)
{
    double d = get_scalar(a, what);
    if (!(d >= 0 && d <= max) || d != floor(d))
        BADARG("%s must be an integer from 0 to %.0f", what, max);
    return (unsigned)d;
}

/* The box of a read: [r0 r1 c0 c1 s0 s1], 1-based inclusive, rows = y,
 * columns = x, slices = z (Octave's order of an image), as the library's
 * 0-based (z, y, x) box.  Ranges must lie in the volume; an empty range
 * (hi = lo - 1) is allowed and makes *empty true. */
static d4m_box get_box(const mxArray *a, const d4m_volume_info *in, int *empty)
{
    size_t n = 0;
    const double *d = get_doubles(a, &n, "box");
    if (n != 6)
        BADARG("box must be [row0 row1 col0 col1 slice0 slice1], not %zu numbers", n);
    const int64_t dim[3] = { in->ny, in->nx, in->nz };
    static const char *what[3] = { "rows (y)", "columns (x)", "slices (z)" };
    int64_t lo[3], hi[3];
    *empty = 0;
    for (int k = 0; k < 3; k++) {
        double a0 = d[2 * k], a1 = d[2 * k + 1];
        if (!isfinite(a0) || !isfinite(a1) || a0 != floor(a0) || a1 != floor(a1))
            BADARG("box: the %s range must be integers", what[k]);
        /* Bounds first: beyond 2^53, a0 - 1 == a0, and beyond 2^63 the
         * conversion below is undefined.  An empty range is a1 = a0 - 1. */
        if (a0 < 1 || a0 > (double)dim[k] + 1 || a1 < 0 || a1 > (double)dim[k] || a1 < a0 - 1)
            fail("d4m:outOfRange", "box: %s %.0f:%.0f outside the volume's 1:%" PRId64,
                 what[k], a0, a1, dim[k]);
        if (a1 == a0 - 1)
            *empty = 1;
        lo[k] = (int64_t)a0 - 1;
        hi[k] = (int64_t)a1 - 1;
    }
    d4m_box b = { lo[2], hi[2], lo[0], hi[0], lo[1], hi[1] };
    return b;
}

/* out(y, x, z) = buf[(z*ny + y)*nx + x], elements of es bytes. */
#define PERMUTE(T)                                                              \
    do {                                                                        \
        const T *s_ = src; T *d_ = dst;                                         \
        for (size_t z = 0; z < nz; z++)                                         \
            for (size_t y = 0; y < ny; y++) {                                   \
                const T *row = s_ + (z * ny + y) * nx;                          \
                T *o = d_ + z * ny * nx + y;                                    \
                for (size_t x = 0; x < nx; x++) o[x * ny] = row[x];             \
            }                                                                   \
    } while (0)

static void permute_box(void *dst, const void *src, size_t es, size_t nz, size_t ny, size_t nx)
{
    switch (es) {
    case 1: PERMUTE(uint8_t); break;
    case 2: PERMUTE(uint16_t); break;
    case 4: PERMUTE(uint32_t); break;
    default: PERMUTE(uint64_t); break;
    }
}

static const char *codec_name(d4m_volume_codec c)
{
    return c == D4M_CODEC_LZ4 ? "lz4" : c == D4M_CODEC_ZSTD ? "zstd" : "raw";
}

static void vol_dispatch(const char *cmd, int nlhs, mxArray *plhs[], int nrhs,
                         const mxArray *prhs[])
{
    if (!strcmp(cmd, "vol_ingest")) {
        /* (db, name, files, layout, [bz by bx], overlap, codec, hdu) */
        nargs(cmd, nrhs, 8, 8);
        d4m_db *db = get_obj(prhs[1], K_DB, "putFits");
        char *name = get_cstr(prhs[2], "table name");
        if (!*name)
            BADARG("putFits: the table name is empty");
        const mxArray *fa = prhs[3];
        size_t nf;
        char **files;
        if (mxIsChar(fa)) {
            nf = 1;
            files = xmalloc(sizeof *files);
            files[0] = get_cstr(fa, "file name");
        } else if (mxIsCell(fa)) {
            nf = mxGetNumberOfElements(fa);
            if (nf == 0)
                BADARG("putFits: no files");
            files = xmalloc(nf * sizeof *files);
            for (size_t i = 0; i < nf; i++) {
                const mxArray *e = mxGetCell(fa, i);
                if (!e || !mxIsChar(e))
                    BADARG("putFits: file %zu of the cell array is not a string", i + 1);
                files[i] = get_cstr(e, "file name");
            }
        } else {
            BADARG("putFits: files must be a file name or a cell array of file names "
                   "(the slices in z order)");
        }
        for (size_t i = 0; i < nf; i++)
            if (!*files[i])
                BADARG("putFits: file name %zu is empty", i + 1);
        d4m_volume_options o = D4M_VOLUME_OPTIONS_INIT;
        o.layout = get_scalar(prhs[4], "layout") != 0 ? D4M_VOLUME_BRICKS : D4M_VOLUME_TRIPLES;
        size_t nb = 0;
        const double *br = get_doubles(prhs[5], &nb, "brick");
        if (nb != 3)
            BADARG("putFits: the brick must be 3 edges");
        for (int k = 0; k < 3; k++) {
            if (!(br[k] >= 0 && br[k] <= 65536) || br[k] != floor(br[k]))
                BADARG("putFits: brick edges must be integers from 1 to 65536");
            o.brick[k] = (unsigned)br[k];
        }
        o.overlap = get_count(prhs[6], "overlap", 65536);
        o.codec = (d4m_volume_codec)get_count(prhs[7], "codec", 2);
        o.hdu = (int)get_count(prhs[8], "hdu", 1e9);
        check(d4m_volume_ingest_fits(db, name, (const char *const *)files, nf, &o));
        return;
    }
    if (!strcmp(cmd, "vol_open")) {      /* (db, name) */
        nargs(cmd, nrhs, 2, 2);
        int64_t dbi = id_slot(prhs[1]);
        d4m_db *db = get_obj(prhs[1], K_DB, "DBvolume");
        char *name = get_cstr(prhs[2], "table name");
        d4m_volume *v = NULL;
        check(d4m_volume_open(&v, db, name));
        tmp_push(v, (cleanup_fn)d4m_volume_close);
        plhs[0] = id_out(new_slot(v, K_VOL, (int32_t)dbi, name));
        return;
    }
    if (!strcmp(cmd, "vol_info")) {      /* (v) -> struct */
        nargs(cmd, nrhs, 1, 1);
        d4m_volume *v = get_obj(prhs[1], K_VOL, "info");
        d4m_volume_info in;
        check(d4m_volume_info_get(&in, v));
        static const char *f[] = { "Size", "Class", "DType", "Layout", "Brick", "Overlap",
                                   "Codec", "Bitpix", "Bscale", "Bzero", "Blank", "Fill",
                                   "Cards", "ApproxBytes" };
        mxArray *s = mxCreateStructMatrix(1, 1, sizeof f / sizeof f[0], f);
        plhs[0] = s;
        mxArray *sz = mxCreateDoubleMatrix(1, 3, mxREAL);
        mxGetPr(sz)[0] = (double)in.ny;
        mxGetPr(sz)[1] = (double)in.nx;
        mxGetPr(sz)[2] = (double)in.nz;
        mxSetField(s, 0, "Size", sz);
        static const char *cls[] = { "uint8", "int8", "uint16", "int16", "uint32", "int32",
                                     "uint64", "int64", "single", "double" };
        mxSetField(s, 0, "Class", mxCreateString((unsigned)in.dtype <= D4M_F64 ? cls[in.dtype] : "?"));
        mxSetField(s, 0, "DType", mxCreateString(d4m_dtype_name(in.dtype)));
        int br = in.layout == D4M_VOLUME_BRICKS;
        mxSetField(s, 0, "Layout", mxCreateString(br ? "bricks" : "triples"));
        mxArray *bk = mxCreateDoubleMatrix(br ? 1 : 0, br ? 3 : 0, mxREAL);
        if (br) {
            mxGetPr(bk)[0] = in.brick[1];
            mxGetPr(bk)[1] = in.brick[2];
            mxGetPr(bk)[2] = in.brick[0];
        }
        mxSetField(s, 0, "Brick", bk);
        mxSetField(s, 0, "Overlap", mxCreateDoubleScalar(br ? in.overlap : 0));
        mxSetField(s, 0, "Codec", mxCreateString(br ? codec_name(in.codec) : ""));
        mxSetField(s, 0, "Bitpix", mxCreateDoubleScalar(in.bitpix));
        mxSetField(s, 0, "Bscale", mxCreateDoubleScalar(in.bscale));
        mxSetField(s, 0, "Bzero", mxCreateDoubleScalar(in.bzero));
        mxSetField(s, 0, "Blank", in.has_blank ? mxCreateDoubleScalar((double)in.blank)
                                               : mxCreateDoubleMatrix(0, 0, mxREAL));
        mxSetField(s, 0, "Fill", mxCreateDoubleScalar(in.fill));
        size_t nc = 0;
        const char *cards = d4m_volume_cards(v, &nc);
        /* an nc x 80 char matrix, one card a row */
        mwSize cd[2] = { nc, nc ? 80 : 0 };
        mxArray *cm = mxCreateCharArray(2, cd);
        mxChar *c = mxGetChars(cm);
        for (size_t i = 0; i < nc; i++)
            for (size_t j = 0; j < 80; j++)
                c[j * nc + i] = (mxChar)(unsigned char)cards[i * 80 + j];
        mxSetField(s, 0, "Cards", cm);
        mxSetField(s, 0, "ApproxBytes", mxCreateDoubleScalar((double)in.approx_bytes));
        return;
    }
    if (!strcmp(cmd, "vol_read") || !strcmp(cmd, "vol_assoc")) {  /* (v, box) */
        nargs(cmd, nrhs, 2, 2);
        int assoc = !strcmp(cmd, "vol_assoc");
        d4m_volume *v = get_obj(prhs[1], K_VOL, assoc ? "getAssoc" : "DBvolume read");
        d4m_volume_info in;
        check(d4m_volume_info_get(&in, v));
        int empty;
        d4m_box b = get_box(prhs[2], &in, &empty);
        if (assoc) {
            d4m_assoc *r = NULL;
            if (empty)
                check(d4m_assoc_new_empty(&r));
            else
                check(d4m_volume_read_assoc(&r, v, &b));
            plhs[0] = assoc_out(r);
            return;
        }
        size_t nz = (size_t)(b.z1 - b.z0 + 1), ny = (size_t)(b.y1 - b.y0 + 1),
               nx = (size_t)(b.x1 - b.x0 + 1);
        mwSize dims[3] = { ny, nx, nz };
        size_t es = d4m_dtype_size(in.dtype);
        double nbytes = (double)nz * (double)ny * (double)nx * (double)es;
        if (nbytes > (double)SIZE_MAX / 2)
            fail("d4m:toobig", "box of %.0f bytes is too large", nbytes);
        void *buf = empty ? NULL : xmalloc(nz * ny * nx * es);
        if (!empty)
            check(d4m_volume_read_box(buf, v, &b));
        plhs[0] = mxCreateNumericArray(3, dims, dtype_class(in.dtype), mxREAL);
        if (!empty)
            permute_box(mxGetData(plhs[0]), buf, es, nz, ny, nx);
        return;
    }
    if (!strcmp(cmd, "vol_write")) {     /* (v, path, box or []) */
        nargs(cmd, nrhs, 3, 3);
        d4m_volume *v = get_obj(prhs[1], K_VOL, "writeFits");
        char *path = get_cstr(prhs[2], "FITS file name");
        if (!*path)
            BADARG("writeFits: the file name is empty");
        d4m_volume_info in;
        check(d4m_volume_info_get(&in, v));
        if (mxIsEmpty(prhs[3])) {
            check(d4m_volume_write_fits(v, NULL, path));
            return;
        }
        int empty;
        d4m_box b = get_box(prhs[3], &in, &empty);
        if (empty)
            BADARG("writeFits: the box is empty");
        check(d4m_volume_write_fits(v, &b, path));
        return;
    }
    if (!strcmp(cmd, "vol_drop")) {      /* (v): deleteForce of the volume's table */
        nargs(cmd, nrhs, 1, 1);
        int64_t vi = id_slot(prhs[1]);
        get_obj(prhs[1], K_VOL, "deleteForce");
        int32_t dbi = slots[vi].parent;
        char *name = xmalloc(strlen(slots[vi].name) + 1);
        strcpy(name, slots[vi].name);
        check(d4m_table_drop(slots[dbi].p, name));
        close_table_handles(dbi, name);   /* only once it is gone: a failed drop leaves them */
        return;
    }
    (void)nlhs;
    fail("d4m:badArg", "d4m_mex: unknown command '%s'", cmd);
}


static void dispatch(const char *cmd, int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    d4m_assoc *r = NULL;

    /* ---------------------------------------------------------- handles */
    if (!strcmp(cmd, "free")) {
        nargs(cmd, nrhs, 1, 1);
        int64_t i = id_slot_x(prhs[1], 1);
        if (i >= 0 && !slots[i].zombie)  /* unknown ids: nothing to do */
            close_slot((uint32_t)i);
        return;
    }
    if (!strcmp(cmd, "nlive")) {
        nargs(cmd, nrhs, 0, 0);
        plhs[0] = mxCreateDoubleScalar((double)nlive);
        return;
    }
    if (!strcmp(cmd, "live")) {         /* kinds of the live slots (1 Assoc, 2 db, 3 table, 4 iterator, 5 volume) */
        nargs(cmd, nrhs, 0, 0);
        size_t k = 0;
        plhs[0] = mxCreateDoubleMatrix(1, nlive, mxREAL);
        for (uint32_t i = 0; i < nslots && k < nlive; i++)
            if (slots[i].kind != K_FREE) mxGetPr(plhs[0])[k++] = slots[i].kind;
        return;
    }
    if (!strcmp(cmd, "isvalid")) {
        nargs(cmd, nrhs, 1, 1);
        plhs[0] = mxCreateLogicalScalar(id_slot(prhs[1]) >= 0);
        return;
    }
    if (!strcmp(cmd, "version")) {
        plhs[0] = mxCreateString(d4m_version());
        return;
    }

    /* ------------------------------------------------- D4M string lists */
    if (!strcmp(cmd, "numstr")) {        /* numstr(list): its number of items */
        nargs(cmd, nrhs, 1, 1);
        d4m_key s = get_bytes(prhs[1], "the list");
        size_t n = 0;
        for (size_t i = 0; i < s.len; i++)
            n += s.ptr[i] == s.ptr[s.len - 1];
        plhs[0] = mxCreateDoubleScalar((double)n);
        return;
    }
    if (!strcmp(cmd, "catstr")) {        /* catstr(s1, sep, s2): s1(i) sep s2(i) */
        nargs(cmd, nrhs, 3, 3);
        d4m_key l1 = get_bytes(prhs[1], "the first list"), l3 = get_bytes(prhs[3], "the second list");
        d4m_key sep = get_bytes(prhs[2], "the separator");
        if (sep.len != 1)
            BADARG("CatStr: the separator must be one character");
        d4m_key *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        check(d4m_list_split(&a, &na, l1));
        tmp_push(a, free_lib);
        check(d4m_list_split(&b, &nb, l3));
        tmp_push(b, free_lib);
        if (na != nb && na != 1 && nb != 1)
            fail("d4m:length", "CatStr: lists of %zu and %zu items (each must have n items or 1)",
                 na, nb);
        size_t n = na > nb ? na : nb, len = 0;
        for (size_t i = 0; i < n; i++)
            len += a[na == 1 ? 0 : i].len + b[nb == 1 ? 0 : i].len + 2;
        char *out = xmalloc(len ? len : 1), *p = out;
        for (size_t i = 0; i < n; i++) {
            d4m_key x = a[na == 1 ? 0 : i], y = b[nb == 1 ? 0 : i];
            memcpy(p, x.ptr, x.len);
            p += x.len;
            *p++ = sep.ptr[0];
            memcpy(p, y.ptr, y.len);
            p += y.len;
            *p++ = l3.ptr[l3.len - 1];   /* the second list's separator ends each item */
        }
        plhs[0] = str_out(out, len);
        return;
    }
    if (!strcmp(cmd, "splitstr")) {      /* splitstr(s12, sep) -> s1, s2 */
        nargs(cmd, nrhs, 2, 2);
        d4m_key l = get_bytes(prhs[1], "the list");
        d4m_key sep = get_bytes(prhs[2], "the separator");
        if (sep.len != 1)
            BADARG("SplitStr: the separator must be one character");
        d4m_key *a = NULL;
        size_t n = 0;
        check(d4m_list_split(&a, &n, l));
        tmp_push(a, free_lib);
        char end = l.ptr[l.len - 1];
        char *o1 = xmalloc(l.len + 1), *o2 = xmalloc(l.len + 1);
        size_t n1 = 0, n2 = 0;
        for (size_t i = 0; i < n; i++) {
            const char *at = memchr(a[i].ptr, sep.ptr[0], a[i].len);
            if (!at)
                fail("d4m:key", "SplitStr: item %zu ('%.*s') has no '%c'", i + 1,
                     (int)(a[i].len > 64 ? 64 : a[i].len), a[i].ptr, sep.ptr[0]);
            size_t k = (size_t)(at - a[i].ptr);
            memcpy(o1 + n1, a[i].ptr, k);
            n1 += k;
            o1[n1++] = end;
            memcpy(o2 + n2, at + 1, a[i].len - k - 1);
            n2 += a[i].len - k - 1;
            o2[n2++] = end;
        }
        plhs[0] = str_out(o1, n1);
        if (nlhs > 1)
            plhs[1] = str_out(o2, n2);
        return;
    }

    /* ------------------------------------------------------------ build */
    if (!strcmp(cmd, "build")) {
        nargs(cmd, nrhs, 3, 4);
        d4m_vec rcv[3];
        get_vecs(rcv, prhs + 1);
        d4m_vec R = rcv[0], C = rcv[1], V = rcv[2];
        d4m_build_options o = D4M_BUILD_OPTIONS_INIT;
        cb_ctx cb;
        memset(&cb, 0, sizeof cb);
        if (nrhs > 4) {
            if (mxIsClass(prhs[4], "function_handle")) {
                o.collide = D4M_COLLIDE_CALLBACK;
                cb.fn = prhs[4];
                cb.main = pthread_self();
                o.fn = call_collide;
                o.ctx = &cb;
            } else {
                o.collide = parse_collide(prhs[4]);
            }
        }
        /* D4M: any empty list gives the empty Assoc. */
        if (R.n == 0 || C.n == 0 || V.n == 0) {
            check(d4m_assoc_new_empty(&r));
        } else {
            int rc = d4m_assoc_build(&r, R, C, V, &o);
            if (cb.failed) {
                d4m_assoc_free(r);
                fail("d4m:callback", "%s", cb.msg);
            }
            check(rc);
        }
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "empty")) {
        check(d4m_assoc_new_empty(&r));
        plhs[0] = assoc_out(r);
        return;
    }

    /* -------------------------------------------------------- accessors */
    if (!strcmp(cmd, "info")) {          /* [nnz nrows ncols rowkind colkind valkind] */
        nargs(cmd, nrhs, 1, 1);
        const d4m_assoc *a = ASSOC(1);
        plhs[0] = mxCreateDoubleMatrix(1, 6, mxREAL);
        double *d = mxGetPr(plhs[0]);
        d[0] = (double)d4m_assoc_nnz(a);
        d[1] = (double)d4m_assoc_nrows(a);
        d[2] = (double)d4m_assoc_ncols(a);
        d[3] = d4m_assoc_key_kind(a, 1) == D4M_STR;
        d[4] = d4m_assoc_key_kind(a, 2) == D4M_STR;
        d[5] = d4m_assoc_val_kind(a) == D4M_STR;
        return;
    }
    if (!strcmp(cmd, "nnz")) {
        nargs(cmd, nrhs, 1, 1);
        plhs[0] = mxCreateDoubleScalar((double)d4m_assoc_nnz(ASSOC(1)));
        return;
    }
    if (!strcmp(cmd, "keys")) {          /* keys(id, dim, sep) */
        nargs(cmd, nrhs, 3, 3);
        const d4m_assoc *a = ASSOC(1);
        int dim = get_dim(prhs[2], "dim");
        char sep = get_sep_byte(prhs[3]);
        size_t n = d4m_assoc_key_count(a, dim);
        if (d4m_assoc_key_kind(a, dim) == D4M_STR) {
            plhs[0] = keys_list(a, dim, NULL, n, sep);
        } else {
            plhs[0] = mxCreateUninitNumericMatrix(1, n, mxDOUBLE_CLASS, mxREAL);
            double *d = mxGetPr(plhs[0]);
            for (size_t i = 0; i < n; i++) d[i] = (double)i + 1;
        }
        return;
    }
    if (!strcmp(cmd, "vals")) {          /* vals(id, sep): unique values */
        nargs(cmd, nrhs, 2, 2);
        const d4m_assoc *a = ASSOC(1);
        char sep = get_sep_byte(prhs[2]);
        if (d4m_assoc_val_kind(a) == D4M_STR) {
            plhs[0] = vals_list(a, NULL, d4m_assoc_val_count(a), sep);
        } else {
            d4m_triples *t = NULL;
            check(d4m_assoc_find(&t, a, D4M_ORDER_COL));
            tmp_push(t, free_triples);
            double *v = xmalloc((t->n ? t->n : 1) * sizeof *v);
            if (t->n) memcpy(v, t->val, t->n * sizeof *v);
            size_t n = t->n, k = 0;
            qsort(v, n, sizeof *v, dcmp);
            for (size_t i = 0; i < n; i++)
                if (k == 0 || v[k - 1] != v[i]) v[k++] = v[i];
            plhs[0] = mxCreateUninitNumericMatrix(k, 1, mxDOUBLE_CLASS, mxREAL);
            if (k) memcpy(mxGetPr(plhs[0]), v, k * sizeof *v);
        }
        return;
    }
    if (!strcmp(cmd, "find")) {          /* find(id, seps) */
        nargs(cmd, nrhs, 1, 2);
        const d4m_assoc *a = ASSOC(1);
        const mxArray *s = nrhs > 2 ? prhs[2] : NULL;
        do_find(nlhs, plhs, a, get_sep(s, 0), get_sep(s, 1), get_sep(s, 2));
        return;
    }
    if (!strcmp(cmd, "triples")) {       /* for saveobj: [r c v sep] with a safe sep */
        nargs(cmd, nrhs, 1, 1);
        const d4m_assoc *a = ASSOC(1);
        int sep = pick_sep(a, 1, 1, 1);
        if (sep < 0)
            fail("d4m:key", "save: the keys use every byte that can end a list; no separator "
                 "is free");
        mxArray *out[3];
        do_find(3, out, a, (char)sep, (char)sep, (char)sep);
        for (int k = 0; k < 3 && k < nlhs; k++) plhs[k] = out[k];
        for (int k = nlhs; k < 3; k++) mxDestroyArray(out[k]);
        if (nlhs > 3) { char c = (char)sep; plhs[3] = str_out(&c, 1); }
        return;
    }
    if (!strcmp(cmd, "adj")) {
        nargs(cmd, nrhs, 1, 1);
        plhs[0] = do_adj(ASSOC(1));
        return;
    }
    if (!strcmp(cmd, "get")) {           /* get(id, rq, cq) */
        nargs(cmd, nrhs, 3, 3);
        const d4m_assoc *a = ASSOC(1);
        d4m_query *rq = get_query(prhs[2], "row query");
        d4m_query *cq = get_query(prhs[3], "column query");
        check(d4m_assoc_get(&r, a, rq, cq));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "select")) {        /* 1-based indices of the keys a query selects */
        nargs(cmd, nrhs, 3, 3);
        const d4m_assoc *a = ASSOC(1);
        d4m_query *q = get_query(prhs[2], "query");
        int dim = get_dim(prhs[3], "dim");
        size_t n = d4m_assoc_key_count(a, dim);
        if (!q) {
            plhs[0] = mxCreateUninitNumericMatrix(1, n, mxDOUBLE_CLASS, mxREAL);
            for (size_t i = 0; i < n; i++) mxGetPr(plhs[0])[i] = (double)i + 1;
            return;
        }
        uint64_t *idx = NULL;
        check(d4m_query_select(&idx, &n, q, a, dim));
        tmp_push(idx, free_lib);
        plhs[0] = mxCreateUninitNumericMatrix(1, n, mxDOUBLE_CLASS, mxREAL);
        for (size_t i = 0; i < n; i++) mxGetPr(plhs[0])[i] = (double)idx[i] + 1;
        return;
    }
    if (!strcmp(cmd, "print")) {
        nargs(cmd, nrhs, 1, 1);
        do_print(ASSOC(1));
        return;
    }
    if (!strcmp(cmd, "equal")) {
        nargs(cmd, nrhs, 2, 2);
        plhs[0] = mxCreateLogicalScalar(d4m_assoc_equal(ASSOC(1), ASSOC(2)) == 1);
        return;
    }

    /* ------------------------------------------------------- operations */
    for (size_t i = 0; i < sizeof binops / sizeof *binops; i++)
        if (!strcmp(cmd, binops[i].name)) {
            nargs(cmd, nrhs, 2, 2);
            check(binops[i].fn(&r, ASSOC(1), ASSOC(2)));
            plhs[0] = assoc_out(r);
            return;
        }
    for (size_t i = 0; i < sizeof unops / sizeof *unops; i++)
        if (!strcmp(cmd, unops[i].name)) {
            nargs(cmd, nrhs, 1, 1);
            check(unops[i].fn(&r, ASSOC(1)));
            plhs[0] = assoc_out(r);
            return;
        }
    if (!strcmp(cmd, "scale") || !strcmp(cmd, "divs")) {
        nargs(cmd, nrhs, 2, 2);
        const d4m_assoc *a = ASSOC(1);
        double x = get_scalar(prhs[2], "scalar");
        check(cmd[0] == 's' ? d4m_assoc_scale(&r, a, x) : d4m_assoc_divide_scalar(&r, a, x));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "cmp")) {           /* cmp(id, op, x) */
        nargs(cmd, nrhs, 3, 3);
        const d4m_assoc *a = ASSOC(1);
        int op = cmp_op(get_cstr(prhs[2], "op"));
        if (mxIsChar(prhs[3])) {
            d4m_key k = get_bytes(prhs[3], "comparison string");
            /* D4M compares with a one-item list 'abc ': drop its separator. */
            check(d4m_assoc_cmp_str(&r, a, op, k));
        } else {
            check(d4m_assoc_cmp_num(&r, a, op, get_scalar(prhs[3], "comparison value")));
        }
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "sum") || !strcmp(cmd, "max") || !strcmp(cmd, "min")) {
        nargs(cmd, nrhs, 2, 2);
        const d4m_assoc *a = ASSOC(1);
        int dim = get_dim(prhs[2], "dim");
        check(cmd[1] == 'u' ? d4m_assoc_sum(&r, a, dim)
              : cmd[1] == 'a' ? d4m_assoc_max(&r, a, dim) : d4m_assoc_min(&r, a, dim));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "putkeys")) {       /* putkeys(id, dim, keys) */
        nargs(cmd, nrhs, 3, 3);
        const d4m_assoc *a = ASSOC(1);
        int dim = get_dim(prhs[2], "dim");
        check(d4m_assoc_put_keys(&r, a, dim, get_vec(prhs[3], "keys")));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "val2col") || !strcmp(cmd, "col2type")) {   /* (id, sep) */
        nargs(cmd, nrhs, 2, 2);
        const d4m_assoc *a = ASSOC(1);
        d4m_key sep = get_bytes(prhs[2], "the separator");
        check(cmd[0] == 'v' ? d4m_assoc_val2col(&r, a, sep) : d4m_assoc_col2type(&r, a, sep));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "putval")) {
        nargs(cmd, nrhs, 2, 2);
        const d4m_assoc *a = ASSOC(1);
        check(d4m_assoc_put_val(&r, a, get_vec(prhs[2], "values")));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "putadj")) {
        nargs(cmd, nrhs, 2, 2);
        r = do_put_adj(ASSOC(1), prhs[2]);
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "nokeys")) {        /* noRow / noCol */
        nargs(cmd, nrhs, 2, 2);
        const d4m_assoc *a = ASSOC(1);
        check(d4m_assoc_no_keys(&r, a, get_dim(prhs[2], "dim")));
        plhs[0] = assoc_out(r);
        return;
    }

    /* -------------------------------------------------------------- text */
    if (!strcmp(cmd, "readcsv") || !strcmp(cmd, "readtsv")) {  /* (path, sep, strvals) */
        nargs(cmd, nrhs, 1, 3);
        char *path = get_cstr(prhs[1], "file name");
        d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
        if (nrhs > 2 && mxGetNumberOfElements(prhs[2]) > 0) {
            d4m_key s = get_bytes(prhs[2], "separator");
            if (s.len != 1) BADARG("the CSV separator must be one character");
            o.sep = s.ptr[0];
        }
        if (nrhs > 3 && get_scalar(prhs[3], "string values flag") != 0)
            o.flags |= D4M_TEXT_STRING_VALUES;
        check(cmd[4] == 'c' ? d4m_assoc_read_csv(&r, path, &o) : d4m_assoc_read_tsv(&r, path, &o));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "writecsv") || !strcmp(cmd, "writetsv")) { /* (id, path, sep) */
        nargs(cmd, nrhs, 2, 3);
        const d4m_assoc *a = ASSOC(1);
        char *path = get_cstr(prhs[2], "file name");
        d4m_text_options o = D4M_TEXT_OPTIONS_INIT;
        if (nrhs > 3 && mxGetNumberOfElements(prhs[3]) > 0) {
            d4m_key s = get_bytes(prhs[3], "separator");
            if (s.len != 1) BADARG("the CSV separator must be one character");
            o.sep = s.ptr[0];
        }
        FILE *f = fopen(path, "wb");
        if (!f)
            fail("d4m:io", "cannot open '%s' for writing", path);
        tmp_push(f, free_file);
        int rc = cmd[5] == 'c' ? d4m_assoc_write_csv(f, a, &o) : d4m_assoc_write_tsv(f, a, &o);
        tmp_keep(f);
        if (fclose(f) != 0 && rc >= 0)
            fail("d4m:io", "writing '%s' failed", path);
        check(rc);
        return;
    }

    /* ---------------------------------------------------------- database */
    if (!strcmp(cmd, "db_open")) {       /* db_open(path, readonly) */
        nargs(cmd, nrhs, 1, 2);
        char *path = get_cstr(prhs[1], "database directory");
        unsigned flags = D4M_DB_CREATE;
        if (nrhs > 2 && get_scalar(prhs[2], "readonly") != 0)
            flags = D4M_DB_READONLY;
        d4m_db *db = NULL;
        check(d4m_db_open(&db, path, flags));
        tmp_push(db, (cleanup_fn)d4m_db_close);
        plhs[0] = id_out(new_slot(db, K_DB, -1, NULL));
        return;
    }
    if (!strcmp(cmd, "db_ls")) {         /* db_ls(db, sep) -> list */
        nargs(cmd, nrhs, 1, 2);
        d4m_db *db = get_obj(prhs[1], K_DB, "ls");
        char sep = nrhs > 2 ? get_sep_byte(prhs[2]) : ' ';
        char **names = NULL;
        size_t n = 0;
        check(d4m_db_list(&names, &n, db));
        tmp_push(names, free_lib);
        size_t total = 0;
        for (size_t i = 0; i < n; i++) total += strlen(names[i]) + 1;
        char *buf = xmalloc(total + 1);
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(names[i]);
            memcpy(buf + w, names[i], l);
            w += l;
            buf[w++] = sep;
        }
        plhs[0] = str_out(buf, w);
        return;
    }
    if (!strcmp(cmd, "table_open")) {    /* table_open(db, name, pair, create) */
        nargs(cmd, nrhs, 2, 3);
        int64_t dbi = id_slot(prhs[1]);
        d4m_db *db = get_obj(prhs[1], K_DB, "DBtable");
        char *name = get_cstr(prhs[2], "table name");
        int pair = nrhs > 3 && get_scalar(prhs[3], "pair") != 0;
        d4m_table *t = NULL;
        int rc = d4m_table_open(&t, db, name);
        if (rc == D4M_ENOTFOUND) {
            d4m_table_options o = D4M_TABLE_OPTIONS_INIT;
            o.pair = pair;
            check(d4m_table_create(db, name, &o));
            rc = d4m_table_open(&t, db, name);
        }
        check(rc);
        tmp_push(t, (cleanup_fn)d4m_table_close);
        if (pair) {
            d4m_table_info info;
            check(d4m_table_info_get(&info, t));
            if (!info.has_pair)
                BADARG("table '%s' exists without a transpose table; it cannot be opened as a pair",
                       name);
        }
        plhs[0] = id_out(new_slot(t, K_TABLE, (int32_t)dbi, name));
        return;
    }
    if (!strcmp(cmd, "table_info")) {    /* [has_pair has_degree combiner ncolcombiners] */
        nargs(cmd, nrhs, 1, 1);
        d4m_table *t = get_obj(prhs[1], K_TABLE, cmd);
        d4m_table_info info;
        check(d4m_table_info_get(&info, t));
        plhs[0] = mxCreateDoubleMatrix(1, 4, mxREAL);
        double *d = mxGetPr(plhs[0]);
        d[0] = info.has_pair; d[1] = info.has_degree; d[2] = info.combiner;
        d[3] = (double)info.col_combiners;
        return;
    }
    if (!strcmp(cmd, "table_put")) {     /* table_put(t, assoc, bulk) */
        nargs(cmd, nrhs, 2, 3);
        d4m_table *t = get_obj(prhs[1], K_TABLE, "put");
        const d4m_assoc *a = ASSOC(2);
        unsigned fl = nrhs > 3 && get_scalar(prhs[3], "bulk") != 0 ? D4M_PUT_BULK : 0;
        check(d4m_table_put(t, a, fl));
        return;
    }
    if (!strcmp(cmd, "table_put_triples")) { /* (t, r, c, v) */
        nargs(cmd, nrhs, 4, 4);
        d4m_table *t = get_obj(prhs[1], K_TABLE, "putTriple");
        d4m_vec R = get_vec(prhs[2], "row"), C = get_vec(prhs[3], "col"),
                V = get_vec(prhs[4], "val");
        if (R.n == 0 || C.n == 0 || V.n == 0)
            return;
        check(d4m_table_put_triples(t, R, C, V, 0));
        return;
    }
    if (!strcmp(cmd, "table_get")) {     /* (t, rq, cq) */
        nargs(cmd, nrhs, 3, 3);
        d4m_table *t = get_obj(prhs[1], K_TABLE, "DBtable query");
        d4m_query *rq = get_query(prhs[2], "row query");
        d4m_query *cq = get_query(prhs[3], "column query");
        check(d4m_table_get(&r, t, rq, cq));
        plhs[0] = assoc_out(r);
        return;
    }
    if (!strcmp(cmd, "table_nnz")) {
        nargs(cmd, nrhs, 1, 1);
        d4m_table *t = get_obj(prhs[1], K_TABLE, "nnz");
        uint64_t n = 0;
        check(d4m_table_nnz(&n, t));
        plhs[0] = mxCreateDoubleScalar((double)n);
        return;
    }
    if (!strcmp(cmd, "table_combiner")) { /* (t, prefixes, combiner) */
        nargs(cmd, nrhs, 3, 3);
        d4m_table *t = get_obj(prhs[1], K_TABLE, "addColCombiner");
        d4m_vec P = get_vec(prhs[2], "column prefixes");
        if (P.kind != D4M_STR)
            BADARG("addColCombiner: the column prefixes must be a string list");
        d4m_combiner c = parse_combiner(prhs[3]);
        for (size_t i = 0; i < P.n; i++)
            check(d4m_table_add_col_combiner(t, P.str[i], c));
        return;
    }
    if (!strcmp(cmd, "table_drop")) {    /* (t): deleteForce */
        nargs(cmd, nrhs, 1, 1);
        int64_t ti = id_slot(prhs[1]);
        get_obj(prhs[1], K_TABLE, "deleteForce");
        int32_t dbi = slots[ti].parent;
        d4m_db *db = slots[dbi].p;
        char *name = xmalloc(strlen(slots[ti].name) + 4);
        strcpy(name, slots[ti].name);
        d4m_table_info info;
        check(d4m_table_info_get(&info, slots[ti].p));
        check(d4m_table_drop(db, name));
        /* Only once they are gone (a failed drop leaves the handles), and
         * with them handles opened on the transpose or degree table by
         * name, DB('TedgeT'): the drop takes those tables too. */
        close_table_handles(dbi, name);
        size_t len = strlen(name);
        if (info.has_pair) {
            strcpy(name + len, "T");
            close_table_handles(dbi, name);
        }
        if (info.has_degree) {
            strcpy(name + len, "Deg");
            close_table_handles(dbi, name);
        }
        return;
    }
    if (!strncmp(cmd, "vol_", 4)) {
        vol_dispatch(cmd, nlhs, plhs, nrhs, prhs);
        return;
    }
    if (!strcmp(cmd, "iter_new")) {      /* (t, rq, cq, chunk) */
        nargs(cmd, nrhs, 4, 4);
        int64_t ti = id_slot(prhs[1]);
        d4m_table *t = get_obj(prhs[1], K_TABLE, "Iterator");
        d4m_query *rq = get_query(prhs[2], "row query");
        d4m_query *cq = get_query(prhs[3], "column query");
        double ch = get_scalar(prhs[4], "chunk size");
        if (!(ch >= 1 && ch <= 1e15) || ch != floor(ch))
            BADARG("Iterator: the number of elements must be a positive integer");
        d4m_table_iter *it = NULL;
        check(d4m_table_iter_new(&it, t, rq, cq, (size_t)ch));
        tmp_push(it, (cleanup_fn)d4m_table_iter_free);
        plhs[0] = id_out(new_slot(it, K_ITER, (int32_t)ti, NULL));
        return;
    }
    if (!strcmp(cmd, "iter_next")) {
        nargs(cmd, nrhs, 1, 1);
        d4m_table_iter *it = get_obj(prhs[1], K_ITER, "Iterator");
        int rc = d4m_table_iter_next(&r, it);
        check(rc);
        if (!r)
            check(d4m_assoc_new_empty(&r));
        plhs[0] = assoc_out(r);
        if (nlhs > 1) plhs[1] = mxCreateLogicalScalar(rc == D4M_ITER_DONE);
        return;
    }

    fail("d4m:badArg", "d4m_mex: unknown command '%s'", cmd);
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    char cmd[32];
    ensure_init();
    tmp_run();   /* anything left by a call that an mx allocation failure cut short
                    (down to the outer call's, in a call from a collide function) */
    if (nrhs < 1 || !mxIsChar(prhs[0]) || mxGetNumberOfElements(prhs[0]) >= sizeof cmd)
        mexErrMsgIdAndTxt("d4m:nargin", "usage: d4m_mex(command, args...)");
    if (mxGetString(prhs[0], cmd, sizeof cmd) != 0)
        mexErrMsgIdAndTxt("d4m:badArg", "d4m_mex: bad command");
    if (nlhs > 4)
        mexErrMsgIdAndTxt("d4m:nargout", "d4m_mex('%s'): too many outputs", cmd);
    dispatch(cmd, nlhs, plhs, nrhs, prhs);
    tmp_run();
}
