/* The images of a store: list, inspect, remove a name, and resolve a ref
 * into what a container is made from (img_resolve, for rootfs.c and
 * `jaula run`).  Pruning is images_prune.c. */
#include <string.h>

#include "image/store_internal.h"
#include "runtime/json.h"
#include "runtime/log.h"

/* --- list ------------------------------------------------------------------------- */

void img_info_free(struct img_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].ref);
		free(v[i].digest);
		free(v[i].config);
		free(v[i].created);
	}
	free(v);
}

static uint64_t layers_size(const struct img_manifest *m)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < m->n_layers; i++)
		sum += (uint64_t)m->layers[i].size;
	return sum;
}

int img_list(struct img_store *s, struct img_info **out, size_t *n, struct jl_err **err)
{
	struct img_name *names = NULL;
	size_t len = 0;
	int r = img_names_read(s, &names, &len, err);
	if (r < 0)
		return r;
	struct img_info *v = xcalloc(len ? len : 1, sizeof(*v));
	for (size_t i = 0; i < len; i++) {
		v[i].ref = xstrdup(names[i].ref);
		v[i].digest = xstrdup(names[i].digest);
		struct img_loaded l;
		struct jl_err *e = NULL;
		if (img_load(s, names[i].digest, &l, &e) < 0) {
			/* one broken image must not hide the others */
			jl_warn("image %s: %s", names[i].ref, e->msg);
			jl_err_free(&e);
			continue;
		}
		v[i].config = xstrdup(l.manifest.config.digest);
		v[i].created = l.config.created ? xstrdup(l.config.created) : NULL;
		v[i].size = layers_size(&l.manifest);
		v[i].n_layers = l.manifest.n_layers;
		img_loaded_free(&l);
	}
	img_names_free(names, len);
	*out = v;
	*n = len;
	return 0;
}

/* --- inspect ---------------------------------------------------------------------- */

static void write_strv(struct jl_json_writer *w, const char *key, char **v)
{
	jl_jw_key(w, key);
	if (!v) {
		jl_jw_null(w);
		return;
	}
	jl_jw_begin_array(w);
	for (; *v; v++)
		jl_jw_str(w, *v);
	jl_jw_end_array(w);
}

static void write_container_config(struct jl_json_writer *w, const struct img_config *c)
{
	jl_jw_key(w, "config");
	jl_jw_begin_object(w);
	write_strv(w, "Entrypoint", c->entrypoint);
	write_strv(w, "Cmd", c->cmd);
	write_strv(w, "Env", c->env);
	jl_jw_kv_str(w, "WorkingDir", c->working_dir);
	jl_jw_kv_str(w, "User", c->user);
	jl_jw_key(w, "Labels");
	jl_jw_begin_object(w);
	for (char **l = c->labels; l && l[0]; l += 2)
		jl_jw_kv_str(w, l[0], l[1]);
	jl_jw_end_object(w);
	jl_jw_kv_str(w, "StopSignal", c->stop_signal);
	jl_jw_end_object(w);
}

static void write_layers(struct jl_json_writer *w, const struct img_loaded *l)
{
	jl_jw_key(w, "layers");
	jl_jw_begin_array(w);
	for (size_t i = 0; i < l->manifest.n_layers; i++) {
		const struct img_descriptor *d = &l->manifest.layers[i];
		jl_jw_begin_object(w);
		jl_jw_kv_str(w, "digest", d->digest);
		jl_jw_kv_int(w, "size", d->size);
		jl_jw_kv_str(w, "mediaType", d->media_type);
		jl_jw_kv_str(w, "diffId", l->config.diff_ids[i]);
		jl_jw_kv_str(w, "chainId", l->chains[i]);
		jl_jw_end_object(w);
	}
	jl_jw_end_array(w);
}

static void write_names(struct jl_json_writer *w, const struct img_name *v, size_t n,
			const char *digest)
{
	jl_jw_key(w, "names");
	jl_jw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].digest, digest))
			jl_jw_str(w, v[i].ref);
	jl_jw_end_array(w);
}

int img_inspect(struct img_store *s, const char *ref, struct jl_buf *out, struct jl_err **err)
{
	char digest[IMG_DIGEST_MAX];
	cleanup_free char *name = NULL;
	int r = img_lookup(s, ref, digest, &name, err);
	struct img_name *names = NULL;
	size_t n = 0;
	if (r == 0)
		r = img_names_read(s, &names, &n, err);
	struct img_loaded l = {0};
	if (r == 0)
		r = img_load(s, digest, &l, err);
	if (r < 0) {
		img_names_free(names, n);
		return r;
	}
	struct jl_json_writer w = {.out = out, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "ref", name);
	write_names(&w, names, n, digest);
	jl_jw_kv_str(&w, "digest", digest);
	jl_jw_kv_str(&w, "mediaType", l.manifest.media_type ? l.manifest.media_type
							     : IMG_MT_OCI_MANIFEST);
	jl_jw_kv_str(&w, "configDigest", l.manifest.config.digest);
	jl_jw_kv_str(&w, "created", l.config.created);
	jl_jw_kv_str(&w, "os", l.config.os);
	jl_jw_kv_str(&w, "architecture", l.config.architecture);
	jl_jw_kv_uint(&w, "size", layers_size(&l.manifest));
	write_layers(&w, &l);
	write_container_config(&w, &l.config.config);
	jl_jw_end_object(&w);
	jl_buf_puts(out, "\n");
	img_loaded_free(&l);
	img_names_free(names, n);
	return 0;
}

