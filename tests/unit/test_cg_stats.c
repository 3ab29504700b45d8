/* Reading cgroup counters from a fake cgroup: a temporary directory of
 * regular files holding what the kernel would print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/util.h"

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

static int setup(void **state)
{
	struct fake *f = xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/jaula-cgstat-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->h.fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->h.fd >= 0);
	f->h.path = xstrdup("/jaula/test");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	cg_handle_close(&f->h);
	assert_int_equal(jl_remove_tree_at(AT_FDCWD, f->dir, NULL), 0);
	free(f);
	return 0;
}

static void put_full_cgroup(struct fake *f)
{
	put(f, "memory.current", "1234\n");
	put(f, "memory.max", "max\n");
	put(f, "memory.swap.current", "0\n");
	put(f, "memory.swap.max", "1048576\n");
	put(f, "memory.stat", "anon 4096\nfile 8192\nkernel 300\nkernel_stack 16384\n"
			      "sock 0\nshmem 12\nfuture_key 77\npgfault 5\nslab 99\n");
	put(f, "memory.events", "low 0\nhigh 1\nmax 2\noom 3\noom_kill 4\noom_group_kill 0\n");
	put(f, "cpu.stat", "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 7\n"
			   "nr_throttled 2\nthrottled_usec 900\nnr_bursts 0\nburst_usec 0\n");
	put(f, "pids.current", "3\n");
	put(f, "pids.max", "max\n");
	put(f, "io.stat", "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n"
			  "259:0 rbytes=10 wbytes=20 rios=30 wios=40 dbytes=5 dios=6\n");
	put(f, "hugetlb.2MB.current", "2097152\n");
	put(f, "hugetlb.2MB.events", "max 3\n");
	put(f, "hugetlb.2MB.rsvd.current", "0\n"); /* not a page size of its own */
	put(f, "hugetlb.2MB.max", "max\n");
}

