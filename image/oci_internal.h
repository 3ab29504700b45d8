/* image-spec documents beyond the parsers of image_internal.h: media type
 * names, a fuller view of an image config, and the writers that import (a
 * rootfs tarball becomes a one-layer image), commit (one layer more) and
 * export (an index.json) need.  Only image/ includes this. */
#ifndef JAULA_IMAGE_OCI_INTERNAL_H
#define JAULA_IMAGE_OCI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image_internal.h"
#include "runtime/error.h"
#include "runtime/util.h"

/* --- media types (image-spec media-types.md, Docker's manifest v2) ------------ */

#define IMG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMG_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMG_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define IMG_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMG_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

/* The content of an OCI layout's oci-layout file. */
#define IMG_OCI_LAYOUT_JSON "{\"imageLayoutVersion\":\"1.0.0\"}"
/* The annotation that names an image in an index (image-spec annotations.md). */
#define IMG_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

/* The OCI layer media type for a compression (0, 'g', 'z'), NULL otherwise. */
const char *img_layer_media_type(int compression);

/* This machine's architecture as Go (and so the image-spec) spells it:
 * "amd64", "arm64", "386", "arm", "ppc64le", "s390x", "riscv64", or uname's
 * machine name when there is no Go spelling. */
const char *img_machine_arch(void);

/* "sha256:" and the first 12 hex digits: how errors and progress name a
 * digest.  Anything that is not a valid digest is copied (truncated). */
#define IMG_DIGEST_SHORT_MAX 24
const char *img_digest_short(const char *digest, char out[IMG_DIGEST_SHORT_MAX]);

/* A string from a document or an archive, fit for a one-line error between
 * quotes: bytes outside printable ASCII (and '"', '\\') become '?', and
 * more than IMG_QUOTE_SHOWN of them end in "...". */
#define IMG_QUOTE_SHOWN 160
#define IMG_QUOTE_MAX (IMG_QUOTE_SHOWN + 4)
const char *img_quote(const char *s, char out[IMG_QUOTE_MAX]);

/* "linux/arm64, linux/arm/v7, unknown/unknown": the platforms an index
 * offers, for the error when img_index_pick finds none for this machine
 * (entries without a platform are "(no platform)"). */
void img_index_describe(const struct img_index *x, struct jl_buf *out);

/* --- an image config, all of what jaula reads ------------------------------ */

struct img_config_doc {
	struct img_config config; /* the container-making fields */
	char **diff_ids;          /* rootfs.diff_ids, valid digests */
	size_t n_diff_ids;
	char *created;      /* or NULL */
	char *os;           /* required by the spec */
	char *architecture; /* required by the spec */
	char *variant;      /* or NULL */
	size_t n_history;
};
/* img_config_parse with the rest of the document. */
int img_config_parse_doc(const char *text, size_t len, const char *what,
			 struct img_config_doc *out, struct jl_err **err);
void img_config_doc_free(struct img_config_doc *d);

/* --- writers (compact JSON, keys in a fixed order) ---------------------------- */

/* An OCI image manifest (schemaVersion 2, IMG_MT_OCI_MANIFEST unless
 * m->media_type says otherwise) of m's config and layers.  Descriptors are
 * written with mediaType, digest and size (and the ref name annotation when
 * set).  The caller hands valid descriptors (digests from img_hash_final). */
void img_manifest_write(const struct img_manifest *m, struct jl_buf *out);

/* An OCI index (index.json of a layout): one manifest descriptor each, with
 * platform (os/architecture/variant when set) and the ref name annotation. */
void img_index_write(const struct img_descriptor *manifests, size_t n, struct jl_buf *out);

/* A new config for an image made of layers with these diff_ids (import of a
 * rootfs tarball): this machine's architecture, os linux, created now, an
 * empty container config but for PATH, one history entry per layer saying
 * created_by. */
void img_config_write_new(const char *const *diff_ids, size_t n, const char *created_by,
			  struct jl_buf *out);

/* Commit: the config text of the parent image with one layer more --
 * diff_id appended to rootfs.diff_ids, a history entry {created,
 * created_by} appended, "created" replaced; every other field kept as it
 * was (values are re-serialised, not re-ordered).  `created` NULL: now.
 * `what` prefixes errors (the text is parsed and validated first). */
int img_config_append_layer(const char *text, size_t len, const char *what, const char *diff_id,
			    const char *created, const char *created_by, struct jl_buf *out,
			    struct jl_err **err);

/* Deep copy (every string duplicated). */
void img_descriptor_copy(struct img_descriptor *dst, const struct img_descriptor *src);

#endif
