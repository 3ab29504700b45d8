/* image/store*.c, images*.c: the store's layout and locks, blobs verified
 * while written (digest and size mismatches named, temporary files never
 * left, invalid digests never made paths), images.json kept whole under
 * concurrent writers, short links, lookups by name, digest and prefix,
 * remove refusing images containers use, prune, and one real layer unpack
 * with its diff_id checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "image/store_internal.h"
#include "runtime/json.h"

struct fixture {
	char root[64];  /* a private directory; the store is root/store */
	char store[96];
	struct img_store *s;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	snprintf(f->root, sizeof(f->root), "/tmp/jaula-test-store-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->store, sizeof(f->store), "%s/store", f->root);
	struct jl_err *e = NULL;
	if (img_store_open(f->store, &f->s, &e) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	img_store_close(f->s);
	struct jl_err *e = NULL;
	jl_remove_tree_at(AT_FDCWD, f->root, &e);
	jl_err_free(&e);
	free(f);
	return 0;
}

static size_t count_dir(struct fixture *f, const char *sub)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", f->store, sub);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static bool exists(struct fixture *f, const char *sub)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", f->store, sub);
	struct stat st;
	return lstat(p, &st) == 0;
}

/* A file holding text, opened for reading. */
static int text_fd(struct fixture *f, const char *text)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/src", f->root);
	FILE *w = fopen(p, "w");
	fputs(text, w);
	fclose(w);
	return open(p, O_RDONLY | O_CLOEXEC);
}

/* --- layout ------------------------------------------------------------------------- */

