/* libFuzzer target: a process object alone, as `exec --process FILE` reads
 * it (spec_parse_process), then the argv and environment exec builds from
 * it.  Seeds: tests/fuzz/corpus/process/. */
#include "runtime/process.h"
#include "runtime/spec.h"
#include "tests/fuzz/fuzz.h"

/* args and env go to execve as they are: NULL-terminated, no NULL inside. */
static void check_strv(const struct spec_strv *v)
{
	FUZZ_ASSERT(v->n == 0 || (v->v && !v->v[v->n]));
	for (size_t i = 0; i < v->n; i++)
		FUZZ_ASSERT(v->v[i]);
}

static void check_process(const struct spec_process *p)
{
	check_strv(&p->args);
	check_strv(&p->env);
	for (size_t i = 0; i < p->n_rlimits; i++)
		FUZZ_ASSERT(p->rlimits[i].name && p->rlimits[i].resource >= 0);
	char **argv = jl_process_argv(p);
	char **envp = jl_process_envp(p);
	for (size_t i = 0; argv[i]; i++)
		FUZZ_ASSERT(i < p->args.n);
	/* "NAME=value" with a non-empty NAME, or execve's callee misreads it. */
	for (size_t i = 0; envp[i]; i++)
		FUZZ_ASSERT(i < p->env.n && envp[i][0] && strchr(envp[i] + 1, '='));
	free(argv);
	free(envp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jl_err *e = NULL;
	struct jl_arena arena = {0};
	jl_json_val tree = NULL;
	struct spec_process p;
	int r = spec_parse_process((const char *)data, size, "process.json", &arena, &tree, &p, &e);
	fuzz_check_result(r, &e);
	if (r == 0)
		check_process(&p);
	jl_json_free(tree);
	jl_arena_free(&arena);
	return 0;
}
