/* profile.c: see profile.h.  CFSSL's config/config.go is the reference. */
#include <ctype.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "base/json.h"
#include "base/log.h"
#include "ca/cadefs.h"
#include "ca/profile.h"

#define CONFIG_MAX (1024 * 1024)         /* bytes of a signing config file */
#define DUR_LIMIT  (100LL * 366 * 86400) /* seconds of a Go duration */

/* CFSSL's usage names (config.KeyUsage and config.ExtKeyUsage). */
static const struct {
	const char *name;
	unsigned ku;  /* PROFILE_KU_* */
	unsigned eku; /* PROFILE_EKU_* */
} usage_names[] = {
    {"signing", PROFILE_KU_DIGITAL_SIGNATURE, 0},
    {"digital signature", PROFILE_KU_DIGITAL_SIGNATURE, 0},
    {"content commitment", PROFILE_KU_NON_REPUDIATION, 0},
    {"key encipherment", PROFILE_KU_KEY_ENCIPHERMENT, 0},
    {"key agreement", PROFILE_KU_KEY_AGREEMENT, 0},
    {"data encipherment", PROFILE_KU_DATA_ENCIPHERMENT, 0},
    {"cert sign", PROFILE_KU_KEY_CERT_SIGN, 0},
    {"crl sign", PROFILE_KU_CRL_SIGN, 0},
    {"encipher only", PROFILE_KU_ENCIPHER_ONLY, 0},
    {"decipher only", PROFILE_KU_DECIPHER_ONLY, 0},
    {"any", 0, PROFILE_EKU_ANY},
    {"server auth", 0, PROFILE_EKU_SERVER},
    {"client auth", 0, PROFILE_EKU_CLIENT},
    {"code signing", 0, PROFILE_EKU_CODE},
    {"email protection", 0, PROFILE_EKU_EMAIL},
    {"s/mime", 0, PROFILE_EKU_EMAIL},
    {"ipsec end system", 0, PROFILE_EKU_IPSEC_ES},
    {"ipsec tunnel", 0, PROFILE_EKU_IPSEC_TUN},
    {"ipsec user", 0, PROFILE_EKU_IPSEC_USR},
    {"timestamping", 0, PROFILE_EKU_TIME},
    {"ocsp signing", 0, PROFILE_EKU_OCSP},
};

/* CFSSL knows these two, but no client checks them today and Coffer
 * does not write them: refused, so nothing is silently left out. */
static const char *const usages_unsupported[] = {
    "microsoft sgc", "netscape sgc"};

/* The profile members Coffer honours; any other is logged as ignored at
 * load (remote, auth_remote, ocsp_no_check, ...), never silently. */
/* Every member load_profile honours; any other is logged as ignored. */
static const char *const members_known[] = {"usages", "expiry", "ca_constraint",
    "name_whitelist", "auth_key", "crl_url", "ocsp_url", "issuer_urls",
    "backdate", "not_before", "not_after", "policies"};

#define AUTH_KEY_MIN 16  /* bytes: as ca_auth_key */
#define AUTH_KEY_MAX 128 /* bytes */

/* CFSSL's DefaultConfig(). */
static struct pki_profile table[PROFILE_MAX] = {
    {.name = "",
        .key_usage = PROFILE_KU_DIGITAL_SIGNATURE | PROFILE_KU_KEY_ENCIPHERMENT,
        .ext_usage = PROFILE_EKU_SERVER | PROFILE_EKU_CLIENT,
        .expiry = 8760LL * 3600,
        .expiry_text = "8760h",
        .max_path_len = -1,
        .usages = {"signing", "key encipherment", "server auth", "client auth"},
        .nusages = 4},
};
static regex_t whitelists[PROFILE_MAX];
static size_t nprofiles = 1;          /* table[0] is the default */
static struct json_object *auth_keys; /* the config's, while loading */

