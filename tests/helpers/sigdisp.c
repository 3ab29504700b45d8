/* sigdisp [-i SIG]... [-b SIG]... -- CMD [ARG]...: run CMD with the given
 * signals ignored (-i) and blocked (-b), as a careless caller of the runtime
 * might leave them.  Both survive execve(2), so the runtime must undo them
 * for the container.  The raw syscalls, because glibc refuses to touch its
 * internal signals 32 and 33, and those are exactly the ones a test must be
 * able to set. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime/ksigaction.h"

static int usage(void)
{
	fprintf(stderr, "usage: sigdisp [-i SIG]... [-b SIG]... -- CMD [ARG]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct kernel_sigaction ign = {.handler = SIG_IGN};
	uint64_t block = 0;
	int i = 1;
	for (; i + 1 < argc && strcmp(argv[i], "--"); i += 2) {
		int sig = atoi(argv[i + 1]);
		if (sig < 1 || sig > 64)
			return usage();
		if (!strcmp(argv[i], "-i")) {
			if (syscall(SYS_rt_sigaction, sig, &ign, NULL, sizeof(ign.mask)) < 0) {
				perror("sigdisp: rt_sigaction");
				return 1;
			}
		} else if (!strcmp(argv[i], "-b")) {
			block |= 1ULL << (sig - 1);
		} else {
			return usage();
		}
	}
	if (i + 1 >= argc || strcmp(argv[i], "--"))
		return usage();
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, NULL, sizeof(block)) < 0) {
		perror("sigdisp: rt_sigprocmask");
		return 1;
	}
	execvp(argv[i + 1], argv + i + 1);
	perror(argv[i + 1]);
	return 127;
}
