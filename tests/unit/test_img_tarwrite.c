/* jaula's tar writer (image/tarwrite.c): the bytes it writes are checked
 * against the ustar and pax layouts by hand (field offsets, octal, the
 * checksum, pax records whose length counts itself), and every entry type
 * -- with names past 100 and 255 bytes, ids past ustar's octal, nanosecond
 * and out-of-range mtimes, binary xattrs -- is read back with the image
 * room's tar reader (libarchive) and compared field by field.  The same
 * entries give the same bytes, and the digest is the sha256 of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image_internal.h"

#define BLOCK 512
#define OFF_NAME 0
#define OFF_MODE 100
#define OFF_UID 108
#define OFF_GID 116
#define OFF_SIZE 124
#define OFF_MTIME 136
#define OFF_CHKSUM 148
#define OFF_TYPE 156
#define OFF_LINK 157
#define OFF_MAGIC 257
#define OFF_VERSION 263
#define OFF_UNAME 265
#define OFF_GNAME 297
#define OFF_DEVMAJOR 329
#define OFF_DEVMINOR 337
#define OFF_PREFIX 345

/* --- helpers ---------------------------------------------------------------- */

static int memfd(void)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* The whole content of fd. */
static unsigned char *slurp(int fd, size_t *len)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	unsigned char *p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
	*len = (size_t)st.st_size;
	return p;
}

static void add_ok(struct img_tarw *w, const struct img_tar_entry *e, int fd, const void *data)
{
	struct jl_err *err = NULL;
	if (img_tarw_add(w, e, fd, data, &err) < 0)
		fail_msg("add \"%s\": %s", e->path, err->msg);
}

static void finish_ok(struct img_tarw *w, char digest[IMG_DIGEST_MAX], uint64_t *size)
{
	struct jl_err *err = NULL;
	if (img_tarw_finish(w, digest, size, &err) < 0)
		fail_msg("finish: %s", err->msg);
}

/* An octal field as a reader parses it: digits up to NUL or space. */
static uint64_t octal(const unsigned char *h, size_t off, size_t width)
{
	uint64_t v = 0;
	for (size_t i = 0; i < width && h[off + i] >= '0' && h[off + i] <= '7'; i++)
		v = v * 8 + (uint64_t)(h[off + i] - '0');
	return v;
}

/* Every numeric field: width-1 octal digits then NUL, nothing else. */
static void assert_octal_field(const unsigned char *h, size_t off, size_t width)
{
	for (size_t i = 0; i + 1 < width; i++)
		if (h[off + i] < '0' || h[off + i] > '7')
			fail_msg("field at %zu: byte %zu is 0x%02x, not an octal digit", off, i,
				 h[off + i]);
	assert_int_equal(h[off + width - 1], 0);
}

static void assert_checksum(const unsigned char *h)
{
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += (i >= OFF_CHKSUM && i < OFF_CHKSUM + 8) ? ' ' : h[i];
	/* six digits, NUL, space */
	for (size_t i = 0; i < 6; i++)
		assert_true(h[OFF_CHKSUM + i] >= '0' && h[OFF_CHKSUM + i] <= '7');
	assert_int_equal(h[OFF_CHKSUM + 6], 0);
	assert_int_equal(h[OFF_CHKSUM + 7], ' ');
	assert_int_equal(octal(h, OFF_CHKSUM, 6), sum);
}

