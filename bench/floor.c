/* floor: the least work libcurl's multi interface needs to fetch a list of
 * URLs, as scripts/bench's reference for what libcurl allows on this
 * machine. urlfan's cost per request is reported as a ratio to this.
 *
 *     floor [-j J] [FILE]
 *
 * Reads one URL a line from FILE (or standard input, also for "-"), lazily,
 * and keeps at most J transfers running (default 64). It does what urlfan
 * does for a plain GET and nothing more: one multi handle driven by epoll
 * and curl_multi_socket_action (the cheapest loop at -j 1000, where
 * curl_multi_perform would check every connecting transfer on each wake-up),
 * HTTP/1.1 with keep-alive, CURLMOPT_MAXCONNECTS of 2 * J as urlfan sets it,
 * urlfan's default request headers (User-Agent, Accept-Encoding),
 * J easy handles made once and reused (only CURLOPT_URL changes between
 * transfers), and bodies thrown away in the write callback. It writes
 * nothing to standard output.
 *
 * At the end it prints "N ok" (and ", M failed" if any did) to standard
 * error. A response is ok when the transfer completed and its status is
 * 2xx. Exit status: 0 all ok, 1 some failed, 2 bad usage or setup.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_ALL_OK = 0, EXIT_SOME_FAILED = 1, EXIT_SETUP = 2 };

/* The whole run's state. The J easy handles are made once (handles[]);
 * idle[] holds those that wait for a URL, and a finished one goes back
 * there. */
struct floor {
	CURLM *multi;
	int epfd;
	FILE *in;
	char *line; /* getline's buffer: libcurl copies CURLOPT_URL */
	size_t cap;
	bool input_done;
	CURL **handles;
	size_t nhandles;
	CURL **idle;
	size_t nidle;
	size_t running;
	long long timeout_at; /* ms when libcurl wants its timeout action; -1: not asked */
	int epoll_errno;      /* a failed epoll_ctl in socket_cb */
	unsigned long ok, failed;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t discard_cb(char *data, size_t size, size_t n, void *userp)
{
	(void)data;
	(void)userp;
	return size * n;
}

/* libcurl names each socket to watch and what for. A socket it has not
 * handed over before (or again after a REMOVE) comes without socketp: it
 * is added to epoll and marked, so each later call is one EPOLL_CTL_MOD.
 * A failed add or change stops the run (the loop would wait forever). */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct floor *f = userp;
	struct epoll_event ev = {.data.fd = fd};
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	int op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(f->epfd, op, fd, &ev) != 0)
		f->epoll_errno = errno;
	else if (op == EPOLL_CTL_ADD)
		curl_multi_assign(f->multi, fd, f);
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct floor *f = userp;
	(void)multi;
	f->timeout_at = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	return 0;
}

/* The next URL, or NULL at the end of the input. Blank lines are skipped. */
static const char *next_url(struct floor *f)
{
	ssize_t len;
	while ((len = getline(&f->line, &f->cap, f->in)) >= 0) {
		while (len > 0 && (f->line[len - 1] == '\n' || f->line[len - 1] == '\r'))
			f->line[--len] = '\0';
		if (len > 0)
			return f->line;
	}
	f->input_done = true;
	return NULL;
}

/* Give every idle handle a URL while there are URLs. */
static int refill(struct floor *f)
{
	while (f->nidle > 0 && !f->input_done) {
		const char *url = next_url(f);
		if (!url)
			break;
		CURL *e = f->idle[--f->nidle];
		if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
		    curl_multi_add_handle(f->multi, e) != CURLM_OK) {
			fprintf(stderr, "floor: cannot start %s\n", url);
			return -1;
		}
		f->running++;
	}
	return 0;
}

/* Count one finished transfer and put its handle back for the next URL. */
static void done(struct floor *f, CURL *e, CURLcode result)
{
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (result == CURLE_OK && status >= 200 && status < 300) {
		f->ok++;
	} else {
		const char *url = "?";
		curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
		if (result != CURLE_OK)
			fprintf(stderr, "floor: %s: %s\n", url, curl_easy_strerror(result));
		else
			fprintf(stderr, "floor: %s: HTTP status %ld\n", url, status);
		f->failed++;
	}
	curl_multi_remove_handle(f->multi, e);
	f->idle[f->nidle++] = e;
	f->running--;
}

static void drain(struct floor *f)
{
	int left;
	for (;;) {
		CURLMsg *m = curl_multi_info_read(f->multi, &left);
		if (!m)
			return;
		if (m->msg == CURLMSG_DONE)
			done(f, m->easy_handle, m->data.result);
	}
}

