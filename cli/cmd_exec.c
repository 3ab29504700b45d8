/* exec: runc's flags; everything after the container id is the command. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

int cmd_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct jl_exec_opts o = {0};
	struct cli_list env = {0}, gids = {0}, caps = {0};
	const char *label = NULL, *apparmor = NULL;
	const struct cli_opt opts[] = {
		{"process", 'p', CLI_STRING, &o.process_file, "FILE", "the process as JSON (config.json's process)"},
		{"detach", 'd', CLI_BOOL, &o.detach, NULL, "return once the process runs"},
		{"tty", 't', CLI_BOOL, &o.tty, NULL, "allocate a pseudo-terminal"},
		{"pid-file", 0, CLI_STRING, &o.pid_file, "FILE", "write the process's pid to FILE"},
		{"console-socket", 0, CLI_STRING, &o.console_socket, "SOCKET", "send the pty master to this unix socket"},
		{"preserve-fds", 0, CLI_INT, &o.preserve_fds, "N", "pass fds 3..3+N-1 to the process"},
		{"cwd", 0, CLI_STRING, &o.cwd, "DIR", "working directory inside the container"},
		{"env", 'e', CLI_LIST, &env, "KEY=VALUE", "set an environment variable (repeatable)"},
		{"user", 'u', CLI_STRING, &o.user, "UID[:GID]", "run as this user"},
		{"additional-gids", 'g', CLI_LIST, &gids, "GID", "add a supplementary group (repeatable)"},
		{"cap", 'c', CLI_LIST, &caps, "CAP", "add a capability (repeatable)"},
		{"no-new-privs", 0, CLI_BOOL, &o.no_new_privs, NULL, "set no_new_privs"},
		{"cgroup", 0, CLI_STRING, &o.cgroup, "PATH", "run in this sub-cgroup of the container"},
		{"ignore-paused", 0, CLI_BOOL, &o.ignore_paused, NULL, "exec even if the container is paused"},
		{"process-label", 0, CLI_STRING, &label, "LABEL", "not supported (no SELinux): a warning"},
		{"apparmor", 0, CLI_STRING, &apparmor, "PROFILE", "not supported (no AppArmor): a warning"},
	};
	struct cli_command cmd = {"exec", "[options] <container-id> [command [args...]]",
				  "Run a process in a running container.", opts, ARRAY_SIZE(opts),
				  true};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0 && pos.n < 1)
		r = cli_need_args(&cmd, &pos, 1, 1, &err);
	int status = 0;
	if (r == 0 && label)
		jl_warn("--process-label \"%s\": this build has no SELinux support; not applied",
			label);
	if (r == 0 && apparmor)
		jl_warn("--apparmor \"%s\": this build has no AppArmor support; not applied",
			apparmor);
	bool tried = false;
	if (r == 0) {
		tried = true;
		o.id = pos.v[0];
		o.args = (char **)pos.v + 1;
		o.n_args = pos.n - 1;
		o.env = env.v, o.n_env = env.n;
		o.additional_gids = gids.v, o.n_additional_gids = gids.n;
		o.caps = caps.v, o.n_caps = caps.n;
		r = jl_container_exec(&ctx->g, &o, &status, &err);
	}
	cli_list_free(&pos);
	cli_list_free(&env);
	cli_list_free(&gids);
	cli_list_free(&caps);
	if (r > 0)
		return 0;
	if (r < 0) {
		/* runc's status for an exec whose process never ran; containerd
		 * and podman tell it from the process's own statuses this way. */
		cli_fail(&err);
		return tried ? 255 : 1;
	}
	return status;
}
