/* Helpers linked into every fuzz target (see fuzz.h). */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

static char tmp_path[PATH_MAX];
static int tmp_fd = -1;
static const char *const *tmp_files;

static void tmp_cleanup(void)
{
	for (size_t i = 0; tmp_files[i]; i++)
		unlinkat(tmp_fd, tmp_files[i], 0);
	close(tmp_fd);
	rmdir(tmp_path);
}

int fuzz_tmp_dir(const char *const *files)
{
	if (tmp_fd >= 0)
		return tmp_fd;
	const char *base = getenv("TMPDIR");
	snprintf(tmp_path, sizeof(tmp_path), "%s/jaula-fuzz.XXXXXX", base && *base ? base : "/tmp");
	FUZZ_ASSERT(mkdtemp(tmp_path));
	tmp_fd = open(tmp_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_ASSERT(tmp_fd >= 0);
	tmp_files = files;
	atexit(tmp_cleanup);
	return tmp_fd;
}

void fuzz_write_file(int dirfd, const char *name, const uint8_t *data, size_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_ASSERT(fd >= 0);
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		FUZZ_ASSERT(n > 0);
		done += (size_t)n;
	}
	close(fd);
}
