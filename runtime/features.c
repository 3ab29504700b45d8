/* `jaula features` (runtime-spec features.md): what this build supports,
 * independent of the host it runs on; and `jaula spec`: a default config
 * that `jaula run` accepts as it is. */
#include <string.h>

#ifndef JAULA_VERSION
#define JAULA_VERSION "0.0.0"
#endif
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/container.h"
#include "runtime/json.h"
#include "runtime/mountopts.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "runtime/state.h"

static void str_array(struct jl_json_writer *w, const char *key, const char *const *v)
{
	jl_jw_key(w, key);
	jl_jw_begin_array(w);
	for (; *v; v++)
		jl_jw_str(w, *v);
	jl_jw_end_array(w);
}

static void write_capabilities(struct jl_json_writer *w)
{
	jl_jw_key(w, "capabilities");
	jl_jw_begin_array(w);
	for (int c = 0; c <= jl_cap_max_known(); c++) {
		char name[32];
		jl_cap_to_name(c, name, sizeof(name));
		if (jl_str_has_prefix(name, "CAP_"))
			jl_jw_str(w, name);
	}
	jl_jw_end_array(w);
}

static void write_seccomp(struct jl_json_writer *w)
{
	jl_jw_key(w, "seccomp");
	jl_jw_begin_object(w);
	jl_jw_kv_bool(w, "enabled", true);
	str_array(w, "actions", jl_seccomp_actions);
	str_array(w, "operators", jl_seccomp_operators);
	str_array(w, "archs", jl_seccomp_archs);
	str_array(w, "knownFlags", jl_seccomp_flags);
	str_array(w, "supportedFlags", jl_seccomp_flags);
	jl_jw_end_object(w);
}

static void write_linux(struct jl_json_writer *w)
{
	static const char *const namespaces[] = {"cgroup", "ipc", "mount", "network", "pid",
						 "time",   "user", "uts",   NULL};
	jl_jw_key(w, "linux");
	jl_jw_begin_object(w);
	str_array(w, "namespaces", namespaces);
	write_capabilities(w);
	jl_jw_key(w, "cgroup");
	jl_jw_begin_object(w);
	jl_jw_kv_bool(w, "v1", false);
	jl_jw_kv_bool(w, "v2", true);
	/* --systemd-cgroup makes a transient scope over the system bus; a
	 * user manager's (rootless) is not spoken to yet. */
	jl_jw_kv_bool(w, "systemd", true);
	jl_jw_kv_bool(w, "systemdUser", false);
	jl_jw_kv_bool(w, "rdma", true);
	jl_jw_end_object(w);
	write_seccomp(w);
	const char *off[] = {"apparmor", "selinux", "intelRdt", "netDevices"};
	for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
		jl_jw_key(w, off[i]);
		jl_jw_begin_object(w);
		jl_jw_kv_bool(w, "enabled", false);
		jl_jw_end_object(w);
	}
	jl_jw_key(w, "mountExtensions");
	jl_jw_begin_object(w);
	jl_jw_key(w, "idmap");
	jl_jw_begin_object(w);
	jl_jw_kv_bool(w, "enabled", true);
	jl_jw_end_object(w);
	jl_jw_end_object(w);
	jl_jw_end_object(w);
}

void jl_features_json(struct jl_buf *out)
{
	static const char *const hooks[] = {"prestart",	      "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop",
					    NULL};
	struct jl_json_writer w = {.out = out, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "ociVersionMin", "1.0.0");
	jl_jw_kv_str(&w, "ociVersionMax", JL_OCI_VERSION);
	str_array(&w, "hooks", hooks);
	jl_jw_key(&w, "mountOptions");
	jl_jw_begin_array(&w);
	for (size_t i = 0; jl_mount_option_name(i); i++)
		jl_jw_str(&w, jl_mount_option_name(i));
	jl_jw_end_array(&w);
	write_linux(&w);
	jl_jw_key(&w, "annotations");
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "org.jaula.version", JAULA_VERSION);
	jl_jw_end_object(&w);
	jl_jw_key(&w, "potentiallyUnsafeConfigAnnotations");
	jl_jw_begin_array(&w);
	jl_jw_end_array(&w);
	jl_jw_end_object(&w);
	jl_buf_puts(out, "\n");
}
