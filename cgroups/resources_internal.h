/* Private to cgroups/: writing cgroup files and the v1 -> v2 value
 * conversions shared by resources.c (cgfile.c). */
#ifndef JAULA_CG_RESOURCES_INTERNAL_H
#define JAULA_CG_RESOURCES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/cgroup.h"
#include "runtime/error.h"

/* One cgroup file opened for writing.  Files that hold several records
 * (io.max, io.weight per device, rdma.max) get one write(2) per record: the
 * kernel parses exactly one record per write. */
struct cg_file {
	const struct cg_handle *h;
	const char *name;
	int fd;
};


/* -ENOENT without an error object for files that may be missing. */
int cgf_open_opt(struct cg_file *f, const struct cg_handle *h, const char *name,
		 struct jl_err **err);
int cgf_open(struct cg_file *f, const struct cg_handle *h, const char *name,
	     struct jl_err **err);
void cgf_close(struct cg_file *f);
/* One write(2); `shown` is what the error message quotes. */
int cgf_write(struct cg_file *f, const char *data, size_t n, const char *shown,
	      struct jl_err **err);
int cgf_put(struct cg_file *f, const char *value, struct jl_err **err);
int cgf_put_record(struct cg_file *f, const char *record, struct jl_err **err);
/* Open, write one value, close. */
int cgf_write_value(const struct cg_handle *h, const char *name, const char *value,
		    struct jl_err **err);
int cgf_write_u64(const struct cg_handle *h, const char *name, uint64_t v,
		  struct jl_err **err);
/* memory.swap.max from the spec's swap (the memory+swap total) and limit:
 * 1 when there is nothing to write, else 0 with *out (-1 = "max"). */
int cg_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct jl_err **err);
/* -1 -> "max", else the number. */
void cgf_fmt_limit(char *buf, size_t n, int64_t v);
int cgf_read_line(int dirfd, const char *name, char *buf, size_t n);
int cgf_read_i64_or_max(int dirfd, const char *name, int64_t *out);

#endif
