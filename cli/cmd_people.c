/* The commands for people that image containers add: stop, rm, logs.  A
 * container's name is its id, so the runtime's commands (kill, exec,
 * pause, ...) take it as well. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "image/image.h"

#define STOP_DEFAULT_SECS 10

static int finish(int r, struct cli_list *pos, struct jl_err **err)
{
	cli_list_free(pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(err) : 0;
}

int cmd_stop(struct cli_ctx *ctx, int argc, char **argv)
{
	int secs = STOP_DEFAULT_SECS;
	const struct cli_opt opts[] = {
		{"time", 't', CLI_INT, &secs, "SECS",
		 "seconds between the stop signal and KILL (default 10)"},
	};
	struct cli_command cmd = {"stop", "[options] <name>...",
				  "Stop containers: the image's stop signal (or TERM), then KILL; "
				  "returns once they are stopped.",
				  opts, ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0)
		r = cli_need_args(&cmd, &pos, 1, (size_t)-1, &err);
	int failed = 0;
	for (size_t i = 0; r == 0 && i < pos.n; i++)
		if (jl_container_stop(&ctx->g, ctx->store, pos.v[i], secs, &err) < 0)
			failed = cli_fail(&err);
	int rc = finish(r, &pos, &err);
	return rc ? rc : failed;
}

int cmd_rm(struct cli_ctx *ctx, int argc, char **argv)
{
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "kill a running container first"},
	};
	struct cli_command cmd = {"rm", "[options] <name>...",
				  "Remove containers: their runtime state and their files in the "
				  "store (upper directory, bundle, log).",
				  opts, ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0)
		r = cli_need_args(&cmd, &pos, 1, (size_t)-1, &err);
	int failed = 0;
	for (size_t i = 0; r == 0 && i < pos.n; i++)
		if (jl_container_remove(&ctx->g, ctx->store, pos.v[i], force, &err) < 0)
			failed = cli_fail(&err);
	int rc = finish(r, &pos, &err);
	return rc ? rc : failed;
}

int cmd_logs(struct cli_ctx *ctx, int argc, char **argv)
{
	bool follow = false;
	const struct cli_opt opts[] = {
		{"follow", 'f', CLI_BOOL, &follow, NULL, "keep printing until the container stops"},
	};
	struct cli_command cmd = {"logs", "[options] <name>",
				  "Print what a container run with -d wrote to stdout and stderr.",
				  opts, ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0)
		r = cli_need_args(&cmd, &pos, 1, 1, &err);
	if (r == 0) {
		fflush(stdout);
		r = jl_container_logs(&ctx->g, ctx->store, pos.v[0], follow, STDOUT_FILENO, &err);
	}
	return finish(r, &pos, &err);
}
