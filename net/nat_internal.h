/* Shared by nat.c and nat_rules.c only (the two libnftnl files). */
#ifndef JAULA_NAT_INTERNAL_H
#define JAULA_NAT_INTERNAL_H

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>

#include "net/net_internal.h"

/* jaula's own table; nothing outside it is ever read or written. */
#define NAT_TABLE "jaula"
#define NAT_FAMILY NFPROTO_INET

struct nat {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	char *buf; /* the batch, then the answers */
	struct mnl_nlmsg_batch *batch;
	size_t n_msgs;
};

/* Start a batch that makes sure the table and its base chains exist. */
void nat_batch_begin(struct nat *t);
/* Add a rule to chain (takes it: freed here). */
void nat_batch_rule(struct nat *t, const char *chain, struct nftnl_rule *r, const char *comment);
/* Send it as one transaction; what := a name for the error. */
int nat_batch_commit(struct nat *t, const char *what, struct jl_err **err);

#endif
