/* Can this config be run here, as asked?  Checked before anything exists. */
#ifndef JAULA_VALIDATE_H
#define JAULA_VALIDATE_H

#include <stdbool.h>

#include "runtime/container.h"
#include "runtime/spec.h"

int jl_validate_for_create(const struct spec *s, const struct jl_create_opts *o, bool run,
			   struct jl_err **err);

#endif
