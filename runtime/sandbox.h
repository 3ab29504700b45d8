/* `jaula sandbox`: run an untrusted program deny-by-default, with limits
 * and a verdict (issue 12).  The sandbox is an ordinary jaula container
 * built in a private temporary bundle, so every hardening step of the
 * runtime's create path applies (seccomp, no_new_privs, masked /proc,
 * closed fds, a session of its own, pdeathsig); this room adds the config
 * (runtime/sandbox_spec.c), the limits and their watchdog
 * (runtime/sandbox_watch.c), the verdict (runtime/sandbox_result.c), an
 * image's root (runtime/sandbox_image.c) and the reclaim of what a killed
 * sandbox left (runtime/sandbox_reclaim.c). */
#ifndef JAULA_SANDBOX_H
#define JAULA_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"

/* --bind SRC[:DST] and --ro-bind SRC[:DST], as given on the command line. */
struct jl_sandbox_bind {
	const char *spec; /* "SRC" or "SRC:DST" */
	bool writable;
};

/* The command line's strings; jl_sandbox_run checks them and its errors
 * name the flag ("--memory: ..."). */
struct jl_sandbox_opts {
	const char *const *argv; /* the program and its arguments */
	size_t argc;
	const struct jl_sandbox_bind *binds;
	size_t n_binds;
	const char *workdir; /* NULL: "/" */
	const char *const *env; /* K=V, added (or replacing) */
	size_t n_env;
	bool clear_env; /* start from an empty environment, not the caller's */
	bool tty;       /* -t: a pty of its own, relayed to ours; else no terminal at all */
	/* limits; NULL: the default */
	const char *memory, *pids, *cpu_time, *timeout, *fsize;
	const char *seccomp_file; /* an OCI linux.seccomp object instead of jaula's */
	const char *const *allow_syscalls;
	size_t n_allow_syscalls;
	const char *json_file; /* write the result record here */
	const char *image; /* an image of the store as the root, not the host's tree */
	const char *store; /* --store: the image store; NULL: JAULA_STORE's or the default */
	bool net;            /* the bridge network instead of loopback only */
	const char *network; /* --network NAME: a named network (implies net) */
};

/* What became of the program. */
struct jl_sandbox_result {
	int exit_status; /* the program's, 128+N when killed by signal N */
	int signal;      /* 0 unless killed by a signal */
	char *reason;    /* NULL, or the limit that ended it: "memory limit 512M exceeded" */
	double wall_sec, cpu_sec;
	uint64_t peak_memory; /* bytes */
};

/* Run the program and wait for it.  Returns 0 once it ran (its fate in
 * *res), < 0 when the sandbox could not be made. */
/* Whether `jaula sandbox` may skip the sealed re-exec: see sandbox_opts.c. */
bool jl_sandbox_exe_safe(void);
int jl_sandbox_run(const struct jl_sandbox_opts *o, struct jl_sandbox_result *res,
		   struct jl_err **err);
void jl_sandbox_result_free(struct jl_sandbox_result *res);

#endif
