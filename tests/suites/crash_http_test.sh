#!/usr/bin/env bash
# An acknowledged write survives kill -9 of the process that made it
# (docs/store.md#crash-rules): writers PUT through the web server while the
# FastCGI workers are killed in a loop; every secret that got its 201 must read
# back afterwards, and the store must keep serving.
. "$(dirname "$0")/../lib.sh"

WRITERS=4
SECONDS_OF_KILLING=8

oneTimeSetUp() { coffer_server_start && coffer_init_unseal; }
oneTimeTearDown() { coffer_server_stop; }

# writer N: PUT /crash/wN/<i> until told to stop; log acknowledged names.
writer() {
	local n=$1 i=0 code
	while [ ! -e "$COFFER_STATE/stop" ] && [ $i -lt 100000 ]; do
		i=$((i + 1))
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
		    -X PUT -H "Authorization: token=$COFFER_TOKEN" \
		    -H 'Content-Type: application/json' \
		    --data-binary "{\"value\":\"w$n-$i\"}" \
		    "$COFFER_ADDR/secrets/v1/secret/default/crash/w$n/$i")
		[ "$code" = 201 ] && echo "w$n/$i" >>"$COFFER_STATE/acked.$n"
	done
}

# read_back NAME: GET it; the web server may still be refusing requests
# while it respawns the killed workers (503, or no answer), so try again
# then.  A lost write answers 404 or another value, which is not retried.
read_back() {
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		REQ_SPEC=0 req GET "/secrets/v1/secret/default/crash/$1" \
		    -H "Authorization: token=$COFFER_TOKEN"
		case "$STATUS" in
		000 | 502 | 503 | 504) sleep 0.5 ;;
		*) return 0 ;;
		esac
	done
}

# read_all: every name in $COFFER_STATE/acked read by one curl over one
# kept-alive connection (a curl and a jq per name took most of the suite's
# minute), printed as "NAME STATUS VALUE" lines in the file's order.
read_all() {
	local dir=$COFFER_STATE/rb name
	mkdir -p "$dir"
	while read -r name; do
		printf 'url = "%s/secrets/v1/secret/default/crash/%s"\n' \
		    "$COFFER_ADDR" "$name"
		printf 'output = "%s/%s"\n' "$dir" "${name/\//_}"
	done <"$COFFER_STATE/acked" >"$dir.cfg"
	curl -s --max-time 60 -H "Authorization: token=$COFFER_TOKEN" \
	    -K "$dir.cfg" -w '%{http_code}\n' >"$dir.codes" 2>/dev/null
	# A transfer that never started prints nothing: 000.  One grep
	# finds every body's value ("w1_5 w1-5" lines).
	grep -ro '"value":"[^"]*"' "$dir" |
	    sed -e "s|^$dir/||" -e 's/:"value":"\(.*\)"$/ \1/' >"$dir.values"
	paste -d' ' "$COFFER_STATE/acked" "$dir.codes" |
	    awk 'NR == FNR { v[$1] = $2; next }
		{ f = $1; sub("/", "_", f)
		  print $1, ($2 == "" ? "000" : $2), v[f] }' "$dir.values" -
}

secrets_workers() {
	stack_program_pids "$COFFER_STATE" | while read -r pid; do
		grep -q 'cgi-bin/secrets' "/proc/$pid/cmdline" 2>/dev/null &&
		    echo "$pid"
	done
}

test_killed_workers_lose_no_acknowledged_write() {
	local n pids victim kills=0 end
	for n in $(seq 1 $WRITERS); do
		writer "$n" &
	done
	end=$((SECONDS + SECONDS_OF_KILLING))
	while [ $SECONDS -lt $end ]; do
		sleep 0.$((RANDOM % 3 + 1))
		mapfile -t pids < <(secrets_workers)
		[ ${#pids[@]} -gt 0 ] || continue
		victim=${pids[RANDOM % ${#pids[@]}]}
		kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
	done
	touch "$COFFER_STATE/stop"
	wait
	assertTrue "workers were killed ($kills)" "[ $kills -gt 5 ]"
	cat "$COFFER_STATE"/acked.* >"$COFFER_STATE/acked" 2>/dev/null
	local acked missing=0 name status value
	acked=$(wc -l <"$COFFER_STATE/acked")
	assertTrue "writes were acknowledged ($acked)" "[ $acked -gt 50 ]"
	read_all >"$COFFER_STATE/read"
	while read -r name status value; do
		if [ "$status" != 200 ]; then
			# Still respawning: one more try, alone.
			read_back "$name"
			status=$STATUS
			value=$(jq -r .value "$BODY_FILE" 2>/dev/null)
		fi
		if [ "$status" != 200 ] ||
		    [ "$value" != "${name%%/*}-${name##*/}" ]; then
			echo "lost: $name (status $status)" >&2
			missing=$((missing + 1))
		fi
	done <"$COFFER_STATE/read"
	assertEquals "acknowledged writes missing after $kills kills" 0 "$missing"
}

test_store_serves_reads_and_writes_after_the_kills() {
	auth_json PUT /secrets/v1/secret/default/crash/after '{"value":"fine"}'
	assert_status 201
	auth_req GET /secrets/v1/secret/default/crash/after
	assert_json_eq .value fine
	auth_req GET "/secrets/v1/secret/default/crash/w1?list=true"
	assert_status 200
}

. /usr/share/shunit2/shunit2
