/* config.json "process" (and exec --process FILE): command, user,
 * capabilities, rlimits, scheduling. */
#include <inttypes.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <string.h>
#include <sys/resource.h>

#include "runtime/caps.h"
#include "runtime/spec_internal.h"

struct name_value {
	const char *name;
	int value;
};

static int lookup(const struct name_value *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return t[i].value;
	return -1;
}

/* --- command ------------------------------------------------------------------ */

static int parse_console_size(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			      struct spec_process *p)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "consoleSize", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path cs = sp_key(at, "consoleSize");
	r = sp_expect(c, v, &cs, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	p->has_console_size = true;
	r = sp_u32(c, v, &cs, "height", SP_REQUIRED, &p->console_height, NULL);
	if (r < 0)
		return r;
	return sp_u32(c, v, &cs, "width", SP_REQUIRED, &p->console_width, NULL);
}

static int parse_command(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			 struct spec_process *p)
{
	int r = sp_bool(c, v, at, "terminal", SP_OPTIONAL, &p->terminal, NULL);
	if (r < 0)
		return r;
	r = parse_console_size(c, v, at, p);
	if (r < 0)
		return r;
	/* config.md extends execvp(3) on POSIX: args needs at least one entry. */
	r = sp_strv(c, v, at, "args", SP_REQUIRED, &p->args);
	if (r < 0)
		return r;
	if (p->args.n == 0) {
		struct sp_path a = sp_key(at, "args");
		return sp_fail(c, &a, "must not be empty");
	}
	r = sp_string(c, v, at, "commandLine", SP_OPTIONAL, &p->command_line);
	if (r < 0)
		return r;
	r = sp_env(c, v, at, "env", &p->env);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "cwd", SP_REQUIRED, &p->cwd);
	if (r < 0)
		return r;
	struct sp_path cwd = sp_key(at, "cwd");
	return sp_absolute(c, &cwd, p->cwd);
}

/* --- user ------------------------------------------------------------------- */

/* (uid_t)-1 tells setresuid(2) and setgroups' peers "leave unchanged": a
 * process asked to run as 4294967295 would keep running as root. */
#define ID_MAX (UINT32_MAX - 1)

static int parse_additional_gids(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
				 struct spec_user *u)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "additionalGids", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "additionalGids");
	r = sp_expect(c, v, &p, JL_JSON_ARRAY);
	if (r < 0)
		return r;
	size_t n = jl_json_len(v);
	uint32_t *gids = n ? jl_arena_alloc(c->arena, n * sizeof(*gids)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct sp_path e = sp_index(&p, i);
		uint64_t gid;
		r = sp_value_u64(c, jl_json_at(v, i), &e, ID_MAX, &gid);
		if (r < 0)
			return r;
		gids[i] = (uint32_t)gid;
	}
	u->additional_gids = gids;
	u->n_additional_gids = n;
	return 0;
}

static int parse_user(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
		      struct spec_user *u)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "user", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "user");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	uint64_t id;
	r = sp_u64(c, v, &p, "uid", SP_REQUIRED, ID_MAX, &id, NULL);
	if (r < 0)
		return r;
	u->uid = (uint32_t)id;
	r = sp_u64(c, v, &p, "gid", SP_REQUIRED, ID_MAX, &id, NULL);
	if (r < 0)
		return r;
	u->gid = (uint32_t)id;
	r = sp_u32(c, v, &p, "umask", SP_OPTIONAL, &u->umask, &u->has_umask);
	if (r < 0)
		return r;
	r = parse_additional_gids(c, v, &p, u);
	if (r < 0)
		return r;
	return sp_string(c, v, &p, "username", SP_OPTIONAL, &u->username);
}

/* --- capabilities ------------------------------------------------------------ */

static const char *const cap_set_names[SPEC_CAP__COUNT] = {
	[SPEC_CAP_EFFECTIVE] = "effective",
	[SPEC_CAP_BOUNDING] = "bounding",
	[SPEC_CAP_INHERITABLE] = "inheritable",
	[SPEC_CAP_PERMITTED] = "permitted",
	[SPEC_CAP_AMBIENT] = "ambient",
};

static int parse_cap_set(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			 const char *key, uint64_t *mask)
{
	struct spec_strv names = {0};
	int r = sp_strv(c, obj, at, key, SP_OPTIONAL, &names);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	for (size_t i = 0; i < names.n; i++) {
		/* config.md: a name the runtime cannot map MUST be an error. */
		int cap = jl_cap_from_name(names.v[i]);
		if (cap < 0) {
			struct sp_path e = sp_index(&p, i);
			return sp_fail(c, &e, "unknown capability %s", sp_quote(c, names.v[i]));
		}
		*mask |= 1ULL << cap;
	}
	return 0;
}

