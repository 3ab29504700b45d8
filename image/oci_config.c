/* Image configs (image-spec config.md): the fields a container is made
 * from, and rootfs.diff_ids, which tie each layer's uncompressed content to
 * the manifest's compressed blobs.  Docker's config (the same document
 * with more fields) reads the same. */
#include <string.h>

#include "image/oci_read.h"

void img_config_free(struct img_config *c)
{
	if (!c)
		return;
	oci_strv_free(c->entrypoint);
	oci_strv_free(c->cmd);
	oci_strv_free(c->env);
	oci_strv_free(c->labels);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	memset(c, 0, sizeof(*c));
}

void img_config_doc_free(struct img_config_doc *d)
{
	if (!d)
		return;
	img_config_free(&d->config);
	oci_strv_free(d->diff_ids);
	free(d->created);
	free(d->os);
	free(d->architecture);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

/* An empty string says "not set" as well as null does (Docker writes
 * "WorkingDir": "" and "User": ""). */
static int get_opt(jl_json_val obj, const char *key, const char *what, const char *path,
		   char **out, struct jl_err **err)
{
	const char *s;
	int r = oci_get_string(obj, key, false, what, path, &s, err);
	if (r < 0)
		return r;
	*out = s && *s ? xstrdup(s) : NULL;
	return 0;
}

/* Env: "NAME=value" each (config.md), as the runtime-spec's process.env. */
static int check_env(char **env, const char *what, struct jl_err **err)
{
	for (size_t i = 0; env && env[i]; i++) {
		if (env[i][0] == '=' || !strchr(env[i], '=')) {
			char q[IMG_QUOTE_MAX];
			return jl_err_set(err, 0, "%s: config.Env[%zu]: \"%s\" is not NAME=value", what,
					  i, img_quote(env[i], q));
		}
	}
	return 0;
}

static int get_labels(jl_json_val cfg, const char *what, char ***out, struct jl_err **err)
{
	jl_json_val v = jl_json_get(cfg, "Labels");
	*out = NULL;
	if (jl_json_type(v) == JL_JSON_NONE || jl_json_type(v) == JL_JSON_NULL)
		return 0;
	if (jl_json_type(v) != JL_JSON_OBJECT)
		return oci_type_error(err, what, "config.Labels", v, "object");
	size_t n = jl_json_len(v);
	char **vec = xcalloc(2 * n + 1, sizeof(*vec));
	for (size_t i = 0; i < n; i++) {
		const char *s = jl_json_string(jl_json_value_at(v, i));
		if (!s) {
			oci_strv_free(vec);
			char q[IMG_QUOTE_MAX], p[128];
			snprintf(p, sizeof(p), "config.Labels[\"%s\"]",
				 img_quote(jl_json_key_at(v, i), q));
			return oci_type_error(err, what, p, jl_json_value_at(v, i), "string");
		}
		vec[2 * i] = xstrdup(jl_json_key_at(v, i));
		vec[2 * i + 1] = xstrdup(s);
	}
	*out = vec;
	return 0;
}

static int parse_container_config(jl_json_val doc, const char *what, struct img_config *c,
				  struct jl_err **err)
{
	jl_json_val cfg = jl_json_get(doc, "config");
	if (jl_json_type(cfg) == JL_JSON_NONE || jl_json_type(cfg) == JL_JSON_NULL)
		return 0;
	if (jl_json_type(cfg) != JL_JSON_OBJECT)
		return oci_type_error(err, what, "config", cfg, "object");
	int r = oci_get_strv(cfg, "Entrypoint", what, "config", &c->entrypoint, err);
	if (r == 0)
		r = oci_get_strv(cfg, "Cmd", what, "config", &c->cmd, err);
	if (r == 0)
		r = oci_get_strv(cfg, "Env", what, "config", &c->env, err);
	if (r == 0)
		r = check_env(c->env, what, err);
	if (r == 0)
		r = get_opt(cfg, "WorkingDir", what, "config", &c->working_dir, err);
	if (r == 0)
		r = get_opt(cfg, "User", what, "config", &c->user, err);
	if (r == 0)
		r = get_opt(cfg, "StopSignal", what, "config", &c->stop_signal, err);
	if (r == 0)
		r = get_labels(cfg, what, &c->labels, err);
	return r;
}

static int parse_rootfs(jl_json_val doc, const char *what, struct img_config_doc *d,
			struct jl_err **err)
{
	jl_json_val rootfs = jl_json_get(doc, "rootfs");
	if (jl_json_type(rootfs) == JL_JSON_NONE)
		return jl_err_set(err, 0, "%s: rootfs: missing", what);
	if (jl_json_type(rootfs) != JL_JSON_OBJECT)
		return oci_type_error(err, what, "rootfs", rootfs, "object");
	const char *type;
	int r = oci_get_string(rootfs, "type", true, what, "rootfs", &type, err);
	if (r < 0)
		return r;
	if (strcmp(type, "layers")) {
		char q[IMG_QUOTE_MAX];
		return jl_err_set(err, 0, "%s: rootfs.type: \"%s\" is not \"layers\"", what,
				  img_quote(type, q));
	}
	jl_json_val ids = jl_json_get(rootfs, "diff_ids");
	if (jl_json_type(ids) != JL_JSON_ARRAY) {
		if (jl_json_type(ids) == JL_JSON_NONE)
			return jl_err_set(err, 0, "%s: rootfs.diff_ids: missing", what);
		return oci_type_error(err, what, "rootfs.diff_ids", ids, "array");
	}
	if (jl_json_len(ids) > OCI_MAX_LAYERS)
		return jl_err_set(err, E2BIG, "%s: rootfs.diff_ids: more than %d entries", what,
				  OCI_MAX_LAYERS);
	r = oci_get_strv(rootfs, "diff_ids", what, "rootfs", &d->diff_ids, err);
	if (r < 0)
		return r;
	for (size_t i = 0; d->diff_ids[i]; i++, d->n_diff_ids++)
		if (!img_digest_valid(d->diff_ids[i])) {
			char q[IMG_QUOTE_MAX];
			return jl_err_set(err, 0, "%s: rootfs.diff_ids[%zu]: \"%s\" is not a sha256 "
					  "digest (sha256: and 64 lowercase hex digits)",
					  what, i, img_quote(d->diff_ids[i], q));
		}
	return 0;
}

static int parse_top(jl_json_val doc, const char *what, struct img_config_doc *d,
		     struct jl_err **err)
{
	const char *arch, *os, *created, *variant;
	int r = oci_get_string(doc, "architecture", true, what, "", &arch, err);
	if (r == 0)
		r = oci_get_string(doc, "os", true, what, "", &os, err);
	if (r == 0)
		r = oci_get_string(doc, "created", false, what, "", &created, err);
	if (r == 0)
		r = oci_get_string(doc, "variant", false, what, "", &variant, err);
	if (r < 0)
		return r;
	d->architecture = xstrdup(arch);
	d->os = xstrdup(os);
	d->created = created ? xstrdup(created) : NULL;
	d->variant = variant ? xstrdup(variant) : NULL;
	jl_json_val h = jl_json_get(doc, "history");
	if (jl_json_type(h) != JL_JSON_NONE && jl_json_type(h) != JL_JSON_NULL &&
	    jl_json_type(h) != JL_JSON_ARRAY)
		return oci_type_error(err, what, "history", h, "array");
	d->n_history = jl_json_len(h);
	return 0;
}

int img_config_parse_doc(const char *text, size_t len, const char *what,
			 struct img_config_doc *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	jl_json_val doc = NULL;
	int r = oci_json_tree(text, len, what, &doc, err);
	if (r < 0)
		return r;
	r = parse_top(doc, what, out, err);
	if (r == 0)
		r = parse_container_config(doc, what, &out->config, err);
	if (r == 0)
		r = parse_rootfs(doc, what, out, err);
	jl_json_free(doc);
	if (r < 0)
		img_config_doc_free(out);
	return r;
}

int img_config_parse(const char *text, size_t len, const char *what, struct img_config *out,
		     char ***diff_ids, size_t *n_diff_ids, struct jl_err **err)
{
	struct img_config_doc d;
	int r = img_config_parse_doc(text, len, what, &d, err);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	*out = d.config;
	memset(&d.config, 0, sizeof(d.config));
	if (diff_ids) {
		*diff_ids = steal_ptr(&d.diff_ids);
		*n_diff_ids = d.n_diff_ids;
	}
	img_config_doc_free(&d);
	return 0;
}
