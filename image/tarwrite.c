/* Writing tar: POSIX pax (IEEE 1003.1-2001 "pax interchange format").
 * Every entry is a ustar header ("ustar\0" "00", numeric fields in octal);
 * whatever ustar cannot hold -- a long path or link name, a size or id
 * beyond its octal fields, a sub-second or negative mtime, xattrs -- goes
 * in a pax extended header ('x') just before it.  Base-256 numbers are never
 * used: a pax record always carries the true value.
 *
 * The output is reproducible (the same entries give the same bytes): no
 * user or group names, no atime/ctime, pax headers with fixed fields, and
 * the archive ends with exactly two zero blocks (no padding to a record
 * size), as Go's archive/tar writes OCI layers.  The sha256 and size of
 * every byte written are kept for the blob digest. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/image_internal.h"

#define BLOCK 512
#define OUT_BUF (64 * 1024)

struct ustar {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6];
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};
_Static_assert(sizeof(struct ustar) == BLOCK, "ustar header is one block");

struct img_tarw {
	int fd;
	struct img_hash *hash;
	uint64_t size;
	int failed; /* -errno of the first write error: the archive is torn */
	bool finished;
	size_t n;
	unsigned char buf[OUT_BUF];
};

struct img_tarw *img_tarw_new(int fd)
{
	struct img_tarw *w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->hash = img_hash_new();
	return w;
}

void img_tarw_free(struct img_tarw *w)
{
	if (!w)
		return;
	img_hash_free(w->hash);
	free(w);
}

/* --- output ------------------------------------------------------------- */

static int flush_out(struct img_tarw *w, struct jl_err **err)
{
	if (w->n == 0)
		return 0;
	int r = jl_write_all(w->fd, w->buf, w->n);
	if (r < 0) {
		w->failed = r;
		return jl_err_set(err, -r, "write tar");
	}
	img_hash_update(w->hash, w->buf, w->n);
	w->size += w->n;
	w->n = 0;
	return 0;
}

static int put(struct img_tarw *w, const void *p, size_t n, struct jl_err **err)
{
	const unsigned char *c = p;
	while (n > 0) {
		size_t k = OUT_BUF - w->n < n ? OUT_BUF - w->n : n;
		if (c)
			memcpy(w->buf + w->n, c, k);
		else
			memset(w->buf + w->n, 0, k);
		w->n += k;
		n -= k;
		if (c)
			c += k;
		if (w->n == OUT_BUF && flush_out(w, err) < 0)
			return w->failed;
	}
	return 0;
}

/* Zeros up to the next block boundary after `done` bytes of data. */
static int pad_block(struct img_tarw *w, uint64_t done, struct jl_err **err)
{
	size_t rest = (size_t)(done % BLOCK);
	return rest ? put(w, NULL, BLOCK - rest, err) : 0;
}

/* --- ustar fields ---------------------------------------------------------- */

/* width-1 octal digits and a NUL; false when v needs more digits. */
static bool put_octal(char *field, size_t width, uint64_t v)
{
	if (width - 1 < 22 && v >> (3 * (width - 1)) != 0)
		return false;
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%0*" PRIo64, (int)(width - 1), v);
	memcpy(field, tmp, width); /* the digits and snprintf's NUL */
	return true;
}

static uint64_t octal_max(size_t width)
{
	return (UINT64_C(1) << (3 * (width - 1))) - 1;
}

/* ustar splits a path as prefix "/" name (prefix <= 155, name <= 100, both
 * non-empty: an empty prefix would lose a leading "/", an empty name a
 * trailing one).  False when no '/' allows it: the path needs pax. */
static bool split_path(const char *path, struct ustar *h)
{
	size_t len = strlen(path);
	if (len <= sizeof(h->name)) {
		memcpy(h->name, path, len);
		return true;
	}
	for (size_t i = len - sizeof(h->name) - 1; i <= sizeof(h->prefix) && i < len; i++) {
		if (path[i] != '/' || i == 0 || i + 1 == len)
			continue;
		memcpy(h->prefix, path, i);
		memcpy(h->name, path + i + 1, len - i - 1);
		return true;
	}
	return false;
}

