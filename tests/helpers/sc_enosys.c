/* sc_enosys CALL...: make each call and print one line "CALL RESULT", where
 * RESULT is "ok" or the errno's name (ENOSYS, EPERM, ...).  A CALL is
 *   clone3   what glibc's posix_spawn and pthread_create try first: a real
 *            clone3(2) of a child that exits at once; on ENOSYS the line is
 *            followed by "fork RESULT", glibc's fallback to clone(2)
 *   NUMBER   that syscall with every argument -1, so that a call the
 *            filter lets through fails harmlessly in the kernel.
 * sc_enosys --highest prints the largest syscall number this kernel
 * implements (run it without a filter): the test needs a real call newer
 * than anything a profile names.
 * Static, for the busybox rootfs (tests/integration/lib/mkrootfs.sh). */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALL_ONES (~0UL)

static void report(const char *what, long r)
{
	printf("%s %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
	fflush(stdout);
}

static long reap(long pid)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0 && waitpid((pid_t)pid, NULL, 0) < 0)
		return -1;
	return pid;
}

static void call_clone3(void)
{
	struct clone_args args = {.exit_signal = SIGCHLD};
	long r = reap(syscall(SYS_clone3, &args, sizeof(args)));
	report("clone3", r);
	if (r < 0 && errno == ENOSYS)
		report("fork", reap(fork()));
}

static void call_number(const char *arg)
{
	char *end;
	long nr = strtol(arg, &end, 0);
	if (*end || nr < 0) {
		fprintf(stderr, "sc_enosys: \"%s\": not a syscall number\n", arg);
		exit(2);
	}
	report(arg, syscall(nr, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES));
}

/* Numbers between the last call and 1023 are unassigned and answer ENOSYS
 * without doing anything (x86_64's x32-only 512-547 too, since Linux 5.4),
 * so scan down from there: the first other answer is the newest call, made
 * with invalid arguments.  Nothing older than clone3 is ever tried. */
static int print_highest(void)
{
	for (long nr = 1023; nr > SYS_clone3; nr--) {
		errno = 0;
		long r = syscall(nr, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES, ALL_ONES);
		if (r >= 0 || errno != ENOSYS) {
			printf("%ld\n", nr);
			return 0;
		}
	}
	fprintf(stderr, "sc_enosys: no syscall above clone3 on this kernel\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sc_enosys --highest | sc_enosys clone3|NUMBER...\n");
		return 2;
	}
	if (!strcmp(argv[1], "--highest"))
		return print_highest();
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "clone3"))
			call_clone3();
		else
			call_number(argv[i]);
	}
	return 0;
}
