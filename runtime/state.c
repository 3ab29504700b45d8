#include "runtime/state.h"

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/json.h"

#define STATE_MAX_BYTES (1u << 20)

const char *jl_status_name(enum jl_status s)
{
	static const char *const names[] = {"creating", "created", "running", "paused",
					    "stopped"};
	return names[s];
}

void jl_state_free(struct jl_state *s)
{
	free(s->id);
	free(s->bundle);
	free(s->rootfs);
	free(s->created);
	free(s->owner);
	free(s->cgroup_mount);
	free(s->cgroup_path);
	free(s->systemd_unit);
	for (size_t i = 0; i < 2 * s->n_annotations; i++)
		free(s->annotations[i]);
	free(s->annotations);
	memset(s, 0, sizeof(*s));
}

/* --- the directory -------------------------------------------------------- */

static int lock_dir(int fd, const char *id, struct jl_err **err)
{
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return jl_err_sys(err, "lock container \"%s\"", id);
	}
	return 0;
}

int jl_state_dir_create(const char *root, const char *id, struct jl_err **err)
{
	/* 0700: state.json names the bundle and the init pid; nobody else's business. */
	int r = jl_mkdir_p(root, 0700, err);
	if (r < 0)
		return jl_err_wrap(err, "state directory");
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jl_err_sys(err, "open state directory \"%s\"", root);
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return jl_err_code(err, EEXIST, "container \"%s\" already exists", id);
		return jl_err_sys(err, "create \"%s/%s\"", root, id);
	}
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return jl_err_sys(err, "open \"%s/%s\"", root, id);
	r = lock_dir(fd, id, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int jl_state_dir_open(const char *root, const char *id, bool lock, struct jl_err **err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, id);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return jl_err_code(err, ENOENT, "container \"%s\" does not exist", id);
		return jl_err_sys(err, "open \"%s\"", path);
	}
	if (lock) {
		int r = lock_dir(fd, id, err);
		if (r < 0) {
			close(fd);
			return r;
		}
		/* A delete that held the lock before us may have removed it. */
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
			close(fd);
			return jl_err_code(err, ENOENT, "container \"%s\" does not exist", id);
		}
	}
	return fd;
}

int jl_state_dir_remove(const char *root, const char *id, struct jl_err **err)
{
	/* The files jaula makes there, by name (no directory read), then the
	 * directory; anything unexpected falls back to a recursive removal. */
	static const char *const known[] = {JL_STATE_FILE, JL_CONFIG_COPY, JL_FIFO_FILE,
					    JL_SECCOMP_FILE};
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, id);
	cleanup_close int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "open \"%s\"", path);
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		unlinkat(dirfd, known[i], 0);
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jl_err_sys(err, "open \"%s\"", root);
	return jl_remove_tree_at(rootfd, id, err);
}

/* --- state.json ----------------------------------------------------------- */

static void write_annotations(struct jl_json_writer *w, const struct jl_state *s)
{
	jl_jw_key(w, "annotations");
	jl_jw_begin_object(w);
	for (size_t i = 0; i < s->n_annotations; i++)
		jl_jw_kv_str(w, s->annotations[2 * i], s->annotations[2 * i + 1]);
	jl_jw_end_object(w);
}

int jl_state_write(int dirfd, const struct jl_state *s, struct jl_err **err)
{
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "id", s->id);
	jl_jw_kv_int(&w, "pid", s->pid);
	jl_jw_kv_uint(&w, "startTime", s->start_time);
	jl_jw_kv_str(&w, "bundle", s->bundle);
	jl_jw_kv_str(&w, "rootfs", s->rootfs);
	jl_jw_kv_str(&w, "created", s->created);
	jl_jw_kv_str(&w, "owner", s->owner ? s->owner : "");
	if (s->cgroup_path) {
		jl_jw_kv_str(&w, "cgroupMount", s->cgroup_mount);
		jl_jw_kv_str(&w, "cgroupPath", s->cgroup_path);
		jl_jw_kv_bool(&w, "systemdCgroup", s->systemd_cgroup);
		if (s->systemd_unit)
			jl_jw_kv_str(&w, "systemdUnit", s->systemd_unit);
		jl_jw_kv_bool(&w, "cgroupOwned", s->cgroup_owned);
	}
	jl_jw_kv_uint(&w, "hooks", s->hooks_mask);
	if (s->init_err_fd >= 0)
		jl_jw_kv_int(&w, "initErrFd", s->init_err_fd);
	if (s->shared_mounts)
		jl_jw_kv_bool(&w, "sharedMounts", true);
	write_annotations(&w, s);
	jl_jw_end_object(&w);
	int r = jl_write_atomic_at(dirfd, JL_STATE_FILE, b.data, b.len, 0600, err);
	jl_buf_free(&b);
	return r;
}

