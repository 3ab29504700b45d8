/* linux.resources -> systemd unit properties (see systemd.h), and the
 * systemd form of linux.cgroupsPath.  No D-Bus here: the list is built
 * first, so a value systemd cannot take fails before any unit exists. */
#include "cgroups/systemd.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/cgroup.h"
#include "cgroups/resources_internal.h"
#include "runtime/util.h"

#define USEC_PER_SEC 1000000ULL
/* systemd keeps a CPU quota in 10 ms steps per second (its CPUQuota= is a
 * percentage): ask for the next step up so that a child cgroup can still
 * hold the exact cpu.max jaula writes afterwards. */
#define QUOTA_STEP 10000ULL
/* Bitmask properties are sized by the highest CPU or node named. */
#define MAX_CPUSET_INDEX 65535

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

bool cg_sd_is_scope(const char *leaf)
{
	return leaf && ends_with(leaf, ".scope");
}

int cg_sd_parse_path(const char *p, char **slice_out, char **leaf_out, struct jl_err **err)
{
	const char *c1 = strchr(p, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':'))
		return jl_err_set(err, 0,
				  "linux.cgroupsPath: \"%s\": expected \"slice:prefix:name\" "
				  "with --systemd-cgroup",
				  p);
	const char *name = c2 + 1;
	char *slice = c1 == p ? xstrdup("system.slice") : strndup(p, (size_t)(c1 - p));
	if (!ends_with(slice, ".slice") || strlen(slice) <= 6 || strchr(slice, '/') || !*name ||
	    strchr(name, '/')) {
		int r = jl_err_set(err, 0, "linux.cgroupsPath: \"%s\": invalid slice or name", p);
		free(slice);
		return r;
	}
	size_t np = (size_t)(c2 - c1 - 1);
	bool unit = ends_with(name, ".scope") || ends_with(name, ".slice");
	*leaf_out = xasprintf("%.*s%s%s%s", (int)np, c1 + 1, np ? "-" : "", name,
			      unit ? "" : ".scope");
	*slice_out = slice;
	return 0;
}

char *cg_sd_slice_path(const char *slice)
{
	struct jl_buf b = {0};
	jl_buf_puts(&b, "");
	if (!strcmp(slice, "-.slice"))
		return jl_buf_steal(&b);
	size_t n = strlen(slice) - strlen(".slice");
	for (size_t i = 0; i < n; i++)
		if (slice[i] == '-')
			jl_buf_printf(&b, "/%.*s.slice", (int)i, slice);
	jl_buf_printf(&b, "/%s", slice);
	return jl_buf_steal(&b);
}

const char *cg_sd_slice_parent(const char *slice, char *buf, size_t n)
{
	const char *dash = strrchr(slice, '-');
	if (!strcmp(slice, "-.slice") || !dash || dash == slice)
		return NULL;
	snprintf(buf, n, "%.*s.slice", (int)(dash - slice), slice);
	return buf;
}

/* --- the list --------------------------------------------------------------- */

static struct cg_sd_prop *add(struct cg_sd_props *p, const char *name, enum cg_sd_type t)
{
	/* A later value for the same property (a unified key) replaces it. */
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name)) {
			free(p->v[i].bytes);
			free(p->v[i].devs);
			free(p->v[i].owned);
			p->v[i] = (struct cg_sd_prop){.name = name, .type = t};
			return &p->v[i];
		}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n] = (struct cg_sd_prop){.name = name, .type = t};
	return &p->v[p->n++];
}

static void add_u64(struct cg_sd_props *p, const char *name, uint64_t v)
{
	add(p, name, CG_SD_U64)->u = v;
}

static void add_bool(struct cg_sd_props *p, const char *name, bool v)
{
	add(p, name, CG_SD_BOOL)->u = v;
}

static void add_str(struct cg_sd_props *p, const char *name, const char *s)
{
	add(p, name, CG_SD_STR)->s = s;
}

