/* The store directory (layout in image.h), its locks, and blobs: every blob
 * is written under blobs/tmp, hashed and counted on the way, and renamed
 * to blobs/sha256/<hex> only when digest and size are the ones expected --
 * so a file under blobs/sha256/ is always whole and right, and readers need
 * no lock.  A digest becomes a path only after img_digest_valid. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "image/store_private.h"

#define BLOB_DIR "blobs/sha256"
#define BLOB_TMP "blobs/tmp"
#define COPY_BUF (1u << 20)

/* --- the directory ------------------------------------------------------------ */

static const char *const store_dirs[] = {"blobs", BLOB_DIR, BLOB_TMP, "layers", "l",
					 "containers"};

static int open_lock(int dirfd, const char *name, struct jl_err **err)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return jl_err_sys(err, "store: open \"%s\"", name);
	return fd;
}

int img_store_open(const char *dir, struct img_store **out, struct jl_err **err)
{
	if (!dir || !*dir)
		dir = IMG_DEFAULT_STORE;
	int r = jl_mkdir_p(dir, 0700, err);
	if (r < 0)
		return jl_err_wrap(err, "store");
	char abs[PATH_MAX];
	if (!realpath(dir, abs))
		return jl_err_sys(err, "store \"%s\"", dir);
	cleanup_close int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "store: open \"%s\"", abs);
	for (size_t i = 0; i < ARRAY_SIZE(store_dirs); i++)
		if (mkdirat(fd, store_dirs[i], 0700) < 0 && errno != EEXIST)
			return jl_err_sys(err, "store: mkdir \"%s/%s\"", abs, store_dirs[i]);
	cleanup_close int lock_fd = open_lock(fd, "lock", err);
	if (lock_fd < 0)
		return lock_fd;
	int gc_fd = open_lock(fd, "gc.lock", err);
	if (gc_fd < 0)
		return gc_fd;
	struct img_store *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(abs);
	s->fd = steal_fd(&fd);
	s->lock_fd = steal_fd(&lock_fd);
	s->gc_fd = gc_fd;
	*out = s;
	return 0;
}

void img_store_close(struct img_store *s)
{
	if (!s)
		return;
	close(s->gc_fd);
	close(s->lock_fd);
	close(s->fd);
	free(s->path);
	free(s);
}

const char *img_store_path(const struct img_store *s)
{
	return s->path;
}

int img_store_fd(const struct img_store *s)
{
	return s->fd;
}

void img_tmpname(const char *prefix, char out[IMG_TMPNAME_MAX])
{
	uint64_t v;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
	}
	snprintf(out, IMG_TMPNAME_MAX, "%s%016llx", prefix, (unsigned long long)v);
}

/* --- locks ------------------------------------------------------------------------ */

static int do_flock(int fd, int op, const char *name, struct jl_err **err)
{
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return jl_err_sys(err, "store: lock \"%s\"", name);
	return 0;
}

/* Nested calls are counted: img_names_set takes the lock itself, and
 * img_remove holds it around its check and its drop. */
int img_store_lock(struct img_store *s, struct jl_err **err)
{
	if (s->lock_depth == 0) {
		int r = do_flock(s->lock_fd, LOCK_EX, "lock", err);
		if (r < 0)
			return r;
	}
	s->lock_depth++;
	return 0;
}

void img_store_unlock(struct img_store *s)
{
	if (s->lock_depth > 0 && --s->lock_depth == 0)
		flock(s->lock_fd, LOCK_UN);
}

int img_store_gc_hold(struct img_store *s, struct jl_err **err)
{
	if (s->gc_depth == 0) {
		int r = do_flock(s->gc_fd, LOCK_SH, "gc.lock", err);
		if (r < 0)
			return r;
		s->gc_exclusive = false;
	}
	s->gc_depth++;
	return 0;
}

int img_store_gc_exclusive(struct img_store *s, struct jl_err **err)
{
	if (s->gc_depth > 0 && !s->gc_exclusive)
		return jl_err_set(err, EDEADLK, "store: gc.lock is held shared by this process");
	if (s->gc_depth == 0) {
		int r = do_flock(s->gc_fd, LOCK_EX, "gc.lock", err);
		if (r < 0)
			return r;
		s->gc_exclusive = true;
	}
	s->gc_depth++;
	return 0;
}

bool img_store_gc_try_exclusive(struct img_store *s)
{
	if (s->gc_depth != 1 || s->gc_exclusive)
		return s->gc_exclusive;
	if (flock(s->gc_fd, LOCK_EX | LOCK_NB) < 0)
		return false;
	s->gc_exclusive = true;
	return true;
}

