/* jaula's entry point: global options, then one command. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "runtime/sandbox.h"

#ifndef JAULA_VERSION
#define JAULA_VERSION "0.0.0"
#endif
#ifndef JAULA_COMMIT
#define JAULA_COMMIT "unknown"
#endif

struct command {
	const char *name;
	int (*fn)(struct cli_ctx *ctx, int argc, char **argv);
	bool container_work; /* runs container code: re-exec sealed first */
	const char *summary;
};

static const struct command commands[] = {
	{"create", cmd_create, true, "create a container"},
	{"start", cmd_start, false, "start a created container"},
	{"run", cmd_run, true, "create, start, wait for and delete a container"},
	{"state", cmd_state, false, "print a container's state as JSON"},
	{"kill", cmd_kill, false, "send a signal to a container"},
	{"delete", cmd_delete, false, "delete a container"},
	{"list", cmd_list, false, "list containers"},
	{"exec", cmd_exec, true, "run a process in a running container"},
	{"ps", cmd_ps, false, "list the processes of a container"},
	{"pause", cmd_pause, false, "freeze a container"},
	{"resume", cmd_resume, false, "thaw a paused container"},
	{"update", cmd_update, false, "change a container's resource limits"},
	{"events", cmd_events, false, "stream stats and OOM events"},
	{"features", cmd_features, false, "print what this build supports"},
	{"spec", cmd_spec, false, "write a default config.json"},
	{"checkpoint", cmd_checkpoint, false, "not supported (no CRIU)"},
	{"restore", cmd_restore, false, "not supported (no CRIU)"},
	{"image", cmd_image, false, "import, list, inspect, remove, commit and export images"},
	{"stop", cmd_stop, false, "stop a container: its stop signal, then KILL"},
	{"rm", cmd_rm, false, "remove a container made from an image"},
	{"logs", cmd_logs, false, "print what a detached container wrote"},
	{"network", cmd_network, false, "create, list, inspect and remove networks"},
	{"sandbox", cmd_sandbox, true, "run an untrusted program deny-by-default, with limits"},
};

static void print_version(void)
{
	printf("jaula version %s\ncommit: %s\nspec: 1.3.0\n+SECCOMP +CAP +YAJL +CGROUPV2\n",
	       JAULA_VERSION, JAULA_COMMIT);
}

static void print_help(void)
{
	printf("Usage: jaula [global options] <command> [options] [arguments]\n\n"
	       "jaula runs OCI containers (runtime-spec 1.0 to 1.3).\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\nGlobal options:\n"
	       "  --root DIR              state directory (default " JL_DEFAULT_ROOT ")\n"
	       "  --store DIR             image store (default $JAULA_STORE, else /var/lib/jaula)\n"
	       "  --log FILE              also write log records to FILE\n"
	       "  --log-format text|json  format of --log records (default text)\n"
	       "  --debug                 log debug records\n"
	       "  --systemd-cgroup        cgroupsPath slice:prefix:name is a systemd scope\n"
	       "  --cgroup-manager M      cgroupfs (default), systemd or disabled\n"
	       "  --rootless [true|false|auto]  accepted for runc compatibility\n"
	       "  -v, --version           print the version\n"
	       "  -h, --help              show this help\n"
	       "\nRun 'jaula <command> --help' for a command's options.\n");
}

int cli_fail(struct jl_err **err)
{
	jl_error("%s", *err && (*err)->msg ? (*err)->msg : "unknown error");
	jl_err_free(err);
	return 1;
}

static bool wants_value(const char *name)
{
	return !strcmp(name, "root") || !strcmp(name, "store") || !strcmp(name, "log") ||
	       !strcmp(name, "log-format") ||
	       !strcmp(name, "cgroup-manager") || !strcmp(name, "criu") ||
	       !strcmp(name, "log-level");
}

