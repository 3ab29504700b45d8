/* jaula sandbox's pure parts: the flags' checks, sizes as the verdict
 * spells them, the seccomp profile with lifted denials, and the config
 * (parsed back with the runtime's own parser: what create would get). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/json.h"
#include "runtime/sandbox_internal.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

static void test_format_size(void **state)
{
	(void)state;
	char s[32];
	sbx_format_size(512ull << 20, s);
	assert_string_equal(s, "512M");
	sbx_format_size(1ull << 30, s);
	assert_string_equal(s, "1G");
	sbx_format_size(4096, s);
	assert_string_equal(s, "4K");
	sbx_format_size(1536, s);
	assert_string_equal(s, "1536");
	sbx_format_size(3ull << 40, s);
	assert_string_equal(s, "3T");
}

static const char *const prog[] = {"/bin/true"};

static int plan_with(struct jl_sandbox_opts *o, struct sbx_plan *p, struct jl_err **err)
{
	o->argv = prog;
	o->argc = 1;
	return sbx_plan_build(o, p, err);
}

static void test_limits_parse(void **state)
{
	(void)state;
	struct jl_sandbox_opts o = {.memory = "64m", .fsize = "2G", .pids = "10",
				    .cpu_time = "2m", .timeout = "1h"};
	struct sbx_plan p;
	struct jl_err *err = NULL;
	assert_int_equal(plan_with(&o, &p, &err), 0);
	assert_int_equal(p.lim.memory, 64ull << 20);
	assert_int_equal(p.lim.fsize, 2ull << 30);
	assert_int_equal(p.lim.pids, 10);
	assert_int_equal(p.lim.cpu_sec, 120);
	assert_int_equal(p.lim.wall_sec, 3600);
	assert_string_equal(p.cwd, "/");
	sbx_plan_free(&p);
	/* the defaults of the issue */
	struct jl_sandbox_opts d = {0};
	assert_int_equal(plan_with(&d, &p, &err), 0);
	assert_int_equal(p.lim.memory, 512ull << 20);
	assert_int_equal(p.lim.pids, 256);
	assert_int_equal(p.lim.cpu_sec, 60);
	assert_int_equal(p.lim.wall_sec, 300);
	assert_int_equal(p.lim.fsize, 1ull << 30);
	assert_int_equal(p.lim.nofile, 1024);
	sbx_plan_free(&p);
}

/* Each bad flag fails with a message naming it. */
static void expect_refused(struct jl_sandbox_opts o, const char *needle)
{
	struct sbx_plan p;
	struct jl_err *err = NULL;
	assert_true(plan_with(&o, &p, &err) < 0);
	if (!strstr(err->msg, needle))
		fail_msg("\"%s\" does not name %s", err->msg, needle);
	jl_err_free(&err);
	sbx_plan_free(&p);
}

static void test_bad_flags(void **state)
{
	(void)state;
	expect_refused((struct jl_sandbox_opts){.memory = "0"}, "--memory");
	expect_refused((struct jl_sandbox_opts){.memory = "12X"}, "--memory");
	expect_refused((struct jl_sandbox_opts){.memory = "-1"}, "--memory");
	expect_refused((struct jl_sandbox_opts){.memory = " "}, "--memory");
	expect_refused((struct jl_sandbox_opts){.fsize = "99999999999999999999"}, "--fsize");
	expect_refused((struct jl_sandbox_opts){.pids = "0"}, "--pids");
	expect_refused((struct jl_sandbox_opts){.timeout = "1d"}, "--timeout");
	expect_refused((struct jl_sandbox_opts){.cpu_time = "s"}, "--cpu-time");
	expect_refused((struct jl_sandbox_opts){.workdir = "rel"}, "--workdir");
	const struct jl_sandbox_bind proc = {.spec = "/usr:/proc/x"};
	expect_refused((struct jl_sandbox_opts){.binds = &proc, .n_binds = 1}, "--ro-bind");
	const struct jl_sandbox_bind dots = {.spec = "/usr:/a/../etc", .writable = true};
	expect_refused((struct jl_sandbox_opts){.binds = &dots, .n_binds = 1}, "--bind");
	const struct jl_sandbox_bind rel = {.spec = "/usr:usr"};
	expect_refused((struct jl_sandbox_opts){.binds = &rel, .n_binds = 1}, "--ro-bind");
	const char *const env[] = {"NOEQUALS"};
	expect_refused((struct jl_sandbox_opts){.env = env, .n_env = 1}, "--env");
}

