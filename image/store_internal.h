/* The store's helpers beyond image_internal.h, for the other files of
 * image/ (import, commit, export, containers' root filesystems).  Only
 * image/ includes this. */
#ifndef JAULA_IMAGE_STORE_INTERNAL_H
#define JAULA_IMAGE_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image_internal.h"
#include "image/oci_internal.h"
#include "runtime/error.h"
#include "runtime/util.h"

/* --- blobs (store.c) ---------------------------------------------------------- */

/* A source of bytes: like read(2), but with an error object.  Returns the
 * bytes read, 0 at the end, < 0 with *err set. */
typedef ssize_t (*img_read_fn)(void *arg, void *buf, size_t n, struct jl_err **err);

/* img_blob_put_fd from any source (an archive member, a pipe).  When the
 * digest is given and the blob is already there, nothing is read (its size
 * is still checked).  `what` names the source in errors ("entry
 * \"blobs/sha256/ab..\""; NULL: "blob sha256:ab.."); progress reports the
 * step as "copy sha256:ab.." (or "copy <what>" when the digest is not
 * known yet). */
int img_blob_put_stream(struct img_store *s, img_read_fn rd, void *arg, const char *digest,
			int64_t size, const char *what, const struct img_progress *p,
			char out[IMG_DIGEST_MAX], struct jl_err **err);

/* The size of a stored blob; -ENOENT (no error object) when it is absent. */
int img_blob_size(struct img_store *s, const char *digest, int64_t *size);

/* A fresh random name "<prefix><16 hex>" for temporary files and dirs. */
#define IMG_TMPNAME_MAX 64
void img_tmpname(const char *prefix, char out[IMG_TMPNAME_MAX]);

/* --- garbage collection against work in progress (store.c) ----------------- */

/* Import and commit hold this (shared) from their first blob to the name:
 * prune takes it exclusive, so it never removes the blobs and layers of an
 * image being made, nor the temporary files of one.  A flock of <store>/gc.lock,
 * separate from <store>/lock (which guards images.json and is held only for
 * short updates).  Nested holds in one process are counted. */
int img_store_gc_hold(struct img_store *s, struct jl_err **err);
void img_store_gc_release(struct img_store *s);
/* Exclusive, for prune. */
int img_store_gc_exclusive(struct img_store *s, struct jl_err **err);
/* A failed import that holds the lock shared (once): true when it could
 * take it exclusively without waiting, i.e. no other import or commit is
 * running, so the layers it made cannot be in use by one.  False leaves
 * the lock released either way (Linux drops a shared flock whose
 * conversion fails); img_store_gc_release still ends the hold. */
bool img_store_gc_try_exclusive(struct img_store *s);

/* --- layers (store_layers.c) --------------------------------------------------- */

/* The short link of an unpacked layer, relative to the store directory:
 * "l/<short>", a symlink to ../layers/<chain-hex>/diff, made if missing.
 * <short> is the first 12 hex digits of the chain id, longer only when
 * another layer has those.  Overlay lowerdir lists built from these (with
 * the store as the mount helper's working directory) stay under a page for
 * hundreds of layers.  ENOENT when the layer is not unpacked. */
int img_layer_short_link(struct img_store *s, const char *chain, char **link,
			 struct jl_err **err);

/* img_layer_unpack that says whether this call made the layer (false: it
 * was there, or a parallel import renamed its copy in first). */
int img_layer_unpack_ex(struct img_store *s, const char *chain, const char *blob,
			const char *diff_id, const struct img_progress *p, bool *created,
			struct jl_err **err);
/* A base layer whose diff_id is not known yet (a rootfs tarball): unpack,
 * and install it as layers/<diff_id> (a base layer's chain id is its
 * diff_id).  Always unpacks. */
int img_layer_unpack_base(struct img_store *s, const char *blob, const struct img_progress *p,
			  char diff_id[IMG_DIGEST_MAX], bool *created, struct jl_err **err);

/* --- names (store_names.c) ------------------------------------------------------ */

struct img_name {
	char *ref;    /* normalised "name:tag" */
	char *digest; /* manifest digest */
};
/* images.json as it is now (sorted by ref). */
int img_names_read(struct img_store *s, struct img_name **out, size_t *n, struct jl_err **err);
void img_names_free(struct img_name *v, size_t n);
/* Remove ref from images.json (under the lock); ENOENT when absent. */
int img_names_drop(struct img_store *s, const char *ref, struct jl_err **err);

/* --- pruning (images_prune.c) ----------------------------------------------- */

/* Remove those of these layers that no named image and no container uses;
 * the caller holds gc.lock exclusively (a failed import undoing the layers
 * it made, img_store_gc_try_exclusive). */
int img_layers_drop_unused(struct img_store *s, char (*chains)[IMG_DIGEST_MAX], size_t n,
			   struct jl_err **err);

/* --- images (images_load.c) ------------------------------------------------------ */

/* One image of the store, read and validated: its manifest, its config (the
 * text, for commit and export, and parsed) and the chain id of each layer. */
struct img_loaded {
	char digest[IMG_DIGEST_MAX];
	struct img_manifest manifest;
	char *config_text;
	size_t config_len;
	struct img_config_doc config;
	char (*chains)[IMG_DIGEST_MAX]; /* manifest.n_layers of them, bottom first */
};
int img_load(struct img_store *s, const char *digest, struct img_loaded *out, struct jl_err **err);
void img_loaded_free(struct img_loaded *l);

/* A ref (name, name:tag, name@digest, a manifest digest or a unique prefix
 * of >= 12 hex digits of one) to its manifest digest; *name (may be NULL)
 * gets the normalised name it was found by, or NULL for a digest.  ENOENT
 * with "image \"x\" does not exist". */
int img_lookup(struct img_store *s, const char *ref, char digest[IMG_DIGEST_MAX], char **name,
	       struct jl_err **err);

/* The manifest digests containers/<id>/image names (valid ones only), with
 * their container ids. */
struct img_user_ref {
	char *id;
	char digest[IMG_DIGEST_MAX];
};
int img_container_refs(struct img_store *s, struct img_user_ref **out, size_t *n,
		       struct jl_err **err);
void img_container_refs_free(struct img_user_ref *v, size_t n);

#endif
