/* The systemd cgroup driver: a container's cgroup is a transient scope unit
 * that systemd made and knows (org.freedesktop.systemd1 over D-Bus), so
 * systemd neither moves nor resets it and `systemctl status` shows it with
 * its limits.  systemd_props.c turns linux.resources into unit properties
 * (pure, unit-tested); systemd.c speaks D-Bus.  The cgroup files are still
 * written by cg_apply_resources: systemd's properties are coarser (CPU quota
 * in 10 ms steps) and cover less (hugetlb, rdma, unified keys). */
#ifndef JAULA_CG_SYSTEMD_H
#define JAULA_CG_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "cgroups/resources.h"
#include "runtime/error.h"

/* One unit property, in the D-Bus types systemd declares for it. */
enum cg_sd_type {
	CG_SD_U64,   /* t */
	CG_SD_BOOL,  /* b */
	CG_SD_STR,   /* s */
	CG_SD_BYTES, /* ay: a CPU or NUMA node bitmask */
	CG_SD_DEVS,  /* a(st): block device path and a value */
	CG_SD_PIDS,  /* au */
	CG_SD_I32,   /* i */
	CG_SD_U32,   /* u */
	CG_SD_I64,   /* x */
};

struct cg_sd_dev {
	char path[40]; /* "/dev/block/MAJ:MIN" */
	uint64_t value;
};

struct cg_sd_prop {
	const char *name;
	enum cg_sd_type type;
	uint64_t u;        /* U64, U32, BOOL, the one pid of PIDS; I32/I64 as two's complement */
	const char *s;     /* STR: static, the caller's, or `owned` */
	char *owned;       /* malloc'ed, freed with the list */
	uint8_t *bytes;    /* BYTES: malloc'ed */
	size_t n;          /* BYTES length, DEVS count */
	struct cg_sd_dev *devs; /* DEVS: malloc'ed */
};

struct cg_sd_props {
	struct cg_sd_prop *v;
	size_t n, cap;
};

/* "slice:prefix:name" -> the slice ("system.slice" when empty) and the
 * leaf unit: "prefix-name.scope" (a name that already ends in .scope or
 * .slice keeps its suffix; only a .scope leaf is a scope jaula starts). */
/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", the cgroup systemd
 * gives it ("" for the root slice "-.slice"); malloc'ed. */
char *cg_sd_slice_path(const char *slice);
/* The slice "a-b-c.slice" is in: "a-b.slice" (in buf), or NULL for a
 * top-level slice. */
const char *cg_sd_slice_parent(const char *slice, char *buf, size_t n);
int cg_sd_parse_path(const char *cgroups_path, char **slice, char **leaf, struct jl_err **err);
bool cg_sd_is_scope(const char *leaf);

/* Properties for linux.resources (res may be NULL): MemoryMax, MemoryLow,
 * MemorySwapMax, TasksMax, CPUWeight, CPUQuotaPerSecUSec and
 * CPUQuotaPeriodUSec, AllowedCPUs/AllowedMemoryNodes, IOWeight,
 * IODeviceWeight, IO{Read,Write}{Bandwidth,IOPS}Max, and the unified keys
 * systemd has a property for (memory.high/low/min/max, memory.swap.max,
 * pids.max, cpu.weight).  A value that cannot be expressed is an error
 * naming the field. */
int cg_sd_props_resources(struct cg_sd_props *p, const struct cg_resources *res,
			  struct jl_err **err);
/* An annotation "org.systemd.property.NAME" = VALUE (what podman sends, as
 * runc takes it): VALUE in GVariant text form, "uint64 N", "uint32 N",
 * "int64 N", "int32 N" or a bare integer (int32), "true"/"false", or a
 * quoted string.  A property jaula itself must set (PIDs, Slice, Delegate)
 * or a value of another form is an error naming the annotation.  `key`
 * must outlive p. */
int cg_sd_props_annotation(struct cg_sd_props *p, const char *key, const char *value,
			   struct jl_err **err);
#define CG_SD_ANNOTATION_PREFIX "org.systemd.property."
/* The properties of a new scope besides the resources: Description, Slice,
 * Delegate, PIDs, accounting on, DefaultDependencies off, and CollectMode
 * inactive-or-failed (a scope killed by the OOM killer leaves no failed
 * unit behind).  `description` and `slice` must outlive p. */
void cg_sd_props_scope(struct cg_sd_props *p, const char *description, const char *slice,
		       pid_t pid);
const struct cg_sd_prop *cg_sd_props_find(const struct cg_sd_props *p, const char *name);
/* Add a deep copy of `from` (replacing a property of the same name). */
void cg_sd_props_copy(struct cg_sd_props *p, const struct cg_sd_prop *from);
void cg_sd_props_free(struct cg_sd_props *p);

/* A started scope: its unit name, and the placeholder process that keeps
 * it populated until the container's init is in it (a scope cannot start
 * empty, and the init must be cloned straight into its cgroup). */
struct cg_sd_scope {
	char *unit;
	pid_t holder;
};
#define CG_SD_SCOPE_INIT {.unit = NULL, .holder = -1}

/* Start the transient scope `unit` in `slice` (made by systemd as needed)
 * with the resources' properties, and wait for systemd's job to finish: the
 * cgroup exists when this returns 0.  `extra` (may be NULL) comes last: its
 * properties win over the resources'.  An existing unit of that name is an
 * error (EEXIST); on failure no unit is left. */
int cg_sd_scope_start(const struct cg_root *root, const char *slice, const char *unit,
		      const char *description, const struct cg_resources *res,
		      const struct cg_sd_props *extra, struct cg_sd_scope *out,
		      struct jl_err **err);
/* The init is in the scope: let the placeholder go. */
void cg_sd_scope_release(struct cg_sd_scope *s);
void cg_sd_scope_free(struct cg_sd_scope *s);
/* SetUnitProperties for `jaula update` (runtime, not persisted). */
int cg_sd_set_resources(const char *unit, const struct cg_resources *res, struct jl_err **err);
/* Stop `unit` (NULL: it is gone already) and wait; a unit that is gone is
 * not an error, a failed one is reset.  Then the slices from `slice` up
 * that systemd made for a scope of jaula's are stopped while nothing is
 * left in them.  Slices are marked and collected under one host-wide lock
 * (/run/jaula-systemd), so a container starting in a slice never sees it
 * stopped under it by another's delete; a slice jaula did not cause stays. */
int cg_sd_stop(const struct cg_root *root, const char *unit, const char *slice,
	       struct jl_err **err);

#endif
