#!/usr/bin/env bash
# Apache's mod_md (Debian's apache2) as the ACME client of Coffer's ACME
# server (docs/apis.md#acme), configured by README's mod_md block (the
# "modmd" readme-test block) as written: a second Apache, of its own
# (config, ports, MD store in a temporary folder; root starts it, its
# workers are www-data), manages the domain "localhost" with Coffer's
# directory as its CA, over TLS (MDCACertificateFile: the CA that signed
# the stack's TLS certificate, Coffer's own).  mod_md obtains a
# certificate by http-01, serves it after a graceful restart, staples
# Coffer's OCSP answer, renews when its window says so, by tls-alpn-01 too
# (mod_ssl answers it), with an ECDSA and an RSA key; revocations in
# Coffer show in OCSP.  Coffer's validator reaches that Apache on its own
# ports (acme_http_port, acme_tls_port), which MDPortMap maps to 80 and
# 443.  MDMessageCmd's lines say what mod_md did, Coffer's audit log which
# challenge it validated.
#
# It runs behind every server in front of Coffer: what differs there is
# the TLS that mod_md's libcurl talks to and the answers' headers (behind
# mod_fcgid a 200 with a Location turns into a 302).  The PostgreSQL pass
# skips it: ACME's records on PostgreSQL are acme_ca_test.sh's.
# MD_LOGLEVEL=debug (with COFFER_KEEP_STATE=1) keeps mod_md's whole
# conversation.
# run-all: backend-free
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../readme_blocks.sh"

MODS=/usr/lib/apache2/modules

free_port() {
	"$STACK_PYTHON" -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

oneTimeSetUp() {
	[ -e "$MODS/mod_md.so" ] && [ -e "$MODS/mod_ssl.so" ] || {
		echo "mod_md or mod_ssl is missing (apache2)" >&2
		return 1
	}
	HTTP=$(free_port)
	HTTPS=$(free_port)
	STACK_TLS=1 coffer_server_start acme_dns_suffixes=localhost \
	    acme_http_port="$HTTP" acme_tls_port="$HTTPS" &&
	    coffer_init_unseal || return 1
	# The default profile (ACME's) names Coffer's OCSP responder over
	# plain HTTP, where mod_md's stapling fetches it: that client trusts
	# the system's CAs only, not MDCACertificateFile.  The port is known
	# only now, so the programs restart to read it.
	jq -n --arg url "$COFFER_ADDR/ca/ocsp" '{signing: {default: {
	    usages: ["signing", "key encipherment", "server auth",
	    "client auth"], expiry: "8760h", ocsp_url: $url}}}' \
	    >"$COFFER_STATE/profiles.json" &&
	    echo "ca_profiles = $COFFER_STATE/profiles.json" >>"$COFFER_CONFIG" &&
	    coffer_server_restart || return 1
	# The managed Apache's folder: its workers (www-data) read it, and
	# the Coffer stack's state folder may be closed to them.
	MD=$(mktemp -d "${TMPDIR:-/tmp}/coffer-modmd.XXXXXX") || return 1
	mkdir -p "$MD/www" "$MD/run" "$MD/md"
	cp "$COFFER_CA" "$MD/ca.pem"
	# MDMessageCmd: one line per event ("renewing localhost",
	# "challenge-setup:http-01:localhost localhost", "renewed localhost"
	# from the watchdog, a worker; "installed localhost" from the parent
	# at a restart).
	printf '#!/bin/sh\necho "$*" >>"%s/messages"\n' "$MD" >"$MD/message.sh"
	chmod 0755 "$MD/message.sh"
	: >"$MD/messages"
	chmod 0666 "$MD/messages"
	chown -R www-data: "$MD"
	chmod 0755 "$MD"
	CHALLENGES=http-01
	WINDOW=33%
	KEYS=rsa2048
	md_config
	apache2 -t -f "$MD/httpd.conf" >"$MD/check.out" 2>&1 || {
		cat "$MD/check.out" >&2
		return 1
	}
	apache2 -f "$MD/httpd.conf" -k start || return 1
}

oneTimeTearDown() {
	local pid
	if [ -n "${MD:-}" ]; then
		pid=$(cat "$MD/httpd.pid" 2>/dev/null)
		apache2 -f "$MD/httpd.conf" -k stop >/dev/null 2>&1
		[ -n "$pid" ] && stack_term_wait "$pid" 2>/dev/null
		if [ -n "${COFFER_LOG_DIR:-}" ]; then
			cp "$MD/error.log" \
			    "$COFFER_LOG_DIR/$COFFER_SUITE.$COFFER_SERVER.modmd.log"
		fi
		[ "${COFFER_KEEP_STATE:-0}" = 1 ] || rm -rf "$MD"
		unset MD
	fi
	coffer_server_stop
}

