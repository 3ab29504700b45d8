/* The systemd cgroup driver's D-Bus side (see systemd.h): start a
 * transient scope, change its properties, stop it.  The system bus first;
 * where there is none (early boot, a minimal host without dbus-daemon),
 * systemd's own socket /run/systemd/private, which only root may use.
 * Every call blocks with a timeout: the runtime has nothing else to do
 * while systemd works, and a wedged systemd must not hang create. */
#include "cgroups/systemd.h"

#include <dbus/dbus.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/util.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_PRIVATE "unix:path=/run/systemd/private"
#define SD_TIMEOUT_MS 30000
/* jaula's slice bookkeeping, shared by every jaula process of the host:
 * a lock, and a marker file per slice that systemd made for a scope of
 * jaula's (see cg_sd_stop). */
#define SD_DIR "/run/jaula-systemd"

struct sd_conn {
	DBusConnection *c;
	bool direct; /* /run/systemd/private: every signal reaches us, no match rule */
	char error_name[128]; /* the last call's D-Bus error name, "" when none */
};

static void sd_close(struct sd_conn *b)
{
	if (!b->c)
		return;
	dbus_connection_close(b->c);
	dbus_connection_unref(b->c);
	b->c = NULL;
}

static int sd_connect(struct sd_conn *b, struct jl_err **err)
{
	DBusError bus, direct;
	dbus_error_init(&bus);
	dbus_error_init(&direct);
	*b = (struct sd_conn){0};
	b->c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &bus);
	if (!b->c) {
		b->c = dbus_connection_open_private(SD_PRIVATE, &direct);
		b->direct = b->c != NULL;
	}
	int r = 0;
	if (!b->c)
		r = jl_err_set(err, 0,
			       "systemd cgroup driver: neither the system bus (%s) nor "
			       "/run/systemd/private (%s) answers; is systemd running?",
			       bus.message, direct.message);
	else
		/* A bus that goes away must fail our call, not exit jaula. */
		dbus_connection_set_exit_on_disconnect(b->c, FALSE);
	dbus_error_free(&bus);
	dbus_error_free(&direct);
	return r;
}

/* JobRemoved reaches a bus client only through a match rule. */
static int sd_watch_jobs(struct sd_conn *b, struct jl_err **err)
{
	if (b->direct)
		return 0;
	DBusError e;
	dbus_error_init(&e);
	dbus_bus_add_match(b->c,
			   "type='signal',sender='" SD_DEST "',path='" SD_PATH
			   "',interface='" SD_MANAGER "',member='JobRemoved'",
			   &e);
	int r = 0;
	if (dbus_error_is_set(&e))
		r = jl_err_set(err, 0, "systemd: watch for job results: %s", e.message);
	dbus_error_free(&e);
	return r;
}

static DBusMessage *sd_method(const char *member)
{
	DBusMessage *m = dbus_message_new_method_call(SD_DEST, SD_PATH, SD_MANAGER, member);
	if (!m)
		jl_die_oom();
	return m;
}

/* Send m (unref'ed here) and wait for the reply; on a D-Bus error its name
 * is kept in b->error_name for the caller to tell "no such unit" apart. */
static DBusMessage *sd_call(struct sd_conn *b, DBusMessage *m, const char *what,
			    struct jl_err **err)
{
	DBusError e;
	dbus_error_init(&e);
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(b->c, m, SD_TIMEOUT_MS, &e);
	dbus_message_unref(m);
	b->error_name[0] = '\0';
	if (!reply) {
		snprintf(b->error_name, sizeof(b->error_name), "%s", e.name ? e.name : "");
		jl_err_set(err, 0, "systemd: %s: %s", what, e.message ? e.message : "no reply");
	}
	dbus_error_free(&e);
	return reply;
}

/* --- properties on the wire (a(sv)) -------------------------------------------- */

static const char *const sd_sig[] = {
	[CG_SD_U64] = "t",  [CG_SD_BOOL] = "b",	   [CG_SD_STR] = "s",
	[CG_SD_BYTES] = "ay", [CG_SD_DEVS] = "a(st)", [CG_SD_PIDS] = "au",
	[CG_SD_I32] = "i",  [CG_SD_U32] = "u",	   [CG_SD_I64] = "x",
};

static bool put_devs(DBusMessageIter *var, const struct cg_sd_prop *p)
{
	DBusMessageIter arr, st;
	bool ok = dbus_message_iter_open_container(var, DBUS_TYPE_ARRAY, "(st)", &arr);
	for (size_t i = 0; ok && i < p->n; i++) {
		const char *path = p->devs[i].path;
		dbus_uint64_t v = p->devs[i].value;
		ok = dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) &&
		     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &path) &&
		     dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT64, &v) &&
		     dbus_message_iter_close_container(&arr, &st);
	}
	return ok && dbus_message_iter_close_container(var, &arr);
}