/* What POSIX ERE would read differently from Go's RE2 syntax, or NULL. */
static const char *
go_only_syntax(const char *re)
{
	const char *p;

	for (p = re; *p != '\0'; p++) {
		if (*p == '\\') {
			if (isalnum((unsigned char)p[1]))
				return "Go escapes such as \\d or \\b";
			if (p[1] != '\0')
				p++;
		} else if (*p == '(' && p[1] == '?')
			return "(?...) flags and groups";
		else if (strchr("*+?}", *p) != NULL && p[1] == '?')
			return "lazy quantifiers";
		else if (*p == '[') {
			/* A bracket expression: ']' first is literal, [:x:]
			 * classes nest, a backslash is literal in POSIX. */
			p += p[1] == '^' ? 2 : 1;
			if (*p == ']')
				p++;
			for (; *p != '\0' && *p != ']'; p++) {
				if (*p == '\\')
					return "a backslash inside [...]";
				if (*p == '[' && strchr(":.=", p[1]) != NULL &&
				    p[1] != '\0') {
					const char *e = strchr(p + 2, ']');
					if (e == NULL)
						return "an unclosed [...]";
					p = e;
				}
			}
			if (*p == '\0')
				return "an unclosed [...]";
		}
	}
	return NULL;
}

static int
load_whitelist(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p, regex_t *re)
{
	const char *s, *why;
	size_t len;
	int rc;

	rc = cf_json_string(o, "name_whitelist", &s, &len);
	if (rc == CF_E_NOT_FOUND || (rc == CF_OK && len == 0))
		return 0;
	if (rc != CF_OK || memchr(s, '\0', len) != NULL) {
		lwarnx("%s: profile '%s': name_whitelist must be a string",
		    file, name);
		return -1;
	}
	if ((why = go_only_syntax(s)) != NULL) {
		lwarnx("%s: profile '%s': name_whitelist uses %s; Coffer "
		       "reads it as a POSIX extended regular expression",
		    file, name, why);
		return -1;
	}
	if (regcomp(re, s, REG_EXTENDED | REG_NOSUB) != 0) {
		lwarnx("%s: profile '%s': name_whitelist does not compile",
		    file, name);
		return -1;
	}
	if ((p->whitelist = strdup(s)) == NULL) {
		regfree(re);
		return -1;
	}
	return 0;
}

static int
load_usage(const char *file, const char *name, const char *u, size_t len,
    struct pki_profile *p)
{
	size_t i;

	for (i = 0; i < sizeof(usages_unsupported) / sizeof(char *); i++)
		if (strlen(usages_unsupported[i]) == len &&
		    !memcmp(usages_unsupported[i], u, len)) {
			lwarnx("%s: profile '%s': usage '%s' is not supported",
			    file, name, usages_unsupported[i]);
			return -1;
		}
	for (i = 0; i < sizeof(usage_names) / sizeof(usage_names[0]); i++)
		if (strlen(usage_names[i].name) == len &&
		    !memcmp(usage_names[i].name, u, len))
			break;
	if (i == sizeof(usage_names) / sizeof(usage_names[0])) {
		/* CFSSL skips unknown usages (config.Usages). */
		lwarnx("%s: profile '%s': unknown usage '%.*s' ignored", file,
		    name, (int)(len > 64 ? 64 : len), u);
		return 0;
	}
	p->key_usage |= usage_names[i].ku;
	p->ext_usage |= usage_names[i].eku;
	p->usages[p->nusages++] = usage_names[i].name;
	return 0;
}

