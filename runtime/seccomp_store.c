/* A compiled seccomp program on disk: a small header, then the BPF
 * instructions exactly as the kernel takes them -- the whole program
 * jl_seccomp_compile made, -ENOSYS stub included, so a process `exec` adds
 * to the container answers every call exactly as its init does. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "runtime/util.h"

#define MAGIC "JLBPF\001"
/* compile never writes more than the kernel takes; a longer program would
 * not even fit fprog.len (16 bits) once read back. */
#define MAX_SIZE (sizeof(struct header) + BPF_MAXINSNS * sizeof(struct sock_filter))

struct header {
	char magic[6];
	uint8_t notify;
	uint8_t pad;
	uint32_t flags;
	uint32_t len;
};

int jl_seccomp_prog_save(int dirfd, const char *name, const struct jl_seccomp_prog *p,
			 struct jl_err **err)
{
	struct header h = {.notify = p->notify, .flags = p->flags, .len = p->fprog.len};
	memcpy(h.magic, MAGIC, sizeof(h.magic));
	size_t size = sizeof(h) + (size_t)p->fprog.len * sizeof(struct sock_filter);
	cleanup_free char *buf = xmalloc(size);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p->fprog.filter, size - sizeof(h));
	return jl_write_atomic_at(dirfd, name, buf, size, 0600, err);
}

int jl_seccomp_prog_load_file(int dirfd, const char *name, struct jl_seccomp_prog *out,
			      struct jl_err **err)
{
	char *buf = NULL;
	size_t len = 0;
	struct jl_err *e = NULL;
	int r = jl_read_file_at(dirfd, name, MAX_SIZE, &buf, &len, &e);
	if (r == -ENOENT) {
		jl_err_free(&e);
		return -ENOENT;
	}
	if (r < 0) {
		if (err && !*err)
			*err = e;
		else
			jl_err_free(&e);
		return r;
	}
	struct header h;
	if (len < sizeof(h) || (memcpy(&h, buf, sizeof(h)), memcmp(h.magic, MAGIC, 6)) ||
	    len != sizeof(h) + (size_t)h.len * sizeof(struct sock_filter) || !h.len ||
	    h.len > BPF_MAXINSNS) {
		free(buf);
		return jl_err_set(err, 0, "%s: not a compiled seccomp program", name);
	}
	struct sock_filter *f = xmalloc((size_t)h.len * sizeof(*f));
	memcpy(f, buf + sizeof(h), (size_t)h.len * sizeof(*f));
	free(buf);
	memset(out, 0, sizeof(*out));
	out->fprog.len = (unsigned short)h.len;
	out->fprog.filter = f;
	out->flags = h.flags;
	out->notify = h.notify;
	return 0;
}
