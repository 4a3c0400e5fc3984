"""A 500 MB upload to /slack/events or /api/messages costs `idesluss serve` nothing: refused with 413 before it
is read (Content-Length) or after at most the limit (chunked), in a real server process whose memory is read
from /proc. Bounded: the server answers after a few MB and closes, so each upload takes milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.uploads import MB, PeakWatcher, reset_peak, served, status_kib, upload, warm_up

HALF_GIGABYTE = 500 * MB
ALLOWANCE_KIB = 20 * 1024  # the bound: within 20 MB of the idle process


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to read the server's memory")
    with served(tmp_path_factory.mktemp("serve")) as process:
        warm_up(process)
        yield process


@pytest.mark.parametrize("path", ["/slack/events", "/api/messages"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_500_mb_upload_is_refused_without_being_held_in_memory(server, path: str, chunked: bool) -> None:
    idle = server.rss_kib()
    hwm_reset = reset_peak(server.pid)

    with PeakWatcher(server.pid) as watcher:
        result = upload(server.port, path, HALF_GIGABYTE, chunked=chunked)

    peak = max(watcher.peak, status_kib(server.pid, "VmHWM") if hwm_reset else 0)
    assert result.status == 413
    assert result.sent < 64 * MB  # the server stopped taking the body long before its end
    assert peak - idle < ALLOWANCE_KIB, f"idle {idle} KiB, peak {peak} KiB"
    assert server.process.poll() is None  # and is still serving
