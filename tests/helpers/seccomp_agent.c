/* A minimal seccomp notify agent for the tests.
 *
 *   seccomp_agent SOCKET_PATH [--errno N | --allow]
 *
 * Listens on the unix socket SOCKET_PATH, accepts one connection and takes
 * the runtime's message from it: the container process state JSON as the
 * payload and the notify listener fd as SCM_RIGHTS (config-linux.md, "The
 * Container Process State").  The JSON is written to SOCKET_PATH.state.  Then
 * every notification is answered -- with SECCOMP_USER_NOTIF_FLAG_CONTINUE
 * (--allow: the kernel runs the call) or with errno N (--errno N, default
 * EPERM) -- until the listener reports POLLHUP (every process under the
 * filter is gone), and the agent exits 0.
 *
 * SOCKET_PATH appears only once the socket is listening (it is bound under a
 * temporary name and renamed), so a test may connect as soon as it exists.
 *
 * Built static, on its own: it links nothing from libjaula. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* Far above any real state JSON; bounds what a confused peer can make us hold. */
#define MAX_STATE (1u << 20)

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("seccomp_agent: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct options {
	const char *path;
	bool allow;
	int errnum;
};

static struct options parse_args(int argc, char **argv)
{
	struct options o = {.errnum = EPERM};
	if (argc < 2 || argc > 4)
		die("usage: seccomp_agent SOCKET_PATH [--errno N | --allow]");
	o.path = argv[1];
	if (argc == 3 && !strcmp(argv[2], "--allow")) {
		o.allow = true;
	} else if (argc == 4 && !strcmp(argv[2], "--errno")) {
		char *end;
		long n = strtol(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end || n < 1 || n > 4095)
			die("--errno: expected 1-4095, got \"%s\"", argv[3]);
		o.errnum = (int)n;
	} else if (argc != 2) {
		die("usage: seccomp_agent SOCKET_PATH [--errno N | --allow]");
	}
	return o;
}

static void set_addr(struct sockaddr_un *a, const char *path)
{
	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a->sun_path))
		die("socket path too long: \"%s\"", path);
	strcpy(a->sun_path, path);
}

static int listen_at(const char *path)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	struct sockaddr_un a;
	set_addr(&a, tmp);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket: %s", strerror(errno));
	unlink(tmp);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
		die("listen on \"%s\": %s", tmp, strerror(errno));
	/* Renaming keeps the bound inode: whoever sees `path` can connect. */
	if (rename(tmp, path) < 0)
		die("rename \"%s\" to \"%s\": %s", tmp, path, strerror(errno));
	return s;
}

/* The first message carries the fd; the rest of the JSON may follow in
 * further segments, up to the peer's close. */
static int receive(int conn, char *buf, size_t cap, size_t *len)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b,
			     .msg_controllen = sizeof(control.b)};
	ssize_t n;
	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("recvmsg: %s", strerror(errno));
	int fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = f; /* "seccompFd" is the first of "fds" */
			else
				close(f);
		}
	}
	if (fd < 0)
		die("no file descriptor in the first message");
	*len = (size_t)n;
	while (n > 0 && *len < cap) {
		n = read(conn, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n < 0)
			die("read state: %s", strerror(errno));
		else
			*len += (size_t)n;
	}
	return fd;
}

static void write_state(const char *path, const char *buf, size_t len)
{
	char final[4096], tmp[4096 + 8];
	snprintf(final, sizeof(final), "%s.state", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", final);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open \"%s\": %s", tmp, strerror(errno));
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno != EINTR)
			die("write \"%s\": %s", tmp, strerror(errno));
		if (n > 0)
			done += (size_t)n;
	}
	close(fd);
	/* Readers see the whole state or none of it. */
	if (rename(tmp, final) < 0)
		die("rename \"%s\": %s", tmp, strerror(errno));
}

/* The kernel's structs may be larger than this header's: size them as the
 * kernel says (SECCOMP_GET_NOTIF_SIZES), never smaller than ours. */
static void notif_sizes(size_t *req, size_t *resp)
{
	struct seccomp_notif_sizes s;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) < 0)
		die("SECCOMP_GET_NOTIF_SIZES: %s", strerror(errno));
	*req = s.seccomp_notif > sizeof(struct seccomp_notif) ? s.seccomp_notif
							       : sizeof(struct seccomp_notif);
	*resp = s.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
			? s.seccomp_notif_resp
			: sizeof(struct seccomp_notif_resp);
}

static void answer_one(int listener, const struct options *o, struct seccomp_notif *req,
		       size_t req_size, struct seccomp_notif_resp *resp, size_t resp_size)
{
	/* The kernel refuses a request buffer that is not zeroed. */
	memset(req, 0, req_size);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
		/* ENOENT: the caller died (or was signalled) before we read it. */
		if (errno == EINTR || errno == ENOENT)
			return;
		die("SECCOMP_IOCTL_NOTIF_RECV: %s", strerror(errno));
	}
	memset(resp, 0, resp_size);
	resp->id = req->id;
	if (o->allow)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		resp->error = -o->errnum;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		die("SECCOMP_IOCTL_NOTIF_SEND: %s", strerror(errno));
}

static void serve(int listener, const struct options *o)
{
	size_t req_size, resp_size;
	notif_sizes(&req_size, &resp_size);
	struct seccomp_notif *req = calloc(1, req_size);
	struct seccomp_notif_resp *resp = calloc(1, resp_size);
	if (!req || !resp)
		die("out of memory");
	for (;;) {
		struct pollfd p = {.fd = listener, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (p.revents & POLLIN)
			answer_one(listener, o, req, req_size, resp, resp_size);
		else if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
	}
	free(req);
	free(resp);
}

int main(int argc, char **argv)
{
	struct options o = parse_args(argc, argv);
	int s = listen_at(o.path);
	int conn;
	do
		conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		die("accept: %s", strerror(errno));
	char *buf = malloc(MAX_STATE);
	if (!buf)
		die("out of memory");
	size_t len;
	int listener = receive(conn, buf, MAX_STATE, &len);
	close(conn);
	close(s);
	write_state(o.path, buf, len);
	free(buf);
	serve(listener, &o);
	close(listener);
	return 0;
}
