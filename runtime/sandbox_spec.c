/* The sandbox's config: jaula's locked-down container, tighter.
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
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/sandbox_internal.h"
#include "runtime/spec.h"
#include "runtime/spec_default.h"
#include "runtime/state.h"

/* What a dynamically linked program needs of the host, besides /usr. */
static const char *const top_links[SBX_N_TOP] = {"/bin",   "/sbin",  "/lib",
						 "/lib32", "/lib64", "/libx32"};
static const char *const etc_files[SBX_N_ETC] = {"/etc/ld.so.cache", "/etc/ld.so.conf",
						 "/etc/ld.so.conf.d", "/etc/alternatives"};
static const char *const own_dirs[] = {"proc", "dev", "tmp", "usr", "etc"};
#define N_OWN_DIRS_IMAGE 3 /* an image's root has its own usr and etc */

/* The config is built as the parser would have made it of the JSON, not
 * written as text for the creator to parse back: that round trip was a
 * fifth of a millisecond and seven fresh pages of heap before the clone.
 * Strings are static, the plan's (it outlives the creator) or the spec's
 * arena's; jl_validate_for_create still checks the whole. */
struct builder {
	struct spec *s;
	const struct sbx_plan *p;
};

static struct spec_strv strv(const char *const *v)
{
	size_t n = 0;
	while (v[n])
		n++;
	return (struct spec_strv){.v = (const char **)v, .n = n};
}

static void add_mount(struct builder *b, const char *dst, const char *type, const char *src,
		  const char *const *opts)
{
	struct spec_mount *m = &b->s->mounts[b->s->n_mounts++];
	*m = (struct spec_mount){.destination = dst, .type = type, .source = src,
				 .options = strv(opts)};
}

/* Read-only all the way down ("rro"): a plain "ro" bind would leave the
 * submounts of a recursive bind writable. */
static void ro_bind(struct builder *b, const char *src, const char *dst)
{
	static const char *const opts[] = {"rbind", "rprivate", "ro", "rro", "nosuid", "rnosuid",
					   "nodev", "rnodev", NULL};
	add_mount(b, dst, "bind", src, opts);
}

static void rw_bind(struct builder *b, const char *src, const char *dst)
{
	static const char *const opts[] = {"rbind", "rprivate", "nosuid", "rnosuid",
					   "nodev", "rnodev", NULL};
	add_mount(b, dst, "bind", src, opts);
}

static void host_binds(struct builder *b)
{
	const struct sbx_host *h = &b->p->host;
	ro_bind(b, "/usr", "/usr");
	for (size_t i = 0; i < SBX_N_TOP; i++)
		if (h->dir[i]) /* not merged-/usr: a directory of its own */
			ro_bind(b, top_links[i], top_links[i]);
	for (size_t i = 0; i < SBX_N_ETC; i++)
		if (h->etc[i])
			ro_bind(b, etc_files[i], etc_files[i]);
}

static void build_mounts(struct builder *b)
{
	static const char *const proc[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const dev[] = {"nosuid", "noexec", "mode=755", "size=64k", NULL};
	/* No gid=5: the sandbox's user namespace maps no tty group. */
	static const char *const pts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
					  "mode=0620", NULL};
	const struct sbx_plan *p = b->p;
	/* its own four, the host's /usr, six top-level dirs, four of /etc */
	size_t cap = 4 + 1 + ARRAY_SIZE(top_links) + ARRAY_SIZE(etc_files) + p->n_binds;
	b->s->mounts = jl_arena_alloc(&b->s->arena, cap * sizeof(*b->s->mounts));
	const char **tmp = jl_arena_alloc(&b->s->arena, 5 * sizeof(*tmp));
	char *size = jl_arena_alloc(&b->s->arena, 32);
	snprintf(size, 32, "size=%llu", (unsigned long long)p->lim.memory);
	tmp[0] = "nosuid", tmp[1] = "nodev", tmp[2] = "mode=1777", tmp[3] = size;
	add_mount(b, "/proc", "proc", "proc", proc);
	add_mount(b, "/dev", "tmpfs", "tmpfs", dev);
	if (p->tty)
		add_mount(b, "/dev/pts", "devpts", "devpts", pts);
	add_mount(b, "/tmp", "tmpfs", "tmpfs", tmp);
	if (!p->from_image)
		host_binds(b);
	for (size_t i = 0; i < p->n_binds; i++) {
		const struct sbx_bind *bd = &p->binds[i];
		if (bd->writable)
			rw_bind(b, bd->source, bd->destination);
		else
			ro_bind(b, bd->source, bd->destination);
	}
}

static void rlimit_entry(struct spec_rlimit *rl, const char *name, int resource, uint64_t soft,
			 uint64_t hard)
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
	*rl = (struct spec_rlimit){.resource = resource, .name = name, .soft = soft, .hard = hard};
}

