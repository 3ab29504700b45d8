#include "runtime/error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* Errors are one line: a name from a config ("CAP_\nX") must not break a
 * log into forged lines.  Control characters become \n, \t, \xNN. */
static char *one_line(char *s)
{
	if (!s)
		return s;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += *p < 0x20 || *p == 0x7f ? 4 : 1;
	if (n == strlen(s))
		return s;
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return s;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r')
			o += sprintf(o, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
		else if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\x%02x", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	free(s);
	return out;
}

static int status_of(int errnum)
{
	return errnum > 0 ? -errnum : -EINVAL;
}

int jl_err_status(const struct jl_err *err)
{
	return err ? status_of(err->errnum) : -EINVAL;
}

static int vset(struct jl_err **err, int errnum, bool with_text, const char *fmt, va_list ap)
{
	/* Keep the first (innermost) error: a cleanup path that fails again
	 * must not hide the cause the user needs to see. */
	if (!err || *err)
		return status_of(errnum);
	struct jl_err *e = calloc(1, sizeof(*e));
	if (!e)
		return status_of(errnum);
	char *text = one_line(vformat(fmt, ap));
	e->errnum = errnum;
	if (text && errnum > 0 && with_text) {
		if (asprintf(&e->msg, "%s: %s", text, strerror(errnum)) < 0)
			e->msg = NULL;
		free(text);
	} else {
		e->msg = text;
	}
	if (!e->msg)
		e->msg = strdup("out of memory while formatting an error");
	*err = e;
	return status_of(errnum);
}

int jl_err_set(struct jl_err **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int jl_err_code(struct jl_err **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(err, errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int jl_err_wrap(struct jl_err **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -EINVAL;
	va_list ap;
	va_start(ap, fmt);
	char *ctx = one_line(vformat(fmt, ap));
	va_end(ap);
	char *joined = NULL;
	if (ctx && asprintf(&joined, "%s: %s", ctx, (*err)->msg ? (*err)->msg : "") >= 0) {
		free((*err)->msg);
		(*err)->msg = joined;
	}
	free(ctx);
	return status_of((*err)->errnum);
}

void jl_err_free(struct jl_err **err)
{
	if (!err || !*err)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}
