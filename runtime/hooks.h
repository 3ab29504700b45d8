/* OCI hooks: each is forked and exec'ed with the container's state JSON on
 * stdin, its own args and env, and an optional timeout in seconds. */
#ifndef JAULA_HOOKS_H
#define JAULA_HOOKS_H

#include "runtime/error.h"
#include "runtime/spec.h"

/* Run every hook of one kind in order; the first failure stops the rest and
 * is returned ("createRuntime hook[1] \"/bin/x\": exited with status 3"). */
int jl_hooks_run(const struct spec *s, enum spec_hook_kind kind, const char *state_json,
		 struct jl_err **err);
/* Run them all; each failure is a warning (runtime-spec: poststart and
 * poststop hooks). */
void jl_hooks_run_warn(const struct spec *s, enum spec_hook_kind kind, const char *state_json);

#endif