static int
load_usages(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p)
{
	struct json_object *a, *u;
	size_t i, n;

	if (cf_json_array(o, "usages", &a) != CF_OK ||
	    (n = json_object_array_length(a)) == 0 || n > PROFILE_USAGES_MAX) {
		lwarnx("%s: profile '%s': usages must be a list of 1 to %d "
		       "names",
		    file, name, PROFILE_USAGES_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(a, i);
		if (!json_object_is_type(u, json_type_string)) {
			lwarnx("%s: profile '%s': usages must be strings", file,
			    name);
			return -1;
		}
		if (load_usage(file, name, json_object_get_string(u),
		        (size_t)json_object_get_string_len(u), p) != 0)
			return -1;
	}
	/* config.validProfile: unknown usages only is no policy. */
	if (p->nusages == 0) {
		lwarnx("%s: profile '%s': no known usage", file, name);
		return -1;
	}
	return 0;
}

static int
load_expiry(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p)
{
	const char *s;
	size_t len;

	if (cf_json_string(o, "expiry", &s, &len) != CF_OK || len == 0) {
		lwarnx("%s: profile '%s': empty expiry string", file, name);
		return -1;
	}
	if (len >= sizeof(p->expiry_text) || memchr(s, '\0', len) != NULL ||
	    profile_duration(s, &p->expiry) != 0 || p->expiry == 0) {
		lwarnx("%s: profile '%s': expiry must be a whole Go duration "
		       "in h, m and s (\"8760h\")",
		    file, name);
		return -1;
	}
	memcpy(p->expiry_text, s, len + 1);
	return 0;
}

/* ca_constraint: {is_ca, max_path_len, max_path_len_zero}, read as Go's
 * x509 template reads them: a limit when max_path_len > 0, or 0 when
 * max_path_len_zero says so; otherwise none. */
static int
load_ca(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p)
{
	struct json_object *c;
	int64_t max = 0;
	int zero = 0;
	enum cf_status st;

	p->max_path_len = -1;
	st = cf_json_object(o, "ca_constraint", &c);
	if (st == CF_E_NOT_FOUND)
		return 0;
	if (st != CF_OK ||
	    cf_json_bool(c, "is_ca", &p->is_ca) == CF_E_BAD_JSON ||
	    cf_json_int(c, "max_path_len", -1, 255, &max) == CF_E_BAD_JSON ||
	    cf_json_bool(c, "max_path_len_zero", &zero) == CF_E_BAD_JSON) {
		lwarnx("%s: profile '%s': ca_constraint must be {is_ca, "
		       "max_path_len (0-255), max_path_len_zero}",
		    file, name);
		return -1;
	}
	if (max > 0)
		p->max_path_len = (int)max;
	else if (max == 0 && zero)
		p->max_path_len = 0;
	return 0;
}

static int
hex_key_ok(const char *s, size_t len)
{
	size_t i;

	if (len % 2 != 0 || len < 2 * AUTH_KEY_MIN || len > 2 * AUTH_KEY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* auth_key: a name in auth_keys, resolved now as CFSSL's populate() does,
 * so a name without a usable key stops the program instead of leaving a
 * profile nobody can sign under. */
static int
load_auth_key(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p)
{
	struct json_object *k;
	const char *kn, *type, *hex;
	size_t knlen, tlen, hlen;
	enum cf_status st;

	st = cf_json_string(o, "auth_key", &kn, &knlen);
	if (st == CF_E_NOT_FOUND || (st == CF_OK && knlen == 0))
		return 0;
	if (st != CF_OK || memchr(kn, '\0', knlen) != NULL) {
		lwarnx(
		    "%s: profile '%s': auth_key must be a string", file, name);
		return -1;
	}
	if (auth_keys == NULL || cf_json_object(auth_keys, kn, &k) != CF_OK) {
		lwarnx("%s: profile '%s': failed to find auth_key '%.*s' in "
		       "auth_keys section",
		    file, name, (int)(knlen > 64 ? 64 : knlen), kn);
		return -1;
	}
	if (cf_json_string(k, "type", &type, &tlen) != CF_OK || tlen != 8 ||
	    memcmp(type, "standard", 8) != 0) {
		lwarnx("%s: auth key '%s': unknown authentication type (only "
		       "\"standard\")",
		    file, kn);
		return -1;
	}
	if (cf_json_string(k, "key", &hex, &hlen) != CF_OK ||
	    !hex_key_ok(hex, hlen)) {
		lwarnx("%s: auth key '%s': key must be hex of %d to %d bytes "
		       "(env: and file: keys are not read)",
		    file, kn, AUTH_KEY_MIN, AUTH_KEY_MAX);
		return -1;
	}
	if ((p->auth_key = strndup(hex, hlen)) == NULL)
		return -1;
	return 0;
}

/* A URL goes into an IA5String: printable ASCII, no spaces. */
static int
url_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= PROFILE_URL_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
load_url(const char *file, const char *name, struct json_object *o,
    const char *member, const char **out)
{
	const char *s;
	size_t len;
	enum cf_status st;

	st = cf_json_string(o, member, &s, &len);
	if (st == CF_E_NOT_FOUND || (st == CF_OK && len == 0))
		return 0;
	if (st != CF_OK || !url_ok(s, len)) {
		lwarnx(
		    "%s: profile '%s': %s must be a URL of 1 to %d printable "
		    "ASCII bytes",
		    file, name, member, PROFILE_URL_MAX - 1);
		return -1;
	}
	return (*out = strndup(s, len)) == NULL ? -1 : 0;
}

/* issuer_urls: a list; absent (or null) leaves the default's in force. */
static int
load_issuer_urls(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p, int *given)
{
	struct json_object *a, *u;
	size_t i, n;
	enum cf_status st;

	*given = 0;
	st = cf_json_array(o, "issuer_urls", &a);
	if (st == CF_E_NOT_FOUND)
		return 0;
	if (st != CF_OK || (n = json_object_array_length(a)) > PROFILE_URLS_MAX)
		goto bad;
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(a, i);
		if (!json_object_is_type(u, json_type_string) ||
		    !url_ok(json_object_get_string(u),
		        (size_t)json_object_get_string_len(u)))
			goto bad;
		if ((p->issuer_urls[i] = strdup(json_object_get_string(u))) ==
		    NULL)
			return -1;
		p->nissuer_urls++;
	}
	*given = 1;
	return 0;
bad:
	lwarnx("%s: profile '%s': issuer_urls must be a list of at most %d "
	       "URLs of printable ASCII",
	    file, name, PROFILE_URLS_MAX);
	return -1;
}

/* CFSSL's FillTemplate: a profile without a CRL, OCSP or issuer URL of
 * its own has the default profile's. */
static int
load_urls(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p, const struct pki_profile *def)
{
	int given, i;

	if (load_url(file, name, o, "crl_url", &p->crl_url) != 0 ||
	    load_url(file, name, o, "ocsp_url", &p->ocsp_url) != 0 ||
	    load_issuer_urls(file, name, o, p, &given) != 0)
		return -1;
	if (def == NULL)
		return 0;
	if (p->crl_url == NULL)
		p->crl_url = def->crl_url;
	if (p->ocsp_url == NULL)
		p->ocsp_url = def->ocsp_url;
	if (!given)
		for (i = 0; i < def->nissuer_urls; i++)
			p->issuer_urls[p->nissuer_urls++] = def->issuer_urls[i];
	return 0;
}

/* backdate: a Go duration, like expiry (CFSSL's populate()). */
static int
load_backdate(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p)
{
	const char *s;
	size_t len;
	enum cf_status st;

	st = cf_json_string(o, "backdate", &s, &len);
	if (st == CF_E_NOT_FOUND || (st == CF_OK && len == 0))
		return 0;
	if (st != CF_OK || memchr(s, '\0', len) != NULL ||
	    profile_duration(s, &p->backdate) != 0) {
		lwarnx("%s: profile '%s': backdate must be a whole Go duration "
		       "in h, m and s (\"1h\")",
		    file, name);
		return -1;
	}
	return 0;
}

static int
digits(const char **s, int n, int *out)
{
	*out = 0;
	while (n-- > 0) {
		if (!isdigit((unsigned char)**s))
			return -1;
		*out = *out * 10 + (*(*s)++ - '0');
	}
	return 0;
}

/* Go's time.Time in JSON: RFC 3339, "2006-01-02T15:04:05Z07:00", with
 * optional fractional seconds (dropped: certificates count seconds). */
static int
rfc3339(const char *s, int64_t *out)
{
	struct tm tm, back;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d) || *s++ != 'T' ||
	    digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) ||
	    *s++ != ':' || digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
	} else if (*s++ != 'Z')
		return -1;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	/* timegm folds 31 April into May; Go refuses it, so do we. */
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_mday != d)
		return -1;
	*out = (int64_t)t - sign * (oh * 3600 + om * 60);
	return 0;
}

