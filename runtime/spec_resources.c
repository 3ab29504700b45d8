/* config.json "linux.resources" (and update --resources FILE) into the
 * cgroups room's struct cg_resources. */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "runtime/spec_internal.h"

/* Device numbers as makedev() takes them; -1 is "any" ('*' in the
 * cgroup device syntax), which docker writes for wildcards. */
#define DEV_NUMBER_MAX ((int64_t)UINT32_MAX)

/* --- devices ---------------------------------------------------------------------- */

static int parse_rule_type(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			   struct cg_device_rule *d)
{
	const char *type = NULL;
	int r = sp_string(c, v, at, "type", SP_OPTIONAL, &type);
	if (r < 0)
		return r;
	/* config-linux.md: unset means "all", mapping to a. */
	d->type = 'a';
	if (!type)
		return 0;
	if (strlen(type) != 1 || !strchr("acb", type[0])) {
		struct sp_path tp = sp_key(at, "type");
		return sp_fail(c, &tp, "unknown device type %s (expected a, c or b)",
			       sp_quote(c, type));
	}
	d->type = type[0];
	return 0;
}

/* Letters from "rwm", stored in that order whatever order (or repetition)
 * the config used, so access[] can never overflow. */
static int parse_rule_access(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			     struct cg_device_rule *d)
{
	const char *access = NULL;
	int r = sp_string(c, v, at, "access", SP_OPTIONAL, &access);
	if (r <= 0)
		return r;
	if (access[strspn(access, "rwm")]) {
		struct sp_path ap = sp_key(at, "access");
		return sp_fail(c, &ap, "invalid access %s (expected letters from \"rwm\")",
			       sp_quote(c, access));
	}
	size_t n = 0;
	for (const char *l = "rwm"; *l; l++)
		if (strchr(access, *l))
			d->access[n++] = *l;
	d->access[n] = '\0';
	return 0;
}

static int parse_device_rule(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			     void *item)
{
	struct cg_device_rule *d = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_bool(c, v, at, "allow", SP_REQUIRED, &d->allow, NULL);
	if (r < 0)
		return r;
	r = parse_rule_type(c, v, at, d);
	if (r < 0)
		return r;
	d->major = d->minor = -1;
	r = sp_i64(c, v, at, "major", SP_OPTIONAL, -1, DEV_NUMBER_MAX, &d->major, NULL);
	if (r < 0)
		return r;
	r = sp_i64(c, v, at, "minor", SP_OPTIONAL, -1, DEV_NUMBER_MAX, &d->minor, NULL);
	if (r < 0)
		return r;
	return parse_rule_access(c, v, at, d);
}

/* --- memory, cpu ------------------------------------------------------------------ */

/* Byte limits: -1 is "unlimited"; nothing below it means anything. */
static int parse_limit(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		       const char *key, int64_t *out, bool *has)
{
	return sp_i64(c, v, at, key, SP_OPTIONAL, -1, INT64_MAX, out, has);
}

static int parse_memory_limits(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			       struct cg_memory *m)
{
	int r = parse_limit(c, v, at, "limit", &m->limit, &m->has_limit);
	if (r < 0)
		return r;
	r = parse_limit(c, v, at, "reservation", &m->reservation, &m->has_reservation);
	if (r < 0)
		return r;
	r = parse_limit(c, v, at, "swap", &m->swap, &m->has_swap);
	if (r < 0)
		return r;
	r = parse_limit(c, v, at, "kernel", &m->kernel, &m->has_kernel);
	if (r < 0)
		return r;
	return parse_limit(c, v, at, "kernelTCP", &m->kernel_tcp, &m->has_kernel_tcp);
}

