/* Small runtime pieces that need no root: signal names, container ids, the
 * state directory and state.json, and process liveness from /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "runtime/util.h"

/* --- timestamps ---------------------------------------------------------------- */

/* The date arithmetic agrees with the C library's UTC, day by day over
 * 1900-2400 (leap centuries 2000 and 2400, the non-leap 1900 and 2100,
 * days before the epoch), and the text has RFC 3339's shape. */
static void test_civil_from_days(void **state)
{
	(void)state;
	for (int64_t days = -25567; days <= 157054; days++) {
		time_t t = (time_t)(days * 86400 + 43210);
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		unsigned y, m, d;
		jl_civil_from_days(days, &y, &m, &d);
		if (y != (unsigned)tm.tm_year + 1900 || m != (unsigned)tm.tm_mon + 1 ||
		    d != (unsigned)tm.tm_mday)
			fail_msg("day %lld: %u-%u-%u, libc %d-%d-%d", (long long)days, y, m, d,
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	}
}

static void test_time_rfc3339(void **state)
{
	(void)state;
	char out[40];
	jl_time_rfc3339_at(&(struct timespec){.tv_sec = 951825599, .tv_nsec = 7}, out);
	assert_string_equal(out, "2000-02-29T11:59:59.000000007Z");
	jl_time_rfc3339_at(&(struct timespec){.tv_sec = -1, .tv_nsec = 999999999}, out);
	assert_string_equal(out, "1969-12-31T23:59:59.999999999Z");
	jl_time_rfc3339_at(&(struct timespec){.tv_sec = 4107542400}, out);
	assert_string_equal(out, "2100-03-01T00:00:00.000000000Z");
	/* Now, to the second, as the C library sees it. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	jl_time_rfc3339_at(&ts, out);
	char want[40];
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	assert_memory_equal(out, want, 19);
	assert_int_equal(strlen(out), 30);
}

/* The kernel's last capability as libcap probed it is the one the kernel
 * states (the bounding set is dropped up to it). */
static void test_cap_last_cap(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int want = -1;
	if (!f)
		skip();
	assert_int_equal(fscanf(f, "%d", &want), 1);
	fclose(f);
	assert_int_equal(jl_cap_last_cap(), want);
}

static void test_path_below(void **state)
{
	(void)state;
	assert_true(jl_path_below("/a/b", "/a"));
	assert_true(jl_path_below("/a", "/"));
	assert_false(jl_path_below("/a", "/a"));
	assert_false(jl_path_below("/ab", "/a"));
	assert_false(jl_path_below("/", "/a"));
}

/* --- signal names ------------------------------------------------------------ */

static void test_signal_names(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int want;
	} good[] = {
		{"KILL", SIGKILL},   {"SIGKILL", SIGKILL}, {"kill", SIGKILL},   {"sigterm", SIGTERM},
		{"SigUsr1", SIGUSR1}, {"HUP", SIGHUP},     {"WINCH", SIGWINCH}, {"CLD", SIGCHLD},
		{"IOT", SIGABRT},    {"SIGSYS", SIGSYS},   {"9", 9},            {"1", 1},
		{"15", SIGTERM},     {"64", 64},        {"0", 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		int got = jl_signal_parse(good[i].in);
		if (got != good[i].want)
			fail_msg("\"%s\": got %d, want %d", good[i].in, got, good[i].want);
	}
}

static void test_signal_realtime(void **state)
{
	(void)state;
	assert_int_equal(jl_signal_parse("RTMIN"), SIGRTMIN);
	assert_int_equal(jl_signal_parse("RTMIN+0"), SIGRTMIN);
	assert_int_equal(jl_signal_parse("RTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(jl_signal_parse("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(jl_signal_parse("rtmin+1"), SIGRTMIN + 1);
	assert_int_equal(jl_signal_parse("RTMAX"), SIGRTMAX);
	assert_int_equal(jl_signal_parse("RTMAX-2"), SIGRTMAX - 2);
	assert_int_equal(jl_signal_parse("SIGRTMAX-2"), SIGRTMAX - 2);
	/* the whole range, from both ends */
	assert_int_equal(jl_signal_parse("RTMAX-0"), SIGRTMAX);
	char buf[32];
	snprintf(buf, sizeof(buf), "RTMIN+%d", SIGRTMAX - SIGRTMIN);
	assert_int_equal(jl_signal_parse(buf), SIGRTMAX);
	snprintf(buf, sizeof(buf), "RTMAX-%d", SIGRTMAX - SIGRTMIN);
	assert_int_equal(jl_signal_parse(buf), SIGRTMIN);
}

static void test_signal_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "65", "-1", "-9", "SIGFOO", "FOO", "SIG", "SIGSIGKILL", "KILLX",
		"9x", " 9", "+9", "RTMIN+99", "RTMAX+1", "RTMIN-1", "RTMIN+", "RTMAX-",
		"RTMIN+-1", "RTMIN 3", "RTMIN+x", "RTMAX-99", "99999999999",
	};
	assert_int_equal(jl_signal_parse(NULL), -1);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int got = jl_signal_parse(bad[i]);
		if (got != -1)
			fail_msg("\"%s\" parsed as %d, want -1", bad[i], got);
	}
	char buf[32];
	snprintf(buf, sizeof(buf), "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
	assert_int_equal(jl_signal_parse(buf), -1);
}

/* --- container ids ------------------------------------------------------------ */

static void test_id_valid(void **state)
{
	(void)state;
	static const char *const good[] = {
		"a", "abc-123", "A.b_c+d", "..a", "a..", "-x", "0", "my.container_1+2-3",
	};
	/* "\xc3\xa9" is a UTF-8 e-acute: letters outside ASCII are refused too */
	static const char *const bad[] = {
		"", ".", "..", "a/b", "/a", "a b", "a\tb", "a\nb", "a:b", "$x", "a*", "\xc3\xa9",
		"a\\b",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!jl_id_valid(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (jl_id_valid(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
	char longest[252];
	memset(longest, 'x', 250);
	longest[250] = '\0';
	assert_true(jl_id_valid(longest));
	longest[250] = 'x';
	longest[251] = '\0';
	assert_false(jl_id_valid(longest));
}

/* --- state directory and state.json --------------------------------------- */

struct tmp {
	char root[64];
};

static int setup_tmp(void **state)
{
	struct tmp *t = xcalloc(1, sizeof(*t));
	snprintf(t->root, sizeof(t->root), "/tmp/jaula-state-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	*state = t;
	return 0;
}

static int teardown_tmp(void **state)
{
	struct tmp *t = *state;
	assert_int_equal(jl_remove_tree_at(AT_FDCWD, t->root, NULL), 0);
	free(t);
	return 0;
}

static void test_dir_create_twice(void **state)
{
	struct tmp *t = *state;
	/* the state root itself is made on demand, 0700 */
	cleanup_free char *root = xasprintf("%s/run/jaula", t->root);
	struct jl_err *err = NULL;
	int fd = jl_state_dir_create(root, "c1", &err);
	assert_true(fd >= 0);
	assert_null(err);
	struct stat st;
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	int again = jl_state_dir_create(root, "c1", &err);
	assert_int_equal(again, -EEXIST);
	assert_non_null(err);
	assert_string_equal(err->msg, "container \"c1\" already exists");
	jl_err_free(&err);
	close(fd);
}

static void test_dir_open_missing(void **state)
{
	struct tmp *t = *state;
	struct jl_err *err = NULL;
	assert_int_equal(jl_state_dir_open(t->root, "nope", false, &err), -ENOENT);
	assert_string_equal(err->msg, "container \"nope\" does not exist");
	jl_err_free(&err);
	assert_int_equal(jl_state_dir_open(t->root, "nope", true, &err), -ENOENT);
	assert_string_equal(err->msg, "container \"nope\" does not exist");
	jl_err_free(&err);
}

static void test_dir_open_and_remove(void **state)
{
	struct tmp *t = *state;
	struct jl_err *err = NULL;
	int fd = jl_state_dir_create(t->root, "c2", &err);
	assert_true(fd >= 0);
	close(fd); /* drops the lock: open with lock must not wait */
	fd = jl_state_dir_open(t->root, "c2", true, &err);
	assert_true(fd >= 0);
	assert_null(err);
	/* a file inside goes with the directory */
	assert_int_equal(jl_write_atomic_at(fd, "x", "1", 1, 0600, &err), 0);
	close(fd);
	assert_int_equal(jl_state_dir_remove(t->root, "c2", &err), 0);
	assert_int_equal(jl_state_dir_open(t->root, "c2", false, &err), -ENOENT);
	jl_err_free(&err);
	/* removing what is not there is not an error */
	assert_int_equal(jl_state_dir_remove(t->root, "c2", &err), 0);
	assert_null(err);
}

static void fill(struct jl_state *s, const char *id)
{
	memset(s, 0, sizeof(*s));
	s->id = xstrdup(id);
	s->pid = 4242;
	s->start_time = 123456789012ULL;
	s->bundle = xstrdup("/srv/bundles/odd \"name\"\\with\ttabs");
	s->rootfs = xstrdup("/srv/bundles/rootfs");
	s->created = xstrdup("2026-12-01T21:19:08.123456789Z");
	s->owner = xstrdup("root");
	s->cgroup_mount = xstrdup("/sys/fs/cgroup");
	s->cgroup_path = xstrdup("/jaula/x");
	s->systemd_cgroup = true;
	s->hooks_mask = 0x21;
	static const char *const ann[] = {
		"org.example.key", "value",
		"empty", "",
		"unicode", "ca\xc3\xb1" "a \xe2\x9c\x93",
		"json", "{\"a\": [1, 2]}\n\\",
	};
	s->n_annotations = ARRAY_SIZE(ann) / 2;
	s->annotations = xcalloc(ARRAY_SIZE(ann) + 1, sizeof(char *));
	for (size_t i = 0; i < ARRAY_SIZE(ann); i++)
		s->annotations[i] = xstrdup(ann[i]);
}

static void test_state_round_trip(void **state)
{
	struct tmp *t = *state;
	const char *id = "-odd.but_valid+id..";
	assert_true(jl_id_valid(id));
	struct jl_err *err = NULL;
	cleanup_close int fd = jl_state_dir_create(t->root, id, &err);
	assert_true(fd >= 0);
	struct jl_state w, r;
	fill(&w, id);
	assert_int_equal(jl_state_write(fd, &w, &err), 0);
	assert_null(err);
	struct stat st;
	assert_int_equal(fstatat(fd, JL_STATE_FILE, &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(jl_state_read(fd, id, &r, &err), 0);
	assert_null(err);
	assert_string_equal(r.id, w.id);
	assert_int_equal(r.pid, w.pid);
	assert_int_equal(r.start_time, w.start_time);
	assert_string_equal(r.bundle, w.bundle);
	assert_string_equal(r.rootfs, w.rootfs);
	assert_string_equal(r.created, w.created);
	assert_string_equal(r.owner, w.owner);
	assert_string_equal(r.cgroup_mount, w.cgroup_mount);
	assert_string_equal(r.cgroup_path, w.cgroup_path);
	assert_true(r.systemd_cgroup);
	assert_int_equal(r.hooks_mask, w.hooks_mask);
	assert_int_equal(r.n_annotations, w.n_annotations);
	for (size_t i = 0; i < 2 * w.n_annotations; i++)
		assert_string_equal(r.annotations[i], w.annotations[i]);
	assert_null(r.annotations[2 * r.n_annotations]);
	jl_state_free(&r);
	jl_state_free(&w);
}

static void test_state_without_cgroup(void **state)
{
	struct tmp *t = *state;
	struct jl_err *err = NULL;
	cleanup_close int fd = jl_state_dir_create(t->root, "nocg", &err);
	assert_true(fd >= 0);
	struct jl_state w = {.id = xstrdup("nocg"), .pid = 7, .bundle = xstrdup("/b"),
			     .rootfs = xstrdup("/b/rootfs"), .created = xstrdup("now")};
	w.annotations = xcalloc(1, sizeof(char *));
	assert_int_equal(jl_state_write(fd, &w, &err), 0);
	struct jl_state r;
	assert_int_equal(jl_state_read(fd, "nocg", &r, &err), 0);
	assert_null(r.cgroup_mount);
	assert_null(r.cgroup_path);
	assert_false(r.systemd_cgroup);
	assert_string_equal(r.owner, "");
	assert_int_equal(r.n_annotations, 0);
	jl_state_free(&r);
	jl_state_free(&w);
}

static void put_state(int fd, const char *text)
{
	assert_int_equal(jl_write_atomic_at(fd, JL_STATE_FILE, text, strlen(text), 0600, NULL), 0);
}

static void test_state_missing(void **state)
{
	struct tmp *t = *state;
	struct jl_err *err = NULL;
	cleanup_close int fd = jl_state_dir_create(t->root, "empty", &err);
	assert_true(fd >= 0);
	struct jl_state r;
	/* ENOENT is how callers tell "still being created" from corrupt */
	assert_int_equal(jl_state_read(fd, "empty", &r, &err), -ENOENT);
	assert_non_null(strstr(err->msg, "container \"empty\""));
	assert_non_null(strstr(err->msg, JL_STATE_FILE));
	jl_err_free(&err);
}

static void test_state_corrupt(void **state)
{
	struct tmp *t = *state;
	struct jl_err *err = NULL;
	cleanup_close int fd = jl_state_dir_create(t->root, "bad", &err);
	assert_true(fd >= 0);
	struct jl_state r;
	static const char *const broken[] = {"{not json", "", "[1, 2]", "\"str\""};
	for (size_t i = 0; i < ARRAY_SIZE(broken); i++) {
		put_state(fd, broken[i]);
		int rc = jl_state_read(fd, "bad", &r, &err);
		if (rc >= 0)
			fail_msg("\"%s\" accepted", broken[i]);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "container \"bad\""));
		jl_err_free(&err);
	}
	/* well-formed JSON that is not a state */
	static const char *const hollow[] = {
		"{}", "{\"id\": \"bad\"}", "{\"id\": \"bad\", \"pid\": \"0\"}",
		"{\"id\": \"bad\", \"pid\": -5}", "{\"pid\": 12}", "{\"id\": 5, \"pid\": 12}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(hollow); i++) {
		put_state(fd, hollow[i]);
		int rc = jl_state_read(fd, "bad", &r, &err);
		if (rc >= 0)
			fail_msg("\"%s\" accepted", hollow[i]);
		assert_string_equal(err->msg, "container \"bad\": state.json is corrupt");
		jl_err_free(&err);
	}
}

/* --- liveness ------------------------------------------------------------- */

/* Field 22 of /proc/PID/stat, counted here independently of jl_proc_stat. */
static uint64_t start_time_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_free char *text = NULL;
	assert_int_equal(jl_read_file_at(AT_FDCWD, path, 4096, &text, NULL, NULL), 0);
	char *p = strrchr(text, ')');
	assert_non_null(p);
	unsigned long long v = 0;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime priority nice threads
	 * itrealvalue starttime */
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
				       "%*d %*d %*d %*d %*d %*d %llu",
				&v),
			 1);
	return v;
}

/* valgrind (before 3.20) does not know pidfd_open and fails it ENOSYS. */
static bool have_pidfd(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (fd < 0)
		return errno != ENOSYS;
	close(fd);
	return true;
}

static void test_proc_stat_self(void **state)
{
	(void)state;
	uint64_t t = 0;
	char st = 0;
	assert_int_equal(jl_proc_stat(getpid(), &t, &st), 0);
	assert_int_equal(st, 'R');
	assert_true(t > 0);
	assert_int_equal(t, start_time_of(getpid()));
	/* both outputs are optional */
	assert_int_equal(jl_proc_stat(getpid(), NULL, NULL), 0);
}

static void test_proc_stat_odd_comm(void **state)
{
	(void)state;
	/* comm may hold spaces and parentheses: "a) R 1 (b" must not fool
	 * the parser into reading the wrong fields */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		uint64_t before = 0, after = 0;
		char st = 0;
		if (jl_proc_stat(getpid(), &before, NULL) < 0)
			_exit(1);
		prctl(PR_SET_NAME, "a) R 1 (b", 0, 0, 0);
		if (jl_proc_stat(getpid(), &after, &st) < 0)
			_exit(2);
		_exit(after == before && st == 'R' ? 0 : 3);
	}
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A child that exited: a zombie until reaped. */
static pid_t zombie(void)
{
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	siginfo_t si;
	assert_int_equal(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT), 0);
	return child;
}

static void test_proc_stat_dead(void **state)
{
	(void)state;
	pid_t child = zombie();
	char st = 0;
	uint64_t t = 0;
	assert_int_equal(jl_proc_stat(child, &t, &st), 0);
	assert_int_equal(st, 'Z');
	struct jl_state s = {.pid = child, .start_time = t};
	assert_false(jl_state_init_alive(&s)); /* a zombie is not alive */
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(jl_proc_stat(child, &t, &st), -ENOENT);
	assert_false(jl_state_init_alive(&s));
	if (have_pidfd())
		assert_int_equal(jl_state_open_pidfd(&s), -ESRCH);
}

static void test_init_alive(void **state)
{
	(void)state;
	struct jl_state s = {.pid = getpid()};
	assert_int_equal(jl_proc_stat(s.pid, &s.start_time, NULL), 0);
	assert_true(jl_state_init_alive(&s));
	if (have_pidfd()) {
		int fd = jl_state_open_pidfd(&s);
		assert_true(fd >= 0);
		close(fd);
	}
	/* the same pid with another start time is a recycled pid */
	s.start_time++;
	assert_false(jl_state_init_alive(&s));
	if (have_pidfd())
		assert_int_equal(jl_state_open_pidfd(&s), -ESRCH);
	s.start_time -= 2;
	assert_false(jl_state_init_alive(&s));
}

static void test_status(void **state)
{
	struct tmp *t = *state;
	struct jl_err *err = NULL;
	cleanup_close int fd = jl_state_dir_create(t->root, "st", &err);
	assert_true(fd >= 0);
	struct jl_state s = {.pid = getpid()};
	assert_int_equal(jl_proc_stat(s.pid, &s.start_time, NULL), 0);
	assert_int_equal(mkfifoat(fd, JL_FIFO_FILE, 0600), 0);
	assert_int_equal(jl_state_status(fd, &s), JL_STATUS_CREATED);
	assert_int_equal(unlinkat(fd, JL_FIFO_FILE, 0), 0);
	assert_int_equal(jl_state_status(fd, &s), JL_STATUS_RUNNING);
	s.start_time++;
	assert_int_equal(jl_state_status(fd, &s), JL_STATUS_STOPPED);
	assert_string_equal(jl_status_name(JL_STATUS_STOPPED), "stopped");
}

/* pid 0: the record create writes before its first side effect.  While the
 * creator holds the lock it is "creating"; to whoever holds the lock, or
 * once the creator is gone, "stopped". */
static void test_status_creating(void **state)
{
	struct tmp *t = *state;
	struct jl_err *err = NULL;
	int fd = jl_state_dir_create(t->root, "cr", &err);
	assert_true(fd >= 0);
	struct jl_state s = {.id = (char *)"cr", .pid = 0, .init_err_fd = -1};
	assert_int_equal(jl_state_write(fd, &s, &err), 0);
	struct jl_state r;
	assert_int_equal(jl_state_read(fd, "cr", &r, &err), 0);
	assert_int_equal(r.pid, 0);
	assert_int_equal(r.init_err_fd, -1);
	jl_state_free(&r);
	assert_int_equal(jl_state_status(fd, &s), JL_STATUS_CREATING);
	assert_int_equal(jl_state_status_locked(fd, &s), JL_STATUS_STOPPED);
	close(fd); /* the creator dies */
	fd = jl_state_dir_open(t->root, "cr", false, &err);
	assert_true(fd >= 0);
	assert_int_equal(jl_state_status(fd, &s), JL_STATUS_STOPPED);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_last_cap),
		cmocka_unit_test(test_path_below),
		cmocka_unit_test(test_civil_from_days),
		cmocka_unit_test(test_time_rfc3339),
		cmocka_unit_test(test_signal_names),
		cmocka_unit_test(test_signal_realtime),
		cmocka_unit_test(test_signal_bad),
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test_setup_teardown(test_dir_create_twice, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dir_open_missing, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dir_open_and_remove, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_state_without_cgroup, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_state_missing, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_state_corrupt, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_proc_stat_self),
		cmocka_unit_test(test_proc_stat_odd_comm),
		cmocka_unit_test(test_proc_stat_dead),
		cmocka_unit_test(test_init_alive),
		cmocka_unit_test_setup_teardown(test_status, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_status_creating, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
