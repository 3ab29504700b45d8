/* Linked only into the static runtime.  Debian's libdbus-1.a refers to
 * libsystemd's sd_listen_fds and sd_is_socket, for a *server* that systemd
 * socket-activated; libsystemd has no static library, and jaula is only
 * ever a D-Bus client.  These answer "no sockets were passed", which is
 * exactly what a client started by hand, by podman or by containerd has. */
int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd, (void)family, (void)type, (void)listening;
	return 0;
}
