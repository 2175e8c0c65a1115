#!/usr/bin/env bash
# The Debian package (debian/): built from the tree with dpkg-buildpackage,
# judged by lintian, then installed with dpkg on a private copy of this
# machine (tests/fresh.sh) the way an operator would: it makes the user
# coffer, the store's and audit log's folders and a coffer.conf of its own,
# enables each program's socket unit so that it listens at boot, and after
# `a2enconf coffer` Apache serves a secret through those units (started as
# systemd would, by tests/socket_activate.py: there is no systemd as PID 1
# here).  A reinstall keeps the operator's config; a purge removes the
# package's settings and keeps the store.  The package builds its own
# programs: the suite runs once, in the plain pass.
# run-all: not-under-sanitizers
. "$(dirname "$0")/../fresh.sh"
fresh_reexec "$@"
. "$(dirname "$0")/../lib.sh"

PROGRAMS="secrets ca auth bulk"
UNITS=/lib/systemd/system
WANTS=/etc/systemd/system/sockets.target.wants
S=/secrets/v1/secret/default
ADDR=http://127.0.0.1:80

oneTimeSetUp() {
	J=$COFFER_FRESH/tmp
	SRC=$J/src
	mkdir -p "$SRC"
	# The tree as committed, plus files not yet added (not the ignored
	# builds): a build in the developer's tree is not the package's.
	(cd "$COFFER_TOP" && git ls-files -z --cached --others \
	    --exclude-standard | xargs -0 tar -cf - --) |
	    tar -xf - -C "$SRC" || return 1
	(cd "$SRC" && ./autogen.sh >"$J/autogen.log" 2>&1 &&
	    dpkg-buildpackage -b -us -uc -j2 >"$J/build.log" 2>&1)
	BUILD_RC=$?
	[ "$BUILD_RC" -eq 0 ] || tail -n 30 "$J/build.log"
	DEB=$(ls "$J"/coffer_*_*.deb 2>/dev/null | head -n 1)
}

oneTimeTearDown() {
	[ -n "${COFFER_TOKEN:-}" ] &&
	    req PUT "$ADDR/secrets/v1/seal/default" \
		-H "Authorization: token=$COFFER_TOKEN"
	if [ -n "${COFFER_LOG_DIR:-}" ]; then
		cat "$J/build.log" "$J/journal.log" \
		    /var/log/apache2/error.log \
		    >"$COFFER_LOG_DIR/$COFFER_SUITE.$COFFER_SERVER.server.log" \
		    2>/dev/null
	fi
}

test_the_package_builds_from_the_tree() {
	assertEquals "dpkg-buildpackage's exit status" 0 "$BUILD_RC"
	assertNotNull "a coffer .deb" "$DEB"
}

test_lintian_finds_no_error_or_warning() {
	local rc out
	lintian --fail-on error,warning "$J"/coffer_*.changes \
	    >"$J/lintian.log" 2>&1
	rc=$?
	out=$(grep -v 'running with root privileges' "$J/lintian.log")
	assertEquals "lintian's exit status (output: $out)" 0 "$rc"
	assertEquals "lintian's tags" "" "$out"
}

test_installing_makes_the_user_the_folders_and_a_config_of_its_own() {
	dpkg -i "$DEB" >"$J/install.log" 2>&1
	assertEquals "dpkg -i (log: $(cat "$J/install.log"))" 0 $?
	assertTrue "the user coffer" "id coffer"
	assertEquals "/var/lib/coffer" "700 coffer coffer" \
	    "$(stat -c '%a %U %G' /var/lib/coffer)"
	assertEquals "/var/log/coffer" "700 coffer coffer" \
	    "$(stat -c '%a %U %G' /var/log/coffer)"
	assertEquals "coffer.conf" "640 root coffer" \
	    "$(stat -c '%a %U %G' /etc/coffer/coffer.conf)"
	assertEquals "a CA authentication key of 32 random bytes" 1 \
	    "$(grep -c '^ca_auth_key = [0-9a-f]\{64\}$' /etc/coffer/coffer.conf)"
	assertTrue "the programs in /usr/libexec/coffer" \
	    "[ -x /usr/libexec/coffer/secrets ] && [ -x /usr/libexec/coffer/ca ]"
	assertEquals "no yardstick program in the package" "" \
	    "$(ls /usr/libexec/coffer/hello 2>/dev/null)"
	assertContains "cofferctl --version" "$(cofferctl --version 2>&1)" \
	    coffer
	assertTrue "its manual" "man -w cofferctl >/dev/null"
}

