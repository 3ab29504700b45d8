/* pause, resume, ps, update, events, and the unsupported checkpoint/restore. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"

static int one_id(struct cli_command *cmd, int argc, char **argv, struct cli_list *pos,
		  struct jl_err **err)
{
	int r = cli_parse(cmd, argc, argv, pos, err);
	if (r == 0)
		r = cli_need_args(cmd, pos, 1, 1, err);
	return r;
}

static int finish(int r, struct cli_list *pos, struct jl_err **err)
{
	cli_list_free(pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(err) : 0;
}

static int freeze_cmd(struct cli_ctx *ctx, int argc, char **argv, bool pause)
{
	struct cli_command cmd = {pause ? "pause" : "resume", "<container-id>",
				  pause ? "Freeze every process of a container (cgroup.freeze)."
					: "Thaw a paused container.",
				  NULL, 0, false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = one_id(&cmd, argc, argv, &pos, &err);
	if (r == 0)
		r = pause ? jl_container_pause(&ctx->g, pos.v[0], &err)
			  : jl_container_resume(&ctx->g, pos.v[0], &err);
	return finish(r, &pos, &err);
}

int cmd_pause(struct cli_ctx *ctx, int argc, char **argv)
{
	return freeze_cmd(ctx, argc, argv, true);
}

int cmd_resume(struct cli_ctx *ctx, int argc, char **argv)
{
	return freeze_cmd(ctx, argc, argv, false);
}

/* One line per process: what /proc says of it. */
static void print_process(pid_t pid)
{
	char path[64], comm[64] = "?", cmd[4096] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
		for (ssize_t i = 0; i < n - 1; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	printf("%-8d %-16s %s\n", (int)pid, comm, *cmd ? cmd : comm);
}

int cmd_ps(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *format = "table";
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "table|json", "output format (json: host pids)"},
	};
	struct cli_command cmd = {"ps", "[options] <container-id>",
				  "List the processes of a container (its cgroup).", opts,
				  ARRAY_SIZE(opts), true};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	/* runc passes extra arguments to ps(1); jaula reads /proc itself. */
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0 && pos.n < 1)
		r = cli_need_args(&cmd, &pos, 1, 1, &err);
	if (r == 0 && strcmp(format, "table") && strcmp(format, "json"))
		r = jl_err_code(&err, EINVAL, "ps: --format: unknown format \"%s\" (table or json)",
				format);
	pid_t *pids = NULL;
	size_t n = 0;
	if (r == 0)
		r = jl_container_pids(&ctx->g, pos.v[0], &pids, &n, &err);
	if (r == 0 && !strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else if (r == 0) {
		printf("%-8s %-16s %s\n", "PID", "COMM", "CMD");
		for (size_t i = 0; i < n; i++)
			print_process(pids[i]);
	}
	free(pids);
	return finish(r, &pos, &err);
}

