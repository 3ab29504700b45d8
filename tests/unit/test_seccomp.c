/* runtime/seccomp.c and seccomp_profile.c.
 *
 * Behaviour, not bytes: each filter is loaded in a forked child (after
 * PR_SET_NO_NEW_PRIVS, so no privilege is needed), the child makes raw
 * syscalls and reports what they returned through a pipe.  Children never
 * call cmocka (its state belongs to the parent); they _exit with a code.
 * What a child cannot show -- calls from the i386 and x32 ABIs, the path
 * length through a filter, anything under valgrind, which has no
 * seccomp(2) -- a small BPF interpreter (bpf_run) shows instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <libgen.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h> /* names (allow_all_but) and reference programs (libseccomp_program) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "runtime/json.h"
#include "runtime/seccomp.h"
#include "runtime/util.h"

#define WHERE "config.json: linux.seccomp"
#define STRV(...)                                                                        \
	((struct spec_strv){.v = (const char *[]){__VA_ARGS__},                          \
			    .n = sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)})
#define ARGS(...)                                                                        \
	.args = (struct spec_seccomp_arg[]){__VA_ARGS__},                                \
	.n_args = sizeof((struct spec_seccomp_arg[]){__VA_ARGS__}) / sizeof(struct spec_seccomp_arg)
#define RULES(s, ...)                                                                    \
	((s).syscalls = (struct spec_seccomp_syscall[]){__VA_ARGS__},                    \
	 (s).n_syscalls = sizeof((struct spec_seccomp_syscall[]){__VA_ARGS__}) /         \
			  sizeof(struct spec_seccomp_syscall))

/* --- children ------------------------------------------------------------- */

struct call {
	long nr;
	unsigned long a[6];
};
struct outcome {
	long ret;
	long err; /* long: no padding bytes to send through the pipe */
};
struct run {
	int status;
	size_t n; /* outcomes received before the child ended */
	struct outcome o[32];
};

static char scratch[4096]; /* a buffer argument, in the child's copy */
#define BUF ((unsigned long)scratch)

static void child_load(const struct jl_seccomp_prog *p, int *listener)
{
	struct jl_err *err = NULL;
	int l;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(120);
	if (jl_seccomp_load(p, &l, &err) < 0) {
		fprintf(stderr, "child: %s\n", err->msg);
		_exit(121);
	}
	if (listener)
		*listener = l;
	else if (l >= 0)
		close(l);
}

static struct outcome make_call(const struct call *c)
{
	errno = 0;
	long r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	return (struct outcome){r, r < 0 ? errno : 0};
}

/* A classic-BPF interpreter for what libseccomp emits: runs a program over
 * one seccomp_data in-process, so translation can be checked for ABIs a
 * child cannot call (i386, x32), the path length measured, and the kernel
 * stood in for under valgrind.  No cmocka calls: children use it. */
#define BPF_BAD 0xffffffffu
static uint32_t bpf_run(const struct sock_fprog *f, const struct seccomp_data *d,
			unsigned int *steps)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	*steps = 0;
	for (unsigned int pc = 0; pc < f->len; pc++) {
		const struct sock_filter *i = &f->filter[pc];
		(*steps)++;
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > sizeof(*d))
				return BPF_BAD;
			memcpy(&a, (const char *)d + i->k, 4);
			break;
		case BPF_LD | BPF_IMM: a = i->k; break;
		case BPF_LDX | BPF_IMM: x = i->k; break;
		case BPF_LD | BPF_MEM: a = mem[i->k % BPF_MEMWORDS]; break;
		case BPF_LDX | BPF_MEM: x = mem[i->k % BPF_MEMWORDS]; break;
		case BPF_ST: mem[i->k % BPF_MEMWORDS] = a; break;
		case BPF_STX: mem[i->k % BPF_MEMWORDS] = x; break;
		case BPF_ALU | BPF_AND | BPF_K: a &= i->k; break;
		case BPF_ALU | BPF_OR | BPF_K: a |= i->k; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_JMP | BPF_JA: pc += i->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i->k) ? i->jt : i->jf; break;
		case BPF_RET | BPF_K: return i->k;
		default: return BPF_BAD; /* not an opcode libseccomp emits */
		}
	}
	return BPF_BAD; /* ran off the end: the kernel's checker refuses that */
}

/* Under valgrind, which cannot load filters: what the kernel would do with
 * the call, found by interpreting the filter.  Only the actions the
 * run_calls tests use. */
static struct outcome emulate_call(const struct jl_seccomp_prog *p, const struct call *c)
{
	struct seccomp_data d = {.nr = (int)c->nr, .arch = seccomp_arch_native()};
	memcpy(d.args, c->a, sizeof(d.args));
	unsigned int steps;
	uint32_t v = bpf_run(&p->fprog, &d, &steps);
	switch (v & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ERRNO:
		return (struct outcome){-1, (long)(v & SECCOMP_RET_DATA)};
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG:
		return make_call(c);
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		signal(SIGSYS, SIG_DFL);
		raise(SIGSYS);
		_exit(125);
	default:
		_exit(126);
	}
}

static size_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

/* Fork, load p (or emulate it), make the calls; each outcome is sent as soon as it is known
 * so that a child killed half-way still reports the calls before. */
static void run_calls(const struct jl_seccomp_prog *p, const struct call *calls, size_t n,
		      struct run *out)
{
	assert_true(n <= ARRAY_SIZE(out->o));
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (!RUNNING_ON_VALGRIND)
			child_load(p, NULL);
		for (size_t i = 0; i < n; i++) {
			struct outcome o = RUNNING_ON_VALGRIND ? emulate_call(p, &calls[i])
							       : make_call(&calls[i]);
			if (jl_write_all(fds[1], &o, sizeof(o)) < 0)
				_exit(122);
		}
		_exit(0);
	}
	close(fds[1]);
	out->n = read_full(fds[0], out->o, n * sizeof(out->o[0])) / sizeof(out->o[0]);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &out->status, 0), pid);
}

static void assert_exited_ok(int status)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void assert_errno(const struct outcome *o, int e)
{
	assert_int_equal(o->ret, -1);
	assert_int_equal(o->err, e);
}

static void assert_ok(const struct outcome *o)
{
	assert_true(o->ret >= 0);
}

/* valgrind (3.19) does not implement seccomp(2) and answers ENOSYS, so under
 * it filters are compiled and interpreted (emulate_call) but not loaded; the
 * tests that need the kernel itself (TRAP, flags, notify) are skipped. */
static void skip_without_seccomp(void)
{
	if (RUNNING_ON_VALGRIND)
		skip();
}

static void compile_ok(const struct spec_seccomp *s, struct jl_seccomp_prog *p)
{
	struct jl_err *err = NULL;
	int r = jl_seccomp_compile(s, WHERE, p, &err);
	if (r < 0)
		fail_msg("compile: %s", err->msg);
	assert_null(err);
	assert_true(p->fprog.len > 0);
	assert_non_null(p->fprog.filter);
}

static void compile_fails(const struct spec_seccomp *s, const char *msg)
{
	struct jl_err *err = NULL;
	struct jl_seccomp_prog p;
	assert_true(jl_seccomp_compile(s, WHERE, &p, &err) < 0);
	assert_non_null(err);
	assert_string_equal(err->msg, msg);
	jl_err_free(&err);
	assert_null(p.fprog.filter);
}

/* Build, run, free: the common shape of the behaviour tests. */
static void run_spec(const struct spec_seccomp *s, const struct call *calls, size_t n,
		     struct run *out)
{
	struct jl_seccomp_prog p;
	compile_ok(s, &p);
	run_calls(&p, calls, n, out);
	jl_seccomp_prog_free(&p);
}

/* --- actions -------------------------------------------------------------- */

static void test_errno_and_errno_ret(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s,
	      {.names = STRV("getcwd"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
	       .errno_ret = EOPNOTSUPP},
	      {.names = STRV("uname"), .action = "SCMP_ACT_ERRNO"});
	const struct call calls[] = {
		{SYS_getcwd, {BUF, sizeof(scratch)}},
		{SYS_uname, {BUF}},
		{SYS_getppid, {0}},
	};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	assert_exited_ok(r.status);
	assert_int_equal(r.n, 3);
	assert_errno(&r.o[0], EOPNOTSUPP);
	assert_errno(&r.o[1], EPERM); /* errnoRet absent: EPERM */
	assert_int_equal(r.o[2].ret, getpid());
}

/* Every syscall libseccomp knows for this architecture except `except`, as
 * one ALLOW entry: a deny-by-default filter whose child still runs (valgrind
 * too makes syscalls of its own).  The names are libseccomp's strings. */
