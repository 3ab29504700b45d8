/* Reading a layer tar with libarchive (the only file that uses it), in one
 * pass that also yields the layer's diff_id.
 *
 * Two readers are chained: `raw` (format "raw", filters gzip and zstd)
 * decompresses; its output goes through raw_read(), which counts and hashes
 * every byte, into `tar` (format tar, no filters), which parses entries.  So
 * the sha256 of the uncompressed stream (the OCI diff_id) is exactly what was
 * parsed, read once, and the byte cap sees decompressed bytes as they come
 * (a 40 KB gzip of zeros expanding to 40 GB stops at the cap). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image_internal.h"
#include "runtime/log.h"

#define READ_BLOCK (1 << 20)
#define DEFAULT_MAX_BYTES (64ULL << 30)
#define DEFAULT_MAX_ENTRIES 4000000ULL
/* The tar reader may peek at most a header block past what it consumed, so
 * the block it was handed last starts less than 512 bytes after the end mark
 * (see check_tail): keeping that much of what came before lets drain() see
 * every byte after the end mark. */
#define TAIL_KEEP 4096
#define NAME_SHOWN 200

struct img_tar {
	struct archive *raw, *tar;
	int fd;
	char *name;
	unsigned char *inbuf;
	size_t inbuf_size;
	struct img_hash *hash;
	char diff_id[IMG_DIGEST_MAX];
	uint64_t bytes, max_bytes;     /* uncompressed stream */
	uint64_t data, entries, max_entries;
	char *cb_err;                  /* why raw_read failed: shown instead of libarchive's */
	int cb_errno;
	bool raw_eof, at_end, finished;
	const unsigned char *last;     /* the block tar was handed last */
	size_t last_len;
	unsigned char prev_tail[TAIL_KEEP]; /* what was handed out before it */
	size_t prev_len;
	char cur[NAME_SHOWN + 4];      /* the current entry's name, for errors */
	struct img_tar_xattr *xattrs;
	size_t n_xattrs, cap_xattrs;
};

/* --- the decompressing side ------------------------------------------------ */

static ssize_t fd_read(struct archive *a, void *arg, const void **buf)
{
	struct img_tar *t = arg;
	ssize_t n;
	do
		n = read(t->fd, t->inbuf, t->inbuf_size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		archive_set_error(a, errno, "read");
	*buf = t->inbuf;
	return n;
}

static int raw_fail(struct img_tar *t, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int raw_fail(struct img_tar *t, int errnum, const char *fmt, ...)
{
	if (!t->cb_err) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&t->cb_err, fmt, ap) < 0)
			t->cb_err = NULL;
		va_end(ap);
		t->cb_errno = errnum > 0 ? errnum : EIO;
	}
	archive_set_error(t->tar, t->cb_errno ? t->cb_errno : EIO, "%s", t->cb_err ? t->cb_err : "");
	return -1;
}

/* The next decompressed block, hashed and counted.  NULL/0 at the end. */
static int raw_next(struct img_tar *t, const void **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (t->raw_eof)
		return 0;
	la_int64_t off;
	int r = archive_read_data_block(t->raw, buf, len, &off);
	if (r == ARCHIVE_EOF) {
		t->raw_eof = true;
		*buf = NULL;
		*len = 0;
		return 0;
	}
	if (r != ARCHIVE_OK) {
		const char *msg = archive_error_string(t->raw);
		return raw_fail(t, archive_errno(t->raw), "decompress: %s",
				msg ? msg : "truncated or corrupt compressed stream");
	}
	if (*len > t->max_bytes - t->bytes)
		return raw_fail(t, EFBIG, "more than %llu bytes uncompressed",
				(unsigned long long)t->max_bytes);
	t->bytes += *len;
	img_hash_update(t->hash, *buf, *len);
	return 0;
}

/* Slide the last TAIL_KEEP bytes handed out before the current block into
 * prev_tail (blocks can be small: a pipe, the end of a gzip member). */
static void keep_tail(struct img_tar *t)
{
	size_t n = t->last_len;
	if (n == 0)
		return;
	if (n >= TAIL_KEEP) {
		memcpy(t->prev_tail, t->last + n - TAIL_KEEP, TAIL_KEEP);
		t->prev_len = TAIL_KEEP;
		return;
	}
	size_t old = t->prev_len + n > TAIL_KEEP ? TAIL_KEEP - n : t->prev_len;
	memmove(t->prev_tail, t->prev_tail + t->prev_len - old, old);
	memcpy(t->prev_tail + old, t->last, n);
	t->prev_len = old + n;
}

