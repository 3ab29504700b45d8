/* The sandbox's watchdog.  Where cgroup v2 has no memory or pids controller
 * (hybrid hosts) per-process rlimits are all the kernel offers, and they
 * do not add up: ten processes under a 512M RLIMIT_AS hold 5G.  So while
 * the sandbox runs, every tick we read /proc/N/stat of every process (a
 * file anyone may read, so a program that makes itself non-dumpable does
 * not hide), pick the sandbox's by following parent links up to its pid 1
 * (orphans are re-parented to that pid 1: its pid namespace's reaper), and
 * add up resident memory, processes and CPU time.  The CPU time of a
 * process that was waited for is in its parent's cutime/cstime, so the sum
 * over the live tree counts every process once.  A limit crossed, or the
 * wall clock run out: SIGKILL to pid 1, and the kernel kills the rest of
 * its pid namespace with it.  With -t the same loop relays the pty. */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/sandbox_internal.h"
#include "runtime/tty_relay.h"

#define TICK_MS 50

struct proc_entry {
	pid_t pid, ppid;
	uint64_t rss_pages;
	uint64_t ticks; /* utime + stime + cutime + cstime */
	int8_t in;      /* 0: not yet known, 1: the sandbox's, -1: not */
};

struct usage {
	uint64_t rss_bytes;
	uint64_t procs;
	double cpu_sec;
};

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Fields after the command name, which may hold spaces and ')'. */
static bool read_stat(int procfd, const char *name, struct proc_entry *e)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "%.40s/stat", name);
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ut, st, cut, cst, rss;
	int ppid;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice threads itreal
	 * starttime vsize rss */
	if (!p || sscanf(p + 1,
			 " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu"
			 " %*d %*d %*d %*d %*u %*u %llu",
			 &ppid, &ut, &st, &cut, &cst, &rss) != 6)
		return false;
	e->pid = atoi(name);
	e->ppid = ppid;
	e->ticks = ut + st + cut + cst;
	e->rss_pages = rss;
	e->in = 0;
	return true;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static struct proc_entry *find(struct proc_entry *v, size_t n, pid_t pid)
{
	struct proc_entry key = {.pid = pid};
	return bsearch(&key, v, n, sizeof(*v), by_pid);
}

/* Is e below root?  Walks up until an answer is known, then writes it on
 * the whole chain (room for n entries), so each process is visited about
 * once however deep the tree. */
static int8_t belongs(struct proc_entry *v, size_t n, struct proc_entry *e, pid_t root,
		      struct proc_entry **chain)
{
	size_t depth = 0;
	int8_t answer = -1;
	for (struct proc_entry *c = e; c && depth < n;) {
		if (c->in) {
			answer = c->in;
			break;
		}
		chain[depth++] = c;
		if (c->pid == root) {
			answer = 1;
			break;
		}
		c = c->ppid > 1 ? find(v, n, c->ppid) : NULL;
	}
	for (size_t i = 0; i < depth; i++)
		chain[i]->in = answer;
	return answer;
}

