/* The runtime's public door: what cli/ may call.  Each function does one
 * OCI operation end to end and reports failure through struct jl_err. */
#ifndef JAULA_CONTAINER_H
#define JAULA_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/util.h"

#define JL_DEFAULT_ROOT "/run/jaula"

struct jl_global {
	const char *root; /* state directory, default JL_DEFAULT_ROOT */
	bool systemd_cgroup;
	bool rootless;
	bool cgroup_disabled; /* --cgroup-manager=disabled */
	const char *store;    /* --store: images and networks; NULL: the default */
};

enum jl_status {
	JL_STATUS_CREATING,
	JL_STATUS_CREATED,
	JL_STATUS_RUNNING,
	JL_STATUS_PAUSED,
	JL_STATUS_STOPPED,
};
const char *jl_status_name(enum jl_status s);

struct jl_create_opts {
	const char *id;
	const char *bundle;         /* default "." */
	const char *pid_file;       /* NULL: none */
	const char *console_socket; /* NULL: none */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	/* run only */
	bool detach;
	bool keep;
};

/* create: returns once init waits for `start`; the container is "created". */
int jl_container_create(const struct jl_global *g, const struct jl_create_opts *o,
			struct jl_err **err);
/* run: create + start, then (unless detached) wait, forward signals, delete.
 * *exit_status is the container's status (128+N when killed by signal N). */
int jl_container_run(const struct jl_global *g, const struct jl_create_opts *o,
		     int *exit_status, struct jl_err **err);
int jl_container_start(const struct jl_global *g, const char *id, struct jl_err **err);
/* The OCI state JSON of one container, into out. */
int jl_container_state(const struct jl_global *g, const char *id, struct jl_buf *out,
		       struct jl_err **err);
int jl_container_kill(const struct jl_global *g, const char *id, int sig, bool all,
		      struct jl_err **err);
int jl_container_delete(const struct jl_global *g, const char *id, bool force,
			struct jl_err **err);

struct jl_container_info {
	char *id;
	pid_t pid;
	enum jl_status status;
	char *bundle;
	char *created;
	char *owner;
};
int jl_container_list(const struct jl_global *g, struct jl_container_info **out, size_t *n,
		      struct jl_err **err);
void jl_container_info_free(struct jl_container_info *v, size_t n);
/* The list as the OCI state JSON array, for `list --format json`. */
int jl_container_list_json(const struct jl_global *g, struct jl_buf *out, struct jl_err **err);

struct jl_exec_opts {
	const char *id;
	const char *process_file; /* --process FILE: the whole process object */
	char **args;              /* else: the command and its arguments */
	size_t n_args;
	bool detach;
	bool tty; /* -t: process.terminal = true */
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	const char *cwd;
	const char **env; /* KEY=VALUE, added to the container's environment */
	size_t n_env;
	const char *user; /* "UID[:GID]" */
	const char **additional_gids;
	size_t n_additional_gids;
	const char **caps; /* added to every capability set */
	size_t n_caps;
	bool no_new_privs;
	const char *cgroup; /* a sub-cgroup of the container's, or NULL */
	bool ignore_paused;
};

/* exec: run another process in a running container.  Unless detached,
 * waits for it and sets *exit_status like run. */
int jl_container_exec(const struct jl_global *g, const struct jl_exec_opts *o,
		      int *exit_status, struct jl_err **err);

int jl_container_pause(const struct jl_global *g, const char *id, struct jl_err **err);
int jl_container_resume(const struct jl_global *g, const char *id, struct jl_err **err);
/* The host pids in the container's cgroup and the cgroups below it, sorted
 * (*pids malloc'ed).  A stopped container whose cgroup is gone has none. */
int jl_container_pids(const struct jl_global *g, const char *id, pid_t **pids, size_t *n,
		      struct jl_err **err);

struct jl_update_opts {
	const char *resources_file; /* linux.resources JSON, "-" for stdin */
	/* flags override the file; NULL = unchanged */
	const char *memory, *memory_swap, *memory_reservation;
	const char *cpu_quota, *cpu_period, *cpu_shares, *cpuset_cpus, *cpuset_mems;
	const char *cpu_burst, *cpu_idle;
	const char *pids_limit, *blkio_weight;
	/* runc's flags cgroup v2 cannot honour: refused, naming the flag */
	const char *cpu_rt_period, *cpu_rt_runtime;
	/* runc's obsolete flags: accepted with a warning, as runc does */
	const char *kernel_memory, *kernel_memory_tcp;
	/* Intel RDT: written to the container's resctrl group's schemata */
	const char *l3_cache_schema, *mem_bw_schema;
};
int jl_container_update(const struct jl_global *g, const char *id,
			const struct jl_update_opts *o, struct jl_err **err);

