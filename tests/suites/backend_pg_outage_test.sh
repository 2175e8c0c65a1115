#!/usr/bin/env bash
# The database going away (docs/store.md#the-postgresql-backend): while
# the private cluster under a running stack is stopped, requests answer
# 503 in their dialect's shape (DC/OS, the path API) within a bound, and
# no worker hangs, dies or leaks; once it is started again, the same
# workers serve the same secrets, with no restart of anything.
# run-all: own-postgresql
. "$(dirname "$0")/../lib.sh"

PG_DIR=
PG_CONNINFO=
P=/api/v1/secrets
BOUND=10 # seconds a request may take while the database is away

oneTimeSetUp() {
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/coffer-pg.XXXXXX") || return 1
	PG_CONNINFO=$(bash "$COFFER_TOP/tests/pg.sh" start "$PG_DIR") &&
	    coffer_server_start backend=postgresql "postgresql=$PG_CONNINFO" &&
	    coffer_init_unseal
}

oneTimeTearDown() {
	coffer_server_stop
	if [ -n "$PG_DIR" ]; then
		bash "$COFFER_TOP/tests/pg.sh" stop "$PG_DIR"
		rm -rf "$PG_DIR"
	fi
}

# workers: "pid fds" of each FastCGI worker, sorted.
workers() {
	local pid
	stack_workers "$COFFER_STATE" | while read -r pid _ _; do
		echo "$pid $(ls "/proc/$pid/fd" 2>/dev/null | wc -l)"
	done | sort
}

# timed_req METHOD PATH [curl args...]: auth_req; SECONDS_TAKEN its time.
timed_req() {
	local t0=$EPOCHREALTIME
	auth_req "$@"
	SECONDS_TAKEN=$(echo "$EPOCHREALTIME - $t0" | bc)
}

assert_fast() {
	assertTrue "$LAST_REQ took ${SECONDS_TAKEN}s (bound ${BOUND}s)" \
	    "[ \"\$(echo '$SECONDS_TAKEN < $BOUND' | bc)\" = 1 ]"
}

test_503_while_the_database_is_away_and_200_once_it_is_back() {
	local before after i
	auth_json PUT /secrets/v1/secret/default/outage/a '{"value":"va"}'
	assert_status 201
	COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN" \
	    auth_json PUT $P/outage/b '{"data":{"k":"vb"}}'
	assert_status 200
	# Every worker has served (and connected) before the outage.
	burst 12 GET /secrets/v1/secret/default/outage/a \
	    -H "Authorization: token=$COFFER_TOKEN"
	before=$(workers)
	assertNotNull "workers are running" "$before"

	bash "$COFFER_TOP/tests/pg.sh" stop "$PG_DIR"
	assertTrue "the cluster stopped" $?
	timed_req GET /secrets/v1/secret/default/outage/a
	assert_status 503
	assert_json_eq .code ERR_STORE_UNAVAILABLE
	assert_fast
	timed_req PUT /secrets/v1/secret/default/outage/c \
	    -H 'Content-Type: application/json' --data '{"value":"vc"}'
	assert_status 503 "a write while away"
	assert_json_eq .code ERR_STORE_UNAVAILABLE
	assert_fast
	timed_req GET $P/outage/b
	assert_status 503 "the path API while away"
	assert_json_eq .code 503
	assert_json_eq .status 'Service Unavailable'
	assert_fast
	# Many at once: every worker meets the outage.
	burst 12 GET /secrets/v1/secret/default/outage/a \
	    -H "Authorization: token=$COFFER_TOKEN"
	assertEquals "a burst while away" 12x503 "$BURST"
	for i in 1 2 3; do
		req GET /secrets/v1/secret/default/outage/a \
		    -H "Authorization: token=$COFFER_TOKEN"
	done
	assertNotContains "the log names no connection string" \
	    "$(cat "$COFFER_STATE/error.log")" "$PG_CONNINFO"

	bash "$COFFER_TOP/tests/pg.sh" start "$PG_DIR" >/dev/null
	assertTrue "the cluster started again" $?
	timed_req GET /secrets/v1/secret/default/outage/a
	assert_status 200 "served again, no restart"
	assert_json_eq .value va
	auth_req GET $P/outage/b
	assert_status 200
	assert_json_eq .data.k vb
	auth_json PUT /secrets/v1/secret/default/outage/c '{"value":"vc"}'
	assert_status 201 "writes again"
	burst 12 GET /secrets/v1/secret/default/outage/a \
	    -H "Authorization: token=$COFFER_TOKEN"
	assertEquals "every worker serves again" 12x200 "$BURST"
	after=$(workers)
	# A worker whose connection broke while it was idle holds one fd
	# fewer until its next request; none may hold more (a leak).
	# mod_fcgid may spawn more for the burst: none of the first may die.
	assertEquals "every worker of before is still there (none died)" "" \
	    "$(comm -23 <(cut -d' ' -f1 <<<"$before") \
		<(cut -d' ' -f1 <<<"$after"))"
	assertEquals "no worker holds more fds than before" "" \
	    "$(join <(echo "$before") <(echo "$after") | awk '$3 > $2')"
}

test_a_worker_started_during_the_outage_serves_once_it_ends() {
	bash "$COFFER_TOP/tests/pg.sh" stop "$PG_DIR"
	coffer_server_restart
	assertTrue "the stack restarts while the database is away" $?
	req GET /secrets/v1/secret/default/outage/a \
	    -H "Authorization: token=$COFFER_TOKEN"
	assert_status 503
	assert_json_eq .code ERR_STORE_UNAVAILABLE
	bash "$COFFER_TOP/tests/pg.sh" start "$PG_DIR" >/dev/null
	auth_req GET /secrets/v1/secret/default/outage/a
	assert_status 200 "the workers opened in the outage serve"
	assert_json_eq .value va
}

. /usr/share/shunit2/shunit2
