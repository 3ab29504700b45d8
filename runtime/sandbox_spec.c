/* The sandbox's config.json: jaula's locked-down container, tighter.
 *  - every namespace, user included: the program is root only in there,
 *    and that root is SBX_ROOT_HOST_ID (or the calling user) outside;
 *  - no capabilities at all, no_new_privs, seccomp (sandbox_seccomp.c);
 *  - a read-only root that holds only what programs need to run: the
 *    host's /usr and its /bin, /sbin, /lib* (symlinks on a merged-/usr
 *    system, binds otherwise), the dynamic linker's /etc/ld.so.* and
 *    /etc/alternatives.  Nothing else of /etc (no shadow, no passwd with
 *    its hashes' neighbours), no /home, /root, /var, /run, /sys.  With
 *    --image, the image's root instead and nothing of the host's tree
 *    (sandbox_image.c);
 *  - its own /proc with the usual paths masked, a /dev of null, zero,
 *    full, random, urandom and tty, a /tmp tmpfs as large as the memory
 *    limit (its pages are memory); with -t only, a devpts instance of its
 *    own for the one pty the runtime makes there;
 *  - rlimits for what the host's cgroups may not give (sandbox_watch.c
 *    adds the sandbox-wide view).
 * The binds' mount points are made beforehand, in the bundle's rootfs
 * directory, by the caller: the sandbox's root may not write there. */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/json.h"
#include "runtime/sandbox_internal.h"
#include "runtime/spec_default.h"
#include "runtime/state.h"

/* What a dynamically linked program needs of the host, besides /usr. */
static const char *const top_links[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
static const char *const etc_files[] = {"/etc/ld.so.cache", "/etc/ld.so.conf",
					"/etc/ld.so.conf.d", "/etc/alternatives"};
static const char *const own_dirs[] = {"proc", "dev", "tmp", "usr", "etc"};
#define N_OWN_DIRS_IMAGE 3 /* an image's root has its own usr and etc */

/* Read-only all the way down ("rro"): a plain "ro" bind would leave the
 * submounts of a recursive bind writable. */
static void ro_bind(struct jl_json_writer *w, const char *src, const char *dst)
{
	static const char *const opts[] = {"rbind", "rprivate", "ro", "rro", "nosuid", "rnosuid",
					   "nodev", "rnodev", NULL};
	jl_spec_json_mount(w, dst, "bind", src, opts);
}

static void rw_bind(struct jl_json_writer *w, const char *src, const char *dst)
{
	static const char *const opts[] = {"rbind", "rprivate", "nosuid", "rnosuid",
					   "nodev", "rnodev", NULL};
	jl_spec_json_mount(w, dst, "bind", src, opts);
}

static bool host_is_dir(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool host_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void write_host_binds(struct jl_json_writer *w)
{
	ro_bind(w, "/usr", "/usr");
	for (size_t i = 0; i < ARRAY_SIZE(top_links); i++)
		if (host_is_dir(top_links[i])) /* not merged-/usr: a directory of its own */
			ro_bind(w, top_links[i], top_links[i]);
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++)
		if (host_exists(etc_files[i]))
			ro_bind(w, etc_files[i], etc_files[i]);
}

static void write_mounts(struct jl_json_writer *w, const struct sbx_plan *p)
{
	static const char *const dev[] = {"nosuid", "noexec", "mode=755", "size=64k", NULL};
	static const char *const pts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
					  "mode=0620", NULL};
	char tmp_size[48];
	snprintf(tmp_size, sizeof(tmp_size), "size=%llu", (unsigned long long)p->lim.memory);
	const char *const tmp[] = {"nosuid", "nodev", "mode=1777", tmp_size, NULL};
	jl_jw_key(w, "mounts");
	jl_jw_begin_array(w);
	jl_spec_json_mount(w, "/proc", "proc", "proc", (const char *const[]){"nosuid", "noexec", "nodev",
								       NULL});
	jl_spec_json_mount(w, "/dev", "tmpfs", "tmpfs", dev);
	/* No gid=5: the sandbox's user namespace maps no tty group. */
	if (p->tty)
		jl_spec_json_mount(w, "/dev/pts", "devpts", "devpts", pts);
	jl_spec_json_mount(w, "/tmp", "tmpfs", "tmpfs", tmp);
	if (!p->from_image)
		write_host_binds(w);
	for (size_t i = 0; i < p->n_binds; i++) {
		const struct sbx_bind *b = &p->binds[i];
		if (b->writable)
			rw_bind(w, b->source, b->destination);
		else
			ro_bind(w, b->source, b->destination);
	}
	jl_jw_end_array(w);
}

static void rlimit_entry(struct jl_json_writer *w, const char *type, int resource,
			 uint64_t soft, uint64_t hard)
{
	/* Never above what we hold: without CAP_SYS_RESOURCE (in the host's
	 * user namespace) raising a hard limit is refused, and less is safe. */
	struct rlimit cur;
	if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
		if (hard > cur.rlim_max)
			hard = cur.rlim_max;
		if (soft > hard)
			soft = hard;
	}
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "type", type);
	jl_jw_kv_uint(w, "soft", soft);
	jl_jw_kv_uint(w, "hard", hard);
	jl_jw_end_object(w);
}

