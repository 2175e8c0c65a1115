#!/usr/bin/env bash
# A store of 100,000 secrets (1,000 folders of 100) and a Sensu store of
# 100,000 secret resources (1,000 namespaces of 100), read whole through
# every answer that grows with the store: Dapr bulk, the DC/OS recursive
# list, Sensu's list across namespaces, the export.  Those answers stream
# (common/base/http.h), so the workers' memory stays bounded while the answers
# are many MiB.
#
# How memory is measured.  Before the request, each worker of the program
# that answers gets RLIMIT_DATA = LARGE_MAX_KIB (prlimit): every private
# writable byte it maps (heap, anonymous mappings) counts, so a worker that
# built the answer in memory past the bound fails its allocation and the
# request fails; that is the assertion, and it holds at every instant, not
# at sampled ones.  VmHWM (peak resident) is printed too, but it includes
# the store file, which gdbm maps read-only and which is shared page cache
# (as large as the file, whatever the answer), so it is not the bound.
# Each test starts with fresh workers (setUp restarts the server).
#
# The store is filled by tests/fillstore (a thousand secrets to a
# transaction, straight into the store with the key rebuilt from the
# share), not over HTTP: 200,000 acknowledged writes would take minutes.
# run-all: gdbm-only
# (On PostgreSQL its fill alone takes five minutes, a round trip per put,
# where gdbm takes twenty seconds; the PostgreSQL pass would cost more
# than its figures say about that backend.)
. "$(dirname "$0")/../lib.sh"

FOLDERS=1000
EACH=100
TOTAL=$((FOLDERS * EACH))
LARGE_MAX_KIB=${LARGE_MAX_KIB:-32768}
FILLSTORE=${FILLSTORE:-$COFFER_BUILD/tests/fillstore}
# AddressSanitizer maps terabytes of shadow memory: under it the cap
# cannot apply, and only what the answers hold is checked.
CAPPED=1
ldd "$COFFER_BUILD/cgi-bin/bulk" 2>/dev/null | grep -q libasan && CAPPED=0

# fill ARGS...: tests/fillstore CONFIG SHARE_FILE fill ARGS...
fill() { coffer_fillstore fill "$@"; }

# tamper KEY: damage one record, as its owner.
tamper() { coffer_fillstore tamper "$1"; }

oneTimeSetUp() {
	coffer_server_start sensu_namespaces=default,ns7 &&
	    coffer_init_unseal || return 1
	export COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN"
	fill default f /s $FOLDERS $EACH value >/dev/null || return 1
	fill sensu namespaces/ns /secrets/s $FOLDERS $EACH sensu >/dev/null
}
oneTimeTearDown() { coffer_server_stop; }

# Fresh workers for each test: VmHWM only grows over a process's life.
setUp() { coffer_server_restart; }

# workers PROGRAM: the pids of PROGRAM's workers.
workers() {
	stack_workers "$COFFER_STATE" | awk -v p="$1" '$3 == p { print $1 }'
}

# bound PROGRAM URL: warm PROGRAM's workers up with a request that is
# refused (mod_fcgid spawns them on demand), then cap each one's data.
bound() {
	local pid
	req GET "$2"
	[ "$CAPPED" = 1 ] || return 0
	# As the worker's own user: lowering one's own limits needs no
	# privilege (mod_fcgid's workers are www-data's).
	for pid in $(workers "$1"); do
		runuser -u "$(stat -c %U "/proc/$pid")" -- \
		    prlimit --pid "$pid" --data=$((LARGE_MAX_KIB * 1024))
	done
}

# assert_bounded PROGRAM WHAT: every PROGRAM worker alive ran under the
# cap (none spawned since escaped it); prints what each peaked at.
assert_bounded() {
	local pid n=0 lim hwm file data size
	size=$(stat -c %s "$BODY_FILE")
	[ "$CAPPED" = 1 ] || echo "  $2: sanitizer build, no data cap" >&2
	for pid in $(workers "$1"); do
		lim=$(awk '/^Max data size/ { print $4 }' "/proc/$pid/limits")
		[ "$CAPPED" = 0 ] ||
		    assertEquals "$2: worker $pid capped" \
			$((LARGE_MAX_KIB * 1024)) "$lim"
		hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
		file=$(awk '/^RssFile:/ { print $2 }' "/proc/$pid/status")
		data=$(awk '/^VmData:/ { print $2 }' "/proc/$pid/status")
		echo "  $2: $1 worker $pid: VmHWM $hwm KiB (store file" \
		    "mapped: $file KiB), VmData now $data KiB" >&2
		n=$((n + 1))
	done
	echo "  $2: $((size / 1024)) KiB answered" \
	    "$([ "$CAPPED" = 1 ] && echo "under a $LARGE_MAX_KIB KiB data cap")" >&2
	assertTrue "$2: no $1 worker found" "[ $n -gt 0 ]"
	assertTrue "$2: the answer ($size bytes) is larger than 1 MiB" \
	    "[ $size -gt 1048576 ]"
}

