/* Reading a cgroup's counters for `jaula events --stats` and OOM detection.
 *
 * Every file is optional: which ones exist depends on the controllers
 * enabled for the cgroup and on the kernel (memory.peak is 5.19+, an
 * unconfigured swap has no memory.swap.*), and a missing one only leaves its
 * has_ flag false.  A file that exists but does not parse is an error naming
 * it: that is a kernel format we do not understand, not an absent feature. */
#include "cgroups/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/util.h"

/* io.stat grows with the number of block devices; 1 MiB is thousands. */
#define MAX_STAT_FILE (1u << 20)

/* --- reading -------------------------------------------------------------- */

/* The whole file into *out.  1 when it does not exist, 0 when read. */
static int read_opt(const struct cg_handle *h, const char *name, char **out,
		    struct jl_err **err)
{
	cleanup_close int fd = openat(h->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return jl_err_sys(err, "cgroup %s: open %s", h->path, name);
	}
	struct jl_buf b = {0};
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)(n > 0 ? n : 0) > MAX_STAT_FILE) {
			int r = n < 0 ? jl_err_sys(err, "cgroup %s: read %s", h->path, name)
				      : jl_err_set(err, EFBIG, "cgroup %s: read %s", h->path, name);
			jl_buf_free(&b);
			return r;
		}
		if (n == 0)
			break;
		jl_buf_add(&b, chunk, (size_t)n);
	}
	*out = jl_buf_steal(&b);
	return 0;
}

static int parse_error(const struct cg_handle *h, const char *name, const char *what,
		       struct jl_err **err)
{
	return jl_err_set(err, 0, "cgroup %s: %s: cannot parse \"%.40s\"", h->path, name, what);
}

/* A file holding one number, or "max" (CG_UNLIMITED). */
static int read_value(const struct cg_handle *h, const char *name, bool *has, uint64_t *out,
		      struct jl_err **err)
{
	char *text = NULL;
	int r = read_opt(h, name, &text, err);
	if (r != 0)
		return r < 0 ? r : 0;
	text[strcspn(text, "\n")] = '\0';
	if (!strcmp(text, "max"))
		*out = CG_UNLIMITED;
	else if (jl_parse_u64(text, 10, out) < 0)
		r = parse_error(h, name, text, err);
	free(text);
	if (r == 0)
		*has = true;
	return r;
}

/* --- flat keyed files ("key value" lines) --------------------------------- */

struct key_field {
	const char *key;
	size_t offset;
};

#define KEY(type, f) {#f, offsetof(type, f)}

static const struct key_field memory_stat_keys[] = {
	KEY(struct cg_memory_stat, anon),
	KEY(struct cg_memory_stat, file),
	KEY(struct cg_memory_stat, kernel),
	KEY(struct cg_memory_stat, kernel_stack),
	KEY(struct cg_memory_stat, pagetables),
	KEY(struct cg_memory_stat, sock),
	KEY(struct cg_memory_stat, shmem),
	KEY(struct cg_memory_stat, file_mapped),
	KEY(struct cg_memory_stat, file_dirty),
	KEY(struct cg_memory_stat, file_writeback),
	KEY(struct cg_memory_stat, anon_thp),
	KEY(struct cg_memory_stat, inactive_anon),
	KEY(struct cg_memory_stat, active_anon),
	KEY(struct cg_memory_stat, inactive_file),
	KEY(struct cg_memory_stat, active_file),
	KEY(struct cg_memory_stat, unevictable),
	KEY(struct cg_memory_stat, slab),
	KEY(struct cg_memory_stat, slab_reclaimable),
	KEY(struct cg_memory_stat, slab_unreclaimable),
	KEY(struct cg_memory_stat, pgfault),
	KEY(struct cg_memory_stat, pgmajfault),
};

static const struct key_field memory_events_keys[] = {
	KEY(struct cg_memory_events, low),      KEY(struct cg_memory_events, high),
	KEY(struct cg_memory_events, max),      KEY(struct cg_memory_events, oom),
	KEY(struct cg_memory_events, oom_kill),
};