static void measure(pid_t root, struct usage *u)
{
	static struct proc_entry *v, **chain;
	static size_t cap;
	size_t n = 0;
	memset(u, 0, sizeof(*u));
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = procfd >= 0 ? fdopendir(procfd) : NULL;
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 512;
			v = xrealloc(v, cap * sizeof(*v));
			chain = xrealloc(chain, cap * sizeof(*chain));
		}
		if (read_stat(procfd, de->d_name, &v[n]))
			n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), by_pid);
	uint64_t ticks = 0, pages = 0;
	for (size_t i = 0; i < n; i++) {
		if (belongs(v, n, &v[i], root, chain) != 1)
			continue;
		u->procs++;
		pages += v[i].rss_pages;
		ticks += v[i].ticks;
	}
	u->rss_bytes = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	u->cpu_sec = (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

struct watch_state {
	const struct sbx_watch *w;
	struct jl_sandbox_result *res;
	double start;
	bool killed;
	struct jl_tty_relay relay; /* with w->master only */
};

static void kill_for(struct watch_state *s, char *reason)
{
	if (s->killed) {
		free(reason);
		return;
	}
	s->killed = true;
	s->res->reason = reason;
	syscall(SYS_pidfd_send_signal, s->w->pidfd, SIGKILL, NULL, 0);
}

static void check_limits(struct watch_state *s)
{
	const struct sbx_limits *l = s->w->lim;
	struct usage u;
	char size[32];
	measure(s->w->pid, &u);
	if (u.rss_bytes > s->res->peak_memory)
		s->res->peak_memory = u.rss_bytes;
	if (u.cpu_sec > s->res->cpu_sec)
		s->res->cpu_sec = u.cpu_sec;
	if (now_sec() - s->start >= (double)l->wall_sec)
		kill_for(s, xasprintf("wall-clock timeout %llus", (unsigned long long)l->wall_sec));
	else if (u.rss_bytes > l->memory) {
		sbx_format_size(l->memory, size);
		kill_for(s, xasprintf("memory limit %s exceeded", size));
	} else if (u.procs >= l->pids)
		kill_for(s, xasprintf("pid limit %llu reached", (unsigned long long)l->pids));
	else if (u.cpu_sec >= (double)l->cpu_sec)
		kill_for(s, xasprintf("CPU time limit %llus", (unsigned long long)l->cpu_sec));
}

/* Signals for us go to the program (run does the same): ^C stops it. */
static void forward_signal(struct watch_state *s, int sigfd)
{
	struct signalfd_siginfo si;
	if (read(sigfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD)
		return;
	/* Our window changed: the pty's size follows, and its kernel side
	 * signals the program. */
	if (si.ssi_signo == SIGWINCH && s->w->master >= 0) {
		jl_tty_relay_winch(&s->relay);
		return;
	}
	syscall(SYS_pidfd_send_signal, s->w->pidfd, (int)si.ssi_signo, NULL, 0);
}

/* A program the kernel stopped for a limit of its own (the rlimits). */
static char *judge_signal(const struct sbx_limits *l, int sig, double cpu_sec)
{
	char size[32];
	if (sig == SIGXCPU || (sig == SIGKILL && cpu_sec >= (double)l->cpu_sec))
		return xasprintf("CPU time limit %llus", (unsigned long long)l->cpu_sec);
	if (sig == SIGXFSZ) {
		sbx_format_size(l->fsize, size);
		return xasprintf("file size limit %s", size);
	}
	return NULL;
}

void sbx_watch_settle(const struct sbx_limits *l, int status, struct jl_sandbox_result *res)
{
	res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	res->exit_status = res->signal ? 128 + res->signal : WEXITSTATUS(status);
	if (res->signal && !res->reason)
		res->reason = judge_signal(l, res->signal, res->cpu_sec);
}

static void finish(struct watch_state *s, int status, const struct rusage *ru)
{
	struct jl_sandbox_result *r = s->res;
	r->wall_sec = now_sec() - s->start;
	double cpu = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
		     (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
	if (cpu > r->cpu_sec)
		r->cpu_sec = cpu;
	if ((uint64_t)ru->ru_maxrss * 1024 > r->peak_memory)
		r->peak_memory = (uint64_t)ru->ru_maxrss * 1024;
	sbx_watch_settle(s->w->lim, status, r);
}

/* Until pid 1 exits: signals, the pty's bytes, and every TICK_MS (not on
 * every byte relayed: a scan of /proc is not free) the limits. */
static int watch_loop(struct watch_state *s, int sigfd, struct jl_err **err)
{
	const struct sbx_watch *w = s->w;
	double next_tick = now_sec() + TICK_MS / 1000.0;
	for (;;) {
		struct pollfd p[4] = {{.fd = w->pidfd, .events = POLLIN},
				      {.fd = sigfd, .events = POLLIN},
				      {.fd = -1},
				      {.fd = -1}};
		if (w->master >= 0)
			jl_tty_relay_pollfds(&s->relay, &p[2]);
		int wait_ms = (int)((next_tick - now_sec()) * 1000.0) + 1;
		if (poll(p, 4, wait_ms > 0 ? wait_ms : 0) < 0 && errno != EINTR)
			return jl_err_sys(err, "wait for the sandbox");
		if (p[1].revents & POLLIN)
			forward_signal(s, sigfd);
		if (w->master >= 0)
			jl_tty_relay_io(&s->relay, &p[2]);
		if (p[0].revents & POLLIN)
			return 0;
		if (now_sec() >= next_tick) {
			check_limits(s);
			next_tick = now_sec() + TICK_MS / 1000.0;
		}
	}
}

int sbx_watch_run(const struct sbx_watch *w, struct jl_sandbox_result *res,
		  struct jl_err **err)
{
	struct watch_state s = {.w = w, .res = res, .start = now_sec()};
	sigset_t all;
	sigfillset(&all);
	cleanup_close int sigfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (w->master >= 0)
		jl_tty_relay_begin(&s.relay, w->master);
	int r = watch_loop(&s, sigfd, err);
	if (w->master >= 0) {
		jl_tty_relay_drain(&s.relay);
		jl_tty_relay_end(&s.relay);
	}
	if (r < 0)
		return r;
	int status;
	struct rusage ru;
	while (wait4(w->pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return jl_err_sys(err, "wait for the sandbox");
	finish(&s, status, &ru);
	return 0;
}
