/* Shared by netlink.c and netlink_link.c only (the two libmnl files). */
#ifndef JAULA_NETLINK_INTERNAL_H
#define JAULA_NETLINK_INTERNAL_H

#include <libmnl/libmnl.h>

#include "net/net_internal.h"

/* Dumps of a busy host's routes come in pages of up to 32 KiB. */
#define NL_BUF_SIZE 32768

struct nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	char *buf;
};

/* A new request in n->buf (the reply overwrites it). */
struct nlmsghdr *nl_msg(struct nl *n, uint16_t type, uint16_t flags);
/* 0, or -errno of the kernel's answer (no error object). */
int nl_talk(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
