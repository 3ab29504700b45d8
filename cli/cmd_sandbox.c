/* sandbox: run an untrusted program deny-by-default (runtime/sandbox.h).
 * Exit status: the program's (128+N when killed by signal N), 125 when the
 * sandbox could not be made, 1 for a usage error.  When a limit ended the
 * program, one line on stderr names it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "runtime/sandbox.h"

#define SANDBOX_FAILED 125

/* In the order given, as bwrap: a later bind over an earlier one wins. */
static struct jl_sandbox_bind *collect_binds(const struct cli_ordered *binds, size_t *n)
{
	struct jl_sandbox_bind *b = xcalloc(binds->n + 1, sizeof(*b));
	for (size_t i = 0; i < binds->n; i++)
		b[i] = (struct jl_sandbox_bind){.spec = binds->v[i].value,
						.writable = !strcmp(binds->v[i].opt, "bind")};
	*n = binds->n;
	return b;
}

static int run_sandbox(struct jl_sandbox_opts *o, const struct cli_list *pos, int *status)
{
	struct jl_err *err = NULL;
	struct jl_sandbox_result res;
	o->argv = pos->v;
	o->argc = pos->n;
	if (jl_sandbox_run(o, &res, &err) < 0) {
		cli_fail(&err);
		return SANDBOX_FAILED;
	}
	if (res.reason)
		fprintf(stderr, "jaula: killed: %s\n", res.reason);
	*status = res.exit_status;
	jl_sandbox_result_free(&res);
	return 0;
}

int cmd_sandbox(struct cli_ctx *ctx, int argc, char **argv)
{
	/* The sandbox keeps its state in a private directory: of the global
	 * flags only --store matters. */
	struct jl_sandbox_opts o = {.store = ctx->store};
	struct cli_ordered bind_flags = {0};
	struct cli_list env = {0}, allow = {0};
	const struct cli_opt opts[] = {
		{"ro-bind", 0, CLI_ORDERED, &bind_flags, "SRC[:DST]", "bind a host path read-only (repeatable; in order)"},
		{"bind", 0, CLI_ORDERED, &bind_flags, "SRC[:DST]", "bind a host path writable (repeatable; in order)"},
		{"workdir", 'w', CLI_STRING, &o.workdir, "DIR", "working directory (default /)"},
		{"env", 'e', CLI_LIST, &env, "KEY=VALUE", "set an environment variable (repeatable)"},
		{"clear-env", 0, CLI_BOOL, &o.clear_env, NULL, "start from an empty environment"},
		{"tty", 't', CLI_BOOL, &o.tty, NULL, "a pseudo-terminal of its own, relayed to ours"},
		{"memory", 'm', CLI_STRING, &o.memory, "SIZE", "memory of the whole sandbox (512M)"},
		{"pids", 0, CLI_STRING, &o.pids, "N", "processes (256)"},
		{"cpu-time", 0, CLI_STRING, &o.cpu_time, "SECONDS", "CPU time (60s)"},
		{"timeout", 0, CLI_STRING, &o.timeout, "SECONDS", "wall-clock time (300s)"},
		{"fsize", 0, CLI_STRING, &o.fsize, "SIZE", "size of a file written (1G)"},
		{"seccomp", 0, CLI_STRING, &o.seccomp_file, "FILE", "an OCI linux.seccomp profile"},
		{"allow-syscall", 0, CLI_LIST, &allow, "NAME", "lift the profile's denial of NAME"},
		{"json", 0, CLI_STRING, &o.json_file, "FILE", "write the result record to FILE"},
		{"image", 0, CLI_STRING, &o.image, "NAME", "an image of the store as the root (root only)"},
		{"net", 0, CLI_BOOL, &o.net, NULL, "the bridge network jaula0, not loopback only (root only)"},
		{"network", 0, CLI_STRING, &o.network, "NAME", "a network of `jaula network create` instead"},
	};
	struct cli_command cmd = {"sandbox", "[options] [--] PROGRAM [ARGS...]",
				  "Run an untrusted program deny-by-default, with limits.  Exits with the "
				  "program's status (128+N on signal N), 125 when the sandbox could not be made.",
				  opts,
				  ARRAY_SIZE(opts), true};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int status = 1;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0) {
		struct jl_sandbox_bind *binds = collect_binds(&bind_flags, &o.n_binds);
		o.binds = binds;
		o.env = env.v, o.n_env = env.n;
		o.allow_syscalls = allow.v, o.n_allow_syscalls = allow.n;
		r = run_sandbox(&o, &pos, &status);
		status = r ? r : status;
		r = 0;
		free(binds);
	}
	cli_list_free(&pos);
	cli_ordered_free(&bind_flags);
	cli_list_free(&env);
	cli_list_free(&allow);
	if (r > 0)
		return 0;
	if (r < 0)
		return cli_fail(&err);
	return status;
}