# md_config: the managed Apache's config: its own frame (folder, ports,
# modules, the test's settings: CHALLENGES, WINDOW, KEYS), then README's
# mod_md block as written, with the test's names, ports and files.
md_config() {
	local block
	block=$(readme_block "$COFFER_TOP/README.md" modmd)
	[ -n "$block" ] || {
		fail "README has no modmd block"
		return 1
	}
	cat >"$MD/httpd.conf" <<EOF
ServerRoot "$MD"
ServerName localhost
Listen 127.0.0.1:$HTTP
Listen 127.0.0.1:$HTTPS
PidFile "$MD/httpd.pid"
ErrorLog "$MD/error.log"
LogLevel warn md:${MD_LOGLEVEL:-info}
DefaultRuntimeDir "$MD/run"
DocumentRoot "$MD/www"
User www-data
Group www-data
Mutex pthread
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule socache_shmcb_module $MODS/mod_socache_shmcb.so
LoadModule ssl_module $MODS/mod_ssl.so
LoadModule md_module $MODS/mod_md.so
SSLSessionCache "shmcb:$MD/run/ssl_scache(512000)"

MDPortMap http:$HTTP https:$HTTPS
MDRenewWindow $WINDOW
MDPrivateKeys $KEYS
MDStapling on
MDMessageCmd "$MD/message.sh"

# A name outside acme_dns_suffixes: Coffer refuses its order.
MDomain www.example.org
<VirtualHost 127.0.0.1:$HTTPS>
	ServerName www.example.org
	SSLEngine on
</VirtualHost>
EOF
	sed -e "s|https://ca.example.com|$COFFER_TLS_ADDR|" \
	    -e "s|/var/lib/apache2/md|$MD/md|" \
	    -e "s|/etc/apache2/coffer-ca.pem|$MD/ca.pem|" \
	    -e "s|www\.example\.com|localhost|" \
	    -e "s|^MDCAChallenges .*|MDCAChallenges $CHALLENGES|" \
	    -e "s|<VirtualHost \*:80>|<VirtualHost 127.0.0.1:$HTTP>|" \
	    -e "s|<VirtualHost \*:443>|<VirtualHost 127.0.0.1:$HTTPS>|" \
	    <<<"$block" >>"$MD/httpd.conf"
}

# md_graceful: rewrite the config and restart the managed Apache gently.
md_graceful() {
	md_config
	apache2 -f "$MD/httpd.conf" -k graceful
}

# wait_message N TEXT: the Nth "TEXT" line in the messages, within 60 s.
wait_message() {
	local i
	for ((i = 0; i < 120; i++)); do
		[ "$(grep -cx "$2" "$MD/messages")" -ge "$1" ] && return 0
		sleep 0.5
	done
	return 1
}

# wait_message_after FIRST THEN: a "THEN" line after the first "FIRST"
# line in the messages, within 60 s.
wait_message_after() {
	local i
	for ((i = 0; i < 120; i++)); do
		awk -v a="$1" -v b="$2" '$0 == a { seen = 1 }
		    seen && $0 == b { found = 1 } END { exit !found }' \
		    "$MD/messages" && return 0
		sleep 0.5
	done
	return 1
}

# served [S_CLIENT ARGS...]: SERVED = the serial of the certificate Apache
# shows for localhost (s_client, the chain checked against Coffer's CA),
# OUT what s_client said, the chain shown included.
served() {
	OUT=$(openssl s_client -connect "127.0.0.1:$HTTPS" -servername localhost \
	    -CAfile "$MD/ca.pem" -verify_hostname localhost -verify_return_error \
	    -showcerts "$@" </dev/null 2>&1)
	SERVED=$(openssl x509 -noout -serial <<<"$OUT" 2>/dev/null)
	SERVED=${SERVED#serial=}
}

# wait_served SERIAL [S_CLIENT ARGS...]: Apache serves the certificate
# SERIAL, within 30 s.
wait_served() {
	local i want=$1
	shift
	for ((i = 0; i < 60; i++)); do
		served "$@"
		[ "$SERVED" = "$want" ] && return 0
		sleep 0.5
	done
	return 1
}

serial_of() {
	openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'
}

# record PEM: Coffer's record of the certificate in PEM, through CFSSL's
# certinfo (its serial) and certificates (its status).
record() {
	auth_json POST /api/v1/cfssl/certinfo \
	    "$(jq -n --rawfile c "$1" '{certificate: $c}')"
	assert_status 200
	local serial
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	auth_json POST /ca/api/v2/certificates "{\"serial\":\"$serial\"}"
	assert_status 200
}

test_mod_md_obtains_a_certificate_by_http_01() {
	local staged=$MD/md/staging/localhost/pubcert.pem
	wait_message 1 "renewed localhost"
	assertTrue "no renewal in 60 s: $(tail -n 20 "$MD/error.log")" $?
	assertTrue "nothing staged" "[ -s $staged ]"
	# pubcert.pem: the certificate, then the chain Coffer sent.
	assertEquals "leaf and CA" 2 "$(grep -c 'BEGIN CERTIFICATE' "$staged")"
	assertEquals "verify" "$staged: OK" \
	    "$(openssl verify -CAfile "$MD/ca.pem" "$staged" 2>&1)"
	assertContains "$(openssl x509 -in "$staged" -noout -ext subjectAltName)" \
	    "DNS:localhost"
	assertEquals "validated by http-01" 1 "$(jq -s '[.[] |
	    select(.action == "validate" and .allowed and
	    (.path | startswith("/acme/chall/")))] | length' \
	    "$COFFER_STATE/audit.log")"
	FIRST=$(serial_of "$staged")
}

