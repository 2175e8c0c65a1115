#!/usr/bin/env bash
# The Debian package (debian/): built from the tree with dpkg-buildpackage,
# judged by lintian, then installed with apt into a clean Debian 12 root
# (debootstrap's minbase with systemd, as a server has it, from Debian's own
# mirror) so that the package's dependencies, not this machine's, bring
# what it needs.  There, as an operator would: it makes the user coffer, the
# store's and audit log's folders, coffer.conf as a conffile and a drop-in
# with a fresh CA key, and enables each program's socket unit so that it
# listens at boot; after `a2enconf coffer`, Apache serves a secret through
# those units (started as systemd would, by tests/socket_activate.py: no
# systemd runs as PID 1 in a chroot), in a network namespace of its own.
# A reinstall keeps the operator's edits; a purge removes the settings and
# keeps the store.  The package builds its own programs: the suite runs
# once, in the plain pass.  Needs root and Debian's mirror.
# run-all: not-under-sanitizers
. "$(dirname "$0")/../lib.sh"

PROGRAMS="secrets ca auth bulk"
S=/secrets/v1/secret/default
ADDR=http://127.0.0.1:80

oneTimeSetUp() {
	J=$(mktemp -d "${TMPDIR:-/tmp}/coffer-deb.XXXXXX") || return 1
	ROOT=$J/root
	NS=coffer-deb-$$
	build_package
	make_root || return 1
	ip netns add "$NS" && ip -n "$NS" link set lo up
}

oneTimeTearDown() {
	[ -n "${COFFER_TOKEN:-}" ] && seal
	stop_root
	ip netns del "$NS" 2>/dev/null
	if [ -n "${COFFER_LOG_DIR:-}" ]; then
		cat "$J/build.log" "$J"/apt*.log "$J/journal.log" \
		    "$ROOT/var/log/apache2/error.log" \
		    "$ROOT/var/log/lighttpd/error.log" \
		    >"$COFFER_LOG_DIR/$COFFER_SUITE.$COFFER_SERVER.server.log" \
		    2>/dev/null
	fi
	rm -rf "$J"
}

# build_package: the tree as committed plus files not yet added (not the
# ignored builds: a build in the developer's tree is not the package's),
# built into $J.  Sets BUILD_RC and DEB.
build_package() {
	local src=$J/src
	mkdir -p "$src"
	(cd "$COFFER_TOP" && git ls-files -z --cached --others \
	    --exclude-standard | xargs -0 tar -cf - --) | tar -xf - -C "$src"
	(cd "$src" && ./autogen.sh >"$J/autogen.log" 2>&1 &&
	    dpkg-buildpackage -b -us -uc -j2 >"$J/build.log" 2>&1)
	BUILD_RC=$?
	[ "$BUILD_RC" -eq 0 ] || tail -n 30 "$J/build.log"
	DEB=$(ls "$J"/coffer_*_*.deb 2>/dev/null | head -n 1)
}

# mirror: the Debian mirror this machine's apt uses.
mirror() {
	local m
	m=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' \
	    /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# make_root: $ROOT, a copy of a clean bookworm root made once by
# debootstrap and kept in TMPDIR (a minute of downloads), with this
# machine's apt sources, and a policy-rc.d so that no package's
# postinst starts a daemon outside the test's namespace.
make_root() {
	local t=${TMPDIR:-/tmp}/coffer-debroot.bookworm tmp
	if [ ! -x "$t/usr/bin/apt-get" ]; then
		tmp=$(mktemp -d "$t.XXXXXX") || return 1
		debootstrap --variant=minbase --include=systemd bookworm \
		    "$tmp" "$(mirror)" >"$J/debootstrap.log" 2>&1 || {
			tail -n 20 "$J/debootstrap.log"
			rm -rf "$tmp"
			return 1
		}
		mv -T "$tmp" "$t" 2>/dev/null || rm -rf "$tmp"
	fi
	cp -a "$t" "$ROOT" || return 1
	# The root's "/" is mktemp's 0700 folder: the daemons' users must
	# get through it.
	chmod 0755 "$ROOT"
	rm -f "$ROOT/etc/apt/sources.list"
	cp -a /etc/apt/sources.list* "$ROOT/etc/apt/" 2>/dev/null
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
}

# in_root CMD...: CMD chrooted into $ROOT with /proc and /dev, in a mount
# namespace of its own (the mounts end with its last process); $ROOT is a
# mount point there, as "/" is for the units' sandbox, which remounts it.  With
# IN_NETNS=1, in the test's network namespace.
in_root() {
	local ns=()
	[ "${IN_NETNS:-0}" = 1 ] && ns=(ip netns exec "$NS")
	"${ns[@]}" unshare --mount --propagation private -- bash -c '
		r=$1; shift
		mount --bind "$r" "$r" && mount --rbind /dev "$r/dev" &&
		    mount -t proc proc "$r/proc" && exec chroot "$r" "$@"' \
	    in_root "$ROOT" "$@"
}

# stop_root: every process whose root is $ROOT.
stop_root() {
	local p root
	root=$(readlink -f "$ROOT")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] &&
		    kill -9 "${p#/proc/}" 2>/dev/null
	done
	sleep 0.2
}

