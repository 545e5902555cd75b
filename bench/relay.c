/* relay: a user-space latency relay, scripts/bench's simulated network
 * (`scripts/bench net`). This kernel has no netem, so the round trips of a
 * real network are added here, between the clients and one nginx.
 *
 *     relay -r RTT_MS -H FIRST_ADDR -n HOSTS -p PORT [-p PORT]... -c CTRL_PORT
 *           [-u UPSTREAM_ADDR] [-b BLACKHOLE_ADDR]...
 *
 * It listens on HOSTS consecutive IPv4 addresses from FIRST_ADDR (e.g.
 * 127.0.1.1 .. 127.0.1.200: one address a simulated host, so clients name
 * hosts by IP literal and need no resolver), on each PORT, and forwards
 * every connection to UPSTREAM_ADDR (default 127.0.0.1) on the same port.
 * It only moves bytes: TLS and HTTP/2 pass through untouched (nginx
 * terminates them).
 *
 * The simulated network, for a one-way delay D = RTT/2:
 *
 * - Bytes are delivered in order, D after the relay read them, in both
 *   directions (a chunk read at t is written at t + D; the FIFO of a
 *   direction keeps the order). End of stream (a FIN) is a chunk like the
 *   others: shutdown(SHUT_WR) on the far side, D after it was seen.
 * - A TCP connect costs one RTT. The kernel completes the loopback
 *   handshake at once, so the client believes it is connected at t0 and
 *   sends its first bytes (ClientHello, request) right away. On a real
 *   network those bytes leave only when the SYN-ACK has come back, at
 *   t0 + RTT, and reach the server at t0 + RTT + D. So the relay does not
 *   read from a new client socket until t0 + RTT (its bytes wait in the
 *   kernel's receive buffer), opens the upstream connection then (nginx
 *   sees the connection when the handshake is done), and from then on every
 *   byte takes D each way. A connect plus one request thus takes 2 RTT, a
 *   TLS 1.3 handshake adds one more, as on the wire.
 * - Bandwidth is not limited. A direction stops reading its source while
 *   more than QUEUE_CAP bytes wait, so a slow reader holds its sender back.
 *
 * Timing: chunk deadlines are now + D, and handshake deadlines accept + RTT,
 * so each kind of deadline grows monotonically with the time it was made.
 * Each kind therefore needs only a FIFO (no heap): two growable rings of
 * (deadline, connection, generation), and one timerfd armed at the earlier
 * head, with absolute nanosecond deadlines. With RTT 0 everything is
 * forwarded at once: that run measures the relay's own overhead.
 *
 * Dead hosts: each -b address accepts connections and never answers (it
 * reads and discards what the client sends and closes when the client
 * does). A refusing host needs no knob: an address nothing listens on
 * refuses connections (the kernel answers the SYN with a RST).
 *
 * Counting: every listener counts the connections it accepted ("the
 * connections the server saw"). A connection to CTRL_PORT on 127.0.0.1
 * gets one line per listener, "ADDR PORT ACCEPTED", then "open N" (the
 * relayed connections open now) and "end", and is closed. Counts only grow;
 * the harness takes differences.
 *
 * One thread, epoll, non-blocking sockets (accept4: built with
 * -D_GNU_SOURCE); thousands of connections (the
 * open-files limit is raised to its hard limit). It runs until killed.
 * Exit status: 2 on bad usage or setup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum { MAX_PORTS = 8, READ_SIZE = 64 * 1024, QUEUE_CAP = 4 * 1024 * 1024, BATCH = 256 };

/* What an epoll event's 64 bits name: the kind in the top byte, a
 * connection's generation in the next 24 bits (a slot reused within one
 * epoll_wait batch is not mistaken for the old one), an index below. */
enum kind { K_LISTEN = 1, K_CTRL, K_TIMER, K_CLIENT, K_UPSTREAM };

/* A run of bytes read at one time, due at `due` on the far side; eof marks
 * the end of the stream instead of bytes. Owned by its direction's FIFO. */
struct chunk {
	struct chunk *next;
	uint64_t due;
	size_t len, off;
	bool eof;
	char data[];
};

/* One direction of a connection: what was read from src and waits for, or
 * is being written to, dst. */
struct dir {
	struct chunk *head, *tail;
	size_t queued;
	bool eof_read, eof_sent;
};

