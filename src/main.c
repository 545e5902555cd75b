/* urlfan: fetch many URLs concurrently. Process setup, one run opened by
 * app_open() and closed by app_close() whatever happened in between, and
 * the exit status as a pure function of the run's outcome. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bodysink.h"
#include "bounds.h"
#include "clock.h"
#include "compat.h"
#include "fdlimit.h"
#include "fetch.h"
#include "filesink.h"
#include "msg.h"
#include "opts.h"
#include "output.h"
#include "progress.h"
#include "report.h"
#include "resume.h"
#include "source.h"
#include "template.h"
#include "version.h"
#include "view.h"

/* The man page's EXIT STATUS table. */
enum exit_code {
	EXIT_ALL_OK = 0,
	EXIT_HTTP_STATUS = 1, /* some status outside --ok, nothing worse */
	EXIT_USAGE = 2,       /* nothing was fetched */
	EXIT_FAILED = 3,      /* some request failed or some line was invalid */
	EXIT_SIGHUP = 129,
	EXIT_SIGINT = 130, /* interrupted (or --deadline) */
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
	int write_errno;  /* writing the output failed (EPIPE: the reader left;
			     ECANCELED: given up at a second interrupt) */
	bool save_failed; /* a file asked for could not be written:
			     --save-unfinished, -c, --report-* */
	int signal;       /* the first SIGINT/SIGTERM/SIGHUP acted on, or 0 */
	bool deadline;    /* --deadline stopped the run */
	bool no_request;  /* the input held no request at all */
};

/* The exit status for an outcome; see the man page's EXIT STATUS. */
/* A reader that left (EPIPE) or was given up on at a second interrupt
 * (ECANCELED) is no write error. */
static bool write_error(const struct outcome *o)
{
	return o->write_errno && o->write_errno != EPIPE && o->write_errno != ECANCELED;
}

static int exit_status(const struct outcome *o)
{
	switch (o->stage) {
	case RUN_INFO: return EXIT_ALL_OK;
	case RUN_USAGE: return EXIT_USAGE;
	case RUN_BROKEN: return EXIT_FAILED;
	case RUN_DONE: break;
	}
	if (write_error(o) || o->save_failed)
		return EXIT_FAILED;
	/* Nothing to do is no success: an empty list in CI must not pass. */
	if (o->no_request)
		return EXIT_USAGE;
	if (o->signal == SIGTERM)
		return EXIT_SIGTERM;
	if (o->signal == SIGHUP)
		return EXIT_SIGHUP;
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
		sigaction(SIGHUP, &dfl, NULL);
	}
	if (wake_pipe[1] >= 0)
		(void)!write(wake_pipe[1], "", 1);
	errno = saved;
}

/* SIGWINCH: the terminal's size changed; the progress line reads it
 * again before it is next drawn. */
static volatile sig_atomic_t winch_pending;

static void on_winch(int sig)
{
	int saved = errno;
	(void)sig;
	winch_pending = 1;
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
	/* A closed terminal (SIGHUP) stops the run as SIGTERM does, so that
	 * the records so far and the unfinished list are kept. */
	sigaction(SIGHUP, &sa, NULL);
	/* A resize must not make a read or write fail with EINTR. */
	struct sigaction winch = {.sa_handler = on_winch, .sa_flags = SA_RESTART};
	sigemptyset(&winch.sa_mask);
	sigaction(SIGWINCH, &winch, NULL);
	return rc;
}

/* --format body: the most of one body kept in memory; the rest of a
 * larger one waits in a temporary file (the man page's Memory). */
#define BODY_SHARE (1024 * 1024)

/* Seconds between the plain progress lines of a forced --progress on a
 * stream that is no terminal. */
#define PLAIN_PROGRESS_SECS 3.0

/* Everything one run holds. */
struct app {
	struct config cfg;
	bool have_cfg, curl_ready;
	int out_fd; /* where records go: see open_stdout() */
	struct source *src;
	struct output *out;
	struct filesink *files;  /* -O */
	struct bodysink *bodies; /* --format body into a pipe or a file */
	struct resume *resume;
	struct report *report;     /* --report-junit, --report-markdown */
	struct progress *progress; /* NULL without a line or --stats */
	bool line;                 /* the progress line is drawn */
	bool stats_wanted;
	bool clear_before_output; /* the line and stdout share a terminal */
	bool told_finishing;      /* the first interrupt's line was written */
	size_t inflight;          /* at the last on_idle */
	struct bounds bounds;
	struct fetch_stats stats;
	struct outcome outcome;
	/* --max-failures: requests not ok so far, whether they reached it
	 * (then no more start), and the not-started records' message. */
	size_t failures;
	bool failure_stop;
	char failure_why[64];
	double started, started_clock; /* time(NULL), clock_now() at the start */
};