test_after_a_graceful_restart_apache_serves_it_with_coffers_chain() {
	local cert=$MD/md/domains/localhost/pubcert.pem
	[ -n "${FIRST:-}" ] || fail "no certificate was staged"
	md_graceful
	wait_served "$FIRST"
	assertTrue "Apache serves $SERVED, not $FIRST: $OUT" $?
	assertContains "$OUT" "Verify return code: 0 (ok)"
	assertEquals "installed" "$FIRST" "$(serial_of "$cert")"
	# The chain shown ends with Coffer's CA certificate.
	assertEquals "the last certificate shown is Coffer's CA" \
	    "$(openssl x509 -in "$MD/ca.pem" -noout -fingerprint)" \
	    "$(awk '/BEGIN CERT/ { b = "" } { b = b $0 "\n" }
		/END CERT/ { last = b } END { printf "%s", last }' <<<"$OUT" |
		openssl x509 -noout -fingerprint)"
	wait_message 1 "installed localhost"
	assertTrue "no 'installed' message: $(cat "$MD/messages")" $?
}

# mod_md reads Coffer's problem document (RFC 8555 6.7: rejectedIdentifier)
# and logs its detail; it takes the refusal as lasting (its next try is a
# day or so away).
test_a_name_outside_acme_dns_suffixes_is_an_error_mod_md_reports() {
	wait_message 1 "errored www.example.org"
	assertTrue "no error in 60 s: $(cat "$MD/messages")" $?
	assertContains "$(grep 'www.example.org' "$MD/error.log")" \
	    "processing www.example.org: a name is outside acme_dns_suffixes"
	assertFalse "nothing staged" \
	    "[ -e $MD/md/staging/www.example.org/pubcert.pem ]"
}

# mod_md fetches Coffer's OCSP answer (MDStapling) and mod_ssl staples it.
test_apache_staples_coffers_ocsp_answer_that_mod_md_fetched() {
	local i
	[ -n "${FIRST:-}" ] || fail "no certificate was staged"
	for ((i = 0; i < 60; i++)); do
		served -status
		grep -q 'Cert Status: good' <<<"$OUT" && break
		sleep 0.5
	done
	assertContains "$OUT" "OCSP Response Status: successful"
	assertContains "$OUT" "Serial Number: $FIRST"
	assertContains "$OUT" "Cert Status: good"
}

test_coffer_records_the_certificate_and_ocsp_says_good() {
	local cert=$MD/md/domains/localhost/pubcert.pem out
	[ -s "$cert" ] || fail "nothing installed"
	record "$cert"
	assert_json_eq '.result | length' 1
	assert_json_eq '.result[0].status' good
	out=$(openssl ocsp -issuer "$MD/ca.pem" -cert "$cert" \
	    -CAfile "$MD/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1)
	assertContains "$out" "$cert: good"
}

# A renew window longer than the certificate's life (a year, the default
# profile's) makes mod_md renew at once: a new certificate, staged, and
# served after the next graceful restart.
test_a_renew_window_past_the_lifetime_renews_with_a_new_serial() {
	local staged=$MD/md/staging/localhost/pubcert.pem second
	WINDOW=400d
	md_graceful
	wait_message 2 "renewed localhost"
	assertTrue "no renewal in 60 s: $(tail -n 20 "$MD/error.log")" $?
	second=$(serial_of "$staged")
	assertNotEquals "a new serial" "$FIRST" "$second"
	md_graceful
	wait_served "$second"
	assertTrue "Apache serves $SERVED, not the renewed $second: $OUT" $?
	assertContains "$OUT" "Verify return code: 0 (ok)"
	record "$MD/md/domains/localhost/pubcert.pem"
	assert_json_eq '.result[0].status' good
	SECOND=$second
}

test_mod_md_renews_by_tls_alpn_01_answered_by_mod_ssl() {
	local staged=$MD/md/staging/localhost/pubcert.pem
	# The window still says renew: the last restart brought a renewal,
	# by http-01, which mod_md finishes (and stages) first.
	wait_message 3 "renewed localhost"
	assertTrue "no third renewal in 60 s: $(cat "$MD/messages")" $?
	CHALLENGES=tls-alpn-01
	md_graceful
	wait_message_after "challenge-setup:tls-alpn-01:localhost localhost" \
	    "renewed localhost"
	assertTrue "no renewal by tls-alpn-01 in 60 s: $(cat "$MD/messages")" $?
	assertTrue "Coffer validated by tls-alpn-01" "[ $(jq -s '[.[] |
	    select(.action == "validate" and .allowed and
	    (.path | startswith("/acme/chall-alpn/")))] | length' \
	    "$COFFER_STATE/audit.log") -ge 1 ]"
	assertEquals "verify" "$staged: OK" \
	    "$(openssl verify -CAfile "$MD/ca.pem" "$staged" 2>&1)"
	assertNotEquals "a new serial" "${SECOND:-}" "$(serial_of "$staged")"
}

