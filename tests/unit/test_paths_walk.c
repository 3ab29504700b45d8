/* jl_open_in_root_walk, the fd walk used where openat2 is missing, must
 * resolve exactly as openat2(RESOLVE_IN_ROOT) does: the same inode or the
 * same error for every path of a hostile tree (links out by "..", absolute
 * links, links to "." and loops), and never a file outside the root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/paths.h"

static char base[64];
static int rootfd = -1;

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/test_paths_walk.XXXXXX");
	if (!mkdtemp(base))
		return -1;
	/* base/outside/secret must never be reached from base/root. */
	sh("cd %s && mkdir -p root/a/b outside root/outside && echo secret >outside/secret && "
	   "echo in >root/a/b/file && echo decoy >root/outside/secret && "
	   "ln -s /a root/abs && ln -s ../../../a root/up && ln -s ../../.. root/a/esc && "
	   "ln -s ../outside/secret root/a/out && ln -s /../../outside/secret root/absout && "
	   "ln -s loop2 root/loop1 && ln -s loop1 root/loop2 && ln -s . root/dot && "
	   "ln -s /proc/self/root root/magic && ln -s b/file root/a/rel && ln -s a/rel root/chain",
	   base);
	char root[96];
	snprintf(root, sizeof(root), "%s/root", base);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfd);
	sh("rm -rf %s", base);
	return 0;
}

static int kernel_open(const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	while (*path == '/')
		path++;
	int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static const char *const paths[] = {
	"a/b/file", "/a/b/file", "a/b/../../a/b/file", "/../../../a/b/file", "abs/b/file",
	"up/b/file", "a/esc/a/b/file", "a/esc/outside/secret", "a/out", "absout", "loop1",
	"dot/dot/a/rel", "chain", "a/b/file/x", "missing", "a/missing/x", "magic/a/b/file",
	"", "/", "..", "a/..", "dot", "a/esc",
};

/* Same inode, or the same error; and the content is never the host's. */
static void compare(int flags)
{
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		int k = kernel_open(paths[i], flags);
		if (k == -ENOSYS)
			skip();
		int w = jl_open_in_root_walk(rootfd, paths[i], flags);
		if (k < 0 || w < 0) {
			if (k != w)
				fail_msg("%s: openat2 %d, walk %d", paths[i], k, w);
		} else {
			struct stat a, b;
			assert_int_equal(fstat(k, &a), 0);
			assert_int_equal(fstat(w, &b), 0);
			if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
				fail_msg("%s: different files", paths[i]);
			char buf[16] = {0};
			if (!(flags & O_PATH) && S_ISREG(b.st_mode) && read(w, buf, 15) > 0)
				assert_null(strstr(buf, "secret"));
		}
		if (k >= 0)
			close(k);
		if (w >= 0)
			close(w);
	}
}

static void test_read(void **state)
{
	(void)state;
	compare(O_RDONLY);
}

static void test_path(void **state)
{
	(void)state;
	compare(O_PATH);
}

static void test_nofollow(void **state)
{
	(void)state;
	compare(O_PATH | O_NOFOLLOW);
}

/* O_CREAT through a dangling absolute link creates inside the root. */
static void test_create_through_link(void **state)
{
	(void)state;
	assert_int_equal(symlinkat("/newfile", rootfd, "dangling"), 0);
	int fd = jl_open_in_root_walk(rootfd, "dangling", O_WRONLY | O_CREAT);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(faccessat(rootfd, "newfile", F_OK, 0), 0);
	char host[96];
	snprintf(host, sizeof(host), "%s/newfile", base);
	assert_int_equal(access(host, F_OK), -1);
	assert_int_equal(access("/newfile", F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_nofollow),
		cmocka_unit_test(test_create_through_link),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
