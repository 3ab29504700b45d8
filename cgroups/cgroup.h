/* cgroup v2: find the unified hierarchy, create a container's cgroup, enter,
 * kill, freeze, list, destroy.  Resource files are written by
 * cg_apply_resources (cgroups/resources.c).  Never writes a v1 hierarchy. */
#ifndef JAULA_CGROUP_H
#define JAULA_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroups/resources.h"
#include "runtime/error.h"

enum cg_mode {
	CG_MODE_UNIFIED, /* /sys/fs/cgroup is cgroup2 */
	CG_MODE_HYBRID,  /* v1 controllers, cgroup2 at /sys/fs/cgroup/unified */
	CG_MODE_LEGACY,  /* v1 only: no v2 hierarchy to use */
};

/* Not PATH_MAX: a cg_root sits in every creator and on the stack of the
 * calls that detect one, and each 4 KiB of it was a page more to fault in
 * before a container's clone and to copy after it.  A cgroup2 mount is
 * /sys/fs/cgroup or /sys/fs/cgroup/unified; a longer path than this one is
 * not taken for one. */
#define CG_MOUNT_MAX 256

struct cg_root {
	enum cg_mode mode;
	char mount[CG_MOUNT_MAX]; /* where cgroup2 is mounted ("" in legacy mode) */
};

/* Where is cgroup2?  Checks /sys/fs/cgroup and /sys/fs/cgroup/unified with
 * statfs (two syscalls, independent of the host's mount count), then falls
 * back to scanning /proc/self/mountinfo. */
int cg_detect(struct cg_root *root, struct jl_err **err);
const char *cg_mode_name(enum cg_mode m);

/* Turn linux.cgroupsPath into a path below the hierarchy's root:
 *   NULL or ""         -> "/jaula/<id>"
 *   "/a/b"             -> "/a/b"
 *   "a/b"              -> "<our own cgroup>/a/b"
 *   "slice:prefix:name" (with systemd) -> "/slice/prefix-name.scope", nesting
 *                          "a-b.slice" as "/a.slice/a-b.slice" like systemd.
 * Rejects ".." components. */
int cg_resolve_path(const char *cgroups_path, const char *id, bool systemd, char **out,
		    struct jl_err **err);

struct cg_handle {
	int fd;     /* O_RDONLY directory fd of the cgroup (for CLONE_INTO_CGROUP) */
	char *path; /* below the root, "/jaula/<id>" */
	/* cg_create made the leaf directory: no program can be attached yet, and
	 * the cgroup is the container's own.  false: it existed already (made by
	 * someone else, perhaps holding other processes), so the container must
	 * neither remove it nor kill what else runs in it (cg_kill_tree). */
	bool fresh;
};
#define CG_HANDLE_INIT {.fd = -1, .path = NULL}

/* Which controllers must be enabled for these resources ("memory pids ...").
 * A resource v2 cannot express at all (network classID/priorities) is an
 * error naming the field. */
int cg_required_controllers(const struct cg_resources *res, char *out, size_t n,
			    struct jl_err **err);

/* Create the cgroup (and parents), enabling `controllers` (space-separated)
 * in every ancestor's cgroup.subtree_control.  A controller the hierarchy
 * (or, in a cgroup namespace, its root) lacks fails with an error naming it;
 * so does an ancestor below the root that holds processes and would need a
 * controller enabled (cgroup v2's "no internal processes" rule).  The leaf or
 * an ancestor with cgroup.freeze 1 fails at once, naming it: the container's
 * init would be frozen at birth and create would wait forever.  An existing
 * cgroup that holds processes is joined with a warning, as runc does (pods
 * share one); out->fresh tells whether this call made the leaf.  On failure
 * the directories this call made are removed again. */
int cg_create(const struct cg_root *root, const char *path, const char *controllers,
	      struct cg_handle *out, struct jl_err **err);
/* 1 when the cgroup directory exists, 0 when not, < 0 when that cannot be
 * told (no cgroup2 mounted).  For recording, before cg_create, whether the
 * container is about to join a cgroup it did not make. */
int cg_exists(const struct cg_root *root, const char *path);
/* For an existing cgroup (update): check and enable `controllers` along
 * the path, as cg_create does. */
