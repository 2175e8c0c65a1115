#!/usr/bin/env bash
# GET /metrics for Prometheus (README.md#metrics, docs/security.md#metrics):
# who may read it, counters that rise by exactly the requests made, the
# seal gauge, the store's records and bytes (unsealed only), the text
# format, and no secret, path or name in it.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
S=/secrets/v1/secret/default
SECRETS_2XX='coffer_http_requests_total{program="secrets",dialect="dcos",status="2xx"}'
SECRETS_4XX='coffer_http_requests_total{program="secrets",dialect="dcos",status="4xx"}'
SECRETS_COUNT='coffer_http_request_duration_seconds_count{program="secrets"}'

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	auth_json PUT $A/users/scrapeuser '{"password":"pw-prom-1"}'
	auth_json PUT $A/users/nosyuser '{"password":"pw-nosy-1"}'
	auth_json PUT $A/acls/coffer:metrics '{"description":"metrics"}'
	auth_req PUT $A/acls/coffer:metrics/users/scrapeuser/read
	json_req POST $A/auth/login '{"uid":"scrapeuser","password":"pw-prom-1"}'
	PROM=$(jq -r .token "$BODY_FILE")
	json_req POST $A/auth/login '{"uid":"nosyuser","password":"pw-nosy-1"}'
	NOSY=$(jq -r .token "$BODY_FILE")
	auth_json PUT $S/counted '{"value":"v"}'
}
oneTimeTearDown() { coffer_server_stop; }

# scrape: GET /metrics as Prometheus sends it, with scrapeuser's token.
scrape() { req GET /metrics -H "Authorization: Bearer $PROM"; }

# metric SERIES: its value in the last answer, 0 when absent.
metric() {
	awk -v s="$1" '$1 == s { v = $2 } END { print v == "" ? 0 : v }' \
	    "$BODY_FILE"
}

test_without_a_token_metrics_answers_401_in_dcos_shape() {
	req GET /metrics
	assert_status 401
	assert_schema dcos-error.json
}

test_a_user_without_the_grant_gets_403_in_dcos_shape() {
	req GET /metrics -H "Authorization: Bearer $NOSY"
	assert_status 403
	assert_schema dcos-error.json
}

test_a_user_with_read_on_coffer_metrics_gets_the_text_format() {
	scrape
	assert_status 200
	assert_header Content-Type '^text/plain; version=0\.0\.4; charset=utf-8$'
	assertContains "$BODY" '# TYPE coffer_http_requests_total counter'
	assertContains "$BODY" 'coffer_sealed 0'
}

test_the_superuser_may_read_metrics() {
	auth_req GET /metrics
	assert_status 200
}

test_five_reads_add_exactly_five_to_the_secrets_2xx_series() {
	local before count i
	scrape
	before=$(metric "$SECRETS_2XX")
	count=$(metric "$SECRETS_COUNT")
	for i in 1 2 3 4 5; do
		auth_req GET $S/counted
		assert_status 200
	done
	scrape
	assertEquals "$((before + 5))" "$(metric "$SECRETS_2XX")"
	assertEquals "the histogram counts them too" "$((count + 5))" \
	    "$(metric "$SECRETS_COUNT")"
}

test_a_404_counts_in_the_4xx_series() {
	local before2 before4
	scrape
	before2=$(metric "$SECRETS_2XX")
	before4=$(metric "$SECRETS_4XX")
	auth_req GET $S/no-such-secret
	assert_status 404
	scrape
	assertEquals "$((before4 + 1))" "$(metric "$SECRETS_4XX")"
	assertEquals "$before2" "$(metric "$SECRETS_2XX")"
}

test_a_refusal_counts_as_a_denied_decision() {
	local d='coffer_authz_decisions_total{decision="denied"}' before
	scrape
	before=$(metric "$d")
	req GET $S/counted -H "Authorization: token=$NOSY"
	assert_status 403
	scrape
	assertEquals "$((before + 1))" "$(metric "$d")"
}

test_a_failed_login_counts_as_a_login_failure() {
	local before
	scrape
	before=$(metric coffer_login_failures_total)
	json_req POST $A/auth/login '{"uid":"scrapeuser","password":"wrong"}'
	assert_status 401
	scrape
	assertEquals "$((before + 1))" "$(metric coffer_login_failures_total)"
}

