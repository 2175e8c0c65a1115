/*
 * test_audit.c: the audit line (audit.c) is written as text, not through
 * json-c; it must still be the very line json-c's plain printer would give
 * for the same members, whatever bytes a path holds, and parse back to
 * them.  Lines are written by audit_offline to a file and read back.
 * A renamed log is followed to the new file the path names
 * (audit_follow), each line whole in one file or the other.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "identity/audit.h"
#include "unit.h"

static char dir[] = "/tmp/coffer-audit.XXXXXX";
static char path[256];

/* The one line audit_offline wrote for this command and path. */
static char *
offline_line(const char *command, const char *p)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int fd;

	unlink(path);
	fd = audit_open(path);
	audit_offline(fd, "test", command, "PUT", p, 200);
	close(fd);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (getline(&line, &cap, f) == -1) {
		free(line);
		line = NULL;
	}
	fclose(f);
	return line;
}

/* What json-c prints for the members of that line, the time and operator
 * taken from the line itself. */
static char *
jsonc_line(const char *line, const char *command, const char *p)
{
	struct json_object *in, *o, *v;
	const char *keys[] = {"time", "program", "command", "method", "path",
	    "operator", "operator_uid", "status"};
	char *out;
	size_t i;

	if ((in = json_tokener_parse(line)) == NULL)
		return NULL;
	o = json_object_new_object();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(keys[i], "command"))
			v = json_object_new_string(command);
		else if (!strcmp(keys[i], "path"))
			v = json_object_new_string(p);
		else if (!json_object_object_get_ex(in, keys[i], &v))
			continue;
		else
			v = json_object_get(v);
		json_object_object_add(o, keys[i], v);
	}
	if (asprintf(&out, "%s\n",
	        json_object_to_json_string_ext(o,
	            JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) ==
	    -1)
		out = NULL;
	json_object_put(o);
	json_object_put(in);
	return out;
}

static void
check_as_jsonc(int line, const char *command, const char *p)
{
	char *got = offline_line(command, p), *want;

	CHECK_LINE(line, got != NULL, "a line was written");
	if (got == NULL)
		return;
	want = jsonc_line(got, command, p);
	CHECK_LINE(line, want != NULL, "the line parses as JSON");
	CHECK_LINE(
	    line, want != NULL && !strcmp(got, want), "the line is json-c's");
	if (want != NULL && strcmp(got, want))
		fprintf(stderr, "  got:  %s  want: %s", got, want);
	free(want);
	free(got);
}

static void
test_lines_are_jsonc_lines(void)
{
	char all[256];
	int c;

	check_as_jsonc(__LINE__, "plain", "/secrets/v1/secret/default/a/b");
	check_as_jsonc(__LINE__, "quotes", "/a\"b\\c/d");
	check_as_jsonc(__LINE__, "controls", "\b\f\n\r\t\x01\x1f\x7f");
	check_as_jsonc(__LINE__, "utf-8", "/caf\xc3\xa9/\xe2\x82\xac");
	check_as_jsonc(__LINE__, "not utf-8", "/\xff\xfe\xc3");
	check_as_jsonc(__LINE__, "", "");
	/* Every byte but NUL, once. */
	for (c = 1; c < 256; c++)
		all[c - 1] = (char)c;
	all[255] = '\0';
	check_as_jsonc(__LINE__, "all bytes", all);
}

/* A path longer than the first buffer makes the line grow. */
static void
test_long_line(void)
{
	char *p = malloc(20000);

	memset(p, '"', 19999);
	p[19999] = '\0';
	check_as_jsonc(__LINE__, "long", p);
	free(p);
}

/* The lines of file p, or -1. */
static int
count_lines(const char *p)
{
	FILE *f = fopen(p, "r");
	int c, n = 0;

	if (f == NULL)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void
test_follow_a_renamed_log(void)
{
	char old[300];
	int fd, same, moved;

	snprintf(old, sizeof(old), "%s.1", path);
	unlink(path);
	fd = audit_open(path);
	audit_offline(fd, "test", "before", "PUT", "/a", 200);
	same = audit_follow(fd, path);
	CHECK(same == fd, "the same file: the same descriptor");
	CHECK(rename(path, old) == 0, "rename");
	/* Until followed, lines go on to the renamed file. */
	audit_offline(fd, "test", "between", "PUT", "/a", 200);
	moved = audit_follow(fd, path);
	CHECK(moved != -1, "the path opened again");
	CHECK(fcntl(fd, F_GETFD) == -1, "the old descriptor closed");
	audit_offline(moved, "test", "after", "PUT", "/a", 200);
	CHECK(count_lines(old) == 2, "the renamed file keeps its lines");
	CHECK(count_lines(path) == 1, "the new file gets the next");
	CHECK(audit_follow(moved, path) == moved, "then stays");
	/* Removed, not renamed: made again, 0600. */
	unlink(path);
	fd = audit_follow(moved, path);
	CHECK(access(path, F_OK) == 0, "a removed log is made again");
	CHECK(audit_follow(STDERR_FILENO, "-") == STDERR_FILENO,
	    "stderr is never followed");
	close(fd);
	unlink(old);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	test_lines_are_jsonc_lines();
	test_long_line();
	test_follow_a_renamed_log();
	unit_rmtree(dir);
	return unit_done();
}
