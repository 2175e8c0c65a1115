#!/usr/bin/env bash
# The store's files as the workers hold them: a checkpoint replaces the
# gdbm file and the journal whole, and a worker that stays idle lets go of
# the old ones within a second or two, as it drops the keys after a seal,
# so deleted files do not keep their disk space for as long as it idles.
# run-all: gdbm-only
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() { coffer_server_start && coffer_init_unseal; }
oneTimeTearDown() { coffer_server_stop; }

# checkpoint: a few secrets written by tests/fillstore, which folds the
# journal into a new gdbm file at the end.
checkpoint() { coffer_fillstore fill default ckpt /s 1 10 value; }

# deleted_store_files: "pid program file" for each deleted store file a
# worker still holds open.
deleted_store_files() {
	local pid prog fd
	stack_workers "$COFFER_STATE" | while read -r pid _ prog; do
		for fd in /proc/"$pid"/fd/*; do
			readlink "$fd" 2>/dev/null |
			    grep -F "$COFFER_STATE/coffer.db" |
			    grep -F '(deleted)' | sed "s|^|$pid $prog |"
		done
	done
	return 0
}

test_idle_workers_let_go_of_the_files_a_checkpoint_replaced() {
	local t="Authorization: token=$COFFER_TOKEN" prog progs
	# A worker of each program opens the store; bursts reach several.
	burst 6 GET /secrets/v1/secret/default/none%i -H "$t"
	burst 6 GET /v1.0/secrets/default/none%i -H "Authorization: Bearer $COFFER_TOKEN"
	req GET /ca/api/v2/health
	req GET /auth -H "$t"
	progs=$(stack_workers "$COFFER_STATE" | awk '{ print $3 }' | sort -u |
	    paste -sd' ' -)
	for prog in auth bulk ca secrets; do
		assertContains "workers running: $progs" " $progs " " $prog "
	done
	assertEquals "filled" "filled 10" "$(checkpoint)"
	sleep 3
	assertEquals "deleted store files held 3 s after the checkpoint" "" \
	    "$(deleted_store_files)"
	auth_req GET /secrets/v1/secret/default/ckpt0/s0
	assert_status 200 "the new files serve"
}

. /usr/share/shunit2/shunit2
