/* Bench driver: what bwrap needs to isolate as `jaula sandbox` does, so
 * figure 9a compares like with like.
 *
 *   sandboxpeer seccomp        the sandbox's default seccomp program
 *       (jaula's default profile compiled as the sandbox compiles it: the
 *       -ENOSYS stub, then libseccomp's program for x86-64, x32 and i386)
 *       as the raw array of struct sock_filter `bwrap --seccomp FD` reads
 *   sandboxpeer masked-paths   the /proc paths the sandbox masks, a line
 *       each (sandbox_spec.c's list) */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/sandbox_internal.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "runtime/util.h"

static int fail(struct jl_err *e)
{
	fprintf(stderr, "sandboxpeer: %s\n", e ? e->msg : "failed");
	jl_err_free(&e);
	return 1;
}

static int masked_paths(void)
{
	for (const char *const *m = sbx_masked_paths; *m; m++)
		printf("%s\n", *m);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int seccomp(void)
{
	struct jl_err *e = NULL;
	cleanup_free char *profile = NULL;
	if (sbx_seccomp_profile(NULL, NULL, 0, &profile, &e) < 0)
		return fail(e);
	cleanup_free char *config = xasprintf(
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"true\"],\"cwd\":\"/\"},"
		"\"root\":{\"path\":\"/\"},\"linux\":{\"seccomp\":%s}}",
		profile);
	struct spec *s = NULL;
	if (spec_parse(config, strlen(config), "profile", &s, &e) < 0)
		return fail(e);
	struct jl_seccomp_prog prog;
	int r = jl_seccomp_compile(&s->lnx.seccomp, "profile", &prog, &e);
	spec_free(s);
	if (r < 0)
		return fail(e);
	size_t size = (size_t)prog.fprog.len * sizeof(*prog.fprog.filter);
	r = fwrite(prog.fprog.filter, 1, size, stdout) == size && fflush(stdout) == 0 ? 0 : 1;
	jl_seccomp_prog_free(&prog);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "seccomp"))
		return seccomp();
	if (argc == 2 && !strcmp(argv[1], "masked-paths"))
		return masked_paths();
	fprintf(stderr, "usage: sandboxpeer seccomp|masked-paths\n");
	return 2;
}
