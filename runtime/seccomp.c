/* linux.seccomp → BPF (libseccomp, in the runtime's parent), and loading the
 * finished program in the container's init (raw seccomp(2), no library).
 *
 * Translation rules, after runc (the reference) and crun:
 *  - names, actions, operators, architectures and flags are the strings of
 *    libseccomp's seccomp.h; an unknown one is a config error naming its
 *    path, except an unknown *syscall* name, which is skipped with a debug
 *    log: profiles list calls newer than the libseccomp or kernel at hand.
 *  - a rule whose action equals the default action is skipped silently
 *    (libseccomp refuses it with EACCES, and it changes nothing).
 *  - libseccomp accepts one comparison per argument index in a rule.  When a
 *    rule has several conditions on the same index, each condition becomes a
 *    rule of its own, so the conditions are alternatives (OR) instead of all
 *    having to hold (AND).  runc (matchCall) and crun do exactly this, and
 *    profiles written for them rely on it; jaula does the same so that a
 *    profile means the same thing under every runtime.
 *  - when two entries decide the same case (same syscall, same conditions),
 *    the first one wins: libseccomp keeps the first unconditional rule and
 *    reports EEXIST for a repeated condition, which is skipped with a debug
 *    log.  (An unconditional rule still overrides conditional ones for the
 *    same call, whatever the order: that is libseccomp's union semantics.)
 *  - flags are kept for load time.  One the running kernel lacks is dropped
 *    with a debug log (each only tunes how the same rules are applied); the
 *    probe is seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL), which fails with
 *    EFAULT for a known flag and EINVAL for an unknown one.
 *  - a call newer than anything the profile names answers ENOSYS, not the
 *    default action, when that action denies: libc then falls back to the
 *    older call (clone3 -> clone, faccessat2 -> faccessat), where EPERM
 *    would be a hard failure.  runc does the same with a "-ENOSYS stub"
 *    in front of libseccomp's program; see the stub's section below.  Such
 *    a profile that does not name clone3 gets ENOSYS for it too.
 *  - SCMP_ACT_NOTIFY needs listenerPath, and is refused as the default
 *    action and for write and sendmsg (see check_notify_names).
 *  - no_new_privs is not set by the filter: init sets it itself when the
 *    config asks for it (process.noNewPrivileges), and loads the filter with
 *    CAP_SYS_ADMIN otherwise. */
#include "runtime/seccomp.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "runtime/log.h"
#include "runtime/util.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

/* Syscalls take at most six arguments (seccomp_data.args[6]). */
#define MAX_SYSCALL_ARGS 6

/* runc turns binary-tree optimisation on above 32 rules: libseccomp
 * <= 2.5.4 builds a broken tree for an empty rule set, and a short linear
 * filter is already only a few comparisons.  The same threshold here. */
#define OPTIMIZE_MIN_RULES 32

/* --- name tables ---------------------------------------------------------- */

/* Each table is written once as an X-macro, expanded into the lookup table
 * and into the NULL-terminated name list `jaula features` prints. */

