#!/usr/bin/env bash
# DC/OS Secrets API: unseal on a store of three shares with threshold two:
# shares that would spoil the progress are refused, a threshold that does
# not combine says so, and wrong shares are throttled.
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() { coffer_server_start && coffer_init_unseal 3 2; }
oneTimeTearDown() { coffer_server_stop; }

# share N: the operator's Nth share (hex: 32 bytes of y, then the x byte).
share() { echo "$COFFER_SHARES" | tr ' ' '\n' | sed -n "${1}p"; }
# bogus_share X: 32 random bytes with the x-coordinate X (two hex digits).
bogus_share() { echo "$(head -c 32 /dev/urandom | xxd -p -c 64)$1"; }
unseal_with() { json_req PUT /secrets/v1/unseal/default "{\"key\":\"$1\"}"; }

seal_store() {
	auth_req PUT /secrets/v1/seal/default
	assert_status 200 "seal"
}

# Waits out the throttle that earlier failures left, then unseals.
unseal_store() {
	local i
	for ((i = 0; i < 70; i++)); do
		unseal_with "$(share 1)"
		[ "$STATUS" = 429 ] || break
		sleep 1
	done
	unseal_with "$(share 2)"
	assert_json_eq .sealed false
}

test_a_bogus_share_with_a_held_x_coordinate_is_refused() {
	seal_store
	unseal_with "$(bogus_share 02)"
	assert_status 200 "a first share is taken: nothing tells it apart yet"
	assert_json_eq .progress 1
	unseal_with "$(share 2)"
	assert_status 409
	assert_schema dcos-error.json
	assert_json_eq .description \
	    "a share with this x-coordinate is already held"
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	assert_json_eq .progress 1
}

test_a_threshold_that_does_not_combine_resets_the_progress_and_says_so() {
	# The bogus share of the test before is still held.
	unseal_with "$(share 1)"
	assert_status 400
	assert_schema dcos-error.json
	assert_json_eq .description \
	    "the shares did not combine to the store's key; progress is reset"
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	assert_json_eq .progress 0
	unseal_store
}

test_the_seal_status_shows_each_share_taken() {
	seal_store
	req GET /secrets/v1/seal-status/default
	assert_json_eq .progress 0
	unseal_with "$(share 3)"
	assert_json_eq .progress 1
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	assert_json_eq .progress 1
	unseal_with "$(share 1)"
	assert_status 200
	assert_json_eq .sealed false
	assert_json_eq .progress 0
}

test_wrong_shares_in_a_row_are_throttled_with_retry_after() {
	local i n429=0 retry= before
	seal_store
	# Wrong shares until the wait asked for is long enough that the next
	# request surely comes within it, however slow this machine is: the
	# waits double (1, 2, 4 s...), each after a failure let through.
	for ((i = 0; i < 20; i++)); do
		unseal_with "$(head -c 33 /dev/urandom | xxd -p -c 66)"
		[ "$STATUS" = 429 ] || continue
		n429=$((n429 + 1))
		retry=$(header Retry-After)
		assert_schema dcos-error.json
		[[ $retry =~ ^[0-9]+$ ]] && [ "$retry" -ge 4 ] && break
		sleep "${retry:-1}"
	done
	assertTrue "wrong shares in a row are answered 429" "[ $n429 -gt 0 ]"
	assertTrue "429 says when to retry, at least 4 s by now: '$retry'" \
	    "[[ '$retry' =~ ^[1-9][0-9]*$ ]] && [ '$retry' -ge 4 ]"
	# Even the right share waits its turn: the throttle holds every
	# attempt from that address, so no guess slips through it, and the
	# refused one changes nothing.  (A wrong share let through alone is
	# held as progress until the next one fails to combine with it, so
	# the progress here is 0 or 1, whichever the last let through left.)
	req GET /secrets/v1/seal-status/default
	before=$(jq -c '{sealed, progress}' <<<"$BODY")
	unseal_with "$(share 1)"
	assert_status 429 "right after the wrong ones"
	req GET /secrets/v1/seal-status/default
	assertEquals "the refused share changed nothing" "$before" \
	    "$(jq -c '{sealed, progress}' <<<"$BODY")"
	# A seal drops whatever share is held; then the right ones unseal.
	seal_store
	unseal_store
}

. /usr/share/shunit2/shunit2
