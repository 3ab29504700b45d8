/* linux.resources as typed values.  The OCI parser (runtime/spec.c) fills
 * these; cgroups/ translates them to cgroup v2 files.  Every optional scalar
 * has a has_ flag because "absent" and "zero" mean different things. */
#ifndef JAULA_CG_RESOURCES_H
#define JAULA_CG_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_device_rule {
	bool allow;
	char type;     /* 'a' (all), 'c', 'b' */
	int64_t major; /* -1: any */
	int64_t minor; /* -1: any */
	char access[4]; /* subset of "rwm", NUL-terminated; "" means "rwm" */
};

struct cg_memory {
	bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness,
		has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
	int64_t limit;       /* bytes, -1 = unlimited */
	int64_t reservation; /* bytes, -1 = unlimited */
	int64_t swap;        /* memory+swap, bytes, -1 = unlimited */
	int64_t kernel, kernel_tcp;
	uint64_t swappiness;
	bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct cg_cpu {
	bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
		has_realtime_period, has_idle;
	uint64_t shares;
	int64_t quota; /* microseconds per period, -1 = unlimited */
	uint64_t burst;
	uint64_t period;
	int64_t realtime_runtime;
	uint64_t realtime_period;
	int64_t idle;
	const char *cpus; /* NULL when absent */
	const char *mems;
};

struct cg_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct cg_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

enum cg_throttle_kind {
	CG_THROTTLE_READ_BPS,
	CG_THROTTLE_WRITE_BPS,
	CG_THROTTLE_READ_IOPS,
	CG_THROTTLE_WRITE_IOPS,
	CG_THROTTLE__COUNT,
};

struct cg_blkio {
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
	struct cg_weight_device *weight_devices;
	size_t n_weight_devices;
	struct cg_throttle_device *throttle[CG_THROTTLE__COUNT];
	size_t n_throttle[CG_THROTTLE__COUNT];
};

struct cg_hugepage_limit {
	const char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

struct cg_net_priority {
	const char *name;
	uint32_t priority;
};

struct cg_network {
	bool has_class_id;
	uint32_t class_id;
	struct cg_net_priority *priorities;
	size_t n_priorities;
};

struct cg_rdma {
	const char *device;
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct cg_kv {
	const char *key, *value;
};

struct cg_resources {
	struct cg_device_rule *devices;
	size_t n_devices;
	bool has_memory, has_cpu, has_blkio, has_network, has_pids;
	struct cg_memory memory;
	struct cg_cpu cpu;
	struct cg_blkio blkio;
	struct cg_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct cg_network network;
	bool has_pids_limit;
	int64_t pids_limit; /* -1 or 0 = unlimited (spec: "-1 for unlimited") */
	struct cg_rdma *rdma;
	size_t n_rdma;
	struct cg_kv *unified;
	size_t n_unified;
};

#endif
