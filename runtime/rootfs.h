/* The container's root filesystem.  The parent compiles config.json's mounts
 * into a plan (flags parsed, sources resolved against the bundle, kinds
 * decided); the init only executes it:
 *   jl_rootfs_mount_all  - propagation, rootfs bind, every mount, /dev
 *   jl_rootfs_pivot      - pivot_root (or MS_MOVE + chroot with --no-pivot)
 *   jl_rootfs_finish     - maskedPaths, readonlyPaths, root.readonly and
 *                          rootfsPropagation, last */
#ifndef JAULA_ROOTFS_H
#define JAULA_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"
#include "runtime/mountopts.h"
#include "runtime/spec.h"

enum jl_mount_kind {
	JL_MOUNT_BIND,   /* open_tree + mount_setattr + move_mount */
	JL_MOUNT_FS,     /* mount(2) of a filesystem type */
	JL_MOUNT_CGROUP, /* cgroup2, or a bind of the container's cgroup */
};

struct jl_mount_entry {
	enum jl_mount_kind kind;
	size_t index;            /* mounts[index] in config.json, for errors */
	const char *destination; /* inside the container */
	char *source;            /* binds: absolute host path */
	const char *type;
	bool source_is_dir;      /* binds: make the target a directory (else a file) */
	struct jl_mount_opts opts;
	int tree;                /* binds: a detached clone of source the parent made
				  * (id-mapped, or for a user namespace: rootfs.c), or -1 */
	bool ro_at_finish;       /* /dev "ro": mounted rw, made read-only once the
				  * mounts and nodes below it exist */
};

/* --no-pivot: a mount of the runtime's namespace outside the rootfs, to be
 * detached (or, if it cannot be, made unusable) before the move. */
struct jl_host_mount {
	char *path;
	bool pseudo; /* a full procfs or sysfs: it must not stay usable */
};

struct jl_rootfs_plan {
	char *rootfs; /* absolute host path */
	struct jl_host_mount *host_mounts; /* --no-pivot only, in mountinfo order */
	size_t n_host_mounts;
	struct jl_mount_entry *mounts;
	size_t n_mounts;
	unsigned long root_propagation; /* rootfsPropagation, 0 = default (rslave) */
	bool readonly;
	bool no_pivot;
	bool mntns;          /* a mount namespace of its own; without: chroot, mounts in ours */
	bool userns;         /* a new user namespace: device nodes are bind mounts */
	bool cgroupns;       /* a new cgroup namespace: "cgroup" mounts are cgroup2 */
	char *cgroup_source; /* host dir of the container's cgroup (bind when no cgroupns) */
	char *notify_dir;    /* NOTIFY_SOCKET: the state's notify/, bound at /run/notify */
	int notify_tree;     /* its detached clone, made by the parent (user namespace), or -1 */
	const struct spec *spec;
};

/* Parent side.  bundle is the absolute bundle directory. */
int jl_rootfs_plan_build(const struct spec *s, const char *bundle, bool no_pivot,
			 const char *cgroup_dir, struct jl_rootfs_plan *p, struct jl_err **err);
void jl_rootfs_plan_free(struct jl_rootfs_plan *p);
/* Bind dir (the state's notify/) at /run/notify too (see notify.h). */
int jl_rootfs_plan_notify(struct jl_rootfs_plan *p, char *dir, struct jl_err **err);

/* A container without a mount namespace of its own left its mounts below
 * its rootfs in ours: detach them (delete). */
int jl_rootfs_detach_below(const char *rootfs, struct jl_err **err);

/* Init side, in the container's mount namespace. */
int jl_rootfs_mount_all(const struct jl_rootfs_plan *p, struct jl_err **err);
int jl_rootfs_pivot(const struct jl_rootfs_plan *p, struct jl_err **err);
int jl_rootfs_finish(const struct jl_rootfs_plan *p, struct jl_err **err);

/* The mounts device nodes may be created on: the rootfs's own, and the
 * tmpfs mounts jaula made (recorded as they are made). */
struct jl_dev_allow {
	uint64_t ids[16];
	size_t n;
};
/* The mount id of what fd names (statx STATX_MNT_ID). */
int jl_mount_id(int fd, uint64_t *id);

/* /dev: default nodes, the standard symlinks, ptmx, linux.devices (dev.c). */
int jl_dev_setup(int rootfd, const struct spec *s, const struct jl_dev_allow *a, bool userns,
		 struct jl_err **err);
/* Bind the terminal's slave over /dev/console (after pivot). */
int jl_dev_bind_console(const char *slave_path, struct jl_err **err);

#endif
