#!/bin/sh
# `make demo`'s set-up: a venv with only what the program needs (no test extra), byte-compiling only the modules
# the demo's processes import (all of them would take a minute: numpy, textual, cryptography...).
# With uv when it can be had: it resolves with its index requests in parallel and installs from a per-user
# cache by hard links, where pip fetches and reads one index page at a time. uv comes from the same package
# index as everything else, installed once per user into a cache folder of its own (never onto the PATH or into
# the project); when that fails, or uv does, plain pip does the same install. Usage: setup-runtime.sh PYTHON VENV
set -eu
PYTHON=$1 VENV=$2
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/antiport-setup"
UV="$TOOLS/bin/uv"

install_with_uv() {
    [ -x "$UV" ] || "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --target "$TOOLS" uv \
        >/dev/null 2>&1 || return 1
    "$UV" venv --quiet --allow-existing --python "$PYTHON" "$VENV" || return 1
    # offline first: a machine that has set up once has every package in uv's cache, and asking the index again
    # for each of them is most of a warm install's time; anything missing and uv asks the index after all
    "$UV" pip install --quiet --offline --python "$VENV/bin/python" -e . 2>/dev/null \
        || "$UV" pip install --quiet --python "$VENV/bin/python" -e .
}

if ! install_with_uv; then
    echo "setting up $VENV with pip (uv could not be had, or failed): this takes a few minutes" >&2
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-compile -e .
fi
# Compiled once here, as importing them writes them (also where PYTHONDONTWRITEBYTECODE is set): otherwise the six
# node processes the demo starts at once would each compile the same thousand modules, on every run. In two
# processes, the node's modules and the TUI's (with numpy, which a node never imports: its reader processes do,
# node/readers.py), so that a second core helps; what both import is compiled twice (7.6 s of CPU in all, against
# 7.1 s in one process).
compile() {
    "$VENV/bin/python" -c "import sys; sys.dont_write_bytecode = False; import $1"
}
compile antiport.app.cli,antiport.app.demo,antiport.node.runtime,antiport.node.api,antiport.node.readers & node=$!
compile numpy,antiport.tui.app
wait $node
