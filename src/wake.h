/* wake: the read end of the self-pipe a signal handler writes a byte to,
 * so that a loop waiting in poll() or epoll_wait() wakes at once. main.c
 * makes the pipe, with both ends non-blocking. */
#ifndef URLFAN_WAKE_H
#define URLFAN_WAKE_H

/* Empty the pipe, so that the next signal wakes the next wait. */
void wake_drain(int wake_fd);

/* Wait until fd is ready for events, wake_fd (or -1: none) is readable,
 * or timeout_ms (-1: no limit) has passed; a woken pipe is emptied.
 * Returns -1 when poll() fails other than by a signal, else 0. */
int wake_poll(int fd, short events, int wake_fd, int timeout_ms);

#endif
