/* Operations on a running container's cgroup: pause, resume, ps, update
 * (cgroup files, and Intel RDT schemata for runc's --l3-cache-schema and
 * --mem-bw-schema). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "cgroups/systemd.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/spec.h"
#include "runtime/state.h"
#include "runtime/util.h"

struct target {
	int dirfd;
	struct jl_state st;
	enum jl_status status;
	struct cg_root root;
	struct cg_handle cg;
};

static void target_close(struct target *t)
{
	if (t->dirfd >= 0)
		close(t->dirfd);
	cg_handle_close(&t->cg);
	jl_state_free(&t->st);
}

/* The container's state and live status, whatever that status is. */
static int open_state(const struct jl_global *g, const char *id, bool lock, struct target *t,
		      struct jl_err **err)
{
	*t = (struct target){.dirfd = -1, .cg = CG_HANDLE_INIT};
	if (!jl_id_valid(id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", id);
	t->dirfd = jl_state_dir_open(g->root, id, lock, err);
	if (t->dirfd < 0)
		return t->dirfd;
	int r = jl_state_read(t->dirfd, id, &t->st, err);
	if (r < 0)
		return r;
	t->status = lock ? jl_state_status_locked(t->dirfd, &t->st)
			 : jl_state_status(t->dirfd, &t->st);
	return 0;
}

static int open_cgroup(struct target *t, struct jl_err **err)
{
	t->root.mode = CG_MODE_UNIFIED;
	snprintf(t->root.mount, sizeof(t->root.mount), "%s", t->st.cgroup_mount);
	return cg_open(&t->root, t->st.cgroup_path, &t->cg, err);
}

/* The container, alive, with its cgroup open.  `what` names the operation
 * in errors: "cannot pause container \"x\": container not running". */
static int open_target(const struct jl_global *g, const char *id, bool lock, const char *what,
		       struct target *t, struct jl_err **err)
{
	int r = open_state(g, id, lock, t, err);
	if (r < 0)
		return r;
	if (t->status == JL_STATUS_STOPPED)
		return jl_err_code(err, ESRCH, "cannot %s container \"%s\": container not running",
				   what, id);
	if (!t->st.cgroup_path)
		return jl_err_code(err, EOPNOTSUPP,
				   "cannot %s container \"%s\": it has no cgroup "
				   "(created with --cgroup-manager=disabled)",
				   what, id);
	return open_cgroup(t, err);
}

static int set_frozen(const struct jl_global *g, const char *id, bool frozen,
		      struct jl_err **err)
{
	struct target t;
	int r = open_target(g, id, true, frozen ? "pause" : "resume", &t, err);
	if (r == 0 && frozen && t.status == JL_STATUS_PAUSED)
		r = jl_err_code(err, EALREADY, "container \"%s\" is already paused", id);
	else if (r == 0 && !frozen && t.status != JL_STATUS_PAUSED)
		r = jl_err_code(err, EINVAL, "container \"%s\" is not paused", id);
	if (r == 0)
		r = cg_freeze(&t.cg, frozen, err);
	target_close(&t);
	return r;
}

int jl_container_pause(const struct jl_global *g, const char *id, struct jl_err **err)
{
	return set_frozen(g, id, true, err);
}

int jl_container_resume(const struct jl_global *g, const char *id, struct jl_err **err)
{
	return set_frozen(g, id, false, err);
}

/* --- ps ------------------------------------------------------------------- */

/* Like runc: a stopped container lists what is left in its cgroup (a process
 * that outlived an init without a pid namespace), and nothing once the
 * cgroup is gone, which is not an error (the runc shim asks after exits). */
static int stopped_pids(struct target *t, pid_t **pids, size_t *n, struct jl_err **err)
{
	*pids = NULL;
	*n = 0;
	if (!t->st.cgroup_path)
		return 0;
	int r = open_cgroup(t, err);
	if (r == -ENOENT) {
		jl_err_free(err);
		return 0;
	}
	return r < 0 ? r : cg_read_tree_pids(&t->cg, pids, n, err);
}

int jl_container_pids(const struct jl_global *g, const char *id, pid_t **pids, size_t *n,
		      struct jl_err **err)
{
	struct target t;
	int r = open_state(g, id, false, &t, err);
	if (r == 0 && t.status == JL_STATUS_STOPPED) {
		r = stopped_pids(&t, pids, n, err);
	} else if (r == 0 && !t.st.cgroup_path) {
		r = jl_err_code(err, EOPNOTSUPP,
				"cannot list processes of container \"%s\": it has no cgroup "
				"(created with --cgroup-manager=disabled)",
				id);
	} else if (r == 0) {
		/* The whole subtree: exec --cgroup puts processes in a
		 * sub-cgroup, and a container may build its own tree below. */
		r = open_cgroup(&t, err);
		if (r == 0)
			r = cg_read_tree_pids(&t.cg, pids, n, err);
	}
	target_close(&t);
	return r;
}

/* --- update: flags --------------------------------------------------------- */

/* Every flag `update` accepts either changes a cgroup (or resctrl) file or
 * is refused, naming it: a flag that is silently not applied would let the
 * caller believe a limit holds that does not. */

/* "512m", "1G", "1024", "-1": docker's units (powers of 1024). */
static int parse_bytes(const char *flag, const char *s, int64_t *out, struct jl_err **err)
{
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return jl_err_code(err, EINVAL, "--%s: invalid size \"%s\"", flag, s);
	unsigned shift = 0;
	const char *u = end;
	if (*u) {
		static const char units[] = "kmgtp";
		const char *p = strchr(units, (char)(*u | 0x20));
		if (!p)
			return jl_err_code(err, EINVAL, "--%s: invalid unit in \"%s\"", flag, s);
		shift = 10u * (unsigned)(p - units + 1);
		u++;
		if (*u == 'b' || *u == 'B')
			u++;
		if (*u)
			return jl_err_code(err, EINVAL, "--%s: invalid size \"%s\"", flag, s);
	}
	if (shift && v > (unsigned long long)INT64_MAX >> shift)
		return jl_err_code(err, ERANGE, "--%s: \"%s\" is too large", flag, s);
	*out = (int64_t)(v << shift);
	return 0;
}

static int parse_num(const char *flag, const char *s, int64_t *out, struct jl_err **err)
{
	if (jl_parse_i64(s, 10, out) < 0)
		return jl_err_code(err, EINVAL, "--%s: invalid number \"%s\"", flag, s);
	return 0;
}

/* 0 is runc's "unset" for these, which runc then skips without a word;
 * here it is an error that says what to write instead. */
static int refuse_zero(const char *flag, int64_t v, const char *instead, struct jl_err **err)
{
	if (v == 0)
		return jl_err_code(err, EINVAL, "--%s: 0 is not a valid value (%s)", flag, instead);
	return 0;
}

static int memory_flag(const char *flag, const char *s, int64_t *out, bool *has,
		       bool zero_ok, struct jl_err **err)
{
	if (!s)
		return 0;
	int r = parse_bytes(flag, s, out, err);
	if (r == 0 && !zero_ok)
		r = refuse_zero(flag, *out, "-1 is unlimited", err);
	if (r == 0)
		*has = true;
	return r;
}

static int apply_memory_flags(const struct jl_update_opts *o, struct cg_resources *res,
			      struct jl_err **err)
{
	struct cg_memory *m = &res->memory;
	int r = memory_flag("memory", o->memory, &m->limit, &m->has_limit, false, err);
	if (r == 0)
		r = memory_flag("memory-swap", o->memory_swap, &m->swap, &m->has_swap, false, err);
	/* 0 takes a reservation back: memory.low 0 (resources.c). */
	if (r == 0)
		r = memory_flag("memory-reservation", o->memory_reservation, &m->reservation,
				&m->has_reservation, true, err);
	res->has_memory = res->has_memory || m->has_limit || m->has_swap || m->has_reservation;
	return r;
}

static int cpu_bandwidth_flags(const struct jl_update_opts *o, struct cg_cpu *c,
			       struct jl_err **err)
{
	int64_t v;
	int r = 0;
	if (o->cpu_quota && (r = parse_num("cpu-quota", o->cpu_quota, &v, err)) == 0 &&
	    (r = refuse_zero("cpu-quota", v, "-1 is unlimited", err)) == 0)
		c->quota = v, c->has_quota = true;
	if (r == 0 && o->cpu_period && (r = parse_num("cpu-period", o->cpu_period, &v, err)) == 0) {
		if (v <= 0)
			return jl_err_code(err, EINVAL, "--cpu-period: must be positive");
		c->period = (uint64_t)v, c->has_period = true;
	}
	if (r == 0 && o->cpu_burst && (r = parse_num("cpu-burst", o->cpu_burst, &v, err)) == 0) {
		if (v < 0)
			return jl_err_code(err, EINVAL, "--cpu-burst: must not be negative");
		c->burst = (uint64_t)v, c->has_burst = true;
	}
	return r;
}

static int cpu_weight_flags(const struct jl_update_opts *o, struct cg_cpu *c,
			    struct jl_err **err)
{
	int64_t v;
	int r = 0;
	if (o->cpu_shares && (r = parse_num("cpu-shares", o->cpu_shares, &v, err)) == 0) {
		if (v <= 0)
			return jl_err_code(err, EINVAL,
					   "--cpu-shares: %s is not a valid value (2 to 262144; "
					   "1024 is the default)",
					   o->cpu_shares);
		c->shares = (uint64_t)v, c->has_shares = true;
	}
	if (r == 0 && o->cpu_idle && (r = parse_num("cpu-idle", o->cpu_idle, &v, err)) == 0) {
		if (v != 0 && v != 1)
			return jl_err_code(err, EINVAL, "--cpu-idle: must be 0 or 1");
		c->idle = v, c->has_idle = true;
	}
	return r;
}

/* cgroup v2 has no realtime bandwidth.  runc accepts these on v2 and writes
 * nothing; crun refuses.  Refusing is the only answer that does not leave
 * the caller believing realtime tasks are capped. */
static int refuse_rt_flags(const struct jl_update_opts *o, struct jl_err **err)
{
	const char *flag = o->cpu_rt_period ? "cpu-rt-period" : "cpu-rt-runtime";
	const char *val = o->cpu_rt_period ? o->cpu_rt_period : o->cpu_rt_runtime;
	if (!val)
		return 0;
	int64_t v;
	int r = parse_num(flag, val, &v, err);
	if (r < 0)
		return r;
	return jl_err_code(err, EOPNOTSUPP,
			   "--%s: cgroup v2 has no realtime CPU bandwidth (cpu.rt_period_us and "
			   "cpu.rt_runtime_us exist only in cgroup v1): not applied",
			   flag);
}

static int apply_cpu_flags(const struct jl_update_opts *o, struct cg_resources *res,
			   struct jl_err **err)
{
	struct cg_cpu *c = &res->cpu;
	int r = refuse_rt_flags(o, err);
	if (r == 0)
		r = cpu_bandwidth_flags(o, c, err);
	if (r == 0)
		r = cpu_weight_flags(o, c, err);
	if (r < 0)
		return r;
	/* An empty list would mean "inherit the parent's" in cgroup v2, but
	 * runc reads it as "not given": say so rather than guess. */
	if (o->cpuset_cpus && !*o->cpuset_cpus)
		return jl_err_code(err, EINVAL, "--cpuset-cpus: empty value (give a list: 0-1,3)");
	if (o->cpuset_mems && !*o->cpuset_mems)
		return jl_err_code(err, EINVAL, "--cpuset-mems: empty value (give a list: 0)");
	if (o->cpuset_cpus)
		c->cpus = o->cpuset_cpus;
	if (o->cpuset_mems)
		c->mems = o->cpuset_mems;
	res->has_cpu = res->has_cpu || c->has_quota || c->has_period || c->has_burst ||
		       c->has_shares || c->has_idle || c->cpus || c->mems;
	return 0;
}

/* runc's obsolete flags: accepted so scripts written for runc still run,
 * with runc's warning, never silently. */
static void warn_obsolete_flags(const struct jl_update_opts *o)
{
	if (o->kernel_memory)
		jl_warn("--kernel-memory is ignored: cgroup v2 has no separate kernel memory "
			"limit (memory.max counts kernel memory)");
	if (o->kernel_memory_tcp)
		jl_warn("--kernel-memory-tcp is ignored: cgroup v2 has no separate TCP buffer "
			"limit (memory.max counts socket memory)");
}

static int apply_flags(const struct jl_update_opts *o, struct cg_resources *res,
		       struct jl_err **err)
{
	int r = apply_memory_flags(o, res, err);
	if (r == 0)
		r = apply_cpu_flags(o, res, err);
	int64_t v;
	/* <= 0 is "max" (resources.c), as in linux.resources.pids.limit. */
	if (r == 0 && o->pids_limit && (r = parse_num("pids-limit", o->pids_limit, &v, err)) == 0)
		res->pids_limit = v, res->has_pids_limit = res->has_pids = true;
	if (r == 0 && o->blkio_weight &&
	    (r = parse_num("blkio-weight", o->blkio_weight, &v, err)) == 0) {
		if (v < 10 || v > 1000)
			return jl_err_code(err, ERANGE, "--blkio-weight: must be 10 to 1000");
		res->blkio.weight = (uint16_t)v;
		res->blkio.has_weight = res->has_blkio = true;
	}
	if (r == 0)
		warn_obsolete_flags(o);
	return r;
}

/* --- update: Intel RDT ------------------------------------------------------ */

#define RESCTRL_ROOT "/sys/fs/resctrl"
#define RDTGROUP_SUPER_MAGIC 0x7655821 /* include/uapi/linux/magic.h */

struct rdt_kind {
	const char *flag;
	const char *what;                /* for messages */
	const char *const prefixes[4];   /* the schemata lines it may set */
	const char *const info[3];       /* resctrl/info/ entries that show the feature */
};

static const struct rdt_kind rdt_l3 = {
	"l3-cache-schema", "L3 cache allocation (Intel RDT/CAT)",
	{"L3:", "L3CODE:", "L3DATA:", NULL}, {"info/L3", "info/L3CODE", NULL},
};
static const struct rdt_kind rdt_mb = {
	"mem-bw-schema", "memory bandwidth allocation (Intel RDT/MBA)",
	{"MB:", NULL}, {"info/MB", NULL},
};

static int check_schema(const struct rdt_kind *k, const char *value, struct jl_err **err)
{
	bool ok = false;
	for (size_t i = 0; k->prefixes[i]; i++)
		ok = ok || jl_str_has_prefix(value, k->prefixes[i]);
	if (!ok || strchr(value, '\n') || !strchr(value, '='))
		return jl_err_code(err, EINVAL,
				   "--%s: \"%s\": expected one schemata line such as \"%s0=ff;1=f\"",
				   k->flag, value, k->prefixes[0]);
	return 0;
}

/* The container's resctrl group, as runc names it: linux.intelRdt.closID,
 * else the container id. */
static char *rdt_group_name(const struct target *t)
{
	cleanup_free char *text = NULL;
	size_t len;
	cleanup_spec struct spec *s = NULL;
	if (jl_read_file_at(t->dirfd, JL_CONFIG_COPY, SPEC_MAX_BYTES, &text, &len, NULL) == 0 &&
	    spec_parse(text, len, "config.json", &s, NULL) == 0 && s->lnx.intel_rdt.clos_id)
		return xstrdup(s->lnx.intel_rdt.clos_id);
	return xstrdup(t->st.id);
}

/* The init's pid is among the group's tasks (a thread id list). */
static bool rdt_group_holds(int groupfd, pid_t pid)
{
	cleanup_free char *tasks = NULL;
	if (jl_read_file_at(groupfd, "tasks", 64u << 20, &tasks, NULL, NULL) < 0)
		return false;
	for (char *save, *l = strtok_r(tasks, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int tid;
		if (jl_parse_int(l, &tid) == 0 && tid == (int)pid)
			return true;
	}
	return false;
}

/* resctrl mounted, the feature there, and a group of the container's own:
 * its directory fd, or an error naming the flag.  Nothing is written. */
static int rdt_open_group(const struct target *t, const struct rdt_kind *k, struct jl_err **err)
{
	struct statfs sfs;
	if (statfs(RESCTRL_ROOT, &sfs) < 0 || sfs.f_type != RDTGROUP_SUPER_MAGIC)
		return jl_err_code(err, EOPNOTSUPP,
				   "--%s: Intel RDT is not available: no resctrl file system is "
				   "mounted at " RESCTRL_ROOT,
				   k->flag);
	cleanup_close int rootfd = open(RESCTRL_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool has = false;
	for (size_t i = 0; rootfd >= 0 && k->info[i]; i++)
		has = has || faccessat(rootfd, k->info[i], F_OK, 0) == 0;
	if (!has)
		return jl_err_code(err, EOPNOTSUPP, "--%s: this host's resctrl has no %s", k->flag,
				   k->what);
	cleanup_free char *name = rdt_group_name(t);
	int fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !rdt_group_holds(fd, t->st.pid)) {
		if (fd >= 0)
			close(fd);
		return jl_err_code(err, ENOENT,
				   "--%s: container \"%s\" has no resctrl group of its own (its init "
				   "is not in " RESCTRL_ROOT "/%s; this jaula does not create one "
				   "from linux.intelRdt)",
				   k->flag, t->st.id, name);
	}
	return fd;
}

static int rdt_write(int groupfd, const struct rdt_kind *k, const char *value,
		     struct jl_err **err)
{
	cleanup_free char *line = xasprintf("%s\n", value);
	int r = jl_write_file_at(groupfd, "schemata", line, strlen(line), NULL);
	if (r == 0)
		return 0;
	/* The kernel explains a refused line in info/last_cmd_status. */
	char why[256] = "";
	int fd = open(RESCTRL_ROOT "/info/last_cmd_status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, why, sizeof(why) - 1);
		why[n > 0 ? n : 0] = '\0';
		why[strcspn(why, "\n")] = '\0';
		close(fd);
	}
	return jl_err_code(err, -r, "--%s: write schemata \"%s\": %s%s%s%s", k->flag, value,
			   strerror(-r), *why ? " (resctrl: " : "", why, *why ? ")" : "");
}

struct rdt_update {
	const struct rdt_kind *kind;
	const char *value;
	int fd; /* the group's directory, once checked */
};

static int rdt_prepare(const struct target *t, struct rdt_update *u, size_t n,
		       struct jl_err **err)
{
	for (size_t i = 0; i < n; i++) {
		if (!u[i].value)
			continue;
		int r = check_schema(u[i].kind, u[i].value, err);
		if (r < 0)
			return r;
		u[i].fd = rdt_open_group(t, u[i].kind, err);
		if (u[i].fd < 0)
			return u[i].fd;
	}
	return 0;
}

static int rdt_apply(struct rdt_update *u, size_t n, struct jl_err **err)
{
	for (size_t i = 0; i < n; i++) {
		if (u[i].fd < 0)
			continue;
		int r = rdt_write(u[i].fd, u[i].kind, u[i].value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void rdt_close(struct rdt_update *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		closep(&u[i].fd);
}

/* --- update ----------------------------------------------------------------- */

static int read_resources(const char *file, struct jl_arena *arena, jl_json_val *tree,
			  struct cg_resources *res, struct jl_err **err)
{
	cleanup_free char *text = NULL;
	size_t len;
	bool stdin_ = !strcmp(file, "-");
	int r = jl_read_file_at(AT_FDCWD, stdin_ ? "/dev/stdin" : file, SPEC_MAX_BYTES, &text, &len,
				err);
	if (r < 0)
		return jl_err_wrap(err, "--resources");
	return spec_parse_resources(text, len, stdin_ ? "resources" : file, arena, tree, res, err);
}

static int update_devices(const struct target *t, const struct cg_resources *res,
			  struct jl_err **err)
{
	/* A new device list replaces the program (atomically, see devices.c):
	 * jaula's defaults and the new rules, as at create. */
	struct cg_bpf_prog prog = CG_BPF_PROG_INIT;
	int r = jl_build_device_prog(res->devices, res->n_devices, &prog, err);
	if (r == 0)
		r = cg_devices_attach(&t->cg, &prog, err);
	cg_bpf_prog_free(&prog);
	return r;
}

/* Everything is checked before anything is written: a refused flag leaves
 * the container as it was. */
static int update_target(struct target *t, const struct cg_resources *res,
			 const struct jl_update_opts *o, struct jl_err **err)
{
	struct rdt_update rdt[] = {{&rdt_l3, o->l3_cache_schema, -1},
				   {&rdt_mb, o->mem_bw_schema, -1}};
	char controllers[256];
	int r = cg_required_controllers(res, controllers, sizeof(controllers), err);
	if (r == 0)
		r = rdt_prepare(t, rdt, ARRAY_SIZE(rdt), err);
	if (r == 0)
		r = cg_enable(&t->root, t->st.cgroup_path, controllers, err);
	/* systemd first: it rewrites the files it owns from its properties, and
	 * the exact values jaula writes next must be the last word. */
	if (r == 0 && t->st.systemd_unit)
		r = cg_sd_set_resources(t->st.systemd_unit, res, err);
	if (r == 0)
		r = cg_update_resources(&t->cg, res, err);
	if (r == 0 && res->n_devices)
		r = update_devices(t, res, err);
	if (r == 0)
		r = rdt_apply(rdt, ARRAY_SIZE(rdt), err);
	rdt_close(rdt, ARRAY_SIZE(rdt));
	return r;
}

int jl_container_update(const struct jl_global *g, const char *id,
			const struct jl_update_opts *o, struct jl_err **err)
{
	struct cg_resources res = {0};
	struct jl_arena arena = {0};
	jl_json_val tree = NULL;
	int r = o->resources_file ? read_resources(o->resources_file, &arena, &tree, &res, err) : 0;
	if (r == 0)
		r = apply_flags(o, &res, err);
	struct target t = {.dirfd = -1, .cg = CG_HANDLE_INIT};
	if (r == 0)
		r = open_target(g, id, true, "update", &t, err);
	if (r == 0)
		r = update_target(&t, &res, o, err);
	if (r < 0)
		jl_err_wrap(err, "update container \"%s\"", id);
	target_close(&t);
	jl_json_free(tree);
	jl_arena_free(&arena);
	return r;
}
