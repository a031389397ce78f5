"""The control-plane client given text that is not UTF-8 (an argument's bytes that are not,
read as lone surrogates): refused before anything is sent to the local control plane, naming
the field and never the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.errors import UsageError
from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY


def test_text_that_is_not_utf8_is_refused_before_anything_is_sent(
    shared_server: LocalServer, tmp_path: Path
) -> None:
    """An argument's bytes that are not UTF-8 (Python reads them as lone surrogates) were an
    internal error, UnicodeEncodeError, from httpx or the path's quoting."""
    environ = {"ELLIPSIS_CONFIG_DIR": str(tmp_path)}
    with Client(shared_server.url, API_KEY, sleep=lambda _: None, environ=environ) as client:
        with pytest.raises(UsageError, match=r"^'prompt' in the request holds text that is not"):
            client.start_run(config_id="agent_1", prompt="review \udcff")
        with pytest.raises(UsageError, match=r"^'metadata' in the request holds"):
            client.start_run(config_id="agent_1", metadata={"k\udcfe": "v"})
        with pytest.raises(UsageError, match=r"^'r\\udcff' is not UTF-8 text"):
            client.get_run("r\udcff")
        with pytest.raises(UsageError, match=r"^'config_id\[0\]' in the query holds") as error:
            client.list_runs(config_id="agent_\udcff")
        with pytest.raises(UsageError, match=r"^'variables\[0\].value' in the request") as error:
            client.set_variables({"API_KEY": "secret-\udcff"})
        assert "secret" not in str(error.value)
        assert client.list_variables() == []
        assert client.list_runs() == []
