/* Unit tests of the config.json parser (runtime/spec*.c): full, minimal and
 * real-world configs parse to the right values; malformed ones fail with the
 * exact one-line error naming the JSON path, and nothing crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <sys/resource.h>

#include "runtime/spec.h"

/* JSON written as C tokens: the preprocessor's # operator turns them into
 * exactly this text (escaping quotes and backslashes), so the fixtures read
 * as JSON.  Runs of white space collapse to one space, which JSON ignores. */
#define JSON(...) #__VA_ARGS__
/* A config with a valid ociVersion and the given members; the others add
 * a valid process, a linux object, linux.resources.  Each stringizes its
 * own arguments: passed through a second macro, true and false (macros of
 * stdbool.h) would arrive as 1 and 0. */
#define CFG(...) "{\"ociVersion\": \"1.0.0\", " #__VA_ARGS__ "}"
#define PROC(...)                                                                         \
	"{\"ociVersion\": \"1.0.0\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], " #__VA_ARGS__ \
	"}}"
#define LINUX(...) "{\"ociVersion\": \"1.0.0\", \"linux\": {" #__VA_ARGS__ "}}"
#define RES(...) "{\"ociVersion\": \"1.0.0\", \"linux\": {\"resources\": {" #__VA_ARGS__ "}}}"

#define CAP(n) (1ULL << (n))

static struct spec *parse_ok(const char *json)
{
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	int r = spec_parse(json, strlen(json), "config.json", &s, &err);
	if (r < 0)
		fail_msg("unexpected error: %s", err ? err->msg : "(no message)");
	assert_int_equal(r, 0);
	assert_non_null(s);
	return s;
}

/* Parse text of len bytes, which must fail with exactly `want`. */
static void parse_fails_len(const char *text, size_t len, const char *want)
{
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	int r = spec_parse(text, len, "config.json", &s, &err);
	assert_true(r < 0);
	assert_null(s);
	assert_non_null(err);
	assert_string_equal(err->msg, want);
	assert_null(strchr(err->msg, '\n'));
	jl_err_free(&err);
}

static void parse_fails(const char *json, const char *want)
{
	parse_fails_len(json, strlen(json), want);
}

static uint64_t mask_of(const struct spec *s, enum spec_cap_set set)
{
	return s->process.caps.mask[set];
}

/* --- a config with every field ------------------------------------------------ */

static const char full_config[] = JSON({
	"ociVersion": "1.3.0",
	"root": {"path": "rootfs", "readonly": true},
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/data", "type": "bind", "source": "/srv/data",
		 "options": ["rbind", "ro", "idmap"],
		 "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		 "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 1000}]},
		{"destination": "/tmp", "type": "", "source": ""}
	],
	"process": {
		"terminal": true,
		"consoleSize": {"height": 24, "width": 80},
		"user": {"uid": 1000, "gid": 1001, "umask": 18, "additionalGids": [5, 4294967294],
			 "username": "alice"},
		"args": ["/bin/sh", "-c", "echo \"hi\""],
		"commandLine": "sh -c hi",
		"env": ["PATH=/usr/bin:/bin", "EMPTY="],
		"cwd": "/home/alice",
		"capabilities": {
			"effective": ["CAP_KILL"],
			"bounding": ["CAP_KILL", "CAP_SYS_ADMIN", "CAP_CHOWN"],
			"inheritable": [],
			"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_NET_BIND_SERVICE"]
		},
		"rlimits": [
			{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
			{"type": "RLIMIT_CORE", "soft": 18446744073709551615, "hard": 18446744073709551615}
		],
		"noNewPrivileges": true,
		"apparmorProfile": "jaula-default",
		"selinuxLabel": "system_u:system_r:container_t:s0",
		"oomScoreAdj": -1000,
		"scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 0,
			      "flags": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"],
			      "runtime": 10000000, "deadline": 20000000, "period": 30000000},
		"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 7},
		"execCPUAffinity": {"initial": "0-3,7", "final": "4"}
	},
	"hostname": "box",
	"domainname": "example.org",
	"hooks": {
		"prestart": [{"path": "/usr/bin/pre", "args": ["pre", "x"], "env": ["A=1"], "timeout": 5}],
		"createRuntime": [{"path": "/bin/cr"}],
		"createContainer": [{"path": "/bin/cc"}],
		"startContainer": [{"path": "/bin/sc"}],
		"poststart": [{"path": "/bin/ps1"}, {"path": "/bin/ps2"}],
		"poststop": [{"path": "/bin/stop", "timeout": 1}]
	},
	"annotations": {"org.example.key": "value", "empty": ""},
	"linux": {
		"namespaces": [
			{"type": "pid"}, {"type": "network", "path": "/var/run/netns/a"}, {"type": "mount"},
			{"type": "ipc"}, {"type": "uts", "path": ""}, {"type": "user"}, {"type": "cgroup"},
			{"type": "time"}
		],
		"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 32000}],
		"gidMappings": [{"containerID": 0, "hostID": 1000, "size": 32000},
				{"containerID": 32000, "hostID": 4294967295, "size": 1}],
		"timeOffsets": {"monotonic": {"secs": -9223372036854775808, "nanosecs": 999999999},
				"boottime": {"secs": 172800}},
		"devices": [
			{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438,
			 "uid": 0, "gid": 0},
			{"path": "/dev/fifo", "type": "p"}
		],
		"netDevices": {"eth1": {"name": "ceth1"}, "tap0": {}},
		"cgroupsPath": "/jaula/full",
		"resources": {
			"devices": [
				{"allow": false, "access": "rwm"},
				{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "wwr"},
				{"allow": true, "type": "b", "major": 8, "minor": -1, "access": "m"}
			],
			"memory": {"limit": 536870912, "reservation": 268435456, "swap": -1, "kernel": -1,
				   "kernelTCP": 9223372036854775807, "swappiness": 60,
				   "disableOOMKiller": true, "useHierarchy": false,
				   "checkBeforeUpdate": true},
			"cpu": {"shares": 1024, "quota": 100000, "burst": 50000, "period": 100000,
				"realtimeRuntime": 950000, "realtimePeriod": 1000000, "cpus": "0-3",
				"mems": "0", "idle": 1},
			"blockIO": {
				"weight": 500, "leafWeight": 300,
				"weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 10},
						 {"major": 8, "minor": 16, "weight": 1000}],
				"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
				"throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2097152}],
				"throttleReadIOPSDevice": [{"major": 8, "minor": 16, "rate": 100}],
				"throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 200},
							    {"major": 8, "minor": 0,
							     "rate": 18446744073709551615}]
			},
			"hugepageLimits": [{"pageSize": "2MB", "limit": 209715200},
					   {"pageSize": "1GB", "limit": 0}],
			"network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
			"pids": {"limit": 32771},
			"rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000},
				 "rxe3": {"hcaObjects": 5}},
			"unified": {"io.max": "259:0 rbps=2097152\n253:0 rbps=1", "memory.high": "max"}
		},
		"intelRdt": {"closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0;1=1f",
			     "memBwSchema": "MB:0=20;1=70", "schemata": ["L3:0=7f0;1=1f", "L2:0=f"],
			     "enableMonitoring": true, "enableCMT": true, "enableMBM": false},
		"sysctl": {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"},
		"seccomp": {
			"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
			"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
			"flags": ["SECCOMP_FILTER_FLAG_LOG"],
			"listenerPath": "/run/agent.sock", "listenerMetadata": "meta",
			"syscalls": [
				{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
				{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
				 "args": [{"index": 0, "value": 18446744073709551615,
					   "valueTwo": 9223372036854775808, "op": "SCMP_CMP_MASKED_EQ"},
					  {"index": 5, "value": 0, "op": "SCMP_CMP_EQ"}]}
			]
		},
		"rootfsPropagation": "rslave",
		"maskedPaths": ["/proc/kcore", "/sys/firmware"],
		"readonlyPaths": ["/proc/sys"],
		"mountLabel": "system_u:object_r:container_file_t:s0",
		"personality": {"domain": "LINUX32", "flags": []},
		"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0-3,7", "flags": ["MPOL_F_STATIC_NODES"]}
	},
	"unknownField": {"nested": [1, 2.5, {"x": null}], "deeper": {"a": {"b": [true]}}},
	"windows": {"layerFolders": ["C:\\layers"]}
});

static void check_full_top(const struct spec *s)
{
	assert_string_equal(s->oci_version, "1.3.0");
	assert_true(s->has_root);
	assert_string_equal(s->root.path, "rootfs");
	assert_true(s->root.readonly);
	assert_string_equal(s->hostname, "box");
	assert_string_equal(s->domainname, "example.org");
	assert_int_equal(s->annotations.n, 2);
	assert_string_equal(s->annotations.v[0].key, "org.example.key");
	assert_string_equal(s->annotations.v[0].value, "value");
	assert_string_equal(s->annotations.v[1].key, "empty");
	assert_string_equal(s->annotations.v[1].value, "");
}

