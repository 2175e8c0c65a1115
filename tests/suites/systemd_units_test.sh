#!/usr/bin/env bash
# The shipped systemd units (apache-conf/apache/coffer@.socket,
# coffer@.service, coffer.tmpfiles) for Apache's mod_proxy_fcgi, tested as
# far as possible without systemd as PID 1: `systemd-analyze verify` on
# the installed units, `systemd-tmpfiles --create` on the tmpfiles entry,
# and each program started from the units exactly as written
# (tests/socket_activate.py: the socket as [Socket] says, ExecStart as
# User/Group with the listening socket on fd 0, the unit's environment and
# sandbox), then requests through Apache (standalone.conf +
# coffer-proxy.conf) to those sockets.  On a private copy of the machine
# (tests/fresh.sh), installed as the README says: programs in
# /usr/libexec/coffer, the store in /var/lib/coffer, user "coffer".
# Apache is the server here whatever COFFER_SERVER says: it runs once.
. "$(dirname "$0")/../fresh.sh"
fresh_reexec "$@"
. "$(dirname "$0")/../lib.sh"

UNITS=/etc/systemd/system
PROGRAMS="secrets ca auth bulk"
S=/secrets/v1/secret/default

oneTimeSetUp() {
	J=$COFFER_FRESH/tmp
	make -s -C "$COFFER_BUILD" install prefix=/usr >"$J/install.log" 2>&1 ||
	    { cat "$J/install.log"; return 1; }
	adduser --system --group --home /var/lib/coffer coffer >/dev/null || return 1
	install -d -m 0700 -o coffer -g coffer /var/lib/coffer /var/log/coffer
	install -d -m 0755 /etc/coffer
	printf '%s\n' 'store = /var/lib/coffer/coffer.db' \
	    'audit_log = /var/log/coffer/audit.log' >/etc/coffer/coffer.conf
	chown root:coffer /etc/coffer/coffer.conf
	chmod 0640 /etc/coffer/coffer.conf
	cp "$COFFER_TOP"/apache-conf/apache/coffer@.socket \
	    "$COFFER_TOP"/apache-conf/apache/coffer@.service "$UNITS/"
	install -m 0644 "$COFFER_TOP/apache-conf/apache/coffer.tmpfiles" \
	    /etc/tmpfiles.d/coffer.conf
	if [ -n "${ASAN_OPTIONS:-}" ]; then
		# A sanitizer build reports to the test logs: a drop-in, as an
		# operator would add one.
		mkdir -p "$UNITS/coffer@.service.d"
		printf '[Service]\nEnvironment="ASAN_OPTIONS=%s" "UBSAN_OPTIONS=%s" "LSAN_OPTIONS=%s"\nReadWritePaths=%s\n' \
		    "$ASAN_OPTIONS" "$UBSAN_OPTIONS" "${LSAN_OPTIONS:-}" \
		    "$(dirname "$(echo "$ASAN_OPTIONS" |
			sed -n 's/.*log_path=\([^:]*\).*/\1/p')")" \
		    >"$UNITS/coffer@.service.d/sanitizers.conf"
	fi
	systemd-tmpfiles --create /etc/tmpfiles.d/coffer.conf || return 1
	local p
	for p in $PROGRAMS; do
		/usr/bin/python3 "$COFFER_TOP/tests/socket_activate.py" "$UNITS" \
		    coffer "$p" "$J/journal.log" || return 1
	done
	apache_up || return 1
	ADDR=http://127.0.0.1:8080
}

# apache_up: Apache (www-data) with the development server's
# standalone.conf and the production include, pointed at /run/coffer.
apache_up() {
	local a=/run/coffer-apache
	install -d -o www-data -g www-data -m 0700 "$a" "$a/apache-run" "$a/www"
	cat >"$a/apache.conf" <<CONF
Define COFFER_STATE  $a
Define COFFER_PORT   8080
Define COFFER_BIN    /usr/libexec/coffer
Define COFFER_CONFIG /etc/coffer/coffer.conf
Define COFFER_RUN    /run/coffer
Define COFFER_USER   www-data
Include $COFFER_TOP/apache-conf/apache/standalone.conf
Include $COFFER_TOP/apache-conf/apache/coffer-proxy.conf
CONF
	apache2 -f "$a/apache.conf" -k start || return 1
	stack_wait_http http://127.0.0.1:8080/
}

