#!/usr/bin/env bash
# Two hosts on one PostgreSQL (docs/security.md#unseal-and-seal,
# docs/store.md#the-postgresql-backend, README's "Several hosts on one
# PostgreSQL").  Each host is a lighttpd stack in a network namespace of
# its own, with its own host name (a UTS namespace), running as a user of
# its own, so that no keyring is shared; both reach one cluster over TCP,
# through a veth pair each.  A write on one host is read on the other; a
# grant revoked on one is refused on the other; a seal on one seals the
# other at once; racing writers lose no update and keep directory indexes
# exact; the database stopped and started costs no restart.
#
# Needs root (namespaces, users).  Runs behind lighttpd only: each host is
# its own server.
. "$(dirname "$0")/../lib.sh"

S=/secrets/v1/secret/default
ACS=/acs/api/v1
P=/api/v1/secrets
USERS=(coffer-hosta coffer-hostb) # made here when missing (system users)
NAMES=(coffer-host-a coffer-host-b)
declare -A ADDR NS IP STATE
PG_DIR=
WORK=

# hosts_user NAME: a system user for a host's programs, once.
hosts_user() {
	id -u "$1" >/dev/null 2>&1 ||
	    useradd --system --no-create-home --shell /usr/sbin/nologin "$1"
}

# hosts_ns H N: namespace NS[H] joined by a veth pair: 10.214.N.1 on this
# side (PostgreSQL listens there), IP[H] = 10.214.N.2 inside (the host's
# server listens there too).
hosts_ns() {
	local h=$1 n=$2 tag
	tag=$(printf 'cfh%x%s' $(($$ % 65536)) "$h")
	NS[$h]=$tag
	IP[$h]=10.214.$n.2
	ip netns del "$tag" 2>/dev/null
	ip link del "${tag}h" 2>/dev/null
	ip netns add "$tag" &&
	    ip link add "${tag}h" type veth peer name "${tag}c" &&
	    ip link set "${tag}c" netns "$tag" &&
	    ip addr add "10.214.$n.1/30" dev "${tag}h" &&
	    ip link set "${tag}h" up &&
	    ip netns exec "$tag" ip addr add "${IP[$h]}/30" dev "${tag}c" &&
	    ip netns exec "$tag" ip link set "${tag}c" up &&
	    ip netns exec "$tag" ip link set lo up
}

hosts_ns_down() {
	local h
	for h in a b; do
		[ -n "${NS[$h]:-}" ] || continue
		ip link del "${NS[$h]}h" 2>/dev/null
		ip netns del "${NS[$h]}" 2>/dev/null
	done
}

# host_up H N: host H's stack in its namespace, as its user, under its
# name, on the cluster at 10.214.N.1.  Sets ADDR[H] and STATE[H].
host_up() {
	local h=$1 n=$2 i=$3 state
	state=$(mktemp -d "${TMPDIR:-/tmp}/coffer-host$h.XXXXXX") || return 1
	STATE[$h]=$state
	# shellcheck disable=SC2016
	ip netns exec "${NS[$h]}" unshare --uts bash -c '
		hostname "$1" || exit 1
		. "$2/tools/stack.sh"
		STACK_SERVER=lighttpd STACK_BACKEND=gdbm
		STACK_BIND_EXTRA=$3 STACK_LIGHTTPD_USER=$4
		stack_start "$5" "$6" "" versions_kept=1000 \
		    login_max_failures=1000 backend=postgresql \
		    "postgresql=host=$7 port=$8 user=postgres dbname=coffer"
	' host_up "${NAMES[$i]}" "$COFFER_TOP" "${IP[$h]}" "${USERS[$i]}" \
	    "$state" "$COFFER_BUILD" "10.214.$n.1" "$PG_PORT" || return 1
	ADDR[$h]=http://${IP[$h]}:$(cat "$state/port")
}

oneTimeSetUp() {
	local n=$((($$ % 120) * 2 + 2))
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/coffer-hosts.XXXXXX") || return 1
	COFFER_STATE=$WORK # where req keeps its answers
	export COFFER_STATE
	hosts_user "${USERS[0]}" && hosts_user "${USERS[1]}" || {
		echo "hosts_pg: cannot make the hosts' users" >&2
		return 1
	}
	hosts_ns a "$n" && hosts_ns b $((n + 1)) || {
		echo "hosts_pg: cannot make network namespaces" >&2
		return 1
	}
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/coffer-pg.XXXXXX") || return 1
	export PG_PORT=$((20000 + $$ % 20000))
	export PG_LISTEN=10.214.$n.1,10.214.$((n + 1)).1
	export PG_TRUST=10.214.0.0/16
	bash "$COFFER_TOP/tests/pg.sh" start "$PG_DIR" >/dev/null || return 1
	host_up a "$n" 0 && host_up b $((n + 1)) 1 || return 1
	# Init on A; each host unseals itself with two of the three shares.
	stack_init "${ADDR[a]}" 3 2 "$WORK/init.json" || return 1
	COFFER_TOKEN=$STACK_TOKEN
	COFFER_SHARES=$STACK_SHARES
	unseal_both || return 1
}

