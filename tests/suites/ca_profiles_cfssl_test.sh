#!/usr/bin/env bash
# Signing profiles from CFSSL's own config file (config key ca_profiles,
# docs/apis.md#cfssl): usages, expiry, CA constraint, name whitelist,
# judged by openssl and the cfssl CLI.
. "$(dirname "$0")/../lib.sh"

C=/api/v1/cfssl
AUTH_KEY=0123456789ABCDEF0123456789ABCDEF
CLIENT_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

oneTimeSetUp() {
	# The programs' user must read the config: a folder of its own.
	PDIR=$(mktemp -d "${TMPDIR:-/tmp}/coffer-profiles.XXXXXX") || return 1
	chmod 0755 "$PDIR"
	# A cfssl config as operators have it, auth keys and remotes included.
	cat >"$PDIR/cfssl.json" <<-'EOF'
		{"signing": {
		  "default": {"usages": ["signing", "key encipherment", "server auth"],
		              "expiry": "720h",
		              "crl_url": "http://crl.example.com/default.crl"},
		  "profiles": {
		    "server": {"usages": ["digital signature", "key encipherment",
		                          "server auth"],
		               "expiry": "48h",
		               "name_whitelist": "(^|\\.)example\\.com$"},
		    "client": {"usages": ["signing", "client auth", "email protection"],
		               "expiry": "1h", "auth_key": "k2"},
		    "intermediate": {"usages": ["cert sign", "crl sign"],
		                     "expiry": "43800h",
		                     "ca_constraint": {"is_ca": true, "max_path_len": 1,
		                                       "max_path_len_zero": false}},
		    "lastca": {"usages": ["cert sign"], "expiry": "8760h",
		               "ca_constraint": {"is_ca": true, "max_path_len": 0,
		                                 "max_path_len_zero": true}},
		    "century": {"usages": ["signing"], "expiry": "876000h"},
		    "urls": {"usages": ["signing", "server auth"], "expiry": "1h",
		             "crl_url": "http://ca.example.com/ca.crl",
		             "ocsp_url": "http://ocsp.example.com",
		             "issuer_urls": ["http://ca.example.com/ca.crt",
		                             "ldap://dir.example.com/cn=CA"]},
		    "policy": {"usages": ["signing"], "expiry": "2h", "backdate": "1h",
		               "policies": [{"ID": "2.23.140.1.2.1"},
		                 {"id": "1.3.6.1.4.1.44947.1.1.1",
		                  "qualifiers": [
		                    {"type": "id-qt-cps",
		                     "value": "http://cps.example.com"},
		                    {"type": "id-qt-unotice",
		                     "value": "Coffer test notice"}]}]},
		    "fixed": {"usages": ["signing"], "expiry": "1h",
		              "not_before": "2026-01-01T00:00:00Z",
		              "not_after": "2027-01-01T12:00:00.5+02:00"}}},
		 "auth_keys": {"k1": {"type": "standard",
		                      "key": "0123456789ABCDEF0123456789ABCDEF"},
		               "k2": {"type": "standard",
		                      "key": "CLIENT_KEY"}},
		 "remotes": {"ca": "127.0.0.1:8888"}}
	EOF
	sed -i "s/CLIENT_KEY/$CLIENT_KEY/" "$PDIR/cfssl.json"
	chmod 0644 "$PDIR/cfssl.json"
	coffer_server_start "ca_profiles=$PDIR/cfssl.json" \
	    ca_auth_key=$AUTH_KEY && coffer_init_unseal || return 1
	W=$COFFER_STATE/ca
	mkdir -p "$W"
	# The cfssl client names Coffer's profiles; auth_remote: authsign.
	cat >"$W/client.json" <<-EOF
		{"signing": {"default": {"auth_remote": {"remote": "coffer",
		  "auth_key": "k1"}},
		  "profiles": {"server": {"auth_remote": {"remote": "coffer",
		  "auth_key": "k1"}},
		  "client": {"auth_remote": {"remote": "coffer", "auth_key": "k2"}}}},
		 "auth_keys": {"k1": {"type": "standard", "key": "$AUTH_KEY"},
		               "k2": {"type": "standard", "key": "$CLIENT_KEY"}},
		 "remotes": {"coffer": "$COFFER_ADDR"}}
	EOF
	# The same, with ca_auth_key's k1 for the client profile.
	sed 's/"auth_key": "k2"/"auth_key": "k1"/' "$W/client.json" \
	    >"$W/client-k1.json"
	req GET /ca/dcos-ca.crt
	printf '%s\n' "$BODY" >"$W/ca.pem"
}
oneTimeTearDown() {
	coffer_server_stop
	rm -rf "$PDIR"
}

