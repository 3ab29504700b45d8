#include "runtime/process.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/sched/types.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/init.h"
#include "runtime/ksigaction.h"
#include "runtime/log.h"
#include "runtime/procfs.h"
#include "runtime/util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* --- attributes ----------------------------------------------------------- */

int jl_process_set_oom_score_adj(struct jl_procfs *proc, const char *who, int v,
				 struct jl_err **err)
{
	char buf[16], path[64];
	int n = snprintf(buf, sizeof(buf), "%d", v);
	snprintf(path, sizeof(path), "%s/oom_score_adj", who);
	int r = jl_procfs_write(proc, path, buf, (size_t)n, err);
	if (r < 0)
		return jl_err_wrap(err, "process.oomScoreAdj %d%s", v,
				   r == -EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
	return 0;
}

static int set_rlimits(const struct spec_process *p, struct jl_err **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *l = &p->rlimits[i];
		struct rlimit rl = {.rlim_cur = l->soft, .rlim_max = l->hard};
		if (setrlimit(l->resource, &rl) < 0)
			return jl_err_sys(err, "process.rlimits[%zu]: set %s to %llu/%llu%s", i,
					  l->name, (unsigned long long)l->soft,
					  (unsigned long long)l->hard,
					  errno == EPERM ? " (above the hard limit needs "
							   "CAP_SYS_RESOURCE)"
							 : "");
	}
	return 0;
}

static int set_personality(const struct spec_personality *pers, struct jl_err **err)
{
	if (!pers->set)
		return 0;
	unsigned long dom;
	if (jl_streq(pers->domain, "LINUX"))
		dom = PER_LINUX;
	else if (jl_streq(pers->domain, "LINUX32"))
		dom = PER_LINUX32;
	else
		return jl_err_set(err, 0, "linux.personality.domain: unknown domain \"%s\"",
				  pers->domain ? pers->domain : "");
	if (personality(dom) < 0)
		return jl_err_sys(err, "linux.personality: set %s", pers->domain);
	return 0;
}

static int set_scheduler(const struct spec_scheduler *s, struct jl_err **err)
{
	if (!s->set)
		return 0;
	struct sched_attr a = {
		.size = sizeof(a),
		.sched_policy = (uint32_t)s->policy,
		.sched_flags = s->flags,
		.sched_nice = s->nice,
		.sched_priority = (uint32_t)s->priority,
		.sched_runtime = s->runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
	};
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return jl_err_sys(err, "process.scheduler: sched_setattr");
	return 0;
}

static int set_io_priority(const struct spec_io_priority *io, struct jl_err **err)
{
	if (!io->set)
		return 0;
	const int who_process = 1, class_shift = 13;
	if (syscall(SYS_ioprio_set, who_process, 0, (io->class << class_shift) | io->priority) < 0)
		return jl_err_sys(err, "process.ioPriority: ioprio_set");
	return 0;
}

int jl_process_apply_attrs(const struct spec_process *p, const struct spec_personality *pers,
			   struct jl_err **err)
{
	int r = set_rlimits(p, err);
	if (r == 0 && pers)
		r = set_personality(pers, err);
	if (r == 0)
		r = set_scheduler(&p->scheduler, err);
	if (r == 0)
		r = set_io_priority(&p->io_priority, err);
	return r;
}

/* --- user and capabilities ------------------------------------------------ */

static int set_groups(const struct spec_user *u, bool userns, struct jl_err **err)
{
	gid_t *gids = NULL;
	if (u->n_additional_gids) {
		gids = xcalloc(u->n_additional_gids, sizeof(*gids));
		for (size_t i = 0; i < u->n_additional_gids; i++)
			gids[i] = u->additional_gids[i];
	}
	int r = setgroups(u->n_additional_gids, gids);
	free(gids);
	if (r < 0) {
		/* With setgroups "deny" in a user namespace the kernel forbids
		 * it; having no supplementary groups is then already the case. */
		if (errno == EPERM && userns && !u->n_additional_gids)
			return 0;
		return jl_err_sys(err, "process.user.additionalGids: setgroups");
	}
	return 0;
}