static void test_open_layout(void **state)
{
	struct fixture *f = *state;
	static const char *const dirs[] = {"blobs/sha256", "blobs/tmp", "layers", "l", "containers",
					   "lock", "gc.lock"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		assert_true(exists(f, dirs[i]));
	struct stat st;
	assert_int_equal(stat(f->store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_string_equal(img_store_path(f->s), f->store);
	/* a relative path becomes absolute; opening again changes nothing */
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->root), 0);
	struct img_store *s2;
	struct jl_err *e = NULL;
	assert_int_equal(img_store_open("store", &s2, &e), 0);
	assert_string_equal(img_store_path(s2), f->store);
	img_store_close(s2);
	assert_int_equal(chdir(cwd), 0);
}

/* --- blobs ---------------------------------------------------------------------------- */

static void test_blob_mem(void **state)
{
	struct fixture *f = *state;
	char d[IMG_DIGEST_MAX], want[IMG_DIGEST_MAX];
	struct jl_err *e = NULL;
	img_sha256("hello", 5, want);
	assert_int_equal(img_blob_put_mem(f->s, "hello", 5, d, &e), 0);
	assert_string_equal(d, want);
	assert_true(img_blob_exists(f->s, d));
	char *text;
	size_t len;
	assert_int_equal(img_blob_read(f->s, d, 5, &text, &len, &e), 0);
	assert_int_equal(len, 5);
	assert_string_equal(text, "hello");
	free(text);
	assert_true(img_blob_read(f->s, d, 4, &text, &len, &e) < 0);
	char msg[128];
	snprintf(msg, sizeof(msg), "blob sha256:%.12s: larger than 4 bytes: File too large", d + 7);
	assert_string_equal(e->msg, msg);
	jl_err_free(&e);
	int64_t size;
	assert_int_equal(img_blob_size(f->s, d, &size), 0);
	assert_int_equal(size, 5);
	assert_int_equal(count_dir(f, "blobs/tmp"), 0);
}

static void test_blob_digest_mismatch(void **state)
{
	struct fixture *f = *state;
	char want[IMG_DIGEST_MAX], got[IMG_DIGEST_MAX];
	img_sha256("expected", 8, want);
	img_sha256("actual", 6, got);
	int fd = text_fd(f, "actual");
	struct jl_err *e = NULL;
	assert_true(img_blob_put_fd(f->s, fd, want, 6, NULL, NULL, &e) < 0);
	close(fd);
	char msg[256];
	snprintf(msg, sizeof(msg), "blob sha256:%.12s: digest mismatch: expected %s, got %s",
		 want + 7, want, got);
	assert_string_equal(e->msg, msg);
	jl_err_free(&e);
	assert_false(img_blob_exists(f->s, want));
	assert_false(img_blob_exists(f->s, got));
	assert_int_equal(count_dir(f, "blobs/tmp"), 0);
	assert_int_equal(count_dir(f, "blobs/sha256"), 0);
}

static void test_blob_size_mismatch(void **state)
{
	struct fixture *f = *state;
	char d[IMG_DIGEST_MAX];
	img_sha256("12345", 5, d);
	struct jl_err *e = NULL;
	int fd = text_fd(f, "12345");
	assert_true(img_blob_put_fd(f->s, fd, d, 6, NULL, NULL, &e) < 0);
	close(fd);
	char msg[160];
	snprintf(msg, sizeof(msg), "blob sha256:%.12s: size mismatch: expected 6 bytes, got 5", d + 7);
	assert_string_equal(e->msg, msg);
	jl_err_free(&e);
	/* too long: stopped as soon as it passes the size */
	fd = text_fd(f, "12345");
	assert_true(img_blob_put_fd(f->s, fd, NULL, 4, NULL, NULL, &e) < 0);
	close(fd);
	assert_string_equal(e->msg, "blob: size mismatch: more than the 4 bytes expected: File too "
				    "large");
	jl_err_free(&e);
	assert_int_equal(count_dir(f, "blobs/tmp"), 0);
	assert_int_equal(count_dir(f, "blobs/sha256"), 0);
	/* the right size goes in */
	fd = text_fd(f, "12345");
	assert_int_equal(img_blob_put_fd(f->s, fd, d, 5, NULL, NULL, &e), 0);
	close(fd);
	/* a descriptor disagreeing with a stored blob's size is refused */
	fd = text_fd(f, "12345");
	assert_true(img_blob_put_fd(f->s, fd, d, 7, NULL, NULL, &e) < 0);
	close(fd);
	snprintf(msg, sizeof(msg), "blob sha256:%.12s: size mismatch: expected 7 bytes, got 5", d + 7);
	assert_string_equal(e->msg, msg);
	jl_err_free(&e);
}

/* An invalid digest is refused before it is a path: nothing appears
 * anywhere under the test's root. */
static void test_blob_bad_digest(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"sha256:../../x", "sha256:../../../etc/passwd",
					  "sha512:abc", "../x", "",
					  "sha256:9834876DCFB05CB167A5C24953EBA58C4AC89B1ADF57F28F2F9D09AF107EE8F0"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct jl_err *e = NULL;
		int fd = text_fd(f, "x");
		assert_true(img_blob_put_fd(f->s, fd, bad[i], -1, NULL, NULL, &e) < 0);
		close(fd);
		assert_non_null(strstr(e->msg, "not a sha256 digest"));
		jl_err_free(&e);
		assert_true(img_blob_open(f->s, bad[i], &e) < 0);
		jl_err_free(&e);
		assert_false(img_blob_exists(f->s, bad[i]));
		char *text;
		assert_true(img_blob_read(f->s, bad[i], 10, &text, NULL, &e) < 0);
		jl_err_free(&e);
	}
	struct jl_err *e = NULL;
	int fd = text_fd(f, "x");
	assert_true(img_blob_put_fd(f->s, fd, "sha256:../../x", -1, NULL, NULL, &e) < 0);
	close(fd);
	assert_string_equal(e->msg, "blob \"sha256:../../x\": not a sha256 digest (sha256: and 64 "
				    "lowercase hex digits)");
	jl_err_free(&e);
	/* only "store" and "src" in the root, nothing in the store's blobs */
	char p[128];
	snprintf(p, sizeof(p), "%s/x", f->root);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(count_dir(f, "blobs/sha256"), 0);
	assert_int_equal(count_dir(f, "blobs/tmp"), 0);
	assert_int_equal(count_dir(f, "blobs"), 2);
}

struct src {
	int calls;
	bool fail;
};

