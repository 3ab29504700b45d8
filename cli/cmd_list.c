/* list: a table like runc's, or the OCI state objects as a JSON array on
 * one line.  Containers made from images add IMAGE, AGE and COMMAND columns
 * after runc's (only when there is one, so runc's table stays runc's). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "image/image.h"

struct store_view {
	struct img_container *v;
	size_t n;
};

static const struct img_container *from_store(const struct store_view *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].id, id))
			return &s->v[i];
	return NULL;
}

/* "42s", "5m", "3h", "2d" since an RFC 3339 UTC time ("?" if unreadable). */
static const char *age_of(const char *created, char buf[24])
{
	struct tm tm = {0};
	const char *end = strptime(created, "%Y-%m-%dT%H:%M:%S", &tm);
	time_t then = end ? timegm(&tm) : (time_t)-1;
	time_t now = time(NULL);
	if (then == (time_t)-1 || now < then)
		return "?";
	long d = (long)(now - then);
	if (d < 120)
		snprintf(buf, 24, "%lds", d);
	else if (d < 7200)
		snprintf(buf, 24, "%ldm", d / 60);
	else if (d < 172800)
		snprintf(buf, 24, "%ldh", d / 3600);
	else
		snprintf(buf, 24, "%ldd", d / 86400);
	return buf;
}

static void print_table(const struct jl_container_info *v, size_t n, const struct store_view *sv)
{
	bool images = false;
	int w_owner = 5, w_image = 5;
	for (size_t i = 0; i < n; i++) {
		const struct img_container *c = from_store(sv, v[i].id);
		images = images || c;
		w_owner = (int)strlen(v[i].owner) > w_owner ? (int)strlen(v[i].owner) : w_owner;
		if (c)
			w_image = (int)strlen(c->ref) > w_image ? (int)strlen(c->ref) : w_image;
	}
	/* Column widths from the content, as Go's tabwriter does for runc. */
	int w_id = 2, w_pid = 3, w_st = 6, w_bundle = 6, w_created = 7;
	for (size_t i = 0; i < n; i++) {
		char pid[16];
		int lp = snprintf(pid, sizeof(pid), "%d", (int)v[i].pid);
		w_id = (int)strlen(v[i].id) > w_id ? (int)strlen(v[i].id) : w_id;
		w_pid = lp > w_pid ? lp : w_pid;
		int ls = (int)strlen(jl_status_name(v[i].status));
		w_st = ls > w_st ? ls : w_st;
		w_bundle = (int)strlen(v[i].bundle) > w_bundle ? (int)strlen(v[i].bundle) : w_bundle;
		w_created =
			(int)strlen(v[i].created) > w_created ? (int)strlen(v[i].created) : w_created;
	}
	printf("%-*s   %-*s   %-*s   %-*s   %-*s   ", w_id, "ID", w_pid, "PID", w_st, "STATUS",
	       w_bundle, "BUNDLE", w_created, "CREATED");
	if (images)
		printf("%-*s   %-*s   %-4s   COMMAND\n", w_owner, "OWNER", w_image, "IMAGE", "AGE");
	else
		printf("OWNER\n");
	for (size_t i = 0; i < n; i++) {
		printf("%-*s   %-*d   %-*s   %-*s   %-*s   ", w_id, v[i].id, w_pid, (int)v[i].pid,
		       w_st, jl_status_name(v[i].status), w_bundle, v[i].bundle, w_created,
		       v[i].created);
		const struct img_container *c = images ? from_store(sv, v[i].id) : NULL;
		char age[24];
		if (images)
			printf("%-*s   %-*s   %-4s   %s\n", w_owner, v[i].owner, w_image,
			       c ? c->ref : "-", age_of(v[i].created, age), c ? c->command : "-");
		else
			printf("%s\n", v[i].owner);
	}
}

/* runc prints the list as one line (Go's json.Encoder); the state objects
 * come pretty-printed, as `state` shows them.  Drop the whitespace between
 * tokens: strings keep theirs, escaped quotes included. */
static void print_compact(const char *json)
{
	bool in_string = false, escaped = false;
	for (const char *p = json; *p; p++) {
		char c = *p;
		if (in_string) {
			in_string = escaped || c != '"';
			escaped = !escaped && c == '\\';
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			continue;
		} else {
			in_string = c == '"';
		}
		putchar(c);
	}
	putchar('\n');
}

int cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "table|json", "output format"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the ids"},
	};
	struct cli_command cmd = {"list", "[options]", "List the containers under --root.", opts,
				  ARRAY_SIZE(opts), false};
	struct jl_err *err = NULL;
	int r = cli_parse_no_args(&cmd, argc, argv, &err);
	if (r == 0 && strcmp(format, "table") && strcmp(format, "json"))
		r = jl_err_code(&err, EINVAL, "list: --format: unknown format \"%s\" (table or json)",
			       format);
	if (r != 0)
		return r > 0 ? 0 : cli_fail(&err);
	if (!strcmp(format, "json") && !quiet) {
		struct jl_buf out = {0};
		r = jl_container_list_json(&ctx->g, &out, &err);
		if (r == 0)
			print_compact(out.data);
		jl_buf_free(&out);
		return r < 0 ? cli_fail(&err) : 0;
	}
	struct jl_container_info *v = NULL;
	size_t n = 0;
	struct store_view sv = {0};
	r = jl_container_list(&ctx->g, &v, &n, &err);
	/* The store is optional here: an unreadable one costs the columns,
	 * not the list. */
	struct jl_err *serr = NULL;
	if (r == 0 && !quiet && n && jl_store_containers(ctx->store, &sv.v, &sv.n, &serr) < 0)
		jl_warn("list: %s", serr->msg);
	jl_err_free(&serr);
	if (r == 0) {
		if (quiet)
			for (size_t i = 0; i < n; i++)
				printf("%s\n", v[i].id);
		else
			print_table(v, n, &sv);
	}
	img_containers_free(sv.v, sv.n);
	jl_container_info_free(v, n);
	return r < 0 ? cli_fail(&err) : 0;
}