static int
load_time(const char *file, const char *name, struct json_object *o,
    const char *member, int *has, int64_t *out)
{
	const char *s;
	size_t len;
	enum cf_status st;

	st = cf_json_string(o, member, &s, &len);
	if (st == CF_E_NOT_FOUND)
		return 0;
	if (st != CF_OK || memchr(s, '\0', len) != NULL || rfc3339(s, out)) {
		lwarnx("%s: profile '%s': %s must be an RFC 3339 time "
		       "(\"2030-01-02T15:04:05Z\")",
		    file, name, member);
		return -1;
	}
	*has = 1;
	return 0;
}

static int
load_validity(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p)
{
	if (load_backdate(file, name, o, p) != 0 ||
	    load_time(file, name, o, "not_before", &p->has_not_before,
	        &p->not_before) != 0 ||
	    load_time(file, name, o, "not_after", &p->has_not_after,
	        &p->not_after) != 0)
		return -1;
	if (p->has_not_before && p->has_not_after &&
	    p->not_after < p->not_before) {
		lwarnx("%s: profile '%s': not_after is before not_before", file,
		    name);
		return -1;
	}
	return 0;
}

/* A member by Go's rule for untagged fields: the exact name, else any
 * case ("ID", "Qualifiers" in CFSSL 1.2's config.CertificatePolicy). */
