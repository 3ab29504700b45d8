/* Test driver for the net room, until `jaula run IMAGE --net` exists:
 *
 *   netctl attach --store DIR --id ID --netns PATH [--network NAME] [-p SPEC]...
 *       net_attach; prints "address=... prefix=... gateway=... address6=...
 *       mac=... host_ifname=..." one per line
 *   netctl detach --store DIR --id ID                 net_detach
 *   netctl names --store DIR --id ID [--hostname H] [--dns IP]...
 *       [--hosts F] [--resolv F] [--hostname-file F]  net_write_names
 *   netctl netns FILE                                 net_netns_new, held by a
 *       child that sleeps until killed; prints "/proc/PID/ns/net"
 *   netctl bench --store DIR --netns PATH [-n N] [--network NAME]
 *       N attach+detach rounds in this process; prints per-round microseconds
 *   netctl serve --tcp|--udp PORT   echo server: answers each line/datagram
 *       with "PEER-ADDRESS LINE"; runs until killed
 *   netctl send --tcp|--udp HOST PORT MESSAGE [--timeout S]
 *       prints the answer; exit 1 without one
 * Errors go to stderr, exit status 1 (2 for usage). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "runtime/log.h"

struct args {
	const char *store, *id, *netns, *network, *hostname, *hosts, *resolv, *hostname_file;
	const char *ports[64], *dns[8];
	size_t n_ports, n_dns;
	int rounds;
};

static int usage(void)
{
	fprintf(stderr, "usage: netctl attach|detach|names|netns|bench|serve|send ... "
			"(see tests/tools/netctl.c)\n");
	return 2;
}

static int parse(int argc, char **argv, struct args *a)
{
	*a = (struct args){.rounds = 100};
	for (int i = 2; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = !strcmp(k, "--store")	  ? &a->store
				    : !strcmp(k, "--id")	  ? &a->id
				    : !strcmp(k, "--netns")	  ? &a->netns
				    : !strcmp(k, "--network")	  ? &a->network
				    : !strcmp(k, "--hostname")	  ? &a->hostname
				    : !strcmp(k, "--hosts")	  ? &a->hosts
				    : !strcmp(k, "--resolv")	  ? &a->resolv
				    : !strcmp(k, "--hostname-file") ? &a->hostname_file
								  : NULL;
		if (!v)
			return -1;
		if (slot)
			*slot = v;
		else if (!strcmp(k, "-p") && a->n_ports < 64)
			a->ports[a->n_ports++] = v;
		else if (!strcmp(k, "--dns") && a->n_dns < 8)
			a->dns[a->n_dns++] = v;
		else if (!strcmp(k, "-n"))
			a->rounds = atoi(v);
		else
			return -1;
		i++;
	}
	return 0;
}

static int fail(struct jl_err **err)
{
	fprintf(stderr, "netctl: %s\n", *err && (*err)->msg ? (*err)->msg : "failed");
	jl_err_free(err);
	return 1;
}

static void print_kv(const char *k, const char *v)
{
	if (v)
		printf("%s=%s\n", k, v);
}

static int cmd_attach(const struct args *a)
{
	struct jl_err *err = NULL;
	if (!a->id || !a->netns)
		return usage();
	int fd = open(a->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "netctl: %s: %s\n", a->netns, strerror(errno));
		return 1;
	}
	struct net_attach_opts o = {.network = a->network, .netns_fd = fd, .ports = a->ports,
				    .n_ports = a->n_ports};
	struct net_attachment at;
	int r = net_attach(a->store, a->id, &o, &at, &err);
	close(fd);
	if (r < 0)
		return fail(&err);
	print_kv("network", at.network);
	print_kv("address", at.address);
	printf("prefix=%d\n", at.prefix);
	print_kv("gateway", at.gateway);
	print_kv("address6", at.address6);
	print_kv("gateway6", at.gateway6);
	print_kv("mac", at.mac);
	print_kv("host_ifname", at.host_ifname);
	net_attachment_free(&at);
	return 0;
}

static int cmd_detach(const struct args *a)
{
	struct jl_err *err = NULL;
	if (!a->id)
		return usage();
	return net_detach(a->store, a->id, &err) < 0 ? fail(&err) : 0;
}

static int cmd_names(const struct args *a)
{
	struct jl_err *err = NULL;
	if (!a->id)
		return usage();
	struct net_names_opts o = {.hostname = a->hostname, .dns = a->dns, .n_dns = a->n_dns,
				   .hosts_path = a->hosts, .resolv_path = a->resolv,
				   .hostname_path = a->hostname_file};
	return net_write_names(a->store, a->id, &o, &err) < 0 ? fail(&err) : 0;
}

/* A namespace made by net_netns_new, kept alive by a sleeping child. */
static int cmd_netns(void)
{
	struct jl_err *err = NULL;
	int fd;
	if (net_netns_new(&fd, &err) < 0)
		return fail(&err);
	pid_t pid = fork();
	if (pid == 0) {
		/* Nothing of the caller's: a $(netctl netns) must see EOF. */
		int null = open("/dev/null", O_RDWR);
		if (setns(fd, 0) < 0 || null < 0)
			_exit(1);
		for (int i = 0; i < 3; i++)
			dup2(null, i);
		syscall(SYS_close_range, 3, ~0U, 0);
		setsid();
		for (;;)
			pause();
	}
	printf("/proc/%d/ns/net\n", (int)pid);
	return 0;
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmd_bench(const struct args *a)
{
	struct jl_err *err = NULL;
	if (!a->netns)
		return usage();
	int fd = open(a->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return usage();
	struct net_attach_opts o = {.network = a->network, .netns_fd = fd};
	for (int i = 0; i < a->rounds; i++) {
		struct net_attachment at;
		double t0 = now_us();
		if (net_attach(a->store, "bench", &o, &at, &err) < 0)
			return fail(&err);
		double t1 = now_us();
		if (net_detach(a->store, "bench", &err) < 0)
			return fail(&err);
		double t2 = now_us();
		printf("%.0f %.0f %.0f\n", t1 - t0, t2 - t1, t2 - t0);
		net_attachment_free(&at);
	}
	close(fd);
	return 0;
}

/* --- echo server and client ------------------------------------------------ */

static void peer_name(const struct sockaddr_in6 *sa, char *out, size_t n)
{
	if (IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr))
		inet_ntop(AF_INET, &sa->sin6_addr.s6_addr[12], out, (socklen_t)n);
	else
		inet_ntop(AF_INET6, &sa->sin6_addr, out, (socklen_t)n);
}

/* One socket for both families: [::]:port with IPV6_V6ONLY off. */
static int listen_any(int type, int port)
{
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0), off = 0, on = 1;
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		perror("netctl serve");
		exit(1);
	}
	return fd;
}

