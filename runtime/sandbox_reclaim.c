/* What a killed `jaula sandbox` leaves: its temporary directory (rootfs,
 * store records) and, as root, an empty cgroup.  SIGKILL runs no cleanup, so
 * the next sandbox does it.  Ownership is a lock: the sandbox holds an
 * flock on <dir>/lock for its whole life, and the kernel drops it with the
 * last fd, however the owner died.  Whoever can take the lock owns the
 * leftovers and removes them; a live owner's lock is never free, so a live
 * sandbox's directory is never touched (a pid could be reused, a lock
 * cannot outlive its holder). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/container.h"
#include "runtime/log.h"
#include "runtime/sandbox_internal.h"

#define LOCK_FILE "lock"

/* The lock appears under its name already held: made as lock.tmp, locked,
 * then renamed.  A reclaimer that found an unlocked "lock" between its
 * creation and the flock would remove a sandbox being born. */
int sbx_lock_take(int dirfd, struct jl_err **err)
{
	int fd = openat(dirfd, LOCK_FILE ".tmp", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0600);
	if (fd < 0)
		return jl_err_sys(err, "create the sandbox's lock file");
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || renameat(dirfd, LOCK_FILE ".tmp", dirfd, LOCK_FILE) < 0) {
		int r = jl_err_sys(err, "take the sandbox's lock file");
		close(fd);
		return r;
	}
	return fd;
}

/* Still the file at dirfd/name?  A lock taken on a file another reclaimer
 * already removed (with its whole directory) proves nothing. */
static bool same_file(int fd, int dirfd, const char *name)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A sandbox's container is ephemeral: its cgroup is found by its name.  Its
 * init died with its runtime, taking its pid namespace along, so the
 * cgroup is empty: a plain rmdir, which could never remove a populated
 * cgroup of somebody else's that happened to bear the name.  False: still
 * there (its last process not gone yet): the directory stays, to be tried
 * again by a later sandbox. */
static bool reclaim_cgroup(const char *id)
{
	struct cg_root root;
	cleanup_free char *path = NULL;
	if (geteuid() != 0 || cg_detect(&root, NULL) < 0 || root.mode == CG_MODE_LEGACY ||
	    cg_resolve_path(NULL, id, false, &path, NULL) < 0)
		return true;
	cleanup_free char *abs = xasprintf("%s%s", root.mount, path);
	return rmdir(abs) == 0 || errno == ENOENT;
}

/* Sandboxes of earlier versions had a state root of their own: the
 * runtime's own delete of every container in it. */
static void delete_containers(int dirfd, const char *path)
{
	cleanup_free char *root = xasprintf("%s/state", path);
	int fd = openat(dirfd, "state", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct jl_global g = {.root = root, .cgroup_disabled = geteuid() != 0};
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		struct jl_err *e = NULL;
		if (jl_container_delete(&g, de->d_name, true, &e) < 0)
			jl_debug("reclaim %s: %s", path, e->msg);
		jl_err_free(&e);
	}
	closedir(d);
}

/* What the sandbox had of the image store: its root (--image), its lease
 * and network records (--net; the veth went with the namespace). */
static void reclaim_store(int dirfd, const char *name)
{
	cleanup_free char *store = NULL;
	size_t len;
	if (jl_read_file_at(dirfd, SBX_STORE_FILE, 4096, &store, &len, NULL) < 0 || !len ||
	    store[0] != '/')
		return;
	cleanup_free char *id = xasprintf("sandbox-%s", name + strlen(SBX_DIR_PREFIX));
	sbx_image_reclaim(store, id);
	sbx_net_down(store, id);
}

static void reclaim_one(int parentfd, const char *parent, const char *name)
{
	cleanup_close int dirfd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								 O_CLOEXEC);
	struct stat st;
	/* In a shared TMPDIR, only our own. */
	if (dirfd < 0 || fstat(dirfd, &st) < 0 || st.st_uid != geteuid())
		return;
	cleanup_close int lock = openat(dirfd, LOCK_FILE, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
		return; /* alive, or being born or reclaimed right now */
	if (!same_file(lock, dirfd, LOCK_FILE) || !same_file(dirfd, parentfd, name))
		return;
	cleanup_free char *path = xasprintf("%s/%s", parent, name);
	cleanup_free char *id = xasprintf("sandbox-%s", name + strlen(SBX_DIR_PREFIX));
	jl_debug("reclaim %s: its sandbox is gone", path);
	if (!reclaim_cgroup(id))
		return;
	delete_containers(dirfd, path);
	reclaim_store(dirfd, name);
	struct jl_err *e = NULL;
	if (jl_remove_tree_at(parentfd, name, &e) < 0)
		jl_warn("remove the stale \"%s\": %s", path, e->msg);
	jl_err_free(&e);
}

void sbx_reclaim_stale(const char *parent)
{
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *de; (de = readdir(d));)
		if (jl_str_has_prefix(de->d_name, SBX_DIR_PREFIX))
			reclaim_one(dirfd(d), parent, de->d_name);
	closedir(d);
}