int cg_enable(const struct cg_root *root, const char *path, const char *controllers,
	      struct jl_err **err);
/* Open an existing cgroup. */
int cg_open(const struct cg_root *root, const char *path, struct cg_handle *out,
	    struct jl_err **err);
void cg_handle_close(struct cg_handle *h);

/* Write every resource of `res` into the cgroup (resources.c). */
int cg_apply_resources(const struct cg_handle *h, const struct cg_resources *res,
		       struct jl_err **err);

/* Move pid into the cgroup (when clone3 could not place it there). */
int cg_enter(const struct cg_handle *h, pid_t pid, struct jl_err **err);
/* The pids in the cgroup itself (cgroup.procs); *pids is malloc'ed. */
int cg_read_pids(const struct cg_handle *h, pid_t **pids, size_t *n, struct jl_err **err);
/* The pids in the cgroup and every cgroup below it (an exec --cgroup
 * sub-cgroup, cgroups made inside the container's cgroup namespace), sorted,
 * each once; *pids is malloc'ed (procs.c). */
int cg_read_tree_pids(const struct cg_handle *h, pid_t **pids, size_t *n, struct jl_err **err);
/* Signal every process of the subtree: cgroup.kill for SIGKILL where the
 * kernel has it, else a walk over the cgroup.procs files.  Only for a cgroup
 * the container owns (fresh at create). */
int cg_kill(const struct cg_handle *h, int sig, struct jl_err **err);
/* Signal only those of pids[0..n) that are in the subtree right now (checked
 * through pidfds, so a reused pid is never hit).  Returns how many were
 * signalled, or < 0. */
int cg_kill_pids(const struct cg_handle *h, const pid_t *pids, size_t n, int sig,
		 struct jl_err **err);
/* Signal the processes of the subtree that are `root` (a container's init)
 * or descend from it, and nothing else in it: for a cgroup the container
 * shares (!fresh at create).  With SIGKILL, repeated until none is left.
 * Returns >= 0 (0: none found), or < 0. */
int cg_kill_tree(const struct cg_handle *h, pid_t root, int sig, struct jl_err **err);
/* Freeze or thaw and wait for cgroup.events to agree. */
int cg_freeze(const struct cg_handle *h, bool frozen, struct jl_err **err);
/* 1 frozen, 0 not, < 0 error. */
int cg_is_frozen(const struct cg_handle *h);
/* Wait until no process is left (cgroup.events "populated 0"). */
int cg_wait_empty(const struct cg_handle *h, int timeout_ms, struct jl_err **err);
/* Remove the cgroup directory and any cgroups below it, retrying while the
 * kernel still reports them busy (exiting tasks).  Processes still in the
 * subtree are SIGKILLed first: they belong to the container being deleted.
 * A missing cgroup is not an error. */
int cg_destroy(const struct cg_root *root, const char *path, struct jl_err **err);

/* --- live update and v1->v2 conversions (resources.c) --- */

/* cg_apply_resources for `jaula update` on a running container: a swap total
 * given without memory.limit is measured against the live memory.max, and a
 * quota given without a period keeps the live period (at create the default
 * 100000 is used).  memory.checkBeforeUpdate is honoured by both. */
int cg_update_resources(const struct cg_handle *h, const struct cg_resources *res,
			struct jl_err **err);
/* linux.resources.cpu.shares -> cpu.weight, runc >= 1.3.2's formula. */
uint64_t cg_cpu_shares_to_weight(uint64_t shares);
/* linux.resources.blockIO.weight -> io.weight (io.bfq.weight takes it as is). */
uint64_t cg_blkio_weight_to_io_weight(uint16_t weight);

/* --- device access (eBPF) --- */

/* cgroup v2 has no devices.allow: access is a BPF_PROG_TYPE_CGROUP_DEVICE
 * program attached to the cgroup.  The program is built in the parent before
 * clone (pure, testable) and attached to the cgroup before the container's
 * init is released. */
struct bpf_insn;
struct cg_bpf_prog {
	struct bpf_insn *insns; /* malloc'ed; NULL when n == 0 */
	size_t n;               /* 0: every access is allowed, no program needed */
};
#define CG_BPF_PROG_INIT {.insns = NULL, .n = 0}

