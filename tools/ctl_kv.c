/*
 * ctl_kv.c: cofferctl's secrets client (see ctl.h): get, put, patch, ls,
 * rm and versions over HTTP to a running Coffer, as `vault kv` does, so
 * an operator needs neither curl nor the headers.  It is a client like any
 * other: it opens no store and no config and stays the user it is.
 *
 * The address is $COFFER_ADDR (http:// or https://; $COFFER_CACERT names
 * the CA file for https), the token $COFFER_TOKEN, sent as a Bearer token:
 * never on the command line, where ps would show it.  Each command uses
 * the API that serves it (docs/apis.md), always in the store "default":
 *
 *   get, put     the path API, /api/v1/secrets/{path}: the whole map
 *   patch        the batch read (the map and its version together), then
 *                the path API's PUT of the merged map; a version other
 *                than the next one means another write came in between
 *   ls, rm       DC/OS Secrets: ?list=true, DELETE
 *   versions     the batch read for the current version, then Dapr's
 *                metadata.version_id, newest first, down to the first
 *                version no longer kept (the kept ones are the newest)
 *
 * The wire (the handle, the token, a refusal in plain words) is
 * ctl_http.c's, shared with export and import (ctl_transfer.c).
 *
 * Values are secrets: the buffers that held them are wiped (crypto_wipe;
 * every free() of a program linked with libcoffer zeroes the block too,
 * so json-c's and libcurl's copies go the same way) and no message shows
 * one.  A server's error message is printed: Coffer's are fixed strings
 * of its own, never the request's bytes.  The path API holds text: a
 * value that is not UTF-8 is refused before anything is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/codec.h"
#include "base/jbuild.h"
#include "crypto/crypto.h"
#include "ctl.h"
#include "ctl_http.h"

#define KV_STORE      "default"
#define KV_PATH_API   "/api/v1/secrets/"
#define KV_DCOS_API   "/secrets/v1/secret/" KV_STORE
#define KV_BATCH_API  "/coffer/v1/secrets/" KV_STORE "/batch"
#define KV_DAPR_API   "/v1.0/secrets/" KV_STORE "/"
#define KV_MAX_VALUE  (16u << 20) /* the server's own limit is lower */
#define KV_MAX_PAIRS  1000
#define KV_MAX_PATH   512 /* a path's bytes (docs/apis.md#the-one-model) */
#define KV_URL_MAX    (KV_MAX_PATH + 128) /* a path, its API, a query */
#define KV_MAX_PROBES 1000 /* versions_kept's upper bound (config.c) */

/* A command's words: its syntax, what it does (the help). */
static const struct kv_help {
	const char *name;
	const char *syntax;
	const char *what;
} kv_helps[] = {
    {"get", "[-format=json] PATH [KEY]",
        "Print the secret at PATH, one key<TAB>value a line, or KEY's value "
        "alone, as it is (no newline added)."},
    {"put", "[-format=json] PATH KEY=VALUE|KEY=@FILE|KEY=-...",
        "Write the secret at PATH: these keys alone, replacing what it "
        "held. @FILE reads a value from FILE, - from stdin; a VALUE on the "
        "command line shows to ps. Values are UTF-8 text."},
    {"patch", "[-format=json] PATH KEY=VALUE|KEY=@FILE|KEY=-...",
        "Set these keys of the existing secret at PATH, keeping the others."},
    {"ls", "[-format=json] [PREFIX]",
        "List the secrets beneath the folder PREFIX, one a line."},
    {"rm", "[-format=json] PATH", "Delete the secret at PATH."},
    {"versions", "[-format=json] PATH",
        "List the versions of the secret at PATH still kept, newest (the "
        "current one) first: version<TAB>current|kept."},
};

#define KV_NHELPS (sizeof(kv_helps) / sizeof(*kv_helps))

