"""botocore's bundled data (service models, endpoints.json, partitions), read through the
process's one loader: parsed once per process, not once per session or reader."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.loaders import Loader
    from botocore.session import Session

_LOCK = threading.RLock()
_LOADER: list[Loader] = []  # the one data loader, once a session has made it
_DATA: list[Session] = []  # data_session(): no credentials, botocore's data only


def share_loader(session: Session) -> Session:
    """`session`, reading botocore's data through the process's one loader."""
    with _LOCK:
        if not _LOADER:
            _LOADER.append(session.get_component("data_loader"))
        else:
            session.register_component("data_loader", _LOADER[0])
        return session


def shared_loader() -> Loader:
    """The one data loader (made by the first session)."""
    with _LOCK:
        if not _LOADER:
            data_session()
        return _LOADER[0]


def data_session() -> Session:
    """A botocore session for botocore's bundled data (regions, partitions)."""
    with _LOCK:
        if not _DATA:
            import botocore.session

            _DATA.append(share_loader(botocore.session.Session()))
        return _DATA[0]
