/* nftables over libnftnl, part one: the socket, transactions (batches that
 * the kernel applies whole or not at all), jaula's table and base chains,
 * and finding rules by their comment.  The rules themselves are built in
 * nat_rules.c.  libnftnl is used in these two files only.
 *
 * Everything lives in `table inet jaula`; its base chains have the
 * default accept policy, so jaula's table can only ever drop or rewrite
 * what concerns its own networks. */
#include "net/nat_internal.h"

#include <stdio.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "runtime/util.h"

#define NAT_BUF_SIZE (128 * 1024)

int nat_open(struct nat **out, struct jl_err **err)
{
	struct nat *t = xcalloc(1, sizeof(*t));
	t->buf = xmalloc(NAT_BUF_SIZE);
	t->seq = (uint32_t)time(NULL);
	t->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!t->sock || mnl_socket_bind(t->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		nat_close(t);
		return jl_err_set(err, e, "open an nftables socket");
	}
	t->portid = mnl_socket_get_portid(t->sock);
	*out = t;
	return 0;
}

void nat_close(struct nat *t)
{
	if (!t)
		return;
	if (t->batch)
		mnl_nlmsg_batch_stop(t->batch);
	if (t->sock)
		mnl_socket_close(t->sock);
	free(t->buf);
	free(t);
}

/* --- transactions ----------------------------------------------------------- */

static void *batch_slot(struct nat *t)
{
	return mnl_nlmsg_batch_current(t->batch);
}

static void batch_next(struct nat *t)
{
	mnl_nlmsg_batch_next(t->batch);
	t->n_msgs++;
}

static const struct {
	const char *name, *type;
	uint32_t hook;
	int32_t prio;
} base_chains[] = {
	{"prerouting", "nat", NF_INET_PRE_ROUTING, -100},   /* dstnat: published ports */
	{"output", "nat", NF_INET_LOCAL_OUT, -100},         /* the host's own connections */
	{"postrouting", "nat", NF_INET_POST_ROUTING, 100},  /* srcnat: masquerade */
	{"forward", "filter", NF_INET_FORWARD, 0},          /* isolation between networks */
	{"input", "filter", NF_INET_LOCAL_IN, 0},           /* internal networks, 127/8 */
};

static void batch_table_and_chains(struct nat *t)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, NAT_TABLE);
	nftnl_table_set_u32(tb, NFTNL_TABLE_FAMILY, NAT_FAMILY);
	/* NLM_F_CREATE without NLM_F_EXCL: "make sure it exists". */
	struct nlmsghdr *nlh = nftnl_table_nlmsg_build_hdr(batch_slot(t), NFT_MSG_NEWTABLE,
							   NAT_FAMILY, NLM_F_CREATE | NLM_F_ACK,
							   t->seq++);
	nftnl_table_nlmsg_build_payload(nlh, tb);
	nftnl_table_free(tb);
	batch_next(t);
	for (size_t i = 0; i < ARRAY_SIZE(base_chains); i++) {
		struct nftnl_chain *c = nftnl_chain_alloc();
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NAT_TABLE);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, base_chains[i].name);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, base_chains[i].type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, base_chains[i].hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, base_chains[i].prio);
		nlh = nftnl_chain_nlmsg_build_hdr(batch_slot(t), NFT_MSG_NEWCHAIN, NAT_FAMILY,
						  NLM_F_CREATE | NLM_F_ACK, t->seq++);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
		batch_next(t);
	}
}

static void batch_start(struct nat *t)
{
	if (t->batch)
		mnl_nlmsg_batch_stop(t->batch);
	t->batch = mnl_nlmsg_batch_start(t->buf, NAT_BUF_SIZE / 2);
	t->n_msgs = 0;
	nftnl_batch_begin(batch_slot(t), t->seq++);
	mnl_nlmsg_batch_next(t->batch);
}

void nat_batch_begin(struct nat *t)
{
	batch_start(t);
	batch_table_and_chains(t);
}

void nat_batch_rule(struct nat *t, const char *chain, struct nftnl_rule *r, const char *comment)
{
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NAT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NAT_FAMILY);
	/* The comment is how the rule is found again (net_detach, network
	 * rm): `nft list table inet jaula` shows it too. */
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(batch_slot(t), NFT_MSG_NEWRULE,
							  NAT_FAMILY, NLM_F_APPEND | NLM_F_CREATE |
							  NLM_F_ACK, t->seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	batch_next(t);
}

/* nfnetlink handles a batch inside sendmsg(), so every answer is queued
 * by the time it returns: read them without waiting. */