/* What every command of the client needs, said once with them. */
#define KV_ENV_HELP                                                            \
	"The secrets client: over HTTP to $COFFER_ADDR (http:// or https://, " \
	"whose CA is $COFFER_CACERT's file) with the token in $COFFER_TOKEN, " \
	"in the store default."

/* One KEY=VALUE of put or patch; val is malloc'd when owned. */
struct kv_pair {
	const char *key;
	char *val;
	size_t len;
	int owned;
};

/* ---- the command line ---- */

/* A path or prefix as the store writes it: its slashes at either end
 * dropped (in place), and only bytes no URL needs escaped, so it can be
 * pasted in; the server checks the rest (docs/apis.md#the-one-model). */
static int
kv_path_ok(char *p, int may_be_empty)
{
	size_t n;

	while (*p == '/')
		memmove(p, p + 1, strlen(p));
	for (n = strlen(p); n > 0 && p[n - 1] == '/'; n--)
		p[n - 1] = '\0';
	if (n == 0)
		return may_be_empty ? 0 : -1;
	if (n > KV_MAX_PATH)
		return -1;
	return strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789._-/") == n
	           ? 0
	           : -1;
}

/* All of fd, at most KV_MAX_VALUE bytes, into *val (malloc'd). */
static int
kv_read_all(int fd, char **val, size_t *len)
{
	struct ctl_http_buf b = {0};
	char chunk[8192];
	ssize_t r;
	int rc = -1;

	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (b.len + (size_t)r > KV_MAX_VALUE ||
		    ctl_http_buf_add(&b, chunk, (size_t)r) != 0)
			goto out;
	}
	if (r < 0)
		goto out;
	if (b.p == NULL && ctl_http_buf_add(&b, "", 0) != 0)
		goto out;
	*val = b.p;
	*len = b.len;
	b.p = NULL;
	rc = 0;
out:
	crypto_wipe(chunk, sizeof(chunk));
	ctl_http_buf_free(&b);
	return rc;
}

/* One KEY=VALUE, KEY=@FILE or KEY=- into *p, the argument split in place
 * at its '='.  CTL_OK or CTL_USAGE, said on stderr. */
static int
kv_pair_parse(char *arg, int *stdin_used, struct kv_pair *p)
{
	char *eq = strchr(arg, '=');
	const char *from = NULL;
	int fd;

	if (eq == NULL || eq == arg) {
		fprintf(stderr,
		    "cofferctl: %.*s: not KEY=VALUE, KEY=@FILE or "
		    "KEY=-\n",
		    eq == arg ? 0 : (int)strcspn(arg, "="), arg);
		return CTL_USAGE;
	}
	*eq = '\0';
	memset(p, 0, sizeof(*p));
	p->key = arg;
	if (!strcmp(eq + 1, "-")) {
		if ((*stdin_used)++) {
			fprintf(stderr, "cofferctl: only one value may come "
			                "from stdin\n");
			return CTL_USAGE;
		}
		from = "stdin";
		fd = STDIN_FILENO;
	} else if (eq[1] == '@') {
		from = eq + 2;
		if ((fd = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "cofferctl: %s: %s\n", from,
			    strerror(errno));
			return CTL_USAGE;
		}
	} else {
		p->val = eq + 1;
		p->len = strlen(p->val);
		return CTL_OK;
	}
	p->owned = 1;
	if (kv_read_all(fd, &p->val, &p->len) != 0) {
		fprintf(stderr,
		    "cofferctl: %s: unreadable or larger than %u bytes\n", from,
		    KV_MAX_VALUE);
		p->owned = 0;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return p->owned ? CTL_OK : CTL_USAGE;
}

static void
kv_pairs_free(struct kv_pair *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].owned) {
			crypto_wipe(p[i].val, p[i].len);
			free(p[i].val);
		}
}

/* Every pair of argv, each key once, each value UTF-8 text (the path API
 * has no form for bytes).  CTL_OK, or CTL_USAGE said on stderr. */
