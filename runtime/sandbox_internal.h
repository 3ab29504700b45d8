/* Shared by runtime/sandbox*.c only. */
#ifndef JAULA_SANDBOX_INTERNAL_H
#define JAULA_SANDBOX_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image.h"
#include "runtime/sandbox.h"
#include "runtime/seccomp.h"
#include "runtime/util.h"

/* The limits, in bytes, counts and seconds; all > 0. */
struct sbx_limits {
	uint64_t memory, fsize;
	uint64_t pids, cpu_sec, wall_sec, nofile;
};

struct sbx_bind {
	char *source; /* absolute host path, resolved */
	char *destination;
	bool writable;
	bool is_dir;
};

/* The host's tree as a sandbox's root takes it (sandbox_spec.c), looked
 * at once: the shared root's key, the mount points and the binds read it. */
#define SBX_N_TOP 6 /* /bin /sbin /lib /lib32 /lib64 /libx32 */
#define SBX_N_ETC 4 /* /etc/ld.so.cache /etc/ld.so.conf{,.d} /etc/alternatives */
struct sbx_host {
	char *link[SBX_N_TOP]; /* a merged-/usr link's target, or NULL */
	bool dir[SBX_N_TOP];   /* a directory of its own, bound */
	char etc[SBX_N_ETC];   /* 'd', 'f', or 0: absent */
};

/* Everything the config is built from, checked. */
struct sbx_plan {
	struct sbx_limits lim;
	struct sbx_bind *binds;
	size_t n_binds;
	char **env; /* NULL-terminated, owned */
	const char *const *argv;
	size_t argc;
	const char *cwd;
	uid_t host_uid; /* what the sandbox's root is on the host */
	gid_t host_gid;
	const char *seccomp_file; /* --seccomp FILE, or NULL: jaula's default profile */
	char *seccomp; /* the linux.seccomp object, as JSON text, or NULL: */
	/* jaula's default profile compiled already, from the cache under
	 * seccomp_key (sandbox_seccomp.c); a key without a program: a miss,
	 * the program made from the text goes there */
	char seccomp_key[65];
	bool has_seccomp_prog;
	struct jl_seccomp_prog seccomp_prog;
	bool cgroup_limits; /* memory and pids also as cgroup v2 limits */
	bool cgroup;        /* a cgroup at all (sandbox.c: wants_cgroup) */
	bool tty;
	unsigned short rows, cols; /* the caller's terminal's size, 0: unknown */
	bool from_image; /* --image: the root is the image's, none of the host's */
	char *store;     /* absolute: the image store (--image, --net), else NULL */
	const char *network; /* --net: "bridge" or a network's name; NULL: loopback only */
	char netns_path[40]; /* --net: the attached namespace, as the runtime opens it */
	char *root_path; /* a shared root (sandbox_skeleton.c); NULL: the bundle's rootfs */
	struct sbx_host host; /* without --image */
};

/* sandbox_opts.c: the flags' strings into a plan. */
int sbx_plan_build(const struct jl_sandbox_opts *o, struct sbx_plan *p, struct jl_err **err);
void sbx_plan_free(struct sbx_plan *p);
/* "512M", "1G", "4096": the shortest exact spelling of n bytes. */
void sbx_format_size(uint64_t n, char out[32]);

/* sandbox_seccomp.c: jaula's default profile or the file's, with the
 * names of `allow` taken out of every rule that denies them. */
int sbx_seccomp_profile(const char *file, const char *const *allow, size_t n_allow,
			char **out, struct jl_err **err);
/* The default profile's program from the cache (the plan's seccomp_key,
 * has_seccomp_prog), without its text: none to write, parse or hash. */
void sbx_seccomp_cached(const char *const *allow, size_t n_allow, struct sbx_plan *p);
/* After a miss: the program made from the text, under the plan's key. */
void sbx_seccomp_remember(const struct sbx_plan *p, const struct jl_seccomp_prog *prog);

