/* config.json "hooks": programs the runtime runs at each lifecycle point
 * (config.md "POSIX-platform Hooks"); runtime/hooks.c runs them. */
#include "runtime/spec_internal.h"

static const char *const hook_names[SPEC_HOOK__COUNT] = {
	[SPEC_HOOK_PRESTART] = "prestart",
	[SPEC_HOOK_CREATE_RUNTIME] = "createRuntime",
	[SPEC_HOOK_CREATE_CONTAINER] = "createContainer",
	[SPEC_HOOK_START_CONTAINER] = "startContainer",
	[SPEC_HOOK_POSTSTART] = "poststart",
	[SPEC_HOOK_POSTSTOP] = "poststop",
};

const char *spec_hook_name(enum spec_hook_kind k)
{
	return (unsigned)k < SPEC_HOOK__COUNT ? hook_names[k] : "unknown";
}

static int parse_hook(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct spec_hook *h = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "path", SP_REQUIRED, &h->path);
	if (r < 0)
		return r;
	/* config.md extends execv(3): the hook path MUST be absolute. */
	struct sp_path p = sp_key(at, "path");
	r = sp_absolute(c, &p, h->path);
	if (r < 0)
		return r;
	r = sp_strv(c, v, at, "args", SP_OPTIONAL, &h->args);
	if (r < 0)
		return r;
	/* No "env" and "env": [] differ: runc and crun run a hook without
	 * one in the runtime's own environment (Go's exec.Cmd with a nil
	 * Env), and an empty one with nothing.  null is absent, as ever. */
	r = sp_env(c, v, at, "env", &h->env);
	if (r < 0)
		return r;
	h->has_env = r > 0;
	/* "If set, timeout MUST be greater than zero." */
	r = sp_int(c, v, at, "timeout", SP_OPTIONAL, 1, INT32_MAX, &h->timeout, &h->has_timeout);
	return r < 0 ? r : 0;
}

int sp_parse_hooks(struct sp_ctx *c, jl_json_val top,
		   struct spec_hook_list hooks[SPEC_HOOK__COUNT])
{
	jl_json_val v;
	int r = sp_field(c, top, NULL, "hooks", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(NULL, "hooks");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	for (int k = 0; k < SPEC_HOOK__COUNT; k++) {
		void *items = NULL;
		r = sp_array(c, v, &p, hook_names[k], sizeof(struct spec_hook), parse_hook, &items,
			     &hooks[k].n);
		if (r < 0)
			return r;
		hooks[k].v = items;
	}
	return 0;
}
