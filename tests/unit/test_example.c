/* config.json.example is documentation: keep it a valid config that
 * exercises what the README says it does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_parses),
	};
	return cmocka_run_group_tests_name("config.json.example", tests, NULL, NULL);
}
