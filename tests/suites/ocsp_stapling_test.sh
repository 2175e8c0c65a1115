#!/usr/bin/env bash
# Apache's OCSP stapling (SSLUseStapling) of a TLS certificate Coffer
# issued, with Coffer's own responder (/ca/ocsp) as the one it asks:
# the stack's TLS certificate comes from its own CA (tools/stack.sh
# stack_pki), and STACK_OCSP_STAPLING points mod_ssl at the responder.
# openssl s_client -status reads what the server staples.  lighttpd
# staples only a file it is given (ssl.stapling-file), so the suite
# answers for Apache alone.
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() {
	case $COFFER_SERVER in
	apache-*) ;;
	*) return 0 ;;
	esac
	STACK_TLS=1 STACK_OCSP_STAPLING=1 coffer_server_start || return 1
	TLS_PORT=${COFFER_TLS_ADDR##*:}
}

oneTimeTearDown() {
	[ -z "${COFFER_STATE:-}" ] || coffer_server_stop
}

setUp() {
	case $COFFER_SERVER in
	apache-*) ;;
	*) startSkipping ;;
	esac
}

# stapled: OUT is what s_client says of the server's stapled answer.
stapled() {
	OUT=$(openssl s_client -connect "127.0.0.1:$TLS_PORT" -status \
	    -servername 127.0.0.1 -CAfile "$COFFER_CA" </dev/null 2>&1)
}

test_apache_staples_a_good_answer_from_coffers_responder() {
	stapled
	assertContains "$OUT" "OCSP Response Status: successful (0x0)"
	assertContains "$OUT" "Cert Status: good"
	assertContains "$OUT" "Subject: CN=Coffer OCSP responder"
}

test_the_stapled_answer_is_for_the_servers_certificate() {
	local serial
	serial=$(openssl x509 -in "$COFFER_STATE/tls/server.pem" -noout \
	    -serial | cut -d= -f2)
	stapled
	assertContains "$OUT" "Serial Number: $serial"
}

. /usr/share/shunit2/shunit2
