/*
 * ctl_transfer.c: export and import, cofferctl's clients of
 * GET /coffer/v1/export/{store} and POST /coffer/v1/import/{store}
 * (README.md "Export and import"), over ctl_http.c's wire like the
 * secrets commands, with a progress bar on a terminal (ctl_progress.h).
 *
 * An export is the store's records as stored, still sealed (export.h),
 * but it is the whole store: it goes into a new file of mode 0600, never
 * over an existing one, as a backup does, and a file left by a failed
 * export is removed.  The stream's last line closes it ("# End of data",
 * after the count), so an answer cut short is seen here as well as by the
 * import that would refuse it.  An import sends the file as it is: the
 * server checks every record before it changes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "ctl.h"
#include "ctl_http.h"
#include "ctl_progress.h"
#include "vault/secret.h"

#define TR_EXPORT_API "/coffer/v1/export/"
#define TR_IMPORT_API "/coffer/v1/import/"
#define TR_URL_MAX    256
#define TR_STORE      "default"
#define TR_END        "\n# End of data\n" /* dumpfmt.c's last line */
#define TR_STALL_SECS 60L /* a transfer idle this long has failed */

static const struct tr_help {
	const char *name;
	const char *syntax;
	const char *what;
} tr_helps[] = {
    {"export", "[--store NAME] FILE",
        "Write the store's sealed records to FILE, a new file of mode 0600, "
        "as GET /coffer/v1/export/{store} answers them."},
    {"import", "[--store NAME] FILE",
        "Replace the store's secrets with those of FILE, an export of the "
        "same store, all or nothing, and print the server's counts."},
};

#define TR_NHELPS (sizeof(tr_helps) / sizeof(*tr_helps))

#define TR_ENV_HELP                                                            \
	"Export and import: clients like the secrets client ($COFFER_ADDR, "   \
	"$COFFER_TOKEN), of the store --store names, default without it."

/* One transfer's state, for libcurl's callbacks. */
struct tr_job {
	struct ctl_http *k;
	struct ctl_http_answer *a;
	struct ctl_progress p;
	const char *file;
	int fd;
	int ok;                        /* the answer is a 200 */
	char tail[sizeof(TR_END) - 1]; /* export: the last bytes written */
	size_t tlen;
};

/* ---- export ---- */

/* Keeps the last bytes of the stream, to see its closing line. */
static void
tr_keep_tail(struct tr_job *j, const char *data, size_t n)
{
	size_t keep = sizeof(j->tail);

	if (n >= keep) {
		memcpy(j->tail, data + n - keep, keep);
		j->tlen = keep;
		return;
	}
	if (j->tlen + n > keep) {
		memmove(j->tail, j->tail + (j->tlen + n - keep), keep - n);
		j->tlen = keep - n;
	}
	memcpy(j->tail + j->tlen, data, n);
	j->tlen += n;
}

/* A 200's body into the file; any other answer's into memory, for its
 * message. */
static size_t
tr_on_export(char *data, size_t size, size_t n, void *arg)
{
	struct tr_job *j = arg;
	size_t len = size * n, off = 0;
	ssize_t w;
	long status = 0;

	curl_easy_getinfo(j->k->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!(j->ok = status == 200))
		return ctl_http_buf_add(&j->a->body, data, len) == 0 ? len : 0;
	while (off < len) {
		w = write(j->fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ctl_progress_end(&j->p, 0);
			fprintf(stderr, "cofferctl: export: %s: %s\n", j->file,
			    strerror(errno));
			j->k->said = 1;
			return 0;
		}
		off += (size_t)w;
	}
	tr_keep_tail(j, data, len);
	return len;
}

static int
tr_on_export_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ult, curl_off_t uln)
{
	struct tr_job *j = arg;

	(void)ult, (void)uln;
	/* An error's body is no part of the export. */
	if (j->ok)
		ctl_progress_set(&j->p, (uint64_t)dlnow, (uint64_t)dltotal);
	return 0;
}

/* The answer checked once the transfer is over: CTL_OK, or CTL_FAIL said
 * on stderr (the progress ended first, so its line is not cut). */