static void test_env(void **state)
{
	(void)state;
	const char *const env[] = {"A=1", "B=2", "A=3"};
	struct jl_sandbox_opts o = {.env = env, .n_env = 3, .clear_env = true};
	struct sbx_plan p;
	struct jl_err *err = NULL;
	assert_int_equal(plan_with(&o, &p, &err), 0);
	assert_string_equal(p.env[0], "A=3");
	assert_string_equal(p.env[1], "B=2");
	assert_null(p.env[2]);
	sbx_plan_free(&p);
}

/* Does any rule that does not allow name it? */
static bool denied(const char *profile, const char *name)
{
	jl_json_val v;
	struct jl_err *err = NULL;
	assert_int_equal(jl_json_parse(profile, "profile", &v, &err), 0);
	jl_json_val rules = jl_json_get(v, "syscalls");
	bool found = false;
	for (size_t i = 0; i < jl_json_len(rules); i++) {
		jl_json_val r = jl_json_at(rules, i);
		if (!strcmp(jl_json_string(jl_json_get(r, "action")), "SCMP_ACT_ALLOW"))
			continue;
		jl_json_val names = jl_json_get(r, "names");
		for (size_t k = 0; k < jl_json_len(names); k++)
			found |= !strcmp(jl_json_string(jl_json_at(names, k)), name);
	}
	jl_json_free(v);
	return found;
}

static void test_seccomp_allow(void **state)
{
	(void)state;
	cleanup_free char *def = NULL, *lifted = NULL;
	struct jl_err *err = NULL;
	assert_int_equal(sbx_seccomp_profile(NULL, NULL, 0, &def, &err), 0);
	assert_true(denied(def, "keyctl"));
	assert_true(strstr(def, "SCMP_ARCH_X32") != NULL);
	const char *const allow[] = {"keyctl", "ptrace"};
	assert_int_equal(sbx_seccomp_profile(NULL, allow, 2, &lifted, &err), 0);
	assert_false(denied(lifted, "keyctl"));
	assert_false(denied(lifted, "ptrace"));
	assert_true(denied(lifted, "add_key")); /* its rule's neighbours stay */
	assert_true(denied(lifted, "bpf"));
	/* the argument rules (clone with CLONE_NEWUSER) survive the copy */
	assert_true(denied(lifted, "clone"));
}

static void test_seccomp_file(void **state)
{
	(void)state;
	char path[] = "/tmp/jaula-test-sbx-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
			   "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cleanup_free char *out = NULL;
	struct jl_err *err = NULL;
	const char *const allow[] = {"write"};
	assert_int_equal(sbx_seccomp_profile(path, allow, 1, &out, &err), 0);
	/* a deny-by-default profile gets an allow rule for the name */
	assert_non_null(strstr(out, "\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\""));
	assert_non_null(strstr(out, "\"read\""));
	unlink(path);
	assert_true(sbx_seccomp_profile("/nonexistent.json", NULL, 0, &out, &err) < 0);
	assert_non_null(strstr(err->msg, "--seccomp"));
	jl_err_free(&err);
}

static struct spec *parse_config(const struct sbx_plan *p)
{
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	if (sbx_spec_build(p, &s, &err) < 0)
		fail_msg("%s", err->msg);
	return s;
}

static const struct spec_rlimit *rlimit(const struct spec *s, int resource)
{
	for (size_t i = 0; i < s->process.n_rlimits; i++)
		if (s->process.rlimits[i].resource == resource)
			return &s->process.rlimits[i];
	return NULL;
}

