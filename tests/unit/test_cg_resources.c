/* linux.resources -> cgroup v2 files, against a fake cgroup: a temporary
 * directory of regular files named like cgroup files, whose fd stands in
 * for the cgroup's.  No root, no cgroupfs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/util.h"

/* --- the fake cgroup ------------------------------------------------------ */

static const char *const files[] = {
	"memory.max",  "memory.low",   "memory.swap.max", "memory.current", "memory.high",
	"cpu.weight",  "cpu.max",      "cpu.max.burst",   "cpu.idle",       "cpuset.cpus",
	"cpuset.mems", "pids.max",     "io.weight",       "io.max",         "hugetlb.2MB.max",
	"rdma.max",    "cgroup.procs", "hugetlb.2MB.rsvd.max", "hugetlb.1GB.max",
};

struct fake {
	char dir[64];
	struct cg_handle h;
};

static void put(struct fake *f, const char *name, const char *text)
{
	int fd = openat(f->h.fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(jl_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

static void rm(struct fake *f, const char *name)
{
	assert_int_equal(unlinkat(f->h.fd, name, 0), 0);
}

static struct fake *fake_new(void)
{
	struct fake *f = xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/jaula-cgres-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->h.fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->h.fd >= 0);
	f->h.path = xstrdup("/jaula/test");
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		put(f, files[i], "");
	return f;
}

static void fake_free(struct fake *f)
{
	cg_handle_close(&f->h);
	assert_int_equal(jl_remove_tree_at(AT_FDCWD, f->dir, NULL), 0);
	free(f);
}

static int setup(void **state)
{
	*state = fake_new();
	return 0;
}

static int teardown(void **state)
{
	fake_free(*state);
	return 0;
}

/* The file's content, "" for an empty one, NULL when it does not exist. */
static char *slurp(struct fake *f, const char *name)
{
	char *text = NULL;
	if (jl_read_file_at(f->h.fd, name, 1 << 16, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

#define assert_file(f, name, want)                                                       \
	do {                                                                             \
		char *got_ = slurp((f), (name));                                         \
		assert_non_null(got_);                                                   \
		assert_string_equal(got_, (want));                                       \
		free(got_);                                                              \
	} while (0)

static void apply_ok(struct fake *f, const struct cg_resources *res)
{
	struct jl_err *err = NULL;
	int r = cg_apply_resources(&f->h, res, &err);
	if (r < 0)
		fail_msg("cg_apply_resources: %s", err ? err->msg : "?");
	assert_null(err);
}

/* The error's message must contain `want`. */
static void apply_fails(struct fake *f, const struct cg_resources *res, bool update,
			const char *want)
{
	struct jl_err *err = NULL;
	int r = update ? cg_update_resources(&f->h, res, &err)
		       : cg_apply_resources(&f->h, res, &err);
	assert_true(r < 0);
	assert_non_null(err);
	if (!strstr(err->msg, want))
		fail_msg("error \"%s\" lacks \"%s\"", err->msg, want);
	jl_err_free(&err);
}

static struct cg_resources memory_res(bool has_limit, int64_t limit, bool has_swap, int64_t swap)
{
	struct cg_resources res = {.has_memory = true};
	res.memory.has_limit = has_limit;
	res.memory.limit = limit;
	res.memory.has_swap = has_swap;
	res.memory.swap = swap;
	return res;
}

/* --- memory --------------------------------------------------------------- */

static void test_memory_limits(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = memory_res(true, 1048576, false, 0);
	res.memory.has_reservation = true;
	res.memory.reservation = 524288;
	apply_ok(f, &res);
	assert_file(f, "memory.max", "1048576");
	assert_file(f, "memory.low", "524288");
	assert_file(f, "memory.swap.max", "");
}

static void test_memory_unlimited(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = memory_res(true, -1, false, 0);
	res.memory.has_reservation = true;
	res.memory.reservation = -1;
	apply_ok(f, &res);
	assert_file(f, "memory.max", "max");
	assert_file(f, "memory.low", "max");
	/* runc: "memory unlimited" without a swap total means swap too. */
	assert_file(f, "memory.swap.max", "max");
}

static void test_memory_absent_writes_nothing(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = {.has_memory = true, .has_cpu = true, .has_blkio = true,
				   .has_pids = true};
	apply_ok(f, &res);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		assert_file(f, files[i], "");
	/* runc treats 0 as unset: memory.max 0 would OOM-kill at once. */
	res = memory_res(true, 0, true, 0);
	apply_ok(f, &res);
	assert_file(f, "memory.max", "");
	assert_file(f, "memory.swap.max", "");
}

struct swap_case {
	bool has_limit;
	int64_t limit;
	bool has_swap;
	int64_t swap;
	const char *want; /* memory.swap.max, or the error's text */
	bool fails;
};

static void test_swap_math(void **state)
{
	(void)state;
	static const struct swap_case cases[] = {
		{true, 1000, true, 1000, "0", false},    /* memory == memory+swap: no swap */
		{true, 200, true, 500, "300", false},    /* total minus memory */
		{true, 100, true, -1, "max", false},     /* unlimited swap */
		{true, -1, true, 500, "500", false},     /* unlimited memory: swap as given */
		{true, -1, true, -1, "max", false},
		{false, 0, true, -1, "max", false},      /* -1 needs no limit to subtract */
		{true, 100, false, 0, "", false},        /* swap unset: not written */
		{true, 400, true, 300, "is below memory.limit 400", true},
		{false, 0, true, 300, "needs memory.limit", true},
		{true, 0, true, 300, "needs memory.limit", true},
		{true, 100, true, -2, "memory.swap: -2: expected bytes or -1", true},
		{true, -5, false, 0, "memory.limit: -5: expected bytes or -1", true},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct swap_case *c = &cases[i];
		struct fake *f = fake_new();
		struct cg_resources res = memory_res(c->has_limit, c->limit, c->has_swap, c->swap);
		if (c->fails) {
			apply_fails(f, &res, false, c->want);
			/* Refused before anything is written. */
			assert_file(f, "memory.max", "");
		} else {
			apply_ok(f, &res);
			assert_file(f, "memory.swap.max", c->want);
		}
		fake_free(f);
	}
}

static void test_swap_without_accounting(void **state)
{
	struct fake *f = *state;
	rm(f, "memory.swap.max");
	/* "no limit" and "no swap" already hold without swap accounting. */
	struct cg_resources res = memory_res(true, -1, false, 0);
	apply_ok(f, &res);
	res = memory_res(true, 100, true, 100);
	apply_ok(f, &res);
	assert_file(f, "memory.max", "100");
	res = memory_res(true, 100, true, 300);
	apply_fails(f, &res, false, "memory.swap.max \"200\": the kernel has no swap accounting");
}

static void test_update_swap_against_live_limit(void **state)
{
	struct fake *f = *state;
	put(f, "memory.max", "1000\n");
	struct cg_resources res = memory_res(false, 0, true, 3000);
	struct jl_err *err = NULL;
	assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
	assert_file(f, "memory.swap.max", "2000");
	/* At create there is no live limit to measure against. */
	apply_fails(f, &res, false, "needs memory.limit");
	/* A live unlimited memory.max: the swap total is the swap limit ... */
	put(f, "memory.max", "max\n");
	assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
	assert_file(f, "memory.swap.max", "3000");
	/* ... and an update that does not mention swap leaves it alone. */
	put(f, "memory.swap.max", "77");
	res = memory_res(false, 0, false, 0);
	res.memory.has_reservation = true;
	res.memory.reservation = 4096;
	assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
	assert_file(f, "memory.swap.max", "77");
	assert_file(f, "memory.low", "4096");
}

/* memory.low 0 is how a live update takes a reservation back; at create a
 * new cgroup has it already, and 0 stays runc's "unset". */
static void test_reservation_zero(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = {.has_memory = true};
	res.memory.has_reservation = true;
	res.memory.reservation = 0;
	apply_ok(f, &res);
	assert_file(f, "memory.low", "");
	put(f, "memory.low", "4096");
	struct jl_err *err = NULL;
	assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
	assert_file(f, "memory.low", "0");
	/* memory.limit 0 stays unset in an update too: memory.max 0 would
	 * OOM-kill the container at once */
	res = memory_res(true, 0, false, 0);
	assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
	assert_file(f, "memory.max", "");
}

static void test_check_before_update(void **state)
{
	struct fake *f = *state;
	put(f, "memory.current", "5000\n");
	struct cg_resources res = memory_res(true, 4096, false, 0);
	res.memory.has_check_before_update = true;
	res.memory.check_before_update = true;
	apply_fails(f, &res, true,
		    "cgroup /jaula/test: refusing memory limit 4096: not above current usage 5000");
	assert_file(f, "memory.max", "");
	res.memory.limit = 5000; /* equal is refused too, as in runc */
	apply_fails(f, &res, true, "refusing memory limit 5000");
	res.memory.has_swap = true;
	res.memory.swap = 4500;
	res.memory.limit = 8192;
	apply_fails(f, &res, true, "refusing memory+swap limit 4500");
	res.memory.has_swap = false;
	struct jl_err *err = NULL;
	assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
	assert_file(f, "memory.max", "8192");
	/* Without the flag the kernel decides (it reclaims). */
	res.memory.check_before_update = false;
	res.memory.limit = 4096;
	assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
	assert_file(f, "memory.max", "4096");
}

static void test_memory_v1_only_fields(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = {.has_memory = true};
	res.memory.has_swappiness = true;
	res.memory.swappiness = 60; /* runc accepts it and writes nothing on v2 */
	res.memory.has_kernel = true;
	res.memory.kernel = 1 << 20;
	res.memory.has_kernel_tcp = true;
	res.memory.kernel_tcp = 1 << 20;
	res.memory.has_disable_oom_killer = true;
	res.memory.disable_oom_killer = true;
	apply_ok(f, &res);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		assert_file(f, files[i], "");
	res.memory.swappiness = UINT64_MAX; /* docker's legacy -1 */
	apply_ok(f, &res);
	res.memory.swappiness = 200;
	apply_fails(f, &res, false, "linux.resources.memory.swappiness: 200: expected 0..100");
}

/* --- cpu ------------------------------------------------------------------ */

static void test_shares_to_weight(void **state)
{
	(void)state;
	static const uint64_t table[][2] = {
		{0, 0},          {1, 1},         {2, 1},         {3, 2},
		{10, 4},         {100, 17},      {512, 59},      {1000, 99},
		{1023, 100},     {1024, 100},    {1025, 101},    {2048, 174},
		{4096, 303},     {10000, 627},   {100000, 4340}, {262143, 10000},
		{262144, 10000}, {262145, 10000}, {UINT64_MAX, 10000},
	};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		uint64_t got = cg_cpu_shares_to_weight(table[i][0]);
		if (got != table[i][1])
			fail_msg("shares %" PRIu64 ": weight %" PRIu64 ", want %" PRIu64,
				 table[i][0], got, table[i][1]);
	}
}

/* runc computes the curve with Go's math.Log2/Pow; the runtime does not
 * link libm, so compare every share value with the C library's. */
static void test_shares_match_libm(void **state)
{
	(void)state;
	void *m = dlopen("libm.so.6", RTLD_NOW);
	if (!m) {
		print_message("# libm.so.6 not loadable (%s): skipping\n", dlerror());
		skip();
	}
	double (*lg)(double) = (double (*)(double))dlsym(m, "log2");
	double (*pw)(double, double) = (double (*)(double, double))dlsym(m, "pow");
	double (*cl)(double) = (double (*)(double))dlsym(m, "ceil");
	assert_true(lg && pw && cl);
	for (uint64_t s = 3; s < 262144; s++) {
		double l = lg((double)s);
		uint64_t want = (uint64_t)cl(pw(10, (l * l + 125 * l) / 612.0 - 7.0 / 34.0));
		uint64_t got = cg_cpu_shares_to_weight(s);
		if (got != want)
			fail_msg("shares %" PRIu64 ": %" PRIu64 ", libm %" PRIu64, s, got, want);
	}
	dlclose(m);
}

struct cpu_max_case {
	bool has_quota;
	int64_t quota;
	bool has_period;
	uint64_t period;
	const char *before; /* cpu.max before, NULL: leave empty */
	bool update;
	const char *want;
};

static void test_cpu_max(void **state)
{
	(void)state;
	static const struct cpu_max_case cases[] = {
		{true, 50000, false, 0, NULL, false, "50000 100000"}, /* default period */
		{true, -1, false, 0, NULL, false, "max 100000"},
		{true, 20000, true, 50000, NULL, false, "20000 50000"},
		{true, -1, true, 50000, NULL, false, "max 50000"},
		{false, 0, true, 250000, "30000 100000\n", false, "30000 250000"}, /* keeps quota */
		{false, 0, true, 250000, "max 100000\n", false, "max 250000"},
		{false, 0, true, 250000, NULL, false, "max 250000"}, /* unreadable: max */
		/* an update keeps the live period */
		{true, 40000, false, 0, "max 50000\n", true, "40000 50000"},
		{true, 40000, false, 0, "max 50000\n", false, "40000 100000"},
		{false, 0, true, 20000, "10000 50000\n", true, "10000 20000"},
		{true, 0, true, 0, "1 2\n", false, "1 2\n"}, /* 0 is unset: untouched */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct cpu_max_case *c = &cases[i];
		struct fake *f = fake_new();
		if (c->before)
			put(f, "cpu.max", c->before);
		struct cg_resources res = {.has_cpu = true};
		res.cpu.has_quota = c->has_quota;
		res.cpu.quota = c->quota;
		res.cpu.has_period = c->has_period;
		res.cpu.period = c->period;
		struct jl_err *err = NULL;
		int r = c->update ? cg_update_resources(&f->h, &res, &err)
				  : cg_apply_resources(&f->h, &res, &err);
		assert_int_equal(r, 0);
		assert_file(f, "cpu.max", c->want);
		fake_free(f);
	}
}

static void test_cpu_other(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = {.has_cpu = true};
	res.cpu.has_shares = true;
	res.cpu.shares = 1024;
	res.cpu.has_burst = true;
	res.cpu.burst = 1000;
	res.cpu.has_idle = true;
	res.cpu.idle = 1;
	res.cpu.cpus = "0-1";
	res.cpu.mems = "0";
	apply_ok(f, &res);
	assert_file(f, "cpu.weight", "100");
	assert_file(f, "cpu.max.burst", "1000");
	assert_file(f, "cpu.idle", "1");
	assert_file(f, "cpuset.cpus", "0-1");
	assert_file(f, "cpuset.mems", "0");
	assert_file(f, "cpu.max", "");
	res.cpu.shares = 262144;
	res.cpu.cpus = "";
	apply_ok(f, &res);
	assert_file(f, "cpu.weight", "10000");
	assert_file(f, "cpuset.cpus", "0-1"); /* "" is unset */
}

static void test_cpu_realtime_refused(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = {.has_cpu = true};
	res.cpu.has_realtime_runtime = true;
	res.cpu.realtime_runtime = 950000;
	apply_fails(f, &res, false, "linux.resources.cpu.realtimeRuntime: 950000");
	res.cpu.realtime_runtime = 0;
	res.cpu.has_realtime_period = true;
	res.cpu.realtime_period = 1000000;
	apply_fails(f, &res, false, "linux.resources.cpu.realtimePeriod: 1000000");
	res.cpu.realtime_period = 0;
	apply_ok(f, &res);
}

/* --- pids, io, hugetlb, rdma ---------------------------------------------- */

static void test_pids(void **state)
{
	struct fake *f = *state;
	static const struct {
		int64_t limit;
		const char *want;
	} cases[] = {{100, "100"}, {-1, "max"}, {1, "1"},
		     /* <= 0 is unlimited, as crun and runc <= 1.3 read it */
		     {0, "max"}, {-2, "max"}, {INT64_MIN, "max"}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cg_resources res = {.has_pids = true, .has_pids_limit = true,
					   .pids_limit = cases[i].limit};
		apply_ok(f, &res);
		assert_file(f, "pids.max", cases[i].want);
		/* `update --pids-limit` reads the same */
		put(f, "pids.max", "7");
		struct jl_err *err = NULL;
		assert_int_equal(cg_update_resources(&f->h, &res, &err), 0);
		assert_file(f, "pids.max", cases[i].want);
	}
	/* a pids object without a limit writes nothing */
	put(f, "pids.max", "7");
	struct cg_resources res = {.has_pids = true};
	apply_ok(f, &res);
	assert_file(f, "pids.max", "7");
	/* without the pids controller "unlimited" holds already; a limit
	 * cannot be enforced */
	rm(f, "pids.max");
	res.has_pids_limit = true;
	res.pids_limit = 0;
	apply_ok(f, &res);
	res.pids_limit = 5;
	apply_fails(f, &res, false, "open pids.max (is its controller enabled?)");
}

static void test_blkio_weight_conversion(void **state)
{
	(void)state;
	static const uint64_t table[][2] = {{0, 0},      {10, 1},     {100, 910},
					    {255, 2475}, {500, 4950}, {1000, 10000}};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		assert_int_equal(cg_blkio_weight_to_io_weight((uint16_t)table[i][0]), table[i][1]);
}

static struct cg_weight_device wdev = {.major = 8, .minor = 0, .has_weight = true,
				       .weight = 255, .has_leaf_weight = true,
				       .leaf_weight = 10};

static void test_io_weight_bfq(void **state)
{
	struct fake *f = *state;
	put(f, "io.bfq.weight", "");
	struct cg_resources res = {.has_blkio = true};
	res.blkio.has_weight = true;
	res.blkio.weight = 500;
	res.blkio.weight_devices = &wdev;
	res.blkio.n_weight_devices = 1;
	apply_ok(f, &res);
	/* BFQ keeps the v1 scale: no conversion. */
	assert_file(f, "io.bfq.weight", "500\n8:0 255\n");
	assert_file(f, "io.weight", "");
}

static void test_io_weight_fallback(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = {.has_blkio = true};
	res.blkio.has_weight = true;
	res.blkio.weight = 500;
	res.blkio.has_leaf_weight = true; /* v1 only: warned about, ignored */
	res.blkio.leaf_weight = 10;
	res.blkio.weight_devices = &wdev;
	res.blkio.n_weight_devices = 1;
	apply_ok(f, &res);
	assert_file(f, "io.weight", "4950\n8:0 2475\n");
}

static void test_io_max(void **state)
{
	struct fake *f = *state;
	struct cg_throttle_device rbps[] = {{8, 0, 1048576}, {8, 32, 0}};
	struct cg_throttle_device wiops[] = {{8, 16, 100}};
	struct cg_resources res = {.has_blkio = true};
	res.blkio.throttle[CG_THROTTLE_READ_BPS] = rbps;
	res.blkio.n_throttle[CG_THROTTLE_READ_BPS] = 2;
	res.blkio.throttle[CG_THROTTLE_WRITE_IOPS] = wiops;
	res.blkio.n_throttle[CG_THROTTLE_WRITE_IOPS] = 1;
	apply_ok(f, &res);
	/* One record per write; a v1 rate of 0 (no throttle) is v2's "max". */
	assert_file(f, "io.max", "8:0 rbps=1048576\n8:32 rbps=max\n8:16 wiops=100\n");
	struct cg_throttle_device bad[] = {{-1, 0, 5}};
	res.blkio.throttle[CG_THROTTLE_WRITE_BPS] = bad;
	res.blkio.n_throttle[CG_THROTTLE_WRITE_BPS] = 1;
	apply_fails(f, &res, false, "linux.resources.blockIO.throttleWriteBpsDevice[0]");
}

static void test_hugetlb(void **state)
{
	struct fake *f = *state;
	struct cg_hugepage_limit limits[] = {{"2MB", 4194304}, {"1GB", 1073741824}};
	struct cg_resources res = {.hugepage_limits = limits, .n_hugepage_limits = 2};
	apply_ok(f, &res);
	assert_file(f, "hugetlb.2MB.max", "4194304");
	assert_file(f, "hugetlb.2MB.rsvd.max", "4194304"); /* reservations too */
	assert_file(f, "hugetlb.1GB.max", "1073741824");   /* no .rsvd.max: fine */
	static const char *const bad[] = {"2MB/../../x", "", "MB", "2mb", "2MB.rsvd"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cg_hugepage_limit l = {bad[i], 1};
		res.hugepage_limits = &l;
		res.n_hugepage_limits = 1;
		apply_fails(f, &res, false, "linux.resources.hugepageLimits[0].pageSize");
	}
}

static void test_rdma(void **state)
{
	struct fake *f = *state;
	struct cg_rdma rdma[] = {
		{"mlx5_1", true, true, 3, 100},
		{"mlx4_0", false, true, 0, 7},
		{"hfi1_0", false, false, 0, 0}, /* sets nothing: skipped */
	};
	struct cg_resources res = {.rdma = rdma, .n_rdma = 3};
	apply_ok(f, &res);
	assert_file(f, "rdma.max", "mlx5_1 hca_handle=3 hca_object=100\nmlx4_0 hca_object=7\n");
	struct cg_rdma bad = {"mlx5 1", true, false, 1, 0};
	res.rdma = &bad;
	res.n_rdma = 1;
	apply_fails(f, &res, false, "linux.resources.rdma: device \"mlx5 1\"");
}

/* --- unified -------------------------------------------------------------- */

static void test_unified_overrides(void **state)
{
	struct fake *f = *state;
	struct cg_kv kv[] = {{"memory.max", "2048"},
			     {"memory.high", "max"},
			     {"io.max", "8:0 rbps=1\n8:16 wbps=2\n"}};
	struct cg_resources res = memory_res(true, 1024, false, 0);
	res.unified = kv;
	res.n_unified = ARRAY_SIZE(kv);
	apply_ok(f, &res);
	assert_file(f, "memory.max", "2048"); /* unified goes last */
	assert_file(f, "memory.high", "max");
	assert_file(f, "io.max", "8:0 rbps=1\n8:16 wbps=2\n");
}

static void test_unified_validation(void **state)
{
	struct fake *f = *state;
	static const struct {
		const char *key, *want;
	} cases[] = {
		{"memory.foo", "linux.resources.unified: \"memory.foo\": no such cgroup file"},
		{"../memory.max", "linux.resources.unified: \"../memory.max\": must be a cgroup file name"},
		{"a/b", "linux.resources.unified: \"a/b\": must be a cgroup file name"},
		{"..", "linux.resources.unified: \"..\": must be a cgroup file name"},
		{"", "linux.resources.unified: \"\": must be a cgroup file name"},
		{"cgroup.procs", "linux.resources.unified: \"cgroup.procs\": managed by the runtime, not settable"},
		{"cgroup.kill", "linux.resources.unified: \"cgroup.kill\": managed by the runtime, not settable"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cg_kv kv = {cases[i].key, "1"};
		struct cg_resources res = {.unified = &kv, .n_unified = 1};
		struct jl_err *err = NULL;
		assert_true(cg_apply_resources(&f->h, &res, &err) < 0);
		assert_string_equal(err->msg, cases[i].want);
		jl_err_free(&err);
	}
	/* A directory (a child cgroup) is not a file. */
	assert_int_equal(mkdirat(f->h.fd, "child", 0755), 0);
	struct cg_kv kv = {"child", "1"};
	struct cg_resources res = {.unified = &kv, .n_unified = 1};
	apply_fails(f, &res, false, "\"child\": not a cgroup file");
	assert_file(f, "cgroup.procs", "");
}

/* --- errors --------------------------------------------------------------- */

static void test_error_names_file_and_value(void **state)
{
	struct fake *f = *state;
	/* A write the "kernel" refuses: RLIMIT_FSIZE makes write(2) fail with
	 * EFBIG on a regular file, standing in for EBUSY on cgroupfs. */
	struct rlimit old, one = {1, RLIM_INFINITY};
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	one.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &one), 0);
	struct cg_resources res = memory_res(true, 1048576, false, 0);
	struct jl_err *err = NULL;
	int r = cg_apply_resources(&f->h, &res, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -EFBIG);
	assert_string_equal(err->msg,
			    "cgroup /jaula/test: write memory.max \"1048576\": File too large");
	jl_err_free(&err);

	rm(f, "memory.max");
	apply_fails(f, &res, false,
		    "cgroup /jaula/test: open memory.max (is its controller enabled?): No such "
		    "file or directory");
}

static void test_network_refused(void **state)
{
	struct fake *f = *state;
	struct cg_resources res = {.has_network = true};
	res.network.has_class_id = true;
	res.network.class_id = 0x100001;
	apply_fails(f, &res, false, "linux.resources.network: classID and priorities");
}

static void test_required_controllers(void **state)
{
	(void)state;
	char out[128];
	struct cg_resources res = {.has_memory = true};
	res.memory.has_swappiness = true;
	res.memory.swappiness = 60;
	/* Ignored fields must not demand a controller the host may keep on v1. */
	assert_int_equal(cg_required_controllers(&res, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "");
	/* an unlimited pids.limit needs no pids controller */
	res.has_pids = res.has_pids_limit = true;
	res.pids_limit = 0;
	assert_int_equal(cg_required_controllers(&res, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "");
	res.pids_limit = -1;
	assert_int_equal(cg_required_controllers(&res, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "");
	res.pids_limit = 10;
	res.memory.has_limit = true;
	struct cg_kv kv = {"hugetlb.2MB.max", "1"};
	res.unified = &kv;
	res.n_unified = 1;
	assert_int_equal(cg_required_controllers(&res, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "memory pids hugetlb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memory_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_unlimited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_absent_writes_nothing, setup, teardown),
		cmocka_unit_test(test_swap_math),
		cmocka_unit_test_setup_teardown(test_swap_without_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_swap_against_live_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reservation_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_before_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_v1_only_fields, setup, teardown),
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test(test_shares_match_libm),
		cmocka_unit_test(test_cpu_max),
		cmocka_unit_test_setup_teardown(test_cpu_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_realtime_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pids, setup, teardown),
		cmocka_unit_test(test_blkio_weight_conversion),
		cmocka_unit_test_setup_teardown(test_io_weight_bfq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_weight_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unified_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unified_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_names_file_and_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_refused, setup, teardown),
		cmocka_unit_test(test_required_controllers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
