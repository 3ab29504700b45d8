/* list: a table like runc's, or the OCI state objects as a JSON array on
 * one line. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static void print_table(const struct jl_container_info *v, size_t n)
{
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
	printf("%-*s   %-*s   %-*s   %-*s   %-*s   %s\n", w_id, "ID", w_pid, "PID", w_st,
	       "STATUS", w_bundle, "BUNDLE", w_created, "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++)
		printf("%-*s   %-*d   %-*s   %-*s   %-*s   %s\n", w_id, v[i].id, w_pid,
		       (int)v[i].pid, w_st, jl_status_name(v[i].status), w_bundle, v[i].bundle,
		       w_created, v[i].created, v[i].owner);
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
	r = jl_container_list(&ctx->g, &v, &n, &err);
	if (r == 0) {
		if (quiet)
			for (size_t i = 0; i < n; i++)
				printf("%s\n", v[i].id);
		else
			print_table(v, n);
	}
	jl_container_info_free(v, n);
	return r < 0 ? cli_fail(&err) : 0;
}