test_dapr_bulk_reads_every_secret_under_the_memory_bound() {
	bound bulk /v1.0/secrets/default/bulk
	auth_req GET /v1.0/secrets/default/bulk
	assert_status 200
	assert_json_eq 'length' $TOTAL
	assertFalse "streamed: no Content-Length" "header Content-Length"
	# Each name once: chunks resume where the last ended, no overlap.
	assertEquals "entries in the body" $TOTAL \
	    "$(grep -o '"value"' "$BODY_FILE" | wc -l)"
	assert_json_eq '.["f0/s0"].value' v-0-0
	assert_json_eq '.["f999/s99"].value' v-999-99
	assert_json_eq '.["f512/s7"]' '{"value":"v-512-7"}'
	assert_bounded bulk "Dapr bulk"
}

test_dcos_list_of_the_store_names_every_secret_in_order_under_the_bound() {
	bound secrets "/secrets/v1/secret/default?list=true"
	auth_req GET "/secrets/v1/secret/default/f?list=true"
	assert_status 200
	assert_json_eq '.array | length' 0
	auth_req GET "/secrets/v1/secret/default?list=true"
	assert_status 200
	assert_json_eq '.array | length' $TOTAL
	assert_json_eq '.array == (.array | sort)' true
	assert_json_eq '.array[0]' f0/s0
	assert_json_eq '.array[-1]' f999/s99
	assert_bounded secrets "DC/OS list"
}

test_a_folder_of_100_children_lists_them() {
	auth_req GET "/secrets/v1/secret/default/f500?list=true"
	assert_status 200
	assert_schema dcos-list.json
	assert_json_eq '.array | length' $EACH
	assert_json_eq '.array[0]' s0
	assert_json_eq '.array | index("s99") != null' true
}

test_sensu_list_across_namespaces_reads_every_secret_under_the_bound() {
	bound bulk /api/enterprise/secrets/v1/secrets
	auth_req GET /api/enterprise/secrets/v1/secrets
	assert_status 200
	assert_json_eq 'length' $TOTAL
	assert_json_eq '[.[] | select(.metadata.namespace == "ns3")] | length' \
	    $EACH
	assert_json_eq '.[0].spec' '{"id":"f0/s0#value","provider":"env"}'
	assert_bounded bulk "Sensu list"
}

test_sensu_pages_through_a_namespace_in_a_large_store() {
	local S=/api/enterprise/secrets/v1/namespaces/ns7/secrets
	auth_req GET "$S?limit=40"
	assert_status 200
	assert_json_eq 'length' 40
	assert_json_eq '.[0].metadata.name' s0
	assert_header Sensu-Continue '^[A-Za-z0-9_-]+$'
	auth_req GET "$S?limit=80&continue=$(header Sensu-Continue)"
	assert_status 200
	assert_json_eq 'length' 60
	assert_json_eq '.[-1].metadata.name' s99
	assertFalse "last page" "header Sensu-Continue"
}

test_export_of_the_store_streams_every_record_under_the_bound() {
	bound bulk /coffer/v1/export/default
	auth_req GET /coffer/v1/export/default
	assert_status 200
	# Every secret, and the root's index and each folder's.
	assertTrue "count line" \
	    "grep -qx '#:count=$((TOTAL + FOLDERS + 1))' '$BODY_FILE'"
	assert_bounded bulk export
}

# Last: they damage the store.
test_z_a_record_failing_mid_stream_cuts_the_transfer() {
	local rc
	tamper "s:default:/f900/s0"
	rc=0
	curl -sS -o "$COFFER_STATE/cut.json" -H "$COFFER_AUTH_HEADER" \
	    "$COFFER_ADDR/v1.0/secrets/default/bulk" 2>/dev/null || rc=$?
	# mod_fcgid ends the client's answer cleanly when its backend goes
	# away; lighttpd and mod_proxy_fcgi cut the transfer.
	[ "$COFFER_SERVER" = apache-fcgid ] ||
	    assertNotEquals "curl saw a failed transfer" 0 "$rc"
	# Under every server: the closing brace is written only after the
	# last entry, so a cut answer never parses.
	assertFalse "what arrived is not a whole JSON document" \
	    "jq -e . '$COFFER_STATE/cut.json' >/dev/null 2>&1"
	assertTrue "part of the map arrived" \
	    "[ $(stat -c %s "$COFFER_STATE/cut.json") -gt 65536 ]"
	assertTrue "the audit log says it failed" \
	    "grep '\"path\":\"/v1.0/secrets/default/bulk\"' \
		'$COFFER_STATE/audit.log' | tail -n 1 | grep -q '\"status\":500'"
}

test_z_a_record_failing_before_the_first_flush_answers_the_dialect_error() {
	tamper "s:default:/f0/s1"
	auth_req GET /v1.0/secrets/default/bulk
	assert_status 500
	assert_schema dapr-error.json
	assert_json_eq .errorCode ERR_SECRET_GET
}

. /usr/share/shunit2/shunit2
