/* jaula network create|ls|inspect|rm|connect|disconnect: the net room's
 * operations, one short function each.  connect/disconnect attach a
 * network namespace given by path (a plain bundle's container, a test's
 * `unshare --net`); `jaula run --net` does the same for images. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "net/net.h"
#include "runtime/util.h"

static const char *store_of(const struct cli_ctx *ctx)
{
	return ctx->store && *ctx->store ? ctx->store : NET_DEFAULT_STORE;
}

/* Parse and check the positional count: the start of every subcommand. */
static int begin(const struct cli_command *cmd, int argc, char **argv, size_t min, size_t max,
		 struct cli_list *pos, struct jl_err **err)
{
	int r = cli_parse(cmd, argc, argv, pos, err);
	if (r == 0 && (pos->n < min || pos->n > max))
		r = jl_err_code(err, EINVAL, "%s: expected %s (usage: jaula %s %s)", cmd->name,
				min == max ? (min == 1 ? "one argument" : "two arguments")
					   : "no arguments",
				cmd->name, cmd->usage);
	return r;
}

static int end(int r, struct cli_list *pos, struct jl_err **err)
{
	cli_list_free(pos);
	return r > 0 ? 0 : r < 0 ? cli_fail(err) : 0;
}

static int network_create(struct cli_ctx *ctx, int argc, char **argv)
{
	struct net_network_opts o = {0};
	const struct cli_opt opts[] = {
		{"subnet", 0, CLI_STRING, &o.subnet, "CIDR", "IPv4 subnet (default: a free 10.86.N.0/24)"},
		{"gateway", 0, CLI_STRING, &o.gateway, "IP", "gateway address (default: the first)"},
		{"ipv6-subnet", 0, CLI_STRING, &o.ipv6_subnet, "CIDR", "an IPv6 subnet too (/64../120)"},
		{"internal", 0, CLI_BOOL, &o.internal, NULL, "containers reach each other only"},
		{"host-only", 0, CLI_BOOL, &o.host_only, NULL, "each other and the host; no NAT out"},
		{"vlan", 0, CLI_STRING, &o.vlan, "ID", "802.1Q VLAN 1..4094: other VLANs are unreachable"},
		{"macvlan", 0, CLI_STRING, &o.macvlan, "PARENT", "containers on PARENT's segment"},
	};
	struct cli_command cmd = {"network create", "[options] <name>", "Create a network.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = begin(&cmd, argc, argv, 1, 1, &pos, &err);
	if (r == 0)
		r = net_network_create(store_of(ctx), pos.v[0], &o, &err);
	if (r == 0)
		printf("%s\n", pos.v[0]);
	return end(r, &pos, &err);
}

static void ls_table(struct net_network *const *v, size_t n)
{
	printf("%-20s %-8s %-18s %-15s %s\n", "NAME", "DRIVER", "SUBNET", "GATEWAY", "OPTIONS");
	for (size_t i = 0; i < n; i++) {
		char flags[96] = "";
		snprintf(flags, sizeof(flags), "%s%s%s%s", v[i]->internal ? "internal " : "",
			 v[i]->host_only ? "host-only " : "", v[i]->subnet6 ? "ipv6 " : "",
			 v[i]->vlan ? "vlan" : "");
		if (v[i]->vlan)
			snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), " %d", v[i]->vlan);
		printf("%-20s %-8s %-18s %-15s %s\n", v[i]->name, v[i]->driver, v[i]->subnet,
		       *v[i]->gateway ? v[i]->gateway : "-", flags);
	}
}

static int network_ls(struct cli_ctx *ctx, int argc, char **argv)
{
	bool quiet = false;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the names"},
	};
	struct cli_command cmd = {"network ls", "[options]", "List the networks.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = begin(&cmd, argc, argv, 0, 0, &pos, &err);
	struct net_network **v = NULL;
	size_t n = 0;
	if (r == 0)
		r = net_network_list(store_of(ctx), &v, &n, &err);
	for (size_t i = 0; r == 0 && quiet && i < n; i++)
		printf("%s\n", v[i]->name);
	if (r == 0 && !quiet)
		ls_table(v, n);
	net_network_list_free(v, n);
	return end(r, &pos, &err);
}