/* events: stats as JSON lines on stdout every interval, "oom" events as
 * they happen, until the container stops; with stats_once one stats line. */
int jl_container_events(const struct jl_global *g, const char *id, bool stats_once,
			int interval_ms, struct jl_err **err);

/* `features`: the runtime-spec features document of this build. */
void jl_features_json(struct jl_buf *out);
/* `spec`: a default, locked-down config.json (rootless: with a user
 * namespace mapping the caller's uid and gid to root). */
void jl_spec_default_json(bool rootless, uid_t uid, gid_t gid, struct jl_buf *out);

/* "KILL", "SIGKILL", "9", "RTMIN+3" -> signal number; -1 if unknown. */
int jl_signal_parse(const char *s);
/* Container ids: [A-Za-z0-9_+.-]+, not "." or "..", at most 250 bytes. */
bool jl_id_valid(const char *id);

/* Re-execute this binary from a sealed memfd unless it already runs from
 * one (CVE-2019-5736: a container must never be able to write the runtime
 * binary through /proc/PID/exe).  Returns only on error or when not needed. */
int jl_selfexec_sealed(int argc, char **argv, struct jl_err **err);
/* Whether the binary we run from is out of reach of the host user uid:
 * not its owner, no group or other write bit, no access ACL.  (Writing it
 * needs that, whatever capabilities uid holds in a user namespace that
 * does not map the owner.) */
bool jl_selfexec_unwritable_by(uid_t uid);

/* --- containers made from images (runtime/imagerun*.c) -------------------- */

/* `jaula run [flags] IMAGE [CMD...]`.  The flags are the strings of the
 * command line; the runtime checks them (errors name the flag). */
struct jl_image_run_opts {
	const char *store; /* image store; NULL: the default */
	const char *image;
	const char *const *cmd; /* after the image: replaces its Cmd */
	size_t n_cmd;
	const char *name; /* NULL: 12 random hex digits */
	bool rm;          /* delete the container and its files when it exits */
	bool detach;      /* -d: stdout/stderr to containers/<id>/log */
	bool tty;         /* -t */
	bool interactive; /* -i: stdin stays attached (else /dev/null) */
	bool read_only;
	const char *const *env; /* -e K=V or K (the caller's value) */
	size_t n_env;
	const char *const *volumes; /* -v SRC:DST[:ro] */
	size_t n_volumes;
	const char *workdir, *user, *hostname, *net;
	const char *entrypoint; /* NULL: the image's; "": none */
	const char *memory, *cpus, *pids_limit;
	/* --net bridge (NULL: the default), NAME, macvlan:PARENT: net/ */
	const char *const *publish; /* -p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp] */
	size_t n_publish;
	const char *const *dns; /* --dns: resolv.conf's servers */
	size_t n_dns;
	/* runc's flags that keep their meaning in an image run */
	const char *pid_file, *console_socket;
	int preserve_fds;
	bool no_new_keyring;
};
/* Make containers/<id> (an overlay of the image's layers), its bundle, and
 * run it as jl_container_run does.  *id (malloc'ed): the container's name. */
int jl_image_run(const struct jl_global *g, const struct jl_image_run_opts *o, char **id,
		 int *exit_status, struct jl_err **err);
/* The store directory named by `store` (NULL: the default). */
const char *jl_store_path(const char *store);
/* ref names an image of the store (a missing store has none; nothing is
 * created to find out). */
bool jl_image_exists(const char *store, const char *ref);

/* stop: the image's stop signal (annotation org.opencontainers.image.stopSignal)
 * or TERM, then KILL after timeout_sec; returns once the container is stopped. */
int jl_container_stop(const struct jl_global *g, const char *store, const char *id,
		      int timeout_sec, struct jl_err **err);
/* rm: delete the container (force: even a running one) and its files in
 * the store (upper dir, bundle, log).  ENOENT when neither exists. */
int jl_container_remove(const struct jl_global *g, const char *store, const char *id, bool force,
			struct jl_err **err);
/* logs: copy containers/<id>/log to out_fd; follow: until the container stops. */
int jl_container_logs(const struct jl_global *g, const char *store, const char *id, bool follow,
		      int out_fd, struct jl_err **err);
/* The store's containers (image/image.h's struct img_container; free with
 * img_containers_free).  None when there is no store. */
struct img_container;
int jl_store_containers(const char *store, struct img_container **out, size_t *n,
			struct jl_err **err);

#endif
