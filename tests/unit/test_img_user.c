/* img_resolve_user: users and groups from an image's /etc/passwd and
 * /etc/group, which belong to the image and so are hostile: malformed
 * lines, huge files and lines, fifos, and links that point out of the
 * root must never make jaula read the host's files, hang or crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "runtime/util.h"

struct fixture {
	char base[64];  /* holds root/ and outside/ */
	char root[128]; /* the image's root filesystem */
	char outside[128];
	int rootfd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->base, sizeof(f->base), "/tmp/test_img_user.XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/root", f->base);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->base);
	char etc[160];
	snprintf(etc, sizeof(etc), "%s/etc", f->root);
	if (mkdir(f->root, 0755) < 0 || mkdir(etc, 0755) < 0 || mkdir(f->outside, 0755) < 0)
		return -1;
	f->rootfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return f->rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->rootfd);
	jl_remove_tree_at(AT_FDCWD, f->base, NULL);
	free(f);
	return 0;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static const char *const passwd =
	"root:x:0:0:root:/root:/bin/sh\n"
	"daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
	"bob:x:1000:100:Bob:/home/bob:/bin/sh\n"
	"carol:x:1001:1001::/home/carol:/bin/sh\n";
static const char *const group =
	"root:x:0:root\n"
	"wheel:x:10:root,bob\n"
	"users:x:100:\n"
	"audio:x:29:carol,bob\n"
	"staff:x:50:\n"
	"carol:x:1001:\n";

static void put_files(struct fixture *f)
{
	char etc[160];
	snprintf(etc, sizeof(etc), "%s/etc", f->root);
	put(etc, "passwd", passwd);
	put(etc, "group", group);
}

static void assert_groups(const struct img_user *u, const gid_t *want, size_t n)
{
	assert_int_equal(u->n_groups, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(u->groups[i], want[i]);
}

/* The error of resolving spec must contain `want`. */
static void assert_fails(struct fixture *f, const char *spec, const char *want)
{
	struct img_user u;
	struct jl_err *err = NULL;
	int r = img_resolve_user(f->rootfd, spec, &u, &err);
	if (r >= 0)
		fail_msg("user \"%s\": resolved to %u, want an error", spec, u.uid);
	assert_non_null(err);
	if (!strstr(err->msg, want))
		fail_msg("user \"%s\": error \"%s\" lacks \"%s\"", spec, err->msg, want);
	jl_err_free(&err);
}

/* --- the forms ------------------------------------------------------------------ */

static void test_name(void **state)
{
	struct fixture *f = *state;
	put_files(f);
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "bob", &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 100);
	assert_string_equal(u.home, "/home/bob");
	const gid_t want[] = {10, 29};
	assert_groups(&u, want, 2);
	img_user_free(&u);
}

static void test_uid_with_entry(void **state)
{
	struct fixture *f = *state;
	put_files(f);
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "1001", &u, NULL), 0);
	assert_int_equal(u.uid, 1001);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.home, "/home/carol");
	const gid_t want[] = {29};
	assert_groups(&u, want, 1);
	img_user_free(&u);
}

static void test_uid_without_entry(void **state)
{
	struct fixture *f = *state;
	put_files(f);
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "4242", &u, NULL), 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 0);
	assert_null(u.home);
	assert_int_equal(u.n_groups, 0);
	img_user_free(&u);
}

static void test_default_is_root(void **state)
{
	struct fixture *f = *state;
	put_files(f);
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, NULL, &u, NULL), 0);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/root");
	const gid_t want[] = {0, 10};
	assert_groups(&u, want, 2);
	img_user_free(&u);
	assert_int_equal(img_resolve_user(f->rootfd, "", &u, NULL), 0);
	assert_int_equal(u.uid, 0);
	img_user_free(&u);
}

static void test_name_group(void **state)
{
	struct fixture *f = *state;
	put_files(f);
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "bob:staff", &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 50);
	const gid_t want[] = {10, 29};
	assert_groups(&u, want, 2);
	img_user_free(&u);
	assert_int_equal(img_resolve_user(f->rootfd, "bob:77", &u, NULL), 0);
	assert_int_equal(u.gid, 77);
	img_user_free(&u);
	assert_int_equal(img_resolve_user(f->rootfd, "1000:wheel", &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 10);
	img_user_free(&u);
}

static void test_numbers_need_no_files(void **state)
{
	struct fixture *f = *state; /* no passwd, no group */
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "123:456", &u, NULL), 0);
	assert_int_equal(u.uid, 123);
	assert_int_equal(u.gid, 456);
	assert_int_equal(u.n_groups, 0);
	img_user_free(&u);
	assert_int_equal(img_resolve_user(f->rootfd, "4294967294", &u, NULL), 0);
	assert_int_equal(u.uid, 4294967294u);
	img_user_free(&u);
}

/* --- errors name the user --------------------------------------------------------- */

static void test_unknown_names(void **state)
{
	struct fixture *f = *state;
	assert_fails(f, "bob", "user \"bob\": \"bob\" is not in the image's /etc/passwd (the image has none)");
	put_files(f);
	assert_fails(f, "mallory", "user \"mallory\": \"mallory\" is not in the image's /etc/passwd");
	assert_fails(f, "bob:nogroup", "user \"bob:nogroup\": group \"nogroup\" is not in the image's /etc/group");
}