/* Per process, inside the sandbox's user namespace.  RLIMIT_NPROC counts
 * the processes of the sandbox's root in its own user namespace (kernel
 * 5.14's ucounts), so it is a limit of this sandbox, not of a host user.
 * RLIMIT_AS is a backstop only, generous because programs reserve far more
 * address space than they touch: the watchdog judges memory by what is
 * resident.  RLIMIT_CPU's hard limit (soft + 1) kills a process that
 * ignores SIGXCPU. */
static void build_rlimits(struct builder *b)
{
	const struct sbx_limits *l = &b->p->lim;
	struct spec_process *pr = &b->s->process;
	struct spec_rlimit *rl = pr->rlimits = jl_arena_alloc(&b->s->arena, 6 * sizeof(*rl));
	rlimit_entry(rl++, "RLIMIT_NPROC", RLIMIT_NPROC, l->pids, l->pids);
#ifndef __SANITIZE_ADDRESS__
	/* (Not in an ASan build: its shadow memory is terabytes of address
	 * space, and the sandbox's init is jaula's own code until execve.) */
	rlimit_entry(rl++, "RLIMIT_AS", RLIMIT_AS, 4 * l->memory, 4 * l->memory);
#endif
	rlimit_entry(rl++, "RLIMIT_CPU", RLIMIT_CPU, l->cpu_sec, l->cpu_sec + 1);
	rlimit_entry(rl++, "RLIMIT_FSIZE", RLIMIT_FSIZE, l->fsize, l->fsize);
	rlimit_entry(rl++, "RLIMIT_NOFILE", RLIMIT_NOFILE, l->nofile, l->nofile);
	rlimit_entry(rl++, "RLIMIT_CORE", RLIMIT_CORE, 0, 0);
	pr->n_rlimits = (size_t)(rl - pr->rlimits);
}

/* uid 0 and gid 0 in there, no capability in any set, no_new_privs. */
static void build_process(struct builder *b)
{
	const struct sbx_plan *p = b->p;
	struct spec_process *pr = &b->s->process;
	b->s->has_process = true;
	pr->terminal = p->tty;
	if (p->tty && p->rows && p->cols) {
		pr->has_console_size = true;
		pr->console_height = p->rows;
		pr->console_width = p->cols;
	}
	const char **args = jl_arena_alloc(&b->s->arena, (p->argc + 1) * sizeof(*args));
	for (size_t i = 0; i < p->argc; i++)
		args[i] = p->argv[i];
	pr->args = (struct spec_strv){.v = args, .n = p->argc};
	pr->env = strv((const char *const *)p->env);
	pr->cwd = p->cwd;
	pr->caps.set = true;
	build_rlimits(b);
	pr->no_new_privileges = true;
	/* The OOM killer takes the sandbox before anything of the host's.  An
	 * ordinary user's runtime cannot write it: the init's /proc files
	 * belong to the host's root while it is non-dumpable. */
	if (geteuid() == 0) {
		pr->has_oom_score_adj = true;
		pr->oom_score_adj = 1000;
	}
}

/* Where cgroup v2 has the controllers, the kernel holds the whole sandbox
 * to memory and pids as well (the watchdog still names the limit). */
static void build_cgroup_limits(struct builder *b)
{
	if (!b->p->cgroup_limits)
		return;
	struct cg_resources *r = &b->s->lnx.resources;
	b->s->lnx.has_resources = true;
	r->has_memory = r->memory.has_limit = true;
	r->memory.limit = (int64_t)b->p->lim.memory;
	r->has_pids = r->has_pids_limit = true;
	r->pids_limit = (int64_t)b->p->lim.pids;
}

const char *const sbx_masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/kallsyms",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/proc/interrupts", "/proc/kmsg", NULL};

static struct spec_id_maps root_as(struct builder *b, uint32_t host)
{
	struct ns_id_map *m = jl_arena_alloc(&b->s->arena, sizeof(*m));
	*m = (struct ns_id_map){.container_id = 0, .host_id = host, .size = 1};
	return (struct spec_id_maps){.v = m, .n = 1};
}

/* Without text, the program is the creator's already (sandbox.c). */
static int build_seccomp(struct builder *b, struct jl_err **err)
{
	const char *text = b->p->seccomp;
	if (!text)
		return 0;
	b->s->lnx.has_seccomp = true;
	const char *file = b->p->seccomp_file;
	cleanup_free char *name = file ? xasprintf("--seccomp %s", file)
				       : xstrdup("the default seccomp profile");
	return spec_parse_seccomp(text, strlen(text), name, &b->s->arena, &b->s->tree,
				  &b->s->lnx.seccomp, err);
}

