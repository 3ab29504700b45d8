/* config.json: the parser's entry points and its top level.  Text becomes a
 * yajl tree here, and the small top-level members (ociVersion, root,
 * hostname, domainname, annotations) are read here; each section has its
 * own parser below (spec_internal.h draws the layers), all reading through
 * the path-reporting readers of spec_read.h. */
#include <ctype.h>
#include <string.h>

#include "runtime/spec_internal.h"

/* --- text to tree ------------------------------------------------------------ */

/* yajl frees its tree recursively, so a file of a million '[' overflows the
 * stack; real configs nest about eight levels deep. */
#define SPEC_MAX_DEPTH 64

/* Skip a comment (yajl accepts them) starting at text[i] == '/'; returns
 * the index of its last byte. */
static size_t skip_comment(const char *text, size_t len, size_t i)
{
	if (i + 1 >= len)
		return i;
	if (text[i + 1] == '/') {
		while (i < len && text[i] != '\n')
			i++;
		return i;
	}
	if (text[i + 1] == '*') {
		for (i += 2; i + 1 < len; i++)
			if (text[i] == '*' && text[i + 1] == '/')
				return i + 1;
		return len;
	}
	return i;
}

/* Refuse what yajl would accept but the runtime must not: nesting deep
 * enough to exhaust the stack, and "\u0000", which yajl decodes into a C
 * string that then ends early ("/bin/sh\u0000x" would silently run sh). */