unseal_both() {
	local shares
	read -ra shares <<<"$COFFER_SHARES"
	stack_unseal "${ADDR[a]}" "${shares[0]}" "${shares[1]}" &&
	    stack_unseal "${ADDR[b]}" "${shares[2]}" "${shares[1]}"
}

oneTimeTearDown() {
	local h
	# Each host's key out of its user's keyring: a seal on each.
	for h in a b; do
		[ -n "${ADDR[$h]:-}" ] &&
		    on "$h" auth_req PUT /secrets/v1/seal/default
	done
	for h in a b; do
		[ -n "${STATE[$h]:-}" ] || continue
		stack_stop "${STATE[$h]}"
		if [ -n "${COFFER_LOG_DIR:-}" ]; then
			cp "${STATE[$h]}/error.log" \
			    "$COFFER_LOG_DIR/$COFFER_SUITE.host$h.server.log"
		fi
		[ "${COFFER_KEEP_STATE:-0}" = 1 ] || rm -rf "${STATE[$h]}"
	done
	if [ -n "$PG_DIR" ]; then
		bash "$COFFER_TOP/tests/pg.sh" stop "$PG_DIR"
		rm -rf "$PG_DIR"
	fi
	hosts_ns_down
	[ -n "$WORK" ] && rm -rf "$WORK"
	ADDR=() STATE=() PG_DIR= WORK=
}

# on H CMD...: CMD (req, auth_req, auth_json...) against host H.
on() {
	local h=$1
	shift
	COFFER_ADDR=${ADDR[$h]} "$@"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

test_each_host_runs_as_its_own_user_in_its_own_namespace() {
	local h pids pid users nets
	for h in a b; do
		pids=$(stack_program_pids "${STATE[$h]}")
		assertNotNull "host $h has programs" "$pids"
		users=$(for pid in $pids; do stat -c %U "/proc/$pid"; done |
		    sort -u | paste -sd' ' -)
		nets=$(for pid in $pids; do readlink "/proc/$pid/ns/net"; done |
		    sort -u | paste -sd' ' -)
		eval "USERS_$h=\$users NETS_$h=\$nets"
	done
	assertEquals "host a's programs run as its user" "${USERS[0]}" "$USERS_a"
	assertEquals "host b's programs run as its user" "${USERS[1]}" "$USERS_b"
	assertNotEquals "in two network namespaces" "$NETS_a" "$NETS_b"
	assertNotEquals "neither of them this one's" \
	    "$(readlink /proc/self/ns/net)" "$NETS_a"
}

test_a_write_on_one_host_is_read_on_the_other() {
	on a auth_json PUT $S/hosts/one '{"value":"from-a"}'
	assert_status 201
	on b auth_req GET $S/hosts/one
	assert_status 200
	assert_json_eq .value from-a
	on b auth_json PATCH $S/hosts/one '{"value":"from-b"}'
	assert_status 204
	on a auth_req GET $S/hosts/one
	assert_json_eq .value from-b "the next request on A sees B's write"
}

test_the_seal_status_names_both_unsealed_hosts() {
	on b req GET /secrets/v1/seal-status/default
	assert_status 200
	assert_json_eq .sealed false
	assert_header Coffer-Unsealed-Hosts "^${NAMES[0]}, ${NAMES[1]}\$"
}

test_a_grant_revoked_on_one_host_is_refused_on_the_other() {
	local carol rid=dcos:secrets:default:%252Fhosts%252Fgranted
	on a auth_json PUT $S/hosts/granted/s '{"value":"g"}'
	on a auth_json PUT $ACS/users/carol '{"password":"pw-carol"}'
	assert_status 201
	on b json_req POST $ACS/auth/login '{"uid":"carol","password":"pw-carol"}'
	assert_status 200 "carol logs in on B"
	carol=$(jq -r .token "$BODY_FILE")
	on b req GET $S/hosts/granted/s -H "Authorization: token=$carol"
	assert_status 403 "no grant yet"
	on a auth_json PUT "$ACS/acls/$rid" '{"description":"test"}'
	on a auth_req PUT "$ACS/acls/$rid/users/carol/read"
	assert_status 204 "granted on A"
	on b req GET $S/hosts/granted/s -H "Authorization: token=$carol"
	assert_status 200 "the grant holds on B at its next request"
	on a auth_req DELETE "$ACS/acls/$rid/users/carol/read"
	assert_status 204 "revoked on A"
	on b req GET $S/hosts/granted/s -H "Authorization: token=$carol"
	assert_status 403 "refused on B at its next request"
}

test_racing_writers_on_two_hosts_lose_no_update() {
	local h i n=25 out=$WORK/race acked versions bad=0 v want pids=()
	mkdir -p "$out"
	# Both hosts write new versions of one secret, and new secrets in one
	# folder, at the same time.
	for h in a b; do
		(
			for ((i = 1; i <= n; i++)); do
				curl -sS -o /dev/null -D - -X PUT \
				    -H "Authorization: Bearer $COFFER_TOKEN" \
				    -H 'Content-Type: application/json' \
				    --data-binary "{\"data\":{\"k\":\"$h-$i\"}}" \
				    "${ADDR[$h]}$P/race/one" 2>/dev/null |
				    tr -d '\r' | awk -v v="$h-$i" '
					/^HTTP\// { s = $2 }
					tolower($1) == "coffer-version:" { n = $2 }
					END { print v, s, n }'
				curl -sS -o /dev/null -w "$h-$i %{http_code}\n" \
				    -X PUT -H "Authorization: token=$COFFER_TOKEN" \
				    -H 'Content-Type: application/json' \
				    --data-binary '{"value":"x"}' \
				    "${ADDR[$h]}$S/race/dir/$h-$i" >>"$out/dir.$h"
			done >"$out/ver.$h"
		) &
		pids+=($!)
	done
	# Not a bare wait: it would wait for the spec validator (a coproc).
	wait "${pids[@]}"
	# Every acknowledged write is a version of its own, and reads back as
	# that version; any refusal is the dialect's conflict.
	acked=$(cat "$out"/ver.* | awk '$2 == 200' | wc -l)
	versions=$(cat "$out"/ver.* | awk '$2 == 200 { print $3 }' |
	    sort -un | wc -l)
	assertEquals "writes not acknowledged are conflicts (409)" "" \
	    "$(cat "$out"/ver.* | awk '$2 != 200 && $2 != 409')"
	assertTrue "most writes went through ($acked of $((2 * n)))" \
	    "[ $acked -gt $n ]"
	assertEquals "each acknowledged write has a version of its own" \
	    "$acked" "$versions"
	while read -r v _ want; do
		on a req GET "/v1.0/secrets/default/race/one?metadata.version_id=$want" \
		    -H "Authorization: Bearer $COFFER_TOKEN"
		[ "$STATUS" = 200 ] && [ "$(jq -r .k "$BODY_FILE")" = "$v" ] ||
		    bad=$((bad + 1))
	done < <(cat "$out"/ver.* | awk '$2 == 200')
	assertEquals "every acknowledged value is its version" 0 "$bad"
	# The folder's index holds exactly the secrets made.
	assertEquals "every secret was made" "$((2 * n))" \
	    "$(cat "$out"/dir.* | awk '$2 == 201' | wc -l)"
	on b auth_req GET "$S/race/dir?list=true"
	assert_status 200
	assertEquals "the index is exact" \
	    "$(cat "$out"/dir.* | awk '$2 == 201 { print $1 }' | sort |
		paste -sd' ' -)" \
	    "$(jq -r '.array | sort | join(" ")' "$BODY_FILE")"
}

