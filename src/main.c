/* urlfan: fetch many URLs concurrently. Process setup, one run opened by
 * app_open() and closed by app_close() whatever happened in between, and
 * the exit status as a pure function of the run's outcome. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bounds.h"
#include "clock.h"
#include "fetch.h"
#include "filesink.h"
#include "msg.h"
#include "opts.h"
#include "output.h"
#include "progress.h"
#include "resume.h"
#include "source.h"

/* The man page's EXIT STATUS table. */
enum exit_code {
	EXIT_ALL_OK = 0,
	EXIT_HTTP_STATUS = 1, /* some status outside --ok, nothing worse */
	EXIT_USAGE = 2,       /* nothing was fetched */
	EXIT_FAILED = 3,      /* some request failed or some line was invalid */
	EXIT_SIGINT = 130,    /* interrupted (or --deadline) */
	EXIT_SIGTERM = 143,
};

/* How a run ended: everything exit_status() needs, and nothing else. */
struct outcome {
	enum {
		RUN_DONE,   /* the run happened (perhaps cut short) */
		RUN_INFO,   /* --help or --version was printed */
		RUN_USAGE,  /* could not start: bad options or input, nothing fetched */
		RUN_BROKEN, /* the event loop failed mid-run */
	} stage;
	bool any_failed;  /* some request failed without a usable response */
	bool any_status;  /* some status outside --ok */
	bool input_error; /* an input line was invalid, or reading failed */
	int write_errno;  /* writing the output failed (EPIPE: the reader left) */
	bool save_failed; /* --save-unfinished could not be written */
	int signal;       /* the first SIGINT/SIGTERM acted on, or 0 */
	bool deadline;    /* --deadline stopped the run */
};

/* The exit status for an outcome; see the man page's EXIT STATUS. */
static int exit_status(const struct outcome *o)
{
	switch (o->stage) {
	case RUN_INFO: return EXIT_ALL_OK;
	case RUN_USAGE: return EXIT_USAGE;
	case RUN_BROKEN: return EXIT_FAILED;
	case RUN_DONE: break;
	}
	if ((o->write_errno && o->write_errno != EPIPE) || o->save_failed)
		return EXIT_FAILED;
	if (o->signal == SIGTERM)
		return EXIT_SIGTERM;
	if (o->signal || o->deadline)
		return EXIT_SIGINT;
	if (o->any_failed || o->input_error)
		return EXIT_FAILED;
	return o->any_status ? EXIT_HTTP_STATUS : EXIT_ALL_OK;
}

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

/* Returns 0, or -1 when the wake-up pipe cannot be made (signals then
 * wake the loop only at its next timeout). */
static int catch_signals(void)
{
	int rc = 0;
	if (pipe(wake_pipe) != 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < 2; i++) {
		int fl = fcntl(wake_pipe[i], F_GETFL);
		if (fl < 0 || fcntl(wake_pipe[i], F_SETFL, fl | O_NONBLOCK) != 0 ||
		    fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC) != 0)
			rc = -1;
	}
	if (rc != 0 && wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return rc;
}

/* Everything one run holds. */
struct app {
	struct config cfg;
	bool have_cfg, curl_ready;
	struct source *src;
	struct output *out;
	struct filesink *files; /* -O */
	struct resume *resume;
	struct progress *progress; /* NULL without a line or --stats */
	bool line;                 /* the progress line is drawn */
	bool stats_wanted;
	bool clear_before_output; /* the line and stdout share a terminal */
	struct bounds bounds;
	struct fetch_stats stats;
	struct outcome outcome;
};

static int write_failed(struct app *app)
{
	if (!app->outcome.write_errno)
		app->outcome.write_errno = errno ? errno : EIO;
	return -1;
}

static int on_result(const struct result *res, void *ctx)
{
	struct app *app = ctx;
	if (res->error)
		app->outcome.any_failed = true;
	else if (!res->ok)
		app->outcome.any_status = true;
	progress_record(app->progress, res);
	resume_record(app->resume, res);
	if (output_record(app->out, res) != 0)
		return write_failed(app);
	return 0;
}

