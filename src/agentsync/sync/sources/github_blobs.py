"""Git blobs as GitHub's blob API sends them: named by their sha, decoded and checked against
it, and kept between syncs in a :class:`BlobCache` (the service keeps one in its database)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Collection, Mapping
from typing import Protocol

_BLOB_SHA = re.compile(r"[0-9a-f]{40}")


class BlobCache(Protocol):
    """Blob contents by git blob sha, kept between syncs."""

    def cached_blobs(self, shas: Collection[str]) -> dict[str, bytes]:
        """The contents of those of ``shas`` that are kept."""
        ...

    def cache_blobs(self, blobs: Mapping[str, bytes]) -> None:
        """Keep ``blobs`` (sha -> content)."""
        ...


class BrokenBlob(ValueError):
    """A blob's content is not what the blob API should send: says how, after "blob SHA"."""


def git_blob_sha(content: bytes) -> str:
    """The sha git (and GitHub) name a blob of ``content`` by."""
    return hashlib.sha1(b"blob %d\0%b" % (len(content), content), usedforsecurity=False).hexdigest()


def is_blob_sha(name: object) -> bool:
    """Whether ``name`` can name a blob: 40 lowercase hex digits (never a path to follow)."""
    return isinstance(name, str) and _BLOB_SHA.fullmatch(name) is not None


def decode_blob(content: object, encoding: object, sha: str) -> bytes:
    """A blob's bytes from the blob API's ``content`` and ``encoding``, checked against its
    ``sha``; BrokenBlob for base64 that is not, an unknown encoding, or another blob."""
    if not isinstance(content, str):
        raise BrokenBlob("without its content")
    if encoding == "base64":
        try:
            data = base64.b64decode(content)
        except (binascii.Error, ValueError) as e:
            raise BrokenBlob("with broken base64 content") from e
    elif encoding in ("utf-8", "utf8"):
        data = content.encode("utf-8", "surrogatepass")
    else:
        raise BrokenBlob(f"in an unknown encoding {encoding!r:.40}")
    if git_blob_sha(data) != sha:
        raise BrokenBlob("with other content: its sha does not match")
    return data
