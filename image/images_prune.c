/* Prune: free the blobs and unpacked layers no named image and no
 * container references, the short links of removed layers, and whatever
 * interrupted imports left (blobs/tmp/ and layers/tmp-<random>).  It holds gc.lock
 * exclusively, so no import or commit is between its first blob and its
 * name (they hold it shared): what is unreferenced now is garbage, not an
 * image being made.  It also holds the store lock, so no name or container
 * appears while it decides. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/store_internal.h"

/* A sorted set of 64-hex names. */
struct keep {
	char (*v)[65];
	size_t n;
};

static void keep_add(struct keep *k, const char *digest)
{
	k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
	snprintf(k->v[k->n++], 65, "%s", img_digest_hex(digest));
}

static int cmp_hex(const void *a, const void *b)
{
	return strcmp(a, b);
}

static bool keep_has(const struct keep *k, const char *hex)
{
	return k->n && bsearch(hex, k->v, k->n, sizeof(*k->v), cmp_hex);
}

static void keep_image(const struct img_loaded *l, struct keep *blobs, struct keep *chains)
{
	keep_add(blobs, l->digest);
	keep_add(blobs, l->manifest.config.digest);
	for (size_t i = 0; i < l->manifest.n_layers; i++) {
		keep_add(blobs, l->manifest.layers[i].digest);
		keep_add(chains, l->chains[i]);
	}
}

/* A named image that cannot be read stops the prune: what it needs is
 * unknown, and guessing wrong deletes layers it runs from.  A container's
 * image that cannot be read has nothing left to keep. */
static int collect(struct img_store *s, struct keep *blobs, struct keep *chains,
		   struct jl_err **err)
{
	struct img_name *names = NULL;
	size_t n = 0;
	int r = img_names_read(s, &names, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct img_loaded l;
		r = img_load(s, names[i].digest, &l, err);
		if (r < 0) {
			jl_err_wrap(err, "prune: image %s (nothing was removed)", names[i].ref);
			break;
		}
		keep_image(&l, blobs, chains);
		img_loaded_free(&l);
	}
	img_names_free(names, n);
	struct img_user_ref *users = NULL;
	size_t nu = 0;
	if (r == 0)
		r = img_container_refs(s, &users, &nu, err);
	for (size_t i = 0; r == 0 && i < nu; i++) {
		struct img_loaded l;
		struct jl_err *e = NULL;
		if (img_load(s, users[i].digest, &l, &e) == 0) {
			keep_image(&l, blobs, chains);
			img_loaded_free(&l);
		}
		jl_err_free(&e);
	}
	img_container_refs_free(users, nu);
	if (blobs->n)
		qsort(blobs->v, blobs->n, sizeof(*blobs->v), cmp_hex);
	if (chains->n)
		qsort(chains->v, chains->n, sizeof(*chains->v), cmp_hex);
	return r;
}

/* Bytes of the regular files under dirfd/name (a layer about to go). */
static uint64_t tree_bytes(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	uint64_t sum = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			sum += tree_bytes(dirfd(d), de->d_name);
		else if (S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

/* A layer directory is renamed out of its chain id's name before it is
 * emptied: a prune cut short must never leave a half-removed tree under a
 * name (and an "ok") that says it is whole. */
static int remove_entry(int dirfd, const char *name, struct jl_err **err)
{
	char tmp[IMG_TMPNAME_MAX];
	if (strlen(name) == 64) {
		img_tmpname("tmp-", tmp);
		if (renameat(dirfd, name, dirfd, tmp) < 0)
			return errno == ENOENT ? 0 : jl_err_sys(err, "rename \"%s\"", name);
		name = tmp;
	}
	return jl_remove_tree_at(dirfd, name, err);
}

/* Remove every entry of dir that drop() says should go. */
static int sweep(struct img_store *s, const char *dir,
		 bool (*drop)(const char *name, const struct keep *k), const struct keep *k,
		 uint64_t *freed, struct jl_err **err)
{
	int fd = openat(img_store_fd(s), dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "prune: open \"%s\"", dir);
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "prune: read \"%s\"", dir);
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !drop(de->d_name, k))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		*freed += S_ISDIR(st.st_mode) ? tree_bytes(dirfd(d), de->d_name)
		       : S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
		int r = remove_entry(dirfd(d), de->d_name, err);
		if (r < 0)
			return jl_err_wrap(err, "prune: %s", dir);
	}
	return 0;
}