static char *dup_field(jl_json_val root, const char *key)
{
	const char *v = jl_json_string(jl_json_get(root, key));
	return v ? xstrdup(v) : NULL;
}

static int64_t int_field(jl_json_val root, const char *key)
{
	const char *t = jl_json_number_text(jl_json_get(root, key));
	int64_t v = 0;
	if (t)
		jl_parse_i64(t, 10, &v);
	return v;
}

static void read_annotations(jl_json_val root, struct jl_state *s)
{
	jl_json_val a = jl_json_get(root, "annotations");
	/* Only an object has keys: anything else (a hand-edited or damaged
	 * file) means none, not a crash of every command that lists it. */
	size_t n = jl_json_type(a) == JL_JSON_OBJECT ? jl_json_len(a) : 0;
	s->annotations = xcalloc(2 * n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *v = jl_json_string(jl_json_value_at(a, i));
		s->annotations[2 * s->n_annotations] = xstrdup(jl_json_key_at(a, i));
		s->annotations[2 * s->n_annotations + 1] = xstrdup(v ? v : "");
		s->n_annotations++;
	}
}

int jl_state_read(int dirfd, const char *id, struct jl_state *s, struct jl_err **err)
{
	cleanup_free char *text = NULL;
	int r = jl_read_file_at(dirfd, JL_STATE_FILE, STATE_MAX_BYTES, &text, NULL, err);
	if (r < 0)
		return jl_err_wrap(err, "container \"%s\"", id);
	jl_json_val root = NULL;
	r = jl_json_parse(text, JL_STATE_FILE, &root, err);
	if (r < 0)
		return jl_err_wrap(err, "container \"%s\"", id);
	memset(s, 0, sizeof(*s));
	s->id = dup_field(root, "id");
	s->pid = (pid_t)int_field(root, "pid");
	s->start_time = (uint64_t)int_field(root, "startTime");
	s->bundle = dup_field(root, "bundle");
	s->rootfs = dup_field(root, "rootfs");
	s->created = dup_field(root, "created");
	s->owner = dup_field(root, "owner");
	s->cgroup_mount = dup_field(root, "cgroupMount");
	s->cgroup_path = dup_field(root, "cgroupPath");
	s->systemd_cgroup = jl_json_type(jl_json_get(root, "systemdCgroup")) == JL_JSON_TRUE;
	s->systemd_unit = dup_field(root, "systemdUnit");
	s->cgroup_owned = jl_json_type(jl_json_get(root, "cgroupOwned")) != JL_JSON_FALSE;
	s->shared_mounts = jl_json_type(jl_json_get(root, "sharedMounts")) == JL_JSON_TRUE;
	s->hooks_mask = (unsigned)int_field(root, "hooks");
	s->init_err_fd = jl_json_get(root, "initErrFd") ? (int)int_field(root, "initErrFd") : -1;
	read_annotations(root, s);
	/* pid 0 is a create in progress; a missing pid is no state at all. */
	bool has_pid = jl_json_number_text(jl_json_get(root, "pid")) != NULL;
	jl_json_free(root);
	if (!s->id || s->pid < 0 || !has_pid) {
		jl_state_free(s);
		return jl_err_set(err, 0, "container \"%s\": %s is corrupt", id, JL_STATE_FILE);
	}
	return 0;
}

/* --- liveness ------------------------------------------------------------- */

