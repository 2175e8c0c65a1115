/*
 * test_metrics.c: the shared counters (base/metrics.c) over their real
 * file, read back through the text Prometheus gets.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/metrics.h"
#include "unit.h"

#define NS_MS 1000000u

static char dir[] = "/tmp/coffer-metrics.XXXXXX";
static char state[256];

/* The text as rendered now, for the caller to free. */
static char *
render(int sealed)
{
	struct metrics_gauges g = {.sealed = sealed};
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	if (fp == NULL || metrics_render(fp, &g) != 0) {
		perror("render");
		exit(EXIT_FAILURE);
	}
	fclose(fp);
	return text;
}

static int
has(const char *line)
{
	char *text = render(-1);
	int found = strstr(text, line) != NULL;

	free(text);
	return found;
}

static void
test_a_request_counts_by_program_dialect_class_and_bucket(void)
{
	metrics_open(state, "secrets");
	metrics_request(CF_D_PATH, 200, 3 * NS_MS);
	metrics_request(CF_D_PATH, 204, 3 * NS_MS);
	metrics_request(CF_D_PATH, 404, 700 * NS_MS);
	CHECK(has("coffer_http_requests_total{program=\"secrets\","
	          "dialect=\"path\",status=\"2xx\"} 2\n"),
	    "two 2xx of the path API in secrets");
	CHECK(has("coffer_http_requests_total{program=\"secrets\","
	          "dialect=\"path\",status=\"4xx\"} 1\n"),
	    "one 4xx");
	CHECK(has("coffer_http_request_duration_seconds_bucket{program="
	          "\"secrets\",le=\"0.001\"} 0\n"),
	    "nothing took a millisecond or less");
	CHECK(has("coffer_http_request_duration_seconds_bucket{program="
	          "\"secrets\",le=\"0.005\"} 2\n"),
	    "3 ms falls in le=0.005");
	CHECK(has("coffer_http_request_duration_seconds_bucket{program="
	          "\"secrets\",le=\"0.5\"} 2\n"),
	    "700 ms does not fall in le=0.5");
	CHECK(has("coffer_http_request_duration_seconds_bucket{program="
	          "\"secrets\",le=\"1\"} 3\n"),
	    "buckets are cumulative");
	CHECK(has("coffer_http_request_duration_seconds_bucket{program="
	          "\"secrets\",le=\"+Inf\"} 3\n"),
	    "+Inf holds every request");
	CHECK(has("coffer_http_request_duration_seconds_count{program="
	          "\"secrets\"} 3\n"),
	    "_count is the +Inf bucket");
	CHECK(has("coffer_http_request_duration_seconds_sum{program="
	          "\"secrets\"} 0.706000000\n"),
	    "_sum in seconds, exact");
	CHECK(!has("program=\"bulk\",dialect="),
	    "a program that answered nothing has no request series");
}

static void
test_an_odd_status_counts_as_5xx_and_an_unknown_dialect_as_other(void)
{
	metrics_open(state, "ca");
	metrics_request(CF_D_CFSSL, 0, 1);
	metrics_request((enum cf_dialect)99, 200, 1);
	CHECK(has("coffer_http_requests_total{program=\"ca\",dialect="
	          "\"cfssl\",status=\"5xx\"} 1\n"),
	    "a status outside 100-599 is a 5xx");
	CHECK(has("coffer_http_requests_total{program=\"ca\",dialect="
	          "\"other\",status=\"2xx\"} 1\n"),
	    "a dialect without a name is \"other\"");
}

static void
test_another_process_counts_into_the_same_file(void)
{
	pid_t pid;
	int status, i;

	metrics_open(state, "auth");
	if ((pid = fork()) == 0) {
		for (i = 0; i < 1000; i++)
			metrics_count(METRICS_LOGIN_FAILURES);
		_exit(0);
	}
	for (i = 0; i < 1000; i++)
		metrics_count(METRICS_LOGIN_FAILURES);
	waitpid(pid, &status, 0);
	CHECK(has("coffer_login_failures_total 2000\n"),
	    "two processes' counts add up, none lost");
	metrics_open(state, "bulk");
	CHECK(has("coffer_login_failures_total 2000\n"),
	    "a program that opens the file later sees them");
}

