/* The -ENOSYS stub in front of a seccomp program: pure BPF generation, no
 * libseccomp (its SCMP_ARCH_* tokens are the kernel's AUDIT_ARCH_* values). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/seccomp.h"
#include "runtime/util.h"

/* A deny-by-default profile lists the calls its author knew.  A call added
 * to the kernel later (clone3, faccessat2, ...) would get the default action
 * -- typically EPERM -- and libc, which falls back to the older call only on
 * ENOSYS, fails instead.  So, as runc does, a short program runs before
 * libseccomp's: per architecture of the filter, a call numbered above the
 * largest one the profile names on that architecture returns ENOSYS, as the
 * kernel would for a call it does not have.  Everything else falls through
 * to libseccomp's program unchanged.
 *
 *	ld  [arch]
 *	jeq ARCH_1, sect_1              one per architecture with a limit,
 *	jeq ARCH_2, sect_2, filter      the native one first
 * sect_1:
 *	ld  [nr]
 *	jgt MAX_1, enosys, filter
 *	...
 * enosys:
 *	ret ERRNO(ENOSYS)
 * filter:
 *	libseccomp's program
 *
 * An architecture without a limit (the profile names nothing on it) has no
 * section: "newer than nothing" would be every call.
 *
 * x86_64 and x32 share AUDIT_ARCH_X86_64; an x32 call has __X32_SYSCALL_BIT
 * (bit 30) set in its number, so it is always above any x86_64 limit.  It
 * must not get ENOSYS from the x86_64 check: when the profile lists
 * SCMP_ARCH_X32 its x32 rules would never be reached, and when it does not,
 * libseccomp's program kills x32 calls as a bad architecture, which a soft
 * ENOSYS must not replace.  So the x86_64 section tests the bit first: x32
 * calls are checked against the profile's largest x32 number (which carries
 * the bit) when the filter has x32 and one is named, and otherwise go
 * straight to the filter, as x86_64 calls do when only x32 has a limit.
 *
 * s390 and s390x pass a call the kernel does not know to the filter as
 * number 0 (setup(2), unused for decades): 0 returns ENOSYS there too, as in
 * runc.
 *
 * Each jump is forward within the stub, and the stub is shorter than 256
 * instructions (static assert below), so 8-bit offsets always reach. */

#define X32_SYSCALL_BIT 0x40000000u
#define RET_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)

/* ld arch + per architecture a jeq and at most 4 instructions + ret; more
 * seccomp_data.arch values than libseccomp has ever known. */
#define STUB_MAX_SECTIONS 32
#define STUB_MAX_LEN (2 + 5 * STUB_MAX_SECTIONS)
_Static_assert(STUB_MAX_LEN <= 256, "the -ENOSYS stub needs jumps longer than 8 bits");

/* Jump targets while the stub is built: an index in it, or one of these. */
enum { TO_NEXT = -1, TO_ENOSYS = -2, TO_FILTER = -3 };

struct stub_insn {
	uint16_t code;
	int jt, jf;
	uint32_t k;
};

struct stub {
	struct stub_insn insn[STUB_MAX_LEN];
	unsigned int n;
};

/* One seccomp_data.arch value and its limits. */
struct stub_section {
	uint32_t audit;
	int max;     /* calls of this ABI; -1: no limit, to the filter */
	int max_x32; /* AUDIT_ARCH_X86_64 only: x32 calls; -1: no limit */
};

static unsigned int stub_emit(struct stub *s, uint16_t code, uint32_t k, int jt, int jf)
{
	s->insn[s->n] = (struct stub_insn){.code = code, .k = k, .jt = jt, .jf = jf};
	return s->n++;
}

static void stub_load(struct stub *s, size_t offset)
{
	stub_emit(s, BPF_LD | BPF_W | BPF_ABS, (uint32_t)offset, 0, 0);
}

static void stub_limit(struct stub *s, int max)
{
	stub_emit(s, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, TO_ENOSYS, TO_FILTER);
}