static void check_full_mounts(const struct spec *s)
{
	assert_int_equal(s->n_mounts, 3);
	assert_string_equal(s->mounts[0].destination, "/proc");
	assert_string_equal(s->mounts[0].type, "proc");
	assert_null(s->mounts[0].options.v);
	const struct spec_mount *m = &s->mounts[1];
	assert_string_equal(m->source, "/srv/data");
	assert_int_equal(m->options.n, 3);
	assert_string_equal(m->options.v[2], "idmap");
	assert_null(m->options.v[3]); /* NULL-terminated */
	assert_int_equal(m->uid_mappings.n, 1);
	assert_int_equal(m->uid_mappings.v[0].host_id, 100000);
	assert_int_equal(m->uid_mappings.v[0].size, 65536);
	assert_int_equal(m->gid_mappings.v[0].host_id, 200000);
	/* An empty optional string is absent, as with Go's omitempty. */
	assert_null(s->mounts[2].type);
	assert_null(s->mounts[2].source);
}

static void check_full_process(const struct spec *s)
{
	const struct spec_process *p = &s->process;
	assert_true(s->has_process);
	assert_true(p->terminal);
	assert_true(p->has_console_size);
	assert_int_equal(p->console_height, 24);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1001);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 022);
	assert_int_equal(p->user.n_additional_gids, 2);
	assert_int_equal(p->user.additional_gids[1], 4294967294u);
	assert_string_equal(p->user.username, "alice");
	assert_int_equal(p->args.n, 3);
	assert_string_equal(p->args.v[2], "echo \"hi\"");
	assert_null(p->args.v[3]);
	assert_string_equal(p->command_line, "sh -c hi");
	assert_int_equal(p->env.n, 2);
	assert_string_equal(p->env.v[1], "EMPTY=");
	assert_string_equal(p->cwd, "/home/alice");
	assert_true(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "jaula-default");
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -1000);
}

static void check_full_caps(const struct spec *s)
{
	assert_true(s->process.caps.set);
	assert_int_equal(mask_of(s, SPEC_CAP_EFFECTIVE), CAP(CAP_KILL));
	assert_int_equal(mask_of(s, SPEC_CAP_BOUNDING),
			 CAP(CAP_KILL) | CAP(CAP_SYS_ADMIN) | CAP(CAP_CHOWN));
	assert_int_equal(mask_of(s, SPEC_CAP_INHERITABLE), 0);
	assert_int_equal(mask_of(s, SPEC_CAP_PERMITTED), CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE));
	assert_int_equal(mask_of(s, SPEC_CAP_AMBIENT), CAP(CAP_NET_BIND_SERVICE));
}

static void check_full_limits(const struct spec *s)
{
	const struct spec_process *p = &s->process;
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_string_equal(p->rlimits[0].name, "RLIMIT_NOFILE");
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 4096);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
	assert_true(p->rlimits[1].soft == UINT64_MAX && p->rlimits[1].hard == UINT64_MAX);
	const struct spec_scheduler *sc = &p->scheduler;
	assert_true(sc->set);
	assert_int_equal(sc->policy, SCHED_DEADLINE);
	assert_true(sc->has_nice && sc->has_priority);
	assert_int_equal(sc->nice, -5);
	assert_int_equal(sc->flags, SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_RECLAIM);
	assert_true(sc->has_runtime && sc->has_deadline && sc->has_period);
	assert_int_equal(sc->runtime, 10000000);
	assert_int_equal(sc->deadline, 20000000);
	assert_int_equal(sc->period, 30000000);
	assert_true(p->io_priority.set);
	assert_int_equal(p->io_priority.class, IOPRIO_CLASS_BE);
	assert_int_equal(p->io_priority.priority, 7);
	assert_string_equal(p->exec_cpu_affinity.initial, "0-3,7");
	assert_string_equal(p->exec_cpu_affinity.final, "4");
}

static void check_full_hooks(const struct spec *s)
{
	const struct spec_hook_list *pre = &s->hooks[SPEC_HOOK_PRESTART];
	assert_int_equal(pre->n, 1);
	assert_string_equal(pre->v[0].path, "/usr/bin/pre");
	assert_int_equal(pre->v[0].args.n, 2);
	assert_string_equal(pre->v[0].env.v[0], "A=1");
	assert_true(pre->v[0].has_env);
	assert_false(s->hooks[SPEC_HOOK_CREATE_RUNTIME].v[0].has_env);
	assert_true(pre->v[0].has_timeout);
	assert_int_equal(pre->v[0].timeout, 5);
	assert_string_equal(s->hooks[SPEC_HOOK_CREATE_RUNTIME].v[0].path, "/bin/cr");
	assert_false(s->hooks[SPEC_HOOK_CREATE_RUNTIME].v[0].has_timeout);
	assert_string_equal(s->hooks[SPEC_HOOK_CREATE_CONTAINER].v[0].path, "/bin/cc");
	assert_string_equal(s->hooks[SPEC_HOOK_START_CONTAINER].v[0].path, "/bin/sc");
	assert_int_equal(s->hooks[SPEC_HOOK_POSTSTART].n, 2);
	assert_string_equal(s->hooks[SPEC_HOOK_POSTSTART].v[1].path, "/bin/ps2");
	assert_int_equal(s->hooks[SPEC_HOOK_POSTSTOP].v[0].timeout, 1);
}

static void check_full_namespaces(const struct spec *s)
{
	const struct spec_linux *l = &s->lnx;
	assert_true(s->has_linux);
	assert_int_equal(l->n_namespaces, 8);
	assert_int_equal(l->namespaces[0].type, NS_PID);
	assert_null(l->namespaces[0].path);
	assert_int_equal(l->namespaces[1].type, NS_NET);
	assert_string_equal(l->namespaces[1].path, "/var/run/netns/a");
	assert_null(l->namespaces[4].path); /* "" means create */
	assert_int_equal(l->namespaces[7].type, NS_TIME);
	const struct spec_namespace *net = spec_find_namespace(s, NS_NET);
	assert_ptr_equal(net, &l->namespaces[1]);
	assert_ptr_equal(spec_find_namespace(s, NS_USER), &l->namespaces[5]);
	assert_int_equal(l->uid_mappings.n, 1);
	assert_int_equal(l->uid_mappings.v[0].size, 32000);
	assert_int_equal(l->gid_mappings.n, 2);
	assert_int_equal(l->gid_mappings.v[1].container_id, 32000);
	assert_int_equal(l->gid_mappings.v[1].host_id, 4294967295u);
	assert_true(l->time_monotonic.set);
	assert_true(l->time_monotonic.secs == INT64_MIN);
	assert_int_equal(l->time_monotonic.nanosecs, 999999999);
	assert_true(l->time_boottime.set);
	assert_int_equal(l->time_boottime.secs, 172800);
	assert_int_equal(l->time_boottime.nanosecs, 0);
}

static void check_full_devices(const struct spec *s)
{
	const struct spec_linux *l = &s->lnx;
	assert_int_equal(l->n_devices, 2);
	const struct spec_device *d = &l->devices[0];
	assert_int_equal(d->type, 'c');
	assert_string_equal(d->path, "/dev/fuse");
	assert_true(d->has_major_minor);
	assert_int_equal(d->major, 10);
	assert_int_equal(d->minor, 229);
	assert_true(d->has_file_mode && d->has_uid && d->has_gid);
	assert_int_equal(d->file_mode, 0666);
	assert_int_equal(l->devices[1].type, 'p');
	assert_false(l->devices[1].has_major_minor);
	assert_false(l->devices[1].has_file_mode);
	assert_int_equal(l->n_net_devices, 2);
	assert_string_equal(l->net_devices[0].host_name, "eth1");
	assert_string_equal(l->net_devices[0].name, "ceth1");
	assert_string_equal(l->net_devices[1].host_name, "tap0");
	assert_null(l->net_devices[1].name);
}

static void check_full_resources_devices(const struct cg_resources *res)
{
	assert_int_equal(res->n_devices, 3);
	assert_false(res->devices[0].allow);
	assert_int_equal(res->devices[0].type, 'a');
	assert_int_equal(res->devices[0].major, -1);
	assert_int_equal(res->devices[0].minor, -1);
	assert_string_equal(res->devices[0].access, "rwm");
	assert_true(res->devices[1].allow);
	assert_int_equal(res->devices[1].type, 'c');
	assert_int_equal(res->devices[1].major, 10);
	assert_string_equal(res->devices[1].access, "rw"); /* canonical order, no repeats */
	assert_int_equal(res->devices[2].minor, -1);
	assert_string_equal(res->devices[2].access, "m");
}

