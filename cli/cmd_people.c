/* The commands for people that image containers add: stop, rm, logs. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "image/image.h"

static int not_yet(const char *what)
{
	struct jl_err *err = NULL;
	jl_err_code(&err, ENOSYS, "%s: not implemented yet", what);
	return cli_fail(&err);
}

int cmd_stop(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	return not_yet("stop");
}

int cmd_rm(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	return not_yet("rm");
}

int cmd_logs(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	return not_yet("logs");
}
