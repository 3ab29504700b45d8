/* Values config.json uses in more than one section: absolute paths,
 * "NAME=value" environments (process, hooks), uid/gid mappings (linux,
 * mounts), file and interface names.  Part of the readers' layer
 * (spec_read.h): built on the typed readers of spec_read.c only, so a
 * section parser that needs one never has to call another section. */
#include <ctype.h>
#include <string.h>

#include "runtime/spec_read.h"

int sp_absolute(struct sp_ctx *c, const struct sp_path *at, const char *path)
{
	if (path && path[0] != '/')
		return sp_fail(c, at, "must be an absolute path");
	return 0;
}

int sp_env(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	   struct spec_strv *out)
{
	int r = sp_strv(c, obj, at, key, SP_OPTIONAL, out);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(at, key);
	for (size_t i = 0; i < out->n; i++) {
		const char *eq = strchr(out->v[i], '=');
		if (!eq || eq == out->v[i]) {
			struct sp_path e = sp_index(&p, i);
			return sp_fail(c, &e, "expected \"NAME=value\", got %s",
				       sp_quote(c, out->v[i]));
		}
	}
	return 1;
}

static int parse_id_map(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct ns_id_map *m = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_u32(c, v, at, "containerID", SP_REQUIRED, &m->container_id, NULL);
	if (r < 0)
		return r;
	r = sp_u32(c, v, at, "hostID", SP_REQUIRED, &m->host_id, NULL);
	if (r < 0)
		return r;
	return sp_u32(c, v, at, "size", SP_REQUIRED, &m->size, NULL);
}

int sp_id_maps(struct sp_ctx *c, jl_json_val obj, const struct sp_path *at, const char *key,
	       struct spec_id_maps *out)
{
	void *items = NULL;
	int r = sp_array(c, obj, at, key, sizeof(struct ns_id_map), parse_id_map, &items, &out->n);
	out->v = items;
	return r;
}

bool sp_is_file_name(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

bool sp_is_ifname(const char *s)
{
	/* The kernel's rule for a device name: 1..15 bytes (IFNAMSIZ - 1),
	 * not "." or "..", no '/', ':' or white space. */
	if (!*s || strlen(s) > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}
