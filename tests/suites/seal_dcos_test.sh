#!/usr/bin/env bash
# DC/OS Secrets API: seal-status, seal, unseal, ping on an initialized store
# (docs/apis.md#dcos, docs/security.md#unseal-and-seal).
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() { coffer_server_start && coffer_init_unseal; }
oneTimeTearDown() { coffer_server_stop; }

share() { set -- $COFFER_SHARES; echo "$1"; }

seal_store() { auth_req PUT /secrets/v1/seal/default; }
unseal_store() { json_req PUT /secrets/v1/unseal/default "{\"key\":\"$(share)\"}"; }

test_seal_status_of_unsealed_store() {
	req GET /secrets/v1/seal-status/default
	assert_status 200
	assert_schema dcos-seal-status.json
	assert_json_eq .sealed false
	assert_json_eq .shares 1
	assert_json_eq .threshold 1
	assert_json_eq .progress 0
}

test_ping_answers_pong_without_token() {
	req GET /secrets/v1/ping
	assert_status 200
	assertEquals pong "$BODY"
}

test_init_get_reports_initialized() {
	req GET /secrets/v1/init/default
	assert_status 200
	assert_schema dcos-init-response.json
	assert_json_eq .initialized true
}

test_second_init_is_refused_and_shows_no_keys() {
	json_req PUT /secrets/v1/init/default '{"shares":1,"threshold":1}'
	assert_status 400
	assert_schema dcos-error.json
	assert_json_eq .code ERR_ALREADY_INITIALIZED
}

test_seal_without_token_answers_401() {
	req PUT /secrets/v1/seal/default
	assert_status 401
	assert_schema dcos-error.json
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed false
}

test_sealed_store_answers_503_in_each_dialect_then_unseal_restores_it() {
	auth_json PUT /secrets/v1/secret/default/seal/kept '{"value":"survives"}'
	assert_status 201
	seal_store
	assert_status 200
	assert_json_eq .sealed true
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	auth_req GET /secrets/v1/secret/default/seal/kept
	assert_status 503
	assert_schema dcos-error.json
	assert_body_lacks survives
	auth_req GET /api/v1/secrets/seal/kept
	assert_status 503
	assert_schema path-error.json
	# What still answers while sealed.
	req GET /secrets/v1/ping
	assert_status 200
	req GET /secrets/v1/init/default
	assert_status 200
	unseal_store
	assert_status 200
	assert_schema dcos-seal-status.json
	assert_json_eq .sealed false
	auth_req GET /secrets/v1/secret/default/seal/kept
	assert_status 200
	assert_json_eq .value survives
}

test_seal_reaches_every_worker_process() {
	local t="Authorization: token=$COFFER_TOKEN"
	# Every worker holds the keys and records it opened with them.
	spread_writes 6 "/secrets/v1/secret/default/seal/w%i" -H "$t"
	assertEquals "writes before the seal" 6x201 "$BURST"
	assert_spread "several workers served them"
	seal_store
	assert_status 200
	auth_req GET /secrets/v1/secret/default/seal/w1
	assert_status 503 "the very next request"
	burst 12 GET /secrets/v1/secret/default/seal/w1 -H "$t"
	assertEquals "every request refused while sealed" 12x503 "$BURST"
	unseal_store
	assert_status 200
	burst 12 GET /secrets/v1/secret/default/seal/w1 -H "$t"
	assertEquals "every request served after the unseal" 12x200 "$BURST"
}

test_a_seal_drops_the_keys_of_workers_that_stay_idle() {
	local t="Authorization: token=$COFFER_TOKEN" held mark
	spread_writes 6 "/secrets/v1/secret/default/seal/idle%i" -H "$t"
	assertEquals "writes before the seal" 6x201 "$BURST"
	assert_spread "several workers hold the keys"
	held=$SERVED
	mark=$(wc -l <"$COFFER_STATE/error.log")
	seal_store
	assert_status 200
	# No request reaches the others: each finds the seal itself.
	sleep 3
	assert_dropped_keys "$mark" "$held" "within 3 s of the seal"
	unseal_store
	auth_req GET /secrets/v1/secret/default/seal/idle1
	assert_status 200 "the keys come back with the unseal"
}

test_unseal_with_wrong_share_answers_400_and_stays_sealed() {
	seal_store
	json_req PUT /secrets/v1/unseal/default \
	    "{\"key\":\"$(head -c 33 /dev/urandom | xxd -p -c 66)\"}"
	assert_status 400
	assert_schema dcos-error.json
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	assert_json_eq .progress 0
	unseal_store
	assert_json_eq .sealed false
}

test_unseal_bad_bodies_answer_400() {
	seal_store
	json_req PUT /secrets/v1/unseal/default '{"key":"zz"}'
	assert_status 400
	json_req PUT /secrets/v1/unseal/default '{"key":1}'
	assert_status 400
	json_req PUT /secrets/v1/unseal/default '{}'
	assert_status 400
	json_req PUT /secrets/v1/unseal/default 'not json'
	assert_status 400
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$(share)\",\"x\":1}"
	assert_status 400
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	unseal_store
	assert_json_eq .sealed false
}

test_unseal_accepts_base64_share() {
	seal_store
	json_req PUT /secrets/v1/unseal/default \
	    "{\"key\":\"$(share | xxd -r -p | base64 -w0)\"}"
	assert_status 200
	assert_json_eq .sealed false
}

test_unseal_body_over_small_limit_answers_413() {
	seal_store
	json_req PUT /secrets/v1/unseal/default \
	    "{\"key\":\"$(head -c 9000 /dev/zero | tr '\0' a)\"}"
	assert_status 413
	unseal_store
	assert_json_eq .sealed false
}

test_unseal_of_unsealed_store_reports_status() {
	unseal_store
	assert_status 200
	assert_json_eq .sealed false
}

test_unknown_store_in_seal_routes_answers_404() {
	req GET /secrets/v1/seal-status/elsewhere
	assert_status 404
	assert_schema dcos-error.json
}

test_seal_status_wrong_method_answers_405() {
	req POST /secrets/v1/seal-status/default --data ""
	assert_status 405
	assert_header Allow '^GET$'
}

. /usr/share/shunit2/shunit2