int cmd_update(struct cli_ctx *ctx, int argc, char **argv)
{
	struct jl_update_opts o = {0};
	/* runc's spellings: --cpu-share (its only one) and --cpu-shares. */
	const struct cli_opt opts[] = {
		{"resources", 'r', CLI_STRING, &o.resources_file, "FILE", "linux.resources JSON (- for stdin)"},
		{"memory", 'm', CLI_STRING, &o.memory, "BYTES", "memory limit (e.g. 512m; -1: unlimited)"},
		{"memory-swap", 0, CLI_STRING, &o.memory_swap, "BYTES", "memory + swap limit (-1: unlimited)"},
		{"memory-reservation", 0, CLI_STRING, &o.memory_reservation, "BYTES", "memory soft limit (0: none)"},
		{"kernel-memory", 0, CLI_STRING, &o.kernel_memory, "BYTES", "obsolete: ignored with a warning (not in cgroup v2)"},
		{"kernel-memory-tcp", 0, CLI_STRING, &o.kernel_memory_tcp, "BYTES", "obsolete: ignored with a warning (not in cgroup v2)"},
		{"cpu-quota", 0, CLI_STRING, &o.cpu_quota, "USEC", "CPU time per period (-1: unlimited)"},
		{"cpu-period", 0, CLI_STRING, &o.cpu_period, "USEC", "CPU period"},
		{"cpu-burst", 0, CLI_STRING, &o.cpu_burst, "USEC", "CPU time a period may borrow from idle ones"},
		{"cpu-shares", 0, CLI_STRING, &o.cpu_shares, "N", "relative CPU weight (cgroup v1 scale, 2 to 262144)"},
		{"cpu-share", 0, CLI_STRING, &o.cpu_shares, "N", "the same as --cpu-shares (runc's spelling)"},
		{"cpu-idle", 0, CLI_STRING, &o.cpu_idle, "0|1", "1: the cgroup runs as SCHED_IDLE"},
		{"cpu-rt-period", 0, CLI_STRING, &o.cpu_rt_period, "USEC", "refused: cgroup v2 has no realtime CPU bandwidth"},
		{"cpu-rt-runtime", 0, CLI_STRING, &o.cpu_rt_runtime, "USEC", "refused: cgroup v2 has no realtime CPU bandwidth"},
		{"cpuset-cpus", 0, CLI_STRING, &o.cpuset_cpus, "LIST", "CPUs allowed (e.g. 0-1)"},
		{"cpuset-mems", 0, CLI_STRING, &o.cpuset_mems, "LIST", "memory nodes allowed"},
		{"pids-limit", 0, CLI_STRING, &o.pids_limit, "N", "maximum number of processes (0 or -1: unlimited)"},
		{"blkio-weight", 0, CLI_STRING, &o.blkio_weight, "N", "IO weight, 10 to 1000"},
		{"l3-cache-schema", 0, CLI_STRING, &o.l3_cache_schema, "LINE", "Intel RDT/CAT schemata line (L3:0=ff;1=f)"},
		{"mem-bw-schema", 0, CLI_STRING, &o.mem_bw_schema, "LINE", "Intel RDT/MBA schemata line (MB:0=50;1=70)"},
	};
	struct cli_command cmd = {"update", "[options] <container-id>",
				  "Change a running container's resource limits.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = one_id(&cmd, argc, argv, &pos, &err);
	if (r == 0)
		r = jl_container_update(&ctx->g, pos.v[0], &o, &err);
	return finish(r, &pos, &err);
}

static int parse_interval(const char *s, int *ms)
{
	/* Go durations as runc takes them: "5s", "500ms", "1m"; a bare number is seconds. */
	char *end;
	double v = strtod(s, &end);
	if (end == s || v <= 0)
		return -1;
	double scale = !*end || !strcmp(end, "s") ? 1000 : !strcmp(end, "ms") ? 1
			 : !strcmp(end, "m")		      ? 60000
							      : -1;
	if (scale < 0 || v * scale > 86400000)
		return -1;
	*ms = (int)(v * scale) > 0 ? (int)(v * scale) : 1;
	return 0;
}

int cmd_events(struct cli_ctx *ctx, int argc, char **argv)
{
	bool stats = false;
	const char *interval = "5s";
	const struct cli_opt opts[] = {
		{"stats", 0, CLI_BOOL, &stats, NULL, "print one stats event and exit"},
		{"interval", 0, CLI_STRING, &interval, "DURATION", "stats interval (default 5s)"},
	};
	struct cli_command cmd = {"events", "[options] <container-id>",
				  "Stream a container's stats and OOM events as JSON lines.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = one_id(&cmd, argc, argv, &pos, &err);
	int ms = 0;
	if (r == 0 && parse_interval(interval, &ms) < 0)
		r = jl_err_code(&err, EINVAL, "events: --interval: invalid duration \"%s\"", interval);
	if (r == 0) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		r = jl_container_events(&ctx->g, pos.v[0], stats, ms, &err);
	}
	return finish(r, &pos, &err);
}

static int unsupported(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("Usage: jaula %s ...\n\nNot supported: jaula has no CRIU "
			       "integration yet.\n",
			       name);
			return 0;
		}
	struct jl_err *err = NULL;
	jl_err_code(&err, EOPNOTSUPP, "%s: not supported (jaula has no CRIU integration)", name);
	return cli_fail(&err);
}

int cmd_checkpoint(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return unsupported("checkpoint", argc, argv);
}

int cmd_restore(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return unsupported("restore", argc, argv);
}