static void test_config(void **state)
{
	(void)state;
	const struct jl_sandbox_bind out = {.spec = "/tmp:/out", .writable = true};
	struct jl_sandbox_opts o = {.memory = "64M", .pids = "8", .binds = &out, .n_binds = 1};
	struct sbx_plan p;
	struct jl_err *err = NULL;
	assert_int_equal(plan_with(&o, &p, &err), 0);
	struct spec *s = parse_config(&p);
	/* every namespace, the user one mapping root to one host id */
	for (int t = 0; t < NS__COUNT; t++)
		if (t != NS_TIME)
			assert_non_null(spec_find_namespace(s, (enum ns_type)t));
	assert_int_equal(s->lnx.uid_mappings.n, 1);
	assert_int_equal(s->lnx.uid_mappings.v[0].container_id, 0);
	assert_int_equal(s->lnx.uid_mappings.v[0].host_id, p.host_uid);
	assert_int_equal(s->lnx.uid_mappings.v[0].size, 1);
	/* no capability in any set */
	assert_true(s->process.caps.set);
	for (int k = 0; k < SPEC_CAP__COUNT; k++)
		assert_int_equal(s->process.caps.mask[k], 0);
	assert_true(s->process.no_new_privileges);
	assert_false(s->process.terminal);
	assert_true(s->root.readonly);
	assert_string_equal(s->root.path, "rootfs");
	assert_string_equal(s->hostname, "sandbox");
	/* args and env go to execve as they are: NULL after the last */
	assert_int_equal(s->process.args.n, p.argc);
	assert_null(s->process.args.v[s->process.args.n]);
	assert_null(s->process.env.v[s->process.env.n]);
	/* /proc: the sensitive files masked, the kernel's knobs read-only */
	bool kcore = false, sys = false;
	for (size_t i = 0; i < s->lnx.masked_paths.n; i++)
		kcore |= !strcmp(s->lnx.masked_paths.v[i], "/proc/kcore");
	for (size_t i = 0; i < s->lnx.readonly_paths.n; i++)
		sys |= !strcmp(s->lnx.readonly_paths.v[i], "/proc/sys");
	assert_true(kcore && sys);
	/* the limits as rlimits, never above what we hold */
	const struct spec_rlimit *nproc = rlimit(s, RLIMIT_NPROC);
	assert_non_null(nproc);
	assert_true(nproc->hard <= 8);
	assert_non_null(rlimit(s, RLIMIT_CPU));
	assert_non_null(rlimit(s, RLIMIT_FSIZE));
#ifndef __SANITIZE_ADDRESS__ /* the ASan build leaves the backstop out */
	assert_non_null(rlimit(s, RLIMIT_AS));
#endif
	assert_int_equal(rlimit(s, RLIMIT_CORE)->hard, 0);
	/* mounts: nothing of /etc but the loader's; /tmp sized; the bind last */
	bool tmp_sized = false;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		if (jl_str_has_prefix(m->destination, "/etc/"))
			assert_true(jl_str_has_prefix(m->destination, "/etc/ld.so.") ||
				    !strcmp(m->destination, "/etc/alternatives"));
		if (!strcmp(m->destination, "/tmp"))
			for (size_t k = 0; k < m->options.n; k++)
				tmp_sized |= !strcmp(m->options.v[k], "size=67108864");
	}
	assert_true(tmp_sized);
	assert_string_equal(s->mounts[s->n_mounts - 1].destination, "/out");
	/* the filter compiles, on every ABI it names */
	struct jl_seccomp_prog prog;
	assert_true(s->lnx.has_seccomp);
	if (jl_seccomp_compile(&s->lnx.seccomp, "config.json: linux.seccomp", &prog, &err) < 0)
		fail_msg("%s", err->msg);
	jl_seccomp_prog_free(&prog);
	spec_free(s);
	sbx_plan_free(&p);
}

/* --image: the binds of the host's tree are gone, the user's stay, in
 * the order given. */
static void test_config_image(void **state)
{
	(void)state;
	const struct jl_sandbox_bind b[] = {{.spec = "/tmp:/x", .writable = true},
					    {.spec = "/usr:/x"}};
	struct jl_sandbox_opts o = {.image = "bb", .binds = b, .n_binds = 2};
	struct sbx_plan p;
	struct jl_err *err = NULL;
	assert_int_equal(plan_with(&o, &p, &err), 0);
	assert_true(p.from_image);
	struct spec *s = parse_config(&p);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const char *d = s->mounts[i].destination;
		assert_false(!strcmp(d, "/usr") || jl_str_has_prefix(d, "/etc/") ||
			     jl_str_has_prefix(d, "/lib"));
	}
	assert_string_equal(s->mounts[s->n_mounts - 2].source, "/tmp");
	assert_string_equal(s->mounts[s->n_mounts - 1].source, "/usr");
	spec_free(s);
	sbx_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_size),   cmocka_unit_test(test_limits_parse),
		cmocka_unit_test(test_bad_flags),     cmocka_unit_test(test_env),
		cmocka_unit_test(test_seccomp_allow), cmocka_unit_test(test_seccomp_file),
		cmocka_unit_test(test_config),        cmocka_unit_test(test_config_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