test_each_programs_socket_unit_is_enabled_to_listen_at_boot() {
	local p
	for p in $PROGRAMS; do
		assertEquals "$p's socket in sockets.target.wants" \
		    "$UNITS/coffer@.socket" \
		    "$(readlink "$WANTS/coffer@$p.socket")"
	done
	assertEquals "the yardstick's socket is not" "" \
	    "$(ls "$WANTS"/coffer@hello.socket 2>/dev/null)"
}

test_systemd_analyze_verify_accepts_the_installed_units() {
	local out
	out=$(systemd-analyze verify --man=no "$UNITS/coffer@secrets.socket" \
	    "$UNITS/coffer@secrets.service" 2>&1)
	assertEquals "systemd-analyze verify exit status" 0 $?
	assertEquals "systemd-analyze verify says nothing" "" "$out"
}

test_apache_with_a2enconf_coffer_serves_a_secret_through_the_units() {
	local p
	systemd-tmpfiles --create coffer.conf || fail "systemd-tmpfiles"
	assertEquals "/run/coffer" "750 coffer www-data" \
	    "$(stat -c '%a %U %G' /run/coffer)"
	for p in $PROGRAMS; do
		/usr/bin/python3 "$COFFER_TOP/tests/socket_activate.py" \
		    "$UNITS" coffer "$p" "$J/journal.log" ||
		    fail "socket unit of $p"
	done
	a2enmod -q proxy_fcgi rewrite >/dev/null &&
	    a2enconf -q coffer >/dev/null
	assertEquals "a2enmod, a2enconf" 0 $?
	apache2ctl start 2>>"$J/apache.log"
	stack_wait_http "$ADDR/" || fail "Apache did not answer"
	COFFER_ADDR=$ADDR
	stack_init_unseal "$ADDR" 1 1 "$J/init.json"
	assertEquals "init and unseal through Apache" 0 $?
	COFFER_TOKEN=$STACK_TOKEN
	auth_json PUT "$S/packaged" '{"value":"from-the-deb"}'
	assert_status 201
	auth_req GET "$S/packaged"
	assert_json_eq .value from-the-deb
	assertEquals "the store, coffer's, 0600" "600 coffer" \
	    "$(stat -c '%a %U' /var/lib/coffer/coffer.db)"
}

test_a_reinstall_keeps_the_operators_config() {
	local before
	echo '# the operator was here' >>/etc/coffer/coffer.conf
	before=$(md5sum </etc/coffer/coffer.conf)
	dpkg -i "$DEB" >"$J/reinstall.log" 2>&1
	assertEquals "dpkg -i again" 0 $?
	assertEquals "coffer.conf untouched" "$before" \
	    "$(md5sum </etc/coffer/coffer.conf)"
}

test_a_purge_removes_the_settings_and_keeps_the_store() {
	[ -n "${COFFER_TOKEN:-}" ] &&
	    req PUT "$ADDR/secrets/v1/seal/default" \
		-H "Authorization: token=$COFFER_TOKEN"
	COFFER_TOKEN=
	apache2ctl stop 2>>"$J/apache.log"
	pkill -f '^/usr/libexec/coffer/' 2>/dev/null
	dpkg --purge coffer >"$J/purge.log" 2>&1
	assertEquals "dpkg --purge (log: $(cat "$J/purge.log"))" 0 $?
	assertFalse "coffer.conf is gone" "[ -e /etc/coffer/coffer.conf ]"
	assertFalse "the socket links are gone" \
	    "[ -e $WANTS/coffer@secrets.socket ]"
	assertFalse "the programs are gone" "[ -e /usr/libexec/coffer/secrets ]"
	assertTrue "the store stays" "[ -s /var/lib/coffer/coffer.db ]"
}

. /usr/share/shunit2/shunit2
