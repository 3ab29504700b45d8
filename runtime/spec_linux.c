/* config.json "linux": namespaces, id maps, time offsets, devices, network
 * devices, paths, sysctl, Intel RDT, personality, memory policy.  Its two
 * big members have their own files, called from here only:
 * linux.resources (spec_resources.c) and linux.seccomp (spec_seccomp.c). */
#include <string.h>

#include "runtime/spec_internal.h"

/* --- namespaces and ids ------------------------------------------------------ */

static int parse_namespace(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct spec_namespace *ns = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	const char *type;
	r = sp_string(c, v, at, "type", SP_REQUIRED, &type);
	if (r < 0)
		return r;
	int t = ns_type_from_name(type);
	if (t < 0) {
		struct sp_path tp = sp_key(at, "type");
		return sp_fail(c, &tp, "unknown namespace type %s", sp_quote(c, type));
	}
	ns->type = (enum ns_type)t;
	/* config-linux.md: the path MUST be absolute in the runtime's mount
	 * namespace.  An empty one means "create", as in Go's omitempty. */
	r = sp_string(c, v, at, "path", SP_OPTIONAL, &ns->path);
	if (r < 0)
		return r;
	struct sp_path pp = sp_key(at, "path");
	return sp_absolute(c, &pp, ns->path);
}

static int parse_namespaces(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			    struct spec_linux *l)
{
	void *items = NULL;
	int r = sp_array(c, obj, at, "namespaces", sizeof(struct spec_namespace), parse_namespace,
			 &items, &l->n_namespaces);
	if (r <= 0)
		return r;
	l->namespaces = items;
	/* config-linux.md: a duplicated type MUST be an error. */
	struct sp_path p = sp_key(at, "namespaces");
	unsigned seen = 0;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		unsigned bit = 1u << l->namespaces[i].type;
		if (seen & bit) {
			struct sp_path e = sp_index(&p, i);
			return sp_fail(c, &e, "duplicate namespace type \"%s\"",
				       ns_type_name(l->namespaces[i].type));
		}
		seen |= bit;
	}
	return 0;
}

static int parse_time_offset(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			     struct ns_time_offset *o)
{
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	o->set = true;
	r = sp_i64(c, v, at, "secs", SP_OPTIONAL, INT64_MIN, INT64_MAX, &o->secs, NULL);
	if (r < 0)
		return r;
	uint64_t ns = 0;
	r = sp_u64(c, v, at, "nanosecs", SP_OPTIONAL, 999999999, &ns, NULL);
	o->nanosecs = (uint32_t)ns;
	return r;
}

/* The kernel offsets two clocks only (time_namespaces(7)); another name is
 * a typo that would otherwise be silently ignored. */
static int parse_time_offsets(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			      struct spec_linux *l)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "timeOffsets", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "timeOffsets");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	for (size_t i = 0; i < jl_json_len(v); i++) {
		const char *clock = jl_json_key_at(v, i);
		struct sp_path e = sp_map_key(&p, clock);
		struct ns_time_offset *o = !strcmp(clock, "monotonic") ? &l->time_monotonic
					   : !strcmp(clock, "boottime") ? &l->time_boottime
									: NULL;
		if (!o)
			return sp_fail(c, &e,
				       "unknown clock %s (expected \"monotonic\" or \"boottime\")",
				       sp_quote(c, clock));
		r = parse_time_offset(c, jl_json_value_at(v, i), &e, o);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- devices ---------------------------------------------------------------------- */

/* Device numbers as glibc's makedev() takes them: 32 bits each.  The spec
 * types them int64, but a negative or wider one names no device. */
#define DEV_NUMBER_MAX ((int64_t)UINT32_MAX)

static int parse_device_type(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			     struct spec_device *d)
{
	const char *type;
	int r = sp_string(c, v, at, "type", SP_REQUIRED, &type);
	if (r < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0])) {
		struct sp_path tp = sp_key(at, "type");
		return sp_fail(c, &tp, "unknown device type %s (expected c, b, u or p)",
			       sp_quote(c, type));
	}
	d->type = type[0];
	return 0;
}

