/* From an image's config and the `run` flags to the fields of the
 * container's config.json (image-spec conversion.md, with docker's and
 * podman's choices where the spec leaves room).  Only decisions here: the
 * JSON is written by spec_default.c, from jaula's locked-down defaults. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "net/net.h"
#include "runtime/imagerun.h"
#include "runtime/util.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CPU_PERIOD 100000 /* µs: the kernel's default cfs period */
#define HOSTNAME_MAX 64   /* HOST_NAME_MAX: sethostname refuses more */

/* --- string vectors --------------------------------------------------------- */

static size_t vlen(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void vpush(char ***v, const char *s)
{
	size_t n = vlen(*v);
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

static void vfree(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char *ir_command_line(char *const *args)
{
	struct jl_buf b = {0};
	for (size_t i = 0; args && args[i]; i++)
		jl_buf_printf(&b, "%s%s", i ? " " : "", args[i]);
	return b.data ? jl_buf_steal(&b) : xstrdup("");
}

/* --- process ---------------------------------------------------------------- */

/* docker's rule: --entrypoint replaces the image's Entrypoint and drops its
 * Cmd (the Cmd was written as arguments of the old entrypoint); a command
 * after the image replaces Cmd. */
static int make_args(const struct jl_image_run_opts *o, const struct img_image *im, char ***out,
		     struct jl_err **err)
{
	char **v = NULL;
	if (o->entrypoint && *o->entrypoint)
		vpush(&v, o->entrypoint);
	for (size_t i = 0; !o->entrypoint && im->config.entrypoint && im->config.entrypoint[i]; i++)
		vpush(&v, im->config.entrypoint[i]);
	for (size_t i = 0; i < o->n_cmd; i++)
		vpush(&v, o->cmd[i]);
	for (size_t i = 0; !o->n_cmd && !o->entrypoint && im->config.cmd && im->config.cmd[i]; i++)
		vpush(&v, im->config.cmd[i]);
	if (!v)
		return jl_err_code(err, EINVAL,
				   "image \"%s\" has no command (Entrypoint and Cmd are empty): give "
				   "one after the image name",
				   o->image);
	*out = v;
	return 0;
}

static int make_cwd(const struct jl_image_run_opts *o, const struct img_image *im, char **out,
		    struct jl_err **err)
{
	if (o->workdir && o->workdir[0] != '/')
		return jl_err_code(err, EINVAL, "-w \"%s\": must be an absolute path", o->workdir);
	const char *w = o->workdir ? o->workdir : im->config.working_dir;
	if (!w || !*w)
		w = "/";
	/* image-spec: WorkingDir is absolute; an image saying "app" means /app. */
	*out = w[0] == '/' ? xstrdup(w) : xasprintf("/%s", w);
	return 0;
}

static bool env_has(char *const *env, const char *key, size_t klen)
{
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, klen) && env[i][klen] == '=')
			return true;
	return false;
}

/* KEY=VALUE replaces KEY's entry or is appended. */
static void env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; *env && (*env)[i]; i++)
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	vpush(env, kv);
}

static int env_flag(char ***env, const char *e, struct jl_err **err)
{
	size_t klen = strcspn(e, "=");
	if (!klen)
		return jl_err_code(err, EINVAL, "-e \"%s\": expected KEY=VALUE or KEY", e);
	if (e[klen] == '=') {
		env_set(env, e);
		return 0;
	}
	/* -e KEY: the caller's value, as docker does; unset stays unset. */
	const char *v = getenv(e);
	if (v) {
		cleanup_free char *kv = xasprintf("%s=%s", e, v);
		env_set(env, kv);
	}
	return 0;
}

