/* A user as an image names it ("bob", "1000", "bob:staff", "1000:50")
 * turned into ids with the image's own /etc/passwd and /etc/group.  The
 * files belong to the image, so they are hostile input: opened inside the
 * container's root (a symlink to "/etc/shadow" or "../../x" resolves in
 * it, never on the host), regular files only (a fifo would hang us, a
 * device could be endless), size-capped, and parsed line by line with
 * every malformed line skipped rather than half-believed. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "runtime/paths.h"
#include "runtime/util.h"

/* Far above any real passwd or group file; what is bigger is an attack or
 * a mistake, and is refused rather than read into memory. */
#define USER_FILE_MAX (4u << 20)
/* The kernel's NGROUPS_MAX: setgroups takes no more. */
#define USER_GROUPS_MAX 65536

enum { PW_NAME, PW_PASSWD, PW_UID, PW_GID, PW_GECOS, PW_HOME, PW_SHELL, PW__N };
enum { GR_NAME, GR_PASSWD, GR_GID, GR_MEMBERS, GR__N };

/* ENOENT: the image has no such file, which is no error by itself (a
 * numeric user needs none). */
static int read_capped(int fd, const char *path, char **out, struct jl_err **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "%s", path);
	if (!S_ISREG(st.st_mode))
		return jl_err_code(err, EINVAL, "%s: not a regular file", path);
	return jl_read_fd(fd, path, USER_FILE_MAX, out, NULL, err);
}

static int read_image_file(int rootfd, const char *path, char **out, struct jl_err **err)
{
	*out = NULL;
	/* O_NONBLOCK: opening a fifo planted at the name must not wait for a
	 * writer; read_capped refuses it anyway. */
	cleanup_close int fd = jl_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return -ENOENT;
	if (fd < 0)
		return jl_err_set(err, -fd, "%s", path);
	return read_capped(fd, path, out, err);
}

/* Split one line at ':' into exactly n fields (fewer: false).  Trailing
 * fields beyond n are left joined to the last one. */
static bool split_fields(char *line, char **f, size_t n, size_t min)
{
	size_t i = 0;
	f[i++] = line;
	for (char *p = line; *p && i < n; p++)
		if (*p == ':') {
			*p = '\0';
			f[i++] = p + 1;
		}
	for (size_t k = i; k < n; k++)
		f[k] = NULL;
	return i >= min;
}

/* A decimal id the kernel accepts: 0 .. 2^32-2 ((uid_t)-1 means "none"). */
static bool parse_id(const char *s, uint32_t *out)
{
	uint64_t v;
	if (!s || !*s || s[0] == '+' || s[0] == '-' || jl_parse_u64(s, 10, &v) < 0 ||
	    v >= UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Calls fn on each well-formed line (not a comment, not NIS "+"/"-",
 * enough fields, a name); stops when fn returns true. */
typedef bool (*line_fn)(char **f, void *arg);
static void for_each_entry(char *text, size_t n_fields, size_t min, line_fn fn, void *arg)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (line[0] == '#' || line[0] == '+' || line[0] == '-' || line[0] == ':')
			continue;
		char *f[PW__N];
		if (!split_fields(line, f, n_fields, min) || !*f[0])
			continue;
		if (fn(f, arg))
			return;
	}
}

/* --- passwd ----------------------------------------------------------------- */

struct pw_query {
	const char *name; /* match by name, or */
	uint32_t uid;     /* by uid when name is NULL */
	bool found;
	char *pw_name, *home;
	uint32_t uid_out, gid;
};

static bool pw_match(char **f, void *arg)
{
	struct pw_query *q = arg;
	uint32_t uid, gid;
	if (!parse_id(f[PW_UID], &uid) || !parse_id(f[PW_GID], &gid))
		return false;
	if (q->name ? strcmp(q->name, f[PW_NAME]) != 0 : uid != q->uid)
		return false;
	q->found = true;
	q->pw_name = xstrdup(f[PW_NAME]);
	q->home = f[PW_HOME] && *f[PW_HOME] ? xstrdup(f[PW_HOME]) : NULL;
	q->uid_out = uid;
	q->gid = gid;
	return true;
}

/* --- group ------------------------------------------------------------------ */

struct gr_query {
	const char *group; /* the explicit group, by name (or NULL) */
	bool group_found;
	uint32_t group_gid;
	const char *member; /* the user's name, for its supplementary groups */
	gid_t *groups;
	size_t n_groups;
};

