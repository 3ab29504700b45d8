/* libFuzzer target: the config.json parser, and the process / resources
 * entry points exec and update use.  Any input must give a parse or an
 * error, never a crash, a leak or an error of more than one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/spec.h"

static void check_error(struct jl_err *e)
{
	if (e && e->msg && strchr(e->msg, '\n'))
		abort(); /* errors are one line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct jl_err *e = NULL;
	struct spec *s = NULL;
	if (spec_parse(text, size, "config.json", &s, &e) == 0)
		spec_free(s);
	check_error(e);
	jl_err_free(&e);

	struct jl_arena arena = {0};
	jl_json_val tree = NULL;
	struct spec_process p;
	spec_parse_process(text, size, "process.json", &arena, &tree, &p, &e);
	check_error(e);
	jl_err_free(&e);
	jl_json_free(tree);
	jl_arena_free(&arena);

	tree = NULL;
	struct cg_resources r;
	spec_parse_resources(text, size, "resources", &arena, &tree, &r, &e);
	check_error(e);
	jl_err_free(&e);
	jl_json_free(tree);
	jl_arena_free(&arena);
	return 0;
}
