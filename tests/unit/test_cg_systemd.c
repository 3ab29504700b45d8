/* The systemd cgroup driver without systemd: cgroupsPath parsing and the
 * unit properties built from linux.resources (cgroups/systemd_props.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/cgroup.h"
#include "cgroups/systemd.h"

static uint64_t u64(const struct cg_sd_props *p, const char *name)
{
	const struct cg_sd_prop *q = cg_sd_props_find(p, name);
	assert_non_null(q);
	assert_int_equal(q->type, CG_SD_U64);
	return q->u;
}

static void test_parse_path(void **state)
{
	(void)state;
	char *slice = NULL, *leaf = NULL;
	assert_int_equal(cg_sd_parse_path("machine.slice:libpod:abc", &slice, &leaf, NULL), 0);
	assert_string_equal(slice, "machine.slice");
	assert_string_equal(leaf, "libpod-abc.scope");
	assert_true(cg_sd_is_scope(leaf));
	free(slice), free(leaf);
	/* An empty slice is system.slice; an empty prefix adds no dash. */
	assert_int_equal(cg_sd_parse_path("::x", &slice, &leaf, NULL), 0);
	assert_string_equal(slice, "system.slice");
	assert_string_equal(leaf, "x.scope");
	free(slice), free(leaf);
	/* A name that is a unit keeps its suffix; a slice is not a scope. */
	assert_int_equal(cg_sd_parse_path("a-b.slice:p:c.slice", &slice, &leaf, NULL), 0);
	assert_string_equal(leaf, "p-c.slice");
	assert_false(cg_sd_is_scope(leaf));
	free(slice), free(leaf);
	struct jl_err *e = NULL;
	static const char *const bad[] = {"a:b", "a:b:c:d", "nota:p:n", "x/y.slice:p:n",
					  "s.slice:p:", "s.slice:p:a/b", ".slice:p:n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(cg_sd_parse_path(bad[i], &slice, &leaf, &e) < 0);
		assert_non_null(strstr(e->msg, "linux.cgroupsPath"));
		jl_err_free(&e);
	}
}

static void test_resolve_nests_slices(void **state)
{
	(void)state;
	char *path = NULL;
	assert_int_equal(cg_resolve_path("a-b-c.slice:jaula:x", "id", true, &path, NULL), 0);
	assert_string_equal(path, "/a.slice/a-b.slice/a-b-c.slice/jaula-x.scope");
	free(path);
	assert_int_equal(cg_resolve_path("-.slice:p:x", "id", true, &path, NULL), 0);
	assert_string_equal(path, "/p-x.scope");
	free(path);
}

static void test_slice_chain(void **state)
{
	(void)state;
	char *p = cg_sd_slice_path("a-b-c.slice");
	assert_string_equal(p, "/a.slice/a-b.slice/a-b-c.slice");
	free(p);
	p = cg_sd_slice_path("-.slice");
	assert_string_equal(p, "");
	free(p);
	char buf[64];
	assert_string_equal(cg_sd_slice_parent("a-b-c.slice", buf, sizeof(buf)), "a-b.slice");
	assert_string_equal(cg_sd_slice_parent("a-b.slice", buf, sizeof(buf)), "a.slice");
	assert_null(cg_sd_slice_parent("a.slice", buf, sizeof(buf)));
	assert_null(cg_sd_slice_parent("-.slice", buf, sizeof(buf)));
}

static void test_memory_pids_cpu(void **state)
{
	(void)state;
	struct cg_resources r = {0};
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 64 << 20;
	r.memory.has_reservation = true, r.memory.reservation = 32 << 20;
	r.memory.has_swap = true, r.memory.swap = 96 << 20;
	r.has_pids_limit = true, r.pids_limit = 100;
	r.has_cpu = true;
	r.cpu.has_shares = true, r.cpu.shares = 1024;
	r.cpu.has_quota = true, r.cpu.quota = 50000;
	r.cpu.has_period = true, r.cpu.period = 100000;
	struct cg_sd_props p = {0};
	assert_int_equal(cg_sd_props_resources(&p, &r, NULL), 0);
	assert_int_equal(u64(&p, "MemoryMax"), 64 << 20);
	assert_int_equal(u64(&p, "MemoryLow"), 32 << 20);
	/* The spec's swap is memory+swap; systemd's is swap alone. */
	assert_int_equal(u64(&p, "MemorySwapMax"), 32 << 20);
	assert_int_equal(u64(&p, "TasksMax"), 100);
	assert_int_equal(u64(&p, "CPUWeight"), cg_cpu_shares_to_weight(1024));
	assert_int_equal(u64(&p, "CPUQuotaPerSecUSec"), 500000);
	assert_int_equal(u64(&p, "CPUQuotaPeriodUSec"), 100000);
	cg_sd_props_free(&p);
}