static ssize_t failing_read(void *arg, void *buf, size_t n, struct jl_err **err)
{
	struct src *s = arg;
	if (s->calls++ == 0) {
		memset(buf, 'a', n < 10 ? n : 10);
		return n < 10 ? (ssize_t)n : 10;
	}
	if (s->fail)
		return jl_err_code(err, EIO, "source broke");
	return 0;
}

static void test_blob_stream(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	struct src s = {.fail = true};
	assert_true(img_blob_put_stream(f->s, failing_read, &s, NULL, -1, "entry \"x\"", NULL, NULL,
					&e) < 0);
	assert_string_equal(e->msg, "entry \"x\": source broke");
	jl_err_free(&e);
	assert_int_equal(count_dir(f, "blobs/tmp"), 0);
	/* a blob already there is not read again */
	char d[IMG_DIGEST_MAX];
	assert_int_equal(img_blob_put_mem(f->s, "aaaaaaaaaa", 10, d, &e), 0);
	struct src again = {.fail = true};
	assert_int_equal(img_blob_put_stream(f->s, failing_read, &again, d, 10, NULL, NULL, NULL, &e),
			 0);
	assert_int_equal(again.calls, 0);
	/* progress: what and the byte counts */
	struct src ok = {0};
	char got[IMG_DIGEST_MAX];
	assert_int_equal(img_blob_put_stream(f->s, failing_read, &ok, NULL, 10, "w", NULL, got, &e),
			 0);
	assert_string_equal(got, d);
}

/* --- names --------------------------------------------------------------------------- */

#define DA "sha256:aaaaaaaaaaaa1111111111111111111111111111111111111111111111111111"
#define DB "sha256:aaaaaaaaaaaa2222222222222222222222222222222222222222222222222222"

static void test_names(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	struct img_name *v;
	size_t n;
	assert_int_equal(img_names_read(f->s, &v, &n, &e), 0);
	assert_int_equal(n, 0);
	img_names_free(v, n);
	assert_int_equal(img_names_set(f->s, "b", DB, &e), 0);
	assert_int_equal(img_names_set(f->s, "a:1", DA, &e), 0);
	assert_int_equal(img_names_set(f->s, "b:latest", DA, &e), 0); /* replaced */
	assert_int_equal(img_names_read(f->s, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].ref, "a:1");
	assert_string_equal(v[1].ref, "b:latest");
	assert_string_equal(v[1].digest, DA);
	img_names_free(v, n);
	assert_true(img_names_set(f->s, "B", DA, &e) < 0);
	jl_err_free(&e);
	assert_true(img_names_set(f->s, "c", "sha256:../../x", &e) < 0);
	assert_string_equal(e->msg, "image \"c:latest\": \"sha256:../../x\" is not a manifest digest");
	jl_err_free(&e);
	assert_int_equal(img_names_drop(f->s, "a:1", &e), 0);
	assert_true(img_names_drop(f->s, "a:1", &e) < 0);
	assert_string_equal(e->msg, "image \"a:1\" does not exist");
	jl_err_free(&e);
	/* a hand-edited file is an error naming the entry, not a crash */
	char p[160];
	snprintf(p, sizeof(p), "%s/images.json", f->store);
	FILE *w = fopen(p, "w");
	fputs("{\"images\":{\"../x\":\"" DA "\"}}", w);
	fclose(w);
	assert_true(img_names_read(f->s, &v, &n, &e) < 0);
	assert_string_equal(e->msg, "images.json: images[\"../x\"]: not a normalised name:tag");
	jl_err_free(&e);
}