static const struct key_field cpu_stat_keys[] = {
	KEY(struct cg_cpu_stat, usage_usec),   KEY(struct cg_cpu_stat, user_usec),
	KEY(struct cg_cpu_stat, system_usec),  KEY(struct cg_cpu_stat, nr_periods),
	KEY(struct cg_cpu_stat, nr_throttled), KEY(struct cg_cpu_stat, throttled_usec),
};

static const struct key_field *find_key(const struct key_field *keys, size_t n,
					const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

/* Keys we do not know are skipped: every kernel release adds some. */
static int parse_keyed(const struct cg_handle *h, const char *name, char *text,
		       const struct key_field *keys, size_t n, void *out, struct jl_err **err)
{
	for (char *save, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			return parse_error(h, name, line, err);
		*sp = '\0';
		const struct key_field *k = find_key(keys, n, line);
		if (k && jl_parse_u64(sp + 1, 10, (uint64_t *)((char *)out + k->offset)) < 0)
			return parse_error(h, name, sp + 1, err);
	}
	return 0;
}

static int read_keyed(const struct cg_handle *h, const char *name, const struct key_field *keys,
		      size_t n, bool *has, void *out, struct jl_err **err)
{
	char *text = NULL;
	int r = read_opt(h, name, &text, err);
	if (r != 0)
		return r < 0 ? r : 0;
	r = parse_keyed(h, name, text, keys, n, out, err);
	free(text);
	if (r == 0)
		*has = true;
	return r;
}

/* --- io.stat -------------------------------------------------------------- */

/* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" */
static int parse_io_line(char *line, struct cg_io_stat *s)
{
	char *save, *dev = strtok_r(line, " ", &save);
	if (!dev || sscanf(dev, "%" SCNu32 ":%" SCNu32, &s->major, &s->minor) != 2)
		return -EINVAL;
	for (char *kv; (kv = strtok_r(NULL, " ", &save));) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		uint64_t *field = !strcmp(kv, "rbytes")	  ? &s->rbytes
				  : !strcmp(kv, "wbytes") ? &s->wbytes
				  : !strcmp(kv, "rios")	  ? &s->rios
				  : !strcmp(kv, "wios")	  ? &s->wios
							  : NULL;
		if (field && jl_parse_u64(eq + 1, 10, field) < 0)
			return -EINVAL;
	}
	return 0;
}