oneTimeTearDown() {
	# The store's key leaves coffer's keyring (it outlives the namespace).
	[ -n "${COFFER_TOKEN:-}" ] &&
	    req PUT "$ADDR/secrets/v1/seal/default" \
		-H "Authorization: token=$COFFER_TOKEN"
	if [ -n "${COFFER_LOG_DIR:-}" ]; then
		cat "$J/journal.log" /run/coffer-apache/error.log \
		    >"$COFFER_LOG_DIR/$COFFER_SUITE.$COFFER_SERVER.server.log" \
		    2>/dev/null
	fi
}

# program_pids NAME: the pids running /usr/libexec/coffer/NAME.
program_pids() {
	pgrep -x -f "/usr/libexec/coffer/$1" || true
}

test_systemd_analyze_verify_accepts_the_units() {
	local out
	out=$(systemd-analyze verify --man=no "$UNITS/coffer@secrets.socket" \
	    "$UNITS/coffer@secrets.service" 2>&1)
	assertEquals "systemd-analyze verify exit status" 0 $?
	assertEquals "systemd-analyze verify says nothing" "" "$out"
}

test_tmpfiles_makes_the_socket_folder_apaches_and_coffers_only() {
	assertEquals "/run/coffer" "750 coffer www-data" \
	    "$(stat -c '%a %U %G' /run/coffer)"
}

test_each_socket_is_coffers_mode_0660_group_www_data() {
	local p
	for p in $PROGRAMS; do
		assertEquals "$p.sock" "socket 660 coffer www-data" \
		    "$(stat -c '%F %a %U %G' "/run/coffer/$p.sock")"
	done
}

test_no_program_runs_before_its_first_request() {
	assertEquals "ca processes before any request" "" "$(program_pids ca)"
}

test_init_unseal_and_a_secret_round_trip_through_apache() {
	COFFER_ADDR=$ADDR
	stack_init_unseal "$ADDR" 1 1 "$COFFER_FRESH/tmp/init.json"
	assertEquals "init and unseal" 0 $?
	COFFER_TOKEN=$STACK_TOKEN
	auth_json PUT "$S/unit" '{"value":"socket-activated"}'
	assert_status 201
	auth_req GET "$S/unit"
	assert_status 200
	assert_json_eq .value socket-activated
}

test_the_program_runs_as_coffer_with_the_units_limits() {
	local pid
	pid=$(program_pids secrets | head -n 1)
	assertNotNull "a secrets process runs" "$pid"
	[ -n "$pid" ] || return
	assertEquals "its user" coffer "$(ps -o user= -p "$pid")"
	assertEquals "NoNewPrivileges" 1 \
	    "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status")"
	assertEquals "LimitCORE" 0 \
	    "$(awk '/^Max core file size/ { print $5 }' "/proc/$pid/limits")"
	assertEquals "its stdin is the listening socket" \
	    "$(readlink "/proc/$pid/fd/3")" "$(readlink "/proc/$pid/fd/0")"
}

test_the_store_and_audit_log_are_coffers_mode_0600() {
	assertEquals "store" "600 coffer" \
	    "$(stat -c '%a %U' /var/lib/coffer/coffer.db)"
	assertEquals "audit log" "600 coffer" \
	    "$(stat -c '%a %U' /var/log/coffer/audit.log)"
}

test_the_ca_answers_through_its_socket_unit() {
	req GET "$ADDR/ca/dcos-ca.crt"
	assert_status 200
	assertContains "$BODY" "BEGIN CERTIFICATE"
}

test_a_unit_setting_the_emulator_does_not_know_fails_it() {
	# The emulation never ignores a directive silently.
	local d=$COFFER_FRESH/tmp/units
	mkdir -p "$d"
	cp "$UNITS"/coffer@.s* "$d/"
	echo 'MemoryDenyWriteExecute=yes' >>"$d/coffer@.service"
	/usr/bin/python3 "$COFFER_TOP/tests/socket_activate.py" "$d" coffer \
	    hello "$COFFER_FRESH/tmp/j2.log" 2>"$COFFER_FRESH/tmp/e2"
	assertNotEquals "exit status" 0 $?
	assertContains "$(cat "$COFFER_FRESH/tmp/e2")" "not emulated"
}

. /usr/share/shunit2/shunit2