static int parse_device_numbers(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
				struct spec_device *d)
{
	/* config-linux.md: major and minor are REQUIRED unless type is p. */
	enum sp_need need = d->type == 'p' ? SP_OPTIONAL : SP_REQUIRED;
	bool has_major = false, has_minor = false;
	int r = sp_i64(c, v, at, "major", need, 0, DEV_NUMBER_MAX, &d->major, &has_major);
	if (r < 0)
		return r;
	r = sp_i64(c, v, at, "minor", need, 0, DEV_NUMBER_MAX, &d->minor, &has_minor);
	if (r < 0)
		return r;
	d->has_major_minor = has_major && has_minor;
	return 0;
}

static int parse_device_owner(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			      struct spec_device *d)
{
	/* Permission bits plus setuid, setgid and sticky: nothing wider is a mode. */
	uint64_t mode = 0;
	int r = sp_u64(c, v, at, "fileMode", SP_OPTIONAL, 07777, &mode, &d->has_file_mode);
	if (r < 0)
		return r;
	d->file_mode = (uint32_t)mode;
	r = sp_u32(c, v, at, "uid", SP_OPTIONAL, &d->uid, &d->has_uid);
	if (r < 0)
		return r;
	return sp_u32(c, v, at, "gid", SP_OPTIONAL, &d->gid, &d->has_gid);
}

static int parse_device(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct spec_device *d = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = parse_device_type(c, v, at, d);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "path", SP_REQUIRED, &d->path);
	if (r < 0)
		return r;
	struct sp_path pp = sp_key(at, "path");
	r = sp_absolute(c, &pp, d->path);
	if (r < 0)
		return r;
	r = parse_device_numbers(c, v, at, d);
	if (r < 0)
		return r;
	return parse_device_owner(c, v, at, d);
}

static int parse_devices(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			 struct spec_linux *l)
{
	void *items = NULL;
	int r = sp_array(c, obj, at, "devices", sizeof(struct spec_device), parse_device, &items,
			 &l->n_devices);
	l->devices = items;
	return r;
}

static int parse_net_device(struct sp_ctx *c, const char *key, jl_json_val v,
			    const struct sp_path *at, void *item)
{
	struct spec_net_device *d = item;
	if (!sp_is_ifname(key))
		return sp_fail(c, at, "invalid interface name");
	d->host_name = key;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "name", SP_OPTIONAL, &d->name);
	if (r <= 0)
		return r;
	if (!sp_is_ifname(d->name)) {
		struct sp_path np = sp_key(at, "name");
		return sp_fail(c, &np, "invalid interface name %s", sp_quote(c, d->name));
	}
	return 0;
}

static int parse_net_devices(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			     struct spec_linux *l)
{
	void *items = NULL;
	int r = sp_map(c, obj, at, "netDevices", sizeof(struct spec_net_device), parse_net_device,
		       &items, &l->n_net_devices);
	l->net_devices = items;
	return r;
}

/* --- isolation: namespaces, ids, devices ------------------------------------ */

static int parse_isolation(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			   struct spec_linux *l)
{
	int r = parse_namespaces(c, v, at, l);
	if (r < 0)
		return r;
	r = sp_id_maps(c, v, at, "uidMappings", &l->uid_mappings);
	if (r < 0)
		return r;
	r = sp_id_maps(c, v, at, "gidMappings", &l->gid_mappings);
	if (r < 0)
		return r;
	r = parse_time_offsets(c, v, at, l);
	if (r < 0)
		return r;
	r = parse_devices(c, v, at, l);
	if (r < 0)
		return r;
	return parse_net_devices(c, v, at, l);
}

/* --- filesystem: propagation, masked and read-only paths ------------------- */

/* config-linux.md names four; the r-prefixed forms are what runc and crun
 * accept as well. */
