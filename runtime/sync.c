#include "runtime/sync.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/util.h"

/* Messages are a fixed header plus data; hook state JSON can carry large
 * annotations, so the receiver sizes its buffer with MSG_PEEK|MSG_TRUNC. */
struct wire {
	uint32_t type;
	int32_t errnum;
};

#define SYNC_MAX (8u << 20)

void sync_msg_clear(struct sync_msg *m)
{
	free(m->data);
	if (m->fd >= 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

static int send_msg(int sock, struct msghdr *mh)
{
	for (;;) {
		if (sendmsg(sock, mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int sync_send(int sock, enum sync_type type, int errnum, const void *data, size_t len, int fd)
{
	struct wire w = {.type = type, .errnum = errnum};
	struct iovec iov[2] = {{&w, sizeof(w)}, {(void *)data, len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return send_msg(sock, &mh);
}

static void take_control(struct msghdr *mh, struct sync_msg *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS && m->fd < 0)
			memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
		else if (c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			m->pid = cred.pid;
		}
	}
}

int sync_recv(int sock, struct sync_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	ssize_t size;
	char probe;
	do
		size = recv(sock, &probe, 1, MSG_PEEK | MSG_TRUNC);
	while (size < 0 && errno == EINTR);
	if (size < 0)
		return -errno;
	if (size == 0)
		return -EPIPE;
	if ((size_t)size < sizeof(struct wire) || (size_t)size > SYNC_MAX)
		return -EPROTO;
	char *buf = xmalloc((size_t)size + 1);
	struct iovec iov = {buf, (size_t)size};
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	take_control(&mh, m);
	struct wire w;
	memcpy(&w, buf, sizeof(w));
	m->type = w.type;
	m->errnum = w.errnum;
	m->len = (uint32_t)((size_t)n - sizeof(w));
	if (m->len) {
		memmove(buf, buf + sizeof(w), m->len);
		buf[m->len] = '\0';
		m->data = buf;
	} else {
		free(buf);
	}
	return 0;
}

int sync_expect(int sock, enum sync_type want, const char *who, struct sync_msg *m,
		struct jl_err **err)
{
	int r = sync_recv(sock, m);
	if (r == -EPIPE)
		return jl_err_set(err, 0, "%s exited unexpectedly", who);
	if (r < 0)
		return jl_err_set(err, -r, "read from %s", who);
	if (m->type == SYNC_ERROR) {
		/* The message already carries strerror; keep errnum for status. */
		int e = m->errnum;
		jl_err_set(err, 0, "%s", m->data ? m->data : "unknown error");
		if (err && *err)
			(*err)->errnum = e;
		sync_msg_clear(m);
		return e > 0 ? -e : -EINVAL;
	}
	if (m->type != want) {
		int t = (int)m->type;
		sync_msg_clear(m);
		return jl_err_set(err, EPROTO, "%s: expected message %d, got %d", who, want, t);
	}
	return 0;
}

int sync_send_error(int sock, const struct jl_err *err)
{
	const char *msg = err && err->msg ? err->msg : "unknown error";
	return sync_send(sock, SYNC_ERROR, err ? err->errnum : 0, msg, strlen(msg), -1);
}