const struct cg_sd_prop *cg_sd_props_find(const struct cg_sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

void cg_sd_props_copy(struct cg_sd_props *p, const struct cg_sd_prop *from)
{
	struct cg_sd_prop *q = add(p, from->name, from->type);
	*q = *from;
	if (from->owned)
		q->s = q->owned = xstrdup(from->owned);
	if (from->bytes)
		q->bytes = memcpy(xmalloc(from->n), from->bytes, from->n);
	if (from->devs)
		q->devs = memcpy(xcalloc(from->n, sizeof(*q->devs)), from->devs,
				 from->n * sizeof(*q->devs));
}

void cg_sd_props_free(struct cg_sd_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].bytes);
		free(p->v[i].devs);
		free(p->v[i].owned);
	}
	free(p->v);
	*p = (struct cg_sd_props){0};
}

/* -1 (the spec's "unlimited") is systemd's infinity. */
static uint64_t limit(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* --- resources ---------------------------------------------------------------- */

static int memory_props(struct cg_sd_props *p, const struct cg_memory *m, struct jl_err **err)
{
	/* 0 means "not set", as cg_apply_resources and runc read it. */
	if (m->has_limit && m->limit != 0)
		add_u64(p, "MemoryMax", limit(m->limit));
	if (m->has_reservation && m->reservation != 0)
		add_u64(p, "MemoryLow", limit(m->reservation));
	/* A swap total alone (an update) is measured against the live
	 * memory.max when the file is written: no property for it then. */
	if (!m->has_swap || !m->has_limit)
		return 0;
	int64_t swap;
	int r = cg_swap_to_v2(m->swap, m->limit, &swap, err);
	if (r == 0)
		add_u64(p, "MemorySwapMax", limit(swap));
	return r < 0 ? r : 0;
}

static void cpu_props(struct cg_sd_props *p, const struct cg_cpu *c)
{
	if (c->has_shares && c->shares)
		add_u64(p, "CPUWeight", cg_cpu_shares_to_weight(c->shares));
	uint64_t period = c->has_period && c->period ? c->period : 100000;
	if (c->has_period && c->period)
		add_u64(p, "CPUQuotaPeriodUSec", period);
	if (!c->has_quota || c->quota == 0)
		return;
	uint64_t per_sec = UINT64_MAX;
	if (c->quota > 0) {
		per_sec = (uint64_t)c->quota * USEC_PER_SEC / period;
		per_sec = (per_sec + QUOTA_STEP - 1) / QUOTA_STEP * QUOTA_STEP;
	}
	add_u64(p, "CPUQuotaPerSecUSec", per_sec);
}

static int cpuset_index(const char **s, unsigned long *out)
{
	if (!isdigit((unsigned char)**s))
		return -1;
	char *end;
	errno = 0;
	*out = strtoul(*s, &end, 10);
	if (errno || *out > MAX_CPUSET_INDEX)
		return -1;
	*s = end;
	return 0;
}

/* "0-3,8" -> a little-endian bitmask, as systemd's AllowedCPUs takes it. */
static int cpuset_mask(const char *list, uint8_t **bytes, size_t *n)
{
	uint8_t *m = NULL;
	size_t len = 0;
	const char *s = list;
	while (*s) {
		unsigned long a, b;
		while (*s == ' ')
			s++;
		if (cpuset_index(&s, &a) < 0)
			goto bad;
		b = a;
		if (*s == '-' && (s++, cpuset_index(&s, &b) < 0 || b < a))
			goto bad;
		while (*s == ' ')
			s++;
		if (*s && *s++ != ',')
			goto bad;
		if (b / 8 + 1 > len) {
			m = xrealloc(m, b / 8 + 1);
			memset(m + len, 0, b / 8 + 1 - len);
			len = b / 8 + 1;
		}
		for (unsigned long i = a; i <= b; i++)
			m[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	*bytes = m;
	*n = len;
	return 0;
bad:
	free(m);
	return -1;
}

static int cpuset_props(struct cg_sd_props *p, const struct cg_cpu *c, struct jl_err **err)
{
	const char *lists[2] = {c->cpus, c->mems};
	static const char *const props[2] = {"AllowedCPUs", "AllowedMemoryNodes"};
	static const char *const fields[2] = {"cpus", "mems"};
	for (int i = 0; i < 2; i++) {
		if (!lists[i] || !*lists[i])
			continue;
		uint8_t *bytes;
		size_t n;
		if (cpuset_mask(lists[i], &bytes, &n) < 0)
			return jl_err_set(err, 0, "linux.resources.cpu.%s: \"%s\": expected a list "
						  "like \"0-3,8\"",
					  fields[i], lists[i]);
		struct cg_sd_prop *q = add(p, props[i], CG_SD_BYTES);
		q->bytes = bytes;
		q->n = n;
	}
	return 0;
}

static struct cg_sd_prop *add_devs(struct cg_sd_props *p, const char *name, size_t n)
{
	struct cg_sd_prop *q = add(p, name, CG_SD_DEVS);
	q->devs = xcalloc(n ? n : 1, sizeof(*q->devs));
	q->n = n;
	return q;
}

static void dev_path(struct cg_sd_dev *d, int64_t major, int64_t minor, uint64_t v)
{
	snprintf(d->path, sizeof(d->path), "/dev/block/%" PRId64 ":%" PRId64, major, minor);
	d->value = v;
}

static void blkio_props(struct cg_sd_props *p, const struct cg_blkio *b)
{
	static const char *const throttle[CG_THROTTLE__COUNT] = {
		"IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax"};
	if (b->has_weight && b->weight)
		add_u64(p, "IOWeight", cg_blkio_weight_to_io_weight(b->weight));
	size_t nw = 0;
	for (size_t i = 0; i < b->n_weight_devices; i++)
		nw += b->weight_devices[i].has_weight;
	if (nw) {
		struct cg_sd_prop *q = add_devs(p, "IODeviceWeight", nw);
		size_t j = 0;
		for (size_t i = 0; i < b->n_weight_devices; i++) {
			const struct cg_weight_device *d = &b->weight_devices[i];
			if (d->has_weight)
				dev_path(&q->devs[j++], d->major, d->minor,
					 cg_blkio_weight_to_io_weight(d->weight));
		}
	}
	for (int k = 0; k < CG_THROTTLE__COUNT; k++) {
		if (!b->n_throttle[k])
			continue;
		struct cg_sd_prop *q = add_devs(p, throttle[k], b->n_throttle[k]);
		for (size_t i = 0; i < b->n_throttle[k]; i++) {
			const struct cg_throttle_device *d = &b->throttle[k][i];
			dev_path(&q->devs[i], d->major, d->minor, d->rate ? d->rate : UINT64_MAX);
		}
	}
}

/* The unified keys systemd has a property for; any other key is only
 * written to its file. */
static void unified_props(struct cg_sd_props *p, const struct cg_resources *res)
{
	static const char *const map[][2] = {
		{"memory.high", "MemoryHigh"},	     {"memory.low", "MemoryLow"},
		{"memory.min", "MemoryMin"},	     {"memory.max", "MemoryMax"},
		{"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"},
		{"cpu.weight", "CPUWeight"},
	};
	for (size_t i = 0; i < res->n_unified; i++)
		for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			if (strcmp(res->unified[i].key, map[k][0]))
				continue;
			const char *v = res->unified[i].value;
			char *end;
			errno = 0;
			uint64_t n = strtoull(v, &end, 10);
			if (!strcmp(v, "max"))
				add_u64(p, map[k][1], UINT64_MAX);
			else if (isdigit((unsigned char)*v) && !*end && !errno)
				add_u64(p, map[k][1], n);
		}
}

int cg_sd_props_resources(struct cg_sd_props *p, const struct cg_resources *res,
			  struct jl_err **err)
{
	if (!res)
		return 0;
	int r = res->has_memory ? memory_props(p, &res->memory, err) : 0;
	if (r < 0)
		return r;
	if (res->has_pids_limit)
		add_u64(p, "TasksMax", res->pids_limit > 0 ? (uint64_t)res->pids_limit : UINT64_MAX);
	if (res->has_cpu) {
		cpu_props(p, &res->cpu);
		r = cpuset_props(p, &res->cpu, err);
		if (r < 0)
			return r;
	}
	if (res->has_blkio)
		blkio_props(p, &res->blkio);
	unified_props(p, res);
	return 0;
}

/* --- org.systemd.property.* ------------------------------------------------ */

static int parse_int(const char *s, bool is_signed, int64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	if (is_signed) {
		long long v = strtoll(s, &end, 10);
		if (errno || end == s || *end || v < lo || (v > 0 && (uint64_t)v > hi))
			return -1;
		*out = (uint64_t)v;
	} else {
		if (!isdigit((unsigned char)*s))
			return -1;
		unsigned long long v = strtoull(s, &end, 10);
		if (errno || *end || v > hi)
			return -1;
		*out = v;
	}
	return 0;
}

static int annotation_value(struct cg_sd_prop *q, const char *v)
{
	static const struct {
		const char *word;
		enum cg_sd_type type;
		bool is_signed;
		int64_t lo;
		uint64_t hi;
	} ints[] = {
		{"uint64 ", CG_SD_U64, false, 0, UINT64_MAX},
		{"uint32 ", CG_SD_U32, false, 0, UINT32_MAX},
		{"int64 ", CG_SD_I64, true, INT64_MIN, INT64_MAX},
		{"int32 ", CG_SD_I32, true, INT32_MIN, INT32_MAX},
		{"", CG_SD_I32, true, INT32_MIN, INT32_MAX}, /* GVariant's default */
	};
	size_t n = strlen(v);
	if (!strcmp(v, "true") || !strcmp(v, "false")) {
		q->type = CG_SD_BOOL;
		q->u = v[0] == 't';
		return 0;
	}
	if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) {
		q->type = CG_SD_STR;
		q->s = q->owned = strndup(v + 1, n - 2);
		return 0;
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strncmp(v, ints[i].word, strlen(ints[i].word))) {
			q->type = ints[i].type;
			return parse_int(v + strlen(ints[i].word), ints[i].is_signed, ints[i].lo,
					 ints[i].hi, &q->u);
		}
	return -1;
}

int cg_sd_props_annotation(struct cg_sd_props *p, const char *key, const char *value,
			   struct jl_err **err)
{
	static const char *const reserved[] = {"PIDs", "Slice", "Delegate"};
	const char *name = key + strlen(CG_SD_ANNOTATION_PREFIX);
	bool ok = isupper((unsigned char)*name);
	for (const char *c = name; ok && *c; c++)
		ok = isalnum((unsigned char)*c);
	for (size_t i = 0; ok && i < sizeof(reserved) / sizeof(reserved[0]); i++)
		ok = strcmp(name, reserved[i]) != 0;
	if (!ok)
		return jl_err_set(err, 0, "annotations[\"%s\"]: not a unit property jaula may set",
				  key);
	struct cg_sd_prop tmp = {.name = name};
	if (annotation_value(&tmp, value) < 0) {
		free(tmp.owned);
		return jl_err_set(err, 0,
				  "annotations[\"%s\"]: \"%s\": expected \"uint64 N\", \"int32 N\", "
				  "a number, true, false or a quoted string",
				  key, value);
	}
	struct cg_sd_prop *q = add(p, name, tmp.type);
	*q = tmp;
	return 0;
}

void cg_sd_props_scope(struct cg_sd_props *p, const char *description, const char *slice,
		       pid_t pid)
{
	add_str(p, "Description", description);
	add_str(p, "Slice", slice);
	add_bool(p, "Delegate", true);
	add(p, "PIDs", CG_SD_PIDS)->u = (uint64_t)pid;
	add_bool(p, "MemoryAccounting", true);
	add_bool(p, "CPUAccounting", true);
	add_bool(p, "IOAccounting", true);
	add_bool(p, "TasksAccounting", true);
	add_bool(p, "DefaultDependencies", false);
	add_str(p, "CollectMode", "inactive-or-failed");
}
