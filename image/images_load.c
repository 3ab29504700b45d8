/* Reading an image back out of the store: its manifest and config blobs
 * (validated again: the store's files are trusted to be whole, not to have
 * been written by this version), the chain ids of its layers, and how a
 * ref a person typed finds it. */
#include <ctype.h>
#include <dirent.h>
#include <string.h>

#include "image/store_internal.h"

#define DOC_MAX (4u << 20)

void img_loaded_free(struct img_loaded *l)
{
	if (!l)
		return;
	img_manifest_free(&l->manifest);
	img_config_doc_free(&l->config);
	free(l->config_text);
	free(l->chains);
	memset(l, 0, sizeof(*l));
}

static int load_manifest(struct img_store *s, const char *digest, struct img_manifest *m,
			 struct jl_err **err)
{
	char sh[IMG_DIGEST_SHORT_MAX], what[48];
	snprintf(what, sizeof(what), "manifest %s", img_digest_short(digest, sh));
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = img_blob_read(s, digest, DOC_MAX, &text, &len, err);
	if (r < 0)
		return jl_err_wrap(err, "manifest");
	return img_manifest_parse(text, len, what, m, err);
}

static int load_config(struct img_store *s, const struct img_descriptor *d,
		       struct img_loaded *out, struct jl_err **err)
{
	char sh[IMG_DIGEST_SHORT_MAX], what[48];
	snprintf(what, sizeof(what), "config %s", img_digest_short(d->digest, sh));
	int r = img_blob_read(s, d->digest, DOC_MAX, &out->config_text, &out->config_len, err);
	if (r < 0)
		return r;
	if ((int64_t)out->config_len != d->size)
		return jl_err_set(err, 0, "%s: size mismatch: the manifest says %lld bytes, the blob "
				  "has %zu", what, (long long)d->size, out->config_len);
	return img_config_parse_doc(out->config_text, out->config_len, what, &out->config, err);
}

int img_load(struct img_store *s, const char *digest, struct img_loaded *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	if (!digest || !img_digest_valid(digest)) {
		char q[IMG_QUOTE_MAX];
		return jl_err_set(err, 0, "image \"%s\": not a manifest digest",
				  img_quote(digest ? digest : "", q));
	}
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	int r = load_manifest(s, digest, &out->manifest, err);
	if (r == 0)
		r = load_config(s, &out->manifest.config, out, err);
	if (r == 0 && out->config.n_diff_ids != out->manifest.n_layers) {
		char sh[IMG_DIGEST_SHORT_MAX];
		r = jl_err_set(err, 0, "image %s: the config has %zu diff_ids for %zu layers",
			       img_digest_short(digest, sh), out->config.n_diff_ids,
			       out->manifest.n_layers);
	}
	if (r < 0) {
		img_loaded_free(out);
		return r;
	}
	size_t n = out->manifest.n_layers;
	out->chains = xcalloc(n ? n : 1, sizeof(*out->chains));
	for (size_t i = 0; i < n; i++)
		img_chain_id(i ? out->chains[i - 1] : NULL, out->config.diff_ids[i], out->chains[i]);
	return 0;
}

/* --- refs ----------------------------------------------------------------------- */

static int not_found(const char *ref, struct jl_err **err)
{
	char q[IMG_QUOTE_MAX];
	return jl_err_code(err, ENOENT, "image \"%s\" does not exist", img_quote(ref, q));
}

/* "sha256:<12..64 hex>" or "<12..64 hex>": the hex part, else NULL. */
static const char *hex_prefix(const char *ref)
{
	const char *h = jl_str_has_prefix(ref, "sha256:") ? ref + 7 : ref;
	size_t n = strlen(h);
	if (n < 12 || n > 64)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)h[i]) && !(h[i] >= 'a' && h[i] <= 'f'))
			return NULL;
	return h;
}