int jl_process_set_user(const struct spec_process *p, bool userns, struct jl_err **err)
{
	const struct spec_user *u = &p->user;
	int r = jl_caps_drop_bounding(&p->caps, err);
	if (r < 0)
		return r;
	r = set_groups(u, userns, err);
	if (r < 0)
		return r;
	/* Keep the permitted set across the uid change; jl_caps_apply then
	 * sets exactly what the config asks for. */
	if (p->caps.set && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return jl_err_sys(err, "prctl(PR_SET_KEEPCAPS)");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return jl_err_sys(err, "process.user.gid: setresgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return jl_err_sys(err, "process.user.uid: setresuid %u", u->uid);
	if (p->caps.set && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return jl_err_sys(err, "prctl(PR_SET_KEEPCAPS)");
	r = jl_caps_apply(&p->caps, err);
	return r < 0 ? jl_err_wrap(err, "process.capabilities") : 0;
}

/* --- executable and environment ------------------------------------------- */

static const char *env_path(char *const *envp)
{
	for (char *const *e = envp; e && *e; e++)
		if (jl_str_has_prefix(*e, "PATH="))
			return *e + 5;
	return DEFAULT_PATH;
}

static bool is_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int jl_process_find_exe(const struct spec_process *p, char *const *envp, char **out,
			struct jl_err **err)
{
	const char *name = p->args.v[0];
	if (strchr(name, '/')) {
		if (!is_executable(name))
			return jl_err_sys(err, "exec: \"%s\"", name);
		*out = xstrdup(name);
		return 0;
	}
	const char *path = env_path(envp);
	for (const char *dir = path;;) {
		const char *end = strchrnul(dir, ':');
		/* An empty PATH entry means the current directory (POSIX). */
		cleanup_free char *cand = end == dir ? xasprintf("./%s", name)
						     : xasprintf("%.*s/%s", (int)(end - dir), dir, name);
		if (is_executable(cand)) {
			*out = steal_ptr(&cand);
			return 0;
		}
		if (!*end)
			break;
		dir = end + 1;
	}
	return jl_err_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

static char **strv_terminated(const struct spec_strv *v)
{
	char **out = xcalloc(v->n + 1, sizeof(char *));
	for (size_t i = 0; i < v->n; i++)
		out[i] = (char *)v->v[i];
	return out;
}

char **jl_process_argv(const struct spec_process *p)
{
	return strv_terminated(&p->args);
}

char **jl_process_envp(const struct spec_process *p)
{
	return strv_terminated(&p->env);
}

/* The home directory of uid in the text of a passwd file (which this
 * splits in place), or NULL.  "name:password:uid:gid:gecos:home:shell". */
static char *passwd_home(char *text, uid_t uid)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = {0};
		int n = 0;
		while (n < 7 && (f[n] = strsep(&line, ":")))
			n++;
		uint64_t v;
		if (n >= 6 && jl_parse_u64(f[2], 10, &v) == 0 && v == uid && *f[5])
			return xstrdup(f[5]);
	}
	return NULL;
}

char **jl_process_add_home(char **envp, uid_t uid)
{
	size_t n = 0;
	for (; envp[n]; n++)
		if (jl_str_has_prefix(envp[n], "HOME="))
			return envp;
	/* runc and crun: the user's entry in the container's /etc/passwd,
	 * else "/".  We are inside the container's root here. */
	cleanup_free char *text = NULL;
	cleanup_free char *home = NULL;
	if (jl_read_file_at(AT_FDCWD, "/etc/passwd", 1u << 22, &text, NULL, NULL) == 0)
		home = passwd_home(text, uid);
	envp = xrealloc(envp, (n + 2) * sizeof(*envp));
	envp[n] = xasprintf("HOME=%s", home ? home : "/");
	envp[n + 1] = NULL;
	return envp;
}

/* --- fds and signals ------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void jl_process_close_fds(int n_preserved, const uint8_t *was_open, const int *keep,
			  size_t n_keep)
{
	/* What stays: the preserved fds the caller really passed, and our own
	 * channels (close-on-exec: they go at execve).  Everything else --
	 * the caller's other fds, ours to the host (cgroup, namespaces, the
	 * log) -- goes now, before the working directory is resolved
	 * (CVE-2024-21626: /proc/self/fd/N as a cwd). */
	jl_log_drop_file();
	int stay[JL_MAX_PRESERVED + 8];
	size_t n = 0;
	for (int i = 0; i < n_preserved && n < JL_MAX_PRESERVED; i++)
		if (was_open[i])
			stay[n++] = 3 + i;
	for (size_t i = 0; i < n_keep && n < ARRAY_SIZE(stay); i++)
		if (keep[i] > 2)
			stay[n++] = keep[i];
	qsort(stay, n, sizeof(int), cmp_int);
	unsigned lo = 3;
	for (size_t i = 0; i <= n; i++) {
		unsigned hi = i < n ? (unsigned)stay[i] : ~0U;
		if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) < 0) {
			/* Before 5.9: one by one, as far as the limit goes. */
			unsigned end = hi == ~0U ? (unsigned)sysconf(_SC_OPEN_MAX) : hi;
			for (unsigned fd = lo; fd < end; fd++)
				close((int)fd);
		}
		if (i < n)
			lo = (unsigned)stay[i] + 1;
	}
}

