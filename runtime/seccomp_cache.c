/* Compiled seccomp programs, kept for the life of the boot.  libseccomp's
 * compile is most of the runtime's own CPU time for a container with a
 * profile (milliseconds for podman's or jaula's default, allocation-heavy,
 * and a bigger heap makes every later fork dearer), and engines send the
 * same profile for every container.  So a program is compiled once and
 * kept under the sha256 of everything that decides its bytes: the profile,
 * jaula's build, libseccomp's version and the running kernel's release.
 *
 * The programs become the filters of every later container, so the cache
 * is trusted only where nobody else can write: a directory owned by the
 * caller with no group or other access, in /run (root) or
 * $XDG_RUNTIME_DIR (a user), opened without following symlinks.  Anything
 * else disables the cache; a file that does not read back whole is
 * compiled over.  JAULA_SECCOMP_CACHE=off disables it, =DIR moves it. */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "image/image.h"
#include "runtime/log.h"
#include "runtime/seccomp.h"
#include "runtime/util.h"

#ifndef JAULA_VERSION
#define JAULA_VERSION "dev"
#endif
#ifndef JAULA_COMMIT
#define JAULA_COMMIT "unknown"
#endif

/* Length-prefixed, so that no two profiles serialise alike. */
static void put_str(struct jl_buf *b, const char *s)
{
	if (s)
		jl_buf_printf(b, "%zu:%s;", strlen(s), s);
	else
		jl_buf_puts(b, "-;");
}

static void put_strv(struct jl_buf *b, const struct spec_strv *v)
{
	jl_buf_printf(b, "[%zu;", v->n);
	for (size_t i = 0; i < v->n; i++)
		put_str(b, v->v[i]);
}

static void put_syscall(struct jl_buf *b, const struct spec_seccomp_syscall *c)
{
	put_strv(b, &c->names);
	put_str(b, c->action);
	jl_buf_printf(b, "%d:%u;%zu;", c->has_errno_ret, c->errno_ret, c->n_args);
	for (size_t i = 0; i < c->n_args; i++) {
		const struct spec_seccomp_arg *a = &c->args[i];
		jl_buf_printf(b, "%u:%llu:%d:%llu;", a->index, (unsigned long long)a->value,
			      a->has_value_two, (unsigned long long)a->value_two);
		put_str(b, a->op);
	}
}

void jl_seccomp_cache_key(const struct spec_seccomp *s, char out[65])
{
	struct jl_buf b = {0};
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	jl_buf_printf(&b, "jaula seccomp cache 1;%s;%s;libseccomp %u.%u.%u;", JAULA_VERSION,
		      JAULA_COMMIT, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
	put_str(&b, u.release);
	put_str(&b, u.machine);
	put_str(&b, s->default_action);
	jl_buf_printf(&b, "%d:%u;", s->has_default_errno_ret, s->default_errno_ret);
	put_strv(&b, &s->architectures);
	put_strv(&b, &s->flags);
	put_str(&b, s->listener_path);
	put_str(&b, s->listener_metadata);
	jl_buf_printf(&b, "%zu;", s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++)
		put_syscall(&b, &s->syscalls[i]);
	img_sha256_hex(b.data ? b.data : "", b.len, out);
	jl_buf_free(&b);
}

struct build_ids {
	struct jl_buf text;
	bool missing; /* an object without one: no key at all */
};

/* The GNU build id of every object loaded, in hex: each changes with any
 * change to its code, so ours with a profile compiled in, and a shared
 * libseccomp's (a dynamic build) with its version.  A static build is one
 * object, libseccomp in it. */
static int add_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	static const char hex[] = "0123456789abcdef";
	struct build_ids *ids = data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *n = (const void *)p;
			const char *name = p + sizeof(*n);
			const unsigned char *desc =
				(const unsigned char *)name + ((n->n_namesz + 3) & ~3u);
			if ((const char *)desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
				/* Not printf: two vsnprintf per byte were most of the key. */
				char out[2 * 64 + 2];
				size_t k, len = n->n_descsz < 64 ? n->n_descsz : 64;
				for (k = 0; k < len; k++) {
					out[2 * k] = hex[desc[k] >> 4];
					out[2 * k + 1] = hex[desc[k] & 15];
				}
				out[2 * k] = ';';
				jl_buf_add(&ids->text, out, 2 * k + 1);
				return 0;
			}
			p = (const char *)desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	ids->missing = true;
	return 1;
}

bool jl_seccomp_cache_key_named(const char *what, char out[65])
{
	struct build_ids ids = {0};
	dl_iterate_phdr(add_build_id, &ids);
	if (ids.missing || !ids.text.len) {
		jl_buf_free(&ids.text);
		return false;
	}
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	struct jl_buf b = {0};
	jl_buf_printf(&b, "jaula seccomp cache, named 2;%s;", ids.text.data);
	put_str(&b, u.release);
	put_str(&b, u.machine);
	put_str(&b, what);
	img_sha256_hex(b.data, b.len, out);
	jl_buf_free(&b);
	jl_buf_free(&ids.text);
	return true;
}

/* dirfd/name as a directory only we can write, made if missing. */
static int private_dir(int dirfd, const char *name)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, flags);
	if (fd < 0 && errno == ENOENT && (mkdirat(dirfd, name, 0700) == 0 || errno == EEXIST))
		fd = openat(dirfd, name, flags);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077))) {
		jl_debug("seccomp cache %s: not private to uid %u, not used", name,
			 (unsigned)geteuid());
		close(fd);
		return -1;
	}
	return fd;
}

int jl_seccomp_cache_open(void)
{
	const char *env = getenv("JAULA_SECCOMP_CACHE");
	if (env && !strcmp(env, "off"))
		return -1;
	cleanup_free char *base = NULL;
	if (env && env[0] == '/')
		base = xstrdup(env);
	else if (geteuid() == 0)
		base = xstrdup("/run/jaula-cache");
	else if (getenv("XDG_RUNTIME_DIR") && getenv("XDG_RUNTIME_DIR")[0] == '/')
		base = xasprintf("%s/jaula-cache", getenv("XDG_RUNTIME_DIR"));
	else
		return -1;
	int top = private_dir(AT_FDCWD, base);
	if (top < 0)
		return -1;
	int fd = private_dir(top, "seccomp");
	close(top);
	return fd;
}

int jl_seccomp_compile_cached(int cachefd, const struct spec_seccomp *s, const char *where,
			      struct jl_seccomp_prog *out, struct jl_err **err)
{
	if (cachefd < 0)
		return jl_seccomp_compile(s, where, out, err);
	char key[65];
	jl_seccomp_cache_key(s, key);
	struct jl_err *e = NULL;
	if (jl_seccomp_prog_load_file(cachefd, key, out, &e) == 0)
		return 0;
	jl_err_free(&e);
	int r = jl_seccomp_compile(s, where, out, err);
	/* Best effort: a full /run only costs the next compile. */
	if (r == 0 && jl_seccomp_prog_save(cachefd, key, out, &e) < 0)
		jl_debug("seccomp cache: %s", e->msg);
	jl_err_free(&e);
	return r;
}
