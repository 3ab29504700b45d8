/* create and run: the same flags, run adds --detach and --keep.  run has
 * two forms, runc's bundle run and the image run for people; the rule that
 * tells them apart is run_form() (and `jaula run --help`). */
#include <stdio.h>
#include <unistd.h>

#include "cli/commands.h"

struct create_args {
	struct jl_create_opts o;
	struct jl_image_run_opts im;
	struct cli_list env, volumes, publish, dns;
};

#define CREATE_OPTS(a)                                                                   \
	{"bundle", 'b', CLI_STRING, &(a).o.bundle, "DIR", "bundle directory (default: .)"},  \
	{"pid-file", 0, CLI_STRING, &(a).o.pid_file, "FILE", "write the init's pid to FILE"}, \
	{"console-socket", 0, CLI_STRING, &(a).o.console_socket, "SOCKET",                 \
	 "send the pty master to this unix socket"},                                        \
	{"no-pivot", 0, CLI_BOOL, &(a).o.no_pivot, NULL,                                    \
	 "use MS_MOVE + chroot instead of pivot_root (ramfs roots)"},                       \
	{"no-new-keyring", 0, CLI_BOOL, &(a).o.no_new_keyring, NULL,                        \
	 "accepted for runc compatibility"},                                                \
	{"preserve-fds", 0, CLI_INT, &(a).o.preserve_fds, "N",                              \
	 "pass fds 3..3+N-1 to the container"}

/* Options only an image run has (runc's `run` has none of them). */
#define IMAGE_OPTS(a)                                                                      \
	{"rm", 0, CLI_BOOL, &(a).im.rm, NULL, "image: remove the container when it exits"},    \
	{"tty", 't', CLI_BOOL, &(a).im.tty, NULL, "image: give the process a terminal"},        \
	{"interactive", 'i', CLI_BOOL, &(a).im.interactive, NULL,                             \
	 "image: keep stdin attached (else /dev/null)"},                                      \
	{"name", 0, CLI_STRING, &(a).im.name, "NAME", "image: the container's name (its id)"}, \
	{"env", 'e', CLI_LIST, &(a).env, "K=V", "image: set an environment variable"},        \
	{"workdir", 'w', CLI_STRING, &(a).im.workdir, "DIR", "image: working directory"},      \
	{"user", 'u', CLI_STRING, &(a).im.user, "USER[:GROUP]", "image: run as this user"},     \
	{"volume", 'v', CLI_LIST, &(a).volumes, "SRC:DST[:ro]", "image: bind a host path"},    \
	{"read-only", 0, CLI_BOOL, &(a).im.read_only, NULL, "image: read-only root"},          \
	{"memory", 'm', CLI_STRING, &(a).im.memory, "SIZE", "image: memory limit (512m, 1g)"}, \
	{"cpus", 0, CLI_STRING, &(a).im.cpus, "N", "image: CPU limit (1.5)"},                  \
	{"pids-limit", 0, CLI_STRING, &(a).im.pids_limit, "N", "image: process limit"},        \
	{"hostname", 0, CLI_STRING, &(a).im.hostname, "NAME", "image: hostname (default: name)"}, \
	{"entrypoint", 0, CLI_STRING, &(a).im.entrypoint, "CMD",                               \
	 "image: replace the image's entrypoint (and its default command)"},                  \
	{"net", 0, CLI_STRING, &(a).im.net, "MODE",                                            \
	 "image: bridge (default: jaula0, NAT out), a network's NAME, macvlan:PARENT,\n"        \
	 "      none (loopback only) or host (the host's)"},                                   \
	{"network", 0, CLI_STRING, &(a).im.net, "MODE", "image: same as --net"},               \
	{"publish", 'p', CLI_LIST, &(a).publish, "[IP:]HPORT:CPORT[/udp]",                     \
	 "image: publish a container port on the host"},                                       \
	{"dns", 0, CLI_LIST, &(a).dns, "IP", "image: resolv.conf's server (default: the host's)"}

#define RUN_USAGE "[options] <container-id>\n   or: jaula run [options] IMAGE [COMMAND [ARG...]]"
#define RUN_SUMMARY                                                                        \
	"Create and start a container and wait for it.\n\n"                                   \
	"The bundle form (runc's) runs BUNDLE/config.json as <container-id> and deletes it\n"  \
	"when it exits (unless --keep).  The image form\n"                                     \
	"makes a container from an image of the store (--store) and keeps it once stopped\n"   \
	"(jaula logs, rm) unless --rm; -d prints its name.  Which form:\n"                     \
	"  - a bundle run when --bundle is given, or one argument and ./config.json exists;\n" \
	"  - an image run when an image option below is given, or a second argument, or the\n" \
	"    one argument names an image of the store and there is no ./config.json;\n"        \
	"  - otherwise an error naming both readings."

static void list_free(struct create_args *a)
{
	cli_list_free(&a->env);
	cli_list_free(&a->volumes);
	cli_list_free(&a->publish);
	cli_list_free(&a->dns);
}

