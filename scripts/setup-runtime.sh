#!/bin/sh
# `make demo`'s set-up: a venv with only what the program needs (no test extra) and nothing byte-compiled
# ahead (Python compiles each module the first time it is imported, so only what the demo uses).
# With uv when it can be had: it resolves with its index requests in parallel and installs from a per-user
# cache by hard links, where pip fetches and reads one index page at a time. uv comes from the same package
# index as everything else, installed once per user into a cache folder of its own (never onto the PATH or into
# the project); when that fails, or uv does, plain pip does the same install. Usage: setup-runtime.sh PYTHON VENV
set -eu
PYTHON=$1 VENV=$2
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/antiport-setup"
UV="$TOOLS/bin/uv"
if [ ! -x "$UV" ]; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --target "$TOOLS" uv >/dev/null 2>&1 || true
fi
# offline first: a machine that has set up once has every package in uv's cache, and asking the index again
# for each of them is most of a warm install's time; anything missing and uv asks the index after all
if [ -x "$UV" ] && "$UV" venv --quiet --allow-existing --python "$PYTHON" "$VENV" \
    && { "$UV" pip install --quiet --offline --python "$VENV/bin/python" -e . 2>/dev/null \
         || "$UV" pip install --quiet --python "$VENV/bin/python" -e .; }; then
    exit 0
fi
echo "setting up $VENV with pip (uv could not be had, or failed): this takes a few minutes" >&2
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-compile -e .
