/* memhog MIB: allocate MIB mebibytes one at a time and touch every page, so
 * the memory is really charged to the cgroup (an untouched mmap costs
 * nothing), then print "allocated MIB MiB".  Under a lower memory.max the
 * OOM killer ends it with SIGKILL before it gets there. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: memhog MIB\n");
		return 2;
	}
	long mib = strtol(argv[1], NULL, 10);
	for (long i = 0; i < mib; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED) {
			printf("memhog: mmap failed after %ld MiB: %s\n", i, strerrorname_np(errno));
			return 1;
		}
		/* non-zero bytes: a zero page could be shared, not charged */
		memset(p, 0x5a, 1 << 20);
	}
	printf("allocated %ld MiB\n", mib);
	return 0;
}