static int read_io_stat(const struct cg_handle *h, struct cg_stats *st, struct jl_err **err)
{
	char *text = NULL;
	int r = read_opt(h, "io.stat", &text, err);
	if (r != 0)
		return r < 0 ? r : 0;
	size_t cap = 0;
	for (char *save, *line = strtok_r(text, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		if (st->n_io == cap)
			st->io = xrealloc(st->io, (cap = cap ? cap * 2 : 4) * sizeof(*st->io));
		struct cg_io_stat *s = &st->io[st->n_io];
		memset(s, 0, sizeof(*s));
		if (parse_io_line(line, s) < 0)
			r = parse_error(h, "io.stat", line, err);
		else
			st->n_io++;
	}
	free(text);
	if (r == 0)
		st->has_io_stat = true;
	return r;
}

/* --- hugetlb -------------------------------------------------------------- */

/* "hugetlb.2MB.current" -> "2MB"; NULL for others, "2MB.rsvd" included. */
static bool hugetlb_size(const char *name, char *out, size_t n)
{
	if (!jl_str_has_prefix(name, "hugetlb."))
		return false;
	const char *size = name + strlen("hugetlb.");
	const char *dot = strchr(size, '.');
	if (!dot || dot == size || strcmp(dot, ".current") || (size_t)(dot - size) >= n)
		return false;
	snprintf(out, n, "%.*s", (int)(dot - size), size);
	return true;
}

static int read_hugetlb_one(const struct cg_handle *h, struct cg_hugetlb_stat *s,
			    struct jl_err **err)
{
	char name[64];
	bool has = false;
	snprintf(name, sizeof(name), "hugetlb.%s.current", s->page_size);
	int r = read_value(h, name, &has, &s->current, err);
	if (r < 0)
		return r;
	/* hugetlb.<size>.events "max": allocations refused by the limit,
	 * runc's "failcnt". */
	static const struct key_field keys[] = {{"max", offsetof(struct cg_hugetlb_stat, failcnt)}};
	snprintf(name, sizeof(name), "hugetlb.%s.events", s->page_size);
	return read_keyed(h, name, keys, 1, &s->has_failcnt, s, err);
}

/* The page sizes come from the cgroup's own file names: no dependency on
 * /sys/kernel/mm/hugepages being visible. */
static int read_hugetlb(const struct cg_handle *h, struct cg_stats *st, struct jl_err **err)
{
	/* A fresh open file description, not a dup: readdir moves the offset,
	 * which a dup would share with h->fd. */
	int dfd = openat(h->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return jl_err_sys(err, "cgroup %s: list files", h->path);
	}
	cleanup_dir DIR *dir = d;
	size_t cap = 0;
	for (struct dirent *de; (de = readdir(dir));) {
		char size[16];
		if (!hugetlb_size(de->d_name, size, sizeof(size)))
			continue;
		if (st->n_hugetlb == cap)
			st->hugetlb = xrealloc(st->hugetlb,
					       (cap = cap ? cap * 2 : 2) * sizeof(*st->hugetlb));
		struct cg_hugetlb_stat *s = &st->hugetlb[st->n_hugetlb++];
		memset(s, 0, sizeof(*s));
		snprintf(s->page_size, sizeof(s->page_size), "%s", size);
		int r = read_hugetlb_one(h, s, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- entry points --------------------------------------------------------- */

static int read_memory(const struct cg_handle *h, struct cg_stats *st, struct jl_err **err)
{
	int r = read_value(h, "memory.current", &st->has_memory_current, &st->memory_current, err);
	if (r == 0)
		r = read_value(h, "memory.peak", &st->has_memory_peak, &st->memory_peak, err);
	if (r == 0)
		r = read_value(h, "memory.max", &st->has_memory_max, &st->memory_max, err);
	if (r == 0)
		r = read_value(h, "memory.swap.current", &st->has_swap_current,
			       &st->swap_current, err);
	if (r == 0)
		r = read_value(h, "memory.swap.max", &st->has_swap_max, &st->swap_max, err);
	if (r == 0)
		r = read_keyed(h, "memory.stat", memory_stat_keys, ARRAY_SIZE(memory_stat_keys),
			       &st->has_memory_stat, &st->memory, err);
	if (r == 0)
		r = read_keyed(h, "memory.events", memory_events_keys,
			       ARRAY_SIZE(memory_events_keys), &st->has_memory_events,
			       &st->memory_events, err);
	return r;
}

int cg_read_stats(const struct cg_handle *h, struct cg_stats *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	int r = read_memory(h, out, err);
	if (r == 0)
		r = read_keyed(h, "cpu.stat", cpu_stat_keys, ARRAY_SIZE(cpu_stat_keys),
			       &out->has_cpu_stat, &out->cpu, err);
	if (r == 0)
		r = read_value(h, "pids.current", &out->has_pids_current, &out->pids_current, err);
	if (r == 0)
		r = read_value(h, "pids.max", &out->has_pids_max, &out->pids_max, err);
	if (r == 0)
		r = read_io_stat(h, out, err);
	if (r == 0)
		r = read_hugetlb(h, out, err);
	if (r < 0)
		cg_stats_free(out);
	return r;
}

void cg_stats_free(struct cg_stats *s)
{
	free(s->io);
	free(s->hugetlb);
	s->io = NULL;
	s->hugetlb = NULL;
	s->n_io = s->n_hugetlb = 0;
}

int64_t cg_read_oom_kills(const struct cg_handle *h)
{
	struct cg_memory_events ev = {0};
	bool has = false;
	struct jl_err *e = NULL;
	int r = read_keyed(h, "memory.events", memory_events_keys,
			   ARRAY_SIZE(memory_events_keys), &has, &ev, &e);
	jl_err_free(&e);
	if (r < 0)
		return r;
	if (!has)
		return -ENOENT;
	return (int64_t)ev.oom_kill;
}