/* The tar reader's read callback. */
static ssize_t raw_read(struct archive *a, void *arg, const void **buf)
{
	(void)a;
	struct img_tar *t = arg;
	keep_tail(t);
	size_t len;
	if (raw_next(t, buf, &len) < 0)
		return -1;
	t->last = *buf;
	t->last_len = len;
	return (ssize_t)len;
}

/* --- opening --------------------------------------------------------------- */

static uint64_t max_bytes_of(const struct img_tar_limits *lim)
{
	if (lim && lim->max_bytes)
		return lim->max_bytes;
	/* Tests (and people with one huge layer) set the cap from outside. */
	const char *env = getenv("JAULA_MAX_LAYER_BYTES");
	uint64_t v;
	if (env && *env && jl_parse_u64(env, 10, &v) == 0 && v > 0)
		return v;
	if (env && *env)
		jl_warn("JAULA_MAX_LAYER_BYTES=%s: not a number of bytes, ignored", env);
	return DEFAULT_MAX_BYTES;
}

/* Big reads (few syscalls), but no bigger than a small layer file. */
static size_t read_block_of(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < READ_BLOCK)
		return st.st_size < 4096 ? 4096 : (size_t)st.st_size;
	return READ_BLOCK;
}

/* Refuse libarchive's fallback to running an external gzip/zstd (ARCHIVE_WARN):
 * the runtime never execs a program to read a layer. */
static int setup_readers(struct img_tar *t, struct jl_err **err)
{
	t->raw = archive_read_new();
	t->tar = archive_read_new();
	if (!t->raw || !t->tar)
		return jl_err_set(err, ENOMEM, "%s: libarchive", t->name);
	if (archive_read_support_filter_gzip(t->raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(t->raw) != ARCHIVE_OK ||
	    archive_read_support_format_raw(t->raw) != ARCHIVE_OK ||
	    archive_read_support_format_tar(t->tar) != ARCHIVE_OK)
		return jl_err_code(err, ENOTSUP, "%s: libarchive lacks built-in gzip, zstd or tar",
				   t->name);
	struct archive_entry *ae;
	if (archive_read_open(t->raw, t, NULL, fd_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(t->raw, &ae) != ARCHIVE_OK) {
		if (archive_filter_bytes(t->raw, -1) == 0)
			return jl_err_code(err, EINVAL, "%s: empty stream, not a tar archive", t->name);
		int e = archive_errno(t->raw);
		return jl_err_code(err, e > 0 ? e : EINVAL, "%s: %s", t->name,
				   archive_error_string(t->raw));
	}
	/* The tar reader pulls from raw_read; it never seeks, so every byte of
	 * the stream passes through the hash. */
	if (archive_read_open(t->tar, t, NULL, raw_read, NULL) == ARCHIVE_OK)
		return 0;
	if (t->cb_err)
		return jl_err_code(err, t->cb_errno ? t->cb_errno : EINVAL, "%s: %s", t->name,
				   t->cb_err);
	if (t->bytes == 0)
		return jl_err_code(err, EINVAL, "%s: empty stream, not a tar archive", t->name);
	return jl_err_code(err, EINVAL, "%s: not a tar archive (%s)", t->name,
			   archive_error_string(t->tar));
}

int img_tar_open(int fd, const char *name, const struct img_tar_limits *lim, struct img_tar **out,
		 struct jl_err **err)
{
	struct img_tar *t = xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->name = xstrdup(name ? name : "layer");
	t->inbuf_size = read_block_of(fd);
	t->inbuf = xmalloc(t->inbuf_size);
	t->hash = img_hash_new();
	t->max_bytes = max_bytes_of(lim);
	t->max_entries = lim && lim->max_entries ? lim->max_entries : DEFAULT_MAX_ENTRIES;
	int r = setup_readers(t, err);
	if (r < 0) {
		img_tar_close(t);
		return r;
	}
	*out = t;
	return 0;
}

/* --- entries ---------------------------------------------------------------- */

static int drain(struct img_tar *t, struct jl_err **err);

/* The error of the tar reader, or the reason raw_read gave up (the byte
 * cap, a gzip error), which libarchive would only report as "read error". */
static int tar_error(struct img_tar *t, struct jl_err **err, const char *where)
{
	if (t->cb_err)
		return jl_err_code(err, t->cb_errno ? t->cb_errno : EINVAL, "%s: %s: %s", t->name,
				   where, t->cb_err);
	const char *msg = archive_error_string(t->tar);
	int e = archive_errno(t->tar);
	return jl_err_code(err, e > 0 ? e : EINVAL, "%s: %s: %s", t->name, where,
			   msg ? msg : "truncated or corrupt tar stream");
}

static void remember_name(struct img_tar *t, const char *path)
{
	size_t n = strlen(path);
	if (n <= NAME_SHOWN) {
		memcpy(t->cur, path, n + 1);
		return;
	}
	memcpy(t->cur, path, NAME_SHOWN);
	strcpy(t->cur + NAME_SHOWN, "...");
}

static enum img_tar_type type_of(struct archive_entry *ae)
{
	if (archive_entry_hardlink(ae))
		return IMG_TAR_HARDLINK;
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG: return IMG_TAR_FILE;
	case AE_IFDIR: return IMG_TAR_DIR;
	case AE_IFLNK: return IMG_TAR_SYMLINK;
	case AE_IFCHR: return IMG_TAR_CHAR;
	case AE_IFBLK: return IMG_TAR_BLOCK;
	case AE_IFIFO: return IMG_TAR_FIFO;
	default: return IMG_TAR_OTHER;
	}
}

static void collect_xattrs(struct img_tar *t, struct archive_entry *ae)
{
	t->n_xattrs = 0;
	if (archive_entry_xattr_reset(ae) == 0)
		return;
	const char *name;
	const void *value;
	size_t size;
	while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
		if (!name || !*name)
			continue;
		if (t->n_xattrs == t->cap_xattrs) {
			t->cap_xattrs = t->cap_xattrs ? 2 * t->cap_xattrs : 8;
			t->xattrs = xrealloc(t->xattrs, t->cap_xattrs * sizeof(*t->xattrs));
		}
		t->xattrs[t->n_xattrs++] = (struct img_tar_xattr){name, value ? value : "", size};
	}
}

