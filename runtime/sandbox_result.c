/* The sandbox's verdict as a record for graders and CI runners (--json):
 *   {"status": 137, "signal": 9, "reason": "memory limit 512M exceeded",
 *    "wall_time_sec": 0.412, "cpu_time_sec": 0.398, "peak_memory_bytes": 537919488}
 * status is the exit status jaula exits with; signal and reason are null
 * when they do not apply. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/json.h"
#include "runtime/sandbox_internal.h"

static void kv_seconds(struct jl_json_writer *w, const char *key, double v)
{
	char num[32];
	snprintf(num, sizeof(num), "%.3f", v);
	jl_jw_key(w, key);
	jl_jw_raw(w, num);
}

int sbx_result_write_json(const char *path, const struct jl_sandbox_result *res,
			  struct jl_err **err)
{
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b, .pretty = true};
	jl_jw_begin_object(&w);
	jl_jw_kv_int(&w, "status", res->exit_status);
	jl_jw_key(&w, "signal");
	if (res->signal)
		jl_jw_int(&w, res->signal);
	else
		jl_jw_null(&w);
	jl_jw_kv_str(&w, "reason", res->reason); /* NULL writes null */
	kv_seconds(&w, "wall_time_sec", res->wall_sec);
	kv_seconds(&w, "cpu_time_sec", res->cpu_sec);
	jl_jw_kv_uint(&w, "peak_memory_bytes", res->peak_memory);
	jl_jw_end_object(&w);
	jl_buf_puts(&b, "\n");
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = fd < 0 || jl_write_all(fd, b.data, b.len) < 0 ? -errno : 0;
	jl_buf_free(&b);
	return r < 0 ? jl_err_set(err, -r, "--json: write \"%s\"", path) : 0;
}

void jl_sandbox_result_free(struct jl_sandbox_result *res)
{
	free(res->reason);
	res->reason = NULL;
}