static bool put_value(DBusMessageIter *var, const struct cg_sd_prop *p)
{
	DBusMessageIter arr;
	dbus_uint64_t u = p->u;
	dbus_bool_t t = p->u != 0;
	dbus_uint32_t u32 = (dbus_uint32_t)p->u;
	dbus_int32_t i32 = (dbus_int32_t)(int64_t)p->u;
	dbus_int64_t i64 = (dbus_int64_t)p->u;
	switch (p->type) {
	case CG_SD_I32:
		return dbus_message_iter_append_basic(var, DBUS_TYPE_INT32, &i32);
	case CG_SD_U32:
		return dbus_message_iter_append_basic(var, DBUS_TYPE_UINT32, &u32);
	case CG_SD_I64:
		return dbus_message_iter_append_basic(var, DBUS_TYPE_INT64, &i64);
	case CG_SD_U64:
		return dbus_message_iter_append_basic(var, DBUS_TYPE_UINT64, &u);
	case CG_SD_BOOL:
		return dbus_message_iter_append_basic(var, DBUS_TYPE_BOOLEAN, &t);
	case CG_SD_STR:
		return dbus_message_iter_append_basic(var, DBUS_TYPE_STRING, &p->s);
	case CG_SD_BYTES:
		return dbus_message_iter_open_container(var, DBUS_TYPE_ARRAY, "y", &arr) &&
		       dbus_message_iter_append_fixed_array(&arr, DBUS_TYPE_BYTE, &p->bytes,
							    (int)p->n) &&
		       dbus_message_iter_close_container(var, &arr);
	case CG_SD_PIDS:
		return dbus_message_iter_open_container(var, DBUS_TYPE_ARRAY, "u", &arr) &&
		       dbus_message_iter_append_basic(&arr, DBUS_TYPE_UINT32, &u32) &&
		       dbus_message_iter_close_container(var, &arr);
	case CG_SD_DEVS:
		return put_devs(var, p);
	}
	return false;
}

static void put_props(DBusMessageIter *it, const struct cg_sd_props *p)
{
	DBusMessageIter arr, st, var;
	bool ok = dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "(sv)", &arr);
	for (size_t i = 0; ok && i < p->n; i++)
		ok = dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) &&
		     dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &p->v[i].name) &&
		     dbus_message_iter_open_container(&st, DBUS_TYPE_VARIANT,
						      sd_sig[p->v[i].type], &var) &&
		     put_value(&var, &p->v[i]) && dbus_message_iter_close_container(&st, &var) &&
		     dbus_message_iter_close_container(&arr, &st);
	if (!ok || !dbus_message_iter_close_container(it, &arr))
		jl_die_oom();
}

/* --- jobs ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* 1 when m is JobRemoved for `job`, with its result copied out. */
static int job_removed(DBusMessage *m, const char *job, char *result, size_t n)
{
	if (!dbus_message_is_signal(m, SD_MANAGER, "JobRemoved"))
		return 0;
	dbus_uint32_t id;
	const char *path, *unit, *res;
	if (!dbus_message_get_args(m, NULL, DBUS_TYPE_UINT32, &id, DBUS_TYPE_OBJECT_PATH, &path,
				   DBUS_TYPE_STRING, &unit, DBUS_TYPE_STRING, &res,
				   DBUS_TYPE_INVALID) ||
	    strcmp(path, job))
		return 0;
	snprintf(result, n, "%s", res);
	return 1;
}

/* Wait for systemd's JobRemoved of `job` (the object path a method call
 * returned) and give its result ("done", "failed", "canceled", ...). */
static int wait_job(struct sd_conn *b, const char *job, char *result, size_t n,
		    struct jl_err **err)
{
	int64_t deadline = now_ms() + SD_TIMEOUT_MS;
	for (;;) {
		DBusMessage *m;
		while ((m = dbus_connection_pop_message(b->c))) {
			int found = job_removed(m, job, result, n);
			dbus_message_unref(m);
			if (found)
				return 0;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return jl_err_set(err, ETIMEDOUT, "systemd: job %s", job);
		if (!dbus_connection_read_write(b->c, (int)left))
			return jl_err_set(err, ECONNRESET, "systemd: the bus went away during job %s",
					  job);
	}
}

/* Call `m`, which answers with a job path, and wait for the job. */
static int run_job(struct sd_conn *b, DBusMessage *m, const char *what, char *result,
		   size_t n, struct jl_err **err)
{
	DBusMessage *reply = sd_call(b, m, what, err);
	if (!reply)
		return -EIO;
	const char *job = NULL;
	int r = 0;
	if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &job, DBUS_TYPE_INVALID))
		r = jl_err_set(err, EPROTO, "systemd: %s: no job in the reply", what);
	else
		r = wait_job(b, job, result, n, err);
	dbus_message_unref(reply);
	return r;
}

