/* events: runc's event stream, one JSON object per line:
 *   {"type":"stats","id":ID,"data":{cpu, memory, pids, blkio, hugetlb}}
 *   {"type":"oom","id":ID}
 * Field names and units (nanoseconds of CPU, bytes) follow runc's
 * libcontainer types so containerd's and podman's decoders read them. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/container.h"
#include "runtime/json.h"
#include "runtime/state.h"
#include "runtime/util.h"

static void kv_nonzero(struct jl_json_writer *w, const char *k, uint64_t v)
{
	if (v) /* Go's omitempty */
		jl_jw_kv_uint(w, k, v);
}

static uint64_t limit_value(uint64_t v)
{
	return v == CG_UNLIMITED ? UINT64_MAX : v;
}

static void write_cpu(struct jl_json_writer *w, const struct cg_stats *s)
{
	jl_jw_key(w, "cpu");
	jl_jw_begin_object(w);
	jl_jw_key(w, "usage");
	jl_jw_begin_object(w);
	kv_nonzero(w, "total", s->cpu.usage_usec * 1000);
	jl_jw_kv_uint(w, "kernel", s->cpu.system_usec * 1000);
	jl_jw_kv_uint(w, "user", s->cpu.user_usec * 1000);
	jl_jw_end_object(w);
	jl_jw_key(w, "throttling");
	jl_jw_begin_object(w);
	kv_nonzero(w, "periods", s->cpu.nr_periods);
	kv_nonzero(w, "throttledPeriods", s->cpu.nr_throttled);
	kv_nonzero(w, "throttledTime", s->cpu.throttled_usec * 1000);
	jl_jw_end_object(w);
	jl_jw_end_object(w);
}

static void write_memory(struct jl_json_writer *w, const struct cg_stats *s)
{
	jl_jw_key(w, "memory");
	jl_jw_begin_object(w);
	kv_nonzero(w, "cache", s->memory.file);
	jl_jw_key(w, "usage");
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "limit", limit_value(s->memory_max));
	kv_nonzero(w, "usage", s->memory_current);
	kv_nonzero(w, "max", s->memory_peak);
	jl_jw_kv_uint(w, "failcnt", s->memory_events.max);
	jl_jw_end_object(w);
	jl_jw_key(w, "swap");
	jl_jw_begin_object(w);
	jl_jw_kv_uint(w, "limit", limit_value(s->swap_max));
	kv_nonzero(w, "usage", s->swap_current);
	jl_jw_kv_uint(w, "failcnt", 0);
	jl_jw_end_object(w);
	jl_jw_key(w, "raw");
	jl_jw_begin_object(w);
	const struct cg_memory_stat *m = &s->memory;
	const struct {
		const char *k;
		uint64_t v;
	} raw[] = {{"anon", m->anon},	      {"file", m->file},	 {"kernel_stack", m->kernel_stack},
		   {"sock", m->sock},	      {"shmem", m->shmem},	 {"file_mapped", m->file_mapped},
		   {"file_dirty", m->file_dirty}, {"pgfault", m->pgfault}, {"pgmajfault", m->pgmajfault},
		   {"oom", s->memory_events.oom}, {"oom_kill", s->memory_events.oom_kill}};
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		jl_jw_kv_uint(w, raw[i].k, raw[i].v);
	jl_jw_end_object(w);
	jl_jw_end_object(w);
}

static void write_blkio_list(struct jl_json_writer *w, const char *key, const struct cg_stats *s,
			     bool bytes)
{
	jl_jw_key(w, key);
	jl_jw_begin_array(w);
	for (size_t i = 0; i < s->n_io; i++) {
		const struct cg_io_stat *io = &s->io[i];
		for (int op = 0; op < 2; op++) {
			jl_jw_begin_object(w);
			jl_jw_kv_uint(w, "major", io->major);
			jl_jw_kv_uint(w, "minor", io->minor);
			jl_jw_kv_str(w, "op", op ? "Write" : "Read");
			jl_jw_kv_uint(w, "value", bytes ? (op ? io->wbytes : io->rbytes)
							: (op ? io->wios : io->rios));
			jl_jw_end_object(w);
		}
	}
	jl_jw_end_array(w);
}

