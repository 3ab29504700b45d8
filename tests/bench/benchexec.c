/* benchexec: time commands with CLOCK_MONOTONIC, from just before the first
 * fork to just after the last wait, so the driver's own start-up (and bash's)
 * never lands in a sample.
 *
 *   benchexec [-n N] -- CMD ARGS... [--then CMD ARGS...]...
 *       Runs the chain of commands N times (default 1), each command after
 *       the previous one exited 0, and prints one line per iteration: the
 *       chain's wall time in nanoseconds.
 *   benchexec -p N -- CMD ARGS...
 *       Starts N copies of CMD at once ("%i" in an argument becomes the copy's
 *       index) and prints "WALL_NS FAILURES" when all have exited.
 *   -i FILE   every child reads FILE as stdin (opened afresh per child): a
 *             CNI plugin takes its configuration there.
 *   A command may start with NAME=VALUE words, set in that child's
 *   environment only (as env(1) would, without its extra exec): a CNI
 *   plugin's CNI_COMMAND differs between the ADD and the DEL of one chain.
 *
 * Children get /dev/null (or -i FILE) as stdin and /dev/null as stdout (a
 * detached container's init inherits them: a pipe there would keep the
 * caller waiting) and inherit stderr.  Exit status: 0 when every command exited 0, 1 otherwise, 2 on a
 * usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHAIN 8

struct chain {
	char **cmd[MAX_CHAIN];
	int len;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: benchexec [-i FILE] [-n N] -- [NAME=VALUE...] CMD... [--then CMD...]...\n"
			"       benchexec -p N -- CMD...   (%%i in CMD = copy index)\n");
	exit(2);
}

/* Split argv at each "--then" (the words are cut in place). */
static int parse_chain(char **argv, struct chain *c)
{
	c->len = 0;
	c->cmd[c->len++] = argv;
	for (char **a = argv; *a; a++) {
		if (strcmp(*a, "--then") != 0)
			continue;
		*a = NULL;
		if (c->len == MAX_CHAIN || !a[1])
			return -1;
		c->cmd[c->len++] = a + 1;
	}
	return c->cmd[0][0] ? 0 : -1;
}

static const char *stdin_file;

static void child_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		_exit(127);
	if (stdin_file) {
		int in = open(stdin_file, O_RDONLY);
		if (in < 0) {
			fprintf(stderr, "benchexec: %s: %s\n", stdin_file, strerror(errno));
			_exit(127);
		}
		dup2(in, 0);
		if (in > 2)
			close(in);
	} else {
		dup2(fd, 0);
	}
	dup2(fd, 1);
	if (fd > 2)
		close(fd);
}

/* A leading NAME=VALUE word (NAME a shell identifier). */
static int is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	if (!eq || eq == w || !(w[0] == '_' || (w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z')))
		return 0;
	for (const char *p = w; p < eq; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static pid_t spawn(char **argv)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	child_stdio();
	while (argv[0] && argv[1] && is_assignment(argv[0]))
		putenv(*argv++);
	execvp(argv[0], argv);
	fprintf(stderr, "benchexec: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* 0 when the child exited 0; reports anything else on stderr. */
static int reap(pid_t pid, const char *name)
{
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			perror("benchexec: waitpid");
			return -1;
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		fprintf(stderr, "benchexec: %s exited %d\n", name, WEXITSTATUS(st));
	else
		fprintf(stderr, "benchexec: %s killed by signal %d\n", name, WTERMSIG(st));
	return -1;
}

static int run_chain(const struct chain *c, uint64_t *ns)
{
	uint64_t t0 = now_ns();
	for (int i = 0; i < c->len; i++) {
		pid_t pid = spawn(c->cmd[i]);
		if (pid < 0) {
			perror("benchexec: fork");
			return -1;
		}
		if (reap(pid, c->cmd[i][0]) < 0)
			return -1;
	}
	*ns = now_ns() - t0;
	return 0;
}

static int sequential(char **argv, long n)
{
	struct chain c;
	if (parse_chain(argv, &c) < 0)
		usage();
	for (long i = 0; i < n; i++) {
		uint64_t ns;
		if (run_chain(&c, &ns) < 0)
			return 1;
		printf("%llu\n", (unsigned long long)ns);
	}
	return 0;
}

/* argv with every "%i" replaced by idx; the copy lives until exec. */
static char **with_index(char **argv, long idx)
{
	int n = 0;
	while (argv[n])
		n++;
	char **out = calloc((size_t)n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (int i = 0; i < n; i++) {
		const char *p = strstr(argv[i], "%i");
		if (!p) {
			out[i] = argv[i];
			continue;
		}
		if (asprintf(&out[i], "%.*s%ld%s", (int)(p - argv[i]), argv[i], idx, p + 2) < 0)
			return NULL;
	}
	return out;
}

static int parallel(char **argv, long n)
{
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	char ***cmds = calloc((size_t)n, sizeof(*cmds));
	if (!pids || !cmds)
		return 1;
	/* Build every argv first so the timed part is only fork/exec/wait. */
	for (long i = 0; i < n; i++)
		if (!(cmds[i] = with_index(argv, i)))
			return 1;
	long failures = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pids[i] = spawn(cmds[i]);
		if (pids[i] < 0)
			failures++;
	}
	for (long i = 0; i < n; i++)
		if (pids[i] > 0 && reap(pids[i], cmds[i][0]) < 0)
			failures++;
	printf("%llu %ld\n", (unsigned long long)(now_ns() - t0), failures);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	long n = 1, par = 0;
	int opt;
	while ((opt = getopt(argc, argv, "+n:p:i:")) != -1) {
		if (opt == 'i')
			stdin_file = optarg;
		else if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else if (opt == 'p')
			par = strtol(optarg, NULL, 10);
		else
			usage();
	}
	if (optind >= argc || n < 1 || par < 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	return par ? parallel(argv + optind, par) : sequential(argv + optind, n);
}