/* Per process, inside the sandbox's user namespace.  RLIMIT_NPROC counts
 * the processes of the sandbox's root in its own user namespace (kernel
 * 5.14's ucounts), so it is a limit of this sandbox, not of a host user.
 * RLIMIT_AS is a backstop only, generous because programs reserve far more
 * address space than they touch: the watchdog judges memory by what is
 * resident.  RLIMIT_CPU's hard limit (soft + 1) kills a process that
 * ignores SIGXCPU. */
static void write_rlimits(struct jl_json_writer *w, const struct sbx_limits *l)
{
	jl_jw_key(w, "rlimits");
	jl_jw_begin_array(w);
	rlimit_entry(w, "RLIMIT_NPROC", RLIMIT_NPROC, l->pids, l->pids);
#ifndef __SANITIZE_ADDRESS__
	/* (Not in an ASan build: its shadow memory is terabytes of address
	 * space, and the sandbox's init is jaula's own code until execve.) */
	rlimit_entry(w, "RLIMIT_AS", RLIMIT_AS, 4 * l->memory, 4 * l->memory);
#endif
	rlimit_entry(w, "RLIMIT_CPU", RLIMIT_CPU, l->cpu_sec, l->cpu_sec + 1);
	rlimit_entry(w, "RLIMIT_FSIZE", RLIMIT_FSIZE, l->fsize, l->fsize);
	rlimit_entry(w, "RLIMIT_NOFILE", RLIMIT_NOFILE, l->nofile, l->nofile);
	rlimit_entry(w, "RLIMIT_CORE", RLIMIT_CORE, 0, 0);
	jl_jw_end_array(w);
}

static void write_process(struct jl_json_writer *w, const struct sbx_plan *p)
{
	static const char *const none[] = {NULL};
	jl_jw_key(w, "process");
	jl_jw_begin_object(w);
	jl_jw_kv_bool(w, "terminal", p->tty);
	if (p->tty && p->rows && p->cols) {
		jl_jw_key(w, "consoleSize");
		jl_jw_begin_object(w);
		jl_jw_kv_uint(w, "height", p->rows);
		jl_jw_kv_uint(w, "width", p->cols);
		jl_jw_end_object(w);
	}
	jl_jw_key(w, "user");
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "uid", 0);
	jl_jw_kv_uint(w, "gid", 0);
	jl_jw_end_object(w);
	jl_jw_key(w, "args");
	jl_jw_begin_array(w);
	for (size_t i = 0; i < p->argc; i++)
		jl_jw_str(w, p->argv[i]);
	jl_jw_end_array(w);
	jl_jw_kv_strv(w, "env", (const char *const *)p->env);
	jl_jw_kv_str(w, "cwd", p->cwd);
	jl_jw_key(w, "capabilities");
	jl_jw_begin_object(w);
	jl_jw_kv_strv(w, "bounding", none);
	jl_jw_kv_strv(w, "effective", none);
	jl_jw_kv_strv(w, "permitted", none);
	jl_jw_kv_strv(w, "inheritable", none);
	jl_jw_kv_strv(w, "ambient", none);
	jl_jw_end_object(w);
	write_rlimits(w, &p->lim);
	jl_jw_kv_bool(w, "noNewPrivileges", true);
	/* The OOM killer takes the sandbox before anything of the host's.  An
	 * ordinary user's runtime cannot write it: the init's /proc files
	 * belong to the host's root while it is non-dumpable. */
	if (geteuid() == 0)
		jl_jw_kv_int(w, "oomScoreAdj", 1000);
	jl_jw_end_object(w);
}

/* Where cgroup v2 has the controllers, the kernel holds the whole sandbox
 * to memory and pids as well (the watchdog still names the limit). */
static void write_cgroup_limits(struct jl_json_writer *w, const struct sbx_plan *p)
{
	if (!p->cgroup_limits)
		return;
	jl_jw_key(w, "resources");
	jl_jw_begin_object(w);
	jl_jw_key(w, "memory");
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "limit", p->lim.memory);
	jl_jw_end_object(w);
	jl_jw_key(w, "pids");
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "limit", p->lim.pids);
	jl_jw_end_object(w);
	jl_jw_end_object(w);
}

const char *const sbx_masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/kallsyms",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/proc/interrupts", "/proc/kmsg", NULL};