int ir_plan_env(struct ir_plan *p, const struct jl_image_run_opts *o, const struct img_image *im,
		const struct img_user *u, struct jl_err **err)
{
	char **env = NULL;
	for (size_t i = 0; im->config.env && im->config.env[i]; i++)
		if (strchr(im->config.env[i], '='))
			env_set(&env, im->config.env[i]);
	if (!env_has(env, "PATH", 4))
		vpush(&env, DEFAULT_PATH);
	if (!env_has(env, "HOME", 4)) {
		cleanup_free char *home = xasprintf("HOME=%s", u && u->home ? u->home : "/");
		vpush(&env, home);
	}
	if (o->tty && !env_has(env, "TERM", 4))
		vpush(&env, "TERM=xterm");
	for (size_t i = 0; i < o->n_env; i++) {
		int r = env_flag(&env, o->env[i], err);
		if (r < 0) {
			vfree(env);
			return r;
		}
	}
	vfree(p->env);
	p->env = env;
	return 0;
}

/* --- the rest of the config ---------------------------------------------------- */

static int make_hostname(const struct jl_image_run_opts *o, const char *id, char **out,
			 struct jl_err **err)
{
	if (o->hostname && (!*o->hostname || strlen(o->hostname) > HOSTNAME_MAX))
		return jl_err_code(err, EINVAL, "--hostname \"%s\": must be 1 to %d bytes",
				   o->hostname, HOSTNAME_MAX);
	/* A long name still makes a valid hostname: its first 64 bytes. */
	*out = o->hostname ? xstrdup(o->hostname) : strndup(id, HOSTNAME_MAX);
	return 0;
}

static bool is_ours(const char *key)
{
	return !strcmp(key, "io.jaula.image") || !strcmp(key, "org.opencontainers.image.ref.name") ||
	       !strcmp(key, IR_STOP_SIGNAL_ANNOTATION);
}

/* Labels become annotations (conversion.md); jaula's own keys win over a
 * label of the same name, so `stop` and `list` read what jaula wrote. */
static void make_annotations(const struct img_image *im, const char *ref, char ***out)
{
	char **v = NULL;
	for (char **l = im->config.labels; l && l[0] && l[1]; l += 2)
		if (!is_ours(l[0])) {
			vpush(&v, l[0]);
			vpush(&v, l[1]);
		}
	vpush(&v, "org.opencontainers.image.ref.name");
	vpush(&v, ref);
	vpush(&v, "io.jaula.image");
	vpush(&v, ref);
	if (im->config.stop_signal && *im->config.stop_signal) {
		vpush(&v, IR_STOP_SIGNAL_ANNOTATION);
		vpush(&v, im->config.stop_signal);
	}
	*out = v;
}

/* -v SRC:DST[:ro|rw]: both absolute, the source must exist (a bind of a
 * missing path would fail later with a vaguer message). */
static int parse_volume(const char *spec, struct jl_spec_bind *b, struct jl_err **err)
{
	cleanup_free char *s = xstrdup(spec);
	char *dst = strchr(s, ':');
	char *mode = dst ? strchr(dst + 1, ':') : NULL;
	if (dst)
		*dst++ = '\0';
	if (mode)
		*mode++ = '\0';
	if (!dst || s[0] != '/' || dst[0] != '/')
		return jl_err_code(err, EINVAL, "-v \"%s\": expected /HOST/PATH:/CONTAINER/PATH[:ro]",
				   spec);
	if (!strcmp(dst, "/") || strspn(dst, "/") == strlen(dst))
		return jl_err_code(err, EINVAL, "-v \"%s\": cannot bind over the container's root", spec);
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		return jl_err_code(err, EINVAL, "-v \"%s\": unknown mode \"%s\" (ro or rw)", spec, mode);
	struct stat st;
	if (stat(s, &st) < 0)
		return jl_err_sys(err, "-v \"%s\": source \"%s\"", spec, s);
	b->source = xstrdup(s);
	b->destination = xstrdup(dst);
	b->readonly = mode && !strcmp(mode, "ro");
	return 0;
}

static int make_binds(const struct jl_image_run_opts *o, struct ir_plan *p, struct jl_err **err)
{
	if (!o->n_volumes)
		return 0;
	p->binds = xcalloc(o->n_volumes, sizeof(*p->binds));
	for (size_t i = 0; i < o->n_volumes; i++) {
		int r = parse_volume(o->volumes[i], &p->binds[i], err);
		if (r < 0)
			return r;
		p->n_binds++;
	}
	return 0;
}

