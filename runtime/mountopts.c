#include "runtime/mountopts.h"

#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>

#include "runtime/util.h"

enum opt_kind { OPT_SET, OPT_CLEAR, OPT_PROPAGATION, OPT_RSET, OPT_RCLEAR, OPT_SPECIAL };

struct opt {
	const char *name;
	enum opt_kind kind;
	unsigned long flag; /* MS_* or MOUNT_ATTR_* */
};

/* mount(8) "FILESYSTEM-INDEPENDENT MOUNT OPTIONS" and the spec's additions. */
static const struct opt opts[] = {
	{"async", OPT_CLEAR, MS_SYNCHRONOUS},
	{"atime", OPT_CLEAR, MS_NOATIME},
	{"bind", OPT_SPECIAL, 0},
	{"defaults", OPT_SET, 0},
	{"dev", OPT_CLEAR, MS_NODEV},
	{"diratime", OPT_CLEAR, MS_NODIRATIME},
	{"dirsync", OPT_SET, MS_DIRSYNC},
	{"exec", OPT_CLEAR, MS_NOEXEC},
	{"iversion", OPT_SET, MS_I_VERSION},
	{"lazytime", OPT_SET, MS_LAZYTIME},
	{"loud", OPT_CLEAR, MS_SILENT},
	{"mand", OPT_SET, MS_MANDLOCK},
	{"noatime", OPT_SET, MS_NOATIME},
	{"nodev", OPT_SET, MS_NODEV},
	{"nodiratime", OPT_SET, MS_NODIRATIME},
	{"noexec", OPT_SET, MS_NOEXEC},
	{"noiversion", OPT_CLEAR, MS_I_VERSION},
	{"nolazytime", OPT_CLEAR, MS_LAZYTIME},
	{"nomand", OPT_CLEAR, MS_MANDLOCK},
	{"norelatime", OPT_CLEAR, MS_RELATIME},
	{"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
	{"nosuid", OPT_SET, MS_NOSUID},
	{"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
	{"rbind", OPT_SPECIAL, 0},
	{"relatime", OPT_SET, MS_RELATIME},
	{"remount", OPT_SET, MS_REMOUNT},
	{"ro", OPT_SET, MS_RDONLY},
	{"rw", OPT_CLEAR, MS_RDONLY},
	{"silent", OPT_SET, MS_SILENT},
	{"strictatime", OPT_SET, MS_STRICTATIME},
	{"suid", OPT_CLEAR, MS_NOSUID},
	{"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
	{"sync", OPT_SET, MS_SYNCHRONOUS},
	{"private", OPT_PROPAGATION, MS_PRIVATE},
	{"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
	{"shared", OPT_PROPAGATION, MS_SHARED},
	{"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
	{"slave", OPT_PROPAGATION, MS_SLAVE},
	{"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
	{"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
	{"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
	{"rro", OPT_RSET, MOUNT_ATTR_RDONLY},
	{"rrw", OPT_RCLEAR, MOUNT_ATTR_RDONLY},
	{"rnosuid", OPT_RSET, MOUNT_ATTR_NOSUID},
	{"rsuid", OPT_RCLEAR, MOUNT_ATTR_NOSUID},
	{"rnodev", OPT_RSET, MOUNT_ATTR_NODEV},
	{"rdev", OPT_RCLEAR, MOUNT_ATTR_NODEV},
	{"rnoexec", OPT_RSET, MOUNT_ATTR_NOEXEC},
	{"rexec", OPT_RCLEAR, MOUNT_ATTR_NOEXEC},
	{"rnodiratime", OPT_RSET, MOUNT_ATTR_NODIRATIME},
	{"rdiratime", OPT_RCLEAR, MOUNT_ATTR_NODIRATIME},
	{"rrelatime", OPT_RSET, MOUNT_ATTR_RELATIME},
	{"rnorelatime", OPT_RCLEAR, MOUNT_ATTR_RELATIME},
	{"rnoatime", OPT_RSET, MOUNT_ATTR_NOATIME},
	{"ratime", OPT_RCLEAR, MOUNT_ATTR_NOATIME},
	{"rstrictatime", OPT_RSET, MOUNT_ATTR_STRICTATIME},
	{"rnostrictatime", OPT_RCLEAR, MOUNT_ATTR_STRICTATIME},
	{"rnosymfollow", OPT_RSET, MOUNT_ATTR_NOSYMFOLLOW},
	{"rsymfollow", OPT_RCLEAR, MOUNT_ATTR_NOSYMFOLLOW},
	{"idmap", OPT_SPECIAL, 0},
	{"ridmap", OPT_SPECIAL, 0},
	{"tmpcopyup", OPT_SPECIAL, 0},
};

const char *jl_mount_option_name(size_t i)
{
	return i < ARRAY_SIZE(opts) ? opts[i].name : NULL;
}

static const struct opt *find_opt(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (!strcmp(opts[i].name, name))
			return &opts[i];
	return NULL;
}

unsigned long jl_propagation_from_name(const char *name)
{
	const struct opt *o = find_opt(name);
	return o && o->kind == OPT_PROPAGATION ? o->flag : 0;
}

/* The atime options are one setting with three values: the last one wins. */
static void set_flag(struct jl_mount_opts *m, unsigned long f)
{
	const unsigned long atime = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
	if (f & atime)
		m->flags &= ~atime;
	m->flags |= f;
	m->clear &= ~f;
}

static void special(struct jl_mount_opts *m, const char *name)
{
	if (!strcmp(name, "bind"))
		m->bind = true;
	else if (!strcmp(name, "rbind"))
		m->bind = m->recursive = true;
	else if (!strcmp(name, "idmap"))
		m->idmap = true;
	else if (!strcmp(name, "ridmap"))
		m->idmap = m->ridmap = true;
	else if (!strcmp(name, "tmpcopyup"))
		m->tmpcopyup = true;
}

static void add_data(struct jl_buf *data, const char *opt)
{
	if (data->len)
		jl_buf_puts(data, ",");
	jl_buf_puts(data, opt);
}

int jl_mount_opts_parse(const struct spec_strv *options, const char *where,
			struct jl_mount_opts *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	struct jl_buf data = {0};
	for (size_t i = 0; i < options->n; i++) {
		const char *name = options->v[i];
		if (!*name)
			continue;
		if (strchr(name, ',') && !strchr(name, '=')) {
			jl_buf_free(&data);
			return jl_err_set(err, 0, "%s[%zu]: \"%s\": one option per entry", where, i,
					  name);
		}
		const struct opt *o = find_opt(name);
		if (!o) {
			/* Not a flag: mount(8) hands it to the filesystem. */
			add_data(&data, name);
			continue;
		}
		switch (o->kind) {
		case OPT_SET:
			set_flag(out, o->flag);
			break;
		case OPT_CLEAR:
			out->flags &= ~o->flag;
			out->clear |= o->flag;
			break;
		case OPT_PROPAGATION:
			out->propagation = o->flag;
			break;
		case OPT_RSET:
			out->rattr_set |= o->flag;
			out->rattr_clr &= ~(uint64_t)o->flag;
			break;
		case OPT_RCLEAR:
			out->rattr_clr |= o->flag;
			out->rattr_set &= ~(uint64_t)o->flag;
			break;
		case OPT_SPECIAL:
			special(out, name);
			break;
		}
	}
	out->data = data.len ? jl_buf_steal(&data) : NULL;
	jl_buf_free(&data);
	return 0;
}

void jl_mount_opts_free(struct jl_mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}
