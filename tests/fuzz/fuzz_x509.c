/*
 * fuzz_x509: libFuzzer target for the certificate encoder's profile
 * extensions (common/ca/x509.c): CRL distribution point, authority
 * information access and certificate policies, from a profile made of the
 * input.
 *
 * x509_profile_room() sizes the buffer issue() encodes into, so with that
 * room the encoding must always succeed, and what comes out must read back
 * as one well-formed DER value.  With less room the writer must fail and
 * never write past its buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "ca/der.h"
#include "ca/profile.h"
#include "ca/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 64
#define CANARY 64

/* The input's fields, split at NUL bytes, each NUL-terminated in buf. */
struct fields {
	char buf[4096];
	const char *f[FIELDS];
	size_t len[FIELDS];
	size_t n, next;
};

static void
split(struct fields *fs, const uint8_t *data, size_t size)
{
	size_t i, at = 0;

	if (size >= sizeof(fs->buf))
		size = sizeof(fs->buf) - 1;
	memcpy(fs->buf, data, size);
	fs->buf[size] = '\0';
	fs->n = fs->next = 0;
	for (i = 0; i <= size && fs->n < FIELDS; i++)
		if (fs->buf[i] == '\0') {
			fs->f[fs->n] = fs->buf + at;
			fs->len[fs->n++] = i - at;
			at = i + 1;
		}
}

/* The next field, or "" once they run out. */
static const char *
field(struct fields *fs, size_t *len)
{
	if (fs->next == fs->n) {
		*len = 0;
		return "";
	}
	*len = fs->len[fs->next];
	return fs->f[fs->next++];
}

/* Byte 0: issuer URLs (3 bits), policies (3 bits), qualifiers each (2). */
static void
make_profile(struct fields *fs, uint8_t shape, struct pki_profile *p,
    struct profile_policy *pols)
{
	size_t len;
	const char *s;
	int i, j;

	memset(p, 0, sizeof(*p));
	p->max_path_len = -1;
	p->key_usage = PROFILE_KU_DIGITAL_SIGNATURE;
	s = field(fs, &len);
	p->crl_url = len > 0 ? s : NULL;
	s = field(fs, &len);
	p->ocsp_url = len > 0 ? s : NULL;
	p->nissuer_urls = shape & 7;
	for (i = 0; i < p->nissuer_urls; i++)
		p->issuer_urls[i] = field(fs, &len);
	p->npolicies = (shape >> 3) & 7;
	p->policies = pols;
	for (i = 0; i < p->npolicies; i++) {
		s = field(fs, &len);
		pols[i].oidlen = len < PROFILE_OID_MAX ? len : PROFILE_OID_MAX;
		memcpy(pols[i].oid, s, pols[i].oidlen);
		pols[i].nq = (shape >> 6) & 3;
		for (j = 0; j < pols[i].nq; j++) {
			pols[i].q[j].value = field(fs, &len);
			pols[i].q[j].cps =
			    len > 0 && (pols[i].q[j].value[0] & 1);
		}
	}
}

/* Every TLV of r, depth-first, and inside the OCTET STRINGs that hold a
 * SEQUENCE (extension values; the key id here starts 0xda); 0 when all of
 * r is well-formed. */
static int
walk(struct der_r r, int depth)
{
	struct der_r c;
	unsigned tag;

	while (r.len > 0) {
		if (der_next(&r, &tag, &c, NULL) != 0)
			return -1;
		if (((tag & 0x20) || (tag == DER_OCTET_STRING && c.len > 0 &&
		                         c.p[0] == DER_SEQUENCE)) &&
		    depth < 16 && walk(c, depth + 1) != 0)
			return -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t empty_name[] = {0x30, 0x00};
	static const uint8_t alg[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
	static struct fields fs;
	struct profile_policy pols[8];
	struct pki_profile p;
	struct x509_tbs t;
	struct der_r r;
	uint8_t *buf;
	size_t cap, len, half, i;

	if (size == 0)
		return 0;
	split(&fs, data + 1, size - 1);
	memset(pols, 0, sizeof(pols));
	make_profile(&fs, data[0], &p, pols);
	memset(&t, 0, sizeof(t));
	t.serial[0] = 1;
	t.issuer.p = t.subject.p = t.spki.p = empty_name;
	t.issuer.len = t.subject.len = t.spki.len = sizeof(empty_name);
	t.keybits.p = empty_name;
	t.sigalg.p = alg;
	t.sigalg.len = sizeof(alg);
	t.profile = &p;
	/* issue()'s room: the fixed parts' 1024 bytes and the profile's. */
	cap = 3 * sizeof(empty_name) + 1024 + x509_profile_room(&p);
	if ((buf = malloc(cap + CANARY)) == NULL)
		return 0;
	memset(buf + cap, 0xa5, CANARY);
	if (x509_tbs_encode(&t, buf, cap, &len) != 0)
		abort(); /* x509_profile_room was not enough */
	r.p = buf;
	r.len = len;
	if (len > cap || walk(r, 0) != 0)
		abort();
	/* Too small a buffer: a failure, nothing past it. */
	half = len / 2;
	memset(buf + half, 0xa5, cap + CANARY - half);
	if (x509_tbs_encode(&t, buf, half, &len) == 0)
		abort();
	for (i = half; i < cap + CANARY; i++)
		if (buf[i] != 0xa5)
			abort();
	free(buf);
	return 0;
}