static void assert_ustar(const unsigned char *h)
{
	assert_memory_equal(h + OFF_MAGIC, "ustar\0", 6);
	assert_memory_equal(h + OFF_VERSION, "00", 2);
	static const unsigned char zeros[32];
	assert_memory_equal(h + OFF_UNAME, zeros, 32); /* reproducible: no names */
	assert_memory_equal(h + OFF_GNAME, zeros, 32);
	assert_checksum(h);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Walk the pax records of an 'x' entry's data: each "LEN key=value\n"
 * must be exactly LEN bytes.  Returns the value of key (length in *vlen). */
static const char *pax_find(const unsigned char *data, size_t len, const char *key,
			    size_t *vlen)
{
	const char *found = NULL;
	size_t off = 0;
	while (off < len) {
		const char *rec = (const char *)data + off;
		char *sp = NULL;
		unsigned long n = strtoul(rec, &sp, 10);
		assert_true(sp && *sp == ' ');
		assert_true(n > 0 && off + n <= len);
		assert_int_equal(rec[n - 1], '\n'); /* LEN counted itself right */
		const char *k = sp + 1;
		const char *eq = memchr(k, '=', (size_t)(rec + n - k));
		assert_non_null(eq);
		if ((size_t)(eq - k) == strlen(key) && memcmp(k, key, strlen(key)) == 0) {
			found = eq + 1;
			*vlen = (size_t)(rec + n - 1 - found);
		}
		off += n;
	}
	assert_int_equal(off, len);
	return found;
}

static char *repeat_path(const char *part, int times, const char *last)
{
	struct jl_buf b = {0};
	for (int i = 0; i < times; i++)
		jl_buf_printf(&b, "%s/", part);
	jl_buf_puts(&b, last);
	return jl_buf_steal(&b);
}

/* --- bytes, by hand ------------------------------------------------------------ */

static void test_plain_file_layout(void **state)
{
	(void)state;
	cleanup_close int fd = memfd();
	struct img_tarw *w = img_tarw_new(fd);
	struct img_tar_entry e = {.path = "etc/hostname", .type = IMG_TAR_FILE, .mode = 04755,
				  .uid = 1000, .gid = 100, .mtime_sec = 1700000000, .size = 5};
	add_ok(w, &e, -1, "hello");
	char digest[IMG_DIGEST_MAX];
	uint64_t size = 0;
	finish_ok(w, digest, &size);
	img_tarw_free(w);
	size_t len;
	cleanup_free unsigned char *t = slurp(fd, &len);
	/* header, one data block, two zero blocks: nothing more */
	assert_int_equal(len, 4 * BLOCK);
	assert_int_equal(size, len);
	assert_ustar(t);
	assert_string_equal((char *)t + OFF_NAME, "etc/hostname");
	assert_memory_equal(t + OFF_MODE, "0004755\0", 8);
	assert_memory_equal(t + OFF_UID, "0001750\0", 8);
	assert_memory_equal(t + OFF_GID, "0000144\0", 8);
	assert_memory_equal(t + OFF_SIZE, "00000000005\0", 12);
	assert_memory_equal(t + OFF_MTIME, "14524770400\0", 12);
	assert_int_equal(t[OFF_TYPE], '0');
	assert_true(all_zero(t + OFF_LINK, 100));
	assert_true(all_zero(t + OFF_DEVMAJOR, 16)); /* only devices carry numbers */
	assert_true(all_zero(t + OFF_PREFIX, 155));
	assert_memory_equal(t + BLOCK, "hello", 5);
	assert_true(all_zero(t + BLOCK + 5, 3 * BLOCK - 5));
	char want[IMG_DIGEST_MAX];
	img_sha256(t, len, want);
	assert_string_equal(digest, want);
}

static void test_every_type_flag(void **state)
{
	(void)state;
	static const struct {
		enum img_tar_type type;
		char flag;
	} types[] = {
		{IMG_TAR_FILE, '0'}, {IMG_TAR_HARDLINK, '1'}, {IMG_TAR_SYMLINK, '2'},
		{IMG_TAR_CHAR, '3'}, {IMG_TAR_BLOCK, '4'},    {IMG_TAR_DIR, '5'},
		{IMG_TAR_FIFO, '6'},
	};
	cleanup_close int fd = memfd();
	struct img_tarw *w = img_tarw_new(fd);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct img_tar_entry e = {.path = "x", .type = types[i].type, .mode = 0600,
					  .link = "target", .rdev_major = 259,
					  .rdev_minor = 1048575};
		add_ok(w, &e, -1, NULL);
	}
	char digest[IMG_DIGEST_MAX];
	finish_ok(w, digest, NULL);
	img_tarw_free(w);
	size_t len;
	cleanup_free unsigned char *t = slurp(fd, &len);
	assert_int_equal(len, (ARRAY_SIZE(types) + 2) * BLOCK);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		const unsigned char *h = t + i * BLOCK;
		assert_ustar(h);
		assert_int_equal(h[OFF_TYPE], types[i].flag);
		assert_octal_field(h, OFF_SIZE, 12);
		assert_int_equal(octal(h, OFF_SIZE, 12), 0);
		bool link = types[i].type == IMG_TAR_HARDLINK || types[i].type == IMG_TAR_SYMLINK;
		assert_string_equal((char *)h + OFF_LINK, link ? "target" : "");
		bool dev = types[i].type == IMG_TAR_CHAR || types[i].type == IMG_TAR_BLOCK;
		if (dev) {
			assert_memory_equal(h + OFF_DEVMAJOR, "0000403\0", 8);
			assert_memory_equal(h + OFF_DEVMINOR, "3777777\0", 8);
		} else {
			assert_true(all_zero(h + OFF_DEVMAJOR, 16));
		}
	}
}

