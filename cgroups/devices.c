/* Device access for cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * The kernel runs the program on every open(2) and mknod(2) of a device
 * node by a task in the cgroup, with a struct bpf_cgroup_dev_ctx:
 *   access_type = (BPF_DEVCG_ACC_{MKNOD,READ,WRITE} bits << 16) | BPF_DEVCG_DEV_{BLOCK,CHAR}
 *   major, minor
 * and allows the access when the program returns 1.  One open for reading
 * and writing is one call with both bits set.
 *
 * Semantics: rules are read as in devices.allow/deny, the last rule that
 * matches a device deciding, separately for each access bit.  The program
 * evaluates the rules back to front keeping the still-undecided bits in w3:
 *   allow rule matching the device: w3 &= ~rule_bits; all decided -> allow
 *   deny rule matching the device:  any undecided bit in rule_bits -> deny
 * and denies whatever no rule decided.  So [allow c 1:3 rwm, deny c 1:3 w]
 * lets a read through and refuses read+write, as the v1 controller did.
 * No libbpf: the instructions are a few fixed shapes, written here. */
#include "cgroups/cgroup.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/util.h"

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* The kernel's limit on programs per cgroup and attach type. */
#define MAX_ATTACHED 64

/* --- instructions --------------------------------------------------------- */

#define INSN(c, d, s, o, i)                                                              \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
/* dst = *(u32 *)(src + off) */
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
/* 32-bit ALU: the context fields are u32 */
#define ALU32_K(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
/* JMP32 compares the low 32 bits, so a major >= 2^31 is compared as the
 * u32 it is and not as a sign-extended immediate. */
#define JMP32_K(op, d, i, o) INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers after the prologue; r1 (the context) is dead by then and
 * serves as scratch. */
enum { R_CTX = 1, R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5, R_TMP = 1 };

struct emitter {
	struct bpf_insn *v;
	size_t n, cap;
};

static void emit(struct emitter *e, struct bpf_insn insn)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	e->v[e->n++] = insn;
}

static void emit_prologue(struct emitter *e)
{
	emit(e, LDX_W(R_TYPE, R_CTX, 0));
	emit(e, ALU32_K(BPF_AND, R_TYPE, 0xffff));
	emit(e, LDX_W(R_ACCESS, R_CTX, 0));
	emit(e, ALU32_K(BPF_RSH, R_ACCESS, 16));
	emit(e, LDX_W(R_MAJOR, R_CTX, 4));
	emit(e, LDX_W(R_MINOR, R_CTX, 8));
}

static void emit_return(struct emitter *e, int verdict)
{
	emit(e, MOV64_K(0, verdict));
	emit(e, EXIT());
}

/* --- rules ---------------------------------------------------------------- */

static unsigned access_bits(const char *access)
{
	if (!*access)
		return ACC_ALL;
	unsigned bits = 0;
	for (const char *c = access; *c; c++)
		bits |= *c == 'r' ? BPF_DEVCG_ACC_READ
			: *c == 'w' ? BPF_DEVCG_ACC_WRITE
				    : BPF_DEVCG_ACC_MKNOD;
	return bits;
}

static int check_rule(const char *field, size_t i, const struct cg_device_rule *r,
		      struct jl_err **err)
{
	if (r->type != 'a' && r->type != 'b' && r->type != 'c')
		return jl_err_set(err, 0, "%s[%zu].type: \"%c\": expected \"a\", \"b\" or \"c\"",
				  field, i, r->type ? r->type : ' ');
	if (r->major < -1 || r->major > UINT32_MAX || r->minor < -1 || r->minor > UINT32_MAX)
		return jl_err_set(err, 0,
				  "%s[%zu]: %" PRId64 ":%" PRId64 ": not a device number", field,
				  i, r->major, r->minor);
	if (strnlen(r->access, sizeof(r->access)) == sizeof(r->access) ||
	    r->access[strspn(r->access, "rwm")])
		return jl_err_set(err, 0, "%s[%zu].access: \"%.4s\": expected letters of \"rwm\"",
				  field, i, r->access);
	return 0;
}

