/* libFuzzer target: config.json (spec_parse), then the pure steps `create`
 * runs on a parsed config before anything exists: validation, each mount's
 * options, the cgroup path and controllers, the device program.  They read
 * fields the parser filled, so a parser that lets a bad value through shows
 * up here.  Seeds: tests/fuzz/corpus/spec/. */
#include "cgroups/cgroup.h"
#include "runtime/mountopts.h"
#include "runtime/spec.h"
#include "runtime/validate.h"
#include "tests/fuzz/fuzz.h"

static void check_mounts(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct jl_err *e = NULL;
		struct jl_mount_opts o;
		int r = jl_mount_opts_parse(&s->mounts[i].options, "mounts[].options", &o, &e);
		fuzz_check_result(r, &e);
		if (r == 0)
			jl_mount_opts_free(&o);
	}
}

static void check_cgroup(const struct spec *s)
{
	for (int systemd = 0; systemd < 2; systemd++) {
		struct jl_err *e = NULL;
		char *path = NULL;
		int r = cg_resolve_path(s->lnx.cgroups_path, "fuzz", systemd, &path, &e);
		fuzz_check_result(r, &e);
		FUZZ_ASSERT(r < 0 || (path && path[0] == '/'));
		free(path);
	}
	if (!s->lnx.has_resources)
		return;
	const struct cg_resources *res = &s->lnx.resources;
	struct jl_err *e = NULL;
	char controllers[256];
	fuzz_check_result(cg_required_controllers(res, controllers, sizeof(controllers), &e), &e);
	struct cg_bpf_prog prog = CG_BPF_PROG_INIT;
	int r = cg_devices_build(res->devices, res->n_devices, &prog, &e);
	fuzz_check_result(r, &e);
	cg_bpf_prog_free(&prog);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jl_err *e = NULL;
	struct spec *s = NULL;
	int r = spec_parse((const char *)data, size, "config.json", &s, &e);
	fuzz_check_result(r, &e);
	if (r < 0)
		return 0;
	struct jl_create_opts o = {.id = "fuzz", .bundle = "."};
	fuzz_check_result(jl_validate_for_create(s, &o, true, &e), &e);
	check_mounts(s);
	check_cgroup(s);
	spec_free(s);
	return 0;
}
