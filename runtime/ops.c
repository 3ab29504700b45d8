/* Operations on a running container's cgroup: pause, resume, ps, update. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
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

/* The container, alive, with its cgroup open.  `what` names the operation
 * in errors: "cannot pause container \"x\": container not running". */
static int open_target(const struct jl_global *g, const char *id, bool lock, const char *what,
		       struct target *t, struct jl_err **err)
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
	if (t->status == JL_STATUS_STOPPED)
		return jl_err_code(err, ESRCH, "cannot %s container \"%s\": container not running",
				   what, id);
	if (!t->st.cgroup_path)
		return jl_err_code(err, EOPNOTSUPP,
				   "cannot %s container \"%s\": it has no cgroup "
				   "(created with --cgroup-manager=disabled)",
				   what, id);
	t->root.mode = CG_MODE_UNIFIED;
	snprintf(t->root.mount, sizeof(t->root.mount), "%s", t->st.cgroup_mount);
	return cg_open(&t->root, t->st.cgroup_path, &t->cg, err);
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

int jl_container_pids(const struct jl_global *g, const char *id, pid_t **pids, size_t *n,
		      struct jl_err **err)
{
	struct target t;
	int r = open_target(g, id, false, "list processes of", &t, err);
	if (r == 0)
		r = cg_read_pids(&t.cg, pids, n, err);
	target_close(&t);
	return r;
}

/* --- update --------------------------------------------------------------- */

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

static int apply_memory_flags(const struct jl_update_opts *o, struct cg_resources *res,
			      struct jl_err **err)
{
	struct cg_memory *m = &res->memory;
	int r = 0;
	if (o->memory && (r = parse_bytes("memory", o->memory, &m->limit, err)) == 0)
		m->has_limit = res->has_memory = true;
	if (r == 0 && o->memory_swap &&
	    (r = parse_bytes("memory-swap", o->memory_swap, &m->swap, err)) == 0)
		m->has_swap = res->has_memory = true;
	if (r == 0 && o->memory_reservation &&
	    (r = parse_bytes("memory-reservation", o->memory_reservation, &m->reservation, err)) ==
		    0)
		m->has_reservation = res->has_memory = true;
	return r;
}

static int apply_cpu_flags(const struct jl_update_opts *o, struct cg_resources *res,
			   struct jl_err **err)
{
	struct cg_cpu *c = &res->cpu;
	int64_t v;
	int r = 0;
	if (o->cpu_quota && (r = parse_num("cpu-quota", o->cpu_quota, &v, err)) == 0)
		c->quota = v, c->has_quota = res->has_cpu = true;
	if (r == 0 && o->cpu_period && (r = parse_num("cpu-period", o->cpu_period, &v, err)) == 0) {
		if (v <= 0)
			return jl_err_code(err, EINVAL, "--cpu-period: must be positive");
		c->period = (uint64_t)v, c->has_period = res->has_cpu = true;
	}
	if (r == 0 && o->cpu_shares && (r = parse_num("cpu-shares", o->cpu_shares, &v, err)) == 0) {
		if (v < 0)
			return jl_err_code(err, EINVAL, "--cpu-shares: must not be negative");
		c->shares = (uint64_t)v, c->has_shares = res->has_cpu = true;
	}
	if (o->cpuset_cpus)
		c->cpus = o->cpuset_cpus, res->has_cpu = true;
	if (o->cpuset_mems)
		c->mems = o->cpuset_mems, res->has_cpu = true;
	return r;
}

static int apply_flags(const struct jl_update_opts *o, struct cg_resources *res,
		       struct jl_err **err)
{
	int r = apply_memory_flags(o, res, err);
	if (r == 0)
		r = apply_cpu_flags(o, res, err);
	int64_t v;
	if (r == 0 && o->pids_limit && (r = parse_num("pids-limit", o->pids_limit, &v, err)) == 0)
		res->pids_limit = v, res->has_pids_limit = res->has_pids = true;
	if (r == 0 && o->blkio_weight &&
	    (r = parse_num("blkio-weight", o->blkio_weight, &v, err)) == 0) {
		if (v < 10 || v > 1000)
			return jl_err_code(err, ERANGE, "--blkio-weight: must be 10 to 1000");
		res->blkio.weight = (uint16_t)v;
		res->blkio.has_weight = res->has_blkio = true;
	}
	return r;
}

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
	char controllers[256];
	if (r == 0)
		r = cg_required_controllers(&res, controllers, sizeof(controllers), err);
	if (r == 0)
		r = cg_enable(&t.root, t.st.cgroup_path, controllers, err);
	if (r == 0)
		r = cg_update_resources(&t.cg, &res, err);
	if (r == 0 && res.n_devices)
		r = update_devices(&t, &res, err);
	if (r < 0)
		jl_err_wrap(err, "update container \"%s\"", id);
	target_close(&t);
	jl_json_free(tree);
	jl_arena_free(&arena);
	return r;
}
