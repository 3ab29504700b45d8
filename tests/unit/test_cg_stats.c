/* Reading cgroup counters and process lists from a fake cgroup: a
 * temporary directory of regular files holding what the kernel would print
 * (subdirectories for child cgroups).  The signalling tests fork real
 * processes and list them in the fake cgroup.procs files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
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

/* --- process lists ------------------------------------------------------- */

static void mkcg(struct fake *f, const char *dir)
{
	assert_int_equal(mkdirat(f->h.fd, dir, 0755), 0);
}

static void test_tree_pids(void **state)
{
	struct fake *f = *state;
	put(f, "cgroup.procs", "30\n10\n");
	mkcg(f, "sub");
	put(f, "sub/cgroup.procs", "");
	mkcg(f, "sub/a");
	put(f, "sub/a/cgroup.procs", "20\n");
	mkcg(f, "sub/threaded"); /* no readable cgroup.procs: skipped */
	mkcg(f, "moving");
	put(f, "moving/cgroup.procs", "10\n"); /* read twice mid-move: listed once */
	pid_t *pids = NULL;
	size_t n = 0;
	struct jl_err *err = NULL;
	assert_int_equal(cg_read_tree_pids(&f->h, &pids, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 10);
	assert_int_equal(pids[1], 20);
	assert_int_equal(pids[2], 30);
	free(pids);
	/* cg_read_pids is the cgroup itself only */
	assert_int_equal(cg_read_pids(&f->h, &pids, &n, &err), 0);
	assert_int_equal(n, 2);
	free(pids);
}

static void test_tree_pids_missing(void **state)
{
	struct fake *f = *state;
	pid_t *pids = NULL;
	size_t n = 0;
	struct jl_err *err = NULL;
	assert_true(cg_read_tree_pids(&f->h, &pids, &n, &err) < 0);
	assert_non_null(strstr(err->msg, "cgroup /jaula/test: read cgroup.procs"));
	jl_err_free(&err);
	/* empty: no pids, no error */
	put(f, "cgroup.procs", "");
	assert_int_equal(cg_read_tree_pids(&f->h, &pids, &n, &err), 0);
	assert_int_equal(n, 0);
	free(pids);
}

/* A child of the test must never outlive it holding the test runner's
 * output pipe (the runner would wait for EOF forever after a failed
 * assertion): stdio goes to /dev/null and an alarm ends it in any case. */
static void detach_child(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	alarm(30);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		detach_child();
		for (;;)
			pause();
	}
	return pid;
}

/* How pid ended (the signal that killed it), or 0 while it runs. */
static int ended_by(pid_t pid, bool wait)
{
	int status;
	pid_t r = waitpid(pid, &status, wait ? 0 : WNOHANG);
	if (r == 0)
		return 0;
	assert_int_equal(r, pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

static void put_pids(struct fake *f, const char *name, const pid_t *pids, size_t n)
{
	char buf[256] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%d\n", (int)pids[i]);
	put(f, name, buf);
}

/* Only the asked-for pids that are members; a neighbour is never hit. */
/* cg_kill_pids and cg_kill_tree aim through pidfds; valgrind 3.19 does not
 * know pidfd_open (ENOSYS there), the kernels jaula runs on all do. */
static void need_pidfds(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (fd < 0 && errno == ENOSYS) {
		print_message("# pidfd_open unavailable (valgrind?): skipping\n");
		skip();
	}
	if (fd >= 0)
		close(fd);
}

static void test_kill_pids(void **state)
{
	need_pidfds();
	struct fake *f = *state;
	pid_t a = spawn_sleeper(), b = spawn_sleeper(), outside = spawn_sleeper();
	pid_t members[] = {a, b};
	put_pids(f, "cgroup.procs", members, 2);
	pid_t ask[] = {a, outside, 999999999};
	struct jl_err *err = NULL;
	assert_int_equal(cg_kill_pids(&f->h, ask, ARRAY_SIZE(ask), SIGTERM, &err), 1);
	assert_int_equal(ended_by(a, true), SIGTERM);
	assert_int_equal(ended_by(b, false), 0);
	assert_int_equal(ended_by(outside, false), 0);
	/* a in the list but gone: not signalled again, no error */
	assert_int_equal(cg_kill_pids(&f->h, ask, 1, SIGTERM, &err), 0);
	kill(b, SIGKILL);
	kill(outside, SIGKILL);
	ended_by(b, true);
	ended_by(outside, true);
}

/* A child that forks a grandchild, then waits; the grandchild's pid comes
 * back through the pipe. */
static pid_t spawn_family(pid_t *grandchild)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		detach_child();
		pid_t g = spawn_sleeper();
		if (write(p[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], grandchild, sizeof(*grandchild)), sizeof(*grandchild));
	close(p[0]);
	return pid;
}

static bool gone(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		char path[64], buf[256];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return true;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		const char *s = strrchr(buf, ')');
		if (s && s[1] == ' ' && (s[2] == 'Z' || s[2] == 'X'))
			return true;
		usleep(10000);
	}
	return false;
}

/* The container's init and its descendants go, a neighbour in the same
 * (shared) cgroup stays. */
static void test_kill_tree(void **state)
{
	need_pidfds();
	struct fake *f = *state;
	pid_t grandchild;
	pid_t init = spawn_family(&grandchild);
	pid_t neighbour = spawn_sleeper();
	pid_t top[] = {neighbour, init};
	put_pids(f, "cgroup.procs", top, 2);
	mkcg(f, "sub"); /* the descendant sits in a child cgroup */
	put_pids(f, "sub/cgroup.procs", &grandchild, 1);
	struct jl_err *err = NULL;
	assert_true(cg_kill_tree(&f->h, init, SIGKILL, &err) >= 2);
	assert_int_equal(ended_by(init, true), SIGKILL);
	assert_true(gone(grandchild));
	assert_int_equal(ended_by(neighbour, false), 0);
	/* a tree that is gone: nothing to signal, not an error */
	assert_int_equal(cg_kill_tree(&f->h, init, SIGTERM, &err), 0);
	assert_true(cg_kill_tree(&f->h, 1, SIGTERM, &err) < 0);
	jl_err_free(&err);
	kill(neighbour, SIGKILL);
	ended_by(neighbour, true);
}

/* Without cgroup.kill (the fake has none), and for other signals, cg_kill
 * walks the whole subtree. */
static void test_kill_walks_subtree(void **state)
{
	struct fake *f = *state;
	pid_t a = spawn_sleeper(), b = spawn_sleeper();
	put_pids(f, "cgroup.procs", &a, 1);
	mkcg(f, "exec-sub");
	put_pids(f, "exec-sub/cgroup.procs", &b, 1);
	struct jl_err *err = NULL;
	assert_int_equal(cg_kill(&f->h, SIGTERM, &err), 0);
	assert_int_equal(ended_by(a, true), SIGTERM);
	assert_int_equal(ended_by(b, true), SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test(test_live_read),
		cmocka_unit_test_setup_teardown(test_tree_pids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_pids_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_pids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_walks_subtree, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