static bool has_member(char *list, const char *name)
{
	char *save = NULL;
	for (char *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save))
		if (!strcmp(m, name))
			return true;
	return false;
}

static void add_group(struct gr_query *q, gid_t gid)
{
	for (size_t i = 0; i < q->n_groups; i++)
		if (q->groups[i] == gid)
			return;
	if (q->n_groups >= USER_GROUPS_MAX)
		return;
	q->groups = xrealloc(q->groups, (q->n_groups + 1) * sizeof(gid_t));
	q->groups[q->n_groups++] = gid;
}

static bool gr_match(char **f, void *arg)
{
	struct gr_query *q = arg;
	uint32_t gid;
	if (!parse_id(f[GR_GID], &gid))
		return false;
	if (q->group && !q->group_found && !strcmp(q->group, f[GR_NAME])) {
		q->group_found = true;
		q->group_gid = gid;
	}
	if (q->member && f[GR_MEMBERS] && has_member(f[GR_MEMBERS], q->member))
		add_group(q, gid);
	return false;
}

/* --- the user ----------------------------------------------------------------- */

static void pw_query_free(struct pw_query *q)
{
	free(q->pw_name);
	free(q->home);
}

/* uid and (unless given) gid and home from passwd. */
static int resolve_passwd(int rootfd, const char *spec, const char *user, struct pw_query *q,
			  struct jl_err **err)
{
	bool numeric = is_number(user);
	if (numeric && !parse_id(user, &q->uid))
		return jl_err_code(err, EINVAL, "user \"%s\": uid %s out of range", spec, user);
	q->name = numeric ? NULL : user;
	cleanup_free char *text = NULL;
	int r = read_image_file(rootfd, "/etc/passwd", &text, err);
	if (r < 0 && r != -ENOENT)
		return jl_err_wrap(err, "user \"%s\"", spec);
	if (text)
		for_each_entry(text, PW__N, PW_GID + 1, pw_match, q);
	if (!q->found && !numeric)
		return jl_err_code(err, ENOENT, "user \"%s\": \"%s\" is not in the image's /etc/passwd%s",
				   spec, user, text ? "" : " (the image has none)");
	return 0;
}

static int resolve_groups(int rootfd, const char *spec, const char *group, struct gr_query *q,
			  struct jl_err **err)
{
	bool numeric = group && is_number(group);
	if (numeric && !parse_id(group, &q->group_gid))
		return jl_err_code(err, EINVAL, "user \"%s\": gid %s out of range", spec, group);
	q->group = group && !numeric ? group : NULL;
	cleanup_free char *text = NULL;
	int r = read_image_file(rootfd, "/etc/group", &text, err);
	if (r < 0 && r != -ENOENT)
		return jl_err_wrap(err, "user \"%s\"", spec);
	if (text)
		for_each_entry(text, GR__N, GR_GID + 1, gr_match, q);
	if (q->group && !q->group_found)
		return jl_err_code(err, ENOENT, "user \"%s\": group \"%s\" is not in the image's /etc/group%s",
				   spec, group, text ? "" : " (the image has none)");
	return 0;
}

int img_resolve_user(int rootfd, const char *spec, struct img_user *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	const char *s = spec && *spec ? spec : "0";
	cleanup_free char *user = xstrdup(s);
	char *group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (!*user || (group && (!*group || strchr(group, ':'))))
		return jl_err_code(err, EINVAL, "user \"%s\": expected NAME, UID, NAME:GROUP or UID:GID", s);
	struct pw_query pw = {0};
	int r = resolve_passwd(rootfd, s, user, &pw, err);
	struct gr_query gr = {.member = pw.pw_name};
	if (r == 0)
		r = resolve_groups(rootfd, s, group, &gr, err);
	if (r < 0) {
		pw_query_free(&pw);
		free(gr.groups);
		return r;
	}
	out->uid = pw.found ? pw.uid_out : pw.uid;
	/* No entry for a numeric uid: gid 0, as docker and podman do. */
	out->gid = group ? gr.group_gid : pw.found ? pw.gid : 0;
	out->groups = gr.groups;
	out->n_groups = gr.n_groups;
	out->home = steal_ptr(&pw.home);
	pw_query_free(&pw);
	return 0;
}

void img_user_free(struct img_user *u)
{
	free(u->groups);
	free(u->home);
	memset(u, 0, sizeof(*u));
}