static int check_rules(const char *field, const struct cg_device_rule *rules, size_t n,
		       struct jl_err **err)
{
	for (size_t i = 0; i < n; i++) {
		int r = check_rule(field, i, &rules[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* a *:* rwm: decides every access, so rules before it never run. */
static bool is_terminal(const struct cg_device_rule *r)
{
	return r->type == 'a' && r->major == -1 && r->minor == -1 &&
	       access_bits(r->access) == ACC_ALL;
}

/* --- code generation ------------------------------------------------------ */

static size_t match_len(const struct cg_device_rule *r)
{
	return (r->type != 'a') + (r->major != -1) + (r->minor != -1);
}

/* Instructions after the device tests, as emit_rule writes them. */
static size_t verdict_len(const struct cg_device_rule *r)
{
	if (access_bits(r->access) == ACC_ALL)
		return 2;
	return r->allow ? 4 : 5;
}

/* One rule: a jump past the block for each test that fails, then the
 * verdict.  `left` counts what follows the jump inside the block, which is
 * the jump offset. */
static void emit_rule(struct emitter *e, const struct cg_device_rule *r)
{
	size_t left = match_len(r) + verdict_len(r);
	unsigned bits = access_bits(r->access);
	if (r->type != 'a')
		emit(e, JMP32_K(BPF_JNE, R_TYPE,
				r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
				(short)--left));
	if (r->major != -1)
		emit(e, JMP32_K(BPF_JNE, R_MAJOR, (int32_t)(uint32_t)r->major, (short)--left));
	if (r->minor != -1)
		emit(e, JMP32_K(BPF_JNE, R_MINOR, (int32_t)(uint32_t)r->minor, (short)--left));
	if (bits == ACC_ALL) {
		emit_return(e, r->allow);
	} else if (r->allow) {
		/* ~bits keeps unknown future access bits undecided, so they
		 * are never granted by accident. */
		emit(e, ALU32_K(BPF_AND, R_ACCESS, (int32_t)~bits));
		emit(e, JMP32_K(BPF_JNE, R_ACCESS, 0, 2));
		emit_return(e, 1);
	} else {
		emit(e, MOV32_X(R_TMP, R_ACCESS));
		emit(e, ALU32_K(BPF_AND, R_TMP, (int32_t)bits));
		emit(e, JMP32_K(BPF_JEQ, R_TMP, 0, 2));
		emit_return(e, 0);
	}
}

static void compile(const struct cg_device_rule *rules, size_t n, struct cg_bpf_prog *out)
{
	struct emitter e = {0};
	/* "allow a *:* rwm" last: everything is allowed, no program at all. */
	if (n && is_terminal(&rules[n - 1]) && rules[n - 1].allow) {
		*out = (struct cg_bpf_prog)CG_BPF_PROG_INIT;
		return;
	}
	emit_prologue(&e);
	bool terminated = false;
	for (size_t i = n; i-- > 0 && !terminated;) {
		emit_rule(&e, &rules[i]);
		terminated = is_terminal(&rules[i]);
	}
	/* After a terminal rule the default would be unreachable code, which
	 * the verifier rejects. */
	if (!terminated)
		emit_return(&e, 0);
	out->insns = e.v;
	out->n = e.n;
}

int cg_devices_compile(const struct cg_device_rule *rules, size_t n, struct cg_bpf_prog *out,
		       struct jl_err **err)
{
	int r = check_rules("device rule", rules, n, err);
	if (r < 0)
		return r;
	compile(rules, n, out);
	return 0;
}

void cg_bpf_prog_free(struct cg_bpf_prog *p)
{
	free(p->insns);
	p->insns = NULL;
	p->n = 0;
}

/* --- the container's rule list -------------------------------------------- */

#define DEV(t, maj, min, acc)                                                            \
	{.allow = true, .type = (t), .major = (maj), .minor = (min), .access = acc}

/* What every container gets, as runc and crun give it.  mknod of any node
 * is allowed (like runc) because making a node grants nothing: opening it
 * is checked again, and mknod itself still needs CAP_MKNOD in the initial
 * user namespace; it lets images whose setup creates nodes run. */
static const struct cg_device_rule default_devices[] = {
	DEV('c', -1, -1, "m"), DEV('b', -1, -1, "m"),
	DEV('c', 1, 3, "rwm"), /* null */
	DEV('c', 1, 5, "rwm"), /* zero */
	DEV('c', 1, 7, "rwm"), /* full */
	DEV('c', 1, 8, "rwm"), /* random */
	DEV('c', 1, 9, "rwm"), /* urandom */
	DEV('c', 5, 0, "rwm"), /* tty */
	DEV('c', 5, 1, "rwm"), /* console */
	DEV('c', 5, 2, "rwm"), /* ptmx */
	DEV('c', 136, -1, "rwm"), /* pts */
};

static bool is_deny_all(const struct cg_device_rule *r)
{
	return is_terminal(r) && !r->allow;
}

/* memcpy with a NULL source is undefined even for 0 bytes. */
static void append(struct cg_device_rule *all, size_t *k, const struct cg_device_rule *src,
		   size_t n)
{
	if (!n)
		return;
	memcpy(all + *k, src, n * sizeof(*src));
	*k += n;
}

int cg_devices_build(const struct cg_device_rule *rules, size_t n, struct cg_bpf_prog *out,
		     struct jl_err **err)
{
	int r = check_rules("linux.resources.devices", rules, n, err);
	if (r < 0)
		return r;
	/* Configs start with "deny a *:* rwm" to mean "start from nothing";
	 * taken literally after the defaults it would revoke /dev/null from
	 * every container, which no runtime does.  So the defaults go after
	 * any such leading rules, and a later rule can still revoke them. */
	size_t lead = 0;
	while (lead < n && is_deny_all(&rules[lead]))
		lead++;
	size_t total = n + ARRAY_SIZE(default_devices);
	cleanup_free struct cg_device_rule *all = xcalloc(total, sizeof(*all));
	size_t k = 0;
	append(all, &k, rules, lead);
	append(all, &k, default_devices, ARRAY_SIZE(default_devices));
	if (n > lead) /* rules may be NULL with n == 0 */
		append(all, &k, rules + lead, n - lead);
	compile(all, k, out);
	return 0;
}

/* --- loading and attaching ------------------------------------------------ */

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's last complete line: the reason, not the whole trace. */
static const char *last_log_line(char *log)
{
	size_t len = strlen(log);
	while (len && log[len - 1] == '\n')
		log[--len] = '\0';
	char *nl = strrchr(log, '\n');
	return nl ? nl + 1 : log;
}

static int prog_load_attempt(const struct cg_bpf_prog *p, char *log, size_t log_size)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.expected_attach_type = BPF_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p->insns;
	a.insn_cnt = (uint32_t)p->n;
	/* A license string is mandatory (NULL is EFAULT) but only checked for
	 * GPL-only helpers, which a device filter never calls. */
	a.license = (uint64_t)(uintptr_t)"GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "jaula_devices");
	if (log) {
		a.log_level = 1;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)log_size;
	}
	return bpf(BPF_PROG_LOAD, &a);
}

/* Load without a log first (the common case costs no log), and only on
 * failure load again with one to say why.  No RLIMIT_MEMLOCK games: since
 * 5.11 BPF memory is charged to the memory cgroup instead. */
static int prog_load(const struct cg_bpf_prog *p, struct jl_err **err)
{
	int fd = prog_load_attempt(p, NULL, 0);
	if (fd >= 0)
		return fd;
	int saved = errno;
	if (saved == EPERM)
		return jl_err_set(err, EPERM,
				  "load device BPF program (needs CAP_BPF or CAP_SYS_ADMIN; before "
				  "Linux 5.11 also RLIMIT_MEMLOCK)");
	size_t size = 1 << 16;
	cleanup_free char *log = xcalloc(1, size);
	if (prog_load_attempt(p, log, size) >= 0 || !*log)
		return jl_err_set(err, saved, "load device BPF program (%zu instructions)", p->n);
	return jl_err_set(err, saved, "load device BPF program (%zu instructions): verifier: %s",
			  p->n, last_log_line(log));
}

static int prog_query(const struct cg_handle *h, uint32_t *ids, uint32_t *n,
		      struct jl_err **err)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)h->fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = *n;
	if (bpf(BPF_PROG_QUERY, &a) < 0)
		return jl_err_sys(err, "cgroup %s: query device BPF programs", h->path);
	*n = a.query.prog_cnt;
	return 0;
}

