/* images.json: {"images": {"name:tag": "sha256:<manifest>", ...}}.  Every
 * change is a read-modify-write under the store lock, written to a
 * temporary file and renamed over the old one, so a reader (who takes no
 * lock) sees the file before or after a change, never half of it. */
#include <stdlib.h>
#include <string.h>

#include "image/store_private.h"
#include "runtime/json.h"

#define NAMES_FILE "images.json"
#define NAMES_MAX (16u << 20)

void img_names_free(struct img_name *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].ref);
		free(v[i].digest);
	}
	free(v);
}

static int by_ref(const void *a, const void *b)
{
	return strcmp(((const struct img_name *)a)->ref, ((const struct img_name *)b)->ref);
}

static int bad_entry(const char *key, const char *why, struct jl_err **err)
{
	char q[IMG_QUOTE_MAX];
	return jl_err_set(err, 0, NAMES_FILE ": images[\"%s\"]: %s", img_quote(key, q), why);
}

static int names_from_tree(jl_json_val doc, struct img_name **out, size_t *n,
			   struct jl_err **err)
{
	jl_json_val images = jl_json_get(doc, "images");
	if (jl_json_type(images) != JL_JSON_OBJECT)
		return jl_err_set(err, 0, NAMES_FILE ": images: expected object");
	size_t len = jl_json_len(images);
	struct img_name *v = xcalloc(len ? len : 1, sizeof(*v));
	for (size_t i = 0; i < len; i++) {
		const char *key = jl_json_key_at(images, i);
		const char *digest = jl_json_string(jl_json_value_at(images, i));
		char *norm = NULL;
		struct jl_err *e = NULL;
		int r = img_ref_normalise(key, &norm, &e);
		jl_err_free(&e);
		if (r < 0 || strcmp(norm, key) || !digest || !img_digest_valid(digest)) {
			free(norm);
			img_names_free(v, i);
			return bad_entry(key, r < 0 || strcmp(norm ? norm : "", key)
						      ? "not a normalised name:tag"
						      : "not a manifest digest",
					 err);
		}
		v[i].ref = norm;
		v[i].digest = xstrdup(digest);
	}
	qsort(v, len, sizeof(*v), by_ref);
	*out = v;
	*n = len;
	return 0;
}

int img_names_read(struct img_store *s, struct img_name **out, size_t *n, struct jl_err **err)
{
	*out = NULL;
	*n = 0;
	cleanup_free char *text = NULL;
	struct jl_err *e = NULL;
	int r = jl_read_file_at(s->fd, NAMES_FILE, NAMES_MAX, &text, NULL, &e);
	if (r < 0) {
		bool absent = e->errnum == ENOENT;
		if (!absent)
			r = jl_err_set(err, e->errnum, "store: %s", e->msg);
		jl_err_free(&e);
		if (absent)
			*out = xcalloc(1, sizeof(**out));
		return absent ? 0 : r;
	}
	jl_json_val doc = NULL;
	r = jl_json_parse(text, NAMES_FILE, &doc, err);
	if (r < 0)
		return r;
	r = names_from_tree(doc, out, n, err);
	jl_json_free(doc);
	return r;
}

static int names_write(struct img_store *s, const struct img_name *v, size_t n,
		       struct jl_err **err)
{
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_key(&w, "images");
	jl_jw_begin_object(&w);
	for (size_t i = 0; i < n; i++)
		if (v[i].ref)
			jl_jw_kv_str(&w, v[i].ref, v[i].digest);
	jl_jw_end_object(&w);
	jl_jw_end_object(&w);
	jl_buf_puts(&b, "\n");
	int r = jl_write_atomic_at(s->fd, NAMES_FILE, b.data, b.len, 0600, err);
	jl_buf_free(&b);
	return r < 0 ? jl_err_wrap(err, "store") : 0;
}

/* Under the lock: read, let edit() change the list, write. */
static int names_update(struct img_store *s, int (*edit)(struct img_name **v, size_t *n,
							   const char *ref, const char *digest),
			const char *ref, const char *digest, struct jl_err **err)
{
	int r = img_store_lock(s, err);
	if (r < 0)
		return r;
	struct img_name *v = NULL;
	size_t n = 0;
	r = img_names_read(s, &v, &n, err);
	if (r == 0) {
		r = edit(&v, &n, ref, digest);
		if (r == -ENOENT)
			jl_err_code(err, ENOENT, "image \"%s\" does not exist", ref);
		else
			r = names_write(s, v, n, err);
	}
	img_names_free(v, n);
	img_store_unlock(s);
	return r;
}

static int edit_set(struct img_name **v, size_t *n, const char *ref, const char *digest)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].ref, ref)) {
			free((*v)[i].digest);
			(*v)[i].digest = xstrdup(digest);
			return 0;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].ref = xstrdup(ref);
	(*v)[*n].digest = xstrdup(digest);
	(*n)++;
	return 0;
}

static int edit_drop(struct img_name **v, size_t *n, const char *ref, const char *digest)
{
	(void)digest;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].ref, ref)) {
			free((*v)[i].ref);
			free((*v)[i].digest);
			memmove(&(*v)[i], &(*v)[i + 1], (*n - i - 1) * sizeof(**v));
			(*n)--;
			return 0;
		}
	return -ENOENT;
}

int img_names_set(struct img_store *s, const char *ref, const char *digest, struct jl_err **err)
{
	cleanup_free char *norm = NULL;
	int r = img_ref_normalise(ref, &norm, err);
	if (r < 0)
		return r;
	/* name@digest finds an image; it does not name one */
	if (strchr(norm, '@'))
		return jl_err_code(err, EINVAL, "image reference \"%s\": a digest reference cannot "
				   "name an image (NAME[:TAG])", norm);
	if (!digest || !img_digest_valid(digest)) {
		char q[IMG_QUOTE_MAX];
		return jl_err_set(err, 0, "image \"%s\": \"%s\" is not a manifest digest", norm,
				  img_quote(digest ? digest : "", q));
	}
	return names_update(s, edit_set, norm, digest, err);
}

int img_names_drop(struct img_store *s, const char *ref, struct jl_err **err)
{
	cleanup_free char *norm = NULL;
	int r = img_ref_normalise(ref, &norm, err);
	if (r < 0)
		return r;
	return names_update(s, edit_drop, norm, NULL, err);
}
