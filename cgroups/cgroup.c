#include "cgroups/cgroup.h"
#include "cgroups/systemd.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/util.h"

const char *cg_mode_name(enum cg_mode m)
{
	static const char *const names[] = {"unified", "hybrid", "legacy"};
	return names[m];
}

static bool is_cgroup2(const char *path)
{
	struct statfs st;
	return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

/* A mount point from /proc/self/mountinfo, where the kernel writes space,
 * tab, newline and backslash as octal escapes (a space is \040). */
/* The slow way, for hosts that mount cgroup2 somewhere unusual.  mountinfo
 * also lists mounts that something was mounted over since (a tmpfs on
 * /sys/fs/cgroup hides the cgroup2 below it), so every candidate is checked
 * with statfs through its path, and the first one really reachable wins. */
static bool find_cgroup2_mount(char *out, size_t n)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (!found && getline(&line, &cap, f) > 0) {
		struct jl_mountinfo m;
		if (!jl_mountinfo_parse(line, &m) || strcmp(m.fstype, "cgroup2"))
			continue;
		if (strlen(m.mountpoint) >= n)
			jl_debug("cgroup2 at \"%.64s...\": a path too long to use", m.mountpoint);
		else if (is_cgroup2(m.mountpoint)) {
			snprintf(out, n, "%s", m.mountpoint);
			found = true;
		}
	}
	free(line);
	return found;
}

int cg_detect(struct cg_root *root, struct jl_err **err)
{
	(void)err;
	if (is_cgroup2("/sys/fs/cgroup")) {
		root->mode = CG_MODE_UNIFIED;
		snprintf(root->mount, sizeof(root->mount), "/sys/fs/cgroup");
	} else if (is_cgroup2("/sys/fs/cgroup/unified")) {
		root->mode = CG_MODE_HYBRID;
		snprintf(root->mount, sizeof(root->mount), "/sys/fs/cgroup/unified");
	} else if (find_cgroup2_mount(root->mount, sizeof(root->mount))) {
		root->mode = CG_MODE_HYBRID;
	} else {
		root->mode = CG_MODE_LEGACY;
		root->mount[0] = '\0';
	}
	return 0;
}

/* --- paths ---------------------------------------------------------------- */

static int own_cgroup(char **out, struct jl_err **err)
{
	char *text = NULL;
	int r = jl_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &text, NULL, err);
	if (r < 0)
		return r;
	/* The v2 entry is "0::/path". */
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (jl_str_has_prefix(line, "0::")) {
			*out = xstrdup(line + 3);
			free(text);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return jl_err_set(err, ENOENT, "/proc/self/cgroup: no cgroup v2 entry");
}

static bool has_dotdot(const char *p)
{
	for (const char *c = p; (c = strstr(c, "..")); c += 2) {
		bool start = c == p || c[-1] == '/';
		bool end = c[2] == '\0' || c[2] == '/';
		if (start && end)
			return true;
	}
	return false;
}

static int systemd_path(const char *p, char **out, struct jl_err **err)
{
	cleanup_free char *slice = NULL, *leaf = NULL;
	int r = cg_sd_parse_path(p, &slice, &leaf, err);
	if (r < 0)
		return r;
	cleanup_free char *dir = cg_sd_slice_path(slice);
	*out = xasprintf("%s/%s", dir, leaf);
	return 0;
}

int cg_resolve_path(const char *cgroups_path, const char *id, bool systemd, char **out,
		    struct jl_err **err)
{
	const char *p = cgroups_path;
	if (p && has_dotdot(p))
		return jl_err_set(err, 0, "linux.cgroupsPath: \"%s\": \"..\" is not allowed", p);
	if (systemd && p && *p && strchr(p, ':'))
		return systemd_path(p, out, err);
	if (!p || !*p) {
		*out = xasprintf("/jaula/%s", id);
		return 0;
	}
	if (*p == '/') {
		*out = xstrdup(p);
		return 0;
	}
	cleanup_free char *self = NULL;
	int r = own_cgroup(&self, err);
	if (r < 0)
		return r;
	*out = xasprintf("%s%s%s", self, strcmp(self, "/") ? "/" : "", p);
	return 0;
}

/* --- controllers ---------------------------------------------------------- */

static void add_controller(char *out, size_t n, const char *c)
{
	/* Keep the list unique; it is short, a linear search is fine. */
	size_t len = strlen(c);
	if (!len)
		return; /* strstr(s, "") would never move on */
	for (const char *s = out; (s = strstr(s, c)); s += len)
		if ((s == out || s[-1] == ' ') && (s[len] == ' ' || s[len] == '\0'))
			return;
	size_t used = strlen(out);
	snprintf(out + used, n - used, "%s%s", used ? " " : "", c);
}

