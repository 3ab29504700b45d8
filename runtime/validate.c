/* Checks of a parsed config against what this container run can honour,
 * before anything is created: a refusal here leaves nothing behind. */
#include "runtime/validate.h"

#include <string.h>

#include "runtime/log.h"
#include "runtime/util.h"

static bool has_ns(const struct spec *s, enum ns_type t)
{
	return spec_find_namespace(s, t) != NULL;
}

static bool new_ns(const struct spec *s, enum ns_type t)
{
	const struct spec_namespace *n = spec_find_namespace(s, t);
	return n && !n->path;
}

/* runc's rule, from which kernels namespace which sysctls. */
static int check_sysctl(const struct spec *s, const char *key, struct jl_err **err)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",	"kernel.msgmni",
					  "kernel.sem",	   "kernel.shmall",	"kernel.shmmax",
					  "kernel.shmmni", "kernel.shm_rmid_forced"};
	if (strstr(key, "..") || key[0] == '/' || key[0] == '.')
		return jl_err_set(err, 0, "config.json: linux.sysctl: invalid key \"%s\"", key);
	bool is_ipc = jl_str_has_prefix(key, "fs.mqueue.");
	for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
		is_ipc = is_ipc || !strcmp(key, ipc[i]);
	if (is_ipc) {
		if (has_ns(s, NS_IPC))
			return 0;
		return jl_err_set(err, 0,
				  "config.json: linux.sysctl: \"%s\" needs an ipc namespace", key);
	}
	if (jl_str_has_prefix(key, "net.")) {
		if (has_ns(s, NS_NET))
			return 0;
		return jl_err_set(err, 0,
				  "config.json: linux.sysctl: \"%s\" needs a network namespace", key);
	}
	if (!strcmp(key, "kernel.domainname") || !strcmp(key, "kernel.hostname")) {
		if (has_ns(s, NS_UTS))
			return 0;
		return jl_err_set(err, 0, "config.json: linux.sysctl: \"%s\" needs a uts namespace",
				  key);
	}
	return jl_err_set(err, 0,
			  "config.json: linux.sysctl: \"%s\" is not in a separate kernel namespace "
			  "(setting it would change the host)",
			  key);
}

static bool id_mapped(const struct spec_id_maps *m, uint32_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (id >= m->v[i].container_id && id - m->v[i].container_id < m->v[i].size)
			return true;
	return false;
}

static int check_userns(const struct spec *s, struct jl_err **err)
{
	const struct spec_linux *l = &s->lnx;
	if (!new_ns(s, NS_USER)) {
		if (l->uid_mappings.n || l->gid_mappings.n) {
			if (!has_ns(s, NS_USER))
				return jl_err_set(err, 0,
						  "config.json: linux.uidMappings: needs a new user "
						  "namespace");
		}
		return 0;
	}
	if (!l->uid_mappings.n || !l->gid_mappings.n)
		return jl_err_set(err, 0,
				  "config.json: linux.uidMappings and gidMappings are required "
				  "with a new user namespace");
	const struct spec_user *u = &s->process.user;
	if (!id_mapped(&l->uid_mappings, u->uid))
		return jl_err_set(err, 0,
				  "config.json: process.user.uid: %u is not mapped in "
				  "linux.uidMappings",
				  u->uid);
	if (!id_mapped(&l->gid_mappings, u->gid))
		return jl_err_set(err, 0,
				  "config.json: process.user.gid: %u is not mapped in "
				  "linux.gidMappings",
				  u->gid);
	return 0;
}

static int check_console(const struct spec *s, const struct jl_create_opts *o, bool run,
			 struct jl_err **err)
{
	bool terminal = s->process.terminal;
	if (!terminal && o->console_socket)
		return jl_err_set(err, 0,
				  "--console-socket was given but process.terminal is false");
	if (terminal && !o->console_socket && (!run || o->detach))
		return jl_err_set(err, 0,
				  "process.terminal is true: --console-socket is required%s",
				  run ? " with --detach" : "");
	return 0;
}

/* hostname and domainname need a uts namespace of the container's, new or
 * joined by path; a sysctl saying something else is a contradiction. */