static int write_failed(struct app *app)
{
	if (!app->outcome.write_errno)
		app->outcome.write_errno = errno ? errno : EIO;
	return -1;
}

/* --max-failures: the nth request not ok stops the run from starting
 * more, as a first interrupt does (interrupted() says level 1). */
static void count_failure(struct app *app)
{
	long max = app->cfg.max_failures;
	if (app->failure_stop || !max || ++app->failures < (size_t)max)
		return;
	app->failure_stop = true;
	snprintf(app->failure_why, sizeof app->failure_why,
		 "not started: --max-failures %ld reached", max);
	msg_warn("%ld request%s failed (--max-failures): starting no more, finishing those in "
		 "flight",
		 max, max == 1 ? "" : "s");
}

static int on_result(const struct result *res, void *ctx)
{
	struct app *app = ctx;
	/* An abort before any attempt: the run stopped before it started. */
	bool skipped = res->error == ERR_ABORTED && res->attempts == 0;
	/* After --max-failures, aborts (not started, or no longer retried)
	 * are the stop's doing: the exit status is that of the failures that
	 * stopped the run. */
	bool stop_made = app->failure_stop && !signal_count && res->error == ERR_ABORTED;
	if (!stop_made) {
		if (res->error)
			app->outcome.any_failed = true;
		else if (!res->ok)
			app->outcome.any_status = true;
	}
	if (!res->ok && !skipped)
		count_failure(app);
	progress_record(app->progress, res);
	report_record(app->report, res, skipped);
	void *tag = resume_record(app->resume, res);
	if (app->cfg.only_failed && res->ok) {
		/* Left out on purpose: done, as if written. */
		if (tag)
			resume_fate(app->resume, tag, true);
		if (output_skip(app->out, res->index) != 0)
			return write_failed(app);
		return 0;
	}
	if (output_record(app->out, res, tag) != 0)
		return write_failed(app);
	return 0;
}

static void on_fate(void *tag, bool written, void *ctx)
{
	struct app *app = ctx;
	resume_fate(app->resume, tag, written);
}

static void on_dropped(const struct request *req, void *ctx)
{
	struct app *app = ctx;
	resume_dropped(app->resume, req);
}

static bool may_start(void *ctx)
{
	struct app *app = ctx;
	return !output_full(app->out);
}

static int wait_fd(void *ctx)
{
	struct app *app = ctx;
	return output_wait_fd(app->out);
}

/* The reader of the pipe went away (| head): the run ends now, as if a
 * write had failed with EPIPE, not when the next record is written. */
static int output_gone(void *ctx)
{
	errno = EPIPE;
	return write_failed(ctx);
}