#define ACTIONS(X)                                                                       \
	X("SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false) /* the old name */               \
	X("SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false)                         \
	X("SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false)                           \
	X("SCMP_ACT_TRAP", SCMP_ACT_TRAP, false)                                         \
	X("SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true)                                     \
	X("SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true)                                     \
	X("SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false)                                       \
	X("SCMP_ACT_LOG", SCMP_ACT_LOG, false)                                           \
	X("SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false)

#define OPERATORS(X)                                                                     \
	X("SCMP_CMP_NE", SCMP_CMP_NE)                                                    \
	X("SCMP_CMP_LT", SCMP_CMP_LT)                                                    \
	X("SCMP_CMP_LE", SCMP_CMP_LE)                                                    \
	X("SCMP_CMP_EQ", SCMP_CMP_EQ)                                                    \
	X("SCMP_CMP_GE", SCMP_CMP_GE)                                                    \
	X("SCMP_CMP_GT", SCMP_CMP_GT)                                                    \
	X("SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ)

/* Architectures newer than the libseccomp we build against are listed only
 * when its header defines them. */
#ifdef SCMP_ARCH_LOONGARCH64
#define ARCH_LOONGARCH64(X) X(LOONGARCH64)
#else
#define ARCH_LOONGARCH64(X)
#endif
#ifdef SCMP_ARCH_M68K
#define ARCH_M68K(X) X(M68K)
#else
#define ARCH_M68K(X)
#endif
#ifdef SCMP_ARCH_SH
#define ARCH_SH(X) X(SH) X(SHEB)
#else
#define ARCH_SH(X)
#endif

#define ARCHS(X)                                                                         \
	X(X86) X(X86_64) X(X32) X(ARM) X(AARCH64) X(MIPS) X(MIPS64) X(MIPS64N32)         \
	X(MIPSEL) X(MIPSEL64) X(MIPSEL64N32) X(PPC) X(PPC64) X(PPC64LE) X(S390)         \
	X(S390X) X(PARISC) X(PARISC64) X(RISCV64) ARCH_LOONGARCH64(X) ARCH_M68K(X)      \
	ARCH_SH(X)

#define FLAGS(X)                                                                         \
	X(SECCOMP_FILTER_FLAG_TSYNC)                                                     \
	X(SECCOMP_FILTER_FLAG_LOG)                                                       \
	X(SECCOMP_FILTER_FLAG_SPEC_ALLOW)                                                \
	X(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)

struct action_def {
	const char *name;
	uint32_t value;
	bool takes_data; /* the low 16 bits carry errnoRet */
};
struct operator_def {
	const char *name;
	enum scmp_compare op;
};
struct arch_def {
	const char *name;
	uint32_t token;
};
struct flag_def {
	const char *name;
	unsigned int bit;
};

#define ACTION_ENTRY(n, v, d) {n, v, d},
#define OPERATOR_ENTRY(n, v) {n, v},
#define ARCH_ENTRY(n) {"SCMP_ARCH_" #n, SCMP_ARCH_##n},
#define FLAG_ENTRY(n) {#n, n},
#define NAME_OF(n, ...) n,
#define ARCH_NAME(n) "SCMP_ARCH_" #n,
#define FLAG_NAME(n) #n,

static const struct action_def actions[] = {ACTIONS(ACTION_ENTRY)};
static const struct operator_def operators[] = {OPERATORS(OPERATOR_ENTRY)};
static const struct arch_def archs[] = {ARCHS(ARCH_ENTRY)};
static const struct flag_def flag_defs[] = {FLAGS(FLAG_ENTRY)};

const char *const jl_seccomp_actions[] = {ACTIONS(NAME_OF) NULL};
const char *const jl_seccomp_operators[] = {OPERATORS(NAME_OF) NULL};
const char *const jl_seccomp_archs[] = {ARCHS(ARCH_NAME) NULL};
const char *const jl_seccomp_flags[] = {FLAGS(FLAG_NAME) NULL};

static const struct action_def *find_action(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

static const struct operator_def *find_operator(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(operators); i++)
		if (!strcmp(operators[i].name, name))
			return &operators[i];
	return NULL;
}

static const struct arch_def *find_arch(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(archs); i++)
		if (!strcmp(archs[i].name, name))
			return &archs[i];
	return NULL;
}

static const struct flag_def *find_flag(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_defs); i++)
		if (!strcmp(flag_defs[i].name, name))
			return &flag_defs[i];
	return NULL;
}

/* --- compiling ------------------------------------------------------------ */

static inline void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define cleanup_seccomp __attribute__((cleanup(seccomp_releasep)))

/* An action string plus its optional errnoRet, as one libseccomp action.
 * `key` and `ret_key` are the JSON paths below `where` ("defaultAction",
 * "syscalls[3].errnoRet") for the error message. */
static int resolve_action(const char *name, bool has_ret, uint32_t ret, const char *where,
			  const char *key, const char *ret_key, uint32_t *out, struct jl_err **err)
{
	if (!name)
		return jl_err_set(err, 0, "%s.%s: missing", where, key);
	const struct action_def *a = find_action(name);
	if (!a)
		return jl_err_set(err, 0, "%s.%s: unknown action \"%s\"", where, key, name);
	/* config-linux.md: "When the action doesn't support an errno, the
	 * runtime MUST print and error and fail." */
	if (has_ret && !a->takes_data)
		return jl_err_set(err, 0, "%s.%s: not valid with action \"%s\"", where, ret_key,
				  name);
	/* SECCOMP_RET_DATA is 16 bits wide: a larger value cannot be encoded
	 * and would silently become another errno. */
	/* An errno also has to be one (below MAX_ERRNO, libseccomp's rule). */
	uint32_t max = a->value == SCMP_ACT_ERRNO(0) ? 4094 : SECCOMP_RET_DATA;
	if (has_ret && ret > max)
		return jl_err_set(err, 0, "%s.%s: %u is out of range (0-%u)", where, ret_key, ret,
				  max);
	*out = a->value;
	if (a->takes_data)
		*out |= has_ret ? ret : EPERM;
	return 0;
}