static void write_linux(struct jl_json_writer *w, const struct sbx_plan *p)
{
	static const char *const kinds[] = {"pid", "network", "ipc", "uts", "mount", "cgroup",
					    "user", NULL};
	static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					       "/proc/sysrq-trigger", NULL};
	jl_jw_key(w, "linux");
	jl_jw_begin_object(w);
	jl_spec_json_id_map(w, "uidMappings", p->host_uid);
	jl_spec_json_id_map(w, "gidMappings", p->host_gid);
	jl_jw_key(w, "namespaces");
	jl_jw_begin_array(w);
	for (const char *const *k = kinds; *k; k++) {
		jl_jw_begin_object(w);
		jl_jw_kv_str(w, "type", *k);
		/* --net: joined, made and attached beforehand (sandbox_net.c). */
		if (!strcmp(*k, "network") && p->netns_path[0])
			jl_jw_kv_str(w, "path", p->netns_path);
		jl_jw_end_object(w);
	}
	jl_jw_end_array(w);
	jl_jw_kv_strv(w, "maskedPaths", sbx_masked_paths);
	jl_jw_kv_strv(w, "readonlyPaths", readonly);
	write_cgroup_limits(w, p);
	/* Without text, the program is the creator's already (sandbox.c). */
	if (p->seccomp) {
		jl_jw_key(w, "seccomp");
		jl_jw_raw(w, p->seccomp);
	}
	jl_jw_end_object(w);
}

void sbx_config_json(const struct sbx_plan *p, struct jl_buf *out)
{
	struct jl_json_writer w = {.out = out, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "ociVersion", JL_OCI_VERSION);
	write_process(&w, p);
	jl_jw_key(&w, "root");
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "path", p->root_path ? p->root_path : "rootfs");
	jl_jw_kv_bool(&w, "readonly", true);
	jl_jw_end_object(&w);
	jl_jw_kv_str(&w, "hostname", "sandbox");
	write_mounts(&w, p);
	write_linux(&w, p);
	jl_jw_end_object(&w);
	jl_buf_puts(out, "\n");
}

/* --- the rootfs directory ------------------------------------------------- */

/* mkdir -p of path below dirfd, the last component a file unless is_dir.
 * It stops quietly at a symlink (a merged-/usr link such as /bin): the
 * runtime resolves the rest inside the sandbox's root. */
static int make_mount_point(int dirfd, const char *path, bool is_dir, struct jl_err **err)
{
	cleanup_free char *copy = xstrdup(path);
	cleanup_close int fd = dup(dirfd);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save;
		if (last && !is_dir) {
			int f = openat(fd, c, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (f < 0 && errno != ELOOP && errno != EISDIR)
				return jl_err_sys(err, "create mount point \"%s\"", path);
			if (f >= 0)
				close(f);
			return 0;
		}
		if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
			return jl_err_sys(err, "create mount point \"%s\"", path);
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return 0; /* a symlink (or not a directory): the runtime decides */
		close(fd);
		fd = next;
	}
	return 0;
}

/* A merged-/usr link (/bin -> usr/bin) is copied as a link. */
static int copy_top_link(int rootfd, const char *path, struct jl_err **err)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0; /* absent, or a directory: bound instead */
	target[n] = 0;
	if (symlinkat(target, rootfd, path + 1) < 0 && errno != EEXIST)
		return jl_err_sys(err, "create link \"%s\"", path);
	return 0;
}

int sbx_rootfs_prepare(int rootfd, const struct sbx_plan *p, struct jl_err **err)
{
	int r = 0;
	size_t n_own = p->from_image ? N_OWN_DIRS_IMAGE : ARRAY_SIZE(own_dirs);
	for (size_t i = 0; r == 0 && i < n_own; i++)
		r = make_mount_point(rootfd, own_dirs[i], true, err);
	for (size_t i = 0; r == 0 && !p->from_image && i < ARRAY_SIZE(top_links); i++)
		r = host_is_dir(top_links[i]) ? make_mount_point(rootfd, top_links[i], true, err)
					       : copy_top_link(rootfd, top_links[i], err);
	for (size_t i = 0; r == 0 && !p->from_image && i < ARRAY_SIZE(etc_files); i++)
		if (host_exists(etc_files[i]))
			r = make_mount_point(rootfd, etc_files[i], host_is_dir(etc_files[i]), err);
	for (size_t i = 0; r == 0 && i < p->n_binds; i++)
		r = make_mount_point(rootfd, p->binds[i].destination, p->binds[i].is_dir, err);
	return r;
}

/* What sbx_rootfs_prepare makes of the host's tree with no binds and no
 * image, one line per entry: the key of a shared root (sandbox_skeleton.c).
 * A host whose /bin turns from a link into a directory gets a new key. */
void sbx_rootfs_layout(struct jl_buf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(own_dirs); i++)
		jl_buf_printf(out, "d /%s\n", own_dirs[i]);
	for (size_t i = 0; i < ARRAY_SIZE(top_links); i++) {
		char target[PATH_MAX];
		ssize_t n = readlink(top_links[i], target, sizeof(target) - 1);
		if (n >= 0)
			jl_buf_printf(out, "l %s %.*s\n", top_links[i], (int)n, target);
		else if (host_is_dir(top_links[i]))
			jl_buf_printf(out, "d %s\n", top_links[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++)
		if (host_exists(etc_files[i]))
			jl_buf_printf(out, "%c %s\n", host_is_dir(etc_files[i]) ? 'd' : 'f',
				      etc_files[i]);
}