/* uid_t -1 means "leave unchanged" to chown(2): an id the kernel cannot
 * store must not silently become root's file. */
static int fill_ids(struct img_tar *t, struct archive_entry *ae, struct img_tar_entry *e,
		    struct jl_err **err)
{
	la_int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
	if (uid < 0 || uid >= (la_int64_t)UINT32_MAX)
		return jl_err_code(err, ERANGE, "%s: entry \"%s\": uid %lld out of range", t->name,
				   t->cur, (long long)uid);
	if (gid < 0 || gid >= (la_int64_t)UINT32_MAX)
		return jl_err_code(err, ERANGE, "%s: entry \"%s\": gid %lld out of range", t->name,
				   t->cur, (long long)gid);
	e->uid = (uid_t)uid;
	e->gid = (gid_t)gid;
	return 0;
}

static int fill_entry(struct img_tar *t, struct archive_entry *ae, struct img_tar_entry *e,
		      struct jl_err **err)
{
	const char *path = archive_entry_pathname(ae);
	if (!path)
		return jl_err_code(err, EINVAL, "%s: after entry \"%s\": entry without a name",
				   t->name, t->cur);
	remember_name(t, path);
	*e = (struct img_tar_entry){
		.path = path,
		.type = type_of(ae),
		.mode = archive_entry_mode(ae) & 07777,
		.mtime_sec = archive_entry_mtime_is_set(ae) ? archive_entry_mtime(ae) : 0,
		.mtime_nsec = archive_entry_mtime_is_set(ae) ? archive_entry_mtime_nsec(ae) : 0,
		.size = archive_entry_size(ae),
		.rdev_major = archive_entry_rdevmajor(ae),
		.rdev_minor = archive_entry_rdevminor(ae),
	};
	if (e->type == IMG_TAR_HARDLINK)
		e->link = archive_entry_hardlink(ae);
	else if (e->type == IMG_TAR_SYMLINK)
		e->link = archive_entry_symlink(ae);
	if ((e->type == IMG_TAR_HARDLINK || e->type == IMG_TAR_SYMLINK) && !e->link)
		return jl_err_code(err, EINVAL, "%s: entry \"%s\": link without a target", t->name,
				   t->cur);
	if (e->mtime_nsec < 0 || e->mtime_nsec > 999999999)
		e->mtime_nsec = 0;
	if (e->size < 0)
		e->size = 0;
	collect_xattrs(t, ae);
	e->xattrs = t->xattrs;
	e->n_xattrs = t->n_xattrs;
	return fill_ids(t, ae, e, err);
}