static struct json_object *
member_fold(struct json_object *o, const char *key)
{
	struct json_object *m;

	if (json_object_object_get_ex(o, key, &m))
		return m;
	json_object_object_foreach(o, k, v)
	{
		if (!strcasecmp(k, key))
			return v;
	}
	return NULL;
}

/* A dotted OID as DER content: at least two arcs, the first 0-2, the
 * second below 40 under 0 and 1 (what Go's asn1.Marshal accepts). */
static int
oid_encode(const char *s, struct profile_policy *pol)
{
	uint64_t arcs[PROFILE_OID_MAX], v;
	size_t n = 0, i;
	int k;

	while (n < PROFILE_OID_MAX) {
		if (!isdigit((unsigned char)*s))
			return -1;
		for (v = 0; isdigit((unsigned char)*s); s++) {
			if (v > (UINT64_C(1) << 56))
				return -1;
			v = v * 10 + (uint64_t)(*s - '0');
		}
		arcs[n++] = v;
		if (*s == '\0')
			break;
		if (*s++ != '.')
			return -1;
	}
	if (*s != '\0' || n < 2 || arcs[0] > 2 ||
	    (arcs[0] < 2 && arcs[1] >= 40))
		return -1;
	arcs[1] += 40 * arcs[0];
	pol->oidlen = 0;
	for (i = 1; i < n; i++) {
		for (k = 9; k > 0 && !(arcs[i] >> (7 * k)); k--)
			;
		for (; k >= 0; k--) {
			if (pol->oidlen == PROFILE_OID_MAX)
				return -1;
			pol->oid[pol->oidlen++] =
			    (uint8_t)(((arcs[i] >> (7 * k)) & 0x7f) |
			              (k > 0 ? 0x80 : 0));
		}
	}
	return 0;
}

/* {type: id-qt-cps | id-qt-unotice, value}: a CPS URI is an IA5String,
 * so ASCII; a notice is UTF-8 (the file is checked UTF-8 already). */
static int
load_qualifier(struct json_object *q, struct profile_qualifier *out)
{
	struct json_object *t, *v;
	const char *type, *val;
	size_t i, len;

	if (!json_object_is_type(q, json_type_object) ||
	    (t = member_fold(q, "type")) == NULL ||
	    !json_object_is_type(t, json_type_string) ||
	    ((v = member_fold(q, "value")) != NULL &&
	        !json_object_is_type(v, json_type_string)))
		return -1;
	type = json_object_get_string(t);
	val = v != NULL ? json_object_get_string(v) : "";
	len = v != NULL ? (size_t)json_object_get_string_len(v) : 0;
	if (len >= PROFILE_URL_MAX || memchr(val, '\0', len) != NULL)
		return -1;
	if (!strcmp(type, "id-qt-cps"))
		out->cps = 1;
	else if (strcmp(type, "id-qt-unotice") != 0)
		return -1;
	for (i = 0; out->cps && i < len; i++)
		if ((unsigned char)val[i] < ' ' || (unsigned char)val[i] > '~')
			return -1;
	return (out->value = strdup(val)) == NULL ? -1 : 0;
}

