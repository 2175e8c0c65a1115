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
# STACK_SERVER picks the web server: lighttpd (default), apache-proxy
# (Apache, mod_proxy_fcgi, programs started by apache-conf/apache/coffer-spawn)
# or apache-fcgid (Apache, mod_fcgid).  Apache's workers run as
# STACK_APACHE_USER (www-data), who then owns the state folder.
#
# A state folder (mode 0700) holds everything of one stack:
#   coffer.conf    Coffer's config (COFFER_CONFIG of every program)
#   lighttpd.conf or apache.conf   generated: variables + includes of
#                  apache-conf/lighttpd/ or apache-conf/apache/
#   server         which server (STACK_SERVER) it was started with
#   error.log      the web server's error log (the programs' stderr too)
#   lighttpd.pid or apache.pid    port    run/ (FastCGI sockets)
#   www/ (empty root)   apache-run/ (Apache's runtime files)
#   cgi-bin/ (apache-fcgid: a copy of the programs)   tls/ (certificates)
#   coffer.db      the store, with coffer.db.journal and .lock beside it
#   audit.log      tmp/ (unused: bodies lighttpd buffers go to tmpfs)
#   pg-dir         STACK_BACKEND=postgresql: where its private PostgreSQL
#                  cluster is (tests/pg.sh; outside the state folder, which
#                  the postgres user may not enter); the store is there
#   coffer.throttle, coffer.unseal   the throttles' files: beside coffer.db,
#                  or with PostgreSQL here all the same (state_dir)
#
# STACK_BACKEND=postgresql (default gdbm) puts the store in a private
# PostgreSQL cluster that stack_start starts and stack_pg_down stops.
# STACK_LIGHTTPD_USER=USER runs lighttpd and its programs as USER (who then
# owns the state folder), so that their keyring is USER's: two stacks of
# two users on one database are two hosts (tests/suites/hosts_pg_test.sh).

STACK_TOP=${STACK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
STACK_SERVER=${STACK_SERVER:-lighttpd}
# Debian's python3, with the python3-* packages tools/dev installs (a python3
# earlier in PATH, from pyenv or a venv, may lack them).
STACK_PYTHON=${STACK_PYTHON:-/usr/bin/python3}

stack_say() {
	printf '%s\n' "$*" >&2
}

# stack_port_free PORT: true if PORT can be bound on 127.0.0.1 now, the way
# the servers bind it.  lighttpd and Apache set SO_REUSEADDR, so a port
# whose only sockets are in TIME_WAIT (a connection the server closed, as
# after a 413, then a stop) is free to them; a check without it would
# refuse that port and move tools/dev's server to the next one.  A port
# someone listens on is refused all the same.
stack_port_free() {
	"$STACK_PYTHON" - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
# and the web server's config (STATE/lighttpd.conf or STATE/apache.conf, for
# STACK_SERVER).  KEY=VALUE pairs add to or override the defaults below
# (tests use them, e.g. body_limit=1024).  Optional listeners, from the
# caller's environment (tests/lib.sh sets them):
#   STACK_TLS_PORT   a TLS listener on 127.0.0.1 (certificates: stack_pki)
#   STACK_AUTH_PORT + STACK_HTPASSWD   a plain listener on 127.0.0.1 that
#                    requires the server's own Basic auth for every URL
#   STACK_BIND_EXTRA another local address (a veth's, for a client that is
#                    not loopback): the plain and TLS ports listen there too
#   STACK_MAX_BODY   the web server's cap on a request body, in bytes,
#                    instead of the configurations' 4 MiB backstop
#                    (tools/dev raises it so that an export imports)
#   STACK_OCSP_STAPLING=1  Apache staples OCSP answers to its TLS
#                    certificate, asking the stack's own responder
#                    (/ca/ocsp on the plain port)
#   STACK_ACCESS_LOG=1  Apache keeps an access log, STATE/access.log,
#                    leaving out what coffer-proxy.conf and coffer-fcgid.conf
#                    mark (none by default: the benchmark would pay for
#                    it).  lighttpd keeps none, as coffer.conf advises: its
#                    conditional accesslog.filename is not applied to
#                    requests a FastCGI program answers (1.4.69), so it
#                    could not leave out the URLs that carry an API key.
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
	# A store in PostgreSQL has no folder: the throttles' files go to
	# the state folder (state_dir), not to /var/lib/coffer.
	if [ -z "${conf[state_dir]+set}" ] &&
	    { [ "${conf[backend]:-}" = postgresql ] ||
		[[ ${conf[store]} == postgresql:* ]]; }; then
		conf[state_dir]=$state
		order+=(state_dir)
	fi
	(umask 077 && mkdir -p "$state"/{run,tmp,www}) || return 1
	# The servers' own error documents (apache-conf/errors/), where
	# Apache's user can read them.
	rm -rf "$state/errors" &&
	    cp -R "$STACK_TOP/apache-conf/errors" "$state/errors" || return 1
	{
		echo "# Written by tools/stack.sh; rewritten at every start."
		for key in "${order[@]}"; do
			echo "$key = ${conf[$key]}"
		done
	} >"$state/coffer.conf" || return 1
	echo "$STACK_SERVER" >"$state/server" || return 1
	case "$STACK_SERVER" in
	lighttpd) stack_write_lighttpd "$state" "$build" "$port" ;;
	apache-proxy | apache-fcgid)
		stack_write_apache "$state" "$build" "$port" ;;
	*)
		stack_say "stack: unknown server '$STACK_SERVER'" \
		    "(lighttpd, apache-proxy, apache-fcgid)"
		return 1
		;;
	esac || return 1
	echo "$port" >"$state/port"
}