static const char *const propagations[] = {
	"private", "rprivate", "shared",     "rshared",
	"slave",   "rslave",   "unbindable", "runbindable",
	NULL,
};

static int parse_paths(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
		       const char *key, struct spec_strv *out)
{
	int r = sp_strv(c, obj, at, key, SP_OPTIONAL, out);
	if (r <= 0)
		return r;
	/* config-linux.md: the values MUST be absolute paths. */
	struct sp_path p = sp_key(at, key);
	for (size_t i = 0; i < out->n; i++) {
		struct sp_path e = sp_index(&p, i);
		r = sp_absolute(c, &e, out->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_filesystem(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			    struct spec_linux *l)
{
	int r = sp_enum(c, v, at, "rootfsPropagation", SP_OPTIONAL, propagations,
			"rootfs propagation", &l->rootfs_propagation);
	if (r < 0)
		return r;
	r = parse_paths(c, v, at, "maskedPaths", &l->masked_paths);
	if (r < 0)
		return r;
	r = parse_paths(c, v, at, "readonlyPaths", &l->readonly_paths);
	if (r < 0)
		return r;
	return sp_string(c, v, at, "mountLabel", SP_OPTIONAL, &l->mount_label);
}

/* --- sysctl ---------------------------------------------------------------------- */

/* A sysctl name becomes a path below /proc/sys ("net.ipv4.ip_forward" ->
 * net/ipv4/ip_forward): refuse names that could climb out of it. */
static bool sysctl_name_ok(const char *k)
{
	return *k && *k != '.' && *k != '/' && !strstr(k, "..") && !strstr(k, "/.") &&
	       !strstr(k, "./");
}

static int parse_sysctl(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			struct spec_linux *l)
{
	int r = sp_kvv(c, obj, at, "sysctl", &l->sysctl);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "sysctl");
	for (size_t i = 0; i < l->sysctl.n; i++) {
		if (!sysctl_name_ok(l->sysctl.v[i].key)) {
			struct sp_path e = sp_map_key(&p, l->sysctl.v[i].key);
			return sp_fail(c, &e, "invalid sysctl name");
		}
	}
	return 0;
}

/* --- Intel RDT, personality, memory policy -------------------------------------- */

static int parse_rdt_schemas(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			     struct spec_intel_rdt *rdt)
{
	int r = sp_string(c, v, at, "closID", SP_OPTIONAL, &rdt->clos_id);
	if (r < 0)
		return r;
	/* closID names a directory under /sys/fs/resctrl. */
	if (rdt->clos_id && !sp_is_file_name(rdt->clos_id)) {
		struct sp_path cp = sp_key(at, "closID");
		return sp_fail(c, &cp, "invalid resctrl group name %s", sp_quote(c, rdt->clos_id));
	}
	r = sp_string(c, v, at, "l3CacheSchema", SP_OPTIONAL, &rdt->l3_cache_schema);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "memBwSchema", SP_OPTIONAL, &rdt->mem_bw_schema);
	if (r < 0)
		return r;
	/* config-linux.md: it MUST start with "MB:" and MUST NOT contain newlines. */
	const char *mb = rdt->mem_bw_schema;
	if (mb && (!jl_str_has_prefix(mb, "MB:") || strchr(mb, '\n'))) {
		struct sp_path mp = sp_key(at, "memBwSchema");
		return sp_fail(c, &mp, "must be one line starting with \"MB:\"");
	}
	return sp_strv(c, v, at, "schemata", SP_OPTIONAL, &rdt->schemata);
}

static int parse_intel_rdt(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			   struct spec_intel_rdt *rdt)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "intelRdt", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "intelRdt");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	rdt->set = true;
	r = parse_rdt_schemas(c, v, &p, rdt);
	if (r < 0)
		return r;
	r = sp_bool(c, v, &p, "enableMonitoring", SP_OPTIONAL, &rdt->enable_monitoring, NULL);
	if (r < 0)
		return r;
	r = sp_bool(c, v, &p, "enableCMT", SP_OPTIONAL, &rdt->enable_cmt, NULL);
	if (r < 0)
		return r;
	return sp_bool(c, v, &p, "enableMBM", SP_OPTIONAL, &rdt->enable_mbm, NULL);
}