static bool drop_blob(const char *name, const struct keep *k)
{
	return !keep_has(k, name);
}

static bool drop_tmp(const char *name, const struct keep *k)
{
	(void)name;
	(void)k;
	return true;
}

static bool drop_layer(const char *name, const struct keep *k)
{
	/* layers/<64 hex> not kept, and layers/tmp-* of interrupted unpacks */
	return jl_str_has_prefix(name, "tmp-") || (strlen(name) == 64 && !keep_has(k, name));
}

/* l/<short>: dangling once its layer is gone. */
static int sweep_links(struct img_store *s, struct jl_err **err)
{
	int fd = openat(img_store_fd(s), "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "prune: open \"l\"");
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "prune: read \"l\"");
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		struct stat st;
		/* stat through the link: ENOENT when the layer went */
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 && errno == ENOENT &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			return jl_err_sys(err, "prune: unlink \"l/%s\"", de->d_name);
	}
	return 0;
}

/* images.json's temporary copy (jl_write_atomic_at: ".images.json.<pid>.tmp")
 * of a writer that died between write and rename: under the lock, no
 * writer is running. */
static void sweep_names_tmp(struct img_store *s)
{
	int fd = openat(img_store_fd(s), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *de; (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		if (jl_str_has_prefix(de->d_name, ".images.json.") && n > 4 &&
		    !strcmp(de->d_name + n - 4, ".tmp"))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static int prune_locked(struct img_store *s, uint64_t *freed, struct jl_err **err)
{
	sweep_names_tmp(s);
	struct keep blobs = {0}, chains = {0};
	int r = collect(s, &blobs, &chains, err);
	if (r == 0)
		r = sweep(s, "blobs/tmp", drop_tmp, NULL, freed, err);
	if (r == 0)
		r = sweep(s, "layers", drop_layer, &chains, freed, err);
	if (r == 0)
		r = sweep(s, "blobs/sha256", drop_blob, &blobs, freed, err);
	if (r == 0)
		r = sweep_links(s, err);
	free(blobs.v);
	free(chains.v);
	return r;
}

int img_layers_drop_unused(struct img_store *s, char (*chains)[IMG_DIGEST_MAX], size_t n,
			   struct jl_err **err)
{
	int r = img_store_lock(s, err);
	if (r < 0)
		return r;
	struct keep blobs = {0}, keep = {0};
	r = collect(s, &blobs, &keep, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *hex = img_digest_hex(chains[i]);
		if (keep_has(&keep, hex))
			continue;
		int fd = openat(img_store_fd(s), "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = fd < 0 ? jl_err_sys(err, "open \"layers\"") : remove_entry(fd, hex, err);
		if (fd >= 0)
			close(fd);
	}
	if (r == 0)
		r = sweep_links(s, err);
	free(blobs.v);
	free(keep.v);
	img_store_unlock(s);
	return r;
}

int img_prune(struct img_store *s, uint64_t *freed_bytes, struct jl_err **err)
{
	uint64_t freed = 0;
	int r = img_store_gc_exclusive(s, err);
	if (r < 0)
		return r;
	r = img_store_lock(s, err);
	if (r == 0) {
		r = prune_locked(s, &freed, err);
		img_store_unlock(s);
	}
	img_store_gc_release(s);
	if (freed_bytes)
		*freed_bytes = freed;
	return r;
}
