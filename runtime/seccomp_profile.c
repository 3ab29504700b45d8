/* jaula's default seccomp profile, written as an OCI linux.seccomp object.
 *
 * Policy: allow by default and deny (EPERM) a short list of calls that a
 * container has no business making.  An allow-list profile (Docker's) breaks
 * programs each time the kernel grows a call; a deny-list keeps working and
 * still closes the doors that matter, because the kernel already refuses most
 * of these calls without capabilities: the filter is a second wall for the
 * day a capability is granted by mistake or a permission check has a bug.
 * EPERM (not ENOSYS) tells a program "not allowed here", which is what a
 * missing capability would say; the one exception is clone3, below.
 *
 * The groups:
 *  - the filesystem tree: mount and the new mount API (fsopen, fsconfig,
 *    fsmount, fspick, move_mount, open_tree, mount_setattr), umount,
 *    pivot_root.  The runtime builds the tree; the container must not
 *    rebuild it (a mount over /proc or a bind of a host path is an escape).
 *  - kernel code: kexec_*, *_module and their obsolete relatives.  Loading
 *    code into the shared kernel is owning the host.
 *  - machine-wide state that no namespace isolates: reboot, swap, acct,
 *    quotas, the clock (settimeofday, clock_settime, clock_adjtime, adjtimex,
 *    stime -- the read-only adjtimex queries behind ntp_gettime fail too:
 *    the filter cannot see into struct timex), syslog (the kernel log leaks
 *    host addresses), _sysctl, sysfs, ustat.
 *  - kernel attack surface with a long CVE history and no container use:
 *    bpf, perf_event_open, userfaultfd (makes kernel races easy to win),
 *    io_uring (denied by Docker since 25.0 for the same reason), keyctl /
 *    add_key / request_key (the keyring is not namespaced), lookup_dcookie,
 *    nfsservctl, uselib, vm86, iopl / ioperm (raw port I/O).
 *  - other processes' memory and files: ptrace, process_vm_readv/writev,
 *    kcmp, pidfd_getfd (a debugger in a container needs its own profile).
 *  - file handles: open_by_handle_at opens any inode of a mounted
 *    filesystem by number, bypassing the mount tree (the 2014 "shocker"
 *    escape); name_to_handle_at is its other half.
 *  - namespaces: setns (a leaked namespace fd of the host would be a way
 *    out), and creating a user namespace (unshare or clone with
 *    CLONE_NEWUSER).  A new user namespace hands its creator every
 *    capability inside it, which reaches kernel code (netfilter, several
 *    filesystems) that is otherwise root-only: the way in of most container
 *    escapes of recent years.  Other CLONE_NEW* flags need CAP_SYS_ADMIN
 *    and stay allowed for containers that were given it.
 *  - personality flags that weaken the process (see deny_personality).
 *
 * Calls of one ABI only (stime, vm86: i386) apply where they exist, and names
 * this libseccomp does not know at all are skipped at compile time, so the
 * list may name calls newer than the library. */
#include "runtime/seccomp.h"

#include <errno.h>
#include <sched.h>

#include "runtime/util.h"

static const char *const deny_tree[] = {
	"mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig",
	"fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
};

static const char *const deny_kernel_code[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "create_module", "get_kernel_syms", "query_module",
};

static const char *const deny_machine_state[] = {
	"reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
	"syslog", "_sysctl", "sysfs", "ustat",
};

static const char *const deny_attack_surface[] = {
	"bpf", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"keyctl", "add_key", "request_key",
	"lookup_dcookie", "nfsservctl", "uselib", "vm86", "vm86old", "iopl", "ioperm",
};

static const char *const deny_other_processes[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
};

static const char *const deny_file_handles[] = {"open_by_handle_at", "name_to_handle_at"};

static const char *const deny_namespaces[] = {"setns"};

/* clone's flags are its first argument, except on s390 where the stack
 * pointer comes first (the kernel's CONFIG_CLONE_BACKWARDS2). */
