/* One function per command; each returns the process exit status. */
#ifndef JAULA_CLI_COMMANDS_H
#define JAULA_CLI_COMMANDS_H

#include "cli/args.h"

int cmd_create(struct cli_ctx *ctx, int argc, char **argv);
int cmd_run(struct cli_ctx *ctx, int argc, char **argv);
int cmd_start(struct cli_ctx *ctx, int argc, char **argv);
int cmd_state(struct cli_ctx *ctx, int argc, char **argv);
int cmd_kill(struct cli_ctx *ctx, int argc, char **argv);
int cmd_delete(struct cli_ctx *ctx, int argc, char **argv);
int cmd_list(struct cli_ctx *ctx, int argc, char **argv);
int cmd_exec(struct cli_ctx *ctx, int argc, char **argv);
int cmd_pause(struct cli_ctx *ctx, int argc, char **argv);
int cmd_resume(struct cli_ctx *ctx, int argc, char **argv);
int cmd_ps(struct cli_ctx *ctx, int argc, char **argv);
int cmd_update(struct cli_ctx *ctx, int argc, char **argv);
int cmd_events(struct cli_ctx *ctx, int argc, char **argv);
int cmd_features(struct cli_ctx *ctx, int argc, char **argv);
int cmd_spec(struct cli_ctx *ctx, int argc, char **argv);
int cmd_checkpoint(struct cli_ctx *ctx, int argc, char **argv);
int cmd_restore(struct cli_ctx *ctx, int argc, char **argv);
/* images and containers for people (cmd_image.c, cmd_people.c) */
int cmd_image(struct cli_ctx *ctx, int argc, char **argv);
int cmd_stop(struct cli_ctx *ctx, int argc, char **argv);
int cmd_rm(struct cli_ctx *ctx, int argc, char **argv);
int cmd_logs(struct cli_ctx *ctx, int argc, char **argv);
int cmd_network(struct cli_ctx *ctx, int argc, char **argv); /* cmd_network.c */
int cmd_sandbox(struct cli_ctx *ctx, int argc, char **argv); /* cmd_sandbox.c */

/* Commands with subcommands (`image`, `network`): one table each. */
struct cli_subcommand {
	const char *name;
	int (*fn)(struct cli_ctx *ctx, int argc, char **argv);
	const char *summary;
};
/* argv[1] picks the subcommand (which gets argv + 1); --help or nothing
 * prints the table and `footer`; an unknown name is an error listing them. */
int cli_dispatch(struct cli_ctx *ctx, const char *group, const struct cli_subcommand *v, size_t n,
		 const char *footer, int argc, char **argv);

/* Report err (stderr and --log) and return the failure exit status. */
int cli_fail(struct jl_err **err);

#endif
