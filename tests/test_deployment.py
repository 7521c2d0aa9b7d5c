"""docker-compose.yml is parsed, not run: it must be complete and hold no secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|PIN|TOKEN|KEY", re.I)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_the_hub_beside_postgres_15_or_later() -> None:
    services = compose()["services"]
    image = services["db"]["image"]
    assert image.startswith("postgres:")
    assert int(image.split(":")[1].split("-")[0].split(".")[0]) >= 15
    assert services["hub"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert (REPO_ROOT / services["hub"]["build"] / "Dockerfile").exists()


def test_every_service_has_a_healthcheck() -> None:
    for name, service in compose()["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_settings_come_from_the_environment_and_no_secret_is_inline() -> None:
    for name, service in compose()["services"].items():
        for variable, value in service.get("environment", {}).items():
            if SECRET_WORDS.search(variable) or "://" in str(value):
                assert str(value).startswith("${"), f"{name}.{variable} is written inline"
    hub_env = compose()["services"]["hub"]["environment"]
    assert hub_env["HUB_DATABASE_URL"].startswith("${HUB_DATABASE_URL")
    assert hub_env["HUB_DEV_MODE"] == "${HUB_DEV_MODE:-false}"


def test_the_hub_port_is_published_on_loopback_only() -> None:
    assert all(p.startswith("127.0.0.1:") for p in compose()["services"]["hub"]["ports"])


def test_a_deployed_hub_runs_the_retention_schedule_daily_unless_told_otherwise() -> None:
    from hub.settings import Settings

    value = compose()["services"]["hub"]["environment"]["HUB_RETENTION_INTERVAL_SECONDS"]
    assert value.startswith("${HUB_RETENTION_INTERVAL_SECONDS:-")
    default = value.removeprefix("${HUB_RETENTION_INTERVAL_SECONDS:-").removesuffix("}")
    interval = Settings(dev_mode=True, retention_interval_seconds=float(default))
    assert interval.retention_interval_seconds == 24 * 3600
