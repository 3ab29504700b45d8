/* config.json "mounts": what the runtime mounts into the container, in
 * order.  Options stay strings here; runtime/mountopts.c reads them. */
#include <stdio.h>
#include <string.h>

#include "runtime/spec_internal.h"

static int parse_mount(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct spec_mount *m = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "destination", SP_REQUIRED, &m->destination);
	if (r < 0)
		return r;
	/* config.md (1.1+): a relative destination is deprecated but allowed
	 * on Linux, "interpreted as relative to /". */
	if (m->destination[0] != '/') {
		size_t n = strlen(m->destination) + 2;
		char *abs = jl_arena_alloc(c->arena, n);
		snprintf(abs, n, "/%s", m->destination);
		m->destination = abs;
	}
	r = sp_string(c, v, at, "type", SP_OPTIONAL, &m->type);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "source", SP_OPTIONAL, &m->source);
	if (r < 0)
		return r;
	r = sp_strv(c, v, at, "options", SP_OPTIONAL, &m->options);
	if (r < 0)
		return r;
	/* Idmapped mounts (1.2+): the same mapping objects as linux.uidMappings. */
	r = sp_id_maps(c, v, at, "uidMappings", &m->uid_mappings);
	if (r < 0)
		return r;
	return sp_id_maps(c, v, at, "gidMappings", &m->gid_mappings);
}

int sp_parse_mounts(struct sp_ctx *c, jl_json_val top, struct spec_mount **mounts, size_t *n)
{
	void *items = NULL;
	int r = sp_array(c, top, NULL, "mounts", sizeof(struct spec_mount), parse_mount, &items, n);
	*mounts = items;
	return r;
}