test_a_write_counts_a_store_commit() {
	local before
	scrape
	before=$(metric coffer_store_commits_total)
	auth_json PUT $S/committed '{"value":"v"}'
	assert_status 201
	scrape
	assertEquals "$((before + 1))" "$(metric coffer_store_commits_total)"
}

# The store's gauges (backend.h: stats), counted exactly: a new DC/OS
# secret is one record, so N of them raise the count by N (no other
# request runs meanwhile); a new version of one adds the old version's
# record (v:..., vault/secret.h); deleting a secret of one version takes
# one away.  16 KiB values grow the bytes on either backend (PostgreSQL's
# are its tables' pages: a few small rows may fit in one already there).
test_new_secrets_raise_the_record_gauge_by_as_many_and_the_bytes_grow() {
	local r0 b0 i v
	scrape
	r0=$(metric coffer_store_records)
	b0=$(metric coffer_store_bytes)
	assertTrue "records before ($r0)" "[ $r0 -gt 0 ]"
	assertTrue "bytes before ($b0)" "[ $b0 -gt 0 ]"
	v=$(head -c 12288 /dev/urandom | base64 -w0)
	for i in 1 2 3 4 5; do
		auth_json PUT $S/gauge-$i "{\"value\":\"$v\"}"
		assert_status 201
	done
	scrape
	assertEquals "five new secrets" "$((r0 + 5))" \
	    "$(metric coffer_store_records)"
	assertTrue "the bytes grew ($b0, $(metric coffer_store_bytes))" \
	    "[ $(metric coffer_store_bytes) -gt $b0 ]"
	auth_json PATCH $S/gauge-1 '{"value":"replaced"}'
	assert_status 204
	scrape
	assertEquals "a new version" "$((r0 + 6))" \
	    "$(metric coffer_store_records)"
	auth_req DELETE $S/gauge-2
	assert_status 204
	scrape
	assertEquals "a delete" "$((r0 + 5))" "$(metric coffer_store_records)"
}

test_writes_past_the_checkpoint_threshold_count_a_checkpoint() {
	if [ "$STACK_BACKEND" != gdbm ]; then
		startSkipping
		return
	fi
	local before i body=$COFFER_STATE/big.json
	scrape
	before=$(metric coffer_store_checkpoints_total)
	# 4 MiB of journal (STORE_CHECKPOINT_BYTES) in 700 KB values.
	printf '{"value":"%s"}' "$(head -c 700000 /dev/zero | tr '\0' x)" \
	    >"$body"
	for i in 1 2 3 4 5 6 7; do
		auth_req PUT $S/big$i -H 'Content-Type: application/json' \
		    --data-binary @"$body"
		assert_status 201
	done
	# The checkpoint runs once the answer of the commit is sent.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		scrape
		[ "$(metric coffer_store_checkpoints_total)" -gt "$before" ] &&
		    break
		sleep 0.2
	done
	assertTrue "a checkpoint was counted" \
	    "[ $(metric coffer_store_checkpoints_total) -gt $before ]"
}

test_sealed_metrics_answer_503_to_a_token_and_count_the_seal_after() {
	local seals='coffer_seal_events_total{event="seal"}'
	local unseals='coffer_seal_events_total{event="unseal"}' s u
	scrape
	assertEquals 0 "$(metric coffer_sealed)"
	s=$(metric "$seals")
	u=$(metric "$unseals")
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	scrape
	assert_status 503
	assert_schema dcos-error.json
	req GET /metrics
	assert_status 503
	set -- $COFFER_SHARES
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$1\"}"
	assert_status 200
	scrape
	assertEquals 0 "$(metric coffer_sealed)"
	assertEquals "$((s + 1))" "$(metric "$seals")"
	assertEquals "$((u + 1))" "$(metric "$unseals")"
}