static int build_linux(struct builder *b, struct jl_err **err)
{
	static const enum ns_type kinds[] = {NS_PID, NS_NET, NS_IPC, NS_UTS, NS_MNT, NS_CGROUP,
					     NS_USER};
	static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					       "/proc/sysrq-trigger", NULL};
	struct spec_linux *l = &b->s->lnx;
	b->s->has_linux = true;
	l->uid_mappings = root_as(b, b->p->host_uid);
	l->gid_mappings = root_as(b, b->p->host_gid);
	l->namespaces = jl_arena_alloc(&b->s->arena, ARRAY_SIZE(kinds) * sizeof(*l->namespaces));
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct spec_namespace *n = &l->namespaces[l->n_namespaces++];
		n->type = kinds[i];
		/* --net: joined, made and attached beforehand (sandbox_net.c). */
		if (kinds[i] == NS_NET && b->p->netns_path[0])
			n->path = b->p->netns_path;
	}
	l->masked_paths = strv(sbx_masked_paths);
	l->readonly_paths = strv(readonly);
	build_cgroup_limits(b);
	return build_seccomp(b, err);
}

int sbx_spec_build(const struct sbx_plan *p, struct spec **out, struct jl_err **err)
{
	cleanup_spec struct spec *s = xcalloc(1, sizeof(*s));
	struct builder b = {.s = s, .p = p};
	s->oci_version = JL_OCI_VERSION;
	s->has_root = true;
	s->root.path = p->root_path ? p->root_path : "rootfs";
	s->root.readonly = true;
	s->hostname = "sandbox";
	build_process(&b);
	build_mounts(&b);
	int r = build_linux(&b, err);
	if (r < 0)
		return r;
	*out = steal_ptr(&s);
	return 0;
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

int sbx_rootfs_prepare(int rootfd, const struct sbx_plan *p, struct jl_err **err)
{
	const struct sbx_host *h = &p->host;
	int r = 0;
	size_t n_own = p->from_image ? N_OWN_DIRS_IMAGE : ARRAY_SIZE(own_dirs);
	for (size_t i = 0; r == 0 && i < n_own; i++)
		r = make_mount_point(rootfd, own_dirs[i], true, err);
	for (size_t i = 0; r == 0 && !p->from_image && i < SBX_N_TOP; i++) {
		if (h->dir[i])
			r = make_mount_point(rootfd, top_links[i], true, err);
		/* A merged-/usr link (/bin -> usr/bin) is copied as a link. */
		else if (h->link[i] && symlinkat(h->link[i], rootfd, top_links[i] + 1) < 0 &&
			 errno != EEXIST)
			r = jl_err_sys(err, "create link \"%s\"", top_links[i]);
	}
	for (size_t i = 0; r == 0 && !p->from_image && i < SBX_N_ETC; i++)
		if (h->etc[i])
			r = make_mount_point(rootfd, etc_files[i], h->etc[i] == 'd', err);
	for (size_t i = 0; r == 0 && i < p->n_binds; i++)
		r = make_mount_point(rootfd, p->binds[i].destination, p->binds[i].is_dir, err);
	return r;
}

/* readlink first: a directory answers EINVAL, and only then is an lstat
 * needed to tell it from a file; an absent one answers ENOENT. */
void sbx_host_probe(struct sbx_host *h)
{
	for (size_t i = 0; i < SBX_N_TOP; i++) {
		char target[PATH_MAX];
		ssize_t n = readlink(top_links[i], target, sizeof(target) - 1);
		struct stat st;
		if (n >= 0)
			h->link[i] = (target[n] = 0, xstrdup(target));
		else
			h->dir[i] = errno == EINVAL && lstat(top_links[i], &st) == 0 &&
				    S_ISDIR(st.st_mode);
	}
	for (size_t i = 0; i < SBX_N_ETC; i++) {
		struct stat st;
		h->etc[i] = lstat(etc_files[i], &st) < 0 ? 0 : S_ISDIR(st.st_mode) ? 'd' : 'f';
	}
}

void sbx_host_free(struct sbx_host *h)
{
	for (size_t i = 0; i < SBX_N_TOP; i++)
		free(h->link[i]);
	memset(h, 0, sizeof(*h));
}

/* What sbx_rootfs_prepare makes of the host's tree with no binds and no
 * image, one line per entry: the key of a shared root (sandbox_skeleton.c).
 * A host whose /bin turns from a link into a directory gets a new key. */
void sbx_rootfs_layout(const struct sbx_host *h, struct jl_buf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(own_dirs); i++)
		jl_buf_printf(out, "d /%s\n", own_dirs[i]);
	for (size_t i = 0; i < SBX_N_TOP; i++) {
		if (h->link[i])
			jl_buf_printf(out, "l %s %s\n", top_links[i], h->link[i]);
		else if (h->dir[i])
			jl_buf_printf(out, "d %s\n", top_links[i]);
	}
	for (size_t i = 0; i < SBX_N_ETC; i++)
		if (h->etc[i])
			jl_buf_printf(out, "%c %s\n", h->etc[i], etc_files[i]);
}
