/* forker N: fork up to N children that sleep, stop at the first failing
 * fork, kill them all and print "forked=K errno=NAME" (NAME "none" when all
 * N forks worked).  Exit 0 when a fork failed, 3 when none did: pids.max
 * should make fork(2) fail with EAGAIN. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: forker N\n");
		return 2;
	}
	int n = atoi(argv[1]), k = 0, saved = 0;
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	for (; k < n; k++) {
		pid_t p = fork();
		if (p < 0) {
			saved = errno;
			break;
		}
		if (p == 0) {
			pause();
			_exit(0);
		}
		kids[k] = p;
	}
	for (int i = 0; i < k; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < k; i++)
		waitpid(kids[i], NULL, 0);
	printf("forked=%d errno=%s\n", k, saved ? strerrorname_np(saved) : "none");
	return saved ? 0 : 3;
}
