/* Image references as people write them: "busybox", "busybox:1.36",
 * "library/busybox:latest", "localhost:5000/app:v2",
 * "busybox@sha256:<64 hex>".  Grammar after Docker's distribution/reference:
 * lowercase path components of [a-z0-9] joined by '.', '_' or '-' runs,
 * separated by '/'; an optional registry host[:port] first; a tag of
 * [A-Za-z0-9_.-], 128 at most, not starting with '.' or '-'.  A ref is
 * never used as a path, but a strict grammar keeps images.json and error
 * messages free of surprises ("..", spaces, control bytes). */
#include <ctype.h>
#include <string.h>

#include "image/oci_internal.h"

#define REF_NAME_MAX 255
#define REF_TAG_MAX 128

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A path component: starts and ends with [a-z0-9], separators . _ - inside
 * (no "..", so the component is never "." or ".."). */
static bool component_ok(const char *s, size_t n)
{
	if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (lower_alnum(c) || c == '_' || c == '-')
			continue;
		if (c == '.' && s[i - 1] != '.')
			continue;
		return false;
	}
	return true;
}

/* The registry part "host:port" (only as the first of several components). */
static bool host_port_ok(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return false;
	size_t host = (size_t)(colon - s), port = n - host - 1;
	if (!component_ok(s, host) || port == 0 || port > 5)
		return false;
	for (size_t i = 0; i < port; i++)
		if (!isdigit((unsigned char)colon[1 + i]))
			return false;
	return true;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > REF_NAME_MAX)
		return false;
	size_t start = 0;
	bool first = true;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		bool ok = component_ok(s + start, i - start) ||
			  (first && i < n && host_port_ok(s + start, i - start));
		if (!ok)
			return false;
		first = false;
		start = i + 1;
	}
	return true;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > REF_TAG_MAX || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

int img_ref_normalise(const char *ref, char **out, struct jl_err **err)
{
	char q[IMG_QUOTE_MAX];
	*out = NULL;
	if (!ref || !*ref)
		return jl_err_set(err, 0, "image reference: empty");
	const char *at = strchr(ref, '@');
	if (at) {
		if (!name_ok(ref, (size_t)(at - ref)) || !img_digest_valid(at + 1))
			return jl_err_set(err, 0, "image reference \"%s\": not NAME@sha256:<64 hex>",
					  img_quote(ref, q));
		*out = xstrdup(ref);
		return 0;
	}
	/* The tag is after the last ':' that follows the last '/': the ':' of
	 * "localhost:5000/app" belongs to the host. */
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	size_t name_len = colon ? (size_t)(colon - ref) : strlen(ref);
	if (!name_ok(ref, name_len))
		return jl_err_set(err, 0, "image reference \"%s\": the name must be lowercase "
				  "[a-z0-9] components joined by . _ - and separated by /",
				  img_quote(ref, q));
	if (colon && !tag_ok(colon + 1))
		return jl_err_set(err, 0, "image reference \"%s\": the tag must be 1 to %d of "
				  "[A-Za-z0-9_.-], not starting with . or -",
				  img_quote(ref, q), REF_TAG_MAX);
	*out = colon ? xstrdup(ref) : xasprintf("%s:latest", ref);
	return 0;
}