static void put_checksum(struct ustar *h)
{
	memset(h->chksum, ' ', sizeof(h->chksum));
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += ((const unsigned char *)h)[i];
	/* six digits, NUL, space: the historical layout every reader accepts */
	char tmp[8];
	snprintf(tmp, sizeof(tmp), "%06o", sum & 0777777);
	memcpy(h->chksum, tmp, 7);
	h->chksum[7] = ' ';
}

static void header_init(struct ustar *h, char type)
{
	memset(h, 0, sizeof(*h));
	h->typeflag = type;
	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
}

/* --- pax records ---------------------------------------------------------- */

/* "LEN key=value\n", LEN counting the whole record including its own
 * digits: find the fixed point of len = digits(len) + rest. */
static void pax_record(struct jl_buf *b, const char *key, const void *val, size_t vlen)
{
	size_t rest = 1 + strlen(key) + 1 + vlen + 1;
	size_t len = rest + 1;
	for (;;) {
		char d[24];
		size_t want = rest + (size_t)snprintf(d, sizeof(d), "%zu", len);
		if (want == len)
			break;
		len = want;
	}
	jl_buf_printf(b, "%zu %s=", len, key);
	if (vlen)
		jl_buf_add(b, val, vlen);
	jl_buf_add(b, "\n", 1);
}

static void pax_number(struct jl_buf *b, const char *key, uint64_t v)
{
	char s[24];
	int n = snprintf(s, sizeof(s), "%" PRIu64, v);
	pax_record(b, key, s, (size_t)n);
}

/* pax mtime: decimal seconds with the fraction's trailing zeros dropped;
 * a negative time is the whole value negated (-1.5 is sec -2, nsec 5e8). */
static void pax_mtime(struct jl_buf *b, int64_t sec, long nsec)
{
	char s[48];
	int n;
	if (nsec == 0)
		n = snprintf(s, sizeof(s), "%" PRId64, sec);
	else if (sec >= 0)
		n = snprintf(s, sizeof(s), "%" PRId64 ".%09ld", sec, nsec);
	else
		n = snprintf(s, sizeof(s), "-%" PRId64 ".%09ld", -(sec + 1), 1000000000L - nsec);
	while (nsec != 0 && s[n - 1] == '0')
		n--;
	pax_record(b, "mtime", s, (size_t)n);
}

/* --- entries ------------------------------------------------------------- */

static const char type_flags[] = {
	[IMG_TAR_FILE] = '0',	 [IMG_TAR_HARDLINK] = '1', [IMG_TAR_SYMLINK] = '2',
	[IMG_TAR_CHAR] = '3',	 [IMG_TAR_BLOCK] = '4',	   [IMG_TAR_DIR] = '5',
	[IMG_TAR_FIFO] = '6',
};

static int check_entry(const struct img_tar_entry *e, int data_fd, const void *data,
		       struct jl_err **err)
{
	if (!e->path || !*e->path)
		return jl_err_code(err, EINVAL, "tar entry: empty path");
	if ((unsigned)e->type >= ARRAY_SIZE(type_flags) || e->type == IMG_TAR_OTHER)
		return jl_err_code(err, EINVAL, "tar entry \"%s\": type has no tar form",
				   e->path);
	bool link = e->type == IMG_TAR_SYMLINK || e->type == IMG_TAR_HARDLINK;
	if (link && (!e->link || !*e->link))
		return jl_err_code(err, EINVAL, "tar entry \"%s\": link without a target",
				   e->path);
	if (e->type == IMG_TAR_FILE && e->size < 0)
		return jl_err_code(err, EINVAL, "tar entry \"%s\": negative size", e->path);
	if (e->type == IMG_TAR_FILE && e->size > 0 && data_fd < 0 && !data)
		return jl_err_code(err, EINVAL, "tar entry \"%s\": no data", e->path);
	if (e->mtime_nsec < 0 || e->mtime_nsec >= 1000000000L)
		return jl_err_code(err, EINVAL, "tar entry \"%s\": mtime nanoseconds %ld",
				   e->path, e->mtime_nsec);
	if (e->rdev_major > octal_max(8) || e->rdev_minor > octal_max(8))
		return jl_err_code(err, EINVAL, "tar entry \"%s\": device number too large",
				   e->path);
	for (size_t i = 0; i < e->n_xattrs; i++) {
		const char *n = e->xattrs[i].name;
		/* a pax key ends at the first '=': a name holding one would be
		 * read back as another name with a corrupted value */
		if (!n || !*n || strchr(n, '='))
			return jl_err_code(err, EINVAL, "tar entry \"%s\": xattr name \"%s\"",
					   e->path, n ? n : "");
	}
	return 0;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF)? */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2
				 : c >= 0xf0 && c < 0xf5 ? 3 : 4;
		if (n == 4)
			return false;
		unsigned cp = n ? c & (0x3f >> n) : c;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		s += n + 1;
	}
	return true;
}

