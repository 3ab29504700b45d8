/* Linux capabilities (the only user of libcap). */
#ifndef JAULA_CAPS_H
#define JAULA_CAPS_H

#include <stdint.h>

#include "runtime/error.h"
#include "runtime/spec.h"

/* "CAP_SYS_ADMIN" -> 21.  Only upper-case CAP_ names that libcap knows are
 * accepted (config.md: an unknown name is an error).  Returns -1 if unknown. */
int jl_cap_from_name(const char *name);
/* 21 -> "CAP_SYS_ADMIN" into out (at least 32 bytes). */
void jl_cap_to_name(int cap, char *out, size_t n);
/* The highest capability this build (libcap) knows by name. */
int jl_cap_max_known(void);
/* The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap). */
int jl_cap_last_cap(void);

/* In the container's init, before the uid switch: drop from the bounding set
 * every capability not in caps->mask[BOUNDING] (needs CAP_SETPCAP). */
int jl_caps_drop_bounding(const struct spec_capabilities *caps, struct jl_err **err);
/* After the uid switch (with PR_SET_KEEPCAPS): set effective, permitted and
 * inheritable, then raise the ambient set. */
int jl_caps_apply(const struct spec_capabilities *caps, struct jl_err **err);

#endif
