"""SIGINT during `bot drill run`: the drill cut short has no verdict, the rest do not run, exit 130."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.integration.conftest import REPO


def test_sigint_stops_the_drills_without_a_verdict() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "drill", "run", "all"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    assert process.stderr is not None
    line = process.stderr.readline()  # "running stale-data: ...": the first drill has started
    assert line.startswith("running stale-data"), line
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
    assert process.returncode == 130, err
    assert "error: drills interrupted by SIGINT: no verdict" in err
    assert "running retry-storm" not in err
    assert "drills:" not in out