void img_store_gc_release(struct img_store *s)
{
	if (s->gc_depth > 0 && --s->gc_depth == 0)
		flock(s->gc_fd, LOCK_UN);
}

/* --- blobs ------------------------------------------------------------------------ */

static void blob_path(const char *digest, char out[sizeof(BLOB_DIR) + 66])
{
	snprintf(out, sizeof(BLOB_DIR) + 66, BLOB_DIR "/%s", img_digest_hex(digest));
}

static int check_digest(const char *digest, struct jl_err **err)
{
	if (digest && img_digest_valid(digest))
		return 0;
	char q[IMG_QUOTE_MAX];
	return jl_err_set(err, 0, "blob \"%s\": not a sha256 digest (sha256: and 64 lowercase "
			  "hex digits)", img_quote(digest ? digest : "", q));
}

int img_blob_size(struct img_store *s, const char *digest, int64_t *size)
{
	if (!img_digest_valid(digest))
		return -EINVAL;
	char p[sizeof(BLOB_DIR) + 66];
	blob_path(digest, p);
	struct stat st;
	if (fstatat(s->fd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = st.st_size;
	return 0;
}

bool img_blob_exists(struct img_store *s, const char *digest)
{
	int64_t size;
	return img_blob_size(s, digest, &size) == 0;
}

int img_blob_open(struct img_store *s, const char *digest, struct jl_err **err)
{
	int r = check_digest(digest, err);
	if (r < 0)
		return r;
	char p[sizeof(BLOB_DIR) + 66];
	blob_path(digest, p);
	int fd = openat(s->fd, p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		char sh[IMG_DIGEST_SHORT_MAX];
		if (errno == ENOENT)
			return jl_err_code(err, ENOENT, "blob %s: not in the store",
					   img_digest_short(digest, sh));
		return jl_err_sys(err, "blob %s", img_digest_short(digest, sh));
	}
	return fd;
}

int img_blob_read(struct img_store *s, const char *digest, size_t max, char **text, size_t *len,
		  struct jl_err **err)
{
	cleanup_close int fd = img_blob_open(s, digest, err);
	if (fd < 0)
		return fd;
	char sh[IMG_DIGEST_SHORT_MAX];
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "blob %s", img_digest_short(digest, sh));
	if ((uint64_t)st.st_size > max)
		return jl_err_set(err, EFBIG, "blob %s: larger than %zu bytes",
				  img_digest_short(digest, sh), max);
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = xmalloc(n + 1);
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return r < 0 ? jl_err_sys(err, "blob %s: read", img_digest_short(digest, sh))
				     : jl_err_set(err, EIO, "blob %s: shorter than its size",
						  img_digest_short(digest, sh));
		}
		got += (size_t)r;
	}
	buf[n] = '\0';
	*text = buf;
	if (len)
		*len = n;
	return 0;
}

/* What a blob copy needs besides the source. */
struct copy {
	const char *label; /* errors: "blob sha256:ab12.." or the caller's what */
	const char *step;  /* progress: "copy sha256:ab12.." */
	const struct img_progress *p;
	int64_t size;
	uint64_t done;
};

static int copy_into(int out, img_read_fn rd, void *arg, struct copy *c, struct img_hash *h,
		     struct jl_err **err)
{
	cleanup_free char *buf = xmalloc(COPY_BUF);
	for (;;) {
		ssize_t n = rd(arg, buf, COPY_BUF, err);
		if (n < 0)
			return jl_err_wrap(err, "%s", c->label);
		if (n == 0)
			return 0;
		c->done += (uint64_t)n;
		/* Stop an endless or oversized source at once, not at disk full. */
		if (c->size >= 0 && c->done > (uint64_t)c->size)
			return jl_err_set(err, EFBIG, "%s: size mismatch: more than the %lld bytes "
					  "expected", c->label, (long long)c->size);
		img_hash_update(h, buf, (size_t)n);
		int r = jl_write_all(out, buf, (size_t)n);
		if (r < 0)
			return jl_err_set(err, -r, "%s: write to the store", c->label);
		if (c->p && c->p->fn)
			c->p->fn(c->p->arg, c->step, c->done, c->size > 0 ? (uint64_t)c->size : 0);
	}
}

