/* Attachment records: networks/<name>/attachments/<id>.json says what
 * net_attach made for a container -- written before it makes anything, so
 * that net_detach can undo every step from the record alone, whatever
 * point a crash stopped the attach at. */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "net/net_internal.h"
#include "runtime/util.h"

char *net_ctr_comment(const char *id)
{
	/* Rule comments hold 128 bytes; ids up to 250.  A long id keeps its
	 * start for people and a hash for uniqueness. */
	if (strlen(id) <= 100)
		return xasprintf("jaula ctr %s", id);
	return xasprintf("jaula ctr %.90s~%08x", id, net_hash(id, NULL));
}

char *net_net_comment(const char *name)
{
	return xasprintf("jaula net %s", name);
}

static void write_ports(struct jl_json_writer *w, const struct net_record *r)
{
	jl_jw_key(w, "ports");
	jl_jw_begin_array(w);
	for (size_t i = 0; i < r->n_ports; i++) {
		const struct net_port *p = &r->ports[i];
		jl_jw_begin_object(w);
		jl_jw_kv_str(w, "host_ip", p->host_ip);
		jl_jw_kv_int(w, "host_port", p->host_port);
		jl_jw_kv_int(w, "container_port", p->ctr_port);
		jl_jw_kv_str(w, "proto", net_proto_name(p->proto));
		jl_jw_end_object(w);
	}
	jl_jw_end_array(w);
}

void net_record_json(struct jl_json_writer *w, const struct net_record *r)
{
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "id", r->id);
	jl_jw_kv_str(w, "network", r->network);
	jl_jw_kv_str(w, "driver", r->driver);
	jl_jw_kv_str(w, "state", r->state == NET_REC_ATTACHED ? "attached" : "attaching");
	jl_jw_kv_str(w, "host_ifname", r->host_ifname);
	jl_jw_kv_str(w, "ifname", r->ifname);
	jl_jw_kv_str(w, "mac", r->mac);
	jl_jw_kv_str(w, "address", r->address);
	jl_jw_kv_int(w, "prefix", r->prefix);
	jl_jw_kv_str(w, "gateway", r->gateway);
	jl_jw_kv_str(w, "address6", r->address6);
	jl_jw_kv_int(w, "prefix6", r->prefix6);
	jl_jw_kv_str(w, "gateway6", r->gateway6);
	jl_jw_kv_str(w, "comment", r->comment);
	if (r->netns)
		jl_jw_kv_str(w, "netns", r->netns);
	write_ports(w, r);
	jl_jw_end_object(w);
}

int net_record_write(int netdir, const struct net_record *r, struct jl_err **err)
{
	cleanup_close int dir = net_subdir(netdir, "attachments", err);
	if (dir < 0)
		return jl_err_set(err, -dir, "attachments of network \"%s\"", r->network);
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b, .pretty = true};
	net_record_json(&w, r);
	jl_buf_puts(&b, "\n");
	cleanup_free char *name = xasprintf("%s.json", r->id);
	int rc = jl_write_atomic_at(dir, name, b.data, b.len, 0600, err);
	jl_buf_free(&b);
	return rc;
}

static int read_ports(jl_json_val arr, struct net_record *r)
{
	size_t n = jl_json_len(arr);
	if (jl_json_type(arr) != JL_JSON_ARRAY || n == 0)
		return 0;
	r->ports = xcalloc(n, sizeof(*r->ports));
	for (size_t i = 0; i < n; i++) {
		jl_json_val o = jl_json_at(arr, i);
		struct net_port *p = &r->ports[r->n_ports++];
		const char *ip = jl_json_string(jl_json_get(o, "host_ip"));
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", ip ? ip : "");
		p->host_port = (uint16_t)net_json_int(o, "host_port", 0);
		p->ctr_port = (uint16_t)net_json_int(o, "container_port", 0);
		const char *proto = jl_json_string(jl_json_get(o, "proto"));
		p->proto = jl_streq(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	}
	return 0;
}

int net_record_read(int netdir, const char *id, struct net_record *r, struct jl_err **err)
{
	memset(r, 0, sizeof(*r));
	cleanup_close int dir = net_subdir(netdir, "attachments", err);
	if (dir < 0)
		return dir;
	cleanup_free char *name = xasprintf("%s.json", id);
	cleanup_free char *what = xasprintf("attachment of container \"%s\"", id);
	jl_json_val v = NULL;
	int rc = net_json_read(dir, name, what, &v, err);
	if (rc < 0)
		return rc;
	r->id = net_json_str(v, "id");
	r->network = net_json_str(v, "network");
	r->driver = net_json_str(v, "driver");
	r->state = jl_streq(jl_json_string(jl_json_get(v, "state")), "attached") ? NET_REC_ATTACHED
										: NET_REC_ATTACHING;
	r->host_ifname = net_json_str(v, "host_ifname");
	r->ifname = net_json_str(v, "ifname");
	r->mac = net_json_str(v, "mac");
	r->address = net_json_str(v, "address");
	r->prefix = net_json_int(v, "prefix", 0);
	r->gateway = net_json_str(v, "gateway");
	r->address6 = net_json_str(v, "address6");
	r->prefix6 = net_json_int(v, "prefix6", 0);
	r->gateway6 = net_json_str(v, "gateway6");
	r->comment = net_json_str(v, "comment");
	r->netns = net_json_str(v, "netns");
	read_ports(jl_json_get(v, "ports"), r);
	jl_json_free(v);
	if (!r->id || !r->network || !r->comment) {
		net_record_free(r);
		return jl_err_code(err, EINVAL, "%s: id, network or comment missing", what);
	}
	return 0;
}

int net_record_remove(int netdir, const char *id, struct jl_err **err)
{
	cleanup_close int dir = net_subdir(netdir, "attachments", err);
	if (dir < 0)
		return dir == -ENOENT ? 0 : dir;
	cleanup_free char *name = xasprintf("%s.json", id);
	if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		return jl_err_sys(err, "remove the attachment of container \"%s\"", id);
	return 0;
}

void net_record_free(struct net_record *r)
{
	char **strs[] = {&r->id,	&r->network,  &r->driver,  &r->host_ifname,
			 &r->ifname,	&r->mac,      &r->address, &r->gateway,
			 &r->address6, &r->gateway6, &r->comment, &r->netns};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	free(r->ports);
	r->ports = NULL;
	r->n_ports = 0;
}

int net_record_ids(int netdir, char ***ids, size_t *n, struct jl_err **err)
{
	*ids = NULL;
	*n = 0;
	int fd = openat(netdir, "attachments", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jl_err_sys(err, "open attachments");
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "read attachments");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = strndup(de->d_name, len - 5);
	}
	return 0;
}

void net_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