/* 150 bytes with a '/' where ustar can split: prefix and name, no pax. */
static void test_ustar_split_without_pax(void **state)
{
	(void)state;
	char path[151];
	memset(path, 'a', 150);
	path[150] = '\0';
	path[60] = '/';
	cleanup_close int fd = memfd();
	struct img_tarw *w = img_tarw_new(fd);
	struct img_tar_entry e = {.path = path, .type = IMG_TAR_DIR, .mode = 0755};
	add_ok(w, &e, -1, NULL);
	char digest[IMG_DIGEST_MAX];
	finish_ok(w, digest, NULL);
	img_tarw_free(w);
	size_t len;
	cleanup_free unsigned char *t = slurp(fd, &len);
	assert_int_equal(len, 3 * BLOCK);
	assert_int_equal(t[OFF_TYPE], '5');
	assert_memory_equal(t + OFF_PREFIX, path, 60);
	assert_int_equal(t[OFF_PREFIX + 60], 0);
	assert_memory_equal(t + OFF_NAME, path + 61, 89);
	assert_int_equal(t[OFF_NAME + 89], 0);
}

/* Where ustar's name and prefix stop: exactly 100 bytes fit the name
 * field (no NUL); a split may leave neither half empty, or the leading or
 * trailing '/' would be lost. */
static void test_ustar_name_edges(void **state)
{
	(void)state;
	char fits[101], lead[102], trail[102];
	memset(fits, 'a', 100);
	fits[100] = '\0';
	lead[0] = '/';
	memset(lead + 1, 'b', 100);
	lead[101] = '\0';
	memset(trail, 'c', 100);
	trail[100] = '/';
	trail[101] = '\0';
	const struct {
		const char *path;
		bool pax;
	} cases[] = {{fits, false}, {lead, true}, {trail, true}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_close int fd = memfd();
		struct img_tarw *w = img_tarw_new(fd);
		struct img_tar_entry e = {.path = cases[i].path, .type = IMG_TAR_DIR, .mode = 0755};
		add_ok(w, &e, -1, NULL);
		char digest[IMG_DIGEST_MAX];
		finish_ok(w, digest, NULL);
		img_tarw_free(w);
		size_t len;
		cleanup_free unsigned char *t = slurp(fd, &len);
		if (!cases[i].pax) {
			assert_int_equal(t[OFF_TYPE], '5');
			assert_memory_equal(t + OFF_NAME, cases[i].path, 100);
			assert_int_equal(t[OFF_MODE], '0'); /* the name has no NUL */
			assert_true(all_zero(t + OFF_PREFIX, 155));
			continue;
		}
		assert_int_equal(t[OFF_TYPE], 'x');
		size_t n = 0;
		const char *v = pax_find(t + BLOCK, octal(t, OFF_SIZE, 12), "path", &n);
		assert_non_null(v);
		assert_int_equal(n, strlen(cases[i].path));
		assert_memory_equal(v, cases[i].path, n);
	}
}

/* A pax header carries what ustar cannot: check its records byte by byte,
 * including lengths whose digit count changes as they count themselves. */