static void serve_tcp_conn(int c, const struct sockaddr_in6 *peer)
{
	char who[INET6_ADDRSTRLEN], buf[4096];
	peer_name(peer, who, sizeof(who));
	FILE *in = fdopen(c, "r+");
	if (!in) {
		close(c);
		return;
	}
	while (fgets(buf, sizeof(buf), in)) {
		fprintf(in, "%s %s", who, buf);
		fflush(in);
	}
	fclose(in);
}

static int echo_serve(int argc, char **argv)
{
	if (argc != 4)
		return usage();
	bool tcp = !strcmp(argv[2], "--tcp");
	int fd = listen_any(tcp ? SOCK_STREAM : SOCK_DGRAM, atoi(argv[3]));
	for (;;) {
		struct sockaddr_in6 peer;
		socklen_t len = sizeof(peer);
		if (tcp) {
			int c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
			if (c >= 0)
				serve_tcp_conn(c, &peer);
			continue;
		}
		char buf[2048], who[INET6_ADDRSTRLEN], out[2200];
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &len);
		if (n < 0)
			continue;
		buf[n] = '\0';
		peer_name(&peer, who, sizeof(who));
		int m = snprintf(out, sizeof(out), "%s %s", who, buf);
		sendto(fd, out, (size_t)m, 0, (struct sockaddr *)&peer, len);
	}
}

static bool wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	return poll(&p, 1, timeout_ms) == 1;
}

static int echo_send(int argc, char **argv)
{
	if (argc != 6 && argc != 8)
		return usage();
	bool tcp = !strcmp(argv[2], "--tcp");
	int timeout_ms = argc == 8 ? (int)(atof(argv[7]) * 1000) : 3000;
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM}, *ai;
	if (getaddrinfo(argv[3], argv[4], &hints, &ai) != 0)
		return usage();
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r < 0 && errno == EINPROGRESS && wait_fd(fd, POLLOUT, timeout_ms)) {
		socklen_t l = sizeof(r);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &l);
		errno = r;
		r = r ? -1 : 0;
	}
	char msg[1100], buf[4096];
	int m = snprintf(msg, sizeof(msg), "%s\n", argv[5]);
	if (r < 0 || send(fd, msg, (size_t)m, 0) != m) {
		fprintf(stderr, "netctl send: %s\n", strerror(r < 0 ? errno : EIO));
		return 1;
	}
	size_t got = 0;
	while (got < sizeof(buf) - 1 && wait_fd(fd, POLLIN, timeout_ms)) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	if (got == 0) {
		fprintf(stderr, "netctl send: no answer\n");
		return 1;
	}
	buf[got] = '\0';
	fputs(buf, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	struct jl_err *err = NULL;
	struct jl_log_options lo = {.debug = getenv("NETCTL_DEBUG") != NULL};
	if (jl_log_init(&lo, &err) < 0)
		return fail(&err);
	const char *cmd = argv[1];
	if (!strcmp(cmd, "serve"))
		return echo_serve(argc, argv);
	if (!strcmp(cmd, "send"))
		return echo_send(argc, argv);
	if (!strcmp(cmd, "netns"))
		return cmd_netns();
	struct args a;
	if (parse(argc, argv, &a) < 0)
		return usage();
	if (!strcmp(cmd, "attach"))
		return cmd_attach(&a);
	if (!strcmp(cmd, "detach"))
		return cmd_detach(&a);
	if (!strcmp(cmd, "names"))
		return cmd_names(&a);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(&a);
	return usage();
}