static int unified_controller(char *out, size_t n, const char *key, struct jl_err **err)
{
	const char *dot = strchr(key, '.');
	if (!dot || !strncmp(key, "cgroup.", 7))
		return 0;
	if (dot == key)
		return jl_err_set(err, 0,
				  "linux.resources.unified: \"%s\": no controller before the dot", key);
	char c[32];
	snprintf(c, sizeof(c), "%.*s", (int)(dot - key), key);
	add_controller(out, n, c);
	return 0;
}

int cg_required_controllers(const struct cg_resources *res, char *out, size_t n,
			    struct jl_err **err)
{
	out[0] = '\0';
	if (!res)
		return 0;
	/* Only fields that write a file: swappiness, disableOOMKiller and
	 * leafWeight have no v2 file and are ignored with a warning
	 * (resources.c), so they must not make a host without the controller
	 * on v2 refuse the container. */
	const struct cg_memory *m = &res->memory;
	if (res->has_memory && (m->has_limit || m->has_reservation || m->has_swap))
		add_controller(out, n, "memory");
	const struct cg_cpu *c = &res->cpu;
	if (res->has_cpu && (c->has_shares || c->has_quota || c->has_period || c->has_burst ||
			     c->has_idle || c->has_realtime_runtime || c->has_realtime_period))
		add_controller(out, n, "cpu");
	if (res->has_cpu && ((c->cpus && *c->cpus) || (c->mems && *c->mems)))
		add_controller(out, n, "cpuset");
	/* An unlimited pids.limit needs no controller: without one nothing
	 * limits the count (resources.c). */
	if (res->has_pids && res->has_pids_limit && res->pids_limit > 0)
		add_controller(out, n, "pids");
	const struct cg_blkio *b = &res->blkio;
	bool io = b->has_weight || b->n_weight_devices;
	for (int k = 0; k < CG_THROTTLE__COUNT; k++)
		io = io || b->n_throttle[k];
	if (res->has_blkio && io)
		add_controller(out, n, "io");
	if (res->n_hugepage_limits)
		add_controller(out, n, "hugetlb");
	if (res->n_rdma)
		add_controller(out, n, "rdma");
	for (size_t i = 0; i < res->n_unified; i++) {
		int r = unified_controller(out, n, res->unified[i].key, err);
		if (r < 0)
			return r;
	}
	if (res->has_network && (res->network.has_class_id || res->network.n_priorities))
		return jl_err_set(err, 0,
				  "linux.resources.network: classID and priorities need the "
				  "cgroup v1 net_cls/net_prio controllers, which cgroup v2 has not");
	return 0;
}

static bool list_has(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *s = list; (s = strstr(s, word)); s += len)
		if ((s == list || s[-1] == ' ') && (s[len] == ' ' || s[len] == '\n' || !s[len]))
			return true;
	return false;
}

static int read_small(int dirfd, const char *name, char *buf, size_t n)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, n - 1);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return (int)r;
}

/* Where a walk down a cgroup path is, for messages and for undoing it. */
struct walk {
	const struct cg_root *root;
	const char *path;     /* the path asked for */
	char level[PATH_MAX]; /* the cgroup at hand below the root: "" (root) or "/a/b" */
	int n_created;        /* how many trailing components of level this walk made */
};

/* The real root has no cgroup.type; the root of a cgroup namespace does, and
 * like any other cgroup it is bound by the "no internal processes" rule. */
static bool is_hierarchy_root(int dirfd)
{
	return faccessat(dirfd, "cgroup.type", F_OK, 0) < 0 && errno == ENOENT;
}

static bool cgroup_is_empty(int fd)
{
	char buf[16];
	return read_small(fd, "cgroup.procs", buf, sizeof(buf)) == 0;
}

/* Controller c is not in dirfd's cgroup.controllers: say where it went. */
static int unavailable(int dirfd, const struct walk *w, const char *c, struct jl_err **err)
{
	if (w->level[0])
		return jl_err_code(err, EOPNOTSUPP,
				   "cgroup controller \"%s\" is not available in cgroup %s%s (its "
				   "parent does not enable it in cgroup.subtree_control): cannot "
				   "enforce the requested limit",
				   c, w->root->mount, w->level);
	const char *why = "in this cgroup namespace: its parent did not delegate it";
	if (w->root->mode == CG_MODE_HYBRID)
		why = "the host keeps it on cgroup v1, which jaula does not write";
	else if (is_hierarchy_root(dirfd))
		why = "the kernel lacks it or a cgroup v1 hierarchy holds it";
	return jl_err_code(err, EOPNOTSUPP,
			   "cgroup controller \"%s\" is not available on the cgroup v2 hierarchy "
			   "at %s (%s mode; %s): cannot enforce the requested limit",
			   c, w->root->mount, cg_mode_name(w->root->mode), why);
}

