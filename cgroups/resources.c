/* linux.resources -> cgroup v2 files.
 *
 * Every value is written relative to the cgroup's directory fd with openat,
 * one open per file; a field the config leaves out writes nothing.  The order
 * is runc's fs2 manager's (pids, memory, io, cpu, cpuset, hugetlb, rdma) so a
 * kernel that rejects a combination rejects it the same way under both, and
 * `unified` goes last so a raw key overrides the translated value of the same
 * file.  Device rules are not here: they become an eBPF program (devices.c)
 * that the runtime builds together with linux.devices.
 *
 * The spec was written for cgroup v1; where v1 and v2 disagree we follow
 * runc, whose behaviour podman, containerd and Kubernetes are tested
 * against, and say so next to each conversion. */
#include "cgroups/cgroup.h"
#include "cgroups/resources_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/util.h"

/* The v2 default period (Documentation/admin-guide/cgroup-v2.rst, cpu.max). */
#define CPU_PERIOD_DEFAULT 100000

struct apply_ctx {
	const struct cg_handle *h;
	bool update; /* live `jaula update`: fill gaps from the cgroup's current values */
};

/* memory.swap.max from the spec's swap, which is memory+swap (a v1
 * memsw.limit_in_bytes).  runc's ConvertMemorySwapToCgroupV2Value, with 0
 * meaning "unset" for both as in runc.  Returns 1 when there is nothing to
 * write, else 0 with *out (-1 = "max"). */
int cg_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct jl_err **err)
{
	if (limit == -1 && swap == 0) {
		/* v1 compatibility: "memory unlimited" meant memory+swap too. */
		*out = -1;
		return 0;
	}
	if (swap == 0)
		return 1;
	if (swap < -1)
		return jl_err_set(err, 0,
				  "linux.resources.memory.swap: %" PRId64 ": expected bytes or -1",
				  swap);
	if (swap == -1 || limit == -1) {
		/* With memory unlimited there is nothing to subtract. */
		*out = swap;
		return 0;
	}
	if (limit == 0)
		return jl_err_set(err, 0,
				  "linux.resources.memory.swap: %" PRId64 ": a swap limit needs "
				  "memory.limit (swap is the memory+swap total)",
				  swap);
	if (swap < limit)
		return jl_err_set(err, 0,
				  "linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
				  ": swap is the memory+swap total and must be >= the limit",
				  swap, limit);
	*out = swap - limit;
	return 0;
}

/* --- pids ----------------------------------------------------------------- */

/* pids.limit <= 0 is unlimited ("max").  runtime-spec long read "default
 * is no limit", and engines send 0 meaning exactly that (CRI-O's default,
 * podman 5 for --pids-limit -1); crun writes "max", and runc <= 1.3 wrote
 * nothing, which leaves a new cgroup at "max".  A literal pids.max 0 would
 * make every fork in the container fail.  runc 1.4 (runtime-spec#1279)
 * writes 0 as 0; we keep the reading those engines were built against.
 * The same holds for `update --pids-limit 0`. */
