#!/bin/sh
# The GitHub Action's audit step (action.yml): audits PRIVAUDIT_PATHS into a SARIF file and
# keeps privaudit's exit code for a later step, so the SARIF is uploaded even when it fails.
set -u
out="${PRIVAUDIT_SARIF:-privaudit.sarif}"
# Word splitting is wanted: the input lists paths separated by spaces.
# shellcheck disable=SC2086
privaudit audit --format sarif --no-progress --color never --fail-on "${PRIVAUDIT_FAIL_ON:-low}" \
  ${PRIVAUDIT_ARGS:-} ${PRIVAUDIT_PATHS:-.} > "$out"
code=$?
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
if [ "$code" -ge 2 ]; then
  echo "privaudit could not read every input (exit $code); see the SARIF notifications" >&2
fi
exit 0
