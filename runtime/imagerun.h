/* Containers made from images: the one place where the image room and the
 * container lifecycle meet.  imagerun.c runs one (store, overlay in a
 * private mount namespace, bundle, jl_container_run); imagerun_spec.c turns
 * the image's config and the `run` flags into the bundle's config;
 * imagerun_ops.c is stop, rm, logs and the store's container list. */
#ifndef JAULA_IMAGERUN_H
#define JAULA_IMAGERUN_H

#include <stdbool.h>
#include <stdint.h>

#include "image/image.h"
#include "runtime/container.h"
#include "runtime/spec_default.h"

/* The parts of a container's config decided by its image and the flags;
 * everything jl_spec_overrides will point at, owned. */
struct ir_plan {
	char **args; /* NULL-terminated */
	char **env;
	char *cwd;
	char *hostname;
	char **annotations; /* key, value, ..., NULL */
	struct jl_spec_bind *binds;
	size_t n_binds;
	int64_t memory;
	int64_t cpu_quota;
	uint64_t cpu_period;
	int64_t pids;
	bool host_network;
	char *network; /* a network of net/ to attach to; NULL: none or host */
};

/* Everything that needs neither the root filesystem nor the user: args,
 * cwd, hostname (the id unless --hostname), annotations, binds, limits,
 * network.  Errors name the flag or the image. */
int ir_plan_make(const struct jl_image_run_opts *o, const struct img_image *im, const char *id,
		 struct ir_plan *p, struct jl_err **err);
/* The environment: the image's, PATH if it has none, HOME (the user's, or
 * "/"), TERM with a terminal, then -e. */
int ir_plan_env(struct ir_plan *p, const struct jl_image_run_opts *o, const struct img_image *im,
		const struct img_user *u, struct jl_err **err);
void ir_plan_free(struct ir_plan *p);
/* imagerun_net.c: with p->network, a new network namespace attached to
 * it (its fd in *netns_fd, -1 without) and the name files in dir bound
 * over the image's; on failure nothing of it is left. */
int ir_net_up(const char *store, const char *id, const char *dir,
	      const struct jl_image_run_opts *o, struct ir_plan *p, int *netns_fd,
	      struct jl_err **err);
/* Undo every attachment of a stopped container (idempotent; warns on
 * failure); its veth goes with its namespace (net_detach_dead). */
void ir_net_down(const char *store, const char *id);
/* args joined with spaces (for meta.json and `list`). */
char *ir_command_line(char *const *args);
/* The annotation `stop` reads (image-spec conversion.md: Config.StopSignal). */
#define IR_STOP_SIGNAL_ANNOTATION "org.opencontainers.image.stopSignal"

#endif