/* --- stop ------------------------------------------------------------------------- */

static int stop_on(struct sd_conn *b, const char *unit, struct jl_err **err)
{
	DBusMessage *m = sd_method("StopUnit");
	const char *mode = "replace";
	dbus_message_append_args(m, DBUS_TYPE_STRING, &unit, DBUS_TYPE_STRING, &mode,
				 DBUS_TYPE_INVALID);
	char result[32];
	cleanup_free char *what = xasprintf("stop unit %s", unit);
	struct jl_err *e = NULL;
	int r = run_job(b, m, what, result, sizeof(result), &e);
	if (r < 0 && !strcmp(b->error_name, "org.freedesktop.systemd1.NoSuchUnit"))
		r = 0;
	else if (r < 0)
		jl_err_set(err, 0, "%s", e->msg);
	jl_err_free(&e);
	/* A unit that failed (its processes were killed) would stay listed. */
	m = sd_method("ResetFailedUnit");
	dbus_message_append_args(m, DBUS_TYPE_STRING, &unit, DBUS_TYPE_INVALID);
	DBusMessage *reply = sd_call(b, m, "reset", NULL);
	if (reply)
		dbus_message_unref(reply);
	return r;
}

/* --- slices ----------------------------------------------------------------------- */

static int sd_lock(void)
{
	(void)!mkdir(SD_DIR, 0700);
	(void)!mkdir(SD_DIR "/slices", 0700);
	int fd = open(SD_DIR "/lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

static char *marker(const char *slice)
{
	return xasprintf(SD_DIR "/slices/%s", slice);
}

static bool marked(const char *slice)
{
	cleanup_free char *m = marker(slice);
	return access(m, F_OK) == 0;
}

/* The slice's cgroup: -1 absent, 0 without child cgroups, 1 with. */
static int slice_cgroup(const struct cg_root *root, const char *slice)
{
	cleanup_free char *rel = cg_sd_slice_path(slice);
	cleanup_free char *path = xasprintf("%s%s", root->mount, rel);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int r = 0;
	struct dirent *e;
	while (!r && (e = readdir(d)))
		r = e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return r;
}

/* Mark `slice` and the slices it is in whose cgroups do not exist yet:
 * those systemd is about to make for a scope of ours (under the lock). */
static void mark_new_slices(const struct cg_root *root, const char *slice)
{
	char cur[256], parent[256];
	snprintf(cur, sizeof(cur), "%s", slice);
	while (strcmp(cur, "-.slice") && slice_cgroup(root, cur) < 0) {
		cleanup_free char *m = marker(cur);
		int fd = open(m, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			close(fd);
		if (!cg_sd_slice_parent(cur, parent, sizeof(parent)))
			break;
		snprintf(cur, sizeof(cur), "%s", parent);
	}
}

/* Stop, innermost first, the marked slices nothing is left in (under the
 * lock): the last container out of a slice made for jaula takes it along,
 * whichever container that slice was made for. */
static void collect_slices(struct sd_conn *b, const struct cg_root *root, const char *slice)
{
	char cur[256], parent[256];
	snprintf(cur, sizeof(cur), "%s", slice);
	while (marked(cur) && slice_cgroup(root, cur) <= 0) {
		struct jl_err *e = NULL;
		if (stop_on(b, cur, &e) < 0)
			jl_debug("%s", e->msg);
		jl_err_free(&e);
		cleanup_free char *m = marker(cur);
		unlink(m);
		if (!cg_sd_slice_parent(cur, parent, sizeof(parent)))
			return;
		snprintf(cur, sizeof(cur), "%s", parent);
	}
}

/* A stopped scope's cgroup, when systemd has not pruned it yet: it does so
 * once it gets to the scope's empty event, which can come after the stop
 * job's end.  Until then the slice has a child and would not be collected;
 * empty, it goes now (the caller's cg_destroy would remove it next anyway). */
static void prune_scope(const struct cg_root *root, const char *slice, const char *unit)
{
	cleanup_free char *rel = cg_sd_slice_path(slice);
	cleanup_free char *path = xasprintf("%s%s/%s", root->mount, rel, unit);
	(void)rmdir(path);
}

int cg_sd_stop(const struct cg_root *root, const char *unit, const char *slice,
	       struct jl_err **err)
{
	bool slices = slice && marked(slice);
	if (!unit && !slices)
		return 0;
	struct sd_conn b = {0};
	int r = sd_connect(&b, err);
	if (r == 0)
		r = sd_watch_jobs(&b, err);
	if (r == 0 && unit)
		r = stop_on(&b, unit, err);
	if (r == 0 && unit && slices)
		prune_scope(root, slice, unit);
	if (r == 0 && slices) {
		int lock = sd_lock();
		collect_slices(&b, root, slice);
		if (lock >= 0)
			close(lock);
	}
	sd_close(&b);
	return r;
}

/* --- start ------------------------------------------------------------------------ */

/* A scope cannot start without a process, and the init must be cloned
 * straight into the scope's cgroup (its cgroup namespace is rooted there):
 * a child that only waits holds the scope until then.  It dies with us. */
static pid_t spawn_holder(struct jl_err **err)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return jl_err_sys(err, "fork the scope's placeholder");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	return pid;
}

void cg_sd_scope_release(struct cg_sd_scope *s)
{
	if (s->holder <= 0)
		return;
	kill(s->holder, SIGKILL);
	while (waitpid(s->holder, NULL, 0) < 0 && errno == EINTR)
		;
	s->holder = -1;
}

void cg_sd_scope_free(struct cg_sd_scope *s)
{
	cg_sd_scope_release(s);
	free(s->unit);
	s->unit = NULL;
}

static int start_on(struct sd_conn *b, const char *unit, const struct cg_sd_props *p,
		    struct jl_err **err)
{
	DBusMessage *m = sd_method("StartTransientUnit");
	DBusMessageIter it, aux;
	const char *mode = "fail";
	dbus_message_iter_init_append(m, &it);
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &unit) ||
	    !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &mode))
		jl_die_oom();
	put_props(&it, p);
	if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sa(sv))", &aux) ||
	    !dbus_message_iter_close_container(&it, &aux))
		jl_die_oom();
	char result[32];
	cleanup_free char *what = xasprintf("start unit %s", unit);
	struct jl_err *e = NULL;
	int r = run_job(b, m, what, result, sizeof(result), &e);
	if (r < 0 && !strcmp(b->error_name, "org.freedesktop.systemd1.UnitExists"))
		r = jl_err_code(err, EEXIST, "linux.cgroupsPath: systemd unit %s already exists",
				unit);
	else if (r < 0)
		jl_err_code(err, e->errnum, "%s", e->msg);
	else if (strcmp(result, "done"))
		r = jl_err_set(err, 0, "systemd: start unit %s: job %s", unit, result);
	jl_err_free(&e);
	return r;
}