static int by_prefix(const struct img_name *v, size_t n, const char *ref, const char *hex,
		     char digest[IMG_DIGEST_MAX], struct jl_err **err)
{
	const char *found = NULL;
	size_t len = strlen(hex);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(img_digest_hex(v[i].digest), hex, len))
			continue;
		if (found && strcmp(found, v[i].digest)) {
			char q[IMG_QUOTE_MAX];
			return jl_err_code(err, EINVAL, "image \"%s\": the prefix matches more than "
					   "one image (%s, %s)", img_quote(ref, q), found, v[i].digest);
		}
		found = v[i].digest;
	}
	if (!found)
		return not_found(ref, err);
	snprintf(digest, IMG_DIGEST_MAX, "%s", found);
	return 0;
}

static bool digest_named(const struct img_name *v, size_t n, const char *digest)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].digest, digest))
			return true;
	return false;
}

static int lookup_in(struct img_store *s, const struct img_name *v, size_t n, const char *ref,
		     char digest[IMG_DIGEST_MAX], char **name, struct jl_err **err)
{
	char *norm = NULL;
	struct jl_err *e = NULL;
	bool is_name = img_ref_normalise(ref, &norm, &e) == 0 && !strchr(norm, '@');
	jl_err_free(&e);
	for (size_t i = 0; is_name && i < n; i++)
		if (!strcmp(v[i].ref, norm)) {
			snprintf(digest, IMG_DIGEST_MAX, "%s", v[i].digest);
			if (name)
				*name = steal_ptr(&norm);
			free(norm);
			return 0;
		}
	free(norm);
	/* name@sha256:...: the digest decides; a full digest of an image the
	 * store has (named, or still used by a container after its name went). */
	const char *at = strchr(ref, '@');
	const char *full = at ? at + 1 : ref;
	if (img_digest_valid(full) && (digest_named(v, n, full) || img_blob_exists(s, full))) {
		snprintf(digest, IMG_DIGEST_MAX, "%s", full);
		return 0;
	}
	const char *hex = at ? NULL : hex_prefix(ref);
	if (!hex)
		return not_found(ref, err);
	return by_prefix(v, n, ref, hex, digest, err);
}

int img_lookup(struct img_store *s, const char *ref, char digest[IMG_DIGEST_MAX], char **name,
	       struct jl_err **err)
{
	if (name)
		*name = NULL;
	if (!ref || !*ref)
		return jl_err_code(err, EINVAL, "image reference: empty");
	struct img_name *v = NULL;
	size_t n = 0;
	int r = img_names_read(s, &v, &n, err);
	if (r == 0)
		r = lookup_in(s, v, n, ref, digest, name, err);
	img_names_free(v, n);
	return r;
}

/* --- containers' images --------------------------------------------------------- */

void img_container_refs_free(struct img_user_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].id);
	free(v);
}

static bool read_container_image(int dirfd, const char *id, char out[IMG_DIGEST_MAX])
{
	char path[300];
	snprintf(path, sizeof(path), "%s/image", id);
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	char buf[IMG_DIGEST_MAX + 8];
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	if (len < 0)
		return false;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	if (!img_digest_valid(buf))
		return false;
	memcpy(out, buf, (size_t)len + 1);
	return true;
}

int img_container_refs(struct img_store *s, struct img_user_ref **out, size_t *n,
		       struct jl_err **err)
{
	*out = NULL;
	*n = 0;
	int fd = openat(img_store_fd(s), "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "store: open \"containers\"");
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "store: read \"containers\"");
	}
	struct img_user_ref *v = NULL;
	size_t len = 0;
	for (struct dirent *de; (de = readdir(d));) {
		char digest[IMG_DIGEST_MAX];
		if (de->d_name[0] == '.' || !read_container_image(dirfd(d), de->d_name, digest))
			continue;
		v = xrealloc(v, (len + 1) * sizeof(*v));
		v[len].id = xstrdup(de->d_name);
		memcpy(v[len].digest, digest, sizeof(digest));
		len++;
	}
	*out = v;
	*n = len;
	return 0;
}
