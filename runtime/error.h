/* Error objects: every fallible function returns < 0 and fills a struct jl_err
 * that names what failed and on which path or key.  Callers add context with
 * jl_err_wrap() on the way up, so the final message reads outermost-first:
 *   "create container \"a\": mount \"proc\" on \"/proc\": Permission denied"  */
#ifndef JAULA_ERROR_H
#define JAULA_ERROR_H

#include <errno.h>

struct jl_err {
	int errnum; /* errno of the root cause, 0 when it is not a system error */
	char *msg;  /* full text, already including strerror(errnum) */
};

/* Create *err (when err is non-NULL and still empty) from a printf format.
 * When errnum != 0, ": strerror(errnum)" is appended.  Returns -errnum, or
 * -EINVAL when errnum is 0, so callers can `return jl_err_set(...)`. */
int jl_err_set(struct jl_err **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like jl_err_set() but the message is used as is: errnum only sets the
 * status ("container \"x\" does not exist" needs no ": No such file"). */
int jl_err_code(struct jl_err **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same as jl_err_set() with errnum = errno. */
#define jl_err_sys(err, ...) jl_err_set((err), errno, __VA_ARGS__)

/* Prefix the existing error with "context: ".  Returns the error's -errnum
 * (or -EINVAL).  A NULL or empty *err is left alone. */
int jl_err_wrap(struct jl_err **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The negative status an error stands for (-EINVAL when there is none). */
int jl_err_status(const struct jl_err *err);

void jl_err_free(struct jl_err **err);

#define cleanup_err __attribute__((cleanup(jl_err_free)))

#endif
