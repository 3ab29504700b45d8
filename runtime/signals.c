/* Signal names as kill(1), runc and containerd spell them. */
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "runtime/container.h"
#include "runtime/util.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
	{"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
	{"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},    {"CONT", SIGCONT},
	{"STOP", SIGSTOP},   {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},
	{"URG", SIGURG},     {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF},   {"WINCH", SIGWINCH},   {"IO", SIGIO},       {"POLL", SIGPOLL},
	{"PWR", SIGPWR},     {"SYS", SIGSYS},
};

/* "RTMIN", "RTMIN+3", "RTMAX-2" */
static int parse_realtime(const char *s)
{
	int base, sign;
	if (!strncasecmp(s, "RTMIN", 5))
		base = SIGRTMIN, sign = 1;
	else if (!strncasecmp(s, "RTMAX", 5))
		base = SIGRTMAX, sign = -1;
	else
		return -1;
	s += 5;
	if (!*s)
		return base;
	if (*s != (sign > 0 ? '+' : '-'))
		return -1;
	int off;
	if (jl_parse_int(s + 1, &off) < 0 || off < 0)
		return -1;
	int sig = base + sign * off;
	return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int jl_signal_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	int n;
	if (jl_parse_int(s, &n) == 0)
		return n >= 0 && n < NSIG ? n : -1; /* 0: only checks the process exists */
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	return parse_realtime(s);
}
