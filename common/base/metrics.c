/*
 * metrics.c: see metrics.h.
 *
 * The file is struct metrics_shm, native-endian, mapped MAP_SHARED.  Its
 * header (magic, layout version, size) is checked once, at open, under an
 * flock: a file of another layout or size is zeroed and begun again,
 * since its counts mean nothing to this build.  After that the mapping is
 * only ever added to, with relaxed atomics: a counter is independent of
 * every other, and a scrape that reads one a moment before another adds
 * to it sees a count Prometheus would have seen a moment earlier.
 *
 * The histogram's buckets are kept apart (each request adds to one) and
 * made cumulative when rendered, so the +Inf bucket and _count, both the
 * sum of what was read, always agree.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"

#define METRICS_MAGIC    0x52544d43u /* "CMTR" */
#define METRICS_VERSION  4
#define METRICS_PATH_MAX 1100
#define METRICS_PROGRAMS 4
#define METRICS_CLASSES  5 /* 1xx to 5xx */
#define METRICS_BOUNDS   8 /* histogram buckets before +Inf */
#define METRICS_BUCKETS  (METRICS_BOUNDS + 1)
#define METRICS_DIALECTS 10 /* the named ones and "other" */
#define NS_PER_S         ((uint64_t)1000000000)

static const char *const program_names[METRICS_PROGRAMS] = {
    "secrets", "bulk", "ca", "auth"};

/* By enum cf_dialect; a dialect not named here counts as "other" (the
 * last slot).  Sensu's middleware shape counts as Sensu (dialect_slot). */
static const char *const dialect_names[METRICS_DIALECTS] = {
    [CF_D_DCOS] = "dcos",
    [CF_D_PATH] = "path",
    [CF_D_DAPR] = "dapr",
    [CF_D_SENSU] = "sensu",
    [CF_D_CFSSL] = "cfssl",
    [CF_D_PLAIN] = "plain",
    [CF_D_VAULT] = "vault",
    [CF_D_ACME] = "acme",
    [METRICS_DIALECTS - 1] = "other",
};

/* Upper bounds of the buckets: nanoseconds, and as the le label says. */
static const uint64_t bound_ns[METRICS_BOUNDS] = {1000000, 5000000, 10000000,
    50000000, 100000000, 500000000, NS_PER_S, 5 * NS_PER_S};
static const char *const bound_text[METRICS_BUCKETS] = {
    "0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"};

static const struct counter_doc {
	const char *name; /* without _total */
	const char *help;
	const char *label; /* "" or a label="value" pair */
} counter_docs[METRICS_NCOUNTERS] = {
    [METRICS_AUTHZ_ALLOWED] = {"coffer_authz_decisions",
        "Authorization decisions, by outcome.", "decision=\"allowed\""},
    [METRICS_AUTHZ_DENIED] = {"coffer_authz_decisions",
        "Authorization decisions, by outcome.", "decision=\"denied\""},
    [METRICS_LOGIN_FAILURES] = {"coffer_login_failures",
        "Logins refused (a password or a service account's token).", ""},
    [METRICS_UNSEAL_FAILURES] = {"coffer_unseal_failures",
        "Unseal shares refused.", ""},
    [METRICS_SEALS] = {"coffer_seal_events",
        "Seals and unseals of the store, by event.", "event=\"seal\""},
    [METRICS_UNSEALS] = {"coffer_seal_events",
        "Seals and unseals of the store, by event.", "event=\"unseal\""},
    [METRICS_STORE_COMMITS] = {"coffer_store_commits",
        "Transactions committed to the store.", ""},
    [METRICS_STORE_CHECKPOINTS] = {"coffer_store_checkpoints",
        "Checkpoints of the gdbm store's journal into its file.", ""},
    [METRICS_CERTS_ISSUED] = {"coffer_certificates",
        "Certificates the CA issued and revoked, by event.",
        "event=\"issued\""},
    [METRICS_CERTS_REVOKED] = {"coffer_certificates",
        "Certificates the CA issued and revoked, by event.",
        "event=\"revoked\""},
};

struct metrics_shm {
	uint32_t magic;
	uint32_t version;
	uint64_t size; /* sizeof(struct metrics_shm): the layout */
	uint64_t counter[METRICS_NCOUNTERS];
	uint64_t requests[METRICS_PROGRAMS][METRICS_DIALECTS][METRICS_CLASSES];
	uint64_t bucket[METRICS_PROGRAMS][METRICS_BUCKETS];
	uint64_t duration_ns[METRICS_PROGRAMS];
};

