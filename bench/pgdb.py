"""The benchmarks' throwaway PostgreSQL database: dropped (its sessions ended) and created
empty before a run fills it."""

from __future__ import annotations

from urllib.parse import urlparse


def recreate_database(url: str) -> None:
    """Drop the database ``url`` names, ending whatever sessions it still has (a run stopped
    half-way leaves its pool), and create it empty, through the server's ``postgres``
    database."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
