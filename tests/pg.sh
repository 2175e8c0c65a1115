#!/usr/bin/env bash
# tests/pg.sh: a private PostgreSQL cluster for tests, in a folder of its
# own, reached only over a Unix socket in that folder (no TCP port).
#
#   tests/pg.sh start DIR   initdb into DIR/data (once), start the server,
#                           make the database "coffer"; prints the libpq
#                           connection string on stdout
#   tests/pg.sh stop DIR    stop it (fast shutdown); DIR stays
#   tests/pg.sh discard DIR stop it at once (immediate shutdown: no
#                           checkpoint, which costs seconds) and remove DIR
#   tests/pg.sh conninfo DIR
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# postgres user (Debian's postgresql-15 makes it) and DIR is given to it.
# The binaries come from `pg_config --bindir`, or else the newest
# /usr/lib/postgresql/*/bin.  Trust authentication, for tests only: DIR
# (mode 0711) may be passed through but not listed, so that a web
# server's user (www-data) reaches the socket; the data is in DIR/data
# (0700).
#
# For hosts that reach the cluster over TCP (tests/suites/hosts_pg_test.sh),
# from the environment of start (and of conninfo, for PG_PORT):
#   PG_PORT=N        the server's port (default 5432; also the socket's name)
#   PG_LISTEN=A,B    listen on these addresses too (default: no TCP)
#   PG_TRUST=CIDR    trust connections from there (pg_hba.conf; tests only)
#   PG_CONF="K=V.."  more server settings (-c K=V each), e.g. for a
#                    primary with a synchronous standby
set -u

PG_PORT=${PG_PORT:-5432}

die() {
	printf 'tests/pg.sh: %s\n' "$*" >&2
	exit 1
}

pg_bindir() {
	local d
	d=$(pg_config --bindir 2>/dev/null)
	if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then
		printf '%s\n' "$d"
		return
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[ -x "$d/pg_ctl" ] && printf '%s\n' "$d" && return
	done
	die "no PostgreSQL server (Debian: apt-get install postgresql-15)"
}

# as_owner CMD...: CMD as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

conninfo() {
	printf 'host=%s port=%s user=postgres dbname=coffer\n' "$1" "$PG_PORT"
}

# trust_net DIR: PG_TRUST's line in DIR/data/pg_hba.conf, once.
trust_net() {
	local hba=$1/data/pg_hba.conf
	[ -n "${PG_TRUST:-}" ] || return 0
	grep -q "^host all all $PG_TRUST trust" "$hba" && return 0
	echo "host all all $PG_TRUST trust" | as_owner tee -a "$hba" >/dev/null
}

# initdb_copy BIN DIR: DIR/data as a fresh initdb would make it, copied from
# a pristine one made once per PostgreSQL version and kept in TMPDIR: the
# suites start a cluster for every stack, and initdb costs a second or
# more where a copy costs a tenth.  Two runs may make the template at once;
# the first rename wins and the other drops its own.
initdb_copy() {
	local bin=$1 dir=$2 t tmp
	t=${TMPDIR:-/tmp}/coffer-pg-template.$(id -u).$(basename "$(dirname "$bin")")
	if [ ! -f "$t/PG_VERSION" ]; then
		tmp=$(mktemp -d "$t.XXXXXX") || return 1
		chmod 0755 "$tmp"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$tmp"
		as_owner "$bin/initdb" -D "$tmp/data" -U postgres -A trust \
		    -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
			rm -rf "$tmp"
			return 1
		}
		mv -T "$tmp/data" "$t" 2>/dev/null || true
		rm -rf "$tmp"
		[ -f "$t/PG_VERSION" ] || return 1
	fi
	as_owner cp -a "$t" "$dir/data"
}

start() {
	local dir=$1 bin
	bin=$(pg_bindir)
	mkdir -p "$dir" || die "cannot make $dir"
	dir=$(cd "$dir" && pwd)
	# The socket path must fit in sun_path (107 bytes).
	[ ${#dir} -le 90 ] || die "$dir: too long a path for a socket"
	chmod 0711 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		initdb_copy "$bin" "$dir" ||
		    die "initdb failed: see $dir/initdb.log"
	fi
	trust_net "$dir" || die "cannot write pg_hba.conf"
	local kv opts="-k $dir -p $PG_PORT -c fsync=on"
	opts+=" -c listen_addresses=${PG_LISTEN:-}"
	for kv in ${PG_CONF:-}; do
		opts+=" -c $kv"
	done
	# A stack started again on its own state folder finds its cluster
	# still running (stack_stop leaves the store alone).
	as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 ||
	    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
	    -t 60 -o "$opts" start \
	    >/dev/null || die "the server did not start: see $dir/server.log"
	# A standby (recovery) takes the primary's databases as they are.
	[ -f "$dir/data/standby.signal" ] || {
		as_owner "$bin/psql" -h "$dir" -p "$PG_PORT" -U postgres \
		    -d postgres -Atq \
		    -c "SELECT 1 FROM pg_database WHERE datname = 'coffer'" |
		    grep -q 1 ||
		    as_owner "$bin/createdb" -h "$dir" -p "$PG_PORT" \
			-U postgres coffer ||
		    die "createdb failed"
	}
	conninfo "$dir"
}

stop() {
	local dir=$1 bin
	bin=$(pg_bindir)
	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop \
	    >/dev/null || die "the server did not stop"
}

# discard DIR: the cluster is thrown away, so nothing needs flushing.
discard() {
	local dir=$1 bin
	bin=$(pg_bindir)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 \
		    stop >/dev/null || die "the server did not stop"
	fi
	rm -rf "$dir"
}

[ $# -eq 2 ] || die "usage: tests/pg.sh start|stop|discard|conninfo DIR"
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
discard) discard "$2" ;;
conninfo) conninfo "$(cd "$2" && pwd)" ;;
*) die "usage: tests/pg.sh start|stop|discard|conninfo DIR" ;;
esac
