#!/usr/bin/env bash
# The code is held to its own style: clang-format (.clang-format) and
# cppcheck find nothing.  And the repository stands on its own: it names
# no design document kept outside it, and every docs/ file and section it
# names exists (docs/architecture.md).  Each check fails when its tool is
# missing rather than pass without looking (tools/dev installs them).
. "$(dirname "$0")/../lib.sh"

SELF=tests/suites/style_source_test.sh

sources() {
	(cd "$COFFER_TOP" && git ls-files '*.c' '*.h' 2>/dev/null ||
	    find common cgi-bin tools tests -name '*.[ch]')
}

# The tracked files' lines matching an extended regular expression, as
# "file:line:text", this suite and the published specs (copied unchanged,
# tests/specs/*.yaml) left out.  Outside a git checkout: every file but
# builds.  A grep that fails says so, so that no check passes unlooked.
tracked_grep() {
	local rc
	if git -C "$COFFER_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$COFFER_TOP" grep -nIE -e "$1" -- . ":!$SELF" \
		    ':!tests/specs/*.yaml'
		rc=$?
	else
		(cd "$COFFER_TOP" && grep -rnIE --exclude-dir='build*' \
		    --exclude-dir=.git --exclude-dir=.coffer-dev \
		    --exclude-dir=node_modules -e "$1" . | sed 's|^\./||' |
		    grep -v -e "^$SELF:" -e '^tests/specs/[^:]*\.yaml:'
		    exit "${PIPESTATUS[0]}")
		rc=$?
	fi
	[ "$rc" -le 1 ] || echo "grep failed ($rc): cannot look"
	return 0
}

# The anchors of a Markdown file's headings, as GitHub makes them:
# lower case, punctuation dropped, spaces as hyphens.
anchors() {
	sed -n 's/^#\{1,6\} \{1,\}//p' "$1" | tr '[:upper:]' '[:lower:]' |
	    sed 's/[^a-z0-9 _-]//g; s/ /-/g'
}

# "missing <ref> (<where>)" for a reference to a docs/ file, or to a
# section of one (docs/store.md#the-journal), that does not exist.
check_doc_ref() {
	local ref=$1 where=$2 file anchor
	file=${ref%%#*}
	anchor=
	[ "$file" != "$ref" ] && anchor=${ref#*#}
	if [ ! -f "$COFFER_TOP/$file" ]; then
		echo "missing $ref ($where)"
	elif [ -n "$anchor" ] &&
	    ! anchors "$COFFER_TOP/$file" | grep -qxF -- "$anchor"; then
		echo "missing $ref ($where)"
	fi
}

test_clang_format_finds_nothing_to_change() {
	local out rc
	if ! command -v clang-format >/dev/null; then
		fail "clang-format is not installed (tools/dev installs it)"
		return
	fi
	out=$(cd "$COFFER_TOP" && sources | xargs clang-format --dry-run 2>&1)
	rc=$?
	assertEquals "clang-format ran on every file: $(echo "$out" |
	    grep -v 'warning:\|^ ' | head -5)" 0 "$rc"
	out=$(echo "$out" | grep 'warning:' | cut -d: -f1 | sort | uniq -c)
	assertEquals "files clang-format would change" "" "$out"
}

test_cppcheck_finds_nothing() {
	local out
	if ! command -v cppcheck >/dev/null; then
		fail "cppcheck is not installed (tools/dev installs it)"
		return
	fi
	out=$(cd "$COFFER_TOP" && cppcheck -q --enable=warning,performance,portability \
	    --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE \
	    -I common common cgi-bin tools tests 2>&1)
	assertEquals "cppcheck findings" "" "$out"
}

# The project's design lives in docs/; documents kept beside the
# repository (a design, a style guide, notes on peers' APIs) are not the
# reader's to open, so nothing may send them there.
test_no_file_names_a_document_outside_the_repository() {
	local out re
	re='DESIGN\.md|DESIGN §|STYLE\.md|[Rr]eference §|shared/reference'
	re+='|reference/[^[:space:]]*\.md|\.\./shared|seed [0-9]{3}'
	out=$(tracked_grep "$re")
	assertEquals "references to documents outside the repository" "" "$out"
}

test_every_docs_file_and_section_named_exists() {
	local out line where ref f
	out=$(
		tracked_grep 'docs/[A-Za-z0-9_-]+\.md' |
		    while IFS= read -r line; do
			where=${line%%:*}:$(echo "$line" | cut -d: -f2)
			echo "$line" | cut -d: -f3- |
			    grep -oE 'docs/[A-Za-z0-9_-]+\.md(#[a-z0-9_-]+)?' |
			    while IFS= read -r ref; do
				check_doc_ref "$ref" "$where"
			    done
		    done
		# Links within and between the docs: (#sealing),
		# (store.md#the-journal).
		for f in "$COFFER_TOP"/docs/*.md; do
			[ -f "$f" ] || continue
			grep -noE '\]\(([A-Za-z0-9_-]+\.md)?(#[a-z0-9_-]+)?\)' \
			    "$f" | while IFS= read -r line; do
				ref=${line#*](}
				ref=${ref%)}
				[ "${ref#\#}" != "$ref" ] && ref=${f##*/}$ref
				check_doc_ref "docs/$ref" "docs/${f##*/}:${line%%:*}"
			done
		done
	)
	assertEquals "docs/ files or sections named but missing" "" "$out"
	assertTrue "docs/ holds the design" "[ -f '$COFFER_TOP/docs/architecture.md' ]"
}

. /usr/share/shunit2/shunit2
