/* Writing cgroup files, and the number conversions between the spec's
 * cgroup v1 values and v2's (see resources.c for where each is used). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/resources_internal.h"
#include "runtime/log.h"
#include "runtime/util.h"

/* --- writing cgroup files ------------------------------------------------- */


/* -ENOENT without an error for files that may legitimately be missing
 * (memory.swap.max without swap accounting, io.bfq.weight without BFQ). */
int cgf_open_opt(struct cg_file *f, const struct cg_handle *h, const char *name,
		 struct jl_err **err)
{
	f->h = h;
	f->name = name;
	/* O_TRUNC is what a shell's `>` does; cgroupfs ignores it, and it keeps
	 * a regular file (the unit tests' fake cgroup) free of stale bytes. */
	f->fd = openat(h->fd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (f->fd >= 0)
		return 0;
	if (errno == ENOENT)
		return -ENOENT;
	return jl_err_sys(err, "cgroup %s: open %s", h->path, name);
}

int cgf_open(struct cg_file *f, const struct cg_handle *h, const char *name,
	     struct jl_err **err)
{
	int r = cgf_open_opt(f, h, name, err);
	if (r == -ENOENT)
		return jl_err_set(err, ENOENT,
				  "cgroup %s: open %s (is its controller enabled?)", h->path, name);
	return r;
}

void cgf_close(struct cg_file *f)
{
	closep(&f->fd);
	f->fd = -1;
}

int cgf_write(struct cg_file *f, const char *data, size_t n, const char *shown,
	      struct jl_err **err)
{
	int r = jl_write_all(f->fd, data, n);
	if (r < 0)
		return jl_err_set(err, -r, "cgroup %s: write %s \"%s\"", f->h->path, f->name,
				  shown);
	return 0;
}

int cgf_put(struct cg_file *f, const char *value, struct jl_err **err)
{
	return cgf_write(f, value, strlen(value), value, err);
}

/* A record of a multi-record file, newline-terminated like `echo` would. */
int cgf_put_record(struct cg_file *f, const char *record, struct jl_err **err)
{
	cleanup_free char *line = xasprintf("%s\n", record);
	return cgf_write(f, line, strlen(line), record, err);
}

int cgf_write_value(const struct cg_handle *h, const char *name, const char *value,
		    struct jl_err **err)
{
	struct cg_file f;
	int r = cgf_open(&f, h, name, err);
	if (r < 0)
		return r;
	r = cgf_put(&f, value, err);
	cgf_close(&f);
	return r;
}

int cgf_write_u64(const struct cg_handle *h, const char *name, uint64_t v,
		  struct jl_err **err)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cgf_write_value(h, name, buf, err);
}

/* The spec's -1 ("unlimited") is v2's "max". */
void cgf_fmt_limit(char *buf, size_t n, int64_t v)
{
	if (v == -1)
		snprintf(buf, n, "max");
	else
		snprintf(buf, n, "%" PRId64, v);
}

/* A small cgroup file's first line, for values an update keeps.  -errno. */
int cgf_read_line(int dirfd, const char *name, char *buf, size_t n)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t got = read(fd, buf, n - 1);
	if (got < 0)
		return -errno;
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* memory.current, memory.max: a number, or "max" as -1. */
int cgf_read_i64_or_max(int dirfd, const char *name, int64_t *out)
{
	char buf[32];
	int r = cgf_read_line(dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (!strcmp(buf, "max")) {
		*out = -1;
		return 0;
	}
	return jl_parse_i64(buf, 10, out);
}

/* --- conversions ---------------------------------------------------------- */

/* libm is not linked into the runtime (one less library in the privileged
 * binary), so the two transcendental functions the shares formula needs are
 * computed here.  Both are accurate to a few ulp, far below the resolution of
 * the ceil() that follows; test_cg_resources checks every share value
 * 2..262144 against libm's log2/pow when it can dlopen libm. */
static const double LN2 = 0.69314718055994530942;
static const double LN10 = 2.30258509299404568402;

/* log2(v) for v >= 1: v = 2^e * m with m in [1, 2), and
 * ln(m) = 2 atanh((m - 1) / (m + 1)), whose series converges fast for
 * (m - 1) / (m + 1) <= 1/3. */
static double log2_u64(uint64_t v)
{
	int e = 63 - __builtin_clzll(v);
	double m = (double)v / (double)(1ULL << e);
	double t = (m - 1) / (m + 1), t2 = t * t, term = t, sum = 0;
	for (int k = 1; k < 80; k += 2) {
		sum += term / k;
		term *= t2;
	}
	return e + 2 * sum / LN2;
}

/* 10^x for 0 <= x < 5: 10^floor(x) exactly, times e^(frac * ln 10) by its
 * Taylor series (the argument stays below ln 10, 40 terms are plenty). */
static double pow10_small(double x)
{
	int n = (int)x;
	double scale = 1;
	for (int i = 0; i < n; i++)
		scale *= 10;
	double y = (x - n) * LN10, term = 1, sum = 1;
	for (int k = 1; k < 40; k++) {
		term *= y / k;
		sum += term;
	}
	return scale * sum;
}

/* cpu.shares (v1, 2..262144, default 1024) -> cpu.weight (v2, 1..10000,
 * default 100), exactly as runc >= 1.3.2 / opencontainers/cgroups >= 0.0.3
 * (ConvertCPUSharesToCgroupV2Value) and crun >= 1.23 do:
 *   l = log2(shares); weight = ceil(10^((l^2 + 125 l) / 612 - 7/34))
 * a curve through (2, 1), (1024, 100) and (262144, 10000), so the v1 default
 * lands on the v2 default.  Older runc used the line
 *   weight = 1 + (shares - 2) * 9999 / 262142
 * which maps the default 1024 to 39, leaving every container with ~39% of
 * the CPU share it asked for next to v2-native workloads (runc#4772,
 * kubernetes#131216).  0 stays 0 ("unset"); out-of-range values clamp. */
uint64_t cg_cpu_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	double l = log2_u64(shares);
	double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	double w = pow10_small(exponent);
	uint64_t up = (uint64_t)w;
	return (double)up < w ? up + 1 : up;
}

/* blkio.weight (10..1000) -> io.weight (1..10000), linearly, as runc's
 * ConvertBlkIOToIOWeightValue: 1 + (w - 10) * 9999 / 990.  io.bfq.weight
 * takes the v1 value unchanged (BFQ kept the 1..1000 scale). */
uint64_t cg_blkio_weight_to_io_weight(uint16_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	return 1 + ((uint64_t)weight - 10) * 9999 / 990;
}