stack_write_lighttpd() {
	local state=$1 build=$2 port=$3 a
	echo "$build/cgi-bin" >"$state/bin-dir" || return 1
	{
		cat <<EOF
# Written by tools/stack.sh; rewritten at every start.
var.coffer_state  = "$state"
var.coffer_port   = $port
var.coffer_bin    = "$build/cgi-bin"
var.coffer_config = "$state/coffer.conf"
var.coffer_run    = var.coffer_state + "/run"
var.coffer_errors = var.coffer_state + "/errors"
EOF
		if [ -n "${STACK_AUTH_PORT:-}" ]; then
			echo 'server.modules += ( "mod_auth", "mod_authn_file" )'
		fi
		# STACK_LIGHTTPD_USER: lighttpd (started as root) and the
		# programs run as that user, with a keyring of their own.
		if [ -n "${STACK_LIGHTTPD_USER:-}" ]; then
			echo "server.username = \"$STACK_LIGHTTPD_USER\""
			echo "server.groupname = \"$(id -gn "$STACK_LIGHTTPD_USER")\""
		fi
		cat <<EOF
include "$STACK_TOP/apache-conf/lighttpd/standalone.conf"
include "$STACK_TOP/apache-conf/lighttpd/coffer.conf"
include "$STACK_TOP/apache-conf/lighttpd/errors.conf"
EOF
		# STACK_MAX_BODY: the server's body cap (bytes), replacing
		# coffer.conf's backstop (in KiB there).
		if [ -n "${STACK_MAX_BODY:-}" ]; then
			echo "server.max-request-size := $(((STACK_MAX_BODY + 1023) / 1024))"
		fi
		if [ -n "${STACK_TLS_PORT:-}" ]; then
			cat <<EOF
var.coffer_tls_cert      = "$state/tls/server.pem"
var.coffer_tls_key       = "$state/tls/server.key"
var.coffer_tls_client_ca = "$state/tls/ca.pem"
server.modules += ( "mod_openssl" )
EOF
			for a in 127.0.0.1 ${STACK_BIND_EXTRA:-}; do
				printf '$SERVER["socket"] == "%s:%s" {\n\tinclude "%s"\n}\n' \
				    "$a" "$STACK_TLS_PORT" \
				    "$STACK_TOP/apache-conf/lighttpd/tls.conf"
			done
		fi
		for a in ${STACK_BIND_EXTRA:-}; do
			printf '$SERVER["socket"] == "%s:%s" { }\n' "$a" "$port"
		done
		if [ -n "${STACK_AUTH_PORT:-}" ]; then
			cat <<EOF
\$SERVER["socket"] == "127.0.0.1:$STACK_AUTH_PORT" {
	auth.backend = "htpasswd"
	auth.backend.htpasswd.userfile = "$STACK_HTPASSWD"
	auth.require = ( "" => ( "method" => "basic", "realm" => "coffer",
	                         "require" => "valid-user" ) )
}
EOF
		fi
	} >"$state/lighttpd.conf"
}

# The user Apache's workers run as (Apache will not serve as root), and
# with mod_fcgid the programs too.
STACK_APACHE_USER=${STACK_APACHE_USER:-www-data}
# apache-proxy's programs' user (coffer-spawn's COFFER_USER, an install's
# `coffer`): empty (the default) keeps them root, like lighttpd's in
# development; STACK_APACHE_USER, who owns the state folder, runs them as
# a user of their own, from a copy of the programs.
STACK_PROGRAM_USER=${STACK_PROGRAM_USER:-}
# Where the web server keeps a request body it buffers: a memory file
# system, since bodies hold secrets (lighttpd's is in its coffer.conf).
STACK_BODY_TMPDIR=${STACK_BODY_TMPDIR:-/dev/shm}

