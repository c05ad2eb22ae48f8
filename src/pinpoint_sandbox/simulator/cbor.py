"""Just enough CBOR (RFC 8949) for the Smithy RPC v2 CBOR protocol botocore >= 1.44 uses for
CloudWatch: maps, arrays, text/byte strings, ints, floats, booleans, null, and tag 1 (epoch
timestamps). Indefinite-length items are decoded (botocore never sends them, but clients may).
"""

from __future__ import annotations

import struct
from typing import Any


class CborError(ValueError):
    pass


class Timestamp(float):
    """Epoch seconds that must go on the wire as a timestamp (CBOR tag 1; a number in JSON)."""


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise CborError(f"integer too large for CBOR: {value}")


def encode(value: Any) -> bytes:
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _encode(value: Any, out: bytearray) -> None:
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, Timestamp):
        out += _head(6, 1)
        _encode(float(value) if value % 1 else int(value), out)
    elif isinstance(value, int):
        out += _head(0, value) if value >= 0 else _head(1, -1 - value)
    elif isinstance(value, float):
        out += b"\xfb" + struct.pack(">d", value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        out += _head(3, len(data)) + data
    elif isinstance(value, bytes | bytearray):
        out += _head(2, len(value)) + bytes(value)
    elif isinstance(value, list | tuple):
        out += _head(4, len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        out += _head(5, len(value))
        for key, item in value.items():
            _encode(str(key), out)
            _encode(item, out)
    else:
        raise CborError(f"cannot encode {type(value).__name__} as CBOR")


def decode(data: bytes) -> Any:
    if not data:
        return {}
    value, pos = _decode(data, 0)
    if pos != len(data):
        raise CborError("trailing bytes after the CBOR data item")
    return value


def _read(data: bytes, pos: int, size: int) -> tuple[bytes, int]:
    if pos + size > len(data):
        raise CborError("truncated CBOR data")
    return data[pos : pos + size], pos + size


def _argument(data: bytes, pos: int, info: int) -> tuple[int, int]:
    if info < 24:
        return info, pos
    sizes = {24: 1, 25: 2, 26: 4, 27: 8}
    if info not in sizes:
        raise CborError(f"unsupported CBOR additional info {info}")
    raw, pos = _read(data, pos, sizes[info])
    return int.from_bytes(raw, "big"), pos


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    raw, pos = _read(data, pos, 1)
    major, info = raw[0] >> 5, raw[0] & 0x1F
    if major == 7:
        simple = {20: False, 21: True, 22: None, 23: None}
        if info in simple:
            return simple[info], pos
        formats = {25: (">e", 2), 26: (">f", 4), 27: (">d", 8)}
        if info not in formats:
            raise CborError(f"unsupported CBOR simple value {info}")
        fmt, size = formats[info]
        chunk, pos = _read(data, pos, size)
        return struct.unpack(fmt, chunk)[0], pos
    if info == 31 and major in (2, 3, 4, 5):
        return _decode_indefinite(data, pos, major)
    arg, pos = _argument(data, pos, info)
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        chunk, pos = _read(data, pos, arg)
        return (chunk.decode("utf-8") if major == 3 else chunk), pos
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = _decode(data, pos)
            items.append(item)
        return items, pos
    if major == 5:
        mapping: dict[Any, Any] = {}
        for _ in range(arg):
            key, pos = _decode(data, pos)
            mapping[key], pos = _decode(data, pos)
        return mapping, pos
    # major 6: a tag; tag 1 (epoch time) is the only one the protocol uses
    value, pos = _decode(data, pos)
    return (Timestamp(value) if arg == 1 else value), pos


def _decode_indefinite(data: bytes, pos: int, major: int) -> tuple[Any, int]:
    items: list[Any] = []
    while True:
        if pos >= len(data):
            raise CborError("unterminated indefinite-length CBOR item")
        if data[pos] == 0xFF:
            pos += 1
            break
        item, pos = _decode(data, pos)
        items.append(item)
    if major == 2:
        return b"".join(items), pos
    if major == 3:
        return "".join(items), pos
    if major == 4:
        return items, pos
    return dict(zip(items[::2], items[1::2], strict=False)), pos
