#!/usr/bin/env bash
# The operator's lifecycle in cofferctl (tools/cofferctl.c): `init` makes
# a fresh store as PUT /secrets/v1/init/default does, prints its shares
# and root token once, and refuses a store already made or a threshold
# Vault would refuse; the store then unseals with the printed shares and
# serves the printed token.  `token` is the break-glass: on a 3-share,
# threshold-2 store, two shares (from a file, or stdin) mint a superuser
# token that works; one share is refused in plain words and mints nothing.
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() {
	# No coffer_init_unseal: the store stays as the server made it.
	coffer_server_start || return 1
	W=$COFFER_STATE/w
	mkdir -p "$W" && chmod 0777 "$W"
}
oneTimeTearDown() { coffer_server_stop; }

# ctl ARGS...: cofferctl on the suite's store; sets RC, OUT and ERR.
ctl() {
	OUT=$(coffer_ctl "$@" 2>"$W/err")
	RC=$?
	ERR=$(cat "$W/err")
}

# shares_file NAME SHARE...: a file of the shares, one a line, that the
# store's owner may read; prints its path.
shares_file() {
	local f=$W/$1
	shift
	printf '%s\n' "$@" >"$f"
	chmod 0644 "$f"
	echo "$f"
}

# Runs first (shunit2 runs tests in the order they are declared): the
# store is fresh.
test_bad_thresholds_are_refused_and_change_nothing() {
	local nt
	for nt in "-n 2 -t 3" "-n 3 -t 1" "-n 0" "-n 256" "-n 2 -t x"; do
		# shellcheck disable=SC2086
		ctl init $nt
		assertEquals "init $nt: exit status; stderr: $ERR" 2 "$RC"
		assertNull "init $nt: nothing on stdout" "$OUT"
		assertContains "init $nt: plain words" "$ERR" "cofferctl: init: "
	done
	req GET /secrets/v1/init/default
	assert_json_eq .initialized false
}

test_init_prints_shares_and_token_once_and_the_store_serves() {
	local shares
	ctl init -n 3 -t 2
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	assertContains "$OUT" "any 2 of which unseal"
	assertContains "said plainly" "$OUT" "shown this once"
	mapfile -t shares < <(sed -n 's/^key share [0-9]*: //p' <<<"$OUT")
	assertEquals "three shares" 3 "${#shares[@]}"
	TOKEN=$(sed -n 's/^root token (superuser admin): //p' <<<"$OUT")
	assertNotNull "a root token" "$TOKEN"
	SHARES=("${shares[@]}")
	COFFER_TOKEN=$TOKEN
	req GET /secrets/v1/init/default
	assert_json_eq .initialized true
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	assert_json_eq .threshold 2
	# Two of the printed shares unseal it (over HTTP), the printed token
	# is the superuser's.
	stack_unseal "$COFFER_ADDR" "${SHARES[2]}" "${SHARES[0]}"
	assertEquals "unsealed with two printed shares" 0 $?
	auth_json PUT /secrets/v1/secret/default/life/a '{"value":"v"}'
	assert_status 201 "the printed token writes"
	auth_req GET /secrets/v1/secret/default/life/a
	assert_status 200 "and reads"
	assert_json_eq .value v
	grep -q '"command":"init","method":"PUT","path":"/secrets/v1/init/default"' \
	    "$COFFER_STATE/audit.log"
	assertEquals "an audit line for init" 0 $?
}

test_a_second_init_is_refused_and_changes_nothing() {
	ctl init -n 1 -t 1
	assertEquals "exit status; stderr: $ERR" 1 "$RC"
	assertNull "no share printed" "$OUT"
	assertContains "$ERR" "already initialized; nothing changed"
	auth_req GET /secrets/v1/secret/default/life/a
	assert_status 200 "the first root token still serves"
	req GET /secrets/v1/seal-status/default
	assert_json_eq .shares 3
}

test_two_shares_from_a_file_mint_a_superuser_token() {
	local f
	f=$(shares_file two "${SHARES[1]}" "${SHARES[2]}")
	ctl token --share-file "$f" --lifetime 600 admin
	assertEquals "exit status; stderr: $ERR" 0 "$RC"
	req GET /secrets/v1/secret/default/life/a -H "Authorization: token=$OUT"
	assert_status 200 "the minted token serves"
	req PUT /secrets/v1/secret/default/life/b -H "Authorization: token=$OUT" \
	    -H 'Content-Type: application/json' --data-binary '{"value":"w"}'
	assert_status 201 "as the superuser"
}

test_two_shares_on_stdin_mint_a_token_also_while_sealed() {
	auth_req PUT /secrets/v1/seal/default
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	OUT=$(printf '%s\n%s\n' "${SHARES[0]}" "${SHARES[1]}" |
	    coffer_ctl token admin 2>"$W/err")
	assertEquals "exit status; stderr: $(cat "$W/err")" 0 $?
	assertNotNull "a token" "$OUT"
	# The programs stay sealed: the shares unlocked cofferctl alone.
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	stack_unseal "$COFFER_ADDR" "${SHARES[0]}" "${SHARES[1]}"
	req GET /secrets/v1/secret/default/life/a -H "Authorization: token=$OUT"
	assert_status 200 "the token minted while sealed serves once unsealed"
}

test_one_share_is_refused_and_mints_nothing() {
	local f lines
	lines=$(wc -l <"$COFFER_STATE/audit.log")
	f=$(shares_file one "${SHARES[0]}")
	ctl token --share-file "$f" admin
	assertEquals "exit status; stderr: $ERR" 1 "$RC"
	assertNull "no token" "$OUT"
	assertContains "$ERR" "needs 2 key shares to unlock"
	assertContains "$ERR" "gave 1; nothing done"
	OUT=$(printf '%s\n' "${SHARES[2]}" | coffer_ctl token admin 2>"$W/err")
	assertEquals "from stdin: exit status" 1 $?
	assertNull "no token from stdin" "$OUT"
	assertContains "$(cat "$W/err")" "stdin gave 1"
	assertEquals "no audit line" "$lines" "$(wc -l <"$COFFER_STATE/audit.log")"
}

test_the_same_share_twice_is_refused() {
	local f
	f=$(shares_file same "${SHARES[0]}" "${SHARES[0]}")
	ctl token --share-file "$f" admin
	assertEquals "exit status; stderr: $ERR" 1 "$RC"
	assertNull "no token" "$OUT"
	assertContains "$ERR" "do not unlock the store"
	assertNotContains "no share in the message" "$ERR" "${SHARES[0]}"
}

. /usr/share/shunit2/shunit2