/* The "+c" words for the controllers not yet in `enabled`, checking that
 * each is available here at all.  *line stays "" when none is missing. */
static int missing_controllers(int dirfd, const struct walk *w, const char *enabled,
			       const char *controllers, char *line, size_t n, struct jl_err **err)
{
	char avail[512];
	if (read_small(dirfd, "cgroup.controllers", avail, sizeof(avail)) < 0)
		return jl_err_sys(err, "read %s%s/cgroup.controllers", w->root->mount, w->level);
	char want[256];
	snprintf(want, sizeof(want), "%s", controllers);
	line[0] = '\0';
	for (char *save, *c = strtok_r(want, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
		if (list_has(enabled, c))
			continue;
		if (!list_has(avail, c))
			return unavailable(dirfd, w, c, err);
		size_t used = strlen(line);
		snprintf(line + used, n - used, "%s+%s", used ? " " : "", c);
	}
	return 0;
}

/* Enable `controllers` for the children of the cgroup at w->level, skipping
 * those already on.  Outside the root a cgroup may hold processes or give
 * controllers to children, not both ("no internal processes"): the kernel
 * answers EBUSY, or, for controllers that can be threaded such as pids,
 * accepts the write and then makes every new child "domain invalid", which
 * fails one level further down with a puzzling EOPNOTSUPP.  So look first,
 * and say why. */
static int enable_in(int dirfd, const struct walk *w, const char *controllers,
		     struct jl_err **err)
{
	char cur[512] = "", line[512];
	if (read_small(dirfd, "cgroup.subtree_control", cur, sizeof(cur)) < 0)
		return jl_err_sys(err, "read %s%s/cgroup.subtree_control", w->root->mount,
				  w->level);
	int r = missing_controllers(dirfd, w, cur, controllers, line, sizeof(line), err);
	if (r < 0 || !*line)
		return r;
	if (!is_hierarchy_root(dirfd) && !cgroup_is_empty(dirfd))
		return jl_err_code(err, EBUSY,
				   "cgroup %s%s has processes of its own, so cgroup v2 cannot "
				   "enable controllers (%s) for the cgroups below it (\"no internal "
				   "processes\" rule): move them into a child cgroup, or place the "
				   "container elsewhere (cgroup path \"%s\")",
				   w->root->mount, w->level, controllers, w->path);
	r = jl_write_file_at(dirfd, "cgroup.subtree_control", line, strlen(line), err);
	if (r < 0)
		return jl_err_wrap(err, "cgroup %s%s: enable controllers \"%s\"", w->root->mount,
				   w->level, line);
	return 0;
}

/* --- create, open, close -------------------------------------------------- */

static int open_root(const struct cg_root *root, struct jl_err **err)
{
	if (root->mode == CG_MODE_LEGACY || !root->mount[0])
		return jl_err_code(err, EOPNOTSUPP,
				  "no cgroup v2 hierarchy is mounted (legacy cgroup v1 host); use "
				  "--cgroup-manager=disabled");
	int fd = open(root->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open %s", root->mount);
	return fd;
}

/* A frozen cgroup (its own cgroup.freeze, which its children inherit)
 * would freeze the container's init the moment clone3 puts it there, and
 * create would wait for it forever.  runc refuses too; thawing it would
 * wake processes that are not ours. */
static int check_not_frozen(int fd, const struct walk *w, struct jl_err **err)
{
	char buf[8];
	if (read_small(fd, "cgroup.freeze", buf, sizeof(buf)) > 0 && buf[0] == '1')
		return jl_err_code(err, EBUSY,
				   "cgroup %s%s is frozen: thaw it (cgroup.freeze = 0) before "
				   "creating a container in it",
				   w->root->mount, w->level);
	return 0;
}

/* Down one component: enable controllers in the current cgroup, make the
 * next one when `create`, and move *cur to it. */
static int walk_step(int *cur, struct walk *w, const char *comp, const char *controllers,
		     bool create, struct jl_err **err)
{
	if (controllers && *controllers) {
		int r = enable_in(*cur, w, controllers, err);
		if (r < 0)
			return r;
	}
	size_t used = strlen(w->level);
	snprintf(w->level + used, sizeof(w->level) - used, "/%s", comp);
	if (create) {
		if (mkdirat(*cur, comp, 0755) == 0)
			w->n_created++;
		else if (errno != EEXIST)
			return jl_err_sys(err, "create cgroup %s%s", w->root->mount, w->level);
	}
	int fd = openat(*cur, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return jl_err_sys(err, "open cgroup %s%s", w->root->mount, w->level);
	close(*cur);
	*cur = fd;
	return create ? check_not_frozen(fd, w, err) : 0;
}

/* A failed create leaves no cgroup it made behind (only the deepest
 * n_created components of level are ours; they are empty). */
static void undo_created(int rootfd, struct walk *w)
{
	for (; w->n_created > 0; w->n_created--) {
		if (unlinkat(rootfd, w->level + 1, AT_REMOVEDIR) < 0)
			jl_debug("remove cgroup %s%s: %s", w->root->mount, w->level, strerror(errno));
		char *slash = strrchr(w->level, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

/* runc (since 1.1) warns and goes on: containers of a pod may share a
 * cgroup.  What that means for the container is said once, here. */
static void warn_if_shared(int fd, const struct walk *w)
{
	struct cg_handle h = {.fd = fd, .path = (char *)w->path};
	pid_t *pids = NULL;
	size_t n = 0;
	if (cg_read_tree_pids(&h, &pids, &n, NULL) == 0 && n)
		jl_warn("cgroup %s%s is not empty (%zu process%s): the container joins it "
			"and shares its limits and freezer with them",
			w->root->mount, w->level, n, n == 1 ? "" : "es");
	free(pids);
}

/* Walk path from the root, enabling controllers in every ancestor's
 * subtree_control; make missing components when `create`. */
static int walk_path(const struct cg_root *root, const char *path, const char *controllers,
		     bool create, struct cg_handle *out, struct jl_err **err)
{
	cleanup_close int rootfd = open_root(root, err);
	if (rootfd < 0)
		return rootfd;
	/* Never make directories in whatever else sits at root->mount now. */
	struct statfs sfs;
	if (fstatfs(rootfd, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return jl_err_code(err, EMEDIUMTYPE, "%s is not a cgroup v2 mount", root->mount);
	cleanup_close int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL;
	char *comp = strtok_r(copy, "/", &save);
	if (!comp)
		return jl_err_set(err, 0, "cgroup path \"%s\": refusing the root cgroup", path);
	struct walk w = {.root = root, .path = path};
	int r = 0;
	for (; comp && r == 0; comp = strtok_r(NULL, "/", &save))
		r = walk_step(&cur, &w, comp, controllers, create, err);
	if (r == 0 && create && !w.n_created)
		warn_if_shared(cur, &w);
	if (r < 0) {
		if (create)
			undo_created(rootfd, &w);
		return r;
	}
	if (out) {
		out->fd = steal_fd(&cur);
		out->path = xstrdup(path);
		out->fresh = w.n_created > 0; /* the leaf is ours: nothing attached */
	}
	return 0;
}

int cg_create(const struct cg_root *root, const char *path, const char *controllers,
	      struct cg_handle *out, struct jl_err **err)
{
	return walk_path(root, path, controllers, true, out, err);
}

int cg_exists(const struct cg_root *root, const char *path)
{
	cleanup_close int rootfd = open_root(root, NULL);
	if (rootfd < 0)
		return rootfd;
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (!*rel)
		return 1;
	struct stat st;
	if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISDIR(st.st_mode);
	return errno == ENOENT ? 0 : -errno;
}

int cg_enable(const struct cg_root *root, const char *path, const char *controllers,
	      struct jl_err **err)
{
	if (!controllers || !*controllers)
		return 0;
	return walk_path(root, path, controllers, false, NULL, err);
}

int cg_open(const struct cg_root *root, const char *path, struct cg_handle *out,
	    struct jl_err **err)
{
	cleanup_close int rootfd = open_root(root, err);
	if (rootfd < 0)
		return rootfd;
	const char *rel = path;
	while (*rel == '/')
		rel++;
	int fd = openat(rootfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open cgroup %s%s", root->mount, path);
	out->fd = fd;
	out->path = xstrdup(path);
	return 0;
}

void cg_handle_close(struct cg_handle *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	free(h->path);
	h->path = NULL;
}

/* --- freezer ------------------------------------------------------------- */

/* Wait until cgroup.events has "key value".  The kernel raises POLLPRI on the
 * file when it changes, so this sleeps instead of spinning. */
static int wait_event(const struct cg_handle *h, const char *key, int value, int timeout_ms,
		      struct jl_err **err)
{
	cleanup_close int fd = openat(h->fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open cgroup %s/cgroup.events", h->path);
	char want[32];
	snprintf(want, sizeof(want), "%s %d", key, value);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		char buf[256];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return jl_err_sys(err, "read cgroup %s/cgroup.events", h->path);
		buf[n] = '\0';
		if (list_has(buf, want) || strstr(buf, want))
			return 0;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			       (now.tv_nsec - start.tv_nsec) / 1000000;
		if (timeout_ms >= 0 && elapsed >= timeout_ms)
			return jl_err_set(err, ETIMEDOUT, "cgroup %s: waiting for \"%s\"", h->path,
					  want);
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		int left = timeout_ms < 0 ? 100 : (int)(timeout_ms - elapsed);
		poll(&p, 1, left < 100 ? left : 100);
	}
}

int cg_freeze(const struct cg_handle *h, bool frozen, struct jl_err **err)
{
	int r = jl_write_file_at(h->fd, "cgroup.freeze", frozen ? "1" : "0", 1, err);
	if (r < 0)
		return jl_err_wrap(err, "%s cgroup %s", frozen ? "freeze" : "thaw", h->path);
	return wait_event(h, "frozen", frozen ? 1 : 0, 10000, err);
}

int cg_is_frozen(const struct cg_handle *h)
{
	char buf[8];
	int r = read_small(h->fd, "cgroup.freeze", buf, sizeof(buf));
	if (r < 0)
		return r;
	return buf[0] == '1';
}

int cg_wait_empty(const struct cg_handle *h, int timeout_ms, struct jl_err **err)
{
	return wait_event(h, "populated", 0, timeout_ms, err);
}

/* --- destroy -------------------------------------------------------------- */

static int rmdir_retry(int dirfd, const char *name)
{
	/* rmdir answers EBUSY until exiting tasks are fully gone; that takes
	 * microseconds to milliseconds, so back off gently up to ~5 s. */
	long delay_us = 100;
	for (int i = 0; i < 60; i++) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		struct timespec ts = {0, delay_us * 1000};
		nanosleep(&ts, NULL);
		if (delay_us < 100000)
			delay_us *= 2;
	}
	return -EBUSY;
}

/* Nested cgroups (a systemd or a runtime inside the container) go first. */
static int remove_children(int fd)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return -errno;
	DIR *d = fdopendir(dup);
	if (!d) {
		close(dup);
		return -errno;
	}
	cleanup_dir DIR *dir = d;
	/* The dup shares fd's directory offset, which killing the leftovers
	 * (a walk of the same fd) may have left at the end. */
	rewinddir(dir);
	struct dirent *de;
	int r = 0;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cleanup_close int sub =
			openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0)
			remove_children(sub);
		int q = rmdir_retry(fd, de->d_name);
		if (q < 0 && r == 0)
			r = q;
	}
	return r;
}

/* A container's cgroup can outlive its init: without a pid namespace of its
 * own the init's death kills nobody else, and a process can sit in a nested
 * cgroup.  Whatever is left belongs to the container and goes with it (runc's
 * destroy does the same); rmdir alone would answer EBUSY for as long as they
 * live, and the container could never be deleted.  cgroup.kill reaches the
 * whole subtree, frozen tasks included. */
static int kill_leftovers(int fd, const struct cg_root *root, const char *path,
			  struct jl_err **err)
{
	char ev[256];
	if (read_small(fd, "cgroup.events", ev, sizeof(ev)) < 0 || !strstr(ev, "populated 1"))
		return 0;
	struct cg_handle h = {.fd = fd, .path = xasprintf("%s%s", root->mount, path)};
	jl_debug("cgroup %s still has processes: killing them", h.path);
	int r = cg_kill(&h, SIGKILL, err);
	if (r == 0)
		r = cg_wait_empty(&h, 10000, err);
	free(h.path);
	return r;
}

int cg_destroy(const struct cg_root *root, const char *path, struct jl_err **err)
{
	cleanup_close int rootfd = open_root(root, err);
	if (rootfd < 0)
		return rootfd;
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (!*rel)
		return 0;
	/* The common case is an empty leaf: one rmdir.  Only a busy or nested
	 * cgroup takes the long way (kill what is left, children first). */
	if (unlinkat(rootfd, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	cleanup_close int fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "open cgroup %s%s", root->mount, path);
	int r = kill_leftovers(fd, root, path, err);
	if (r < 0)
		return r;
	remove_children(fd);
	r = rmdir_retry(rootfd, rel);
	if (r < 0)
		return jl_err_set(err, -r, "remove cgroup %s%s", root->mount, path);
	return 0;
}
