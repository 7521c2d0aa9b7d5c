"""The board page: a shell that holds no data and loads nothing from elsewhere."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_board_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Screening queue" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "http" not in page.text.replace("http-equiv", "")  # nothing fetched from elsewhere


def test_static_files_are_only_the_boards_own(client: TestClient) -> None:
    assert client.get("/static/board.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/board.css").status_code == 200
    assert client.get("/static/../settings.py").status_code == 404
    assert client.get("/static/other.js").status_code == 404


def test_the_board_script_never_writes_html(client: TestClient) -> None:
    script = client.get("/static/board.js").text
    assert "innerHTML" not in script
    assert "outerHTML" not in script
