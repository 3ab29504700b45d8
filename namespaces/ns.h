/* Namespaces: the table of kinds, opening and checking a namespace by path,
 * joining, user-namespace id maps and time-namespace offsets. */
#ifndef JAULA_NS_H
#define JAULA_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/error.h"

enum ns_type {
	NS_PID,
	NS_NET,
	NS_MNT,
	NS_IPC,
	NS_UTS,
	NS_USER,
	NS_CGROUP,
	NS_TIME,
	NS__COUNT,
};

/* "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time": the
 * spec's names.  Returns -1 for an unknown name. */
int ns_type_from_name(const char *name);
const char *ns_type_name(enum ns_type t);   /* the spec's name */
const char *ns_proc_name(enum ns_type t);   /* the /proc/PID/ns entry: "pid", "net", "mnt", ... */
int ns_clone_flag(enum ns_type t);          /* CLONE_NEWPID, ... */

struct ns_id_map {
	uint32_t container_id, host_id, size;
};

/* Open a namespace file and check it is a namespace of kind t (NS_GET_NSTYPE),
 * so a wrong path fails here with its name rather than as EINVAL in setns. */
int ns_open_path(const char *path, enum ns_type t, struct jl_err **err);
/* setns(fd) for kind t, naming `what` (a path) in the error. */
int ns_join_fd(int fd, enum ns_type t, const char *what, struct jl_err **err);

/* Write /proc/PID/{uid_map,gid_map} (through the caller's procfs, see
 * runtime/procfs.h); setgroups "deny" first when asked (needed before
 * gid_map for an unprivileged writer). */
int ns_write_id_maps(pid_t pid, const struct ns_id_map *uids, size_t n_uids,
		     const struct ns_id_map *gids, size_t n_gids, bool deny_setgroups,
		     struct jl_err **err);
/* Format a map the way the kernel reads it ("0 1000 65536\n" lines). */
size_t ns_format_id_map(char *out, size_t cap, const struct ns_id_map *m, size_t n);

struct ns_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs;
};
/* A new network namespace starts with its loopback down; runc and crun
 * bring it up, and programs expect 127.0.0.1 to work. */
int ns_net_lo_up(struct jl_err **err);

struct jl_procfs;
/* unshare(CLONE_NEWTIME), write the offsets through proc, then enter the
 * new namespace: offsets can only be written before any process lives in
 * it. */
int ns_enter_new_time(struct jl_procfs *proc, const struct ns_time_offset *monotonic,
		      const struct ns_time_offset *boottime, struct jl_err **err);

#endif
