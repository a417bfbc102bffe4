"""A locked-down connection for people and tools that only read the
warehouse: read-only, no access to any other file or the network, no
extension installed or loaded, and settings that cannot be changed back
from inside the session."""

from __future__ import annotations

from pathlib import Path

import duckdb

READER_CONFIG = {
    # Files other than the warehouse itself (COPY ... TO, read_csv, ATTACH)
    # and the network are out of reach.
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    # Last: nothing above can be SET back during the session.
    "lock_configuration": True,
}


def connect_reader(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open `db_path` for reading only, locked down (see READER_CONFIG)."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no warehouse file at {db_path}: run `make run` first")
    return duckdb.connect(str(db_path), read_only=True, config=dict(READER_CONFIG))