static void check_full_memory_cpu(const struct cg_resources *res)
{
	const struct cg_memory *m = &res->memory;
	assert_true(res->has_memory);
	assert_true(m->has_limit && m->has_reservation && m->has_swap && m->has_kernel);
	assert_int_equal(m->limit, 536870912);
	assert_int_equal(m->reservation, 268435456);
	assert_int_equal(m->swap, -1);
	assert_true(m->has_kernel_tcp && m->kernel_tcp == INT64_MAX);
	assert_true(m->has_swappiness);
	assert_int_equal(m->swappiness, 60);
	assert_true(m->has_disable_oom_killer && m->disable_oom_killer);
	assert_true(m->has_use_hierarchy && !m->use_hierarchy);
	assert_true(m->has_check_before_update && m->check_before_update);
	const struct cg_cpu *cpu = &res->cpu;
	assert_true(res->has_cpu);
	assert_int_equal(cpu->shares, 1024);
	assert_int_equal(cpu->quota, 100000);
	assert_int_equal(cpu->burst, 50000);
	assert_int_equal(cpu->period, 100000);
	assert_int_equal(cpu->realtime_runtime, 950000);
	assert_int_equal(cpu->realtime_period, 1000000);
	assert_string_equal(cpu->cpus, "0-3");
	assert_string_equal(cpu->mems, "0");
	assert_true(cpu->has_idle);
	assert_int_equal(cpu->idle, 1);
}

static void check_full_blkio(const struct cg_resources *res)
{
	const struct cg_blkio *b = &res->blkio;
	assert_true(res->has_blkio);
	assert_true(b->has_weight && b->has_leaf_weight);
	assert_int_equal(b->weight, 500);
	assert_int_equal(b->leaf_weight, 300);
	assert_int_equal(b->n_weight_devices, 2);
	assert_int_equal(b->weight_devices[0].weight, 600);
	assert_int_equal(b->weight_devices[0].leaf_weight, 10);
	assert_int_equal(b->weight_devices[1].minor, 16);
	assert_false(b->weight_devices[1].has_leaf_weight);
	assert_int_equal(b->n_throttle[CG_THROTTLE_READ_BPS], 1);
	assert_int_equal(b->throttle[CG_THROTTLE_READ_BPS][0].rate, 1048576);
	assert_int_equal(b->throttle[CG_THROTTLE_WRITE_BPS][0].rate, 2097152);
	assert_int_equal(b->throttle[CG_THROTTLE_READ_IOPS][0].rate, 100);
	assert_int_equal(b->n_throttle[CG_THROTTLE_WRITE_IOPS], 2);
	assert_true(b->throttle[CG_THROTTLE_WRITE_IOPS][1].rate == UINT64_MAX);
}

static void check_full_other_resources(const struct cg_resources *res)
{
	assert_int_equal(res->n_hugepage_limits, 2);
	assert_string_equal(res->hugepage_limits[1].page_size, "1GB");
	assert_int_equal(res->hugepage_limits[0].limit, 209715200);
	assert_true(res->has_network && res->network.has_class_id);
	assert_int_equal(res->network.class_id, 1048577);
	assert_string_equal(res->network.priorities[0].name, "eth0");
	assert_int_equal(res->network.priorities[0].priority, 500);
	assert_true(res->has_pids && res->has_pids_limit);
	assert_int_equal(res->pids_limit, 32771);
	assert_int_equal(res->n_rdma, 2);
	assert_string_equal(res->rdma[0].device, "mlx5_1");
	assert_true(res->rdma[0].has_hca_handles && res->rdma[0].has_hca_objects);
	assert_int_equal(res->rdma[0].hca_objects, 10000);
	assert_false(res->rdma[1].has_hca_handles);
	assert_int_equal(res->n_unified, 2);
	assert_string_equal(res->unified[0].key, "io.max");
	assert_string_equal(res->unified[0].value, "259:0 rbps=2097152\n253:0 rbps=1");
}

static void check_full_seccomp(const struct spec *s)
{
	const struct spec_seccomp *sc = &s->lnx.seccomp;
	assert_true(s->lnx.has_seccomp);
	assert_string_equal(sc->default_action, "SCMP_ACT_ERRNO");
	assert_true(sc->has_default_errno_ret);
	assert_int_equal(sc->default_errno_ret, 38);
	assert_int_equal(sc->architectures.n, 2);
	assert_string_equal(sc->flags.v[0], "SECCOMP_FILTER_FLAG_LOG");
	assert_string_equal(sc->listener_path, "/run/agent.sock");
	assert_string_equal(sc->listener_metadata, "meta");
	assert_int_equal(sc->n_syscalls, 2);
	assert_int_equal(sc->syscalls[0].names.n, 2);
	assert_false(sc->syscalls[0].has_errno_ret);
	const struct spec_seccomp_syscall *p = &sc->syscalls[1];
	assert_true(p->has_errno_ret);
	assert_int_equal(p->errno_ret, 1);
	assert_int_equal(p->n_args, 2);
	/* Above INT64_MAX: yajl's long long cannot hold these. */
	assert_true(p->args[0].value == UINT64_MAX);
	assert_true(p->args[0].has_value_two);
	assert_true(p->args[0].value_two == (uint64_t)INT64_MAX + 1);
	assert_string_equal(p->args[0].op, "SCMP_CMP_MASKED_EQ");
	assert_int_equal(p->args[1].index, 5);
	assert_false(p->args[1].has_value_two);
}

static void check_full_linux_rest(const struct spec *s)
{
	const struct spec_linux *l = &s->lnx;
	assert_string_equal(l->cgroups_path, "/jaula/full");
	assert_true(l->has_resources);
	assert_int_equal(l->sysctl.n, 2);
	assert_string_equal(l->sysctl.v[0].key, "net.ipv4.ip_forward");
	assert_string_equal(l->sysctl.v[0].value, "1");
	assert_string_equal(l->rootfs_propagation, "rslave");
	assert_int_equal(l->masked_paths.n, 2);
	assert_string_equal(l->readonly_paths.v[0], "/proc/sys");
	assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
	assert_true(l->intel_rdt.set);
	assert_string_equal(l->intel_rdt.clos_id, "guaranteed_group");
	assert_string_equal(l->intel_rdt.l3_cache_schema, "L3:0=7f0;1=1f");
	assert_string_equal(l->intel_rdt.mem_bw_schema, "MB:0=20;1=70");
	assert_int_equal(l->intel_rdt.schemata.n, 2);
	assert_true(l->intel_rdt.enable_monitoring && l->intel_rdt.enable_cmt);
	assert_false(l->intel_rdt.enable_mbm);
	assert_true(l->personality.set);
	assert_string_equal(l->personality.domain, "LINUX32");
	assert_int_equal(l->personality.flags.n, 0);
	assert_true(l->memory_policy.set);
	assert_string_equal(l->memory_policy.mode, "MPOL_BIND");
	assert_string_equal(l->memory_policy.nodes, "0-3,7");
	assert_string_equal(l->memory_policy.flags.v[0], "MPOL_F_STATIC_NODES");
}

static void test_full_config(void **state)
{
	(void)state;
	struct spec *s = parse_ok(full_config);
	check_full_top(s);
	check_full_mounts(s);
	check_full_process(s);
	check_full_caps(s);
	check_full_limits(s);
	check_full_hooks(s);
	check_full_namespaces(s);
	check_full_devices(s);
	check_full_resources_devices(&s->lnx.resources);
	check_full_memory_cpu(&s->lnx.resources);
	check_full_blkio(&s->lnx.resources);
	check_full_other_resources(&s->lnx.resources);
	check_full_seccomp(s);
	check_full_linux_rest(s);
	spec_free(s);
}

static void test_minimal_config(void **state)
{
	(void)state;
	struct spec *s = parse_ok(JSON({"ociVersion": "1.0.0"}));
	assert_string_equal(s->oci_version, "1.0.0");
	assert_false(s->has_root);
	assert_false(s->has_process);
	assert_false(s->has_linux);
	assert_int_equal(s->n_mounts, 0);
	assert_null(s->mounts);
	assert_null(s->hostname);
	for (int k = 0; k < SPEC_HOOK__COUNT; k++)
		assert_int_equal(s->hooks[k].n, 0);
	assert_null(spec_find_namespace(s, NS_PID));
	spec_free(s);

	/* null is "absent" everywhere, as in Go's decoder. */
	s = parse_ok(JSON({"ociVersion": "1.2.0-rc.1", "process": null, "hostname": null,
			   "linux": {"resources": null, "namespaces": null}}));
	assert_false(s->has_process);
	assert_null(s->hostname);
	assert_true(s->has_linux);
	assert_false(s->lnx.has_resources);
	spec_free(s);

	/* runtime-spec 1.1+: a relative mount destination is relative to "/". */
	s = parse_ok(JSON({"ociVersion": "1.2.0", "mounts": [{"destination": "data/x", "type": "tmpfs"}]}));
	assert_string_equal(s->mounts[0].destination, "/data/x");
	spec_free(s);
}

static void test_versions(void **state)
{
	(void)state;
	static const char *const good[] = {"1.0.0", "1.0.2-dev", "1.1.0+dev", "1.2.0-rc.1",
					   "1.3.0", "1.3.99", "1.0.0-rc5+build.7"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char json[128];
		snprintf(json, sizeof(json), "{\"ociVersion\": \"%s\"}", good[i]);
		spec_free(parse_ok(json));
	}
}