static int
load_policy(struct json_object *o, struct profile_policy *pol)
{
	struct json_object *id, *qs;
	size_t i, n;

	/* CFSSL 1.2 reads "id" (any case); later releases "oid". */
	if (!json_object_is_type(o, json_type_object) ||
	    ((id = member_fold(o, "id")) == NULL &&
	        !json_object_object_get_ex(o, "oid", &id)) ||
	    !json_object_is_type(id, json_type_string) ||
	    oid_encode(json_object_get_string(id), pol) != 0)
		return -1;
	if ((qs = member_fold(o, "qualifiers")) == NULL)
		return 0;
	if (!json_object_is_type(qs, json_type_array) ||
	    (n = json_object_array_length(qs)) > PROFILE_QUALIFIERS_MAX)
		return -1;
	for (i = 0; i < n; i++, pol->nq++)
		if (load_qualifier(
		        json_object_array_get_idx(qs, i), &pol->q[i]) != 0)
			return -1;
	return 0;
}

static int
load_policies(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p)
{
	struct profile_policy *pols;
	struct json_object *a;
	size_t i, n;

	if (!json_object_object_get_ex(o, "policies", &a) || a == NULL)
		return 0;
	if (!json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > PROFILE_POLICIES_MAX)
		goto bad;
	if (n == 0)
		return 0;
	if ((pols = calloc(n, sizeof(*pols))) == NULL)
		return -1;
	p->policies = pols;
	for (i = 0; i < n; i++, p->npolicies++)
		if (load_policy(json_object_array_get_idx(a, i), &pols[i]) != 0)
			goto bad;
	return 0;
bad:
	lwarnx("%s: profile '%s': policies must be a list of at most %d "
	       "{\"id\": \"1.2.3\", \"qualifiers\": [{\"type\": \"id-qt-cps\" "
	       "or \"id-qt-unotice\", \"value\"}]} (at most %d qualifiers, "
	       "a CPS URI in ASCII)",
	    file, name, PROFILE_POLICIES_MAX, PROFILE_QUALIFIERS_MAX);
	return -1;
}

static void
warn_ignored(const char *file, const char *name, struct json_object *o)
{
	size_t i;

	json_object_object_foreach(o, k, m)
	{
		(void)m;
		for (i = 0; i < sizeof(members_known) / sizeof(char *); i++)
			if (!strcmp(members_known[i], k))
				break;
		if (i == sizeof(members_known) / sizeof(char *))
			lwarnx("%s: profile '%s': '%.64s' is not supported "
			       "and is ignored",
			    file, name, k);
	}
}

/* def: the default profile, whose URLs p inherits; NULL when p is it. */
static int
load_profile(const char *file, const char *name, struct json_object *o,
    struct pki_profile *p, const struct pki_profile *def, regex_t *re)
{
	if (!json_object_is_type(o, json_type_object)) {
		lwarnx("%s: profile '%s' is not an object", file, name);
		return -1;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	warn_ignored(file, name, o);
	if (load_usages(file, name, o, p) != 0 ||
	    load_expiry(file, name, o, p) != 0 ||
	    load_ca(file, name, o, p) != 0 ||
	    load_auth_key(file, name, o, p) != 0 ||
	    load_urls(file, name, o, p, def) != 0 ||
	    load_validity(file, name, o, p) != 0 ||
	    load_policies(file, name, o, p) != 0)
		return -1;
	return load_whitelist(file, name, o, p, re);
}

static int
profile_name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= PROFILE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < ' ' || name[i] == 0x7f)
			return 0;
	return 1;
}

static int
load_signing(const char *file, struct json_object *signing)
{
	struct json_object *def, *profiles;
	enum cf_status st;

	st = cf_json_object(signing, "default", &def);
	if (st == CF_E_BAD_JSON ||
	    (st == CF_OK && load_profile(file, "default", def, &table[0], NULL,
	                        &whitelists[0]) != 0))
		return -1;
	table[0].name[0] = '\0';
	st = cf_json_object(signing, "profiles", &profiles);
	if (st == CF_E_NOT_FOUND)
		return 0;
	if (st != CF_OK) {
		lwarnx("%s: signing.profiles must be an object", file);
		return -1;
	}
	json_object_object_foreach(profiles, name, o)
	{
		if (nprofiles == PROFILE_MAX || !profile_name_ok(name)) {
			lwarnx("%s: at most %d profiles, named with 1 to %d "
			       "printable bytes",
			    file, PROFILE_MAX - 1, PROFILE_NAME_MAX - 1);
			return -1;
		}
		if (load_profile(file, name, o, &table[nprofiles], &table[0],
		        &whitelists[nprofiles]) != 0)
			return -1;
		nprofiles++;
	}
	return 0;
}

