/* jaula image import: the import itself is one call; this file is mostly
 * its progress report -- on a terminal one line, redrawn at most ten times
 * a second, with the step, the bytes and the rate; otherwise (a log, a
 * pipe) one plain line per finished step, which scripts and tests can
 * count. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_image.h"

struct progress {
	bool tty;
	char step[128];     /* the step in progress */
	uint64_t done;      /* its bytes so far */
	double started;     /* when it began: when the one before ended */
	double drawn;       /* last redraw (tty) */
	bool line_open;     /* a tty line waits for its newline */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_image_human(uint64_t bytes, char out[16])
{
	static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1000;
		u++;
	}
	snprintf(out, 16, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* " (12.3 MB/s)", or nothing before there is a duration to speak of. */
static void rate(const struct progress *p, double t, char out[32])
{
	double secs = t - p->started;
	char h[16];
	out[0] = '\0';
	if (secs < 0.01)
		return;
	cli_image_human((uint64_t)((double)p->done / secs), h);
	snprintf(out, 32, " (%s/s)", h);
}

/* The step that just ended, as one line. */
static void step_done(struct progress *p)
{
	if (!p->step[0])
		return;
	double t = now_s();
	char b[16], r[32];
	cli_image_human(p->done, b);
	rate(p, t, r);
	if (p->tty)
		fprintf(stderr, "\r\033[K%s: %s%s\n", p->step, b, r);
	else
		fprintf(stderr, "%s: %s in %.2f s%s\n", p->step, b, t - p->started, r);
	p->line_open = false;
	p->step[0] = '\0';
	p->started = t;
}

static void on_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	if (strcmp(p->step, what) || done < p->done) {
		step_done(p);
		snprintf(p->step, sizeof(p->step), "%s", what);
		p->drawn = 0;
	}
	p->done = done;
	if (!p->tty)
		return;
	double t = now_s();
	if (t - p->drawn < 0.1 && done != total)
		return;
	p->drawn = t;
	char b[16], tot[16], r[32];
	cli_image_human(done, b);
	rate(p, t, r);
	if (total) {
		cli_image_human(total, tot);
		fprintf(stderr, "\r\033[K%s: %s / %s%s", what, b, tot, r);
	} else {
		fprintf(stderr, "\r\033[K%s: %s%s", what, b, r);
	}
	p->line_open = true;
}

int cli_image_import(struct cli_ctx *ctx, int argc, char **argv)
{
	bool quiet = false;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "no progress; print only the digest"},
	};
	struct cli_command cmd = {
		"image import", "[options] <source> <name[:tag]>",
		"Import an image: an OCI layout directory, an oci-archive, a `docker save` "
		"archive, or a root filesystem tarball (.tar, .tar.gz, .tar.zst; one layer). "
		"Prints the manifest digest.",
		opts, ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = cli_parse(&cmd, argc, argv, &pos, &err);
	if (r == 0)
		r = cli_image_need(&cmd, &pos, 2, 2, "a source and a name", &err);
	struct img_store *s = NULL;
	if (r == 0)
		r = cli_image_store(ctx, &s, &err);
	struct progress p = {.tty = isatty(STDERR_FILENO) == 1, .started = now_s()};
	struct img_progress cb = {on_progress, &p};
	char *digest = NULL;
	if (r == 0) {
		r = img_import(s, pos.v[0], pos.v[1], quiet ? NULL : &cb, &digest, &err);
		if (r == 0)
			step_done(&p);
		else if (p.line_open)
			fputc('\n', stderr);
	}
	if (r == 0)
		printf("%s\n", digest);
	free(digest);
	img_store_close(s);
	cli_list_free(&pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(&err) : 0;
}
