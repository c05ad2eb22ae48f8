"""botocore's bundled data (service models, endpoints.json, partitions), read through the
process's one loader: parsed once per process, not once per session or reader."""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.RLock()
_LOADER: list[Any] = []  # the one data loader, once a session has made it
_DATA: list[Any] = []  # data_session(): no credentials, botocore's data only


def share_loader(session: Any) -> Any:
    """`session`, reading botocore's data through the process's one loader."""
    with _LOCK:
        if not _LOADER:
            _LOADER.append(session.get_component("data_loader"))
        else:
            session.register_component("data_loader", _LOADER[0])
        return session


def shared_loader() -> Any:
    """The one data loader (made by the first session)."""
    with _LOCK:
        if not _LOADER:
            data_session()
        return _LOADER[0]


def data_session() -> Any:
    """A botocore session for botocore's bundled data (regions, partitions)."""
    with _LOCK:
        if not _DATA:
            import botocore.session

            _DATA.append(share_loader(botocore.session.Session()))
        return _DATA[0]
