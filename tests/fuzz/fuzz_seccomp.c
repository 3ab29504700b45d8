/* libFuzzer target: linux.seccomp translation.  The input is the seccomp
 * object's JSON text, parsed inside a minimal config by spec_parse, then
 * compiled to BPF by jl_seccomp_compile (libseccomp), never loaded.  A
 * compiled program also goes through the state directory's seccomp.bpf
 * (save, load back, compare), as `exec` reads it.
 * Seeds: tests/fuzz/corpus/seccomp/ (profiles with args, notify, errnoRet). */
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "tests/fuzz/fuzz.h"

static const char head[] = "{\"ociVersion\":\"1.0.0\",\"linux\":{\"seccomp\":";
static const char tail[] = "}}";
static const char *const tmp_files[] = {"seccomp.bpf", NULL};

static void check_store(const struct jl_seccomp_prog *p)
{
	int dirfd = fuzz_tmp_dir(tmp_files);
	struct jl_err *e = NULL;
	fuzz_check_result(jl_seccomp_prog_save(dirfd, "seccomp.bpf", p, &e), &e);
	struct jl_seccomp_prog back;
	fuzz_check_result(jl_seccomp_prog_load_file(dirfd, "seccomp.bpf", &back, &e), &e);
	FUZZ_ASSERT(back.fprog.len == p->fprog.len && back.flags == p->flags &&
		    back.notify == p->notify);
	FUZZ_ASSERT(!memcmp(back.fprog.filter, p->fprog.filter,
			    p->fprog.len * sizeof(struct sock_filter)));
	jl_seccomp_prog_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;
	char *text = malloc(len);
	FUZZ_ASSERT(text);
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, data, size);
	memcpy(text + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);

	struct jl_err *e = NULL;
	struct spec *s = NULL;
	int r = spec_parse(text, len, "config.json", &s, &e);
	free(text);
	fuzz_check_result(r, &e);
	if (r < 0 || !s->lnx.has_seccomp) {
		spec_free(s);
		return 0;
	}
	struct jl_seccomp_prog p;
	r = jl_seccomp_compile(&s->lnx.seccomp, "config.json: linux.seccomp", &p, &e);
	fuzz_check_result(r, &e);
	if (r == 0) {
		FUZZ_ASSERT(p.fprog.len > 0 && p.fprog.filter);
		check_store(&p);
		jl_seccomp_prog_free(&p);
	}
	spec_free(s);
	return 0;
}
