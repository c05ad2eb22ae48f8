"""What every simulated operation shares: the call context, the error type, pagination."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pinpoint_sandbox.simulator.cbor import Timestamp
from pinpoint_sandbox.simulator.state import SimulatorState


class ApiError(Exception):
    """An AWS error answer: code (`__type` / XML Code), message, HTTP status, extra fields."""

    def __init__(
        self, code: str, message: str, status: int = 400, **fields: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields


@dataclass
class Call:
    state: SimulatorState
    service: str
    operation: str
    account_id: str
    region: str
    access_key: str | None
    params: dict[str, Any]
    now: float

    def region_state(self) -> dict[str, Any]:
        return self.state.region(self.account_id, self.region)

    def account_state(self) -> dict[str, Any]:
        accounts: dict[str, dict[str, Any]] = self.state.data["accounts"]
        return accounts[self.account_id]


Handler = Callable[[Call], dict[str, Any]]


def ts(value: float) -> Timestamp:
    return Timestamp(round(float(value), 3))


def require(call: Call, *names: str, error: str = "ValidationException") -> None:
    for name in names:
        if call.params.get(name) in (None, ""):
            raise ApiError(error, f"1 validation error detected: Value null at '{name}' failed "
                           "to satisfy constraint: Member must not be null")


def paginate(
    items: list[Any],
    params: dict[str, Any],
    *,
    token_key: str = "NextToken",
    max_key: str = "MaxResults",
    default_size: int = 50,
    invalid_token: str = "ValidationException",
) -> tuple[list[Any], str | None]:
    """Offset pagination; the token is the offset as text (opaque enough for clients)."""
    token = params.get(token_key)
    start = 0
    if token:
        try:
            start = int(str(token))
        except ValueError as exc:
            raise ApiError(invalid_token, f"Invalid {token_key}: {token}") from exc
        if start < 0 or start > len(items):
            raise ApiError(invalid_token, f"Invalid {token_key}: {token}")
    size = params.get(max_key) or default_size
    try:
        size = max(1, int(size))
    except (TypeError, ValueError) as exc:
        raise ApiError("ValidationException", f"Invalid {max_key}: {size}") from exc
    page = items[start : start + size]
    end = start + len(page)
    return page, (str(end) if end < len(items) else None)
