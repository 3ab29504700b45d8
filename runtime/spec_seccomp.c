/* config.json "linux.seccomp": the filter as the config states it.  Names of
 * actions, operators, architectures and flags stay strings here:
 * runtime/seccomp.c knows which ones this libseccomp supports.  Argument
 * values are read as full 64-bit unsigned integers from the number's text,
 * since masks up to 2^64-1 are legal and yajl keeps only a long long. */
#include "runtime/spec_internal.h"

static int parse_seccomp_arg(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
			     void *item)
{
	struct spec_seccomp_arg *a = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_u32(c, v, at, "index", SP_REQUIRED, &a->index, NULL);
	if (r < 0)
		return r;
	r = sp_u64(c, v, at, "value", SP_REQUIRED, UINT64_MAX, &a->value, NULL);
	if (r < 0)
		return r;
	r = sp_u64(c, v, at, "valueTwo", SP_OPTIONAL, UINT64_MAX, &a->value_two, &a->has_value_two);
	if (r < 0)
		return r;
	return sp_string(c, v, at, "op", SP_REQUIRED, &a->op);
}

static int parse_syscall(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *item)
{
	struct spec_seccomp_syscall *sc = item;
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_strv(c, v, at, "names", SP_REQUIRED, &sc->names);
	if (r < 0)
		return r;
	if (sc->names.n == 0) {
		struct sp_path np = sp_key(at, "names");
		return sp_fail(c, &np, "must not be empty");
	}
	r = sp_string(c, v, at, "action", SP_REQUIRED, &sc->action);
	if (r < 0)
		return r;
	r = sp_u32(c, v, at, "errnoRet", SP_OPTIONAL, &sc->errno_ret, &sc->has_errno_ret);
	if (r < 0)
		return r;
	void *items = NULL;
	r = sp_array(c, v, at, "args", sizeof(struct spec_seccomp_arg), parse_seccomp_arg, &items,
		     &sc->n_args);
	sc->args = items;
	return r;
}

static int parse_seccomp_listener(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
				  struct spec_seccomp *s)
{
	int r = sp_string(c, v, at, "listenerPath", SP_OPTIONAL, &s->listener_path);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "listenerMetadata", SP_OPTIONAL, &s->listener_metadata);
	if (r < 0)
		return r;
	/* config-linux.md: "MUST NOT be set if listenerPath is not set". */
	if (s->listener_metadata && !s->listener_path) {
		struct sp_path mp = sp_key(at, "listenerMetadata");
		return sp_fail(c, &mp, "set without listenerPath");
	}
	return 0;
}

int sp_parse_seccomp(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		     struct spec_seccomp *s)
{
	int r = sp_expect(c, v, at, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = sp_string(c, v, at, "defaultAction", SP_REQUIRED, &s->default_action);
	if (r < 0)
		return r;
	r = sp_u32(c, v, at, "defaultErrnoRet", SP_OPTIONAL, &s->default_errno_ret,
		   &s->has_default_errno_ret);
	if (r < 0)
		return r;
	r = sp_strv(c, v, at, "architectures", SP_OPTIONAL, &s->architectures);
	if (r < 0)
		return r;
	r = sp_strv(c, v, at, "flags", SP_OPTIONAL, &s->flags);
	if (r < 0)
		return r;
	r = parse_seccomp_listener(c, v, at, s);
	if (r < 0)
		return r;
	void *items = NULL;
	r = sp_array(c, v, at, "syscalls", sizeof(struct spec_seccomp_syscall), parse_syscall,
		     &items, &s->n_syscalls);
	s->syscalls = items;
	return r < 0 ? r : 0;
}
