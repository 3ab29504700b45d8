/* A tar read once, from start to end: an oci-archive (a tar of an OCI
 * layout; docker 25+ `docker save` is one, with a manifest.json besides),
 * an older `docker save` archive (manifest.json, <id>/layer.tar,
 * <config>.json), or -- told by its first entry -- a root filesystem.
 *
 * Each blobs/sha256/<hex> member streams straight into the store, verified
 * against its name; each docker layer.tar and config .json streams in
 * hashed (its digest is what the store calls it); index.json,
 * manifest.json and oci-layout are kept in memory.  Member names are
 * never used as store paths: only digests are, after validation. */
#include <ctype.h>
#include <string.h>

#include "image/import_internal.h"

/* --- paths ---------------------------------------------------------------------- */

char *archive_clean(const char *dir, const char *path)
{
	cleanup_free char *joined = xasprintf("%s/%s", path[0] == '/' || !dir ? "" : dir, path);
	char *out = xmalloc(strlen(joined) + 1);
	size_t o = 0;
	for (char *save = NULL, *c = strtok_r(joined, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) { /* never above the top */
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, strlen(c));
		o += strlen(c);
	}
	out[o] = '\0';
	return out;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? strndup(path, (size_t)(slash - path)) : xstrdup("");
}

const struct archive_member *archive_find(const struct archive *a, const char *path)
{
	/* a chain of links is followed this far (a loop ends here too) */
	for (int hops = 0; hops < 16; hops++) {
		for (size_t i = 0; i < a->n_m; i++)
			if (!strcmp(a->m[i].path, path))
				return &a->m[i];
		const char *next = NULL;
		for (size_t i = 0; i < a->n_l && !next; i++)
			if (!strcmp(a->l[i].path, path))
				next = a->l[i].target;
		if (!next)
			return NULL;
		path = next;
	}
	return NULL;
}

static void archive_free(struct archive *a)
{
	for (size_t i = 0; i < a->n_m; i++)
		free(a->m[i].path);
	for (size_t i = 0; i < a->n_l; i++) {
		free(a->l[i].path);
		free(a->l[i].target);
	}
	free(a->m);
	free(a->l);
	jl_buf_free(&a->oci_layout);
	jl_buf_free(&a->index);
	jl_buf_free(&a->manifest);
}

/* --- the first entry: an image archive or a root filesystem? ----------------------- */

static bool is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* Names only image archives have at their top: a root filesystem has
 * bin/, etc/, usr/... */
static bool image_archive_name(const char *path)
{
	size_t n = strcspn(path, "/");
	static const char *const top[] = {"oci-layout", "index.json", "manifest.json",
					  "repositories", "blobs"};
	for (size_t i = 0; i < ARRAY_SIZE(top); i++)
		if (strlen(top[i]) == n && !strncmp(path, top[i], n))
			return true;
	/* docker save: <layer id>/, <config hex>.json; skopeo: <diff hex>.tar */
	return is_hex64(path, n) || (n == 69 && is_hex64(path, 64) && !strncmp(path + 64, ".json", 5)) ||
	       (n == 68 && is_hex64(path, 64) && !strncmp(path + 64, ".tar", 4));
}

/* --- members ------------------------------------------------------------------------ */

static ssize_t tar_read(void *arg, void *buf, size_t n, struct jl_err **err)
{
	return img_tar_read(arg, buf, n, err);
}

