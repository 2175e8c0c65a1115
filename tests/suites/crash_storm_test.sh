#!/usr/bin/env bash
# A short crash storm (tools/crashstorm): 60 SIGKILLs among the workers of
# secrets, bulk, ca and auth and the web server itself, while writers (both
# secrets dialects, IAM users, CA signs) and readers (secrets, bulk's
# multi-get, users, certificate records) run.  No acknowledged write may be
# lost, no read may answer a state that was not current during it, and no
# 5xx may come from Coffer itself.  The storm runs once, in oneTimeSetUp;
# each test checks one of its figures.  A second storm forges some
# acknowledgements, to see the check catch every one.
# The full storm (1,000 kills) is `tools/crashstorm` by hand.
. "$(dirname "$0")/../lib.sh"

KILLS=60
MAX_SECONDS=40

# storm NAME [ARGS...]: run tools/crashstorm on a stack of its own (a
# state folder of its own, which Apache's user must reach: not under W;
# registered for run-all.sh's cleanup); its figures go to W/NAME.json, its
# table and complaints to W/NAME.out, its exit code to W/NAME.rc.
storm() {
	local name=$1 keep='' state
	shift
	state=$(mktemp -d "${TMPDIR:-/tmp}/coffer-test.XXXXXX") || return 1
	[ -n "${COFFER_RUN_STATES:-}" ] &&
	    echo "$state" >>"$COFFER_RUN_STATES"
	[ "${COFFER_KEEP_STATE:-0}" = 1 ] && keep=--keep
	"$STACK_PYTHON" "$COFFER_TOP/tools/crashstorm" \
	    --server="$COFFER_SERVER" --build="$COFFER_BUILD" \
	    --state="$state" --json="$W/$name.json" $keep "$@" \
	    >"$W/$name.out" 2>&1
	echo $? >"$W/$name.rc"
}

# figure NAME JQ: one figure of storm NAME.
figure() {
	jq -r "$2" "$W/$1.json" 2>/dev/null
}

oneTimeSetUp() {
	local log=${COFFER_LOG_DIR:+$COFFER_LOG_DIR/$COFFER_SUITE}
	W=$(mktemp -d "${TMPDIR:-/tmp}/coffer-storm-test.XXXXXX") || return 1
	# The server's log goes where coffer_server_stop keeps it (run-all.sh).
	storm storm --kills=$KILLS --max-seconds=$MAX_SECONDS \
	    ${log:+"--log=$log.$COFFER_SERVER.server.log"}
	storm forged --kills=0 --min-seconds=4 --forge=0.3
	cat "$W/storm.out" >&2
}

oneTimeTearDown() {
	[ "${COFFER_KEEP_STATE:-0}" = 1 ] || rm -rf "$W"
}

test_sixty_kills_lose_no_acknowledged_write() {
	assertEquals "kills: $(tail -n 3 "$W/storm.out")" $KILLS \
	    "$(figure storm '[.kills[]] | add')"
	assertTrue "the server itself was killed" \
	    "[ $(figure storm .kills.server) -ge 1 ]"
	assertTrue "writes were acknowledged ($(figure storm .acked))" \
	    "[ $(figure storm .acked) -gt 100 ]"
	assertEquals "acknowledged writes lost: $(figure storm .samples)" \
	    0 "$(figure storm .lost)"
	assertEquals "the storm's exit code" 0 "$(cat "$W/storm.rc")"
}

test_sixty_kills_give_no_wrong_read() {
	assertTrue "requests were answered ($(figure storm .requests))" \
	    "[ $(figure storm .requests) -gt 200 ]"
	assertEquals "wrong reads: $(figure storm .samples)" \
	    0 "$(figure storm .wrong)"
}

# A request in flight to a killed worker gets the web server's own 500 or
# 503 page; the workers that live on never answer a 5xx of their own.
test_sixty_kills_leave_coffer_answering_no_5xx_of_its_own() {
	assertEquals "5xx answers in Coffer's JSON" \
	    0 "$(figure storm .coffer5xx)"
}

test_an_acknowledgement_that_never_happened_is_caught() {
	assertEquals "the forged storm fails" 1 "$(cat "$W/forged.rc")"
	assertTrue "updates were forged ($(figure forged .forged))" \
	    "[ $(figure forged .forged) -ge 1 ]"
	assertTrue "each is found lost ($(figure forged .lost))" \
	    "[ $(figure forged .lost) -ge $(figure forged .forged) ]"
}

. /usr/share/shunit2/shunit2