static int add_archs(scmp_filter_ctx ctx, const struct spec_seccomp *s, const char *where,
		     struct jl_err **err)
{
	for (size_t i = 0; i < s->architectures.n; i++) {
		const char *name = s->architectures.v[i];
		const struct arch_def *a = find_arch(name);
		if (!a)
			return jl_err_set(err, 0, "%s.architectures[%zu]: unknown architecture \"%s\"",
					  where, i, name);
		int r = seccomp_arch_add(ctx, a->token);
		if (r == -EEXIST) /* the native one, or listed twice */
			continue;
		/* One BPF program reads seccomp_data in one byte order. */
		if (r == -EDOM)
			return jl_err_set(err, 0,
					  "%s.architectures[%zu]: \"%s\" has another byte order "
					  "than the native architecture",
					  where, i, name);
		if (r < 0)
			return jl_err_set(err, -r, "%s.architectures[%zu]: add \"%s\"", where, i, name);
	}
	return 0;
}

static int parse_flags(const struct spec_seccomp *s, const char *where, unsigned int *out,
		       struct jl_err **err)
{
	*out = 0;
	for (size_t i = 0; i < s->flags.n; i++) {
		const struct flag_def *f = find_flag(s->flags.v[i]);
		if (!f)
			return jl_err_set(err, 0, "%s.flags[%zu]: unknown flag \"%s\"", where, i,
					  s->flags.v[i]);
		*out |= f->bit;
	}
	return 0;
}

/* Does the running kernel accept these filter flags?  With a NULL program
 * seccomp(2) checks the flags before it copies the program in: EFAULT means
 * the flags passed, EINVAL that one is unknown to this kernel.  Nothing is
 * installed either way. */
static bool kernel_accepts_flags(unsigned int flags)
{
	int saved = errno;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL);
	bool ok = r < 0 && errno == EFAULT;
	errno = saved;
	return ok;
}

static const char *flag_name(unsigned int bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_defs); i++)
		if (flag_defs[i].bit == bit)
			return flag_defs[i].name;
	return "?";
}

/* The load-time flags, minus what this kernel (or this filter) cannot take.
 * A dropped flag is a debug log, not an error: each of them tunes a filter
 * that still enforces the same rules. */
static unsigned int effective_flags(unsigned int wanted, bool notify)
{
	unsigned int out = 0;
	for (size_t i = 0; i < ARRAY_SIZE(flag_defs); i++) {
		unsigned int bit = flag_defs[i].bit;
		if (!(wanted & bit))
			continue;
		unsigned int probe = bit;
		if (bit == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
			/* The kernel refuses it without a listener to apply to. */
			if (!notify) {
				jl_debug("seccomp: %s dropped: no rule uses SCMP_ACT_NOTIFY",
					 flag_name(bit));
				continue;
			}
			probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		}
		if (!kernel_accepts_flags(probe)) {
			jl_debug("seccomp: %s dropped: not supported by this kernel",
				 flag_name(bit));
			continue;
		}
		out |= bit;
	}
	/* TSYNC reports a failing thread's id as the return value, where
	 * NEW_LISTENER returns the fd; the kernel refuses the pair unless
	 * TSYNC_ESRCH (5.7) makes TSYNC failures an error instead.  Init is
	 * single-threaded, so without TSYNC_ESRCH TSYNC can simply go. */
	if (notify && (out & SECCOMP_FILTER_FLAG_TSYNC)) {
		unsigned int pair = SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH |
				    SECCOMP_FILTER_FLAG_NEW_LISTENER;
		if (kernel_accepts_flags(pair)) {
			out |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
		} else {
			jl_debug("seccomp: SECCOMP_FILTER_FLAG_TSYNC dropped: this kernel cannot "
				 "combine it with a notify listener");
			out &= ~(unsigned int)SECCOMP_FILTER_FLAG_TSYNC;
		}
	}
	return out;
}

/* A rule's args as libseccomp comparisons; *dup_index when two of them test
 * the same argument (then they become one rule each, see the top). */
