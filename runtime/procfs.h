/* Writes into /proc that a container cannot redirect (CVE-2019-16884,
 * CVE-2025-52881).  A container's own mounts (a volume over /proc/sys, a bind
 * of one proc file over another, a planted "self") must never decide which
 * file the runtime writes: so every write goes through a handle on a procfs
 * the container cannot have touched -- the runtime's own /proc, opened before
 * any of the config's mounts exist -- resolves its path with no symlink, no
 * magic link and no mount crossing, and checks that what it opened is
 * procfs.  Where that /proc has mounts of its own in the way (a read-only
 * /proc/sys when jaula itself runs in a container) a private procfs
 * instance (fsopen) takes over.
 *
 * Part of the base layer: every room may use it. */
#ifndef JAULA_PROCFS_H
#define JAULA_PROCFS_H

#include <stddef.h>

#include "runtime/error.h"

struct jl_procfs {
	int fd;      /* the root of the /proc the caller could see when it opened it */
	int private_fd; /* a private procfs instance, made on first need (or -1) */
};

#define JL_PROCFS_INIT {.fd = -1, .private_fd = -1}

/* Open the handle: the root of /proc as mounted in the caller's mount
 * namespace now.  Fails unless it is a procfs. */
int jl_procfs_open(struct jl_procfs *h, struct jl_err **err);
void jl_procfs_close(struct jl_procfs *h);

/* Write data to path, relative to the procfs root ("sys/net/ipv4/ip_forward",
 * "1234/uid_map").  A leading "self/" names the caller as that procfs sees
 * it.  Error messages name "/proc/<path>". */
int jl_procfs_write(struct jl_procfs *h, const char *path, const char *data, size_t n,
		    struct jl_err **err);

/* Open one file for writing the same way (the caller writes, maybe in
 * several writes).  Returns the fd or -errno. */
int jl_procfs_open_file(struct jl_procfs *h, const char *path, struct jl_err **err);

#endif
