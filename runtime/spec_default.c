/* `jaula spec`: the default config.json.  Locked down by default: the
 * runc/Docker baseline capabilities, no_new_privs, a read-only root, every
 * namespace but user and time, masked and read-only /proc and /sys paths,
 * a device filter, and jaula's default seccomp profile.  With --rootless a
 * user namespace maps the caller to root and the mounts an unprivileged user
 * cannot make are left out.  Containers made from images get the same
 * config with the fields of struct jl_spec_overrides replaced. */
#include "runtime/spec_default.h"

#include <stdio.h>
#include <string.h>

#include "runtime/container.h"
#include "runtime/json.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"

/* Docker's and podman's default set: enough for ordinary programs (chown,
 * bind low ports, setuid to a user) and nothing that reaches the kernel or
 * other containers. */
static const char *const default_caps[] = {
	"CAP_CHOWN",	    "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",	      "CAP_MKNOD",
	"CAP_NET_RAW",	    "CAP_SETGID",	"CAP_SETUID", "CAP_SETFCAP",	      "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

static void write_user(struct jl_json_writer *w, const struct jl_spec_overrides *o)
{
	jl_jw_key(w, "user");
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "uid", o ? o->uid : 0);
	jl_jw_kv_uint(w, "gid", o ? o->gid : 0);
	if (o && o->n_groups) {
		jl_jw_key(w, "additionalGids");
		jl_jw_begin_array(w);
		for (size_t i = 0; i < o->n_groups; i++)
			jl_jw_uint(w, o->groups[i]);
		jl_jw_end_array(w);
	}
	jl_jw_end_object(w);
}

static void write_console_size(struct jl_json_writer *w, const struct jl_spec_overrides *o)
{
	if (!o || !o->terminal || !o->console_height || !o->console_width)
		return;
	jl_jw_key(w, "consoleSize");
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "height", o->console_height);
	jl_jw_kv_uint(w, "width", o->console_width);
	jl_jw_end_object(w);
}

static void write_process(struct jl_json_writer *w, const struct jl_spec_overrides *o)
{
	static const char *const args[] = {"sh", NULL};
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		NULL};
	jl_jw_key(w, "process");
	jl_jw_begin_object(w);
	jl_jw_kv_bool(w, "terminal", o ? o->terminal : true);
	write_console_size(w, o);
	write_user(w, o);
	jl_jw_kv_strv(w, "args", o && o->args ? o->args : args);
	jl_jw_kv_strv(w, "env", o && o->env ? o->env : env);
	jl_jw_kv_str(w, "cwd", o && o->cwd ? o->cwd : "/");
	jl_jw_key(w, "capabilities");
	jl_jw_begin_object(w);
	jl_jw_kv_strv(w, "bounding", default_caps);
	jl_jw_kv_strv(w, "effective", default_caps);
	jl_jw_kv_strv(w, "permitted", default_caps);
	jl_jw_end_object(w);
	jl_jw_key(w, "rlimits");
	jl_jw_begin_array(w);
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "type", "RLIMIT_NOFILE");
	jl_jw_kv_uint(w, "hard", 1024);
	jl_jw_kv_uint(w, "soft", 1024);
	jl_jw_end_object(w);
	jl_jw_end_array(w);
	jl_jw_kv_bool(w, "noNewPrivileges", true);
	jl_jw_end_object(w);
}

void jl_spec_json_mount(struct jl_json_writer *w, const char *dst, const char *type,
			const char *src, const char *const *opts)
{
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "destination", dst);
	jl_jw_kv_str(w, "type", type);
	jl_jw_kv_str(w, "source", src);
	if (opts)
		jl_jw_kv_strv(w, "options", opts);
	jl_jw_end_object(w);
}

/* -v SRC:DST[:ro]: a recursive bind, private so nothing the container
 * mounts below it propagates back to the host's tree. */
static void write_binds(struct jl_json_writer *w, const struct jl_spec_overrides *o)
{
	static const char *const rw[] = {"rbind", "rprivate", NULL};
	static const char *const ro[] = {"rbind", "rprivate", "ro", NULL};
	for (size_t i = 0; o && i < o->n_binds; i++)
		jl_spec_json_mount(w, o->binds[i].destination, "bind", o->binds[i].source,
		      o->binds[i].readonly ? ro : rw);
}

