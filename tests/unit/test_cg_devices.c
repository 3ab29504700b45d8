/* The device-access eBPF program: instruction by instruction against golden
 * programs, through the kernel's verifier when we may load programs, and
 * executed (by a small interpreter here: the kernel has no
 * BPF_PROG_TEST_RUN for cgroup device programs) over a table of accesses.
 * The last test attaches programs to a real cgroup v2 and opens devices
 * from a child in it; it needs root and a v2 hierarchy, and skips without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/util.h"

/* --- golden instructions -------------------------------------------------- */

#define I(c, d, s, o, i)                                                                 \
	{.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)}
#define LDX_W(d, s, o) I(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define AND32(d, i) I(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH32(d, i) I(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s) I(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JNE32(d, i, o) I(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ32(d, i, o) I(BPF_JMP32 | BPF_JEQ | BPF_K, d, 0, o, i)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* r2 = type, r3 = requested access bits, r4 = major, r5 = minor */
#define PROLOGUE                                                                         \
	LDX_W(2, 1, 0), AND32(2, 0xffff), LDX_W(3, 1, 0), RSH32(3, 16), LDX_W(4, 1, 4),   \
		LDX_W(5, 1, 8)
#define RET(v) MOV64(0, v), EXIT
#define CHAR BPF_DEVCG_DEV_CHAR
#define BLOCK BPF_DEVCG_DEV_BLOCK
/* "allow c MAJ:MIN rwm": the shape most default rules take */
#define ALLOW_C_RWM(maj, min) JNE32(2, CHAR, 4), JNE32(4, maj, 3), JNE32(5, min, 2), RET(1)

/* jaula's defaults, last rule first: pts, ptmx ... null, then mknod b, c */
#define DEFAULT_BLOCKS                                                                   \
	JNE32(2, CHAR, 3), JNE32(4, 136, 2), RET(1), ALLOW_C_RWM(5, 2), ALLOW_C_RWM(5, 1), \
		ALLOW_C_RWM(5, 0), ALLOW_C_RWM(1, 9), ALLOW_C_RWM(1, 8), ALLOW_C_RWM(1, 7), \
		ALLOW_C_RWM(1, 5), ALLOW_C_RWM(1, 3), JNE32(2, BLOCK, 4), AND32(3, ~1),     \
		JNE32(3, 0, 2), RET(1), JNE32(2, CHAR, 4), AND32(3, ~1), JNE32(3, 0, 2),    \
		RET(1)

static const struct bpf_insn golden_empty[] = {PROLOGUE, RET(0)};

/* deny a *:* rwm, allow c 1:3 rw */
static const struct bpf_insn golden_null_rw[] = {
	PROLOGUE,
	JNE32(2, CHAR, 6), JNE32(4, 1, 5), JNE32(5, 3, 4), AND32(3, ~6), JNE32(3, 0, 2), RET(1),
	RET(0), /* the deny-all is the last word: no default after it */
};

/* allow c *:5 r, allow b 8:* w */
static const struct bpf_insn golden_wildcards[] = {
	PROLOGUE,
	JNE32(2, BLOCK, 5), JNE32(4, 8, 4), AND32(3, ~4), JNE32(3, 0, 2), RET(1),
	JNE32(2, CHAR, 5), JNE32(5, 5, 4), AND32(3, ~2), JNE32(3, 0, 2), RET(1),
	RET(0),
};

/* allow a 4:* rwm, deny a *:7 m */
static const struct bpf_insn golden_type_a[] = {
	PROLOGUE,
	JNE32(5, 7, 5), MOV32_X(1, 3), AND32(1, 1), JEQ32(1, 0, 2), RET(0),
	JNE32(4, 4, 2), RET(1),
	RET(0),
};

/* allow c 1:3 rwm, deny c 1:3 w */
static const struct bpf_insn golden_subset[] = {
	PROLOGUE,
	JNE32(2, CHAR, 7), JNE32(4, 1, 6), JNE32(5, 3, 5), MOV32_X(1, 3), AND32(1, 4),
	JEQ32(1, 0, 2), RET(0),
	ALLOW_C_RWM(1, 3),
	RET(0),
};

