/* The config.json parser's section parsers, private to runtime/spec*.c.
 *
 * The parser is three layers, each calling only the ones below it:
 *
 *   spec.c              entry points (spec_parse, spec_load,
 *                       spec_parse_process, spec_parse_resources,
 *                       spec_free): text to tree, ociVersion, root,
 *                       hostname, annotations, and one call per section
 *        |
 *   sections            spec_process.c    process
 *                       spec_mounts.c     mounts
 *                       spec_hooks.c      hooks
 *                       spec_linux.c      linux, except:
 *                         spec_resources.c  linux.resources
 *                         spec_seccomp.c    linux.seccomp
 *        |
 *   readers             spec_read.h: spec_read.c (typed values, paths,
 *                       errors), spec_read_shared.c (env lists, id maps,
 *                       names several sections use)
 *
 * A section never calls spec.c; the only call between sections is
 * spec_linux.c into its two sub-sections, which call nothing but readers.
 * A value two sections need belongs in the readers' layer, not in one of
 * them (tests/integration/spec-compat.bats checks the object files).
 *
 * Each parser takes the value at `at`, checks its type and fills *out,
 * which the caller has zeroed; errors name the JSON path. */
#ifndef JAULA_SPEC_INTERNAL_H
#define JAULA_SPEC_INTERNAL_H

#include "runtime/spec_read.h"

/* spec_process.c: "process", and exec's process.json. */
int sp_parse_process(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		     struct spec_process *p);

/* spec_mounts.c: the top-level "mounts" member of `top`. */
int sp_parse_mounts(struct sp_ctx *c, jl_json_val top, struct spec_mount **mounts, size_t *n);

/* spec_hooks.c: the top-level "hooks" member of `top`. */
int sp_parse_hooks(struct sp_ctx *c, jl_json_val top,
		   struct spec_hook_list hooks[SPEC_HOOK__COUNT]);

/* spec_linux.c: "linux". */
int sp_parse_linux(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		   struct spec_linux *l);

/* spec_resources.c: linux.resources, and update's resources.json. */
int sp_parse_resources(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		       struct cg_resources *res);

/* spec_seccomp.c: linux.seccomp. */
int sp_parse_seccomp(struct sp_ctx *c, jl_json_val v, const struct sp_path *at,
		     struct spec_seccomp *s);

#endif