/* A reader never sees a torn images.json while writers replace it. */
static void test_names_atomic(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	assert_int_equal(img_names_set(f->s, "seed", DA, &e), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct img_store *s;
		if (img_store_open(f->store, &s, &e) < 0)
			_exit(2);
		for (int i = 0; i < 400; i++) {
			char ref[64];
			snprintf(ref, sizeof(ref), "name-%d-with-a-longer-name-to-make-the-file-grow:%d",
				 i % 37, i);
			if (img_names_set(s, ref, i % 2 ? DA : DB, &e) < 0)
				_exit(3);
			if (i % 3 == 0 && img_names_drop(s, ref, &e) < 0)
				_exit(4);
		}
		img_store_close(s);
		_exit(0);
	}
	int reads = 0, status;
	char p[160];
	snprintf(p, sizeof(p), "%s/images.json", f->store);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		char *text = NULL;
		if (jl_read_file_at(AT_FDCWD, p, 1 << 24, &text, NULL, &e) < 0)
			fail_msg("read: %s", e->msg);
		jl_json_val v = NULL;
		if (jl_json_parse(text, "images.json", &v, &e) < 0)
			fail_msg("torn read after %d reads: %s", reads, e->msg);
		jl_json_free(v);
		free(text);
		reads++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(reads > 0);
	struct img_name *v;
	size_t n;
	assert_int_equal(img_names_read(f->s, &v, &n, &e), 0);
	assert_true(n > 1);
	img_names_free(v, n);
	/* nothing but images.json (no temporary names) beside the layout */
	assert_int_equal(count_dir(f, ""), 7);
}

/* --- locks --------------------------------------------------------------------------- */

