/* The image room's internal contracts: every file of image/ may include
 * this; nothing outside image/ does (image.h is the door).  One external
 * library per file: OpenSSL's libcrypto only in digest.c, libarchive only
 * in tar.c (reading; jaula writes tar itself, tarwrite.c). */
#ifndef JAULA_IMAGE_INTERNAL_H
#define JAULA_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image.h"
#include "runtime/error.h"
#include "runtime/util.h"

/* --- digests (digest.c) ---------------------------------------------------- */

#define IMG_DIGEST_MAX 72 /* "sha256:" + 64 hex + NUL */

/* Exactly "sha256:" and 64 lowercase hex digits: the only form ever used as
 * a path (blobs/sha256/<hex>).  Anything else is refused before use. */
bool img_digest_valid(const char *d);
/* The 64 hex digits of a valid digest. */
const char *img_digest_hex(const char *d);

struct img_hash; /* incremental sha256 */
struct img_hash *img_hash_new(void);
void img_hash_update(struct img_hash *h, const void *p, size_t n);
/* "sha256:<hex>" into out; h stays usable only for img_hash_free. */
void img_hash_final(struct img_hash *h, char out[IMG_DIGEST_MAX]);
void img_hash_free(struct img_hash *h);
void img_sha256(const void *p, size_t n, char out[IMG_DIGEST_MAX]);

/* chain id of layer n = sha256(chain(n-1) + " " + diff_id(n)), chain(0) =
 * diff_id(0) (image-spec config.md). */
void img_chain_id(const char *parent_chain, const char *diff_id, char out[IMG_DIGEST_MAX]);

/* --- reading tar (tar.c, libarchive) --------------------------------------- */

enum img_tar_type {
	IMG_TAR_FILE,
	IMG_TAR_DIR,
	IMG_TAR_SYMLINK,
	IMG_TAR_HARDLINK,
	IMG_TAR_CHAR,
	IMG_TAR_BLOCK,
	IMG_TAR_FIFO,
	IMG_TAR_OTHER, /* sockets and what tar has no name for: refused by users */
};

struct img_tar_xattr {
	const char *name;
	const void *value;
	size_t size;
};

/* One entry; every pointer is valid until the next img_tar_next. */
struct img_tar_entry {
	const char *path; /* as written in the archive (not sanitised) */
	enum img_tar_type type;
	mode_t mode;      /* permission bits, set-id and sticky (07777) */
	uid_t uid;
	gid_t gid;
	int64_t mtime_sec;
	long mtime_nsec;
	int64_t size;     /* IMG_TAR_FILE: bytes of data */
	const char *link; /* symlink target, or hardlink target (an archive path) */
	unsigned rdev_major, rdev_minor;
	const struct img_tar_xattr *xattrs; /* PAX SCHILY.xattr.* and LIBARCHIVE.xattr.* */
	size_t n_xattrs;
};

struct img_tar;
struct img_tar_limits {
	uint64_t max_bytes;   /* uncompressed bytes of the whole stream (bombs); 0: default */
	uint64_t max_entries; /* 0: default */
};
/* Read a tar stream from fd (not closed): plain, gzip or zstd, detected.
 * `name` prefixes errors ("layer sha256:ab12...: ...").  The sha256 of the
 * uncompressed stream (an OCI diff_id) is computed as it is read, and
 * available from img_tar_diff_id once img_tar_next returned 0. */
int img_tar_open(int fd, const char *name, const struct img_tar_limits *lim, struct img_tar **out,
		 struct jl_err **err);
/* 1: *e is the next entry; 0: end of archive; < 0: error. */
int img_tar_next(struct img_tar *t, struct img_tar_entry *e, struct jl_err **err);
/* Data of the current entry: bytes read, 0 at its end, < 0 on error. */
ssize_t img_tar_read(struct img_tar *t, void *buf, size_t n, struct jl_err **err);
/* Read the rest of the stream (trailing padding included) so the diff_id
 * covers all of it; fails if anything but zeros follows the archive end. */
int img_tar_finish(struct img_tar *t, struct jl_err **err);
void img_tar_diff_id(const struct img_tar *t, char out[IMG_DIGEST_MAX]);
uint64_t img_tar_bytes(const struct img_tar *t); /* uncompressed bytes read so far */
void img_tar_close(struct img_tar *t);

/* --- writing tar (tarwrite.c) ---------------------------------------------- */

/* POSIX pax archives: ustar headers, pax extended headers for long names,
 * large sizes and ids, sub-second mtimes and xattrs (SCHILY.xattr.). */
struct img_tarw;
/* Stream to fd; the sha256 and size of what is written are kept. */
struct img_tarw *img_tarw_new(int fd);
/* One entry; a regular file's data comes from data_fd (read to its end;
 * e->size must match) or from data/e->size when data_fd < 0. */
int img_tarw_add(struct img_tarw *w, const struct img_tar_entry *e, int data_fd, const void *data,
		 struct jl_err **err);
/* The end-of-archive blocks; digest and size of the whole archive. */
int img_tarw_finish(struct img_tarw *w, char digest[IMG_DIGEST_MAX], uint64_t *size,
		    struct jl_err **err);
