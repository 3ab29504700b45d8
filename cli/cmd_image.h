/* Private to cli/cmd_image*.c: the `jaula image` subcommands and the
 * helpers they share. */
#ifndef JAULA_CLI_CMD_IMAGE_H
#define JAULA_CLI_CMD_IMAGE_H

#include <stdint.h>

#include "cli/commands.h"
#include "image/image.h"

/* The store of this invocation: --store, $JAULA_STORE, or the default. */
int cli_image_store(struct cli_ctx *ctx, struct img_store **s, struct jl_err **err);
/* Positional count check naming what is wanted ("a source and a name"). */
int cli_image_need(const struct cli_command *cmd, const struct cli_list *pos, size_t min,
		   size_t max, const char *wanted, struct jl_err **err);
/* "12.3 MB" (decimal units, as docker and podman print sizes). */
void cli_image_human(uint64_t bytes, char out[16]);

int cli_image_import(struct cli_ctx *ctx, int argc, char **argv);

#endif
