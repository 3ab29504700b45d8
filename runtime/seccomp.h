/* seccomp (the only user of libseccomp).  The filter is compiled to BPF in
 * the runtime's parent process; the container's init only loads the finished
 * program with seccomp(2), as its last step before execve, so no libseccomp
 * code and no parsing runs after clone. */
#ifndef JAULA_SECCOMP_H
#define JAULA_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"
#include "runtime/json.h"
#include "runtime/spec.h"

struct jl_seccomp_prog {
	struct sock_fprog fprog; /* filter instructions, owned */
	unsigned int flags;      /* SECCOMP_FILTER_FLAG_* to pass at load time */
	bool notify;             /* some rule uses SCMP_ACT_NOTIFY: load returns a listener */
};

/* Compile linux.seccomp.  `where` prefixes errors ("config.json: linux.seccomp"),
 * e.g. "config.json: linux.seccomp.syscalls[2].action: unknown action \"X\"".
 * Unknown syscall names are skipped with a debug log, as runc does.  Unless
 * the default action lets calls through, the program starts with the
 * -ENOSYS stub below, and clone3 answers ENOSYS when the profile does not
 * name it (see seccomp.c). */
int jl_seccomp_compile(const struct spec_seccomp *s, const char *where,
		       struct jl_seccomp_prog *out, struct jl_err **err);
void jl_seccomp_prog_free(struct jl_seccomp_prog *p);

/* One architecture of a filter, as the -ENOSYS stub sees it. */
struct jl_seccomp_arch_limit {
	uint32_t token; /* SCMP_ARCH_* */
	int max;        /* the largest syscall number the profile names on it; -1: none */
};

/* The -ENOSYS stub jl_seccomp_compile puts in front of libseccomp's program:
 * per architecture, a call numbered above `max` answers ENOSYS and every
 * other call falls through to the instruction after the stub.  Public for
 * its golden tests.  out->len is 0 (and out->filter NULL) when no limit
 * applies; -E2BIG when there are more architectures than the stub can
 * address with 8-bit jumps (never the case for a filter libseccomp built). */
int jl_seccomp_enosys_stub(const struct jl_seccomp_arch_limit *limits, size_t n,
			   struct sock_fprog *out);

/* Load a compiled program into the calling process (raw seccomp(2), no
 * libseccomp).  Needs no_new_privs or CAP_SYS_ADMIN.  When p->notify, the new
 * listener fd is stored in *listener (else *listener = -1). */
int jl_seccomp_load(const struct jl_seccomp_prog *p, int *listener, struct jl_err **err);

/* Send a notify listener fd to the agent at `path` (a unix socket) with the
 * runtime-spec container-process-state JSON, as SCM_RIGHTS ancillary data. */
int jl_seccomp_send_listener(const char *path, int listener, const char *state_json,
			     struct jl_err **err);

/* The compiled program is kept in the container's state directory, so exec
 * loads the same filter without parsing or compiling anything again
 * (seccomp_store.c). */
int jl_seccomp_prog_save(int dirfd, const char *name, const struct jl_seccomp_prog *p,
			 struct jl_err **err);
/* -ENOENT (no error object) when the container has no filter. */
int jl_seccomp_prog_load_file(int dirfd, const char *name, struct jl_seccomp_prog *out,
			      struct jl_err **err);

/* The per-boot cache of compiled programs (seccomp_cache.c).  _open gives
 * its directory fd, or -1 when there is none to trust (or
 * JAULA_SECCOMP_CACHE=off); _compile_cached is jl_seccomp_compile through
 * it (cachefd -1: a plain compile).  The key is the sha256 of the profile,
 * jaula's build, libseccomp's version and the kernel release, in hex. */
int jl_seccomp_cache_open(void);
int jl_seccomp_compile_cached(int cachefd, const struct spec_seccomp *s, const char *where,
			      struct jl_seccomp_prog *out, struct jl_err **err);
void jl_seccomp_cache_key(const struct spec_seccomp *s, char out[65]);
/* A key for a profile known by name instead of its text (the sandbox's
 * default, compiled into this binary): the name with this binary's build
 * id, libseccomp's version and the kernel's release.  False when the
 * binary has no build id: then there is no such key. */
bool jl_seccomp_cache_key_named(const char *what, char out[65]);

/* The supported names, for `jaula features`. */
extern const char *const jl_seccomp_actions[];   /* NULL-terminated */
extern const char *const jl_seccomp_operators[]; /* NULL-terminated */
extern const char *const jl_seccomp_archs[];     /* NULL-terminated */
extern const char *const jl_seccomp_flags[];     /* NULL-terminated */

/* jaula's default profile, written as a linux.seccomp JSON object (used by
 * `jaula spec` and the sandbox).  See the comment in seccomp_profile.c for
 * what it denies and why. */
void jl_seccomp_default_profile(struct jl_json_writer *w);

#endif
