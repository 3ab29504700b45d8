/* The configs jaula hands to people: config.json.example is documentation,
 * keep it a valid config that exercises what the README says it does; the
 * output of `jaula spec` must be accepted as it is, and must survive tools
 * that read JSON numbers as doubles (jq 1.6, JavaScript, Python's json with
 * floats) unchanged. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/container.h"
#include "runtime/spec.h"

static void test_example_parses(void **state)
{
	(void)state;
	const char *path = getenv("JAULA_EXAMPLE_CONFIG");
	cleanup_free char *text = NULL;
	size_t len = 0;
	struct jl_err *err = NULL;
	int r = jl_read_file_at(AT_FDCWD, path ? path : "config.json.example", SPEC_MAX_BYTES,
				&text, &len, &err);
	if (r < 0)
		fail_msg("%s", err->msg);
	struct spec *s = NULL;
	r = spec_parse(text, len, "config.json.example", &s, &err);
	if (r < 0)
		fail_msg("%s", err->msg);
	assert_true(s->process.caps.set);
	assert_true(s->process.caps.mask[SPEC_CAP_AMBIENT] != 0);
	assert_true(s->process.no_new_privileges);
	assert_true(s->root.readonly);
	assert_non_null(s->hostname);
	assert_true(s->n_mounts >= 8);
	assert_int_equal(s->hooks[SPEC_HOOK_CREATE_RUNTIME].n, 1);
	assert_true(s->lnx.has_seccomp);
	assert_int_equal(s->lnx.n_devices, 1);
	assert_non_null(spec_find_namespace(s, NS_MNT));
	spec_free(s);
}

/* --- `jaula spec` ------------------------------------------------------------ */

/* 2^53: above it a double no longer holds every integer, so jq and friends
 * would rewrite the number on a round trip. */
#define DOUBLE_EXACT_MAX (1ULL << 53)

/* Every number in the document is a non-negative integer below 2^53,
 * judged from its text (the tree's own integer would saturate). */
static void assert_numbers_exact(jl_json_val v, const char *where)
{
	switch (jl_json_type(v)) {
	case JL_JSON_NUMBER: {
		const char *t = jl_json_number_text(v);
		char *end = NULL;
		errno = 0;
		unsigned long long n = strtoull(t, &end, 10);
		if (*t == '-' || *end || errno || n >= DOUBLE_EXACT_MAX)
			fail_msg("%s: number %s is not an integer below 2^53", where, t);
		break;
	}
	case JL_JSON_ARRAY:
		for (size_t i = 0; i < jl_json_len(v); i++)
			assert_numbers_exact(jl_json_at(v, i), where);
		break;
	case JL_JSON_OBJECT:
		for (size_t i = 0; i < jl_json_len(v); i++)
			assert_numbers_exact(jl_json_value_at(v, i), jl_json_key_at(v, i));
		break;
	default:
		break;
	}
}

static struct spec *parse_default(bool rootless, struct jl_buf *text)
{
	*text = (struct jl_buf){0};
	jl_spec_default_json(rootless, 1000, 1000, text);
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	if (spec_parse(text->data, text->len, "config.json", &s, &err) < 0)
		fail_msg("jaula spec%s: %s", rootless ? " --rootless" : "", err->msg);
	return s;
}

static void test_default_spec_parses(void **state)
{
	(void)state;
	for (int rootless = 0; rootless < 2; rootless++) {
		struct jl_buf text;
		struct spec *s = parse_default(rootless, &text);
		assert_true(s->has_process && s->process.no_new_privileges);
		assert_true(s->root.readonly);
		assert_true(s->lnx.has_seccomp);
		assert_non_null(spec_find_namespace(s, NS_MNT));
		assert_int_equal(spec_find_namespace(s, NS_USER) != NULL, rootless);
		spec_free(s);
		jl_buf_free(&text);
	}
}

/* The default seccomp profile's argument values, personality's masks above
 * all, once went up to 2^64-1: jq rounded them and jaula refused the
 * edited config.  Everything now fits 32 bits (seccomp_profile.c says why
 * that loses nothing), and no number anywhere reaches 2^53. */
static void test_default_spec_numbers_fit(void **state)
{
	(void)state;
	for (int rootless = 0; rootless < 2; rootless++) {
		struct jl_buf text;
		struct spec *s = parse_default(rootless, &text);
		const struct spec_seccomp *sc = &s->lnx.seccomp;
		size_t personality_rules = 0;
		for (size_t i = 0; i < sc->n_syscalls; i++) {
			const struct spec_seccomp_syscall *call = &sc->syscalls[i];
			for (size_t k = 0; k < call->n_args; k++) {
				assert_true(call->args[k].value <= UINT32_MAX);
				assert_true(call->args[k].value_two <= UINT32_MAX);
			}
			if (!strcmp(call->names.v[0], "personality"))
				personality_rules++;
		}
		assert_true(personality_rules > 0);
		assert_numbers_exact(s->tree, "(top)");
		spec_free(s);
		jl_buf_free(&text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_parses),
		cmocka_unit_test(test_default_spec_parses),
		cmocka_unit_test(test_default_spec_numbers_fit),
	};
	return cmocka_run_group_tests_name("config.json.example and jaula spec", tests, NULL, NULL);
}