static void test_hook_names(void **state)
{
	(void)state;
	assert_string_equal(spec_hook_name(SPEC_HOOK_PRESTART), "prestart");
	assert_string_equal(spec_hook_name(SPEC_HOOK_CREATE_RUNTIME), "createRuntime");
	assert_string_equal(spec_hook_name(SPEC_HOOK_CREATE_CONTAINER), "createContainer");
	assert_string_equal(spec_hook_name(SPEC_HOOK_START_CONTAINER), "startContainer");
	assert_string_equal(spec_hook_name(SPEC_HOOK_POSTSTART), "poststart");
	assert_string_equal(spec_hook_name(SPEC_HOOK_POSTSTOP), "poststop");
}

/* "env" absent and "env": [] are different hooks: runc and crun run the first
 * in the runtime's environment and the second in an empty one. */
static void test_hook_env_presence(void **state)
{
	(void)state;
	struct spec *s = parse_ok(CFG("hooks": {"prestart": [
		{"path": "/no-env"},
		{"path": "/empty-env", "env": []},
		{"path": "/null-env", "env": null},
		{"path": "/some-env", "env": ["A=1", "B="]}
	], "poststop": [{"path": "/x", "env": []}]}));
	const struct spec_hook *h = s->hooks[SPEC_HOOK_PRESTART].v;
	assert_int_equal(s->hooks[SPEC_HOOK_PRESTART].n, 4);
	assert_false(h[0].has_env);
	assert_int_equal(h[0].env.n, 0);
	assert_null(h[0].env.v);
	assert_true(h[1].has_env);
	assert_int_equal(h[1].env.n, 0);
	/* an empty envp for execve, not NULL */
	assert_non_null(h[1].env.v);
	assert_null(h[1].env.v[0]);
	/* null is absent, as everywhere (Go's nil slice: the runtime's env) */
	assert_false(h[2].has_env);
	assert_true(h[3].has_env);
	assert_int_equal(h[3].env.n, 2);
	assert_string_equal(h[3].env.v[1], "B=");
	assert_null(h[3].env.v[2]);
	assert_true(s->hooks[SPEC_HOOK_POSTSTOP].v[0].has_env);
	spec_free(s);
}

/* --- real-world configs ---------------------------------------------------------- */

/* `runc spec` (runc 1.1.5), verbatim. */
static const char runc_config[] = JSON(
	{
		"ociVersion": "1.0.2-dev",
		"process": {
			"terminal": true,
			"user": {
				"uid": 0,
				"gid": 0
			},
			"args": [
				"sh"
			],
			"env": [
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"TERM=xterm"
			],
			"cwd": "/",
			"capabilities": {
				"bounding": [
					"CAP_AUDIT_WRITE",
					"CAP_KILL",
					"CAP_NET_BIND_SERVICE"
				],
				"effective": [
					"CAP_AUDIT_WRITE",
					"CAP_KILL",
					"CAP_NET_BIND_SERVICE"
				],
				"permitted": [
					"CAP_AUDIT_WRITE",
					"CAP_KILL",
					"CAP_NET_BIND_SERVICE"
				],
				"ambient": [
					"CAP_AUDIT_WRITE",
					"CAP_KILL",
					"CAP_NET_BIND_SERVICE"
				]
			},
			"rlimits": [
				{
					"type": "RLIMIT_NOFILE",
					"hard": 1024,
					"soft": 1024
				}
			],
			"noNewPrivileges": true
		},
		"root": {
			"path": "rootfs",
			"readonly": true
		},
		"hostname": "runc",
		"mounts": [
			{
				"destination": "/proc",
				"type": "proc",
				"source": "proc"
			},
			{
				"destination": "/dev",
				"type": "tmpfs",
				"source": "tmpfs",
				"options": [
					"nosuid",
					"strictatime",
					"mode=755",
					"size=65536k"
				]
			},
			{
				"destination": "/dev/pts",
				"type": "devpts",
				"source": "devpts",
				"options": [
					"nosuid",
					"noexec",
					"newinstance",
					"ptmxmode=0666",
					"mode=0620",
					"gid=5"
				]
			},
			{
				"destination": "/dev/shm",
				"type": "tmpfs",
				"source": "shm",
				"options": [
					"nosuid",
					"noexec",
					"nodev",
					"mode=1777",
					"size=65536k"
				]
			},
			{
				"destination": "/dev/mqueue",
				"type": "mqueue",
				"source": "mqueue",
				"options": [
					"nosuid",
					"noexec",
					"nodev"
				]
			},
			{
				"destination": "/sys",
				"type": "sysfs",
				"source": "sysfs",
				"options": [
					"nosuid",
					"noexec",
					"nodev",
					"ro"
				]
			},
			{
				"destination": "/sys/fs/cgroup",
				"type": "cgroup",
				"source": "cgroup",
				"options": [
					"nosuid",
					"noexec",
					"nodev",
					"relatime",
					"ro"
				]
			}
		],
		"linux": {
			"resources": {
				"devices": [
					{
						"allow": false,
						"access": "rwm"
					}
				]
			},
			"namespaces": [
				{
					"type": "pid"
				},
				{
					"type": "network"
				},
				{
					"type": "ipc"
				},
				{
					"type": "uts"
				},
				{
					"type": "mount"
				}
			],
			"maskedPaths": [
				"/proc/acpi",
				"/proc/asound",
				"/proc/kcore",
				"/proc/keys",
				"/proc/latency_stats",
				"/proc/timer_list",
				"/proc/timer_stats",
				"/proc/sched_debug",
				"/sys/firmware",
				"/proc/scsi"
			],
			"readonlyPaths": [
				"/proc/bus",
				"/proc/fs",
				"/proc/irq",
				"/proc/sys",
				"/proc/sysrq-trigger"
			]
		}
	});

static void test_runc_spec(void **state)
{
	(void)state;
	struct spec *s = parse_ok(runc_config);
	assert_string_equal(s->oci_version, "1.0.2-dev");
	assert_true(s->process.terminal);
	assert_int_equal(s->process.args.n, 1);
	assert_string_equal(s->process.args.v[0], "sh");
	assert_int_equal(s->process.env.n, 2);
	uint64_t caps = CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE);
	assert_int_equal(mask_of(s, SPEC_CAP_BOUNDING), caps);
	assert_int_equal(mask_of(s, SPEC_CAP_EFFECTIVE), caps);
	assert_int_equal(mask_of(s, SPEC_CAP_PERMITTED), caps);
	assert_int_equal(mask_of(s, SPEC_CAP_AMBIENT), caps);
	assert_int_equal(mask_of(s, SPEC_CAP_INHERITABLE), 0);
	assert_int_equal(s->process.n_rlimits, 1);
	assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s->process.rlimits[0].soft, 1024);
	assert_true(s->process.no_new_privileges);
	assert_true(s->root.readonly);
	assert_string_equal(s->hostname, "runc");
	assert_int_equal(s->n_mounts, 7);
	assert_string_equal(s->mounts[6].destination, "/sys/fs/cgroup");
	assert_int_equal(s->mounts[2].options.n, 6);
	assert_int_equal(s->lnx.n_namespaces, 5);
	assert_int_equal(s->lnx.namespaces[4].type, NS_MNT);
	assert_int_equal(s->lnx.resources.n_devices, 1);
	assert_false(s->lnx.resources.devices[0].allow);
	assert_string_equal(s->lnx.resources.devices[0].access, "rwm");
	assert_int_equal(s->lnx.masked_paths.n, 10);
	assert_int_equal(s->lnx.readonly_paths.n, 5);
	assert_false(s->lnx.has_seccomp);
	spec_free(s);
}

/* What podman 4 writes: a netns path, systemd cgroupsPath, a seccomp
 * profile with argument filters, umask and supplementary groups. */