static int convert_args(const struct spec_seccomp_syscall *sc, const char *where, size_t i,
			struct scmp_arg_cmp *cmp, bool *dup_index, struct jl_err **err)
{
	unsigned int seen = 0;
	*dup_index = false;
	for (size_t k = 0; k < sc->n_args; k++) {
		const struct spec_seccomp_arg *a = &sc->args[k];
		if (a->index >= MAX_SYSCALL_ARGS)
			return jl_err_set(err, 0,
					  "%s.syscalls[%zu].args[%zu].index: %u is out of range (0-%d)",
					  where, i, k, a->index, MAX_SYSCALL_ARGS - 1);
		if (!a->op)
			return jl_err_set(err, 0, "%s.syscalls[%zu].args[%zu].op: missing", where, i,
					  k);
		const struct operator_def *op = find_operator(a->op);
		if (!op)
			return jl_err_set(err, 0, "%s.syscalls[%zu].args[%zu].op: unknown operator \"%s\"",
					  where, i, k, a->op);
		if (seen & (1u << a->index))
			*dup_index = true;
		seen |= 1u << a->index;
		/* For MASKED_EQ libseccomp's datum_a is the mask and datum_b the
		 * value, which is the spec's value and valueTwo. */
		cmp[k] = (struct scmp_arg_cmp){
			.arg = a->index,
			.op = op->op,
			.datum_a = a->value,
			.datum_b = a->has_value_two ? a->value_two : 0,
		};
	}
	return 0;
}

/* One (syscall, action, conditions) rule; EEXIST means an earlier entry
 * already decides this case, and the first entry wins. */
static int add_one_rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int n,
			const struct scmp_arg_cmp *cmp, const char *where, size_t i,
			const char *name, struct jl_err **err)
{
	int r = seccomp_rule_add_array(ctx, action, nr, n, cmp);
	if (r == -EEXIST) {
		jl_debug("seccomp: %s.syscalls[%zu]: rule for \"%s\" repeats an earlier one, skipped",
			 where, i, name);
		return 0;
	}
	if (r < 0)
		return jl_err_set(err, -r, "%s.syscalls[%zu]: add rule for \"%s\"", where, i, name);
	return 0;
}

