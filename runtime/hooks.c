#include "runtime/hooks.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/util.h"

static void exec_hook(const struct spec_hook *h, int in)
{
	/* The runtime ignores SIGPIPE and may block signals; a hook starts
	 * with the defaults, like any program. */
	signal(SIGPIPE, SIG_DFL);
	/* Its own process group, so a timeout kills what the hook started
	 * too (a script's `sleep`), not just the script. */
	setpgid(0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0)
		_exit(127);
	char *const *argv = (char *const *)h->args.v;
	char *fallback[] = {(char *)h->path, NULL};
	if (!h->args.n)
		argv = fallback;
	/* No "env" at all: the runtime's own environment, as runc and crun
	 * give it ("env": [] is an empty one).  In the init, that one was
	 * wiped (init.c): createContainer and startContainer hooks without
	 * env start empty, as in runc. */
	extern char **environ;
	char *empty[] = {NULL};
	char *const *envp = h->has_env ? (h->env.n ? (char *const *)h->env.v : empty) : environ;
	execve(h->path, argv, envp);
	_exit(127);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Feed stdin and wait, both under the timeout: a hook that never reads its
 * stdin must not block us once the pipe buffer is full. */
static int feed_and_wait(pid_t pid, int pidfd, int out, const char *data, long deadline)
{
	size_t len = strlen(data), off = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = out, .events = POLLOUT}};
		int n = out >= 0 ? 2 : 1;
		int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left <= 0)
			return -ETIMEDOUT;
		if (poll(p, (nfds_t)n, left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents)
			break;
		if (out >= 0 && p[1].revents) {
			/* MSG_NOSIGNAL: a hook that exits without reading its
			 * stdin is EPIPE for us, never a SIGPIPE (the init runs
			 * startContainer hooks with default signal handlers). */
			ssize_t w = send(out, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
				close(out);
				out = -1;
			}
		}
	}
	if (out >= 0)
		close(out);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status;
}

static int run_one(const struct spec_hook *h, const char *what, const char *state,
		   struct jl_err **err)
{
	/* A socket rather than a pipe for the hook's stdin: see feed_and_wait. */
	int pipefd[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipefd) < 0)
		return jl_err_sys(err, "%s: socketpair", what);
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return jl_err_sys(err, "%s: fork", what);
	}
	if (pid == 0)
		exec_hook(h, pipefd[0]);
	setpgid(pid, pid); /* also here: the kill below must not race the child's */
	close(pipefd[0]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		close(pipefd[1]);
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return jl_err_sys(err, "%s: pidfd_open", what);
	}
	long deadline = h->has_timeout ? now_ms() + (long)h->timeout * 1000 : -1;
	int status = feed_and_wait(pid, pidfd, pipefd[1], state, deadline);
	close(pidfd);
	if (status == -ETIMEDOUT) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return jl_err_set(err, ETIMEDOUT, "%s: timed out after %d s", what, h->timeout);
	}
	if (status < 0)
		return jl_err_set(err, -status, "%s: wait", what);
	if (WIFSIGNALED(status))
		return jl_err_set(err, 0, "%s: killed by signal %d", what, WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		return jl_err_set(err, 0, "%s: exited with status 127 (could it be executed?)",
				  what);
	if (WEXITSTATUS(status))
		return jl_err_set(err, 0, "%s: exited with status %d", what, WEXITSTATUS(status));
	return 0;
}

static int run_list(const struct spec *s, enum spec_hook_kind kind, const char *state_json,
		    bool warn_only, struct jl_err **err)
{
	const struct spec_hook_list *l = &s->hooks[kind];
	for (size_t i = 0; i < l->n; i++) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "%s hook[%zu] \"%s\"", spec_hook_name(kind), i,
			 l->v[i].path);
		jl_debug("running %s", what);
		if (!warn_only) {
			int r = run_one(&l->v[i], what, state_json, err);
			if (r < 0)
				return r;
			continue;
		}
		struct jl_err *e = NULL;
		if (run_one(&l->v[i], what, state_json, &e) < 0)
			jl_warn("%s", e->msg);
		jl_err_free(&e);
	}
	return 0;
}

int jl_hooks_run(const struct spec *s, enum spec_hook_kind kind, const char *state_json,
		 struct jl_err **err)
{
	return run_list(s, kind, state_json, false, err);
}

void jl_hooks_run_warn(const struct spec *s, enum spec_hook_kind kind, const char *state_json)
{
	run_list(s, kind, state_json, true, NULL);
}
