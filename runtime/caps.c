#include "runtime/caps.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "runtime/log.h"
#include "runtime/util.h"

int jl_cap_from_name(const char *name)
{
	/* libcap also takes numbers and lower case; the spec only names
	 * "CAP_*" strings, so anything else is a typo worth reporting. */
	if (!jl_str_has_prefix(name, "CAP_") || !name[4])
		return -1;
	for (const char *p = name + 4; *p; p++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return -1;
	cap_value_t v;
	if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return -1;
	return (int)v;
}

void jl_cap_to_name(int cap, char *out, size_t n)
{
	char *s = cap_to_name((cap_value_t)cap);
	if (!s) {
		snprintf(out, n, "%d", cap);
		return;
	}
	snprintf(out, n, "%s", s);
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	cap_free(s);
}

/* libcap found the kernel's last capability at start-up (the highest
 * PR_CAPBSET_READ accepts, a few prctls in its constructor): no file to
 * read, in the init least of all, where /proc is the container's by the
 * time the bounding set is dropped and a read was a page of heap more. */
int jl_cap_last_cap(void)
{
	cap_value_t bits = cap_max_bits();
	return bits >= 1 && bits <= 64 ? (int)bits - 1 : CAP_LAST_CAP;
}

int jl_caps_drop_bounding(const struct spec_capabilities *caps, struct jl_err **err)
{
	if (!caps->set)
		return 0;
	int last = jl_cap_last_cap();
	for (int c = 0; c <= last; c++) {
		if (caps->mask[SPEC_CAP_BOUNDING] & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
			char name[32];
			jl_cap_to_name(c, name, sizeof(name));
			return jl_err_sys(err, "drop %s from the bounding set", name);
		}
	}
	return 0;
}

static int set_flag(cap_t c, cap_flag_t flag, uint64_t mask, int last)
{
	for (int i = 0; i <= last; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		cap_value_t v = i;
		if (cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
			return -errno;
	}
	return 0;
}

static int raise_ambient(uint64_t mask, int last, struct jl_err **err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return jl_err_sys(err, "clear the ambient capability set");
	for (int i = 0; i <= last; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0) {
			/* The kernel needs it in permitted and inheritable; runc's
			 * default config asks for ambient caps it leaves out of
			 * inheritable, and runc skips them: so do we, audibly. */
			char name[32];
			jl_cap_to_name(i, name, sizeof(name));
			jl_debug("ambient capability %s not raised: %s", name, strerror(errno));
		}
	}
	return 0;
}

int jl_caps_apply(const struct spec_capabilities *caps, struct jl_err **err)
{
	if (!caps->set)
		return 0;
	int last = jl_cap_last_cap();
	uint64_t known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	for (int s = 0; s < SPEC_CAP__COUNT; s++)
		if (caps->mask[s] & ~known)
			jl_debug("capabilities above %d are unknown to this kernel; ignored", last);
	cap_t c = cap_init();
	if (!c)
		return jl_err_sys(err, "cap_init");
	int r = set_flag(c, CAP_EFFECTIVE, caps->mask[SPEC_CAP_EFFECTIVE], last);
	if (r == 0)
		r = set_flag(c, CAP_PERMITTED, caps->mask[SPEC_CAP_PERMITTED], last);
	if (r == 0)
		r = set_flag(c, CAP_INHERITABLE, caps->mask[SPEC_CAP_INHERITABLE], last);
	if (r < 0) {
		cap_free(c);
		return jl_err_set(err, -r, "build the capability sets");
	}
	if (cap_set_proc(c) < 0) {
		r = jl_err_sys(err, "set capabilities (effective must be a subset of permitted)");
		cap_free(c);
		return r;
	}
	cap_free(c);
	return raise_ambient(caps->mask[SPEC_CAP_AMBIENT], last, err);
}

int jl_cap_max_known(void)
{
	return CAP_LAST_CAP;
}
