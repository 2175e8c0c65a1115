#!/usr/bin/env bash
# The newcomer's path: tools/dev up writes .coffer-dev/env, the README's curl
# calls work against it, and up/down/up keeps the store (README.md), on
# gdbm and on PostgreSQL (--backend=postgresql).
. "$(dirname "$0")/../lib.sh"

DEV=$COFFER_TOP/tools/dev

oneTimeSetUp() {
	COFFER_DEV_STATE=$(mktemp -d "${TMPDIR:-/tmp}/coffer-dev.XXXXXX")
	export COFFER_DEV_STATE
	"$DEV" up >"$COFFER_DEV_STATE.up.log" 2>&1
}

oneTimeTearDown() {
	"$DEV" down >/dev/null 2>&1
	rm -rf "$COFFER_DEV_STATE" "$COFFER_DEV_STATE.up.log"
}

load_env() {
	COFFER_ADDR=$(sed -n 's/^COFFER_ADDR=//p' "$COFFER_DEV_STATE/env")
	COFFER_TOKEN=$(sed -n 's/^COFFER_TOKEN=//p' "$COFFER_DEV_STATE/env")
}

test_up_writes_env_with_address_and_token() {
	assertTrue "env file written" "[ -f '$COFFER_DEV_STATE/env' ]"
	load_env
	assertContains "$COFFER_ADDR" "http://127.0.0.1:"
	assertNotNull "token present" "$COFFER_TOKEN"
	assertEquals "env is private" 600 "$(stat -c %a "$COFFER_DEV_STATE/env")"
}

test_up_prints_the_development_warning() {
	grep -q 'WARNING: DEVELOPMENT MODE' "$COFFER_DEV_STATE.up.log"
	assertTrue "warning printed" $?
}

test_readme_curl_examples_work() {
	load_env
	req PUT /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' -d '{"value":"very-secret"}'
	assert_status 201
	req GET /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value very-secret
}

test_up_twice_is_harmless_and_keeps_the_store() {
	"$DEV" up >/dev/null 2>&1
	assertEquals "second up succeeds" 0 $?
	load_env
	req GET /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_status 200
}

test_down_then_up_serves_the_same_store() {
	"$DEV" down >/dev/null 2>&1
	load_env
	req GET /secrets/v1/ping
	assertEquals "down stops the server" 000 "$STATUS"
	"$DEV" up >/dev/null 2>&1
	load_env
	req GET /secrets/v1/secret/default/developer/my-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value very-secret
}

test_up_on_postgresql_keeps_the_store_in_its_own_cluster() {
	local keep=$COFFER_DEV_STATE
	"$DEV" down >/dev/null 2>&1
	COFFER_DEV_STATE=$(mktemp -d "${TMPDIR:-/tmp}/coffer-devpg.XXXXXX")
	"$DEV" up --backend=postgresql >"$COFFER_DEV_STATE.up.log" 2>&1
	assertEquals "up --backend=postgresql: $(tail -3 "$COFFER_DEV_STATE.up.log")" \
	    0 $?
	assertTrue "the cluster is under the state folder" \
	    "[ -f '$COFFER_DEV_STATE/pg/data/postmaster.pid' ]"
	assertContains "the store is in it" \
	    "$(cat "$COFFER_DEV_STATE/coffer.conf")" "store = postgresql:"
	load_env
	req PUT /secrets/v1/secret/default/developer/pg-secret \
	    -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' -d '{"value":"in-pg"}'
	assert_status 201
	"$DEV" down >/dev/null 2>&1
	assertFalse "down stops the cluster" \
	    "[ -f '$COFFER_DEV_STATE/pg/data/postmaster.pid' ]"
	"$DEV" up >/dev/null 2>&1
	load_env
	req GET /secrets/v1/secret/default/developer/pg-secret \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_json_eq .value in-pg "up again: the same store"
	"$DEV" up --backend=gdbm >/dev/null 2>&1
	assertNotEquals "a store is never swapped for an empty one" 0 $?
	"$DEV" down >/dev/null 2>&1
	rm -rf "$COFFER_DEV_STATE" "$COFFER_DEV_STATE.up.log"
	COFFER_DEV_STATE=$keep
}

. /usr/share/shunit2/shunit2