static int
kv_pairs_parse(int argc, char **argv, struct kv_pair *p, size_t *n)
{
	int i, stdin_used = 0, rc;
	size_t j;

	*n = 0;
	for (i = 0; i < argc; i++) {
		if ((rc = kv_pair_parse(argv[i], &stdin_used, &p[*n])) !=
		    CTL_OK)
			return rc;
		(*n)++;
		for (j = 0; j + 1 < *n; j++)
			if (!strcmp(p[j].key, p[*n - 1].key)) {
				fprintf(stderr,
				    "cofferctl: the key %s is given "
				    "twice\n",
				    p[j].key);
				return CTL_USAGE;
			}
		if (!codec_utf8_valid(p[*n - 1].val, p[*n - 1].len)) {
			fprintf(stderr,
			    "cofferctl: the value of %s is not UTF-8 text; the "
			    "path API holds text only, so nothing was "
			    "written\n",
			    p[*n - 1].key);
			return CTL_USAGE;
		}
	}
	return CTL_OK;
}

/* ---- output ---- */

/* A string member's bytes as they are, NULs included. */
static void
kv_print_raw(struct json_object *s)
{
	fwrite(json_object_get_string(s), 1,
	    (size_t)json_object_get_string_len(s), stdout);
}

/* ---- the commands ---- */

/* The map of {"data": {...}} in o, or NULL said on stderr. */
static struct json_object *
kv_data_of(const struct ctl_http *k, struct json_object *o)
{
	struct json_object *d;

	if (json_object_object_get_ex(o, "data", &d) &&
	    json_object_is_type(d, json_type_object))
		return d;
	fprintf(stderr, "cofferctl: %s: the server's answer holds no data\n",
	    k->cmd);
	return NULL;
}

static int
kv_get(struct ctl_http *k, const char *key)
{
	struct json_object *o = NULL, *d, *v;
	struct ctl_http_answer a;
	char url[KV_URL_MAX];
	int rc = CTL_FAIL;

	snprintf(url, sizeof(url), KV_PATH_API "%s", k->path);
	if (ctl_http_request(k, "GET", url, NULL, 0, &a) != 0)
		return CTL_FAIL;
	if (a.status != 200) {
		rc = ctl_http_refused(k, &a);
		goto out;
	}
	if ((o = ctl_http_json(k, &a)) == NULL ||
	    (d = kv_data_of(k, o)) == NULL)
		goto out;
	if (key != NULL) {
		if (!json_object_object_get_ex(d, key, &v) ||
		    !json_object_is_type(v, json_type_string)) {
			fprintf(stderr,
			    "cofferctl: get %s: the secret has no "
			    "key %s\n",
			    k->path, key);
			goto out;
		}
		if (k->json)
			ctl_http_print_json(v);
		else
			kv_print_raw(v);
	} else if (k->json)
		ctl_http_print_json(o);
	else {
		json_object_object_foreach(d, name, val)
		{
			printf("%s\t", name);
			kv_print_raw(val);
			putchar('\n');
		}
	}
	rc = fflush(stdout) == 0 ? CTL_OK : CTL_FAIL;
out:
	json_object_put(o);
	ctl_http_answer_free(&a);
	return rc;
}

/*
 * The batch read of the path (batch.h): *data its map (a reference the
 * caller puts) and *version.  CTL_OK, or CTL_FAIL said on stderr, a path
 * that is not there included.
 */
static int
kv_read_versioned(
    struct ctl_http *k, struct json_object **data, uint64_t *version)
{
	struct json_object *o = NULL, *all, *d = NULL, *v, *one = NULL;
	struct ctl_http_answer a, e;
	char body[KV_URL_MAX];
	int rc = CTL_FAIL, n;

