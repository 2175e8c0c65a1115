# tests/lib.sh: what every shunit2 suite shares.  bash only.
#
# A suite (tests/suites/<resource>_<dialect>_test.sh) looks like:
#
#   #!/usr/bin/env bash
#   . "$(dirname "$0")/../lib.sh"
#   oneTimeSetUp()    { coffer_server_start && coffer_init_unseal; }
#   oneTimeTearDown() { coffer_server_stop; }
#   test_put_then_get_returns_the_value() {
#           auth_json PUT /secrets/v1/secret/default/a '{"value":"v"}'
#           assert_status 201
#           auth_req GET /secrets/v1/secret/default/a
#           assert_status 200
#           assert_json_eq .value v
#           assert_schema dcos-secret.json
#   }
#   . /usr/share/shunit2/shunit2
#
# Each suite gets its own server and store in a fresh temporary folder, so
# suites never share state and may run in any order.
#
# Environment: COFFER_BUILD (build folder, default "build" in the repo),
# COFFER_SERVER (lighttpd, apache-proxy or apache-fcgid: tools/stack.sh),
# COFFER_BACKEND (gdbm, or postgresql: tools/stack.sh),
# COFFER_KEEP_STATE=1 (keep the
# state folder for a post-mortem), COFFER_LOG_DIR (set by tests/run-all.sh:
# the server's error log is copied there when the suite stops).
#
# Never `set -e` here or in a suite: shunit2 counts failures itself.

COFFER_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$COFFER_TOP/tools/stack.sh"

