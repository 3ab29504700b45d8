/* ptrace_attach PID: try PTRACE_ATTACH, as a neighbour in a shared pid
 * namespace would to take over a container's init (CVE-2016-9962).  Prints
 * the result; exits 0 only if the attach succeeded (and detaches again). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ptrace_attach PID\n");
		return 2;
	}
	pid_t pid = (pid_t)atoi(argv[1]);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
		printf("ptrace %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	printf("ptrace %d: attached\n", (int)pid);
	return 0;
}