/* Whether another process could take <store>/name now. */
static bool lockable(struct fixture *f, const char *name, int op)
{
	pid_t pid = fork();
	if (pid == 0) {
		char p[160];
		snprintf(p, sizeof(p), "%s/%s", f->store, name);
		int fd = open(p, O_RDWR);
		_exit(fd >= 0 && flock(fd, op | LOCK_NB) == 0 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_locks(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	assert_true(lockable(f, "lock", LOCK_EX));
	assert_int_equal(img_store_lock(f->s, &e), 0);
	assert_int_equal(img_store_lock(f->s, &e), 0); /* nested */
	assert_false(lockable(f, "lock", LOCK_EX));
	img_store_unlock(f->s);
	assert_false(lockable(f, "lock", LOCK_EX));
	img_store_unlock(f->s);
	assert_true(lockable(f, "lock", LOCK_EX));
	/* gc: imports share it, prune excludes them */
	assert_int_equal(img_store_gc_hold(f->s, &e), 0);
	assert_true(lockable(f, "gc.lock", LOCK_SH));
	assert_false(lockable(f, "gc.lock", LOCK_EX));
	assert_true(img_store_gc_exclusive(f->s, &e) < 0);
	assert_string_equal(e->msg, "store: gc.lock is held shared by this process: Resource "
				    "deadlock avoided");
	jl_err_free(&e);
	assert_true(img_store_gc_try_exclusive(f->s)); /* nobody else holds it */
	assert_false(lockable(f, "gc.lock", LOCK_SH));
	img_store_gc_release(f->s);
	assert_true(lockable(f, "gc.lock", LOCK_EX));
}

/* --- an image built by hand ------------------------------------------------------------ */

/* Config, manifest and n layer blobs (not tars: nothing unpacks them here). */
static void make_image(struct img_store *s, const char *tag, size_t n, char digest[IMG_DIGEST_MAX])
{
	struct jl_err *e = NULL;
	char diff[8][IMG_DIGEST_MAX], blob[8][IMG_DIGEST_MAX];
	const char *ids[8];
	struct img_descriptor layers[8];
	for (size_t i = 0; i < n; i++) {
		char text[64];
		int len = snprintf(text, sizeof(text), "layer %zu of %s", i, i == 0 ? "base" : tag);
		img_sha256(text, (size_t)len, diff[i]); /* any valid digest */
		ids[i] = diff[i];
		assert_int_equal(img_blob_put_mem(s, text, (size_t)len, blob[i], &e), 0);
		layers[i] = (struct img_descriptor){.media_type = IMG_MT_OCI_LAYER_GZIP,
						    .digest = blob[i], .size = len};
	}
	struct jl_buf cfg = {0}, man = {0};
	img_config_write_new(ids, n, "test", &cfg);
	char cd[IMG_DIGEST_MAX];
	assert_int_equal(img_blob_put_mem(s, cfg.data, cfg.len, cd, &e), 0);
	struct img_manifest m = {.config = {.media_type = IMG_MT_OCI_CONFIG, .digest = cd,
					    .size = (int64_t)cfg.len},
				 .layers = layers, .n_layers = n};
	img_manifest_write(&m, &man);
	assert_int_equal(img_blob_put_mem(s, man.data, man.len, digest, &e), 0);
	assert_int_equal(img_names_set(s, tag, digest, &e), 0);
	jl_buf_free(&cfg);
	jl_buf_free(&man);
}

/* layers/<chain>/{diff,ok} as an unpack leaves them. */
static void fake_layer(struct fixture *f, const char *chain, const char *file)
{
	char p[300];
	snprintf(p, sizeof(p), "%s/layers/%s/diff", f->store, img_digest_hex(chain));
	struct jl_err *e = NULL;
	assert_int_equal(jl_mkdir_p(p, 0755, &e), 0);
	snprintf(p, sizeof(p), "%s/layers/%s/ok", f->store, img_digest_hex(chain));
	FILE *w = fopen(p, "w");
	fclose(w);
	if (file) {
		snprintf(p, sizeof(p), "%s/layers/%s/diff/%s", f->store, img_digest_hex(chain), file);
		w = fopen(p, "w");
		fputs("0123456789", w);
		fclose(w);
	}
}

static void test_load_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	char d[IMG_DIGEST_MAX], got[IMG_DIGEST_MAX];
	make_image(f->s, "app:1", 3, d);
	struct img_loaded l;
	assert_int_equal(img_load(f->s, d, &l, &e), 0);
	assert_int_equal(l.manifest.n_layers, 3);
	char chain[IMG_DIGEST_MAX];
	img_chain_id(NULL, l.config.diff_ids[0], chain);
	assert_string_equal(l.chains[0], chain);
	img_chain_id(l.chains[1], l.config.diff_ids[2], chain);
	assert_string_equal(l.chains[2], chain);
	img_loaded_free(&l);
	char *name = NULL;
	const char *hits[] = {"app:1", d, d + 7};
	for (size_t i = 0; i < ARRAY_SIZE(hits); i++) {
		assert_int_equal(img_lookup(f->s, hits[i], got, NULL, &e), 0);
		assert_string_equal(got, d);
	}
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "%.19s", d);
	assert_int_equal(img_lookup(f->s, prefix, got, &name, &e), 0);
	assert_null(name);
	assert_int_equal(img_lookup(f->s, prefix + 7, got, NULL, &e), 0);
	assert_int_equal(img_lookup(f->s, "app:1", got, &name, &e), 0);
	assert_string_equal(name, "app:1");
	free(name);
	snprintf(prefix, sizeof(prefix), "%.11s", d + 7); /* 11 digits: too short */
	assert_true(img_lookup(f->s, prefix, got, NULL, &e) < 0);
	jl_err_free(&e);
	assert_true(img_lookup(f->s, "app", got, NULL, &e) < 0);
	assert_string_equal(e->msg, "image \"app\" does not exist");
	jl_err_free(&e);
	/* two images under one prefix */
	assert_int_equal(img_names_set(f->s, "x", DA, &e), 0);
	assert_int_equal(img_names_set(f->s, "y", DB, &e), 0);
	assert_true(img_lookup(f->s, "aaaaaaaaaaaa", got, NULL, &e) < 0);
	assert_string_equal(e->msg, "image \"aaaaaaaaaaaa\": the prefix matches more than one image "
				    "(" DA ", " DB ")");
	jl_err_free(&e);
	assert_int_equal(img_lookup(f->s, "aaaaaaaaaaaa1", got, NULL, &e), 0);
	assert_string_equal(got, DA);
}

static void test_resolve(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	char d[IMG_DIGEST_MAX];
	make_image(f->s, "app", 2, d);
	struct img_image im;
	assert_true(img_resolve(f->s, "app", &im, &e) < 0);
	struct img_loaded l;
	assert_int_equal(img_load(f->s, d, &l, &e), 0);
	char msg[200];
	snprintf(msg, sizeof(msg), "image app:latest: layer 0 (chain sha256:%.12s) is not unpacked "
		 "in the store: import the image again", l.chains[0] + 7);
	assert_string_equal(e->msg, msg);
	jl_err_free(&e);
	fake_layer(f, l.chains[0], NULL);
	fake_layer(f, l.chains[1], NULL);
	assert_int_equal(img_resolve(f->s, "app", &im, &e), 0);
	assert_string_equal(im.ref, "app:latest");
	assert_string_equal(im.digest, d);
	assert_int_equal(im.n_layers, 2);
	char want[300];
	snprintf(want, sizeof(want), "%s/layers/%s/diff", f->store, img_digest_hex(l.chains[1]));
	assert_string_equal(im.layer_dirs[1], want);
	assert_null(im.layer_dirs[2]);
	assert_true(jl_str_has_prefix(im.config.env[0], "PATH="));
	img_image_free(&im);
	img_loaded_free(&l);
}

static void test_short_links(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	char *link = NULL;
	assert_true(img_layer_short_link(f->s, DA, &link, &e) < 0);
	assert_string_equal(e->msg, "layer sha256:aaaaaaaaaaaa is not unpacked in the store");
	jl_err_free(&e);
	fake_layer(f, DA, NULL);
	fake_layer(f, DB, NULL);
	assert_int_equal(img_layer_short_link(f->s, DA, &link, &e), 0);
	assert_string_equal(link, "l/aaaaaaaaaaaa");
	free(link);
	/* the same 12 digits: one more */
	assert_int_equal(img_layer_short_link(f->s, DB, &link, &e), 0);
	assert_string_equal(link, "l/aaaaaaaaaaaa2");
	free(link);
	assert_int_equal(img_layer_short_link(f->s, DA, &link, &e), 0);
	assert_string_equal(link, "l/aaaaaaaaaaaa");
	free(link);
	char p[200], target[200];
	snprintf(p, sizeof(p), "%s/l/aaaaaaaaaaaa2", f->store);
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	char want[200];
	snprintf(want, sizeof(want), "../layers/%s/diff", img_digest_hex(DB));
	assert_string_equal(target, want);
}

static void test_remove(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	char d[IMG_DIGEST_MAX];
	make_image(f->s, "a", 1, d);
	char p[200];
	snprintf(p, sizeof(p), "%s/containers/c1", f->store);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/containers/c1/image", f->store);
	FILE *w = fopen(p, "w");
	fprintf(w, "%s\n", d);
	fclose(w);
	assert_true(img_remove(f->s, "a", &e) < 0);
	assert_string_equal(e->msg, "image a:latest is used by container c1");
	jl_err_free(&e);
	/* another name keeps the image: this one may go */
	assert_int_equal(img_names_set(f->s, "b:2", d, &e), 0);
	assert_true(img_remove(f->s, d, &e) < 0);
	char msg[160];
	snprintf(msg, sizeof(msg), "image %s has 2 names: remove them by name", d);
	assert_string_equal(e->msg, msg);
	jl_err_free(&e);
	assert_int_equal(img_remove(f->s, "a", &e), 0);
	assert_true(img_remove(f->s, "b:2", &e) < 0);
	assert_string_equal(e->msg, "image b:2 is used by container c1");
	jl_err_free(&e);
	assert_int_equal(unlink(p), 0);
	snprintf(msg, sizeof(msg), "%.20s", d + 7); /* by prefix, its only name */
	assert_int_equal(img_remove(f->s, msg, &e), 0);
	assert_true(img_remove(f->s, "b:2", &e) < 0);
	assert_string_equal(e->msg, "image \"b:2\" does not exist");
	jl_err_free(&e);
}

static void test_prune(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	char keep[IMG_DIGEST_MAX], gone[IMG_DIGEST_MAX], ctr[IMG_DIGEST_MAX];
	make_image(f->s, "keep", 2, keep);
	make_image(f->s, "gone", 2, gone); /* shares its base layer with keep */
	make_image(f->s, "ctr", 1, ctr);
	struct img_loaded lk, lg;
	assert_int_equal(img_load(f->s, keep, &lk, &e), 0);
	assert_int_equal(img_load(f->s, gone, &lg, &e), 0);
	assert_string_equal(lk.chains[0], lg.chains[0]);
	for (size_t i = 0; i < 2; i++) {
		fake_layer(f, lk.chains[i], "f");
		fake_layer(f, lg.chains[i], "f");
	}
	char *link;
	assert_int_equal(img_layer_short_link(f->s, lg.chains[1], &link, &e), 0);
	char p[300];
	snprintf(p, sizeof(p), "%s/%s", f->store, link);
	free(link);
	assert_int_equal(img_names_drop(f->s, "gone", &e), 0);
	assert_int_equal(img_names_drop(f->s, "ctr", &e), 0);
	/* ctr's image is unnamed, but a container uses it */
	char c[200];
	snprintf(c, sizeof(c), "%s/containers/c", f->store);
	mkdir(c, 0700);
	strcat(c, "/image");
	FILE *w = fopen(c, "w");
	fputs(ctr, w);
	fclose(w);
	/* leftovers of an interrupted import */
	snprintf(c, sizeof(c), "%s/blobs/tmp/0123", f->store);
	w = fopen(c, "w");
	fputs("12345", w);
	fclose(w);
	snprintf(c, sizeof(c), "%s/layers/tmp-0123/diff", f->store);
	assert_int_equal(jl_mkdir_p(c, 0700, &e), 0);
	/* gone's manifest, config and top layer blob; its top layer (10 bytes);
	 * the tmp file (5) */
	int64_t sz;
	uint64_t want = 15;
	const char *gone_blobs[] = {gone, lg.manifest.config.digest, lg.manifest.layers[1].digest};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(img_blob_size(f->s, gone_blobs[i], &sz), 0);
		want += (uint64_t)sz;
	}
	uint64_t freed = 0;
	assert_int_equal(img_prune(f->s, &freed, &e), 0);
	assert_int_equal(img_blob_size(f->s, lg.manifest.layers[1].digest, &sz), -ENOENT);
	assert_false(img_blob_exists(f->s, gone));
	assert_false(img_blob_exists(f->s, lg.manifest.config.digest));
	assert_true(img_blob_exists(f->s, keep));
	assert_true(img_blob_exists(f->s, lk.manifest.layers[0].digest));
	assert_true(img_blob_exists(f->s, ctr));
	char hex[80];
	snprintf(hex, sizeof(hex), "layers/%s", img_digest_hex(lg.chains[1]));
	assert_false(exists(f, hex));
	snprintf(hex, sizeof(hex), "layers/%s", img_digest_hex(lk.chains[1]));
	assert_true(exists(f, hex));
	snprintf(hex, sizeof(hex), "layers/%s", img_digest_hex(lk.chains[0]));
	assert_true(exists(f, hex));
	struct stat st;
	assert_int_equal(lstat(p, &st), -1); /* the dangling short link */
	assert_int_equal(count_dir(f, "blobs/tmp"), 0);
	assert_false(exists(f, "layers/tmp-0123"));
	assert_int_equal(count_dir(f, "layers"), 2);
	assert_int_equal(freed, want);
	img_loaded_free(&lk);
	img_loaded_free(&lg);
	/* a second prune has nothing to do */
	assert_int_equal(img_prune(f->s, &freed, &e), 0);
	assert_int_equal(freed, 0);
}