struct listener {
	int fd;
	bool blackhole;
	uint16_t port;
	struct in_addr in;
	char addr[INET_ADDRSTRLEN];
	uint64_t accepted;
};

/* A relayed connection: cfd the client's socket, ufd the upstream one
 * (-1 until the simulated handshake is done). up: client -> upstream;
 * down: upstream -> client. A blackhole connection has only cfd. */
struct conn {
	int cfd, ufd;
	uint32_t gen;
	bool used, blackhole, ready;
	uint8_t muted; /* 1: cfd, 2: ufd hung up and left the epoll set */
	uint16_t port;
	struct in_addr addr;   /* the simulated host's address */
	uint32_t cmask, umask; /* the epoll interests registered now */
	struct dir up, down;
};

struct event {
	uint64_t due;
	uint32_t idx, gen;
	bool down; /* flush events: which direction */
};

/* A growable ring of events whose deadlines never decrease. */
struct fifo {
	struct event *ev;
	size_t cap, head, len;
};

static struct {
	int epfd, tfd, ctrlfd;
	uint64_t delay, rtt; /* ns */
	uint64_t armed;
	struct in_addr upstream;
	struct listener *ls;
	size_t nls;
	struct conn *conns;
	size_t nconns, capconns;
	uint32_t *freelist;
	size_t nfree;
	size_t open;
	struct fifo hs, flush;
} R;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "relay: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("relay: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static uint64_t tag(enum kind k, uint32_t gen, uint32_t idx)
{
	return (uint64_t)k << 56 | (uint64_t)(gen & 0xffffff) << 32 | idx;
}

static void fifo_push(struct fifo *f, struct event e)
{
	if (f->len == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 1024;
		struct event *n = xrealloc(NULL, ncap * sizeof *n);
		for (size_t i = 0; i < f->len; i++)
			n[i] = f->ev[(f->head + i) % f->cap];
		free(f->ev);
		f->ev = n;
		f->cap = ncap;
		f->head = 0;
	}
	f->ev[(f->head + f->len) % f->cap] = e;
	f->len++;
}

static struct event *fifo_peek(struct fifo *f)
{
	return f->len ? &f->ev[f->head] : NULL;
}

static void fifo_pop(struct fifo *f)
{
	f->head = (f->head + 1) % f->cap;
	f->len--;
}

