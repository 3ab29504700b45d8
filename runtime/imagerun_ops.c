/* The commands for people that containers made from images add: stop,
 * rm, logs, and what `run` and `list` ask of the store.  A container's name
 * is its runtime id, so kill, exec, pause, resume and update need nothing
 * new. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/imagerun.h"
#include "runtime/log.h"
#include "runtime/state.h"
#include "runtime/util.h"

#define LOG_POLL_MS 200

/* A store that is not there has no images and no containers: asking must
 * not create it (img_store_open would). */
static int open_store_if_any(const char *store, struct img_store **s, struct jl_err **err)
{
	*s = NULL;
	struct stat st;
	if (stat(jl_store_path(store), &st) < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "image store %s", jl_store_path(store));
	return img_store_open(jl_store_path(store), s, err);
}

bool jl_image_exists(const char *store, const char *ref)
{
	struct img_store *s = NULL;
	if (open_store_if_any(store, &s, NULL) < 0 || !s)
		return false;
	struct img_image im = {0};
	bool found = img_resolve(s, ref, &im, NULL) == 0;
	if (found)
		img_image_free(&im);
	img_store_close(s);
	return found;
}

int jl_store_containers(const char *store, struct img_container **out, size_t *n,
			struct jl_err **err)
{
	*out = NULL;
	*n = 0;
	struct img_store *s = NULL;
	int r = open_store_if_any(store, &s, err);
	if (r == 0 && s)
		r = img_containers(s, out, n, err);
	if (s)
		img_store_close(s);
	return r;
}

/* --- stop ------------------------------------------------------------------- */

static int stop_signal(const struct jl_state *st)
{
	for (size_t i = 0; i < st->n_annotations; i++) {
		const char *key = st->annotations[2 * i], *value = st->annotations[2 * i + 1];
		if (strcmp(key, IR_STOP_SIGNAL_ANNOTATION))
			continue;
		int sig = jl_signal_parse(value);
		if (sig > 0)
			return sig;
		jl_warn("container \"%s\": unknown stop signal \"%s\"; using TERM", st->id, value);
	}
	return SIGTERM;
}

static bool wait_exit(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;
	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return r != 0;
}