static int parse_memory(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			struct cg_resources *res)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "memory", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "memory");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	res->has_memory = true;
	struct cg_memory *m = &res->memory;
	r = parse_memory_limits(c, v, &p, m);
	if (r < 0)
		return r;
	/* config-linux.md: "The values are from 0 to 100." */
	r = sp_u64(c, v, &p, "swappiness", SP_OPTIONAL, 100, &m->swappiness, &m->has_swappiness);
	if (r < 0)
		return r;
	r = sp_bool(c, v, &p, "disableOOMKiller", SP_OPTIONAL, &m->disable_oom_killer,
		    &m->has_disable_oom_killer);
	if (r < 0)
		return r;
	r = sp_bool(c, v, &p, "useHierarchy", SP_OPTIONAL, &m->use_hierarchy,
		    &m->has_use_hierarchy);
	if (r < 0)
		return r;
	return sp_bool(c, v, &p, "checkBeforeUpdate", SP_OPTIONAL, &m->check_before_update,
		       &m->has_check_before_update);
}

static int parse_cpu_bandwidth(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			       struct cg_cpu *cpu)
{
	int r = sp_u64(c, v, at, "shares", SP_OPTIONAL, UINT64_MAX, &cpu->shares, &cpu->has_shares);
	if (r < 0)
		return r;
	r = parse_limit(c, v, at, "quota", &cpu->quota, &cpu->has_quota);
	if (r < 0)
		return r;
	r = sp_u64(c, v, at, "burst", SP_OPTIONAL, UINT64_MAX, &cpu->burst, &cpu->has_burst);
	if (r < 0)
		return r;
	/* config-linux.md: burst MUST be no larger than a positive quota. */
	if (cpu->has_burst && cpu->has_quota && cpu->quota > 0 &&
	    cpu->burst > (uint64_t)cpu->quota) {
		struct sp_path bp = sp_key(at, "burst");
		return sp_fail(c, &bp, "%" PRIu64 " is larger than quota %" PRId64, cpu->burst,
			       cpu->quota);
	}
	r = sp_u64(c, v, at, "period", SP_OPTIONAL, UINT64_MAX, &cpu->period, &cpu->has_period);
	if (r < 0)
		return r;
	r = parse_limit(c, v, at, "realtimeRuntime", &cpu->realtime_runtime,
			&cpu->has_realtime_runtime);
	if (r < 0)
		return r;
	return sp_u64(c, v, at, "realtimePeriod", SP_OPTIONAL, UINT64_MAX, &cpu->realtime_period,
		      &cpu->has_realtime_period);
}

static int parse_cpu(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
		     struct cg_resources *res)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "cpu", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "cpu");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	res->has_cpu = true;
	struct cg_cpu *cpu = &res->cpu;
	r = parse_cpu_bandwidth(c, v, &p, cpu);
	if (r < 0)
		return r;
	r = sp_string(c, v, &p, "cpus", SP_OPTIONAL, &cpu->cpus);
	if (r < 0)
		return r;
	r = sp_string(c, v, &p, "mems", SP_OPTIONAL, &cpu->mems);
	if (r < 0)
		return r;
	/* config-linux.md: "0: default behavior, 1: SCHED_IDLE". */
	return sp_i64(c, v, &p, "idle", SP_OPTIONAL, 0, 1, &cpu->idle, &cpu->has_idle);
}

/* --- block I/O ---------------------------------------------------------------------- */

/* The blkio weight range of config-linux.md's schema. */
static int parse_weight(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			const char *key, uint16_t *out, bool *has)
{
	int w = 0;
	int r = sp_int(c, v, at, key, SP_OPTIONAL, 10, 1000, &w, has);
	if (r > 0)
		*out = (uint16_t)w;
	return r;
}

static int parse_major_minor(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			     int64_t *major, int64_t *minor)
{
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_i64(c, v, at, "major", SP_REQUIRED, 0, DEV_NUMBER_MAX, major, NULL);
	if (r < 0)
		return r;
	return sp_i64(c, v, at, "minor", SP_REQUIRED, 0, DEV_NUMBER_MAX, minor, NULL);
}