static const char podman_config[] = JSON({
	"ociVersion": "1.1.0+dev",
	"process": {
		"terminal": true,
		"user": {"uid": 0, "gid": 0, "umask": 18,
			 "additionalGids": [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27]},
		"args": ["/bin/sh"],
		"env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm", "container=podman", "HOSTNAME=0123456789ab", "HOME=/root"],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
				     "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
				     "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"],
			"effective": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
				      "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
				      "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"],
			"permitted": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
				      "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
				      "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"]
		},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576},
			    {"type": "RLIMIT_NPROC", "hard": 4194304, "soft": 4194304}],
		"oomScoreAdj": 0
	},
	"root": {"path": "/var/lib/containers/storage/overlay/4f1c/merged"},
	"hostname": "0123456789ab",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc",
		 "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs",
		 "options": ["nosuid", "noexec", "nodev", "ro"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		 "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/etc/hostname", "type": "bind",
		 "source": "/run/containers/storage/overlay-containers/0123/userdata/hostname",
		 "options": ["bind", "rprivate"]},
		{"destination": "/etc/resolv.conf", "type": "bind",
		 "source": "/run/containers/storage/overlay-containers/0123/userdata/resolv.conf",
		 "options": ["bind", "rprivate"]},
		{"destination": "/dev/shm", "type": "bind",
		 "source": "/var/lib/containers/storage/overlay-containers/0123/userdata/shm",
		 "options": ["bind", "rprivate", "nosuid", "noexec", "nodev"]},
		{"destination": "/run/.containerenv", "type": "bind",
		 "source": "/run/containers/storage/overlay-containers/0123/userdata/.containerenv",
		 "options": ["bind", "rprivate"]},
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		 "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]}
	],
	"annotations": {
		"io.container.manager": "libpod",
		"io.podman.annotations.autoremove": "TRUE",
		"org.opencontainers.image.stopSignal": "15",
		"org.systemd.property.KillSignal": "15",
		"org.systemd.property.TimeoutStopUSec": "uint64 10000000"
	},
	"linux": {
		"sysctl": {"net.ipv4.ping_group_range": "0 0"},
		"resources": {"pids": {"limit": 2048}},
		"cgroupsPath": "machine.slice:libpod:0123456789abcdef",
		"namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/netns-1b2c"},
			       {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
		"seccomp": {
			"defaultAction": "SCMP_ACT_ERRNO",
			"defaultErrnoRet": 38,
			"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			"syscalls": [
				{"names": ["bdflush", "kexec_file_load", "kexec_load", "migrate_pages",
					   "move_pages", "nfsservctl", "pciconfig_read", "swapoff",
					   "swapon", "sysfs", "uselib", "userfaultfd", "ustat", "vm86"],
				 "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
				{"names": ["_llseek", "accept", "openat", "read", "write"],
				 "action": "SCMP_ACT_ALLOW"},
				{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
				 "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
				{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
				 "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
				{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
				 "args": [{"index": 0, "value": 2114060288, "valueTwo": 0,
					   "op": "SCMP_CMP_MASKED_EQ"}]},
				{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
				 "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"},
					  {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]}
			]
		},
		"maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
				"/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"],
		"readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				  "/proc/sysrq-trigger"]
	}
});

static void test_podman_like(void **state)
{
	(void)state;
	struct spec *s = parse_ok(podman_config);
	assert_true(s->process.user.has_umask);
	assert_int_equal(s->process.user.umask, 18);
	assert_int_equal(s->process.user.n_additional_gids, 11);
	assert_int_equal(s->process.user.additional_gids[10], 27);
	assert_int_equal(mask_of(s, SPEC_CAP_BOUNDING) & CAP(CAP_SYS_CHROOT), CAP(CAP_SYS_CHROOT));
	assert_int_equal(mask_of(s, SPEC_CAP_AMBIENT), 0);
	assert_int_equal(s->process.rlimits[1].resource, RLIMIT_NPROC);
	assert_true(s->process.has_oom_score_adj);
	assert_int_equal(s->process.oom_score_adj, 0);
	assert_int_equal(s->n_mounts, 10);
	assert_string_equal(s->mounts[9].options.v[0], "rprivate");
	assert_int_equal(s->annotations.n, 5);
	assert_string_equal(s->lnx.cgroups_path, "machine.slice:libpod:0123456789abcdef");
	assert_string_equal(spec_find_namespace(s, NS_NET)->path, "/run/netns/netns-1b2c");
	assert_null(spec_find_namespace(s, NS_USER));
	assert_true(s->lnx.resources.has_pids);
	assert_int_equal(s->lnx.resources.pids_limit, 2048);
	assert_false(s->lnx.resources.has_memory);
	assert_int_equal(s->lnx.seccomp.n_syscalls, 6);
	assert_int_equal(s->lnx.seccomp.syscalls[0].names.n, 14);
	assert_int_equal(s->lnx.seccomp.syscalls[4].args[0].value, 2114060288);
	assert_true(s->lnx.seccomp.syscalls[4].args[0].has_value_two);
	assert_int_equal(s->lnx.seccomp.syscalls[5].args[1].index, 2);
	assert_int_equal(s->lnx.sysctl.n, 1);
	assert_int_equal(s->lnx.masked_paths.n, 11);
	spec_free(s);
}

/* --- malformed configs: exact messages ------------------------------------------- */

struct bad_case {
	const char *json;
	const char *error;
};

#define E "config.json: "

