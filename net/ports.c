/* Published ports: `-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]`, and the claims
 * that keep two containers from publishing the same host port:
 * networks/.ports/<proto>-<port> holds the container id (O_EXCL makes the
 * claim atomic across processes without a lock). */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "net/net_internal.h"
#include "runtime/util.h"

#define PORTS_DIR ".ports"

const char *net_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static int parse_port(const char *s, const char *spec, const char *which, uint16_t *out,
		      struct jl_err **err)
{
	int v;
	if (jl_parse_int(s, &v) < 0)
		return jl_err_code(err, EINVAL, "-p %s: %s port \"%s\" is not a number", spec,
				   which, s);
	if (v < 1 || v > 65535)
		return jl_err_code(err, EINVAL, "-p %s: %s port %d out of range 1..65535", spec,
				   which, v);
	*out = (uint16_t)v;
	return 0;
}

static int parse_proto(char *s, const char *spec, struct net_port *p, struct jl_err **err)
{
	char *slash = strchr(s, '/');
	p->proto = IPPROTO_TCP;
	if (!slash)
		return 0;
	*slash = '\0';
	if (!strcmp(slash + 1, "udp"))
		p->proto = IPPROTO_UDP;
	else if (strcmp(slash + 1, "tcp"))
		return jl_err_code(err, EINVAL, "-p %s: unknown protocol \"%s\" (tcp or udp)", spec,
				   slash + 1);
	return 0;
}

int net_port_parse(const char *spec, struct net_port *p, struct jl_err **err)
{
	memset(p, 0, sizeof(*p));
	cleanup_free char *s = xstrdup(spec);
	int r = parse_proto(s, spec, p, err);
	if (r < 0)
		return r;
	char *ctr = strrchr(s, ':');
	if (!ctr)
		return jl_err_code(err, EINVAL, "-p %s: expected [HOSTIP:]HOSTPORT:CONTAINERPORT",
				   spec);
	*ctr++ = '\0';
	char *host = strrchr(s, ':');
	if (host) {
		*host++ = '\0';
		struct in_addr a;
		if (inet_pton(AF_INET, s, &a) != 1)
			return jl_err_code(err, EINVAL, "-p %s: host address \"%s\" is not IPv4",
					   spec, s);
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", s);
	} else {
		host = s;
	}
	r = parse_port(host, spec, "host", &p->host_port, err);
	if (r == 0)
		r = parse_port(ctr, spec, "container", &p->ctr_port, err);
	return r;
}

int net_port_check(const char *spec, struct jl_err **err)
{
	struct net_port p;
	return net_port_parse(spec, &p, err);
}

/* The holder of a claim still has an attachment somewhere?  A claim
 * whose container is gone without a detach must not block the port. */
static bool holder_attached(struct net_store *s, const char *holder)
{
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return true;
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return true;
	}
	cleanup_free char *rec = xasprintf("attachments/%s.json", holder);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		cleanup_free char *path = xasprintf("%s/%s", de->d_name, rec);
		if (faccessat(s->dirfd, path, F_OK, 0) == 0)
			return true;
	}
	return false;
}

static int ports_dir(struct net_store *s, struct jl_err **err)
{
	if (mkdirat(s->dirfd, PORTS_DIR, 0700) < 0 && errno != EEXIST)
		return jl_err_sys(err, "mkdir %s/%s", s->path, PORTS_DIR);
	int fd = openat(s->dirfd, PORTS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? jl_err_sys(err, "open %s/%s", s->path, PORTS_DIR) : fd;
}

static char *read_holder(int dir, const char *name)
{
	char *text = NULL;
	if (jl_read_file_at(dir, name, 4096, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

/* Claims are made and released under networks/.ports/.lock: a reader never
 * sees a claim half written, and a stale one is replaced by one process. */
static int ports_lock(int dir, struct jl_err **err)
{
	int fd = openat(dir, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jl_err_sys(err, "open the ports lock");
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int r = jl_err_sys(err, "lock the ports lock");
			close(fd);
			return r;
		}
	return fd;
}

int net_port_claim(struct net_store *s, const struct net_port *p, const char *id,
		   struct jl_err **err)
{
	cleanup_close int dir = ports_dir(s, err);
	if (dir < 0)
		return dir;
	cleanup_close int lock = ports_lock(dir, err);
	if (lock < 0)
		return lock;
	net_remove_tmp(dir, ".");
	char name[32];
	snprintf(name, sizeof(name), "%s-%u", net_proto_name(p->proto), p->host_port);
	cleanup_free char *holder = read_holder(dir, name);
	if (holder && !strcmp(holder, id))
		return 0;
	if (holder && holder_attached(s, holder))
		return jl_err_code(err, EADDRINUSE,
				   "port %u/%s is already published by container \"%s\"",
				   p->host_port, net_proto_name(p->proto), holder);
	return jl_write_atomic_at(dir, name, id, strlen(id), 0600, err);
}

int net_port_release_all(struct net_store *s, const char *id, struct jl_err **err)
{
	int fd = openat(s->dirfd, PORTS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "open %s/%s", s->path, PORTS_DIR);
	cleanup_close int lock = ports_lock(fd, err);
	if (lock < 0) {
		close(fd);
		return lock;
	}
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "read %s/%s", s->path, PORTS_DIR);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *holder = read_holder(dirfd(d), de->d_name);
		if (holder && !strcmp(holder, id) && unlinkat(dirfd(d), de->d_name, 0) < 0 &&
		    errno != ENOENT)
			return jl_err_sys(err, "release port %s", de->d_name);
	}
	return 0;
}