/* pax strings are UTF-8 unless the header says otherwise (POSIX pax
 * "hdrcharset"): Linux names are bytes, so a name that is not UTF-8 is
 * declared binary rather than left for a reader to "convert". */
static void pax_charset(const struct img_tar_entry *e, struct jl_buf *pax)
{
	bool link = e->type == IMG_TAR_SYMLINK || e->type == IMG_TAR_HARDLINK;
	if (!utf8_valid((const unsigned char *)e->path) ||
	    (link && !utf8_valid((const unsigned char *)e->link)))
		pax_record(pax, "hdrcharset", "BINARY", 6);
}

/* Fill the ustar header and collect in pax what it cannot hold. */
static void build_header(const struct img_tar_entry *e, struct ustar *h, struct jl_buf *pax)
{
	header_init(h, type_flags[e->type]);
	bool path_fits = split_path(e->path, h);
	bool link_fits = !(e->type == IMG_TAR_SYMLINK || e->type == IMG_TAR_HARDLINK) ||
			 strlen(e->link) <= sizeof(h->linkname);
	if (!path_fits || !link_fits)
		pax_charset(e, pax);
	if (!path_fits) {
		pax_record(pax, "path", e->path, strlen(e->path));
		/* readers without pax see a truncated name, never a wrong split */
		memcpy(h->name, e->path, sizeof(h->name));
	}
	if (e->type == IMG_TAR_SYMLINK || e->type == IMG_TAR_HARDLINK) {
		size_t n = strlen(e->link);
		if (n > sizeof(h->linkname))
			pax_record(pax, "linkpath", e->link, n);
		memcpy(h->linkname, e->link, n < sizeof(h->linkname) ? n : sizeof(h->linkname));
	}
	put_octal(h->mode, sizeof(h->mode), e->mode & 07777);
	uint64_t size = e->type == IMG_TAR_FILE ? (uint64_t)e->size : 0;
	if (!put_octal(h->size, sizeof(h->size), size)) {
		pax_number(pax, "size", size);
		put_octal(h->size, sizeof(h->size), 0);
	}
	if (!put_octal(h->uid, sizeof(h->uid), e->uid)) {
		pax_number(pax, "uid", e->uid);
		put_octal(h->uid, sizeof(h->uid), octal_max(sizeof(h->uid)));
	}
	if (!put_octal(h->gid, sizeof(h->gid), e->gid)) {
		pax_number(pax, "gid", e->gid);
		put_octal(h->gid, sizeof(h->gid), octal_max(sizeof(h->gid)));
	}
	int64_t sec = e->mtime_sec;
	bool mtime_fits = sec >= 0 && put_octal(h->mtime, sizeof(h->mtime), (uint64_t)sec);
	if (!mtime_fits || e->mtime_nsec != 0)
		pax_mtime(pax, sec, e->mtime_nsec);
	if (!mtime_fits)
		put_octal(h->mtime, sizeof(h->mtime), sec < 0 ? 0 : octal_max(sizeof(h->mtime)));
	if (e->type == IMG_TAR_CHAR || e->type == IMG_TAR_BLOCK) {
		put_octal(h->devmajor, sizeof(h->devmajor), e->rdev_major);
		put_octal(h->devminor, sizeof(h->devminor), e->rdev_minor);
	}
	for (size_t i = 0; i < e->n_xattrs; i++) {
		cleanup_free char *key = xasprintf("SCHILY.xattr.%s", e->xattrs[i].name);
		pax_record(pax, key, e->xattrs[i].value, e->xattrs[i].size);
	}
}