stack_write_apache() {
	local state=$1 build=$2 port=$3 a bin=$build/cgi-bin include v
	local vhost
	if [ "$STACK_SERVER" = apache-fcgid ]; then
		# The programs run as Apache's user, who may not reach the
		# build folder: they run from a copy in the state folder.
		bin=$state/cgi-bin
		include=coffer-fcgid.conf
	else
		include=coffer-proxy.conf
	fi
	echo "$bin" >"$state/bin-dir"
	{
		cat <<EOF
# Written by tools/stack.sh; rewritten at every start.
Define COFFER_STATE  "$state"
Define COFFER_PORT   $port
Define COFFER_BIN    "$bin"
Define COFFER_CONFIG "$state/coffer.conf"
Define COFFER_RUN    "$state/run"
Define COFFER_ERRORS "$state/errors"
Define COFFER_USER   $STACK_APACHE_USER
EOF
		# STACK_MAX_BODY: the server's body cap (bytes), instead of
		# the 4 MiB backstop of coffer-proxy.conf and coffer-fcgid.conf.
		[ -z "${STACK_MAX_BODY:-}" ] ||
		    echo "Define COFFER_MAX_BODY $STACK_MAX_BODY"
		cat <<EOF
Include "$STACK_TOP/apache-conf/apache/standalone.conf"
EOF
		for a in ${STACK_BIND_EXTRA:-}; do
			echo "Listen $a:$port"
		done
		echo "Include \"$STACK_TOP/apache-conf/apache/$include\""
		if [ "${STACK_ACCESS_LOG:-0}" = 1 ]; then
			echo "CustomLog \"$state/access.log\"" \
			    "\"%h %l %u %t \\\"%r\\\" %>s %b\"" \
			    "env=!coffer_key_in_url"
		fi
		if [ "$STACK_SERVER" = apache-fcgid ]; then
			echo "FcgidIPCDir \"$state/apache-run/fcgid\""
			echo "FcgidProcessTableFile \"$state/apache-run/fcgid/shm\""
			for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
				[ -n "${!v:-}" ] &&
				    echo "FcgidInitialEnv $v \"${!v}\""
			done
		fi
		if [ -n "${STACK_TLS_PORT:-}" ]; then
			vhost=
			for a in 127.0.0.1 ${STACK_BIND_EXTRA:-}; do
				vhost+=" $a:$STACK_TLS_PORT"
				[ "$a" = 127.0.0.1 ] ||
				    echo "Listen $a:$STACK_TLS_PORT"
			done
			cat <<EOF
Define COFFER_TLS_LISTEN 127.0.0.1:$STACK_TLS_PORT
Define COFFER_TLS_VHOST "${vhost# }"
Define COFFER_TLS_CERT "$state/tls/server.pem"
Define COFFER_TLS_KEY "$state/tls/server.key"
Define COFFER_TLS_CLIENT_CA "$state/tls/ca.pem"
Include "$STACK_TOP/apache-conf/apache/tls.conf"
EOF
			[ "${STACK_OCSP_STAPLING:-0}" != 1 ] || cat <<EOF
SSLStaplingCache "shmcb:$state/apache-run/ocsp_stapling(128000)"
SSLUseStapling on
SSLStaplingForceURL http://127.0.0.1:$port/ca/ocsp
EOF
		fi
		if [ -n "${STACK_AUTH_PORT:-}" ]; then
			cat <<EOF
Listen 127.0.0.1:$STACK_AUTH_PORT
<VirtualHost 127.0.0.1:$STACK_AUTH_PORT>
	RewriteEngine on
	RewriteOptions Inherit
	AllowEncodedSlashes NoDecode
	<Location />
		AuthType Basic
		AuthName coffer
		AuthBasicProvider file
		AuthUserFile "$STACK_HTPASSWD"
		Require valid-user
	</Location>
</VirtualHost>
EOF
		fi
	} >"$state/apache.conf"
}

# TLS certificates come from the stack's own Coffer CA (cgi-bin/ca), the
# way the README tells an operator to get them: the stack first runs plain
# on loopback, is initialized and unsealed, and its CA issues the server
# certificate (CFSSL's newcert); then the server restarts with TLS.
# ECDSA P-256, CFSSL's default profile (server and client auth).