static struct spec_seccomp_syscall allow_all_but(const char *except)
{
	struct spec_seccomp_syscall sc = {.action = "SCMP_ACT_ALLOW"};
	sc.names.v = xcalloc(1024, sizeof(char *));
	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name && strcmp(name, except))
			sc.names.v[sc.names.n++] = name;
		else
			free(name);
	}
	return sc;
}

static void free_names(struct spec_seccomp_syscall *sc)
{
	for (size_t i = 0; i < sc->names.n; i++)
		free((char *)sc->names.v[i]);
	free(sc->names.v);
}

/* Does the program return `action` from some instruction? */
static bool prog_returns(const struct jl_seccomp_prog *p, uint32_t action)
{
	for (unsigned int i = 0; i < p->fprog.len; i++) {
		const struct sock_filter *f = &p->fprog.filter[i];
		if (f->code == (BPF_RET | BPF_K) && f->k == action)
			return true;
	}
	return false;
}

static uint32_t verdict(const struct jl_seccomp_prog *p, uint32_t arch, int nr, uint64_t arg0)
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .args = {arg0}};
	unsigned int steps;
	uint32_t v = bpf_run(&p->fprog, &d, &steps);
	assert_int_not_equal(v, BPF_BAD);
	return v;
}

static int nr_on(uint32_t arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	assert_true(nr >= 0);
	return nr;
}

/* Steps a syscall that no rule names takes through the filter. */
static void report_path_length(const struct jl_seccomp_prog *p, const char *what)
{
	unsigned int max = 0, total = 0, n = 0;
	for (int nr = 0; nr < 512; nr++) {
		struct seccomp_data d = {.nr = nr, .arch = seccomp_arch_native()};
		unsigned int steps;
		assert_int_not_equal(bpf_run(&p->fprog, &d, &steps), BPF_BAD);
		total += steps;
		max = steps > max ? steps : max;
		n++;
	}
	print_message("# %s: %u instructions; per syscall: %u on average, %u at most\n", what,
		      p->fprog.len, total / n, max);
}

static void check_default_errno(bool has_ret, uint32_t ret, int expect)
{
	struct spec_seccomp_syscall allow = allow_all_but("getppid");
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ERRNO",
				 .has_default_errno_ret = has_ret,
				 .default_errno_ret = ret,
				 .syscalls = &allow,
				 .n_syscalls = 1};
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	if (!has_ret)
		report_path_length(&p, "allow-list of every syscall but one");
	assert_true(prog_returns(&p, SECCOMP_RET_ERRNO | (uint32_t)expect));
	const struct call calls[] = {{SYS_getppid, {0}}, {SYS_uname, {BUF}}};
	struct run r;
	run_calls(&p, calls, ARRAY_SIZE(calls), &r);
	jl_seccomp_prog_free(&p);
	free_names(&allow);
	assert_exited_ok(r.status);
	assert_errno(&r.o[0], expect);
	assert_ok(&r.o[1]); /* SCMP_ACT_ALLOW passes */
}

static void test_default_errno_ret(void **state)
{
	(void)state;
	check_default_errno(true, ENOMSG, ENOMSG);
	check_default_errno(false, 0, EPERM);
}

static void check_killed(const char *action)
{
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("getppid"), .action = action});
	const struct call calls[] = {{SYS_uname, {BUF}}, {SYS_getppid, {0}}};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGSYS);
	assert_int_equal(r.n, 1); /* uname ran, getppid never returned */
	assert_ok(&r.o[0]);
}

static void test_kill(void **state)
{
	(void)state;
	check_killed("SCMP_ACT_KILL_PROCESS");
	/* A single-threaded child: killing the thread ends the process. */
	check_killed("SCMP_ACT_KILL_THREAD");
	check_killed("SCMP_ACT_KILL");
}

static volatile sig_atomic_t trap_nr = -1, trap_code = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	trap_nr = si->si_syscall;
	trap_code = si->si_code;
}

static void test_trap(void **state)
{
	(void)state;
	skip_without_seccomp();
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_TRAP"});
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
		sigaction(SIGSYS, &sa, NULL);
		child_load(&p, NULL);
		syscall(SYS_getppid);
		int got[2] = {trap_nr, trap_code};
		_exit(jl_write_all(fds[1], got, sizeof(got)) < 0 ? 122 : 0);
	}
	close(fds[1]);
	int got[2] = {0, 0};
	size_t n = read_full(fds[0], got, sizeof(got));
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	jl_seccomp_prog_free(&p);
	assert_exited_ok(status);
	assert_int_equal(n, sizeof(got));
	assert_int_equal(got[0], SYS_getppid);
	assert_int_equal(got[1], 1 /* SYS_SECCOMP */);
}

static void test_log_and_allow_pass(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_LOG"},
	      {.names = STRV("uname"), .action = "SCMP_ACT_ALLOW"}); /* == default */
	const struct call calls[] = {{SYS_getppid, {0}}, {SYS_uname, {BUF}}};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	assert_exited_ok(r.status);
	assert_int_equal(r.o[0].ret, getpid());
	assert_ok(&r.o[1]);
}

/* --- argument conditions -------------------------------------------------- */

/* umask(2) takes a number, never fails and changes nothing that outlives
 * the child: a good target.  The filter sees the whole 64-bit register. */
struct op_case {
	const char *op;
	uint64_t value, value_two;
	unsigned long hit, miss;
};

static void test_arg_operators(void **state)
{
	(void)state;
	static const struct op_case cases[] = {
		{"SCMP_CMP_NE", 5, 0, 6, 5},
		{"SCMP_CMP_LT", 5, 0, 4, 5},
		{"SCMP_CMP_LE", 5, 0, 5, 6},
		{"SCMP_CMP_EQ", 5, 0, 5, 4},
		{"SCMP_CMP_GE", 5, 0, 5, 4},
		{"SCMP_CMP_GT", 5, 0, 6, 5},
		{"SCMP_CMP_MASKED_EQ", 0xf0, 0x50, 0x152, 0x1f0}, /* value = mask */
		{"SCMP_CMP_EQ", 0x100000005ULL, 0, 0x100000005UL, 5}, /* 64-bit compare */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct op_case *c = &cases[i];
		struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
		RULES(s, {.names = STRV("umask"), .action = "SCMP_ACT_ERRNO",
			  .has_errno_ret = true, .errno_ret = ENOMEDIUM,
			  ARGS({.index = 0, .op = c->op, .value = c->value,
				.has_value_two = c->value_two != 0, .value_two = c->value_two})});
		const struct call calls[] = {{SYS_umask, {c->hit}}, {SYS_umask, {c->miss}}};
		struct run r;
		run_spec(&s, calls, ARRAY_SIZE(calls), &r);
		assert_exited_ok(r.status);
		assert_errno(&r.o[0], ENOMEDIUM);
		assert_ok(&r.o[1]);
	}
}

static void test_args_on_two_indexes_and(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("getpriority"), .action = "SCMP_ACT_ERRNO",
		  .has_errno_ret = true, .errno_ret = ENOMEDIUM,
		  ARGS({.index = 0, .op = "SCMP_CMP_EQ", .value = PRIO_PROCESS},
		       {.index = 1, .op = "SCMP_CMP_EQ", .value = 0})});
	const struct call calls[] = {
		{SYS_getpriority, {PRIO_PROCESS, 0}},  /* both hold */
		{SYS_getpriority, {PRIO_PROCESS, 1}},  /* only arg 0 */
		{SYS_getpriority, {PRIO_PGRP, 0}},     /* only arg 1 */
	};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	assert_exited_ok(r.status);
	assert_errno(&r.o[0], ENOMEDIUM);
	assert_int_not_equal(r.o[1].err, ENOMEDIUM);
	assert_int_not_equal(r.o[2].err, ENOMEDIUM);
}

/* Two conditions on one index: one rule each, i.e. either matches (runc). */
static void test_args_same_index_or(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("umask"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
		  .errno_ret = ENOMEDIUM,
		  ARGS({.index = 0, .op = "SCMP_CMP_EQ", .value = 5},
		       {.index = 0, .op = "SCMP_CMP_EQ", .value = 7})});
	const struct call calls[] = {{SYS_umask, {5}}, {SYS_umask, {7}}, {SYS_umask, {6}}};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	assert_exited_ok(r.status);
	assert_errno(&r.o[0], ENOMEDIUM);
	assert_errno(&r.o[1], ENOMEDIUM);
	assert_ok(&r.o[2]);
}

/* --- what is skipped ------------------------------------------------------ */

