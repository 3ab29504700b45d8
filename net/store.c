/* The networks part of the store: <store>/networks and its locks.  Locks
 * are flock(2) on files that stay (never unlinked), so two processes can
 * never hold "the" lock on two different inodes. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "net/net_internal.h"
#include "runtime/util.h"

int net_store_open(const char *store, bool create, struct net_store *s, struct jl_err **err)
{
	*s = (struct net_store)NET_STORE_INIT;
	const char *root = store && *store ? store : NET_DEFAULT_STORE;
	s->path = xasprintf("%s/networks", root);
	/* On failure s holds nothing: callers that find no store return
	 * without closing it. */
	if (create) {
		int r = jl_mkdir_p(s->path, 0700, err);
		if (r < 0) {
			net_store_close(s);
			return r;
		}
	}
	s->dirfd = open(s->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		int e = errno;
		int r = e == ENOENT && !create ? -ENOENT : jl_err_set(err, e, "open %s", s->path);
		net_store_close(s);
		return r;
	}
	return 0;
}

void net_store_close(struct net_store *s)
{
	free(s->path);
	closep(&s->dirfd);
	closep(&s->lockfd);
	*s = (struct net_store)NET_STORE_INIT;
}

static int lock_file(int dirfd, const char *dirpath, int op, struct jl_err **err)
{
	int fd = openat(dirfd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jl_err_sys(err, "open %s/.lock", dirpath);
	int r;
	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		jl_err_sys(err, "lock %s/.lock", dirpath);
		close(fd);
		return -1;
	}
	return fd;
}

int net_store_lock(struct net_store *s, int op, struct jl_err **err)
{
	if (s->lockfd >= 0) {
		/* Upgrading or downgrading an flock is not atomic; callers
		 * re-check what they read under the shared lock. */
		int r;
		do
			r = flock(s->lockfd, op);
		while (r < 0 && errno == EINTR);
		return r < 0 ? jl_err_sys(err, "lock %s/.lock", s->path) : 0;
	}
	int fd = lock_file(s->dirfd, s->path, op, err);
	if (fd < 0)
		return jl_err_status(err ? *err : NULL);
	s->lockfd = fd;
	return 0;
}

void net_remove_tmp(int dir, const char *sub)
{
	int fd = openat(dir, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' && n > 5 && !strcmp(de->d_name + n - 4, ".tmp"))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int net_network_dir(struct net_store *s, const char *name, int *lockfd, struct jl_err **err)
{
	if (mkdirat(s->dirfd, name, 0700) < 0 && errno != EEXIST)
		return jl_err_sys(err, "mkdir %s/%s", s->path, name);
	cleanup_close int fd = openat(s->dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open %s/%s", s->path, name);
	static const char *const subdirs[] = {"leases", "attachments"};
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
		if (mkdirat(fd, subdirs[i], 0700) < 0 && errno != EEXIST)
			return jl_err_sys(err, "mkdir %s/%s/%s", s->path, name, subdirs[i]);
	cleanup_free char *dirpath = xasprintf("%s/%s", s->path, name);
	*lockfd = lock_file(fd, dirpath, LOCK_EX, err);
	if (*lockfd < 0)
		return jl_err_status(err ? *err : NULL);
	/* Temporary files of a writer that died: under the lock, nobody else
	 * is writing. */
	net_remove_tmp(fd, ".");
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
		net_remove_tmp(fd, subdirs[i]);
	return steal_fd(&fd);
}

/* --- small JSON files --------------------------------------------------------- */

int net_json_read(int dirfd, const char *name, const char *what, jl_json_val *out,
		  struct jl_err **err)
{
	char *text = NULL;
	struct jl_err *e = NULL;
	int r = jl_read_file_at(dirfd, name, 1 << 20, &text, NULL, &e);
	if (r < 0) {
		r = jl_err_status(e);
		if (r != -ENOENT && err && !*err)
			*err = e;
		else
			jl_err_free(&e);
		return r == -ENOENT ? r : jl_err_wrap(err, "%s", what);
	}
	r = jl_json_parse(text, what, out, err);
	free(text);
	return r;
}

char *net_json_str(jl_json_val o, const char *key)
{
	const char *s = jl_json_string(jl_json_get(o, key));
	return s ? xstrdup(s) : NULL;
}

int net_json_int(jl_json_val o, const char *key, int dflt)
{
	const char *s = jl_json_number_text(jl_json_get(o, key));
	int v;
	return s && jl_parse_int(s, &v) == 0 ? v : dflt;
}

bool net_json_bool(jl_json_val o, const char *key)
{
	return jl_json_type(jl_json_get(o, key)) == JL_JSON_TRUE;
}

int net_subdir(int dirfd, const char *name, struct jl_err **err)
{
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return jl_err_sys(err, "open %s", name);
	return fd < 0 ? -ENOENT : fd;
}
