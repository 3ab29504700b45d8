/* The sandbox's command-line strings, checked and turned into a plan:
 * limits with their defaults, binds resolved on the host, the environment,
 * and which host id the sandbox's root stands for. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/sandbox_internal.h"

/* The host uid and gid of a sandbox that root starts: far above the ranges
 * /etc/subuid hands out (100000 + 65536 per user) and below 2^31, which
 * some tools read as negative.  No file on the host belongs to it, so the
 * sandbox's root owns nothing outside its own /tmp. */
#define SBX_ROOT_HOST_ID 2000000000u

extern char **environ;

static const struct sbx_limits defaults = {
	.memory = 512ull << 20,
	.fsize = 1ull << 30,
	.pids = 256,
	.cpu_sec = 60,
	.wall_sec = 300,
	.nofile = 1024,
};

/* "512M", "1g", "4096": bytes, with binary K, M, G, T suffixes. */
static int parse_size(const char *flag, const char *s, uint64_t *out, struct jl_err **err)
{
	static const char suffixes[] = "KMGT";
	char num[32];
	size_t n = strlen(s);
	unsigned shift = 0;
	char c = n ? (char)(s[n - 1] & ~0x20) : 0;
	const char *p = c >= 'A' && c <= 'Z' ? strchr(suffixes, c) : NULL;
	if (p) {
		shift = 10 * (unsigned)(p - suffixes + 1);
		n--;
	}
	uint64_t v;
	if (n >= sizeof(num) || (snprintf(num, sizeof(num), "%.*s", (int)n, s),
				 jl_parse_u64(num, 10, &v) < 0) ||
	    v == 0 || v > (UINT64_MAX >> shift))
		return jl_err_code(err, EINVAL,
				   "%s: \"%s\" is not a size (a positive number with K, M, G or T)",
				   flag, s);
	*out = v << shift;
	return 0;
}

/* "60", "60s", "5m", "1h": whole seconds. */
static int parse_seconds(const char *flag, const char *s, uint64_t *out, struct jl_err **err)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t mult = 1;
	if (n && strchr("smh", s[n - 1])) {
		mult = s[n - 1] == 'h' ? 3600 : s[n - 1] == 'm' ? 60 : 1;
		n--;
	}
	uint64_t v;
	if (n >= sizeof(num) || (snprintf(num, sizeof(num), "%.*s", (int)n, s),
				 jl_parse_u64(num, 10, &v) < 0) ||
	    v == 0 || v > 1000000000u / mult)
		return jl_err_code(err, EINVAL,
				   "%s: \"%s\" is not a duration (positive seconds, or with s, m, h)",
				   flag, s);
	*out = v * mult;
	return 0;
}

static int parse_count(const char *flag, const char *s, uint64_t *out, struct jl_err **err)
{
	if (jl_parse_u64(s, 10, out) < 0 || *out == 0 || *out > INT_MAX)
		return jl_err_code(err, EINVAL, "%s: \"%s\" is not a positive number", flag, s);
	return 0;
}

static int parse_limits(const struct jl_sandbox_opts *o, struct sbx_limits *l,
			struct jl_err **err)
{
	*l = defaults;
	int r = 0;
	if (o->memory)
		r = parse_size("--memory", o->memory, &l->memory, err);
	if (r == 0 && o->fsize)
		r = parse_size("--fsize", o->fsize, &l->fsize, err);
	if (r == 0 && o->pids)
		r = parse_count("--pids", o->pids, &l->pids, err);
	if (r == 0 && o->cpu_time)
		r = parse_seconds("--cpu-time", o->cpu_time, &l->cpu_sec, err);
	if (r == 0 && o->timeout)
		r = parse_seconds("--timeout", o->timeout, &l->wall_sec, err);
	return r;
}

void sbx_format_size(uint64_t n, char out[32])
{
	static const char units[] = "KMGT";
	int u = -1;
	while (u < 3 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, 32, "%llu", (unsigned long long)n);
	else
		snprintf(out, 32, "%llu%c", (unsigned long long)n, units[u]);
}

/* Destinations are paths of the sandbox's own tree: absolute, no "..", and
 * not where the sandbox's /proc and /dev go (a bind there would replace
 * the masked /proc or the filtered /dev). */
static int check_destination(const char *flag, const char *dst, struct jl_err **err)
{
	static const char *const reserved[] = {"/", "/proc", "/dev"};
	if (dst[0] != '/' || strstr(dst, "/../") || jl_str_has_prefix(dst, "../") ||
	    (strlen(dst) >= 3 && !strcmp(dst + strlen(dst) - 3, "/..")))
		return jl_err_code(err, EINVAL, "%s: destination \"%s\" must be an absolute path "
						"without \"..\"", flag, dst);
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		size_t n = strlen(reserved[i]);
		if (!strcmp(dst, reserved[i]) ||
		    (n > 1 && !strncmp(dst, reserved[i], n) && dst[n] == '/'))
			return jl_err_code(err, EINVAL, "%s: destination \"%s\" is the sandbox's own",
					   flag, dst);
	}
	return 0;
}

static int parse_bind(const struct jl_sandbox_bind *b, struct sbx_bind *out, struct jl_err **err)
{
	const char *flag = b->writable ? "--bind" : "--ro-bind";
	const char *colon = strchr(b->spec, ':');
	cleanup_free char *src = colon ? strndup(b->spec, (size_t)(colon - b->spec))
				       : xstrdup(b->spec);
	char *real = realpath(src, NULL);
	if (!real)
		return jl_err_sys(err, "%s: source \"%s\"", flag, src);
	out->source = real;
	/* Without DST the path as written (a link's name, not its target). */
	out->destination = xstrdup(colon ? colon + 1 : src[0] == '/' ? src : real);
	out->writable = b->writable;
	struct stat st;
	if (stat(real, &st) < 0)
		return jl_err_sys(err, "%s: source \"%s\"", flag, real);
	out->is_dir = S_ISDIR(st.st_mode);
	return check_destination(flag, out->destination, err);
}

