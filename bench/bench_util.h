/*
 * bench/bench_util.h - what the benchmark programs share: clocks (wall,
 * process CPU), the load average, and the process's memory figures (peak
 * RSS, and resetting that mark between ops).
 */
#ifndef D4M_BENCH_UTIL_H
#define D4M_BENCH_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* A whole number in [lo, hi] ("1e6" notation accepted) into *out. */
static inline bool parse_count(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || x < lo || x > hi || x != (double)(uint64_t)x)
        return false;
    *out = x;
    return true;
}

/* Wall-clock seconds (monotonic). */
static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of this process, all its threads (RocksDB's and OpenMP's). */
static inline double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The 1-minute load average (-1 if unknown): other work on the machine
 * skews the times. */
static inline double loadavg1(void)
{
    double x = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &x) != 1)
            x = -1;
        fclose(f);
    }
    return x;
}

/* Reset the kernel's peak-RSS mark (VmHWM) to the current RSS; Linux >= 4.0.
 * Returns false where that is not possible. */
static inline bool rss_reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return false;
    bool ok = fputs("5", f) >= 0;
    if (fclose(f) != 0)
        ok = false;
    return ok;
}

/* A "VmXXX:  1234 kB" field of /proc/self/status in MB, or -1. */
static inline double proc_status_mb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    size_t fl = strlen(field);
    double mb = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            mb = strtod(line + fl + 1, NULL) / 1024.0;
            break;
        }
    }
    fclose(f);
    return mb;
}

/* Peak RSS in MB: VmHWM, or getrusage where /proc is missing. */
static inline double peak_rss_mb(void)
{
    double mb = proc_status_mb("VmHWM");
    if (mb >= 0)
        return mb;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;   /* kB on Linux */
}

#endif