static int prog_fd_by_id(uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	return bpf(BPF_PROG_GET_FD_BY_ID, &a);
}

static int prog_attach(const struct cg_handle *h, int fd, int replace_fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)h->fd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	/* ALLOW_MULTI so an update can add the new program beside the old. */
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (replace_fd >= 0) {
		a.attach_flags |= BPF_F_REPLACE;
		a.replace_bpf_fd = (uint32_t)replace_fd;
	}
	return bpf(BPF_PROG_ATTACH, &a);
}

static int prog_detach(const struct cg_handle *h, uint32_t id, struct jl_err **err)
{
	cleanup_close int fd = prog_fd_by_id(id);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "get BPF program %" PRIu32, id);
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)h->fd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
		return jl_err_sys(err, "cgroup %s: detach device BPF program %" PRIu32, h->path,
				  id);
	return 0;
}

static int detach_all(const struct cg_handle *h, const uint32_t *ids, uint32_t n,
		      struct jl_err **err)
{
	for (uint32_t i = 0; i < n; i++) {
		int r = prog_detach(h, ids[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* With exactly one old program, BPF_F_REPLACE (5.6+) swaps it atomically:
 * neither a moment without a filter nor one with both.  0 when done. */
static int try_replace(const struct cg_handle *h, int fd, uint32_t old_id)
{
	cleanup_close int old = prog_fd_by_id(old_id);
	if (old < 0)
		return -errno;
	return prog_attach(h, fd, old) < 0 ? -errno : 0;
}

/* Replacing rules on `update`: the new program is attached *before* the old
 * ones are detached.  In between both run and a device needs both to allow
 * it, so the container briefly gets the intersection of old and new rules,
 * never an unfiltered moment (a detach-then-attach order would open one). */
int cg_devices_load(const struct cg_bpf_prog *p, struct jl_err **err)
{
	return prog_load(p, err);
}

int cg_devices_attach_loaded(const struct cg_handle *h, int fd, struct jl_err **err)
{
	/* A cgroup made moments ago has no program to find or replace: one
	 * attach, no query (a container start's hot path). */
	if (prog_attach(h, fd, -1) < 0)
		return jl_err_sys(err, "cgroup %s: attach device BPF program", h->path);
	return 0;
}

int cg_devices_attach_new(const struct cg_handle *h, const struct cg_bpf_prog *p,
			  struct jl_err **err)
{
	if (p->n == 0)
		return 0;
	cleanup_close int fd = prog_load(p, err);
	return fd < 0 ? fd : cg_devices_attach_loaded(h, fd, err);
}

int cg_devices_attach(const struct cg_handle *h, const struct cg_bpf_prog *p,
		      struct jl_err **err)
{
	uint32_t ids[MAX_ATTACHED], n = MAX_ATTACHED;
	int r = prog_query(h, ids, &n, err);
	if (r < 0)
		return r;
	if (p->n == 0)
		return detach_all(h, ids, n, err);
	cleanup_close int fd = prog_load(p, err);
	if (fd < 0)
		return fd;
	if (n == 1 && try_replace(h, fd, ids[0]) == 0)
		return 0;
	if (prog_attach(h, fd, -1) < 0)
		return jl_err_sys(err, "cgroup %s: attach device BPF program", h->path);
	return detach_all(h, ids, n, err);
}