static const struct bad_case bad_cases[] = {
	/* syntax and top level */
	{JSON({"ociVersion": "1.0.0",}),
	 E "invalid JSON: parse error: invalid object key (must be a string)"},
	{"", E "invalid JSON: parse error: premature EOF"},
	{JSON({"ociVersion": "1.0.0"} x), E "invalid JSON: parse error: trailing garbage"},
	{JSON([]), E "expected object"},
	{JSON("1.0.0"), E "expected object"},
	{JSON({}), E "missing required field \"ociVersion\""},
	{JSON({"ociVersion": null}), E "missing required field \"ociVersion\""},
	/* ociVersion */
	{JSON({"ociVersion": 1}), E "ociVersion: expected string"},
	{JSON({"ociVersion": "2.0.0"}),
	 E "ociVersion: unsupported version \"2.0.0\" (jaula supports 1.0.0 to 1.3.x)"},
	{JSON({"ociVersion": "1.4.0"}),
	 E "ociVersion: unsupported version \"1.4.0\" (jaula supports 1.0.0 to 1.3.x)"},
	{JSON({"ociVersion": "0.9.0"}),
	 E "ociVersion: unsupported version \"0.9.0\" (jaula supports 1.0.0 to 1.3.x)"},
	{JSON({"ociVersion": "0.9"}),
	 E "ociVersion: invalid version \"0.9\" (expected SemVer such as \"1.3.0\")"},
	{JSON({"ociVersion": "garbage"}),
	 E "ociVersion: invalid version \"garbage\" (expected SemVer such as \"1.3.0\")"},
	{JSON({"ociVersion": "01.0.0"}),
	 E "ociVersion: invalid version \"01.0.0\" (expected SemVer such as \"1.3.0\")"},
	{JSON({"ociVersion": "1.0.0-"}),
	 E "ociVersion: invalid version \"1.0.0-\" (expected SemVer such as \"1.3.0\")"},
	{JSON({"ociVersion": "1.0.0-rc.01"}),
	 E "ociVersion: invalid version \"1.0.0-rc.01\" (expected SemVer such as \"1.3.0\")"},
	/* root, mounts */
	{CFG("root": "rootfs"), E "root: expected object"},
	{CFG("root": {}), E "root: missing required field \"path\""},
	{CFG("root": {"path": ""}), E "root.path: must not be empty"},
	{CFG("root": {"path": "r", "readonly": "yes"}), E "root.readonly: expected boolean"},
	{CFG("mounts": {}), E "mounts: expected array"},
	{CFG("mounts": ["/proc"]), E "mounts[0]: expected object"},
	{CFG("mounts": [{"destination": "/a"}, {"type": "tmpfs"}]),
	 E "mounts[1]: missing required field \"destination\""},
	{CFG("mounts": [{"destination": 5}]), E "mounts[0].destination: expected string"},
	{CFG("mounts": [{"destination": "/a", "options": ["ro", 1]}]),
	 E "mounts[0].options[1]: expected string"},
	{CFG("mounts": [{"destination": "/a", "uidMappings": [{"containerID": 0, "hostID": 1}]}]),
	 E "mounts[0].uidMappings[0]: missing required field \"size\""},
	/* process: command */
	{CFG("process": []), E "process: expected object"},
	{CFG("process": {"cwd": "/"}), E "process: missing required field \"args\""},
	{CFG("process": {"args": ["sh"]}), E "process: missing required field \"cwd\""},
	{CFG("process": {"cwd": "/", "args": []}), E "process.args: must not be empty"},
	{CFG("process": {"cwd": "/", "args": "sh"}), E "process.args: expected array"},
	{CFG("process": {"cwd": "/", "args": ["sh", 1]}), E "process.args[1]: expected string"},
	{CFG("process": {"cwd": "home", "args": ["sh"]}), E "process.cwd: must be an absolute path"},
	{CFG("process": {"cwd": 0, "args": ["sh"]}), E "process.cwd: expected string"},
	{PROC("env": ["A=1", "FOO"]), E "process.env[1]: expected \"NAME=value\", got \"FOO\""},
	{PROC("env": ["=x"]), E "process.env[0]: expected \"NAME=value\", got \"=x\""},
	{PROC("terminal": "yes"), E "process.terminal: expected boolean"},
	{PROC("consoleSize": {"height": 24}), E "process.consoleSize: missing required field \"width\""},
	{PROC("consoleSize": {"height": 24, "width": -80}),
	 E "process.consoleSize.width: -80 is out of range 0..4294967295"},
	/* process: user */
	{PROC("user": {"uid": -1, "gid": 0}), E "process.user.uid: -1 is out of range 0..4294967294"},
	{PROC("user": {"uid": 4294967296, "gid": 0}),
	 E "process.user.uid: 4294967296 is out of range 0..4294967294"},
	{PROC("user": {"uid": 0, "gid": 4294967295}),
	 E "process.user.gid: 4294967295 is out of range 0..4294967294"},
	{PROC("user": {"uid": 1.5, "gid": 0}), E "process.user.uid: expected integer, got 1.5"},
	{PROC("user": {"uid": 1e3, "gid": 0}), E "process.user.uid: expected integer, got 1e3"},
	{PROC("user": {"uid": 1.0, "gid": 0}), E "process.user.uid: expected integer, got 1.0"},
	{PROC("user": {"uid": "0", "gid": 0}), E "process.user.uid: expected integer"},
	{PROC("user": {"uid": true, "gid": 0}), E "process.user.uid: expected integer"},
	{PROC("user": {"uid": 99999999999999999999999, "gid": 0}),
	 E "process.user.uid: 99999999999999999999999 is out of range 0..4294967294"},
	{PROC("user": {"uid": 0}), E "process.user: missing required field \"gid\""},
	{PROC("user": {"uid": 0, "gid": 0, "additionalGids": [1, "2"]}),
	 E "process.user.additionalGids[1]: expected integer"},
	{PROC("user": {"uid": 0, "gid": 0, "umask": -18}),
	 E "process.user.umask: -18 is out of range 0..4294967295"},
	/* process: capabilities */
	{PROC("capabilities": ["CAP_KILL"]), E "process.capabilities: expected object"},
	{PROC("capabilities": {"bounding": ["CAP_TEST"]}),
	 E "process.capabilities.bounding[0]: unknown capability \"CAP_TEST\""},
	{PROC("capabilities": {"ambient": ["CAP_KILL", "cap_chown"]}),
	 E "process.capabilities.ambient[1]: unknown capability \"cap_chown\""},
	{PROC("capabilities": {"effective": "CAP_KILL"}),
	 E "process.capabilities.effective: expected array"},
	{PROC("capabilities": {"permitted": [null]}),
	 E "process.capabilities.permitted[0]: expected string"},
	/* process: rlimits, oom, scheduling */
	{PROC("rlimits": [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]),
	 E "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
	{PROC("rlimits": [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 5}]),
	 E "process.rlimits[0]: soft limit 10 is above hard limit 5"},
	{PROC("rlimits": [{"type": "RLIMIT_NOFILE", "soft": 10}]),
	 E "process.rlimits[0]: missing required field \"hard\""},
	{PROC("rlimits": [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 5}]),
	 E "process.rlimits[0].soft: -1 is out of range 0..18446744073709551615"},
	{PROC("rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1},
			  {"type": "RLIMIT_NOFILE", "soft": 2, "hard": 2}]),
	 E "process.rlimits[1]: duplicate rlimit \"RLIMIT_NOFILE\""},
	{PROC("oomScoreAdj": 1001), E "process.oomScoreAdj: 1001 is out of range -1000..1000"},
	{PROC("oomScoreAdj": -1001), E "process.oomScoreAdj: -1001 is out of range -1000..1000"},
	{PROC("scheduler": {"nice": 1}), E "process.scheduler: missing required field \"policy\""},
	{PROC("scheduler": {"policy": "SCHED_FAST"}),
	 E "process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\""},
	{PROC("scheduler": {"policy": "SCHED_RR", "flags": ["SCHED_FLAG_TURBO"]}),
	 E "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_TURBO\""},
	{PROC("scheduler": {"policy": "SCHED_RR", "priority": 2147483648}),
	 E "process.scheduler.priority: 2147483648 is out of range -2147483648..2147483647"},
	{PROC("ioPriority": {"class": "IOPRIO_CLASS_NONE"}),
	 E "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\""},
	{PROC("ioPriority": {"class": "IOPRIO_CLASS_RT", "priority": 8}),
	 E "process.ioPriority.priority: 8 is out of range 0..7"},
	{PROC("execCPUAffinity": {"initial": "all"}),
	 E "process.execCPUAffinity.initial: invalid CPU list \"all\""},
	/* hooks, annotations, names */
	{CFG("hooks": []), E "hooks: expected object"},
	{CFG("hooks": {"prestart": [{"args": ["x"]}]}),
	 E "hooks.prestart[0]: missing required field \"path\""},
	{CFG("hooks": {"poststop": [{"path": "bin/stop"}]}),
	 E "hooks.poststop[0].path: must be an absolute path"},
	{CFG("hooks": {"createRuntime": [{"path": "/x", "timeout": 0}]}),
	 E "hooks.createRuntime[0].timeout: 0 is out of range 1..2147483647"},
	{CFG("hooks": {"poststart": [{"path": "/x", "env": ["NOEQUALS"]}]}),
	 E "hooks.poststart[0].env[0]: expected \"NAME=value\", got \"NOEQUALS\""},
	{CFG("annotations": {"a": 1}), E "annotations[\"a\"]: expected string"},
	{CFG("annotations": {"": "x"}), E "annotations: keys must not be empty"},
	{CFG("annotations": ["a"]), E "annotations: expected object"},
	{CFG("hostname": 7), E "hostname: expected string"},
	{CFG("domainname": {}), E "domainname: expected string"},
	/* linux: namespaces, ids, time, devices */
	{CFG("linux": []), E "linux: expected object"},
	{LINUX("namespaces": [{"type": "pid"}, {"type": "uts"}, {"type": "foo"}]),
	 E "linux.namespaces[2].type: unknown namespace type \"foo\""},
	{LINUX("namespaces": [{"type": "pid"}, {"type": "pid", "path": "/proc/1/ns/pid"}]),
	 E "linux.namespaces[1]: duplicate namespace type \"pid\""},
	{LINUX("namespaces": [{"path": "/proc/1/ns/net"}]),
	 E "linux.namespaces[0]: missing required field \"type\""},
	{LINUX("namespaces": [{"type": "network", "path": "netns/a"}]),
	 E "linux.namespaces[0].path: must be an absolute path"},
	{LINUX("uidMappings": [{"containerID": 0, "hostID": -5, "size": 1}]),
	 E "linux.uidMappings[0].hostID: -5 is out of range 0..4294967295"},
	{LINUX("gidMappings": [{"hostID": 0, "size": 1}]),
	 E "linux.gidMappings[0]: missing required field \"containerID\""},
	{LINUX("timeOffsets": {"monotonic": {"secs": 1, "nanosecs": 1000000000}}),
	 E "linux.timeOffsets[\"monotonic\"].nanosecs: 1000000000 is out of range 0..999999999"},
	{LINUX("timeOffsets": {"boottime": {"secs": 9223372036854775808}}),
	 E "linux.timeOffsets[\"boottime\"].secs: 9223372036854775808 is out of range "
	   "-9223372036854775808..9223372036854775807"},
	{LINUX("timeOffsets": {"realtime": {"secs": 60}}),
	 E "linux.timeOffsets[\"realtime\"]: unknown clock \"realtime\" (expected \"monotonic\" or "
	   "\"boottime\")"},
	{LINUX("devices": [{"type": "x", "path": "/dev/x"}]),
	 E "linux.devices[0].type: unknown device type \"x\" (expected c, b, u or p)"},
	{LINUX("devices": [{"type": "", "path": "/dev/x"}]),
	 E "linux.devices[0].type: unknown device type \"\" (expected c, b, u or p)"},
	{LINUX("devices": [{"type": "c", "path": "/dev/x", "minor": 1}]),
	 E "linux.devices[0]: missing required field \"major\""},
	{LINUX("devices": [{"type": "b", "path": "/dev/x", "major": 8, "minor": -1}]),
	 E "linux.devices[0].minor: -1 is out of range 0..4294967295"},
	{LINUX("devices": [{"type": "c", "path": "dev/x", "major": 1, "minor": 3}]),
	 E "linux.devices[0].path: must be an absolute path"},
	{LINUX("devices": [{"type": "p", "path": "/dev/p", "fileMode": 4096}]),
	 E "linux.devices[0].fileMode: 4096 is out of range 0..4095"},
	{LINUX("netDevices": {"eth/0": {}}), E "linux.netDevices[\"eth/0\"]: invalid interface name"},
	{LINUX("netDevices": {"eth0": {"name": "a-very-long-name0"}}),
	 E "linux.netDevices[\"eth0\"].name: invalid interface name \"a-very-long-name0\""},
	/* linux.resources */
	{RES("devices": [{"allow": true, "access": "rwx"}]),
	 E "linux.resources.devices[0].access: invalid access \"rwx\" (expected letters from \"rwm\")"},
	{RES("devices": [{"access": "r"}]),
	 E "linux.resources.devices[0]: missing required field \"allow\""},
	{RES("devices": [{"allow": true, "type": "u"}]),
	 E "linux.resources.devices[0].type: unknown device type \"u\" (expected a, c or b)"},
	{RES("devices": [{"allow": true, "major": -2}]),
	 E "linux.resources.devices[0].major: -2 is out of range -1..4294967295"},
	{RES("memory": {"limit": "1g"}), E "linux.resources.memory.limit: expected integer"},
	{RES("memory": {"limit": -2}),
	 E "linux.resources.memory.limit: -2 is out of range -1..9223372036854775807"},
	{RES("memory": {"swap": 9223372036854775808}),
	 E "linux.resources.memory.swap: 9223372036854775808 is out of range -1..9223372036854775807"},
	{RES("memory": {"swappiness": 101}),
	 E "linux.resources.memory.swappiness: 101 is out of range 0..100"},
	{RES("memory": {"disableOOMKiller": 1}),
	 E "linux.resources.memory.disableOOMKiller: expected boolean"},
	{RES("cpu": {"quota": 1000, "burst": 2000}),
	 E "linux.resources.cpu.burst: 2000 is larger than quota 1000"},
	{RES("cpu": {"idle": 2}), E "linux.resources.cpu.idle: 2 is out of range 0..1"},
	{RES("cpu": {"cpus": 3}), E "linux.resources.cpu.cpus: expected string"},
	{RES("blockIO": {"weight": 5}), E "linux.resources.blockIO.weight: 5 is out of range 10..1000"},
	{RES("blockIO": {"weightDevice": [{"major": 8, "minor": 0}]}),
	 E "linux.resources.blockIO.weightDevice[0]: needs \"weight\" or \"leafWeight\""},
	{RES("blockIO": {"throttleReadIOPSDevice": [{"major": 8, "minor": 0}]}),
	 E "linux.resources.blockIO.throttleReadIOPSDevice[0]: missing required field \"rate\""},
	{RES("hugepageLimits": [{"pageSize": "../2MB", "limit": 1}]),
	 E "linux.resources.hugepageLimits[0].pageSize: invalid page size \"../2MB\" (expected e.g. "
	   "\"2MB\")"},
	{RES("hugepageLimits": [{"pageSize": "2MB"}]),
	 E "linux.resources.hugepageLimits[0]: missing required field \"limit\""},
	{RES("network": {"priorities": [{"name": "eth0\n", "priority": 1}]}),
	 E "linux.resources.network.priorities[0].name: invalid interface name \"eth0\\n\""},
	{RES("pids": {"limit": "max"}), E "linux.resources.pids.limit: expected integer"},
	{RES("rdma": {"mlx5_1": {}}),
	 E "linux.resources.rdma[\"mlx5_1\"]: needs \"hcaHandles\" or \"hcaObjects\""},
	{RES("rdma": {"mlx 5": {"hcaHandles": 1}}),
	 E "linux.resources.rdma[\"mlx 5\"]: invalid RDMA device name"},
	{RES("unified": {"../cgroup.procs": "1"}),
	 E "linux.resources.unified[\"../cgroup.procs\"]: invalid cgroup file name"},
	{RES("unified": {"memory.max": 1}), E "linux.resources.unified[\"memory.max\"]: expected string"},
	/* linux: seccomp */
	{LINUX("seccomp": {"syscalls": []}), E "linux.seccomp: missing required field \"defaultAction\""},
	{LINUX("seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
			   "syscalls": [{"names": [], "action": "SCMP_ACT_KILL"}]}),
	 E "linux.seccomp.syscalls[0].names: must not be empty"},
	{LINUX("seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]}]}),
	 E "linux.seccomp.syscalls[0]: missing required field \"action\""},
	{LINUX("seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
			   "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
					 "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}),
	 E "linux.seccomp.syscalls[0].args[0].value: -1 is out of range 0..18446744073709551615"},
	{LINUX("seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
			   "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
					 "args": [{"index": 0, "value": 18446744073709551616,
						   "op": "SCMP_CMP_EQ"}]}]}),
	 E "linux.seccomp.syscalls[0].args[0].value: 18446744073709551616 is out of range "
	   "0..18446744073709551615"},
	{LINUX("seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
			   "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
					 "args": [{"index": 0, "value": 1, "op": 4}]}]}),
	 E "linux.seccomp.syscalls[0].args[0].op: expected string"},
	{LINUX("seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "m"}),
	 E "linux.seccomp.listenerMetadata: set without listenerPath"},
	{LINUX("seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": "x86"}),
	 E "linux.seccomp.architectures: expected array"},
	/* linux: the rest */
	{LINUX("sysctl": {"../../../etc/shadow": "x"}),
	 E "linux.sysctl[\"../../../etc/shadow\"]: invalid sysctl name"},
	{LINUX("sysctl": {"net.ipv4.ip_forward": 1}),
	 E "linux.sysctl[\"net.ipv4.ip_forward\"]: expected string"},
	{LINUX("maskedPaths": ["/proc/kcore", "proc/keys"]),
	 E "linux.maskedPaths[1]: must be an absolute path"},
	{LINUX("readonlyPaths": "/proc/sys"), E "linux.readonlyPaths: expected array"},
	{LINUX("rootfsPropagation": "weird"),
	 E "linux.rootfsPropagation: unknown rootfs propagation \"weird\""},
	{LINUX("intelRdt": {"closID": ".."}),
	 E "linux.intelRdt.closID: invalid resctrl group name \"..\""},
	{LINUX("intelRdt": {"memBwSchema": "L3:0=f"}),
	 E "linux.intelRdt.memBwSchema: must be one line starting with \"MB:\""},
	{LINUX("personality": {"domain": "LINUX64"}),
	 E "linux.personality.domain: unknown personality domain \"LINUX64\""},
	{LINUX("personality": {}), E "linux.personality: missing required field \"domain\""},
	{LINUX("memoryPolicy": {"mode": "MPOL_RANDOM"}),
	 E "linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_RANDOM\""},
	{LINUX("memoryPolicy": {"nodes": "0"}),
	 E "linux.memoryPolicy: missing required field \"mode\""},
	{LINUX("memoryPolicy": {"mode": "MPOL_BIND", "flags": ["MPOL_F_FAST"]}),
	 E "linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_FAST\""},
	/* user text in messages stays on one line and short */
	{PROC("capabilities": {"bounding": ["CAP_\nX"]}),
	 E "process.capabilities.bounding[0]: unknown capability \"CAP_\\nX\""},
	{PROC("capabilities": {"bounding": [
		   "CAP_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"]}),
	 E "process.capabilities.bounding[0]: unknown capability "
	   "\"CAP_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\"..."},
};

