/* The processes of a cgroup: entering it, listing them (one cgroup or the
 * whole subtree), and signalling them.
 *
 * A container's cgroup is not always its own: like runc, jaula lets a
 * container join a cgroup that already holds processes (a pod's sidecars
 * share one).  So besides "signal everything in the cgroup" (cg_kill, for a
 * cgroup the container made) there is "signal these processes, and only
 * while they are still in this subtree" (cg_kill_pids, cg_kill_tree), which
 * never reaches a neighbour. */
#include "cgroups/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/util.h"

/* cgroup.procs of a busy cgroup: a few bytes per process. */
#define PROCS_MAX (64u << 20)
/* Deeper than this is no container's tree; stop before running out of fds. */
#define MAX_DEPTH 64
/* Parent links followed from a process towards the root of its tree. */
#define MAX_ANCESTRY 256

struct pid_vec {
	pid_t *v;
	size_t n, cap;
};

static void vec_add(struct pid_vec *p, pid_t pid)
{
	if (p->n == p->cap)
		p->v = xrealloc(p->v, (p->cap = p->cap ? 2 * p->cap : 16) * sizeof(*p->v));
	p->v[p->n++] = pid;
}

/* "12\n345\n" */
static void parse_procs(const char *text, struct pid_vec *out)
{
	for (const char *s = text; *s;) {
		char *end;
		long p = strtol(s, &end, 10);
		if (end == s)
			break;
		vec_add(out, (pid_t)p);
		s = end + strspn(end, "\n");
	}
}

int cg_enter(const struct cg_handle *h, pid_t pid, struct jl_err **err)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int r = jl_write_file_at(h->fd, "cgroup.procs", buf, (size_t)n, err);
	if (r < 0)
		return jl_err_wrap(err, "move %d into cgroup %s", (int)pid, h->path);
	return 0;
}

int cg_read_pids(const struct cg_handle *h, pid_t **pids, size_t *n, struct jl_err **err)
{
	char *text = NULL;
	int r = jl_read_file_at(h->fd, "cgroup.procs", PROCS_MAX, &text, NULL, err);
	if (r < 0)
		return jl_err_wrap(err, "cgroup %s", h->path);
	struct pid_vec v = {0};
	parse_procs(text, &v);
	free(text);
	*pids = v.v;
	*n = v.n;
	return 0;
}

/* --- the whole subtree ---------------------------------------------------- */

static int collect(int fd, const char *path, int depth, struct pid_vec *out,
		   struct jl_err **err);

/* Every cgroup directly below fd.  One that vanishes meanwhile (its last
 * process left and someone removed it) is simply not there any more. */
static int collect_children(int fd, const char *path, int depth, struct pid_vec *out,
			    struct jl_err **err)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	if (!d) {
		if (dup >= 0)
			close(dup);
		return jl_err_sys(err, "cgroup %s: list child cgroups", path);
	}
	cleanup_dir DIR *dir = d;
	/* The dup shares the directory offset with fd, which an earlier walk
	 * of the same handle left at the end. */
	rewinddir(dir);
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(dir))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cleanup_free char *sub = xasprintf("%s/%s", path, de->d_name);
		cleanup_close int cfd =
			openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (cfd < 0 && (errno == ENOENT || errno == ENODEV))
			continue;
		if (cfd < 0)
			return jl_err_sys(err, "open cgroup %s", sub);
		r = collect(cfd, sub, depth + 1, out, err);
	}
	return r;
}

/* The pids of the cgroup at fd and of every cgroup below it.  A threaded
 * cgroup cannot list processes (EOPNOTSUPP): its threaded domain above
 * already lists them. */