static const struct bpf_insn golden_defaults[] = {PROLOGUE, DEFAULT_BLOCKS, RET(0)};

#define RULE(al, t, maj, min, acc)                                                       \
	{.allow = (al), .type = (t), .major = (maj), .minor = (min), .access = acc}

static void assert_program(const struct cg_bpf_prog *p, const struct bpf_insn *want, size_t n)
{
	if (p->n != n)
		fail_msg("program has %zu instructions, want %zu", p->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct bpf_insn *a = &p->insns[i], *b = &want[i];
		if (a->code != b->code || a->dst_reg != b->dst_reg || a->src_reg != b->src_reg ||
		    a->off != b->off || a->imm != b->imm)
			fail_msg("insn %zu: code %#x dst %d src %d off %d imm %d, want code %#x "
				 "dst %d src %d off %d imm %d",
				 i, a->code, a->dst_reg, a->src_reg, a->off, a->imm, b->code,
				 b->dst_reg, b->src_reg, b->off, b->imm);
	}
}

static void compile_ok(const struct cg_device_rule *rules, size_t n, struct cg_bpf_prog *p)
{
	struct jl_err *err = NULL;
	if (cg_devices_compile(rules, n, p, &err) < 0)
		fail_msg("compile: %s", err->msg);
}

static void build_ok(const struct cg_device_rule *rules, size_t n, struct cg_bpf_prog *p)
{
	struct jl_err *err = NULL;
	if (cg_devices_build(rules, n, p, &err) < 0)
		fail_msg("build: %s", err->msg);
}

#define GOLDEN(rules, want)                                                              \
	do {                                                                             \
		struct cg_bpf_prog p_ = CG_BPF_PROG_INIT;                                \
		compile_ok(rules, ARRAY_SIZE(rules), &p_);                               \
		assert_program(&p_, want, ARRAY_SIZE(want));                             \
		cg_bpf_prog_free(&p_);                                                   \
	} while (0)

static void test_golden_compile(void **state)
{
	(void)state;
	struct cg_bpf_prog p = CG_BPF_PROG_INIT;
	compile_ok(NULL, 0, &p);
	assert_program(&p, golden_empty, ARRAY_SIZE(golden_empty));
	cg_bpf_prog_free(&p);

	const struct cg_device_rule null_rw[] = {RULE(false, 'a', -1, -1, "rwm"),
						 RULE(true, 'c', 1, 3, "rw")};
	GOLDEN(null_rw, golden_null_rw);
	const struct cg_device_rule wild[] = {RULE(true, 'c', -1, 5, "r"),
					      RULE(true, 'b', 8, -1, "w")};
	GOLDEN(wild, golden_wildcards);
	const struct cg_device_rule type_a[] = {RULE(true, 'a', 4, -1, ""), /* "" is rwm */
						RULE(false, 'a', -1, 7, "m")};
	GOLDEN(type_a, golden_type_a);
	const struct cg_device_rule subset[] = {RULE(true, 'c', 1, 3, "mwr"),
						RULE(false, 'c', 1, 3, "w")};
	GOLDEN(subset, golden_subset);
}

static void test_golden_build(void **state)
{
	(void)state;
	struct cg_bpf_prog p = CG_BPF_PROG_INIT;
	build_ok(NULL, 0, &p);
	assert_program(&p, golden_defaults, ARRAY_SIZE(golden_defaults));
	cg_bpf_prog_free(&p);
	/* What runc spec / podman / containerd start with: the same program,
	 * the deny-all's "return 0" standing where the default was. */
	const struct cg_device_rule deny_all[] = {RULE(false, 'a', -1, -1, "rwm")};
	build_ok(deny_all, 1, &p);
	assert_program(&p, golden_defaults, ARRAY_SIZE(golden_defaults));
	cg_bpf_prog_free(&p);
}