static void test_unknown_syscall_skipped(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("no_such_syscall", "uname"), .action = "SCMP_ACT_ERRNO"});
	const struct call calls[] = {{SYS_uname, {BUF}}};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	assert_exited_ok(r.status);
	assert_errno(&r.o[0], EPERM);
}

static bool same_program(const struct jl_seccomp_prog *a, const struct jl_seccomp_prog *b)
{
	return a->fprog.len == b->fprog.len &&
	       !memcmp(a->fprog.filter, b->fprog.filter, a->fprog.len * sizeof(struct sock_filter));
}

static void test_rule_like_default_skipped(void **state)
{
	(void)state;
	struct spec_seccomp plain = {.default_action = "SCMP_ACT_ERRNO"};
	RULES(plain, {.names = STRV("getppid"), .action = "SCMP_ACT_ALLOW"});
	struct spec_seccomp extra = plain;
	RULES(extra, {.names = STRV("getppid"), .action = "SCMP_ACT_ALLOW"},
	      {.names = STRV("uname"), .action = "SCMP_ACT_ERRNO"}, /* EPERM == default */
	      {.names = STRV("getcwd"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
	       .errno_ret = EPERM});
	struct jl_seccomp_prog a, b;
	compile_ok(&plain, &a);
	compile_ok(&extra, &b);
	assert_true(same_program(&a, &b));
	jl_seccomp_prog_free(&a);
	jl_seccomp_prog_free(&b);
}

/* The same case decided twice: the first entry wins, no error. */
static void test_repeated_rule_first_wins(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s,
	      {.names = STRV("umask"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
	       .errno_ret = ENOMEDIUM, ARGS({.index = 0, .op = "SCMP_CMP_EQ", .value = 5})},
	      {.names = STRV("umask"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
	       .errno_ret = EXDEV, ARGS({.index = 0, .op = "SCMP_CMP_EQ", .value = 5})});
	const struct call calls[] = {{SYS_umask, {5}}};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	assert_exited_ok(r.status);
	assert_errno(&r.o[0], ENOMEDIUM);
}

/* --- errors --------------------------------------------------------------- */

static void test_errors(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_FOO"};
	compile_fails(&s, WHERE ".defaultAction: unknown action \"SCMP_ACT_FOO\"");
	s.default_action = NULL;
	compile_fails(&s, WHERE ".defaultAction: missing");
	s = (struct spec_seccomp){.default_action = "SCMP_ACT_ALLOW",
				  .has_default_errno_ret = true};
	compile_fails(&s, WHERE ".defaultErrnoRet: not valid with action \"SCMP_ACT_ALLOW\"");

	s = (struct spec_seccomp){.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("uname"), .action = "SCMP_ACT_ERRNO"},
	      {.names = STRV("getcwd"), .action = "SCMP_ACT_ERRNO"},
	      {.names = STRV("getppid"), .action = "SCMP_ACT_FOO"});
	compile_fails(&s, WHERE ".syscalls[2].action: unknown action \"SCMP_ACT_FOO\"");

	RULES(s, {.names = STRV("uname"), .action = "SCMP_ACT_LOG", .has_errno_ret = true});
	compile_fails(&s, WHERE ".syscalls[0].errnoRet: not valid with action \"SCMP_ACT_LOG\"");
	RULES(s, {.names = STRV("uname"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
		  .errno_ret = 70000});
	compile_fails(&s, WHERE ".syscalls[0].errnoRet: 70000 is out of range (0-4094)");
	/* libseccomp's own limit for an errno (below MAX_ERRNO): 4095 would
	 * fail later as "add rule: Invalid argument". */
	RULES(s, {.names = STRV("uname"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
		  .errno_ret = 4095});
	compile_fails(&s, WHERE ".syscalls[0].errnoRet: 4095 is out of range (0-4094)");
	RULES(s, {.action = "SCMP_ACT_ERRNO"});
	compile_fails(&s, WHERE ".syscalls[0].names: empty");
	RULES(s, {.names = STRV("uname"), .action = "SCMP_ACT_ERRNO",
		  ARGS({.index = 0, .op = "SCMP_CMP_EQ"}, {.index = 1, .op = "SCMP_CMP_FOO"})});
	compile_fails(&s, WHERE ".syscalls[0].args[1].op: unknown operator \"SCMP_CMP_FOO\"");
	RULES(s, {.names = STRV("uname"), .action = "SCMP_ACT_ERRNO",
		  ARGS({.index = 6, .op = "SCMP_CMP_EQ"})});
	compile_fails(&s, WHERE ".syscalls[0].args[0].index: 6 is out of range (0-5)");

	s = (struct spec_seccomp){.default_action = "SCMP_ACT_ALLOW",
				  .architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_FOO")};
	compile_fails(&s, WHERE ".architectures[1]: unknown architecture \"SCMP_ARCH_FOO\"");
	s = (struct spec_seccomp){.default_action = "SCMP_ACT_ALLOW",
				  .flags = STRV("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO")};
	compile_fails(&s, WHERE ".flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"");
	s = (struct spec_seccomp){.default_action = "SCMP_ACT_ALLOW", .listener_metadata = "x"};
	compile_fails(&s, WHERE ".listenerMetadata: set without listenerPath");
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (struct spec_seccomp){.default_action = "SCMP_ACT_ALLOW",
				  .architectures = STRV("SCMP_ARCH_S390X")};
	compile_fails(&s, WHERE ".architectures[0]: \"SCMP_ARCH_S390X\" has another byte order "
				"than the native architecture");
#endif
}

/* --- flags, architectures, names ----------------------------------------- */

static void test_flags(void **state)
{
	(void)state;
	skip_without_seccomp();
	struct spec_seccomp s = {
		.default_action = "SCMP_ACT_ALLOW",
		.flags = STRV("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
			      "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
	};
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	/* This kernel (>= 5.19) knows all four; the last needs a listener. */
	assert_int_equal(p.flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
					  SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	assert_false(p.notify);
	const struct call calls[] = {{SYS_getppid, {0}}};
	struct run r;
	run_calls(&p, calls, 1, &r);
	assert_exited_ok(r.status);
	jl_seccomp_prog_free(&p);

	/* With notify: TSYNC needs TSYNC_ESRCH, WAIT_KILLABLE_RECV stays. */
	s.listener_path = "/run/agent.sock";
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_NOTIFY"});
	compile_ok(&s, &p);
	assert_true(p.notify);
	assert_int_equal(p.flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
					  SECCOMP_FILTER_FLAG_SPEC_ALLOW |
					  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV |
					  SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
	const struct call none[] = {{SYS_uname, {BUF}}};
	run_calls(&p, none, 1, &r); /* the kernel accepts the combination */
	assert_exited_ok(r.status);
	jl_seccomp_prog_free(&p);
}

/* The boot-long cache: a second compile of the same profile is read back,
 * byte for byte; another profile has another key; a damaged entry is
 * compiled over; a directory others may write is never trusted. */
static void test_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/jaula-seccomp-cache-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("getcwd"), .action = "SCMP_ACT_ERRNO"});
	struct jl_seccomp_prog a, b, c;
	assert_int_equal(jl_seccomp_compile_cached(fd, &s, "t", &a, NULL), 0);
	char key[65], key2[65];
	jl_seccomp_cache_key(&s, key);
	struct stat st;
	assert_int_equal(fstatat(fd, key, &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Read back: overwrite the entry with a marker program to be sure it
	 * is the file that answers, not a new compile. */
	struct sock_filter ret_errno = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 7);
	struct jl_seccomp_prog marker = {.fprog = {.len = 1, .filter = &ret_errno}};
	assert_int_equal(jl_seccomp_prog_save(fd, key, &marker, NULL), 0);
	assert_int_equal(jl_seccomp_compile_cached(fd, &s, "t", &b, NULL), 0);
	assert_true(same_program(&b, &marker));
	jl_seccomp_prog_free(&b);
	/* A damaged entry is compiled over. */
	assert_int_equal(jl_write_atomic_at(fd, key, "garbage", 7, 0600, NULL), 0);
	assert_int_equal(jl_seccomp_compile_cached(fd, &s, "t", &b, NULL), 0);
	assert_true(same_program(&a, &b));
	assert_int_equal(jl_seccomp_prog_load_file(fd, key, &c, NULL), 0);
	assert_true(same_program(&a, &c));
	jl_seccomp_prog_free(&b);
	jl_seccomp_prog_free(&c);
	/* Any change of the profile is another key. */
	s.syscalls[0].has_errno_ret = true;
	s.syscalls[0].errno_ret = EPERM;
	jl_seccomp_cache_key(&s, key2);
	assert_string_not_equal(key, key2);
	s.syscalls[0].has_errno_ret = false;
	s.architectures = STRV("SCMP_ARCH_X86");
	jl_seccomp_cache_key(&s, key2);
	assert_string_not_equal(key, key2);
	/* Only a directory private to us is used. */
	setenv("JAULA_SECCOMP_CACHE", dir, 1);
	int cfd = jl_seccomp_cache_open();
	assert_true(cfd >= 0);
	close(cfd);
	char sub[64];
	snprintf(sub, sizeof(sub), "%s/seccomp", dir);
	chmod(sub, 0770);
	assert_int_equal(jl_seccomp_cache_open(), -1);
	setenv("JAULA_SECCOMP_CACHE", "off", 1);
	assert_int_equal(jl_seccomp_cache_open(), -1);
	unsetenv("JAULA_SECCOMP_CACHE");
	jl_seccomp_prog_free(&a);
	close(fd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_architectures(void **state)
{
	(void)state;
	struct spec_seccomp native = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(native, {.names = STRV("mount"), .action = "SCMP_ACT_ERRNO"});
	struct spec_seccomp more = native;
#if defined(__x86_64__)
	more.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
#elif defined(__aarch64__)
	more.architectures = STRV("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
#else
	skip();
#endif
	struct jl_seccomp_prog a, b;
	compile_ok(&native, &a);
	compile_ok(&more, &b);
	print_message("# one rule: native %u, with compat ABIs %u BPF instructions\n",
		      a.fprog.len, b.fprog.len);
	assert_true(b.fprog.len > a.fprog.len); /* one arch check per ABI */
	jl_seccomp_prog_free(&a);
	jl_seccomp_prog_free(&b);
}

static size_t count(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

static bool listed(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

static bool listed_n(struct spec_strv v, const char *name)
{
	for (size_t i = 0; i < v.n; i++)
		if (!strcmp(v.v[i], name))
			return true;
	return false;
}

static void test_name_lists(void **state)
{
	(void)state;
	assert_int_equal(count(jl_seccomp_actions), 9);
	assert_int_equal(count(jl_seccomp_operators), 7);
	assert_int_equal(count(jl_seccomp_flags), 4);
	assert_true(count(jl_seccomp_archs) >= 19);
	assert_true(listed(jl_seccomp_actions, "SCMP_ACT_KILL_PROCESS"));
	assert_true(listed(jl_seccomp_actions, "SCMP_ACT_NOTIFY"));
	assert_true(listed(jl_seccomp_operators, "SCMP_CMP_MASKED_EQ"));
	assert_true(listed(jl_seccomp_archs, "SCMP_ARCH_X86_64"));
	assert_true(listed(jl_seccomp_archs, "SCMP_ARCH_RISCV64"));
	assert_true(listed(jl_seccomp_flags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
	/* Every listed name is accepted by compile (NOTIFY: see test_notify). */
	for (size_t i = 0; jl_seccomp_actions[i]; i++) {
		if (!strcmp(jl_seccomp_actions[i], "SCMP_ACT_NOTIFY"))
			continue;
		struct spec_seccomp s = {.default_action = jl_seccomp_actions[i]};
		struct jl_seccomp_prog p;
		compile_ok(&s, &p);
		jl_seccomp_prog_free(&p);
	}
}

/* --- the -ENOSYS stub ----------------------------------------------------- */

static void make_temp_dir(char dir[64])
{
	strcpy(dir, "/tmp/jaula-seccomp-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

#define X32_BIT 0x40000000u /* __X32_SYSCALL_BIT */
#define LD_ARCH BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4)
#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGT(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define RET_ENOSYS BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS)

static void assert_insns(const struct sock_filter *got, const struct sock_filter *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(&got[i], &want[i], sizeof(want[i])))
			fail_msg("instruction %zu: {%#x, %u, %u, %#x}, want {%#x, %u, %u, %#x}", i,
				 got[i].code, got[i].jt, got[i].jf, got[i].k, want[i].code,
				 want[i].jt, want[i].jf, want[i].k);
}

static void check_stub(const struct jl_seccomp_arch_limit *limits, size_t n,
		       const struct sock_filter *want, size_t want_len)
{
	struct sock_fprog got;
	assert_int_equal(jl_seccomp_enosys_stub(limits, n, &got), 0);
	assert_int_equal(got.len, want_len);
	assert_insns(got.filter, want, want_len);
	free(got.filter);
}

#define CHECK_STUB(limits, ...)                                                          \
	do {                                                                             \
		const struct sock_filter want_[] = {__VA_ARGS__};                       \
		check_stub(limits, ARRAY_SIZE(limits), want_, ARRAY_SIZE(want_));       \
	} while (0)

/* Instruction by instruction; "filter" is the index right after the stub. */
static void test_enosys_stub_golden(void **state)
{
	(void)state;
	/* x86_64 alone: x32 calls (bit 30) go to the filter untouched. */
	const struct jl_seccomp_arch_limit amd64[] = {{SCMP_ARCH_X86_64, 334}};
	CHECK_STUB(amd64, LD_ARCH, JEQ(AUDIT_ARCH_X86_64, 0, 4), LD_NR, JSET(X32_BIT, 2, 0),
		   JGT(334, 0, 1), RET_ENOSYS);

	/* x86_64 with x32 and i386: x32 calls have their own limit. */
	const struct jl_seccomp_arch_limit three[] = {
		{SCMP_ARCH_X86_64, 449}, {SCMP_ARCH_X86, 439}, {SCMP_ARCH_X32, X32_BIT | 545}};
	CHECK_STUB(three, LD_ARCH, JEQ(AUDIT_ARCH_X86_64, 1, 0), JEQ(AUDIT_ARCH_I386, 4, 7),
		   LD_NR, JSET(X32_BIT, 1, 0), JGT(449, 3, 4), JGT(X32_BIT | 545, 2, 3), LD_NR,
		   JGT(439, 0, 1), RET_ENOSYS);

	/* Only x32 has a limit: x86_64 calls go to the filter. */
	const struct jl_seccomp_arch_limit x32[] = {{SCMP_ARCH_X86_64, -1},
						    {SCMP_ARCH_X32, X32_BIT | 439}};
	CHECK_STUB(x32, LD_ARCH, JEQ(AUDIT_ARCH_X86_64, 0, 4), LD_NR, JSET(X32_BIT, 0, 2),
		   JGT(X32_BIT | 439, 0, 1), RET_ENOSYS);

	/* s390x: number 0 is what the kernel passes for a call it lacks. */
	const struct jl_seccomp_arch_limit s390x[] = {{SCMP_ARCH_S390X, 439}};
	CHECK_STUB(s390x, LD_ARCH, JEQ(AUDIT_ARCH_S390X, 0, 4), LD_NR, JEQ(0, 1, 0),
		   JGT(439, 0, 1), RET_ENOSYS);

	/* An architecture the profile names nothing on gets no section; the
	 * largest limit wins when one is given twice. */
	const struct jl_seccomp_arch_limit some[] = {{SCMP_ARCH_X86_64, -1},
						     {SCMP_ARCH_AARCH64, 100},
						     {SCMP_ARCH_AARCH64, 200}};
	CHECK_STUB(some, LD_ARCH, JEQ(AUDIT_ARCH_AARCH64, 0, 3), LD_NR, JGT(200, 0, 1),
		   RET_ENOSYS);

	/* Nothing named anywhere: no stub at all. */
	const struct jl_seccomp_arch_limit none[] = {{SCMP_ARCH_X86_64, -1}, {SCMP_ARCH_X32, -1}};
	struct sock_fprog got;
	assert_int_equal(jl_seccomp_enosys_stub(none, ARRAY_SIZE(none), &got), 0);
	assert_int_equal(got.len, 0);
	assert_null(got.filter);

	/* More architectures than 8-bit jumps could span is refused. */
	struct jl_seccomp_arch_limit many[64];
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct jl_seccomp_arch_limit){0x1000 + (uint32_t)i, 1};
	assert_int_equal(jl_seccomp_enosys_stub(many, ARRAY_SIZE(many), &got), -E2BIG);
}

/* What libseccomp alone makes of a default action and one action for
 * `names`, with the attributes compile sets: what must follow the stub. */
static struct sock_fprog libseccomp_program(uint32_t def, uint32_t action,
					    const char *const *names, size_t n)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	assert_non_null(ctx);
	assert_int_equal(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
			seccomp_rule_add(ctx, action, seccomp_syscall_resolve_name(names[i]), 0), 0);
	int fd = memfd_create("reference", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(seccomp_export_bpf(ctx, fd), 0);
	seccomp_release(ctx);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	struct sock_fprog f = {.len = (unsigned short)(st.st_size / sizeof(struct sock_filter)),
			       .filter = xmalloc((size_t)st.st_size)};
	assert_int_equal(pread(fd, f.filter, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	return f;
}

static void assert_stub_then(const struct jl_seccomp_prog *p, const struct sock_filter *stub,
			     size_t stub_len, const struct sock_fprog *rest)
{
	assert_int_equal(p->fprog.len, stub_len + rest->len);
	assert_insns(p->fprog.filter, stub, stub_len);
	assert_insns(p->fprog.filter + stub_len, rest->filter, rest->len);
}

/* The compiled program is the stub, then libseccomp's program unchanged. */
static void test_enosys_stub_compiled(void **state)
{
	(void)state;
#if defined(__x86_64__)
	const char *names[] = {"read", "write", "exit_group", "clone3", "getppid"};
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ERRNO"};
	RULES(s, {.names = {.v = names, .n = ARRAY_SIZE(names)}, .action = "SCMP_ACT_ALLOW"});
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	struct sock_fprog rest =
		libseccomp_program(SCMP_ACT_ERRNO(EPERM), SCMP_ACT_ALLOW, names, ARRAY_SIZE(names));
	const struct sock_filter stub[] = {LD_ARCH, JEQ(AUDIT_ARCH_X86_64, 0, 4), LD_NR,
					   JSET(X32_BIT, 2, 0), JGT(435 /* clone3 */, 0, 1),
					   RET_ENOSYS};
	assert_stub_then(&p, stub, ARRAY_SIZE(stub), &rest);
	jl_seccomp_prog_free(&p);

	/* With the compat ABIs: i386's limit is its getppid (64), x32's its
	 * getppid with the x32 bit. */
	s.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
	compile_ok(&s, &p);
	const struct sock_filter stub3[] = {
		LD_ARCH,          JEQ(AUDIT_ARCH_X86_64, 1, 0), JEQ(AUDIT_ARCH_I386, 4, 7),
		LD_NR,            JSET(X32_BIT, 1, 0),          JGT(435, 3, 4),
		JGT(X32_BIT | 435, 2, 3), LD_NR,                JGT(435, 0, 1),
		RET_ENOSYS};
	assert_insns(p.fprog.filter, stub3, ARRAY_SIZE(stub3));
	jl_seccomp_prog_free(&p);
	free(rest.filter);

	/* An allow-by-default profile is libseccomp's program alone. */
	const char *denied[] = {"getppid"};
	s = (struct spec_seccomp){.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_ERRNO"});
	compile_ok(&s, &p);
	rest = libseccomp_program(SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EPERM), denied, 1);
	assert_stub_then(&p, NULL, 0, &rest);
	jl_seccomp_prog_free(&p);
	free(rest.filter);
#else
	skip();
#endif
}

/* In the kernel: a call above the profile's largest gets ENOSYS, clone3
 * (not named) too, a named call keeps its errno. */
static void test_enosys_in_kernel(void **state)
{
	(void)state;
	struct spec_seccomp_syscall sc[] = {
		{.names = STRV("getppid"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
		 .errno_ret = EACCES},
		allow_all_but("clone3"),
	};
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ERRNO", .syscalls = sc,
				 .n_syscalls = ARRAY_SIZE(sc)};
	const struct call calls[] = {
		{SYS_clone3, {0, 0}}, /* below the limit: ENOSYS from its own rule */
		{1000, {0}},          /* above every limit */
		{SYS_getppid, {0}},   /* named and denied */
		{SYS_getpid, {0}},
	};
	struct run r;
	run_spec(&s, calls, ARRAY_SIZE(calls), &r);
	free_names(&sc[1]);
	assert_exited_ok(r.status);
	assert_int_equal(r.n, ARRAY_SIZE(calls));
	assert_errno(&r.o[0], ENOSYS);
	assert_errno(&r.o[1], ENOSYS);
	assert_errno(&r.o[2], EACCES);
	assert_ok(&r.o[3]);
}

struct default_case {
	const char *action;
	uint32_t verdict; /* for a call the profile does not name */
	bool stub;
};

/* Which default actions get the stub and the clone3 rule. */
static void test_enosys_defaults(void **state)
{
	(void)state;
	static const struct default_case cases[] = {
		{"SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO | EPERM, true},
		{"SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD, true},
		{"SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD, true},
		{"SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, true},
		{"SCMP_ACT_TRAP", SECCOMP_RET_TRAP, true},
		{"SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW, false},
		{"SCMP_ACT_LOG", SECCOMP_RET_LOG, false},
		{"SCMP_ACT_TRACE", SECCOMP_RET_TRACE | EPERM, false},
	};
	const uint32_t native = seccomp_arch_native(), enosys = SECCOMP_RET_ERRNO | ENOSYS;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct default_case *c = &cases[i];
		struct spec_seccomp s = {.default_action = c->action};
		/* write: the largest named; getppid: an action of its own */
		RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_ERRNO",
			  .has_errno_ret = true, .errno_ret = EACCES},
		      {.names = STRV("write", "faccessat2"), .action = c->action});
		struct jl_seccomp_prog p;
		compile_ok(&s, &p);
		int top = nr_on(native, "faccessat2");
		assert_int_equal(verdict(&p, native, top + 1, 0), c->stub ? enosys : c->verdict);
		assert_int_equal(verdict(&p, native, 1000, 0), c->stub ? enosys : c->verdict);
		assert_int_equal(verdict(&p, native, nr_on(native, "clone3"), 0),
				 c->stub ? enosys : c->verdict);
		assert_int_equal(verdict(&p, native, top, 0), c->verdict);
		assert_int_equal(verdict(&p, native, nr_on(native, "getppid"), 0),
				 SECCOMP_RET_ERRNO | EACCES);
		assert_int_equal(verdict(&p, native, nr_on(native, "uname"), 0), c->verdict);
		assert_int_equal(prog_returns(&p, enosys), c->stub);
		jl_seccomp_prog_free(&p);
	}
	/* A default of ERRNO(ENOSYS) already says it: no stub, no extra rule. */
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ERRNO", .has_default_errno_ret = true,
				 .default_errno_ret = ENOSYS};
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_ALLOW"});
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	const char *allowed[] = {"getppid"};
	struct sock_fprog rest = libseccomp_program(SCMP_ACT_ERRNO(ENOSYS), SCMP_ACT_ALLOW,
						    allowed, 1);
	assert_stub_then(&p, NULL, 0, &rest);
	free(rest.filter);
	jl_seccomp_prog_free(&p);
}

/* clone3 gets ENOSYS only when the profile does not name it. */
static void test_enosys_clone3(void **state)
{
	(void)state;
	const uint32_t native = seccomp_arch_native();
	const int clone3 = nr_on(native, "clone3");
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ERRNO"};
	RULES(s, {.names = STRV("read", "faccessat2"), .action = "SCMP_ACT_ALLOW"});
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	assert_true(clone3 < nr_on(native, "faccessat2")); /* the stub does not decide it */
	assert_int_equal(verdict(&p, native, clone3, 0), SECCOMP_RET_ERRNO | ENOSYS);
	jl_seccomp_prog_free(&p);
	/* Named, even with the default action: the profile's word stands. */
	RULES(s, {.names = STRV("read", "faccessat2"), .action = "SCMP_ACT_ALLOW"},
	      {.names = STRV("clone3"), .action = "SCMP_ACT_ERRNO"});
	compile_ok(&s, &p);
	assert_int_equal(verdict(&p, native, clone3, 0), SECCOMP_RET_ERRNO | EPERM);
	jl_seccomp_prog_free(&p);
	RULES(s, {.names = STRV("read", "clone3"), .action = "SCMP_ACT_ALLOW"});
	compile_ok(&s, &p);
	assert_int_equal(verdict(&p, native, clone3, 0), SECCOMP_RET_ALLOW);
	jl_seccomp_prog_free(&p);
}

/* Each ABI of an x86_64 filter against its own limit, by interpretation. */
static void test_enosys_x32_and_i386(void **state)
{
	(void)state;
#if defined(__x86_64__)
	const uint32_t amd64 = AUDIT_ARCH_X86_64, i386 = AUDIT_ARCH_I386;
	const uint32_t enosys = SECCOMP_RET_ERRNO | ENOSYS, eperm = SECCOMP_RET_ERRNO | EPERM;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ERRNO"};
	RULES(s, {.names = STRV("read", "umask", "getppid"), .action = "SCMP_ACT_ALLOW"});
	const int getppid64 = nr_on(SCMP_ARCH_X86_64, "getppid");
	const int getppid32 = nr_on(SCMP_ARCH_X86, "getppid");
	const int getppidx32 = nr_on(SCMP_ARCH_X32, "getppid");
	assert_true((uint32_t)getppidx32 & X32_BIT); /* libseccomp's x32 numbers carry the bit */

	/* Without x32 in the filter, x32 calls still reach libseccomp's bad
	 * architecture action (kill), never ENOSYS. */
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	assert_int_equal(verdict(&p, amd64, getppid64, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&p, amd64, getppid64 + 1, 0), enosys);
	assert_int_equal(verdict(&p, amd64, nr_on(SCMP_ARCH_X86_64, "uname"), 0), eperm);
	assert_int_equal(verdict(&p, amd64, (int)(X32_BIT | 1000), 0), SECCOMP_RET_KILL_THREAD);
	assert_int_equal(verdict(&p, amd64, getppidx32, 0), SECCOMP_RET_KILL_THREAD);
	jl_seccomp_prog_free(&p);

	s.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
	compile_ok(&s, &p);
	assert_int_equal(verdict(&p, amd64, getppid64 + 1, 0), enosys);
	assert_int_equal(verdict(&p, amd64, getppidx32, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&p, amd64, nr_on(SCMP_ARCH_X32, "read"), 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&p, amd64, nr_on(SCMP_ARCH_X32, "uname"), 0), eperm);
	assert_int_equal(verdict(&p, amd64, getppidx32 + 1, 0), enosys);
	assert_int_equal(verdict(&p, amd64, (int)(X32_BIT | 1000), 0), enosys);
	assert_int_equal(verdict(&p, i386, getppid32, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&p, i386, nr_on(SCMP_ARCH_X86, "getpid"), 0), eperm);
	assert_int_equal(verdict(&p, i386, getppid32 + 1, 0), enosys);
	assert_int_equal(verdict(&p, i386, nr_on(SCMP_ARCH_X86, "clone3"), 0), enosys);
	/* An ABI the filter lacks: libseccomp's kill, as before. */
	assert_int_equal(verdict(&p, AUDIT_ARCH_AARCH64, 1000, 0), SECCOMP_RET_KILL_THREAD);
	jl_seccomp_prog_free(&p);
#else
	skip();
#endif
}

/* `exec` loads what create saved: the same program, stub included. */
static void test_store_keeps_stub(void **state)
{
	(void)state;
	char dir[64];
	make_temp_dir(dir);
	int dfd = open(dir, O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ERRNO"};
	RULES(s, {.names = STRV("read", "write"), .action = "SCMP_ACT_ALLOW"});
	struct jl_seccomp_prog p, back;
	struct jl_err *err = NULL;
	compile_ok(&s, &p);
	assert_true(prog_returns(&p, SECCOMP_RET_ERRNO | ENOSYS));
	assert_int_equal(jl_seccomp_prog_save(dfd, "seccomp.bpf", &p, &err), 0);
	assert_int_equal(jl_seccomp_prog_load_file(dfd, "seccomp.bpf", &back, &err), 0);
	assert_true(same_program(&p, &back));
	assert_int_equal(back.flags, p.flags);
	assert_int_equal(back.notify, p.notify);
	jl_seccomp_prog_free(&back);
	jl_seccomp_prog_free(&p);

	/* A program longer than the kernel takes (and than fprog.len holds)
	 * is not a program compile could have written. */
	struct {
		char magic[6];
		uint8_t notify, pad;
		uint32_t flags, len;
	} h = {.magic = "JLBPF\001", .len = BPF_MAXINSNS + 1};
	size_t size = sizeof(h) + h.len * sizeof(struct sock_filter);
	char *buf = xcalloc(1, size);
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(jl_write_atomic_at(dfd, "long.bpf", buf, size, 0600, &err), 0);
	free(buf);
	assert_true(jl_seccomp_prog_load_file(dfd, "long.bpf", &back, &err) < 0);
	assert_non_null(err);
	jl_err_free(&err);
	unlinkat(dfd, "seccomp.bpf", 0);
	unlinkat(dfd, "long.bpf", 0);
	close(dfd);
	rmdir(dir);
}

/* --- notify --------------------------------------------------------------- */

static void test_notify(void **state)
{
	(void)state;
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW"};
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_ERRNO"});
	struct jl_seccomp_prog p;
	compile_ok(&s, &p);
	assert_false(p.notify);
	jl_seccomp_prog_free(&p);
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_NOTIFY"});
	compile_fails(&s, WHERE ".listenerPath: required when SCMP_ACT_NOTIFY is used");
	s.listener_path = "/run/agent.sock";
	compile_ok(&s, &p);
	assert_true(p.notify);
	jl_seccomp_prog_free(&p);
	/* What the runtime's code makes before the agent has the listener
	 * must not wait for the agent: runc's "write", and the sendmsg that
	 * hands the listener over. */
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_LOG"},
	      {.names = STRV("read", "write"), .action = "SCMP_ACT_NOTIFY"});
	compile_fails(&s, WHERE ".syscalls[1]: SCMP_ACT_NOTIFY on \"write\" would deadlock the "
				"runtime");
	RULES(s, {.names = STRV("getppid"), .action = "SCMP_ACT_LOG"},
	      {.names = STRV("recvmsg", "sendmsg"), .action = "SCMP_ACT_NOTIFY"});
	compile_fails(&s, WHERE ".syscalls[1]: SCMP_ACT_NOTIFY on \"sendmsg\" would deadlock the "
				"runtime");
	/* Other actions on them are fine. */
	RULES(s, {.names = STRV("write"), .action = "SCMP_ACT_LOG"},
	      {.names = STRV("getppid"), .action = "SCMP_ACT_NOTIFY"});
	compile_ok(&s, &p);
	jl_seccomp_prog_free(&p);
	s = (struct spec_seccomp){.default_action = "SCMP_ACT_NOTIFY", .listener_path = "/x"};
	compile_fails(&s, WHERE ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action: "
				"init hands the listener over after the filter is loaded");
}

static int wait_readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 1), 0);
	return s;
}

/* Accept one agent connection: the fd from SCM_RIGHTS, the JSON to EOF. */
static int accept_listener(int lsock, char *json, size_t cap)
{
	assert_int_equal(wait_readable(lsock, 10000), 1);
	int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = json, .iov_len = cap - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b,
			     .msg_controllen = sizeof(control.b)};
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	size_t len = (size_t)n + read_full(conn, json + n, cap - 1 - (size_t)n);
	json[len] = '\0';
	close(conn);
	return fd;
}

static void answer(int listener, pid_t pid, long nr, int error, long val)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req)); /* the kernel insists */
	assert_int_equal(wait_readable(listener, 10000), 1);
	assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
	assert_int_equal(req.pid, pid);
	assert_int_equal(req.data.nr, nr);
	struct seccomp_notif_resp resp = {.id = req.id, .error = error, .val = val};
	assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
}

#define STATE_JSON "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":1}"

/* Child side of the notify tests: load, hand the listener to `path`, then
 * getppid and uname (both notified) and report. */
static void notify_child(const struct jl_seccomp_prog *p, const char *path, int wfd)
{
	int listener;
	struct jl_err *err = NULL;
	child_load(p, &listener);
	if (listener < 0)
		_exit(123);
	if (jl_seccomp_send_listener(path, listener, STATE_JSON, &err) < 0) {
		fprintf(stderr, "child: %s\n", err->msg);
		_exit(124);
	}
	close(listener);
	struct outcome o[2] = {make_call(&(struct call){SYS_getppid, {0}}),
			       make_call(&(struct call){SYS_uname, {BUF}})};
	_exit(jl_write_all(wfd, o, sizeof(o)) < 0 ? 122 : 0);
}

static void compile_notify(struct jl_seccomp_prog *p)
{
	struct spec_seccomp s = {.default_action = "SCMP_ACT_ALLOW", .listener_path = "x"};
	RULES(s, {.names = STRV("getppid", "uname"), .action = "SCMP_ACT_NOTIFY"});
	compile_ok(&s, p);
	assert_true(p->notify);
}

static void test_notify_round_trip(void **state)
{
	(void)state;
	skip_without_seccomp();
	char dir[64], path[128], json[512];
	make_temp_dir(dir);
	snprintf(path, sizeof(path), "%s/agent.sock", dir);
	int lsock = listen_unix(path);
	struct jl_seccomp_prog p;
	compile_notify(&p);
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		notify_child(&p, path, fds[1]);
	close(fds[1]);
	int listener = accept_listener(lsock, json, sizeof(json));
	assert_string_equal(json, STATE_JSON);
	answer(listener, pid, SYS_getppid, 0, 4242);    /* a made-up return value */
	answer(listener, pid, SYS_uname, -EXDEV, 0);    /* an error */
	struct outcome o[2];
	assert_int_equal(read_full(fds[0], o, sizeof(o)), sizeof(o));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_exited_ok(status);
	assert_int_equal(o[0].ret, 4242);
	assert_errno(&o[1], EXDEV);
	close(fds[0]);
	close(listener);
	close(lsock);
	jl_seccomp_prog_free(&p);
	unlink(path);
	rmdir(dir);
}

static void test_send_listener(void **state)
{
	(void)state;
	struct jl_err *err = NULL;
	char dir[64], path[128];
	make_temp_dir(dir);
	snprintf(path, sizeof(path), "%s/none.sock", dir);
	assert_true(jl_seccomp_send_listener(path, 0, "{}", &err) < 0);
	char want[256];
	snprintf(want, sizeof(want), "connect to seccomp agent \"%s\": No such file or directory",
		 path);
	assert_string_equal(err->msg, want);
	jl_err_free(&err);

	int lsock = listen_unix(path);
	assert_true(jl_seccomp_send_listener(path, 0, "", &err) < 0);
	snprintf(want, sizeof(want), "send seccomp state to agent \"%s\": empty state", path);
	assert_string_equal(err->msg, want);
	jl_err_free(&err);

	/* Any fd travels the same way; a pipe's stands in for a listener. */
	int pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	char big[8192], json[sizeof(big) + 1];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(jl_seccomp_send_listener(path, pfd[1], big, &err), 0);
	int got = accept_listener(lsock, json, sizeof(json));
	assert_string_equal(json, big);
	assert_int_equal(write(got, "!", 1), 1); /* the same pipe */
	char c = 0;
	assert_int_equal(read(pfd[0], &c, 1), 1);
	assert_int_equal(c, '!');
	close(got);
	close(pfd[0]);
	close(pfd[1]);
	close(lsock);
	unlink(path);
	rmdir(dir);

	assert_true(jl_seccomp_send_listener(NULL, 0, "{}", &err) < 0);
	assert_string_equal(err->msg, "send the seccomp listener: no listenerPath");
	jl_err_free(&err);

	char long_path[200];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	assert_true(jl_seccomp_send_listener(long_path, 0, "{}", &err) < 0);
	assert_int_equal(err->errnum, ENAMETOOLONG);
	assert_non_null(strstr(err->msg, "seccomp agent socket \"aaaa"));
	jl_err_free(&err);
}

/* --- the agent helper ----------------------------------------------------- */

/* $JAULA_SECCOMP_AGENT, or BUILD/helpers/seccomp_agent beside BUILD/tests. */
static bool find_agent(char *out, size_t n)
{
	const char *env = getenv("JAULA_SECCOMP_AGENT");
	if (env) {
		snprintf(out, n, "%s", env);
	} else {
		char self[4096];
		ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (k < 0)
			return false;
		self[k] = '\0';
		snprintf(out, n, "%s/helpers/seccomp_agent", dirname(dirname(self)));
	}
	return access(out, X_OK) == 0;
}

static pid_t start_agent(const char *agent, const char *sock, const char *mode, const char *n)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(agent, agent, sock, mode, n, (char *)NULL);
		_exit(127);
	}
	/* The agent renames its socket into place once it listens. */
	struct stat st;
	for (int i = 0; i < 1000 && stat(sock, &st) < 0; i++)
		usleep(10000);
	assert_true(S_ISSOCK(st.st_mode));
	return pid;
}

static int wait_agent(pid_t pid)
{
	int status;
	for (int i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fail_msg("seccomp_agent did not exit after its last client");
	return status;
}

static void run_with_agent(const char *mode, const char *n, struct outcome o[2])
{
	char agent[4096], dir[64], sock[128], state[160];
	if (!find_agent(agent, sizeof(agent)))
		skip(); /* make build/helpers/seccomp_agent first */
	make_temp_dir(dir);
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	snprintf(state, sizeof(state), "%s.state", sock);
	pid_t agent_pid = start_agent(agent, sock, mode, n);
	struct jl_seccomp_prog p;
	compile_notify(&p);
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		notify_child(&p, sock, fds[1]);
	close(fds[1]);
	assert_int_equal(read_full(fds[0], o, 2 * sizeof(*o)), 2 * sizeof(*o));
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_exited_ok(status);
	assert_exited_ok(wait_agent(agent_pid));
	char *text = NULL;
	struct jl_err *err = NULL;
	assert_int_equal(jl_read_file_at(AT_FDCWD, state, 4096, &text, NULL, &err), 0);
	assert_string_equal(text, STATE_JSON);
	free(text);
	jl_seccomp_prog_free(&p);
	unlink(state);
	unlink(sock);
	rmdir(dir);
}

static void test_agent_errno(void **state)
{
	(void)state;
	skip_without_seccomp();
	struct outcome o[2];
	run_with_agent("--errno", "77", o);
	assert_errno(&o[0], 77);
	assert_errno(&o[1], 77);
}

static void test_agent_allow(void **state)
{
	(void)state;
	skip_without_seccomp();
	struct outcome o[2];
	run_with_agent("--allow", NULL, o);
	assert_int_equal(o[0].ret, getpid()); /* the kernel ran it */
	assert_ok(&o[1]);
}

/* --- the default profile -------------------------------------------------- */


/* A linux.seccomp JSON object as struct spec_seccomp, enough for the
 * default profile (spec.c has the real parser, tested on its own).  EPERM
 * answers become MARK so a child can tell the filter's answer from the
 * kernel's own EPERM: the tests need not run as root. */
#define MARK 200

struct profile {
	jl_json_val tree;
	struct jl_arena arena;
	struct spec_seccomp s;
};

static uint64_t num(jl_json_val v)
{
	uint64_t u = 0;
	assert_non_null(jl_json_number_text(v));
	assert_int_equal(jl_parse_u64(jl_json_number_text(v), 10, &u), 0);
	return u;
}

static struct spec_strv strv_of(struct jl_arena *a, jl_json_val arr)
{
	struct spec_strv sv = {.n = jl_json_len(arr)};
	sv.v = jl_arena_alloc(a, (sv.n + 1) * sizeof(char *));
	for (size_t i = 0; i < sv.n; i++)
		assert_non_null(sv.v[i] = jl_json_string(jl_json_at(arr, i)));
	return sv;
}

static void syscall_of(struct jl_arena *a, jl_json_val o, struct spec_seccomp_syscall *sc)
{
	sc->names = strv_of(a, jl_json_get(o, "names"));
	sc->action = jl_json_string(jl_json_get(o, "action"));
	jl_json_val ret = jl_json_get(o, "errnoRet");
	sc->has_errno_ret = ret != NULL;
	sc->errno_ret = ret ? (uint32_t)num(ret) : 0;
	if (sc->errno_ret == EPERM)
		sc->errno_ret = MARK;
	jl_json_val args = jl_json_get(o, "args");
	sc->n_args = jl_json_len(args);
	sc->args = jl_arena_alloc(a, (sc->n_args + 1) * sizeof(*sc->args));
	for (size_t k = 0; k < sc->n_args; k++) {
		jl_json_val x = jl_json_at(args, k);
		struct spec_seccomp_arg *g = &sc->args[k];
		g->index = (uint32_t)num(jl_json_get(x, "index"));
		g->value = num(jl_json_get(x, "value"));
		g->has_value_two = jl_json_get(x, "valueTwo") != NULL;
		g->value_two = g->has_value_two ? num(jl_json_get(x, "valueTwo")) : 0;
		g->op = jl_json_string(jl_json_get(x, "op"));
	}
}

static void load_profile(struct profile *pr, size_t *json_len)
{
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b};
	jl_seccomp_default_profile(&w);
	*json_len = b.len;
	struct jl_err *err = NULL;
	*pr = (struct profile){0};
	if (jl_json_parse(b.data, "profile", &pr->tree, &err) < 0)
		fail_msg("%s", err->msg);
	jl_buf_free(&b);
	pr->s.default_action = jl_json_string(jl_json_get(pr->tree, "defaultAction"));
	pr->s.architectures = strv_of(&pr->arena, jl_json_get(pr->tree, "architectures"));
	jl_json_val calls = jl_json_get(pr->tree, "syscalls");
	pr->s.n_syscalls = jl_json_len(calls);
	pr->s.syscalls = jl_arena_alloc(&pr->arena, pr->s.n_syscalls * sizeof(*pr->s.syscalls));
	for (size_t i = 0; i < pr->s.n_syscalls; i++)
		syscall_of(&pr->arena, jl_json_at(calls, i), &pr->s.syscalls[i]);
}

static void free_profile(struct profile *pr)
{
	jl_json_free(pr->tree);
	jl_arena_free(&pr->arena);
}

static const struct spec_seccomp_syscall *find_rule(const struct spec_seccomp *s,
						     const char *name)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (listed_n(s->syscalls[i].names, name))
			return &s->syscalls[i];
	return NULL;
}

static void test_default_profile_json(void **state)
{
	(void)state;
	struct profile pr;
	size_t len;
	load_profile(&pr, &len);
	print_message("# default profile: %zu bytes of JSON, %zu entries\n", len,
		      pr.s.n_syscalls);
	assert_string_equal(pr.s.default_action, "SCMP_ACT_ALLOW");
	const struct spec_seccomp_syscall *mount = find_rule(&pr.s, "mount");
	assert_non_null(mount);
	assert_string_equal(mount->action, "SCMP_ACT_ERRNO");
	assert_int_equal(mount->errno_ret, MARK); /* EPERM in the JSON */
	assert_int_equal(mount->n_args, 0);
	assert_string_equal(find_rule(&pr.s, "clone3")->action, "SCMP_ACT_ERRNO");
	assert_int_equal(find_rule(&pr.s, "clone3")->errno_ret, ENOSYS);
#if defined(__x86_64__)
	assert_int_equal(pr.s.architectures.n, 3);
	assert_string_equal(pr.s.architectures.v[0], "SCMP_ARCH_X86_64");
#endif
	for (size_t i = 0; i < pr.s.n_syscalls; i++) {
		const struct spec_seccomp_syscall *sc = &pr.s.syscalls[i];
		assert_true(listed(jl_seccomp_actions, sc->action));
		for (size_t k = 0; k < sc->n_args; k++)
			assert_true(listed(jl_seccomp_operators, sc->args[k].op));
	}
	free_profile(&pr);
}

static void test_default_profile_denies(void **state)
{
	(void)state;
	struct profile pr;
	size_t len;
	load_profile(&pr, &len);
	struct jl_seccomp_prog p;
	compile_ok(&pr.s, &p);
	static const char target[] = "/nonexistent-jaula-seccomp";
	const unsigned long T = (unsigned long)target;
	struct call calls[] = {
		{SYS_mount, {(unsigned long)"none", T, (unsigned long)"tmpfs", MS_RDONLY, 0}},
		{SYS_umount2, {T, 0}},
		{SYS_unshare, {CLONE_NEWUSER}},
		{SYS_setns, {(unsigned long)-1, 0}},
		{SYS_syslog, {10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0}},
		{SYS_keyctl, {0 /* KEYCTL_GET_KEYRING_ID */, (unsigned long)-3 /* session */, 0}},
		{SYS_personality, {0x40000 /* ADDR_NO_RANDOMIZE */}},
		{SYS_personality, {0x80040000}},
		{SYS_personality, {0xfffffffe}},
		{SYS_personality, {0x100000000UL}},
		/* the rest must pass */
		{SYS_unshare, {0}},
		{SYS_personality, {0xffffffff}},
		{SYS_personality, {0x20008 /* UNAME26 | PER_LINUX32 */}},
		{SYS_personality, {0}},
		{SYS_getppid, {0}},
		{SYS_clone, {CLONE_NEWUSER | CLONE_FS, 0, 0, 0, 0}},
		{SYS_clone3, {0, 0}},
	};
	const size_t n_denied = 10, n_calls = ARRAY_SIZE(calls);
	struct run r;
	run_calls(&p, calls, n_calls, &r);
	jl_seccomp_prog_free(&p);
	free_profile(&pr);
	assert_exited_ok(r.status);
	assert_int_equal(r.n, n_calls);
	for (size_t i = 0; i < n_denied; i++)
		assert_errno(&r.o[i], MARK);
	for (size_t i = n_denied; i < n_denied + 5; i++)
		assert_ok(&r.o[i]);
	assert_int_equal(r.o[14].ret, getpid());
	assert_errno(&r.o[15], MARK);
	assert_errno(&r.o[16], ENOSYS);
}

/* The same filter seen from every ABI it lists, by interpretation. */
static void test_default_profile_translation(void **state)
{
	(void)state;
#if defined(__x86_64__)
	struct profile pr;
	size_t len;
	load_profile(&pr, &len);
	struct jl_seccomp_prog p;
	compile_ok(&pr.s, &p);
	report_path_length(&p, "default profile");
	const uint32_t deny = SECCOMP_RET_ERRNO | MARK, x32 = 0x40000000; /* __X32_SYSCALL_BIT */
	const uint32_t i386 = AUDIT_ARCH_I386, amd64 = AUDIT_ARCH_X86_64;
	int mount64 = nr_on(SCMP_ARCH_X86_64, "mount"), mount32 = nr_on(SCMP_ARCH_X86, "mount");
	int pers = nr_on(SCMP_ARCH_X86_64, "personality");
	assert_int_equal(verdict(&p, amd64, mount64, 0), deny);
	assert_int_equal(verdict(&p, i386, mount32, 0), deny);
	assert_int_equal(verdict(&p, amd64, (int)((uint32_t)nr_on(SCMP_ARCH_X32, "mount") | x32), 0),
			 deny);
	assert_int_equal(verdict(&p, i386, nr_on(SCMP_ARCH_X86, "vm86"), 0), deny);
	assert_int_equal(verdict(&p, amd64, nr_on(SCMP_ARCH_X86_64, "getppid"), 0),
			 SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&p, i386, nr_on(SCMP_ARCH_X86, "getppid"), 0), SECCOMP_RET_ALLOW);
	/* personality: every value of the policy's edges */
	static const struct {
		uint64_t v;
		bool denied;
	} pv[] = {{0, false},          {8, false},          {0x20008, false},
		  {0x3ffff, false},    {0xffffffff, false}, {0x40000, true},
		  {0x400000, true},    {0x7fffffff, true},  {0x80000000, true},
		  {0xfffffffe, true},  {0xbfffffff, true},  {0x1ffffffffULL, true},
		  {1ULL << 32, true}};
	for (size_t i = 0; i < ARRAY_SIZE(pv); i++)
		assert_int_equal(verdict(&p, amd64, pers, pv[i].v),
				 pv[i].denied ? deny : SECCOMP_RET_ALLOW);
	/* An ABI the profile does not list is killed (libseccomp's default). */
	assert_int_equal(verdict(&p, AUDIT_ARCH_AARCH64, 0, 0), SECCOMP_RET_KILL_THREAD);
	jl_seccomp_prog_free(&p);
	free_profile(&pr);
#else
	skip();
#endif
}

int main(void)
{
	/* libseccomp asks the kernel which actions it supports (KILL_PROCESS,
	 * LOG, NOTIFY) through seccomp(2); under valgrind that answers ENOSYS,
	 * so tell libseccomp what this kernel (>= 5.7) really supports. */
	if (RUNNING_ON_VALGRIND) {
		print_message("# valgrind: filters are compiled and interpreted, not loaded\n");
		seccomp_api_set(6);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_and_errno_ret),
		cmocka_unit_test(test_default_errno_ret),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_trap),
		cmocka_unit_test(test_log_and_allow_pass),
		cmocka_unit_test(test_arg_operators),
		cmocka_unit_test(test_args_on_two_indexes_and),
		cmocka_unit_test(test_args_same_index_or),
		cmocka_unit_test(test_unknown_syscall_skipped),
		cmocka_unit_test(test_rule_like_default_skipped),
		cmocka_unit_test(test_repeated_rule_first_wins),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_architectures),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_name_lists),
		cmocka_unit_test(test_enosys_stub_golden),
		cmocka_unit_test(test_enosys_stub_compiled),
		cmocka_unit_test(test_enosys_in_kernel),
		cmocka_unit_test(test_enosys_defaults),
		cmocka_unit_test(test_enosys_clone3),
		cmocka_unit_test(test_enosys_x32_and_i386),
		cmocka_unit_test(test_store_keeps_stub),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_notify_round_trip),
		cmocka_unit_test(test_send_listener),
		cmocka_unit_test(test_agent_errno),
		cmocka_unit_test(test_agent_allow),
		cmocka_unit_test(test_default_profile_json),
		cmocka_unit_test(test_default_profile_denies),
		cmocka_unit_test(test_default_profile_translation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
