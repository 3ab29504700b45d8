/* Unpacked layers: layers/<chain-hex>/diff, one per chain id, shared by
 * every image with that chain.  A layer is unpacked into layers/tmp-<random>
 * and renamed into place only when whole and its diff_id verified, with an
 * "ok" file holding the diff_id: a directory named by a chain id is always
 * complete.  Two imports racing for the same layer each unpack it; the
 * second rename fails and that copy is thrown away. */
#include <string.h>
#include <sys/stat.h>

#include "image/store_private.h"

#define LAYERS "layers"
#define SHORT_MIN 12

static bool chain_ok(const char *chain, const char *role, struct jl_err **err)
{
	if (chain && img_digest_valid(chain))
		return true;
	char q[IMG_QUOTE_MAX];
	jl_err_set(err, 0, "layer: %s \"%s\" is not a sha256 digest", role,
		   img_quote(chain ? chain : "", q));
	return false;
}

static bool layer_present(struct img_store *s, const char *chain)
{
	char p[128];
	snprintf(p, sizeof(p), LAYERS "/%s/ok", img_digest_hex(chain));
	return faccessat(s->fd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int img_layer_path(struct img_store *s, const char *chain, char **path)
{
	if (!img_digest_valid(chain))
		return -EINVAL;
	if (!layer_present(s, chain))
		return -ENOENT;
	*path = xasprintf("%s/" LAYERS "/%s/diff", s->path, img_digest_hex(chain));
	return 0;
}

/* --- short links -------------------------------------------------------------- */

/* 1: l/<name> points at target; 0: it is free (now made ours); -1: taken. */
static int claim_link(int fd, const char *name, const char *target)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		char have[128];
		ssize_t n = readlinkat(fd, name, have, sizeof(have) - 1);
		if (n >= 0) {
			have[n] = '\0';
			return strcmp(have, target) ? -1 : 1;
		}
		if (errno != ENOENT && errno != EINVAL)
			return -1;
		if (errno == EINVAL) /* not a symlink: someone else's file */
			return -1;
		if (symlinkat(target, fd, name) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
		/* lost a race: look at what the winner made */
	}
	return -1;
}

int img_layer_short_link(struct img_store *s, const char *chain, char **link,
			 struct jl_err **err)
{
	if (!chain_ok(chain, "chain id", err))
		return -EINVAL;
	char sh[IMG_DIGEST_SHORT_MAX];
	if (!layer_present(s, chain))
		return jl_err_code(err, ENOENT, "layer %s is not unpacked in the store",
				   img_digest_short(chain, sh));
	const char *hex = img_digest_hex(chain);
	char target[128];
	snprintf(target, sizeof(target), "../" LAYERS "/%s/diff", hex);
	/* Short names keep a lowerdir of hundreds of layers under a page;
	 * a collision of the first 12 hex digits only costs one more. */
	for (int len = SHORT_MIN; len <= 64; len++) {
		char name[80];
		snprintf(name, sizeof(name), "l/%.*s", len, hex);
		if (claim_link(s->fd, name, target) >= 0) {
			*link = xstrdup(name);
			return 0;
		}
	}
	return jl_err_set(err, EEXIST, "layer %s: no free short link under l/",
			  img_digest_short(chain, sh));
}

/* --- unpacking ----------------------------------------------------------------- */

struct unpack_progress {
	const struct img_progress *user;
	const char *label;
};

static void forward_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	(void)what;
	struct unpack_progress *u = arg;
	u->user->fn(u->user->arg, u->label, done, total);
}

static int check_diff_id(const char *got, const char *want, const char *what,
			 struct jl_err **err)
{
	if (!strcmp(got, want))
		return 0;
	return jl_err_set(err, 0, "%s: diff_id mismatch: the config says %s, the content is %s",
			  what, want, got);
}

/* Unpack blob into <tmp>/diff, verify against want (NULL: any), write
 * <tmp>/ok holding the diff_id. */
