/* image/tar.c: layer tars built here byte by byte (ustar headers, pax
 * records), read back plain, gzip'ed (zlib) and zstd'ed (libzstd) through
 * img_tar_*: entries, data, xattrs, the diff_id (sha256 of the
 * uncompressed stream, padding included), the byte and entry caps, and
 * clean errors for truncated, corrupt and trailing-garbage streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "image/image_internal.h"

/* --- writing tars ---------------------------------------------------------- */

struct tb {
	unsigned char *p;
	size_t len, cap;
};

static void tb_add(struct tb *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	if (p)
		memcpy(b->p + b->len, p, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void tb_pad(struct tb *b)
{
	if (b->len % 512)
		tb_add(b, NULL, 512 - b->len % 512);
}

/* width-1 octal digits and a NUL, as ustar numeric fields are. */
static void octal(unsigned char *field, size_t width, unsigned long long v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (unsigned char)('0' + (v & 7));
}

struct hdr {
	const char *name;
	char type; /* '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo, 'x' pax */
	size_t size;
	const char *link;
	unsigned mode, uid, gid, major, minor;
	unsigned long long mtime;
};

static void tb_header(struct tb *b, const struct hdr *h)
{
	unsigned char blk[512] = {0};
	snprintf((char *)blk, 100, "%s", h->name);
	octal(blk + 100, 8, h->mode ? h->mode : 0644);
	octal(blk + 108, 8, h->uid);
	octal(blk + 116, 8, h->gid);
	octal(blk + 124, 12, h->size);
	octal(blk + 136, 12, h->mtime ? h->mtime : 1700000000);
	blk[156] = (unsigned char)h->type;
	if (h->link)
		snprintf((char *)blk + 157, 100, "%s", h->link);
	memcpy(blk + 257, "ustar", 6);
	memcpy(blk + 263, "00", 2);
	octal(blk + 329, 8, h->major);
	octal(blk + 337, 8, h->minor);
	memset(blk + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += blk[i];
	snprintf((char *)blk + 148, 8, "%06o", sum);
	tb_add(b, blk, 512);
}

static void tb_file(struct tb *b, const struct hdr *h, const void *data)
{
	tb_header(b, h);
	tb_add(b, data, h->size);
	tb_pad(b);
}

/* One pax record: "<len> key=value\n", where len counts itself. */
static void pax_record(struct tb *body, const char *key, const void *value, size_t vlen)
{
	size_t n = strlen(key) + vlen + 3, digits = 1;
	for (size_t x = n; x >= 10; x /= 10)
		digits++;
	n += digits;
	if (snprintf(NULL, 0, "%zu", n) > (int)digits)
		n++;
	char head[256];
	int hl = snprintf(head, sizeof(head), "%zu %s=", n, key);
	assert_true(hl > 0 && (size_t)hl < sizeof(head));
	tb_add(body, head, (size_t)hl);
	tb_add(body, value, vlen);
	tb_add(body, "\n", 1);
}

static void tb_pax(struct tb *b, const struct tb *body)
{
	struct hdr h = {.name = "PaxHeader", .type = 'x', .size = body->len};
	tb_file(b, &h, body->p);
}

static void tb_end(struct tb *b)
{
	tb_add(b, NULL, 1024);
}

static void tb_free(struct tb *b)
{
	free(b->p);
	*b = (struct tb){0};
}

/* --- compressing and reading ------------------------------------------------ */

static struct tb gzip_of(const struct tb *in)
{
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	struct tb out = {0};
	out.cap = deflateBound(&z, in->len) + 64;
	out.p = xmalloc(out.cap);
	z.next_in = in->p;
	z.avail_in = (uInt)in->len;
	z.next_out = out.p;
	z.avail_out = (uInt)out.cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.len = z.total_out;
	deflateEnd(&z);
	return out;
}

static struct tb zstd_of(const struct tb *in)
{
	struct tb out = {0};
	out.cap = ZSTD_compressBound(in->len);
	out.p = xmalloc(out.cap);
	out.len = ZSTD_compress(out.p, out.cap, in->p, in->len, 3);
	assert_false(ZSTD_isError(out.len));
	return out;
}

/* The bytes as an fd, as a layer blob would be. */
static int fd_of(const void *p, size_t n)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(jl_write_all(fd, p, n), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static struct img_tar *open_bytes(const void *p, size_t n, const struct img_tar_limits *lim,
				  int *fd)
{
	*fd = fd_of(p, n);
	struct img_tar *t = NULL;
	struct jl_err *err = NULL;
	if (img_tar_open(*fd, "layer test", lim, &t, &err) < 0)
		fail_msg("open: %s", err->msg);
	return t;
}

/* Read everything; the error (malloc'ed) or NULL. */
static char *read_all(const void *p, size_t n, const struct img_tar_limits *lim, size_t *entries)
{
	int fd;
	struct jl_err *err = NULL;
	struct img_tar *t = NULL;
	*entries = 0;
	fd = fd_of(p, n);
	int r = img_tar_open(fd, "layer test", lim, &t, &err);
	struct img_tar_entry e;
	char buf[4096];
	while (r == 0 && (r = img_tar_next(t, &e, &err)) > 0) {
		++*entries;
		ssize_t got;
		while ((got = img_tar_read(t, buf, sizeof(buf), &err)) > 0)
			;
		r = got < 0 ? -1 : 0;
	}
	if (r == 0)
		r = img_tar_finish(t, &err);
	img_tar_close(t);
	close(fd);
	char *msg = r < 0 ? xstrdup(err && err->msg ? err->msg : "(no message)") : NULL;
	if (r < 0)
		assert_non_null(err);
	else
		assert_null(err);
	jl_err_free(&err);
	return msg;
}

static void expect_error(const struct tb *b, const struct img_tar_limits *lim, const char *part)
{
	size_t n;
	char *msg = read_all(b->p, b->len, lim, &n);
	if (!msg)
		fail_msg("read without an error (want \"%s\")", part);
	if (!strstr(msg, part))
		fail_msg("error \"%s\" does not say \"%s\"", msg, part);
	assert_null(strchr(msg, '\n'));
	assert_true(jl_str_has_prefix(msg, "layer test: "));
	if (getenv("SHOW_ERRORS"))
		printf("# %s\n", msg);
	free(msg);
}

static void expect_ok(const struct tb *b, const struct img_tar_limits *lim, size_t entries)
{
	size_t n;
	char *msg = read_all(b->p, b->len, lim, &n);
	if (msg)
		fail_msg("unexpected error: %s", msg);
	assert_int_equal(n, entries);
}

/* --- a layer with every entry type ------------------------------------------- */

static struct tb every_type(void)
{
	struct tb b = {0};
	tb_file(&b, &(struct hdr){.name = "d/", .type = '5', .mode = 01777, .mtime = 1600000000},
		NULL);
	tb_file(&b, &(struct hdr){.name = "d/f", .type = '0', .size = 5, .mode = 04755, .uid = 1000,
				  .gid = 100},
		"hello");
	tb_file(&b, &(struct hdr){.name = "d/l", .type = '2', .link = "/etc/passwd", .mode = 0777},
		NULL);
	tb_file(&b, &(struct hdr){.name = "d/h", .type = '1', .link = "d/f"}, NULL);
	tb_file(&b, &(struct hdr){.name = "dev/null", .type = '3', .major = 1, .minor = 3,
				  .mode = 0666},
		NULL);
	tb_file(&b, &(struct hdr){.name = "dev/sda", .type = '4', .major = 8, .minor = 1}, NULL);
	tb_file(&b, &(struct hdr){.name = "p", .type = '6', .mode = 0620}, NULL);
	tb_end(&b);
	tb_add(&b, NULL, 10240 - b.len % 10240); /* record padding, as tar(1) writes */
	return b;
}

static void check_every_type(const void *p, size_t n, const struct tb *plain)
{
	int fd;
	struct img_tar *t = open_bytes(p, n, NULL, &fd);
	struct jl_err *err = NULL;
	struct img_tar_entry e;
	char buf[64];

	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_string_equal(e.path, "d/");
	assert_int_equal(e.type, IMG_TAR_DIR);
	assert_int_equal(e.mode, 01777);
	assert_int_equal(e.mtime_sec, 1600000000);

	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_string_equal(e.path, "d/f");
	assert_int_equal(e.type, IMG_TAR_FILE);
	assert_int_equal(e.mode, 04755);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 100);
	assert_int_equal(e.size, 5);
	assert_int_equal(img_tar_read(t, buf, 2, &err), 2);
	assert_int_equal(img_tar_read(t, buf + 2, sizeof(buf) - 2, &err), 3);
	assert_int_equal(img_tar_read(t, buf, sizeof(buf), &err), 0);
	assert_memory_equal(buf, "hello", 5);

	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_int_equal(e.type, IMG_TAR_SYMLINK);
	assert_string_equal(e.link, "/etc/passwd");
	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_int_equal(e.type, IMG_TAR_HARDLINK);
	assert_string_equal(e.path, "d/h");
	assert_string_equal(e.link, "d/f");
	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_int_equal(e.type, IMG_TAR_CHAR);
	assert_int_equal(e.rdev_major, 1);
	assert_int_equal(e.rdev_minor, 3);
	assert_int_equal(e.mode, 0666);
	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_int_equal(e.type, IMG_TAR_BLOCK);
	assert_int_equal(e.rdev_major, 8);
	assert_int_equal(e.rdev_minor, 1);
	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_int_equal(e.type, IMG_TAR_FIFO);
	assert_string_equal(e.path, "p");
	assert_int_equal(img_tar_next(t, &e, &err), 0);
	assert_int_equal(img_tar_finish(t, &err), 0);
	assert_null(err);

	char got[IMG_DIGEST_MAX], want[IMG_DIGEST_MAX];
	img_tar_diff_id(t, got);
	img_sha256(plain->p, plain->len, want);
	assert_string_equal(got, want);
	assert_int_equal(img_tar_bytes(t), plain->len);
	img_tar_close(t);
	close(fd);
}

static void test_plain(void **state)
{
	(void)state;
	struct tb b = every_type();
	check_every_type(b.p, b.len, &b);
	tb_free(&b);
}

static void test_gzip(void **state)
{
	(void)state;
	struct tb b = every_type(), z = gzip_of(&b);
	assert_true(z.len < b.len);
	check_every_type(z.p, z.len, &b);
	tb_free(&z);
	tb_free(&b);
}

static void test_zstd(void **state)
{
	(void)state;
	struct tb b = every_type(), z = zstd_of(&b);
	check_every_type(z.p, z.len, &b);
	tb_free(&z);
	tb_free(&b);
}

/* Entries whose data is never read are skipped, and still hashed. */
static void test_finish_skips(void **state)
{
	(void)state;
	struct tb b = every_type(), z = gzip_of(&b);
	int fd;
	struct img_tar *t = open_bytes(z.p, z.len, NULL, &fd);
	struct jl_err *err = NULL;
	struct img_tar_entry e;
	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_int_equal(img_tar_finish(t, &err), 0);
	char got[IMG_DIGEST_MAX], want[IMG_DIGEST_MAX];
	img_tar_diff_id(t, got);
	img_sha256(b.p, b.len, want);
	assert_string_equal(got, want);
	img_tar_close(t);
	close(fd);
	tb_free(&z);
	tb_free(&b);
}

/* --- pax: long names, xattrs, nanoseconds ------------------------------------ */

static void test_pax(void **state)
{
	(void)state;
	char longname[301];
	memset(longname, 'n', 300);
	longname[300] = '\0';
	longname[100] = '/';
	static const unsigned char cap[] = {1, 0, 0, 2, 0x20, 0, 0, 0, 0, 0, 0, 0};
	struct tb body = {0}, b = {0};
	pax_record(&body, "path", longname, strlen(longname));
	pax_record(&body, "mtime", "1700000000.123456789", 20);
	pax_record(&body, "SCHILY.xattr.user.a", "1", 1);
	pax_record(&body, "SCHILY.xattr.security.capability", cap, sizeof(cap));
	/* libarchive's own spelling: url-encoded name, base64 value ("hi") */
	pax_record(&body, "LIBARCHIVE.xattr.trusted.b%3Dc", "aGk", 3);
	tb_pax(&b, &body);
	tb_file(&b, &(struct hdr){.name = "short", .type = '0', .size = 2}, "ok");
	tb_file(&b, &(struct hdr){.name = "next", .type = '0'}, NULL);
	tb_end(&b);

	int fd;
	struct img_tar *t = open_bytes(b.p, b.len, NULL, &fd);
	struct jl_err *err = NULL;
	struct img_tar_entry e;
	assert_int_equal(img_tar_next(t, &e, &err), 1);
	assert_string_equal(e.path, longname);
	assert_int_equal(e.mtime_sec, 1700000000);
	assert_int_equal(e.mtime_nsec, 123456789);
	assert_int_equal(e.n_xattrs, 3);
	bool seen[3] = {0};
	for (size_t i = 0; i < e.n_xattrs; i++) {
		const struct img_tar_xattr *x = &e.xattrs[i];
		if (!strcmp(x->name, "user.a")) {
			assert_int_equal(x->size, 1);
			assert_memory_equal(x->value, "1", 1);
			seen[0] = true;
		} else if (!strcmp(x->name, "security.capability")) {
			assert_int_equal(x->size, sizeof(cap)); /* NULs inside kept */
			assert_memory_equal(x->value, cap, sizeof(cap));
			seen[1] = true;
		} else if (!strcmp(x->name, "trusted.b=c")) {
			assert_int_equal(x->size, 2);
			assert_memory_equal(x->value, "hi", 2);
			seen[2] = true;
		} else {
			fail_msg("unexpected xattr %s", x->name);
		}
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	char data[8];
	assert_int_equal(img_tar_read(t, data, sizeof(data), &err), 2);
	assert_int_equal(img_tar_next(t, &e, &err), 1); /* the pax header was for one entry */
	assert_string_equal(e.path, "next");
	assert_int_equal(e.n_xattrs, 0);
	assert_int_equal(e.mtime_nsec, 0);
	assert_int_equal(img_tar_next(t, &e, &err), 0);
	img_tar_close(t);
	close(fd);
	tb_free(&body);
	tb_free(&b);
}

/* chown(2) reads uid -1 as "leave it": such an id must not pass. */
static void test_uid_range(void **state)
{
	(void)state;
	struct tb body = {0}, b = {0};
	pax_record(&body, "uid", "4294967295", 10);
	tb_pax(&b, &body);
	tb_file(&b, &(struct hdr){.name = "setuid", .type = '0', .mode = 04755}, NULL);
	tb_end(&b);
	expect_error(&b, NULL, "entry \"setuid\": uid 4294967295 out of range");
	tb_free(&body);
	tb_free(&b);
}

/* --- limits ------------------------------------------------------------------- */

static struct tb zeros_layer(size_t size)
{
	struct tb b = {0};
	tb_header(&b, &(struct hdr){.name = "zeros", .type = '0', .size = size});
	tb_add(&b, NULL, size);
	tb_pad(&b);
	tb_end(&b);
	return b;
}

static void test_max_bytes(void **state)
{
	(void)state;
	struct tb b = zeros_layer(100000);
	expect_error(&b, &(struct img_tar_limits){.max_bytes = 50000}, "more than 50000 bytes");
	expect_ok(&b, &(struct img_tar_limits){.max_bytes = b.len}, 1);
	tb_free(&b);
}

/* 8 MiB of zeros gzip to ~8 KB: the cap stops the expansion, not the input. */
static void test_gzip_bomb(void **state)
{
	(void)state;
	struct tb b = zeros_layer(8 << 20), z = gzip_of(&b);
	assert_true(z.len < 64 << 10);
	expect_error(&z, &(struct img_tar_limits){.max_bytes = 1 << 20}, "more than 1048576 bytes");
	struct tb zs = zstd_of(&b);
	expect_error(&zs, &(struct img_tar_limits){.max_bytes = 1 << 20}, "more than 1048576 bytes");
	tb_free(&zs);
	tb_free(&z);
	tb_free(&b);
}

/* JAULA_MAX_LAYER_BYTES sets the cap when the caller gives none. */
static void test_max_bytes_env(void **state)
{
	(void)state;
	struct tb b = zeros_layer(100000);
	setenv("JAULA_MAX_LAYER_BYTES", "60000", 1);
	expect_error(&b, NULL, "more than 60000 bytes");
	expect_error(&b, &(struct img_tar_limits){0}, "more than 60000 bytes");
	expect_ok(&b, &(struct img_tar_limits){.max_bytes = 1 << 20}, 1);
	unsetenv("JAULA_MAX_LAYER_BYTES");
	expect_ok(&b, NULL, 1);
	tb_free(&b);
}

static void test_max_entries(void **state)
{
	(void)state;
	struct tb b = every_type(); /* 7 entries */
	expect_error(&b, &(struct img_tar_limits){.max_entries = 3}, "more than 3 entries");
	expect_ok(&b, &(struct img_tar_limits){.max_entries = 7}, 7);
	tb_free(&b);
}

/* A pax sparse map (GNU 0.1) of 1 GiB with one byte stored: what it reads
 * as counts against the cap. */
static void test_sparse_bomb(void **state)
{
	(void)state;
	struct tb body = {0}, b = {0};
	pax_record(&body, "GNU.sparse.size", "1073741824", 10);
	pax_record(&body, "GNU.sparse.numblocks", "1", 1);
	pax_record(&body, "GNU.sparse.map", "0,1", 3);
	tb_pax(&b, &body);
	tb_file(&b, &(struct hdr){.name = "sparse", .type = '0', .size = 1}, "x");
	tb_end(&b);
	expect_error(&b, &(struct img_tar_limits){.max_bytes = 1 << 20}, "entry \"sparse\"");
	tb_free(&body);
	tb_free(&b);
}

/* --- broken streams ------------------------------------------------------------- */

static void test_truncated(void **state)
{
	(void)state;
	struct tb b = zeros_layer(100000);
	struct tb cut = {.p = b.p, .len = 512 + 50000};
	expect_error(&cut, NULL, "entry \"zeros\"");
	cut.len = 300; /* inside the header */
	expect_error(&cut, NULL, "layer test: ");
	struct tb z = gzip_of(&b);
	cut = (struct tb){.p = z.p, .len = z.len / 2};
	expect_error(&cut, NULL, "layer test: ");
	cut.len = z.len - 4; /* without the gzip trailer's size */
	expect_error(&cut, NULL, "layer test: ");
	tb_free(&z);
	tb_free(&b);
}

static void test_corrupt(void **state)
{
	(void)state;
	struct tb b = every_type();
	b.p[512 + 148] ^= 1; /* the checksum of the second header */
	expect_error(&b, NULL, "after entry \"d/\"");
	tb_free(&b);

	static const char *const junk[] = {
		"this is not a tar archive, just some text that goes on for a while",
		"\xfd" "7zXZ\0\0\x04\xe6\xd6\xb4\x46\x02\0\x21\x01\x16\0\0\0", /* xz: not a layer format */
		"BZh91AY&SY",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		struct tb j = {0};
		tb_add(&j, junk[i], strlen(junk[i]) + 1);
		tb_add(&j, NULL, 2048);
		memcpy(j.p + 1024, junk[i], strlen(junk[i]));
		expect_error(&j, NULL, "not a tar archive");
		tb_free(&j);
	}
	struct tb empty = {.p = (unsigned char *)"", .len = 0};
	expect_error(&empty, NULL, "empty stream");
}

static void test_trailing(void **state)
{
	(void)state;
	struct tb b = every_type(); /* end mark + zeros to 10240 */
	size_t end = 7 * 512 + 512 + 1024; /* 7 headers, 1 data block, end mark */
	char want[IMG_DIGEST_MAX];
	img_sha256(b.p, b.len, want);
	b.p[end + 100] = 'x'; /* inside the record padding */
	expect_error(&b, NULL, "data after the end of the archive");
	b.p[end + 100] = 0;
	tb_add(&b, "junk", 4);
	expect_error(&b, NULL, "data after the end of the archive");
	b.len -= 4;
	/* A second archive behind the first is not read as more entries. */
	struct tb two = every_type();
	tb_add(&two, b.p, b.len);
	expect_error(&two, NULL, "data after the end of the archive");
	tb_free(&two);

	/* Zeros are fine, and counted; so is a missing end mark. */
	int fd;
	struct img_tar *t = open_bytes(b.p, b.len, NULL, &fd);
	struct jl_err *err = NULL;
	assert_int_equal(img_tar_finish(t, &err), 0);
	char got[IMG_DIGEST_MAX];
	img_tar_diff_id(t, got);
	assert_string_equal(got, want);
	img_tar_close(t);
	close(fd);
	struct tb noend = {.p = b.p, .len = end - 1024};
	expect_ok(&noend, NULL, 7);
	tb_free(&b);
}

/* The end mark across a block boundary of the decompressor (64 KiB), with
 * and without something after it. */
static void test_end_across_blocks(void **state)
{
	(void)state;
	for (size_t size = 63 << 10; size <= 65 << 10; size += 512) {
		struct tb b = zeros_layer(size);
		struct tb z = gzip_of(&b);
		expect_ok(&z, NULL, 1);
		tb_free(&z);
		tb_add(&b, "!", 1);
		z = gzip_of(&b);
		expect_error(&z, NULL, "data after the end of the archive");
		tb_free(&z);
		tb_free(&b);
	}
}

/* A pipe written a few bytes at a time: the reader gets tiny blocks. */
struct trickle {
	int fd;
	const struct tb *b;
};

static void *trickle_writer(void *arg)
{
	struct trickle *w = arg;
	for (size_t off = 0; off < w->b->len; off += 100) {
		size_t n = w->b->len - off < 100 ? w->b->len - off : 100;
		if (jl_write_all(w->fd, w->b->p + off, n) < 0)
			break;
		if (off % 1000 == 0)
			usleep(100);
	}
	close(w->fd);
	return NULL;
}

static char *read_trickled(const struct tb *b)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct trickle w = {p[1], b};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, trickle_writer, &w), 0);
	struct img_tar *t = NULL;
	struct jl_err *err = NULL;
	int r = img_tar_open(p[0], "layer test", NULL, &t, &err);
	if (r == 0)
		r = img_tar_finish(t, &err);
	img_tar_close(t);
	close(p[0]);
	pthread_join(th, NULL);
	char *msg = r < 0 ? xstrdup(err->msg) : NULL;
	jl_err_free(&err);
	return msg;
}

static void test_small_blocks(void **state)
{
	(void)state;
	struct tb b = every_type();
	char *msg = read_trickled(&b);
	if (msg)
		fail_msg("trickled: %s", msg);
	b.p[b.len - 1] = 'x';
	msg = read_trickled(&b);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "data after the end of the archive"));
	free(msg);
	b.p[b.len - 1] = 0;
	b.p[7 * 512 + 512 + 1024] = 'x'; /* right after the end mark */
	msg = read_trickled(&b);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "data after the end of the archive"));
	free(msg);
	tb_free(&b);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* test_small_blocks: the reader stops early */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_finish_skips),
		cmocka_unit_test(test_pax),
		cmocka_unit_test(test_uid_range),
		cmocka_unit_test(test_max_bytes),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_max_bytes_env),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_sparse_bomb),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_end_across_blocks),
		cmocka_unit_test(test_small_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