/* sandbox_spec.c: the container's config, built in memory (the spec
 * borrows the plan's strings), and the mount points its read-only root
 * needs (made before the container, by the caller, who owns the
 * directory: the sandbox's root could not). */
struct spec;
int sbx_spec_build(const struct sbx_plan *p, struct spec **out, struct jl_err **err);
/* The /proc paths every sandbox masks (NULL-terminated). */
extern const char *const sbx_masked_paths[];
int sbx_rootfs_prepare(int rootfd, const struct sbx_plan *p, struct jl_err **err);
void sbx_host_probe(struct sbx_host *h);
void sbx_host_free(struct sbx_host *h);
void sbx_rootfs_layout(const struct sbx_host *h, struct jl_buf *out);

/* sandbox_skeleton.c: the root shared by root's sandboxes without binds or
 * an image (made on first use), or NULL: the sandbox makes its own. */
char *sbx_skeleton(const struct sbx_plan *p);

/* sandbox_watch.c: wait for the sandbox's pid 1 (pidfd) while enforcing
 * the wall clock and, over every process of the sandbox, memory, pids and
 * CPU time; forward the signals we get.  Fills res. */
struct sbx_watch {
	pid_t pid;
	int pidfd;
	int master; /* -t: the pty's master, relayed to our stdio; else -1 */
	const struct sbx_limits *lim;
};
int sbx_watch_run(const struct sbx_watch *w, struct jl_sandbox_result *res,
		  struct jl_err **err);
/* The program's own wait status (from the reaper pid 1) into res: its exit
 * status, its signal, and the limit that signal stands for, unless the
 * watchdog already named one. */
void sbx_watch_settle(const struct sbx_limits *l, int status, struct jl_sandbox_result *res);

/* sandbox_reclaim.c: the lock a sandbox holds on its directory for its
 * whole life (the fd, held), and the removal of every directory in parent
 * whose sandbox is gone (its lock free). */
#define SBX_DIR_PREFIX "jaula-sandbox-"
#define SBX_STORE_FILE "store" /* in the directory: the store it used, if any */
int sbx_lock_take(int dirfd, struct jl_err **err);
void sbx_reclaim_stale(const char *parent);

/* sandbox_image.c: --image.  Open resolves the image (its errors name
 * it) in a mount namespace of ours, before anything is made; mount makes
 * containers/<id> in the store, the overlay, the mount points, and binds
 * it on rootfs; release undoes all of it. */
struct sbx_image {
	struct img_store *store;
	struct img_image im;
	struct img_rootfs rfs;
	bool prepared, mounted;
	char *bound; /* where the root is bound, or NULL */
};
int sbx_image_open(const char *store, const char *ref, struct sbx_image *x, struct jl_err **err);
int sbx_image_mount(struct sbx_image *x, const char *id, const char *rootfs,
		    const struct sbx_plan *p, struct jl_err **err);
void sbx_image_release(struct sbx_image *x);
/* A killed sandbox's containers/<id> (none: nothing to do). */
void sbx_image_reclaim(const char *store, const char *id);

/* sandbox_net.c: --net.  Up: a new network namespace attached to network
 * (a fd; give the runtime /proc/self/fd/N); down: its lease and records
 * (idempotent; the namespace's holders must be gone: its veth goes with
 * it). */
/* The network's /etc/hosts and /etc/resolv.conf, as read-only binds put
 * before the caller's (the plan owns them, also on failure). */
int sbx_net_names(const char *store, const char *id, const char *dir, struct sbx_plan *p,
		  struct jl_err **err);
int sbx_net_up(const char *store, const char *id, const char *network, int *netns_fd,
	       struct jl_err **err);
void sbx_net_down(const char *store, const char *id);

/* sandbox_result.c: the --json record. */
int sbx_result_write_json(const char *path, const struct jl_sandbox_result *res,
			  struct jl_err **err);

#endif
