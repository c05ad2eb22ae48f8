"""Raw HTTP helpers for simulator tests (for what boto3 cannot send: bad bodies, unknown ops)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def raw_json(url: str, path: str = "/", method: str = "GET") -> Any:
    request = urllib.request.Request(url + path, method=method, data=b"" if method == "POST"
                                     else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDUMMYDUMMYDUMMY00/20261125/us-east-1/{service}/"
        "aws4_request, SignedHeaders=host, Signature=0")
