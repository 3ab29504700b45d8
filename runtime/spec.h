/* The OCI runtime-spec (1.0.0 .. 1.3.x) config.json as typed structs.
 *
 * Every field of config.md and config-linux.md is here, implemented or not:
 * later work reads them without touching the parser.  Strings point into the
 * parsed JSON tree or the spec's arena; both die with spec_free().  Optional
 * scalars carry has_ flags; optional strings are NULL when absent (or "",
 * which Go's omitempty makes the same thing; JSON null is absent too).  Values are
 * checked for type and range while parsing, so the rest of the runtime never
 * sees an out-of-range uid or a negative size. */
#ifndef JAULA_SPEC_H
#define JAULA_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/resources.h"
#include "namespaces/ns.h"
#include "runtime/error.h"
#include "runtime/json.h"
#include "runtime/util.h"

/* The largest config.json accepted: far above any real one (podman's are
 * ~10 KiB), small enough that a hostile file cannot exhaust memory. */
#define SPEC_MAX_BYTES (4u << 20)

struct spec_strv {
	const char **v; /* v[n] is NULL when present: args and env can go to execve as is */
	size_t n;
};

struct spec_kv {
	const char *key, *value;
};

struct spec_kvv {
	struct spec_kv *v;
	size_t n;
};

struct spec_id_maps {
	struct ns_id_map *v;
	size_t n;
};

/* --- process -------------------------------------------------------------- */

struct spec_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	const char *username; /* Windows; kept, unused */
};

enum spec_cap_set {
	SPEC_CAP_EFFECTIVE,
	SPEC_CAP_BOUNDING,
	SPEC_CAP_INHERITABLE,
	SPEC_CAP_PERMITTED,
	SPEC_CAP_AMBIENT,
	SPEC_CAP__COUNT,
};

struct spec_capabilities {
	bool set;                       /* process.capabilities present */
	uint64_t mask[SPEC_CAP__COUNT]; /* bit n = capability number n */
};

struct spec_rlimit {
	int resource;     /* RLIMIT_* */
	const char *name; /* "RLIMIT_NOFILE" */
	uint64_t soft, hard;
};

struct spec_scheduler {
	bool set;
	int policy; /* SCHED_* */
	bool has_nice, has_priority, has_runtime, has_deadline, has_period;
	int32_t nice, priority;
	uint32_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

struct spec_io_priority {
	bool set;
	int class; /* IOPRIO_CLASS_RT, _BE, _IDLE */
	int priority;
};

struct spec_exec_cpu_affinity {
	const char *initial; /* cpu lists, NULL when absent */
	const char *final;
};

struct spec_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	struct spec_user user;
	struct spec_strv args;
	const char *command_line; /* Windows; kept, unused */
	struct spec_strv env;
	const char *cwd;
	struct spec_capabilities caps;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	const char *apparmor_profile;
	const char *selinux_label;
	bool has_oom_score_adj;
	int oom_score_adj;
	struct spec_scheduler scheduler;
	struct spec_io_priority io_priority;
	struct spec_exec_cpu_affinity exec_cpu_affinity;
};

/* --- mounts, hooks -------------------------------------------------------- */

struct spec_mount {
	const char *destination;
	const char *type;   /* NULL when absent (a bind mount then) */
	const char *source; /* NULL when absent */
	struct spec_strv options;
	struct spec_id_maps uid_mappings, gid_mappings;
};

enum spec_hook_kind {
	SPEC_HOOK_PRESTART,
	SPEC_HOOK_CREATE_RUNTIME,
	SPEC_HOOK_CREATE_CONTAINER,
	SPEC_HOOK_START_CONTAINER,
	SPEC_HOOK_POSTSTART,
	SPEC_HOOK_POSTSTOP,
	SPEC_HOOK__COUNT,
};

