/*
 * test_keyring.c: the keyring's plaintext (keyring.h): what parses, what
 * a lookup by term finds, and how a rotation extends it.  A keyring that
 * does not parse is refused whole, so a damaged m:keyring never yields a
 * key for a wrong term.
 */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "vault/keyring.h"

/* A keyring's plaintext from a count and terms; key i is filled with
 * byte 'a' + i. */
static size_t
ring_text(uint8_t *buf, uint32_t count, const uint32_t *terms, size_t n)
{
	size_t i;
	uint8_t *e;

	buf[0] = (uint8_t)(count >> 24);
	buf[1] = (uint8_t)(count >> 16);
	buf[2] = (uint8_t)(count >> 8);
	buf[3] = (uint8_t)count;
	for (i = 0; i < n; i++) {
		e = buf + 4 + i * KEYRING_ENTRY;
		e[0] = (uint8_t)(terms[i] >> 24);
		e[1] = (uint8_t)(terms[i] >> 16);
		e[2] = (uint8_t)(terms[i] >> 8);
		e[3] = (uint8_t)terms[i];
		memset(e + 4, 'a' + (int)i, CF_KEY_LEN);
	}
	return 4 + n * KEYRING_ENTRY;
}

static void
test_a_keyring_parses_only_when_count_length_and_terms_agree(void)
{
	static const struct {
		int line;
		uint32_t count;
		uint32_t terms[4];
		size_t n;
		int cut; /* bytes short of the full text */
		int ok;
		uint32_t current;
	} t[] = {
	    {__LINE__, 1, {1}, 1, 0, 1, 1},
	    {__LINE__, 3, {1, 2, 3}, 3, 0, 1, 3},
	    {__LINE__, 2, {1, 7}, 2, 0, 1, 7}, /* gaps: retired terms */
	    {__LINE__, 0, {0}, 0, 0, 0, 0},    /* no key */
	    {__LINE__, 2, {1}, 1, 0, 0, 0},    /* count says more */
	    {__LINE__, 1, {1, 2}, 2, 0, 0, 0}, /* count says fewer */
	    {__LINE__, 2, {2, 1}, 2, 0, 0, 0}, /* terms go down */
	    {__LINE__, 2, {3, 3}, 2, 0, 0, 0}, /* one term twice */
	    {__LINE__, 1, {0}, 1, 0, 0, 0},    /* term 0: the root's */
	    {__LINE__, 1, {1}, 1, 1, 0, 0},    /* cut short */
	    {__LINE__, KEYRING_MAX + 1, {1}, 1, 0, 0, 0},
	};
	uint8_t buf[4 + 4 * KEYRING_ENTRY];
	struct keyring kr;
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		len = ring_text(buf, t[i].count, t[i].terms, t[i].n) -
		      (size_t)t[i].cut;
		rc = keyring_parse(buf, len, &kr);
		CHECK_LINE(t[i].line, (rc == 0) == t[i].ok, "parses or not");
		if (rc == 0)
			CHECK_LINE(t[i].line,
			    keyring_current(&kr) == t[i].current,
			    "the last term is current");
		else
			CHECK_LINE(
			    t[i].line, kr.n == 0, "a refusal holds no key");
	}
	CHECK(keyring_parse(buf, 3, &kr) == -1, "shorter than a count");
}

static void
test_a_lookup_finds_the_key_of_each_term_and_no_other(void)
{
	static const uint32_t terms[] = {1, 2, 5};
	static const struct {
		int line;
		uint32_t term;
		int byte; /* the key's fill, or 0: none */
	} t[] = {
	    {__LINE__, 1, 'a'},
	    {__LINE__, 2, 'b'},
	    {__LINE__, 5, 'c'},
	    {__LINE__, 0, 0},
	    {__LINE__, 3, 0},
	    {__LINE__, 6, 0},
	};
	uint8_t buf[4 + 3 * KEYRING_ENTRY];
	struct keyring kr;
	const uint8_t *k;
	size_t i;

	CHECK(keyring_parse(buf, ring_text(buf, 3, terms, 3), &kr) == 0,
	    "a three-term keyring");
	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		k = keyring_key(&kr, t[i].term);
		if (t[i].byte == 0)
			CHECK_LINE(
			    t[i].line, k == NULL, "no key for this term");
		else
			CHECK_LINE(t[i].line,
			    k != NULL && k[0] == t[i].byte &&
			        k[CF_KEY_LEN - 1] == t[i].byte,
			    "the term's own key");
	}
}

static void
test_a_rotation_appends_the_next_term_and_encodes_back(void)
{
	static const uint32_t terms[] = {1, 4};
	uint8_t buf[KEYRING_BYTES], out[KEYRING_BYTES], key[CF_KEY_LEN];
	struct keyring kr, back;
	size_t len;

	memset(key, 'z', sizeof(key));
	CHECK(keyring_parse(buf, ring_text(buf, 2, terms, 2), &kr) == 0,
	    "a keyring with a gap");
	CHECK(keyring_add(&kr, key) == 0, "a rotation");
	CHECK(keyring_current(&kr) == 5, "the next term after the last");
	CHECK(keyring_key(&kr, 4) != NULL, "older terms stay");
	len = keyring_encode(&kr, out);
	CHECK(len == 4 + 3 * KEYRING_ENTRY, "three entries");
	CHECK(keyring_parse(out, len, &back) == 0 && back.n == 3 &&
	          back.term[2] == 5 && keyring_key(&back, 5)[0] == 'z',
	    "what is encoded parses back the same");
}

static void
test_a_full_keyring_refuses_a_rotation_unchanged(void)
{
	uint8_t key[CF_KEY_LEN];
	struct keyring kr;
	size_t i;

	memset(&kr, 0, sizeof(kr));
	memset(key, 'k', sizeof(key));
	for (i = 0; i < KEYRING_MAX; i++)
		CHECK(keyring_add(&kr, key) == 0, "room for another term");
	CHECK(keyring_add(&kr, key) == -1, "no room past KEYRING_MAX");
	CHECK(kr.n == KEYRING_MAX && keyring_current(&kr) == KEYRING_MAX,
	    "the refused rotation changed nothing");
	memset(&kr, 0, sizeof(kr));
	kr.n = 1;
	kr.term[0] = UINT32_MAX;
	CHECK(keyring_add(&kr, key) == -1, "terms do not wrap around");
}

int
main(void)
{
	test_a_keyring_parses_only_when_count_length_and_terms_agree();
	test_a_lookup_finds_the_key_of_each_term_and_no_other();
	test_a_rotation_appends_the_next_term_and_encodes_back();
	test_a_full_keyring_refuses_a_rotation_unchanged();
	return unit_done();
}