static int parse_binds(const struct jl_sandbox_opts *o, struct sbx_plan *p, struct jl_err **err)
{
	p->binds = xcalloc(o->n_binds + 1, sizeof(*p->binds));
	for (size_t i = 0; i < o->n_binds; i++) {
		p->n_binds = i + 1;
		int r = parse_bind(&o->binds[i], &p->binds[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* K=V in env, or -1. */
static ssize_t env_find(char **env, size_t n, const char *kv)
{
	size_t k = strcspn(kv, "=");
	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], kv, k) && env[i][k] == '=')
			return (ssize_t)i;
	return -1;
}

/* The caller's environment (unless --clear-env) with --env on top. */
static int build_env(const struct jl_sandbox_opts *o, struct sbx_plan *p, struct jl_err **err)
{
	size_t n_host = 0;
	if (!o->clear_env)
		while (environ[n_host])
			n_host++;
	p->env = xcalloc(n_host + o->n_env + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < n_host; i++)
		p->env[n++] = xstrdup(environ[i]);
	for (size_t i = 0; i < o->n_env; i++) {
		const char *kv = o->env[i];
		if (!strchr(kv, '=') || kv[0] == '=')
			return jl_err_code(err, EINVAL, "--env: \"%s\" is not KEY=VALUE", kv);
		ssize_t at = env_find(p->env, n, kv);
		if (at >= 0) {
			free(p->env[at]);
			p->env[at] = xstrdup(kv);
		} else {
			p->env[n++] = xstrdup(kv);
		}
	}
	return 0;
}

static int refuse_unsupported(const struct jl_sandbox_opts *o, struct jl_err **err)
{
	/* The host's own network would undo the isolation; "none" is the default. */
	if (o->network && (!strcmp(o->network, "host") || !strcmp(o->network, "none")))
		return jl_err_code(err, EINVAL, "--network: \"%s\" is not a network for a sandbox "
						"(a bridge network, or none without --net)",
				   o->network);
	if (!o->argc)
		return jl_err_code(err, EINVAL, "no program to run (jaula sandbox [options] -- "
						"PROGRAM [ARGS...])");
	if (o->workdir && o->workdir[0] != '/')
		return jl_err_code(err, EINVAL, "--workdir: \"%s\" is not an absolute path",
				   o->workdir);
	return 0;
}

/* -t: the pty starts at the caller's size (the relay follows changes). */
static void terminal_size(struct sbx_plan *p)
{
	struct winsize ws;
	for (int fd = 0; fd < 3; fd++)
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
			p->rows = ws.ws_row;
			p->cols = ws.ws_col;
			return;
		}
}

int sbx_plan_build(const struct jl_sandbox_opts *o, struct sbx_plan *p, struct jl_err **err)
{
	memset(p, 0, sizeof(*p));
	int r = refuse_unsupported(o, err);
	if (r == 0)
		r = parse_limits(o, &p->lim, err);
	if (r == 0)
		r = parse_binds(o, p, err);
	if (r == 0)
		r = build_env(o, p, err);
	if (r == 0 && !o->seccomp_file)
		sbx_seccomp_cached(o->allow_syscalls, o->n_allow_syscalls, p);
	if (r == 0 && !p->has_seccomp_prog)
		r = sbx_seccomp_profile(o->seccomp_file, o->allow_syscalls, o->n_allow_syscalls,
					&p->seccomp, err);
	if (r < 0)
		return r;
	p->seccomp_file = o->seccomp_file;
	p->argv = o->argv;
	p->argc = o->argc;
	p->cwd = o->workdir ? o->workdir : "/";
	p->tty = o->tty;
	p->from_image = o->image != NULL;
	if (!p->from_image)
		sbx_host_probe(&p->host);
	p->network = o->network ? o->network : o->net ? "bridge" : NULL;
	if (p->tty)
		terminal_size(p);
	/* An ordinary user can only map itself; root maps to nobody's id. */
	bool root = geteuid() == 0;
	p->host_uid = root ? SBX_ROOT_HOST_ID : geteuid();
	p->host_gid = root ? SBX_ROOT_HOST_ID : getegid();
	return 0;
}

/* The sealed re-exec (selfexec.c) keeps a container from writing the
 * runtime binary through /proc/PID/exe.  A sandbox's programs run as a host
 * uid of their own (root's) or the caller's, with no capability over files
 * of ids their user namespace does not map: when that uid cannot write the
 * binary anyway, the re-exec (a tenth of a sandbox's start) buys nothing. */
bool jl_sandbox_exe_safe(void)
{
	return jl_selfexec_unwritable_by(geteuid() == 0 ? SBX_ROOT_HOST_ID : geteuid());
}

void sbx_plan_free(struct sbx_plan *p)
{
	for (size_t i = 0; i < p->n_binds; i++) {
		free(p->binds[i].source);
		free(p->binds[i].destination);
	}
	free(p->binds);
	for (size_t i = 0; p->env && p->env[i]; i++)
		free(p->env[i]);
	free(p->env);
	free(p->seccomp);
	if (p->has_seccomp_prog)
		jl_seccomp_prog_free(&p->seccomp_prog);
	free(p->store);
	free(p->root_path);
	sbx_host_free(&p->host);
	memset(p, 0, sizeof(*p));
}