static int check_names(const struct spec *s, struct jl_err **err)
{
	const struct {
		const char *field, *sysctl, *value;
	} names[] = {
		{"hostname", "kernel.hostname", s->hostname},
		{"domainname", "kernel.domainname", s->domainname},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *v = names[i].value;
		if (!v || !*v)
			continue;
		if (!has_ns(s, NS_UTS))
			return jl_err_set(err, 0, "config.json: %s: needs a uts namespace",
					  names[i].field);
		for (size_t k = 0; k < s->lnx.sysctl.n; k++)
			if (!strcmp(s->lnx.sysctl.v[k].key, names[i].sysctl) &&
			    strcmp(s->lnx.sysctl.v[k].value, v))
				return jl_err_set(err, 0,
						  "config.json: linux.sysctl: \"%s\" = \"%s\" conflicts "
						  "with %s \"%s\"",
						  names[i].sysctl, s->lnx.sysctl.v[k].value,
						  names[i].field, v);
	}
	return 0;
}

/* Without a mount namespace of its own the container shares the runtime's
 * (runtime-spec: it inherits it): its mounts go below its root there and
 * it is chroot'ed, as runc does.  What would change the mounts the host
 * itself sees is refused. */
static int check_no_mntns(const struct spec *s, struct jl_err **err)
{
	if (has_ns(s, NS_MNT))
		return 0;
	const char *what = s->lnx.masked_paths.n     ? "linux.maskedPaths"
			   : s->lnx.readonly_paths.n ? "linux.readonlyPaths"
			   : s->root.readonly	     ? "root.readonly"
			   : s->lnx.rootfs_propagation ? "linux.rootfsPropagation"
						       : NULL;
	if (what)
		return jl_err_set(err, 0,
				  "config.json: %s: needs a mount namespace (without one the "
				  "container shares the runtime's mounts)",
				  what);
	return 0;
}

/* No LSM support in this build: say so rather than ignore it silently. */
static void warn_lsm(const struct spec *s)
{
	if (s->process.apparmor_profile && *s->process.apparmor_profile)
		jl_warn("config.json: process.apparmorProfile \"%s\": this build has no AppArmor "
			"support; not applied",
			s->process.apparmor_profile);
	if (s->process.selinux_label && *s->process.selinux_label)
		jl_warn("config.json: process.selinuxLabel \"%s\": this build has no SELinux "
			"support; not applied",
			s->process.selinux_label);
	if (s->lnx.mount_label && *s->lnx.mount_label)
		jl_warn("config.json: linux.mountLabel \"%s\": this build has no SELinux support; "
			"not applied",
			s->lnx.mount_label);
}

int jl_validate_for_create(const struct spec *s, const struct jl_create_opts *o, bool run,
			   struct jl_err **err)
{
	if (!s->has_process)
		return jl_err_set(err, 0, "config.json: missing required field \"process\"");
	int r = check_no_mntns(s, err);
	if (r == 0)
		r = check_names(s, err);
	if (r < 0)
		return r;
	if ((s->lnx.time_monotonic.set || s->lnx.time_boottime.set) && !new_ns(s, NS_TIME))
		return jl_err_set(err, 0, "config.json: linux.timeOffsets: needs a new time namespace");
	for (size_t i = 0; i < s->lnx.sysctl.n; i++) {
		int r = check_sysctl(s, s->lnx.sysctl.v[i].key, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < s->lnx.masked_paths.n; i++)
		if (s->lnx.masked_paths.v[i][0] != '/')
			return jl_err_set(err, 0,
					  "config.json: linux.maskedPaths[%zu]: must be an absolute path",
					  i);
	for (size_t i = 0; i < s->lnx.readonly_paths.n; i++)
		if (s->lnx.readonly_paths.v[i][0] != '/')
			return jl_err_set(
				err, 0, "config.json: linux.readonlyPaths[%zu]: must be an absolute path", i);
	r = check_userns(s, err);
	if (r < 0)
		return r;
	warn_lsm(s);
	return check_console(s, o, run, err);
}
