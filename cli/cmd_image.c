/* jaula image import|ls|inspect|rm|prune|commit|export: the image room's
 * operations, one short function each (import and its progress report are
 * cmd_image_import.c). */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_image.h"

int cli_image_store(struct cli_ctx *ctx, struct img_store **s, struct jl_err **err)
{
	return img_store_open(ctx->store && *ctx->store ? ctx->store : IMG_DEFAULT_STORE, s, err);
}

int cli_image_need(const struct cli_command *cmd, const struct cli_list *pos, size_t min,
		   size_t max, const char *wanted, struct jl_err **err)
{
	if (pos->n < min || pos->n > max)
		return jl_err_code(err, EINVAL, "%s: %s %s (usage: jaula %s %s)", cmd->name,
				   pos->n < min ? "requires" : "too many arguments; takes", wanted,
				   cmd->name, cmd->usage);
	return 0;
}

/* Parse, check the count, open the store: the start of every subcommand. */
static int begin(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		 size_t min, size_t max, const char *wanted, struct cli_list *pos,
		 struct img_store **s, struct jl_err **err)
{
	int r = cli_parse(cmd, argc, argv, pos, err);
	if (r == 0)
		r = cli_image_need(cmd, pos, min, max, wanted, err);
	if (r == 0)
		r = cli_image_store(ctx, s, err);
	return r;
}

static int end(int r, struct cli_list *pos, struct img_store *s, struct jl_err **err)
{
	img_store_close(s);
	cli_list_free(pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(err) : 0;
}

/* --- ls ------------------------------------------------------------------------ */

static void ls_table(const struct img_info *v, size_t n)
{
	int w = 4;
	for (size_t i = 0; i < n; i++)
		w = (int)strlen(v[i].ref) > w ? (int)strlen(v[i].ref) : w;
	printf("%-*s   %-12s   %-20s   %9s   %s\n", w, "NAME", "DIGEST", "CREATED", "SIZE",
	       "LAYERS");
	for (size_t i = 0; i < n; i++) {
		char size[16], created[24] = "-";
		cli_image_human(v[i].size, size);
		/* "2024-05-01T12:00:00.123Z" -> "2024-05-01 12:00:00" */
		if (v[i].created && strlen(v[i].created) >= 19)
			snprintf(created, sizeof(created), "%.10s %.8s", v[i].created,
				 v[i].created + 11);
		printf("%-*s   %-12.12s   %-20s   %9s   %zu\n", w, v[i].ref, v[i].digest + 7,
		       created, size, v[i].n_layers);
	}
}

/* A JSON string (cli/ keeps to the public headers, so no JSON writer):
 * refs and digests are plain, a config's "created" is anything. */
static void json_str(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void ls_json(const struct img_info *v, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",{\"ref\":" : "{\"ref\":", stdout);
		json_str(v[i].ref);
		fputs(",\"digest\":", stdout);
		json_str(v[i].digest);
		fputs(",\"config\":", stdout);
		json_str(v[i].config);
		fputs(",\"created\":", stdout);
		json_str(v[i].created);
		printf(",\"size\":%llu,\"layers\":%zu}", (unsigned long long)v[i].size,
		       v[i].n_layers);
	}
	puts("]");
}

static int image_ls(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "table|json", "output format"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the names"},
	};
	struct cli_command cmd = {"image ls", "[options]", "List the images of the store.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct img_store *s = NULL;
	struct jl_err *err = NULL;
	int r = begin(ctx, &cmd, argc, argv, 0, 0, "no arguments", &pos, &s, &err);
	if (r == 0 && strcmp(format, "table") && strcmp(format, "json"))
		r = jl_err_code(&err, EINVAL, "image ls: --format: unknown format \"%s\" (table or "
				"json)", format);
	struct img_info *v = NULL;
	size_t n = 0;
	if (r == 0)
		r = img_list(s, &v, &n, &err);
	for (size_t i = 0; r == 0 && quiet && i < n; i++)
		printf("%s\n", v[i].ref);
	if (r == 0 && !quiet)
		!strcmp(format, "json") ? ls_json(v, n) : ls_table(v, n);
	img_info_free(v, n);
	return end(r, &pos, s, &err);
}

/* --- inspect, rm, prune -------------------------------------------------------------- */