# new_csr NAME HOSTS...: an ECDSA P-256 key and CSR (CN=NAME) by cfssl.
new_csr() {
	local name=$1 hosts=
	shift
	[ $# -gt 0 ] && hosts=$(printf '"%s",' "$@")
	echo "{\"CN\":\"$name\",\"hosts\":[${hosts%,}],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}" \
	    >"$W/$name.json"
	(cd "$W" && cfssl genkey "$name.json" 2>/dev/null | cfssljson -bare "$name")
}

# sign NAME PROFILE [EXTRA_JQ]: sign NAME's CSR under PROFILE; the
# certificate goes to $W/NAME.PROFILE.pem.
sign() {
	auth_json POST $C/sign "$(jq -n --rawfile csr "$W/$1.csr" --arg p "$2" \
	    "{certificate_request: \$csr, profile: \$p} ${3:-}")"
	jq -r '.result.certificate // empty' "$BODY_FILE" >"$W/$1.$2.pem"
}

# ext PEM NAME: the value line(s) of one extension, as openssl prints it.
ext() {
	openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | tail -n +2 |
	    sed 's/^ *//' | tr '\n' '|'
}

# lifetime PEM: notAfter - notBefore, in seconds.
lifetime() {
	local nb na
	nb=$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)
	na=$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)
	echo $(($(date -ud "$na" +%s) - $(date -ud "$nb" +%s)))
}

cert_count() {
	auth_json POST /ca/api/v2/certificates '{"expired_ok": true}'
	jq '.result | length' "$BODY_FILE"
}

test_info_answers_the_configured_default_profile() {
	json_req POST $C/info '{"label":"primary"}'
	assert_status 200
	assert_schema cfssl-info-response.json
	assert_json_eq .result.usages '["signing","key encipherment","server auth"]'
	assert_json_eq .result.expiry 720h
}

test_info_answers_a_named_profile_usages_and_expiry() {
	json_req POST $C/info '{"label":"primary","profile":"client"}'
	assert_status 200
	assert_schema cfssl-info-response.json
	assert_json_eq .result.usages '["signing","client auth","email protection"]'
	assert_json_eq .result.expiry 1h
}

test_cfssl_info_remote_reads_a_named_profile() {
	local out
	out=$(cfssl info -remote "$COFFER_ADDR" -profile intermediate 2>/dev/null)
	assertEquals "usages" '["cert sign","crl sign"]' "$(jq -c .usages <<<"$out")"
	assertEquals "expiry" 43800h "$(jq -r .expiry <<<"$out")"
}

test_info_with_an_unknown_profile_is_5400() {
	json_req POST $C/info '{"profile":"nope"}'
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 5400
	assert_json_eq '.errors[0].message' 'Unknown policy profile'
}

test_sign_with_an_unknown_profile_is_5400_and_records_nothing() {
	local before
	before=$(cert_count)
	new_csr u.example.com u.example.com
	sign u.example.com nope
	assert_status 400
	assert_json_eq '.errors[0].code' 5400
	assert_json_eq '.errors[0].message' 'Unknown policy profile'
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_default_profile_certificate_carries_exactly_its_usages() {
	new_csr d.example.com d.example.com
	sign d.example.com ""
	assert_status 200
	assertEquals "KU" "Digital Signature, Key Encipherment|" \
	    "$(ext "$W/d.example.com..pem" keyUsage)"
	assertEquals "EKU" "TLS Web Server Authentication|" \
	    "$(ext "$W/d.example.com..pem" extendedKeyUsage)"
	assertEquals "BC" "CA:FALSE|" "$(ext "$W/d.example.com..pem" basicConstraints)"
	assertEquals "720h" 2592000 "$(lifetime "$W/d.example.com..pem")"
}

test_server_profile_certificate_carries_exactly_its_usages_and_expiry() {
	new_csr s.example.com s.example.com
	sign s.example.com server
	assert_status 200
	assert_schema cfssl-sign-response.json
	assertEquals "chains" "$W/s.example.com.server.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/s.example.com.server.pem" 2>&1)"
	assertEquals "KU" "Digital Signature, Key Encipherment|" \
	    "$(ext "$W/s.example.com.server.pem" keyUsage)"
	assertEquals "EKU" "TLS Web Server Authentication|" \
	    "$(ext "$W/s.example.com.server.pem" extendedKeyUsage)"
	assertEquals "BC" "CA:FALSE|" \
	    "$(ext "$W/s.example.com.server.pem" basicConstraints)"
	assertEquals "48h" 172800 "$(lifetime "$W/s.example.com.server.pem")"
}

