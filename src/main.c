/* urlfan: fetch many URLs concurrently. Process setup, options, one run(),
 * and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"
#include "msg.h"
#include "opts.h"
#include "output.h"
#include "source.h"

/* The man page's EXIT STATUS table. */
enum exit_code {
	EXIT_ALL_OK = 0,
	EXIT_HTTP_STATUS = 1,  /* some status outside --ok, nothing worse */
	EXIT_USAGE = 2,        /* nothing was fetched */
	EXIT_FAILED = 3,       /* some request failed or some line was invalid */
};

struct run_state {
	struct output *out;
	bool any_failed;
	bool any_status;
	bool write_failed;
	int write_errno;
};

static int on_result(const struct result *res, void *ctx)
{
	struct run_state *st = ctx;
	if (res->error)
		st->any_failed = true;
	else if (!res->ok)
		st->any_status = true;
	if (output_record(st->out, res) != 0) {
		st->write_failed = true;
		st->write_errno = errno;
		return -1;
	}
	return 0;
}

static int on_idle(void *ctx)
{
	struct run_state *st = ctx;
	if (output_flush(st->out) != 0) {
		st->write_failed = true;
		st->write_errno = errno;
		return -1;
	}
	return 0;
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

	st.out = output_create(&cfg, 1, isatty(1));
	struct fetch_stats stats;
	if (fetch_run(&cfg, src, on_result, on_idle, &st, &stats, err, sizeof err) != 0) {
		msg_fatal("%s", err);
		status = EXIT_FAILED;
		goto out;
	}
	if (!st.write_failed && output_flush(st.out) != 0) {
		st.write_failed = true;
		st.write_errno = errno;
	}
	if (st.write_failed) {
		if (st.write_errno == EPIPE) {
			/* The reader went away (| head): end quietly, the way
			 * a filter killed by SIGPIPE does. */
			output_destroy(st.out);
			source_destroy(src);
			opts_free(&cfg);
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		msg_fatal("writing output: %s", strerror(st.write_errno));
		status = EXIT_FAILED;
		goto out;
	}
	status = st.any_failed || stats.input_error ? EXIT_FAILED
		 : st.any_status ? EXIT_HTTP_STATUS
		 : EXIT_ALL_OK;
out:
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
