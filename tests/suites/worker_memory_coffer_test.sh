#!/usr/bin/env bash
# What the workers' memory keeps after a seal: secret values that went
# through every dialect and program, and the unseal share, are wiped after
# use (request bodies, answers, parsed JSON, the FastCGI buffers), so that
# two seconds after a seal no worker's memory holds any of them, in use or
# freed.  Workers are not dumpable either: no core holds them.  The scan
# reads /proc/PID/mem as root (tests/memscan.py).
. "$(dirname "$0")/../lib.sh"

B=/coffer/v1/secrets/default/batch
S=/v1.0/secrets/default

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	SHARE=${COFFER_SHARES%% *}
}
oneTimeTearDown() { coffer_server_stop; }

# marker: 24 random letters, found nowhere else.
marker() { head -c 64 /dev/urandom | tr -dc 'A-Za-z' | head -c 24; }
hex() { printf '%s' "$1" | xxd -p | tr -d '\n'; }

# read_all TIMES: every value through every program that reads it, in
# bursts so that several workers of each serve them.
read_all() {
	local t="Authorization: token=$COFFER_TOKEN" b="Authorization: Bearer $COFFER_TOKEN"
	burst "$1" GET /secrets/v1/secret/default/mem/dcos -H "$t"
	assertEquals "DC/OS reads" "${1}x200" "$BURST"
	burst "$1" GET /api/v1/secrets/mem/path -H "$t"
	assertEquals "path reads" "${1}x200" "$BURST"
	burst "$1" GET $S/mem/dcos -H "$b"
	assertEquals "Dapr reads" "${1}x200" "$BURST"
	burst "$1" GET $S/bulk -H "$b"
	assertEquals "Dapr bulk reads" "${1}x200" "$BURST"
	burst "$1" POST $B -H "$t" -H 'Content-Type: application/json' \
	    --data-binary '{"paths":["mem/path","mem/dcos"]}'
	assertEquals "batch reads" "${1}x200" "$BURST"
}

test_no_worker_keeps_a_secret_or_the_share_after_a_seal() {
	local m1 m2 m3 pids found
	m1=$(marker) m2=$(marker) m3=$(marker)
	auth_json PUT /secrets/v1/secret/default/mem/dcos "{\"value\":\"$m1\"}"
	assert_status 201
	auth_json PUT /api/v1/secrets/mem/path "{\"data\":{\"k\":\"$m2\"}}"
	assert_status 2xx
	auth_json PATCH /secrets/v1/secret/default/mem/dcos "{\"value\":\"$m3\"}"
	assert_status 2xx
	read_all 6
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$SHARE\"}"
	assert_json_eq .sealed false
	read_all 6
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	sleep 2
	pids=$(stack_workers "$COFFER_STATE" | awk '{ print $1 }' | paste -sd, -)
	assertNotEquals "workers to scan" "" "$pids"
	found=$(python3 "$COFFER_TOP/tests/memscan.py" "$pids" \
	    "value1=$(hex "$m1")" "value2=$(hex "$m2")" "value3=$(hex "$m3")" \
	    "share-hex=$(hex "$SHARE")" "share=$SHARE")
	assertEquals "the scanner read every worker" 0 $?
	assertEquals "secrets and share in the workers' memory" "" \
	    "$(echo "$found" | head -20)"
}

# Where the workers run as a user of their own (www-data behind
# mod_fcgid) this tells; where they run as root, root owns their files
# anyway.
test_workers_are_not_dumpable() {
	local pid user n=0
	for pid in $(stack_workers "$COFFER_STATE" | awk '{ print $1 }'); do
		# The kernel gives a process that is not dumpable /proc files
		# owned by root, and not even its own user may read them.
		user=$(ps -o user= -p "$pid")
		n=$((n + 1))
		assertEquals "worker $pid ($user): owner of /proc/$pid/mem" root \
		    "$(stat -c %U /proc/$pid/mem)"
		[ "$user" = root ] && continue
		assertFalse "worker $pid: its own user $user reads its environment" \
		    "runuser -u $user -- cat /proc/$pid/environ >/dev/null 2>&1"
	done
	assertTrue "workers checked: $n" "[ $n -gt 0 ]"
}

. /usr/share/shunit2/shunit2
