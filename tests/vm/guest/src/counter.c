/* counter FILE: count up forever, rewriting FILE with the current number
 * every 20 ms.  A frozen cgroup stops the count; a thawed one resumes it. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: counter FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	struct timespec ts = {0, 20 * 1000 * 1000};
	for (unsigned long n = 1;; n++) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%lu\n", n);
		/* same length or longer each time: no truncate needed */
		if (pwrite(fd, buf, (size_t)len, 0) != len)
			return 1;
		nanosleep(&ts, NULL);
	}
}
