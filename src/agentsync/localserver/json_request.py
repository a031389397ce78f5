"""Request bodies of the local control plane, read by agentsync's one JSON rule
(:mod:`agentsync.http.json_body`): a number that is not finite (``NaN``, ``1e400``), an
integer past Python's digit limit, values nested more than 100 levels deep, and text holding a
lone surrogate (``"\\ud800"``, which no UTF-8 answer can carry) are a 422 naming the field,
before anything is stored. Every router is an ``api_router``, whose routes read bodies so."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.routing import APIRoute

from agentsync.client.errors import problem_json
from agentsync.http import json_body


def read_body(body: bytes) -> Any:
    """``body`` decoded (a ``json.JSONDecodeError`` when it is no JSON), or a 422 naming what
    no answer could hold again."""
    try:
        value = json_body.loads(body, whole="the body")
    except json_body.Unfit as error:
        raise _invalid(error.where, str(error)) from None
    except UnicodeDecodeError:
        raise _invalid("", "the body is not UTF-8 text") from None
    where = json_body.not_utf8(value)
    if where is not None:
        raise _invalid(where, f"{where} is not valid Unicode (it holds a lone surrogate)")
    return value


def _invalid(where: str, message: str) -> HTTPException:
    """An HTTP error, which FastAPI's body parsing passes on (it makes others a bare 400)."""
    return HTTPException(422, [problem_json(message, rule="request", path=where)])


class _JSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = read_body(await self.body())
        return self._json


class JSONRoute(APIRoute):
    """A route whose JSON body is read by :func:`read_body`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_strictly(request: Request) -> Response:
            return await handler(_JSONRequest(request.scope, request.receive))

        return read_strictly


def api_router(tags: list[str] | None = None) -> APIRouter:
    """A router of the local control plane: its routes read JSON bodies by one rule."""
    return APIRouter(route_class=JSONRoute, tags=list(tags or []))
