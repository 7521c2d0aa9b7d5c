"""A refused sign-in is kept as a code of the hub's own, never the provider's words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEntry
from hub.auth.oidc import SignInFailed, token_refused
from hub.db import Database, transaction
from hub.web import sessions

# What a provider might put in its error field: anything at all, a person's name included.
PROVIDER_TEXT = "account of Jane Quorley (jane.quorley@example.org) is locked"


def test_a_known_token_error_is_kept_and_any_other_is_other() -> None:
    assert token_refused("invalid_grant") == "token_refused:invalid_grant"
    assert token_refused(PROVIDER_TEXT) == "token_refused:other"
    assert token_refused(None) == "token_refused:other"


def test_a_sign_in_failure_names_only_the_hubs_reasons() -> None:
    assert SignInFailed("id_token_refused").reason == "id_token_refused"
    with pytest.raises(ValueError, match="not a sign-in failure"):
        SignInFailed(f"token_refused:{PROVIDER_TEXT}")


def test_the_refusal_on_the_record_is_a_code_of_our_own(database: Database) -> None:
    with transaction(database) as session:
        sessions.record_refused(session, None, "token_refused:invalid_grant")
        sessions.record_refused(session, None, f"token_refused:{PROVIDER_TEXT}")
        sessions.record_refused(session, "alice", "no_role")
    with database.session() as session:
        reasons = list(
            session.scalars(
                select(AuditEntry.reason)
                .where(AuditEntry.action == "sign_in_refused")
                .order_by(AuditEntry.id)
            )
        )
    assert reasons == ["token_refused:invalid_grant", "refused", "no_role"]
    assert all("Quorley" not in (reason or "") for reason in reasons)