static void write_mounts(struct jl_json_writer *w, bool rootless, const struct jl_spec_overrides *o)
{
	static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts[] = {"nosuid",	 "noexec", "newinstance", "ptmxmode=0666",
					  "mode=0620", "gid=5",  NULL};
	static const char *const pts_rootless[] = {"nosuid", "noexec", "newinstance",
						   "ptmxmode=0666", "mode=0620", NULL};
	static const char *const shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
					  NULL};
	static const char *const nsd[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const sys_rootless[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	jl_jw_key(w, "mounts");
	jl_jw_begin_array(w);
	jl_spec_json_mount(w, "/proc", "proc", "proc", NULL);
	jl_spec_json_mount(w, "/dev", "tmpfs", "tmpfs", dev);
	jl_spec_json_mount(w, "/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts);
	jl_spec_json_mount(w, "/dev/shm", "tmpfs", "shm", shm);
	jl_spec_json_mount(w, "/dev/mqueue", "mqueue", "mqueue", nsd);
	if (rootless) {
		/* sysfs needs a network namespace owned by the user namespace;
		 * the host's /sys, read-only, is what an unprivileged user gets. */
		jl_spec_json_mount(w, "/sys", "none", "/sys", sys_rootless);
	} else {
		jl_spec_json_mount(w, "/sys", "sysfs", "sysfs", sys);
		jl_spec_json_mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
	}
	write_binds(w, o);
	jl_jw_end_array(w);
}

static void write_namespaces(struct jl_json_writer *w, bool rootless,
			     const struct jl_spec_overrides *o)
{
	bool host_network = o && o->host_network;
	static const char *const kinds[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
	jl_jw_key(w, "namespaces");
	jl_jw_begin_array(w);
	for (const char *const *k = kinds; *k; k++) {
		if (host_network && !strcmp(*k, "network"))
			continue;
		jl_jw_begin_object(w);
		jl_jw_kv_str(w, "type", *k);
		if (o && o->netns_path && !strcmp(*k, "network"))
			jl_jw_kv_str(w, "path", o->netns_path);
		jl_jw_end_object(w);
	}
	if (rootless) {
		jl_jw_begin_object(w);
		jl_jw_kv_str(w, "type", "user");
		jl_jw_end_object(w);
	}
	jl_jw_end_array(w);
}

void jl_spec_json_id_map(struct jl_json_writer *w, const char *key, unsigned host)
{
	jl_jw_key(w, key);
	jl_jw_begin_array(w);
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "containerID", 0);
	jl_jw_kv_uint(w, "hostID", host);
	jl_jw_kv_uint(w, "size", 1);
	jl_jw_end_object(w);
	jl_jw_end_array(w);
}

/* memory, cpu and pids, only when asked: each needs its cgroup v2
 * controller, and a missing one is an error (create), never ignored. */
static void write_limits(struct jl_json_writer *w, const struct jl_spec_overrides *o)
{
	if (!o)
		return;
	if (o->memory_limit > 0) {
		jl_jw_key(w, "memory");
		jl_jw_begin_object(w);
		jl_jw_kv_int(w, "limit", o->memory_limit);
		jl_jw_end_object(w);
	}
	if (o->cpu_quota > 0) {
		jl_jw_key(w, "cpu");
		jl_jw_begin_object(w);
		jl_jw_kv_int(w, "quota", o->cpu_quota);
		jl_jw_kv_uint(w, "period", o->cpu_period);
		jl_jw_end_object(w);
	}
	if (o->pids_limit > 0) {
		jl_jw_key(w, "pids");
		jl_jw_begin_object(w);
		jl_jw_kv_int(w, "limit", o->pids_limit);
		jl_jw_end_object(w);
	}
}

static void write_linux(struct jl_json_writer *w, bool rootless, uid_t uid, gid_t gid,
			const struct jl_spec_overrides *o)
{
	static const char *const masked[] = {
		"/proc/acpi",	     "/proc/asound",	   "/proc/kcore",	 "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi",	     "/sys/firmware",	   "/sys/devices/virtual/powercap", NULL};
	static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					       "/proc/sysrq-trigger", NULL};
	jl_jw_key(w, "linux");
	jl_jw_begin_object(w);
	if (rootless) {
		jl_spec_json_id_map(w, "uidMappings", uid);
		jl_spec_json_id_map(w, "gidMappings", gid);
	} else {
		jl_jw_key(w, "resources");
		jl_jw_begin_object(w);
		jl_jw_key(w, "devices");
		jl_jw_begin_array(w);
		jl_jw_begin_object(w);
		jl_jw_kv_bool(w, "allow", false);
		jl_jw_kv_str(w, "access", "rwm");
		jl_jw_end_object(w);
		jl_jw_end_array(w);
		write_limits(w, o);
		jl_jw_end_object(w);
	}
	write_namespaces(w, rootless, o);
	jl_jw_kv_strv(w, "maskedPaths", masked);
	jl_jw_kv_strv(w, "readonlyPaths", readonly);
	jl_jw_key(w, "seccomp");
	jl_seccomp_default_profile(w);
	jl_jw_end_object(w);
}

static void write_annotations(struct jl_json_writer *w, const struct jl_spec_overrides *o)
{
	if (!o || !o->annotations || !o->annotations[0])
		return;
	jl_jw_key(w, "annotations");
	jl_jw_begin_object(w);
	for (const char *const *a = o->annotations; a[0] && a[1]; a += 2)
		jl_jw_kv_str(w, a[0], a[1]);
	jl_jw_end_object(w);
}

static void write_spec(bool rootless, uid_t uid, gid_t gid, const struct jl_spec_overrides *o,
		       struct jl_buf *out)
{
	struct jl_json_writer w = {.out = out, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "ociVersion", JL_OCI_VERSION);
	write_process(&w, o);
	jl_jw_key(&w, "root");
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "path", o && o->root_path ? o->root_path : "rootfs");
	jl_jw_kv_bool(&w, "readonly", !(o && o->root_writable));
	jl_jw_end_object(&w);
	jl_jw_kv_str(&w, "hostname", o && o->hostname ? o->hostname : "jaula");
	write_mounts(&w, rootless, o);
	write_annotations(&w, o);
	write_linux(&w, rootless, uid, gid, o);
	jl_jw_end_object(&w);
	jl_buf_puts(out, "\n");
}

void jl_spec_default_json(bool rootless, uid_t uid, gid_t gid, struct jl_buf *out)
{
	write_spec(rootless, uid, gid, NULL, out);
}

void jl_spec_json(const struct jl_spec_overrides *o, struct jl_buf *out)
{
	write_spec(false, 0, 0, o, out);
}
