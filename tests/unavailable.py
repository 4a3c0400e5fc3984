"""A database that is really not there, of the kind the suite runs on: nothing is mocked, every connection fails.

PostgreSQL: a port on 127.0.0.1 where nothing listens (connection refused, as when the server is down).
SQLite: a file in a directory that does not exist (unable to open the database file, as when a volume is gone).
"""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import PG_URL


def unavailable_database_url(tmp_path: Path) -> str:
    if PG_URL:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
        return f"postgresql://postgres@127.0.0.1:{port}/idesluss"
    return f"sqlite:///{tmp_path / 'volume-gone' / 'idesluss.db'}"