static void test_list_inspect(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	char d[IMG_DIGEST_MAX];
	make_image(f->s, "b", 2, d);
	make_image(f->s, "a:x", 1, d);
	assert_int_equal(img_names_set(f->s, "broken", DA, &e), 0); /* no blobs */
	struct img_info *v;
	size_t n;
	assert_int_equal(img_list(f->s, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].ref, "a:x");
	assert_string_equal(v[0].digest, d);
	assert_int_equal(v[0].n_layers, 1);
	assert_true(v[0].size > 0);
	assert_non_null(v[0].created);
	assert_string_equal(v[1].ref, "b:latest");
	assert_int_equal(v[1].n_layers, 2);
	assert_string_equal(v[2].ref, "broken:latest");
	assert_null(v[2].config);
	img_info_free(v, n);
	struct jl_buf b = {0};
	assert_int_equal(img_inspect(f->s, "a:x", &b, &e), 0);
	jl_json_val doc;
	assert_int_equal(jl_json_parse(b.data, "inspect", &doc, &e), 0);
	assert_string_equal(jl_json_string(jl_json_get(doc, "digest")), d);
	assert_string_equal(jl_json_string(jl_json_get(doc, "ref")), "a:x");
	jl_json_val layers = jl_json_get(doc, "layers");
	assert_int_equal(jl_json_len(layers), 1);
	assert_non_null(jl_json_string(jl_json_get(jl_json_at(layers, 0), "chainId")));
	assert_non_null(jl_json_get(jl_json_get(doc, "config"), "Env"));
	jl_json_free(doc);
	jl_buf_free(&b);
	assert_true(img_inspect(f->s, "broken", &b, &e) < 0);
	assert_string_equal(e->msg, "manifest: blob sha256:aaaaaaaaaaaa: not in the store");
	jl_err_free(&e);
	jl_buf_free(&b);
}