seal() {
	REQ_NETNS=$NS req PUT "$ADDR/secrets/v1/seal/default" \
	    -H "Authorization: token=$COFFER_TOKEN"
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

test_apt_installs_it_and_what_it_needs_into_a_clean_debian_root() {
	cp "$DEB" "$ROOT/tmp/coffer.deb"
	assertFalse "no Apache in the clean root before" \
	    "[ -e $ROOT/usr/sbin/apache2 ]"
	in_root apt-get update -q >"$J/apt-update.log" 2>&1
	assertEquals "apt-get update" 0 $?
	# python3 runs the socket units as systemd would; the rest is the
	# package's to bring (apache2 is its Recommends).
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    /tmp/coffer.deb python3 >"$J/apt-install.log" 2>&1
	assertEquals "apt-get install (log: $(tail -n 5 "$J/apt-install.log"))" \
	    0 $?
	assertTrue "Apache came with it" "[ -x $ROOT/usr/sbin/apache2 ]"
	assertEquals "every library the programs need" "" \
	    "$(in_root sh -c 'ldd /usr/libexec/coffer/* /usr/bin/cofferctl' |
		grep 'not found')"
}

test_installing_makes_the_user_the_folders_and_the_config() {
	assertTrue "the user coffer" "in_root id coffer >/dev/null"
	assertEquals "/var/lib/coffer" "700 coffer coffer" \
	    "$(in_root stat -c '%a %U %G' /var/lib/coffer)"
	assertEquals "/var/log/coffer" "700 coffer coffer" \
	    "$(in_root stat -c '%a %U %G' /var/log/coffer)"
	assertContains "coffer.conf is a conffile" \
	    "$(in_root dpkg-query -W -f='${Conffiles}' coffer)" \
	    /etc/coffer/coffer.conf
	assertEquals "the host's drop-in" "640 root coffer" \
	    "$(in_root stat -c '%a %U %G' \
		/etc/coffer/coffer.conf.d/50-ca-auth-key.conf)"
	assertEquals "with a CA authentication key of 32 random bytes" 1 \
	    "$(grep -c '^ca_auth_key = [0-9a-f]\{64\}$' \
		"$ROOT/etc/coffer/coffer.conf.d/50-ca-auth-key.conf")"
	assertEquals "no yardstick program in the package" "" \
	    "$(ls "$ROOT/usr/libexec/coffer/hello" 2>/dev/null)"
	assertContains "cofferctl --version" \
	    "$(in_root cofferctl --version 2>&1)" coffer
}

test_each_programs_socket_unit_is_enabled_to_listen_at_boot() {
	local p wants=$ROOT/etc/systemd/system/sockets.target.wants
	for p in $PROGRAMS; do
		assertEquals "$p's socket in sockets.target.wants" \
		    /lib/systemd/system/coffer@.socket \
		    "$(readlink "$wants/coffer@$p.socket")"
	done
	assertEquals "systemd-analyze verify says nothing" "" \
	    "$(in_root systemd-analyze verify --man=no \
		/lib/systemd/system/coffer@secrets.socket \
		/lib/systemd/system/coffer@secrets.service 2>&1)"
}

test_apache_with_a2enconf_coffer_serves_a_secret_through_the_units() {
	local p
	in_root systemd-tmpfiles --create coffer.conf
	assertEquals "/run/coffer" "750 coffer www-data" \
	    "$(in_root stat -c '%a %U %G' /run/coffer)"
	cp "$COFFER_TOP/tests/socket_activate.py" "$ROOT/tmp/"
	for p in $PROGRAMS; do
		IN_NETNS=1 in_root python3 /tmp/socket_activate.py \
		    /lib/systemd/system coffer "$p" /tmp/journal.log ||
		    fail "socket unit of $p"
	done
	in_root sh -c 'a2enmod -q proxy_fcgi rewrite && a2enconf -q coffer' \
	    >/dev/null
	assertEquals "a2enmod, a2enconf" 0 $?
	IN_NETNS=1 in_root apache2ctl start 2>>"$J/apache.log"
	local try
	for try in $(seq 50); do
		REQ_NETNS=$NS REQ_SPEC=0 req GET "$ADDR/"
		[ "$STATUS" = 200 ] && break
		sleep 0.1
	done
	REQ_NETNS=$NS req PUT "$ADDR/secrets/v1/init/default" \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"shares":1,"threshold":1}'
	assert_status 200
	COFFER_TOKEN=$(jq -r .root_token "$BODY_FILE")
	REQ_NETNS=$NS req PUT "$ADDR/secrets/v1/unseal/default" \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"key\":\"$(jq -r '.keys[0]' "$BODY_FILE")\"}"
	assert_json_eq .sealed false
	REQ_NETNS=$NS auth_json PUT "$ADDR$S/packaged" '{"value":"from-the-deb"}'
	assert_status 201
	REQ_NETNS=$NS auth_req GET "$ADDR$S/packaged"
	assert_json_eq .value from-the-deb
	assertEquals "the store, coffer's, 0600" "600 coffer" \
	    "$(in_root stat -c '%a %U' /var/lib/coffer/coffer.db)"
	cp "$ROOT/tmp/journal.log" "$J/journal.log" 2>/dev/null
}