static int read_acks(struct nat *t)
{
	int fd = mnl_socket_get_fd(t->sock), first = 0;
	for (;;) {
		ssize_t len = recv(fd, t->buf, NAT_BUF_SIZE, MSG_DONTWAIT);
		if (len < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? first : -errno;
		if (mnl_cb_run(t->buf, (size_t)len, 0, t->portid, NULL, NULL) < 0 && !first)
			first = -errno;
	}
}

int nat_batch_commit(struct nat *t, const char *what, struct jl_err **err)
{
	nftnl_batch_end(batch_slot(t), t->seq++);
	mnl_nlmsg_batch_next(t->batch);
	ssize_t r = mnl_socket_sendto(t->sock, mnl_nlmsg_batch_head(t->batch),
				      mnl_nlmsg_batch_size(t->batch));
	int e = r < 0 ? -errno : read_acks(t);
	mnl_nlmsg_batch_stop(t->batch);
	t->batch = NULL;
	return e < 0 ? jl_err_set(err, -e, "nftables: %s", what) : 0;
}

/* --- finding rules by comment ------------------------------------------------- */

struct found {
	const char *comment; /* NULL: every rule */
	char **chains;
	uint64_t *handles;
	size_t n;
};

static int comment_cb(const struct nftnl_udata *a, void *data)
{
	const char **out = data;
	if (nftnl_udata_type(a) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(a) > 0) {
		const char *s = nftnl_udata_get(a);
		if (s[nftnl_udata_len(a) - 1] == '\0')
			*out = s;
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct found *f = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	uint32_t len = 0;
	const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	const char *comment = NULL;
	if (ud)
		nftnl_udata_parse(ud, len, comment_cb, &comment);
	if (!f->comment || (comment && !strcmp(comment, f->comment))) {
		f->chains = xrealloc(f->chains, (f->n + 1) * sizeof(*f->chains));
		f->handles = xrealloc(f->handles, (f->n + 1) * sizeof(*f->handles));
		f->chains[f->n] = xstrdup(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
		f->handles[f->n++] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static void found_free(struct found *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->chains[i]);
	free(f->chains);
	free(f->handles);
	f->chains = NULL;
	f->handles = NULL;
	f->n = 0;
}

/* The rules of the table (of one chain, or all) carrying comment. */
static int find_rules(struct nat *t, const char *chain, struct found *f)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NAT_TABLE);
	if (chain)
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	uint32_t seq = t->seq++;
	struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(t->buf, NFT_MSG_GETRULE, NAT_FAMILY,
							  NLM_F_DUMP, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if (mnl_socket_sendto(t->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(t->sock, t->buf, NAT_BUF_SIZE);
		if (len < 0)
			return -errno;
		int rc = mnl_cb_run(t->buf, (size_t)len, seq, t->portid, rule_cb, f);
		if (rc < 0)
			return errno == ENOENT ? 0 : -errno; /* no table yet: no rules */
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

int nat_rules_count(struct nat *t, const char *chain, const char *comment, size_t *n,
		    struct jl_err **err)
{
	struct found f = {.comment = comment};
	int r = find_rules(t, chain, &f);
	*n = f.n;
	found_free(&f);
	return r < 0 ? jl_err_set(err, -r, "nftables: list rules of table inet %s", NAT_TABLE) : 0;
}

static void batch_delete(struct nat *t, const struct found *f)
{
	batch_start(t);
	for (size_t i = 0; i < f->n; i++) {
		struct nftnl_rule *r = nftnl_rule_alloc();
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NAT_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, f->chains[i]);
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NAT_FAMILY);
		nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, f->handles[i]);
		struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(
			batch_slot(t), NFT_MSG_DELRULE, NAT_FAMILY, NLM_F_ACK, t->seq++);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_next(t);
	}
}

int nat_rules_delete(struct nat *t, const char *comment, struct jl_err **err)
{
	/* A rule another process deletes between our dump and our
	 * transaction fails it with ENOENT: look again. */
	int r = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		struct found f = {.comment = comment};
		r = find_rules(t, NULL, &f);
		if (r < 0 || f.n == 0) {
			found_free(&f);
			break;
		}
		batch_delete(t, &f);
		found_free(&f);
		struct jl_err *e = NULL;
		r = nat_batch_commit(t, "delete rules", &e);
		jl_err_free(&e);
		if (r != -ENOENT)
			break;
	}
	return r < 0 ? jl_err_set(err, -r, "nftables: delete the rules \"%s\"", comment) : 0;
}

int nat_table_remove_if_empty(struct nat *t, struct jl_err **err)
{
	/* Callers hold the store's exclusive lock: no attach can be adding
	 * rules meanwhile (deleting a table flushes whatever it holds). */
	struct found f = {.comment = NULL};
	int r = find_rules(t, NULL, &f);
	size_t n = f.n;
	found_free(&f);
	if (r < 0 || n > 0)
		return r < 0 ? jl_err_set(err, -r, "nftables: list table inet %s", NAT_TABLE) : 0;
	batch_start(t);
	struct nftnl_table *tb = nftnl_table_alloc();
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, NAT_TABLE);
	nftnl_table_set_u32(tb, NFTNL_TABLE_FAMILY, NAT_FAMILY);
	struct nlmsghdr *nlh = nftnl_table_nlmsg_build_hdr(batch_slot(t), NFT_MSG_DELTABLE,
							   NAT_FAMILY, NLM_F_ACK, t->seq++);
	nftnl_table_nlmsg_build_payload(nlh, tb);
	nftnl_table_free(tb);
	batch_next(t);
	struct jl_err *e = NULL;
	r = nat_batch_commit(t, "remove table inet " NAT_TABLE, &e);
	if (r < 0 && r != -ENOENT && err && !*err)
		*err = e;
	else
		jl_err_free(&e);
	return r == -ENOENT ? 0 : r;
}
