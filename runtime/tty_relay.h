/* Relaying a pty the runtime holds the master of (run -t, exec -t,
 * sandbox -t): our stdin into the master, the master onto our stdout, our
 * own terminal in raw mode meanwhile (the pty's line discipline does the
 * editing and the signals) and its window size passed on. */
#ifndef JAULA_TTY_RELAY_H
#define JAULA_TTY_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <termios.h>

struct jl_tty_relay {
	int master;
	bool stdin_open;
	bool raw; /* our stdin is a terminal, in raw mode until jl_tty_relay_end */
	struct termios saved;
};

/* Start relaying master (>= 0): raw mode and our size, if stdin is a tty. */
void jl_tty_relay_begin(struct jl_tty_relay *t, int master);
/* The two entries poll needs: the master, and our stdin while it is open. */
void jl_tty_relay_pollfds(const struct jl_tty_relay *t, struct pollfd p[2]);
/* Move what poll found ready in those two entries. */
void jl_tty_relay_io(struct jl_tty_relay *t, const struct pollfd p[2]);
/* SIGWINCH: our window size to the pty (whose kernel side tells the
 * process group in the foreground). */
void jl_tty_relay_winch(const struct jl_tty_relay *t);
/* The process exited: what it wrote before it did. */
void jl_tty_relay_drain(const struct jl_tty_relay *t);
/* Our terminal as it was. */
void jl_tty_relay_end(struct jl_tty_relay *t);

#endif