	*data = NULL;
	n = snprintf(body, sizeof(body), "{\"paths\":[\"%s\"]}", k->path);
	if (ctl_http_request(k, "POST", KV_BATCH_API, body, (size_t)n, &a) != 0)
		return CTL_FAIL;
	if (a.status != 200) {
		rc = ctl_http_refused(k, &a);
		goto out;
	}
	if ((o = ctl_http_json(k, &a)) == NULL)
		goto out;
	if (json_object_object_get_ex(o, "secrets", &all))
		json_object_object_get_ex(all, k->path, &one);
	if (one != NULL && json_object_object_get_ex(one, "error", &v)) {
		/* The path's own error, as a whole answer would say it. */
		memset(&e, 0, sizeof(e));
		json_object_object_get_ex(v, "code", &d);
		e.status = (long)json_object_get_int(d);
		e.body.p = (char *)json_object_to_json_string(v);
		e.body.len = strlen(e.body.p);
		rc = ctl_http_refused(k, &e);
		goto out;
	}
	if (one == NULL || (d = kv_data_of(k, one)) == NULL ||
	    !json_object_object_get_ex(one, "version", &v)) {
		fprintf(stderr,
		    "cofferctl: %s: the batch answer names no "
		    "version\n",
		    k->cmd);
		goto out;
	}
	*version = (uint64_t)json_object_get_int64(v);
	*data = json_object_get(d);
	rc = CTL_OK;
out:
	json_object_put(o);
	ctl_http_answer_free(&a);
	return rc;
}

/* The path API's PUT of the map data; *version the one it made. */
static int
kv_put_map(struct ctl_http *k, struct json_object *data, uint64_t *version)
{
	struct json_object *o = jb_object();
	struct ctl_http_answer a;
	const char *body;
	char url[KV_URL_MAX];
	size_t len;
	int rc = CTL_FAIL;

	jb_set(o, "data", json_object_get(data));
	body =
	    json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	snprintf(url, sizeof(url), KV_PATH_API "%s", k->path);
	if (body == NULL || ctl_http_request(k, "PUT", url, body, len, &a) != 0)
		goto out;
	if (a.status != 200 && a.status != 201)
		rc = ctl_http_refused(k, &a);
	else {
		*version = strtoull(a.version, NULL, 10);
		rc = CTL_OK;
	}
	ctl_http_answer_free(&a);
out:
	json_object_put(o);
	return rc;
}

static void
kv_print_written(const struct ctl_http *k, const char *done, uint64_t version)
{
	struct json_object *o;

	if (!k->json) {
		printf("%s %s, version %llu\n", done, k->path,
		    (unsigned long long)version);
		return;
	}
	o = jb_object();
	jb_set_str(o, "path", k->path);
	jb_set_int(o, "version", (int64_t)version);
	ctl_http_print_json(o);
	json_object_put(o);
}

/* put (merge 0): the pairs alone; patch: the pairs over the secret's map,
 * read with its version so that a write in between is seen. */
static int
kv_put(struct ctl_http *k, int argc, char **argv, int merge)
{
	struct kv_pair pairs[KV_MAX_PAIRS];
	struct json_object *data = NULL;
	uint64_t was = 0, now = 0;
	size_t n = 0, i;
	int rc;

	if (argc > KV_MAX_PAIRS) {
		fprintf(stderr, "cofferctl: at most %d keys at once\n",
		    KV_MAX_PAIRS);
		return CTL_USAGE;
	}
	if ((rc = kv_pairs_parse(argc, argv, pairs, &n)) != CTL_OK)
		goto out;
	if (!merge) {
		data = jb_object();
		rc = CTL_OK;
	} else
		rc = kv_read_versioned(k, &data, &was);
	if (rc != CTL_OK)
		goto out;
	for (i = 0; i < n; i++)
		jb_set(data, pairs[i].key, jb_strn(pairs[i].val, pairs[i].len));
	if ((rc = kv_put_map(k, data, &now)) != CTL_OK)
		goto out;
	if (merge && now != was + 1) {
		fprintf(stderr,
		    "cofferctl: patch %s: another write came in between this "
		    "patch's read (version %llu) and its write (version %llu); "
		    "what it changed is in the versions between only: check "
		    "the secret\n",
		    k->path, (unsigned long long)was, (unsigned long long)now);
		rc = CTL_FAIL;
		goto out;
	}
	kv_print_written(k, merge ? "patched" : "wrote", now);
out:
	json_object_put(data);
	kv_pairs_free(pairs, n);
	return rc;
}