static void test_bad_specs(void **state)
{
	struct fixture *f = *state;
	put_files(f);
	static const char *const bad[] = {":", "bob:", ":staff", "bob:staff:x", "::"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_fails(f, bad[i], "expected NAME, UID, NAME:GROUP or UID:GID");
	assert_fails(f, "4294967295", "uid 4294967295 out of range");
	assert_fails(f, "99999999999999999999", "out of range");
	assert_fails(f, "bob:4294967295", "gid 4294967295 out of range");
}

/* --- hostile files ---------------------------------------------------------------- */

static void test_malformed_lines(void **state)
{
	struct fixture *f = *state;
	char etc[160];
	snprintf(etc, sizeof(etc), "%s/etc", f->root);
	put(etc, "passwd",
	    "# comment:x:0:0\n"
	    "\n"
	    "short:x:7\n"               /* no gid field */
	    "neg:x:-1:0::/:/bin/sh\n"   /* negative */
	    "plus:x:+5:0::/:/bin/sh\n"  /* signed */
	    "big:x:4294967295:0::/:\n"  /* (uid_t)-1 */
	    "word:x:abc:0::/:\n"
	    ":x:9:9::/:\n"              /* no name */
	    "+nis:x:9:9::/:\n"
	    "crlf:x:33:44::/srv/crlf:/bin/sh\r\n"
	    "nohome:x:34:45\n"
	    "dup:x:40:40::/first:\n"
	    "dup:x:41:41::/second:\n");
	put(etc, "group", "g:x:zz:crlf\nok:x:60:crlf,,other\n:x:61:crlf\n");
	static const char *const skipped[] = {"short", "neg", "plus", "big", "word", "+nis", "nis"};
	for (size_t i = 0; i < ARRAY_SIZE(skipped); i++)
		assert_fails(f, skipped[i], "is not in the image's /etc/passwd");
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "crlf", &u, NULL), 0);
	assert_int_equal(u.uid, 33);
	assert_string_equal(u.home, "/srv/crlf");
	const gid_t want[] = {60};
	assert_groups(&u, want, 1);
	img_user_free(&u);
	assert_int_equal(img_resolve_user(f->rootfd, "nohome", &u, NULL), 0);
	assert_int_equal(u.gid, 45);
	assert_null(u.home);
	img_user_free(&u);
	assert_int_equal(img_resolve_user(f->rootfd, "dup", &u, NULL), 0);
	assert_int_equal(u.uid, 40); /* the first entry, as getpwnam */
	img_user_free(&u);
}

static void test_huge_line(void **state)
{
	struct fixture *f = *state;
	size_t n = 1u << 20;
	char *text = malloc(n + 64);
	memset(text, 'a', n);
	strcpy(text + n, ":x:1:1::/:\nbob:x:1000:100::/home/bob:\n");
	char etc[160];
	snprintf(etc, sizeof(etc), "%s/etc", f->root);
	put(etc, "passwd", text);
	free(text);
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "bob", &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	img_user_free(&u);
}

static void test_huge_file(void **state)
{
	struct fixture *f = *state;
	char path[200];
	snprintf(path, sizeof(path), "%s/etc/passwd", f->root);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	/* 64 MiB that cost no disk; the cap is far below. */
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	close(fd);
	assert_fails(f, "bob", "/etc/passwd: larger than");
}

/* The attack: an image whose /etc/passwd (or /etc) is a link to a host
 * file.  Resolved inside the root, the link leads nowhere: the host file,
 * which has the user, must never be read. */
static void test_links_out_of_root(void **state)
{
	struct fixture *f = *state;
	put(f->outside, "passwd", "evil:x:666:666::/evil:/bin/sh\n");
	put(f->outside, "group", "evilgrp:x:667:evil\n");
	char link[200], target[200];
	snprintf(link, sizeof(link), "%s/etc/passwd", f->root);
	snprintf(target, sizeof(target), "%s/passwd", f->outside);
	assert_int_equal(symlink(target, link), 0); /* absolute */
	snprintf(link, sizeof(link), "%s/etc/group", f->root);
	assert_int_equal(symlink("../../../../../../../../outside/group", link), 0);
	assert_fails(f, "evil", "is not in the image's /etc/passwd");
	assert_fails(f, "0:evilgrp", "is not in the image's /etc/group");
	/* /etc itself a link to the host directory */
	char etc[160];
	snprintf(etc, sizeof(etc), "%s/etc", f->root);
	jl_remove_tree_at(AT_FDCWD, etc, NULL);
	assert_int_equal(symlink(f->outside, etc), 0);
	assert_fails(f, "evil", "is not in the image's /etc/passwd");
}

/* A link that stays inside the root is the image's business: followed. */
static void test_link_inside_root(void **state)
{
	struct fixture *f = *state;
	char data[160], link[200];
	snprintf(data, sizeof(data), "%s/data", f->root);
	assert_int_equal(mkdir(data, 0755), 0);
	put(data, "pw", "inside:x:77:78::/in:\n");
	snprintf(link, sizeof(link), "%s/etc/passwd", f->root);
	assert_int_equal(symlink("/data/pw", link), 0);
	struct img_user u;
	assert_int_equal(img_resolve_user(f->rootfd, "inside", &u, NULL), 0);
	assert_int_equal(u.uid, 77);
	img_user_free(&u);
}

static void test_not_regular(void **state)
{
	struct fixture *f = *state;
	char path[200];
	snprintf(path, sizeof(path), "%s/etc/passwd", f->root);
	/* A fifo without a writer: opening or reading it must not hang. */
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_fails(f, "bob", "/etc/passwd: not a regular file");
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_fails(f, "bob", "/etc/passwd");
	/* a numeric user reads the file too, and must fail the same way */
	assert_fails(f, "1000", "/etc/passwd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_name),
		T(test_uid_with_entry),
		T(test_uid_without_entry),
		T(test_default_is_root),
		T(test_name_group),
		T(test_numbers_need_no_files),
		T(test_unknown_names),
		T(test_bad_specs),
		T(test_malformed_lines),
		T(test_huge_line),
		T(test_huge_file),
		T(test_links_out_of_root),
		T(test_link_inside_root),
		T(test_not_regular),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
