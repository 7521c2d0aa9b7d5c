"""Remembered tokens keep the rules: an expired or revoked token is refused at once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hub.auth.principal import Role
from hub.auth.tokens import TokenRefused, TokenVerifier, dev_issuer, issue_token
from hub.settings import DEFAULT_AGENCIES, DEFAULT_TEAMS, DEV_ISSUER

LEEWAY = 30


class Clock:
    """The verifier's idea of now, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def verifier(key_dir: Path, clock: Clock, *, cache_size: int = 8) -> TokenVerifier:
    return TokenVerifier(
        [dev_issuer(key_dir, DEV_ISSUER)],
        audience="mash-hub",
        agencies=DEFAULT_AGENCIES,
        teams=DEFAULT_TEAMS,
        leeway_seconds=LEEWAY,
        cache_size=cache_size,
        clock=clock,
    )


def a_token(key_dir: Path, clock: Clock, *, ttl_seconds: int = 600, sub: str = "sw-1") -> str:
    return issue_token(
        key_dir,
        issuer=DEV_ISSUER,
        audience="mash-hub",
        sub=sub,
        role=Role.mash_social_worker,
        ttl_seconds=ttl_seconds,
        now=clock.now,
    )


def test_a_remembered_token_is_refused_the_moment_it_expires(key_dir: Path) -> None:
    clock = Clock()
    tokens = verifier(key_dir, clock)
    token = a_token(key_dir, clock, ttl_seconds=600)
    assert tokens.verify(token).sub == "sw-1"
    clock.now += 600 + LEEWAY - 1
    assert tokens.verify(token).sub == "sw-1"  # from the table, still in date
    clock.now += 1
    with pytest.raises(TokenRefused, match="expired"):
        tokens.verify(token)
    with pytest.raises(TokenRefused, match="expired"):
        tokens.verify(token)  # and stays refused once forgotten


def test_a_revoked_token_is_refused_at_once_and_others_are_not(key_dir: Path) -> None:
    clock = Clock()
    tokens = verifier(key_dir, clock)
    revoked, kept = a_token(key_dir, clock), a_token(key_dir, clock, sub="sw-2")
    principal = tokens.verify(revoked)
    tokens.verify(kept)
    assert principal.token_id is not None

    tokens.revoke(principal.token_id, until=clock.now + 600)

    with pytest.raises(TokenRefused, match="revoked"):
        tokens.verify(revoked)
    assert tokens.verify(kept).sub == "sw-2"


def test_the_table_is_bounded_and_a_forgotten_token_is_checked_again(key_dir: Path) -> None:
    clock = Clock()
    tokens = verifier(key_dir, clock, cache_size=3)
    many = [a_token(key_dir, clock, sub=f"sw-{i}") for i in range(5)]
    for token in many:
        tokens.verify(token)
    assert len(tokens._verified) == 3
    # The first was forgotten; it is verified again in full, and still passes.
    assert tokens.verify(many[0]).sub == "sw-0"
    # A tampered copy of a remembered token is a different hash: checked, and refused.
    head, body, signature = many[4].split(".")
    with pytest.raises(TokenRefused):
        tokens.verify(f"{head}.{body}.{signature[:-4]}AAAA")
