#include "runtime/util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void jl_die_oom(void)
{
	static const char msg[] = "jaula: out of memory\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		jl_die_oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		jl_die_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		jl_die_oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		jl_die_oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		jl_die_oom();
	return s;
}

/* --- arena ---------------------------------------------------------------- */

struct jl_arena_chunk {
	struct jl_arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK 8192

void *jl_arena_alloc(struct jl_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct jl_arena_chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = xmalloc(sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *jl_arena_strdup(struct jl_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = jl_arena_alloc(a, n);
	memcpy(p, s, n);
	return p;
}

void jl_arena_free(struct jl_arena *a)
{
	struct jl_arena_chunk *c = a->head;
	while (c) {
		struct jl_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
}

/* --- buffer --------------------------------------------------------------- */

static void buf_reserve(struct jl_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void jl_buf_add(struct jl_buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void jl_buf_puts(struct jl_buf *b, const char *s)
{
	jl_buf_add(b, s, strlen(s));
}

void jl_buf_printf(struct jl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void jl_buf_free(struct jl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *jl_buf_steal(struct jl_buf *b)
{
	if (!b->data)
		buf_reserve(b, 0), b->data[0] = '\0';
	char *p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* --- files ---------------------------------------------------------------- */

int jl_read_fd(int fd, const char *what, size_t max, char **out, size_t *len,
	       struct jl_err **err)
{
	struct jl_buf b = {0};
	for (;;) {
		buf_reserve(&b, 4096);
		ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = jl_err_sys(err, "%s", what);
			jl_buf_free(&b);
			return r;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max) {
			jl_buf_free(&b);
			return jl_err_set(err, EFBIG, "%s: larger than %zu bytes", what, max);
		}
	}
	b.data[b.len] = '\0';
	if (len)
		*len = b.len;
	*out = b.data;
	return 0;
}

int jl_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
		    struct jl_err **err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open \"%s\"", path);
	cleanup_free char *what = xasprintf("read \"%s\"", path);
	return jl_read_fd(fd, what, max, out, len, err);
}

int jl_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int jl_write_file_at(int dirfd, const char *path, const char *data, size_t n,
		     struct jl_err **err)
{
	cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return jl_err_sys(err, "open \"%s\"", path);
	int r = jl_write_all(fd, data, n);
	if (r < 0)
		return jl_err_set(err, -r, "write \"%s\"", path);
	return 0;
}

int jl_write_atomic_at(int dirfd, const char *name, const char *data, size_t n, mode_t mode,
		       struct jl_err **err)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	cleanup_close int fd =
		openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return jl_err_sys(err, "create \"%s\"", tmp);
	int r = jl_write_all(fd, data, n);
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return jl_err_set(err, -r, "write \"%s\"", tmp);
	}
	/* No fsync: state lives on tmpfs (/run) and must not outlive a reboot;
	 * rename alone gives readers the atomicity they need. */
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = jl_err_sys(err, "rename \"%s\" to \"%s\"", tmp, name);
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}

int jl_mkdir_p(const char *path, mode_t mode, struct jl_err **err)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return jl_err_sys(err, "mkdir \"%s\"", path);
	cleanup_free char *copy = xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return jl_err_sys(err, "mkdir \"%s\"", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return jl_err_sys(err, "mkdir \"%s\"", copy);
	return 0;
}

static int remove_contents(int fd, const char *name, struct jl_err **err)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "opendir \"%s\"", name);
	}
	cleanup_dir DIR *dir = d;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR) {
			int r = jl_remove_tree_at(dirfd(dir), de->d_name, err);
			if (r < 0)
				return r;
		} else if (unlinkat(dirfd(dir), de->d_name, 0) < 0 && errno != ENOENT) {
			if (errno == EISDIR) {
				int r = jl_remove_tree_at(dirfd(dir), de->d_name, err);
				if (r < 0)
					return r;
				continue;
			}
			return jl_err_sys(err, "unlink \"%s/%s\"", name, de->d_name);
		}
	}
	return 0;
}

int jl_remove_tree_at(int dirfd, const char *name, struct jl_err **err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP) {
			if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
				return jl_err_sys(err, "unlink \"%s\"", name);
			return 0;
		}
		return jl_err_sys(err, "open \"%s\"", name);
	}
	int r = remove_contents(fd, name, err);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return jl_err_sys(err, "rmdir \"%s\"", name);
	return 0;
}

/* --- numbers and strings -------------------------------------------------- */

int jl_parse_u64(const char *s, int base, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int jl_parse_i64(const char *s, int base, int64_t *out)
{
	if (!s || !*s || *s == ' ' || *s == '+')
		return -EINVAL;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int jl_parse_int(const char *s, int *out)
{
	int64_t v;
	int r = jl_parse_i64(s, 10, &v);
	if (r < 0)
		return r;
	if (v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

bool jl_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool jl_path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || (n == 1 && dir[0] == '/'));
}

bool jl_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The proleptic Gregorian date of a day counted from 1970-01-01: eras of
 * 400 years (146097 days) and years counted from March, so that the leap
 * day is the last of its year.  Not gmtime_r: glibc's loads the local time
 * zone (/etc/localtime: an open, reads and a parse) on its first call,
 * though UTC needs none of it, and this is on every create's path. */
void jl_civil_from_days(int64_t days, unsigned *year, unsigned *month, unsigned *day)
{
	int64_t z = days + 719468; /* days from 0000-03-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);                          /* 0..146096 */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
	unsigned mp = (5 * doy + 2) / 153;                                    /* March is 0 */
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (unsigned)(era * 400 + yoe + (*month <= 2));
}

void jl_time_rfc3339_at(const struct timespec *ts, char out[40])
{
	int64_t s = ts->tv_sec, days = s / 86400, rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	unsigned y, m, d;
	jl_civil_from_days(days, &y, &m, &d);
	snprintf(out, 40, "%04u-%02u-%02uT%02u:%02u:%02u.%09luZ", y % 10000u, m, d,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60),
		 (unsigned long)ts->tv_nsec % 1000000000ul);
}

void jl_time_rfc3339(char out[40])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	jl_time_rfc3339_at(&ts, out);
}

static void unescape_octal(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

bool jl_mountinfo_parse(char *line, struct jl_mountinfo *m)
{
	char *f[5], *save = NULL, *tok = strtok_r(line, " \n", &save);
	for (int i = 0; i < 5; i++, tok = strtok_r(NULL, " \n", &save)) {
		if (!tok)
			return false;
		f[i] = tok;
	}
	/* optional fields run up to the lone "-" */
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " \n", &save);
	m->fstype = tok ? strtok_r(NULL, " \n", &save) : NULL;
	if (!m->fstype)
		return false;
	m->root = f[3];
	m->mountpoint = f[4];
	unescape_octal(m->root);
	unescape_octal(m->mountpoint);
	return true;
}