static void test_allow_all_needs_no_program(void **state)
{
	(void)state;
	const struct cg_device_rule all[] = {RULE(false, 'a', -1, -1, "rwm"),
					     RULE(true, 'c', 1, 3, "r"),
					     RULE(true, 'a', -1, -1, "rwm")};
	struct cg_bpf_prog p = CG_BPF_PROG_INIT;
	build_ok(all, ARRAY_SIZE(all), &p);
	assert_int_equal(p.n, 0);
	assert_null(p.insns);
	/* Rules before an allow-all that is not last are unreachable and not
	 * emitted: deny c 1:3 then allow-all then nothing else. */
	const struct cg_device_rule tail[] = {RULE(true, 'a', -1, -1, "rwm"),
					      RULE(false, 'c', 1, 3, "rwm")};
	compile_ok(tail, 2, &p);
	const struct bpf_insn want[] = {PROLOGUE, JNE32(2, CHAR, 4), JNE32(4, 1, 3),
					JNE32(5, 3, 2), RET(0), RET(1)};
	assert_program(&p, want, ARRAY_SIZE(want));
	cg_bpf_prog_free(&p);
}

static void test_invalid_rules(void **state)
{
	(void)state;
	static const struct {
		struct cg_device_rule rule;
		const char *want;
	} cases[] = {
		{RULE(true, 'x', 1, 3, "r"),
		 "linux.resources.devices[1].type: \"x\": expected \"a\", \"b\" or \"c\""},
		{RULE(true, 'c', -2, 3, "r"),
		 "linux.resources.devices[1]: -2:3: not a device number"},
		{RULE(true, 'c', 1, 4294967296LL, "r"),
		 "linux.resources.devices[1]: 1:4294967296: not a device number"},
		{RULE(true, 'c', 1, 3, "rx"),
		 "linux.resources.devices[1].access: \"rx\": expected letters of \"rwm\""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cg_device_rule rules[] = {RULE(false, 'a', -1, -1, "rwm"), cases[i].rule};
		struct cg_bpf_prog p = CG_BPF_PROG_INIT;
		struct jl_err *err = NULL;
		assert_true(cg_devices_build(rules, 2, &p, &err) < 0);
		assert_string_equal(err->msg, cases[i].want);
		jl_err_free(&err);
		assert_int_equal(p.n, 0);
	}
}

/* --- running programs ----------------------------------------------------- */

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(__NR_bpf, cmd, a, sizeof(*a));
}

/* Load through the real verifier; -errno when we may not load at all. */
static int kernel_load(const struct cg_bpf_prog *p, char *log, size_t log_size)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p->insns;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_level = 1;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)log_size;
	int fd = sys_bpf(BPF_PROG_LOAD, &a);
	return fd < 0 ? -errno : fd;
}

/* Every generated program must pass the verifier, which also catches a
 * jump into the wrong place or unreachable code. */
static void test_kernel_verifier_accepts(void **state)
{
	(void)state;
	const struct cg_device_rule rules[] = {RULE(false, 'a', -1, -1, "rwm"),
					       RULE(true, 'c', 1, 3, "rw"),
					       RULE(true, 'b', 8, -1, "m"),
					       RULE(false, 'c', 1, 5, "w"),
					       RULE(true, 'a', 4, -1, ""),
					       RULE(true, 'c', 4294967295LL, 1, "r")};
	struct cg_bpf_prog p = CG_BPF_PROG_INIT;
	build_ok(rules, ARRAY_SIZE(rules), &p);
	static char log[1 << 16];
	int fd = kernel_load(&p, log, sizeof(log));
	if (fd == -EPERM || fd == -ENOSYS) {
		cg_bpf_prog_free(&p);
		print_message("# cannot load BPF programs here (%s): skipping\n", strerror(-fd));
		skip();
	}
	if (fd < 0)
		fail_msg("verifier refused the program: %s\n%s", strerror(-fd), log);
	close(fd);
	cg_bpf_prog_free(&p);
	build_ok(NULL, 0, &p);
	fd = kernel_load(&p, log, sizeof(log));
	if (fd < 0)
		fail_msg("verifier refused the default program: %s\n%s", strerror(-fd), log);
	close(fd);
	cg_bpf_prog_free(&p);
}