static int add_rules_for(scmp_filter_ctx ctx, uint32_t action, const char *name,
			 const struct scmp_arg_cmp *cmp, size_t n_args, bool dup_index,
			 const char *where, size_t i, size_t *n_rules, struct jl_err **err)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		jl_debug("seccomp: unknown syscall \"%s\" skipped (%s.syscalls[%zu])", name, where,
			 i);
		return 0;
	}
	if (!dup_index) {
		(*n_rules)++;
		return add_one_rule(ctx, action, nr, (unsigned int)n_args, cmp, where, i, name, err);
	}
	for (size_t k = 0; k < n_args; k++) {
		(*n_rules)++;
		int r = add_one_rule(ctx, action, nr, 1, &cmp[k], where, i, name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A notified call blocks until the agent answers, and the agent gets the
 * listener only after the container's process has passed it to the runtime
 * and the runtime has forwarded it.  A call the runtime's own code makes in
 * that window would wait for an agent that cannot answer yet, and the
 * runtime would hang with the container half made:
 *  - sendmsg: init and exec'd processes hand the listener over with it;
 *  - write: every log line and error report of the runtime's code in the
 *    container's process is a write(2).  runc refuses "write" (its init
 *    reports the listener over a pipe with it), and a profile must mean the
 *    same under both runtimes. */
static const char *const notify_refused[] = {"write", "sendmsg"};

static int check_notify_names(const struct spec_seccomp_syscall *sc, const char *where, size_t i,
			      struct jl_err **err)
{
	for (size_t j = 0; j < sc->names.n; j++)
		for (size_t k = 0; k < ARRAY_SIZE(notify_refused); k++)
			if (!strcmp(sc->names.v[j], notify_refused[k]))
				return jl_err_set(err, 0,
						  "%s.syscalls[%zu]: SCMP_ACT_NOTIFY on \"%s\" would "
						  "deadlock the runtime",
						  where, i, notify_refused[k]);
	return 0;
}

static int add_syscall(scmp_filter_ctx ctx, const struct spec_seccomp_syscall *sc,
		       uint32_t def_action, const char *where, size_t i, bool *notify,
		       size_t *n_rules, struct jl_err **err)
{
	char key[64], ret_key[64];
	snprintf(key, sizeof(key), "syscalls[%zu].action", i);
	snprintf(ret_key, sizeof(ret_key), "syscalls[%zu].errnoRet", i);
	uint32_t action;
	int r = resolve_action(sc->action, sc->has_errno_ret, sc->errno_ret, where, key, ret_key,
			       &action, err);
	if (r < 0)
		return r;
	if (sc->names.n == 0)
		return jl_err_set(err, 0, "%s.syscalls[%zu].names: empty", where, i);
	cleanup_free struct scmp_arg_cmp *cmp = xcalloc(sc->n_args ? sc->n_args : 1, sizeof(*cmp));
	bool dup_index;
	r = convert_args(sc, where, i, cmp, &dup_index, err);
	if (r < 0)
		return r;
	if (action == def_action)
		return 0;
	if (action == SCMP_ACT_NOTIFY) {
		r = check_notify_names(sc, where, i, err);
		if (r < 0)
			return r;
		*notify = true;
	}
	for (size_t j = 0; j < sc->names.n; j++) {
		r = add_rules_for(ctx, action, sc->names.v[j], cmp, sc->n_args, dup_index, where, i,
				  n_rules, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_all_at(int fd, void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t k = pread(fd, (char *)buf + done, n - done, (off_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		done += (size_t)k;
	}
	return 0;
}

/* libseccomp 2.5.4 exports only to an fd (seccomp_export_bpf_mem is 2.6):
 * write into a memfd and read the instructions back. */
static int export_program(scmp_filter_ctx ctx, const char *where, struct sock_fprog *out,
			  struct jl_err **err)
{
	cleanup_close int fd = memfd_create("jaula-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "%s: create memfd for the BPF program", where);
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return jl_err_set(err, -r, "%s: export the BPF program", where);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "%s: stat the BPF program", where);
	size_t size = (size_t)st.st_size;
	size_t n = size / sizeof(struct sock_filter);
	if (n == 0 || size % sizeof(struct sock_filter))
		return jl_err_set(err, 0, "%s: libseccomp exported a BPF program of %zu bytes", where,
				  size);
	cleanup_free struct sock_filter *insns = xmalloc(size);
	r = read_all_at(fd, insns, size);
	if (r < 0)
		return jl_err_set(err, -r, "%s: read back the BPF program", where);
	out->len = (unsigned short)n;
	out->filter = steal_ptr(&insns);
	return 0;
}

static int set_attrs(scmp_filter_ctx ctx, size_t n_rules, const char *where,
		     struct jl_err **err)
{
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return jl_err_set(err, -r, "%s: clear the no_new_privs attribute", where);
	/* A binary tree over syscall numbers instead of a linear list, for
	 * ~10-25% more instructions.  Measured (test_seccomp): an allow-list
	 * of all 367 x86_64 calls runs 15 instructions per syscall on average
	 * instead of 240 (plus 5 for the -ENOSYS stub in front of it),
	 * jaula's default profile 12 instead of 105.  Not fatal: the linear
	 * filter enforces the same rules. */
	if (n_rules > OPTIMIZE_MIN_RULES) {
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
		if (r < 0)
			jl_debug("seccomp: binary tree optimisation unavailable: %s", strerror(-r));
	}
	return 0;
}

/* --- the -ENOSYS stub (built in seccomp_enosys.c) --------------------------- */

/* Default actions that let a call through (TRACE too: a tracer should
 * handle calls it does not know itself, runc's reasoning) need no stub, nor
 * does ERRNO(ENOSYS), which already says it. */
static bool default_denies(uint32_t def_action)
{
	uint32_t base = def_action & SECCOMP_RET_ACTION_FULL;
	if (base == SECCOMP_RET_ALLOW || base == SECCOMP_RET_LOG || base == SECCOMP_RET_TRACE)
		return false;
	return def_action != SCMP_ACT_ERRNO(ENOSYS);
}

/* The largest number a name of the profile has on an architecture, whatever
 * the entry's action: a call the profile denies by name is known to its
 * author, and so is every call before it.  Unknown names and calls this ABI
 * lacks resolve to negative numbers and never count. */
static int profile_max_on(const struct spec_seccomp *s, uint32_t token)
{
	int max = -1;
	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t j = 0; j < s->syscalls[i].names.n; j++) {
			int nr = seccomp_syscall_resolve_name_arch(token, s->syscalls[i].names.v[j]);
			max = nr > max ? nr : max;
		}
	return max;
}

static bool profile_names(const struct spec_seccomp *s, const char *name)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t j = 0; j < s->syscalls[i].names.n; j++)
			if (!strcmp(s->syscalls[i].names.v[j], name))
				return true;
	return false;
}

static void add_limit(const struct spec_seccomp *s, uint32_t token,
		      struct jl_seccomp_arch_limit *out, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i].token == token)
			return;
	out[(*n)++] = (struct jl_seccomp_arch_limit){token, profile_max_on(s, token)};
}

