/* jaula image import|ls|inspect|rm|prune|commit|export: the image room's
 * operations, one short function each. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "image/image.h"

int cmd_image(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	struct jl_err *err = NULL;
	jl_err_code(&err, ENOSYS, "image: not implemented yet");
	return cli_fail(&err);
}
