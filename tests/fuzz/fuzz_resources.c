/* libFuzzer target: a linux.resources object alone, as `update --resources
 * FILE` reads it (spec_parse_resources), then what update and create derive
 * from it without touching a cgroup: the controllers to enable and the
 * device program.  Seeds: tests/fuzz/corpus/resources/. */
#include "cgroups/cgroup.h"
#include "runtime/spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jl_err *e = NULL;
	struct jl_arena arena = {0};
	jl_json_val tree = NULL;
	struct cg_resources res;
	int r = spec_parse_resources((const char *)data, size, "resources", &arena, &tree, &res,
				     &e);
	fuzz_check_result(r, &e);
	if (r == 0) {
		char controllers[256];
		fuzz_check_result(cg_required_controllers(&res, controllers, sizeof(controllers), &e),
				  &e);
		struct cg_bpf_prog prog = CG_BPF_PROG_INIT;
		fuzz_check_result(cg_devices_build(res.devices, res.n_devices, &prog, &e), &e);
		cg_bpf_prog_free(&prog);
	}
	jl_json_free(tree);
	jl_arena_free(&arena);
	return 0;
}