/* The filter's architectures (the native one, which libseccomp always
 * includes, then those listed; add_archs has checked them) and their limits. */
static size_t filter_limits(const struct spec_seccomp *s, struct jl_seccomp_arch_limit *out)
{
	size_t n = 0;
	add_limit(s, seccomp_arch_native(), out, &n);
	for (size_t i = 0; i < s->architectures.n; i++) {
		const struct arch_def *a = find_arch(s->architectures.v[i]);
		if (a)
			add_limit(s, a->token, out, &n);
	}
	return n;
}

/* runc's rule for the one call glibc tries first for every thread and
 * spawned process: a deny-by-default profile that does not name clone3 gets
 * ENOSYS for it, whatever its number, so glibc falls back to clone(2) --
 * whose flags, unlike clone3's struct, a profile can filter. */
static int add_clone3_enosys(scmp_filter_ctx ctx, const struct spec_seccomp *s,
			     uint32_t def_action, const char *where, size_t *n_rules,
			     struct jl_err **err)
{
	if (!default_denies(def_action) || profile_names(s, "clone3"))
		return 0;
	int nr = seccomp_syscall_resolve_name("clone3");
	if (nr == __NR_SCMP_ERROR) /* a libseccomp older than clone3 */
		return 0;
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	if (r < 0)
		return jl_err_set(err, -r, "%s: add the ENOSYS rule for \"clone3\"", where);
	(*n_rules)++;
	return 0;
}

/* The stub in front of libseccomp's program, then the kernel's length
 * limit (saying so beats a bare EINVAL in init). */
static int prepend_enosys_stub(const struct spec_seccomp *s, uint32_t def_action,
			       const char *where, struct sock_fprog *prog, struct jl_err **err)
{
	struct sock_fprog stub = {0};
	if (default_denies(def_action)) {
		struct jl_seccomp_arch_limit limits[ARRAY_SIZE(archs) + 1];
		int r = jl_seccomp_enosys_stub(limits, filter_limits(s, limits), &stub);
		if (r < 0)
			return jl_err_set(err, -r, "%s: build the -ENOSYS stub", where);
	}
	size_t n = (size_t)stub.len + prog->len;
	if (n > BPF_MAXINSNS) {
		free(stub.filter);
		return jl_err_set(err, 0,
				  "%s: the filter needs %zu BPF instructions, the kernel allows %d",
				  where, n, BPF_MAXINSNS);
	}
	if (stub.len == 0)
		return 0;
	jl_debug("seccomp: a %u-instruction -ENOSYS stub goes in front", stub.len);
	struct sock_filter *f = xrealloc(stub.filter, n * sizeof(*f));
	memcpy(f + stub.len, prog->filter, prog->len * sizeof(*f));
	free(prog->filter);
	prog->filter = f;
	prog->len = (unsigned short)n;
	return 0;
}

static int check_listener_keys(const struct spec_seccomp *s, uint32_t def_action,
			       const char *where, struct jl_err **err)
{
	/* config-linux.md: listenerMetadata "MUST NOT be set if listenerPath
	 * is not set". */
	if (s->listener_metadata && !s->listener_path)
		return jl_err_set(err, 0, "%s.listenerMetadata: set without listenerPath", where);
	/* See check_notify_names: init's own calls after the load would wait
	 * for an agent that cannot have the listener yet. */
	if (def_action == SCMP_ACT_NOTIFY)
		return jl_err_set(err, 0,
				  "%s.defaultAction: SCMP_ACT_NOTIFY cannot be the default action: "
				  "init hands the listener over after the filter is loaded",
				  where);
	return 0;
}