# The packaged lighttpd file routes as coffer.conf does: the same URL
# regex for each program (coffer.conf's hello aside, which the package
# leaves out).
test_the_lighttpd_file_routes_as_coffer_conf_does() {
	local re='^\$HTTP\["url"\] =~ '
	assertEquals "the URL regexes" \
	    "$(grep "$re" "$COFFER_TOP/apache-conf/lighttpd/coffer.conf" |
		grep -v '/hello')" \
	    "$(grep "$re" "$COFFER_TOP/debian/lighttpd/50-coffer.conf")"
}

# In the same root, after Apache: lighttpd from Debian, the module enabled
# with Debian's tool, serves the secret Apache wrote through the same units.
test_lighttpd_with_lighty_enable_mod_coffer_serves_a_secret_through_the_units() {
	local try
	assertContains "50-coffer.conf is a conffile" \
	    "$(in_root dpkg-query -W -f='${Conffiles}' coffer)" \
	    /etc/lighttpd/conf-available/50-coffer.conf
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    lighttpd >"$J/apt-lighttpd.log" 2>&1
	assertEquals "apt-get install lighttpd (log: $(tail -n 5 \
	    "$J/apt-lighttpd.log"))" 0 $?
	in_root lighty-enable-mod coffer >"$J/lighty-enable-mod.log" 2>&1
	assertEquals "lighty-enable-mod coffer" 0 $?
	assertTrue "it enabled fastcgi with it" \
	    "[ -e $ROOT/etc/lighttpd/conf-enabled/10-fastcgi.conf ]"
	assertEquals "lighttpd -tt takes the config" "" \
	    "$(in_root lighttpd -tt -f /etc/lighttpd/lighttpd.conf 2>&1)"
	# Port 80 is Apache's until it is gone.
	IN_NETNS=1 in_root apache2ctl stop 2>>"$J/apache.log"
	for try in $(seq 50); do
		REQ_NETNS=$NS REQ_SPEC=0 req GET "$ADDR/"
		[ "$STATUS" = 000 ] && break
		sleep 0.1
	done
	IN_NETNS=1 in_root lighttpd -f /etc/lighttpd/lighttpd.conf \
	    2>>"$J/lighttpd.log"
	assertEquals "lighttpd starts" 0 $?
	for try in $(seq 50); do
		REQ_NETNS=$NS auth_req GET "$ADDR$S/packaged"
		[ "$STATUS" = 200 ] && break
		sleep 0.1
	done
	assert_json_eq .value from-the-deb
	REQ_NETNS=$NS auth_json PUT "$ADDR$S/lighttpd" '{"value":"by-lighty"}'
	assert_status 201
	REQ_NETNS=$NS auth_req GET "$ADDR$S/lighttpd"
	assert_json_eq .value by-lighty
	assert_header Server '^lighttpd'
}

test_a_reinstall_keeps_the_operators_edits_and_key() {
	local conf key
	echo '# the operator was here' >>"$ROOT/etc/coffer/coffer.conf"
	conf=$(md5sum <"$ROOT/etc/coffer/coffer.conf")
	key=$(md5sum <"$ROOT/etc/coffer/coffer.conf.d/50-ca-auth-key.conf")
	in_root env DEBIAN_FRONTEND=noninteractive dpkg -i \
	    --force-confold /tmp/coffer.deb >"$J/apt-reinstall.log" 2>&1
	assertEquals "dpkg -i again" 0 $?
	assertEquals "coffer.conf kept" "$conf" \
	    "$(md5sum <"$ROOT/etc/coffer/coffer.conf")"
	assertEquals "the key kept" "$key" \
	    "$(md5sum <"$ROOT/etc/coffer/coffer.conf.d/50-ca-auth-key.conf")"
}

test_a_purge_removes_the_settings_and_keeps_the_store() {
	[ -n "${COFFER_TOKEN:-}" ] && seal
	COFFER_TOKEN=
	stop_root
	in_root dpkg --purge coffer >"$J/apt-purge.log" 2>&1
	assertEquals "dpkg --purge (log: $(tail -n 5 "$J/apt-purge.log"))" 0 $?
	assertFalse "coffer.conf is gone" "[ -e $ROOT/etc/coffer/coffer.conf ]"
	assertFalse "the drop-in is gone" \
	    "[ -e $ROOT/etc/coffer/coffer.conf.d/50-ca-auth-key.conf ]"
	assertFalse "the socket links are gone" \
	    "[ -e $ROOT/etc/systemd/system/sockets.target.wants/coffer@secrets.socket ]"
	assertFalse "the programs are gone" \
	    "[ -e $ROOT/usr/libexec/coffer/secrets ]"
	assertTrue "the store stays" "[ -s $ROOT/var/lib/coffer/coffer.db ]"
}

. /usr/share/shunit2/shunit2
