/* Commands made of subcommands (image, network): usage, dispatch and the
 * error for an unknown name, the same for each. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "runtime/util.h"

static void subcommand_usage(const char *group, const struct cli_subcommand *v, size_t n,
			     const char *footer, FILE *out)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		w = (int)strlen(v[i].name) > w ? (int)strlen(v[i].name) : w;
	fprintf(out, "Usage: jaula %s <command> [options] [arguments]\n\nCommands:\n", group);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-*s  %s\n", w, v[i].name, v[i].summary);
	fprintf(out, "\n%s\n", footer);
}

int cli_dispatch(struct cli_ctx *ctx, const char *group, const struct cli_subcommand *v, size_t n,
		 const char *footer, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		subcommand_usage(group, v, n, footer, argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], v[i].name))
			return v[i].fn(ctx, argc - 1, argv + 1);
	struct jl_buf names = {0};
	for (size_t i = 0; i < n; i++)
		jl_buf_printf(&names, "%s%s", i ? ", " : "", v[i].name);
	struct jl_err *err = NULL;
	jl_err_code(&err, EINVAL, "%s: unknown command \"%s\" (%s)", group, argv[1],
		    names.data ? names.data : "");
	jl_buf_free(&names);
	return cli_fail(&err);
}
