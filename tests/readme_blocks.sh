# tests/readme_blocks.sh: README.md's marked blocks, for the suites that run
# them as written (tests/readme_steps.sh, readme_dev_walk_test.sh).  A block
# is the fenced block that follows a line "<!-- readme-test: TAG -->".

# readme_block FILE TAG: the body of FILE's block for TAG (empty if none).
readme_block() {
	awk -v tag="<!-- readme-test: $2 -->" '
		$0 == tag { armed = 1; next }
		armed && !inside && /^```/ { inside = 1; next }
		inside && /^```/ { exit }
		inside { print }' "$1"
}

# readme_tags FILE: every TAG FILE marks, one a line, sorted.
readme_tags() {
	sed -n 's/^<!-- readme-test: \(.*\) -->$/\1/p' "$1" | sort
}