# MDPrivateKeys with two types: an order for each, and mod_ssl picks the
# certificate the client's signature algorithms allow.
test_mod_md_gets_an_ecdsa_and_an_rsa_certificate_for_the_domain() {
	local staged=$MD/md/staging/localhost ec rsa
	# Four renewals so far, the last staged: the restart installs it and
	# the window starts the fifth, with both keys.
	KEYS="secp256r1 rsa2048"
	md_graceful
	wait_message 5 "renewed localhost"
	assertTrue "no renewal in 60 s: $(tail -n 20 "$MD/error.log")" $?
	assertContains "$(openssl x509 -in "$staged/pubcert.secp256r1.pem" \
	    -noout -text)" "id-ecPublicKey"
	assertEquals "verify" "$staged/pubcert.secp256r1.pem: OK" \
	    "$(openssl verify -CAfile "$MD/ca.pem" \
		"$staged/pubcert.secp256r1.pem" 2>&1)"
	ec=$(serial_of "$staged/pubcert.secp256r1.pem")
	rsa=$(serial_of "$staged/pubcert.pem")
	assertNotEquals "two certificates" "$ec" "$rsa"
	md_graceful
	wait_served "$ec" -sigalgs ecdsa_secp256r1_sha256
	assertTrue "ECDSA: Apache serves $SERVED, not $ec: $OUT" $?
	served -sigalgs rsa_pss_rsae_sha256:rsa_pkcs1_sha256
	assertEquals "RSA: $OUT" "$rsa" "$SERVED"
	assertContains "$OUT" "Verify return code: 0 (ok)"
}

# ocsp_says PEM: what Coffer's responder says of the certificate in PEM.
ocsp_says() {
	openssl ocsp -issuer "$MD/ca.pem" -cert "$1" -CAfile "$MD/ca.pem" \
	    -url "$COFFER_ADDR/ca/ocsp" 2>&1
}

# mod_md does not revoke: CFSSL's revoke does (the RSA certificate), and
# certbot with the certificate's key from mod_md's store (the ECDSA one;
# RFC 8555 7.6, no account).
test_revoked_in_coffer_by_cfssl_or_certbot_ocsp_says_revoked() {
	local d=$MD/md/domains/localhost serial aki
	auth_json POST /api/v1/cfssl/certinfo \
	    "$(jq -n --rawfile c "$d/pubcert.pem" '{certificate: $c}')"
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	aki=$(jq -r .result.authority_key_id "$BODY_FILE" | tr -d : |
	    tr A-F a-f)
	auth_json POST /api/v1/cfssl/revoke \
	    "{\"serial\":\"$serial\",\"authority_key_id\":\"$aki\",\"reason\":\"superseded\"}"
	assert_status 200
	assertContains "$(ocsp_says "$d/pubcert.pem")" "$d/pubcert.pem: revoked"
	command -v certbot >/dev/null || {
		fail "certbot is not installed (tools/dev setup)"
		return
	}
	assertContains "$(ocsp_says "$d/pubcert.secp256r1.pem")" \
	    "$d/pubcert.secp256r1.pem: good"
	OUT=$(REQUESTS_CA_BUNDLE=$MD/ca.pem certbot revoke --non-interactive \
	    --server "$COFFER_TLS_ADDR/acme/directory" \
	    --config-dir "$MD/certbot" --work-dir "$MD/certbot" \
	    --logs-dir "$MD/certbot" --cert-path "$d/pubcert.secp256r1.pem" \
	    --key-path "$d/privkey.secp256r1.pem" --no-delete-after-revoke 2>&1)
	assertEquals "certbot revoke: $OUT" 0 $?
	assertContains "$(ocsp_says "$d/pubcert.secp256r1.pem")" \
	    "$d/pubcert.secp256r1.pem: revoked"
}

. /usr/share/shunit2/shunit2
