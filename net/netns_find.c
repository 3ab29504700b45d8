/* Finding a live network namespace again from what a record kept of it:
 * its device and inode ("DEV:INO"), the identity the kernel gives every
 * namespace for as long as it lives.  Only a process in it (or a bind
 * mount, which we do not look for) keeps it alive, so /proc is searched;
 * matching by identity, not by a pid, a reused pid can never lead to
 * another container's namespace. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net_internal.h"
#include "runtime/util.h"

static bool same(const struct stat *st, unsigned long long dev, unsigned long long ino)
{
	return (unsigned long long)st->st_dev == dev && (unsigned long long)st->st_ino == ino;
}

int net_netns_find(const char *identity, int *fd)
{
	unsigned long long dev, ino;
	*fd = -1;
	if (!identity || sscanf(identity, "%llu:%llu", &dev, &ino) != 2)
		return -EINVAL;
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	struct dirent *de;
	while (*fd < 0 && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		char path[sizeof("/proc//ns/net") + sizeof(de->d_name)];
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		struct stat st;
		if (stat(path, &st) < 0 || !same(&st, dev, ino))
			continue;
		int f = open(path, O_RDONLY | O_CLOEXEC);
		/* The process may have gone between the two: check what we hold. */
		if (f >= 0 && fstat(f, &st) == 0 && same(&st, dev, ino))
			*fd = f;
		else if (f >= 0)
			close(f);
	}
	closedir(d);
	return *fd >= 0 ? 0 : -ENOENT;
}