# cfssl_sign NAME PROFILE [CLIENT_CONFIG]: cfssl sign NAME's CSR through
# authsign under PROFILE, with the client config's key for it (client.json
# by default); the certificate to $W/NAME.PROFILE.pem, cfssl's log to OUT.
cfssl_sign() {
	OUT=$(cd "$W" && cfssl sign -config "${3:-client.json}" -profile "$2" \
	    "$1.csr" 2>&1 >"$W/$1.$2.json")
	jq -r '.cert // empty' "$W/$1.$2.json" >"$W/$1.$2.pem" 2>/dev/null
}

test_client_profile_certificate_carries_client_and_email_usages() {
	new_csr c.example.com c.example.com
	cfssl_sign c.example.com client
	assertTrue "cfssl wrote the certificate ($OUT)" "[ -s $W/c.example.com.client.pem ]"
	assertEquals "KU" "Digital Signature|" \
	    "$(ext "$W/c.example.com.client.pem" keyUsage)"
	assertEquals "EKU" "TLS Web Client Authentication, E-mail Protection|" \
	    "$(ext "$W/c.example.com.client.pem" extendedKeyUsage)"
	assertEquals "1h" 3600 "$(lifetime "$W/c.example.com.client.pem")"
	assertContains "certtool agrees" \
	    "$(certtool -i --infile "$W/c.example.com.client.pem")" \
	    "Email protection"
}

test_sign_refuses_a_profile_with_an_auth_key_and_records_nothing() {
	local before
	before=$(cert_count)
	new_csr k.example.com k.example.com
	sign k.example.com client
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 400
	assert_json_eq '.errors[0].message' 'authentication required'
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_newcert_refuses_a_profile_with_an_auth_key() {
	auth_json POST /ca/api/v2/newcert '{"profile": "client", "request":
	    {"CN": "nk.example.com", "hosts": ["nk.example.com"],
	     "key": {"algo": "ecdsa", "size": 256}}}'
	assert_status 400
	assert_json_eq '.errors[0].message' 'authentication required'
}

test_authsign_with_ca_auth_key_on_a_profile_with_its_own_key_is_invalid_token() {
	local before
	before=$(cert_count)
	new_csr k1.example.com k1.example.com
	cfssl_sign k1.example.com client client-k1.json
	assertContains "$OUT" "invalid token"
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_urls_profile_writes_crl_distribution_point_and_aia() {
	local pem=$W/u.example.com.urls.pem
	new_csr u.example.com u.example.com
	sign u.example.com urls
	assert_status 200
	assertEquals "CRL DP" "Full Name:|URI:http://ca.example.com/ca.crl|" \
	    "$(ext "$pem" crlDistributionPoints)"
	assertEquals "AIA" "OCSP - URI:http://ocsp.example.com|CA Issuers - URI:http://ca.example.com/ca.crt|CA Issuers - URI:ldap://dir.example.com/cn=CA|" \
	    "$(ext "$pem" authorityInfoAccess)"
	assertEquals "chains" "$pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$pem" 2>&1)"
}

test_certtool_reads_the_url_extensions() {
	local out
	new_csr t.example.com t.example.com
	sign t.example.com urls
	assert_status 200
	out=$(certtool -i --infile "$W/t.example.com.urls.pem" 2>&1)
	assertContains "$out" "CRL Distribution points (not critical):"
	assertContains "$out" "URI: http://ca.example.com/ca.crl"
	assertContains "$out" "Access Method: 1.3.6.1.5.5.7.48.1 (id-ad-ocsp)"
	assertContains "$out" "Access Location URI: http://ocsp.example.com"
	assertContains "$out" "Access Method: 1.3.6.1.5.5.7.48.2 (id-ad-caIssuers)"
	assertContains "$out" "Access Location URI: ldap://dir.example.com/cn=CA"
}