int jl_seccomp_compile(const struct spec_seccomp *s, const char *where,
		       struct jl_seccomp_prog *out, struct jl_err **err)
{
	*out = (struct jl_seccomp_prog){0};
	uint32_t def_action;
	int r = resolve_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
			       where, "defaultAction", "defaultErrnoRet", &def_action, err);
	if (r < 0)
		return r;
	unsigned int wanted_flags;
	r = parse_flags(s, where, &wanted_flags, err);
	if (r < 0)
		return r;
	r = check_listener_keys(s, def_action, where, err);
	if (r < 0)
		return r;
	cleanup_seccomp scmp_filter_ctx ctx = seccomp_init(def_action);
	if (!ctx)
		return jl_err_set(err, ENOMEM, "%s: create the libseccomp filter", where);
	r = add_archs(ctx, s, where, err);
	if (r < 0)
		return r;
	bool notify = false;
	size_t n_rules = 0;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		r = add_syscall(ctx, &s->syscalls[i], def_action, where, i, &notify, &n_rules, err);
		if (r < 0)
			return r;
	}
	/* Caught here, before any container process exists. */
	if (notify && !s->listener_path)
		return jl_err_set(err, 0, "%s.listenerPath: required when SCMP_ACT_NOTIFY is used",
				  where);
	r = add_clone3_enosys(ctx, s, def_action, where, &n_rules, err);
	if (r < 0)
		return r;
	r = set_attrs(ctx, n_rules, where, err);
	if (r < 0)
		return r;
	r = export_program(ctx, where, &out->fprog, err);
	if (r == 0)
		r = prepend_enosys_stub(s, def_action, where, &out->fprog, err);
	if (r < 0) {
		jl_seccomp_prog_free(out);
		return r;
	}
	out->notify = notify;
	out->flags = effective_flags(wanted_flags, notify);
	jl_debug("seccomp: %u BPF instructions, %zu rules, flags %#x%s", out->fprog.len, n_rules,
		 out->flags, notify ? ", notify" : "");
	return 0;
}

void jl_seccomp_prog_free(struct jl_seccomp_prog *p)
{
	free(p->fprog.filter);
	*p = (struct jl_seccomp_prog){0};
}

/* --- loading (in init, after clone) --------------------------------------- */

int jl_seccomp_load(const struct jl_seccomp_prog *p, int *listener, struct jl_err **err)
{
	*listener = -1;
	unsigned int flags = p->flags;
	/* Without a listener a SCMP_ACT_NOTIFY rule answers ENOSYS. */
	if (p->notify)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	/* The kernel only reads the program; seccomp(2) is not declared const. */
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, (void *)&p->fprog);
	if (r < 0) {
		if (errno == EACCES)
			return jl_err_sys(err, "load seccomp filter (needs no_new_privs or "
					       "CAP_SYS_ADMIN)");
		return jl_err_sys(err, "load seccomp filter (%u instructions, flags %#x)",
				  p->fprog.len, flags);
	}
	/* The listener is close-on-exec (the kernel opens it O_CLOEXEC). */
	if (p->notify)
		*listener = (int)r;
	return 0;
}

/* --- handing the listener to the agent ------------------------------------ */

static int send_state(int sock, int listener, const char *json, size_t len, const char *path,
		      struct jl_err **err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = {0};
	struct iovec iov = {.iov_base = (void *)json, .iov_len = len};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	/* The fd rides with the first byte; the spec allows the rest of the
	 * JSON to follow in further calls, without fds. */
	size_t done = 0;
	while (done < len) {
		ssize_t k = done == 0 ? sendmsg(sock, &msg, MSG_NOSIGNAL)
				      : send(sock, json + done, len - done, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return jl_err_sys(err, "send seccomp state to agent \"%s\"", path);
		done += (size_t)k;
	}
	return 0;
}

int jl_seccomp_send_listener(const char *path, int listener, const char *state_json,
			     struct jl_err **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (!path)
		return jl_err_set(err, 0, "send the seccomp listener: no listenerPath");
	if (strlen(path) >= sizeof(addr.sun_path))
		return jl_err_set(err, ENAMETOOLONG, "seccomp agent socket \"%s\"", path);
	strcpy(addr.sun_path, path);
	/* A stream socket cannot carry SCM_RIGHTS without at least one byte. */
	size_t len = state_json ? strlen(state_json) : 0;
	if (len == 0)
		return jl_err_set(err, 0, "send seccomp state to agent \"%s\": empty state", path);
	cleanup_close int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return jl_err_sys(err, "create socket for seccomp agent \"%s\"", path);
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return jl_err_sys(err, "connect to seccomp agent \"%s\"", path);
	/* One state per connection, then close (cleanup): config-linux.md. */
	return send_state(sock, listener, state_json, len, path, err);
}
