# tools/stack.sh: start, stop and bootstrap one Coffer stack (web server,
# FastCGI programs, a store) in a state folder.  bash only.
#
# Sourced by tools/dev, tools/bench and tests/lib.sh, so the development
# server, the benchmark and every test suite run the very same
# configuration (apache-conf/).  It sets no shell options and never exits:
# each function returns non-zero and says why on stderr, and the caller
# decides.  Results come back in STACK_* globals, not on stdout, so callers
# need no subshell.
#
# A state folder (mode 0700) holds everything of one stack:
#   coffer.conf    Coffer's config (COFFER_CONFIG of every program)
#   lighttpd.conf  generated: variables + includes of apache-conf/lighttpd/
#   error.log      the web server's error log (the programs' stderr too)
#   lighttpd.pid   port           run/ (FastCGI sockets)    www/ (empty root)
#   coffer.db      the store, with coffer.db.journal and .lock beside it
#   audit.log      tmp/ (upload folder, unused while bodies are streamed)

STACK_TOP=${STACK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
STACK_SERVER=${STACK_SERVER:-lighttpd}
# Debian's python3, with the python3-* packages tools/dev installs (a python3
# earlier in PATH, from pyenv or a venv, may lack them).
STACK_PYTHON=${STACK_PYTHON:-/usr/bin/python3}

stack_say() {
	printf '%s\n' "$*" >&2
}

# stack_port_free PORT: true if PORT can be bound on 127.0.0.1 now.
stack_port_free() {
	"$STACK_PYTHON" - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

# stack_pick_port [FIRST]: STACK_PORT = the first free port from FIRST on,
# or without FIRST one the kernel picks (tests: no two runs collide).
stack_pick_port() {
	local p
	if [ -n "${1:-}" ]; then
		for ((p = $1; p < $1 + 200; p++)); do
			if stack_port_free "$p"; then
				STACK_PORT=$p
				return 0
			fi
		done
		stack_say "stack: no free port in $1..$(($1 + 199))"
		return 1
	fi
	STACK_PORT=$("$STACK_PYTHON" -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
}

# stack_write_config STATE BUILD PORT [KEY=VALUE...]: write STATE/coffer.conf
# and STATE/lighttpd.conf.  KEY=VALUE pairs add to or override the defaults
# below (tests use them, e.g. body_limit=1024).
stack_write_config() {
	local state=$1 build=$2 port=$3 kv key
	shift 3
	local -A conf=(
		[store]="$state/coffer.db"
		[audit_log]="$state/audit.log"
		[body_limit]=1048576
		[allow_plain_http]=yes
	)
	local order=(store audit_log body_limit allow_plain_http)
	for kv in "$@"; do
		key=${kv%%=*}
		key=${key// /}
		[ -n "${conf[$key]+set}" ] || order+=("$key")
		conf[$key]=${kv#*=}
		conf[$key]=${conf[$key]# }
	done
	(umask 077 && mkdir -p "$state"/{run,tmp,www}) || return 1
	{
		echo "# Written by tools/stack.sh; rewritten at every start."
		for key in "${order[@]}"; do
			echo "$key = ${conf[$key]}"
		done
	} >"$state/coffer.conf" || return 1
	cat >"$state/lighttpd.conf" <<EOF || return 1
# Written by tools/stack.sh; rewritten at every start.
var.coffer_state  = "$state"
var.coffer_port   = $port
var.coffer_bin    = "$build/cgi-bin"
var.coffer_config = "$state/coffer.conf"
var.coffer_run    = var.coffer_state + "/run"
include "$STACK_TOP/apache-conf/lighttpd/standalone.conf"
include "$STACK_TOP/apache-conf/lighttpd/coffer.conf"
EOF
	echo "$port" >"$state/port"
}

# stack_pid STATE: STACK_PID = pid of the running web server of STATE.
stack_pid() {
	local pid
	pid=$(cat "$1/lighttpd.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	# A pid file can outlive its process, and the pid be reused.
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
	    grep -qF -- "$1/lighttpd.conf" || return 1
	STACK_PID=$pid
}

# stack_workers STATE: the FastCGI processes, one "pid rss_kib program" line
# each, on stdout.
stack_workers() {
	stack_pid "$1" || return 1
	ps --ppid "$STACK_PID" -o pid=,rss=,args= | awk '{
		n = split($3, p, "/"); print $1, $2, p[n] }'
}

# stack_wait_http URL: wait up to 10 s for any HTTP answer from URL.
stack_wait_http() {
	local i code
	for ((i = 0; i < 100; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    "$1" 2>/dev/null) || true
		[ "${code:-000}" != 000 ] && return 0
		sleep 0.1
	done
	stack_say "stack: no answer from $1 within 10 s"
	return 1
}

stack_lighttpd_up() {
	local state=$1 port check
	port=$(cat "$state/port") || return 1
	# Sockets left by a killed server make lighttpd's first connect fail.
	rm -f "$state"/run/*.sock-*
	check=$(lighttpd -tt -f "$state/lighttpd.conf" 2>&1) ||
	    { stack_say "$check"; return 1; }
	# Daemonizes, and returns only once the server listens and has
	# spawned the programs (or failed to).  Errors before the error log
	# is open (a port already bound) go to stderr: kept for stack_start.
	STACK_START_ERR=$(lighttpd -f "$state/lighttpd.conf" 2>&1) || return 1
	stack_pid "$state" || return 1
	stack_wait_http "http://127.0.0.1:$port/"
}

# stack_start STATE BUILD [FIRST_PORT] [KEY=VALUE...]: write the configs and
# start the web server with the programs of BUILD (absolute).  Sets
# STACK_PORT, STACK_ADDR and STACK_PID.  Retries on another port when the
# chosen one was taken between the check and the bind.
stack_start() {
	local state=$1 build=$2 first=${3:-} try mark
	shift 3 || shift $#
	if [ "$STACK_SERVER" != lighttpd ]; then
		stack_say "stack: server '$STACK_SERVER' is not supported yet"
		return 1
	fi
	for ((try = 0; try < 5; try++)); do
		stack_pick_port "$first" || return 1
		stack_write_config "$state" "$build" "$STACK_PORT" "$@" ||
		    return 1
		: >>"$state/error.log"
		mark=$(wc -l <"$state/error.log")
		STACK_START_ERR=
		if stack_lighttpd_up "$state"; then
			STACK_ADDR=http://127.0.0.1:$STACK_PORT
			return 0
		fi
		stack_stop "$state" 2>/dev/null
		if ! { echo "$STACK_START_ERR"; tail -n +"$((mark + 1))" \
		    "$state/error.log"; } | grep -q 'Address already in use'; then
			stack_say "stack: lighttpd did not start:"
			{ echo "$STACK_START_ERR"; tail -n +"$((mark + 1))" \
			    "$state/error.log"; } | grep . | tail -n 20 >&2
			return 1
		fi
	done
	stack_say "stack: no port could be bound after 5 tries"
	return 1
}

# stack_restart STATE: restart the web server of STATE on the same port and
# configuration (the programs start afresh; the store and keyring stay).
stack_restart() {
	stack_stop "$1" || return 1
	STACK_START_ERR=
	stack_lighttpd_up "$1" && return 0
	stack_say "stack: lighttpd did not restart: $STACK_START_ERR"
	return 1
}

# stack_alive PID: true if PID runs (a zombie does not: pid 1 of some
# containers never reaps the daemonized server and its orphans).
stack_alive() {
	local st
	st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# stack_wait_gone TENTHS PID...: wait until no PID runs; STACK_LEFT = those
# still running after TENTHS tenths of a second.
stack_wait_gone() {
	local i=$1 pid
	shift
	while :; do
		STACK_LEFT=
		for pid in "$@"; do
			stack_alive "$pid" && STACK_LEFT+=" $pid"
		done
		[ -z "$STACK_LEFT" ] || [ "$i" -le 0 ] && return 0
		sleep 0.1
		i=$((i - 1))
	done
}

# stack_stop STATE: stop the web server of STATE and the programs it spawned.
# Leaves the state folder alone.
stack_stop() {
	local state=$1 workers pid
	stack_pid "$state" || { rm -f "$state/lighttpd.pid"; return 0; }
	workers=$(ps --ppid "$STACK_PID" -o pid=)
	# lighttpd sends SIGTERM to the programs it spawned as it goes down.
	kill -TERM "$STACK_PID" 2>/dev/null
	stack_wait_gone 50 "$STACK_PID" $workers
	for pid in $STACK_LEFT; do
		stack_say "stack: process $pid ignored SIGTERM for 5 s; killing it"
		kill -KILL "$pid" 2>/dev/null
	done
	stack_wait_gone 20 $STACK_LEFT
	rm -f "$state/lighttpd.pid"
}

# stack_call METHOD URL OUT [curl args...]: STACK_STATUS = HTTP status (000
# when there was no answer), body in file OUT.
stack_call() {
	local method=$1 url=$2 out=$3
	shift 3
	STACK_STATUS=$(curl -sS --max-time 30 -X "$method" -o "$out" \
	    -w '%{http_code}' "$@" "$url") || true
	STACK_STATUS=${STACK_STATUS:-000}
}

# stack_sealed ADDR: STACK_SEALED = true or false, from the seal status.
stack_sealed() {
	local tmp
	tmp=$(mktemp) || return 1
	stack_call GET "$1/secrets/v1/seal-status/default" "$tmp"
	STACK_SEALED=$(jq -r '.sealed' "$tmp" 2>/dev/null)
	rm -f "$tmp"
	case "$STACK_STATUS:$STACK_SEALED" in
	200:true | 200:false) return 0 ;;
	esac
	stack_say "stack: seal status answered $STACK_STATUS"
	return 1
}

# stack_unseal ADDR SHARE...: give shares until the store is unsealed.
stack_unseal() {
	local addr=$1 share tmp
	shift
	tmp=$(mktemp) || return 1
	for share in "$@"; do
		# The share goes to curl on stdin, never on a command line.
		printf '{"key":"%s"}' "$share" |
		    stack_call PUT "$addr/secrets/v1/unseal/default" "$tmp" \
			-H 'Content-Type: application/json' --data-binary @-
		if [ "$STACK_STATUS" != 200 ]; then
			stack_say "stack: unseal answered $STACK_STATUS: $(head -c 300 "$tmp")"
			rm -f "$tmp"
			return 1
		fi
		if [ "$(jq -r .sealed "$tmp" 2>/dev/null)" = false ]; then
			rm -f "$tmp"
			return 0
		fi
	done
	rm -f "$tmp"
	stack_say "stack: still sealed after $# share(s)"
	return 1
}

# stack_init ADDR SHARES THRESHOLD OUT: initialize the store; the answer
# (shares, root token) is kept in file OUT, mode 0600.  Sets STACK_TOKEN and
# STACK_SHARES (the hex shares, space-separated).
stack_init() {
	local addr=$1 n=$2 t=$3 out=$4
	(umask 077 && : >"$out") || return 1
	stack_call PUT "$addr/secrets/v1/init/default" "$out" \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"shares\":$n,\"threshold\":$t}"
	if [ "$STACK_STATUS" != 200 ]; then
		stack_say "stack: init answered $STACK_STATUS: $(head -c 300 "$out")"
		return 1
	fi
	if ! STACK_TOKEN=$(jq -er .root_token "$out" 2>/dev/null) ||
	    ! STACK_SHARES=$(jq -er '.keys | join(" ")' "$out" 2>/dev/null); then
		stack_say "stack: init answer lacks root_token or keys"
		return 1
	fi
}

# stack_init_unseal ADDR SHARES THRESHOLD OUT: init, then unseal with the
# first THRESHOLD shares.
stack_init_unseal() {
	local shares
	stack_init "$@" || return 1
	read -ra shares <<<"$STACK_SHARES"
	stack_unseal "$1" "${shares[@]:0:$3}"
}