static int parse_weight_device(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			       void *item)
{
	struct cg_weight_device *d = item;
	int r = parse_major_minor(c, v, at, &d->major, &d->minor);
	if (r < 0)
		return r;
	r = parse_weight(c, v, at, "weight", &d->weight, &d->has_weight);
	if (r < 0)
		return r;
	r = parse_weight(c, v, at, "leafWeight", &d->leaf_weight, &d->has_leaf_weight);
	if (r < 0)
		return r;
	/* config-linux.md: at least one of them MUST be given. */
	if (!d->has_weight && !d->has_leaf_weight)
		return sp_fail(c, at, "needs \"weight\" or \"leafWeight\"");
	return 0;
}

static int parse_throttle_device(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
				 void *item)
{
	struct cg_throttle_device *d = item;
	int r = parse_major_minor(c, v, at, &d->major, &d->minor);
	if (r < 0)
		return r;
	return sp_u64(c, v, at, "rate", SP_REQUIRED, UINT64_MAX, &d->rate, NULL);
}

static const char *const throttle_keys[CG_THROTTLE__COUNT] = {
	[CG_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
	[CG_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
	[CG_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
	[CG_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int parse_blkio_devices(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			       struct cg_blkio *b)
{
	void *items = NULL;
	int r = sp_array(c, v, at, "weightDevice", sizeof(struct cg_weight_device),
			 parse_weight_device, &items, &b->n_weight_devices);
	if (r < 0)
		return r;
	b->weight_devices = items;
	for (int k = 0; k < CG_THROTTLE__COUNT; k++) {
		items = NULL;
		r = sp_array(c, v, at, throttle_keys[k], sizeof(struct cg_throttle_device),
			     parse_throttle_device, &items, &b->n_throttle[k]);
		if (r < 0)
			return r;
		b->throttle[k] = items;
	}
	return 0;
}

static int parse_blkio(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
		       struct cg_resources *res)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "blockIO", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "blockIO");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	res->has_blkio = true;
	struct cg_blkio *b = &res->blkio;
	r = parse_weight(c, v, &p, "weight", &b->weight, &b->has_weight);
	if (r < 0)
		return r;
	r = parse_weight(c, v, &p, "leafWeight", &b->leaf_weight, &b->has_leaf_weight);
	if (r < 0)
		return r;
	return parse_blkio_devices(c, v, &p, b);
}

/* --- hugetlb, network, pids, rdma, unified --------------------------------------- */

/* "<size><unit-prefix>B" (64KB, 2MB, 1GB): it becomes part of a cgroup
 * file name (hugetlb.2MB.max), so nothing else may get through. */
static bool page_size_ok(const char *s)
{
	size_t digits = strspn(s, "0123456789");
	if (digits == 0)
		return false;
	s += digits;
	if (*s && strchr("KMGTPE", *s))
		s++;
	return !strcmp(s, "B");
}

static int parse_hugepage(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct cg_hugepage_limit *h = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "pageSize", SP_REQUIRED, &h->page_size);
	if (r < 0)
		return r;
	if (!page_size_ok(h->page_size)) {
		struct sp_path pp = sp_key(at, "pageSize");
		return sp_fail(c, &pp, "invalid page size %s (expected e.g. \"2MB\")",
			       sp_quote(c, h->page_size));
	}
	return sp_u64(c, v, at, "limit", SP_REQUIRED, UINT64_MAX, &h->limit, NULL);
}

static int parse_priority(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct cg_net_priority *np = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "name", SP_REQUIRED, &np->name);
	if (r < 0)
		return r;
	/* Written as "NAME PRIO" lines into net_prio.ifpriomap. */
	if (!sp_is_ifname(np->name)) {
		struct sp_path nn = sp_key(at, "name");
		return sp_fail(c, &nn, "invalid interface name %s", sp_quote(c, np->name));
	}
	return sp_u32(c, v, at, "priority", SP_REQUIRED, &np->priority, NULL);
}

static int parse_network(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			 struct cg_resources *res)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "network", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "network");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	res->has_network = true;
	struct cg_network *n = &res->network;
	r = sp_u32(c, v, &p, "classID", SP_OPTIONAL, &n->class_id, &n->has_class_id);
	if (r < 0)
		return r;
	void *items = NULL;
	r = sp_array(c, v, &p, "priorities", sizeof(struct cg_net_priority), parse_priority,
		     &items, &n->n_priorities);
	n->priorities = items;
	return r;
}

