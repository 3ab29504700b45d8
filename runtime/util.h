/* Base-layer helpers every room may use: cleanup attributes, ownership moves,
 * a bump arena, a growable buffer, file I/O and strict number parsing. */
#ifndef JAULA_UTIL_H
#define JAULA_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "runtime/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define cleanup_free __attribute__((cleanup(freep)))
#define cleanup_close __attribute__((cleanup(closep)))
#define cleanup_dir __attribute__((cleanup(closedirp)))
#define cleanup_file __attribute__((cleanup(fclosep)))

/* Move ownership out of a cleanup variable. */
#define steal_ptr(pp)                                                                    \
	({                                                                               \
		__typeof__(*(pp)) _p = *(pp);                                            \
		*(pp) = NULL;                                                            \
		_p;                                                                      \
	})
static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

/* Allocation that cannot fail: a runtime out of memory has no useful way on. */
void jl_die_oom(void) __attribute__((noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Bump allocator: many small objects freed together (a parsed config). */
struct jl_arena {
	struct jl_arena_chunk *head;
};
void *jl_arena_alloc(struct jl_arena *a, size_t n); /* zeroed, 16-byte aligned */
char *jl_arena_strdup(struct jl_arena *a, const char *s);
void jl_arena_free(struct jl_arena *a);

/* Growable byte buffer, always NUL-terminated. */
struct jl_buf {
	char *data;
	size_t len, cap;
};
void jl_buf_add(struct jl_buf *b, const void *p, size_t n);
void jl_buf_puts(struct jl_buf *b, const char *s);
void jl_buf_printf(struct jl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jl_buf_free(struct jl_buf *b);
char *jl_buf_steal(struct jl_buf *b);

/* Read fd to its end into *out (malloc'ed, NUL-terminated; *len, when
 * given, without the NUL), refusing more than max bytes.  Errors start with
 * `what`: "WHAT: larger than N bytes". */
int jl_read_fd(int fd, const char *what, size_t max, char **out, size_t *len,
	       struct jl_err **err);
/* Whole-file I/O.  read refuses files larger than max bytes (names the path). */
int jl_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
		    struct jl_err **err);
/* write(2) all of it, retrying on EINTR and short writes. */
int jl_write_all(int fd, const void *p, size_t n);
/* Write a small file that must already exist (procfs, cgroupfs, sysfs). */
int jl_write_file_at(int dirfd, const char *path, const char *data, size_t n,
		     struct jl_err **err);
/* Write to a temporary name in dirfd and rename over name: readers see the old
 * or the new file, never a torn one. */
int jl_write_atomic_at(int dirfd, const char *name, const char *data, size_t n, mode_t mode,
		       struct jl_err **err);
/* mkdir -p (absolute or relative to cwd), tolerating concurrent creators. */
int jl_mkdir_p(const char *path, mode_t mode, struct jl_err **err);
/* rm -rf of a directory's contents and the directory, relative to dirfd. */
int jl_remove_tree_at(int dirfd, const char *name, struct jl_err **err);

/* Strict number parsing: the whole string must be consumed. */
int jl_parse_u64(const char *s, int base, uint64_t *out);
int jl_parse_i64(const char *s, int base, int64_t *out);
int jl_parse_int(const char *s, int *out); /* base 10, fits an int */

bool jl_str_has_prefix(const char *s, const char *prefix);
/* Is path strictly below dir ("/a/b" below "/a" and below "/"; "/a" is not
 * below itself, "/ab" not below "/a")? */
bool jl_path_below(const char *path, const char *dir);
bool jl_streq(const char *a, const char *b); /* NULL-safe */

/* One line of /proc/PID/mountinfo, split in place (octal escapes undone):
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE ...".
 * Returns false for a line that does not have that shape. */
struct jl_mountinfo {
	char *root, *mountpoint, *fstype;
};
bool jl_mountinfo_parse(char *line, struct jl_mountinfo *m);

/* Current time as RFC 3339 with nanoseconds, UTC ("2026-12-01T21:19:08.123456789Z"). */
void jl_time_rfc3339(char out[40]);
struct timespec;
void jl_time_rfc3339_at(const struct timespec *ts, char out[40]);
/* Day 0 is 1970-01-01; negative days are before it. */
void jl_civil_from_days(int64_t days, unsigned *year, unsigned *month, unsigned *day);

#endif