# stack_newcert STATE NAME CN [HOST...]: STATE/tls/NAME.pem and NAME.key,
# a certificate for CN (and HOSTs as SANs) and its new key, issued by the
# CA of STATE's running stack with the root token of STATE/init.json.
stack_newcert() {
	local state=$1 name=$2 cn=$3 addr token hosts out
	shift 3
	addr=http://127.0.0.1:$(cat "$state/port") || return 1
	token=$(jq -er .root_token "$state/init.json" 2>/dev/null) || {
		stack_say "stack: no root token in $state/init.json"
		return 1
	}
	hosts=$(jq -cn '$ARGS.positional' --args "$@") || return 1
	out=$state/tls/$name.json
	(umask 077 && mkdir -p "$state/tls" && : >"$out") || return 1
	# The token goes to curl in a header file, never on a command line
	# (and not through a pipe: see stack_unseal).
	stack_call POST "$addr/api/v1/cfssl/newcert" "$out" -H @- \
	    -H 'Content-Type: application/json' --data-binary \
	    "$(jq -cn --arg cn "$cn" --argjson hosts "$hosts" \
		'{request: {CN: $cn, hosts: $hosts,
		  key: {algo: "ecdsa", size: 256}}}')" \
	    < <(printf 'Authorization: token=%s\n' "$token")
	if [ "$STACK_STATUS" != 200 ] ||
	    ! jq -er .result.certificate "$out" >"$state/tls/$name.pem" ||
	    ! (umask 077 && jq -er .result.private_key "$out" \
		>"$state/tls/$name.key"); then
		stack_say "stack: newcert $name answered $STACK_STATUS:" \
		    "$(jq -c .errors "$out" 2>/dev/null | head -c 300)"
		rm -f "$out"
		return 1
	fi
	# The answer holds the private key: keep only the two files.
	rm -f "$out"
}

# stack_pki STATE [IP...]: STATE/tls/ca.pem (the CA certificate, public:
# GET /ca/dcos-ca.crt) and server.pem/server.key for 127.0.0.1, localhost
# and each IP, from STATE's running, unsealed stack.
stack_pki() {
	local state=$1 addr
	shift
	addr=http://127.0.0.1:$(cat "$state/port") || return 1
	(umask 077 && mkdir -p "$state/tls") || return 1
	stack_call GET "$addr/ca/dcos-ca.crt" "$state/tls/ca.pem"
	if [ "$STACK_STATUS" != 200 ]; then
		stack_say "stack: /ca/dcos-ca.crt answered $STACK_STATUS"
		return 1
	fi
	stack_newcert "$state" server 127.0.0.1 127.0.0.1 localhost "$@"
}

# stack_client_cert TLSDIR NAME: TLSDIR/NAME.pem and NAME.key, a client
# certificate with CN=NAME from the CA of the stack whose state folder holds
# TLSDIR (STATE/tls).
stack_client_cert() {
	stack_newcert "${1%/tls}" "$2" "$2"
}

# stack_server_files STATE: STACK_CONF and STACK_PIDFILE of STATE's server.
stack_server_files() {
	local kind
	kind=$(cat "$1/server" 2>/dev/null) || kind=lighttpd
	case "$kind" in
	apache-*)
		STACK_CONF=$1/apache.conf
		STACK_PIDFILE=$1/apache.pid
		;;
	*)
		STACK_CONF=$1/lighttpd.conf
		STACK_PIDFILE=$1/lighttpd.pid
		;;
	esac
	STACK_KIND=$kind
}