static void
test_labelled_counters_share_one_family(void)
{
	char *text, *p;
	int n = 0;

	metrics_count(METRICS_SEALS);
	CHECK(has("coffer_seal_events_total{event=\"seal\"} 1\n"),
	    "a seal counts");
	CHECK(has("coffer_seal_events_total{event=\"unseal\"} 0\n"),
	    "every series of a family is shown, zeros too");
	text = render(-1);
	for (p = text;
	     (p = strstr(p, "# TYPE coffer_seal_events_total ")) != NULL; p++)
		n++;
	free(text);
	CHECK(n == 1, "one TYPE line for the family");
}

static void
test_the_seal_gauge_shows_what_it_is_given(void)
{
	char *text = render(1);

	CHECK(strstr(text, "# TYPE coffer_sealed gauge\ncoffer_sealed 1\n") !=
	          NULL,
	    "sealed: 1");
	free(text);
	text = render(-1);
	CHECK(strstr(text, "coffer_sealed") == NULL,
	    "a store that cannot say leaves the gauge out");
	free(text);
}

static void
test_the_store_gauges_show_only_when_known(void)
{
	struct metrics_gauges g = {
	    .sealed = 0, .store = 1, .records = 42, .bytes = 1 << 20};
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	CHECK(fp != NULL && metrics_render(fp, &g) == 0, "render");
	if (fp != NULL)
		fclose(fp);
	CHECK(text != NULL && strstr(text, "# TYPE coffer_store_records gauge\n"
	                                   "coffer_store_records 42\n") != NULL,
	    "the records");
	CHECK(text != NULL &&
	          strstr(text, "# TYPE coffer_store_bytes gauge\n"
	                       "coffer_store_bytes 1048576\n") != NULL,
	    "the bytes");
	free(text);
	text = render(0);
	CHECK(strstr(text, "coffer_store_records") == NULL &&
	          strstr(text, "coffer_store_bytes") == NULL,
	    "unknown (or sealed), they are left out");
	free(text);
}

static void
test_a_file_of_another_layout_starts_over(void)
{
	char path[300];
	int fd;

	metrics_close();
	snprintf(path, sizeof(path), "%s.metrics", state);
	if ((fd = open(path, O_WRONLY)) == -1 || pwrite(fd, "XXXX", 4, 0) != 4)
		perror(path);
	close(fd);
	metrics_open(state, "auth");
	CHECK(has("coffer_login_failures_total 0\n"),
	    "counts of a file this build does not know are dropped");
	metrics_count(METRICS_LOGIN_FAILURES);
	CHECK(has("coffer_login_failures_total 1\n"), "and counting goes on");
}

static void
test_without_a_file_nothing_counts_and_the_text_is_zeros(void)
{
	metrics_close();
	CHECK(metrics_open("/nonexistent-dir/coffer", "auth") == -1,
	    "a file that cannot be made is refused");
	metrics_count(METRICS_LOGIN_FAILURES);
	metrics_request(CF_D_DCOS, 200, 1);
	CHECK(has("coffer_login_failures_total 0\n"), "nothing counted");
	CHECK(has("coffer_http_request_duration_seconds_count{program="
	          "\"auth\"} 0\n"),
	    "the histograms are all zeros");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	snprintf(state, sizeof(state), "%s/coffer", dir);
	test_a_request_counts_by_program_dialect_class_and_bucket();
	test_an_odd_status_counts_as_5xx_and_an_unknown_dialect_as_other();
	test_another_process_counts_into_the_same_file();
	test_labelled_counters_share_one_family();
	test_the_seal_gauge_shows_what_it_is_given();
	test_the_store_gauges_show_only_when_known();
	test_a_file_of_another_layout_starts_over();
	test_without_a_file_nothing_counts_and_the_text_is_zeros();
	metrics_close();
	unit_rmtree(dir);
	return unit_done();
}