int jl_proc_stat(pid_t pid, uint64_t *start_time, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	/* comm (field 2) may hold spaces and parentheses: skip to the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	if (state)
		*state = *p;
	/* p is field 3 (state); starttime is field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	if (start_time)
		*start_time = strtoull(p, NULL, 10);
	return 0;
}

bool jl_state_init_alive(const struct jl_state *s)
{
	uint64_t t;
	char st;
	if (s->pid <= 0)
		return false;
	if (jl_proc_stat(s->pid, &t, &st) < 0)
		return false;
	return t == s->start_time && st != 'Z' && st != 'X';
}

int jl_state_open_pidfd(const struct jl_state *s)
{
	int fd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (fd < 0)
		return -errno;
	/* Checking after opening closes the race: if the start time still
	 * matches, the pidfd refers to our init and can no longer be recycled. */
	if (!jl_state_init_alive(s)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

static bool cgroup_frozen(const struct jl_state *s)
{
	if (!s->cgroup_path || !s->cgroup_mount)
		return false;
	struct cg_root root = {.mode = CG_MODE_UNIFIED};
	snprintf(root.mount, sizeof(root.mount), "%s", s->cgroup_mount);
	struct cg_handle h = CG_HANDLE_INIT;
	if (cg_open(&root, s->cgroup_path, &h, NULL) < 0)
		return false;
	bool frozen = cg_is_frozen(&h) == 1;
	cg_handle_close(&h);
	return frozen;
}

/* The creator still holds the directory's lock (we hold another open of
 * it: a lock of our own would not conflict). */
static bool creator_alive(int dirfd)
{
	cleanup_close int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return false;
	return errno == EWOULDBLOCK;
}

static enum jl_status status_of(int dirfd, const struct jl_state *s, bool locked)
{
	/* Holding the lock ourselves, the creator is gone. */
	if (s->pid == 0)
		return !locked && creator_alive(dirfd) ? JL_STATUS_CREATING : JL_STATUS_STOPPED;
	if (!jl_state_init_alive(s))
		return JL_STATUS_STOPPED;
	/* The fifo exists from create until start releases the init. */
	if (faccessat(dirfd, JL_FIFO_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return JL_STATUS_CREATED;
	if (cgroup_frozen(s))
		return JL_STATUS_PAUSED;
	return JL_STATUS_RUNNING;
}

enum jl_status jl_state_status(int dirfd, const struct jl_state *s)
{
	return status_of(dirfd, s, false);
}

enum jl_status jl_state_status_locked(int dirfd, const struct jl_state *s)
{
	return status_of(dirfd, s, true);
}

void jl_state_to_json(const struct jl_state *s, enum jl_status status, struct jl_buf *out)
{
	struct jl_json_writer w = {.out = out, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "ociVersion", JL_OCI_VERSION);
	jl_jw_kv_str(&w, "id", s->id);
	jl_jw_kv_str(&w, "status", jl_status_name(status));
	/* runtime.md: pid is REQUIRED while created or running. */
	jl_jw_kv_int(&w, "pid", status == JL_STATUS_STOPPED ? 0 : s->pid);
	jl_jw_kv_str(&w, "bundle", s->bundle);
	jl_jw_kv_str(&w, "rootfs", s->rootfs);
	jl_jw_kv_str(&w, "created", s->created);
	jl_jw_kv_str(&w, "owner", s->owner ? s->owner : "");
	write_annotations(&w, s);
	jl_jw_end_object(&w);
}

bool jl_id_valid(const char *id)
{
	/* The id becomes a directory name under --root and appears in cgroup
	 * paths: keep it to a conservative set and away from "." and "..". */
	size_t n = strlen(id);
	if (n == 0 || n > 250 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '+' || c == '-' || c == '.';
		if (!ok)
			return false;
	}
	return true;
}

int jl_write_pid_file(const char *path, pid_t pid, struct jl_err **err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		name = path + (slash - dir) + 1;
		*slash = '\0';
	}
	cleanup_close int dfd =
		open(!slash ? "." : *dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return jl_err_sys(err, "--pid-file \"%s\"", path);
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int r = jl_write_atomic_at(dfd, name, buf, (size_t)n, 0644, err);
	return r < 0 ? jl_err_wrap(err, "--pid-file") : 0;
}