static void test_full(void **state)
{
	struct fake *f = *state;
	put_full_cgroup(f);
	struct cg_stats st;
	struct jl_err *err = NULL;
	if (cg_read_stats(&f->h, &st, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(st.has_memory_current);
	assert_int_equal(st.memory_current, 1234);
	assert_false(st.has_memory_peak); /* before 5.19 */
	assert_true(st.has_memory_max);
	assert_true(st.memory_max == CG_UNLIMITED);
	assert_true(st.has_swap_current && st.has_swap_max);
	assert_int_equal(st.swap_max, 1048576);
	assert_true(st.has_memory_stat);
	assert_int_equal(st.memory.anon, 4096);
	assert_int_equal(st.memory.file, 8192);
	assert_int_equal(st.memory.kernel, 300);
	assert_int_equal(st.memory.kernel_stack, 16384);
	assert_int_equal(st.memory.shmem, 12);
	assert_int_equal(st.memory.slab, 99);
	assert_int_equal(st.memory.pgfault, 5);
	assert_true(st.has_memory_events);
	assert_int_equal(st.memory_events.high, 1);
	assert_int_equal(st.memory_events.max, 2);
	assert_int_equal(st.memory_events.oom, 3);
	assert_int_equal(st.memory_events.oom_kill, 4);
	assert_true(st.has_cpu_stat);
	assert_int_equal(st.cpu.usage_usec, 100);
	assert_int_equal(st.cpu.user_usec, 60);
	assert_int_equal(st.cpu.system_usec, 40);
	assert_int_equal(st.cpu.nr_periods, 7);
	assert_int_equal(st.cpu.nr_throttled, 2);
	assert_int_equal(st.cpu.throttled_usec, 900);
	assert_true(st.has_pids_current && st.has_pids_max);
	assert_int_equal(st.pids_current, 3);
	assert_true(st.pids_max == CG_UNLIMITED);
	assert_true(st.has_io_stat);
	assert_int_equal(st.n_io, 2);
	assert_int_equal(st.io[1].major, 259);
	assert_int_equal(st.io[1].minor, 0);
	assert_int_equal(st.io[1].rbytes, 10);
	assert_int_equal(st.io[1].wbytes, 20);
	assert_int_equal(st.io[1].rios, 30);
	assert_int_equal(st.io[1].wios, 40);
	assert_int_equal(st.n_hugetlb, 1);
	assert_string_equal(st.hugetlb[0].page_size, "2MB");
	assert_int_equal(st.hugetlb[0].current, 2097152);
	assert_true(st.hugetlb[0].has_failcnt);
	assert_int_equal(st.hugetlb[0].failcnt, 3);
	cg_stats_free(&st);
	assert_int_equal(cg_read_oom_kills(&f->h), 4);
}

/* A cgroup with no controllers enabled: nothing to report, no error. */
static void test_empty(void **state)
{
	struct fake *f = *state;
	struct cg_stats st;
	struct jl_err *err = NULL;
	assert_int_equal(cg_read_stats(&f->h, &st, &err), 0);
	assert_false(st.has_memory_current || st.has_memory_max || st.has_memory_stat ||
		     st.has_memory_events || st.has_cpu_stat || st.has_pids_current ||
		     st.has_io_stat || st.has_swap_current);
	assert_int_equal(st.n_io, 0);
	assert_int_equal(st.n_hugetlb, 0);
	cg_stats_free(&st);
	assert_int_equal(cg_read_oom_kills(&f->h), -ENOENT);
	put(f, "memory.events", "low 0\n");
	assert_int_equal(cg_read_oom_kills(&f->h), 0); /* key absent: none yet */
}

static void test_malformed(void **state)
{
	struct fake *f = *state;
	static const struct {
		const char *file, *text, *want;
	} cases[] = {
		{"memory.current", "12x\n", "cgroup /jaula/test: memory.current: cannot parse \"12x\""},
		{"pids.max", "\n", "cgroup /jaula/test: pids.max: cannot parse \"\""},
		{"cpu.stat", "usage_usec\n", "cgroup /jaula/test: cpu.stat: cannot parse \"usage_usec\""},
		{"memory.stat", "anon -1\n", "cgroup /jaula/test: memory.stat: cannot parse \"-1\""},
		{"io.stat", "8-0 rbytes=1\n", "cgroup /jaula/test: io.stat: cannot parse \"8-0\""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		put(f, cases[i].file, cases[i].text);
		struct cg_stats st;
		struct jl_err *err = NULL;
		assert_true(cg_read_stats(&f->h, &st, &err) < 0);
		assert_string_equal(err->msg, cases[i].want);
		jl_err_free(&err);
		assert_null(st.io);
		assert_int_equal(unlinkat(f->h.fd, cases[i].file, 0), 0);
	}
}

/* The parsers against a real kernel's files (6.x adds keys every release):
 * a child burns a little CPU in a fresh cgroup, whose cpu.stat must parse
 * and show it.  Needs root and a cgroup v2 hierarchy. */
static void test_live_read(void **state)
{
	(void)state;
	struct cg_root root;
	if (geteuid() != 0 || cg_detect(&root, NULL) < 0 || root.mode == CG_MODE_LEGACY) {
		print_message("# needs root and a cgroup v2 hierarchy: skipping\n");
		skip();
	}
	char path[64];
	snprintf(path, sizeof(path), "/jaula-test-stats-%d", (int)getpid());
	struct cg_handle h = CG_HANDLE_INIT;
	struct jl_err *err = NULL;
	if (cg_create(&root, path, "", &h, &err) < 0)
		fail_msg("%s", err->msg);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(50000); /* until the parent moved us */
		for (volatile unsigned long i = 0; i < 50000000UL; i++)
			;
		_exit(0);
	}
	int r = cg_enter(&h, pid, &err);
	int status;
	waitpid(pid, &status, 0);
	struct cg_stats st = {0};
	if (r == 0)
		r = cg_read_stats(&h, &st, &err);
	cg_handle_close(&h);
	struct jl_err *derr = NULL;
	assert_int_equal(cg_destroy(&root, path, &derr), 0);
	if (r < 0)
		fail_msg("%s", err->msg);
	assert_true(st.has_cpu_stat);
	assert_true(st.cpu.usage_usec > 0);
	assert_true(st.cpu.usage_usec >= st.cpu.user_usec);
	cg_stats_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test(test_live_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
