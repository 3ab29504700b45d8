/* tryopen PATH r|w: open PATH for reading (and read a byte) or writing (and
 * write a byte); print "ok" or the errno name of the step that failed
 * ("open: EPERM").  End of file counts as a successful read (/dev/null).  Exit 0 on success, 1 on failure.  The device cgroup
 * program answers at open(2) time, so this tells its verdict apart from the
 * shell's generic "can't create" message. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "r") && strcmp(argv[2], "w"))) {
		fprintf(stderr, "usage: tryopen PATH r|w\n");
		return 2;
	}
	int w = argv[2][0] == 'w';
	int fd = open(argv[1], w ? O_WRONLY : O_RDONLY);
	if (fd < 0) {
		printf("open: %s\n", strerrorname_np(errno));
		return 1;
	}
	char c = 'x';
	ssize_t n = w ? write(fd, &c, 1) : read(fd, &c, 1);
	if (n < 0 || (w && n != 1)) {
		printf("%s: %s\n", w ? "write" : "read", n < 0 ? strerrorname_np(errno) : "short");
		return 1;
	}
	printf("ok\n");
	return 0;
}
