#include "cli/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_list_free(struct cli_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void cli_ordered_free(struct cli_ordered *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void ordered_add(struct cli_ordered *l, const char *opt, const char *value)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = (struct cli_ordered_item){.opt = opt, .value = value};
}

static void list_add(struct cli_list *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void cli_usage(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "Usage: jaula %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (!cmd->n_opts)
		return;
	fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < cmd->n_opts; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		char left[64];
		int n = o->short_name ? snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name)
				      : snprintf(left, sizeof(left), "      --%s", o->name);
		if (o->metavar && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->metavar);
		fprintf(out, "%-34s %s\n", left, o->help);
	}
	fprintf(out, "  -h, --help                       show this help\n");
}

static const struct cli_opt *find_long(const struct cli_command *cmd, const char *name,
				       size_t len)
{
	for (size_t i = 0; i < cmd->n_opts; i++)
		if (strlen(cmd->opts[i].name) == len && !strncmp(cmd->opts[i].name, name, len))
			return &cmd->opts[i];
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_command *cmd, char c)
{
	for (size_t i = 0; i < cmd->n_opts; i++)
		if (cmd->opts[i].short_name == c)
			return &cmd->opts[i];
	return NULL;
}

static int set_bool_value(const struct cli_opt *o, const char *v, struct jl_err **err)
{
	bool *b = o->out;
	if (!v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "auto"))
		*b = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*b = false;
	else
		return jl_err_code(err, EINVAL, "--%s: invalid value \"%s\" (true or false)", o->name, v);
	return 0;
}

static int store(const struct cli_opt *o, const char *v, struct jl_err **err)
{
	switch (o->kind) {
	case CLI_BOOL:
	case CLI_OPTIONAL_BOOL:
		return set_bool_value(o, v, err);
	case CLI_STRING:
		*(const char **)o->out = v;
		return 0;
	case CLI_INT:
		if (jl_parse_int(v, o->out) < 0 || *(int *)o->out < 0)
			return jl_err_code(err, EINVAL, "--%s: invalid number \"%s\"", o->name, v);
		return 0;
	case CLI_LIST:
		list_add(o->out, v);
		return 0;
	case CLI_ORDERED:
		ordered_add(o->out, o->name, v);
		return 0;
	}
	return 0;
}

static bool takes_value(const struct cli_opt *o)
{
	return o->kind == CLI_STRING || o->kind == CLI_INT || o->kind == CLI_LIST ||
	       o->kind == CLI_ORDERED;
}

/* "--name", "--name=value", "--name value" */
static int parse_long(const struct cli_command *cmd, int argc, char **argv, int *i,
		      struct jl_err **err)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct cli_opt *o = find_long(cmd, arg, len);
	if (!o)
		return jl_err_code(err, EINVAL, "%s: unknown option \"--%.*s\" (see jaula %s --help)",
				  cmd->name, (int)len, arg, cmd->name);
	if (!takes_value(o)) {
		if (eq && o->kind == CLI_BOOL && !strcmp(eq + 1, ""))
			return jl_err_code(err, EINVAL, "--%s: empty value", o->name);
		return store(o, eq ? eq + 1 : NULL, err);
	}
	if (eq)
		return store(o, eq + 1, err);
	if (*i + 1 >= argc)
		return jl_err_code(err, EINVAL, "%s: option --%s needs a value", cmd->name, o->name);
	return store(o, argv[++*i], err);
}

/* "-d", "-dt" (booleans), "-b DIR", "-bDIR" */
static int parse_short(const struct cli_command *cmd, int argc, char **argv, int *i,
		       struct jl_err **err)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct cli_opt *o = find_short(cmd, *p);
		if (!o)
			return jl_err_code(err, EINVAL, "%s: unknown option \"-%c\" (see jaula %s --help)",
					  cmd->name, *p, cmd->name);
		if (!takes_value(o)) {
			int r = store(o, NULL, err);
			if (r < 0)
				return r;
			continue;
		}
		if (p[1])
			return store(o, p[1] == '=' ? p + 2 : p + 1, err); /* -fjson, -f=json */
		if (*i + 1 >= argc)
			return jl_err_code(err, EINVAL, "%s: option -%c needs a value", cmd->name, *p);
		return store(o, argv[++*i], err);
	}
	return 0;
}

static bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_list *pos,
	      struct jl_err **err)
{
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && is_help(a)) {
			cli_usage(cmd, stdout);
			return 1;
		}
		if (options && !strcmp(a, "--")) {
			options = false;
			continue;
		}
		int r = 0;
		if (options && a[0] == '-' && a[1] == '-')
			r = parse_long(cmd, argc, argv, &i, err);
		else if (options && a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9'))
			r = parse_short(cmd, argc, argv, &i, err);
		else {
			list_add(pos, a);
			if (cmd->stop_at_positional)
				options = false;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int cli_need_args(const struct cli_command *cmd, const struct cli_list *pos, size_t min,
		  size_t max, struct jl_err **err)
{
	/* One line: a usage of several forms shows its first here, --help all. */
	int n = (int)strcspn(cmd->usage, "\n");
	if (pos->n < min)
		return jl_err_code(err, EINVAL, "%s: requires %s (usage: jaula %s %.*s)", cmd->name,
				  min == 1 ? "a container id" : "more arguments", cmd->name, n,
				  cmd->usage);
	if (pos->n > max)
		return jl_err_code(err, EINVAL, "%s: too many arguments (usage: jaula %s %.*s)",
				  cmd->name, cmd->name, n, cmd->usage);
	return 0;
}

int cli_parse_no_args(const struct cli_command *cmd, int argc, char **argv, struct jl_err **err)
{
	struct cli_list pos = {0};
	int r = cli_parse(cmd, argc, argv, &pos, err);
	if (r == 0)
		r = cli_need_args(cmd, &pos, 0, 0, err);
	cli_list_free(&pos);
	return r;
}