static int apply_pids(const struct apply_ctx *c, const struct cg_resources *res,
		      struct jl_err **err)
{
	if (!res->has_pids || !res->has_pids_limit)
		return 0;
	if (res->pids_limit > 0)
		return cgf_write_u64(c->h, "pids.max", (uint64_t)res->pids_limit, err);
	/* Without the pids controller nothing limits the count: "unlimited"
	 * holds already (cg_required_controllers does not ask for it). */
	struct cg_file f;
	int r = cgf_open_opt(&f, c->h, "pids.max", err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = cgf_put(&f, "max", err);
	cgf_close(&f);
	return r;
}

/* --- memory --------------------------------------------------------------- */

static int check_bytes(const char *field, int64_t v, struct jl_err **err)
{
	if (v < -1)
		return jl_err_set(err, 0,
				  "linux.resources.memory.%s: %" PRId64 ": expected bytes or -1",
				  field, v);
	return 0;
}

/* Fields v2 has no file for.  runc ignores them on v2; we say so. */
static int check_memory_v1_only(const struct cg_memory *m, struct jl_err **err)
{
	if (m->has_kernel || m->has_kernel_tcp)
		jl_warn("linux.resources.memory.%s is deprecated and has no cgroup v2 "
			"equivalent (v2 always accounts kernel memory); ignored",
			m->has_kernel ? "kernel" : "kernelTCP");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		jl_warn("linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable "
			"the OOM killer; ignored");
	/* -1 (as uint64) is the legacy "leave the default" docker still sends. */
	if (!m->has_swappiness || m->swappiness == UINT64_MAX)
		return 0;
	if (m->swappiness > 100)
		return jl_err_set(err, 0,
				  "linux.resources.memory.swappiness: %" PRIu64
				  ": expected 0..100 (and cgroup v2 has no per-cgroup swappiness)",
				  m->swappiness);
	/* runc accepts 0..100 and writes nothing on v2; crun refuses.  We accept
	 * what runc accepts so bundles that work under runc work here, but warn
	 * because the setting has no effect. */
	jl_warn("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup "
		"swappiness; %" PRIu64 " ignored",
		m->swappiness);
	return 0;
}

/* checkBeforeUpdate (used by `update`): refuse a limit the cgroup already
 * exceeds, instead of letting the kernel reclaim or OOM-kill to meet it.
 * Best effort like runc: an unreadable memory.current skips the check. */
static int check_before_update(const struct apply_ctx *c, const struct cg_memory *m,
			       struct jl_err **err)
{
	if (!m->has_check_before_update || !m->check_before_update)
		return 0;
	int64_t usage;
	if (cgf_read_i64_or_max(c->h->fd, "memory.current", &usage) < 0 || usage < 0)
		return 0;
	if (m->has_swap && m->swap > 0 && m->swap <= usage)
		return jl_err_set(err, EBUSY,
				  "cgroup %s: refusing memory+swap limit %" PRId64
				  ": not above current usage %" PRId64 " (checkBeforeUpdate)",
				  c->h->path, m->swap, usage);
	if (m->has_limit && m->limit > 0 && m->limit <= usage)
		return jl_err_set(err, EBUSY,
				  "cgroup %s: refusing memory limit %" PRId64
				  ": not above current usage %" PRId64 " (checkBeforeUpdate)",
				  c->h->path, m->limit, usage);
	return 0;
}

/* The limit the swap total is relative to.  At create that is the config's;
 * an update that changes only swap measures it against the live memory.max
 * (runc gets the same effect by merging the update into its saved config).
 * Only when swap is given: a live "max" must not turn an update of, say,
 * the reservation into "swap max" by runc's unlimited-memory rule. */
static int64_t limit_for_swap(const struct apply_ctx *c, const struct cg_memory *m)
{
	if (m->has_limit && m->limit != 0)
		return m->limit;
	bool has_swap = m->has_swap && m->swap != 0;
	int64_t cur;
	if (c->update && has_swap && cgf_read_i64_or_max(c->h->fd, "memory.max", &cur) == 0)
		return cur;
	return 0;
}

static int apply_swap(const struct apply_ctx *c, const struct cg_memory *m,
		      struct jl_err **err)
{
	int64_t swap = 0;
	int r = cg_swap_to_v2(m->has_swap ? m->swap : 0, limit_for_swap(c, m), &swap, err);
	if (r != 0)
		return r < 0 ? r : 0;
	char buf[24];
	cgf_fmt_limit(buf, sizeof(buf), swap);
	struct cg_file f;
	r = cgf_open_opt(&f, c->h, "memory.swap.max", err);
	/* No swap accounting (CONFIG_MEMCG_SWAP off, swapaccount=0): "no
	 * limit" and "no swap" already hold, like runc we let those pass. */
	if (r == -ENOENT && (swap == -1 || swap == 0))
		return 0;
	if (r == -ENOENT)
		return jl_err_set(err, ENOENT,
				  "cgroup %s: memory.swap.max \"%s\": the kernel has no swap "
				  "accounting",
				  c->h->path, buf);
	if (r < 0)
		return r;
	r = cgf_put(&f, buf, err);
	cgf_close(&f);
	return r;
}

static int apply_memory_value(const struct cg_handle *h, const char *file, bool has, int64_t v,
			      bool zero_ok, struct jl_err **err)
{
	/* 0 is "unset" in runc; writing memory.max 0 would OOM-kill at once. */
	if (!has || (v == 0 && !zero_ok))
		return 0;
	char buf[24];
	cgf_fmt_limit(buf, sizeof(buf), v);
	return cgf_write_value(h, file, buf, err);
}

static int apply_memory(const struct apply_ctx *c, const struct cg_resources *res,
			struct jl_err **err)
{
	if (!res->has_memory)
		return 0;
	const struct cg_memory *m = &res->memory;
	int r = check_memory_v1_only(m, err);
	if (r == 0 && m->has_limit)
		r = check_bytes("limit", m->limit, err);
	if (r == 0 && m->has_reservation)
		r = check_bytes("reservation", m->reservation, err);
	if (r < 0)
		return r;
	r = check_before_update(c, m, err);
	if (r < 0)
		return r;
	/* runc's order: in v2 the two limits are independent, so no order can
	 * be rejected for being transiently inconsistent. */
	r = apply_swap(c, m, err);
	if (r < 0)
		return r;
	r = apply_memory_value(c->h, "memory.max", m->has_limit, m->limit, false, err);
	if (r < 0)
		return r;
	/* A new cgroup's memory.low is 0 already; a live update to 0 is how a
	 * reservation is taken back (`update --memory-reservation 0`). */
	return apply_memory_value(c->h, "memory.low", m->has_reservation, m->reservation,
				  c->update, err);
}

/* --- io ------------------------------------------------------------------- */

static int check_dev(const char *field, size_t i, int64_t major, int64_t minor,
		     struct jl_err **err)
{
	if (major < 0 || minor < 0 || major > UINT32_MAX || minor > UINT32_MAX)
		return jl_err_set(err, 0,
				  "linux.resources.blockIO.%s[%zu]: device %" PRId64 ":%" PRId64
				  " is not a block device number",
				  field, i, major, minor);
	return 0;
}

static void warn_leaf_weight(const struct cg_blkio *b)
{
	bool leaf = b->has_leaf_weight;
	for (size_t i = 0; i < b->n_weight_devices; i++)
		leaf = leaf || b->weight_devices[i].has_leaf_weight;
	if (leaf)
		jl_warn("linux.resources.blockIO: leafWeight has no cgroup v2 equivalent; "
			"ignored");
}

static int put_weight_devices(struct cg_file *f, const struct cg_blkio *b, bool bfq,
			      struct jl_err **err)
{
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct cg_weight_device *d = &b->weight_devices[i];
		if (!d->has_weight)
			continue;
		int r = check_dev("weightDevice", i, d->major, d->minor, err);
		if (r < 0)
			return r;
		uint64_t w = bfq ? d->weight : cg_blkio_weight_to_io_weight(d->weight);
		char rec[64];
		snprintf(rec, sizeof(rec), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
			 d->minor, w);
		r = cgf_put_record(f, rec, err);
		/* The default weight always takes; a device's own only where a
		 * proportional policy runs on it. */
		if (r == -EOPNOTSUPP)
			return jl_err_wrap(err,
					   "linux.resources.blockIO.weightDevice[%zu]: a per-device "
					   "weight needs the BFQ scheduler or blk-iocost (io.cost.qos) "
					   "enabled on %" PRId64 ":%" PRId64,
					   i, d->major, d->minor);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool has_weights(const struct cg_blkio *b)
{
	if (b->has_weight && b->weight)
		return true;
	for (size_t i = 0; i < b->n_weight_devices; i++)
		if (b->weight_devices[i].has_weight)
			return true;
	return false;
}

/* io.bfq.weight when the BFQ scheduler is loaded (same 1..1000 scale as the
 * spec), else io.weight with runc's linear conversion. */
static int apply_io_weight(const struct apply_ctx *c, const struct cg_blkio *b,
			   struct jl_err **err)
{
	warn_leaf_weight(b);
	if (!has_weights(b))
		return 0;
	struct cg_file f;
	bool bfq = true;
	int r = cgf_open_opt(&f, c->h, "io.bfq.weight", err);
	if (r == -ENOENT) {
		bfq = false;
		r = cgf_open(&f, c->h, "io.weight", err);
	}
	if (r < 0)
		return r;
	if (b->has_weight && b->weight) {
		char buf[24];
		uint64_t w = bfq ? b->weight : cg_blkio_weight_to_io_weight(b->weight);
		snprintf(buf, sizeof(buf), "%" PRIu64, w);
		r = cgf_put_record(&f, buf, err);
	}
	if (r == 0)
		r = put_weight_devices(&f, b, bfq, err);
	cgf_close(&f);
	return r;
}

static const char *const throttle_key[CG_THROTTLE__COUNT] = {"rbps", "wbps", "riops",
							       "wiops"};
static const char *const throttle_field[CG_THROTTLE__COUNT] = {
	"throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
	"throttleWriteIOPSDevice"};

static int put_throttle(struct cg_file *f, int kind, size_t i, const struct cg_throttle_device *d,
			struct jl_err **err)
{
	int r = check_dev(throttle_field[kind], i, d->major, d->minor, err);
	if (r < 0)
		return r;
	char rec[96];
	/* In v1 a rate of 0 removed the throttle; v2 spells that "max". */
	if (d->rate == 0)
		snprintf(rec, sizeof(rec), "%" PRId64 ":%" PRId64 " %s=max", d->major, d->minor,
			 throttle_key[kind]);
	else
		snprintf(rec, sizeof(rec), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d->major,
			 d->minor, throttle_key[kind], d->rate);
	return cgf_put_record(f, rec, err);
}

static int apply_io_max(const struct apply_ctx *c, const struct cg_blkio *b,
			struct jl_err **err)
{
	size_t total = 0;
	for (int k = 0; k < CG_THROTTLE__COUNT; k++)
		total += b->n_throttle[k];
	if (!total)
		return 0;
	struct cg_file f;
	int r = cgf_open(&f, c->h, "io.max", err);
	if (r < 0)
		return r;
	for (int k = 0; k < CG_THROTTLE__COUNT && r == 0; k++)
		for (size_t i = 0; i < b->n_throttle[k] && r == 0; i++)
			r = put_throttle(&f, k, i, &b->throttle[k][i], err);
	cgf_close(&f);
	return r;
}

static int apply_io(const struct apply_ctx *c, const struct cg_resources *res,
		    struct jl_err **err)
{
	if (!res->has_blkio)
		return 0;
	int r = apply_io_weight(c, &res->blkio, err);
	if (r < 0)
		return r;
	return apply_io_max(c, &res->blkio, err);
}

/* --- cpu ------------------------------------------------------------------ */

static int check_cpu_v1_only(const struct cg_cpu *cpu, struct jl_err **err)
{
	/* 0 is the v1 default for a child cgroup (no realtime budget), which
	 * v2 also gives; anything else would silently not be enforced. */
	if (cpu->has_realtime_runtime && cpu->realtime_runtime != 0)
		return jl_err_set(err, EOPNOTSUPP,
				  "linux.resources.cpu.realtimeRuntime: %" PRId64
				  ": cgroup v2 has no realtime CPU budget",
				  cpu->realtime_runtime);
	if (cpu->has_realtime_period && cpu->realtime_period != 0)
		return jl_err_set(err, EOPNOTSUPP,
				  "linux.resources.cpu.realtimePeriod: %" PRIu64
				  ": cgroup v2 has no realtime CPU budget",
				  cpu->realtime_period);
	return 0;
}

/* The current cpu.max as "QUOTA PERIOD" words, "max 100000" if unreadable. */
static void current_cpu_max(const struct apply_ctx *c, char *quota, char *period, size_t n)
{
	char buf[64];
	snprintf(quota, n, "max");
	snprintf(period, n, "%d", CPU_PERIOD_DEFAULT);
	if (cgf_read_line(c->h->fd, "cpu.max", buf, sizeof(buf)) < 0)
		return;
	char q[24], p[24];
	int got = sscanf(buf, "%23s %23s", q, p);
	if (got >= 1)
		snprintf(quota, n, "%s", q);
	if (got == 2)
		snprintf(period, n, "%s", p);
}

/* cpu.max is "QUOTA PERIOD" in one file.  runc's rules: a quota <= 0 is
 * "max", a quota alone gets the default period.  A period alone keeps the
 * current quota (the kernel has no syntax for "period only"), and a live
 * update of the quota alone keeps the current period.  Returns 1 when
 * neither is set. */
static int cpu_max_value(const struct apply_ctx *c, const struct cg_cpu *cpu, char *out,
			 size_t n)
{
	bool has_quota = cpu->has_quota && cpu->quota != 0;
	bool has_period = cpu->has_period && cpu->period != 0;
	if (!has_quota && !has_period)
		return 1;
	char quota[24] = "", period[24] = "";
	if (!has_quota || !has_period)
		current_cpu_max(c, quota, period, sizeof(quota));
	if (has_quota && cpu->quota > 0)
		snprintf(quota, sizeof(quota), "%" PRId64, cpu->quota);
	else if (has_quota)
		snprintf(quota, sizeof(quota), "max");
	if (has_period)
		snprintf(period, sizeof(period), "%" PRIu64, cpu->period);
	else if (!c->update)
		snprintf(period, sizeof(period), "%d", CPU_PERIOD_DEFAULT);
	snprintf(out, n, "%s %s", quota, period);
	return 0;
}

/* cpu.max.burst may not exceed the quota, so raising both in one go can be
 * refused (EINVAL) until the new quota is in: like runc, retry after
 * cpu.max.  Sets *retry instead of failing in that case. */
static int apply_burst(const struct apply_ctx *c, const struct cg_cpu *cpu, bool quota_coming,
		       bool *retry, struct jl_err **err)
{
	*retry = false;
	if (!cpu->has_burst)
		return 0;
	struct jl_err *e = NULL;
	int r = cgf_write_u64(c->h, "cpu.max.burst", cpu->burst, &e);
	if (r == -EINVAL && quota_coming) {
		*retry = true;
		jl_err_free(&e);
		return 0;
	}
	if (r < 0 && err && !*err)
		*err = steal_ptr(&e);
	jl_err_free(&e);
	return r;
}

static int apply_cpu_bandwidth(const struct apply_ctx *c, const struct cg_cpu *cpu,
			       struct jl_err **err)
{
	char max[64];
	bool has_max = cpu_max_value(c, cpu, max, sizeof(max)) == 0;
	bool retry;
	int r = apply_burst(c, cpu, has_max, &retry, err);
	if (r < 0)
		return r;
	if (has_max) {
		r = cgf_write_value(c->h, "cpu.max", max, err);
		if (r < 0)
			return r;
	}
	if (retry)
		return cgf_write_u64(c->h, "cpu.max.burst", cpu->burst, err);
	return 0;
}

static int apply_cpu(const struct apply_ctx *c, const struct cg_resources *res,
		     struct jl_err **err)
{
	if (!res->has_cpu)
		return 0;
	const struct cg_cpu *cpu = &res->cpu;
	int r = check_cpu_v1_only(cpu, err);
	if (r < 0)
		return r;
	if (cpu->has_idle) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%" PRId64, cpu->idle);
		r = cgf_write_value(c->h, "cpu.idle", buf, err);
		if (r < 0)
			return r;
	}
	if (cpu->has_shares && cpu->shares != 0) {
		r = cgf_write_u64(c->h, "cpu.weight", cg_cpu_shares_to_weight(cpu->shares), err);
		if (r < 0)
			return r;
	}
	return apply_cpu_bandwidth(c, cpu, err);
}

static int apply_cpuset(const struct apply_ctx *c, const struct cg_resources *res,
			struct jl_err **err)
{
	if (!res->has_cpu)
		return 0;
	if (res->cpu.cpus && *res->cpu.cpus) {
		int r = cgf_write_value(c->h, "cpuset.cpus", res->cpu.cpus, err);
		if (r < 0)
			return r;
	}
	if (res->cpu.mems && *res->cpu.mems)
		return cgf_write_value(c->h, "cpuset.mems", res->cpu.mems, err);
	return 0;
}

/* --- hugetlb -------------------------------------------------------------- */

/* "2MB", "1GB", "64KB": the kernel's names; anything else could smuggle a
 * path into the file name. */
static bool valid_page_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");
	return digits > 0 && digits < 12 &&
	       (!strcmp(s + digits, "KB") || !strcmp(s + digits, "MB") ||
		!strcmp(s + digits, "GB"));
}

