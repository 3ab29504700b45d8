#include "runtime/terminal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"
#include "runtime/util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int jl_console_connect(const char *path, struct jl_err **err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path))
		return jl_err_set(err, ENAMETOOLONG, "--console-socket \"%s\"", path);
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return jl_err_sys(err, "socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int r = jl_err_sys(err, "connect to --console-socket \"%s\"", path);
		close(fd);
		return r;
	}
	return fd;
}

int jl_send_fd(int sock, int fd, const char *name, struct jl_err **err)
{
	struct iovec iov = {(void *)name, strlen(name)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return jl_err_sys(err, "send the terminal to the console socket");
	return 0;
}

static int open_pty(int *slave, char *name, size_t n, struct jl_err **err)
{
	/* /dev/ptmx leads to the container's devpts (pts/ptmx). */
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return jl_err_sys(err, "open /dev/ptmx (is /dev/pts mounted?)");
	int unlock = 0, num;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &num) < 0) {
		int r = jl_err_sys(err, "unlock the pty");
		close(master);
		return r;
	}
	/* TIOCGPTPEER opens the slave through the master, not by a path a
	 * container could have replaced. */
	*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		int r = jl_err_sys(err, "open the pty slave");
		close(master);
		return r;
	}
	snprintf(name, n, "/dev/pts/%d", num);
	return master;
}

static int make_controlling(int slave, struct jl_err **err)
{
	if (setsid() < 0 && errno != EPERM)
		return jl_err_sys(err, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return jl_err_sys(err, "make the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return jl_err_sys(err, "dup the pty to fd %d", fd);
	return 0;
}

int jl_terminal_setup(const struct spec_process *p, int console_sock, int sync_sock,
		      bool bind_console, struct jl_err **err)
{
	char name[32];
	int slave = -1;
	cleanup_close int master = open_pty(&slave, name, sizeof(name), err);
	if (master < 0)
		return master;
	cleanup_close int slave_fd = slave;
	if (p->has_console_size) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};
		ioctl(slave_fd, TIOCSWINSZ, &ws);
	}
	/* The process must own its terminal to use it after dropping root. */
	if (fchown(slave_fd, p->user.uid, (gid_t)-1) < 0)
		return jl_err_sys(err, "chown %s", name);
	int r;
	if (console_sock >= 0) {
		r = jl_send_fd(console_sock, master, name, err);
	} else {
		r = sync_send(sync_sock, SYNC_CONSOLE, 0, name, strlen(name), master);
		if (r < 0)
			r = jl_err_set(err, -r, "send the terminal to the runtime");
	}
	if (r < 0)
		return r;
	/* /dev/console is the init's terminal; an exec'd process gets its
	 * own pty but leaves the console alone. */
	r = bind_console ? jl_dev_bind_console(name, err) : 0;
	if (r < 0)
		return r;
	return make_controlling(slave_fd, err);
}