static void test_pax_records(void **state)
{
	(void)state;
	cleanup_free char *path = repeat_path("d", 150, "file"); /* 304 bytes */
	char link[201];
	memset(link, 'l', 200);
	link[200] = '\0';
	/* " SCHILY.xattr.user.k=" + value + "\n" is 21 + 76 + 1 = 98 bytes:
	 * a two-digit length would make it 100, so it must be 101 */
	unsigned char val[76];
	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (unsigned char)(i * 37); /* NULs, '\n', '=' and high bytes */
	struct img_tar_xattr xa[] = {{"user.k", val, sizeof(val)}};
	struct img_tar_entry e = {.path = path, .type = IMG_TAR_SYMLINK, .mode = 0777,
				  .uid = 3000000000u, .gid = 2097152, .mtime_sec = 1700000000,
				  .mtime_nsec = 120000000, .link = link, .xattrs = xa,
				  .n_xattrs = 1};
	cleanup_close int fd = memfd();
	struct img_tarw *w = img_tarw_new(fd);
	add_ok(w, &e, -1, NULL);
	char digest[IMG_DIGEST_MAX];
	finish_ok(w, digest, NULL);
	img_tarw_free(w);
	size_t len;
	cleanup_free unsigned char *t = slurp(fd, &len);
	assert_ustar(t);
	assert_int_equal(t[OFF_TYPE], 'x');
	size_t plen = octal(t, OFF_SIZE, 12);
	size_t pblocks = (plen + BLOCK - 1) / BLOCK;
	assert_int_equal(len, (1 + pblocks + 1 + 2) * BLOCK);
	const unsigned char *pax = t + BLOCK;
	assert_true(all_zero(pax + plen, pblocks * BLOCK - plen));
	size_t n = 0;
	const char *v = pax_find(pax, plen, "path", &n);
	assert_non_null(v);
	assert_int_equal(n, strlen(path));
	assert_memory_equal(v, path, n);
	v = pax_find(pax, plen, "linkpath", &n);
	assert_non_null(v);
	assert_int_equal(n, 200);
	v = pax_find(pax, plen, "uid", &n);
	assert_non_null(v);
	assert_memory_equal(v, "3000000000", n);
	v = pax_find(pax, plen, "gid", &n);
	assert_non_null(v);
	assert_memory_equal(v, "2097152", n);
	v = pax_find(pax, plen, "mtime", &n);
	assert_non_null(v);
	assert_int_equal(n, strlen("1700000000.12"));
	assert_memory_equal(v, "1700000000.12", n); /* trailing zeros dropped */
	v = pax_find(pax, plen, "SCHILY.xattr.user.k", &n);
	assert_non_null(v);
	assert_int_equal(n, sizeof(val));
	assert_memory_equal(v, val, sizeof(val));
	assert_non_null(memmem(pax, plen, "101 SCHILY.xattr.user.k=", 24));
	assert_null(pax_find(pax, plen, "size", &n)); /* nothing that fits is repeated */
	/* the entry itself: ustar magic, clamped ids, mtime in whole seconds */
	const unsigned char *h = t + (1 + pblocks) * BLOCK;
	assert_ustar(h);
	assert_int_equal(h[OFF_TYPE], '2');
	assert_memory_equal(h + OFF_UID, "7777777\0", 8);
	assert_memory_equal(h + OFF_MTIME, "14524770400\0", 12);
}

/* Linux names are bytes; pax strings are UTF-8 unless hdrcharset=BINARY
 * says otherwise: a long name that is not UTF-8 is declared binary (and
 * read back unchanged), a UTF-8 one is not. */