/* --- remove ------------------------------------------------------------------------ */

/* Which name to drop for ref: the name itself, or the only name of a
 * digest (a digest with several names is ambiguous: remove them by name). */
static int name_to_drop(const struct img_name *v, size_t n, const char *ref, const char *digest,
			const char *name, const char **out, size_t *same, struct jl_err **err)
{
	*out = NULL;
	*same = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].digest, digest))
			continue;
		(*same)++;
		if (!name || !strcmp(v[i].ref, name))
			*out = *out ? *out : v[i].ref;
	}
	if (!*out)
		return jl_err_code(err, ENOENT, "image \"%s\" does not exist", ref);
	if (!name && *same > 1)
		return jl_err_code(err, EBUSY, "image %s has %zu names: remove them by name", digest,
				   *same);
	return 0;
}

static int check_unused(struct img_store *s, const char *name, const char *digest,
			struct jl_err **err)
{
	struct img_user_ref *users = NULL;
	size_t n = 0;
	int r = img_container_refs(s, &users, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!strcmp(users[i].digest, digest))
			r = jl_err_code(err, EBUSY, "image %s is used by container %s", name,
					users[i].id);
	img_container_refs_free(users, n);
	return r;
}

int img_remove(struct img_store *s, const char *ref, struct jl_err **err)
{
	/* Held across the check and the drop: a container made in between
	 * (rootfs.c writes containers/<id>/image under this lock) is seen. */
	int r = img_store_lock(s, err);
	if (r < 0)
		return r;
	char digest[IMG_DIGEST_MAX];
	cleanup_free char *name = NULL;
	struct img_name *v = NULL;
	size_t n = 0, same = 0;
	const char *drop = NULL;
	r = img_lookup(s, ref, digest, &name, err);
	if (r == 0)
		r = img_names_read(s, &v, &n, err);
	if (r == 0)
		r = name_to_drop(v, n, ref, digest, name, &drop, &same, err);
	/* Another name keeps the image (and the container's layers) alive. */
	if (r == 0 && same == 1)
		r = check_unused(s, drop, digest, err);
	if (r == 0)
		r = img_names_drop(s, drop, err);
	img_names_free(v, n);
	img_store_unlock(s);
	return r;
}

/* --- resolve ------------------------------------------------------------------------ */

void img_image_free(struct img_image *im)
{
	if (!im)
		return;
	free(im->ref);
	free(im->digest);
	for (size_t i = 0; im->layer_dirs && im->layer_dirs[i]; i++)
		free(im->layer_dirs[i]);
	free(im->layer_dirs);
	img_config_free(&im->config);
	memset(im, 0, sizeof(*im));
}

static int layer_dirs(struct img_store *s, const struct img_loaded *l, const char *ref,
		      struct img_image *out, struct jl_err **err)
{
	size_t n = l->manifest.n_layers;
	out->layer_dirs = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		if (img_layer_path(s, l->chains[i], &out->layer_dirs[i]) < 0) {
			char sh[IMG_DIGEST_SHORT_MAX];
			return jl_err_code(err, ENOENT, "image %s: layer %zu (chain %s) is not "
					   "unpacked in the store: import the image again",
					   ref, i, img_digest_short(l->chains[i], sh));
		}
		out->n_layers++;
	}
	return 0;
}

int img_resolve(struct img_store *s, const char *ref, struct img_image *out,
		struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	char digest[IMG_DIGEST_MAX];
	char *name = NULL;
	int r = img_lookup(s, ref, digest, &name, err);
	if (r < 0)
		return r;
	out->ref = name ? name : xstrdup(ref);
	out->digest = xstrdup(digest);
	struct img_loaded l;
	r = img_load(s, digest, &l, err);
	if (r < 0) {
		jl_err_wrap(err, "image %s", out->ref);
		img_image_free(out);
		return r;
	}
	r = layer_dirs(s, &l, out->ref, out, err);
	out->config = l.config.config;
	memset(&l.config.config, 0, sizeof(l.config.config));
	img_loaded_free(&l);
	if (r < 0)
		img_image_free(out);
	return r;
}