/* The 'x' entry carrying pax records for the entry at path.  Its own
 * fields are fixed (mode 0644, owner 0, mtime 0) so output is reproducible;
 * its name only matters to readers that do not know pax. */
static int put_pax_header(struct img_tarw *w, const char *path, const struct jl_buf *pax,
			  struct jl_err **err)
{
	struct ustar h;
	header_init(&h, 'x');
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *base = path;
	for (size_t i = 0; i + 1 < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	snprintf(h.name, sizeof(h.name), "PaxHeaders/%.*s", (int)(len - (size_t)(base - path)),
		 base);
	put_octal(h.mode, sizeof(h.mode), 0644);
	put_octal(h.uid, sizeof(h.uid), 0);
	put_octal(h.gid, sizeof(h.gid), 0);
	put_octal(h.size, sizeof(h.size), pax->len);
	put_octal(h.mtime, sizeof(h.mtime), 0);
	put_checksum(&h);
	if (put(w, &h, BLOCK, err) < 0 || put(w, pax->data, pax->len, err) < 0)
		return w->failed;
	return pad_block(w, pax->len, err);
}

/* Copy exactly `size` bytes from fd: a file that grew or shrank while it
 * was read (a running container writing it) is an error, never a silently
 * truncated or zero-padded entry. */
static int put_data_fd(struct img_tarw *w, const struct img_tar_entry *e, int fd,
		       struct jl_err **err)
{
	uint64_t want = (uint64_t)e->size, done = 0;
	for (;;) {
		if (w->n == OUT_BUF && flush_out(w, err) < 0)
			return w->failed;
		ssize_t k = read(fd, w->buf + w->n, OUT_BUF - w->n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return jl_err_sys(err, "tar entry \"%s\": read", e->path);
		if (k == 0)
			break;
		if ((uint64_t)k > want - done)
			return jl_err_code(err, EIO, "tar entry \"%s\": file grew past %" PRId64
					   " bytes while read", e->path, e->size);
		w->n += (size_t)k;
		done += (uint64_t)k;
	}
	if (done != want)
		return jl_err_code(err, EIO, "tar entry \"%s\": file shrank to %" PRIu64
				   " of %" PRId64 " bytes while read", e->path, done, e->size);
	return 0;
}

int img_tarw_add(struct img_tarw *w, const struct img_tar_entry *e, int data_fd, const void *data,
		 struct jl_err **err)
{
	if (w->failed || w->finished)
		return jl_err_code(err, EIO, "tar entry \"%s\": archive already %s",
				   e->path ? e->path : "", w->failed ? "failed" : "finished");
	int r = check_entry(e, data_fd, data, err);
	if (r < 0)
		return r;
	struct ustar h;
	struct jl_buf pax = {0};
	build_header(e, &h, &pax);
	r = pax.len ? put_pax_header(w, e->path, &pax, err) : 0;
	jl_buf_free(&pax);
	if (r < 0)
		return r;
	put_checksum(&h);
	if (put(w, &h, BLOCK, err) < 0)
		return w->failed;
	if (e->type != IMG_TAR_FILE || e->size == 0)
		return 0;
	if (data_fd >= 0)
		r = put_data_fd(w, e, data_fd, err);
	else
		r = put(w, data, (size_t)e->size, err);
	if (r < 0) {
		w->failed = w->failed ? w->failed : r; /* a half entry: nothing may follow */
		return r;
	}
	return pad_block(w, (uint64_t)e->size, err);
}

int img_tarw_finish(struct img_tarw *w, char digest[IMG_DIGEST_MAX], uint64_t *size,
		    struct jl_err **err)
{
	if (w->failed || w->finished)
		return jl_err_code(err, EIO, "tar: archive already %s",
				   w->failed ? "failed" : "finished");
	/* end of archive: two zero blocks */
	if (put(w, NULL, 2 * BLOCK, err) < 0 || flush_out(w, err) < 0)
		return w->failed;
	w->finished = true;
	img_hash_final(w->hash, digest);
	if (size)
		*size = w->size;
	return 0;
}