static int collect(int fd, const char *path, int depth, struct pid_vec *out,
		   struct jl_err **err)
{
	if (depth > MAX_DEPTH)
		return jl_err_set(err, ELOOP, "cgroup %s: nested more than %d levels deep", path,
				  MAX_DEPTH);
	char *text = NULL;
	int r = jl_read_file_at(fd, "cgroup.procs", PROCS_MAX, &text, NULL, NULL);
	if (r == 0) {
		parse_procs(text, out);
		free(text);
	} else if (depth == 0 || (r != -ENOENT && r != -ENODEV && r != -EOPNOTSUPP)) {
		return jl_err_set(err, -r, "cgroup %s: read cgroup.procs", path);
	}
	return collect_children(fd, path, depth, out, err);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int cg_read_tree_pids(const struct cg_handle *h, pid_t **pids, size_t *n, struct jl_err **err)
{
	struct pid_vec v = {0};
	int r = collect(h->fd, h->path, 0, &v, err);
	if (r < 0) {
		free(v.v);
		return r;
	}
	/* Sorted (ps prints them so, cg_kill_pids searches them) and each
	 * once: a process moving between two cgroups mid-walk can be read in
	 * both. */
	if (v.n)
		qsort(v.v, v.n, sizeof(*v.v), cmp_pid);
	size_t k = 0;
	for (size_t i = 0; i < v.n; i++)
		if (k == 0 || v.v[k - 1] != v.v[i])
			v.v[k++] = v.v[i];
	*pids = v.v;
	*n = k;
	return 0;
}

/* --- signalling everything ------------------------------------------------ */

static int kill_walk(const struct cg_handle *h, int sig, struct jl_err **err)
{
	/* Without cgroup.kill a fork racing with the walk can escape one pass;
	 * for SIGKILL repeat until the cgroup is empty or nothing new shows up. */
	for (int pass = 0; pass < 100; pass++) {
		pid_t *pids = NULL;
		size_t n = 0;
		int r = cg_read_tree_pids(h, &pids, &n, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig);
		free(pids);
		if (sig != SIGKILL || n == 0)
			return 0;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

int cg_kill(const struct cg_handle *h, int sig, struct jl_err **err)
{
	if (sig == SIGKILL) {
		int fd = openat(h->fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			int r = jl_write_all(fd, "1", 1);
			close(fd);
			if (r == 0)
				return 0;
		}
	}
	return kill_walk(h, sig, err);
}

/* --- signalling some ------------------------------------------------------ */

static bool has_pid(const pid_t *sorted, size_t n, pid_t pid)
{
	return n && bsearch(&pid, sorted, n, sizeof(*sorted), cmp_pid);
}

/* A pidfd is readable once its process has exited. */
static bool pidfd_alive(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

/* Each pidfd is opened before the subtree is read: a pid listed by the read
 * may have exited and been reused since it was asked for, but a pidfd that
 * is still alive after the read names the very process the read listed. */
int cg_kill_pids(const struct cg_handle *h, const pid_t *pids, size_t n, int sig,
		 struct jl_err **err)
{
	int *fds = xmalloc((n ? n : 1) * sizeof(*fds));
	for (size_t i = 0; i < n; i++)
		fds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
	pid_t *members = NULL;
	size_t m = 0;
	int r = cg_read_tree_pids(h, &members, &m, err);
	int sent = 0;
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0 && r == 0 && has_pid(members, m, pids[i]) && pidfd_alive(fds[i]) &&
		    syscall(SYS_pidfd_send_signal, fds[i], sig, NULL, 0) == 0) {
			sent++;
			continue;
		}
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
	/* Killed is not gone: a process leaves cgroup.procs only when its exit
	 * completes, and one whose parent died first can no longer be told
	 * from a neighbour's to be waited for later.  Wait for each here. */
	for (size_t i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		if (sig == SIGKILL) {
			struct pollfd p = {.fd = fds[i], .events = POLLIN};
			while (poll(&p, 1, 1000) < 0 && errno == EINTR)
				;
		}
		close(fds[i]);
	}
	free(fds);
	free(members);
	return r < 0 ? r : sent;
}

/* The parent of pid from /proc/PID/stat ("pid (comm) S ppid ..."; comm may
 * hold spaces and parentheses, so read after the last ')'), or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	char *close_paren = strrchr(buf, ')');
	char state;
	int ppid;
	if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	return (pid_t)ppid;
}

static bool descends_from(pid_t pid, pid_t root)
{
	for (int i = 0; i < MAX_ANCESTRY && pid > 1; i++) {
		if (pid == root)
			return true;
		pid = parent_of(pid);
	}
	return pid == root;
}

/* One pass: signal the subtree's processes that are root or below it. */
static int kill_tree_pass(const struct cg_handle *h, pid_t root, int sig, struct jl_err **err)
{
	pid_t *members = NULL;
	size_t m = 0;
	int r = cg_read_tree_pids(h, &members, &m, err);
	if (r < 0)
		return r;
	struct pid_vec mine = {0};
	for (size_t i = 0; i < m; i++)
		if (descends_from(members[i], root))
			vec_add(&mine, members[i]);
	free(members);
	r = mine.n ? cg_kill_pids(h, mine.v, mine.n, sig, err) : 0;
	free(mine.v);
	return r;
}

/* A process forked while a pass runs is signalled by the next one; for
 * SIGKILL passes repeat until none is left.  Descendants that were
 * reparented out of the tree (their parent died first, without a pid
 * namespace to take them along) cannot be told from a neighbour's and are
 * left alone. */
int cg_kill_tree(const struct cg_handle *h, pid_t root, int sig, struct jl_err **err)
{
	if (root <= 1)
		return jl_err_set(err, 0, "cgroup %s: no process tree to signal (pid %d)", h->path,
				  (int)root);
	int total = 0;
	for (int pass = 0; pass < 100; pass++) {
		int r = kill_tree_pass(h, root, sig, err);
		if (r < 0)
			return r;
		total += r;
		if (sig != SIGKILL || r == 0)
			break;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return total;
}