int img_tar_next(struct img_tar *t, struct img_tar_entry *e, struct jl_err **err)
{
	if (t->at_end)
		return 0;
	struct archive_entry *ae;
	int r = archive_read_next_header(t->tar, &ae);
	if (r == ARCHIVE_EOF) {
		t->at_end = true;
		/* The diff_id is promised once the last entry was read. */
		r = drain(t, err);
		return r < 0 ? r : 0;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		if (!t->entries)
			return tar_error(t, err, "first entry");
		char where[sizeof(t->cur) + 32];
		snprintf(where, sizeof(where), "after entry \"%s\"", t->cur);
		return tar_error(t, err, where);
	}
	if (r == ARCHIVE_WARN)
		jl_debug("%s: %s", t->name, archive_error_string(t->tar));
	if (++t->entries > t->max_entries)
		return jl_err_code(err, EFBIG, "%s: more than %llu entries", t->name,
				   (unsigned long long)t->max_entries);
	r = fill_entry(t, ae, e, err);
	return r < 0 ? r : 1;
}

ssize_t img_tar_read(struct img_tar *t, void *buf, size_t n, struct jl_err **err)
{
	la_ssize_t r = archive_read_data(t->tar, buf, n);
	if (r < 0) {
		char where[sizeof(t->cur) + 32];
		snprintf(where, sizeof(where), "entry \"%s\"", t->cur);
		return tar_error(t, err, where);
	}
	/* A sparse entry reads as zeros where it has holes: a few bytes of map
	 * can stand for terabytes, so what is handed out counts too. */
	if ((uint64_t)r > t->max_bytes - t->data)
		return jl_err_code(err, EFBIG, "%s: entry \"%s\": more than %llu bytes of data",
				   t->name, t->cur, (unsigned long long)t->max_bytes);
	t->data += (uint64_t)r;
	return r;
}

/* --- the end ---------------------------------------------------------------- */

static bool all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* The last n bytes of p[0..len) (p may be NULL when len is 0). */
static bool end_zero(const unsigned char *p, size_t len, size_t n)
{
	return n == 0 || all_zero(p + len - n, n);
}

/* The tar reader stopped at the end mark, having consumed `used` bytes; it
 * was handed `t->bytes`.  Bytes in between belong to the last block and to
 * at most a header's worth before it (a peek across blocks): they must be
 * zeros like the rest. */
static int check_tail(struct img_tar *t, struct jl_err **err)
{
	uint64_t used = (uint64_t)archive_filter_bytes(t->tar, 0);
	if (used > t->bytes)
		return jl_err_code(err, EINVAL, "%s: tar reader ran past its input", t->name);
	uint64_t rest = t->bytes - used;
	if (rest > t->last_len + t->prev_len)
		return jl_err_code(err, EINVAL, "%s: cannot check what follows the end of the archive",
				   t->name);
	size_t in_last = rest < t->last_len ? (size_t)rest : t->last_len;
	size_t in_prev = (size_t)rest - in_last;
	if (!end_zero(t->last, t->last_len, in_last) ||
	    !end_zero(t->prev_tail, t->prev_len, in_prev))
		return jl_err_code(err, EINVAL, "%s: data after the end of the archive", t->name);
	return 0;
}

/* Everything after the end mark: hashed, and zeros only (a tar writer pads
 * to its record size; anything else would be content other readers may
 * see and this one would not). */
static int drain(struct img_tar *t, struct jl_err **err)
{
	int r = check_tail(t, err);
	if (r < 0)
		return r;
	for (;;) {
		const void *buf;
		size_t len;
		if (raw_next(t, &buf, &len) < 0)
			return jl_err_code(err, t->cb_errno ? t->cb_errno : EINVAL, "%s: %s", t->name,
					   t->cb_err);
		if (!len)
			break;
		if (!all_zero(buf, len))
			return jl_err_code(err, EINVAL, "%s: data after the end of the archive",
					   t->name);
	}
	img_hash_final(t->hash, t->diff_id);
	t->finished = true;
	return 0;
}

int img_tar_finish(struct img_tar *t, struct jl_err **err)
{
	struct img_tar_entry e;
	int r;
	while ((r = img_tar_next(t, &e, err)) > 0)
		; /* entries not read: skipped (and hashed) by libarchive */
	if (r < 0)
		return r;
	if (!t->finished) /* img_tar_next failed before: no digest to promise */
		return jl_err_code(err, EINVAL, "%s: the stream was not read to its end", t->name);
	return 0;
}

void img_tar_diff_id(const struct img_tar *t, char out[IMG_DIGEST_MAX])
{
	memcpy(out, t->diff_id, IMG_DIGEST_MAX);
}

uint64_t img_tar_bytes(const struct img_tar *t)
{
	return t->bytes;
}

void img_tar_close(struct img_tar *t)
{
	if (!t)
		return;
	if (t->tar)
		archive_read_free(t->tar);
	if (t->raw)
		archive_read_free(t->raw);
	img_hash_free(t->hash);
	free(t->inbuf);
	free(t->xattrs);
	free(t->cb_err);
	free(t->name);
	free(t);
}