static int loop(struct floor *f)
{
	struct epoll_event ev[64];
	int still;
	for (;;) {
		if (refill(f) != 0)
			return -1;
		if (f->running == 0 && f->input_done)
			return 0;
		int wait_ms = -1;
		if (f->timeout_at >= 0) {
			long long left = f->timeout_at - now_ms();
			wait_ms = left < 0 ? 0 : (int)left;
		}
		int n = epoll_wait(f->epfd, ev, 64, wait_ms);
		if (n < 0 && errno != EINTR) {
			perror("floor: epoll_wait");
			return -1;
		}
		CURLMcode mc = CURLM_OK;
		for (int i = 0; i < n && mc == CURLM_OK; i++) {
			int flags = 0;
			if (ev[i].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (ev[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (ev[i].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			mc = curl_multi_socket_action(f->multi, ev[i].data.fd, flags, &still);
		}
		if (mc == CURLM_OK && f->timeout_at >= 0 && now_ms() >= f->timeout_at) {
			f->timeout_at = -1;
			mc = curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &still);
		}
		if (mc != CURLM_OK || f->epoll_errno) {
			fprintf(stderr, "floor: %s\n",
				mc != CURLM_OK ? curl_multi_strerror(mc)
					       : strerror(f->epoll_errno));
			return -1;
		}
		drain(f);
	}
}

static int usage(void)
{
	fputs("usage: floor [-j J] [FILE]\n", stderr);
	return EXIT_SETUP;
}

static int run(int argc, char **argv)
{
	long j = 64;
	int opt;
	while ((opt = getopt(argc, argv, "j:")) != -1) {
		char *end;
		switch (opt) {
		case 'j':
			errno = 0;
			j = strtol(optarg, &end, 10);
			if (errno || *end || j < 1 || j > 100000)
				return usage();
			break;
		default: return usage();
		}
	}
	if (argc - optind > 1)
		return usage();

	int rc = EXIT_SETUP;
	struct floor f = {.epfd = -1, .in = stdin, .timeout_at = -1};
	const char *path = optind < argc ? argv[optind] : "-";
	if (strcmp(path, "-") != 0 && !(f.in = fopen(path, "r"))) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return EXIT_SETUP;
	}
	f.handles = calloc((size_t)j, sizeof *f.handles);
	f.idle = calloc((size_t)j, sizeof *f.idle);
	f.multi = curl_multi_init();
	f.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!f.handles || !f.idle || !f.multi || f.epfd < 0) {
		fputs("floor: cannot set up the multi handle\n", stderr);
		goto out;
	}
	curl_multi_setopt(f.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(f.multi, CURLMOPT_SOCKETDATA, &f);
	curl_multi_setopt(f.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(f.multi, CURLMOPT_TIMERDATA, &f);
	curl_multi_setopt(f.multi, CURLMOPT_MAXCONNECTS, j * 2);
	for (long i = 0; i < j; i++) {
		CURL *e = curl_easy_init();
		if (!e) {
			fputs("floor: cannot make an easy handle\n", stderr);
			goto out;
		}
		f.handles[f.nhandles++] = e;
		f.idle[f.nidle++] = e;
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
		/* The same request on the wire as urlfan's by default: its
		 * User-Agent, and compressed responses asked for (and decoded
		 * when they come). libcurl formats both headers anew for each
		 * request; the floor pays that as urlfan does. */
		curl_easy_setopt(e, CURLOPT_USERAGENT, "urlfan/" URLFAN_VERSION);
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	}
	if (loop(&f) != 0)
		goto out;
	if (ferror(f.in)) {
		fputs("floor: error reading the URL list\n", stderr);
		goto out;
	}
	if (f.failed)
		fprintf(stderr, "%lu ok, %lu failed\n", f.ok, f.failed);
	else
		fprintf(stderr, "%lu ok\n", f.ok);
	rc = f.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
out:
	/* libcurl's order: out of the multi handle, then free the easy
	 * handles, then the multi handle (a failed run leaves some in it). */
	for (size_t i = 0; i < f.nhandles; i++) {
		curl_multi_remove_handle(f.multi, f.handles[i]);
		curl_easy_cleanup(f.handles[i]);
	}
	if (f.multi)
		curl_multi_cleanup(f.multi);
	free(f.handles);
	free(f.idle);
	free(f.line);
	if (f.epfd >= 0)
		close(f.epfd);
	if (f.in && f.in != stdin)
		fclose(f.in);
	return rc;
}

int main(int argc, char **argv)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("floor: cannot initialise libcurl\n", stderr);
		return EXIT_SETUP;
	}
	int rc = run(argc, argv);
	curl_global_cleanup();
	return rc;
}
