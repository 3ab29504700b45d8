/* Container creation, the cgroup's part: its path and controllers planned
 * from the config before anything is made (state.json records them before
 * the first side effect), the cgroup itself (a plain directory, or a systemd
 * scope for a "slice:prefix:name" path), its resources, and the device
 * program, built with the cgroup, loaded while the init builds its root and
 * attached once the init is ready. */
#include <string.h>

#include "runtime/create_internal.h"
#include "runtime/log.h"

/* Device access is always filtered (as runc does): jaula's defaults and
 * the config's rules, nothing else.  A node in linux.devices is created,
 * never allowed by being listed: "deny all" must keep meaning it. */
int jl_build_device_prog(const struct cg_device_rule *rules, size_t n_rules,
			 struct cg_bpf_prog *prog, struct jl_err **err)
{
	int r = cg_devices_build(rules, n_rules, prog, err);
	return r < 0 ? jl_err_wrap(err, "linux.resources.devices") : 0;
}

/* Built now, attached once the init has populated /dev
 * (jl_create_attach_devices): a rule that denies /dev/null must not stop the
 * init from creating it. */
static int build_devices(struct jl_creator *c, struct jl_err **err)
{
	const struct spec_linux *l = &c->spec->lnx;
	const struct cg_resources *res = l->has_resources ? &l->resources : NULL;
	int r = jl_build_device_prog(res ? res->devices : NULL, res ? res->n_devices : 0,
				     &c->devices, err);
	return r < 0 ? jl_err_wrap(err, "config.json") : 0;
}

/* Loaded while the init builds its root, attached once it is ready: the
 * verifier's third of a millisecond off the start's critical path.  A load
 * that fails here is tried again by jl_create_attach_devices, which reports
 * it. */
void jl_create_preload_devices(struct jl_creator *c)
{
	if (c->cg.fd >= 0 && c->devices.n && c->cg.fresh)
		c->devices_fd = cg_devices_load(&c->devices, NULL);
}

int jl_create_attach_devices(struct jl_creator *c, struct jl_err **err)
{
	if (c->cg.fd < 0 || !c->devices.n)
		return 0;
	int r = c->devices_fd >= 0 ? cg_devices_attach_loaded(&c->cg, c->devices_fd, err)
		: c->cg.fresh	   ? cg_devices_attach_new(&c->cg, &c->devices, err)
				   : cg_devices_attach(&c->cg, &c->devices, err);
	closep(&c->devices_fd); /* the cgroup holds the program now */
	return r < 0 ? jl_err_wrap(err, "config.json: linux.resources.devices") : 0;
}

/* With the systemd driver a "slice:prefix:name" path is a transient scope
 * systemd makes (a name ending in .slice stays a plain cgroup path). */
static int plan_scope(struct jl_creator *c, struct jl_err **err)
{
	const char *p = c->spec->lnx.cgroups_path;
	if (!c->g->systemd_cgroup || !p || !strchr(p, ':'))
		return 0;
	cleanup_free char *leaf = NULL;
	int r = cg_sd_parse_path(p, &c->sd_slice, &leaf, err);
	if (r < 0)
		return jl_err_wrap(err, "config.json");
	if (!cg_sd_is_scope(leaf))
		return 0;
	c->sd_unit = steal_ptr(&leaf);
	/* Checked now, so that a value systemd cannot take makes no unit. */
	const struct spec_linux *l = &c->spec->lnx;
	struct cg_sd_props props = {0};
	r = cg_sd_props_resources(&props, l->has_resources ? &l->resources : NULL, err);
	cg_sd_props_free(&props);
	const struct spec_kvv *a = &c->spec->annotations;
	for (size_t i = 0; r == 0 && i < a->n; i++)
		if (jl_str_has_prefix(a->v[i].key, CG_SD_ANNOTATION_PREFIX))
			r = cg_sd_props_annotation(&c->sd_extra, a->v[i].key, a->v[i].value, err);
	return r < 0 ? jl_err_wrap(err, "config.json") : 0;
}

/* Where the cgroup goes (c->state.cgroup_path; NULL: none) and which
 * controllers it needs.  Nothing is made yet. */
int jl_create_plan_cgroup(struct jl_creator *c, struct jl_err **err)
{
	if (c->g->cgroup_disabled)
		return 0;
	const struct spec_linux *l = &c->spec->lnx;
	int r = cg_required_controllers(l->has_resources ? &l->resources : NULL, c->controllers,
					sizeof(c->controllers), err);
	if (r < 0)
		return jl_err_wrap(err, "config.json");
	cg_detect(&c->cgroot, err);
	if (c->cgroot.mode == CG_MODE_LEGACY) {
		if (*c->controllers)
			return jl_err_set(err, EOPNOTSUPP,
					  "config.json: linux.resources: this host has no cgroup v2 "
					  "hierarchy to enforce %s",
					  c->controllers);
		jl_debug("no cgroup v2 hierarchy: running without a cgroup");
		return 0;
	}
	char *path = NULL;
	r = cg_resolve_path(l->cgroups_path, c->o->id, c->g->systemd_cgroup, &path, err);
	if (r < 0)
		return jl_err_wrap(err, "config.json");
	c->state.cgroup_mount = xstrdup(c->cgroot.mount);
	c->state.cgroup_path = path;
	r = plan_scope(c, err);
	if (r < 0)
		return r;
	/* Recorded before the first state.json: if create dies after
	 * cg_create, delete must still not remove a cgroup it joined. */
	c->state.cgroup_owned = cg_exists(&c->cgroot, path) == 0;
	c->state.systemd_cgroup = c->g->systemd_cgroup;
	return 0;
}

/* The scope comes first (systemd makes its cgroup, with a placeholder in
 * it), then everything the cgroupfs driver does in a cgroup of its own. */
static int make_scope(struct jl_creator *c, struct jl_err **err)
{
	const struct spec_linux *l = &c->spec->lnx;
	cleanup_free char *desc = xasprintf("jaula container %s", c->o->id);
	int r = cg_sd_scope_start(&c->cgroot, c->sd_slice, c->sd_unit, desc,
				  l->has_resources ? &l->resources : NULL, &c->sd_extra, &c->scope,
				  err);
	if (r < 0)
		return r;
	c->state.systemd_unit = xstrdup(c->sd_unit);
	c->state.cgroup_owned = true;
	r = cg_enable(&c->cgroot, c->state.cgroup_path, c->controllers, err);
	if (r == 0)
		r = cg_open(&c->cgroot, c->state.cgroup_path, &c->cg, err);
	if (r < 0)
		return r;
	c->cg.fresh = true;
	c->cg_created = true;
	return 0;
}

static int make_plain(struct jl_creator *c, struct jl_err **err)
{
	int r = cg_create(&c->cgroot, c->state.cgroup_path, c->controllers, &c->cg, err);
	if (r < 0)
		return r;
	c->cg_created = true;
	c->state.cgroup_owned = c->cg.fresh;
	return 0;
}

int jl_create_make_cgroup(struct jl_creator *c, struct jl_err **err)
{
	if (!c->state.cgroup_path)
		return 0;
	const struct spec_linux *l = &c->spec->lnx;
	int r = c->sd_unit ? make_scope(c, err) : make_plain(c, err);
	if (r < 0)
		return r;
	if (l->has_resources) {
		r = cg_apply_resources(&c->cg, &l->resources, err);
		if (r < 0)
			return jl_err_wrap(err, "config.json");
	}
	return build_devices(c, err);
}

