/* urlfan: fetch many URLs concurrently. Process setup, options, one run(),
 * and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"
#include "msg.h"
#include "opts.h"
#include "output.h"
#include "progress.h"
#include "resume.h"
#include "source.h"

/* The man page's EXIT STATUS table. */
enum exit_code {
	EXIT_ALL_OK = 0,
	EXIT_HTTP_STATUS = 1,  /* some status outside --ok, nothing worse */
	EXIT_USAGE = 2,        /* nothing was fetched */
	EXIT_FAILED = 3,       /* some request failed or some line was invalid */
	EXIT_SIGINT = 130,     /* interrupted (or --deadline) */
	EXIT_SIGTERM = 143,
};

/* Signals: a count and the first one's number, and a self-pipe that wakes
 * the event loop. Only async-signal-safe things happen in the handler. */
static volatile sig_atomic_t signal_count, first_signal;
static int wake_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	if (!first_signal)
		first_signal = sig;
	if (signal_count < 2)
		signal_count++;
	if (signal_count >= 2) {
		/* A third signal kills at once, as users expect. */
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
	}
	if (wake_pipe[1] >= 0)
		(void)!write(wake_pipe[1], "", 1);
	errno = saved;
}

static void catch_signals(void)
{
	if (pipe(wake_pipe) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct run_state {
	struct output *out;
	struct resume *resume;
	struct progress *progress; /* NULL without a line or --stats */
	bool clear_before_output; /* the line and stdout share a terminal */
	size_t window;            /* --order input */
	bool any_failed;
	bool any_status;
	bool write_failed;
	int write_errno;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_failed(struct run_state *st)
{
	st->write_failed = true;
	st->write_errno = errno;
	return -1;
}

static int on_result(const struct result *res, void *ctx)
{
	struct run_state *st = ctx;
	if (res->error)
		st->any_failed = true;
	else if (!res->ok)
		st->any_status = true;
	progress_record(st->progress, res);
	resume_record(st->resume, res);
	if (output_record(st->out, res) != 0)
		return write_failed(st);
	return 0;
}

static int on_idle(void *ctx, size_t inflight)
{
	struct run_state *st = ctx;
	if (st->clear_before_output && output_pending(st->out))
		progress_clear(st->progress);
	if (output_flush(st->out) != 0)
		return write_failed(st);
	progress_tick(st->progress, now(), inflight);
	return 0;
}

static bool skip(const struct request *req, void *ctx)
{
	struct run_state *st = ctx;
	if (!resume_skip(st->resume, req))
		return false;
	/* The reorder window must not wait for a record that never comes. */
	if (output_skip(st->out, req->index) != 0)
		write_failed(st);
	return true;
}

static int interrupted(void *ctx)
{
	(void)ctx;
	return signal_count;
}

static size_t read_limit(void *ctx)
{
	struct run_state *st = ctx;
	return output_next_index(st->out) + st->window;
}

static struct source *open_source(const struct config *cfg)
{
	if (cfg->nurls)
		return source_create_args(cfg->urls, cfg->nurls);
	if (!cfg->input || strcmp(cfg->input, "-") == 0)
		return source_create_fd(0, "standard input");
	int fd = open(cfg->input, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		msg_fatal("cannot open '%s': %s", cfg->input, strerror(errno));
		return NULL;
	}
	return source_create_fd(fd, cfg->input);
}

static int run(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	int status = EXIT_USAGE;
	struct source *src = NULL;
	struct run_state st = {0};

	switch (opts_parse(argc, argv, &cfg, err, sizeof err)) {
	case OPTS_HELP:
		opts_usage(stdout);
		status = EXIT_ALL_OK;
		goto out;
	case OPTS_VERSION:
		printf("urlfan %s\n%s\n", URLFAN_VERSION, curl_version());
		status = EXIT_ALL_OK;
		goto out;
	case OPTS_ERROR:
		msg_fatal("%s", err);
		msg_fatal("try 'urlfan --help' for more information");
		goto out;
	case OPTS_RUN:
		break;
	}
	msg_set_level(cfg.silent ? MSG_SILENT : (enum msg_level)(cfg.verbose > 2 ? 2 : cfg.verbose));
	if (!cfg.nurls && !cfg.input && isatty(0)) {
		opts_usage(stderr);
		goto out;
	}
	if (!(src = open_source(&cfg)))
		goto out;

	/* The reorder window: as many records as may be read ahead plus
	 * those in flight, so that --order input costs no concurrency unless
	 * an early request is slow. */
	st.window = fetch_readahead(&cfg) + (size_t)cfg.parallel;
	if (!(st.out = output_create(&cfg, 1, isatty(1), st.window, err, sizeof err))) {
		msg_fatal("--write-out: %s", err);
		goto out;
	}
	if (!(st.resume = resume_create(&cfg, err, sizeof err))) {
		msg_fatal("%s", err);
		goto out;
	}
	bool line = !cfg.silent && (cfg.progress == TOGGLE_ON ||
				    (cfg.progress == TOGGLE_AUTO && isatty(2)));
	bool stats_wanted = cfg.stats != STATS_NONE && !cfg.silent;
	if (line || stats_wanted) {
		st.progress = progress_create(stderr, line, source_total(src));
		progress_tick(st.progress, now(), 0);
		st.clear_before_output = line && isatty(1);
	}
	struct fetch_hooks hooks = {
		.on_result = on_result,
		.on_idle = on_idle,
		.read_limit = cfg.order == ORDER_INPUT ? read_limit : NULL,
		.skip = cfg.skip_done ? skip : NULL,
		.interrupted = interrupted,
		.wake_fd = wake_pipe[0],
		.ctx = &st,
		/* The line redraws ten times a second; without it, waking up
		 * once a second costs nothing and flushes output. */
		.idle_ms = line ? 100 : 1000,
	};
	struct fetch_stats stats;
	switch (fetch_run(&cfg, src, &hooks, &stats, err, sizeof err)) {
	case FETCH_OK:
		break;
	case FETCH_ESETUP:
		msg_fatal("%s", err);
		goto out;
	default:
		msg_fatal("%s", err);
		status = EXIT_FAILED;
		goto out;
	}
	progress_clear(st.progress);
	if (!st.write_failed && output_finish(st.out) != 0)
		write_failed(&st);
	if (st.write_failed) {
		if (st.write_errno == EPIPE) {
			/* The reader went away (| head): end quietly, the way
			 * a filter killed by SIGPIPE does. */
			output_destroy(st.out);
			progress_destroy(st.progress);
			source_destroy(src);
			opts_free(&cfg);
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		msg_fatal("writing output: %s", strerror(st.write_errno));
		status = EXIT_FAILED;
		goto out;
	}
	if (stats_wanted)
		progress_summary(st.progress, stderr, cfg.stats == STATS_JSON, now());
	bool stopped_early = stats.interrupted || stats.deadline;
	if (resume_finish(st.resume, stopped_early, src, err, sizeof err) != 0) {
		msg_fatal("%s", err);
		status = EXIT_FAILED;
		goto out;
	}
	if (stopped_early) {
		status = first_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
		goto out;
	}
	status = st.any_failed || stats.input_error ? EXIT_FAILED
		 : st.any_status ? EXIT_HTTP_STATUS
		 : EXIT_ALL_OK;
out:
	progress_clear(st.progress);
	progress_destroy(st.progress);
	resume_destroy(st.resume);
	output_destroy(st.out);
	source_destroy(src);
	opts_free(&cfg);
	return status;
}

/* Make sure fds 0-2 are open, so that no file urlfan opens becomes its
 * stdout by accident. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (n != fd && n >= 0)
				close(n);
		}
	}
}

int main(int argc, char **argv)
{
	ensure_std_fds();
	/* Writes to a closed pipe must come back as EPIPE, not kill us in the
	 * middle of a record. */
	signal(SIGPIPE, SIG_IGN);
	catch_signals();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		msg_fatal("cannot initialise libcurl");
		return EXIT_FAILED;
	}
	int status = run(argc, argv);
	curl_global_cleanup();
	if (fclose(stdout) != 0 && status == EXIT_ALL_OK) {
		msg_fatal("writing output: %s", strerror(errno));
		status = EXIT_FAILED;
	}
	return status;
}
