/* The sandbox's seccomp profile: jaula's default (runtime/seccomp_profile.c:
 * the tree, kernel code, keyrings, bpf, perf, file handles, new user
 * namespaces... denied on the native, i386 and x32 ABIs alike) or an OCI
 * linux.seccomp object from --seccomp FILE.  --allow-syscall NAME lifts a
 * denial: NAME leaves every rule whose action is not SCMP_ACT_ALLOW, and
 * when the profile denies by default it also gets an allow rule.  The
 * result is checked by the config parser and compiled like any other. */
#include <fcntl.h>
#include <unistd.h>
#include <string.h>

#include "runtime/json.h"
#include "runtime/log.h"
#include "runtime/sandbox_internal.h"
#include "runtime/seccomp.h"

#define PROFILE_MAX (4u << 20)

static bool listed(const char *name, const char *const *allow, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (jl_streq(name, allow[i]))
			return true;
	return false;
}

/* The names of rule that stay denied; false when none is left (the rule
 * goes: an empty "names" would be refused). */
static bool rule_keeps_names(jl_json_val rule, const char *const *allow, size_t n)
{
	jl_json_val names = jl_json_get(rule, "names");
	for (size_t i = 0; i < jl_json_len(names); i++)
		if (!listed(jl_json_string(jl_json_at(names, i)), allow, n))
			return true;
	return jl_json_type(names) != JL_JSON_ARRAY;
}

static void copy_rule(struct jl_json_writer *w, jl_json_val rule, const char *const *allow,
		      size_t n)
{
	bool allows = jl_streq(jl_json_string(jl_json_get(rule, "action")), "SCMP_ACT_ALLOW");
	if (jl_json_type(rule) != JL_JSON_OBJECT || allows) {
		jl_jw_value(w, rule);
		return;
	}
	if (!rule_keeps_names(rule, allow, n))
		return;
	jl_jw_begin_object(w);
	for (size_t i = 0; i < jl_json_len(rule); i++) {
		const char *key = jl_json_key_at(rule, i);
		jl_json_val v = jl_json_value_at(rule, i);
		jl_jw_key(w, key);
		if (strcmp(key, "names") || jl_json_type(v) != JL_JSON_ARRAY) {
			jl_jw_value(w, v);
			continue;
		}
		jl_jw_begin_array(w);
		for (size_t k = 0; k < jl_json_len(v); k++)
			if (!listed(jl_json_string(jl_json_at(v, k)), allow, n))
				jl_jw_value(w, jl_json_at(v, k));
		jl_jw_end_array(w);
	}
	jl_jw_end_object(w);
}

static void write_syscalls(struct jl_json_writer *w, jl_json_val profile,
			   const char *const *allow, size_t n)
{
	jl_json_val rules = jl_json_get(profile, "syscalls");
	jl_jw_begin_array(w);
	for (size_t i = 0; i < jl_json_len(rules); i++)
		copy_rule(w, jl_json_at(rules, i), allow, n);
	if (!jl_streq(jl_json_string(jl_json_get(profile, "defaultAction")), "SCMP_ACT_ALLOW")) {
		jl_jw_begin_object(w);
		jl_jw_key(w, "names");
		jl_jw_begin_array(w);
		for (size_t i = 0; i < n; i++)
			jl_jw_str(w, allow[i]);
		jl_jw_end_array(w);
		jl_jw_kv_str(w, "action", "SCMP_ACT_ALLOW");
		jl_jw_end_object(w);
	}
	jl_jw_end_array(w);
}

static int lift_denials(const char *text, const char *name, const char *const *allow,
			size_t n, char **out, struct jl_err **err)
{
	jl_json_val profile;
	int r = jl_json_parse(text, name, &profile, err);
	if (r < 0)
		return r;
	if (jl_json_type(profile) != JL_JSON_OBJECT) {
		jl_json_free(profile);
		return jl_err_code(err, EINVAL, "%s: expected an object (linux.seccomp)", name);
	}
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b};
	jl_jw_begin_object(&w);
	for (size_t i = 0; i < jl_json_len(profile); i++) {
		const char *key = jl_json_key_at(profile, i);
		jl_jw_key(&w, key);
		if (!strcmp(key, "syscalls"))
			write_syscalls(&w, profile, allow, n);
		else
			jl_jw_value(&w, jl_json_value_at(profile, i));
	}
	if (!jl_json_get(profile, "syscalls")) {
		jl_jw_key(&w, "syscalls");
		write_syscalls(&w, profile, allow, n);
	}
	jl_jw_end_object(&w);
	jl_json_free(profile);
	*out = jl_buf_steal(&b);
	return 0;
}

int sbx_seccomp_profile(const char *file, const char *const *allow, size_t n_allow,
			char **out, struct jl_err **err)
{
	cleanup_free char *text = NULL;
	const char *name = file ? file : "jaula's default seccomp profile";
	if (file) {
		size_t len;
		int r = jl_read_file_at(AT_FDCWD, file, PROFILE_MAX, &text, &len, err);
		if (r < 0)
			return jl_err_wrap(err, "--seccomp");
	} else {
		struct jl_buf b = {0};
		struct jl_json_writer w = {.out = &b};
		jl_seccomp_default_profile(&w);
		text = jl_buf_steal(&b);
	}
	if (!n_allow && !file) {
		*out = steal_ptr(&text);
		return 0;
	}
	int r = lift_denials(text, name, allow, n_allow, out, err);
	return r < 0 && file ? jl_err_wrap(err, "--seccomp") : r;
}

/* The names lifted are part of the key, length-prefixed: no two lists
 * spell alike. */
void sbx_seccomp_cached(const char *const *allow, size_t n_allow, struct sbx_plan *p)
{
	struct jl_buf what = {0};
	jl_buf_printf(&what, "sandbox default profile;%zu;", n_allow);
	for (size_t i = 0; i < n_allow; i++)
		jl_buf_printf(&what, "%zu:%s;", strlen(allow[i]), allow[i]);
	bool keyed = jl_seccomp_cache_key_named(what.data, p->seccomp_key);
	jl_buf_free(&what);
	if (!keyed) {
		p->seccomp_key[0] = 0;
		return;
	}
	int cache = jl_seccomp_cache_open();
	if (cache < 0) {
		p->seccomp_key[0] = 0;
		return;
	}
	p->has_seccomp_prog =
		jl_seccomp_prog_load_file(cache, p->seccomp_key, &p->seccomp_prog, NULL) == 0;
	close(cache);
}

void sbx_seccomp_remember(const struct sbx_plan *p, const struct jl_seccomp_prog *prog)
{
	if (!p->seccomp_key[0] || p->has_seccomp_prog)
		return;
	int cache = jl_seccomp_cache_open();
	struct jl_err *e = NULL;
	/* Best effort, as the cache itself: a miss costs the next one a parse. */
	if (cache >= 0 && jl_seccomp_prog_save(cache, p->seccomp_key, prog, &e) < 0)
		jl_debug("seccomp cache: %s", e->msg);
	jl_err_free(&e);
	if (cache >= 0)
		close(cache);
}
