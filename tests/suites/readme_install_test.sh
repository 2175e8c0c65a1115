#!/usr/bin/env bash
# README.md's production steps work as written on a fresh machine: for each
# set-up (lighttpd, Apache with mod_proxy_fcgi, Apache with mod_fcgid),
# tests/readme_steps.sh runs the README's marked blocks verbatim on a
# private copy of this machine (tests/fresh.sh: overlays on /etc, /usr,
# /var, /run, its own loopback network, so the README's ports 80 and 443),
# starts the server as Debian would, unseals, takes the TLS certificate from
# Coffer's own CA as the README says, and checks a secret's round trip over
# TLS.  Each set-up names its server itself: the suite runs once.
. "$(dirname "$0")/../fresh.sh"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../readme_blocks.sh"

oneTimeSetUp() {
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/coffer-readme.XXXXXX")
}

oneTimeTearDown() {
	rm -rf "$OUT"
}

# walk SERVER: the README's steps for SERVER on a fresh copy; R_<name> set
# from its results.
walk() {
	local name value
	fresh_run bash "$COFFER_TOP/tests/readme_steps.sh" "$1" "$OUT/$1" \
	    2>"$OUT/$1.err"
	WALK_RC=$?
	unset "${!R_@}"
	while read -r name value; do
		printf -v "R_${name//-/_}" '%s' "$value"
	done <"$OUT/$1"
	[ "$WALK_RC" -eq 0 ] || cat "$OUT/$1.err"
}

# assert_walk USER: what every set-up must end with.
assert_walk() {
	local user=$1
	assertEquals "steps ran to the end" 0 "$WALK_RC"
	assertEquals "install, user, store, server blocks" ok "${R_install:-}"
	assertEquals "the server started with that config" ok "${R_start:-}"
	assertEquals "init and unseal over loopback" ok "${R_unseal:-}"
	assertEquals "the tls-cert block" ok "${R_tls_cert:-}"
	assertEquals "the certificate verifies against the CA fetched" OK \
	    "${R_tls_cert_verify:-}"
	assertEquals "that CA is Coffer's (/ca/dcos-ca.crt)" yes \
	    "${R_tls_ca_is_coffers:-}"
	assertEquals "the TLS key is root's, 0600" "600 root" "${R_tls_key_mode:-}"
	assertEquals "the server's TLS block" ok "${R_tls:-}"
	assertEquals "PUT over TLS" 201 "${R_tls_put:-}"
	assertEquals "GET over TLS" 200:as-the-readme-says "${R_tls_get:-}"
	assertEquals "plain GET from loopback" 200:as-the-readme-says \
	    "${R_plain_loopback_get:-}"
	assertEquals "the cfssl CLI block (info, sign, gencert, verify)" ok \
	    "${R_cfssl_cli:-}"
	assertEquals "the CSR's hosts in the signed certificate" \
	    DNS:svc.example.com,IPAddress:10.0.0.7 "${R_cfssl_cli_sans:-}"
	assertEquals "the store's owner and mode" "600 $user" "${R_store_owner:-}"
	assertEquals "the programs' user" "$user" "${R_program_user:-}"
	assertEquals "sealed again" 200 "${R_seal:-}"
}

test_readme_lighttpd_steps_serve_a_secret_over_tls() {
	walk lighttpd
	assert_walk www-data
}

test_readme_apache_proxy_fcgi_steps_serve_a_secret_over_tls() {
	walk apache-proxy
	assert_walk coffer
}

test_readme_apache_fcgid_steps_serve_a_secret_over_tls() {
	walk apache-fcgid
	assert_walk www-data
}

test_every_marked_readme_block_is_one_the_steps_run() {
	# A marker the steps do not know (or a lost one) is drift too.
	local tags
	# (The development walk's dev-* blocks are readme_dev_walk_test.sh's,
	# modmd is acme_modmd_test.sh's.)
	tags=$(readme_tags "$COFFER_TOP/README.md" | grep -v '^dev-' |
	    paste -sd' ' -)
	assertEquals "README markers" "apache-fcgid apache-proxy apache-tls cfssl-cli install lighttpd lighttpd-tls modmd store tls-cert user-coffer user-www-data" "$tags"
}

test_the_readme_packages_are_installed_here() {
	# The steps cannot run apt-get on a copy without network: the packages
	# they name must be the ones tools/dev installed.
	local p missing=
	for p in $(grep -o 'Packages: `apt-get install [^`]*`' \
	    "$COFFER_TOP/README.md" | sed 's/.*install //; s/`$//'); do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null |
		    grep -q '^ii' || missing+=" $p"
	done
	assertEquals "packages the README names but not installed" "" "$missing"
}

. /usr/share/shunit2/shunit2