COFFER_BUILD=${COFFER_BUILD:-build}
case "$COFFER_BUILD" in
/*) ;;
*) COFFER_BUILD=$COFFER_TOP/$COFFER_BUILD ;;
esac
COFFER_SERVER=${COFFER_SERVER:-lighttpd}
STACK_SERVER=$COFFER_SERVER
# COFFER_BACKEND=postgresql: each suite's store in a private PostgreSQL
# cluster (tools/stack.sh), instead of a gdbm file.
STACK_BACKEND=${COFFER_BACKEND:-gdbm}
COFFER_SCHEMA_DIR=${COFFER_SCHEMA_DIR:-$COFFER_TOP/schema}
COFFER_SUITE=$(basename "$0" .sh)
export COFFER_BUILD COFFER_SERVER

# coffer_server_start [KEY=VALUE...]: a fresh state folder, Coffer config
# (defaults overridden by KEY=VALUE, e.g. body_limit=1024) and web server on
# a free loopback port.  Exports COFFER_ADDR, COFFER_STATE, COFFER_CONFIG.
coffer_server_start() {
	COFFER_STATE=$(mktemp -d "${TMPDIR:-/tmp}/coffer-test.XXXXXX") || return 1
	chmod 0700 "$COFFER_STATE"
	# run-all.sh stops whatever a suite that died left running.
	[ -n "${COFFER_RUN_STATES:-}" ] &&
	    echo "$COFFER_STATE" >>"$COFFER_RUN_STATES"
	COFFER_CONFIG=$COFFER_STATE/coffer.conf
	export COFFER_STATE COFFER_CONFIG
	stack_start "$COFFER_STATE" "$COFFER_BUILD" "" "$@" || return 1
	COFFER_ADDR=$STACK_ADDR
	COFFER_TLS_ADDR=${STACK_TLS_ADDR:-}
	COFFER_AUTH_ADDR=${STACK_AUTH_ADDR:-}
	COFFER_CA=$STACK_CA
	export COFFER_ADDR COFFER_TLS_ADDR COFFER_AUTH_ADDR COFFER_CA
	# With TLS the stack initialized its store already: its own CA made
	# the server's certificate (tools/stack.sh stack_tls_up).
	COFFER_INITIALIZED=${STACK_TLS:-0}
	if [ "$COFFER_INITIALIZED" = 1 ]; then
		COFFER_TOKEN=$STACK_TOKEN
		COFFER_SHARES=$STACK_SHARES
		export COFFER_TOKEN COFFER_SHARES
	fi
}
# Optional listeners, set before coffer_server_start (tools/stack.sh):
# STACK_TLS=1 adds a TLS port (COFFER_TLS_ADDR; curl needs --cacert
# "$COFFER_CA"); STACK_HTPASSWD=FILE adds a port behind the server's own
# Basic auth (COFFER_AUTH_ADDR); STACK_BIND_EXTRA=IP listens on IP too.

# coffer_netns_up: a network namespace joined to this host by a veth pair,
# so a request can come from an address that is not loopback.  Sets
# COFFER_NETNS (its name), COFFER_NS_HOST_IP (this side, where a server can
# listen: STACK_BIND_EXTRA) and COFFER_NS_CLIENT_IP (the client's side).
# Needs root (CAP_NET_ADMIN); a 10.213.x.y/30 picked from the shell's pid.
coffer_netns_up() {
	local n=$(($$ % 16000)) tag
	tag=$(printf 'cf%x' "$n")
	COFFER_NETNS=coffer-$tag
	COFFER_NS_HOST_IP=10.213.$((n / 64)).$(((n % 64) * 4 + 1))
	COFFER_NS_CLIENT_IP=10.213.$((n / 64)).$(((n % 64) * 4 + 2))
	coffer_netns_down
	ip netns add "$COFFER_NETNS" &&
	    ip link add "${tag}h" type veth peer name "${tag}c" &&
	    ip link set "${tag}c" netns "$COFFER_NETNS" &&
	    ip addr add "$COFFER_NS_HOST_IP/30" dev "${tag}h" &&
	    ip link set "${tag}h" up &&
	    ip netns exec "$COFFER_NETNS" ip addr add \
		"$COFFER_NS_CLIENT_IP/30" dev "${tag}c" &&
	    ip netns exec "$COFFER_NETNS" ip link set "${tag}c" up &&
	    ip netns exec "$COFFER_NETNS" ip link set lo up || {
		echo "coffer_netns_up: cannot make a network namespace" \
		    "(root and iproute2 needed)" >&2
		coffer_netns_down
		return 1
	}
	COFFER_NETNS_LINK=${tag}h
	export COFFER_NETNS COFFER_NS_HOST_IP COFFER_NS_CLIENT_IP
}

coffer_netns_down() {
	[ -n "${COFFER_NETNS:-}" ] || return 0
	ip link del "${COFFER_NETNS_LINK:-${COFFER_NETNS#coffer-}h}" 2>/dev/null
	ip netns del "$COFFER_NETNS" 2>/dev/null
	return 0
}

# coffer_server_restart: restart the web server and programs, keeping the
# store, the port and the config.
coffer_server_restart() {
	stack_restart "$COFFER_STATE"
}

# coffer_server_stop: stop the server, keep its error log in COFFER_LOG_DIR,
# and remove the state folder (unless COFFER_KEEP_STATE=1).
coffer_server_stop() {
	[ -n "${COFFER_STATE:-}" ] || return 0
	stack_forget_key "$COFFER_STATE"
	stack_stop "$COFFER_STATE"
	stack_pg_down "$COFFER_STATE"
	local pg=
	[ "$STACK_BACKEND" = gdbm ] || pg=+$STACK_BACKEND
	if [ -n "${COFFER_LOG_DIR:-}" ] && [ -f "$COFFER_STATE/error.log" ]; then
		cp "$COFFER_STATE/error.log" \
		    "$COFFER_LOG_DIR/$COFFER_SUITE.$COFFER_SERVER$pg.server.log"
	fi
	if [ "${COFFER_KEEP_STATE:-0}" = 1 ]; then
		echo "state kept in $COFFER_STATE" >&2
	else
		rm -rf "$COFFER_STATE"
	fi
	unset COFFER_STATE
}

# coffer_init_unseal [SHARES [THRESHOLD]]: initialize the store over HTTP
# (1 share, threshold 1 by default) and unseal it with THRESHOLD shares.
# Exports COFFER_TOKEN (the superuser's root token) and COFFER_SHARES (hex
# shares, space-separated); the init answer is kept in $COFFER_STATE/init.json.
# After STACK_TLS=1 coffer_server_start it only checks for 1 share: the
# stack initialized the store to issue its TLS certificates.
coffer_init_unseal() {
	local n=${1:-1}
	local t=${2:-$n}
	if [ "${COFFER_INITIALIZED:-0}" = 1 ]; then
		# Done by coffer_server_start (TLS), with one share.
		[ "$n:$t" = 1:1 ] && return 0
		echo "coffer_init_unseal: a TLS stack has 1 share, not $n" >&2
		return 1
	fi
	stack_init_unseal "$COFFER_ADDR" "$n" "$t" "$COFFER_STATE/init.json" ||
	    return 1
	COFFER_TOKEN=$STACK_TOKEN
	COFFER_SHARES=$STACK_SHARES
	export COFFER_TOKEN COFFER_SHARES
}

# coffer_ctl ARGS...: cofferctl against the suite's store, as the store's
# owner (the programs' user, whose kernel keyring holds the unsealed key),
# as an operator runs it.  That user may not reach the build folder, so a
# copy in the state folder runs.  stdin and the exit status pass through.
coffer_ctl() {
	local owner
	owner=$(stack_owner "$COFFER_STATE")
	if [ "$owner" = "$(id -un)" ]; then
		"$COFFER_BUILD/tools/cofferctl" -c "$COFFER_CONFIG" "$@"
	else
		install -m 0755 "$COFFER_BUILD/tools/cofferctl" \
		    "$COFFER_STATE/ctl" || return 1
		runuser -u "$owner" -- "$COFFER_STATE/ctl" -c "$COFFER_CONFIG" "$@"
	fi
}

# coffer_fillstore fill ARGS... | tamper KEY: tests/fillstore (FILLSTORE
# overrides it) against the suite's store, as the store's owner, from a copy
# in the state folder (that user may not reach the build folder).  fill
# unlocks the store with the first of COFFER_SHARES.
coffer_fillstore() {
	local owner tool=$COFFER_STATE/fillstore share=-
	owner=$(stack_owner "$COFFER_STATE")
	install -m 0755 "${FILLSTORE:-$COFFER_BUILD/tests/fillstore}" "$tool" ||
	    return 1
	if [ "$1" = fill ]; then
		share=$COFFER_STATE/share
		(umask 077 && echo "${COFFER_SHARES%% *}" >"$share")
		chown "$owner" "$share"
	fi
	runuser -u "$owner" -- "$tool" "$COFFER_CONFIG" "$share" "$@"
}

# coffer_keep_dir NAME: KEEP = a new folder outside the state folder (which
# goes with the server), owned by the store's owner, as whom cofferctl runs
# (www-data behind mod_fcgid).  The suite removes it.
coffer_keep_dir() {
	KEEP=$(mktemp -d "${TMPDIR:-/tmp}/coffer-$1.XXXXXX") &&
	    chown "$(stack_owner "$COFFER_STATE")" "$KEEP"
}

# req METHOD PATH [curl args...]: one request to $COFFER_ADDR$PATH (or to
# PATH if it is a whole URL; REQ_NETNS=NAME sends it from that namespace).  Sets STATUS (000 if no answer), BODY (the
# body; binary bodies are read from BODY_FILE), HEADERS (the last header
# block, CR removed) and HEADERS_FILE.  Never fails, so a suite always
# reaches its assertions; an answer its API's published spec contradicts
# fails the test (spec_check_answer below).
req() {
	local method=$1 path=$2 url dir
	shift 2
	url=$path
	[[ $url == http://* || $url == https://* ]] || url=$COFFER_ADDR$path
	dir=${COFFER_STATE:-${TMPDIR:-/tmp}}
	BODY_FILE=$dir/.req.body
	HEADERS_FILE=$dir/.req.headers
	LAST_REQ="$method $path"
	local how=(-X "$method")
	[ "$method" = HEAD ] && how=(--head)
	: >"$BODY_FILE"
	: >"$HEADERS_FILE"
	# REQ_NETNS=NAME: from inside that network namespace.
	local ns=()
	[ -n "${REQ_NETNS:-}" ] && ns=(ip netns exec "$REQ_NETNS")
	STATUS=$("${ns[@]}" curl -sS --max-time 60 "${how[@]}" -o "$BODY_FILE" \
	    -D "$HEADERS_FILE" -w '%{http_code}' "$@" "$url" 2>"$dir/.req.err") ||
	    true
	STATUS=${STATUS:-000}
	{ BODY=$(cat "$BODY_FILE"); } 2>/dev/null
	# A 100 Continue or a redirect adds blocks: keep the last one.
	HEADERS=$(tr -d '\r' <"$HEADERS_FILE" |
	    awk '/^HTTP\// { b = "" } { b = b $0 "\n" } END { printf "%s", b }')
	spec_check_answer auto "$method" "$url"
	return 0
}

# Every answer of an API whose published spec tests/specs/ holds (DC/OS
# secrets, CA and IAM; the path API) is checked against it as it comes
# (req calls spec_check_answer): the operation's response schema for its
# status, with the errata of tests/specs/errata.json.  A status or
# operation the spec does not document passes; assert_spec fails it.
# One validator (tests/validate.py --serve) serves a whole suite; a request
# made in a subshell, which cannot reach it, starts one of its own.
COFFER_SPEC_RE='^/(secrets/v1|ca/api/v2|acs/api/v1|api/v1/secrets)/'

# spec_check_answer auto|strict METHOD URL: check the last answer (STATUS,
# BODY_FILE, HEADERS) against its spec; fail the test if it does not match
# (strict: or if the spec documents no schema for it).
spec_check_answer() {
	local mode=$1 method=$2 path=$3 verdict msg ctype
	# REQ_SPEC=0: a loop that reads back thousands of answers to check
	# their values, not their shape, skips the validator's round trip.
	[ "$mode" = auto ] && [ "${REQ_SPEC:-1}" = 0 ] && return 0
	path=${path#http*://*/}
	[[ $path == /* ]] || path=/$path
	[[ $path =~ $COFFER_SPEC_RE ]] || {
		[ "$mode" = auto ] && return 0
		fail "$LAST_REQ: no published spec covers $path"
		return 1
	}
	[ "$STATUS" != 000 ] && [ "$method" != HEAD ] || return 0
	ctype=$(header Content-Type) || ctype=
	spec_validate "$method" "$path" "$ctype" || return 0
	read -r verdict msg <<<"$SPEC_VERDICT"
	case "$verdict:$mode" in
	ok:* | skip:auto) return 0 ;;
	esac
	fail "$LAST_REQ: answer $STATUS is not as its spec says: $msg; body: $(_coffer_body_excerpt)"
	return 1
}

# spec_validate METHOD PATH CONTENT_TYPE: SPEC_VERDICT = the validator's
# one-line verdict on the answer in STATUS and BODY_FILE.
spec_validate() {
	local line
	line=$(jq -cn --arg m "$1" --arg p "$2" --arg s "$STATUS" \
	    --arg c "$3" --arg b "$BODY_FILE" \
	    '{method: $m, path: $p, status: ($s | tonumber), ctype: $c, body: $b}') ||
	    return 1
	if [ "$BASHPID" = "$$" ]; then
		if [ -z "${COFFER_SPEC_PROC[1]:-}" ]; then
			coproc COFFER_SPEC_PROC {
				"$STACK_PYTHON" "$COFFER_TOP/tests/validate.py" --serve
			}
		fi
		echo "$line" >&"${COFFER_SPEC_PROC[1]}" &&
		    read -r SPEC_VERDICT <&"${COFFER_SPEC_PROC[0]}" && return 0
		SPEC_VERDICT="fail the spec validator did not answer"
		return 0
	fi
	SPEC_VERDICT=$("$STACK_PYTHON" "$COFFER_TOP/tests/validate.py" --serve \
	    <<<"$line")
}

# assert_spec: the last answer matches the response schema its
# published spec gives for the request's operation and the answer's status,
# and the spec does give one.
assert_spec() {
	local method=${LAST_REQ%% *} path=${LAST_REQ#* }
	spec_check_answer strict "$method" "$path"
}

# auth_req METHOD PATH [curl args...]: req with the superuser's token, as
# DC/OS sends it (COFFER_AUTH_HEADER overrides the whole header line).
auth_req() {
	local method=$1 path=$2
	shift 2
	req "$method" "$path" \
	    -H "${COFFER_AUTH_HEADER:-Authorization: token=$COFFER_TOKEN}" "$@"
}

# burst N METHOD PATH [curl args...]: N requests at once, one curl each,
# so that the server hands them to several worker processes.  "%i" in PATH
# becomes each request's number (1..N).  Sets BURST to their statuses,
# counted and sorted ("3x200 1x503").  Never fails.
burst() {
	local n=$1 method=$2 path=$3 i dir pids=()
	shift 3
	dir=$(mktemp -d "${COFFER_STATE:-${TMPDIR:-/tmp}}/.burst.XXXXXX") ||
	    return 0
	for ((i = 1; i <= n; i++)); do
		curl -sS --max-time 60 -X "$method" -o /dev/null \
		    -w '%{http_code}\n' "$@" "$COFFER_ADDR${path//%i/$i}" \
		    >"$dir/$i" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	BURST=$(cat "$dir"/* | sort | uniq -c |
	    awk '{ printf "%s%dx%s", sep, $1, $2; sep = " " }')
	rm -rf "$dir"
	return 0
}

# coffer_worker_reads PROGRAM: "pid reads" for each worker process of
# PROGRAM (its read system calls so far, /proc/PID/io), one a line.
coffer_worker_reads() {
	local pid prog
	stack_workers "$COFFER_STATE" | while read -r pid _ prog; do
		[ "$prog" != "$1" ] ||
		    awk -v p="$pid" '$1 == "syscr:" { print p, $2 }' \
			"/proc/$pid/io" 2>/dev/null
	done
	return 0
}

# spread_writes N PATH [curl args...]: a burst of N DC/OS secret PUTs to
# PATH ("%i" as in burst), each a 200 KB value sent at 100 KB/s.  The
# server streams a body to the program as it comes, so each request holds
# a worker of cgi-bin/secrets for two seconds and the others must go to
# other workers: a way to reach every worker, which a run of requests one
# after another does not (lighttpd gives them all to the first).  Sets
# BURST, and SPREAD: how many secrets workers served at least one.
spread_writes() {
	local n=$1 path=$2 body=$COFFER_STATE/.spread.json
	shift 2
	[ -s "$body" ] || printf '{"value":"%s"}' \
	    "$(head -c 200000 /dev/zero | tr '\0' x)" >"$body"
	served_by secrets burst "$n" PUT "$path" --limit-rate 100K \
	    -H 'Content-Type: application/json' --data-binary "@$body" "$@"
	SPREAD=$(echo "$SERVED" | grep -c .)
}

# served_by PROGRAM COMMAND [ARGS...]: run COMMAND; SERVED lists the pids of
# PROGRAM's workers that made read system calls meanwhile (served it).
served_by() {
	local prog=$1 before after
	shift
	before=$(coffer_worker_reads "$prog")
	"$@"
	after=$(coffer_worker_reads "$prog")
	SERVED=$(awk 'NR == FNR { seen[$1] = $2; next }
		$1 != "" && seen[$1] != $2 { print $1 }' \
	    <(echo "$before") <(echo "$after"))
}

# assert_dropped_keys MARK PIDS MESSAGE: each worker in PIDS wrote to the
# error log, after its first MARK lines, that it dropped the store's keys
# (a seal it served, or one it found while idle: vault_idle).
assert_dropped_keys() {
	local mark=$1 pids=$2 pid log=$COFFER_STATE/error.log
	for pid in $pids; do
		assertTrue "$3: worker $pid dropped the keys" \
		    "tail -n +$((mark + 1)) '$log' |
		    grep -Eq 'coffer\[$pid\] .*(keys dropped while idle|store [0-9a-f]+ sealed)'"
	done
}

# assert_spread [MESSAGE]: the last spread_writes reached several workers,
# where the server lets it: mod_fcgid reads a whole body before it hands
# the request on (and starts its processes one at a time), so behind it one
# worker is all that can be promised.
assert_spread() {
	local want=2
	[ "$COFFER_SERVER" = apache-fcgid ] && want=1
	assertTrue "${1:-spread_writes}: $SPREAD worker(s), expected $want or more" \
	    "[ ${SPREAD:-0} -ge $want ]"
}

# json_req / auth_json METHOD PATH JSON [curl args...]: send JSON.
json_req() {
	local method=$1 path=$2 json=$3
	shift 3
	req "$method" "$path" -H 'Content-Type: application/json' \
	    --data-binary "$json" "$@"
}
auth_json() {
	local method=$1 path=$2 json=$3
	shift 3
	auth_req "$method" "$path" -H 'Content-Type: application/json' \
	    --data-binary "$json" "$@"
}

# keys_body N FILE: the path API's body of a map of N keys, {"data":
# {"k1": "v", ..., "kN": "v"}}, in FILE (too long for an argument).
keys_body() {
	seq 1 "$1" | awk 'BEGIN { printf "{\"data\":{" }
		{ printf "%s\"k%d\":\"v\"", (NR > 1 ? "," : ""), $1 }
		END { printf "}}" }' >"$2"
}

# coffer_tamper KEY: flip one ciphertext byte of the stored record KEY
# (tests/fillstore, as the store's owner), as a failing disk would: it no
# longer opens.
coffer_tamper() {
	local owner tool=$COFFER_STATE/fillstore
	owner=$(stack_owner "$COFFER_STATE")
	install -m 0755 "${FILLSTORE:-$COFFER_BUILD/tests/fillstore}" "$tool"
	runuser -u "$owner" -- "$tool" "$COFFER_CONFIG" - tamper "$1"
}

# header NAME: the value of response header NAME (case-insensitive), or
# nothing and non-zero if absent.
header() {
	awk -v n="$(echo "$1" | tr '[:upper:]' '[:lower:]')" '
		{ i = index($0, ":") }
		i && tolower(substr($0, 1, i - 1)) == n {
			v = substr($0, i + 1); sub(/^[ \t]+/, "", v)
			print v; found = 1; exit
		}
		END { exit !found }' <<<"$HEADERS"
}

_coffer_body_excerpt() {
	printf '%s' "$(head -c 300 "$BODY_FILE" 2>/dev/null | tr -d '\0')"
}

# assert_status CODE [MESSAGE]: CODE is a status (201) or a class (4xx).
assert_status() {
	local want=$1 msg=${2:-$LAST_REQ}
	if [[ $want =~ ^[1-5]xx$ ]]; then
		[ "${STATUS:0:1}" = "${want:0:1}" ] && return 0
		fail "$msg: status $STATUS, expected $want; body: $(_coffer_body_excerpt)"
		return 1
	fi
	assertEquals "$msg: status; body: $(_coffer_body_excerpt)" "$want" "$STATUS"
}

# assert_json_eq JQ_EXPR EXPECTED [MESSAGE]: jq -r (compact) of the body.
# Strings compare without quotes: assert_json_eq .sealed false;
# assert_json_eq '.keys | length' 3; assert_json_eq .labels '{"a":"b"}'.
assert_json_eq() {
	local expr=$1 want=$2 msg=${3:-$LAST_REQ} got
	if ! got=$(jq -c -r "$expr" "$BODY_FILE" 2>&1); then
		fail "$msg: jq '$expr' failed ($got); body: $(_coffer_body_excerpt)"
		return 1
	fi
	assertEquals "$msg: $expr" "$want" "$got"
}

# assert_schema FILE[#/pointer] [MESSAGE]: the body validates against
# schema/FILE (or an absolute path), e.g. assert_schema dcos.json#/$defs/Secret.
assert_schema() {
	local schema=$1 msg=${2:-$LAST_REQ} out
	[[ $schema == /* ]] || schema=$COFFER_SCHEMA_DIR/$schema
	if ! out=$("$STACK_PYTHON" "$COFFER_TOP/tests/validate.py" \
	    "$schema" "$BODY_FILE" 2>&1); then
		fail "$msg: body does not match ${1}: $out; body: $(_coffer_body_excerpt)"
		return 1
	fi
}

# assert_header NAME REGEX [MESSAGE]: the header is present and its value
# matches the extended regex.
assert_header() {
	local name=$1 re=$2 msg=${3:-$LAST_REQ} value
	if ! value=$(header "$name"); then
		fail "$msg: no $name header; headers: $(echo "$HEADERS" | tr '\n' '|')"
		return 1
	fi
	if ! [[ $value =~ $re ]]; then
		fail "$msg: header $name is '$value', expected /$re/"
		return 1
	fi
}

# assert_body_lacks STRING [MESSAGE]: the body does not contain STRING (a
# secret value or token that must not be echoed).
assert_body_lacks() {
	local msg=${2:-$LAST_REQ}
	if grep -qF -- "$1" "$BODY_FILE"; then
		fail "$msg: body contains what it must not"
		return 1
	fi
}

# assert_fuzz_finds_nothing TARGET [SECONDS]: build the libFuzzer target
# tests/fuzz/fuzz_TARGET.c and run it from its seed corpus for
# COFFER_FUZZ_SECONDS (else SECONDS, else 10); asserts it found nothing.
assert_fuzz_finds_nothing() {
	local out
	out=$(bash "$COFFER_TOP/tests/fuzz/run.sh" "$COFFER_BUILD" \
	    "${COFFER_FUZZ_SECONDS:-${2:-10}}" "$1" 2>&1)
	assertEquals "fuzz_$1 exit status ($out)" 0 $?
	assertContains "$out" "nothing found"
}
