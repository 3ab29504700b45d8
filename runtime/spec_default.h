/* The default config.json (`jaula spec`) and the same locked-down config
 * with a few fields replaced, for containers made from images: the image
 * and the `run` flags decide the process, the root, the hostname, the
 * network namespace, extra binds, resources and annotations; everything
 * else (capabilities, seccomp, masked paths, no_new_privs, devices, the
 * standard mounts) stays exactly what `jaula spec` writes. */
#ifndef JAULA_SPEC_DEFAULT_H
#define JAULA_SPEC_DEFAULT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/util.h"

struct jl_spec_bind {
	const char *source; /* absolute host path */
	const char *destination;
	bool readonly;
};

/* Every field left 0/NULL keeps the default. */
struct jl_spec_overrides {
	/* process */
	bool terminal;
	unsigned console_height, console_width; /* 0: none */
	const char *const *args; /* NULL-terminated */
	const char *const *env;  /* NULL-terminated: replaces the default env */
	const char *cwd;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	/* root */
	const char *root_path;
	bool root_writable; /* the default root is read-only */
	const char *hostname;
	bool host_network; /* no network namespace of its own */
	const char *netns_path; /* join this network namespace (a prepared one) */
	const struct jl_spec_bind *binds;
	size_t n_binds;
	/* linux.resources; 0: unlimited */
	int64_t memory_limit;
	int64_t cpu_quota;
	uint64_t cpu_period;
	int64_t pids_limit;
	const char *const *annotations; /* key, value, ..., NULL */
};

/* Pieces of a config.json for other writers of one (the sandbox's). */
struct jl_json_writer;
/* {"destination", "type", "source", "options" (when opts)} */
void jl_spec_json_mount(struct jl_json_writer *w, const char *dst, const char *type,
			const char *src, const char *const *opts);
/* key: [{"containerID": 0, "hostID": host, "size": 1}] */
void jl_spec_json_id_map(struct jl_json_writer *w, const char *key, unsigned host);

/* The default config with o's fields (NULL o: exactly `jaula spec`). */
void jl_spec_json(const struct jl_spec_overrides *o, struct jl_buf *out);

#endif
