#!/usr/bin/env bash
# GitHub Action step: runs awsredirect and reports back to the workflow — annotations and a SARIF
# file (check), the rewrite (patch), or the unified diff in the job summary (diff) — and writes
# the outputs findings, changed-files and sarif-file.
# Env: INPUT_COMMAND, INPUT_PATHS, INPUT_ENDPOINT, INPUT_ARGS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
# RUNNER_TEMP; AWSREDIRECT_BIN overrides the binary (tests).
set -uo pipefail

bin=${AWSREDIRECT_BIN:-awsredirect}
out_dir=${RUNNER_TEMP:-/tmp}
read -r -a paths <<< "${INPUT_PATHS:-.}"
read -r -a extra <<< "${INPUT_ARGS:-}"
options=("${extra[@]}")
if [ -n "${INPUT_ENDPOINT:-}" ]; then
  options+=(--endpoint "$INPUT_ENDPOINT")
fi

output() { printf '%s\n' "$@" >> "$GITHUB_OUTPUT"; }

changed_files() {
  # Paths named by `diff --git a/X b/X` lines.
  sed -n 's|^diff --git a/\(.*\) b/.*$|\1|p' "$1"
}

multiline_output() {
  local name=$1 file=$2 marker
  marker="awsredirect_$RANDOM$RANDOM"
  output "$name<<$marker"
  cat "$file" >> "$GITHUB_OUTPUT"
  output "$marker"
}

case "${INPUT_COMMAND:-check}" in
  check)
    sarif="$out_dir/awsredirect.sarif"
    "$bin" check --format sarif "${options[@]}" "${paths[@]}" > "$sarif"
    "$bin" check --format github "${options[@]}" "${paths[@]}" | tee "$out_dir/awsredirect-annotations.txt"
    status=${PIPESTATUS[0]}
    findings=$(grep -c '^::warning ' "$out_dir/awsredirect-annotations.txt")
    output "findings=$findings" "sarif-file=$sarif" "changed-files="
    {
      echo "## awsredirect check"
      echo
      echo "$findings finding(s). SARIF: \`$sarif\`"
    } >> "$GITHUB_STEP_SUMMARY"
    exit "$status"
    ;;
  patch|diff)
    diff="$out_dir/awsredirect.diff"
    "$bin" patch --diff "${options[@]}" "${paths[@]}" > "$diff"
    status=$?
    [ "$status" -eq 0 ] || exit "$status"
    changed_files "$diff" > "$out_dir/awsredirect-changed.txt"
    output "findings=$(wc -l < "$out_dir/awsredirect-changed.txt" | tr -d ' ')" "sarif-file="
    multiline_output changed-files "$out_dir/awsredirect-changed.txt"
    if [ "${INPUT_COMMAND}" = patch ]; then
      "$bin" patch "${options[@]}" "${paths[@]}"
      exit $?
    fi
    {
      echo "## awsredirect: what \`patch\` would change"
      echo
      if [ -s "$diff" ]; then
        echo '```diff'
        cat "$diff"
        echo '```'
      else
        echo "Nothing: every AWS client is already redirected."
      fi
    } >> "$GITHUB_STEP_SUMMARY"
    ;;
  *)
    echo "::error title=awsredirect::unknown command '${INPUT_COMMAND}' (expected check, patch or diff)"
    exit 2
    ;;
esac