int
profile_load(const char *path)
{
	struct json_object *cfg = NULL, *signing;
	char *buf = NULL;
	size_t len;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		lwarn("ca_profiles: %s", path);
		return -1;
	}
	if ((buf = malloc(CONFIG_MAX + 1)) == NULL)
		goto out;
	len = fread(buf, 1, CONFIG_MAX + 1, f);
	if (ferror(f) || len > CONFIG_MAX) {
		lwarnx("%s: unreadable, or larger than %d bytes", path,
		    CONFIG_MAX);
		goto out;
	}
	if (cf_json_parse(buf, len, &cfg) != CF_OK) {
		lwarnx(
		    "%s: not a JSON object (a cfssl config is expected)", path);
		goto out;
	}
	if (cf_json_object(cfg, "signing", &signing) != CF_OK) {
		lwarnx("%s: no \"signing\" object: not a cfssl config", path);
		goto out;
	}
	if (cf_json_object(cfg, "auth_keys", &auth_keys) == CF_E_BAD_JSON) {
		lwarnx("%s: auth_keys must be an object", path);
		goto out;
	}
	rc = load_signing(path, signing);
	auth_keys = NULL;
	if (rc == 0)
		linfo("%s: %zu signing profiles besides the default", path,
		    nprofiles - 1);
out:
	json_object_put(cfg);
	free(buf);
	fclose(f);
	return rc;
}

int
profile_ocsp_default(const char *base)
{
	static const char path[] = "/ca/ocsp";
	size_t len = strlen(base), i;
	char *url;

	while (len > 0 && base[len - 1] == '/')
		len--;
	if (len == 0 || len + sizeof(path) > PROFILE_URL_MAX ||
	    (url = malloc(len + sizeof(path))) == NULL) {
		lwarnx("ca_url: a URL of at most %d bytes is expected",
		    PROFILE_URL_MAX - (int)sizeof(path));
		return -1;
	}
	memcpy(url, base, len);
	memcpy(url + len, path, sizeof(path));
	if (!url_ok(url, strlen(url))) {
		lwarnx("ca_url: printable ASCII is expected");
		free(url);
		return -1;
	}
	/* One string for every profile, kept for the program's life. */
	for (i = 0; i < nprofiles; i++)
		if (table[i].ocsp_url == NULL)
			table[i].ocsp_url = url;
	return 0;
}

int
profile_any_auth_key(void)
{
	size_t i;

	for (i = 0; i < nprofiles; i++)
		if (table[i].auth_key != NULL)
			return 1;
	return 0;
}

const struct pki_profile *
profile_get(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return &table[0];
	for (i = 1; i < nprofiles; i++)
		if (strlen(table[i].name) == len &&
		    !memcmp(table[i].name, name, len))
			return &table[i];
	return NULL;
}

int
profile_name_allowed(const struct pki_profile *p, const char *name, size_t len)
{
	char buf[PKI_MAX_HOST + 1];
	size_t i = (size_t)(p - table);

	if (p->whitelist == NULL)
		return 1;
	if (i >= nprofiles || len >= sizeof(buf) ||
	    memchr(name, '\0', len) != NULL)
		return 0;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return regexec(&whitelists[i], buf, 0, NULL, 0) == 0;
}

int
profile_duration(const char *s, int64_t *out)
{
	int64_t total = 0, v;
	const char *p = s;
	int any = 0;

	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			if (v > DUR_LIMIT)
				return -1;
		}
		if (*p == 'h')
			v *= 3600;
		else if (*p == 'm')
			v *= 60;
		else if (*p != 's')
			return -1;
		p++;
		total += v;
		if (total > DUR_LIMIT)
			return -1;
		any = 1;
	}
	if (!any)
		return -1;
	*out = total;
	return 0;
}