#if defined(__s390__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

static void write_architectures(struct jl_json_writer *w)
{
	/* The native ABI plus the compat ABIs the same kernel runs: a filter
	 * without them would let a 32-bit binary walk around it (libseccomp
	 * kills calls from an architecture not in the filter, so listing them
	 * keeps 32-bit programs working under the same rules). */
	static const char *const list[] = {
#if defined(__x86_64__)
		"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
#elif defined(__i386__)
		"SCMP_ARCH_X86",
#elif defined(__aarch64__)
		"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
#elif defined(__arm__)
		"SCMP_ARCH_ARM",
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		"SCMP_ARCH_PPC64LE",
#elif defined(__s390x__)
		"SCMP_ARCH_S390X", "SCMP_ARCH_S390",
#elif defined(__riscv) && __riscv_xlen == 64
		"SCMP_ARCH_RISCV64",
#endif
		NULL, /* elsewhere: the native architecture only, always included */
	};
	jl_jw_key(w, "architectures");
	jl_jw_begin_array(w);
	for (size_t i = 0; list[i]; i++)
		jl_jw_str(w, list[i]);
	jl_jw_end_array(w);
}

static void write_names(struct jl_json_writer *w, const char *const *names, size_t n)
{
	jl_jw_key(w, "names");
	jl_jw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		jl_jw_str(w, names[i]);
	jl_jw_end_array(w);
}

static void write_action(struct jl_json_writer *w, int errno_ret)
{
	jl_jw_kv_str(w, "action", "SCMP_ACT_ERRNO");
	jl_jw_kv_uint(w, "errnoRet", (uint64_t)errno_ret);
}

static void deny(struct jl_json_writer *w, const char *const *names, size_t n)
{
	jl_jw_begin_object(w);
	write_names(w, names, n);
	write_action(w, EPERM);
	jl_jw_end_object(w);
}

/* One entry: `name` fails with errno_ret when argument `index` matches. */
static void deny_when(struct jl_json_writer *w, const char *name, int errno_ret,
		      unsigned int index, const char *op, uint64_t value, uint64_t value_two)
{
	jl_jw_begin_object(w);
	write_names(w, &name, 1);
	write_action(w, errno_ret);
	jl_jw_key(w, "args");
	jl_jw_begin_array(w);
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "index", index);
	jl_jw_kv_uint(w, "value", value);
	jl_jw_kv_uint(w, "valueTwo", value_two);
	jl_jw_kv_str(w, "op", op);
	jl_jw_end_object(w);
	jl_jw_end_array(w);
	jl_jw_end_object(w);
}

/* Bits 31 down to k.  A MASKED_EQ with this mask fixes the top 32 - k bits
 * of the low word and leaves its k low bits free: one aligned block of 2^k
 * values. */
static uint32_t bits_31_to(unsigned int k)
{
	return UINT32_MAX << k;
}

/* personality fails with EPERM when (v & mask) == value.  Both are 32-bit
 * numbers on purpose: see deny_personality. */
static void deny_personality_block(struct jl_json_writer *w, uint32_t mask, uint32_t value)
{
	deny_when(w, "personality", EPERM, 0, "SCMP_CMP_MASKED_EQ", mask, value);
}

