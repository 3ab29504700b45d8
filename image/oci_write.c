/* Writing image-spec documents: manifests and indexes jaula makes (import of
 * a rootfs tarball, commit, export) and configs, new or with one layer
 * more.  Compact JSON, keys in the order the spec's examples use, so the
 * same image always gets the same digest. */
#include <string.h>

#include "image/oci_read.h"

static void write_descriptor(struct jl_json_writer *w, const struct img_descriptor *d,
			     bool platform)
{
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "mediaType", d->media_type);
	jl_jw_kv_str(w, "digest", d->digest);
	jl_jw_kv_int(w, "size", d->size);
	if (platform && d->os && d->arch) {
		jl_jw_key(w, "platform");
		jl_jw_begin_object(w);
		jl_jw_kv_str(w, "architecture", d->arch);
		jl_jw_kv_str(w, "os", d->os);
		if (d->variant)
			jl_jw_kv_str(w, "variant", d->variant);
		jl_jw_end_object(w);
	}
	if (d->ref_name) {
		jl_jw_key(w, "annotations");
		jl_jw_begin_object(w);
		jl_jw_kv_str(w, IMG_ANNOTATION_REF_NAME, d->ref_name);
		jl_jw_end_object(w);
	}
	jl_jw_end_object(w);
}

void img_manifest_write(const struct img_manifest *m, struct jl_buf *out)
{
	struct jl_json_writer w = {.out = out};
	jl_jw_begin_object(&w);
	jl_jw_kv_int(&w, "schemaVersion", 2);
	jl_jw_kv_str(&w, "mediaType", m->media_type ? m->media_type : IMG_MT_OCI_MANIFEST);
	jl_jw_key(&w, "config");
	write_descriptor(&w, &m->config, false);
	jl_jw_key(&w, "layers");
	jl_jw_begin_array(&w);
	for (size_t i = 0; i < m->n_layers; i++)
		write_descriptor(&w, &m->layers[i], false);
	jl_jw_end_array(&w);
	jl_jw_end_object(&w);
}

void img_index_write(const struct img_descriptor *manifests, size_t n, struct jl_buf *out)
{
	struct jl_json_writer w = {.out = out};
	jl_jw_begin_object(&w);
	jl_jw_kv_int(&w, "schemaVersion", 2);
	jl_jw_kv_str(&w, "mediaType", IMG_MT_OCI_INDEX);
	jl_jw_key(&w, "manifests");
	jl_jw_begin_array(&w);
	for (size_t i = 0; i < n; i++)
		write_descriptor(&w, &manifests[i], true);
	jl_jw_end_array(&w);
	jl_jw_end_object(&w);
}

static void write_history_entry(struct jl_json_writer *w, const char *created,
				const char *created_by)
{
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "created", created);
	jl_jw_kv_str(w, "created_by", created_by);
	jl_jw_end_object(w);
}

void img_config_write_new(const char *const *diff_ids, size_t n, const char *created_by,
			  struct jl_buf *out)
{
	char now[40];
	jl_time_rfc3339(now);
	struct jl_json_writer w = {.out = out};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "created", now);
	jl_jw_kv_str(&w, "architecture", img_machine_arch());
	jl_jw_kv_str(&w, "os", "linux");
	jl_jw_key(&w, "config");
	jl_jw_begin_object(&w);
	/* What `podman import` and `docker import` give a bare rootfs. */
	jl_jw_key(&w, "Env");
	jl_jw_begin_array(&w);
	jl_jw_str(&w, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	jl_jw_end_array(&w);
	jl_jw_end_object(&w);
	jl_jw_key(&w, "rootfs");
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "type", "layers");
	jl_jw_key(&w, "diff_ids");
	jl_jw_begin_array(&w);
	for (size_t i = 0; i < n; i++)
		jl_jw_str(&w, diff_ids[i]);
	jl_jw_end_array(&w);
	jl_jw_end_object(&w);
	jl_jw_key(&w, "history");
	jl_jw_begin_array(&w);
	for (size_t i = 0; i < n; i++)
		write_history_entry(&w, now, created_by);
	jl_jw_end_array(&w);
	jl_jw_end_object(&w);
}

/* --- one layer more ----------------------------------------------------------- */

static void write_rootfs(struct jl_json_writer *w, jl_json_val rootfs, const char *diff_id)
{
	jl_jw_begin_object(w);
	for (size_t i = 0; i < jl_json_len(rootfs); i++) {
		const char *k = jl_json_key_at(rootfs, i);
		jl_json_val v = jl_json_value_at(rootfs, i);
		if (jl_json_get(rootfs, k) != v)
			continue; /* a duplicate key: the last one is the one that counts */
		jl_jw_key(w, k);
		if (strcmp(k, "diff_ids")) {
			jl_jw_value(w, v);
			continue;
		}
		jl_jw_begin_array(w);
		for (size_t j = 0; j < jl_json_len(v); j++)
			jl_jw_value(w, jl_json_at(v, j));
		jl_jw_str(w, diff_id);
		jl_jw_end_array(w);
	}
	jl_jw_end_object(w);
}

static void write_history(struct jl_json_writer *w, jl_json_val h, const char *created,
			  const char *created_by)
{
	jl_jw_begin_array(w);
	for (size_t j = 0; j < jl_json_len(h); j++)
		jl_jw_value(w, jl_json_at(h, j));
	write_history_entry(w, created, created_by);
	jl_jw_end_array(w);
}

int img_config_append_layer(const char *text, size_t len, const char *what, const char *diff_id,
			    const char *created, const char *created_by, struct jl_buf *out,
			    struct jl_err **err)
{
	if (!img_digest_valid(diff_id))
		return jl_err_set(err, 0, "%s: new layer: diff_id is not a sha256 digest", what);
	struct img_config_doc check;
	int r = img_config_parse_doc(text, len, what, &check, err);
	if (r < 0)
		return r;
	size_t n = check.n_diff_ids;
	img_config_doc_free(&check);
	if (n >= OCI_MAX_LAYERS)
		return jl_err_set(err, E2BIG, "%s: already %zu layers (overlayfs stacks at most %d)",
				  what, n, OCI_MAX_LAYERS);
	jl_json_val doc = NULL;
	r = oci_json_tree(text, len, what, &doc, err);
	if (r < 0)
		return r;
	char now[40];
	if (!created) {
		jl_time_rfc3339(now);
		created = now;
	}
	struct jl_json_writer w = {.out = out};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "created", created);
	bool history = false;
	for (size_t i = 0; i < jl_json_len(doc); i++) {
		const char *k = jl_json_key_at(doc, i);
		jl_json_val v = jl_json_value_at(doc, i);
		if (jl_json_get(doc, k) != v || !strcmp(k, "created"))
			continue;
		jl_jw_key(&w, k);
		if (!strcmp(k, "rootfs")) {
			write_rootfs(&w, v, diff_id);
		} else if (!strcmp(k, "history")) {
			write_history(&w, v, created, created_by);
			history = true;
		} else {
			jl_jw_value(&w, v);
		}
	}
	if (!history) {
		jl_jw_key(&w, "history");
		write_history(&w, NULL, created, created_by);
	}
	jl_jw_end_object(&w);
	jl_json_free(doc);
	return 0;
}
