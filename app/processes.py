"""Starting and stopping node processes (`antiport run`) on this machine: for the demo and the tests."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from antiport.node.client import Client, api_of
from antiport.node.home import Home


class NodeProcess:
    """One `antiport --home H run …` child process. Use as a context manager, or call stop()."""

    def __init__(self, home: Path, listen: list[str] | None = None, bootstrap: list[str] | None = None,
                 extra: list[str] | None = None, log: Path | None = None, discovery: bool = False,
                 passphrase: str | None = None):
        """`discovery` off (the default) runs the node with --no-discovery: no mDNS, no DHT, so the
        tests' and the demo's topologies are what their --bootstrap lines say. `passphrase` opens a
        sealed identity (the child has no terminal to ask on)."""
        self.home = Home(Path(home))
        argv = [sys.executable, "-m", "antiport.app.cli", "--home", str(home), "run"]
        if not discovery:
            argv.append("--no-discovery")
        for addr in listen or ["/ip4/127.0.0.1/tcp/0"]:
            argv += ["--listen", addr]
        for addr in bootstrap or []:
            argv += ["--bootstrap", addr]
        self.log_path = log or self.home.path / "node.log"
        self.home.path.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        env = {**os.environ, "ANTIPORT_PASSPHRASE": passphrase} if passphrase else None
        self.proc = subprocess.Popen(argv + (extra or []), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, env=env)

    def wait_ready(self, timeout: float = 60) -> dict:
        """Wait until the node's API answers; returns `id` (did, peer id, addrs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node exited with {self.proc.returncode}; log: {self.log_path}\n"
                                   f"{self.log()[-2000:]}")
            api = api_of(self.home)
            if api and api.get("pid") == self.proc.pid:
                try:
                    return self.client().call("id")
                except Exception:
                    pass
            time.sleep(0.1)
        raise TimeoutError(f"node for {self.home.path} not ready after {timeout}s; log: {self.log_path}")

    def client(self) -> Client:
        return Client(self.home)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown (the crash tests use this)."""
        self._signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then SIGKILL if the node does not exit in time. Returns the exit code."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def _signal(self, sig) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> NodeProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