int jl_process_prepare_fds(int n_preserved, const uint8_t *was_open, struct jl_err **err)
{
	for (int i = 0; i < n_preserved; i++) {
		if (!was_open[i])
			continue;
		if (fcntl(3 + i, F_SETFD, 0) < 0)
			return jl_err_sys(err, "--preserve-fds: fd %d", 3 + i);
	}
	return 0;
}

int jl_process_enter_cwd(const struct spec_process *p, struct jl_err **err)
{
	if (chdir(p->cwd) < 0)
		return jl_err_sys(err, "process.cwd: chdir \"%s\"", p->cwd);
	/* A cwd reached through a magic link (an fd of the runtime, another
	 * process's cwd) can lie outside our root: the kernel then reports no
	 * path from the root ("(unreachable)", glibc: ENOENT). */
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return jl_err_code(err, EPERM,
				   "process.cwd: \"%s\" is outside the container's root "
				   "filesystem",
				   p->cwd);
	return 0;
}

void jl_process_forget_environ(void)
{
	/* The caller's environment sits in our memory (and in /proc/PID/environ)
	 * until execve: a process that waits for `start` or joins a container
	 * must not hand it to whoever can read us. */
	extern char **environ;
	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	static char *none[] = {NULL};
	environ = none;
}

uint64_t jl_process_ignored_signals(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return ~(uint64_t)0;
	buf[n] = 0;
	const char *p = strstr(buf, "\nSigIgn:");
	if (!p)
		return ~(uint64_t)0;
	/* strtoull, not sscanf: the scanf engine is pages of text to fault
	 * in before a container's clone, for one hex number. */
	char *end;
	unsigned long long mask = strtoull(p + 8, &end, 16);
	return end != p + 8 && *end == '\n' ? (uint64_t)mask : ~(uint64_t)0;
}

void jl_process_reset_signals(uint64_t ignored)
{
	/* execve(2) resets handlers but keeps SIG_IGN and the mask: besides our
	 * own SIGPIPE, whatever the caller ignored would leak into the
	 * container (a shell starts a background job with SIGINT and SIGQUIT
	 * ignored).  Only those need a call each, not all 64.  Raw syscalls:
	 * see ksigaction.h; CI runners do hand us 32 and 33 ignored. */
	struct kernel_sigaction dfl = {.handler = SIG_DFL};
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && (ignored & (1ULL << (sig - 1))))
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	uint64_t none = 0;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}