/* Arms the timerfd at the earliest pending deadline (absolute). */
static void arm_timer(void)
{
	struct event *a = fifo_peek(&R.hs), *b = fifo_peek(&R.flush);
	uint64_t due = 0;
	if (a)
		due = a->due;
	if (b && (!due || b->due < due))
		due = b->due;
	if (due == R.armed)
		return;
	struct itimerspec its = {0};
	if (due) {
		its.it_value.tv_sec = (time_t)(due / 1000000000u);
		its.it_value.tv_nsec = (long)(due % 1000000000u);
	}
	if (timerfd_settime(R.tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		die("timerfd_settime");
	R.armed = due;
}

static void set_mask(int fd, uint32_t *cur, uint32_t want, uint64_t data)
{
	if (fd < 0 || *cur == want)
		return;
	struct epoll_event ev = {.events = want, .data.u64 = data};
	if (epoll_ctl(R.epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		die("epoll_ctl mod");
	*cur = want;
}

static void free_dir(struct dir *d)
{
	while (d->head) {
		struct chunk *c = d->head;
		d->head = c->next;
		free(c);
	}
	*d = (struct dir){0};
}

static void conn_close(uint32_t i)
{
	struct conn *c = &R.conns[i];
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	free_dir(&c->up);
	free_dir(&c->down);
	c->cfd = c->ufd = -1;
	c->used = false;
	c->gen++;
	R.freelist[R.nfree++] = i;
	R.open--;
}

/* Recomputes both sockets' epoll interests from the connection's state:
 * read a source while its stream is open, the handshake is done and its
 * queue is under the cap; wait for writability while due bytes wait. */
static void conn_update(uint32_t i)
{
	struct conn *c = &R.conns[i];
	uint64_t t = now_ns();
	uint32_t cw = 0, uw = 0;
	if (c->blackhole) {
		cw = EPOLLIN;
	} else if (c->ready) {
		if (!c->up.eof_read && c->up.queued < QUEUE_CAP)
			cw |= EPOLLIN;
		if (!c->down.eof_read && c->down.queued < QUEUE_CAP)
			uw |= EPOLLIN;
		if (c->down.head && c->down.head->due <= t)
			cw |= EPOLLOUT;
		if (c->up.head && c->up.head->due <= t)
			uw |= EPOLLOUT;
	}
	if (!(c->muted & 1))
		set_mask(c->cfd, &c->cmask, cw, tag(K_CLIENT, c->gen, i));
	if (!(c->muted & 2))
		set_mask(c->ufd, &c->umask, uw, tag(K_UPSTREAM, c->gen, i));
}

/* Writes the due chunks of one direction. Returns -1 when the connection
 * must be closed (a write failed), else 0. */
static int flush(struct conn *c, struct dir *d, int dst)
{
	uint64_t t = now_ns();
	while (d->head && d->head->due <= t) {
		struct chunk *k = d->head;
		if (k->eof) {
			shutdown(dst, SHUT_WR);
			d->eof_sent = true;
		} else {
			ssize_t n = send(dst, k->data + k->off, k->len - k->off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					return 0;
				return -1;
			}
			k->off += (size_t)n;
			d->queued -= (size_t)n;
			if (k->off < k->len)
				return 0;
		}
		d->head = k->next;
		if (!d->head)
			d->tail = NULL;
		free(k);
	}
	(void)c;
	return 0;
}

static int flush_both(uint32_t i)
{
	struct conn *c = &R.conns[i];
	if (flush(c, &c->up, c->ufd) < 0 || flush(c, &c->down, c->cfd) < 0)
		return -1;
	if (c->up.eof_sent && c->down.eof_sent)
		return -1; /* both streams ended and were delivered: done */
	if (((c->muted & 1) && !c->up.head) || ((c->muted & 2) && !c->down.head))
		return -1; /* a side hung up and what it sent is delivered */
	return 0;
}

/* Reads what src has into d's FIFO, due D from now. Returns -1 when the
 * connection must be closed (a read error, e.g. a reset). */
static int pull(uint32_t i, int src, struct dir *d, bool down)
{
	struct conn *c = &R.conns[i];
	uint64_t due = now_ns() + R.delay;
	while (!d->eof_read && d->queued < QUEUE_CAP) {
		struct chunk *k = xrealloc(NULL, sizeof *k + READ_SIZE);
		ssize_t n = recv(src, k->data, READ_SIZE, 0);
		if (n < 0) {
			free(k);
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return -1;
		}
		if (n < READ_SIZE / 4)
			k = xrealloc(k, sizeof *k + (size_t)n);
		k->next = NULL;
		k->due = due;
		k->len = (size_t)n;
		k->off = 0;
		k->eof = n == 0;
		d->eof_read = k->eof;
		d->queued += (size_t)n;
		if (d->tail)
			d->tail->next = k;
		else
			d->head = k;
		d->tail = k;
		if (R.delay)
			fifo_push(&R.flush, (struct event){due, i, c->gen, down});
		if (n < READ_SIZE)
			break;
	}
	return 0;
}

static void add_fd(int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	if (epoll_ctl(R.epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl add");
}

/* The simulated handshake is done: open the upstream connection and start
 * reading the client. */
static void handshake_done(uint32_t i)
{
	struct conn *c = &R.conns[i];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_close(i);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* From the simulated host's address: thousands of connections a
	 * minute, each leaving a TIME_WAIT, would run out of ephemeral ports
	 * between one pair of addresses. The port is picked at connect. */
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = c->addr};
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
		close(fd);
		conn_close(i);
		return;
	}
	struct sockaddr_in sa = {
		.sin_family = AF_INET, .sin_port = htons(c->port), .sin_addr = R.upstream};
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		close(fd);
		conn_close(i);
		return;
	}
	c->ufd = fd;
	c->umask = 0;
	add_fd(fd, 0, tag(K_UPSTREAM, c->gen, i));
	c->ready = true;
	if (pull(i, c->cfd, &c->up, false) < 0 || flush_both(i) < 0) {
		conn_close(i);
		return;
	}
	conn_update(i);
}

static void on_accept(size_t li)
{
	struct listener *l = &R.ls[li];
	for (int k = 0; k < BATCH; k++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				fprintf(stderr, "relay: accept on %s:%u: %s\n", l->addr, l->port,
					strerror(errno));
			return;
		}
		l->accepted++;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (!R.nfree) {
			size_t ncap = R.capconns ? R.capconns * 2 : 1024;
			R.conns = xrealloc(R.conns, ncap * sizeof *R.conns);
			R.freelist = xrealloc(R.freelist, ncap * sizeof *R.freelist);
			for (size_t j = ncap; j > R.capconns; j--) {
				R.conns[j - 1] = (struct conn){.cfd = -1, .ufd = -1};
				R.freelist[R.nfree++] = (uint32_t)(j - 1);
			}
			R.capconns = ncap;
		}
		uint32_t i = R.freelist[--R.nfree];
		struct conn *c = &R.conns[i];
		uint32_t gen = c->gen;
		*c = (struct conn){.cfd = fd,
				   .ufd = -1,
				   .gen = gen,
				   .used = true,
				   .blackhole = l->blackhole,
				   .port = l->port,
				   .addr = l->in};
		R.open++;
		c->cmask = l->blackhole ? EPOLLIN : 0;
		add_fd(fd, c->cmask, tag(K_CLIENT, c->gen, i));
		if (l->blackhole)
			continue;
		if (R.rtt)
			fifo_push(&R.hs, (struct event){now_ns() + R.rtt, i, c->gen, false});
		else
			handshake_done(i);
	}
}

static void on_ctrl(void)
{
	int fd = accept4(R.ctrlfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	size_t cap = R.nls * 48 + 64, len = 0;
	char *buf = xrealloc(NULL, cap);
	for (size_t i = 0; i < R.nls; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s %u %llu\n", R.ls[i].addr,
					R.ls[i].port, (unsigned long long)R.ls[i].accepted);
	len += (size_t)snprintf(buf + len, cap - len, "open %zu\nend\n", R.open);
	/* A blocking socket: the whole text goes out before the close. */
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(buf);
	close(fd);
}

static void on_conn(enum kind k, uint32_t i, uint32_t gen, uint32_t events)
{
	if (i >= R.capconns)
		return;
	struct conn *c = &R.conns[i];
	if (!c->used || (c->gen & 0xffffff) != gen)
		return; /* closed earlier in this batch */
	if (c->blackhole) {
		char sink[4096];
		ssize_t n;
		while ((n = recv(c->cfd, sink, sizeof sink, 0)) > 0)
			;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			conn_close(i);
		return;
	}
	if (!c->ready) {
		/* Only an error or hang-up is reported during the simulated
		 * handshake (no interest is registered): the client gave up. */
		conn_close(i);
		return;
	}
	bool client = k == K_CLIENT;
	int rc = 0;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rc = client ? pull(i, c->cfd, &c->up, false) : pull(i, c->ufd, &c->down, true);
	if (rc == 0 && (events & (EPOLLERR | EPOLLHUP))) {
		/* A reset, or both directions of this socket shut down: epoll
		 * reports that on every wait whatever the interest, so the
		 * socket leaves the epoll set. What it sent still goes to the
		 * other side when due; then the connection closes (flush_both). */
		int fd = client ? c->cfd : c->ufd;
		epoll_ctl(R.epfd, EPOLL_CTL_DEL, fd, NULL);
		c->muted |= client ? 1 : 2;
	}
	if (rc == 0)
		rc = flush_both(i);
	if (rc < 0)
		conn_close(i);
	else
		conn_update(i);
}

static void on_timer(void)
{
	uint64_t ticks;
	if (read(R.tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
		die("read timerfd");
	R.armed = 0;
	uint64_t t = now_ns();
	struct event *e;
	while ((e = fifo_peek(&R.hs)) && e->due <= t) {
		struct event ev = *e;
		fifo_pop(&R.hs);
		if (R.conns[ev.idx].used && R.conns[ev.idx].gen == ev.gen)
			handshake_done(ev.idx);
	}
	while ((e = fifo_peek(&R.flush)) && e->due <= t) {
		struct event ev = *e;
		fifo_pop(&R.flush);
		struct conn *c = &R.conns[ev.idx];
		if (!c->used || c->gen != ev.gen)
			continue;
		if (flush_both(ev.idx) < 0)
			conn_close(ev.idx);
		else
			conn_update(ev.idx);
	}
	arm_timer();
}

static int listen_on(struct in_addr a, uint16_t port, int backlog)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = a};
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0) {
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a, text, sizeof text);
		fprintf(stderr, "relay: listen on %s:%u: %s\n", text, port, strerror(errno));
		exit(2);
	}
	return fd;
}

static void add_listener(struct in_addr a, uint16_t port, bool blackhole)
{
	R.ls = xrealloc(R.ls, (R.nls + 1) * sizeof *R.ls);
	struct listener *l = &R.ls[R.nls];
	*l = (struct listener){
		.in = a, .fd = listen_on(a, port, 4096), .blackhole = blackhole, .port = port};
	inet_ntop(AF_INET, &a, l->addr, sizeof l->addr);
	add_fd(l->fd, EPOLLIN, tag(K_LISTEN, 0, (uint32_t)R.nls));
	R.nls++;
}

static void usage(void)
{
	fputs("usage: relay -r RTT_MS -H FIRST_ADDR -n HOSTS -p PORT [-p PORT]... -c CTRL_PORT\n"
	      "             [-u UPSTREAM_ADDR] [-b BLACKHOLE_ADDR]...\n",
	      stderr);
	exit(2);
}

static struct in_addr parse_addr(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "relay: not an IPv4 address: %s\n", s);
		exit(2);
	}
	return a;
}

