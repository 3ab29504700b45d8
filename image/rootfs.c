/* The copy-on-write root filesystems of containers made from images:
 * containers/<id>/{upper,work,merged} beside the record of which image and
 * command they run, and the overlay mount that stacks the image's layers
 * (read-only, shared by every container of the image) under the
 * container's own upper directory.  Making a container copies no layer
 * data, so it costs the same for a 5 MB image and a 5 GB one. */
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image/image_internal.h"
#include "image/store_internal.h"
#include "runtime/json.h"
#include "runtime/log.h"
#include "runtime/paths.h"
#include "runtime/util.h"

#define CONTAINERS_DIR "containers"
#define META_FILE "meta.json"
#define IMAGE_FILE "image"
#define META_MAX (1u << 20)
/* overlayfs' own bound (OVL_MAX_STACK). */
#define OVL_LAYERS_MAX 500

/* The same rule as container ids (runtime's jl_id_valid): the name is a
 * path component of the store, so "/", "." and ".." must never get in. */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 250 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '+' || *p == '.' || *p == '-'))
			return false;
	return true;
}

static int containers_dir(struct img_store *s, struct jl_err **err)
{
	int sfd = img_store_fd(s);
	if (mkdirat(sfd, CONTAINERS_DIR, 0700) < 0 && errno != EEXIST)
		return jl_err_sys(err, "%s/" CONTAINERS_DIR, img_store_path(s));
	int fd = openat(sfd, CONTAINERS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? jl_err_sys(err, "%s/" CONTAINERS_DIR, img_store_path(s)) : fd;
}

/* --- prepare ---------------------------------------------------------------- */

static void write_meta(const struct img_image *im, const char *id, const char *command,
		       struct jl_buf *out)
{
	char now[40];
	jl_time_rfc3339(now);
	struct jl_json_writer w = {.out = out, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "id", id);
	jl_jw_kv_str(&w, "name", id);
	jl_jw_kv_str(&w, "image", im->ref ? im->ref : im->digest);
	jl_jw_kv_str(&w, "digest", im->digest);
	jl_jw_kv_str(&w, "command", command ? command : "");
	jl_jw_kv_str(&w, "created", now);
	jl_jw_end_object(&w);
	jl_buf_puts(out, "\n");
}

/* The merged root is the upper directory's inode: give it the top layer's
 * owner and mode, or every container of a 0750 root would see 0755. */
static void copy_root_attrs(const struct img_image *im, int upperfd)
{
	struct stat st;
	if (!im->n_layers || stat(im->layer_dirs[im->n_layers - 1], &st) < 0)
		return;
	if (fchown(upperfd, st.st_uid, st.st_gid) < 0 || fchmod(upperfd, st.st_mode & 07777) < 0)
		jl_warn("container root: copy the image's root owner and mode: %s", strerror(errno));
}

static int make_dirs(const struct img_image *im, int cfd, struct jl_err **err)
{
	static const struct {
		const char *name;
		mode_t mode;
	} dirs[] = {{"upper", 0755}, {"work", 0700}, {"merged", 0755}};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(cfd, dirs[i].name, dirs[i].mode) < 0)
			return jl_err_sys(err, "mkdir %s", dirs[i].name);
	cleanup_close int upper = openat(cfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (upper < 0)
		return jl_err_sys(err, "open upper");
	copy_root_attrs(im, upper);
	return 0;
}

static int fill_container(const struct img_image *im, const char *id,
			  const char *command, int cfd, struct jl_err **err)
{
	int r = make_dirs(im, cfd, err);
	if (r < 0)
		return r;
	/* The image file is what img_remove reads to refuse removing an image
	 * in use, and what commit builds on: written whole or not at all. */
	r = jl_write_atomic_at(cfd, IMAGE_FILE, im->digest, strlen(im->digest), 0600, err);
	if (r < 0)
		return r;
	struct jl_buf meta = {0};
	write_meta(im, id, command, &meta);
	r = jl_write_atomic_at(cfd, META_FILE, meta.data, meta.len, 0600, err);
	jl_buf_free(&meta);
	return r;
}

static void fill_paths(struct img_store *s, const char *id, struct img_rootfs *out)
{
	const char *sp = img_store_path(s);
	out->dir = xasprintf("%s/" CONTAINERS_DIR "/%s", sp, id);
	out->merged = xasprintf("%s/merged", out->dir);
	out->upper = xasprintf("%s/upper", out->dir);
	out->work = xasprintf("%s/work", out->dir);
}

int img_rootfs_prepare(struct img_store *s, const struct img_image *im, const char *id,
		       const char *command, struct img_rootfs *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	if (!id_ok(id))
		return jl_err_code(err, EINVAL, "invalid container name \"%s\"", id);
	cleanup_close int cdir = containers_dir(s, err);
	if (cdir < 0)
		return cdir;
	/* Under the store lock: img_remove reads containers/<id>/image under
	 * it, so it sees either no container or one that names its image. */
	int r = img_store_lock(s, err);
	if (r < 0)
		return r;
	if (mkdirat(cdir, id, 0700) < 0) {
		r = errno == EEXIST ? jl_err_code(err, EEXIST, "container name \"%s\" is already in use", id)
				    : jl_err_sys(err, "%s/" CONTAINERS_DIR "/%s", img_store_path(s), id);
		img_store_unlock(s);
		return r;
	}
	int cfd = openat(cdir, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = cfd < 0 ? jl_err_sys(err, "open container dir \"%s\"", id)
		    : fill_container(im, id, command, cfd, err);
	if (cfd >= 0)
		close(cfd);
	if (r < 0) {
		jl_remove_tree_at(cdir, id, NULL);
		img_store_unlock(s);
		return jl_err_wrap(err, "container \"%s\"", id);
	}
	img_store_unlock(s);
	fill_paths(s, id, out);
	return 0;
}

void img_rootfs_free(struct img_rootfs *r)
{
	free(r->dir);
	free(r->merged);
	free(r->upper);
	free(r->work);
	memset(r, 0, sizeof(*r));
}

/* --- the init layer -------------------------------------------------------- */

/* containers/<id>/init: a read-only layer between the image and the upper
 * directory holding the mount points of the runtime's own files
 * (/etc/hosts...) that the image lacks, so that making them writes nothing
 * to the upper directory: a --read-only container's stays empty, and
 * commit never takes them for the container's changes. */
#define INIT_DIR "init"

static int make_stub(int dirfd, const char *path, struct jl_err **err)
{
	cleanup_free char *copy = xstrdup(path);
	cleanup_close int at = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save), *next; c; c = next) {
		next = strtok_r(NULL, "/", &save);
		if (!next) {
			int fd = openat(at, c, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd < 0)
				return jl_err_sys(err, "init layer: %s", path);
			close(fd);
			return 0;
		}
		if (mkdirat(at, c, 0755) < 0 && errno != EEXIST)
			return jl_err_sys(err, "init layer: %s", path);
		int sub = openat(at, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return jl_err_sys(err, "init layer: %s", path);
		close(at);
		at = sub;
	}
	return 0;
}

int img_rootfs_add_stubs(const struct img_rootfs *r, const char *const *files,
			 struct jl_err **err)
{
	cleanup_free char *dir = xasprintf("%s/" INIT_DIR, r->dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return jl_err_sys(err, "mkdir %s", dir);
	cleanup_close int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open %s", dir);
	for (const char *const *f = files; *f; f++) {
		int rc = make_stub(fd, *f, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* --- mount ------------------------------------------------------------------ */

/* "sha256:<hex>" of the layer whose unpacked directory is .../<hex>/diff. */
static int chain_of(const char *layer_dir, char out[IMG_DIGEST_MAX], struct jl_err **err)
{
	size_t n = strlen(layer_dir);
	if (n < 64 + 6 || strcmp(layer_dir + n - 5, "/diff") || layer_dir[n - 70] != '/')
		return jl_err_code(err, EINVAL, "layer directory \"%s\": not layers/<chain>/diff",
				   layer_dir);
	snprintf(out, IMG_DIGEST_MAX, "sha256:%.64s", layer_dir + n - 69);
	if (!img_digest_valid(out))
		return jl_err_code(err, EINVAL, "layer directory \"%s\": not layers/<chain>/diff",
				   layer_dir);
	return 0;
}

/* The image's layers as overlay lower directories, top first (overlayfs
 * reads lowerdir left to right, top to bottom): the store's short links,
 * relative to the store, so hundreds fit the page mount(2) takes. */
static int lower_links(struct img_store *s, const struct img_image *im, const char *init,
		       char ***out, struct jl_err **err)
{
	if (!im->n_layers)
		return jl_err_code(err, EINVAL, "image \"%s\" has no layers", im->ref);
	if (im->n_layers > OVL_LAYERS_MAX)
		return jl_err_code(err, E2BIG, "image \"%s\": %zu layers; overlayfs stacks at most %d",
				   im->ref, im->n_layers, OVL_LAYERS_MAX);
	char **v = xcalloc(im->n_layers + 2, sizeof(char *));
	size_t top = 0;
	if (init)
		v[top++] = xstrdup(init);
	for (size_t i = 0; i < im->n_layers; i++) {
		char chain[IMG_DIGEST_MAX];
		int r = chain_of(im->layer_dirs[im->n_layers - 1 - i], chain, err);
		if (r == 0)
			r = img_layer_short_link(s, chain, &v[top + i], err);
		if (r < 0) {
			for (size_t k = 0; k < top + i; k++)
				free(v[k]);
			free(v);
			return jl_err_wrap(err, "image \"%s\"", im->ref);
		}
	}
	*out = v;
	return 0;
}

static void free_links(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Options sane for containers: no inode index and no redirects (both tie
 * the upper directory to these exact lower inodes and are what the kernel
 * refuses to remount elsewhere), no metacopy (a copy-up copies data, so an
 * upper directory is a complete diff that commit can read); xino stays the
 * kernel's default. */
#define OVL_FIXED_OPTS "index=off,redirect_dir=off,metacopy=off"

/* mount(2): everything in one page, paths relative to the store (our cwd
 * for the call).  Returns 1 when the options do not fit a page. */
static int mount_legacy(char **links, const char *id, int target, struct jl_err **err)
{
	struct jl_buf o = {0};
	jl_buf_puts(&o, "lowerdir=");
	for (char **l = links; *l; l++)
		jl_buf_printf(&o, "%s%s", l == links ? "" : ":", *l);
	jl_buf_printf(&o, ",upperdir=" CONTAINERS_DIR "/%s/upper,workdir=" CONTAINERS_DIR
			  "/%s/work," OVL_FIXED_OPTS,
		      id, id);
	long page = sysconf(_SC_PAGESIZE);
	/* The kernel copies one page and cuts there: a longer string would
	 * lose layers silently, never with an error. */
	if ((long)o.len >= page) {
		jl_buf_free(&o);
		return 1;
	}
	char fdp[JL_FD_PATH_MAX];
	int r = mount("overlay", jl_fd_path(target, fdp), "overlay", 0, o.data);
	r = r < 0 ? jl_err_sys(err, "mount overlay on containers/%s/merged", id) : 0;
	jl_buf_free(&o);
	return r;
}

static int fsconfig_str(int fs, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
}

/* The new mount API, one lower layer per call ("lowerdir+", Linux 6.8):
 * no page limit.  Used only for lists too long for mount(2). */
static int mount_appending(char **links, size_t n, const char *id, int target,
			   struct jl_err **err)
{
	cleanup_close int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return jl_err_sys(err, "fsopen overlay");
	for (char **l = links; *l; l++)
		if (fsconfig_str(fs, "lowerdir+", *l) < 0)
			return errno == EINVAL
				       ? jl_err_code(err, E2BIG,
						     "%zu layers: the overlay lowerdir list is longer "
						     "than a page and this kernel cannot take layers "
						     "one by one (lowerdir+, Linux 6.8)",
						     n)
				       : jl_err_sys(err, "overlay lower layer \"%s\"", *l);
	char upper[300], work[300];
	snprintf(upper, sizeof(upper), CONTAINERS_DIR "/%s/upper", id);
	snprintf(work, sizeof(work), CONTAINERS_DIR "/%s/work", id);
	if (fsconfig_str(fs, "upperdir", upper) < 0 || fsconfig_str(fs, "workdir", work) < 0 ||
	    fsconfig_str(fs, "index", "off") < 0 || fsconfig_str(fs, "redirect_dir", "off") < 0 ||
	    fsconfig_str(fs, "metacopy", "off") < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return jl_err_sys(err, "overlay for containers/%s", id);
	cleanup_close int m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (m < 0)
		return jl_err_sys(err, "fsmount overlay");
	if (syscall(SYS_move_mount, m, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return jl_err_sys(err, "mount overlay on containers/%s/merged", id);
	return 0;
}

/* Relative lower, upper and work paths resolve against the cwd at the
 * time of the call: the store's, for that call only. */
static int mount_in_store(int store, char **links, size_t n, const char *id, int target,
			  struct jl_err **err)
{
	cleanup_close int back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (back < 0)
		return jl_err_sys(err, "open the current directory");
	if (fchdir(store) < 0)
		return jl_err_sys(err, "chdir to the store");
	int r = mount_legacy(links, id, target, err);
	if (r == 1)
		r = mount_appending(links, n, id, target, err);
	if (fchdir(back) < 0)
		jl_warn("return to the working directory: %s", strerror(errno));
	return r;
}

int img_rootfs_mount(struct img_store *s, const struct img_image *im, const struct img_rootfs *r,
		     struct jl_err **err)
{
	const char *id = strrchr(r->dir, '/') ? strrchr(r->dir, '/') + 1 : r->dir;
	if (!id_ok(id))
		return jl_err_code(err, EINVAL, "invalid container name \"%s\"", id);
	/* The store opened again, by name: the caller may have entered a new
	 * mount namespace since img_store_open, and overlayfs refuses upper
	 * and lower paths (and we a target) of any namespace but the caller's
	 * ("failed to clone upperpath"). */
	cleanup_close int store = open(img_store_path(s), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (store < 0)
		return jl_err_sys(err, "store %s", img_store_path(s));
	char init[300];
	snprintf(init, sizeof(init), CONTAINERS_DIR "/%s/" INIT_DIR, id);
	bool has_init = faccessat(store, init, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	char **links = NULL;
	int rc = lower_links(s, im, has_init ? init : NULL, &links, err);
	if (rc < 0)
		return rc;
	char rel[300];
	snprintf(rel, sizeof(rel), CONTAINERS_DIR "/%s/merged", id);
	cleanup_close int target = openat(store, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		rc = jl_err_sys(err, "%s/%s", img_store_path(s), rel);
	else
		rc = mount_in_store(store, links, im->n_layers + has_init, id, target, err);
	free_links(links);
	return rc < 0 ? jl_err_wrap(err, "container \"%s\"", id) : 0;
}

/* --- remove ----------------------------------------------------------------- */

int img_rootfs_remove(struct img_store *s, const char *id, struct jl_err **err)
{
	if (!id_ok(id))
		return jl_err_code(err, EINVAL, "invalid container name \"%s\"", id);
	cleanup_close int cdir = containers_dir(s, err);
	if (cdir < 0)
		return cdir;
	char merged[300];
	snprintf(merged, sizeof(merged), "%s/merged", id);
	/* Mounted here only by a `run` still in its private namespace; the
	 * container's own namespace holds its copy until it exits. */
	cleanup_close int m = openat(cdir, merged, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (m >= 0) {
		char fdp[JL_FD_PATH_MAX];
		while (umount2(jl_fd_path(m, fdp), MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			;
	}
	int r = img_store_lock(s, err);
	if (r < 0)
		return r;
	struct stat st;
	if (fstatat(cdir, id, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = errno == ENOENT ? jl_err_code(err, ENOENT, "container \"%s\" is not in the store", id)
				    : jl_err_sys(err, "container \"%s\"", id);
	else
		r = jl_remove_tree_at(cdir, id, err);
	img_store_unlock(s);
	return r < 0 ? r : 0;
}

/* --- list ------------------------------------------------------------------- */

static char *str_field(jl_json_val root, const char *key)
{
	const char *v = jl_json_string(jl_json_get(root, key));
	return xstrdup(v ? v : "");
}

static bool read_meta(int cdir, const char *id, struct img_container *c)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/" META_FILE, id);
	cleanup_free char *text = NULL;
	struct jl_err *e = NULL;
	jl_json_val root = NULL;
	if (jl_read_file_at(cdir, path, META_MAX, &text, NULL, &e) < 0 ||
	    jl_json_parse(text, META_FILE, &root, &e) < 0) {
		jl_err_free(&e);
		return false; /* being made, or being removed */
	}
	c->id = xstrdup(id);
	c->ref = str_field(root, "image");
	c->command = str_field(root, "command");
	c->created = str_field(root, "created");
	jl_json_free(root);
	return true;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct img_container *)a)->id, ((const struct img_container *)b)->id);
}

int img_containers(struct img_store *s, struct img_container **out, size_t *n,
		   struct jl_err **err)
{
	*out = NULL;
	*n = 0;
	cleanup_close int cdir = containers_dir(s, err);
	if (cdir < 0)
		return cdir;
	int dfd = openat(cdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return jl_err_sys(err, "%s/" CONTAINERS_DIR, img_store_path(s));
	}
	size_t cap = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.' || !id_ok(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		if (read_meta(cdir, de->d_name, &(*out)[*n]))
			(*n)++;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), by_id);
	return 0;
}

void img_containers_free(struct img_container *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].ref);
		free(v[i].command);
		free(v[i].created);
	}
	free(v);
}
