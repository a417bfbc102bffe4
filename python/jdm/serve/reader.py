"""A locked-down connection for people and tools that only read the
warehouse: read-only, no access to any other file or the network, no
extension installed or loaded, and settings that cannot be changed back
from inside the session. By default it opens the served file (see
`jdm.serve.publish`), never the file dbt is building."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import duckdb

from jdm import config

READER_CONFIG = {
    # Files other than the warehouse itself (COPY ... TO, read_csv, ATTACH)
    # and the network are out of reach.
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    # Last: nothing above can be SET back during the session.
    "lock_configuration": True,
}


def connect_reader(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open `db_path` (default: the served file, $JDM_SERVE_DB) for reading
    only, locked down (see READER_CONFIG)."""
    db_path = Path(db_path or config.serve_db())
    if not db_path.exists():
        raise FileNotFoundError(f"no warehouse file at {db_path}: run `make run` first")
    return duckdb.connect(str(db_path), read_only=True, config=dict(READER_CONFIG))


def sqlalchemy_url(db_path: Path | None = None) -> str:
    """The SQLAlchemy URL (duckdb-engine) for a BI tool: the same locked-down
    settings as `connect_reader`, as URL parameters duckdb-engine passes to
    DuckDB when it connects."""
    path = Path(db_path or config.serve_db()).resolve()
    return f"duckdb:///{path}?" + urlencode({"access_mode": "read_only", **{
        name: str(value).lower() for name, value in READER_CONFIG.items()}})
