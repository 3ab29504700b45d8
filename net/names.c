/* /etc/hosts, /etc/resolv.conf and /etc/hostname for a container, written
 * into files the runtime then binds over the container's.  The resolvers
 * are the host's minus loopback ones (a 127.0.0.53 stub on the host is not
 * the container's loopback): systemd-resolved's upstream list replaces a
 * stub-only file, as docker and podman do. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "net/net_internal.h"
#include "runtime/util.h"

#define RESOLV_HOST "/etc/resolv.conf"
#define RESOLV_SYSTEMD "/run/systemd/resolve/resolv.conf"

static int write_file(const char *path, const struct jl_buf *b, struct jl_err **err)
{
	cleanup_close int fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return jl_err_sys(err, "open %s", path);
	int r = jl_write_all(fd, b->data ? b->data : "", b->len);
	return r < 0 ? jl_err_set(err, -r, "write %s", path) : 0;
}

/* --- resolv.conf ---------------------------------------------------------------- */

static bool loopback_server(const char *addr)
{
	union net_ip ip;
	int f = 0;
	if (net_ip_parse(addr, &f, &ip) < 0)
		return false;
	return f == AF_INET ? ip.b[0] == 127 : IN6_IS_ADDR_LOOPBACK(&ip.v6);
}

/* The host's file without loopback resolvers; *servers counts the rest,
 * *dropped the loopback ones. */
static void filter_resolv(const char *path, struct jl_buf *b, int *servers, int *dropped)
{
	char *text = NULL;
	*servers = *dropped = 0;
	if (jl_read_file_at(AT_FDCWD, path, 1 << 16, &text, NULL, NULL) < 0)
		return;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char addr[NET_IP_STRLEN + 1];
		if (sscanf(line, " nameserver %46s", addr) == 1) {
			if (loopback_server(addr)) {
				(*dropped)++;
				continue;
			}
			(*servers)++;
		}
		jl_buf_printf(b, "%s\n", line);
	}
	free(text);
}

static int resolv_conf(const struct net_names_opts *o, struct jl_buf *b, struct jl_err **err)
{
	if (o->n_dns) {
		for (size_t i = 0; i < o->n_dns; i++) {
			union net_ip ip;
			int f = 0;
			if (net_ip_parse(o->dns[i], &f, &ip) < 0)
				return jl_err_code(err, EINVAL, "--dns %s: not an IP address", o->dns[i]);
			jl_buf_printf(b, "nameserver %s\n", o->dns[i]);
		}
		return 0;
	}
	int servers, dropped;
	filter_resolv(RESOLV_HOST, b, &servers, &dropped);
	if (servers == 0 && dropped > 0) {
		struct jl_buf up = {0};
		filter_resolv(RESOLV_SYSTEMD, &up, &servers, &dropped);
		if (servers > 0) {
			jl_buf_free(b);
			*b = up;
		} else {
			jl_buf_free(&up);
		}
	}
	if (servers == 0)
		jl_buf_puts(b, "# the host has no resolver a container can reach: use --dns\n");
	return 0;
}

/* --- hosts ---------------------------------------------------------------- */

static void host_line(struct jl_buf *b, const char *addr, const char *name, const char *id)
{
	if (!addr)
		return;
	if (name && strcmp(name, id))
		jl_buf_printf(b, "%s\t%s %s\n", addr, name, id);
	else
		jl_buf_printf(b, "%s\t%s\n", addr, id);
}

static void peers(struct jl_buf *b, int netdir, const char *id)
{
	char **ids = NULL;
	size_t n = 0;
	if (net_record_ids(netdir, &ids, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct net_record r;
		if (!strcmp(ids[i], id) || net_record_read(netdir, ids[i], &r, NULL) < 0)
			continue;
		host_line(b, r.address, NULL, r.id);
		host_line(b, r.address6, NULL, r.id);
		net_record_free(&r);
	}
	net_strv_free(ids, n);
}

/* The container's own addresses and, on a named network, its peers'. */
static bool attached_hosts(struct jl_buf *b, const char *store, const char *id,
			   const char *hostname)
{
	struct net_store s;
	struct net_network **all = NULL;
	size_t n = 0;
	bool found = false;
	if (net_store_open(store, false, &s, NULL) < 0)
		return false;
	if (net_store_lock(&s, LOCK_SH, NULL) == 0 && net_networks_read(&s, &all, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			cleanup_close int netdir = net_subdir(s.dirfd, all[i]->name, NULL);
			struct net_record r;
			if (netdir < 0 || net_record_read(netdir, id, &r, NULL) < 0)
				continue;
			found = true;
			host_line(b, r.address, hostname, id);
			host_line(b, r.address6, hostname, id);
			net_record_free(&r);
			/* As docker: the default network has no names. */
			if (strcmp(all[i]->name, NET_DEFAULT_NETWORK))
				peers(b, netdir, id);
		}
	}
	net_network_list_free(all, n);
	net_store_close(&s);
	return found;
}

static void hosts_file(const struct net_names_opts *o, const char *store, const char *id,
		       struct jl_buf *b)
{
	jl_buf_puts(b, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	if (!attached_hosts(b, store, id, o->hostname))
		host_line(b, "127.0.1.1", o->hostname, id);
}

int net_write_names(const char *store, const char *id, const struct net_names_opts *o,
		    struct jl_err **err)
{
	struct jl_buf b = {0};
	int r = 0;
	if (o->resolv_path) {
		r = resolv_conf(o, &b, err);
		if (r == 0)
			r = write_file(o->resolv_path, &b, err);
		jl_buf_free(&b);
	}
	if (r == 0 && o->hosts_path) {
		hosts_file(o, store, id, &b);
		r = write_file(o->hosts_path, &b, err);
		jl_buf_free(&b);
	}
	if (r == 0 && o->hostname_path) {
		jl_buf_printf(&b, "%s\n", o->hostname ? o->hostname : id);
		r = write_file(o->hostname_path, &b, err);
		jl_buf_free(&b);
	}
	return r;
}
