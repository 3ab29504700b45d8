/* Reading image-spec JSON safely (oci_read.h): text to a checked tree,
 * typed field readers whose errors name the document and the field path,
 * and the quoting that keeps a hostile string on one printable line. */
#include <string.h>

#include "image/oci_read.h"

/* --- small helpers ------------------------------------------------------------- */

const char *img_quote(const char *s, char out[IMG_QUOTE_MAX])
{
	size_t i = 0, o = 0;
	for (; s && s[i] && o < IMG_QUOTE_SHOWN; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
	}
	if (s && s[i]) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

const char *img_digest_short(const char *digest, char out[IMG_DIGEST_SHORT_MAX])
{
	if (digest && img_digest_valid(digest)) {
		snprintf(out, IMG_DIGEST_SHORT_MAX, "sha256:%.12s", digest + 7);
		return out;
	}
	char q[IMG_QUOTE_MAX];
	snprintf(out, IMG_DIGEST_SHORT_MAX, "%s", img_quote(digest ? digest : "", q));
	return out;
}

/* --- reading ----------------------------------------------------------------- */

void oci_path(char *buf, size_t size, const char *path, const char *key)
{
	snprintf(buf, size, "%s%s%s", path, *path ? "." : "", key);
}

void oci_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int oci_type_error(struct jl_err **err, const char *what, const char *path, jl_json_val v,
		   const char *want)
{
	return jl_err_set(err, 0, "%s: %s: expected %s, got %s", what, path, want,
			  jl_json_type_name(jl_json_type(v)));
}

/* Refuse what yajl would take but a C reader must not (see oci_read.h). */
static int check_text(const char *text, size_t len, const char *what, struct jl_err **err)
{
	size_t depth = 0;
	bool in_string = false;
	if (memchr(text, '\0', len))
		return jl_err_set(err, 0, "%s: invalid JSON: NUL byte at offset %zu", what,
				  (size_t)((const char *)memchr(text, '\0', len) - text));
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (in_string) {
			if (ch == '\\' && i + 1 < len) {
				if (len - i >= 6 && !memcmp(text + i + 1, "u0000", 5))
					return jl_err_set(err, 0,
							  "%s: invalid JSON: \\u0000 in a string at "
							  "offset %zu",
							  what, i);
				i++;
			} else if (ch == '"') {
				in_string = false;
			}
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '[' || ch == '{') {
			if (++depth > OCI_MAX_DEPTH)
				return jl_err_set(err, 0, "%s: invalid JSON: nested deeper than %d levels",
						  what, OCI_MAX_DEPTH);
		} else if ((ch == ']' || ch == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int oci_json_tree(const char *text, size_t len, const char *what, jl_json_val *tree,
		  struct jl_err **err)
{
	jl_json_val v = NULL;
	int r = oci_json_value(text, len, what, &v, err);
	if (r < 0)
		return r;
	if (jl_json_type(v) != JL_JSON_OBJECT) {
		r = jl_err_set(err, 0, "%s: expected a JSON object, got %s", what,
			       jl_json_type_name(jl_json_type(v)));
		jl_json_free(v);
		return r;
	}
	*tree = v;
	return 0;
}

int oci_json_value(const char *text, size_t len, const char *what, jl_json_val *tree,
		   struct jl_err **err)
{
	if (len > OCI_MAX_BYTES)
		return jl_err_set(err, EFBIG, "%s: larger than %u bytes", what, OCI_MAX_BYTES);
	int r = check_text(text, len, what, err);
	if (r < 0)
		return r;
	cleanup_free char *copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	return jl_json_parse(copy, what, tree, err);
}

int oci_get_string(jl_json_val obj, const char *key, bool required, const char *what,
		   const char *path, const char **out, struct jl_err **err)
{
	char p[256];
	oci_path(p, sizeof(p), path, key);
	jl_json_val v = jl_json_get(obj, key);
	enum jl_json_type t = jl_json_type(v);
	*out = NULL;
	if (t == JL_JSON_NONE || t == JL_JSON_NULL) {
		if (required)
			return jl_err_set(err, 0, "%s: %s: missing", what, p);
		return 0;
	}
	if (t != JL_JSON_STRING)
		return oci_type_error(err, what, p, v, "string");
	*out = jl_json_string(v);
	return 0;
}

int oci_get_strv(jl_json_val obj, const char *key, const char *what, const char *path,
		 char ***out, struct jl_err **err)
{
	char p[256];
	oci_path(p, sizeof(p), path, key);
	jl_json_val v = jl_json_get(obj, key);
	enum jl_json_type t = jl_json_type(v);
	*out = NULL;
	if (t == JL_JSON_NONE || t == JL_JSON_NULL)
		return 0;
	if (t != JL_JSON_ARRAY)
		return oci_type_error(err, what, p, v, "array of strings");
	size_t n = jl_json_len(v);
	char **vec = xcalloc(n + 1, sizeof(*vec));
	for (size_t i = 0; i < n; i++) {
		const char *s = jl_json_string(jl_json_at(v, i));
		if (!s) {
			oci_strv_free(vec);
			char pi[300];
			snprintf(pi, sizeof(pi), "%s[%zu]", p, i);
			return oci_type_error(err, what, pi, jl_json_at(v, i), "string");
		}
		vec[i] = xstrdup(s);
	}
	*out = vec;
	return 0;
}

