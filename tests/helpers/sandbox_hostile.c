/* sandbox_hostile MODE [ARGS]: one escape attempt or abuse per mode, for
 * tests/integration/sandbox.bats.  Each attempt prints one line:
 *   "BLOCKED <what>: <why>"  the sandbox stopped it, or
 *   "ESCAPED <what>"         it worked;
 * and the program exits 1 if anything escaped, else 0.  The abuse modes
 * (forkbomb, membomb, spin, ...) never end on their own: the sandbox must
 * end them.  A few modes run on the host to stage an attack (listen-*). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* also built by tests/vm/run.sh, without -D_GNU_SOURCE */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int escaped;

/* r < 0 with errno: blocked; anything else: it worked. */
static void verdict(const char *what, long r)
{
	if (r < 0) {
		printf("BLOCKED %s: %s\n", what, strerror(errno));
	} else {
		printf("ESCAPED %s\n", what);
		escaped = 1;
	}
	fflush(stdout);
}

static void try_open(const char *path, int flags)
{
	char what[300];
	snprintf(what, sizeof(what), "open %s %s", path, flags == O_RDONLY ? "r" : "w");
	int fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd >= 0 && flags != O_RDONLY && write(fd, "pwned\n", 6) < 0) {
		close(fd);
		fd = -1;
	}
	verdict(what, fd);
	if (fd >= 0)
		close(fd);
}

static void try_list(const char *path)
{
	DIR *d = opendir(path);
	char what[300];
	snprintf(what, sizeof(what), "list %s", path);
	verdict(what, d ? 0 : -1);
	if (d)
		closedir(d);
}

/* The classic chroot escape: chroot into a subdirectory while keeping the
 * cwd outside it, climb, chroot to what is there. */
static void chroot_escape(void)
{
	mkdir("/tmp/jail", 0755);
	if (chroot("/tmp/jail") < 0) {
		verdict("chroot", -1);
		return;
	}
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	verdict("chroot", chroot("."));
	try_open("/etc/shadow", O_RDONLY);
}

static void tree_attacks(void)
{
	verdict("mount tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL));
	verdict("mount proc", mount("proc", "/tmp", "proc", 0, NULL));
	verdict("bind /", mount("/", "/tmp", NULL, MS_BIND | MS_REC, NULL));
	verdict("remount / rw", mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL));
	verdict("umount /proc", umount2("/proc", MNT_DETACH));
	mkdir("/tmp/old", 0755);
	verdict("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp/old"));
	chroot_escape();
}

static void userns_attacks(void)
{
	verdict("unshare user", unshare(CLONE_NEWUSER));
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	verdict("clone user", pid);
	struct clone_args a = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	verdict("clone3 user", pid);
}

static void kernel_attacks(void)
{
	verdict("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	verdict("add_key", syscall(SYS_add_key, "user", "k", "v", 1, -3));
	char attr[128] = {0};
	verdict("bpf", syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof(attr)));
	uint32_t pe[32] = {0, sizeof(pe)}; /* type HARDWARE, size */
	verdict("perf_event_open", syscall(SYS_perf_event_open, pe, 0, -1, -1, 0));
	char handle[128] = {0};
	((unsigned int *)handle)[0] = 8; /* handle_bytes */
	verdict("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, handle, O_RDONLY));
	verdict("raw socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	verdict("packet socket", socket(AF_PACKET, SOCK_RAW, htons(3 /* ETH_P_ALL */)));
}

static sigjmp_buf no_ia32;

static void on_segv(int sig)
{
	siglongjmp(no_ia32, sig);
}

/* i386 unshare (310) through int $0x80 from this 64-bit program, and the
 * x32 unshare (272 | __X32_SYSCALL_BIT): a filter that only knew the
 * native ABI would let both through.  A kernel without the i386 ABI
 * (ia32_emulation=0) answers int $0x80 with SIGSEGV. */
static void abi_attacks(void)
{
#if defined(__x86_64__)
	long r = -1;
	signal(SIGSEGV, on_segv);
	if (sigsetjmp(no_ia32, 1) == 0) {
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(310L), "b"((long)CLONE_NEWUSER)
				 : "memory");
		errno = r < 0 ? (int)-r : 0;
		verdict("i386 unshare user", r < 0 ? -1 : 0);
	} else {
		printf("BLOCKED i386 unshare user: no i386 ABI in this kernel (SIGSEGV)\n");
	}
	signal(SIGSEGV, SIG_DFL);
	r = syscall(0x40000000 | 272, CLONE_NEWUSER);
	verdict("x32 unshare user", r);
#else
	printf("BLOCKED i386/x32: not x86-64\n");
#endif
}

static void proc_attacks(void)
{
	try_open("/proc/sys/kernel/hostname", O_WRONLY);
	try_open("/proc/sysrq-trigger", O_WRONLY);
	try_open("/proc/1/environ", O_RDONLY);
	try_open("/proc/self/exe", O_WRONLY);
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char p[300];
		snprintf(p, sizeof(p), "/proc/%s/exe", e->d_name);
		try_open(p, O_WRONLY);
	}
	if (d)
		closedir(d);
}

/* Any process's environment that holds secret (a host process's). */
static void environ_attack(const char *secret)
{
	DIR *d = opendir("/proc");
	int found = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		char p[300], buf[65536];
		snprintf(p, sizeof(p), "/proc/%s/environ", e->d_name);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(buf + i) + 1) {
			buf[n] = 0;
			found |= strstr(buf + i, secret) != NULL;
		}
	}
	if (d)
		closedir(d);
	errno = ENOENT;
	verdict("read a host process's environ", found ? 0 : -1);
}