static int stop_running(const struct jl_global *g, const struct jl_state *st, bool paused,
			int timeout_sec, struct jl_err **err)
{
	cleanup_close int pidfd = jl_state_open_pidfd(st);
	if (pidfd < 0)
		return 0; /* gone meanwhile */
	int sig = stop_signal(st);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		return jl_err_sys(err, "container \"%s\": send signal %d", st->id, sig);
	/* A frozen process cannot act on its signal: thaw it to let it. */
	if (paused)
		jl_container_resume(g, st->id, NULL);
	if (timeout_sec > 0 && wait_exit(pidfd, timeout_sec * 1000))
		return 0;
	/* The whole cgroup: a pid 1 that ignored the signal has children. */
	struct jl_err *e = NULL;
	if (jl_container_kill(g, st->id, SIGKILL, true, &e) < 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	jl_err_free(&e);
	if (!wait_exit(pidfd, 10000))
		return jl_err_code(err, ETIMEDOUT, "container \"%s\": still running after SIGKILL",
				   st->id);
	return 0;
}

int jl_container_stop(const struct jl_global *g, const char *store, const char *id,
		      int timeout_sec, struct jl_err **err)
{
	if (!jl_id_valid(id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", id);
	cleanup_close int dirfd = jl_state_dir_open(g->root, id, false, err);
	if (dirfd < 0)
		return dirfd;
	struct jl_state st;
	int r = jl_state_read(dirfd, id, &st, err);
	if (r < 0)
		return r;
	enum jl_status s = jl_state_status(dirfd, &st);
	if (s == JL_STATUS_RUNNING || s == JL_STATUS_PAUSED)
		r = stop_running(g, &st, s == JL_STATUS_PAUSED, timeout_sec, err);
	else if (s == JL_STATUS_CREATED)
		/* Never started: nothing to ask nicely. */
		r = stop_running(g, &st, false, 0, err);
	jl_state_free(&st);
	/* Stopped: its address and published ports are free again. */
	if (r == 0)
		ir_net_down(jl_store_path(store), id);
	return r;
}

/* --- rm --------------------------------------------------------------------- */

static int remove_runtime_state(const struct jl_global *g, const char *id, bool force, bool *found,
				struct jl_err **err)
{
	int fd = jl_state_dir_open(g->root, id, false, NULL);
	if (fd < 0)
		return 0;
	close(fd);
	*found = true;
	int r = jl_container_delete(g, id, force, err);
	if (r == -EBUSY) {
		jl_err_free(err);
		return jl_err_code(err, EBUSY,
				   "container \"%s\" is running: stop it first (jaula stop %s) or use rm -f",
				   id, id);
	}
	return r;
}

int jl_container_remove(const struct jl_global *g, const char *store, const char *id, bool force,
			struct jl_err **err)
{
	if (!jl_id_valid(id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", id);
	bool found = false;
	int r = remove_runtime_state(g, id, force, &found, err);
	if (r < 0)
		return r;
	struct img_store *s = NULL;
	r = open_store_if_any(store, &s, err);
	if (r == 0 && s) {
		struct jl_err *e = NULL;
		ir_net_down(jl_store_path(store), id);
		r = img_rootfs_remove(s, id, &e);
		if (r == -ENOENT) {
			jl_err_free(&e);
			r = 0;
		} else {
			found = true;
			if (r < 0)
				*err = e;
		}
	}
	if (s)
		img_store_close(s);
	if (r == 0 && !found)
		return jl_err_code(err, ENOENT, "container \"%s\" does not exist", id);
	return r;
}

/* --- logs ------------------------------------------------------------------- */

static int copy_available(int in, int out, struct jl_err **err)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return jl_err_sys(err, "read the log");
		if (n == 0)
			return 0;
		if (jl_write_all(out, buf, (size_t)n) < 0)
			return jl_err_sys(err, "write the log");
	}
}

/* The init's pidfd while the container runs, else -1. */
static int running_pidfd(const struct jl_global *g, const char *id)
{
	cleanup_close int dirfd = jl_state_dir_open(g->root, id, false, NULL);
	struct jl_state st;
	if (dirfd < 0 || jl_state_read(dirfd, id, &st, NULL) < 0)
		return -1;
	int fd = jl_state_open_pidfd(&st);
	jl_state_free(&st);
	return fd;
}

static int open_log(const char *store, const char *id, struct jl_err **err)
{
	cleanup_free char *dir = xasprintf("%s/containers/%s", jl_store_path(store), id);
	cleanup_free char *path = xasprintf("%s/log", dir);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : jl_err_sys(err, "%s", path);
	struct stat st;
	if (stat(dir, &st) < 0)
		return jl_err_code(err, ENOENT, "container \"%s\" is not in the image store %s", id,
				   jl_store_path(store));
	return jl_err_code(err, ENOENT, "container \"%s\" has no log (only run -d keeps one)", id);
}

int jl_container_logs(const struct jl_global *g, const char *store, const char *id, bool follow,
		      int out_fd, struct jl_err **err)
{
	if (!jl_id_valid(id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", id);
	cleanup_close int fd = open_log(store, id, err);
	if (fd < 0)
		return fd;
	cleanup_close int pidfd = follow ? running_pidfd(g, id) : -1;
	for (;;) {
		int r = copy_available(fd, out_fd, err);
		if (r < 0 || pidfd < 0)
			return r;
		/* Exited: one last copy takes what it wrote before dying. */
		if (wait_exit(pidfd, LOG_POLL_MS)) {
			close(pidfd);
			pidfd = -1;
		}
	}
}
