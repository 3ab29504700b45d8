/* `jaula sandbox --image NAME`: an image of the store as the sandbox's
 * root instead of the host's /usr.  The image room makes the root as for
 * `jaula run`: containers/<id> of the store with an upper directory over
 * the image's layers, the overlay mounted in a mount namespace of this
 * process only (so it never reaches the host's, and dies with us however
 * we die).  The upper directory takes only the mount points the image
 * lacks: the root is read-only for the program.  The store being root's
 * and 0700, the overlay is bound onto the bundle's rootfs, which the
 * sandbox's unprivileged root can reach.  At the end containers/<id>
 * goes; after a SIGKILL the next sandbox's reclaim removes it (the
 * bundle's "store" file says where). */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "image/image.h"
#include "runtime/container.h"
#include "runtime/log.h"
#include "runtime/sandbox_internal.h"

/* Mounted here only, and nothing the host mounts later shows up here. */
static int enter_private_mntns(struct jl_err **err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return jl_err_sys(err, "--image: unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return jl_err_sys(err, "--image: make the mount namespace private");
	return 0;
}

int sbx_image_open(const char *store, const char *ref, struct sbx_image *x, struct jl_err **err)
{
	memset(x, 0, sizeof(*x));
	if (geteuid() != 0)
		return jl_err_code(err, EPERM, "--image: only root can mount an image's layers");
	int r = enter_private_mntns(err);
	if (r == 0)
		r = img_store_open(jl_store_path(store), &x->store, err);
	if (r == 0 && img_resolve(x->store, ref, &x->im, err) < 0)
		return jl_err_wrap(err, "--image");
	return r;
}

int sbx_image_mount(struct sbx_image *x, const char *id, const char *rootfs,
		    const struct sbx_plan *p, struct jl_err **err)
{
	int r = img_rootfs_prepare(x->store, &x->im, id, "jaula sandbox", &x->rfs, err);
	if (r < 0)
		return r;
	x->prepared = true;
	r = img_rootfs_mount(x->store, &x->im, &x->rfs, err);
	if (r < 0)
		return r;
	x->mounted = true;
	cleanup_close int merged = open(x->rfs.merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (merged < 0)
		return jl_err_sys(err, "open %s", x->rfs.merged);
	r = sbx_rootfs_prepare(merged, p, err);
	if (r < 0)
		return r;
	if (mount(x->rfs.merged, rootfs, NULL, MS_BIND, NULL) < 0)
		return jl_err_sys(err, "bind the image's root on \"%s\"", rootfs);
	x->bound = xstrdup(rootfs);
	return 0;
}

void sbx_image_release(struct sbx_image *x)
{
	if (x->bound && umount2(x->bound, MNT_DETACH) < 0)
		jl_debug("umount %s: %s", x->bound, strerror(errno));
	if (x->mounted && umount2(x->rfs.merged, MNT_DETACH) < 0)
		jl_debug("umount %s: %s", x->rfs.merged, strerror(errno));
	if (x->prepared) {
		const char *id = strrchr(x->rfs.dir, '/') + 1;
		struct jl_err *e = NULL;
		if (img_rootfs_remove(x->store, id, &e) < 0)
			jl_warn("sandbox: %s", e->msg);
		jl_err_free(&e);
	}
	free(x->bound);
	img_rootfs_free(&x->rfs);
	img_image_free(&x->im);
	if (x->store)
		img_store_close(x->store);
	memset(x, 0, sizeof(*x));
}

void sbx_image_reclaim(const char *store, const char *id)
{
	struct img_store *s = NULL;
	struct jl_err *e = NULL;
	if (img_store_open(store, &s, &e) == 0 && img_rootfs_remove(s, id, &e) < 0 &&
	    e->errnum != ENOENT)
		jl_warn("reclaim the sandbox's root in %s: %s", store, e->msg);
	jl_err_free(&e);
	if (s)
		img_store_close(s);
}