static int parse_capabilities(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			      struct spec_capabilities *caps)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "capabilities", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "capabilities");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	caps->set = true;
	for (int s = 0; s < SPEC_CAP__COUNT; s++) {
		r = parse_cap_set(c, v, &p, cap_set_names[s], &caps->mask[s]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_security(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			  struct spec_process *p)
{
	int r = parse_user(c, v, at, &p->user);
	if (r < 0)
		return r;
	r = parse_capabilities(c, v, at, &p->caps);
	if (r < 0)
		return r;
	r = sp_bool(c, v, at, "noNewPrivileges", SP_OPTIONAL, &p->no_new_privileges, NULL);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "apparmorProfile", SP_OPTIONAL, &p->apparmor_profile);
	if (r < 0)
		return r;
	return sp_string(c, v, at, "selinuxLabel", SP_OPTIONAL, &p->selinux_label);
}

/* --- rlimits ------------------------------------------------------------------- */

static const struct name_value rlimits[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_rlimit(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct spec_rlimit *rl = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "type", SP_REQUIRED, &rl->name);
	if (r < 0)
		return r;
	rl->resource = lookup(rlimits, ARRAY_SIZE(rlimits), rl->name);
	if (rl->resource < 0) {
		struct sp_path t = sp_key(at, "type");
		return sp_fail(c, &t, "unknown rlimit %s", sp_quote(c, rl->name));
	}
	r = sp_u64(c, v, at, "soft", SP_REQUIRED, UINT64_MAX, &rl->soft, NULL);
	if (r < 0)
		return r;
	r = sp_u64(c, v, at, "hard", SP_REQUIRED, UINT64_MAX, &rl->hard, NULL);
	if (r < 0)
		return r;
	/* setrlimit(2) would refuse it later with a bare EINVAL. */
	if (rl->soft > rl->hard)
		return sp_fail(c, at, "soft limit %" PRIu64 " is above hard limit %" PRIu64,
			       rl->soft, rl->hard);
	return 0;
}

static int parse_rlimits(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			 struct spec_process *p)
{
	void *items = NULL;
	int r = sp_array(c, obj, at, "rlimits", sizeof(struct spec_rlimit), parse_rlimit, &items,
			 &p->n_rlimits);
	if (r <= 0)
		return r;
	p->rlimits = items;
	/* config.md: a duplicated type MUST be an error. */
	struct sp_path rp = sp_key(at, "rlimits");
	uint64_t seen = 0;
	for (size_t i = 0; i < p->n_rlimits; i++) {
		uint64_t bit = 1ULL << p->rlimits[i].resource;
		if (seen & bit) {
			struct sp_path e = sp_index(&rp, i);
			return sp_fail(c, &e, "duplicate rlimit %s", sp_quote(c, p->rlimits[i].name));
		}
		seen |= bit;
	}
	return 0;
}

/* --- scheduling ----------------------------------------------------------------- */

/* SCHED_ISO is named by config.md and reserved by the kernel (4) without
 * being implemented: sched_setattr refuses it, which is the right error. */
#define SCHED_ISO_RESERVED 4

static const struct name_value sched_policies[] = {
	{"SCHED_OTHER", SCHED_NORMAL}, /* the kernel's name for it */
	{"SCHED_FIFO", SCHED_FIFO},
	{"SCHED_RR", SCHED_RR},
	{"SCHED_BATCH", SCHED_BATCH},
	{"SCHED_ISO", SCHED_ISO_RESERVED},
	{"SCHED_IDLE", SCHED_IDLE},
	{"SCHED_DEADLINE", SCHED_DEADLINE},
};

static const struct name_value sched_flags[] = {
	{"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
	{"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
	{"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
	{"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
	{"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
	{"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
	{"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
};

static int parse_sched_flags(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			     uint32_t *flags)
{
	struct spec_strv names = {0};
	int r = sp_strv(c, obj, at, "flags", SP_OPTIONAL, &names);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "flags");
	for (size_t i = 0; i < names.n; i++) {
		int f = lookup(sched_flags, ARRAY_SIZE(sched_flags), names.v[i]);
		if (f < 0) {
			struct sp_path e = sp_index(&p, i);
			return sp_fail(c, &e, "unknown scheduler flag %s", sp_quote(c, names.v[i]));
		}
		*flags |= (uint32_t)f;
	}
	return 0;
}

static int parse_sched_params(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			      struct spec_scheduler *s)
{
	int r = sp_int(c, v, at, "nice", SP_OPTIONAL, INT32_MIN, INT32_MAX, &s->nice, &s->has_nice);
	if (r < 0)
		return r;
	r = sp_int(c, v, at, "priority", SP_OPTIONAL, INT32_MIN, INT32_MAX, &s->priority,
		   &s->has_priority);
	if (r < 0)
		return r;
	r = sp_u64(c, v, at, "runtime", SP_OPTIONAL, UINT64_MAX, &s->runtime, &s->has_runtime);
	if (r < 0)
		return r;
	r = sp_u64(c, v, at, "deadline", SP_OPTIONAL, UINT64_MAX, &s->deadline, &s->has_deadline);
	if (r < 0)
		return r;
	return sp_u64(c, v, at, "period", SP_OPTIONAL, UINT64_MAX, &s->period, &s->has_period);
}

static int parse_scheduler(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			   struct spec_scheduler *s)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "scheduler", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "scheduler");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	s->set = true;
	const char *policy;
	r = sp_string(c, v, &p, "policy", SP_REQUIRED, &policy);
	if (r < 0)
		return r;
	s->policy = lookup(sched_policies, ARRAY_SIZE(sched_policies), policy);
	if (s->policy < 0) {
		struct sp_path pp = sp_key(&p, "policy");
		return sp_fail(c, &pp, "unknown scheduler policy %s", sp_quote(c, policy));
	}
	r = parse_sched_flags(c, v, &p, &s->flags);
	if (r < 0)
		return r;
	return parse_sched_params(c, v, &p, s);
}

static const struct name_value io_classes[] = {
	{"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
	{"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
	{"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE},
};

static int parse_io_priority(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			     struct spec_io_priority *io)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "ioPriority", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "ioPriority");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	io->set = true;
	const char *class;
	r = sp_string(c, v, &p, "class", SP_REQUIRED, &class);
	if (r < 0)
		return r;
	io->class = lookup(io_classes, ARRAY_SIZE(io_classes), class);
	if (io->class < 0) {
		struct sp_path cp = sp_key(&p, "class");
		return sp_fail(c, &cp, "unknown I/O priority class %s", sp_quote(c, class));
	}
	/* config.md: "from 0 (highest) to 7 (lowest)". */
	return sp_int(c, v, &p, "priority", SP_OPTIONAL, 0, IOPRIO_NR_LEVELS - 1, &io->priority,
		      NULL);
}

/* config.md's pattern for a CPU list: ^[0-9, -]*$ ("0-3,7"). */
static int parse_cpu_list(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			  const char *key, const char **out)
{
	int r = sp_string(c, obj, at, key, SP_OPTIONAL, out);
	if (r <= 0)
		return r;
	if ((*out)[strspn(*out, "0123456789, -")]) {
		struct sp_path p = sp_key(at, key);
		return sp_fail(c, &p, "invalid CPU list %s", sp_quote(c, *out));
	}
	return 0;
}

static int parse_exec_cpu_affinity(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
				   struct spec_exec_cpu_affinity *a)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "execCPUAffinity", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "execCPUAffinity");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = parse_cpu_list(c, v, &p, "initial", &a->initial);
	if (r < 0)
		return r;
	return parse_cpu_list(c, v, &p, "final", &a->final);
}

static int parse_limits(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			struct spec_process *p)
{
	int r = parse_rlimits(c, v, at, p);
	if (r < 0)
		return r;
	r = sp_int(c, v, at, "oomScoreAdj", SP_OPTIONAL, -1000, 1000, &p->oom_score_adj,
		   &p->has_oom_score_adj);
	if (r < 0)
		return r;
	r = parse_scheduler(c, v, at, &p->scheduler);
	if (r < 0)
		return r;
	r = parse_io_priority(c, v, at, &p->io_priority);
	if (r < 0)
		return r;
	return parse_exec_cpu_affinity(c, v, at, &p->exec_cpu_affinity);
}

int sp_parse_process(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		     struct spec_process *p)
{
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = parse_command(c, v, at, p);
	if (r < 0)
		return r;
	r = parse_security(c, v, at, p);
	if (r < 0)
		return r;
	r = parse_limits(c, v, at, p);
	return r < 0 ? r : 0;
}