test_a_seal_on_one_host_seals_the_other_at_once() {
	local t0 t1
	on b auth_req GET $S/hosts/one
	assert_status 200 "B serves"
	# Several of B's workers hold the keys.
	COFFER_ADDR=${ADDR[b]} burst 8 GET $S/hosts/one \
	    -H "Authorization: token=$COFFER_TOKEN"
	t0=$(now_ms)
	on a auth_req PUT /secrets/v1/seal/default
	assert_status 200 "sealed on A"
	on b auth_req GET $S/hosts/one
	t1=$(now_ms)
	assert_status 503 "B's next request is refused"
	echo "seal on A to B's refusal: $((t1 - t0)) ms"
	assertTrue "within one second ($((t1 - t0)) ms)" "[ $((t1 - t0)) -lt 1000 ]"
	COFFER_ADDR=${ADDR[b]} burst 12 GET $S/hosts/one \
	    -H "Authorization: token=$COFFER_TOKEN"
	assertEquals "every worker of B refuses" 12x503 "$BURST"
	on b req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true "B says it is sealed"
	assert_header Coffer-Unsealed-Hosts '^none$'
	# B's idle workers dropped their keys: B unseals from the shares
	# again, like any sealed host.
	unseal_both
	assertTrue "both hosts unseal again" $?
	on b auth_req GET $S/hosts/one
	assert_status 200 "B serves again"
	on a req GET /secrets/v1/seal-status/default
	assert_header Coffer-Unsealed-Hosts "^${NAMES[0]}, ${NAMES[1]}\$"
}

test_the_database_stopped_and_started_costs_no_restart() {
	local t0 t1
	on a auth_json PUT $S/hosts/db '{"value":"before"}'
	assert_status 201
	bash "$COFFER_TOP/tests/pg.sh" stop "$PG_DIR"
	t0=$(now_ms)
	on a auth_req GET $S/hosts/db
	t1=$(now_ms)
	assert_status 503 "the store is unavailable while the database is down"
	assertTrue "answered within 10 s ($((t1 - t0)) ms)" \
	    "[ $((t1 - t0)) -lt 10000 ]"
	echo "answer while the database is down: $STATUS in $((t1 - t0)) ms"
	bash "$COFFER_TOP/tests/pg.sh" start "$PG_DIR" >/dev/null
	on b auth_req GET $S/hosts/db
	assert_status 200 "B serves once it is back"
	assert_json_eq .value before
	on a auth_json PATCH $S/hosts/db '{"value":"after"}'
	assert_status 204 "A writes once it is back"
	on b auth_req GET $S/hosts/db
	assert_json_eq .value after
}

. /usr/share/shunit2/shunit2