static int keep_doc(struct img_tar *t, const char *name, struct jl_buf *b, bool *has,
		    const struct img_tar_entry *e, struct jl_err **err)
{
	if (e->size > (int64_t)IMPORT_DOC_MAX)
		return jl_err_code(err, EFBIG, "entry \"%s\": larger than %u bytes", name,
				   IMPORT_DOC_MAX);
	b->len = 0;
	char chunk[16384];
	for (;;) {
		ssize_t n = img_tar_read(t, chunk, sizeof(chunk), err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (b->len + (size_t)n > IMPORT_DOC_MAX)
			return jl_err_code(err, EFBIG, "entry \"%s\": larger than %u bytes", name,
					   IMPORT_DOC_MAX);
		jl_buf_add(b, chunk, (size_t)n);
	}
	if (!b->data)
		jl_buf_add(b, "", 0);
	*has = true;
	return 0;
}

static void add_member(struct archive *a, const char *path, const char *digest, int64_t size)
{
	a->m = xrealloc(a->m, (a->n_m + 1) * sizeof(*a->m));
	a->m[a->n_m].path = xstrdup(path);
	snprintf(a->m[a->n_m].digest, IMG_DIGEST_MAX, "%s", digest);
	a->m[a->n_m].size = size;
	a->n_m++;
}

/* Stream one member into the store: expected digest from its name, or
 * (NULL) whatever it hashes to. */
static int store_member(struct import *im, struct archive *a, struct img_tar *t,
			const char *path, const char *digest, int64_t size, struct jl_err **err)
{
	char q[IMG_QUOTE_MAX], what[IMG_QUOTE_MAX + 16], got[IMG_DIGEST_MAX];
	snprintf(what, sizeof(what), "entry \"%s\"", img_quote(path, q));
	int r = img_blob_put_stream(im->s, tar_read, t, digest, size, what, im->p, got, err);
	if (r < 0)
		return r;
	add_member(a, path, got, size);
	return 0;
}

static int blob_member(struct import *im, struct archive *a, struct img_tar *t,
		       const char *path, int64_t size, struct jl_err **err)
{
	const char *hex = path + strlen("blobs/sha256/");
	if (!is_hex64(hex, strlen(hex))) {
		char q[IMG_QUOTE_MAX];
		return jl_err_code(err, EINVAL, "entry \"%s\": not blobs/sha256/<64 hex digits>",
				   img_quote(path, q));
	}
	char digest[IMG_DIGEST_MAX];
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	return store_member(im, a, t, path, digest, size, err);
}

static int file_member(struct import *im, struct archive *a, struct img_tar *t,
		       const char *path, const struct img_tar_entry *e, struct jl_err **err)
{
	if (!strcmp(path, "oci-layout"))
		return keep_doc(t, path, &a->oci_layout, &a->has_oci_layout, e, err);
	if (!strcmp(path, "index.json"))
		return keep_doc(t, path, &a->index, &a->has_index, e, err);
	if (!strcmp(path, "manifest.json"))
		return keep_doc(t, path, &a->manifest, &a->has_manifest, e, err);
	if (jl_str_has_prefix(path, "blobs/sha256/"))
		return blob_member(im, a, t, path, e->size, err);
	if (jl_str_has_prefix(path, "blobs/"))
		return 0; /* another algorithm: nothing valid can reference it */
	/* <id>/layer.tar (docker), <diff hex>.tar (skopeo's docker-archive) */
	size_t n = strlen(path);
	bool top = !strchr(path, '/');
	bool layer = (n >= 10 && !strcmp(path + n - 10, "/layer.tar")) ||
		     (top && n > 4 && !strcmp(path + n - 4, ".tar"));
	bool config = top && n > 5 && !strcmp(path + n - 5, ".json");
	if (layer || config)
		return store_member(im, a, t, path, NULL, e->size, err);
	return 0; /* repositories, <id>/json, <id>/VERSION: not needed */
}

static void add_link(struct archive *a, const char *path, char *target)
{
	a->l = xrealloc(a->l, (a->n_l + 1) * sizeof(*a->l));
	a->l[a->n_l].path = xstrdup(path);
	a->l[a->n_l].target = target;
	a->n_l++;
}

static int scan_entry(struct import *im, struct archive *a, struct img_tar *t,
		      const struct img_tar_entry *e, const char *path, struct jl_err **err)
{
	switch (e->type) {
	case IMG_TAR_FILE:
		return file_member(im, a, t, path, e, err);
	case IMG_TAR_SYMLINK: {
		cleanup_free char *dir = dir_of(path);
		add_link(a, path, archive_clean(dir, e->link));
		return 0;
	}
	case IMG_TAR_HARDLINK:
		add_link(a, path, archive_clean(NULL, e->link));
		return 0;
	default:
		return 0;
	}
}

/* --- the pass ------------------------------------------------------------------------- */

/* 1: a root filesystem (decided on its first named entry); 0: done. */
static int scan(struct import *im, struct archive *a, struct img_tar *t, struct jl_err **err)
{
	bool decided = false;
	for (;;) {
		struct img_tar_entry e;
		int r = img_tar_next(t, &e, err);
		if (r <= 0)
			return r == 0 && !decided ? 1 : r;
		cleanup_free char *path = archive_clean(NULL, e.path);
		if (!*path)
			continue; /* "./" */
		if (!decided && !image_archive_name(path))
			return 1;
		decided = true;
		r = scan_entry(im, a, t, &e, path, err);
		if (r < 0)
			return r;
	}
}

static int archive_image(struct import *im, const struct archive *a, struct jl_err **err)
{
	if (a->has_oci_layout) {
		int r = import_check_layout_file(a->oci_layout.data, a->oci_layout.len, err);
		if (r < 0)
			return r;
		if (!a->has_index)
			return jl_err_code(err, EINVAL, "oci-archive: no index.json");
		return import_from_index(im, a->index.data, a->index.len, "index.json", err);
	}
	if (a->has_manifest)
		return import_docker(im, a, err);
	return jl_err_code(err, EINVAL, "neither an oci-archive (oci-layout, index.json) nor a "
			   "docker-save archive (manifest.json)");
}

int import_archive(struct import *im, int fd, struct jl_err **err)
{
	struct img_tar *t = NULL;
	int r = img_tar_open(fd, "archive", NULL, &t, err);
	if (r < 0)
		return r;
	struct archive a = {0};
	r = scan(im, &a, t, err);
	img_tar_close(t);
	if (r == 0)
		r = archive_image(im, &a, err);
	archive_free(&a);
	return r;
}
