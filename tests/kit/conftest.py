"""Fixtures for the crypto kit: a throwaway SoftHSM2 token for the PKCS#11 tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.kit.crypto.providers import close_pkcs11_sessions

SOFTHSM2_LIBRARY_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)


@dataclass(frozen=True)
class SoftHsmToken:
    library_path: str
    token_label: str
    user_pin: str


def _softhsm2_library() -> str | None:
    configured = os.environ.get("SOFTHSM2_LIBRARY")
    candidates = (configured,) if configured else SOFTHSM2_LIBRARY_CANDIDATES
    return next((path for path in candidates if path and Path(path).is_file()), None)


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    """One initialised SoftHSM2 token for the whole session.

    Session-scoped because SoftHSM2 reads SOFTHSM2_CONF once, when the library is first
    initialised in the process: every PKCS#11 test must share the same token directory.
    """
    library_path = _softhsm2_library()
    softhsm2_util = shutil.which("softhsm2-util")
    if library_path is None or softhsm2_util is None:
        pytest.skip(
            "SoftHSM2 not installed: install the Debian/Ubuntu package 'softhsm2' "
            "(or set SOFTHSM2_LIBRARY to libsofthsm2.so)"
        )
    base = tmp_path_factory.mktemp("softhsm2")
    token_directory = base / "tokens"
    token_directory.mkdir()
    config = base / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {token_directory}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    token = SoftHsmToken(library_path, token_label="mash-hub-test", user_pin="1234")
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("SOFTHSM2_CONF", str(config))
        # Fixed arguments and a path found by shutil.which: no untrusted input.
        subprocess.run(  # noqa: S603
            [
                softhsm2_util,
                "--init-token",
                "--free",
                "--label",
                token.token_label,
                "--pin",
                token.user_pin,
                "--so-pin",
                "5678",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "SOFTHSM2_CONF": str(config)},
        )
        yield token
        close_pkcs11_sessions()
