"""URLs shown to people: a password in one (``user:password@`` or ``password=``) is masked, so a
message or log line that names a database or an API never carries it."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["redact_url"]

_USERINFO = re.compile(r"//[^/?#]*@")


def redact_url(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` parameter) masked."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, hostinfo = netloc.rpartition("@")
            user = userinfo.partition(":")[0]
            netloc = f"{user}:***@{hostinfo}"
        query = parts.query
        if "password" in query.lower():
            query = urlencode(
                [
                    (key, "***" if key.lower() == "password" else value)
                    for key, value in parse_qsl(query, keep_blank_values=True)
                ],
                safe="*",
            )
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:  # it does not parse: mask whatever stands before an "@"
        return _USERINFO.sub("//***@", url)