static int on_idle(void *ctx, size_t inflight)
{
	struct app *app = ctx;
	if (app->clear_before_output && output_pending(app->out))
		progress_clear(app->progress);
	if (output_flush(app->out) != 0)
		return write_failed(app);
	progress_rate_limited(app->progress, app->stats.rate_limited);
	progress_tick(app->progress, clock_now(), inflight);
	return 0;
}

static bool skip(const struct request *req, void *ctx)
{
	struct app *app = ctx;
	if (!resume_skip(app->resume, req))
		return false;
	/* The reorder window must not wait for a record that never comes. */
	if (output_skip(app->out, req->index) != 0)
		write_failed(app);
	return true;
}

static void on_host_limit(const char *key, long limit, void *ctx)
{
	struct app *app = ctx;
	progress_host_limit(app->progress, key, limit);
}

/* Another --shard's request: the reorder window must not wait for it. */
static void not_mine(size_t index, void *ctx)
{
	struct app *app = ctx;
	if (output_skip(app->out, index) != 0)
		write_failed(app);
}

static int interrupted(void *ctx)
{
	(void)ctx;
	return signal_count;
}

static size_t read_limit(void *ctx)
{
	struct app *app = ctx;
	return output_next_index(app->out) + app->bounds.window;
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

/* Parse the options and open everything the run needs. Returns 0 when
 * the run can go ahead; otherwise the outcome says why not. Either way
 * app_close() undoes what was done. */
static int app_open(struct app *app, int argc, char **argv)
{
	char err[512];
	memset(app, 0, sizeof *app);
	app->outcome.stage = RUN_USAGE;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		msg_fatal("cannot initialise libcurl");
		app->outcome.stage = RUN_BROKEN;
		return -1;
	}
	app->curl_ready = true;
	enum opts_action act = opts_parse(argc, argv, &app->cfg, err, sizeof err);
	app->have_cfg = true;
	const struct config *cfg = &app->cfg;
	switch (act) {
	case OPTS_HELP:
		opts_usage(stdout);
		app->outcome.stage = RUN_INFO;
		return -1;
	case OPTS_VERSION:
		printf("urlfan %s\n%s\n", URLFAN_VERSION, curl_version());
		app->outcome.stage = RUN_INFO;
		return -1;
	case OPTS_ERROR:
		msg_fatal("%s", err);
		msg_fatal("try 'urlfan --help' for more information");
		return -1;
	case OPTS_RUN: break;
	}
	msg_set_level(cfg->silent ? MSG_SILENT
				  : (enum msg_level)(cfg->verbose > 2 ? 2 : cfg->verbose));
	if (!cfg->nurls && !cfg->input && isatty(0)) {
		opts_usage(stderr);
		return -1;
	}
	app->bounds = bounds_of(cfg);
	if (!(app->src = open_source(cfg)))
		return -1;
	if (!(app->out = output_create(cfg, 1, isatty(1), app->bounds.window, err, sizeof err))) {
		msg_fatal("--write-out: %s", err);
		return -1;
	}
	if (cfg->output_dir && !(app->files = filesink_create(cfg->output_dir, cfg->name,
							      cfg->overwrite, err, sizeof err))) {
		msg_fatal("--output-dir: %s", err);
		return -1;
	}
	if (!(app->resume = resume_create(cfg, err, sizeof err))) {
		msg_fatal("%s", err);
		return -1;
	}
	app->line = !cfg->silent &&
		    (cfg->progress == TOGGLE_ON || (cfg->progress == TOGGLE_AUTO && isatty(2)));
	app->stats_wanted = cfg->stats != STATS_NONE && !cfg->silent;
	if (app->line || app->stats_wanted) {
		app->progress = progress_create(stderr, app->line, source_total(app->src));
		progress_tick(app->progress, clock_now(), 0);
		app->clear_before_output = app->line && isatty(1);
	}
	app->outcome.stage = RUN_DONE;
	return 0;
}