test_a_profile_without_urls_has_the_default_profiles() {
	local pem=$W/i.example.com.server.pem
	new_csr i.example.com i.example.com
	sign i.example.com server
	assert_status 200
	assertEquals "the default's CRL DP" \
	    "Full Name:|URI:http://crl.example.com/default.crl|" \
	    "$(ext "$pem" crlDistributionPoints)"
	assertEquals "no AIA" "" "$(ext "$pem" authorityInfoAccess)"
}

test_policies_profile_writes_certificate_policies() {
	local pem=$W/p.example.com.policy.pem out
	new_csr p.example.com p.example.com
	sign p.example.com policy
	assert_status 200
	assertEquals "openssl reads them" \
	    "Policy: 2.23.140.1.2.1|Policy: 1.3.6.1.4.1.44947.1.1.1|CPS: http://cps.example.com|User Notice:|Explicit Text: Coffer test notice|" \
	    "$(ext "$pem" certificatePolicies)"
	out=$(certtool -i --infile "$pem" 2>&1)
	assertContains "$out" "Certificate Policies (not critical):"
	assertContains "$out" "2.23.140.1.2.1"
	assertContains "$out" "Note: Coffer test notice"
	assertContains "$out" "URI: http://cps.example.com"
}

test_backdate_sets_not_before_back_by_its_duration() {
	local pem=$W/b.example.com.policy.pem nb now
	new_csr b.example.com b.example.com
	now=$(date +%s)
	sign b.example.com policy
	assert_status 200
	nb=$(date -ud "$(openssl x509 -in "$pem" -noout -startdate | cut -d= -f2)" +%s)
	assertTrue "notBefore about an hour ago ($((now - nb)) s)" \
	    "[ $((now - nb)) -ge 3540 ] && [ $((now - nb)) -le 3660 ]"
	assertEquals "the expiry counts from notBefore" 7200 "$(lifetime "$pem")"
}

test_not_before_and_not_after_fix_the_validity() {
	local pem=$W/f.example.com.fixed.pem
	new_csr f.example.com f.example.com
	sign f.example.com fixed
	assert_status 200
	assertEquals "notBefore=Jan  1 00:00:00 2026 GMT" \
	    "$(openssl x509 -in "$pem" -noout -startdate)"
	assertEquals "notAfter=Jan  1 10:00:00 2027 GMT" \
	    "$(openssl x509 -in "$pem" -noout -enddate)"
}

# ext_der PEM NAME: the DER value of one extension, in hex, as openssl's
# asn1parse dumps it (NAME as asn1parse names the OID).
ext_der() {
	openssl asn1parse -in "$1" | grep -A1 ":$2\$" | tail -1 |
	    sed -n 's/.*\[HEX DUMP\]://p'
}

test_url_and_policy_extensions_are_byte_for_byte_cfssls() {
	local p n
	# cfssl 1.2 signs the same CSR locally under the same two profiles.
	jq '{signing: {default: .signing.default, profiles:
	    {urls: .signing.profiles.urls, policy: .signing.profiles.policy}}}' \
	    "$PDIR/cfssl.json" >"$W/local.json"
	echo '{"CN": "Local CA", "key": {"algo": "ecdsa", "size": 256}}' \
	    >"$W/localca.json"
	(cd "$W" && cfssl gencert -initca localca.json 2>/dev/null |
	    cfssljson -bare localca)
	new_csr same.example.com same.example.com
	for p in urls policy; do
		sign same.example.com $p
		assert_status 200
		(cd "$W" && cfssl sign -ca localca.pem -ca-key localca-key.pem \
		    -config local.json -profile $p same.example.com.csr \
		    2>/dev/null | cfssljson -bare "cfssl-$p")
		for n in "Authority Information Access" \
		    "X509v3 CRL Distribution Points" "X509v3 Certificate Policies"; do
			assertEquals "$p: $n" \
			    "$(ext_der "$W/cfssl-$p.pem" "$n")" \
			    "$(ext_der "$W/same.example.com.$p.pem" "$n")"
		done
	done
	assertNotNull "cfssl wrote policies" \
	    "$(ext_der "$W/cfssl-policy.pem" "X509v3 Certificate Policies")"
	assertNotNull "cfssl wrote AIA" \
	    "$(ext_der "$W/cfssl-urls.pem" "Authority Information Access")"
}

