#!/usr/bin/env bash
# Starts the real services the test suite talks to (for now: none besides what tests start themselves).
set -euo pipefail