/* Run the requests and settle the output: records, summary, the
 * unfinished list. The outcome records what happened. */
static void app_run(struct app *app)
{
	const struct config *cfg = &app->cfg;
	char err[512];
	struct fetch_params params = {
		.cfg = cfg,
		.bounds = app->bounds,
		.src = app->src,
		/* The one place that decides where bodies go. */
		.body = app->files     ? BODY_SINK
			: cfg->no_body ? BODY_DISCARD
				       : BODY_MEMORY,
		.sink = app->files ? filesink_sink(app->files) : NULL,
	};
	struct fetch_hooks hooks = {
		.on_result = on_result,
		.on_idle = on_idle,
		.read_limit = cfg->order == ORDER_INPUT ? read_limit : NULL,
		.skip = cfg->skip_done ? skip : NULL,
		.interrupted = interrupted,
		.wake_fd = wake_pipe[0],
		.ctx = app,
		/* The line redraws ten times a second; without it, waking up
		 * once a second costs nothing and flushes output. */
		.idle_ms = app->line ? 100 : 1000,
		.on_host_limit = on_host_limit,
		.not_mine = not_mine,
	};
	struct outcome *o = &app->outcome;
	switch (fetch_run(&params, &hooks, &app->stats, err, sizeof err)) {
	case FETCH_OK: break;
	case FETCH_ESETUP:
		msg_fatal("%s", err);
		o->stage = RUN_USAGE;
		return;
	case FETCH_ECURL:
	case FETCH_ESYS:
		msg_fatal("%s", err);
		o->stage = RUN_BROKEN;
		break;
	}
	o->input_error = app->stats.input_error;
	o->deadline = app->stats.deadline;
	if (app->stats.interrupted)
		o->signal = first_signal;
	progress_clear(app->progress);
	if (!o->write_errno && output_finish(app->out) != 0)
		write_failed(app);
	if (o->write_errno && o->write_errno != EPIPE)
		msg_fatal("writing output: %s", strerror(o->write_errno));
	/* A reader that went away (| head) ends the run quietly, the way a
	 * filter killed by SIGPIPE does: no summary. */
	progress_rate_limited(app->progress, app->stats.rate_limited);
	if (app->stats_wanted && o->write_errno != EPIPE)
		progress_summary(app->progress, stderr, cfg->stats == STATS_JSON, clock_now());
	bool stopped_early = o->signal || o->deadline || o->write_errno || o->stage == RUN_BROKEN;
	if (resume_finish(app->resume, stopped_early, app->src, err, sizeof err) != 0) {
		msg_fatal("%s", err);
		o->save_failed = true;
	}
}

/* Free everything app_open() made, in reverse, and return the exit
 * status. */
static int app_close(struct app *app)
{
	progress_clear(app->progress);
	progress_destroy(app->progress);
	resume_destroy(app->resume);
	filesink_destroy(app->files);
	output_destroy(app->out);
	source_destroy(app->src);
	if (app->have_cfg)
		opts_free(&app->cfg);
	if (app->curl_ready)
		curl_global_cleanup();
	if (fclose(stdout) != 0 && !app->outcome.write_errno && app->outcome.stage != RUN_USAGE) {
		msg_fatal("writing output: %s", strerror(errno));
		app->outcome.write_errno = errno ? errno : EIO;
	}
	return exit_status(&app->outcome);
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
	static struct app app;
	ensure_std_fds();
	/* Writes to a closed pipe must come back as EPIPE, not kill us in the
	 * middle of a record; SIGPIPE is raised again after the teardown. */
	signal(SIGPIPE, SIG_IGN);
	if (catch_signals() != 0)
		msg_warn("cannot create the signal wake-up pipe: %s", strerror(errno));
	if (app_open(&app, argc, argv) == 0)
		app_run(&app);
	int status = app_close(&app);
	if (app.outcome.write_errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	return status;
}