/* The digest is there already: no copy, but the size must agree. */
static int put_existing(struct img_store *s, const char *digest, int64_t size, const char *label,
			char out[IMG_DIGEST_MAX], struct jl_err **err)
{
	int64_t have;
	if (img_blob_size(s, digest, &have) < 0)
		return -ENOENT;
	if (size >= 0 && have != size)
		return jl_err_set(err, 0, "%s: size mismatch: expected %lld bytes, got %lld", label,
				  (long long)size, (long long)have);
	if (out)
		snprintf(out, IMG_DIGEST_MAX, "%s", digest);
	return 0;
}

static int verify_and_rename(struct img_store *s, const char *tmp, const char *digest,
			     const struct copy *c, const char *got, struct jl_err **err)
{
	if (c->size >= 0 && c->done != (uint64_t)c->size)
		return jl_err_set(err, 0, "%s: size mismatch: expected %lld bytes, got %llu",
				  c->label, (long long)c->size, (unsigned long long)c->done);
	if (digest && strcmp(digest, got))
		return jl_err_set(err, 0, "%s: digest mismatch: expected %s, got %s", c->label,
				  digest, got);
	char p[sizeof(BLOB_DIR) + 66];
	blob_path(got, p);
	if (renameat(s->fd, tmp, s->fd, p) < 0)
		return jl_err_sys(err, "%s: rename into the store", c->label);
	return 0;
}

int img_blob_put_stream(struct img_store *s, img_read_fn rd, void *arg, const char *digest,
			int64_t size, const char *what, const struct img_progress *p,
			char out[IMG_DIGEST_MAX], struct jl_err **err)
{
	char sh[IMG_DIGEST_SHORT_MAX], label[256];
	if (digest && check_digest(digest, err) < 0)
		return what ? jl_err_wrap(err, "%s", what) : -EINVAL;
	if (what)
		snprintf(label, sizeof(label), "%s", what);
	else if (digest)
		snprintf(label, sizeof(label), "blob %s", img_digest_short(digest, sh));
	else
		snprintf(label, sizeof(label), "blob");
	if (digest) {
		int r = put_existing(s, digest, size, label, out, err);
		if (r != -ENOENT)
			return r;
	}
	char tmp[sizeof(BLOB_TMP) + IMG_TMPNAME_MAX];
	char name[IMG_TMPNAME_MAX];
	img_tmpname("", name);
	snprintf(tmp, sizeof(tmp), BLOB_TMP "/%s", name);
	cleanup_close int fd =
		openat(s->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return jl_err_sys(err, "%s: create \"%s\" in the store", label, tmp);
	char step[300];
	if (digest)
		snprintf(step, sizeof(step), "copy %s", img_digest_short(digest, sh));
	else
		snprintf(step, sizeof(step), "copy %s", label);
	struct copy c = {.label = label, .step = step, .p = p, .size = size};
	struct img_hash *h = img_hash_new();
	char got[IMG_DIGEST_MAX];
	int r = copy_into(fd, rd, arg, &c, h, err);
	img_hash_final(h, got);
	img_hash_free(h);
	if (r == 0)
		r = verify_and_rename(s, tmp, digest, &c, got, err);
	if (r < 0) {
		unlinkat(s->fd, tmp, 0);
		return r;
	}
	if (out)
		snprintf(out, IMG_DIGEST_MAX, "%s", got);
	return 0;
}

static ssize_t read_fd(void *arg, void *buf, size_t n, struct jl_err **err)
{
	int fd = *(int *)arg;
	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return jl_err_sys(err, "read");
	}
}

int img_blob_put_fd(struct img_store *s, int fd, const char *digest, int64_t size,
		    const struct img_progress *p, char out[IMG_DIGEST_MAX], struct jl_err **err)
{
	return img_blob_put_stream(s, read_fd, &fd, digest, size, NULL, p, out, err);
}

struct mem_src {
	const char *p;
	size_t left;
};

static ssize_t read_mem(void *arg, void *buf, size_t n, struct jl_err **err)
{
	(void)err;
	struct mem_src *m = arg;
	n = n < m->left ? n : m->left;
	if (n == 0)
		return 0;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

int img_blob_put_mem(struct img_store *s, const void *data, size_t n, char out[IMG_DIGEST_MAX],
		     struct jl_err **err)
{
	/* Small documents (manifests, configs): hash first, so one already in
	 * the store costs no write. */
	char digest[IMG_DIGEST_MAX];
	img_sha256(data, n, digest);
	struct mem_src m = {data, n};
	return img_blob_put_stream(s, read_mem, &m, digest, (int64_t)n, NULL, NULL, out, err);
}