static void test_bad_case(void **state)
{
	const struct bad_case *bc = *state;
	parse_fails(bc->json, bc->error);
}

/* --- inputs that need more than a table row ------------------------------------- */

static void test_deep_nesting(void **state)
{
	(void)state;
	/* yajl frees recursively: a deep document must be refused up front. */
	size_t depth = 100000;
	char *text = malloc(2 * depth + 64);
	assert_non_null(text);
	size_t n = (size_t)sprintf(text, "{\"ociVersion\": \"1.0.0\", \"x\": ");
	memset(text + n, '[', depth);
	memset(text + n + depth, ']', depth);
	strcpy(text + n + 2 * depth, "}");
	parse_fails(text, E "invalid JSON: nested deeper than 64 levels");
	free(text);
	/* Brackets inside strings and comments do not count. */
	struct spec *s = parse_ok("{\"ociVersion\": \"1.0.0\", \"hostname\": "
				  "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
				  "[[[[\" /* {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{"
				  "{{{{{{{{{{{{{{{ \" */}");
	spec_free(s);
}

static void test_nul_bytes(void **state)
{
	(void)state;
	static const char with_nul[] = "{\"ociVersion\": \"1.0.0\"}\0 ";
	parse_fails_len(with_nul, sizeof(with_nul) - 1, E "invalid JSON: contains a NUL byte");
	parse_fails(PROC("env": ["A=\u0000B"]), E "invalid JSON: \\u0000 in a string at byte 75");
	/* Not NUL-terminated at len: the parser must not read past it. */
	static const char longer[] = "{\"ociVersion\": \"1.0.0\"}garbage";
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	assert_int_equal(spec_parse(longer, 23, "config.json", &s, &err), 0);
	spec_free(s);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	/* Last one wins, like Go's decoder. */
	struct spec *s = parse_ok(JSON({"ociVersion": "9", "ociVersion": "1.0.0", "hostname": "a",
					"hostname": "b"}));
	assert_string_equal(s->hostname, "b");
	spec_free(s);
}

/* --- spec_load ------------------------------------------------------------------- */

static char *make_bundle(const char *content, size_t len)
{
	char tmpl[] = "/tmp/jaula-spec-XXXXXX";
	char *dir = mkdtemp(tmpl);
	assert_non_null(dir);
	char path[256];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	fclose(f);
	return strdup(dir);
}

static void remove_bundle(char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
	free(dir);
}

static void test_load(void **state)
{
	(void)state;
	const char *json = PROC("env": ["X=1"]);
	char *dir = make_bundle(json, strlen(json));
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	assert_int_equal(spec_load(dir, &s, &err), 0);
	assert_non_null(s);
	assert_string_equal(s->process.env.v[0], "X=1");
	spec_free(s);
	remove_bundle(dir);
}