/* --- a real unpack ------------------------------------------------------------------- */

static void layer_blob(struct fixture *f, char blob[IMG_DIGEST_MAX], char diff[IMG_DIGEST_MAX])
{
	char p[128];
	snprintf(p, sizeof(p), "%s/layer.tar", f->root);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct img_tarw *w = img_tarw_new(fd);
	struct img_tar_entry ent = {.path = "hello", .type = IMG_TAR_FILE, .mode = 0644,
				    .uid = getuid(), .gid = getgid(), .size = 3};
	struct jl_err *e = NULL;
	assert_int_equal(img_tarw_add(w, &ent, -1, "hi\n", &e), 0);
	uint64_t size;
	assert_int_equal(img_tarw_finish(w, diff, &size, &e), 0);
	img_tarw_free(w);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(img_blob_put_fd(f->s, fd, NULL, -1, NULL, blob, &e), 0);
	close(fd);
}

static void test_unpack(void **state)
{
	struct fixture *f = *state;
	struct jl_err *e = NULL;
	char blob[IMG_DIGEST_MAX], diff[IMG_DIGEST_MAX];
	layer_blob(f, blob, diff);
	assert_string_equal(blob, diff); /* uncompressed: the blob is the diff */
	/* a wrong diff_id: nothing stays */
	assert_true(img_layer_unpack(f->s, DA, blob, DB, NULL, &e) < 0);
	char msg[300];
	snprintf(msg, sizeof(msg), "layer sha256:%.12s: diff_id mismatch: the config says " DB
		 ", the content is %s", blob + 7, diff);
	assert_string_equal(e->msg, msg);
	jl_err_free(&e);
	assert_int_equal(count_dir(f, "layers"), 0);
	assert_int_equal(count_dir(f, "l"), 0);
	bool created = false;
	assert_int_equal(img_layer_unpack_ex(f->s, diff, blob, diff, NULL, &created, &e), 0);
	assert_true(created);
	char *path = NULL;
	assert_int_equal(img_layer_path(f->s, diff, &path), 0);
	char file[300];
	snprintf(file, sizeof(file), "%s/hello", path);
	free(path);
	char *text;
	assert_int_equal(jl_read_file_at(AT_FDCWD, file, 10, &text, NULL, &e), 0);
	assert_string_equal(text, "hi\n");
	free(text);
	assert_int_equal(count_dir(f, "l"), 1);
	/* there already: not unpacked again */
	assert_int_equal(img_layer_unpack_ex(f->s, diff, blob, diff, NULL, &created, &e), 0);
	assert_false(created);
	assert_int_equal(count_dir(f, "layers"), 1);
	assert_int_equal(img_layer_path(f->s, DA, &path), -ENOENT);
	assert_int_equal(img_layer_path(f->s, "sha256:../x", &path), -EINVAL);
	/* a base layer whose diff_id is found by unpacking */
	assert_int_equal(img_layer_unpack_base(f->s, blob, NULL, msg, &created, &e), 0);
	assert_string_equal(msg, diff);
	assert_false(created);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_mem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_digest_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_size_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_bad_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_inspect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
