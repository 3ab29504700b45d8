#include "runtime/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/json.h"
#include "runtime/util.h"

static struct {
	int fd;
	bool json;
	bool debug;
} g_log = {.fd = -1};

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int jl_log_init(const struct jl_log_options *o, struct jl_err **err)
{
	g_log.json = o->json;
	g_log.debug = o->debug;
	if (o->file && *o->file) {
		/* O_APPEND: the shim keeps one log per bundle across many commands. */
		int fd = open(o->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			return jl_err_sys(err, "open log file \"%s\"", o->file);
		/* Move it out of the way of --preserve-fds (3, 4, ...), which
		 * must reach the container exactly as the caller opened them. */
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
		if (high >= 0) {
			close(fd);
			fd = high;
		}
		g_log.fd = fd;
	}
	return 0;
}

bool jl_log_debug_enabled(void)
{
	return g_log.debug;
}

int jl_log_fd(void)
{
	return g_log.fd;
}

void jl_log_drop_file(void)
{
	g_log.fd = -1;
}

static void write_record(int fd, enum jl_log_level level, const char *msg)
{
	struct jl_buf b = {0};
	if (g_log.json) {
		char now[40];
		jl_time_rfc3339(now);
		struct jl_json_writer w = {.out = &b};
		jl_jw_begin_object(&w);
		jl_jw_kv_str(&w, "level", level_names[level]);
		jl_jw_kv_str(&w, "msg", msg);
		jl_jw_kv_str(&w, "time", now);
		jl_jw_end_object(&w);
		jl_buf_puts(&b, "\n");
	} else {
		jl_buf_printf(&b, "%s: %s\n", level_names[level], msg);
	}
	/* One write per record keeps lines whole when several processes
	 * (create and its init) append to the same file. */
	(void)jl_write_all(fd, b.data, b.len);
	jl_buf_free(&b);
}

void jl_log(enum jl_log_level level, const char *fmt, ...)
{
	if (level == JL_LOG_DEBUG && !g_log.debug)
		return;
	int saved = errno;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		errno = saved;
		return;
	}
	if (g_log.fd >= 0)
		write_record(g_log.fd, level, msg);
	if (level <= JL_LOG_WARN || (g_log.fd < 0 && g_log.debug)) {
		struct jl_buf b = {0};
		if (level == JL_LOG_ERROR)
			jl_buf_printf(&b, "jaula: %s\n", msg);
		else
			jl_buf_printf(&b, "jaula: %s: %s\n", level_names[level], msg);
		(void)jl_write_all(2, b.data, b.len);
		jl_buf_free(&b);
	}
	free(msg);
	errno = saved;
}
