#include "wake.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

void wake_drain(int wake_fd)
{
	char drain[64];
	while (read(wake_fd, drain, sizeof drain) == (ssize_t)sizeof drain)
		;
}

int wake_poll(int fd, short events, int wake_fd, int timeout_ms)
{
	struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = wake_fd, .events = POLLIN}};
	if (poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms) < 0 && errno != EINTR)
		return -1;
	if (wake_fd >= 0 && p[1].revents)
		wake_drain(wake_fd);
	return 0;
}
