/* The runtime side of container creation, shared by create and run. */
#ifndef JAULA_CREATE_H
#define JAULA_CREATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "cgroups/systemd.h"
#include "runtime/container.h"
#include "runtime/init.h"
#include "runtime/spec.h"
#include "runtime/state.h"

struct jl_creator {
	const struct jl_global *g;
	const struct jl_create_opts *o;
	bool run_mode;
	/* The sandbox's container, which nothing else can name: no state
	 * directory is made (no state.json, no config or seccomp copies for an
	 * exec or delete that cannot come), and spec is set by the caller
	 * instead of parsed from the bundle's config.json (freed here either
	 * way). */
	bool ephemeral;

	char *bundle; /* absolute */
	char *pid_file, *console_socket; /* made absolute before chdir(bundle) */
	char *config_text;
	size_t config_len;
	struct spec *spec;

	int dirfd; /* locked <root>/<id> */
	bool dir_created;

	struct cg_root cgroot;
	char controllers[256]; /* what the cgroup needs enabled */
	struct cg_handle cg;
	bool cg_created;
	/* systemd driver with a scope for a cgroupsPath: slice, unit, and the
	 * started scope (its placeholder process until the init is in). */
	char *sd_slice, *sd_unit;
	struct cg_sd_props sd_extra; /* from org.systemd.property.* annotations */
	struct cg_sd_scope scope;
	bool net_attached; /* org.jaula.net.network: detach on failure */
	struct cg_bpf_prog devices;
	int devices_fd; /* devices, loaded ahead of the attach; -1: not yet */

	struct jl_init init;
	int sync_fd; /* the runtime's end */
	pid_t child; /* what clone3 returned (the init, or the intermediate) */
	pid_t pid;   /* the container's init */
	int pidfd;
	int master; /* pty master (run -t), or -1 */
	int err_read; /* create: read end of the init's failure pipe (until clone) */

	struct jl_state state;
	char *state_created; /* the state create-time hooks get on stdin */
};

/* Everything up to a waiting init and a written state.json.  On failure
 * everything made so far is undone (jl_creator_abort) before returning. */
int jl_creator_create(struct jl_creator *c, struct jl_err **err);
/* Kill the init, remove its cgroup and state directory. */
void jl_creator_abort(struct jl_creator *c);
void jl_creator_free(struct jl_creator *c);
/* What only the init's setup needed (the config, the init's plan and
 * program), freed early by a caller that keeps the creator while the
 * started init runs (the sandbox): then, the work runs beside the init's
 * instead of after it.  jl_creator_free does it too. */
void jl_creator_release(struct jl_creator *c);

/* The OCI state JSON with an explicit status (for hooks). */
char *jl_state_json_with(const struct jl_state *s, enum jl_status status);

/* The device program: jaula's defaults, then `rules`.  Nodes linux.devices
 * creates get no rule of their own. */
int jl_build_device_prog(const struct cg_device_rule *rules, size_t n_rules,
			 struct cg_bpf_prog *prog, struct jl_err **err);

/* Send a seccomp notify listener to linux.seccomp.listenerPath with the
 * runtime-spec container-process-state JSON (pid: the filtered process). */
int jl_forward_listener(const struct spec_seccomp *s, pid_t pid, const struct jl_state *st,
			enum jl_status status, int fd, struct jl_err **err);

/* Remove what a container owns after its processes are gone: its cgroup,
 * then poststop hooks (warnings only), then the state directory. */
int jl_container_cleanup(const struct jl_global *g, const struct jl_state *st,
			 struct jl_err **err);

#endif