/* The terminal's width in columns, or 0 when fd is no terminal. */
static int term_width(int fd)
{
	struct winsize ws;
	return ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

static int on_idle(void *ctx, size_t inflight)
{
	struct app *app = ctx;
	app->inflight = inflight;
	if (app->clear_before_output && output_pending(app->out))
		progress_clear(app->progress);
	if (output_flush(app->out) != 0)
		return write_failed(app);
	if (winch_pending) {
		winch_pending = 0;
		progress_set_width(app->progress, term_width(2));
	}
	progress_set_host_bound(app->progress, app->cfg.per_host, app->stats.host_bound);
	if (app->stats.interrupted || app->stats.deadline)
		progress_set_finishing(app->progress);
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
	struct app *app = ctx;
	if (signal_count == 1 && !app->told_finishing && app->inflight) {
		/* Once: what happens now, and how to make it stop sooner. */
		app->told_finishing = true;
		msg_warn("finishing %zu request%s in flight; %s again to abort", app->inflight,
			 app->inflight == 1 ? "" : "s",
			 first_signal == SIGINT ? "Ctrl-C" : "the same signal");
	}
	return signal_count ? signal_count : app->failure_stop;
}

static const char *why_stopped(void *ctx)
{
	struct app *app = ctx;
	return app->failure_stop && !signal_count ? app->failure_why : NULL;
}

static bool second_interrupt(void *ctx)
{
	return interrupted(ctx) >= 2;
}

/* The progress line is erased before any message goes to stderr. */
static void clear_line(void *ctx)
{
	struct app *app = ctx;
	progress_clear(app->progress);
}

/* Whether fd is a pipe or a socket: a reader at the other end (| jq) may
 * write to the same terminal as the progress line. */
static bool is_pipe(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* -u USER without a password: ask on the terminal, not echoed, as curl
 * does. Returns 0; -1 when there is no terminal to ask on; -2 when no
 * answer came (end of input, or Ctrl-C). */
static int ask_password(struct config *cfg)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct termios old, quiet;
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	char prompt[300], pw[1024];
	snprintf(prompt, sizeof prompt, "Enter host password for user '%.200s':", cfg->user);
	(void)!write(fd, prompt, strlen(prompt));
	size_t n = 0;
	int rc = -2;
	for (;;) {
		char c;
		ssize_t got = read(fd, &c, 1);
		if (got < 0 || (got == 0 && n == 0))
			break; /* an interrupt, or nothing typed before EOF */
		if (got == 0 || c == '\n' || c == '\r') {
			rc = 0;
			break;
		}
		if (n + 1 < sizeof pw)
			pw[n++] = c;
	}
	pw[n] = '\0';
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	if (rc == 0)
		opts_set_password(cfg, pw);
	memset(pw, 0, sizeof pw);
	return rc;
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

/* -j must fit in the descriptors urlfan may open: raise the soft limit,
 * and lower -j, with one warning, when even the hard one is too low.
 * Returns how many connections may be open at once (0: no limit known). */
static size_t fit_parallel(struct config *cfg)
{
	long limit = fdlimit_raise(), in_use = fdlimit_in_use();
	if (limit < 0 || in_use < 0)
		return 0;
	bool files = cfg->output_dir != NULL;
	long fit = fdlimit_parallel(cfg->parallel, limit, in_use, files);
	if (fit < cfg->parallel)
		msg_warn("-j %ld needs about %ld open files but only %ld are allowed (ulimit -n): "
			 "using -j %ld",
			 cfg->parallel, fdlimit_needed(cfg->parallel, in_use, files), limit, fit);
	cfg->parallel = fit;
	return (size_t)fdlimit_connections(fit, limit, in_use, files);
}

static void print_version(void)
{
	struct buf text = BUF_INIT;
	version_text(&text);
	fwrite(text.data, 1, text.len, stdout);
	buf_free(&text);
}

/* Parse the options and open everything the run needs. Returns 0 when
 * the run can go ahead; otherwise the outcome says why not. Either way
 * app_close() undoes what was done. */
static int app_open(struct app *app, int argc, char **argv, int out_fd)
{
	char err[1024];
	memset(app, 0, sizeof *app);
	app->out_fd = out_fd;
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
		print_version();
		app->outcome.stage = RUN_INFO;
		return -1;
	case OPTS_ERROR:
		/* One line that says what to do; --help is one option away. */
		msg_fatal("%s", err);
		return -1;
	case OPTS_RUN: break;
	}
	/* -sS: silent, but error messages are shown, as in curl. */
	msg_set_level(cfg->silent ? (cfg->show_error ? MSG_NORMAL : MSG_SILENT)
				  : (enum msg_level)(cfg->verbose > 2 ? 2 : cfg->verbose));
	switch (opts_needs_password(cfg) ? ask_password(&app->cfg) : 0) {
	case 0: break;
	case -1:
		msg_fatal("--user '%s' has no password, and there is no terminal to ask for it "
			  "on: give USER:PASSWORD",
			  cfg->user);
		return -1;
	default: msg_fatal("--user '%s': no password was typed", cfg->user); return -1;
	}
	if (!cfg->nurls && !cfg->input && isatty(0)) {
		opts_usage(stderr);
		return -1;
	}
	/* No format chosen: the text view for a person at a terminal, the
	 * server's bytes for a pipe or a file (| jq, > f), as httpie does -
	 * unless there are no bodies to write (-O, --no-body, -I): then the
	 * status lines say what happened. */
	if (cfg->format == FORMAT_AUTO)
		app->cfg.format = isatty(1) || cfg->output_dir || cfg->no_body || cfg->head
					  ? FORMAT_TEXT
					  : FORMAT_BODY;
	/* -I in the text view shows the headers, as curl -I does. */
	if (cfg->head && cfg->format == FORMAT_TEXT && !cfg->write_out)
		app->cfg.headers_out = true;
	size_t connections = fit_parallel(&app->cfg);
	app->bounds = bounds_of(cfg);
	app->bounds.connections = connections;
	if (!(app->src = open_source(cfg)))
		return -1;
	source_set_glob(app->src, !cfg->globoff);
	if (!(app->out =
		      output_create(cfg, app->out_fd, isatty(1), &app->bounds, err, sizeof err))) {
		msg_fatal("--write-out: %s", err);
		return -1;
	}
	if (cfg->output_dir && !(app->files = filesink_create(cfg->output_dir, cfg->name,
							      cfg->overwrite, err, sizeof err))) {
		msg_fatal("--output-dir: %s", err);
		return -1;
	}
	if (app->files && cfg->remote_time)
		filesink_remote_time(app->files);
	if (!(app->resume = resume_create(cfg, err, sizeof err))) {
		msg_fatal("%s", err);
		return -1;
	}
	bool report_failed;
	app->report = report_create(cfg, &report_failed, err, sizeof err);
	if (report_failed) {
		msg_fatal("%s", err);
		return -1;
	}
	app->started = (double)time(NULL);
	app->started_clock = clock_now();
	output_on_fate(app->out, on_fate, app);
	/* --format body streams each body, of any size, through memory up
	 * to its share and then a temporary file. On a terminal bodies stay
	 * in memory, to be checked for binary and escaped. */
	if (cfg->format == FORMAT_BODY && !cfg->write_out && !cfg->output_dir && !cfg->no_body &&
	    !isatty(1)) {
		app->bodies = bodysink_create(BODY_SHARE, NULL);
		view_set_bodies(output_view(app->out), app->bodies);
	}
	/* In auto mode the line needs a terminal that can redraw a line, and
	 * a stdout that is no pipe: the reader of a pipe (| jq) may write to
	 * the same terminal, and its lines would run into the progress
	 * line. */
	const char *term = getenv("TERM");
	app->line = !cfg->silent && (cfg->progress == TOGGLE_ON ||
				     (cfg->progress == TOGGLE_AUTO && isatty(2) && !is_pipe(1) &&
				      !(term && strcmp(term, "dumb") == 0)));
	/* -s silences progress and diagnostics, never a summary asked for. */
	app->stats_wanted = cfg->stats != STATS_NONE;
	if (app->line || app->stats_wanted) {
		app->progress = progress_create(stderr, app->line, source_total(app->src));
		progress_set_width(app->progress, app->line ? term_width(2) : 0);
		/* --progress into a log: a plain line now and then, no redraws. */
		if (app->line && !isatty(2))
			progress_set_plain(app->progress, PLAIN_PROGRESS_SECS);
		progress_tick(app->progress, clock_now(), 0);
		app->clear_before_output = app->line && isatty(1);
		msg_set_before(clear_line, app);
	}
	app->outcome.stage = RUN_DONE;
	return 0;
}

/* After the requests: the output written out, the summary, and the
 * unfinished list, however the run ended. */
static void app_settle(struct app *app)
{
	struct outcome *o = &app->outcome;
	char err[512];
	progress_plain_final(app->progress, clock_now(), app->inflight);
	progress_clear(app->progress);
	if (!o->write_errno && output_finish(app->out, wake_pipe[0], second_interrupt, app) != 0)
		write_failed(app);
	/* The text view lists no request that never started: one line. */
	size_t not_started = view_not_started(output_view(app->out));
	if (not_started)
		msg_warn(
			"%zu request%s not started%s%s%s", not_started, not_started == 1 ? "" : "s",
			app->cfg.save_unfinished ? ": listed in '" : " (--save-unfinished FILE",
			app->cfg.save_unfinished ? app->cfg.save_unfinished
						 : " keeps them for a next run",
			app->cfg.save_unfinished ? "' with the rest of the unfinished input" : ")");
	/* Once, after the last record: what limited the run. */
	if (app->line && app->stats.host_bound_seen)
		msg_warn(
			"the per-host limit held requests back (-p %ld: at most %ld at once to one "
			"host); -p N raises it",
			app->cfg.per_host, app->cfg.per_host);
	if (write_error(o))
		msg_fatal("writing output: %s",
			  app->out_fd < 0 ? "standard output is closed" : strerror(o->write_errno));
	progress_rate_limited(app->progress, app->stats.rate_limited);
	/* A reader that went away (| head) ends the run quietly, the way a
	 * filter killed by SIGPIPE does: no summary. */
	if (app->stats_wanted && o->write_errno != EPIPE)
		progress_summary(app->progress, stderr, app->cfg.stats == STATS_JSON, clock_now());
	bool stopped_early = o->signal || o->deadline || o->write_errno || o->stage == RUN_BROKEN ||
			     app->failure_stop;
	const char *stopped = o->signal           ? "interrupted by a signal"
			      : o->deadline       ? "--deadline passed"
			      : app->failure_stop ? app->failure_why + strlen("not started: ")
			      : o->write_errno    ? "the output could not be written"
						  : NULL;
	if (report_finish(app->report, clock_now() - app->started_clock, app->started, stopped, err,
			  sizeof err) != 0) {
		msg_fatal("%s", err);
		o->save_failed = true;
	}
	if (app->stats.jar_error[0]) {
		msg_fatal("%s", app->stats.jar_error);
		o->save_failed = true;
	}
	/* Records never written have their fate told (the unfinished list)
	 * before the list is closed. */
	output_destroy(app->out);
	app->out = NULL;
	if (resume_finish(app->resume, stopped_early, app->src, wake_pipe[0], interrupted, app, err,
			  sizeof err) != 0) {
		msg_fatal("%s", err);
		o->save_failed = true;
	}
}

/* Whether a -w template needs the bodies (%{body}, %{json}): when not,
 * none is kept, so a 10 GB download costs no memory. */
static bool write_out_needs_body(const char *text)
{
	char err[256];
	struct template *t = template_compile(text, err, sizeof err);
	bool needs = !t || template_needs_body(t);
	template_destroy(t);
	return needs;
}

/* Run the requests, then settle the output. The outcome records what
 * happened. */
static void app_run(struct app *app)
{
	const struct config *cfg = &app->cfg;
	char err[512];
	struct fetch_params params = {
		.cfg = cfg,
		.bounds = app->bounds,
		.src = app->src,
		/* The one place that decides where bodies go. */
		.body = app->files || app->bodies ? BODY_SINK
			: cfg->no_body || (cfg->write_out && !write_out_needs_body(cfg->write_out))
				? BODY_DISCARD
				: BODY_MEMORY,
		.sink = app->files    ? filesink_sink(app->files)
			: app->bodies ? bodysink_sink(app->bodies)
				      : NULL,
	};
	struct fetch_hooks hooks = {
		.on_result = on_result,
		.on_idle = on_idle,
		.read_limit = cfg->order == ORDER_INPUT ? read_limit : NULL,
		.skip = cfg->skip_done ? skip : NULL,
		.interrupted = interrupted,
		.may_start = may_start,
		.wait_fd = wait_fd,
		.dropped = on_dropped,
		.on_output_gone = is_pipe(app->out_fd) ? output_gone : NULL,
		.out_fd = app->out_fd,
		.wake_fd = wake_pipe[0],
		.ctx = app,
		/* The line redraws ten times a second; without it, waking up
		 * once a second costs nothing and flushes output. */
		.idle_ms = app->line ? 100 : 1000,
		.on_host_limit = on_host_limit,
		.not_mine = not_mine,
		.why_stopped = why_stopped,
	};
	struct outcome *o = &app->outcome;
	if (app->out_fd < 0) {
		/* stdout was closed before the start: nothing could be written. */
		o->write_errno = EBADF;
	} else {
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
	}
	o->input_error = app->stats.input_error;
	o->deadline = app->stats.deadline;
	if (app->stats.interrupted)
		o->signal = first_signal;
	if (o->stage == RUN_DONE && !o->signal && !o->deadline && !o->input_error &&
	    !o->write_errno && source_count(app->src) == 0) {
		o->no_request = true;
		msg_fatal("no request in %s: nothing to do",
			  cfg->nurls                                   ? "the arguments"
			  : cfg->input && strcmp(cfg->input, "-") != 0 ? cfg->input
								       : "standard input");
	}
	app_settle(app);
}

/* fd 1's file status flags before urlfan made it non-blocking, or -1
 * when it did not. */
static int stdout_flags = -1;

/* Give fd 1 back as it was found: the shell and the other processes that
 * share it would otherwise get EAGAIN. Async-signal-safe. */
static void restore_stdout(void)
{
	if (stdout_flags >= 0) {
		int saved = errno;
		fcntl(1, F_SETFL, stdout_flags);
		stdout_flags = -1;
		errno = saved;
	}
}

/* An abort() (out of memory) is a way out too. */
static void on_abort(int sig)
{
	restore_stdout();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Free everything app_open() made, in reverse, and return the exit
 * status. */
static int app_close(struct app *app)
{
	progress_clear(app->progress);
	msg_set_before(NULL, NULL);
	progress_destroy(app->progress);
	resume_destroy(app->resume);
	report_destroy(app->report);
	filesink_destroy(app->files);
	output_destroy(app->out);
	bodysink_destroy(app->bodies);
	source_destroy(app->src);
	if (app->have_cfg)
		opts_free(&app->cfg);
	if (app->curl_ready)
		curl_global_cleanup();
	if (app->out_fd > 1)
		close(app->out_fd);
	restore_stdout();
	if (fclose(stdout) != 0 && !app->outcome.write_errno && app->outcome.stage != RUN_USAGE) {
		msg_fatal("writing output: %s", strerror(errno));
		app->outcome.write_errno = errno ? errno : EIO;
	}
	return exit_status(&app->outcome);
}

/* Make sure fds 0-2 are open, so that no file urlfan opens becomes its
 * stdout by accident. Returns whether stdout was closed. */
static bool ensure_std_fds(void)
{
	bool stdout_closed = false;
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			stdout_closed |= fd == 1;
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (n != fd && n >= 0)
				close(n);
		}
	}
	return stdout_closed;
}

