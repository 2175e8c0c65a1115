/*
 * cadefs.h: the certificate authority's bounds, and the small helpers its
 * files share (GnuTLS errors logged, CFSSL's JSON conventions).
 *
 * The lowest module of the CA: it includes nothing of the CA, so every
 * file of it may include this.
 */
#ifndef COFFER_CADEFS_H
#define COFFER_CADEFS_H

#include <stdint.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "base/jbuild.h"
#include "base/log.h"

#define PKI_SERIAL_LEN   20        /* bytes of a serial number */
#define PKI_AUTH_WINDOW  300       /* seconds: authsign timestamp tolerance */
#define PKI_MAX_HOSTS    100       /* SANs in one request */
#define PKI_MAX_HOST     253       /* bytes in one DNS name */
#define PKI_MAX_PEM      65536     /* bytes in a CSR or certificate PEM */
#define PKI_CA_LIFETIME  315360000 /* 10 years, in seconds */
#define PKI_CRL_LIFETIME 604800    /* 7 days: CFSSL's crl default */

#define BACKDATE 300 /* seconds: CFSSL backdates notBefore 5 minutes */
#define MAX_DN   64  /* X.520 upper bound of CN, O, OU, L, ST */
#define ID_LEN   20  /* SHA-1 key identifiers */

static inline int
gt(int rc, const char *what)
{
	if (rc < 0)
		lwarnx("%s: %s", what, gnutls_strerror(rc));
	return rc;
}

/* Go clients send absent members as null. */
static inline int
is_null(struct json_object *o, const char *key)
{
	struct json_object *m;

	return json_object_object_get_ex(o, key, &m) && m == NULL;
}

static inline void
add_str(struct json_object *o, const char *k, const char *v)
{
	jb_set_str(o, k, v ? v : "");
}

static inline void
add_time(struct json_object *o, const char *k, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char ts[32];

	gmtime_r(&tt, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	add_str(o, k, ts);
}

#endif