test_a_signed_and_a_revoked_certificate_are_counted() {
	local issued='coffer_certificates_total{event="issued"}'
	local revoked='coffer_certificates_total{event="revoked"}' i r w
	local serial aki
	scrape
	i=$(metric "$issued")
	r=$(metric "$revoked")
	w=$COFFER_STATE/certs
	mkdir -p "$w"
	echo '{"CN":"m.example.com","hosts":["m.example.com"],"key":{"algo":"ecdsa","size":256}}' |
	    (cd "$w" && cfssl genkey - 2>/dev/null | cfssljson -bare m)
	auth_json POST /api/v1/cfssl/sign \
	    "$(jq -n --rawfile csr "$w/m.csr" '{certificate_request: $csr}')"
	assert_status 200
	jq -r .result.certificate "$BODY_FILE" >"$w/m.pem"
	auth_json POST /api/v1/cfssl/certinfo \
	    "$(jq -n --rawfile c "$w/m.pem" '{certificate: $c}')"
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	aki=$(jq -r .result.authority_key_id "$BODY_FILE" | tr -d : |
	    tr A-F a-f)
	auth_json POST /api/v1/cfssl/revoke \
	    "{\"serial\":\"$serial\",\"authority_key_id\":\"$aki\",\"reason\":\"superseded\"}"
	assert_status 200
	scrape
	assertEquals "issued" "$((i + 1))" "$(metric "$issued")"
	assertEquals "revoked" "$((r + 1))" "$(metric "$revoked")"
}

test_the_text_passes_a_strict_exposition_check() {
	scrape
	assert_status 200
	python3 "$COFFER_TOP/tests/promcheck.py" <"$BODY_FILE"
	assertEquals "promcheck" 0 $?
	# Prometheus's own checker (tools/dev test puts it on PATH).
	if ! command -v promtool >/dev/null; then
		fail "no promtool: tools/dev test fetches it"
		return
	fi
	promtool check metrics <"$BODY_FILE"
	assertEquals "promtool check metrics" 0 $?
}

test_the_checker_refuses_broken_text() {
	local bad
	for bad in \
	    $'# TYPE a_total counter\na_total 1\n# TYPE a_total counter\n' \
	    $'# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 0\nh_count 1\n' \
	    $'# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 0\nh_count 1\n' \
	    $'# TYPE c counter\nc 1\n' \
	    $'a{x="1"} 1\na{x="1"} 2\n' \
	    $'a{x="\\q"} 1\n' \
	    $'a 1'; do
		if printf '%s' "$bad" | python3 "$COFFER_TOP/tests/promcheck.py" \
		    >/dev/null; then
			fail "promcheck took: $bad"
		fi
	done
}

test_no_secret_path_value_user_or_token_appears_in_the_text() {
	auth_json PUT $S/canary-path-7a1c/leaf '{"value":"canary-value-93be"}'
	assert_status 201
	auth_req GET $S/canary-path-7a1c/leaf
	auth_req GET $S/canary-path-7a1c/missing
	scrape
	assert_status 200
	assert_body_lacks canary-path-7a1c
	assert_body_lacks canary-value-93be
	assert_body_lacks scrapeuser
	assert_body_lacks nosyuser
	assert_body_lacks "$PROM"
	assert_body_lacks "$COFFER_TOKEN"
}

# README.md#metrics's steps: a user, its grant, a year's token from
# cofferctl, sent as the scrape config sends it.
test_the_readme_steps_give_prometheus_a_token_that_scrapes() {
	local tok
	openssl rand -hex 24 | coffer_ctl user-add prometheus \
	    --description "Prometheus scraper" --password-stdin >/dev/null
	coffer_ctl grant coffer:metrics read prometheus >/dev/null
	set -- $COFFER_SHARES
	tok=$(printf '%s\n' "$1" | coffer_ctl token --lifetime 31536000 \
	    prometheus 2>/dev/null)
	assertNotNull "cofferctl token" "$tok"
	req GET /metrics -H "Authorization: Bearer $tok"
	assert_status 200
	assertContains "$BODY" 'coffer_sealed 0'
}

# Last: it restarts the stack with another setting.
test_metrics_public_serves_without_a_token() {
	echo "metrics_public = yes" >>"$COFFER_CONFIG"
	coffer_server_restart
	req GET /metrics
	assert_status 200
	assertContains "$BODY" 'coffer_sealed 0'
	grep -q '"resource":"coffer:metrics".*"allowed":true' \
	    "$COFFER_STATE/audit.log"
	assertEquals "the decision is audited" 0 $?
	assertContains "unsealed, the store's gauges" "$BODY" \
	    '# TYPE coffer_store_records gauge'
	auth_req PUT /secrets/v1/seal/default
	req GET /metrics
	assert_status 200
	assertContains "sealed, the gauge says so" "$BODY" 'coffer_sealed 1'
	assert_body_lacks coffer_store_records
	assert_body_lacks coffer_store_bytes
	set -- $COFFER_SHARES
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$1\"}"
	assert_status 200
}

. /usr/share/shunit2/shunit2