static void write_stats_data(struct jl_json_writer *w, const struct cg_stats *s)
{
	jl_jw_begin_object(w);
	write_cpu(w, s);
	write_memory(w, s);
	jl_jw_key(w, "pids");
	jl_jw_begin_object(w);
	kv_nonzero(w, "current", s->pids_current);
	if (s->has_pids_max && s->pids_max != CG_UNLIMITED)
		jl_jw_kv_uint(w, "limit", s->pids_max);
	jl_jw_end_object(w);
	jl_jw_key(w, "blkio");
	jl_jw_begin_object(w);
	write_blkio_list(w, "ioServiceBytesRecursive", s, true);
	write_blkio_list(w, "ioServicedRecursive", s, false);
	jl_jw_end_object(w);
	jl_jw_key(w, "hugetlb");
	jl_jw_begin_object(w);
	for (size_t i = 0; i < s->n_hugetlb; i++) {
		jl_jw_key(w, s->hugetlb[i].page_size);
		jl_jw_begin_object(w);
		kv_nonzero(w, "usage", s->hugetlb[i].current);
		jl_jw_kv_uint(w, "failcnt", s->hugetlb[i].failcnt);
		jl_jw_end_object(w);
	}
	jl_jw_end_object(w);
	jl_jw_end_object(w);
}

static void emit(const char *type, const char *id, const struct cg_stats *s)
{
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "type", type);
	jl_jw_kv_str(&w, "id", id);
	if (s) {
		jl_jw_key(&w, "data");
		write_stats_data(&w, s);
	}
	jl_jw_end_object(&w);
	jl_buf_puts(&b, "\n");
	/* One write per event: a reader on a pipe sees whole lines. */
	jl_write_all(1, b.data, b.len);
	jl_buf_free(&b);
}

static int emit_stats(const struct cg_handle *h, const char *id, struct jl_err **err)
{
	struct cg_stats s = {0};
	int r = cg_read_stats(h, &s, err);
	if (r == 0)
		emit("stats", id, &s);
	cg_stats_free(&s);
	return r;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Stats every interval and an "oom" event whenever memory.events' oom_kill
 * grows (the kernel flags the file with POLLPRI on change), until the
 * container's init exits. */
static int stream(const struct cg_handle *h, const struct jl_state *st, int interval_ms,
		  struct jl_err **err)
{
	cleanup_close int pidfd = jl_state_open_pidfd(st);
	cleanup_close int events = openat(h->fd, "memory.events", O_RDONLY | O_CLOEXEC);
	int64_t ooms = cg_read_oom_kills(h);
	long next = now_ms();
	for (;;) {
		if (now_ms() >= next) {
			int r = emit_stats(h, st->id, err);
			if (r < 0)
				return r;
			next = now_ms() + interval_ms;
		}
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = events, .events = POLLPRI}};
		long left = next - now_ms();
		int n = poll(p, 2, left > 0 ? (int)left : 0);
		if (n < 0 && errno != EINTR)
			return jl_err_sys(err, "events: poll");
		int64_t now = cg_read_oom_kills(h);
		for (; ooms >= 0 && now > ooms; ooms++)
			emit("oom", st->id, NULL);
		if (pidfd < 0 || (p[0].revents & POLLIN))
			return 0;
	}
}

int jl_container_events(const struct jl_global *g, const char *id, bool stats_once,
			int interval_ms, struct jl_err **err)
{
	if (!jl_id_valid(id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", id);
	cleanup_close int dirfd = jl_state_dir_open(g->root, id, false, err);
	if (dirfd < 0)
		return dirfd;
	struct jl_state st;
	int r = jl_state_read(dirfd, id, &st, err);
	if (r < 0)
		return r;
	if (jl_state_status(dirfd, &st) == JL_STATUS_STOPPED)
		r = jl_err_code(err, ESRCH, "events: container \"%s\": container not running", id);
	else if (!st.cgroup_path)
		r = jl_err_code(err, EOPNOTSUPP, "events: container \"%s\" has no cgroup", id);
	struct cg_handle h = CG_HANDLE_INIT;
	if (r == 0) {
		struct cg_root root = {.mode = CG_MODE_UNIFIED};
		snprintf(root.mount, sizeof(root.mount), "%s", st.cgroup_mount);
		r = cg_open(&root, st.cgroup_path, &h, err);
	}
	if (r == 0)
		r = stats_once ? emit_stats(&h, id, err) : stream(&h, &st, interval_ms, err);
	cg_handle_close(&h);
	jl_state_free(&st);
	return r;
}
