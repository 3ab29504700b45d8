/* start, state, kill, delete: one container id, one runtime call each. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static int parse_id(struct cli_command *cmd, int argc, char **argv, struct cli_list *pos,
		    size_t max, struct jl_err **err)
{
	int r = cli_parse(cmd, argc, argv, pos, err);
	if (r == 0)
		r = cli_need_args(cmd, pos, 1, max, err);
	return r;
}

int cmd_start(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"start", "<container-id>", "Run the process of a created container.",
				  NULL, 0, false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = parse_id(&cmd, argc, argv, &pos, 1, &err);
	if (r == 0)
		r = jl_container_start(&ctx->g, pos.v[0], &err);
	cli_list_free(&pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(&err) : 0;
}

int cmd_state(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"state", "<container-id>",
				  "Print the OCI state of a container as JSON.", NULL, 0, false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	struct jl_buf out = {0};
	int r = parse_id(&cmd, argc, argv, &pos, 1, &err);
	if (r == 0)
		r = jl_container_state(&ctx->g, pos.v[0], &out, &err);
	if (r == 0)
		printf("%s\n", out.data);
	jl_buf_free(&out);
	cli_list_free(&pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(&err) : 0;
}

int cmd_kill(struct cli_ctx *ctx, int argc, char **argv)
{
	bool all = false;
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL, "signal every process of the container"},
	};
	struct cli_command cmd = {"kill", "[options] <container-id> [signal]",
				  "Send a signal (default TERM) to a container.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = parse_id(&cmd, argc, argv, &pos, 2, &err);
	int sig = 15;
	if (r == 0 && pos.n == 2) {
		sig = jl_signal_parse(pos.v[1]);
		if (sig < 0)
			r = jl_err_code(&err, EINVAL, "kill: unknown signal \"%s\"", pos.v[1]);
	}
	if (r == 0)
		r = jl_container_kill(&ctx->g, pos.v[0], sig, all, &err);
	cli_list_free(&pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(&err) : 0;
}

int cmd_delete(struct cli_ctx *ctx, int argc, char **argv)
{
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "kill a running container first"},
	};
	struct cli_command cmd = {"delete", "[options] <container-id>",
				  "Delete a container and everything it owns.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = parse_id(&cmd, argc, argv, &pos, 1, &err);
	if (r == 0)
		r = jl_container_delete(&ctx->g, pos.v[0], force, &err);
	cli_list_free(&pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(&err) : 0;
}
