/* Command-line parsing in runc's style: "--flag value", "--flag=value",
 * "-f value", "-fvalue", boolean flags, repeated flags, "--" ends options. */
#ifndef JAULA_CLI_ARGS_H
#define JAULA_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/container.h"

enum cli_kind {
	CLI_BOOL,   /* --detach: sets *b */
	CLI_STRING, /* --bundle DIR: sets *s */
	CLI_INT,    /* --preserve-fds N: sets *i */
	CLI_LIST,   /* -e K=V, repeatable: appends to *list */
	CLI_OPTIONAL_BOOL, /* --rootless or --rootless=true|false|auto */
	CLI_ORDERED, /* --bind/--ro-bind: options sharing one *cli_ordered, in argv order */
};

struct cli_list {
	const char **v;
	size_t n;
};

/* Values of several options in the order given, each with the option's
 * name: where the order matters across options (a later bind wins). */
struct cli_ordered {
	struct cli_ordered_item {
		const char *opt; /* long name */
		const char *value;
	} *v;
	size_t n;
};

struct cli_opt {
	const char *name; /* long name without "--" */
	char short_name;  /* 0: none */
	enum cli_kind kind;
	void *out;
	const char *metavar;
	const char *help;
};

struct cli_command {
	const char *name;
	const char *usage;   /* "[options] <container-id>" */
	const char *summary; /* one line */
	const struct cli_opt *opts;
	size_t n_opts;
	bool stop_at_positional; /* exec: everything after the id is the command */
};

/* Parse argv[1..] (argv[0] is the command name).  Positionals are collected
 * into pos (malloc'ed, caller frees).  Returns 0, 1 when --help was printed,
 * or < 0 with an error naming the bad option. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_list *pos,
	      struct jl_err **err);
void cli_usage(const struct cli_command *cmd, FILE *out);
void cli_list_free(struct cli_list *l);
void cli_ordered_free(struct cli_ordered *l);

/* For commands without positional arguments: parse and refuse any. */
int cli_parse_no_args(const struct cli_command *cmd, int argc, char **argv, struct jl_err **err);

/* Positional-count check with runc's message. */
int cli_need_args(const struct cli_command *cmd, const struct cli_list *pos, size_t min,
		  size_t max, struct jl_err **err);

/* Shared state of one invocation. */
struct cli_ctx {
	struct jl_global g;
	const char *store; /* --store, else $JAULA_STORE, else the image room's default */
	const char *log_file;
	const char *log_format;
	bool debug;
};

#endif