static int image_inspect(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"image inspect", "<image>",
				  "Print an image as JSON: names, digests, layers (with diff and "
				  "chain ids) and the config a container is made from.",
				  NULL, 0, false};
	struct cli_list pos = {0};
	struct img_store *s = NULL;
	struct jl_err *err = NULL;
	int r = begin(ctx, &cmd, argc, argv, 1, 1, "an image", &pos, &s, &err);
	struct jl_buf out = {0};
	if (r == 0)
		r = img_inspect(s, pos.v[0], &out, &err);
	if (r == 0)
		fputs(out.data, stdout);
	jl_buf_free(&out);
	return end(r, &pos, s, &err);
}

static int image_rm(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"image rm", "<image>...",
				  "Remove image names.  An image a container uses keeps its last "
				  "name; blobs and layers stay until `jaula image prune`.",
				  NULL, 0, false};
	struct cli_list pos = {0};
	struct img_store *s = NULL;
	struct jl_err *err = NULL;
	int r = begin(ctx, &cmd, argc, argv, 1, (size_t)-1, "at least one image", &pos, &s, &err);
	int failed = 0;
	for (size_t i = 0; r == 0 && i < pos.n; i++) {
		if (img_remove(s, pos.v[i], &err) < 0)
			failed = cli_fail(&err);
		else
			printf("%s\n", pos.v[i]);
	}
	int rc = end(r, &pos, s, &err);
	return rc ? rc : failed;
}

static int image_prune(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"image prune", "",
				  "Free the blobs and layers no image and no container uses, and "
				  "what interrupted imports left.",
				  NULL, 0, false};
	struct cli_list pos = {0};
	struct img_store *s = NULL;
	struct jl_err *err = NULL;
	int r = begin(ctx, &cmd, argc, argv, 0, 0, "no arguments", &pos, &s, &err);
	uint64_t freed = 0;
	if (r == 0)
		r = img_prune(s, &freed, &err);
	if (r == 0) {
		char h[16];
		cli_image_human(freed, h);
		printf("freed %llu bytes (%s)\n", (unsigned long long)freed, h);
	}
	return end(r, &pos, s, &err);
}

/* --- commit, export -------------------------------------------------------------------- */

static int image_commit(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"image commit", "<container> <name[:tag]>",
				  "Make an image of a container: its image plus one layer of what "
				  "it changed.  Prints the manifest digest.",
				  NULL, 0, false};
	struct cli_list pos = {0};
	struct img_store *s = NULL;
	struct jl_err *err = NULL;
	int r = begin(ctx, &cmd, argc, argv, 2, 2, "a container and a name", &pos, &s, &err);
	char *digest = NULL;
	if (r == 0)
		r = img_commit(s, pos.v[0], pos.v[1], &digest, &err);
	if (r == 0)
		printf("%s\n", digest);
	free(digest);
	return end(r, &pos, s, &err);
}

static int image_export(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"image export", "<image> <file>",
				  "Write an image as an oci-archive (a tar of an OCI layout), which "
				  "skopeo, umoci and `podman load` read.",
				  NULL, 0, false};
	struct cli_list pos = {0};
	struct img_store *s = NULL;
	struct jl_err *err = NULL;
	int r = begin(ctx, &cmd, argc, argv, 2, 2, "an image and a file", &pos, &s, &err);
	if (r == 0)
		r = img_export(s, pos.v[0], pos.v[1], &err);
	return end(r, &pos, s, &err);
}

/* --- dispatch -------------------------------------------------------------------------- */

static const struct cli_subcommand subcommands[] = {
	{"import", cli_image_import, "import an OCI layout, oci-archive, docker save or rootfs tar"},
	{"ls", image_ls, "list images"},
	{"inspect", image_inspect, "print an image as JSON"},
	{"rm", image_rm, "remove image names"},
	{"prune", image_prune, "free unused blobs and layers"},
	{"commit", image_commit, "make an image of a container"},
	{"export", image_export, "write an image as an oci-archive"},
};

int cmd_image(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, "image", subcommands, ARRAY_SIZE(subcommands),
			    "The store is --store DIR, else $JAULA_STORE, else " IMG_DEFAULT_STORE ".", argc, argv);
}