static const char *const personality_domains[] = {"LINUX", "LINUX32", NULL};

static int parse_personality(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			     struct spec_personality *pers)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "personality", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "personality");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	pers->set = true;
	r = sp_enum(c, v, &p, "domain", SP_REQUIRED, personality_domains, "personality domain",
		    &pers->domain);
	if (r < 0)
		return r;
	return sp_strv(c, v, &p, "flags", SP_OPTIONAL, &pers->flags);
}

/* The modes and flags config-linux.md lists; runtime code maps them to
 * set_mempolicy(2) values. */
static const char *const mpol_modes[] = {
	"MPOL_DEFAULT",
	"MPOL_BIND",
	"MPOL_INTERLEAVE",
	"MPOL_WEIGHTED_INTERLEAVE",
	"MPOL_PREFERRED",
	"MPOL_PREFERRED_MANY",
	"MPOL_LOCAL",
	NULL,
};
static const char *const mpol_flags[] = {
	"MPOL_F_NUMA_BALANCING",
	"MPOL_F_RELATIVE_NODES",
	"MPOL_F_STATIC_NODES",
	NULL,
};

static int parse_memory_policy(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at,
			       struct spec_memory_policy *mp)
{
	jl_json_val v;
	int r = sp_field(c, obj, at, "memoryPolicy", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, "memoryPolicy");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	mp->set = true;
	r = sp_enum(c, v, &p, "mode", SP_REQUIRED, mpol_modes, "memory policy mode", &mp->mode);
	if (r < 0)
		return r;
	r = sp_string(c, v, &p, "nodes", SP_OPTIONAL, &mp->nodes);
	if (r < 0)
		return r;
	return sp_enum_strv(c, v, &p, "flags", mpol_flags, "memory policy flag", &mp->flags);
}

/* --- linux ---------------------------------------------------------------------- */

/* linux.resources and linux.seccomp have files of their own; has_* says
 * the member was there at all. */
static int parse_resources_member(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
				  struct spec_linux *l)
{
	jl_json_val res;
	int r = sp_field(c, v, at, "resources", SP_OPTIONAL, &res);
	if (r <= 0)
		return r;
	l->has_resources = true;
	struct sp_path p = sp_key(at, "resources");
	return sp_parse_resources(c, res, &p, &l->resources);
}

static int parse_seccomp_member(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
				struct spec_linux *l)
{
	jl_json_val sc;
	int r = sp_field(c, v, at, "seccomp", SP_OPTIONAL, &sc);
	if (r <= 0)
		return r;
	l->has_seccomp = true;
	struct sp_path p = sp_key(at, "seccomp");
	return sp_parse_seccomp(c, sc, &p, &l->seccomp);
}

static int parse_control(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			 struct spec_linux *l)
{
	int r = sp_string(c, v, at, "cgroupsPath", SP_OPTIONAL, &l->cgroups_path);
	if (r < 0)
		return r;
	r = parse_resources_member(c, v, at, l);
	if (r < 0)
		return r;
	r = parse_sysctl(c, v, at, l);
	if (r < 0)
		return r;
	r = parse_seccomp_member(c, v, at, l);
	if (r < 0)
		return r;
	r = parse_intel_rdt(c, v, at, &l->intel_rdt);
	if (r < 0)
		return r;
	r = parse_personality(c, v, at, &l->personality);
	if (r < 0)
		return r;
	return parse_memory_policy(c, v, at, &l->memory_policy);
}

int sp_parse_linux(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		   struct spec_linux *l)
{
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = parse_isolation(c, v, at, l);
	if (r < 0)
		return r;
	r = parse_filesystem(c, v, at, l);
	if (r < 0)
		return r;
	r = parse_control(c, v, at, l);
	return r < 0 ? r : 0;
}
