#!/usr/bin/env bash
# DC/OS Secrets API: seal is the emergency brake.  Whatever state the
# store is in, a seal by a caller whose token verifies drops the key from
# every worker and answers that the store is sealed; it never answers an
# error while the key remains.  Records are damaged with tests/fillstore,
# as a failing disk would.
# run-all: gdbm-only
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() { coffer_server_start && coffer_init_unseal; }
oneTimeTearDown() { coffer_server_stop; }

share() { set -- $COFFER_SHARES; echo "$1"; }
unseal_store() { json_req PUT /secrets/v1/unseal/default "{\"key\":\"$(share)\"}"; }

# tamper KEY: flip one ciphertext byte of the record KEY.
tamper() { coffer_fillstore tamper "$1"; }

# assert_sealed_everywhere: the seal status says so and every worker
# refuses secrets: the kernel no longer holds the key.
assert_sealed_everywhere() {
	local t="Authorization: token=$COFFER_TOKEN"
	req GET /secrets/v1/seal-status/default
	assert_status 200
	assert_json_eq .sealed true
	burst 8 GET /secrets/v1/secret/default/brake/kept -H "$t"
	assertEquals "every worker refuses while sealed" 8x503 "$BURST"
	assertEquals "the kernel holds no key" 0 "$(root_keys)"
}

# root_keys: how many root keys of this store the kernel holds for the
# programs' user (/proc/keys lists those that user may view; the kernel
# removes an invalidated key at once, or within a moment).
root_keys() {
	local owner id n i
	owner=$(stack_owner "$COFFER_STATE")
	id=$(grep -o -m1 -E 'store [0-9a-f]{32}' "$COFFER_STATE/error.log")
	for ((i = 0; i < 10; i++)); do
		n=$(runuser -u "$owner" -- grep -c "coffer:${id#store }:root" \
		    /proc/keys)
		[ "$n" = 0 ] && break
		sleep 0.2
	done
	echo "$n"
}

test_a_bad_token_still_cannot_seal_a_damaged_store() {
	auth_json PUT /secrets/v1/secret/default/brake/kept '{"value":"v"}'
	assert_status 201
	tamper u:admin
	req PUT /secrets/v1/seal/default -H 'Authorization: token=a.b.c'
	assert_status 401
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed false
	assertEquals "the kernel holds the key" 1 "$(root_keys)"
}

test_seal_drops_the_key_when_the_callers_record_is_damaged() {
	# u:admin no longer opens (the test before): the token verifies, but
	# the store cannot say who it names.
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	assert_schema dcos-seal-status.json
	assert_json_eq .sealed true
	assert_sealed_everywhere
	unseal_store
	assert_json_eq .sealed false "the shares still open the store"
}

test_seal_drops_the_key_when_the_keyring_record_is_damaged() {
	tamper m:keyring
	# Fresh workers cannot derive the keys; the kernel still holds them.
	coffer_server_restart
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	assert_json_eq .sealed true
	assert_sealed_everywhere
}

. /usr/share/shunit2/shunit2
