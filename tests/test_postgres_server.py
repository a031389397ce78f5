"""The tests' throwaway PostgreSQL server (tests/postgres.py) starts even when another process
takes the port it picked before the server binds it."""

from __future__ import annotations

import socket

import psycopg

from tests.postgres import PostgresServer


def test_a_port_taken_before_the_server_binds_it_is_traded_for_another() -> None:
    server = PostgresServer()
    taken = server.port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        with server:
            assert server.port != taken
            assert "Address already in use" in server.log.read_text()
            with psycopg.connect(server.admin_url) as connection:
                assert connection.execute("SELECT 1").fetchone() == (1,)