static void test_load_errors(void **state)
{
	(void)state;
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	assert_true(spec_load("/nonexistent/bundle", &s, &err) < 0);
	assert_null(s);
	assert_string_equal(err->msg,
			    "open \"/nonexistent/bundle/config.json\": No such file or directory");
	jl_err_free(&err);

	/* One byte over the cap: refused before any parsing, naming the file. */
	size_t len = SPEC_MAX_BYTES + 1;
	char *big = malloc(len);
	assert_non_null(big);
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	char *dir = make_bundle(big, len);
	free(big);
	assert_true(spec_load(dir, &s, &err) < 0);
	assert_null(s);
	char want[512];
	snprintf(want, sizeof(want), "read \"%s/config.json\": larger than %u bytes: %s", dir,
		 SPEC_MAX_BYTES, strerror(EFBIG));
	assert_string_equal(err->msg, want);
	jl_err_free(&err);
	remove_bundle(dir);

	const char *bad = CFG("process": {"cwd": "/", "args": [1]});
	dir = make_bundle(bad, strlen(bad));
	assert_true(spec_load(dir, &s, &err) < 0);
	assert_string_equal(err->msg, E "process.args[0]: expected string");
	jl_err_free(&err);
	remove_bundle(dir);
}

/* --- process.json and resources.json alone ---------------------------------------- */

static int parse_process(const char *json, struct jl_arena *arena, jl_json_val *tree,
			 struct spec_process *p, struct jl_err **err)
{
	return spec_parse_process(json, strlen(json), "process.json", arena, tree, p, err);
}

static void test_parse_process(void **state)
{
	(void)state;
	struct jl_arena arena = {0};
	jl_json_val tree = NULL;
	struct spec_process p;
	struct jl_err *err = NULL;
	const char *json = JSON({"args": ["/bin/ls", "-l"], "cwd": "/tmp", "env": ["A=b"],
				 "user": {"uid": 5, "gid": 6}, "terminal": true,
				 "capabilities": {"bounding": ["CAP_KILL"]},
				 "rlimits": [{"type": "RLIMIT_NPROC", "soft": 1, "hard": 2}]});
	assert_int_equal(parse_process(json, &arena, &tree, &p, &err), 0);
	assert_non_null(tree);
	assert_int_equal(p.args.n, 2);
	assert_string_equal(p.args.v[1], "-l");
	assert_string_equal(p.cwd, "/tmp");
	assert_int_equal(p.user.uid, 5);
	assert_true(p.terminal);
	assert_int_equal(p.caps.mask[SPEC_CAP_BOUNDING], CAP(CAP_KILL));
	assert_int_equal(p.rlimits[0].resource, RLIMIT_NPROC);
	jl_json_free(tree);
	jl_arena_free(&arena);
}

static void test_parse_process_errors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{JSON({"args": [1], "cwd": "/"}), "process.json: args[0]: expected string"},
		{JSON({"args": ["a"]}), "process.json: missing required field \"cwd\""},
		{JSON(["a"]), "process.json: expected object"},
		{JSON({"args": ["a"], "cwd": "/", "user": {"uid": -1, "gid": 0}}),
		 "process.json: user.uid: -1 is out of range 0..4294967294"},
		{JSON({"args": ["a"], "cwd": "/", "capabilities": {"bounding": ["CAP_TEST"]}}),
		 "process.json: capabilities.bounding[0]: unknown capability \"CAP_TEST\""},
		{"{", "process.json: invalid JSON: parse error: premature EOF"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct jl_arena arena = {0};
		jl_json_val tree = NULL;
		struct spec_process p;
		struct jl_err *err = NULL;
		assert_true(parse_process(cases[i].json, &arena, &tree, &p, &err) < 0);
		assert_null(tree);
		assert_string_equal(err->msg, cases[i].error);
		jl_err_free(&err);
		jl_arena_free(&arena);
	}
}

static int parse_resources(const char *json, struct jl_arena *arena, jl_json_val *tree,
			   struct cg_resources *res, struct jl_err **err)
{
	return spec_parse_resources(json, strlen(json), "resources.json", arena, tree, res, err);
}

static void test_parse_resources(void **state)
{
	(void)state;
	struct jl_arena arena = {0};
	jl_json_val tree = NULL;
	struct cg_resources res;
	struct jl_err *err = NULL;
	const char *json = JSON({"memory": {"limit": 1073741824, "swap": -1},
				 "cpu": {"quota": -1, "period": 100000},
				 "pids": {"limit": -1},
				 "unified": {"memory.high": "max"}});
	assert_int_equal(parse_resources(json, &arena, &tree, &res, &err), 0);
	assert_true(res.has_memory && res.memory.has_limit);
	assert_int_equal(res.memory.limit, 1073741824);
	assert_int_equal(res.memory.swap, -1);
	assert_false(res.memory.has_reservation);
	assert_true(res.has_cpu && res.cpu.has_quota);
	assert_int_equal(res.cpu.quota, -1);
	assert_true(res.has_pids_limit);
	assert_int_equal(res.pids_limit, -1);
	assert_false(res.has_blkio);
	assert_string_equal(res.unified[0].key, "memory.high");
	jl_json_free(tree);
	jl_arena_free(&arena);

	/* pids without limit (allowed since 1.3) */
	assert_int_equal(parse_resources(JSON({"pids": {}}), &arena, &tree, &res, &err), 0);
	assert_true(res.has_pids);
	assert_false(res.has_pids_limit);
	jl_json_free(tree);
	jl_arena_free(&arena);
}

static void test_parse_resources_errors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{JSON({"memory": {"limit": "1g"}}), "resources.json: memory.limit: expected integer"},
		{JSON({"memory": []}), "resources.json: memory: expected object"},
		{JSON({"blockIO": {"weight": 1001}}),
		 "resources.json: blockIO.weight: 1001 is out of range 10..1000"},
		{JSON({"devices": [{"allow": true, "access": "rwx"}]}),
		 "resources.json: devices[0].access: invalid access \"rwx\" (expected letters from "
		 "\"rwm\")"},
		{JSON(42), "resources.json: expected object"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct jl_arena arena = {0};
		jl_json_val tree = NULL;
		struct cg_resources res;
		struct jl_err *err = NULL;
		assert_true(parse_resources(cases[i].json, &arena, &tree, &res, &err) < 0);
		assert_null(tree);
		assert_string_equal(err->msg, cases[i].error);
		jl_err_free(&err);
		jl_arena_free(&arena);
	}
}

/* --- never crash -------------------------------------------------------------------- */

/* Parse text: it either succeeds or fails with a one-line error that
 * starts with the file name. */
static void parse_any(const char *text, size_t len)
{
	struct spec *s = NULL;
	struct jl_err *err = NULL;
	int r = spec_parse(text, len, "config.json", &s, &err);
	if (r == 0) {
		assert_non_null(s);
		spec_free(s);
		return;
	}
	assert_null(s);
	assert_non_null(err);
	assert_true(jl_str_has_prefix(err->msg, "config.json: "));
	assert_null(strchr(err->msg, '\n'));
	jl_err_free(&err);
}

static void test_truncations_and_mutations(void **state)
{
	(void)state;
	const char *texts[] = {full_config, podman_config};
	static const char replacements[] = "\"-19.e}]{[,:x\\ ";
	for (size_t t = 0; t < ARRAY_SIZE(texts); t++) {
		size_t len = strlen(texts[t]);
		char *buf = malloc(len);
		assert_non_null(buf);
		/* Every prefix: not NUL-terminated at len, on purpose. */
		for (size_t n = 0; n < len; n++) {
			memcpy(buf, texts[t], n);
			parse_any(buf, n);
		}
		/* One byte changed, everywhere, to something structural. */
		for (size_t i = 0; i < len; i++) {
			char with = replacements[i % (sizeof(replacements) - 1)];
			memcpy(buf, texts[t], len);
			buf[i] = with;
			parse_any(buf, len);
		}
		free(buf);
	}
}

/* --- main --------------------------------------------------------------------------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_minimal_config),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_hook_names),
		cmocka_unit_test(test_hook_env_presence),
		cmocka_unit_test(test_runc_spec),
		cmocka_unit_test(test_podman_like),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_parse_process),
		cmocka_unit_test(test_parse_process_errors),
		cmocka_unit_test(test_parse_resources),
		cmocka_unit_test(test_parse_resources_errors),
		cmocka_unit_test(test_truncations_and_mutations),
	};
	int failed = cmocka_run_group_tests_name("spec", tests, NULL, NULL);

	/* One test per malformed input, named by the error it must produce. */
	size_t n = ARRAY_SIZE(bad_cases);
	struct CMUnitTest *bad = calloc(n, sizeof(*bad));
	if (!bad)
		return 1;
	for (size_t i = 0; i < n; i++) {
		bad[i].name = bad_cases[i].error;
		bad[i].test_func = test_bad_case;
		bad[i].initial_state = (void *)&bad_cases[i];
	}
	failed += _cmocka_run_group_tests("spec malformed", bad, n, NULL, NULL);
	free(bad);
	return failed;
}
