/* libFuzzer target: a mount's options (jl_mount_opts_parse).  The input is
 * one option per line, as they would stand in mounts[].options.
 * Seeds: tests/fuzz/corpus/mountopts/. */
#include "runtime/mountopts.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPTIONS 256

/* What rootfs.c relies on: an option either sets or clears a flag, never
 * both, and the fs data string holds only what was not a flag. */
static void check_opts(const struct jl_mount_opts *o)
{
	FUZZ_ASSERT(!(o->flags & o->clear));
	FUZZ_ASSERT(!(o->rattr_set & o->rattr_clr));
	FUZZ_ASSERT(!o->recursive || o->bind);
	FUZZ_ASSERT(!o->ridmap || o->idmap);
	FUZZ_ASSERT(!o->data || *o->data);
	unsigned long prop = o->propagation & ~(unsigned long)MS_REC;
	FUZZ_ASSERT(!prop || prop == MS_SHARED || prop == MS_PRIVATE || prop == MS_SLAVE ||
		    prop == MS_UNBINDABLE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* NUL cannot occur in a JSON string the parser accepts (\u0000 is
	 * refused), so it is not an input here either. */
	if (memchr(data, '\0', size))
		return 0;
	char *text = malloc(size + 1);
	FUZZ_ASSERT(text);
	memcpy(text, data, size);
	text[size] = '\0';
	const char *v[MAX_OPTIONS + 1];
	struct spec_strv options = {.v = v};
	for (char *line = text, *next; line && options.n < MAX_OPTIONS; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		v[options.n++] = line;
		jl_propagation_from_name(line);
	}
	v[options.n] = NULL;

	struct jl_err *e = NULL;
	struct jl_mount_opts o;
	int r = jl_mount_opts_parse(&options, "config.json: mounts[0].options", &o, &e);
	fuzz_check_result(r, &e);
	if (r == 0) {
		check_opts(&o);
		jl_mount_opts_free(&o);
	}
	free(text);
	return 0;
}