test_is_ca_profile_gives_ca_true_with_its_path_length() {
	new_csr Sub-CA
	sign Sub-CA intermediate
	assert_status 200
	assertEquals "BC" "CA:TRUE, pathlen:1|" \
	    "$(ext "$W/Sub-CA.intermediate.pem" basicConstraints)"
	assertEquals "KU" "Certificate Sign, CRL Sign|" \
	    "$(ext "$W/Sub-CA.intermediate.pem" keyUsage)"
	assertEquals "no EKU" "" "$(ext "$W/Sub-CA.intermediate.pem" extendedKeyUsage)"
	assertEquals "chains" "$W/Sub-CA.intermediate.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/Sub-CA.intermediate.pem" 2>&1)"
}

test_max_path_len_zero_gives_pathlen_0() {
	new_csr Last-CA
	sign Last-CA lastca
	assert_status 200
	assertEquals "BC" "CA:TRUE, pathlen:0|" \
	    "$(ext "$W/Last-CA.lastca.pem" basicConstraints)"
}

test_an_intermediate_from_an_is_ca_profile_can_issue_a_leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=Issuing-CA -keyout "$W/issuing.key" -out "$W/issuing.csr" \
	    2>/dev/null
	sign issuing intermediate
	assert_status 200
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=leaf.example.com -keyout "$W/leaf.key" -out "$W/leaf.csr" \
	    2>/dev/null
	openssl x509 -req -in "$W/leaf.csr" -CA "$W/issuing.intermediate.pem" \
	    -CAkey "$W/issuing.key" -CAcreateserial -days 1 \
	    -out "$W/leaf.pem" 2>/dev/null
	assertEquals "the chain verifies" "$W/leaf.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" \
	        -untrusted "$W/issuing.intermediate.pem" "$W/leaf.pem" 2>&1)"
}

test_expiry_is_capped_at_the_cas() {
	new_csr long.example.com long.example.com
	sign long.example.com century
	assert_status 200
	assertEquals "notAfter is the CA's" \
	    "$(openssl x509 -in "$W/ca.pem" -noout -enddate)" \
	    "$(openssl x509 -in "$W/long.example.com.century.pem" -noout -enddate)"
}

test_whitelist_refuses_a_foreign_name_and_records_nothing() {
	local before
	before=$(cert_count)
	new_csr evil.example.org evil.example.org
	sign evil.example.org server
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 5500
	assert_json_eq '.errors[0].message' 'Request does not match policy whitelist'
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_whitelist_checks_the_hosts_of_the_request() {
	local before
	before=$(cert_count)
	new_csr ok.example.com ok.example.com
	sign ok.example.com server '+ {hosts: ["ok.example.com", "evil.example.net"]}'
	assert_status 400
	assert_json_eq '.errors[0].code' 5500
	sign ok.example.com server '+ {hosts: ["api.example.com", "192.0.2.1"]}'
	assert_status 200
	assertEquals "one certificate recorded" "$((before + 1))" "$(cert_count)"
}

test_whitelist_checks_the_common_name() {
	new_csr evil.example.org www.example.com
	sign evil.example.org server
	assert_status 400
	assert_json_eq '.errors[0].code' 5500
}

test_cfssl_sign_with_a_profile_through_authsign_applies_it() {
	new_csr cli.example.com cli.example.com
	(cd "$W" && cfssl sign -config client.json -profile server \
	    cli.example.com.csr 2>/dev/null | cfssljson -bare cli)
	assertTrue "cfssl wrote the certificate" "[ -s $W/cli.pem ]"
	assertEquals "chains" "$W/cli.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/cli.pem" 2>&1)"
	assertEquals "EKU" "TLS Web Server Authentication|" \
	    "$(ext "$W/cli.pem" extendedKeyUsage)"
	assertEquals "48h" 172800 "$(lifetime "$W/cli.pem")"
}