static void stub_section(struct stub *s, const struct stub_section *sec)
{
	stub_load(s, offsetof(struct seccomp_data, nr));
	if (sec->audit == SCMP_ARCH_S390 || sec->audit == SCMP_ARCH_S390X)
		stub_emit(s, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_ENOSYS, TO_NEXT);
	if (sec->audit != SCMP_ARCH_X86_64) {
		stub_limit(s, sec->max);
		return;
	}
	unsigned int split = stub_emit(s, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, TO_FILTER,
				       TO_FILTER);
	if (sec->max >= 0) {
		s->insn[split].jf = TO_NEXT;
		stub_limit(s, sec->max);
	}
	if (sec->max_x32 >= 0) {
		s->insn[split].jt = (int)s->n;
		stub_limit(s, sec->max_x32);
	}
}

/* The limits grouped by seccomp_data.arch, in order of appearance.  SCMP_ARCH_*
 * tokens are the kernel's AUDIT_ARCH_* values, except libseccomp's own X32. */
static int stub_sections(const struct jl_seccomp_arch_limit *limits, size_t n,
			 struct stub_section *secs, size_t *n_secs)
{
	*n_secs = 0;
	for (size_t i = 0; i < n; i++) {
		bool x32 = limits[i].token == SCMP_ARCH_X32;
		uint32_t audit = x32 ? SCMP_ARCH_X86_64 : limits[i].token;
		size_t j = 0;
		while (j < *n_secs && secs[j].audit != audit)
			j++;
		if (j == *n_secs) {
			if (j == STUB_MAX_SECTIONS)
				return -E2BIG;
			secs[(*n_secs)++] = (struct stub_section){audit, -1, -1};
		}
		int *max = x32 ? &secs[j].max_x32 : &secs[j].max;
		*max = limits[i].max > *max ? limits[i].max : *max;
	}
	/* Drop what has no limit at all (max_x32 is only ever set on x86_64). */
	size_t kept = 0;
	for (size_t j = 0; j < *n_secs; j++)
		if (secs[j].max >= 0 || secs[j].max_x32 >= 0)
			secs[kept++] = secs[j];
	*n_secs = kept;
	return 0;
}

static uint8_t stub_offset(int target, unsigned int pc, unsigned int enosys)
{
	unsigned int to = target == TO_NEXT     ? pc + 1
			  : target == TO_ENOSYS ? enosys
			  : target == TO_FILTER ? enosys + 1
						: (unsigned int)target;
	return (uint8_t)(to - pc - 1);
}

int jl_seccomp_enosys_stub(const struct jl_seccomp_arch_limit *limits, size_t n,
			   struct sock_fprog *out)
{
	*out = (struct sock_fprog){0};
	struct stub_section secs[STUB_MAX_SECTIONS];
	size_t n_secs;
	int r = stub_sections(limits, n, secs, &n_secs);
	if (r < 0 || n_secs == 0)
		return r;
	struct stub s = {.n = 0};
	stub_load(&s, offsetof(struct seccomp_data, arch));
	unsigned int dispatch = s.n;
	for (size_t i = 0; i < n_secs; i++)
		stub_emit(&s, BPF_JMP | BPF_JEQ | BPF_K, secs[i].audit, 0,
			  i + 1 < n_secs ? TO_NEXT : TO_FILTER);
	for (size_t i = 0; i < n_secs; i++) {
		s.insn[dispatch + i].jt = (int)s.n;
		stub_section(&s, &secs[i]);
	}
	unsigned int enosys = stub_emit(&s, BPF_RET | BPF_K, RET_ENOSYS, 0, 0);
	struct sock_filter *f = xcalloc(s.n, sizeof(*f));
	for (unsigned int pc = 0; pc < s.n; pc++) {
		const struct stub_insn *i = &s.insn[pc];
		f[pc] = (struct sock_filter){.code = i->code, .k = i->k};
		if (BPF_CLASS(i->code) == BPF_JMP) {
			f[pc].jt = stub_offset(i->jt, pc, enosys);
			f[pc].jf = stub_offset(i->jf, pc, enosys);
		}
	}
	out->len = (unsigned short)s.n;
	out->filter = f;
	return 0;
}