static int unpack_into(struct img_store *s, const char *tmp, const char *blob, const char *want,
		       const struct img_progress *p, char got[IMG_DIGEST_MAX], struct jl_err **err)
{
	char sh[IMG_DIGEST_SHORT_MAX], what[48], label[48];
	snprintf(what, sizeof(what), "layer %s", img_digest_short(blob, sh));
	snprintf(label, sizeof(label), "unpack %s", sh);
	cleanup_close int blob_fd = img_blob_open(s, blob, err);
	if (blob_fd < 0)
		return jl_err_wrap(err, "%s", what);
	char diff[128];
	snprintf(diff, sizeof(diff), "%s/diff", tmp);
	if (mkdirat(s->fd, diff, 0755) < 0)
		return jl_err_sys(err, "%s: mkdir \"%s\" in the store", what, diff);
	cleanup_close int root = openat(s->fd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (root < 0)
		return jl_err_sys(err, "%s: open \"%s\" in the store", what, diff);
	struct unpack_progress up = {p, label};
	struct img_progress fwd = {forward_progress, &up};
	struct img_unpack_opts o = {.progress = p && p->fn ? &fwd : NULL, .what = what};
	int r = img_unpack_layer(root, blob_fd, &o, got, err);
	if (r < 0)
		return r;
	if (want && (r = check_diff_id(got, want, what, err)) < 0)
		return r;
	char ok[128], line[IMG_DIGEST_MAX + 1];
	snprintf(ok, sizeof(ok), "%s/ok", tmp);
	int n = snprintf(line, sizeof(line), "%s\n", got);
	cleanup_close int fd =
		openat(s->fd, ok, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || jl_write_all(fd, line, (size_t)n) < 0)
		return jl_err_sys(err, "%s: write \"%s\" in the store", what, ok);
	return 0;
}

/* Unpack into layers/tmp-<random>, then rename it to layers/<chain>: the
 * chain is chain_of(diff_id) once the diff_id is known.  Whatever fails,
 * the temporary directory goes. */
static int unpack_install(struct img_store *s, const char *chain, const char *blob,
			  const char *want, const struct img_progress *p,
			  char got[IMG_DIGEST_MAX], struct jl_err **err)
{
	char name[IMG_TMPNAME_MAX], tmp[IMG_TMPNAME_MAX + 16], dst[128];
	img_tmpname("tmp-", name);
	snprintf(tmp, sizeof(tmp), LAYERS "/%s", name);
	if (mkdirat(s->fd, tmp, 0700) < 0)
		return jl_err_sys(err, "layer: mkdir \"%s\" in the store", tmp);
	int r = unpack_into(s, tmp, blob, want, p, got, err);
	/* A base layer's chain id is its diff_id (image-spec config.md). */
	snprintf(dst, sizeof(dst), LAYERS "/%s", img_digest_hex(chain ? chain : got));
	/* ENOTEMPTY/EEXIST: another import renamed the same layer in first. */
	if (r == 0 && renameat(s->fd, tmp, s->fd, dst) == 0)
		r = 1;
	else if (r == 0 && errno != ENOTEMPTY && errno != EEXIST)
		r = jl_err_sys(err, "layer: rename \"%s\" to \"%s\"", tmp, dst);
	struct jl_err *e = NULL;
	jl_remove_tree_at(s->fd, tmp, &e); /* ours, if it is still there */
	jl_err_free(&e);
	return r;
}

static int ensure_link(struct img_store *s, const char *chain, struct jl_err **err)
{
	char *unused = NULL;
	int r = img_layer_short_link(s, chain, &unused, err);
	free(unused);
	return r;
}

int img_layer_unpack_ex(struct img_store *s, const char *chain, const char *blob,
			const char *diff_id, const struct img_progress *p, bool *created,
			struct jl_err **err)
{
	if (created)
		*created = false;
	if (!chain_ok(chain, "chain id", err) || !chain_ok(blob, "blob", err) ||
	    !chain_ok(diff_id, "diff_id", err))
		return -EINVAL;
	if (!layer_present(s, chain)) {
		char got[IMG_DIGEST_MAX];
		int r = unpack_install(s, chain, blob, diff_id, p, got, err);
		if (r < 0)
			return r;
		if (created)
			*created = r == 1;
	}
	return ensure_link(s, chain, err);
}

int img_layer_unpack(struct img_store *s, const char *chain, const char *blob,
		     const char *diff_id, const struct img_progress *p, struct jl_err **err)
{
	return img_layer_unpack_ex(s, chain, blob, diff_id, p, NULL, err);
}

int img_layer_unpack_base(struct img_store *s, const char *blob, const struct img_progress *p,
			  char diff_id[IMG_DIGEST_MAX], bool *created, struct jl_err **err)
{
	if (!chain_ok(blob, "blob", err))
		return -EINVAL;
	int r = unpack_install(s, NULL, blob, NULL, p, diff_id, err);
	if (r < 0)
		return r;
	if (created)
		*created = r == 1;
	return ensure_link(s, diff_id, err);
}