test_cfssl_sign_with_a_profile_reports_a_whitelist_miss() {
	local out before
	before=$(cert_count)
	new_csr cli.example.org cli.example.org
	out=$(cd "$W" && cfssl sign -config client.json -profile server \
	    cli.example.org.csr 2>&1)
	assertContains "$out" "Request does not match policy whitelist"
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_newcert_under_a_whitelisted_profile_checks_its_names() {
	local before
	before=$(cert_count)
	auth_json POST /ca/api/v2/newcert '{"profile": "server", "request":
	    {"CN": "n.example.org", "hosts": ["n.example.org"],
	     "key": {"algo": "ecdsa", "size": 256}}}'
	assert_status 400
	assert_json_eq '.errors[0].code' 5500
	assertEquals "nothing recorded" "$before" "$(cert_count)"
	auth_json POST /ca/api/v2/newcert '{"profile": "server", "request":
	    {"CN": "n.example.com", "hosts": ["n.example.com"],
	     "key": {"algo": "ecdsa", "size": 256}}}'
	assert_status 200
	jq -r .result.certificate "$BODY_FILE" >"$W/n.pem"
	assertEquals "48h" 172800 "$(lifetime "$W/n.pem")"
}

# start_ca CONFIG: run the ca program alone with CONFIG as it starts under
# a server; sets OUT (its log) and RC.
start_ca() {
	printf 'store = %s/none.db\nca_profiles = %s\n' "$PDIR" "$1" \
	    >"$PDIR/coffer.conf"
	OUT=$(COFFER_CONFIG=$PDIR/coffer.conf timeout 5 \
	    "$COFFER_BUILD/cgi-bin/ca" </dev/null 2>&1)
	RC=$?
}

test_a_bad_profiles_file_stops_the_program_with_its_reason() {
	local f=$PDIR/bad.json
	start_ca "$PDIR/missing.json"
	assertNotEquals "missing file" 0 "$RC"
	assertContains "$OUT" "missing.json"
	echo '{"signing": {"default": ' >"$f"
	start_ca "$f"
	assertNotEquals "not JSON" 0 "$RC"
	assertContains "$OUT" "not a JSON object"
	echo '{"signing": {"profiles": {"p": {"usages": ["bogus"], "expiry": "1h"}}}}' >"$f"
	start_ca "$f"
	assertNotEquals "no known usage" 0 "$RC"
	assertContains "$OUT" "profile 'p': no known usage"
	echo '{"signing": {"profiles": {"p": {"usages": ["signing"], "expiry": "1.5h"}}}}' >"$f"
	start_ca "$f"
	assertNotEquals "fractional expiry" 0 "$RC"
	assertContains "$OUT" "expiry"
	echo '{"signing": {"profiles": {"p": {"usages": ["signing"]}}}}' >"$f"
	start_ca "$f"
	assertNotEquals "no expiry" 0 "$RC"
	assertContains "$OUT" "empty expiry string"
	echo '{"signing": {"profiles": {"p": {"usages": ["signing"], "expiry": "1h", "name_whitelist": "^\\d+$"}}}}' >"$f"
	start_ca "$f"
	assertNotEquals "Go-only regexp" 0 "$RC"
	assertContains "$OUT" "name_whitelist"
	echo '{"auth_keys": {}}' >"$f"
	start_ca "$f"
	assertNotEquals "no signing section" 0 "$RC"
	assertContains "$OUT" "not a cfssl config"
}