static void deny_personality(struct jl_json_writer *w)
{
	/* Allowed: every value below ADDR_NO_RANDOMIZE (0x40000) -- the
	 * execution domain (PER_LINUX, PER_LINUX32; Linux is the only domain
	 * left since 4.1) and UNAME26 -- and 0xffffffff, which only reads the
	 * current persona.  Denied: the flags from ADDR_NO_RANDOMIZE up
	 * (READ_IMPLIES_EXEC, MMAP_PAGE_ZERO, ADDR_COMPAT_LAYOUT, ...), which
	 * switch off ASLR or NX for the process and its children.
	 *
	 * libseccomp allows one comparison per argument per rule, and rules
	 * are alternatives, so "0x40000 <= v < 0xffffffff" has to be spelled
	 * as power-of-two blocks, one MASKED_EQ rule each (value = mask,
	 * valueTwo = the masked value):
	 *   - [2^k, 2^(k+1)) for k = 18..30: bit k is the highest bit set;
	 *   - [0x80000000, 0xfffffffe]: bits 31..j+1 set and bit j clear,
	 *     for j = 30..0 -- every value with bit 31 except all-ones.
	 *
	 * Every number stays below 2^32, so far below 2^53: `jaula spec`
	 * output must survive jq and every other tool that reads JSON numbers
	 * as doubles (a rounded mask would be refused, or worse, deny
	 * something else).  That costs nothing, because personality(2) takes
	 * an unsigned int: the kernel acts on the low 32 bits of the register
	 * only, and masks below 2^32 make these rules judge exactly those
	 * bits -- libseccomp compares the high word against a zero mask,
	 * which always matches, and on the 32-bit ABIs there is no high word.
	 *
	 * seccomp still sees the whole 64-bit register, though, and a caller
	 * can set high bits the kernel drops (a raw syscall(), or a libc
	 * wrapper that passes personality()'s unsigned long through).  No
	 * flag can hide there any more, since the blocks ignore those bits;
	 * one rule still denies any v > 0xffffffff, so that the filter
	 * refuses exactly the values it always has (0x100000000 included)
	 * and a garbage high word fails loudly instead of being read as the
	 * low word alone.  Its operand, 0xffffffff, fits 32 bits too:
	 * SCMP_CMP_GT compares all 64 bits of the argument, whatever the
	 * size of the number. */
	deny_when(w, "personality", EPERM, 0, "SCMP_CMP_GT", UINT32_MAX, 0);
	for (unsigned int k = 18; k <= 30; k++)
		deny_personality_block(w, bits_31_to(k), 1u << k);
	for (int j = 30; j >= 0; j--)
		deny_personality_block(w, bits_31_to((unsigned int)j),
				       bits_31_to((unsigned int)j + 1));
}

static void deny_new_user_namespaces(struct jl_json_writer *w)
{
	deny_when(w, "unshare", EPERM, 0, "SCMP_CMP_MASKED_EQ", CLONE_NEWUSER, CLONE_NEWUSER);
	deny_when(w, "clone", EPERM, CLONE_FLAGS_ARG, "SCMP_CMP_MASKED_EQ", CLONE_NEWUSER,
		  CLONE_NEWUSER);
	/* clone3 takes its flags in a struct in memory, and a seccomp filter
	 * sees only the six register arguments: it cannot tell a thread from
	 * a new user namespace.  ENOSYS makes glibc (and Go, and musl) fall
	 * back to clone, whose flags are a register the rule above checks;
	 * EPERM would be final and break pthread_create. */
	jl_jw_begin_object(w);
	write_names(w, (const char *const[]){"clone3"}, 1);
	write_action(w, ENOSYS);
	jl_jw_end_object(w);
}

void jl_seccomp_default_profile(struct jl_json_writer *w)
{
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "defaultAction", "SCMP_ACT_ALLOW");
	write_architectures(w);
	jl_jw_key(w, "syscalls");
	jl_jw_begin_array(w);
	deny(w, deny_tree, ARRAY_SIZE(deny_tree));
	deny(w, deny_kernel_code, ARRAY_SIZE(deny_kernel_code));
	deny(w, deny_machine_state, ARRAY_SIZE(deny_machine_state));
	deny(w, deny_attack_surface, ARRAY_SIZE(deny_attack_surface));
	deny(w, deny_other_processes, ARRAY_SIZE(deny_other_processes));
	deny(w, deny_file_handles, ARRAY_SIZE(deny_file_handles));
	deny(w, deny_namespaces, ARRAY_SIZE(deny_namespaces));
	deny_new_user_namespaces(w);
	deny_personality(w);
	jl_jw_end_array(w);
	jl_jw_end_object(w);
}