# stack_pid STATE: STACK_PID = pid of the running web server of STATE.
stack_pid() {
	local pid
	stack_server_files "$1"
	pid=$(cat "$STACK_PIDFILE" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	# A pid file can outlive its process, and the pid be reused.
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" |
	    grep -qF -- "$STACK_CONF" || return 1
	STACK_PID=$pid
}

# stack_spawn_pids STATE: the pids coffer-spawn recorded (multiwatch, or the
# programs themselves without it), one a line.  Never fails: callers may
# run under set -e.
stack_spawn_pids() {
	awk '/^[0-9]+$/' "$1"/run/*.pid 2>/dev/null || true
}

# stack_socket_pids STATE BIN: the pids of the processes running a program
# of BIN that hold a Unix socket bound in STATE (the FastCGI sockets of
# run/, mod_fcgid's of apache-run/), one a line.  Whoever their parent is
# now: a server killed with SIGKILL leaves its programs to init, still
# listening there.
stack_socket_pids() {
	local inodes dirs
	inodes=$(awk -v dir="$1/" 'index($8, dir) == 1 { print $7 }' \
	    /proc/net/unix 2>/dev/null | paste -sd' ' -)
	[ -n "$inodes" ] || return 0
	dirs=$(ps -eo pid=,args= | awk -v bin="$2/" \
	    'index($2, bin) == 1 { print "/proc/" $1 "/fd" }')
	[ -n "$dirs" ] || return 0
	# shellcheck disable=SC2086
	find $dirs -maxdepth 1 -lname 'socket:*' -printf '%h %l\n' \
	    2>/dev/null | awk -v inodes="$inodes" '
		BEGIN { n = split(inodes, i, " "); for (k = 1; k <= n; k++) want[i[k]] = 1 }
		{
			split($1, d, "/"); ino = $2; gsub(/[^0-9]/, "", ino)
			if (ino in want) print d[3]
		}' | sort -un
}

# stack_program_pids STATE: the pids of the FastCGI programs of STATE, one
# a line: those the server spawned (its descendants running a program of
# the state's bin folder), those spawn-fcgi started (run/*.pid), and, when
# no server runs, the orphans of the state's bin folder still holding one
# of its sockets (a running server has none: stack_start refuses them).
stack_program_pids() {
	local state=$1 bin
	bin=$(cat "$state/bin-dir" 2>/dev/null) || bin=
	local roots holders=
	stack_pid "$state" || STACK_PID=
	# The roots: the server, and the supervisors coffer-spawn started
	# (multiwatch, or the programs themselves without it).
	roots="$STACK_PID $(stack_spawn_pids "$state")"
	if [ -z "$STACK_PID" ] && [ -n "$bin" ]; then
		holders=$(stack_socket_pids "$state" "$bin" | paste -sd' ' -)
	fi
	[ -n "${roots// /}${holders}" ] || return 0
	ps -eo pid=,ppid=,args= | awk -v roots="$roots" -v bin="$bin" \
	    -v holders="$holders" '
		BEGIN {
			n = split(roots, r, " "); for (i = 1; i <= n; i++) root[r[i]] = 1
			n = split(holders, h, " "); for (i = 1; i <= n; i++) holder[h[i]] = 1
		}
		{ parent[$1] = $2; args[$1] = $3 }
		END {
			for (p in parent) {
				if (bin != "" && index(args[p], bin "/") != 1)
					continue
				if (bin != "" && p in holder) {
					print p
					continue
				}
				q = p
				while (q in parent && !(q in root) && q > 1)
					q = parent[q]
				if (q in root)
					print p
			}
		}' | sort -n
}

# stack_server_procs STATE: the pids of every process of STATE's web
# server (with Apache, its children and mod_fcgid's process manager too),
# found by the configuration file on their command line: after a SIGKILL
# of the server's first process, no pid file leads to the others.
stack_server_procs() {
	stack_server_files "$1"
	ps -eo pid=,args= | awk -v conf="$STACK_CONF" '
		$2 ~ /(^|\/)(lighttpd|apache2)$/ && index($0, " " conf) { print $1 }'
}

# stack_workers STATE: the FastCGI processes, one "pid rss_kib program" line
# each, on stdout.
stack_workers() {
	local pids
	pids=$(stack_program_pids "$1" | paste -sd, -)
	[ -n "$pids" ] || return 0
	ps -o pid=,rss=,args= -p "$pids" | awk '{
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
	local state=$1 port check pid i
	port=$(cat "$state/port") || return 1
	# Sockets left by a killed server make lighttpd's first connect fail.
	rm -f "$state"/run/*.sock-*
	# lighttpd opens its logs after dropping privileges: the state
	# folder is its user's.
	if [ -n "${STACK_LIGHTTPD_USER:-}" ]; then
		: >>"$state/error.log"
		chown -R "$STACK_LIGHTTPD_USER:" "$state" || return 1
	fi
	check=$(lighttpd -tt -f "$state/lighttpd.conf" 2>&1) ||
	    { stack_say "$check"; return 1; }
	# In the foreground (-D), in a session of its own: a daemon's stderr
	# is /dev/null, and the programs it spawns inherit it, so their
	# warnings would be lost; this way they, and lighttpd's errors before
	# its error log is open (a port already bound), go to the error log.
	# Started from a subshell, so it is no job of the caller's (whose
	# `wait` would wait for it).
	pid=$(setsid lighttpd -D -f "$state/lighttpd.conf" \
	    </dev/null >/dev/null 2>>"$state/error.log" & echo $!)
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		stack_pid "$state" && break
		sleep 0.1
	done
	stack_pid "$state" || return 1
	stack_wait_http "http://127.0.0.1:$port/"
}

# The programs a stack may run; those not built are skipped.
STACK_PROGRAMS="secrets hello ca auth bulk"

stack_apache_up() {
	local state=$1 build port check bin p
	port=$(cat "$state/port") || return 1
	bin=$(cat "$state/bin-dir") || return 1
	mkdir -p "$state/apache-run/fcgid" || return 1
	if [ "$STACK_KIND" = apache-fcgid ] ||
	    [ -n "$STACK_PROGRAM_USER" ]; then
		# That user may not reach the build folder.
		build=$(cat "$state/build-dir") || return 1
		rm -rf "$state/cgi-bin" && mkdir -p "$state/cgi-bin" || return 1
		for p in $STACK_PROGRAMS; do
			[ -x "$build/cgi-bin/$p" ] || continue
			cp "$build/cgi-bin/$p" "$state/cgi-bin/" || return 1
		done
	fi
	# Apache's workers (and mod_fcgid's programs) are not root: they get
	# the state folder.  Root still reads and writes all of it.
	chown -R "$STACK_APACHE_USER:" "$state" || return 1
	chmod 0700 "$state" || return 1
	if [ "$STACK_KIND" = apache-proxy ]; then
		# The programs stay root unless STACK_PROGRAM_USER says whom;
		# their sockets belong to Apache's group.
		[ -n "$STACK_PROGRAM_USER" ] && bin=$state/cgi-bin
		COFFER_BIN=$bin COFFER_RUN=$state/run \
		    COFFER_CONFIG=$state/coffer.conf \
		    COFFER_USER=$STACK_PROGRAM_USER \
		    COFFER_SOCKET_GROUP=$(id -gn "$STACK_APACHE_USER") \
		    "$STACK_TOP/apache-conf/apache/coffer-spawn" start \
		    $STACK_PROGRAMS 2>>"$state/error.log" >/dev/null ||
		    { stack_say "stack: coffer-spawn failed"; return 1; }
	fi
	check=$(apache2 -t -f "$state/apache.conf" 2>&1) ||
	    { stack_say "$check"; return 1; }
	# Request bodies that mod_proxy_fcgi spools go to Apache's TMPDIR:
	# memory, never disk (apache-conf/apache/coffer-proxy.conf).
	STACK_START_ERR=$(TMPDIR=$STACK_BODY_TMPDIR \
	    apache2 -f "$state/apache.conf" -k start 2>&1) ||
	    return 1
	local i
	for ((i = 0; i < 50; i++)); do
		stack_pid "$state" && break
		sleep 0.1
	done
	stack_pid "$state" || return 1
	stack_wait_http "http://127.0.0.1:$port/"
}

stack_server_up() {
	stack_server_files "$1"
	case "$STACK_KIND" in
	apache-*) stack_apache_up "$1" ;;
	*) stack_lighttpd_up "$1" ;;
	esac
}

# stack_refuse_running STATE: fails, saying so, if a server or a program
# of STATE still runs.  A second server on the same state folder would
# share its sockets with the first, and each remove the other's.
stack_refuse_running() {
	local state=$1 pids
	if stack_pid "$state"; then
		stack_say "stack: $state is in use: its $STACK_KIND is running" \
		    "(pid $STACK_PID); stop it first (stack_stop)"
		return 1
	fi
	pids=$(stack_program_pids "$state" | paste -sd' ' -)
	[ -z "$pids" ] && return 0
	stack_say "stack: $state is in use: its programs are running" \
	    "(pids $pids); stop them first (stack_stop)"
	return 1
}

# stack_start STATE BUILD [FIRST_PORT] [KEY=VALUE...]: write the configs and
# start the web server (STACK_SERVER) with the programs of BUILD (absolute).
# Sets STACK_PORT, STACK_ADDR and STACK_PID, and with STACK_TLS=1
# STACK_TLS_PORT, STACK_TLS_ADDR and STACK_CA (the CA file for curl); with
# STACK_HTPASSWD set, STACK_AUTH_PORT and STACK_AUTH_ADDR.  Retries on
# other ports when a chosen one was taken between the check and the bind.
# With STACK_TLS=1 the store comes back initialized (1 share) and unsealed,
# since its own CA made the certificates: STACK_TOKEN, STACK_SHARES and
# STATE/init.json as stack_init_unseal leaves them (stack_tls_up).
# stack_pg_up STATE: with STACK_BACKEND=postgresql, a private cluster for
# the stack (once: STATE/pg-dir), STACK_PG_CONNINFO its connection string.
# The cluster goes to STACK_PG_DIR when set (tools/dev: .coffer-dev/pg),
# else to a new folder in TMPDIR.
stack_pg_up() {
	local state=$1 dir
	STACK_PG_CONNINFO=
	[ "${STACK_BACKEND:-gdbm}" = postgresql ] || return 0
	if [ -f "$state/pg-dir" ]; then
		dir=$(cat "$state/pg-dir")
	elif [ -n "${STACK_PG_DIR:-}" ]; then
		dir=$STACK_PG_DIR && echo "$dir" >"$state/pg-dir" || return 1
	else
		dir=$(mktemp -d "${TMPDIR:-/tmp}/coffer-pg.XXXXXX") &&
		    echo "$dir" >"$state/pg-dir" || return 1
	fi
	STACK_PG_CONNINFO=$(bash "$STACK_TOP/tests/pg.sh" start "$dir") || {
		stack_say "stack: PostgreSQL did not start"
		return 1
	}
}

# stack_owner STATE: the user the programs run as, who owns the store's
# files (a gdbm store's coffer.db; with PostgreSQL, the state folder, where
# the throttles' files are: state_dir).
stack_owner() {
	if [ -e "$1/coffer.db" ]; then
		stat -c %U "$1/coffer.db"
	else
		stat -c %U "$1"
	fi
}

# stack_pg_down STATE: stop and remove the stack's cluster, if it has one.
stack_pg_down() {
	local state=$1 dir
	[ -f "$state/pg-dir" ] || return 0
	dir=$(cat "$state/pg-dir")
	bash "$STACK_TOP/tests/pg.sh" discard "$dir" && rm -f "$state/pg-dir"
}

stack_start() {
	local state=$1 build=$2 first=${3:-} try mark
	shift 3 || shift $#
	case "$STACK_SERVER" in
	lighttpd | apache-proxy | apache-fcgid) ;;
	*)
		stack_say "stack: unknown server '$STACK_SERVER'" \
		    "(lighttpd, apache-proxy, apache-fcgid)"
		return 1
		;;
	esac
	stack_refuse_running "$state" || return 1
	(umask 077 && mkdir -p "$state") && echo "$build" >"$state/build-dir" ||
	    return 1
	stack_pg_up "$state" || return 1
	[ -z "${STACK_PG_CONNINFO:-}" ] ||
	    set -- "store=postgresql:$STACK_PG_CONNINFO" "$@"
	for ((try = 0; try < 5; try++)); do
		STACK_TLS_PORT=
		STACK_AUTH_PORT=
		if [ -n "${STACK_HTPASSWD:-}" ]; then
			stack_pick_port || return 1
			STACK_AUTH_PORT=$STACK_PORT
		fi
		stack_pick_port "$first" || return 1
		stack_write_config "$state" "$build" "$STACK_PORT" "$@" ||
		    return 1
		: >>"$state/error.log"
		mark=$(wc -l <"$state/error.log")
		STACK_START_ERR=
		if stack_server_up "$state"; then
			STACK_ADDR=http://127.0.0.1:$STACK_PORT
			STACK_TLS_ADDR=
			STACK_AUTH_ADDR=${STACK_AUTH_PORT:+http://127.0.0.1:$STACK_AUTH_PORT}
			STACK_CA=$state/tls/ca.pem
			[ "${STACK_TLS:-0}" = 1 ] || return 0
			stack_tls_up "$state" "$build" "$@"
			return
		fi
		stack_stop "$state" 2>/dev/null
		if ! { echo "$STACK_START_ERR"; tail -n +"$((mark + 1))" \
		    "$state/error.log"; } | grep -q 'Address already in use'; then
			stack_say "stack: $STACK_SERVER did not start:"
			{ echo "$STACK_START_ERR"; tail -n +"$((mark + 1))" \
			    "$state/error.log"; } | grep . | tail -n 20 >&2
			return 1
		fi
	done
	stack_say "stack: no port could be bound after 5 tries"
	return 1
}

# stack_tls_up STATE BUILD [KEY=VALUE...]: the running plain stack of STATE
# is initialized and unsealed, its CA issues the server certificate
# (stack_pki), and the server restarts with a TLS port (STACK_TLS_PORT,
# STACK_TLS_ADDR) besides its plain one.
stack_tls_up() {
	local state=$1 build=$2 port=$STACK_PORT try
	shift 2
	stack_init_unseal "$STACK_ADDR" 1 1 "$state/init.json" || return 1
	# shellcheck disable=SC2086
	stack_pki "$state" ${STACK_BIND_EXTRA:-} || return 1
	for ((try = 0; try < 5; try++)); do
		stack_pick_port || return 1
		STACK_TLS_PORT=$STACK_PORT
		STACK_PORT=$port
		stack_write_config "$state" "$build" "$port" "$@" || return 1
		if stack_restart "$state"; then
			STACK_TLS_ADDR=https://127.0.0.1:$STACK_TLS_PORT
			return 0
		fi
		grep -q 'Address already in use' <<<"$STACK_START_ERR" ||
		    tail -n 5 "$state/error.log" |
		    grep -q 'Address already in use' || return 1
	done
	stack_say "stack: no TLS port could be bound after 5 tries"
	return 1
}

# stack_restart STATE: restart the web server of STATE on the same port and
# configuration (the programs start afresh; the store and keyring stay).
stack_restart() {
	stack_stop "$1" || return 1
	STACK_START_ERR=
	stack_server_up "$1" && return 0
	stack_say "stack: $STACK_KIND did not restart: $STACK_START_ERR"
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

# stack_stop STATE: stop the web server of STATE and the programs it (or
# coffer-spawn) started.  Leaves the state folder alone.
# stack_forget_key STATE: seal the store as the programs' user, so its key
# leaves that user's kernel keyring.  The keyring outlives the processes,
# and its quota (200 keys for a uid other than root) would otherwise fill
# up with the keys of throw-away test stores: then add_key fails with
# EDQUOT and no new store can be unsealed.
stack_forget_key() {
	local state=$1 build owner ctl
	build=$(cat "$state/build-dir" 2>/dev/null) || return 0
	[ -x "$build/tools/cofferctl" ] && [ -f "$state/coffer.conf" ] ||
	    return 0
	[ -f "$state/coffer.db" ] || [ -f "$state/pg-dir" ] || return 0
	owner=$(stack_owner "$state")
	if [ "$owner" = "$(id -un)" ]; then
		"$build/tools/cofferctl" -c "$state/coffer.conf" seal
	else
		# That user may not reach the build folder: run a copy.
		ctl=$state/cofferctl.forget
		install -m 0755 "$build/tools/cofferctl" "$ctl" &&
		    runuser -u "$owner" -- "$ctl" -c "$state/coffer.conf" seal
		rm -f "$ctl"
	fi >/dev/null 2>&1
	return 0
}

stack_stop() {
	local state=$1 workers pid p
	# The programs, and coffer-spawn's supervisors (multiwatch).
	workers="$(stack_program_pids "$state") $(stack_spawn_pids "$state")"
	if stack_pid "$state"; then
		# lighttpd and Apache (mod_fcgid's process manager) send SIGTERM
		# to the programs they spawned as they go down.
		kill -TERM "$STACK_PID" 2>/dev/null
	else
		# No server to pass it on (killed outright): its processes
		# and programs, orphans now, get SIGTERM from here.  The
		# supervisors first: multiwatch restarts a program that dies
		# before it has heard SIGTERM itself, and the restarted one
		# is no pid of this list.
		STACK_PID=
		stack_term_wait "$(stack_spawn_pids "$state")"
		workers+=" $(stack_server_procs "$state")"
		# shellcheck disable=SC2086
		[ -z "${workers// /}" ] || kill -TERM $workers 2>/dev/null
	fi
	if [ -d "$state/run" ] && ls "$state"/run/*.pid >/dev/null 2>&1; then
		for p in $STACK_PROGRAMS; do
			COFFER_RUN=$state/run \
			    "$STACK_TOP/apache-conf/apache/coffer-spawn" stop "$p"
		done
	fi
	# shellcheck disable=SC2086
	stack_wait_gone 50 $STACK_PID $workers
	for pid in $STACK_LEFT; do
		stack_say "stack: process $pid ignored SIGTERM for 5 s; killing it"
		kill -KILL "$pid" 2>/dev/null
	done
	# shellcheck disable=SC2086
	stack_wait_gone 20 $STACK_LEFT
	# Whatever a supervisor started while it went down.
	for _ in 1 2 3; do
		workers=$(stack_program_pids "$state" | paste -sd' ' -)
		[ -n "$workers" ] || break
		stack_term_wait "$workers"
	done
	rm -f "$STACK_PIDFILE"
}

# stack_term_wait PIDS: SIGTERM to PIDS (space-separated), SIGKILL to those
# still there 5 s later; returns once they are gone.
stack_term_wait() {
	local pid
	[ -n "${1// /}" ] || return 0
	# shellcheck disable=SC2086
	kill -TERM $1 2>/dev/null
	# shellcheck disable=SC2086
	stack_wait_gone 50 $1
	for pid in $STACK_LEFT; do
		kill -KILL "$pid" 2>/dev/null
	done
	# shellcheck disable=SC2086
	stack_wait_gone 20 $STACK_LEFT
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
		# The share goes to curl on stdin, never on a command line
		# nor on disk; not through a pipe, whose last command would
		# set STACK_STATUS in a subshell.
		stack_call PUT "$addr/secrets/v1/unseal/default" "$tmp" \
		    -H 'Content-Type: application/json' --data-binary @- \
		    < <(printf '{"key":"%s"}' "$share")
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

# stack_fill STATE BUILD STORE FOLDERS EACH: FOLDERS * EACH secrets
# f<i>/s<j> straight into the store STORE of STATE (tests/fillstore: a
# thousand to a transaction), as the store's owner, from a copy in the state
# folder (that user may not reach the build folder).  Unlocks the store
# with the first of STACK_SHARES.
stack_fill() {
	local state=$1 build=$2 owner rc=0
	owner=$(stack_owner "$state") || return 1
	# Always through make: a fillstore older than the library would
	# write a journal the programs cannot read.
	make -C "$build" tests/fillstore >/dev/null || return 1
	(umask 077 && echo "${STACK_SHARES%% *}" >"$state/share") || return 1
	install -m 0755 "$build/tests/fillstore" "$state/fillstore" &&
	    chown "$owner" "$state/share" &&
	    runuser -u "$owner" -- "$state/fillstore" "$state/coffer.conf" \
		"$state/share" fill "$3" f /s "$4" "$5" value >/dev/null || rc=1
	rm -f "$state/share"
	return $rc
}
