/* org.jaula.net.* annotations: see netbundle.h. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"
#include "runtime/log.h"
#include "runtime/netbundle.h"
#include "runtime/util.h"

static const char *annotation(const struct spec *s, const char *key)
{
	for (size_t i = 0; i < s->annotations.n; i++)
		if (!strcmp(s->annotations.v[i].key, key))
			return s->annotations.v[i].value;
	return NULL;
}

static const char *store_of(const struct jl_global *g)
{
	return g->store && *g->store ? g->store : NET_DEFAULT_STORE;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* "a, b,c" -> {"a","b","c",NULL}, or NULL when empty. */
static char **split_ports(const char *list, size_t *n)
{
	char **v = NULL;
	*n = 0;
	cleanup_free char *copy = xstrdup(list ? list : "");
	char *save = NULL;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		if (!*p)
			continue;
		v = xrealloc(v, (*n + 2) * sizeof(char *));
		v[(*n)++] = xstrdup(p);
		v[*n] = NULL;
	}
	return v;
}

static bool new_netns(const struct spec *s)
{
	for (size_t i = 0; i < s->lnx.n_namespaces; i++)
		if (s->lnx.namespaces[i].type == NS_NET)
			return !s->lnx.namespaces[i].path;
	return false;
}

int jl_netbundle_check(const struct jl_global *g, const struct spec *s, struct jl_err **err)
{
	const char *net = annotation(s, JL_NET_ANNOTATION);
	const char *ports = annotation(s, JL_NET_PORTS_ANNOTATION);
	if (!net)
		return ports ? jl_err_code(err, EINVAL, "config.json: annotations[\"%s\"] needs "
							"annotations[\"%s\"]",
					   JL_NET_PORTS_ANNOTATION, JL_NET_ANNOTATION)
			     : 0;
	if (!new_netns(s))
		return jl_err_code(err, EINVAL, "config.json: annotations[\"%s\"] needs a new network "
						"namespace (a joined one is its owner's to set up)",
				   JL_NET_ANNOTATION);
	if (!strcmp(net, "none") || !strcmp(net, "host"))
		return jl_err_code(err, EINVAL, "config.json: annotations[\"%s\"]: \"%s\" is set with "
						"linux.namespaces, not here",
				   JL_NET_ANNOTATION, net);
	int r = net_mode_check(store_of(g), net, err);
	size_t n = 0;
	char **v = split_ports(ports, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = net_port_check(v[i], err);
	strv_free(v);
	return r < 0 ? jl_err_wrap(err, "config.json: annotations") : 0;
}

int jl_netbundle_attach(const struct jl_global *g, const struct spec *s, const char *id,
			pid_t pid, bool *attached, struct jl_err **err)
{
	const char *net = annotation(s, JL_NET_ANNOTATION);
	*attached = false;
	if (!net)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open the container's network namespace");
	size_t n = 0;
	char **ports = split_ports(annotation(s, JL_NET_PORTS_ANNOTATION), &n);
	struct net_attach_opts o = {
		.network = net,
		.netns_fd = fd,
		.ports = (const char *const *)ports,
		.n_ports = n,
	};
	struct net_attachment a = {0};
	*attached = true; /* net_attach undoes its own failures; detach is idempotent */
	int r = net_attach(store_of(g), id, &o, &a, err);
	net_attachment_free(&a);
	strv_free(ports);
	return r;
}

void jl_netbundle_detach(const struct jl_global *g, const char *id)
{
	struct jl_err *e = NULL;
	if (net_detach_dead(store_of(g), id, &e) < 0)
		jl_warn("container \"%s\": network: %s", id, e->msg);
	jl_err_free(&e);
}

bool jl_netbundle_wanted(char *const *annotations)
{
	for (char *const *a = annotations; a && a[0] && a[1]; a += 2)
		if (!strcmp(a[0], JL_NET_ANNOTATION))
			return true;
	return false;
}