static int network_inspect(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"network inspect", "<name>",
				  "Print a network, how its VLAN is isolated, and its containers "
				  "as JSON.", NULL, 0, false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	struct jl_buf out = {0};
	int r = begin(&cmd, argc, argv, 1, 1, &pos, &err);
	if (r == 0)
		r = net_network_inspect(store_of(ctx), pos.v[0], &out, &err);
	if (r == 0)
		fputs(out.data, stdout);
	jl_buf_free(&out);
	return end(r, &pos, &err);
}

static int network_rm(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_command cmd = {"network rm", "<name>",
				  "Remove a network (refused while a container uses it).", NULL, 0,
				  false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = begin(&cmd, argc, argv, 1, 1, &pos, &err);
	if (r == 0)
		r = net_network_remove(store_of(ctx), pos.v[0], &err);
	return end(r, &pos, &err);
}

static int network_connect(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *netns = NULL;
	struct cli_list ports = {0};
	const struct cli_opt opts[] = {
		{"netns", 0, CLI_STRING, &netns, "PATH", "the network namespace (/proc/PID/ns/net)"},
		{"publish", 'p', CLI_LIST, &ports, "[IP:]HPORT:CPORT[/udp]", "publish a port"},
	};
	struct cli_command cmd = {"network connect", "[options] <network> <container-id>",
				  "Attach a network namespace to a network as container-id.", opts,
				  ARRAY_SIZE(opts), false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = begin(&cmd, argc, argv, 2, 2, &pos, &err);
	if (r == 0 && !netns)
		r = jl_err_code(&err, EINVAL, "network connect: --netns PATH is required");
	cleanup_close int fd = r == 0 ? open(netns, O_RDONLY | O_CLOEXEC) : -1;
	if (r == 0 && fd < 0)
		r = jl_err_sys(&err, "--netns %s", netns);
	struct net_attachment a = {0};
	struct net_attach_opts o = {.network = pos.n ? pos.v[0] : NULL, .netns_fd = fd,
				    .ports = ports.v, .n_ports = ports.n};
	if (r == 0)
		r = net_attach(store_of(ctx), pos.v[1], &o, &a, &err);
	if (r == 0)
		printf("%s %s/%d%s%s\n", a.ifname, a.address, a.prefix, a.address6 ? " " : "",
		       a.address6 ? a.address6 : "");
	net_attachment_free(&a);
	cli_list_free(&ports);
	return end(r, &pos, &err);
}

static int network_disconnect(struct cli_ctx *ctx, int argc, char **argv)
{
	bool wait = false;
	const struct cli_opt opts[] = {
		{"wait", 0, CLI_BOOL, &wait, NULL,
		 "return once the veths are deleted, not once they are cut off"},
	};
	struct cli_command cmd = {"network disconnect", "[--wait] <container-id>",
				  "Undo every attachment of container-id.", opts, ARRAY_SIZE(opts),
				  false};
	struct cli_list pos = {0};
	struct jl_err *err = NULL;
	int r = begin(&cmd, argc, argv, 1, 1, &pos, &err);
	if (r == 0)
		r = wait ? net_detach(store_of(ctx), pos.v[0], &err)
			 : net_detach_nowait(store_of(ctx), pos.v[0], &err);
	return end(r, &pos, &err);
}

static const struct cli_subcommand subcommands[] = {
	{"create", network_create, "create a network"},
	{"ls", network_ls, "list networks"},
	{"inspect", network_inspect, "print a network and its containers as JSON"},
	{"rm", network_rm, "remove a network"},
	{"connect", network_connect, "attach a network namespace (--netns) to a network"},
	{"disconnect", network_disconnect, "detach a container from every network"},
};

int cmd_network(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, "network", subcommands, ARRAY_SIZE(subcommands),
			    "Networks live in the store: --store DIR, else $JAULA_STORE, else "
			    NET_DEFAULT_STORE ".",
			    argc, argv);
}