static void test_unlimited_and_rounding(void **state)
{
	(void)state;
	struct cg_resources r = {0};
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = -1;
	r.has_pids_limit = true, r.pids_limit = 0;
	r.has_cpu = true;
	/* 33.333% of a CPU: systemd keeps 10 ms steps, so 340 ms a second. */
	r.cpu.has_quota = true, r.cpu.quota = 33333;
	struct cg_sd_props p = {0};
	assert_int_equal(cg_sd_props_resources(&p, &r, NULL), 0);
	assert_true(u64(&p, "MemoryMax") == UINT64_MAX);
	assert_true(u64(&p, "TasksMax") == UINT64_MAX);
	assert_int_equal(u64(&p, "CPUQuotaPerSecUSec"), 340000);
	assert_null(cg_sd_props_find(&p, "CPUQuotaPeriodUSec"));
	assert_null(cg_sd_props_find(&p, "MemorySwapMax"));
	cg_sd_props_free(&p);
	r = (struct cg_resources){.has_cpu = true};
	r.cpu.has_quota = true, r.cpu.quota = -1;
	assert_int_equal(cg_sd_props_resources(&p, &r, NULL), 0);
	assert_true(u64(&p, "CPUQuotaPerSecUSec") == UINT64_MAX);
	cg_sd_props_free(&p);
}

static void test_cpuset_masks(void **state)
{
	(void)state;
	struct cg_resources r = {.has_cpu = true};
	r.cpu.cpus = "0-2, 5,9";
	r.cpu.mems = "1";
	struct cg_sd_props p = {0};
	assert_int_equal(cg_sd_props_resources(&p, &r, NULL), 0);
	const struct cg_sd_prop *q = cg_sd_props_find(&p, "AllowedCPUs");
	assert_non_null(q);
	assert_int_equal(q->type, CG_SD_BYTES);
	assert_int_equal(q->n, 2);
	assert_int_equal(q->bytes[0], 0x27);
	assert_int_equal(q->bytes[1], 0x02);
	q = cg_sd_props_find(&p, "AllowedMemoryNodes");
	assert_int_equal(q->n, 1);
	assert_int_equal(q->bytes[0], 0x02);
	cg_sd_props_free(&p);
	static const char *const bad[] = {"a", "3-1", "1,,2", "1-", "70000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jl_err *e = NULL;
		r.cpu.cpus = bad[i];
		assert_true(cg_sd_props_resources(&p, &r, &e) < 0);
		assert_non_null(strstr(e->msg, "linux.resources.cpu.cpus"));
		jl_err_free(&e);
		cg_sd_props_free(&p);
	}
}

static void test_io_and_unified(void **state)
{
	(void)state;
	struct cg_throttle_device rbps = {.major = 8, .minor = 0, .rate = 1048576};
	struct cg_weight_device wd[] = {{.major = 8, .minor = 16, .has_weight = true, .weight = 500},
					{.major = 8, .minor = 32, .has_leaf_weight = true}};
	struct cg_kv unified[] = {{"memory.high", "1048576"}, {"memory.max", "max"},
				  {"io.max", "8:0 rbps=1"}, {"pids.max", "bogus"}};
	struct cg_resources r = {.has_blkio = true, .unified = unified, .n_unified = 4};
	r.has_memory = true, r.memory.has_limit = true, r.memory.limit = 4096;
	r.blkio.has_weight = true, r.blkio.weight = 10;
	r.blkio.weight_devices = wd, r.blkio.n_weight_devices = 2;
	r.blkio.throttle[CG_THROTTLE_READ_BPS] = &rbps;
	r.blkio.n_throttle[CG_THROTTLE_READ_BPS] = 1;
	struct cg_sd_props p = {0};
	assert_int_equal(cg_sd_props_resources(&p, &r, NULL), 0);
	assert_int_equal(u64(&p, "IOWeight"), cg_blkio_weight_to_io_weight(10));
	const struct cg_sd_prop *q = cg_sd_props_find(&p, "IODeviceWeight");
	assert_int_equal(q->n, 1); /* a leaf weight alone has no systemd form */
	assert_string_equal(q->devs[0].path, "/dev/block/8:16");
	assert_int_equal(q->devs[0].value, cg_blkio_weight_to_io_weight(500));
	q = cg_sd_props_find(&p, "IOReadBandwidthMax");
	assert_string_equal(q->devs[0].path, "/dev/block/8:0");
	assert_int_equal(q->devs[0].value, 1048576);
	assert_int_equal(u64(&p, "MemoryHigh"), 1048576);
	/* The unified key has the last word, as it has for the files. */
	assert_true(u64(&p, "MemoryMax") == UINT64_MAX);
	/* A value systemd cannot take is left to the file write. */
	assert_null(cg_sd_props_find(&p, "TasksMax"));
	cg_sd_props_free(&p);
}