struct spec_hook {
	const char *path;
	struct spec_strv args;
	/* "env" was given, even as [] (null is absent).  runc and crun run a
	 * hook without env in the runtime's own environment, and one with
	 * "env": [] in an empty one; this flag lets hooks.c do the same. */
	bool has_env;
	struct spec_strv env;
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

struct spec_hook_list {
	struct spec_hook *v;
	size_t n;
};

/* --- linux ---------------------------------------------------------------- */

struct spec_namespace {
	enum ns_type type;
	const char *path; /* NULL: create a new one */
};

struct spec_device {
	char type; /* 'c', 'b', 'u', 'p' */
	const char *path;
	bool has_major_minor;
	int64_t major, minor;
	bool has_file_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
};

struct spec_seccomp_arg {
	uint32_t index;
	uint64_t value;
	bool has_value_two;
	uint64_t value_two;
	const char *op; /* "SCMP_CMP_EQ", ...: checked by runtime/seccomp.c */
};

struct spec_seccomp_syscall {
	struct spec_strv names;
	const char *action; /* "SCMP_ACT_ERRNO", ... */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct spec_seccomp_arg *args;
	size_t n_args;
};

struct spec_seccomp {
	const char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct spec_strv architectures;
	struct spec_strv flags;
	const char *listener_path;
	const char *listener_metadata;
	struct spec_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct spec_intel_rdt {
	bool set;
	const char *clos_id, *l3_cache_schema, *mem_bw_schema;
	struct spec_strv schemata;
	bool enable_monitoring, enable_cmt, enable_mbm;
};

struct spec_personality {
	bool set;
	const char *domain; /* "LINUX", "LINUX32" */
	struct spec_strv flags;
};

struct spec_net_device {
	const char *host_name; /* the key of linux.netDevices */
	const char *name;      /* name inside the container; NULL = same */
};

struct spec_memory_policy {
	bool set;
	const char *mode;  /* "MPOL_DEFAULT", ... */
	const char *nodes; /* "0-3,7" */
	struct spec_strv flags;
};

struct spec_linux {
	struct spec_namespace *namespaces;
	size_t n_namespaces;
	struct spec_id_maps uid_mappings, gid_mappings;
	struct ns_time_offset time_monotonic, time_boottime;
	struct spec_device *devices;
	size_t n_devices;
	struct spec_net_device *net_devices;
	size_t n_net_devices;
	const char *cgroups_path;
	bool has_resources;
	struct cg_resources resources;
	struct spec_kvv sysctl;
	bool has_seccomp;
	struct spec_seccomp seccomp;
	const char *rootfs_propagation;
	struct spec_strv masked_paths;
	struct spec_strv readonly_paths;
	const char *mount_label;
	struct spec_intel_rdt intel_rdt;
	struct spec_personality personality;
	struct spec_memory_policy memory_policy;
};

/* --- the whole config ----------------------------------------------------- */

struct spec {
	const char *oci_version;
	struct {
		const char *path;
		bool readonly;
	} root;
	bool has_root;
	struct spec_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct spec_process process;
	const char *hostname;
	const char *domainname;
	struct spec_hook_list hooks[SPEC_HOOK__COUNT];
	struct spec_kvv annotations;
	bool has_linux;
	struct spec_linux lnx; /* "linux" is a predefined macro in GNU C */

	/* owned storage */
	jl_json_val tree;
	struct jl_arena arena;
};

/* Parse config.json text.  `name` prefixes every error ("config.json").
 * Errors name the JSON path: "config.json: process.args[1]: expected string". */
int spec_parse(const char *text, size_t len, const char *name, struct spec **out,
	       struct jl_err **err);
/* Read and parse BUNDLE/config.json (size-capped at SPEC_MAX_BYTES). */
int spec_load(const char *bundle, struct spec **out, struct jl_err **err);
void spec_free(struct spec *s);
#define cleanup_spec __attribute__((cleanup(spec_freep)))
static inline void spec_freep(struct spec **s)
{
	if (*s)
		spec_free(*s);
}

/* A process object alone (exec --process FILE).  The result lives in `arena`
 * and `*tree`, both freed by the caller (jl_arena_free, jl_json_free). */
int spec_parse_process(const char *text, size_t len, const char *name, struct jl_arena *arena,
		       jl_json_val *tree, struct spec_process *out, struct jl_err **err);
/* A linux.resources object alone (update --resources FILE). */
int spec_parse_resources(const char *text, size_t len, const char *name, struct jl_arena *arena,
			 jl_json_val *tree, struct cg_resources *out, struct jl_err **err);

/* A linux.seccomp object alone (jaula sandbox --seccomp FILE). */
int spec_parse_seccomp(const char *text, size_t len, const char *name, struct jl_arena *arena,
		       jl_json_val *tree, struct spec_seccomp *out, struct jl_err **err);

/* Names for the hook kinds as the spec spells them ("createRuntime"). */
const char *spec_hook_name(enum spec_hook_kind k);

/* Look up a namespace entry of kind t, NULL when the config has none. */
const struct spec_namespace *spec_find_namespace(const struct spec *s, enum ns_type t);

#endif