void img_tarw_free(struct img_tarw *w);

/* --- unpacking a layer (unpack.c) ------------------------------------------ */

struct img_unpack_opts {
	struct img_tar_limits limits;
	const struct img_progress *progress;
	const char *what; /* for progress and errors: "layer sha256:ab12..." */
};

/* Apply the layer tar read from fd to the empty directory rootfd, as one
 * overlayfs lower layer: .wh.NAME becomes a whiteout (char 0:0), a
 * .wh..wh..opq entry makes its directory opaque (trusted.overlay.opaque=y).
 * Every name is resolved inside rootfd -- "..", absolute names, symlinks
 * (to outside or not) met on the way, hardlinks to "../../x" or "/etc/x"
 * are contained there; a name that cannot be (bare ".wh.", ".wh..", a
 * hardlink to nothing in this layer, an unknown type) is an error naming
 * the entry.  Nothing is ever written outside rootfd.  diff_id receives the
 * layer's uncompressed digest. */
int img_unpack_layer(int rootfd, int fd, const struct img_unpack_opts *o,
		     char diff_id[IMG_DIGEST_MAX], struct jl_err **err);

/* --- image-spec documents (oci.c) ------------------------------------------ */

struct img_descriptor {
	char *media_type;
	char *digest; /* valid (img_digest_valid), checked by the parser */
	int64_t size; /* >= 0 */
	char *os, *arch, *variant; /* platform, index entries only */
	char *ref_name;            /* annotation org.opencontainers.image.ref.name */
};
void img_descriptor_free(struct img_descriptor *d);

struct img_manifest {
	char *media_type;
	struct img_descriptor config;
	struct img_descriptor *layers;
	size_t n_layers;
};
struct img_index {
	struct img_descriptor *manifests;
	size_t n;
};
/* Parse and validate (schemaVersion 2, media types, descriptors; layer
 * media types: OCI tar, tar+gzip, tar+zstd and their docker and
 * non-distributable spellings).  `what` prefixes errors. */
int img_manifest_parse(const char *text, size_t len, const char *what, struct img_manifest *out,
		       struct jl_err **err);
void img_manifest_free(struct img_manifest *m);
int img_index_parse(const char *text, size_t len, const char *what, struct img_index *out,
		    struct jl_err **err);
void img_index_free(struct img_index *x);
/* The linux/amd64 (this machine's) manifest of an index, or -ENOENT. */
int img_index_pick(const struct img_index *x, const struct img_descriptor **out);

/* An image config: the container-making parts, and rootfs.diff_ids (must be
 * "layers" with one valid digest per layer). */
int img_config_parse(const char *text, size_t len, const char *what, struct img_config *out,
		     char ***diff_ids, size_t *n_diff_ids, struct jl_err **err);
void img_config_free(struct img_config *c);

/* Compression of a layer media type: 0 none, 'g' gzip, 'z' zstd, -1 not a layer. */
int img_layer_compression(const char *media_type);

/* --- the store (store.c) ---------------------------------------------------- */

int img_store_fd(const struct img_store *s);
/* flock of the store's lock file, held until img_store_unlock. */
int img_store_lock(struct img_store *s, struct jl_err **err);
void img_store_unlock(struct img_store *s);

/* Copy what fd holds (to its end) into blobs/ as `digest` (NULL: whatever
 * it turns out to be), refusing a digest or size mismatch (size < 0: any);
 * *out gets the digest.  Written to blobs/tmp first, renamed when verified:
 * a blob that is there is always whole and right. */
int img_blob_put_fd(struct img_store *s, int fd, const char *digest, int64_t size,
		    const struct img_progress *p, char out[IMG_DIGEST_MAX], struct jl_err **err);
int img_blob_put_mem(struct img_store *s, const void *data, size_t n,
		     char out[IMG_DIGEST_MAX], struct jl_err **err);
/* Open / read a blob (read refuses more than max bytes). */
int img_blob_open(struct img_store *s, const char *digest, struct jl_err **err);
int img_blob_read(struct img_store *s, const char *digest, size_t max, char **text, size_t *len,
		  struct jl_err **err);
bool img_blob_exists(struct img_store *s, const char *digest);

/* The unpacked layer with this chain id: an fd of layers/<hex>/diff (or
 * -ENOENT).  img_layer_unpack makes it from blob `blob` (compression from
 * its media type) unless it exists, verifying diff_id, into a temporary
 * directory renamed in when whole: parallel imports of the same layer
 * cost one unpack more at worst, never a broken layer. */
int img_layer_path(struct img_store *s, const char *chain, char **path);
int img_layer_unpack(struct img_store *s, const char *chain, const char *blob,
		     const char *diff_id, const struct img_progress *p, struct jl_err **err);

/* images.json under the lock: set, drop and read name -> manifest digest. */
int img_names_set(struct img_store *s, const char *ref, const char *digest, struct jl_err **err);

/* "name" -> "name:latest"; refuses what is not a name[:tag] of [a-z0-9._-/:]. */
int img_ref_normalise(const char *ref, char **out, struct jl_err **err);

#endif
