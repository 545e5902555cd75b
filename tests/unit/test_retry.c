/* Unit tests for retry.c: the whole retry policy as a table of attempts
 * and the decisions they must get. No curl, no clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

#include "retry.h"

#define three {.retries = 3, .delay = 0.5, .max_delay = 30}

struct row {
	const char *what;
	struct retry_policy policy;
	struct retry_attempt a;
	double random;
	struct retry_decision want;
};

#define GET(cause, status, after) {1, "GET", cause, status, after, false, false, false}

static const struct row rows[] = {
	/* Every transient cause is retried; the first backoff cap is delay. */
	{"dns", three, GET(CAUSE_DNS, 0, -1), 0.5, {true, 0.25, 0}},
	{"refused", three, GET(CAUSE_REFUSED, 0, -1), 0.5, {true, 0.25, 0}},
	{"timeout", three, GET(CAUSE_TIMEOUT, 0, -1), 0.5, {true, 0.25, 0}},
	{"reset", three, GET(CAUSE_RESET, 0, -1), 0.5, {true, 0.25, 0}},
	/* Nothing a retry cannot help. */
	{"fatal", three, GET(CAUSE_FATAL, 0, -1), 0.5, {false, 0, 0}},
	{"fatal with a status", three, GET(CAUSE_FATAL, 503, 1), 0.5, {false, 0, 0}},
	/* Every transient status, and some that are not. */
	{"408", three, GET(CAUSE_RESPONSE, 408, -1), 0.5, {true, 0.25, 0}},
	{"429", three, GET(CAUSE_RESPONSE, 429, -1), 0.5, {true, 0.25, 0}},
	{"500", three, GET(CAUSE_RESPONSE, 500, -1), 0.5, {true, 0.25, 0}},
	{"502", three, GET(CAUSE_RESPONSE, 502, -1), 0.5, {true, 0.25, 0}},
	{"503", three, GET(CAUSE_RESPONSE, 503, -1), 0.5, {true, 0.25, 0}},
	{"504", three, GET(CAUSE_RESPONSE, 504, -1), 0.5, {true, 0.25, 0}},
	{"200", three, GET(CAUSE_RESPONSE, 200, -1), 0.5, {false, 0, 0}},
	{"301", three, GET(CAUSE_RESPONSE, 301, -1), 0.5, {false, 0, 0}},
	{"404", three, GET(CAUSE_RESPONSE, 404, -1), 0.5, {false, 0, 0}},
	{"501", three, GET(CAUSE_RESPONSE, 501, -1), 0.5, {false, 0, 0}},
	{"505", three, GET(CAUSE_RESPONSE, 505, -1), 0.5, {false, 0, 0}},
	/* Backoff: the cap doubles each attempt, up to max_delay; full
	 * jitter scales it by the random number. */
	{"attempt 2", three, {2, "GET", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 0.5, 0}},
	{"attempt 3", three, {3, "GET", CAUSE_RESET, 0, -1, false, false, false}, 1.0 / 4, {true, 0.5, 0}},
	{"jitter 0", three, GET(CAUSE_RESET, 0, -1), 0, {true, 0, 0}},
	{"cap", {1000, 10, 30, false}, {5, "GET", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 15, 0}},
	{"huge attempt", {1000, 1, 30, false}, {900, "GET", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 15, 0}},
	/* Out of tries. */
	{"last try", three, {4, "GET", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {false, 0, 0}},
	{"no retries", {0, 0.5, 30, false}, GET(CAUSE_RESET, 0, -1), 0.5, {false, 0, 0}},
	/* A host that is down (its connects failed in a row, none made):
	 * a retry would fail without trying, so the record comes now. */
	{"host down", three, {1, "GET", CAUSE_REFUSED, 0, -1, false, false, true}, 0.5, {false, 0, 0}},
	{"host down, timeout", three, {1, "GET", CAUSE_TIMEOUT, 0, -1, false, false, true}, 0.5, {false, 0, 0}},
	/* A stopping run starts nothing. */
	{"stopping", three, {1, "GET", CAUSE_RESET, 0, -1, true, false, false}, 0.5, {false, 0, 0}},
	/* Idempotent methods only, unless all_methods. */
	{"HEAD", three, {1, "HEAD", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 0.25, 0}},
	{"PUT", three, {1, "PUT", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 0.25, 0}},
	{"DELETE", three, {1, "DELETE", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 0.25, 0}},
	{"OPTIONS", three, {1, "OPTIONS", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 0.25, 0}},
	{"TRACE", three, {1, "TRACE", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 0.25, 0}},
	{"POST", three, {1, "POST", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {false, 0, 0}},
	{"PATCH", three, {1, "PATCH", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {false, 0, 0}},
	{"lower-case get", three, {1, "get", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {false, 0, 0}},
	{"POST, all methods", {3, 0.5, 30, true}, {1, "POST", CAUSE_RESET, 0, -1, false, false, false}, 0.5, {true, 0.25, 0}},
	/* Retry-After on a status that pauses the host: the pause is the
	 * wait, applied once - the retry itself has no delay of its own. */
	{"429 after 2", three, GET(CAUSE_RESPONSE, 429, 2), 0.5, {true, 0, 2}},
	{"503 after 2", three, GET(CAUSE_RESPONSE, 503, 2), 0.5, {true, 0, 2}},
	{"429 after capped", {3, 0.5, 1.5, false}, GET(CAUSE_RESPONSE, 429, 60), 0.5, {true, 0, 1.5}},
	/* The host is paused even when this request is not retried. */
	{"429 after, no retries", {0, 0.5, 30, false}, GET(CAUSE_RESPONSE, 429, 2), 0.5, {false, 0, 2}},
	{"503 after, POST", three, {1, "POST", CAUSE_RESPONSE, 503, 2, false, false, false}, 0.5, {false, 0, 2}},
	{"503 after, stopping", three, {1, "GET", CAUSE_RESPONSE, 503, 2, true, false, false}, 0.5, {false, 0, 2}},
	/* Retry-After 0 pauses nothing and retries at once. */
	{"429 after 0", three, GET(CAUSE_RESPONSE, 429, 0), 0.5, {true, 0, 0}},
	/* Retry-After on other transient statuses delays this request only. */
	{"500 after 2", three, GET(CAUSE_RESPONSE, 500, 2), 0.5, {true, 2, 0}},
	{"502 after capped", {3, 0.5, 1, false}, GET(CAUSE_RESPONSE, 502, 9), 0.5, {true, 1, 0}},
	/* ...and nothing on a status that is not retried. */
	{"404 after", three, GET(CAUSE_RESPONSE, 404, 2), 0.5, {false, 0, 0}},
	{"200 after", three, GET(CAUSE_RESPONSE, 200, 2), 0.5, {false, 0, 0}},
	/* A Retry-After from a response that broke off is not the server's
	 * word on the request: backoff as for any reset. */
	{"reset with after", three, GET(CAUSE_RESET, 503, 9), 0.5, {true, 0.25, 0}},
};

static void test_retry_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct retry_decision d = retry_decide(&r->policy, &r->a, r->random);
		if (d.retry != r->want.retry || d.delay != r->want.delay ||
		    d.pause_host != r->want.pause_host)
			fail_msg("%s: got retry=%d delay=%g pause=%g, want retry=%d delay=%g pause=%g",
				 r->what, d.retry, d.delay, d.pause_host, r->want.retry,
				 r->want.delay, r->want.pause_host);
	}
}

/* Over every attempt and random number, the delay stays within
 * [0, min(delay * 2^(attempt-1), max_delay)). */
static void test_retry_backoff_bounds(void **state)
{
	(void)state;
	struct retry_policy p = {.retries = 100, .delay = 0.1, .max_delay = 5};
	for (long attempt = 1; attempt <= 100; attempt++) {
		double cap = 0.1;
		for (long k = 1; k < attempt && cap < 5; k++)
			cap *= 2;
		if (cap > 5)
			cap = 5;
		for (int j = 0; j < 100; j++) {
			double u = j / 100.0;
			struct retry_attempt a = {attempt, "GET", CAUSE_TIMEOUT, 0, -1, false, false, false};
			struct retry_decision d = retry_decide(&p, &a, u);
			assert_true(d.retry);
			assert_true(d.delay >= 0 && d.delay < cap + 1e-12);
			assert_true(d.delay == cap * u);
			assert_true(d.pause_host == 0);
		}
	}
}

static void test_retry_status_and_method_helpers(void **state)
{
	(void)state;
	for (long s = 100; s < 600; s++) {
		bool want = s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
		assert_int_equal(retry_status_transient(s), want);
	}
	assert_true(retry_method_idempotent("GET"));
	assert_false(retry_method_idempotent("GETX"));
	assert_false(retry_method_idempotent(""));
	assert_false(retry_method_idempotent("CONNECT"));
}

static void test_retry_reason(void **state)
{
	(void)state;
	static const struct {
		enum retry_cause cause;
		long status;
		const char *want;
	} reasons[] = {
		{CAUSE_RESPONSE, 503, "503"},
		{CAUSE_RESPONSE, 429, "429"},
		{CAUSE_TIMEOUT, 0, "timeout"},
		{CAUSE_RESET, 0, "connection reset"},
		{CAUSE_REFUSED, 0, "connection refused"},
		{CAUSE_DNS, 0, "DNS failure"},
		{CAUSE_FATAL, 0, "failure"},
	};
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++) {
		struct retry_attempt a = {.attempt = 1, .method = "GET", .cause = reasons[i].cause,
					  .status = reasons[i].status, .retry_after = -1};
		char buf[64];
		assert_ptr_equal(retry_reason(&a, buf, sizeof buf), buf);
		assert_string_equal(buf, reasons[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_table),
		cmocka_unit_test(test_retry_backoff_bounds),
		cmocka_unit_test(test_retry_status_and_method_helpers),
		cmocka_unit_test(test_retry_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