int cg_sd_scope_start(const struct cg_root *root, const char *slice, const char *unit,
		      const char *description, const struct cg_resources *res,
		      const struct cg_sd_props *extra, struct cg_sd_scope *out,
		      struct jl_err **err)
{
	struct cg_sd_props p = {0};
	struct sd_conn b = {0};
	int lock = -1;
	int r = cg_sd_props_resources(&p, res, err);
	if (r < 0)
		goto out;
	lock = sd_lock();
	mark_new_slices(root, slice);
	out->holder = spawn_holder(err);
	if (out->holder < 0) {
		r = out->holder;
		goto out;
	}
	cg_sd_props_scope(&p, description, slice, out->holder);
	for (size_t i = 0; extra && i < extra->n; i++)
		cg_sd_props_copy(&p, &extra->v[i]);
	r = sd_connect(&b, err);
	if (r == 0)
		r = sd_watch_jobs(&b, err);
	if (r == 0)
		r = start_on(&b, unit, &p, err);
	/* A job that failed or timed out may still have made the unit. */
	if (r < 0 && r != -EEXIST && b.c)
		stop_on(&b, unit, NULL);
	if (r < 0 && b.c)
		collect_slices(&b, root, slice);
	if (r == 0)
		out->unit = xstrdup(unit);
out:
	if (lock >= 0)
		close(lock);
	sd_close(&b);
	cg_sd_props_free(&p);
	if (r < 0)
		cg_sd_scope_release(out);
	return r;
}

int cg_sd_set_resources(const char *unit, const struct cg_resources *res, struct jl_err **err)
{
	struct cg_sd_props p = {0};
	int r = cg_sd_props_resources(&p, res, err);
	if (r < 0 || p.n == 0) {
		cg_sd_props_free(&p);
		return r;
	}
	struct sd_conn b;
	r = sd_connect(&b, err);
	if (r == 0) {
		DBusMessage *m = sd_method("SetUnitProperties");
		DBusMessageIter it;
		dbus_bool_t runtime = TRUE;
		dbus_message_iter_init_append(m, &it);
		if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &unit) ||
		    !dbus_message_iter_append_basic(&it, DBUS_TYPE_BOOLEAN, &runtime))
			jl_die_oom();
		put_props(&it, &p);
		cleanup_free char *what = xasprintf("set properties of unit %s", unit);
		DBusMessage *reply = sd_call(&b, m, what, err);
		r = reply ? 0 : -EIO;
		if (reply)
			dbus_message_unref(reply);
	}
	sd_close(&b);
	cg_sd_props_free(&p);
	return r;
}
