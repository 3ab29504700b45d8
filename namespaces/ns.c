#include "namespaces/ns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/procfs.h"
#include "runtime/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *spec_name;
	const char *proc_name;
	int flag;
} ns_table[NS__COUNT] = {
	[NS_PID] = {"pid", "pid", CLONE_NEWPID},
	[NS_NET] = {"network", "net", CLONE_NEWNET},
	[NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
	[NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
	[NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
	[NS_USER] = {"user", "user", CLONE_NEWUSER},
	[NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
	[NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

int ns_type_from_name(const char *name)
{
	for (int i = 0; i < NS__COUNT; i++)
		if (!strcmp(ns_table[i].spec_name, name))
			return i;
	return -1;
}

const char *ns_type_name(enum ns_type t)
{
	return ns_table[t].spec_name;
}

const char *ns_proc_name(enum ns_type t)
{
	return ns_table[t].proc_name;
}

int ns_clone_flag(enum ns_type t)
{
	return ns_table[t].flag;
}

static enum ns_type type_of_flag(int flag)
{
	for (int i = 0; i < NS__COUNT; i++)
		if (ns_table[i].flag == flag)
			return (enum ns_type)i;
	return NS__COUNT;
}

int ns_open_path(const char *path, enum ns_type t, struct jl_err **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open %s namespace \"%s\"", ns_type_name(t), path);
	int kind = ioctl(fd, NS_GET_NSTYPE);
	if (kind < 0) {
		int r = jl_err_set(err, errno == ENOTTY ? EINVAL : errno,
				   "\"%s\" is not a namespace file (expected a %s namespace)", path,
				   ns_type_name(t));
		close(fd);
		return r;
	}
	if (kind != ns_table[t].flag) {
		enum ns_type got = type_of_flag(kind);
		int r = jl_err_set(err, 0, "\"%s\" is a %s namespace, not a %s namespace", path,
				   got < NS__COUNT ? ns_type_name(got) : "unknown", ns_type_name(t));
		close(fd);
		return r;
	}
	return fd;
}

int ns_join_fd(int fd, enum ns_type t, const char *what, struct jl_err **err)
{
	if (setns(fd, ns_table[t].flag) < 0)
		return jl_err_sys(err, "join %s namespace \"%s\"", ns_type_name(t), what);
	return 0;
}

size_t ns_format_id_map(char *out, size_t cap, const struct ns_id_map *m, size_t n)
{
	size_t len = 0;
	if (cap)
		out[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++) {
		int w = snprintf(out + len, cap - len, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return len < cap ? len : cap;
}

static int write_map(struct jl_procfs *proc, pid_t pid, const char *file,
		     const struct ns_id_map *m, size_t n, struct jl_err **err)
{
	/* The kernel takes the whole map in one write of at most a page. */
	char buf[4096], path[64];
	size_t len = ns_format_id_map(buf, sizeof(buf), m, n);
	if (len >= sizeof(buf) - 1)
		return jl_err_set(err, E2BIG, "%s: too many mappings", file);
	snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
	int r = jl_procfs_write(proc, path, buf, len, err);
	if (r < 0)
		return jl_err_wrap(err, "write %s \"%.*s\"", file, (int)strcspn(buf, "\n"), buf);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct ns_id_map *uids, size_t n_uids,
		     const struct ns_id_map *gids, size_t n_gids, bool deny_setgroups,
		     struct jl_err **err)
{
	struct jl_procfs proc = JL_PROCFS_INIT;
	int r = jl_procfs_open(&proc, err);
	if (r < 0)
		return r;
	if (deny_setgroups) {
		char path[64];
		snprintf(path, sizeof(path), "%d/setgroups", (int)pid);
		r = jl_procfs_write(&proc, path, "deny", 4, err);
		if (r < 0 && r != -ENOENT) {
			jl_procfs_close(&proc);
			return r;
		}
		jl_err_free(err);
		r = 0;
	}
	if (n_uids)
		r = write_map(&proc, pid, "uid_map", uids, n_uids, err);
	if (r == 0 && n_gids)
		r = write_map(&proc, pid, "gid_map", gids, n_gids, err);
	jl_procfs_close(&proc);
	return r;
}

int ns_enter_new_time(struct jl_procfs *proc, const struct ns_time_offset *monotonic,
		      const struct ns_time_offset *boottime, struct jl_err **err)
{
	if (unshare(CLONE_NEWTIME) < 0)
		return jl_err_sys(err, "unshare the time namespace");
	char buf[128];
	size_t len = 0;
	if (monotonic && monotonic->set)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "monotonic %lld %u\n",
					(long long)monotonic->secs, monotonic->nanosecs);
	if (boottime && boottime->set)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "boottime %lld %u\n",
					(long long)boottime->secs, boottime->nanosecs);
	if (len) {
		/* One write per clock: the kernel parses a single line at a time
		 * reliably only on newer versions. */
		char *line = buf;
		while (*line) {
			char *nl = strchr(line, '\n');
			int r = jl_procfs_write(proc, "self/timens_offsets", line,
						(size_t)(nl - line + 1), err);
			if (r < 0)
				return jl_err_wrap(err, "set time namespace offsets");
			line = nl + 1;
		}
	}
	/* unshare(CLONE_NEWTIME) only moves future children; entering through
	 * time_for_children puts this process in it without another fork. */
	cleanup_close int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open /proc/self/ns/time_for_children");
	if (setns(fd, CLONE_NEWTIME) < 0)
		return jl_err_sys(err, "enter the new time namespace");
	return 0;
}

int ns_net_lo_up(struct jl_err **err)
{
	/* Any socket reaches the device ioctls of its network namespace; a
	 * unix one needs no IPv4 in the kernel. */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return jl_err_sys(err, "socket");
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (r < 0)
		r = jl_err_sys(err, "bring up \"lo\" in the new network namespace");
	close(fd);
	return r;
}
