/* create and run: the same flags, run adds --detach and --keep. */
#include <stdio.h>

#include "cli/commands.h"

struct create_args {
	struct jl_create_opts o;
};

#define CREATE_OPTS(a)                                                                   \
	{"bundle", 'b', CLI_STRING, &(a).o.bundle, "DIR", "bundle directory (default: .)"},  \
	{"pid-file", 0, CLI_STRING, &(a).o.pid_file, "FILE", "write the init's pid to FILE"}, \
	{"console-socket", 0, CLI_STRING, &(a).o.console_socket, "SOCKET",                 \
	 "send the pty master to this unix socket"},                                        \
	{"no-pivot", 0, CLI_BOOL, &(a).o.no_pivot, NULL,                                    \
	 "use MS_MOVE + chroot instead of pivot_root (ramfs roots)"},                       \
	{"no-new-keyring", 0, CLI_BOOL, &(a).o.no_new_keyring, NULL,                        \
	 "accepted for runc compatibility"},                                                \
	{"preserve-fds", 0, CLI_INT, &(a).o.preserve_fds, "N",                              \
	 "pass fds 3..3+N-1 to the container"}

static int create_or_run(struct cli_ctx *ctx, int argc, char **argv, bool run)
{
	struct create_args a = {0};
	const struct cli_opt create_opts[] = {CREATE_OPTS(a)};
	const struct cli_opt run_opts[] = {
		CREATE_OPTS(a),
		{"detach", 'd', CLI_BOOL, &a.o.detach, NULL, "return once the container runs"},
		{"keep", 0, CLI_BOOL, &a.o.keep, NULL, "do not delete the container after it exits"},
	};
	struct cli_command cmd = {
		.name = run ? "run" : "create",
		.usage = "[options] <container-id>",
		.summary = run ? "Create and start a container, wait for it and delete it."
			       : "Create a container; its process waits for `jaula start`.",
		.opts = run ? run_opts : create_opts,
		.n_opts = run ? ARRAY_SIZE(run_opts) : ARRAY_SIZE(create_opts),
	};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0)
		r = cli_need_args(&cmd, &pos, 1, 1, &err);
	if (r != 0) {
		cli_list_free(&pos);
		return r > 0 ? 0 : cli_fail(&err);
	}
	a.o.id = pos.v[0];
	int status = 0;
	r = run ? jl_container_run(&ctx->g, &a.o, &status, &err)
		: jl_container_create(&ctx->g, &a.o, &err);
	cli_list_free(&pos);
	if (r < 0)
		return cli_fail(&err);
	return status;
}

int cmd_create(struct cli_ctx *ctx, int argc, char **argv)
{
	return create_or_run(ctx, argc, argv, false);
}

int cmd_run(struct cli_ctx *ctx, int argc, char **argv)
{
	return create_or_run(ctx, argc, argv, true);
}