static int parse_pids(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
		      struct cg_resources *res)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "pids", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "pids");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	res->has_pids = true;
	/* Required before 1.3, optional since (absent = no limit): accept both. */
	return sp_i64(c, v, &p, "limit", SP_OPTIONAL, INT64_MIN, INT64_MAX, &res->pids_limit,
		      &res->has_pids_limit);
}

/* The key becomes the first word of an rdma.max line. */
static bool rdma_device_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

static int parse_rdma(struct sp_ctx *c, const char *key, jl_json_val v, const struct sp_path *at,
		      void *item)
{
	struct cg_rdma *d = item;
	if (!rdma_device_ok(key))
		return sp_fail(c, at, "invalid RDMA device name");
	d->device = key;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_u32(c, v, at, "hcaHandles", SP_OPTIONAL, &d->hca_handles, &d->has_hca_handles);
	if (r < 0)
		return r;
	r = sp_u32(c, v, at, "hcaObjects", SP_OPTIONAL, &d->hca_objects, &d->has_hca_objects);
	if (r < 0)
		return r;
	/* config-linux.md: at least one of them MUST be given. */
	if (!d->has_hca_handles && !d->has_hca_objects)
		return sp_fail(c, at, "needs \"hcaHandles\" or \"hcaObjects\"");
	return 0;
}

static int parse_unified(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			 struct cg_resources *res)
{
	struct spec_kvv kv = {0};
	int r = sp_kvv(c, obj, at, "unified", &kv);
	if (r <= 0)
		return r;
	/* Each key is a file in the container's cgroup directory. */
	struct sp_path p = sp_key(at, "unified");
	for (size_t i = 0; i < kv.n; i++) {
		if (!sp_is_file_name(kv.v[i].key)) {
			struct sp_path e = sp_map_key(&p, kv.v[i].key);
			return sp_fail(c, &e, "invalid cgroup file name");
		}
	}
	/* struct spec_kv and struct cg_kv are the same pair of strings. */
	struct cg_kv *u = kv.n ? jl_arena_alloc(c->arena, kv.n * sizeof(*u)) : NULL;
	for (size_t i = 0; i < kv.n; i++)
		u[i] = (struct cg_kv){.key = kv.v[i].key, .value = kv.v[i].value};
	res->unified = u;
	res->n_unified = kv.n;
	return 0;
}

/* --- resources ---------------------------------------------------------------------- */

static int parse_lists(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		       struct cg_resources *res)
{
	void *items = NULL;
	int r = sp_array(c, v, at, "devices", sizeof(struct cg_device_rule), parse_device_rule,
			 &items, &res->n_devices);
	if (r < 0)
		return r;
	res->devices = items;
	items = NULL;
	r = sp_array(c, v, at, "hugepageLimits", sizeof(struct cg_hugepage_limit), parse_hugepage,
		     &items, &res->n_hugepage_limits);
	if (r < 0)
		return r;
	res->hugepage_limits = items;
	items = NULL;
	r = sp_map(c, v, at, "rdma", sizeof(struct cg_rdma), parse_rdma, &items, &res->n_rdma);
	if (r < 0)
		return r;
	res->rdma = items;
	return parse_unified(c, v, at, res);
}

int sp_parse_resources(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		       struct cg_resources *res)
{
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = parse_memory(c, v, at, res);
	if (r < 0)
		return r;
	r = parse_cpu(c, v, at, res);
	if (r < 0)
		return r;
	r = parse_blkio(c, v, at, res);
	if (r < 0)
		return r;
	r = parse_network(c, v, at, res);
	if (r < 0)
		return r;
	r = parse_pids(c, v, at, res);
	if (r < 0)
		return r;
	r = parse_lists(c, v, at, res);
	return r < 0 ? r : 0;
}
