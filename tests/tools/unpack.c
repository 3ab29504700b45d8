/* Test driver: `unpack [--max-bytes N] [--debug] LAYER DIR` applies the
 * layer (tar, tar.gz or tar.zst; "-" reads stdin) to the empty directory DIR
 * with img_unpack_layer and prints its diff_id; on failure the error goes
 * to stderr and the exit status is 1.  The integration tests feed it
 * hostile layers (tests/integration/image-unpack.bats). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/image_internal.h"
#include "runtime/log.h"

static int usage(void)
{
	fprintf(stderr, "usage: unpack [--max-bytes N] [--debug] LAYER DIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct img_unpack_opts o = {0};
	bool debug = false;
	int i = 1;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--max-bytes") && i + 1 < argc) {
			if (jl_parse_u64(argv[++i], 10, &o.limits.max_bytes) < 0)
				return usage();
		} else if (!strcmp(argv[i], "--debug")) {
			debug = true;
		} else {
			return usage();
		}
	}
	if (argc - i != 2)
		return usage();
	struct jl_err *err = NULL;
	struct jl_log_options lo = {.debug = debug};
	if (jl_log_init(&lo, &err) < 0) {
		fprintf(stderr, "unpack: %s\n", err->msg);
		return 1;
	}
	const char *layer = argv[i], *dir = argv[i + 1];
	int fd = strcmp(layer, "-") ? open(layer, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "unpack: open %s: %s\n", layer, strerror(errno));
		return 1;
	}
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		fprintf(stderr, "unpack: open %s: %s\n", dir, strerror(errno));
		return 1;
	}
	const char *base = strrchr(layer, '/');
	char *what = xasprintf("layer %s", base ? base + 1 : layer);
	o.what = what;
	char diff_id[IMG_DIGEST_MAX];
	if (img_unpack_layer(rootfd, fd, &o, diff_id, &err) < 0) {
		fprintf(stderr, "unpack: %s\n", err->msg);
		jl_err_free(&err);
		free(what);
		return 1;
	}
	printf("%s\n", diff_id);
	free(what);
	close(rootfd);
	return 0;
}
