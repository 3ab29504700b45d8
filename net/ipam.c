/* Address leases: networks/<name>/leases/<ip> holds the id of the
 * container that has the address.  Leases are taken and dropped under the
 * network's lock; O_EXCL would keep two holders apart even without it.
 * The search starts after the last address handed out (networks/<name>/
 * next), so an address just freed is not handed out again at once, and a
 * busy subnet is not scanned from its start every time. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "net/net_internal.h"
#include "runtime/util.h"

static uint64_t read_hint(int netdir)
{
	char *text = NULL;
	uint64_t v = 0;
	if (jl_read_file_at(netdir, "next", 64, &text, NULL, NULL) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (jl_parse_u64(text, 10, &v) < 0)
			v = 0;
		free(text);
	}
	return v;
}

static void write_hint(int netdir, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	/* Only a hint: losing it costs a longer scan, nothing else. */
	jl_write_atomic_at(netdir, "next", buf, (size_t)n, 0600, NULL);
}

#define LEASE_TMP ".lease.tmp"

/* The lease as it will be, under a temporary name: linked into place
 * (link(2) fails on an existing name, like O_EXCL), so a lease is never
 * seen empty, even after a crash. */
static int lease_prepare(int leases, const char *id, struct jl_err **err)
{
	unlinkat(leases, LEASE_TMP, 0);
	cleanup_close int fd = openat(leases, LEASE_TMP,
				      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jl_err_sys(err, "lease file");
	int r = jl_write_all(fd, id, strlen(id));
	return r < 0 ? jl_err_set(err, -r, "lease file") : 0;
}

/* 0, -EEXIST when taken, < 0 with err. */
static int lease_create(int leases, const char *ip, struct jl_err **err)
{
	if (linkat(leases, LEASE_TMP, leases, ip, 0) == 0)
		return 0;
	return errno == EEXIST ? -EEXIST : jl_err_sys(err, "lease %s", ip);
}

int net_lease_take(int netdir, const struct net_network *n, const struct net_addrs *a,
		   const char *id, const union net_ip *skip, union net_ip *out, struct jl_err **err)
{
	cleanup_close int leases = net_subdir(netdir, "leases", err);
	if (leases < 0)
		return jl_err_set(err, -leases, "leases of network \"%s\"", n->name);
	uint64_t size = net_prefix_size(&a->sub);
	uint64_t gw = a->has_gw ? net_prefix_index(&a->sub, &a->gw) : 0;
	uint64_t start = read_hint(netdir);
	int r = lease_prepare(leases, id, err);
	if (r < 0)
		return r;
	r = -EEXIST;
	for (uint64_t i = 0; i < size; i++) {
		/* Host indices 1..size; a v6 address reuses the index, so a
		 * v4 index is free only if it is not the v6 gateway's either. */
		uint64_t idx = (start + i) % size + 1;
		if (a->has_gw && idx == gw)
			continue;
		union net_ip ip;
		net_prefix_nth(&a->sub, idx, &ip);
		if (skip && skip->v4.s_addr == ip.v4.s_addr)
			continue;
		char s[NET_IP_STRLEN];
		net_ip_format(AF_INET, &ip, s);
		r = lease_create(leases, s, err);
		if (r == -EEXIST)
			continue;
		if (r == 0) {
			write_hint(netdir, idx);
			*out = ip;
		}
		break;
	}
	unlinkat(leases, LEASE_TMP, 0);
	return r == -EEXIST || size == 0 ? -ENOSPC : r;
}

/* Call fn for every lease (name = the address, text = its holder). */
static int each_lease(int netdir, int (*fn)(int dir, const char *ip, const char *holder, void *),
		      void *arg, struct jl_err **err)
{
	int fd = openat(netdir, "leases", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "open leases");
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "read leases");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *holder = NULL;
		if (jl_read_file_at(dirfd(d), de->d_name, 4096, &holder, NULL, NULL) < 0)
			continue; /* dropped meanwhile */
		int r = fn(dirfd(d), de->d_name, holder, arg);
		free(holder);
		if (r < 0)
			return jl_err_set(err, -r, "lease %s", de->d_name);
	}
	return 0;
}

static int drop_if(int dir, const char *ip, const char *holder, void *arg)
{
	if (strcmp(holder, arg) || unlinkat(dir, ip, 0) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

int net_lease_drop(int netdir, const char *id, struct jl_err **err)
{
	return each_lease(netdir, drop_if, (void *)id, err);
}

struct holders {
	char **ids;
	size_t n;
};

static int collect(int dir, const char *ip, const char *holder, void *arg)
{
	(void)dir, (void)ip;
	struct holders *h = arg;
	h->ids = xrealloc(h->ids, (h->n + 1) * sizeof(*h->ids));
	h->ids[h->n++] = xstrdup(holder);
	return 0;
}

int net_lease_holders(int netdir, char ***ids, size_t *n, struct jl_err **err)
{
	struct holders h = {0};
	int r = each_lease(netdir, collect, &h, err);
	*ids = h.ids;
	*n = h.n;
	return r;
}
