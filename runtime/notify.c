#include "runtime/notify.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/util.h"

#define SOCK_NAME "notify.sock"

const char *jl_notify_host_socket(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	return s && *s ? s : NULL;
}

int jl_notify_prepare(int dirfd, const char *root, const char *id, char **dir,
		      struct jl_err **err)
{
	/* 0755: the container's own root (maybe another uid in a user
	 * namespace) must reach the socket through the bind mount. */
	if (mkdirat(dirfd, JL_NOTIFY_DIR, 0755) < 0 && errno != EEXIST)
		return jl_err_sys(err, "NOTIFY_SOCKET: create \"%s/%s/%s\"", root, id, JL_NOTIFY_DIR);
	if (fchmodat(dirfd, JL_NOTIFY_DIR, 0755, 0) < 0)
		return jl_err_sys(err, "NOTIFY_SOCKET: chmod \"%s/%s/%s\"", root, id, JL_NOTIFY_DIR);
	cleanup_free char *abs = realpath(root, NULL);
	if (!abs)
		return jl_err_sys(err, "NOTIFY_SOCKET: resolve \"%s\"", root);
	*dir = xasprintf("%s/%s/%s", abs, id, JL_NOTIFY_DIR);
	return 0;
}

/* A sockaddr for a path, or for "@name" in the abstract namespace. */
static int make_addr(const char *path, struct sockaddr_un *a, socklen_t *len)
{
	size_t n = strlen(path);
	if (n >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, path, n);
	if (path[0] == '@')
		a->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@'));
	return 0;
}

int jl_notify_bind(int dirfd, struct jl_err **err)
{
	cleanup_close int dir = openat(dirfd, JL_NOTIFY_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return errno == ENOENT ? -ENOENT : jl_err_sys(err, "NOTIFY_SOCKET: open notify/");
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/" SOCK_NAME, dir);
	struct sockaddr_un a;
	socklen_t len;
	make_addr(path, &a, &len);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return jl_err_sys(err, "NOTIFY_SOCKET: socket");
	unlinkat(dir, SOCK_NAME, 0);
	if (bind(fd, (struct sockaddr *)&a, len) < 0 || fchmodat(dir, SOCK_NAME, 0777, 0) < 0) {
		int r = jl_err_sys(err, "NOTIFY_SOCKET: bind notify/" SOCK_NAME);
		close(fd);
		return r;
	}
	return fd;
}

static bool says_ready(const char *msg, size_t n)
{
	for (const char *p = msg; p < msg + n;) {
		const char *end = memchr(p, '\n', (size_t)(msg + n - p));
		size_t len = end ? (size_t)(end - p) : (size_t)(msg + n - p);
		if (len == 7 && !memcmp(p, "READY=1", 7))
			return true;
		p += len + 1;
	}
	return false;
}

static int send_host(int out, const struct sockaddr_un *a, socklen_t len, const void *msg,
		     size_t n, const char *host, struct jl_err **err)
{
	if (sendto(out, msg, n, MSG_NOSIGNAL, (const struct sockaddr *)a, len) < 0)
		return jl_err_sys(err, "NOTIFY_SOCKET: send to \"%s\"", host);
	return 0;
}

int jl_notify_relay(int sock, const char *host, pid_t pid, int pidfd, struct jl_err **err)
{
	struct sockaddr_un a;
	socklen_t len;
	if (make_addr(host, &a, &len) < 0)
		return jl_err_set(err, ENAMETOOLONG, "NOTIFY_SOCKET \"%s\"", host);
	cleanup_close int out = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (out < 0)
		return jl_err_sys(err, "NOTIFY_SOCKET: socket");
	char msg[4096];
	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return jl_err_sys(err, "NOTIFY_SOCKET: poll");
		}
		if (p[0].revents & POLLIN) {
			ssize_t n = recv(sock, msg, sizeof(msg), MSG_DONTWAIT);
			if (n <= 0)
				continue;
			int r = send_host(out, &a, len, msg, (size_t)n, host, err);
			if (r < 0)
				return r;
			if (says_ready(msg, (size_t)n)) {
				/* The container's pid as the caller sees it, not the
				 * one it sent (its own namespace's). */
				int m = snprintf(msg, sizeof(msg), "MAINPID=%d", (int)pid);
				return send_host(out, &a, len, msg, (size_t)m, host, err);
			}
			continue;
		}
		if (p[1].revents)
			return 0; /* the container is gone without READY=1 */
	}
}
