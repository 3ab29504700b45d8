/* libFuzzer target: a layer tar (plain, gzip or zstd) applied by
 * img_unpack_layer to a fresh empty root, as `jaula image import` applies
 * every layer it is given.  Besides the usual checks (fuzz.h), nothing
 * outside the root may change, whatever the archive says.
 *
 * The root is box/root; next to it, box/outside holds a file, a directory
 * and a symlink that must stay exactly as they were ("../outside/file" is
 * the relative way out).  The unpack runs in a thread of its own that,
 * when we are root, chroots to box first (unshare(CLONE_FS): only that
 * thread): then "/outside/file" and symlinks to "/" aim at the same
 * sentinel instead of the host.  Its working directory stays where it was,
 * so libFuzzer can still write a crash input under its relative
 * -artifact_prefix from that thread; llvm-symbolizer, which is not in the
 * box, is started before the chroot so that a report from there has
 * symbols too.
 *
 * On success with an uncompressed input, the diff_id must be the sha256
 * of the whole input: the digest covers every byte, padding included.
 * Seeds: tests/fuzz/corpus/tar/ (tests/integration/lib/mklayer.py). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sanitizer/common_interface_defs.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image_internal.h"
#include "tests/fuzz/fuzz.h"

static char box_path[PATH_MAX];
static int box_fd = -1;
static bool use_chroot;
static struct jl_buf before;

/* --- the sentinel ------------------------------------------------------------ */

/* Every entry of dirfd (but "root" at the top) with its type, mode, owner,
 * size, mtime and link target or content, sorted, recursively. */
static void snapshot(int dirfd, const char *prefix, struct jl_buf *out)
{
	struct dirent **names;
	int n = scandirat(dirfd, ".", &names, NULL, alphasort);
	FUZZ_ASSERT(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (!strcmp(name, ".") || !strcmp(name, "..") || (!*prefix && !strcmp(name, "root"))) {
			free(names[i]);
			continue;
		}
		struct stat st;
		FUZZ_ASSERT(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0);
		jl_buf_printf(out, "%s/%s %o %u:%u %lld %lld.%09ld ", prefix, name, st.st_mode,
			      st.st_uid, st.st_gid, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			      st.st_mtim.tv_nsec);
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(dirfd, name, target, sizeof(target));
			FUZZ_ASSERT(len >= 0);
			jl_buf_add(out, target, (size_t)len);
		} else if (S_ISREG(st.st_mode)) {
			char *text;
			size_t len;
			struct jl_err *e = NULL;
			FUZZ_ASSERT(jl_read_file_at(dirfd, name, 1 << 16, &text, &len, &e) == 0);
			jl_buf_add(out, text, len);
			free(text);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			FUZZ_ASSERT(sub >= 0);
			char *p = xasprintf("%s/%s", prefix, name);
			jl_buf_puts(out, "\n");
			snapshot(sub, p, out);
			free(p);
			close(sub);
		}
		jl_buf_puts(out, "\n");
		free(names[i]);
	}
	free(names);
}

static void remove_box(void)
{
	struct jl_err *e = NULL;
	jl_remove_tree_at(AT_FDCWD, box_path, &e);
	jl_err_free(&e);
	jl_buf_free(&before);
}

