#include "runtime/tty_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "runtime/util.h"

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Move what is readable from `in` to `out`; false at EOF or error. */
static bool shovel(int in, int out)
{
	char buf[16384];
	ssize_t n = read(in, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	return n > 0 && jl_write_all(out, buf, (size_t)n) == 0;
}

void jl_tty_relay_begin(struct jl_tty_relay *t, int master)
{
	t->master = master;
	t->stdin_open = true;
	t->raw = false;
	if (tcgetattr(0, &t->saved) == 0) {
		struct termios raw = t->saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		copy_winsize(0, master);
		t->raw = true;
	}
}

void jl_tty_relay_pollfds(const struct jl_tty_relay *t, struct pollfd p[2])
{
	p[0] = (struct pollfd){.fd = t->master, .events = POLLIN};
	p[1] = (struct pollfd){.fd = t->stdin_open ? 0 : -1, .events = POLLIN};
}

void jl_tty_relay_io(struct jl_tty_relay *t, const struct pollfd p[2])
{
	if (p[0].revents & POLLIN)
		shovel(t->master, 1);
	if (p[1].revents & (POLLIN | POLLHUP))
		if (!shovel(0, t->master))
			t->stdin_open = false;
}

void jl_tty_relay_winch(const struct jl_tty_relay *t)
{
	copy_winsize(0, t->master);
}

void jl_tty_relay_drain(const struct jl_tty_relay *t)
{
	fcntl(t->master, F_SETFL, O_NONBLOCK);
	while (shovel(t->master, 1))
		;
}

void jl_tty_relay_end(struct jl_tty_relay *t)
{
	if (t->raw)
		tcsetattr(0, TCSANOW, &t->saved);
	t->raw = false;
}