/* "512m", "1g", "1048576", "64k": bytes. */
static int parse_memory(const char *s, int64_t *out, struct jl_err **err)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mult = 1;
	if (end && *end) {
		switch (*end | 0x20) {
		case 'b': mult = 1; break;
		case 'k': mult = 1ull << 10; break;
		case 'm': mult = 1ull << 20; break;
		case 'g': mult = 1ull << 30; break;
		default: mult = 0;
		}
		end++;
	}
	if (errno || end == s || s[0] == '-' || *end || !mult || !v || v > (uint64_t)INT64_MAX / mult)
		return jl_err_code(err, EINVAL, "--memory \"%s\": expected a size such as 512m or 1g", s);
	*out = (int64_t)(v * mult);
	return 0;
}

static int parse_cpus(const char *s, struct ir_plan *p, struct jl_err **err)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.01 || v > 4096)
		return jl_err_code(err, EINVAL, "--cpus \"%s\": expected a number of CPUs from 0.01", s);
	p->cpu_period = CPU_PERIOD;
	p->cpu_quota = (int64_t)(v * CPU_PERIOD + 0.5);
	return 0;
}

static int make_limits(const struct jl_image_run_opts *o, struct ir_plan *p, struct jl_err **err)
{
	if (o->memory) {
		int r = parse_memory(o->memory, &p->memory, err);
		if (r < 0)
			return r;
	}
	if (o->cpus) {
		int r = parse_cpus(o->cpus, p, err);
		if (r < 0)
			return r;
	}
	/* As `update`: zero or less is unlimited. */
	if (o->pids_limit && jl_parse_i64(o->pids_limit, 10, &p->pids) < 0)
		return jl_err_code(err, EINVAL, "--pids-limit \"%s\": expected an integer",
				   o->pids_limit);
	return 0;
}

/* none: a namespace of its own with lo only; host: the host's; anything
 * else (bridge, the default as with docker and podman; a network's name;
 * macvlan:PARENT) is attached by imagerun_net.c once the store is known. */
static int make_network(const struct jl_image_run_opts *o, struct ir_plan *p, struct jl_err **err)
{
	const char *mode = o->net ? o->net : NET_DEFAULT_NETWORK;
	bool own = strcmp(mode, "none") && strcmp(mode, "host");
	if (!own && (o->n_publish || o->n_dns))
		return jl_err_code(err, EINVAL, "%s: needs a network (--net bridge or NAME), not --net %s",
				   o->n_publish ? "-p" : "--dns", mode);
	for (size_t i = 0; i < o->n_publish; i++) {
		int r = net_port_check(o->publish[i], err);
		if (r < 0)
			return r;
	}
	p->host_network = !strcmp(mode, "host");
	p->network = own ? xstrdup(mode) : NULL;
	return 0;
}

int ir_plan_make(const struct jl_image_run_opts *o, const struct img_image *im, const char *id,
		 struct ir_plan *p, struct jl_err **err)
{
	memset(p, 0, sizeof(*p));
	int r = make_args(o, im, &p->args, err);
	if (r == 0)
		r = make_cwd(o, im, &p->cwd, err);
	if (r == 0)
		r = make_hostname(o, id, &p->hostname, err);
	if (r == 0)
		r = make_binds(o, p, err);
	if (r == 0)
		r = make_limits(o, p, err);
	if (r == 0)
		r = make_network(o, p, err);
	if (r == 0)
		make_annotations(im, im->ref ? im->ref : o->image, &p->annotations);
	if (r < 0)
		ir_plan_free(p);
	return r;
}

void ir_plan_free(struct ir_plan *p)
{
	vfree(p->args);
	vfree(p->env);
	vfree(p->annotations);
	free(p->cwd);
	free(p->hostname);
	free(p->network);
	for (size_t i = 0; i < p->n_binds; i++) {
		free((char *)p->binds[i].source);
		free((char *)p->binds[i].destination);
	}
	free(p->binds);
	memset(p, 0, sizeof(*p));
}