static void test_pax_binary_names(void **state)
{
	(void)state;
	char bin[300], utf[300];
	memset(bin, 'a', 200);
	strcpy(bin + 200, "/\xff\xfe\n\xc0\xaf-not-utf8"); /* \xc0\xaf: an overlong '/' */
	utf[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(utf, "\xc3\xb1"); /* "ñ": 120 bytes without a "/" */
	strcat(utf, "\xf0\x9f\x90\xb3"); /* U+1F433 */
	const char *paths[] = {bin, utf};
	for (size_t i = 0; i < 2; i++) {
		cleanup_close int fd = memfd();
		struct img_tarw *w = img_tarw_new(fd);
		struct img_tar_entry e = {.path = paths[i], .type = IMG_TAR_FIFO, .mode = 0600};
		add_ok(w, &e, -1, NULL);
		char digest[IMG_DIGEST_MAX];
		finish_ok(w, digest, NULL);
		img_tarw_free(w);
		size_t len, n = 0;
		cleanup_free unsigned char *t = slurp(fd, &len);
		assert_int_equal(t[OFF_TYPE], 'x');
		size_t plen = octal(t, OFF_SIZE, 12);
		const char *v = pax_find(t + BLOCK, plen, "hdrcharset", &n);
		if (i == 0) {
			assert_non_null(v);
			assert_memory_equal(v, "BINARY", n);
		} else {
			assert_null(v);
		}
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		struct jl_err *err = NULL;
		struct img_tar *tr = NULL;
		struct img_tar_entry got;
		if (img_tar_open(fd, "names", NULL, &tr, &err) < 0 || img_tar_next(tr, &got, &err) != 1)
			fail_msg("%s", err ? err->msg : "no entry");
		assert_string_equal(got.path, paths[i]);
		img_tar_close(tr);
	}
}

/* Times ustar cannot hold: before 1970, after 2242; negative fractions are
 * written as the decimal value (-1.5 is sec -2 + 0.5). */
static void test_pax_mtime_out_of_range(void **state)
{
	(void)state;
	static const struct {
		int64_t sec;
		long nsec;
		const char *pax;
		const char *ustar;
	} cases[] = {
		{-2, 500000000, "-1.5", "00000000000"},
		{-100, 0, "-100", "00000000000"},
		{9000000000, 1, "9000000000.000000001", "77777777777"},
		{8589934591, 0, NULL, "77777777777"}, /* the largest that fits */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_close int fd = memfd();
		struct img_tarw *w = img_tarw_new(fd);
		struct img_tar_entry e = {.path = "f", .type = IMG_TAR_FIFO, .mode = 0644,
					  .mtime_sec = cases[i].sec, .mtime_nsec = cases[i].nsec};
		add_ok(w, &e, -1, NULL);
		char digest[IMG_DIGEST_MAX];
		finish_ok(w, digest, NULL);
		img_tarw_free(w);
		size_t len;
		cleanup_free unsigned char *t = slurp(fd, &len);
		const unsigned char *h = t;
		if (cases[i].pax) {
			assert_int_equal(t[OFF_TYPE], 'x');
			size_t n = 0, plen = octal(t, OFF_SIZE, 12);
			const char *v = pax_find(t + BLOCK, plen, "mtime", &n);
			assert_non_null(v);
			assert_int_equal(n, strlen(cases[i].pax));
			assert_memory_equal(v, cases[i].pax, n);
			h = t + 2 * BLOCK;
		}
		assert_int_equal(h[OFF_TYPE], '6');
		assert_memory_equal(h + OFF_MTIME, cases[i].ustar, 12);
	}
}

/* A size past ustar's 8 GiB goes in pax.  The archive is not written out:
 * the output file is capped (RLIMIT_FSIZE) so the writer fails after its
 * first flush, which holds the headers -- and it must then refuse to go on. */
static void test_pax_size_and_write_failure(void **state)
{
	(void)state;
	char dir[] = "/tmp/tarw-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char data_path[64], out_path[64];
	snprintf(data_path, sizeof(data_path), "%s/data", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	cleanup_close int data = open(data_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(data >= 0);
	int64_t big = (INT64_C(1) << 33) + 1; /* 8 GiB + 1: one past the octal field */
	assert_int_equal(ftruncate(data, big), 0); /* sparse: no disk used */
	cleanup_close int out = open(out_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(out >= 0);
	struct rlimit old, cap = {.rlim_cur = 1 << 20};
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	cap.rlim_max = old.rlim_max;
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &cap), 0);
	struct img_tarw *w = img_tarw_new(out);
	struct img_tar_entry e = {.path = "big", .type = IMG_TAR_FILE, .mode = 0644, .size = big};
	struct jl_err *err = NULL;
	int r = img_tarw_add(w, &e, data, NULL, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_true(r < 0);
	assert_non_null(strstr(err->msg, "write tar"));
	jl_err_free(&err);
	struct img_tar_entry next = {.path = "next", .type = IMG_TAR_DIR, .mode = 0755};
	assert_true(img_tarw_add(w, &next, -1, NULL, &err) < 0);
	jl_err_free(&err);
	char digest[IMG_DIGEST_MAX];
	assert_true(img_tarw_finish(w, digest, NULL, &err) < 0);
	jl_err_free(&err);
	img_tarw_free(w);
	unsigned char t[2 * BLOCK + 512];
	assert_int_equal(pread(out, t, sizeof(t), 0), (ssize_t)sizeof(t));
	assert_int_equal(t[OFF_TYPE], 'x');
	size_t n = 0;
	const char *v = pax_find(t + BLOCK, octal(t, OFF_SIZE, 12), "size", &n);
	assert_non_null(v);
	assert_memory_equal(v, "8589934593", n);
	assert_int_equal(t[BLOCK + BLOCK + OFF_TYPE], '0');
	assert_checksum(t + 2 * BLOCK);
	unlink(data_path);
	unlink(out_path);
	rmdir(dir);
}

/* --- round trip through the reader ---------------------------------------------- */

struct sample {
	char *long_dir, *long_file, *long_link;
	unsigned char bin[300];
	struct img_tar_xattr xattrs[3];
	char content[3000];
	struct img_tar_entry e[10];
	size_t n;
};

static void sample_init(struct sample *s)
{
	memset(s, 0, sizeof(*s));
	s->long_dir = repeat_path("directory", 30, ""); /* 300 bytes, ends in '/' */
	s->long_file = repeat_path("ab", 40, "a-file-name-of-some-length-to-end-with"); /* > 100 */
	s->long_link = repeat_path("x", 70, "target"); /* 146 bytes */
	for (size_t i = 0; i < sizeof(s->bin); i++)
		s->bin[i] = (unsigned char)(255 - i);
	s->xattrs[0] = (struct img_tar_xattr){"security.capability", s->bin, 20};
	s->xattrs[1] = (struct img_tar_xattr){"user.bin", s->bin, sizeof(s->bin)};
	s->xattrs[2] = (struct img_tar_xattr){"user.empty", "", 0};
	for (size_t i = 0; i < sizeof(s->content); i++)
		s->content[i] = (char)('a' + i % 26);
	struct img_tar_entry *e = s->e;
	size_t n = 0;
	e[n++] = (struct img_tar_entry){.path = s->long_dir, .type = IMG_TAR_DIR, .mode = 01777,
					.uid = 0, .gid = 0, .mtime_sec = 1600000000};
	e[n++] = (struct img_tar_entry){.path = s->long_file, .type = IMG_TAR_FILE,
					.mode = 06755, .uid = 3000000000u, .gid = 4000000000u,
					.mtime_sec = 1700000000, .mtime_nsec = 123456789,
					.size = sizeof(s->content), .xattrs = s->xattrs,
					.n_xattrs = 3};
	e[n++] = (struct img_tar_entry){.path = "bin/sh", .type = IMG_TAR_SYMLINK, .mode = 0777,
					.uid = 5, .gid = 6, .mtime_sec = 1, .link = s->long_link};
	e[n++] = (struct img_tar_entry){.path = "hard", .type = IMG_TAR_HARDLINK, .mode = 06755,
					.mtime_sec = 1700000000, .link = s->long_file};
	e[n++] = (struct img_tar_entry){.path = "dev/null", .type = IMG_TAR_CHAR, .mode = 0666,
					.mtime_sec = 2, .rdev_major = 1, .rdev_minor = 3};
	e[n++] = (struct img_tar_entry){.path = "dev/sda1", .type = IMG_TAR_BLOCK, .mode = 0660,
					.gid = 6, .mtime_sec = 3, .rdev_major = 8,
					.rdev_minor = 1048575};
	e[n++] = (struct img_tar_entry){.path = "run/fifo", .type = IMG_TAR_FIFO, .mode = 0620,
					.uid = 2097151, .gid = 2097152, .mtime_sec = 8589934592,
					.mtime_nsec = 1};
	e[n++] = (struct img_tar_entry){.path = "empty", .type = IMG_TAR_FILE, .mode = 0,
					.mtime_sec = 4, .mtime_nsec = 999999999};
	s->n = n;
}

static void sample_free(struct sample *s)
{
	free(s->long_dir);
	free(s->long_file);
	free(s->long_link);
}

/* The sample as an archive in a memfd: the file's data from an fd. */
static int sample_write(struct sample *s, char digest[IMG_DIGEST_MAX], uint64_t *size)
{
	int fd = memfd();
	cleanup_close int data = memfd();
	assert_int_equal(write(data, s->content, sizeof(s->content)), sizeof(s->content));
	struct img_tarw *w = img_tarw_new(fd);
	for (size_t i = 0; i < s->n; i++) {
		assert_int_equal(lseek(data, 0, SEEK_SET), 0);
		add_ok(w, &s->e[i], s->e[i].size ? data : -1, NULL);
	}
	finish_ok(w, digest, size);
	img_tarw_free(w);
	return fd;
}

static void assert_entry_equal(const struct img_tar_entry *want, const struct img_tar_entry *got)
{
	assert_string_equal(got->path, want->path);
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->mode, want->mode);
	assert_int_equal(got->uid, want->uid);
	assert_int_equal(got->gid, want->gid);
	assert_int_equal(got->mtime_sec, want->mtime_sec);
	assert_int_equal(got->mtime_nsec, want->mtime_nsec);
	if (want->type == IMG_TAR_FILE)
		assert_int_equal(got->size, want->size);
	if (want->type == IMG_TAR_SYMLINK || want->type == IMG_TAR_HARDLINK)
		assert_string_equal(got->link, want->link);
	if (want->type == IMG_TAR_CHAR || want->type == IMG_TAR_BLOCK) {
		assert_int_equal(got->rdev_major, want->rdev_major);
		assert_int_equal(got->rdev_minor, want->rdev_minor);
	}
	assert_int_equal(got->n_xattrs, want->n_xattrs);
	for (size_t i = 0; i < want->n_xattrs; i++) {
		bool found = false;
		for (size_t j = 0; j < got->n_xattrs; j++) {
			if (strcmp(got->xattrs[j].name, want->xattrs[i].name) != 0)
				continue;
			found = true;
			assert_int_equal(got->xattrs[j].size, want->xattrs[i].size);
			if (want->xattrs[i].size)
				assert_memory_equal(got->xattrs[j].value, want->xattrs[i].value,
						    want->xattrs[i].size);
		}
		if (!found)
			fail_msg("\"%s\": xattr %s lost", want->path, want->xattrs[i].name);
	}
}

static void test_round_trip_every_type(void **state)
{
	(void)state;
	struct sample s;
	sample_init(&s);
	char digest[IMG_DIGEST_MAX];
	uint64_t size = 0;
	cleanup_close int fd = sample_write(&s, digest, &size);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct jl_err *err = NULL;
	struct img_tar *t = NULL;
	if (img_tar_open(fd, "sample", NULL, &t, &err) < 0)
		fail_msg("%s", err->msg);
	for (size_t i = 0; i < s.n; i++) {
		struct img_tar_entry got;
		int r = img_tar_next(t, &got, &err);
		if (r < 0)
			fail_msg("entry %zu: %s", i, err->msg);
		assert_int_equal(r, 1);
		assert_entry_equal(&s.e[i], &got);
		if (got.type != IMG_TAR_FILE)
			continue;
		char buf[4096];
		size_t total = 0;
		ssize_t k;
		while ((k = img_tar_read(t, buf + total, sizeof(buf) - total, &err)) > 0)
			total += (size_t)k;
		assert_true(k == 0);
		assert_int_equal(total, (size_t)s.e[i].size);
		if (total)
			assert_memory_equal(buf, s.content, total);
	}
	struct img_tar_entry end;
	assert_int_equal(img_tar_next(t, &end, &err), 0);
	if (img_tar_finish(t, &err) < 0)
		fail_msg("%s", err->msg);
	char read_id[IMG_DIGEST_MAX];
	img_tar_diff_id(t, read_id);
	assert_string_equal(read_id, digest); /* the reader hashed the same bytes */
	assert_int_equal(img_tar_bytes(t), size);
	img_tar_close(t);
	sample_free(&s);
}

static void test_reproducible(void **state)
{
	(void)state;
	struct sample s;
	sample_init(&s);
	char d1[IMG_DIGEST_MAX], d2[IMG_DIGEST_MAX];
	uint64_t n1 = 0, n2 = 0;
	cleanup_close int a = sample_write(&s, d1, &n1);
	cleanup_close int b = sample_write(&s, d2, &n2);
	size_t la, lb;
	cleanup_free unsigned char *ta = slurp(a, &la);
	cleanup_free unsigned char *tb = slurp(b, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ta, tb, la);
	assert_string_equal(d1, d2);
	assert_int_equal(n1, la);
	char want[IMG_DIGEST_MAX];
	img_sha256(ta, la, want);
	assert_string_equal(d1, want);
	/* every header, pax ones included, is well formed */
	size_t off = 0, headers = 0;
	while (off < la && !all_zero(ta + off, BLOCK)) {
		assert_ustar(ta + off);
		uint64_t sz = octal(ta, off + OFF_SIZE, 12);
		char type = (char)ta[off + OFF_TYPE];
		if (type != 'x' && type != '0')
			sz = 0;
		if (type == 'x' && pax_find(ta + off + BLOCK, sz, "size", &(size_t){0}))
			fail_msg("unexpected pax size");
		off += BLOCK + (sz + BLOCK - 1) / BLOCK * BLOCK;
		headers++;
	}
	assert_true(headers > s.n); /* pax headers were needed */
	assert_int_equal(la - off, 2 * BLOCK);
	sample_free(&s);
}

/* --- refusals ------------------------------------------------------------------ */

static void expect_refused(const struct img_tar_entry *e, int data_fd, const void *data,
			   const char *needle)
{
	cleanup_close int fd = memfd();
	struct img_tarw *w = img_tarw_new(fd);
	struct jl_err *err = NULL;
	assert_true(img_tarw_add(w, e, data_fd, data, &err) < 0);
	assert_non_null(err);
	if (!strstr(err->msg, needle))
		fail_msg("error \"%s\" does not say \"%s\"", err->msg, needle);
	jl_err_free(&err);
	img_tarw_free(w);
}

static void test_refusals(void **state)
{
	(void)state;
	struct img_tar_xattr eq[] = {{"user.a=b", "v", 1}};
	struct img_tar_entry e = {.path = "f", .type = IMG_TAR_FILE, .mode = 0644};
	e.type = IMG_TAR_OTHER;
	expect_refused(&e, -1, NULL, "no tar form");
	e.type = IMG_TAR_SYMLINK;
	expect_refused(&e, -1, NULL, "without a target");
	e.type = IMG_TAR_FILE;
	e.xattrs = eq;
	e.n_xattrs = 1;
	expect_refused(&e, -1, NULL, "xattr name");
	e.xattrs = NULL;
	e.n_xattrs = 0;
	e.mtime_nsec = 1000000000;
	expect_refused(&e, -1, NULL, "nanoseconds");
	e.mtime_nsec = 0;
	e.size = -1;
	expect_refused(&e, -1, NULL, "negative size");
	e.path = "";
	expect_refused(&e, -1, NULL, "empty path");
}

/* A file that is not the size its entry says fails, naming the entry, and
 * nothing can be added after the half-written entry. */
static void test_data_size_mismatch(void **state)
{
	(void)state;
	for (int grow = 0; grow < 2; grow++) {
		cleanup_close int data = memfd();
		assert_int_equal(write(data, "0123456789", 10), 10);
		assert_int_equal(lseek(data, 0, SEEK_SET), 0);
		cleanup_close int fd = memfd();
		struct img_tarw *w = img_tarw_new(fd);
		struct img_tar_entry e = {.path = "var/log/x", .type = IMG_TAR_FILE, .mode = 0644,
					  .size = grow ? 5 : 20};
		struct jl_err *err = NULL;
		assert_true(img_tarw_add(w, &e, data, NULL, &err) < 0);
		assert_non_null(strstr(err->msg, "\"var/log/x\""));
		assert_non_null(strstr(err->msg, grow ? "grew" : "shrank"));
		jl_err_free(&err);
		struct img_tar_entry d = {.path = "d/", .type = IMG_TAR_DIR, .mode = 0755};
		assert_true(img_tarw_add(w, &d, -1, NULL, &err) < 0);
		jl_err_free(&err);
		img_tarw_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_file_layout),
		cmocka_unit_test(test_every_type_flag),
		cmocka_unit_test(test_ustar_split_without_pax),
		cmocka_unit_test(test_ustar_name_edges),
		cmocka_unit_test(test_pax_records),
		cmocka_unit_test(test_pax_binary_names),
		cmocka_unit_test(test_pax_mtime_out_of_range),
		cmocka_unit_test(test_pax_size_and_write_failure),
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_data_size_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