test_a_bad_auth_key_stops_the_program_with_its_reason() {
	local f=$PDIR/badkey.json k='"key": "0123456789ABCDEF0123456789ABCDEF"'
	echo '{"signing": {"default": {"usages": ["signing"], "expiry": "1h", "auth_key": "nokey"}}}' >"$f"
	start_ca "$f"
	assertNotEquals "unknown key name" 0 "$RC"
	assertContains "$OUT" "failed to find auth_key 'nokey' in auth_keys"
	echo '{"signing": {"default": {"usages": ["signing"], "expiry": "1h", "auth_key": "a"}}, "auth_keys": {"a": {"type": "standard-ip", '"$k"'}}}' >"$f"
	start_ca "$f"
	assertNotEquals "unknown type" 0 "$RC"
	assertContains "$OUT" "unknown authentication type"
	echo '{"signing": {"default": {"usages": ["signing"], "expiry": "1h", "auth_key": "a"}}, "auth_keys": {"a": {"type": "standard", "key": "env:CFSSL_KEY"}}}' >"$f"
	start_ca "$f"
	assertNotEquals "not hex" 0 "$RC"
	assertContains "$OUT" "key must be hex of 16 to 128 bytes"
	echo '{"signing": {"default": {"usages": ["signing"], "expiry": "1h", "auth_key": "a"}}, "auth_keys": {"a": {"type": "standard", "key": "0011"}}}' >"$f"
	start_ca "$f"
	assertNotEquals "too short" 0 "$RC"
	assertContains "$OUT" "key must be hex"
}

test_a_bad_url_stops_the_program_with_its_reason() {
	local f=$PDIR/badurl.json
	echo '{"signing": {"default": {"usages": ["signing"], "expiry": "1h", "crl_url": "http://a b/"}}}' >"$f"
	start_ca "$f"
	assertNotEquals "a space in crl_url" 0 "$RC"
	assertContains "$OUT" "crl_url must be a URL"
	echo '{"signing": {"default": {"usages": ["signing"], "expiry": "1h", "ocsp_url": 5}}}' >"$f"
	start_ca "$f"
	assertNotEquals "ocsp_url not a string" 0 "$RC"
	assertContains "$OUT" "ocsp_url must be a URL"
	echo '{"signing": {"default": {"usages": ["signing"], "expiry": "1h", "issuer_urls": "http://x/"}}}' >"$f"
	start_ca "$f"
	assertNotEquals "issuer_urls not a list" 0 "$RC"
	assertContains "$OUT" "issuer_urls must be a list"
}

# refused JSON_PROFILE_MEMBERS WORDS: a profile with these members stops
# the program, saying WORDS.
refused() {
	local f=$PDIR/refused.json
	echo '{"signing": {"profiles": {"p": {"usages": ["signing"], "expiry": "1h", '"$1"'}}}}' >"$f"
	start_ca "$f"
	assertNotEquals "refused: $1" 0 "$RC"
	assertContains "$1" "$OUT" "$2"
}

test_bad_validity_members_stop_the_program_with_their_reason() {
	refused '"backdate": "1.5h"' "backdate must be a whole Go duration"
	refused '"backdate": "-1h"' "backdate must be a whole Go duration"
	refused '"not_before": "2026-02-30T00:00:00Z"' "not_before must be an RFC 3339 time"
	refused '"not_after": "2026-01-01 00:00:00"' "not_after must be an RFC 3339 time"
	refused '"not_before": "2027-01-01T00:00:00Z", "not_after": "2026-01-01T00:00:00Z"' \
	    "not_after is before not_before"
}

test_bad_policies_stop_the_program_with_their_reason() {
	refused '"policies": [{"id": "3.1"}]' "policies must be a list"
	refused '"policies": [{"id": "1.2.x"}]' "policies must be a list"
	refused '"policies": [{"qualifiers": []}]' "policies must be a list"
	refused '"policies": [{"id": "1.2.3", "qualifiers": [{"type": "id-qt-other", "value": "x"}]}]' \
	    "policies must be a list"
	refused '"policies": [{"id": "1.2.3", "qualifiers": [{"type": "id-qt-cps", "value": "http://\u00e9"}]}]' \
	    "a CPS URI in ASCII"
	refused '"policies": {"id": "1.2.3"}' "policies must be a list"
}

test_unknown_profile_members_are_logged_as_ignored() {
	local f=$PDIR/extra.json
	echo '{"signing": {"profiles": {"p": {"usages": ["signing"], "expiry": "1h", "remote": "ca", "ocsp_no_check": true}}}}' >"$f"
	start_ca "$f"
	assertContains "$OUT" "profile 'p': 'remote' is not supported and is ignored"
	assertContains "$OUT" "profile 'p': 'ocsp_no_check' is not supported and is ignored"
}

test_members_it_honours_are_not_logged_as_ignored() {
	start_ca "$PDIR/cfssl.json"
	assertNotContains "$OUT" "is not supported and is ignored"
}

. /usr/share/shunit2/shunit2
