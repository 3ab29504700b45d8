/* libFuzzer target: a container's state.json (jl_state_read), as every
 * command after create reads it from --root.  jaula writes the file itself,
 * but a crash or a hand edit can leave anything there, and `list` reads
 * every container's.  A state that reads back is written again
 * (jl_state_write) and must read back the same; its OCI state JSON
 * (`jaula state`) must be valid JSON.  Seeds: tests/fuzz/corpus/state/. */
#include "runtime/json.h"
#include "runtime/state.h"
#include "tests/fuzz/fuzz.h"

static const char *const tmp_files[] = {JL_STATE_FILE, NULL};

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void check_same(const struct jl_state *a, const struct jl_state *b)
{
	FUZZ_ASSERT(same_str(a->id, b->id) && a->pid == b->pid);
	FUZZ_ASSERT(same_str(a->bundle, b->bundle) && same_str(a->rootfs, b->rootfs));
	FUZZ_ASSERT(same_str(a->created, b->created));
	/* An absent owner is written as "". */
	FUZZ_ASSERT(same_str(a->owner ? a->owner : "", b->owner ? b->owner : ""));
	if (a->cgroup_path) /* the cgroup keys are written only with a path */
		FUZZ_ASSERT(same_str(a->cgroup_mount, b->cgroup_mount) &&
			    same_str(a->cgroup_path, b->cgroup_path) &&
			    a->systemd_cgroup == b->systemd_cgroup);
	FUZZ_ASSERT(a->hooks_mask == b->hooks_mask && a->n_annotations == b->n_annotations);
	for (size_t i = 0; i < 2 * a->n_annotations; i++)
		FUZZ_ASSERT(same_str(a->annotations[i], b->annotations[i]));
}

static void check_oci_json(const struct jl_state *s)
{
	struct jl_buf b = {0};
	jl_state_to_json(s, JL_STATUS_RUNNING, &b);
	struct jl_err *e = NULL;
	jl_json_val v = NULL;
	fuzz_check_result(jl_json_parse(b.data, "state", &v, &e), &e);
	jl_json_free(v);
	jl_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dirfd = fuzz_tmp_dir(tmp_files);
	fuzz_write_file(dirfd, JL_STATE_FILE, data, size);
	struct jl_err *e = NULL;
	struct jl_state s;
	int r = jl_state_read(dirfd, "fuzz", &s, &e);
	fuzz_check_result(r, &e);
	if (r < 0)
		return 0;
	check_oci_json(&s);
	fuzz_check_result(jl_state_write(dirfd, &s, &e), &e);
	struct jl_state back;
	fuzz_check_result(jl_state_read(dirfd, "fuzz", &back, &e), &e);
	check_same(&s, &back);
	jl_state_free(&back);
	jl_state_free(&s);
	return 0;
}