static int set_global(struct cli_ctx *ctx, const char *name, const char *v, struct jl_err **err)
{
	if (!strcmp(name, "root"))
		ctx->g.root = v;
	else if (!strcmp(name, "store"))
		ctx->store = ctx->g.store = v;
	else if (!strcmp(name, "log"))
		ctx->log_file = v;
	else if (!strcmp(name, "log-format"))
		ctx->log_format = v;
	else if (!strcmp(name, "cgroup-manager")) {
		if (strcmp(v, "cgroupfs") && strcmp(v, "disabled") && strcmp(v, "systemd"))
			return jl_err_code(err, EINVAL,
					  "--cgroup-manager: unknown manager \"%s\" (cgroupfs, systemd "
					  "or disabled)",
					  v);
		ctx->g.cgroup_disabled = !strcmp(v, "disabled");
		ctx->g.systemd_cgroup = !strcmp(v, "systemd");
	} else if (!strcmp(name, "debug"))
		ctx->debug = true;
	else if (!strcmp(name, "systemd-cgroup"))
		ctx->g.systemd_cgroup = true;
	else if (!strcmp(name, "rootless"))
		ctx->g.rootless = !v || strcmp(v, "false");
	/* --criu and --log-level: accepted and ignored, as podman may pass them. */
	return 0;
}

static bool known_global(const char *name)
{
	static const char *const flags[] = {"debug", "systemd-cgroup", "rootless"};
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (!strcmp(name, flags[i]))
			return true;
	return wants_value(name);
}

/* Global options end at the first word that is not one: the command. */
static int parse_globals(struct cli_ctx *ctx, int argc, char **argv, int *next,
			 struct jl_err **err)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
			print_version();
			return 1;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_help();
			return 1;
		}
		if (a[1] != '-')
			return jl_err_code(err, EINVAL, "unknown global option \"%s\"", a);
		char name[64];
		const char *eq = strchr(a + 2, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a + 2)),
			 a + 2);
		if (!known_global(name))
			return jl_err_code(err, EINVAL, "unknown global option \"--%s\"", name);
		const char *v = eq ? eq + 1 : NULL;
		if (!v && wants_value(name)) {
			if (i + 1 >= argc)
				return jl_err_code(err, EINVAL, "--%s needs a value", name);
			v = argv[++i];
		}
		int r = set_global(ctx, name, v, err);
		if (r < 0)
			return r;
	}
	*next = i;
	return 0;
}

static int init_logging(struct cli_ctx *ctx, struct jl_err **err)
{
	const char *f = ctx->log_format ? ctx->log_format : "text";
	if (strcmp(f, "text") && strcmp(f, "json"))
		return jl_err_code(err, EINVAL, "--log-format: unknown format \"%s\" (text or json)", f);
	struct jl_log_options o = {.file = ctx->log_file, .json = !strcmp(f, "json"),
				   .debug = ctx->debug};
	return jl_log_init(&o, err);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The sandbox runs its programs as host ids that may be unable to write
 * this binary at all (runtime/sandbox_opts.c). */
static bool sealed_unneeded(const struct command *c)
{
	return c->fn == cmd_sandbox && jl_sandbox_exe_safe();
}

/* The end of a command that ran.  Not exit(): its handlers (stdio's
 * cleanup, the static libraries' destructors) touch pages that nothing else
 * touched since they were shared with a container's init at its clone:
 * copy-on-write faults and a text page, a tenth of a millisecond of a
 * sandbox's start to exit.  The output is flushed here instead.  Under
 * AddressSanitizer exit() stays: the leak check is one of those handlers. */
static __attribute__((noreturn)) void leave(int code)
{
#ifdef __SANITIZE_ADDRESS__
	exit(code);
#else
	fflush(NULL);
	_exit(code);
#endif
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {.g = {.root = JL_DEFAULT_ROOT, .store = getenv("JAULA_STORE")},
			      .store = getenv("JAULA_STORE")};
	struct jl_err *err = NULL;
	int next = 0;
	int r = parse_globals(&ctx, argc, argv, &next, &err);
	if (r != 0)
		return r > 0 ? 0 : cli_fail(&err);
	const struct command *c = next < argc ? find_command(argv[next]) : NULL;
	/* Before anything else is opened: the sealed copy re-runs main. */
	if (c && c->container_work && !sealed_unneeded(c) && jl_selfexec_sealed(argc, argv, &err) < 0)
		return cli_fail(&err);
	if (init_logging(&ctx, &err) < 0)
		return cli_fail(&err);
	if (next >= argc) {
		print_help();
		return 1;
	}
	if (!strcmp(argv[next], "help")) {
		print_help();
		return 0;
	}
	if (!c) {
		jl_err_code(&err, EINVAL, "unknown command \"%s\" (see jaula --help)", argv[next]);
		return cli_fail(&err);
	}
	/* Writes to a closed pipe (a hook, a console peer) are errors, not deaths. */
	signal(SIGPIPE, SIG_IGN);
	leave(c->fn(&ctx, argc - next, argv + next));
}