static int apply_hugepage(const struct apply_ctx *c, size_t i, const struct cg_hugepage_limit *l,
			  struct jl_err **err)
{
	if (!l->page_size || !valid_page_size(l->page_size))
		return jl_err_set(err, 0,
				  "linux.resources.hugepageLimits[%zu].pageSize: \"%s\": expected "
				  "a size such as \"2MB\" or \"1GB\"",
				  i, l->page_size ? l->page_size : "");
	char name[64], buf[24];
	snprintf(buf, sizeof(buf), "%" PRIu64, l->limit);
	snprintf(name, sizeof(name), "hugetlb.%s.max", l->page_size);
	int r = cgf_write_value(c->h, name, buf, err);
	if (r < 0)
		return r;
	/* Pages reserved by mmap(MAP_HUGETLB) are charged to .rsvd.max (5.7+),
	 * not .max; limiting only .max would let a reservation take more than
	 * the config allows (runc writes both too).  Older kernels lack it. */
	snprintf(name, sizeof(name), "hugetlb.%s.rsvd.max", l->page_size);
	struct cg_file f;
	r = cgf_open_opt(&f, c->h, name, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = cgf_put(&f, buf, err);
	cgf_close(&f);
	return r;
}

static int apply_hugetlb(const struct apply_ctx *c, const struct cg_resources *res,
			 struct jl_err **err)
{
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		int r = apply_hugepage(c, i, &res->hugepage_limits[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- rdma ----------------------------------------------------------------- */

/* "mlx5_1 hca_handle=3 hca_object=100"; 1 when the entry sets nothing. */
static int rdma_record(const struct cg_rdma *d, char *out, size_t n, struct jl_err **err)
{
	const char *dev = d->device ? d->device : "";
	if (!*dev || dev[strcspn(dev, " \t\n=")] || strlen(dev) > 64)
		return jl_err_set(err, 0, "linux.resources.rdma: device \"%s\": invalid name",
				  dev);
	int len = snprintf(out, n, "%s", dev);
	if (d->has_hca_handles)
		len += snprintf(out + len, n - (size_t)len, " hca_handle=%" PRIu32,
				d->hca_handles);
	if (d->has_hca_objects)
		snprintf(out + len, n - (size_t)len, " hca_object=%" PRIu32, d->hca_objects);
	return d->has_hca_handles || d->has_hca_objects ? 0 : 1;
}

static int apply_rdma(const struct apply_ctx *c, const struct cg_resources *res,
		      struct jl_err **err)
{
	if (!res->n_rdma)
		return 0;
	struct cg_file f;
	int r = cgf_open(&f, c->h, "rdma.max", err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < res->n_rdma && r >= 0; i++) {
		char rec[256];
		r = rdma_record(&res->rdma[i], rec, sizeof(rec), err);
		if (r == 0)
			r = cgf_put_record(&f, rec, err);
	}
	cgf_close(&f);
	return r < 0 ? r : 0;
}

/* --- unified -------------------------------------------------------------- */

/* Files whose writes are not resource settings but the runtime's own
 * bookkeeping: membership, kill, freeze, delegation. */
static bool runtime_owned(const char *key)
{
	static const char *const owned[] = {"cgroup.procs", "cgroup.threads", "cgroup.kill",
					    "cgroup.freeze", "cgroup.subtree_control",
					    "cgroup.type"};
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++)
		if (!strcmp(key, owned[i]))
			return true;
	return false;
}

static int check_unified_key(const struct cg_handle *h, const char *key, struct jl_err **err)
{
	if (!*key || strchr(key, '/') || !strcmp(key, ".") || !strcmp(key, ".."))
		return jl_err_set(err, 0,
				  "linux.resources.unified: \"%s\": must be a cgroup file name", key);
	if (runtime_owned(key))
		return jl_err_set(err, 0,
				  "linux.resources.unified: \"%s\": managed by the runtime, not "
				  "settable",
				  key);
	struct stat st;
	if (fstatat(h->fd, key, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return jl_err_set(err, 0,
					  "linux.resources.unified: \"%s\": no such cgroup file", key);
		return jl_err_sys(err, "linux.resources.unified: \"%s\"", key);
	}
	if (!S_ISREG(st.st_mode))
		return jl_err_set(err, 0, "linux.resources.unified: \"%s\": not a cgroup file",
				  key);
	return 0;
}

/* Written as given, one line per write(2) like runc's WriteFileByLine:
 * "8:0 rbps=1\n8:16 wbps=2" for io.max must be two records. */
static int put_lines(struct cg_file *f, const char *value, struct jl_err **err)
{
	if (!strchr(value, '\n'))
		return cgf_put(f, value, err);
	for (const char *s = value; *s;) {
		size_t len = strcspn(s, "\n");
		if (len) {
			cleanup_free char *line = xasprintf("%.*s", (int)len, s);
			int r = cgf_put_record(f, line, err);
			if (r < 0)
				return r;
		}
		s += len + (s[len] == '\n');
	}
	return 0;
}

static int apply_unified(const struct apply_ctx *c, const struct cg_resources *res,
			 struct jl_err **err)
{
	for (size_t i = 0; i < res->n_unified; i++) {
		const struct cg_kv *kv = &res->unified[i];
		int r = check_unified_key(c->h, kv->key, err);
		if (r < 0)
			return r;
		struct cg_file f;
		r = cgf_open(&f, c->h, kv->key, err);
		if (r < 0)
			return r;
		r = put_lines(&f, kv->value ? kv->value : "", err);
		cgf_close(&f);
		if (r < 0)
			return jl_err_wrap(err, "linux.resources.unified");
	}
	return 0;
}

/* --- entry points --------------------------------------------------------- */

static int check_network(const struct cg_resources *res, struct jl_err **err)
{
	if (res->has_network && (res->network.has_class_id || res->network.n_priorities))
		return jl_err_set(err, EOPNOTSUPP,
				  "linux.resources.network: classID and priorities need the "
				  "cgroup v1 net_cls/net_prio controllers, which cgroup v2 has not");
	return 0;
}

static int apply(const struct apply_ctx *c, const struct cg_resources *res,
		 struct jl_err **err)
{
	static int (*const steps[])(const struct apply_ctx *, const struct cg_resources *,
				    struct jl_err **) = {
		apply_pids,   apply_memory,  apply_io,   apply_cpu,
		apply_cpuset, apply_hugetlb, apply_rdma, apply_unified,
	};
	if (!res)
		return 0;
	int r = check_network(res, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		r = steps[i](c, res, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cg_apply_resources(const struct cg_handle *h, const struct cg_resources *res,
		       struct jl_err **err)
{
	struct apply_ctx c = {.h = h, .update = false};
	return apply(&c, res, err);
}

int cg_update_resources(const struct cg_handle *h, const struct cg_resources *res,
			struct jl_err **err)
{
	struct apply_ctx c = {.h = h, .update = true};
	return apply(&c, res, err);
}