static int
tr_export_done(struct tr_job *j, int got)
{
	if (!got)
		return CTL_FAIL; /* said already */
	if (j->a->status != 200) {
		ctl_progress_end(&j->p, 0);
		return ctl_http_refused(j->k, j->a);
	}
	if (j->tlen != sizeof(j->tail) ||
	    memcmp(j->tail, TR_END, sizeof(j->tail)) != 0) {
		ctl_progress_end(&j->p, 0);
		fprintf(stderr,
		    "cofferctl: export: the server's answer was cut short "
		    "(see Coffer's log)\n");
		return CTL_FAIL;
	}
	if (fsync(j->fd) == -1) {
		ctl_progress_end(&j->p, 0);
		fprintf(stderr, "cofferctl: export: %s: %s\n", j->file,
		    strerror(errno));
		return CTL_FAIL;
	}
	ctl_progress_end(&j->p, 1);
	return CTL_OK;
}

static void
tr_export_options(struct ctl_http *k, struct tr_job *j)
{
	curl_easy_setopt(k->curl, CURLOPT_WRITEFUNCTION, tr_on_export);
	curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(k->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(
	    k->curl, CURLOPT_XFERINFOFUNCTION, tr_on_export_progress);
	curl_easy_setopt(k->curl, CURLOPT_XFERINFODATA, j);
	/* A store may be large: no cap on the whole, only on a stall. */
	curl_easy_setopt(k->curl, CURLOPT_TIMEOUT, 0L);
	curl_easy_setopt(k->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(k->curl, CURLOPT_LOW_SPEED_TIME, TR_STALL_SECS);
}

static int
tr_export(struct ctl_http *k, const char *store, const char *file)
{
	struct ctl_http_answer a;
	struct tr_job j;
	char url[TR_URL_MAX];
	int rc, got;

	memset(&j, 0, sizeof(j));
	j.k = k;
	j.a = &a;
	j.file = file;
	/* Never over a file that is there: it may be the last good export. */
	j.fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (j.fd == -1) {
		fprintf(stderr, "cofferctl: export: %s: %s%s\n", file,
		    strerror(errno),
		    errno == EEXIST ? "; nothing was written" : "");
		return CTL_FAIL;
	}
	snprintf(url, sizeof(url), TR_EXPORT_API "%s", store);
	ctl_progress_begin(&j.p, "export", 1, 0);
	if ((got = ctl_http_prepare(k, "GET", url, NULL, &a) == 0)) {
		tr_export_options(k, &j);
		got = ctl_http_perform(k, &a) == 0;
	}
	if (!got && !k->said)
		ctl_progress_end(&j.p, 0);
	rc = tr_export_done(&j, got);
	close(j.fd);
	if (rc != CTL_OK)
		unlink(file); /* ours: O_EXCL made it */
	else
		printf("exported the store %s to %s\n", store, file);
	ctl_http_answer_free(&a);
	return rc;
}

/* ---- import ---- */

static size_t
tr_on_import(char *buf, size_t size, size_t n, void *arg)
{
	struct tr_job *j = arg;
	ssize_t r;

	do
		r = read(j->fd, buf, size * n);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		return (size_t)r;
	ctl_progress_end(&j->p, 0);
	fprintf(
	    stderr, "cofferctl: import: %s: %s\n", j->file, strerror(errno));
	j->k->said = 1;
	return CURL_READFUNC_ABORT;
}

static int
tr_on_import_progress(void *arg, curl_off_t dlt, curl_off_t dln,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct tr_job *j = arg;

	(void)dlt, (void)dln, (void)ultotal;
	ctl_progress_set(&j->p, (uint64_t)ulnow, 0);
	return 0;
}

/* The server's counts on stdout.  CTL_OK, or CTL_FAIL said on stderr. */
static int
tr_import_done(struct tr_job *j)
{
	struct json_object *o;

	if (j->a->status != 200) {
		ctl_progress_end(&j->p, 0);
		return ctl_http_refused(j->k, j->a);
	}
	ctl_progress_end(&j->p, 1);
	if ((o = ctl_http_json(j->k, j->a)) == NULL)
		return CTL_FAIL;
	ctl_http_print_json(o);
	json_object_put(o);
	return fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
}

static int
tr_import(struct ctl_http *k, const char *store, const char *file)
{
	struct ctl_http_answer a;
	struct tr_job j;
	struct stat st;
	char url[TR_URL_MAX];
	int rc = CTL_FAIL;

	memset(&j, 0, sizeof(j));
	memset(&a, 0, sizeof(a));
	j.k = k;
	j.a = &a;
	j.file = file;
	if ((j.fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(j.fd, &st) == -1) {
		fprintf(stderr, "cofferctl: import: %s: %s\n", file,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "cofferctl: import: %s: not a file\n", file);
		goto out;
	}
	snprintf(url, sizeof(url), TR_IMPORT_API "%s", store);
	ctl_progress_begin(&j.p, "import", 1, (uint64_t)st.st_size);
	if (ctl_http_prepare(k, "POST", url,
	        "Content-Type: application/octet-stream", &a) != 0)
		goto out;
	curl_easy_setopt(k->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(k->curl, CURLOPT_READFUNCTION, tr_on_import);
	curl_easy_setopt(k->curl, CURLOPT_READDATA, &j);
	curl_easy_setopt(
	    k->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size);
	curl_easy_setopt(k->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(
	    k->curl, CURLOPT_XFERINFOFUNCTION, tr_on_import_progress);
	curl_easy_setopt(k->curl, CURLOPT_XFERINFODATA, &j);
	curl_easy_setopt(k->curl, CURLOPT_TIMEOUT, 0L);
	curl_easy_setopt(k->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(k->curl, CURLOPT_LOW_SPEED_TIME, TR_STALL_SECS);
	if (ctl_http_perform(k, &a) != 0) {
		if (!k->said)
			ctl_progress_end(&j.p, 0);
		goto out;
	}
	rc = tr_import_done(&j);
out:
	if (j.fd != -1)
		close(j.fd);
	ctl_http_answer_free(&a);
	return rc;
}

/* ---- the entry ---- */

static const struct tr_help *
tr_find(const char *name)
{
	size_t i;

	for (i = 0; i < TR_NHELPS; i++)
		if (!strcmp(name, tr_helps[i].name))
			return &tr_helps[i];
	return NULL;
}

/* [--store NAME] FILE after the command's name.  CTL_OK or CTL_USAGE. */
static int
tr_args(int argc, char **argv, const char **store, const char **file)
{
	*store = TR_STORE;
	argc--, argv++;
	if (argc > 0 && !strcmp(argv[0], "--store")) {
		if (argc < 2 || !secret_store_valid(argv[1]))
			return CTL_USAGE;
		*store = argv[1];
		argc -= 2, argv += 2;
	}
	if (argc != 1 || argv[0][0] == '-' || argv[0][0] == '\0')
		return CTL_USAGE;
	*file = argv[0];
	return CTL_OK;
}

int
ctl_transfer_run(int argc, char **argv)
{
	const struct tr_help *h = tr_find(argv[0]);
	const char *store, *file;
	struct ctl_http k;
	int rc;

	if (h == NULL)
		return -1;
	if (tr_args(argc, argv, &store, &file) != CTL_OK) {
		fprintf(stderr, "usage: cofferctl %s %s\n", h->name, h->syntax);
		return CTL_USAGE;
	}
	memset(&k, 0, sizeof(k));
	k.cmd = h->name;
	k.path = store;
	if ((rc = ctl_http_init(&k)) == CTL_OK)
		rc = !strcmp(h->name, "export") ? tr_export(&k, store, file)
		                                : tr_import(&k, store, file);
	ctl_http_free(&k);
	return rc;
}

void
ctl_transfer_usage(FILE *f)
{
	size_t i;

	fprintf(f, "\n%s\n", TR_ENV_HELP);
	for (i = 0; i < TR_NHELPS; i++)
		ctl_help_line(
		    f, tr_helps[i].name, tr_helps[i].syntax, tr_helps[i].what);
}

int
ctl_transfer_help(FILE *f, const char *name)
{
	const struct tr_help *h = tr_find(name);

	if (h == NULL)
		return -1;
	ctl_help_line(f, h->name, h->syntax, h->what);
	fprintf(f, "      %s\n", TR_ENV_HELP);
	return 0;
}
