#!/usr/bin/env bash
# README.md's development path works as written: on a fresh copy of the
# tree (its tracked files, as a clone has them), the README's dev-* blocks
# run in order in one sh -e, as a reader types them into one shell:
# `tools/dev up`, the env file and curl, a read through the official Dapr
# JavaScript SDK, a certificate from `cfssl gencert -remote` with the
# development CA auth key, `tools/dev down`.
#
# Not a rebuild: the copy's build/ links to COFFER_BUILD (configured and
# built, so `tools/dev up` only runs a make that finds nothing to do) and
# its tests/js/node_modules to this tree's (the pinned SDK, which up's
# `npm ci` then finds installed), so the walk takes seconds.  Its state
# folder is the copy's own .coffer-dev, on a port of its own.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../readme_blocks.sh"

DEV_TAGS="dev-up dev-shell dev-dapr-sdk dev-cfssl dev-down"

# copy_tree DIR: the repository's tracked files into DIR, mtimes kept
# (tools/dev compares the SDK's install with tests/js/package-lock.json);
# outside a git checkout (a release tarball), the tree less what builds
# and runs leave in it.
copy_tree() {
	mkdir -p "$1" || return 1
	if git -C "$COFFER_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$COFFER_TOP" ls-files -z |
		    tar -C "$COFFER_TOP" --null --ignore-failed-read -T - -cf - |
		    tar -C "$1" -xf -
	else
		tar -C "$COFFER_TOP" --exclude='./build*' \
		    --exclude=./.coffer-dev --exclude=./tests/js/node_modules \
		    -cf - . | tar -C "$1" -xf -
	fi
}

oneTimeSetUp() {
	local tag script= t0
	WALK=$(mktemp -d "${TMPDIR:-/tmp}/coffer-walk.XXXXXX")
	TREE=$WALK/coffer
	copy_tree "$TREE" || return 1
	ln -s "$COFFER_BUILD" "$TREE/build"
	ln -s "$COFFER_TOP/tests/js/node_modules" "$TREE/tests/js/node_modules"
	# Not the default 8200, where a developer's own server may be.
	export COFFER_DEV_STATE=$TREE/.coffer-dev
	(umask 077 && mkdir "$COFFER_DEV_STATE") &&
	    echo $((20000 + RANDOM % 20000)) >"$COFFER_DEV_STATE/port"
	for tag in $DEV_TAGS; do
		script+="echo; echo '== readme block $tag'"$'\n'
		script+=$(readme_block "$COFFER_TOP/README.md" "$tag")$'\n'
	done
	t0=$(date +%s)
	(cd "$TREE" && sh -e -c "$script") >"$WALK/walk.log" 2>&1
	WALK_RC=$?
	WALK_SECONDS=$(($(date +%s) - t0))
	echo "the README's development walk took $WALK_SECONDS s"
	[ "$WALK_RC" -eq 0 ] || sed 's/^/walk: /' "$WALK/walk.log"
}

oneTimeTearDown() {
	(cd "$TREE" && tools/dev down) >/dev/null 2>&1
	rm -rf "$WALK"
}

test_every_development_block_runs_as_written_to_the_end() {
	assertEquals "the walk's exit status" 0 "$WALK_RC"
	assertContains "the last block ran" "$(cat "$WALK/walk.log")" \
	    "== readme block dev-down"
}

test_a_secret_written_with_curl_reads_back_through_the_dapr_sdk() {
	# The line after the block's marker: what the SDK's get resolved to.
	assertEquals "the SDK's answer" '{"value":"very-secret"}' \
	    "$(sed -n '/^== readme block dev-dapr-sdk$/,/^== /p' \
		"$WALK/walk.log" | grep '^{' | head -n 1)"
}

test_cfssl_gencert_remote_gives_a_certificate_that_verifies_against_coffers_ca() {
	local ca
	ca=$(mktemp "$WALK/ca.XXXXXX")
	assertEquals "the README's verify" 1 \
	    "$(grep -c '^dev.pem: OK$' "$WALK/walk.log")"
	openssl x509 -in "$TREE/coffer-ca.pem" -noout -subject >"$ca" 2>&1
	assertContains "the CA the README fetched is Coffer's" "$(cat "$ca")" \
	    "CN = Coffer CA"
	assertEquals "the certificate verifies against it" \
	    "$TREE/dev.pem: OK" "$(openssl verify -CAfile "$TREE/coffer-ca.pem" \
	    "$TREE/dev.pem" 2>&1)"
	assertContains "for the CSR's names" "$(openssl x509 -in "$TREE/dev.pem" \
	    -noout -ext subjectAltName 2>&1)" "DNS:dev.example.com"
}

test_tools_dev_down_leaves_no_server_running() {
	assertContains "status after down" \
	    "$(cd "$TREE" && tools/dev status 2>&1)" "not running"
}

test_the_walk_reuses_the_build_and_takes_under_a_minute() {
	assertTrue "$WALK_SECONDS s" "[ $WALK_SECONDS -lt 60 ]"
}

test_every_dev_marker_of_the_readme_is_one_the_walk_runs() {
	assertEquals "README's dev-* markers" \
	    "$(printf '%s\n' $DEV_TAGS | sort | paste -sd' ' -)" \
	    "$(readme_tags "$COFFER_TOP/README.md" | grep '^dev-' |
		paste -sd' ' -)"
}

. /usr/share/shunit2/shunit2