static int
kv_ls(struct ctl_http *k)
{
	struct json_object *o = NULL, *arr;
	struct ctl_http_answer a;
	char url[KV_URL_MAX];
	size_t i;
	int rc = CTL_FAIL;

	snprintf(url, sizeof(url), KV_DCOS_API "%s%s?list=true",
	    *k->path ? "/" : "", k->path);
	if (ctl_http_request(k, "GET", url, NULL, 0, &a) != 0)
		return CTL_FAIL;
	if (a.status != 200) {
		rc = ctl_http_refused(k, &a);
		goto out;
	}
	if ((o = ctl_http_json(k, &a)) == NULL)
		goto out;
	if (!json_object_object_get_ex(o, "array", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fprintf(stderr, "cofferctl: ls: the answer holds no list\n");
		goto out;
	}
	if (k->json)
		ctl_http_print_json(arr);
	else
		for (i = 0; i < json_object_array_length(arr); i++)
			puts(json_object_get_string(
			    json_object_array_get_idx(arr, i)));
	rc = CTL_OK;
out:
	json_object_put(o);
	ctl_http_answer_free(&a);
	return rc;
}

static int
kv_rm(struct ctl_http *k)
{
	struct json_object *o;
	struct ctl_http_answer a;
	char url[KV_URL_MAX];
	int rc = CTL_OK;

	snprintf(url, sizeof(url), KV_DCOS_API "/%s", k->path);
	if (ctl_http_request(k, "DELETE", url, NULL, 0, &a) != 0)
		return CTL_FAIL;
	if (a.status != 204 && a.status != 200)
		rc = ctl_http_refused(k, &a);
	else if (!k->json)
		printf("deleted %s\n", k->path);
	else {
		o = jb_object();
		jb_set_str(o, "path", k->path);
		jb_set_bool(o, "deleted", 1);
		ctl_http_print_json(o);
		json_object_put(o);
	}
	ctl_http_answer_free(&a);
	return rc;
}

/* 1 when version v of the path is still kept (Dapr answers 200), 0 when
 * not (204), -1 said on stderr. */
static int
kv_version_kept(struct ctl_http *k, uint64_t v)
{
	struct ctl_http_answer a;
	char url[KV_URL_MAX];
	int kept;

	snprintf(url, sizeof(url), KV_DAPR_API "%s?metadata.version_id=%llu",
	    k->path, (unsigned long long)v);
	if (ctl_http_request(k, "GET", url, NULL, 0, &a) != 0)
		return -1;
	kept = a.status == 200 ? 1 : a.status == 204 ? 0 : -1;
	if (kept == -1)
		ctl_http_refused(k, &a);
	ctl_http_answer_free(&a);
	return kept;
}

static int
kv_versions(struct ctl_http *k)
{
	struct json_object *data = NULL, *o = NULL, *arr = NULL;
	uint64_t cur, v;
	int rc, kept = 1, n;

	if ((rc = kv_read_versioned(k, &data, &cur)) != CTL_OK)
		return rc;
	json_object_put(data);
	if (k->json) {
		o = jb_object();
		arr = jb_array();
		jb_set_int(o, "current", (int64_t)cur);
		jb_set(o, "versions", arr);
	}
	for (v = cur, n = 0; v > 0 && n < KV_MAX_PROBES; v--, n++) {
		/* The current version was just read; older ones are asked. */
		if (v != cur && (kept = kv_version_kept(k, v)) != 1)
			break;
		if (arr != NULL)
			jb_push(arr, jb_int((int64_t)v));
		else
			printf("%llu\t%s\n", (unsigned long long)v,
			    v == cur ? "current" : "kept");
	}
	if (kept == -1)
		rc = CTL_FAIL;
	else if (o != NULL)
		ctl_http_print_json(o);
	json_object_put(o);
	return rc;
}

/* ---- the entry ---- */

static const struct kv_help *
kv_find(const char *name)
{
	size_t i;

	for (i = 0; i < KV_NHELPS; i++)
		if (!strcmp(name, kv_helps[i].name))
			return &kv_helps[i];
	return NULL;
}

/* The command line of h's command checked into k: *argc, *argv what
 * follows the path.  CTL_OK or CTL_USAGE. */
static int
kv_args(const struct kv_help *h, int *argc, char ***argv, struct ctl_http *k)
{
	int ls = !strcmp(h->name, "ls");

	(*argc)--, (*argv)++;
	if (*argc > 0 && !strncmp((*argv)[0], "-format=", 8)) {
		if (strcmp((*argv)[0] + 8, "json") &&
		    strcmp((*argv)[0] + 8, "plain"))
			return CTL_USAGE;
		k->json = !strcmp((*argv)[0] + 8, "json");
		(*argc)--, (*argv)++;
	}
	if (*argc == 0 && ls) {
		k->path = "";
		return CTL_OK;
	}
	if (*argc == 0 || (*argv)[0][0] == '-' ||
	    kv_path_ok((*argv)[0], ls) != 0)
		return CTL_USAGE;
	k->path = (*argv)[0];
	(*argc)--, (*argv)++;
	if (!strcmp(h->name, "get"))
		return *argc <= 1 ? CTL_OK : CTL_USAGE;
	if (!strcmp(h->name, "put") || !strcmp(h->name, "patch"))
		return *argc >= 1 ? CTL_OK : CTL_USAGE;
	return *argc == 0 ? CTL_OK : CTL_USAGE;
}

int
ctl_kv_run(int argc, char **argv)
{
	const struct kv_help *h = kv_find(argv[0]);
	struct ctl_http k;
	int rc;

	if (h == NULL)
		return -1;
	memset(&k, 0, sizeof(k));
	k.cmd = h->name;
	if (kv_args(h, &argc, &argv, &k) != CTL_OK) {
		fprintf(stderr, "usage: cofferctl %s %s\n", h->name, h->syntax);
		return CTL_USAGE;
	}
	if ((rc = ctl_http_init(&k)) != CTL_OK)
		goto out;
	if (!strcmp(h->name, "get"))
		rc = kv_get(&k, argc == 1 ? argv[0] : NULL);
	else if (!strcmp(h->name, "put") || !strcmp(h->name, "patch"))
		rc = kv_put(&k, argc, argv, !strcmp(h->name, "patch"));
	else if (!strcmp(h->name, "ls"))
		rc = kv_ls(&k);
	else if (!strcmp(h->name, "rm"))
		rc = kv_rm(&k);
	else
		rc = kv_versions(&k);
out:
	ctl_http_free(&k);
	return rc;
}

void
ctl_kv_usage(FILE *f)
{
	size_t i;

	fprintf(f, "\n%s\n", KV_ENV_HELP);
	for (i = 0; i < KV_NHELPS; i++)
		ctl_help_line(
		    f, kv_helps[i].name, kv_helps[i].syntax, kv_helps[i].what);
}

int
ctl_kv_help(FILE *f, const char *name)
{
	const struct kv_help *h = kv_find(name);

	if (h == NULL)
		return -1;
	ctl_help_line(f, h->name, h->syntax, h->what);
	fprintf(f, "      %s\n", KV_ENV_HELP);
	return 0;
}