/* Process state, set once at start: the mapping, and this program. */
static struct metrics_shm *metrics_map;
static int metrics_program = -1;

static int
metrics_header_ok(const struct metrics_shm *m)
{
	return m->magic == METRICS_MAGIC && m->version == METRICS_VERSION &&
	       m->size == sizeof(*m);
}

/* Under the flock, so that two first openers cannot zero each other's
 * first counts. */
static int
metrics_map_fd(int fd, const char *path)
{
	struct stat sb;
	struct metrics_shm *m;

	if (fstat(fd, &sb) == -1 || ((size_t)sb.st_size < sizeof(*m) &&
	                                ftruncate(fd, sizeof(*m)) == -1)) {
		lwarn("%s", path);
		return -1;
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		lwarn("%s", path);
		return -1;
	}
	if (!metrics_header_ok(m)) {
		memset(m, 0, sizeof(*m));
		m->version = METRICS_VERSION;
		m->size = sizeof(*m);
		__atomic_store_n(&m->magic, METRICS_MAGIC, __ATOMIC_RELEASE);
	}
	metrics_map = m;
	return 0;
}

int
metrics_open(const char *state, const char *program)
{
	char path[METRICS_PATH_MAX];
	int fd, i, rc = -1;

	metrics_close();
	for (i = 0; i < METRICS_PROGRAMS; i++)
		if (!strcmp(program, program_names[i]))
			metrics_program = i;
	if ((size_t)snprintf(path, sizeof(path), "%s.metrics", state) >=
	    sizeof(path)) {
		lwarnx("metrics: the state path is too long; nothing counted");
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		lwarn("%s: nothing counted", path);
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1)
		lwarn("%s", path);
	else
		rc = metrics_map_fd(fd, path);
	/* The mapping holds the open file, and with it the flock, past
	 * close: let go of the lock by name. */
	(void)flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

void
metrics_close(void)
{
	if (metrics_map != NULL)
		munmap(metrics_map, sizeof(*metrics_map));
	metrics_map = NULL;
	metrics_program = -1;
}

static void
metrics_add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static uint64_t
metrics_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
metrics_count(enum metrics_counter c)
{
	if (metrics_map == NULL || (unsigned)c >= METRICS_NCOUNTERS)
		return;
	metrics_add(&metrics_map->counter[c], 1);
}

static size_t
dialect_slot(enum cf_dialect d)
{
	if (d == CF_D_SENSU_MW)
		return CF_D_SENSU;
	if ((unsigned)d >= METRICS_DIALECTS - 1 || dialect_names[d] == NULL)
		return METRICS_DIALECTS - 1;
	return (size_t)d;
}

static size_t
status_class(int status)
{
	if (status < 100 || status > 599)
		return METRICS_CLASSES - 1; /* counted as a 5xx */
	return (size_t)(status / 100 - 1);
}

static size_t
bucket_of(uint64_t ns)
{
	size_t i;

	for (i = 0; i < METRICS_BOUNDS; i++)
		if (ns <= bound_ns[i])
			break;
	return i;
}

void
metrics_request(enum cf_dialect d, int status, uint64_t ns)
{
	struct metrics_shm *m = metrics_map;
	int p = metrics_program;

	if (m == NULL || p < 0)
		return;
	metrics_add(&m->requests[p][dialect_slot(d)][status_class(status)], 1);
	metrics_add(&m->bucket[p][bucket_of(ns)], 1);
	metrics_add(&m->duration_ns[p], ns);
}

static void
load_all(uint64_t *dst, const void *src, size_t bytes)
{
	const uint64_t *p = src;
	size_t i;

	for (i = 0; i < bytes / sizeof(uint64_t); i++)
		dst[i] = metrics_load(&p[i]);
}

/* A copy to render from, each counter read once: zeros when nothing is
 * mapped. */
static void
metrics_snapshot(struct metrics_shm *s)
{
	const struct metrics_shm *m = metrics_map;

	memset(s, 0, sizeof(*s));
	if (m == NULL)
		return;
	load_all(s->counter, m->counter, sizeof(m->counter));
	load_all(&s->requests[0][0][0], m->requests, sizeof(m->requests));
	load_all(&s->bucket[0][0], m->bucket, sizeof(m->bucket));
	load_all(s->duration_ns, m->duration_ns, sizeof(m->duration_ns));
}

/* Only the series that counted something: a program answers a few of the
 * dialects, and a series that appears later starts from zero. */
static void
render_requests(FILE *fp, const struct metrics_shm *s)
{
	size_t i, d, c;

	fputs("# HELP coffer_http_requests_total Requests answered, by "
	      "program, the dialect of their route and status class.\n"
	      "# TYPE coffer_http_requests_total counter\n",
	    fp);
	for (i = 0; i < METRICS_PROGRAMS; i++)
		for (d = 0; d < METRICS_DIALECTS; d++)
			for (c = 0; c < METRICS_CLASSES; c++) {
				if (s->requests[i][d][c] == 0 ||
				    dialect_names[d] == NULL)
					continue;
				fprintf(fp,
				    "coffer_http_requests_total{program=\"%s\","
				    "dialect=\"%s\",status=\"%zuxx\"} %" PRIu64
				    "\n",
				    program_names[i], dialect_names[d], c + 1,
				    s->requests[i][d][c]);
			}
}

static void
render_durations(FILE *fp, const struct metrics_shm *s)
{
	uint64_t cum, ns;
	size_t i, b;

	fputs("# HELP coffer_http_request_duration_seconds Time from a "
	      "request's dispatch to its answer sent, by program.\n"
	      "# TYPE coffer_http_request_duration_seconds histogram\n",
	    fp);
	for (i = 0; i < METRICS_PROGRAMS; i++) {
		cum = 0;
		for (b = 0; b < METRICS_BUCKETS; b++) {
			cum += s->bucket[i][b];
			fprintf(fp,
			    "coffer_http_request_duration_seconds_bucket{"
			    "program=\"%s\",le=\"%s\"} %" PRIu64 "\n",
			    program_names[i], bound_text[b], cum);
		}
		ns = s->duration_ns[i];
		fprintf(fp,
		    "coffer_http_request_duration_seconds_sum{program=\"%s\"} "
		    "%" PRIu64 ".%09" PRIu64 "\n"
		    "coffer_http_request_duration_seconds_count{program="
		    "\"%s\"} %" PRIu64 "\n",
		    program_names[i], ns / NS_PER_S, ns % NS_PER_S,
		    program_names[i], cum);
	}
}

/* One family per name: a counter whose name its predecessor shared adds
 * a series to that family. */
static void
render_counters(FILE *fp, const struct metrics_shm *s)
{
	const struct counter_doc *c, *prev = NULL;
	size_t i;

	for (i = 0; i < METRICS_NCOUNTERS; prev = c, i++) {
		c = &counter_docs[i];
		if (prev == NULL || strcmp(prev->name, c->name) != 0)
			fprintf(fp,
			    "# HELP %s_total %s\n# TYPE %s_total counter\n",
			    c->name, c->help, c->name);
		fprintf(fp, "%s_total%s%s%s %" PRIu64 "\n", c->name,
		    c->label[0] != '\0' ? "{" : "", c->label,
		    c->label[0] != '\0' ? "}" : "", s->counter[i]);
	}
}

static void
render_gauges(FILE *fp, const struct metrics_gauges *g)
{
	if (g->sealed >= 0)
		fprintf(fp,
		    "# HELP coffer_sealed Whether the store is sealed (1) or "
		    "not (0).\n# TYPE coffer_sealed gauge\ncoffer_sealed %d\n",
		    g->sealed ? 1 : 0);
	if (!g->store)
		return;
	fprintf(fp,
	    "# HELP coffer_store_records Records in the store: secrets, "
	    "their versions, users, certificates and the store's own.\n"
	    "# TYPE coffer_store_records gauge\n"
	    "coffer_store_records %" PRIu64 "\n"
	    "# HELP coffer_store_bytes Bytes that hold the store's records "
	    "(gdbm: its file and the journal's records; PostgreSQL: its "
	    "tables).\n"
	    "# TYPE coffer_store_bytes gauge\n"
	    "coffer_store_bytes %" PRIu64 "\n",
	    g->records, g->bytes);
}

int
metrics_render(FILE *fp, const struct metrics_gauges *g)
{
	struct metrics_shm s;

	metrics_snapshot(&s);
	render_requests(fp, &s);
	render_durations(fp, &s);
	render_counters(fp, &s);
	if (g != NULL)
		render_gauges(fp, g);
	return ferror(fp) ? -1 : 0;
}
