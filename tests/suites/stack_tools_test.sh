#!/usr/bin/env bash
# tools/stack.sh, which every suite, tools/dev and tools/bench stand on:
# its unseal reports what the server answered, it never starts a second
# server on a state folder that is served, and its stop finds the programs
# of a server that was killed outright.
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() { coffer_server_start && coffer_init_unseal; }
oneTimeTearDown() { coffer_server_stop; }

# programs_alive PIDS: those of PIDS that still run, space-separated.
programs_alive() {
	local pid left=
	for pid in $1; do
		stack_alive "$pid" && left+=" $pid"
	done
	echo "${left# }"
}

test_unseal_succeeds_when_no_earlier_call_left_a_200() {
	local err rc
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	STACK_STATUS=000
	# shellcheck disable=SC2086
	err=$(stack_unseal "$COFFER_ADDR" $COFFER_SHARES 2>&1 >/dev/null)
	rc=$?
	assertTrue "stack_unseal succeeds: $err" $rc
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed false
}

test_unseal_with_a_wrong_share_fails() {
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	STACK_STATUS=200
	stack_unseal "$COFFER_ADDR" "$(printf '%066d' 7)" 2>/dev/null
	assertFalse "a wrong share is no success" $?
	# shellcheck disable=SC2086
	stack_unseal "$COFFER_ADDR" $COFFER_SHARES
	assertTrue "the right share unseals" $?
}

test_start_refuses_a_state_folder_whose_server_is_running() {
	local port before err
	port=$(cat "$COFFER_STATE/port")
	before=$(stack_program_pids "$COFFER_STATE" | sort | paste -sd' ' -)
	err=$(stack_start "$COFFER_STATE" "$COFFER_BUILD" "" 2>&1)
	assertFalse "a second start on a served state folder fails" $?
	assertContains "it says why" "$err" "running"
	assertEquals "the port is kept" "$port" "$(cat "$COFFER_STATE/port")"
	assertEquals "the programs are the same" "$before" \
	    "$(stack_program_pids "$COFFER_STATE" | sort | paste -sd' ' -)"
	req GET /secrets/v1/seal-status/default
	assert_status 200
	assert_json_eq .sealed false
}

test_stop_ends_the_programs_of_a_server_killed_with_sigkill() {
	local pids
	auth_req GET /secrets/v1/secret/default/none
	assert_status 404
	pids=$(stack_program_pids "$COFFER_STATE" | paste -sd' ' -)
	assertNotNull "the stack has programs" "$pids"
	stack_pid "$COFFER_STATE"
	kill -KILL "$STACK_PID"
	stack_wait_gone 50 "$STACK_PID"
	stack_stop "$COFFER_STATE" 2>/dev/null
	assertEquals "no program outlives stack_stop" "" "$(programs_alive "$pids")"
	stack_start "$COFFER_STATE" "$COFFER_BUILD" ""
	assertTrue "the state folder starts again" $?
	COFFER_ADDR=$STACK_ADDR
	# shellcheck disable=SC2086
	stack_unseal "$COFFER_ADDR" $COFFER_SHARES
	auth_req GET /secrets/v1/secret/default/none
	assert_status 404
}

. /usr/share/shunit2/shunit2