/* Just the instructions the generator uses; anything else fails the test. */
static int interpret(const struct cg_bpf_prog *p, const struct bpf_cgroup_dev_ctx *ctx)
{
	uint64_t r[11] = {0};
	for (size_t pc = 0, steps = 0; pc < p->n && steps < 4096; pc++, steps++) {
		const struct bpf_insn *in = &p->insns[pc];
		uint32_t d32 = (uint32_t)r[in->dst_reg];
		uint32_t k = (uint32_t)in->imm;
		switch (in->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			assert_int_equal(in->src_reg, 1);
			assert_true(in->off >= 0 && in->off <= 8 && in->off % 4 == 0);
			r[in->dst_reg] = ((const uint32_t *)ctx)[in->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[in->dst_reg] = d32 & k;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[in->dst_reg] = d32 >> k;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[in->dst_reg] = (uint32_t)r[in->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[in->dst_reg] = (uint64_t)(int64_t)in->imm;
			break;
		case BPF_JMP32 | BPF_JNE | BPF_K:
			if (d32 != k)
				pc += in->off;
			break;
		case BPF_JMP32 | BPF_JEQ | BPF_K:
			if (d32 == k)
				pc += in->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			fail_msg("insn %zu: unexpected code %#x", pc, in->code);
		}
	}
	fail_msg("program ran off its end");
	return -1;
}

/* BPF_PROG_TEST_RUN for a cgroup device program, when a kernel has it. */
static int kernel_run(int fd, const struct bpf_cgroup_dev_ctx *ctx, int *ret)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	a.test.ctx_size_in = sizeof(*ctx);
	if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0)
		return -errno;
	*ret = (int)a.test.retval;
	return 0;
}

struct access_case {
	char type;
	uint32_t major, minor;
	const char *access;
	bool allowed;
};

static struct bpf_cgroup_dev_ctx make_ctx(const struct access_case *c)
{
	unsigned acc = 0;
	for (const char *s = c->access; *s; s++)
		acc |= *s == 'r' ? BPF_DEVCG_ACC_READ
		       : *s == 'w' ? BPF_DEVCG_ACC_WRITE
				   : BPF_DEVCG_ACC_MKNOD;
	unsigned type = c->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
	return (struct bpf_cgroup_dev_ctx){.access_type = acc << 16 | type,
					   .major = c->major,
					   .minor = c->minor};
}

/* A config as podman writes it, plus rules that exercise last-match-wins. */
static const struct cg_device_rule table_rules[] = {
	RULE(false, 'a', -1, -1, "rwm"),
	RULE(false, 'c', 1, 3, "rwm"),   /* revoke a default: /dev/null */
	RULE(true, 'c', 10, 200, "rwm"), /* /dev/net/tun */
	RULE(true, 'c', 4, 1, "r"),      /* read only */
	RULE(true, 'c', 7, 1, "rwm"),    /* allow, deny w, allow w again: rw */
	RULE(false, 'c', 7, 1, "w"),
	RULE(true, 'c', 7, 1, "w"),
	RULE(true, 'c', 7, 2, "rwm"), /* allow, then deny w: r only */
	RULE(false, 'c', 7, 2, "w"),
	RULE(true, 'b', 8, -1, "rw"),  /* every sd* partition */
	RULE(false, 'b', 8, 5, "w"),   /* except writing sda5 */
	RULE(false, 'a', 136, -1, "rwm"), /* no ptys, even the default */
	RULE(false, 'c', 1, 9, "rwm"),    /* urandom denied: a linux.devices entry
					   * for it would not bring it back */
};

