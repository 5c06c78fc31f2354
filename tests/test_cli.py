"""The command line, run as a user runs it."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import trustme
from click.testing import CliRunner
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from licensehub.cli import main
from licensehub.ledger.database import make_engine
from licensehub.ledger.migrate import head_revision
from licensehub.ledger.tables import partners
from licensehub.settings import default_data_dir


def run(args: list[str], **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_help_states_where_the_embedded_ledger_lives() -> None:
    for command in ([], ["serve"], ["demo"], ["db"]):
        code, output = run([*command, "--help"])
        assert code == 0
        assert str(default_data_dir() / "licensehub.db") in " ".join(output.split()), command


def test_db_upgrade_then_current(ledger_url: str, tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    code, output = run(["db", "upgrade"], LICENSEHUB_DATABASE_URL=fresh)
    assert code == 0
    code, output = run(["db", "current"], LICENSEHUB_DATABASE_URL=fresh)
    assert output.split() == ["current:", str(head_revision()), "head:", str(head_revision())]
    code, output = run(["db", "upgrade"], LICENSEHUB_DATABASE_URL=ledger_url)
    assert code == 0


def test_demo_builds_its_own_database(tmp_path: Path) -> None:
    code, output = run(["demo", "--as-of", "2026-11-21"], LICENSEHUB_DATA_DIR=str(tmp_path))
    assert code == 0, output
    assert (tmp_path / "demo.db").exists()
    assert not (tmp_path / "licensehub.db").exists()  # the user's ledger is never touched
    assert "tenants" in output


def test_demo_refuses_a_real_ledger_and_hides_passwords(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    with engine.begin() as connection:
        connection.execute(insert(partners).values(name="Real partner"))
    engine.dispose()
    result = CliRunner().invoke(main, ["demo", "--database-url", ledger_url])
    assert result.exit_code == 1
    assert "never writes into a real ledger" in result.output
    password = make_url(ledger_url).password
    if password:
        assert password not in result.output


def test_as_of_goes_with_demo() -> None:
    code, output = run(["serve", "--as-of", "2026-01-01"])
    assert code == 2
    assert "--as-of goes with --demo" in output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "LICENSEHUB_DATA_DIR": str(tmp_path)}
    env.pop("LICENSEHUB_DATABASE_URL", None)
    args = [sys.executable, "-m", "licensehub", "serve", "--port", str(port), *extra]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return process, port


def wait_for(url: str, process: subprocess.Popen[bytes], **client: object) -> httpx.Response | None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return httpx.get(url, timeout=2, **client)  # type: ignore[arg-type]
        except httpx.TransportError:
            time.sleep(0.2)
    return None


def test_serve_with_tls(tmp_path: Path) -> None:
    """Veeam clients call https://host:4443: serve listens with TLS on any port."""
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    cert, key, ca = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    process, port = serve(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        trust = ssl.create_default_context(cafile=str(ca))
        health = wait_for(f"https://localhost:{port}/health", process, verify=trust)
        assert health is not None, "serve did not answer over TLS within a minute"
        assert health.status_code == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert f"serving on https://localhost:{port}" in output


def test_tls_options_go_together(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("x")
    code, output = run(["serve", "--tls-cert", str(tmp_path / "cert.pem")])
    assert code == 2
    assert "go together" in output


@pytest.mark.parametrize("demo", [True, False], ids=["demo", "ledger"])
def test_serve_answers_health_and_openapi(tmp_path: Path, demo: bool) -> None:
    """`licensehub serve` as a process: it migrates or builds its database, then answers."""
    process, port = serve(tmp_path, *(["--demo"] if demo else []))
    try:
        health = wait_for(f"http://127.0.0.1:{port}/health", process)
        assert health is not None, "serve did not answer within a minute"
        assert health.status_code == 200
        assert health.json()["schema"] == head_revision()
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert f"serving on http://localhost:{port}" in output
    assert (tmp_path / ("demo.db" if demo else "licensehub.db")).exists()


def test_the_command_line_starts_without_the_web_stack_or_alembic() -> None:
    """`licensehub import` of a million rows paid ~0.3 s to load FastAPI it never used, and
    Alembic, which only a migration needs."""
    script = "import sys, licensehub.cli; print(sorted({'fastapi', 'alembic'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
