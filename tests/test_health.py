"""GET /health, the OpenAPI document and the interactive docs."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from licensehub.ledger.migrate import head_revision
from tests.conftest import ClientFactory


def test_health_reports_the_store_and_schema(client: TestClient, ledger_url: str) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["schema"] == head_revision()
    assert body["database"] == ("sqlite" if ledger_url.startswith("sqlite") else "postgresql")


def test_health_is_unavailable_on_an_unmigrated_ledger(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    with make_client(f"sqlite:///{tmp_path / 'empty.db'}") as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert "licensehub db upgrade" in response.json()["detail"]


def test_health_is_unavailable_when_the_database_is_unreachable(
    make_client: ClientFactory,
) -> None:
    # Nothing listens on port 1 of this machine: the connection is refused at once.
    with make_client("postgresql://nobody:secret@127.0.0.1:1/ledger") as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_openapi_document_and_docs_are_served(client: TestClient) -> None:
    document = client.get("/openapi.json")
    assert document.status_code == 200
    assert "/health" in document.json()["paths"]
    assert client.get("/docs").status_code == 200
