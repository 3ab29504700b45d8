/* console_recv SOCKET_PATH OUTFILE: the other end of --console-socket.
 *
 * Listen on a unix socket, write SOCKET_PATH.ready once listening (so a test
 * can wait for it), accept one connection, receive the pty master the
 * runtime sends with SCM_RIGHTS, then copy everything read from the master
 * into OUTFILE until EOF or EIO (the slave's last holder is gone).  Exits 0
 * on that normal end, 1 on any error (message on stderr). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "console_recv: %s: %s\n", what, strerror(errno));
	return 1;
}

static int listen_on(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int mark_ready(const char *path)
{
	char ready[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	snprintf(ready, sizeof(ready), "%s.ready", path);
	int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	return close(fd);
}

/* The fd in the first SCM_RIGHTS message; the payload is the pty's name. */
static int recv_fd(int conn)
{
	char name[256];
	struct iovec iov = {name, sizeof(name) - 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	do
		n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
		errno = EPROTO;
		return -1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static int copy_out(int master, int out)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno == EIO))
			return 0; /* the slave side is closed: done */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			off += w;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: console_recv SOCKET_PATH OUTFILE\n");
		return 2;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return fail(argv[2]);
	int lfd = listen_on(argv[1]);
	if (lfd < 0)
		return fail(argv[1]);
	if (mark_ready(argv[1]) < 0)
		return fail("ready marker");
	int conn;
	do
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		return fail("accept");
	close(lfd);
	int master = recv_fd(conn);
	if (master < 0)
		return fail("receive the pty master");
	close(conn);
	if (copy_out(master, out) < 0)
		return fail("copy from the pty");
	if (close(out) < 0)
		return fail(argv[2]);
	return 0;
}
