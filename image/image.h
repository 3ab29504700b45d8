/* The image room's public door (cli/ and runtime/ may include it): an OCI
 * image store, imports, the copy-on-write root filesystems of containers
 * made from images, commit and export.  Depends only on the base layer.
 *
 * Store layout (default /var/lib/jaula, --store DIR, JAULA_STORE):
 *   lock                    flock: every change of images.json and of the
 *                           layer/container registries happens under it
 *   blobs/sha256/<hex>      content-addressed, verified while written
 *   blobs/tmp/              partial downloads/copies (never trusted)
 *   layers/<chain-hex>/diff an unpacked layer, shared by every image with
 *                           that chain; "ok" marks a complete unpack
 *   l/<short>               short symlinks to layers/<chain>/diff, so long
 *                           overlay lowerdir lists fit a page
 *   images.json             name:tag -> manifest digest (rename-replaced)
 *   containers/<id>/        upper/, work/, merged/, image (manifest digest),
 *                           meta.json (name, image ref, command, created),
 *                           log (run -d's stdout and stderr) */
#ifndef JAULA_IMAGE_H
#define JAULA_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/error.h"
#include "runtime/util.h"

#define IMG_DEFAULT_STORE "/var/lib/jaula"

struct img_store; /* opaque: the open store directory */

/* Open the store at dir, creating its layout if missing (0700). */
int img_store_open(const char *dir, struct img_store **out, struct jl_err **err);
void img_store_close(struct img_store *s);
const char *img_store_path(const struct img_store *s);

/* --- progress ------------------------------------------------------------- */

/* Called as bytes move (import: blob copies and layer unpacks).  `what`
 * names the step ("copy sha256:ab12...", "unpack sha256:ab12..."); total is
 * 0 when unknown.  A NULL callback is silence. */
struct img_progress {
	void (*fn)(void *arg, const char *what, uint64_t done, uint64_t total);
	void *arg;
};

/* --- import ------------------------------------------------------------------ */

/* Import src as ref ("name" or "name:tag"; tag defaults to "latest"): an OCI
 * image layout directory, an oci-archive (a tar of one), a `docker save`
 * archive, or a plain root filesystem tarball (.tar, .tar.gz, .tar.zst: a
 * one-layer image, as `podman import`).  Blobs are verified (digest and
 * size) before they are used; layers already in the store are not unpacked
 * again.  On failure nothing is left half-imported.  *digest (may be NULL):
 * the manifest digest, malloc'ed. */
int img_import(struct img_store *s, const char *src, const char *ref,
	       const struct img_progress *p, char **digest, struct jl_err **err);

/* --- images --------------------------------------------------------------- */

struct img_info {
	char *ref;      /* "name:tag" */
	char *digest;   /* manifest digest, "sha256:..." */
	char *config;   /* config digest */
	char *created;  /* the config's "created", or NULL */
	uint64_t size;  /* sum of the layers' compressed sizes */
	size_t n_layers;
};
int img_list(struct img_store *s, struct img_info **out, size_t *n, struct jl_err **err);
void img_info_free(struct img_info *v, size_t n);

/* What `image inspect` prints: one JSON object (ref, digest, manifest,
 * config, layers with their chain ids). */
int img_inspect(struct img_store *s, const char *ref, struct jl_buf *out, struct jl_err **err);

/* Remove a name.  Refused while a container (containers/<id>/image) uses
 * the image.  Blobs and layers stay until img_prune. */
int img_remove(struct img_store *s, const char *ref, struct jl_err **err);
/* Free the blobs and layers no image and no container references. */
int img_prune(struct img_store *s, uint64_t *freed_bytes, struct jl_err **err);

/* --- an image, for running it --------------------------------------------- */

/* The parts of an image config (image-spec config.md "config") a container
 * is made from.  Every string is malloc'ed; vectors are NULL-terminated. */
struct img_config {
	char **entrypoint;
	char **cmd;
	char **env;
	char *working_dir;
	char *user;
	char **labels; /* key, value, key, value, ..., NULL */
	char *stop_signal;
};

struct img_image {
	char *ref;
	char *digest;       /* manifest */
	char **layer_dirs;  /* absolute layers/<chain>/diff, bottom first, NULL-terminated */
	size_t n_layers;
	struct img_config config;
};

/* Resolve ref (a name, name:tag, or a manifest digest or a unique prefix of
 * one) to an image.  ENOENT: no such image. */
int img_resolve(struct img_store *s, const char *ref, struct img_image *out,
		struct jl_err **err);
void img_image_free(struct img_image *im);

/* --- containers' root filesystems ----------------------------------------- */

struct img_rootfs {
	char *dir;    /* containers/<id> */
	char *merged; /* the root filesystem once mounted */
	char *upper, *work;
};

/* Make containers/<id> for image im (upper, work, merged, image, meta.json
 * with name, ref, command and the creation time).  EEXIST when id is taken. */
int img_rootfs_prepare(struct img_store *s, const struct img_image *im, const char *id,
		       const char *command, struct img_rootfs *out, struct jl_err **err);
/* Make the empty files `files` (relative paths, NULL-terminated) in the
 * container's init layer, a read-only layer just below its upper directory:
 * mount points for files the runtime binds over the image's.  Before
 * img_rootfs_mount. */
int img_rootfs_add_stubs(const struct img_rootfs *r, const char *const *files,
			 struct jl_err **err);
/* Mount the overlay (im's layers read-only below, upper on top) at
 * r->merged in the caller's mount namespace.  Costs the same for any image
 * size; any number of layers overlayfs takes (up to 500). */
int img_rootfs_mount(struct img_store *s, const struct img_image *im, const struct img_rootfs *r,
		     struct jl_err **err);
/* Remove containers/<id> (detaching merged first if mounted here). */
int img_rootfs_remove(struct img_store *s, const char *id, struct jl_err **err);
void img_rootfs_free(struct img_rootfs *r);

/* A container of the store (containers/<id>/meta.json). */
struct img_container {
	char *id, *ref, *command, *created;
};
int img_containers(struct img_store *s, struct img_container **out, size_t *n,
		   struct jl_err **err);
void img_containers_free(struct img_container *v, size_t n);

/* User "name", "uid", "name:group", "uid:gid" as the image's /etc/passwd and
 * /etc/group (under rootfd, resolved inside it) say: uid, gid and the
 * supplementary groups the user is a member of.  A name the files lack is
 * an error naming it; numbers need no entry. */
struct img_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	char *home; /* from passwd, or NULL */
};
int img_resolve_user(int rootfd, const char *spec, struct img_user *out, struct jl_err **err);
void img_user_free(struct img_user *u);

/* --- commit and export ----------------------------------------------------- */

/* A new image ref: container id's image plus one layer made of its upper
 * directory (overlay whiteouts become .wh. entries, opaque directories
 * .wh..wh..opq), with the image's config and a history entry. */
int img_commit(struct img_store *s, const char *id, const char *ref, char **digest,
	       struct jl_err **err);
/* Write ref as an oci-archive (a tar of an OCI image layout, with the ref's
 * tag in index.json's org.opencontainers.image.ref.name), which skopeo,
 * umoci and `podman load` read. */
int img_export(struct img_store *s, const char *ref, const char *file, struct jl_err **err);

/* sha256 of a buffer as 64 lowercase hex digits and a NUL (digest.c is
 * the one user of libcrypto; the seccomp cache keys its programs with it). */
void img_sha256_hex(const void *p, size_t n, char out[65]);

#endif
