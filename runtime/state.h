/* Container state under --root: <root>/<id>/{state.json, exec.fifo,
 * config.json}.  The directory itself is the lock (flock on its fd).
 * state.json is written atomically twice: before create's first side
 * effect (pid 0: what `delete` must undo if create dies, such as the
 * cgroup), and once the init waits.  Status is derived each time from the
 * process (pid + start time), the lock, the exec fifo and the cgroup
 * freezer, so it can never go stale. */
#ifndef JAULA_STATE_H
#define JAULA_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/container.h"
#include "runtime/error.h"
#include "runtime/util.h"

#define JL_STATE_FILE "state.json"
#define JL_FIFO_FILE "exec.fifo"
#define JL_CONFIG_COPY "config.json"
#define JL_SECCOMP_FILE "seccomp.bpf"
#define JL_OCI_VERSION "1.3.0"

struct jl_state {
	char *id;
	pid_t pid;
	uint64_t start_time; /* field 22 of /proc/PID/stat: tells a reused pid apart */
	char *bundle;
	char *rootfs;
	char *created; /* RFC 3339 */
	char *owner;
	char *cgroup_mount; /* NULL when the cgroup manager is disabled */
	char *cgroup_path;
	bool systemd_cgroup;
	/* The transient scope systemd made for the cgroup (systemd driver), which
	 * delete stops; NULL when none. */
	char *systemd_unit;
	/* create made the cgroup (cg_handle.fresh).  false: the container joined
	 * an existing cgroup, which delete leaves in place with whatever else
	 * runs in it.  Absent in state.json (older jaula): true. */
	bool cgroup_owned;
	char **annotations; /* key, value, key, value, ..., NULL */
	size_t n_annotations;
	unsigned hooks_mask; /* 1 << spec_hook_kind present in the config */
	int init_err_fd; /* the waiting init's end of its failure pipe (create), or -1 */
	bool shared_mounts; /* no mount namespace: its mounts are below rootfs in ours */
};

void jl_state_free(struct jl_state *s);

/* Create <root>/<id> exclusively and lock it.  Returns the directory fd.
 * "container \"x\" already exists" when it is taken. */
int jl_state_dir_create(const char *root, const char *id, struct jl_err **err);
/* Open (and optionally lock) an existing container's directory.
 * "container \"x\" does not exist" when it is not there. */
int jl_state_dir_open(const char *root, const char *id, bool lock, struct jl_err **err);
/* Remove <root>/<id> and everything in it. */
int jl_state_dir_remove(const char *root, const char *id, struct jl_err **err);

int jl_state_write(int dirfd, const struct jl_state *s, struct jl_err **err);
/* ENOENT (no state.json yet: a creator that died before writing it).  A
 * pid of 0 is a create in progress, or one that died. */
int jl_state_read(int dirfd, const char *id, struct jl_state *s, struct jl_err **err);

/* Start time and one-letter state ('R', 'S', 'Z', ...) of a process. */
int jl_proc_stat(pid_t pid, uint64_t *start_time, char *state);
/* The container's init is this exact process and not a zombie. */
bool jl_state_init_alive(const struct jl_state *s);
/* A pidfd for the init, verified against the saved start time, or -ESRCH. */
int jl_state_open_pidfd(const struct jl_state *s);

enum jl_status jl_state_status(int dirfd, const struct jl_state *s);
/* The same, for a caller that holds the directory's lock. */
enum jl_status jl_state_status_locked(int dirfd, const struct jl_state *s);

/* --pid-file: written atomically (temp + rename) so a reader never sees a
 * partial number; a relative path is relative to the current directory. */
int jl_write_pid_file(const char *path, pid_t pid, struct jl_err **err);

/* The OCI state JSON ("ociVersion", "id", "status", ...). */
void jl_state_to_json(const struct jl_state *s, enum jl_status status, struct jl_buf *out);

#endif