/* The first image-only option given (for errors), or NULL. */
static const char *image_flag(const struct create_args *a)
{
	const struct jl_image_run_opts *m = &a->im;
	const struct {
		bool given;
		const char *name;
	} flags[] = {
		{m->rm, "--rm"},
		{m->tty, "-t"},
		{m->interactive, "-i"},
		{m->name, "--name"},
		{a->env.n, "-e"},
		{m->workdir, "-w"},
		{m->user, "-u"},
		{a->volumes.n, "-v"},
		{m->read_only, "--read-only"},
		{m->memory, "--memory"},
		{m->cpus, "--cpus"},
		{m->pids_limit, "--pids-limit"},
		{m->hostname, "--hostname"},
		{m->entrypoint, "--entrypoint"},
		{m->net, "--net"},
		{a->publish.n, "-p"},
		{a->dns.n, "--dns"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (flags[i].given)
			return flags[i].name;
	return NULL;
}

enum run_form { RUN_BUNDLE, RUN_IMAGE };

static int run_form(const struct cli_ctx *ctx, const struct create_args *a,
		    const struct cli_list *pos, enum run_form *form, struct jl_err **err)
{
	const char *flag = image_flag(a);
	if (a->o.bundle) {
		*form = RUN_BUNDLE;
		return flag ? jl_err_code(err, EINVAL,
					  "run: %s is an image run's option and --bundle a bundle run's: "
					  "not both",
					  flag)
			    : 0;
	}
	*form = RUN_IMAGE;
	if (!pos->n)
		return jl_err_code(err, EINVAL, "run: requires a container id or an image (usage: "
						"jaula run %s)",
				   RUN_USAGE);
	if (flag || pos->n > 1)
		return 0;
	if (access("config.json", F_OK) == 0) {
		*form = RUN_BUNDLE;
		return 0;
	}
	if (jl_image_exists(ctx->store, pos->v[0]))
		return 0;
	return jl_err_code(err, ENOENT, "\"%s\" is neither a bundle (no ./config.json) nor an image in %s",
			   pos->v[0], jl_store_path(ctx->store));
}

static int image_run(struct cli_ctx *ctx, struct create_args *a, const struct cli_list *pos,
		     struct jl_err **err)
{
	if (a->o.keep || a->o.no_pivot)
		return jl_err_code(err, EINVAL, "run: %s is a bundle run's option (an image run keeps "
						"its container unless --rm)",
				   a->o.keep ? "--keep" : "--no-pivot");
	struct jl_image_run_opts *m = &a->im;
	m->store = ctx->store;
	m->image = pos->v[0];
	m->cmd = pos->v + 1;
	m->n_cmd = pos->n - 1;
	m->env = a->env.v;
	m->n_env = a->env.n;
	m->volumes = a->volumes.v;
	m->n_volumes = a->volumes.n;
	m->publish = a->publish.v;
	m->n_publish = a->publish.n;
	m->dns = a->dns.v;
	m->n_dns = a->dns.n;
	m->detach = a->o.detach;
	m->pid_file = a->o.pid_file;
	m->console_socket = a->o.console_socket;
	m->preserve_fds = a->o.preserve_fds;
	m->no_new_keyring = a->o.no_new_keyring;
	char *id = NULL;
	int status = 0;
	int r = jl_image_run(&ctx->g, m, &id, &status, err);
	if (r == 0 && m->detach)
		printf("%s\n", id);
	free(id);
	return r < 0 ? r : status;
}

static int create_or_run(struct cli_ctx *ctx, int argc, char **argv, bool run)
{
	struct create_args a = {0};
	const struct cli_opt create_opts[] = {CREATE_OPTS(a)};
	const struct cli_opt run_opts[] = {
		CREATE_OPTS(a),
		{"detach", 'd', CLI_BOOL, &a.o.detach, NULL, "return once the container runs"},
		{"keep", 0, CLI_BOOL, &a.o.keep, NULL, "do not delete the container after it exits"},
		IMAGE_OPTS(a),
	};
	struct cli_command cmd = {
		.name = run ? "run" : "create",
		.usage = run ? RUN_USAGE : "[options] <container-id>",
		.summary = run ? RUN_SUMMARY
			       : "Create a container; its process waits for `jaula start`.",
		.opts = run ? run_opts : create_opts,
		.n_opts = run ? ARRAY_SIZE(run_opts) : ARRAY_SIZE(create_opts),
		/* run IMAGE ls -l: what follows the image is the command's */
		.stop_at_positional = run,
	};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	enum run_form form = RUN_BUNDLE;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0 && run)
		r = run_form(ctx, &a, &pos, &form, &err);
	if (r == 0 && form == RUN_BUNDLE)
		r = cli_need_args(&cmd, &pos, 1, 1, &err);
	int status = 0;
	if (r == 0 && form == RUN_IMAGE) {
		r = image_run(ctx, &a, &pos, &err);
		status = r > 0 ? r : 0;
		r = r > 0 ? 0 : r;
	} else if (r == 0) {
		a.o.id = pos.v[0];
		r = run ? jl_container_run(&ctx->g, &a.o, &status, &err)
			: jl_container_create(&ctx->g, &a.o, &err);
	} else if (r > 0) {
		r = 0; /* --help */
	}
	cli_list_free(&pos);
	list_free(&a);
	return r < 0 ? cli_fail(&err) : status;
}

int cmd_create(struct cli_ctx *ctx, int argc, char **argv)
{
	return create_or_run(ctx, argc, argv, false);
}

int cmd_run(struct cli_ctx *ctx, int argc, char **argv)
{
	return create_or_run(ctx, argc, argv, true);
}