static void make_box(void)
{
	/* A deep tree is removed with an fd per level. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(box_path, sizeof(box_path), "%s/jaula-fuzz-tar.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_ASSERT(mkdtemp(box_path));
	box_fd = open(box_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_ASSERT(box_fd >= 0);
	FUZZ_ASSERT(mkdirat(box_fd, "outside", 0755) == 0);
	FUZZ_ASSERT(mkdirat(box_fd, "outside/dir", 0755) == 0);
	fuzz_write_file(box_fd, "outside/file", (const uint8_t *)"sentinel\n", 9);
	FUZZ_ASSERT(symlinkat("file", box_fd, "outside/link") == 0);
	snapshot(box_fd, "", &before);
	use_chroot = geteuid() == 0;
	atexit(remove_box);
}

static void check_box(void)
{
	struct jl_buf now = {0};
	snapshot(box_fd, "", &now);
	if (now.len != before.len || memcmp(now.data, before.data, now.len) != 0) {
		fprintf(stderr, "fuzz: outside the root changed:\n--- before\n%s--- after\n%s",
			before.data, now.data);
		FUZZ_ASSERT(!"nothing outside the root changes");
	}
	jl_buf_free(&now);
}

/* --- one input ---------------------------------------------------------------- */

/* One input's unpack, handed to the worker thread. */
struct job {
	int layer_fd;
	int r;
	struct jl_err *err;
	char diff_id[IMG_DIGEST_MAX];
};
static struct job job;
static sem_t job_ready, job_done;

static void unpack_job(void)
{
	int rootfd = openat(box_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_ASSERT(rootfd >= 0);
	struct img_unpack_opts o = {
		.limits = {.max_bytes = 1 << 20, .max_entries = 10000},
		.what = "layer fuzz",
	};
	job.r = img_unpack_layer(rootfd, job.layer_fd, &o, job.diff_id, &job.err);
	close(rootfd);
}

/* One thread for every input (a thread per input costs more than the
 * unpack: sanitizer bookkeeping), with its own root directory. */
static void *worker(void *arg)
{
	(void)arg;
	if (use_chroot) {
		FUZZ_ASSERT(unshare(CLONE_FS) == 0);
		FUZZ_ASSERT(chroot(box_path) == 0);
	}
	for (;;) {
		while (sem_wait(&job_ready) < 0)
			FUZZ_ASSERT(errno == EINTR);
		unpack_job();
		sem_post(&job_done);
	}
	return NULL;
}

static void start_worker(void)
{
	/* The sanitizers keep the symbolizer they start running: start it now. */
	char where[256];
	__sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L", where, sizeof(where));
	FUZZ_ASSERT(sem_init(&job_ready, 0, 0) == 0 && sem_init(&job_done, 0, 0) == 0);
	pthread_t th;
	FUZZ_ASSERT(pthread_create(&th, NULL, worker, NULL) == 0);
	FUZZ_ASSERT(pthread_detach(th) == 0);
}

static bool compressed(const uint8_t *data, size_t size)
{
	static const uint8_t gz[] = {0x1f, 0x8b}, zst[] = {0x28, 0xb5, 0x2f, 0xfd};
	return (size >= sizeof(gz) && !memcmp(data, gz, sizeof(gz))) ||
	       (size >= sizeof(zst) && !memcmp(data, zst, sizeof(zst)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (box_fd < 0) {
		make_box();
		start_worker();
	}
	FUZZ_ASSERT(mkdirat(box_fd, "root", 0755) == 0);
	job = (struct job){.layer_fd = memfd_create("layer", MFD_CLOEXEC)};
	FUZZ_ASSERT(job.layer_fd >= 0);
	FUZZ_ASSERT(jl_write_all(job.layer_fd, data, size) == 0);
	FUZZ_ASSERT(lseek(job.layer_fd, 0, SEEK_SET) == 0);
	sem_post(&job_ready);
	while (sem_wait(&job_done) < 0)
		FUZZ_ASSERT(errno == EINTR);
	close(job.layer_fd);

	int r = job.r;
	fuzz_check_result(r, &job.err);
	if (r == 0 && !compressed(data, size)) {
		char want[IMG_DIGEST_MAX];
		img_sha256(data, size, want);
		FUZZ_ASSERT(!strcmp(job.diff_id, want));
	}
	check_box();
	struct jl_err *e = NULL;
	if (jl_remove_tree_at(box_fd, "root", &e) < 0) {
		fprintf(stderr, "fuzz: remove the root: %s\n", e->msg);
		FUZZ_ASSERT(!"the root can be removed");
	}
	return 0;
}
