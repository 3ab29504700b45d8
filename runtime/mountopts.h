/* Mount options of config.md (mount(8)'s filesystem-independent names, the
 * propagation names and the recursive "r*" attributes of runtime-spec 1.1)
 * turned into mount(2) flags, mount_setattr(2) attributes and the
 * filesystem-specific data string. */
#ifndef JAULA_MOUNTOPTS_H
#define JAULA_MOUNTOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"

/* Newer than some headers (Linux 5.10 / 5.12). */
#include <sys/mount.h>
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#include "runtime/spec.h"

struct jl_mount_opts {
	unsigned long flags;       /* MS_* to set */
	unsigned long clear;       /* MS_* explicitly turned off ("rw", "suid", ...) */
	unsigned long propagation; /* MS_SHARED/PRIVATE/SLAVE/UNBINDABLE, maybe | MS_REC */
	uint64_t rattr_set;        /* MOUNT_ATTR_* to set recursively ("rro", ...) */
	uint64_t rattr_clr;
	bool bind, recursive;      /* "bind" / "rbind" */
	bool idmap, ridmap;        /* "idmap" / "ridmap" (runtime-spec 1.2) */
	bool tmpcopyup;            /* runc/crun extension: fill a tmpfs with the dir it covers */
	char *data;                /* filesystem-specific, comma-joined; NULL if none */
};

/* Parse a mount's options.  `where` names it in errors
 * ("config.json: mounts[3].options"). */
int jl_mount_opts_parse(const struct spec_strv *options, const char *where,
			struct jl_mount_opts *out, struct jl_err **err);
void jl_mount_opts_free(struct jl_mount_opts *o);

/* "rslave" -> MS_SLAVE|MS_REC ...; 0 when unknown. */
unsigned long jl_propagation_from_name(const char *name);

/* The i-th option name jaula knows, NULL past the end (`jaula features`). */
const char *jl_mount_option_name(size_t i);

#endif