/* The descriptor records are written to. A pipe or a terminal is opened
 * again through /proc, non-blocking: a slow reader must not stop the
 * event loop, and O_NONBLOCK on a descriptor of urlfan's own changes
 * nothing for the shell or the other processes that share stdout. Where
 * there is no /proc/self/fd (or -Dportable=true), a pipe's fd 1 itself is
 * made non-blocking and its flags are restored on every way out:
 * app_close(), exit() and abort(); a terminal is then written blocking,
 * since stderr usually shares its open file and would turn non-blocking
 * too. Files never block for long and keep fd 1 (and its offset); where
 * reopening fails (a socket), fd 1 is used as it is. -1 when stdout was
 * closed. */
static int open_stdout(bool closed)
{
	struct stat st;
	if (closed)
		return -1;
	if (fstat(1, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
		return 1;
	if (compat_proc_fd()) {
		int fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			return fd >= 0 ? fd : 1;
	}
	int fl = fcntl(1, F_GETFL);
	if (!S_ISFIFO(st.st_mode) || fl < 0 || fl & O_NONBLOCK)
		return 1;
	struct sigaction sa = {.sa_handler = on_abort};
	sigemptyset(&sa.sa_mask);
	if (atexit(restore_stdout) != 0 || sigaction(SIGABRT, &sa, NULL) != 0)
		return 1;
	stdout_flags = fl;
	if (fcntl(1, F_SETFL, fl | O_NONBLOCK) != 0)
		stdout_flags = -1;
	return 1;
}

/* Input is UTF-8 (JSON specs are, and URLs as IRIs), and libidn2
 * converts an international host name (ä.test) from the locale's
 * character set: LC_CTYPE is the user's when it is UTF-8, else C.UTF-8,
 * so a host name converts in any locale. Only LC_CTYPE: numbers and
 * messages stay in the C locale's form. */
static void utf8_ctype(void)
{
	const char *set = setlocale(LC_CTYPE, "") ? nl_langinfo(CODESET) : "";
	if (strcmp(set, "UTF-8") != 0 && !setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C.utf8");
}

int main(int argc, char **argv)
{
	static struct app app;
	bool stdout_closed = ensure_std_fds();
	/* Large buffers (bodies, records) come from mmap and go back to the
	 * system when freed: glibc's threshold starts at 128 KiB but rises
	 * with every large free, after which such buffers stay in the heap
	 * for good. Fixing it keeps it where it starts. */
	compat_mmap_threshold(128 * 1024);
	utf8_ctype();
	/* Writes to a closed pipe must come back as EPIPE, not kill us in the
	 * middle of a record; SIGPIPE is raised again after the teardown. */
	signal(SIGPIPE, SIG_IGN);
	if (catch_signals() != 0)
		msg_warn("cannot create the signal wake-up pipe: %s", strerror(errno));
	int out_fd = open_stdout(stdout_closed);
	if (app_open(&app, argc, argv, out_fd) == 0)
		app_run(&app);
	int status = app_close(&app);
	if (app.outcome.write_errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	return status;
}