static void test_annotations(void **state)
{
	(void)state;
	struct cg_sd_props p = {0};
	static const char *const ok[][3] = {
		{"org.systemd.property.TimeoutStopUSec", "uint64 10000000", "t"},
		{"org.systemd.property.KillSignal", "15", "i"},
		{"org.systemd.property.Nice", "int32 -5", "i"},
		{"org.systemd.property.SendSIGKILL", "false", "b"},
		{"org.systemd.property.KillMode", "'mixed'", "s"},
		{"org.systemd.property.LimitNOFILE", "uint32 4096", "u"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(cg_sd_props_annotation(&p, ok[i][0], ok[i][1], NULL), 0);
	assert_int_equal(u64(&p, "TimeoutStopUSec"), 10000000);
	const struct cg_sd_prop *q = cg_sd_props_find(&p, "KillSignal");
	assert_int_equal(q->type, CG_SD_I32);
	assert_int_equal(q->u, 15);
	q = cg_sd_props_find(&p, "Nice");
	assert_int_equal((int64_t)q->u, -5);
	assert_int_equal(cg_sd_props_find(&p, "SendSIGKILL")->u, 0);
	assert_string_equal(cg_sd_props_find(&p, "KillMode")->s, "mixed");
	assert_int_equal(cg_sd_props_find(&p, "LimitNOFILE")->type, CG_SD_U32);
	/* A copy is deep: the list it came from can go. */
	struct cg_sd_props c = {0};
	cg_sd_props_copy(&c, cg_sd_props_find(&p, "KillMode"));
	cg_sd_props_free(&p);
	assert_string_equal(cg_sd_props_find(&c, "KillMode")->s, "mixed");
	cg_sd_props_free(&c);
	static const char *const bad[][2] = {
		{"org.systemd.property.PIDs", "uint32 1"},  {"org.systemd.property.Slice", "'x'"},
		{"org.systemd.property.lower", "1"},	      {"org.systemd.property.A-B", "1"},
		{"org.systemd.property.X", "uint32 -1"},    {"org.systemd.property.X", "int32 3000000000"},
		{"org.systemd.property.X", "maybe"},	      {"org.systemd.property.X", "'open"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jl_err *e = NULL;
		assert_true(cg_sd_props_annotation(&p, bad[i][0], bad[i][1], &e) < 0);
		assert_non_null(strstr(e->msg, bad[i][0]));
		jl_err_free(&e);
	}
	cg_sd_props_free(&p);
}

static void test_scope_props(void **state)
{
	(void)state;
	struct cg_sd_props p = {0};
	cg_sd_props_scope(&p, "jaula container x", "machine.slice", 4242);
	const struct cg_sd_prop *q = cg_sd_props_find(&p, "PIDs");
	assert_int_equal(q->type, CG_SD_PIDS);
	assert_int_equal(q->u, 4242);
	q = cg_sd_props_find(&p, "Delegate");
	assert_int_equal(q->type, CG_SD_BOOL);
	assert_int_equal(q->u, 1);
	assert_string_equal(cg_sd_props_find(&p, "Slice")->s, "machine.slice");
	assert_string_equal(cg_sd_props_find(&p, "CollectMode")->s, "inactive-or-failed");
	assert_int_equal(cg_sd_props_find(&p, "DefaultDependencies")->u, 0);
	cg_sd_props_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_path),
		cmocka_unit_test(test_resolve_nests_slices),
		cmocka_unit_test(test_slice_chain),
		cmocka_unit_test(test_memory_pids_cpu),
		cmocka_unit_test(test_unlimited_and_rounding),
		cmocka_unit_test(test_cpuset_masks),
		cmocka_unit_test(test_io_and_unified),
		cmocka_unit_test(test_annotations),
		cmocka_unit_test(test_scope_props),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
