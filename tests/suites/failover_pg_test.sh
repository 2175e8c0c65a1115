#!/usr/bin/env bash
# Failover of the PostgreSQL store (README's "Several hosts on one
# PostgreSQL"): a primary with a synchronous streaming standby
# (synchronous_standby_names, pg_basebackup), Coffer given both in its
# connection string (target_session_attrs=read-write).  Under a writing
# load the primary is killed (SIGKILL, the postmaster and every backend at
# once, as a host that dies) and the standby promoted: Coffer follows it
# without a restart, and every write it acknowledged is there.
# run-all: one-server
# run-all: own-postgresql
. "$(dirname "$0")/../lib.sh"

PRIMARY=
STANDBY=
P_PORT=
S_PORT=
LOAD=

pg_bin() {
	local d
	d=$(pg_config --bindir 2>/dev/null)
	[ -x "$d/pg_ctl" ] || d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	echo "$d"
}

as_pg() {
	runuser -u postgres -- "$@"
}

# sql DIR PORT QUERY: one value from the cluster at DIR.
sql() {
	as_pg "$(pg_bin)/psql" -h "$1" -p "$2" -U postgres -d coffer -Atqc "$3"
}

oneTimeSetUp() {
	local i
	PRIMARY=$(mktemp -d "${TMPDIR:-/tmp}/coffer-pgp.XXXXXX") &&
	    STANDBY=$(mktemp -d "${TMPDIR:-/tmp}/coffer-pgs.XXXXXX") || return 1
	P_PORT=$((20000 + $$ % 20000))
	S_PORT=$((P_PORT + 1))
	PG_PORT=$P_PORT bash "$COFFER_TOP/tests/pg.sh" start "$PRIMARY" \
	    >/dev/null || return 1
	chmod 0711 "$STANDBY" && chown postgres: "$STANDBY" || return 1
	# The standby: a base backup that follows the primary (-R), named
	# standby1 (synchronous_standby_names), on a port of its own.
	as_pg "$(pg_bin)/pg_basebackup" -D "$STANDBY/data" -R -X stream -c fast \
	    -d "host=$PRIMARY port=$P_PORT user=postgres application_name=standby1" \
	    >/dev/null 2>&1 || { echo "pg_basebackup failed" >&2; return 1; }
	PG_PORT=$S_PORT bash "$COFFER_TOP/tests/pg.sh" start "$STANDBY" \
	    >/dev/null || return 1
	# Only now: a commit waits for the standby from here on.
	sql "$PRIMARY" "$P_PORT" "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" &&
	    sql "$PRIMARY" "$P_PORT" "SELECT pg_reload_conf()" >/dev/null ||
	    return 1
	for ((i = 0; i < 100; i++)); do
		[ "$(sql "$PRIMARY" "$P_PORT" "SELECT sync_state FROM pg_stat_replication")" = sync ] &&
		    break
		sleep 0.1
	done
	[ "$(sql "$PRIMARY" "$P_PORT" "SELECT sync_state FROM pg_stat_replication")" = sync ] || {
		echo "the standby is not synchronous" >&2
		return 1
	}
	coffer_server_start backend=postgresql \
	    "postgresql=host=$PRIMARY,$STANDBY port=$P_PORT,$S_PORT user=postgres dbname=coffer target_session_attrs=read-write" &&
	    coffer_init_unseal
}

oneTimeTearDown() {
	[ -n "$LOAD" ] && kill $LOAD 2>/dev/null
	coffer_server_stop
	local d
	for d in "$PRIMARY" "$STANDBY"; do
		[ -n "$d" ] || continue
		PG_PORT=$S_PORT bash "$COFFER_TOP/tests/pg.sh" stop "$d" 2>/dev/null
		rm -rf "$d"
	done
}

# writer N SECONDS: PUT secrets load/N-<i> for SECONDS, one line per
# request on stdout: "<name> <status>".
writer() {
	local n=$1 end=$(($(date +%s) + $2)) i=0
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		curl -sS --max-time 60 -o /dev/null -w "$n-$i %{http_code}\n" \
		    -X PUT -H "Authorization: token=$COFFER_TOKEN" \
		    -H 'Content-Type: application/json' \
		    --data-binary "{\"value\":\"v-$n-$i\"}" \
		    "$COFFER_ADDR/secrets/v1/secret/default/load/$n-$i" 2>/dev/null ||
		    echo "$n-$i 000"
	done
}

test_a_promoted_standby_holds_every_acknowledged_write() {
	local out=$COFFER_STATE/load pm kids w pids=() acked before bad=0 name
	local t0 t1
	mkdir -p "$out"
	for w in 1 2 3 4; do
		writer "$w" 8 >"$out/$w" &
		pids+=($!)
	done
	LOAD="${pids[*]}"
	sleep 2
	before=$(cat "$out"/[0-9]* | awk '$2 == 201' | wc -l)
	# The primary dies: its postmaster and every backend at once.
	pm=$(head -1 "$PRIMARY/data/postmaster.pid")
	kids=$(ps -o pid= --ppid "$pm" | paste -sd' ' -)
	# shellcheck disable=SC2086
	kill -KILL "$pm" $kids
	t0=$(date +%s%N)
	sleep 1
	as_pg "$(pg_bin)/pg_ctl" -D "$STANDBY/data" -w promote >/dev/null
	assertTrue "the standby is promoted" $?
	# Coffer follows it through its connection string.
	for ((w = 0; w < 100; w++)); do
		auth_req GET /secrets/v1/secret/default/load/1-1
		[ "$STATUS" = 200 ] && break
		sleep 0.1
	done
	t1=$(date +%s%N)
	assert_status 200 "Coffer serves from the new primary"
	echo "primary killed to the first answer from the new one:" \
	    "$(((t1 - t0) / 1000000)) ms (1 s of it before the promotion)"
	wait "${pids[@]}"
	LOAD=
	acked=$(cat "$out"/[0-9]* | awk '$2 == 201' | wc -l)
	echo "writes acknowledged: $acked ($before before the kill);" \
	    "refused: $(cat "$out"/[0-9]* | awk '$2 != 201' | wc -l)"
	assertTrue "writes went on after the promotion" "[ $acked -gt $before ]"
	# Each acknowledged write read back, by one curl (one connection).
	mkdir -p "$out/got"
	cat "$out"/[0-9]* | awk -v a="$COFFER_ADDR" -v o="$out/got" '$2 == 201 {
		printf "url = \"%s/secrets/v1/secret/default/load/%s\"\n", a, $1
		printf "output = \"%s/%s\"\n", o, $1 }' >"$out/curl.conf"
	curl -sS -K "$out/curl.conf" -H "Authorization: token=$COFFER_TOKEN" \
	    2>/dev/null
	bad=$(cat "$out"/[0-9]* | awk '$2 == 201 { print $1 }' | while read -r name; do
		[ -s "$out/got/$name" ] || echo "$name"
	done | wc -l)
	bad=$((bad + $(jq -r '"\(input_filename) \(.value)"' "$out"/got/* |
	    awk '{ n = split($1, p, "/"); if ($2 != "v-" p[n]) print }' | wc -l)))
	assertEquals "every acknowledged write is on the new primary" 0 "$bad"
	assertContains "the refusals are errors, not silence" "5xx" \
	    "$(cat "$out"/[0-9]* | awk '$2 != 201 && $2 !~ /^5/' | grep -q . || echo 5xx)"
}

. /usr/share/shunit2/shunit2
