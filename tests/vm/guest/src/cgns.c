/* cgns PROG ARGS: run PROG in a new cgroup namespace (rooted at our current
 * cgroup) and a private mount namespace with cgroup2 mounted afresh on
 * /sys/fs/cgroup, so it sees its own cgroup as the hierarchy's root, as a
 * runtime inside a container or a delegated subtree does.  (busybox unshare
 * has no -C.) */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cgns PROG [ARGS...]\n");
		return 2;
	}
	if (unshare(CLONE_NEWCGROUP | CLONE_NEWNS) < 0) {
		perror("cgns: unshare");
		return 1;
	}
	/* The same superblock cannot be mounted again on its own mount point
	 * (EBUSY): take the host's view away first. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    umount2("/sys/fs/cgroup", MNT_DETACH) < 0 ||
	    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0) {
		perror("cgns: mount");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
