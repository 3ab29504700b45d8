/* features and spec: documents about this build, no container involved. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"

int cmd_features(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	struct cli_command cmd = {"features", "", "Print what this build supports (features.md JSON).",
				  NULL, 0, false};
	struct jl_err *err = NULL;
	int r = cli_parse_no_args(&cmd, argc, argv, &err);
	if (r != 0)
		return r > 0 ? 0 : cli_fail(&err);
	struct jl_buf out = {0};
	jl_features_json(&out);
	fputs(out.data, stdout);
	jl_buf_free(&out);
	return 0;
}

int cmd_spec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *bundle = ".";
	bool rootless = ctx->g.rootless;
	const struct cli_opt opts[] = {
		{"bundle", 'b', CLI_STRING, &bundle, "DIR", "write DIR/config.json (default: .)"},
		{"rootless", 0, CLI_BOOL, &rootless, NULL, "a config for an unprivileged user"},
	};
	struct cli_command cmd = {"spec", "[options]",
				  "Write a default, locked-down config.json for `jaula run`.", opts,
				  ARRAY_SIZE(opts), false};
	struct jl_err *err = NULL;
	int r = cli_parse_no_args(&cmd, argc, argv, &err);
	if (r != 0)
		return r > 0 ? 0 : cli_fail(&err);
	struct jl_buf out = {0};
	jl_spec_default_json(rootless, getuid(), getgid(), &out);
	char path[4096];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	/* O_EXCL: like runc, never overwrite a config someone wrote. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = errno == EEXIST ? jl_err_code(&err, EEXIST, "spec: %s exists; remove it first", path)
				    : jl_err_sys(&err, "spec: create %s", path);
	} else {
		if (jl_write_all(fd, out.data, out.len) < 0)
			r = jl_err_sys(&err, "spec: write %s", path);
		close(fd);
	}
	jl_buf_free(&out);
	return r < 0 ? cli_fail(&err) : 0;
}
