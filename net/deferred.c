/* Deleting a veth is slow in a way that costs no work: RTM_DELLINK returns
 * only after the kernel's rcu_barrier() in netdev_run_todo (15-40 ms here,
 * most of what a disconnect costs), and moving the link to another
 * namespace waits the same.  So a disconnect that may return early cuts the
 * container off at once (net_undo_record sets the host end down: the bridge
 * disables the port and forgets its addresses, the container's end loses
 * its carrier), frees the rules, ports and lease, and hands the deletion to
 * a detached helper.  The helper holds the network's lock until the links
 * are gone, so every other jaula operation on that network (an attach that
 * could reuse the names, `network rm`) waits for it exactly as it waited
 * for a synchronous disconnect: nobody sees a half-gone link. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/attach_internal.h"
#include "runtime/log.h"
#include "runtime/util.h"

void net_deferred_add(struct net_deferred *d, const char *name)
{
	d->names = xrealloc(d->names, (d->n + 1) * sizeof(*d->names));
	d->names[d->n++] = xstrdup(name);
}

void net_deferred_hold(struct net_deferred *d, int lockfd)
{
	int fd = fcntl(lockfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return; /* the helper runs unlocked: still correct for our own names */
	d->locks = xrealloc(d->locks, (d->n_locks + 1) * sizeof(*d->locks));
	d->locks[d->n_locks++] = fd;
}

static bool is_lock(const struct net_deferred *d, int fd)
{
	for (size_t i = 0; i < d->n_locks; i++)
		if (d->locks[i] == fd)
			return true;
	return false;
}

/* The helper keeps only the locks: a caller's pipe on stdout would
 * otherwise stay open (`$(jaula network disconnect x)` would wait for it). */
static void keep_only_locks(const struct net_deferred *d)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		if (null >= 0)
			dup2(null, fd);
	int top = 3;
	for (size_t i = 0; i < d->n_locks; i++)
		if (d->locks[i] >= top)
			top = d->locks[i] + 1;
	for (int fd = 3; fd < top; fd++)
		if (!is_lock(d, fd))
			close(fd);
	close_range((unsigned)top, ~0U, 0);
}

static _Noreturn void helper(const struct net_deferred *d)
{
	setsid();
	prctl(PR_SET_NAME, "jaula-netdel");
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	keep_only_locks(d);
	struct nl *nl = NULL;
	if (nl_open(&nl, -1, NULL) == 0)
		for (size_t i = 0; i < d->n; i++)
			nl_link_delete(nl, d->names[i], NULL);
	_exit(0); /* the locks go with us */
}

/* Double fork: the helper is nobody's child to wait for, and outlives a
 * caller that exits at once (the CLI). */
static int spawn(const struct net_deferred *d)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (fork() == 0)
			helper(d);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

void net_deferred_finish(struct net_deferred *d, struct nl *nl)
{
	if (d->n > 0 && spawn(d) < 0) {
		jl_debug("no helper for the link deletion: deleting in place");
		for (size_t i = 0; i < d->n; i++)
			nl_link_delete(nl, d->names[i], NULL);
	}
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	for (size_t i = 0; i < d->n_locks; i++)
		close(d->locks[i]);
	free(d->names);
	free(d->locks);
	*d = (struct net_deferred){0};
}
