/* Private to import*.c: one import's state, and the steps each source
 * (an OCI layout directory, a tar read in one pass, a rootfs tarball)
 * shares.  Every source ends the same way: a manifest in the store whose
 * referenced blobs the source can hand over (fetch), then import.c checks,
 * unpacks and names it. */
#ifndef JAULA_IMAGE_IMPORT_INTERNAL_H
#define JAULA_IMAGE_IMPORT_INTERNAL_H

#include "image/store_internal.h"

/* JSON members of an archive (index.json, manifest.json, oci-layout) are
 * read into memory; bigger ones are refused. */
#define IMPORT_DOC_MAX (4u << 20)

struct import;

/* Make sure blob d (referenced as `role`, e.g. "manifest sha256:ab..:
 * layers[2]") is in the store with d's size: a layout copies it in, an
 * archive (whose blobs went in during its one pass) checks it is there. */
typedef int (*import_fetch_fn)(struct import *im, const struct img_descriptor *d,
			       const char *role, struct jl_err **err);

struct import {
	struct img_store *s;
	const char *ref; /* normalised name:tag */
	const struct img_progress *p;
	import_fetch_fn fetch;
	int layout_fd;   /* OCI layout directory, else -1 */
	char manifest[IMG_DIGEST_MAX];   /* what the source settled on */
	char (*created)[IMG_DIGEST_MAX]; /* chain ids of layers this import made */
	size_t n_created;
};

/* import.c */
/* index.json text (or a nested index) -> im->manifest, fetched: this
 * machine's entry, following nested indexes. */
int import_from_index(struct import *im, const char *text, size_t len, const char *what,
		      struct jl_err **err);
/* The fetch of sources whose blobs are in the store already. */
int import_fetch_present(struct import *im, const struct img_descriptor *d, const char *role,
			 struct jl_err **err);
void import_note_created(struct import *im, const char *chain);
/* A JSON document from fd (to its end, IMPORT_DOC_MAX at most). */
int import_read_fd(int fd, const char *name, char **text, size_t *len, struct jl_err **err);

/* import_layout.c: the content of an oci-layout file. */
int import_check_layout_file(const char *text, size_t len, struct jl_err **err);

/* import_layout.c: an OCI image layout directory. */
int import_layout(struct import *im, const char *dir, struct jl_err **err);

/* import_archive.c: a tar (plain or compressed) in one pass.  Returns 1,
 * having read only its first entries, when it is no image archive (a
 * rootfs tarball). */
int import_archive(struct import *im, int fd, struct jl_err **err);

/* What an archive pass kept, for the docker-save step. */
struct archive_member {
	char *path; /* cleaned: no "./", no "..", no leading '/' */
	char digest[IMG_DIGEST_MAX];
	int64_t size;
};
struct archive_link {
	char *path, *target; /* both cleaned archive paths */
};
struct archive {
	struct archive_member *m;
	size_t n_m;
	struct archive_link *l;
	size_t n_l;
	struct jl_buf oci_layout, index, manifest;
	bool has_oci_layout, has_index, has_manifest;
};
/* The member at path, following links (a docker-save archive links a
 * repeated layer.tar to its first copy); NULL when absent. */
const struct archive_member *archive_find(const struct archive *a, const char *path);
/* path as the archive means it: relative to dir (NULL: the top), "." and
 * ".." resolved lexically, never above the top. */
char *archive_clean(const char *dir, const char *path);

/* import_docker.c: manifest.json of `docker save` -> an OCI manifest. */
int import_docker(struct import *im, const struct archive *a, struct jl_err **err);

/* import_rootfs.c: a root filesystem tarball -> a one-layer image. */
int import_rootfs(struct import *im, int fd, struct jl_err **err);

/* The compression of a blob from its first bytes: 'g', 'z' or 0. */
int import_sniff_compression(struct img_store *s, const char *digest, struct jl_err **err);

#endif
