/* Logging.  Errors and warnings always reach stderr; with --log FILE every
 * record also goes to FILE, as text or (--log-format json) as one
 * {"level","msg","time"} object per line, which containerd's shim and conmon
 * parse to show why a command failed. */
#ifndef JAULA_LOG_H
#define JAULA_LOG_H

#include <stdbool.h>

#include "runtime/error.h"

enum jl_log_level { JL_LOG_ERROR, JL_LOG_WARN, JL_LOG_INFO, JL_LOG_DEBUG };

struct jl_log_options {
	const char *file; /* NULL: stderr only */
	bool json;
	bool debug;
};

int jl_log_init(const struct jl_log_options *o, struct jl_err **err);
void jl_log(enum jl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool jl_log_debug_enabled(void);
/* The log file descriptor (or -1) so a child can keep logging after fork. */
int jl_log_fd(void);
/* Forget the --log file (its fd was closed: a process about to run
 * container code keeps nothing of the host open); stderr only from here. */
void jl_log_drop_file(void);

#define jl_error(...) jl_log(JL_LOG_ERROR, __VA_ARGS__)
#define jl_warn(...) jl_log(JL_LOG_WARN, __VA_ARGS__)
#define jl_info(...) jl_log(JL_LOG_INFO, __VA_ARGS__)
#define jl_debug(...)                                                                    \
	do {                                                                             \
		if (jl_log_debug_enabled())                                              \
			jl_log(JL_LOG_DEBUG, __VA_ARGS__);                               \
	} while (0)

#endif