static void device_attacks(void)
{
	static const char *const nodes[] = {"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg",
					    "/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/loop0"};
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		try_open(nodes[i], O_RDONLY);
	verdict("mknod /tmp/mem", mknod("/tmp/mem", S_IFCHR | 0600, makedev(1, 1)));
	verdict("mknod /tmp/sda", mknod("/tmp/sda", S_IFBLK | 0600, makedev(8, 0)));
}

static void host_process(pid_t pid)
{
	verdict("kill host process", kill(pid, SIGKILL));
	verdict("ptrace host process", ptrace(PTRACE_ATTACH, pid, NULL, NULL));
}

static int unix_abstract(const char *name, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strncpy(a->sun_path + 1, name, sizeof(a->sun_path) - 2);
	return (int)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void tcp_addr(struct sockaddr_in *a, int port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void connect_attacks(int port, const char *name)
{
	struct sockaddr_in in;
	tcp_addr(&in, port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	verdict("connect host loopback port", connect(fd, (struct sockaddr *)&in, sizeof(in)));
	struct sockaddr_un un;
	socklen_t len = (socklen_t)unix_abstract(name, &un);
	int ufd = socket(AF_UNIX, SOCK_STREAM, 0);
	verdict("connect host abstract socket", connect(ufd, (struct sockaddr *)&un, len));
}

/* On the host: listen on 127.0.0.1:PORT and @NAME, say so, then wait. */
static int listen_both(int port, const char *name)
{
	struct sockaddr_in in;
	struct sockaddr_un un;
	tcp_addr(&in, port);
	socklen_t len = (socklen_t)unix_abstract(name, &un);
	int one = 1, t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_UNIX, SOCK_STREAM, 0);
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(t, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(t, 8) < 0 ||
	    bind(u, (struct sockaddr *)&un, len) < 0 || listen(u, 8) < 0) {
		perror("listen");
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	pause();
	return 0;
}

static void write_inherited(int fd)
{
	verdict("write inherited fd", write(fd, "pwned\n", 6));
}

/* Prints the capabilities and ids it runs with (exec'd setuid). */
static void show_privileges(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7) ||
		    !strncmp(line, "Uid:", 4) || !strncmp(line, "NoNewPrivs:", 11))
			fputs(line, stdout);
	if (f)
		fclose(f);
}

static void forkbomb(void)
{
	for (;;)
		fork();
}

/* n processes, each taking memory 16M at a time (touched, so resident)
 * until refused, then holding it. */
static void membomb(int n)
{
	for (int i = 1; i < n; i++)
		if (fork() == 0)
			break;
	for (;;) {
		char *p = malloc(16 << 20);
		if (!p)
			break;
		memset(p, 1, 16 << 20);
	}
	for (;;)
		pause();
}

/* Writes 1M blocks to one file (or a new file per block) until refused;
 * prints how far it got. */
static int diskfill(const char *path, int many)
{
	static char block[1 << 20];
	memset(block, 'x', sizeof(block));
	long total = 0;
	signal(SIGXFSZ, SIG_DFL);
	for (int i = 0;; i++) {
		char name[512];
		snprintf(name, sizeof(name), many ? "%s/f%d" : "%s", path, i);
		int fd = open(name, O_WRONLY | O_CREAT | (many ? O_TRUNC : O_APPEND), 0644);
		if (fd < 0 || write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
			printf("BLOCKED disk fill after %ldM: %s\n", total, strerror(errno));
			return 0;
		}
		close(fd);
		total++;
	}
}

static void spin(void)
{
	for (volatile unsigned long i = 0;; i++)
		;
}

/* Ignores SIGTERM, leaves a daemonized grandchild appending to beat every
 * 100 ms, and sleeps. */
static void stubborn(const char *beat)
{
	signal(SIGTERM, SIG_IGN);
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			for (;;) {
				int fd = open(beat, O_WRONLY | O_APPEND | O_CREAT, 0644);
				if (fd >= 0 && write(fd, ".", 1) < 0)
					_exit(1);
				close(fd);
				usleep(100000);
			}
		}
		_exit(0);
	}
	wait(NULL);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "read"))
		try_open(a, O_RDONLY);
	else if (!strcmp(m, "write"))
		try_open(a, O_WRONLY | O_CREAT | O_TRUNC);
	else if (!strcmp(m, "list"))
		try_list(a);
	else if (!strcmp(m, "tree"))
		tree_attacks();
	else if (!strcmp(m, "userns"))
		userns_attacks();
	else if (!strcmp(m, "kernel"))
		kernel_attacks();
	else if (!strcmp(m, "abi"))
		abi_attacks();
	else if (!strcmp(m, "proc"))
		proc_attacks();
	else if (!strcmp(m, "environ"))
		environ_attack(a);
	else if (!strcmp(m, "devices"))
		device_attacks();
	else if (!strcmp(m, "host-process"))
		host_process(atoi(a));
	else if (!strcmp(m, "connect") && argc > 3)
		connect_attacks(atoi(a), argv[3]);
	else if (!strcmp(m, "listen") && argc > 3)
		return listen_both(atoi(a), argv[3]);
	else if (!strcmp(m, "fd"))
		write_inherited(atoi(a));
	else if (!strcmp(m, "privileges"))
		show_privileges();
	else if (!strcmp(m, "forkbomb"))
		forkbomb();
	else if (!strcmp(m, "membomb"))
		membomb(atoi(a));
	else if (!strcmp(m, "diskfill"))
		return diskfill(a, 0);
	else if (!strcmp(m, "diskfill-many"))
		return diskfill(a, 1);
	else if (!strcmp(m, "spin"))
		spin();
	else if (!strcmp(m, "stubborn"))
		stubborn(a);
	else {
		fprintf(stderr, "sandbox_hostile: unknown mode \"%s\"\n", m);
		return 2;
	}
	return escaped;
}