/* The program for a container: default deny; jaula's defaults (mknod of any
 * c/b node; rwm on /dev/null, zero, full, random, urandom, tty, console,
 * ptmx and the pts devices 136:*), then `rules` (linux.resources.devices) in
 * order: nothing else, so "deny all" keeps meaning it.  The last rule
 * matching a device decides, per access bit, so a config rule can revoke
 * /dev/null.  A leading "deny a *:* rwm" (what runc spec, podman and
 * containerd emit) only restates the default and revokes none of jaula's.
 * Device rules are not written by cg_apply_resources: the runtime builds
 * this program and attaches it itself. */
int cg_devices_build(const struct cg_device_rule *rules, size_t n, struct cg_bpf_prog *out,
		     struct jl_err **err);
/* The program for exactly `rules` (no defaults), for tests and tools. */
int cg_devices_compile(const struct cg_device_rule *rules, size_t n, struct cg_bpf_prog *out,
		       struct jl_err **err);
void cg_bpf_prog_free(struct cg_bpf_prog *p);
/* Load p and make it the cgroup's only device program, replacing any
 * previous one without a moment unfiltered (see devices.c); an empty p
 * detaches every device program. */
int cg_devices_attach(const struct cg_handle *h, const struct cg_bpf_prog *p,
		      struct jl_err **err);
/* The same for a cgroup this process just created (nothing to replace). */
int cg_devices_attach_new(const struct cg_handle *h, const struct cg_bpf_prog *p,
			  struct jl_err **err);
/* The two halves of that: load (the kernel's verifier and JIT) now, an
 * fd; attach it later to a cgroup this process just created. */
int cg_devices_load(const struct cg_bpf_prog *p, struct jl_err **err);
int cg_devices_attach_loaded(const struct cg_handle *h, int fd, struct jl_err **err);

/* --- statistics (stats.c) --- */

#define CG_UNLIMITED UINT64_MAX /* a limit file that reads "max" */

struct cg_memory_stat { /* memory.stat, bytes unless named as a count */
	uint64_t anon, file, kernel, kernel_stack, pagetables, sock, shmem, file_mapped,
		file_dirty, file_writeback, anon_thp, inactive_anon, active_anon, inactive_file,
		active_file, unevictable, slab, slab_reclaimable, slab_unreclaimable, pgfault,
		pgmajfault;
};

struct cg_memory_events { /* memory.events: counts */
	uint64_t low, high, max, oom, oom_kill;
};

struct cg_cpu_stat { /* cpu.stat */
	uint64_t usage_usec, user_usec, system_usec, nr_periods, nr_throttled, throttled_usec;
};

struct cg_io_stat { /* one io.stat line */
	uint32_t major, minor;
	uint64_t rbytes, wbytes, rios, wios;
};

struct cg_hugetlb_stat {
	char page_size[16]; /* "2MB" */
	uint64_t current;   /* hugetlb.<size>.current, bytes */
	bool has_failcnt;
	uint64_t failcnt;   /* hugetlb.<size>.events "max" */
};

/* What `jaula events --stats` reports.  A file the kernel does not provide
 * (controller not enabled, older kernel) leaves its has_ flag false. */
struct cg_stats {
	bool has_memory_current, has_memory_peak, has_memory_max, has_memory_stat,
		has_memory_events, has_swap_current, has_swap_max, has_cpu_stat, has_pids_current,
		has_pids_max, has_io_stat;
	uint64_t memory_current, memory_peak, memory_max; /* bytes; max may be CG_UNLIMITED */
	uint64_t swap_current, swap_max;
	struct cg_memory_stat memory;
	struct cg_memory_events memory_events;
	struct cg_cpu_stat cpu;
	uint64_t pids_current, pids_max; /* pids_max may be CG_UNLIMITED */
	struct cg_io_stat *io;           /* malloc'ed */
	size_t n_io;
	struct cg_hugetlb_stat *hugetlb; /* malloc'ed */
	size_t n_hugetlb;
};

int cg_read_stats(const struct cg_handle *h, struct cg_stats *out, struct jl_err **err);
void cg_stats_free(struct cg_stats *s);
/* memory.events oom_kill: >= 0, or -errno (-ENOENT without the memory
 * controller).  Cheap enough to poll for OOM events. */
int64_t cg_read_oom_kills(const struct cg_handle *h);

#endif