static const struct access_case table_cases[] = {
	{'c', 1, 3, "r", false},   {'c', 1, 3, "rw", false},  {'c', 1, 3, "m", false},
	{'c', 1, 5, "rw", true},   {'c', 1, 5, "m", true},    {'c', 5, 2, "rw", true},
	{'c', 10, 200, "rw", true}, {'c', 4, 1, "r", true},   {'c', 4, 1, "w", false},
	{'c', 4, 1, "rw", false},  {'c', 4, 1, "m", true},    /* mknod of any c: default */
	{'c', 7, 1, "rw", true},   {'c', 7, 2, "r", true},    {'c', 7, 2, "w", false},
	{'c', 7, 2, "rw", false},  {'b', 8, 0, "rw", true},   {'b', 8, 5, "r", true},
	{'b', 8, 5, "w", false},   {'b', 8, 5, "rw", false},  {'b', 8, 16, "m", true},
	{'b', 9, 0, "r", false},   {'c', 136, 0, "rw", false}, {'c', 99, 99, "r", false},
	{'c', 1, 9, "rw", false},  {'b', 1, 3, "r", false},   /* type matters: b 1:3 */
};

static void test_semantics(void **state)
{
	(void)state;
	struct cg_bpf_prog p = CG_BPF_PROG_INIT;
	build_ok(table_rules, ARRAY_SIZE(table_rules), &p);
	static char log[1 << 16];
	int fd = kernel_load(&p, log, sizeof(log));
	int ret = 0;
	struct bpf_cgroup_dev_ctx probe = make_ctx(&table_cases[0]);
	bool kernel = fd >= 0 && kernel_run(fd, &probe, &ret) == 0;
	if (!kernel)
		print_message("# BPF_PROG_TEST_RUN unavailable for cgroup device programs "
			      "(%s): running them in the test's interpreter\n",
			      fd < 0 ? strerror(-fd) : "not supported by this kernel");
	for (size_t i = 0; i < ARRAY_SIZE(table_cases); i++) {
		const struct access_case *c = &table_cases[i];
		struct bpf_cgroup_dev_ctx ctx = make_ctx(c);
		if (kernel)
			assert_int_equal(kernel_run(fd, &ctx, &ret), 0);
		else
			ret = interpret(&p, &ctx);
		if (ret != c->allowed)
			fail_msg("%c %u:%u %s: %s, want %s", c->type, c->major, c->minor, c->access,
				 ret ? "allowed" : "denied", c->allowed ? "allowed" : "denied");
	}
	if (fd >= 0)
		close(fd);
	cg_bpf_prog_free(&p);
}

/* --- a real cgroup -------------------------------------------------------- */

struct live {
	struct cg_root root;
	char path[64];
	struct cg_handle h;
};

static int live_teardown(void **state)
{
	struct live *l = *state;
	if (!l)
		return 0;
	cg_handle_close(&l->h);
	struct jl_err *err = NULL;
	if (l->path[0] && cg_destroy(&l->root, l->path, &err) < 0) {
		print_message("# cleanup: %s\n", err->msg);
		jl_err_free(&err);
	}
	free(l);
	return 0;
}

static int live_setup(void **state)
{
	*state = NULL;
	if (geteuid() != 0)
		return 0;
	struct live *l = xcalloc(1, sizeof(*l));
	l->h = (struct cg_handle)CG_HANDLE_INIT;
	if (cg_detect(&l->root, NULL) < 0 || l->root.mode == CG_MODE_LEGACY) {
		free(l);
		return 0;
	}
	snprintf(l->path, sizeof(l->path), "/jaula-test-devices-%d", (int)getpid());
	struct jl_err *err = NULL;
	if (cg_create(&l->root, l->path, "", &l->h, &err) < 0) {
		print_message("# create %s%s: %s\n", l->root.mount, l->path, err->msg);
		jl_err_free(&err);
		l->path[0] = '\0';
		free(l);
		return 0;
	}
	*state = l;
	return 0;
}

/* open(2) errno of each path from a child inside the cgroup (0: opened). */
static void open_in_cgroup(struct live *l, const char *const *paths, int *errs, size_t n)
{
	int go[2], res[2];
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(res, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		for (size_t i = 0; i < n; i++) {
			int fd = open(paths[i], O_RDWR | O_CLOEXEC);
			int e = fd < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
			if (write(res[1], &e, sizeof(e)) != sizeof(e))
				_exit(3);
		}
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	struct jl_err *err = NULL;
	int r = cg_enter(&l->h, pid, &err);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("%s", err->msg);
	}
	assert_int_equal(write(go[1], "x", 1), 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(read(res[0], &errs[i], sizeof(errs[i])), sizeof(errs[i]));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[1]);
	close(res[0]);
}

