#!/usr/bin/env bash
# cofferctl migrate (README's "On PostgreSQL"): a gdbm store with secrets
# copied into PostgreSQL, the stack moved onto it, sealed, unsealed with
# the same shares, and the same secrets read back with the same token; then
# back into a new gdbm file the same way.  Records go still sealed: no
# share is given to migrate.
# run-all: own-postgresql
. "$(dirname "$0")/../lib.sh"

P=/secrets/v1/secret/default
PG_DIR=
PG_CONNINFO=

oneTimeSetUp() {
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/coffer-pg.XXXXXX") || return 1
	PG_CONNINFO=$(bash "$COFFER_TOP/tests/pg.sh" start "$PG_DIR") &&
	    coffer_server_start && coffer_init_unseal 3 2 || return 1
	auth_json PUT $P/mig/one '{"value":"first-7c1e"}'
	auth_json PUT $P/mig/two '{"value":"second-9d2f"}'
}

oneTimeTearDown() {
	coffer_server_stop
	if [ -n "$PG_DIR" ]; then
		bash "$COFFER_TOP/tests/pg.sh" stop "$PG_DIR"
		rm -rf "$PG_DIR"
	fi
}

# move_to STORE: the stack's config names STORE (the throttles' files stay
# in the state folder), and the stack restarts on it.
move_to() {
	local conf=$COFFER_STATE/coffer.conf
	sed -i -e '/^store = /d' -e '/^state_dir = /d' "$conf" &&
	    printf 'store = %s\nstate_dir = %s\n' "$1" "$COFFER_STATE" >>"$conf" &&
	    coffer_server_restart
}

# reads_the_same WHERE: sealed, unsealed with two of the three shares, the
# same secrets to the same token.
reads_the_same() {
	local s1 s2
	auth_req PUT /secrets/v1/seal/default
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true "$1: sealed"
	read -r s1 s2 _ <<<"$COFFER_SHARES"
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$s1\"}"
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$s2\"}"
	assert_status 200 "$1: unseal"
	assert_json_eq .sealed false "$1: unsealed with the same shares"
	auth_req GET $P/mig/one
	assert_status 200 "$1: the same token"
	assert_json_eq .value first-7c1e "$1"
	auth_req GET $P/mig/two
	assert_json_eq .value second-9d2f "$1"
}

test_gdbm_to_postgresql_and_back() {
	local out back=$COFFER_STATE/back.db
	out=$(coffer_ctl migrate --to "postgresql:$PG_CONNINFO" 2>&1)
	assertEquals "migrate to PostgreSQL: $out" 0 $?
	assertContains "$out" "counts and digests match"
	assertNotContains "the connection string is not shown" "$out" \
	    "$PG_CONNINFO"
	out=$(coffer_ctl migrate --to "postgresql:$PG_CONNINFO" 2>&1)
	assertNotEquals "a target that holds records is refused" 0 $?

	move_to "postgresql:$PG_CONNINFO"
	assertTrue "the stack restarts on PostgreSQL" $?
	reads_the_same postgresql
	out=$(coffer_ctl status)
	assertContains "status works on PostgreSQL" "$out" "initialized: yes"
	out=$(coffer_ctl verify 2>&1)
	assertNotEquals "verify is gdbm's" 0 $?
	assertContains "and says so" "$out" "gdbm"
	auth_json PUT $P/mig/three '{"value":"third-1a2b"}'

	out=$(coffer_ctl migrate --to "$back" 2>&1)
	assertEquals "migrate back to gdbm: $out" 0 $?
	move_to "$back"
	assertTrue "the stack restarts on the new gdbm file" $?
	reads_the_same "back in gdbm"
	auth_req GET $P/mig/three
	assert_json_eq .value third-1a2b "written on PostgreSQL, back in gdbm"
}

. /usr/share/shunit2/shunit2