static long parse_num(const char *s, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	double rtt_ms = -1;
	long hosts = 0, ctrl = -1;
	uint16_t ports[MAX_PORTS];
	size_t nports = 0, nblack = 0;
	struct in_addr first = {0}, black[64];
	bool have_first = false;
	R.upstream = parse_addr("127.0.0.1");
	int opt;
	while ((opt = getopt(argc, argv, "r:H:n:p:c:u:b:")) != -1) {
		switch (opt) {
		case 'r': rtt_ms = strtod(optarg, NULL); break;
		case 'H':
			first = parse_addr(optarg);
			have_first = true;
			break;
		case 'n': hosts = parse_num(optarg, 65536); break;
		case 'p':
			if (nports == MAX_PORTS)
				usage();
			ports[nports++] = (uint16_t)parse_num(optarg, 65535);
			break;
		case 'c': ctrl = parse_num(optarg, 65535); break;
		case 'u': R.upstream = parse_addr(optarg); break;
		case 'b':
			if (nblack == sizeof black / sizeof *black)
				usage();
			black[nblack++] = parse_addr(optarg);
			break;
		default: usage();
		}
	}
	if (rtt_ms < 0 || !nports || ctrl < 0 || (hosts && !have_first) || optind != argc)
		usage();
	R.rtt = (uint64_t)(rtt_ms * 1e6);
	R.delay = R.rtt / 2;

	signal(SIGPIPE, SIG_IGN);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	R.epfd = epoll_create1(EPOLL_CLOEXEC);
	R.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (R.epfd < 0 || R.tfd < 0)
		die("epoll/timerfd");
	add_fd(R.tfd, EPOLLIN, tag(K_TIMER, 0, 0));
	for (long h = 0; h < hosts; h++) {
		struct in_addr a = {htonl(ntohl(first.s_addr) + (uint32_t)h)};
		for (size_t p = 0; p < nports; p++)
			add_listener(a, ports[p], false);
	}
	for (size_t b = 0; b < nblack; b++)
		for (size_t p = 0; p < nports; p++)
			add_listener(black[b], ports[p], true);
	/* The control socket is blocking: on_ctrl writes its answer in one go. */
	R.ctrlfd = listen_on(parse_addr("127.0.0.1"), (uint16_t)ctrl, 64);
	fcntl(R.ctrlfd, F_SETFL, fcntl(R.ctrlfd, F_GETFL) & ~O_NONBLOCK);
	add_fd(R.ctrlfd, EPOLLIN, tag(K_CTRL, 0, 0));

	struct epoll_event evs[BATCH];
	for (;;) {
		int n = epoll_wait(R.epfd, evs, BATCH, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int e = 0; e < n; e++) {
			uint64_t d = evs[e].data.u64;
			enum kind k = (enum kind)(d >> 56);
			uint32_t gen = (uint32_t)(d >> 32) & 0xffffff, idx = (uint32_t)d;
			switch (k) {
			case K_LISTEN: on_accept(idx); break;
			case K_CTRL: on_ctrl(); break;
			case K_TIMER: on_timer(); break;
			case K_CLIENT:
			case K_UPSTREAM: on_conn(k, idx, gen, evs[e].events); break;
			}
		}
		arm_timer();
	}
}
