/* Container creation, the runtime's side: what create.c hands to the rooms
 * of its own.  Only create*.c include this. */
#ifndef JAULA_CREATE_INTERNAL_H
#define JAULA_CREATE_INTERNAL_H

#include "runtime/create.h"

/* create_cgroup.c: where the cgroup goes and which controllers it needs
 * (nothing made yet); then the cgroup (or systemd scope) made, its
 * resources written and the device program built; that program loaded
 * while the init builds its root, and attached once it is ready. */
int jl_create_plan_cgroup(struct jl_creator *c, struct jl_err **err);
int jl_create_make_cgroup(struct jl_creator *c, struct jl_err **err);
void jl_create_preload_devices(struct jl_creator *c);
int jl_create_attach_devices(struct jl_creator *c, struct jl_err **err);

#endif