static uint32_t attached_count(const struct cg_handle *h)
{
	uint32_t ids[64];
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)h->fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = ARRAY_SIZE(ids);
	assert_int_equal(sys_bpf(BPF_PROG_QUERY, &a), 0);
	return a.query.prog_cnt;
}

static void attach_rules(struct live *l, const struct cg_device_rule *rules, size_t n)
{
	struct cg_bpf_prog p = CG_BPF_PROG_INIT;
	build_ok(rules, n, &p);
	struct jl_err *err = NULL;
	int r = cg_devices_attach(&l->h, &p, &err);
	cg_bpf_prog_free(&p);
	if (r < 0)
		fail_msg("%s", err->msg);
}

/* A second program beside ours, as a crashed update could leave behind. */
static void attach_stray(struct live *l)
{
	const struct cg_device_rule rules[] = {RULE(true, 'a', -1, -1, "rwm"),
					       RULE(false, 'c', 99, 99, "rwm")};
	struct cg_bpf_prog p = CG_BPF_PROG_INIT;
	compile_ok(rules, ARRAY_SIZE(rules), &p);
	static char log[1 << 16];
	int fd = kernel_load(&p, log, sizeof(log));
	cg_bpf_prog_free(&p);
	assert_true(fd >= 0);
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)l->h.fd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	assert_int_equal(sys_bpf(BPF_PROG_ATTACH, &a), 0);
	close(fd);
}

static void test_live_cgroup(void **state)
{
	struct live *l = *state;
	if (!l) {
		print_message("# needs root and a cgroup v2 hierarchy: skipping\n");
		skip();
	}
	static const char *const paths[] = {"/dev/null", "/dev/zero"};
	int errs[2];
	const struct cg_device_rule deny_null[] = {RULE(false, 'a', -1, -1, "rwm"),
						   RULE(false, 'c', 1, 3, "rwm")};
	attach_rules(l, deny_null, ARRAY_SIZE(deny_null));
	assert_int_equal(attached_count(&l->h), 1);
	open_in_cgroup(l, paths, errs, 2);
	assert_int_equal(errs[0], EPERM);
	assert_int_equal(errs[1], 0);

	/* `update`: the new rules apply and replace, not add to, the old. */
	const struct cg_device_rule deny_zero[] = {RULE(false, 'a', -1, -1, "rwm"),
						   RULE(false, 'c', 1, 5, "rwm")};
	attach_rules(l, deny_zero, ARRAY_SIZE(deny_zero));
	assert_int_equal(attached_count(&l->h), 1);
	open_in_cgroup(l, paths, errs, 2);
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[1], EPERM);

	/* Two attached (no atomic swap possible): attach, then detach both. */
	attach_stray(l);
	assert_int_equal(attached_count(&l->h), 2);
	attach_rules(l, deny_null, ARRAY_SIZE(deny_null));
	assert_int_equal(attached_count(&l->h), 1);
	open_in_cgroup(l, paths, errs, 2);
	assert_int_equal(errs[0], EPERM);
	assert_int_equal(errs[1], 0);

	/* Allow-all: no program left. */
	const struct cg_device_rule all[] = {RULE(true, 'a', -1, -1, "rwm")};
	attach_rules(l, all, 1);
	assert_int_equal(attached_count(&l->h), 0);
	open_in_cgroup(l, paths, errs, 2);
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[1], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_compile),
		cmocka_unit_test(test_golden_build),
		cmocka_unit_test(test_allow_all_needs_no_program),
		cmocka_unit_test(test_invalid_rules),
		cmocka_unit_test(test_kernel_verifier_accepts),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test_setup_teardown(test_live_cgroup, live_setup, live_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
