"""The purpose of an IG officer's look-up, kept in their server-side session.

The IG pages read the log only with a stated purpose, which each service call writes into
its audit entry, as the API's ``X-Audit-Purpose`` header does. The purpose is asked for
once and kept with the browser session (in the database, never in a URL or a cookie) for
the pages that follow, until the person changes it or the session ends.

A signed-in session's ``sign_in`` column is unused once the person is signed in (it held
the sign-in's state while they were at the identity provider), so the purpose is kept
there, as JSON, rather than in a column of its own.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import Request
from sqlalchemy.orm import Session

from hub.web import repository
from hub.web.sessions import SessionRules, Stage

KEY = "ig_purpose"
SHORTEST, LONGEST = 3, 200


def _row_hash(request: Request) -> str | None:
    rules: SessionRules = request.app.state.session_rules
    raw_id = request.cookies.get(rules.cookie_name)
    # As hub.web.sessions keeps it: the SHA-256 of the cookie's id.
    return hashlib.sha256(raw_id.encode()).hexdigest() if raw_id else None


def stated_purpose(request: Request, session: Session) -> str | None:
    id_hash = _row_hash(request)
    row = repository.session_by_hash(session, id_hash) if id_hash else None
    if row is None or row.stage != Stage.active or not row.sign_in:
        return None
    try:
        kept = json.loads(row.sign_in)
    except ValueError:
        return None
    value = kept.get(KEY) if isinstance(kept, dict) else None
    return value if isinstance(value, str) else None


def keep_purpose(request: Request, session: Session, purpose: str) -> None:
    id_hash = _row_hash(request)
    row = repository.session_by_hash(session, id_hash) if id_hash else None
    if row is None or row.stage != Stage.active:
        return
    row.sign_in = json.dumps({KEY: purpose})
    session.flush()


def purpose_problem(purpose: str) -> str | None:
    if len(purpose) < SHORTEST:
        return "Enter why you are looking, for example a subject access request reference"
    if len(purpose) > LONGEST:
        return f"The purpose must be {LONGEST} characters or fewer"
    return None


def safe_next(path: str) -> str:
    """Back to the IG page the person came from, never anywhere else."""
    if path.startswith("/governance") and "//" not in path and "\\" not in path:
        return path
    return "/governance"
