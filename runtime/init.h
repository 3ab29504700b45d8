/* What the runtime prepares before clone and the container's init executes
 * after it.  Everything is decided and parsed in the parent; the child only
 * walks a flat list of steps (init.c) over this structure, which it owns as
 * a copy-on-write image of the parent's memory. */
#ifndef JAULA_INIT_H
#define JAULA_INIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "namespaces/ns.h"
#include "runtime/procfs.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

enum jl_init_wait {
	JL_WAIT_FIFO, /* create: poll the exec fifo until `start` writes to it */
	JL_WAIT_SYNC, /* run: the runtime sends SYNC_START */
	/* an ephemeral container the runtime has nothing to do for between
	 * READY and the start (no device program to attach, no hooks): the
	 * init goes on after READY, one round trip between CPUs the less */
	JL_WAIT_NONE,
};

#define JL_MAX_PRESERVED 1024

struct jl_init {
	const struct spec *spec;
	const struct spec_process *process;
	struct jl_rootfs_plan rootfs;

	int sync_fd;    /* init's end of the socketpair */
	int err_fd;     /* create: write end of a pipe `start` reads failures after release from */
	int fifo_fd;    /* read end of exec.fifo (JL_WAIT_FIFO) */
	int console_fd; /* connected --console-socket, or -1 */
	bool console_to_runtime; /* terminal without a socket: send master over sync_fd */
	enum jl_init_wait wait;

	/* namespaces */
	int join_fd[NS__COUNT]; /* opened and type-checked "path" namespaces, or -1 */
	bool create_ns[NS__COUNT];
	bool cloned_ns[NS__COUNT]; /* created by clone3 itself (fast path) */
	/* An unprivileged runtime writes the id maps of a user namespace
	 * clone3 made through /proc/PID, which it cannot open while the init
	 * is non-dumpable: then (only) the init hides after the maps. */
	bool private_after_maps;
	bool two_step;             /* join first, then unshare, fork for a new pid ns */

	struct jl_procfs proc; /* opened by the init itself, before the config's mounts */

	const char *id;
	bool new_keyring; /* join a fresh session keyring (not --no-new-keyring) */
	bool run_create_hooks; /* the runtime runs prestart/createRuntime: stop and wait */
	const char *state_created; /* state JSON for createContainer and startContainer hooks */

	bool has_seccomp;
	struct jl_seccomp_prog seccomp;

	char **argv; /* NULL-terminated copies of process.args/env pointers */
	char **envp;

	/* fds 3..3+n-1 that were open when the runtime started: passed on */
	int n_preserved;
	uint8_t preserved_open[JL_MAX_PRESERVED];

	/* parent-only fds the child must close first (locks, cgroup, ...) */
	int parent_fds[8];
	int n_parent_fds;

	/* what the runtime ignored when it cloned us: reset before the exec */
	uint64_t ignored_signals;

	/* jaula sandbox: stay pid 1 as a reaper and run the program as its
	 * child (init_reaper.c); set by the caller before jl_creator_create. */
	bool reaper;
	/* jaula sandbox: the CPUs the program gets back (the start keeps to
	 * one, see sandbox.c); NULL: the inherited ones are the caller's */
	const void *cpus; /* a cpu_set_t (<sched.h> clashes with process.c's kernel headers) */
};

/* A reaper with nothing to hand over reports READY once the program runs
 * (init_reaper.c), not before its last steps (init.c). */
static inline bool jl_init_ready_after_vfork(const struct jl_init *c)
{
	return c->reaper && c->wait == JL_WAIT_NONE;
}

/* Runs in the child; never returns. */
__attribute__((noreturn)) void jl_init_main(struct jl_init *c);
/* Fork the program (execve of exe) and reap every process of the pid
 * namespace until it exits; then report its wait status to the runtime
 * (SYNC_EXIT_STATUS) and exit.  Returns only when fork fails. */
void jl_init_reap_and_exec(struct jl_init *c, const char *exe);

#endif