static int check_text(const char *text, size_t len, const char *name, struct jl_err **err)
{
	size_t depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (in_string) {
			if (ch == '\\' && i + 1 < len) {
				if (len - i >= 6 && !memcmp(text + i + 1, "u0000", 5))
					return jl_err_set(err, 0,
							  "%s: invalid JSON: \\u0000 in a string "
							  "at byte %zu",
							  name, i);
				i++;
			} else if (ch == '"') {
				in_string = false;
			}
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '/') {
			i = skip_comment(text, len, i);
		} else if (ch == '[' || ch == '{') {
			if (++depth > SPEC_MAX_DEPTH)
				return jl_err_set(err, 0,
						  "%s: invalid JSON: nested deeper than %d levels",
						  name, SPEC_MAX_DEPTH);
		} else if ((ch == ']' || ch == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

static int parse_tree(const char *text, size_t len, const char *name, jl_json_val *tree,
		      struct jl_err **err)
{
	if (!text)
		text = "", len = 0;
	if (len > SPEC_MAX_BYTES)
		return jl_err_set(err, EFBIG, "%s: larger than %u bytes", name, SPEC_MAX_BYTES);
	if (memchr(text, '\0', len))
		return jl_err_set(err, 0, "%s: invalid JSON: contains a NUL byte", name);
	int r = check_text(text, len, name, err);
	if (r < 0)
		return r;
	/* yajl_tree wants a C string; the caller's buffer may not have a NUL
	 * after len bytes. */
	cleanup_free char *copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	return jl_json_parse(copy, name, tree, err);
}

/* --- ociVersion ------------------------------------------------------------- */

/* A SemVer numeric identifier: "0" or digits without a leading zero.
 * Returns the end, or NULL. */
static const char *semver_number(const char *s, unsigned long *out)
{
	if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
		return NULL;
	unsigned long v = 0;
	for (; isdigit((unsigned char)*s); s++)
		v = v > 99999999 ? v : v * 10 + (unsigned long)(*s - '0'); /* saturate */
	*out = v;
	return s;
}

/* Dot-separated identifiers of [0-9A-Za-z-] in [s, end); numeric ones of a
 * pre-release must not have leading zeros. */
static bool semver_identifiers(const char *s, const char *end, bool prerelease)
{
	if (s == end)
		return false;
	while (s < end) {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		const char *e = dot ? dot : end;
		bool numeric = true;
		if (e == s)
			return false;
		for (const char *p = s; p < e; p++) {
			if (!isalnum((unsigned char)*p) && *p != '-')
				return false;
			numeric = numeric && isdigit((unsigned char)*p);
		}
		if (prerelease && numeric && e - s > 1 && *s == '0')
			return false;
		s = dot ? dot + 1 : end;
		if (dot && s == end)
			return false;
	}
	return true;
}

static bool parse_semver(const char *s, unsigned long v[3])
{
	for (int i = 0; i < 3; i++) {
		s = semver_number(s, &v[i]);
		if (!s || (i < 2 && *s++ != '.'))
			return false;
	}
	const char *plus = strchr(s, '+');
	const char *end = plus ? plus : s + strlen(s);
	if (*s == '-' && !semver_identifiers(s + 1, end, true))
		return false;
	if (*s && *s != '-' && *s != '+')
		return false;
	return !plus || semver_identifiers(plus + 1, plus + strlen(plus), false);
}

static int parse_oci_version(struct sp_ctx *c, jl_json_val top, struct spec *s)
{
	int r = sp_string(c, top, NULL, "ociVersion", SP_REQUIRED, &s->oci_version);
	if (r < 0)
		return r;
	struct sp_path p = sp_key(NULL, "ociVersion");
	unsigned long v[3];
	if (!parse_semver(s->oci_version, v))
		return sp_fail(c, &p, "invalid version %s (expected SemVer such as \"1.3.0\")",
			       sp_quote(c, s->oci_version));
	/* Every 1.x minor release only added fields, so 1.0.0 .. 1.3.x (with
	 * any pre-release, e.g. runc's "1.0.2-dev") reads with one parser. */
	if (v[0] != 1 || v[1] > 3)
		return sp_fail(c, &p, "unsupported version %s (jaula supports 1.0.0 to 1.3.x)",
			       sp_quote(c, s->oci_version));
	return 0;
}

/* --- root ------------------------------------------------------------------- */

static int parse_root(struct sp_ctx *c, jl_json_val top, struct spec *s)
{
	jl_json_val v;
	int r = sp_field(c, top, NULL, "root", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(NULL, "root");
	r = sp_expect(c, v, &p, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	s->has_root = true;
	r = sp_string(c, v, &p, "path", SP_REQUIRED, &s->root.path);
	if (r < 0)
		return r;
	if (!*s->root.path) {
		struct sp_path pp = sp_key(&p, "path");
		return sp_fail(c, &pp, "must not be empty");
	}
	return sp_bool(c, v, &p, "readonly", SP_OPTIONAL, &s->root.readonly, NULL);
}

/* --- annotations ------------------------------------------------------------ */

static int parse_annotations(struct sp_ctx *c, jl_json_val top, struct spec *s)
{
	int r = sp_kvv(c, top, NULL, "annotations", &s->annotations);
	if (r <= 0)
		return r;
	struct sp_path p = sp_key(NULL, "annotations");
	for (size_t i = 0; i < s->annotations.n; i++)
		if (!*s->annotations.v[i].key)
			return sp_fail(c, &p, "keys must not be empty");
	return 0;
}

/* --- the whole config -------------------------------------------------------- */

static int parse_process_member(struct sp_ctx *c, jl_json_val top, struct spec *s)
{
	jl_json_val v;
	int r = sp_field(c, top, NULL, "process", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	s->has_process = true;
	struct sp_path p = sp_key(NULL, "process");
	return sp_parse_process(c, v, &p, &s->process);
}

static int parse_linux_member(struct sp_ctx *c, jl_json_val top, struct spec *s)
{
	jl_json_val v;
	int r = sp_field(c, top, NULL, "linux", SP_OPTIONAL, &v);
	if (r <= 0)
		return r;
	s->has_linux = true;
	struct sp_path p = sp_key(NULL, "linux");
	return sp_parse_linux(c, v, &p, &s->lnx);
}

static int parse_config(struct sp_ctx *c, jl_json_val top, struct spec *s)
{
	int r = sp_expect(c, top, NULL, JL_JSON_OBJECT);
	if (r < 0)
		return r;
	r = parse_oci_version(c, top, s);
	if (r < 0)
		return r;
	r = parse_root(c, top, s);
	if (r < 0)
		return r;
	r = sp_parse_mounts(c, top, &s->mounts, &s->n_mounts);
	if (r < 0)
		return r;
	r = parse_process_member(c, top, s);
	if (r < 0)
		return r;
	r = sp_string(c, top, NULL, "hostname", SP_OPTIONAL, &s->hostname);
	if (r < 0)
		return r;
	r = sp_string(c, top, NULL, "domainname", SP_OPTIONAL, &s->domainname);
	if (r < 0)
		return r;
	r = sp_parse_hooks(c, top, s->hooks);
	if (r < 0)
		return r;
	r = parse_annotations(c, top, s);
	if (r < 0)
		return r;
	r = parse_linux_member(c, top, s);
	return r < 0 ? r : 0;
}

/* --- entry points ------------------------------------------------------------ */

int spec_parse(const char *text, size_t len, const char *name, struct spec **out,
	       struct jl_err **err)
{
	*out = NULL;
	cleanup_spec struct spec *s = xcalloc(1, sizeof(*s));
	int r = parse_tree(text, len, name, &s->tree, err);
	if (r < 0)
		return r;
	struct sp_ctx c = {.name = name, .arena = &s->arena, .err = err};
	r = parse_config(&c, s->tree, s);
	if (r < 0)
		return r;
	*out = steal_ptr(&s);
	return 0;
}

int spec_load(const char *bundle, struct spec **out, struct jl_err **err)
{
	*out = NULL;
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = jl_read_file_at(AT_FDCWD, path, SPEC_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return r;
	return spec_parse(text, len, "config.json", out, err);
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	jl_json_free(s->tree);
	jl_arena_free(&s->arena);
	free(s);
}

/* One object parsed alone (exec's process.json, update's resources),
 * with paths relative to it. */
typedef int (*part_fn)(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *out);

static int parse_part(const char *text, size_t len, const char *name, struct jl_arena *arena,
		      jl_json_val *tree, part_fn fn, void *out, struct jl_err **err)
{
	*tree = NULL;
	int r = parse_tree(text, len, name, tree, err);
	if (r < 0)
		return r;
	struct sp_ctx c = {.name = name, .arena = arena, .err = err};
	r = fn(&c, *tree, NULL, out);
	if (r < 0) {
		jl_json_free(*tree);
		*tree = NULL;
	}
	return r < 0 ? r : 0;
}

static int process_part(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *out)
{
	return sp_parse_process(c, v, at, out);
}

static int resources_part(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *out)
{
	return sp_parse_resources(c, v, at, out);
}

static int seccomp_part(struct sp_ctx *c, jl_json_val v, const struct sp_path *at, void *out)
{
	return sp_parse_seccomp(c, v, at, out);
}

int spec_parse_seccomp(const char *text, size_t len, const char *name, struct jl_arena *arena,
		       jl_json_val *tree, struct spec_seccomp *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	return parse_part(text, len, name, arena, tree, seccomp_part, out, err);
}

int spec_parse_process(const char *text, size_t len, const char *name, struct jl_arena *arena,
		       jl_json_val *tree, struct spec_process *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	return parse_part(text, len, name, arena, tree, process_part, out, err);
}

int spec_parse_resources(const char *text, size_t len, const char *name, struct jl_arena *arena,
			 jl_json_val *tree, struct cg_resources *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	return parse_part(text, len, name, arena, tree, resources_part, out, err);
}

const struct spec_namespace *spec_find_namespace(const struct spec *s, enum ns_type t)
{
	for (size_t i = 0; i < s->lnx.n_namespaces; i++)
		if (s->lnx.namespaces[i].type == t)
			return &s->lnx.namespaces[i];
	return NULL;
}
