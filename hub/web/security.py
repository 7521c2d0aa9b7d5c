"""What every page response carries, and the checks every state-changing form passes.

- A strict Content Security Policy: scripts only from the hub itself, plus the hash of
  GOV.UK Frontend's one inline script (it marks the page as JavaScript-enabled); no frames.
- CSRF: a signed-in person's forms carry their session's token. Forms shown before anyone
  signs in (the public referral form, the dev sign-in page) carry a signed, short-lived
  form token instead, which also holds the form's idempotency key.
- ``Origin``: a browser's POST must come from the hub's own origin.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import secrets
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.kit.crypto.signing import read_private_file, write_private_file
from hub.kit.errors import HubError

FORM_SECRET_FILE = "web-forms.key"  # noqa: S105 (a file name, not a secret)
FORM_TOKEN_MAX_AGE_SECONDS = 2 * 3600
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


class FormRefused(HubError):
    """A state-changing form without a valid token, or from another origin."""

    status, code = 403, "form_refused"
    detail = "This form has expired or did not come from this site. Go back and try again."


class FormExpired(FormRefused):
    """A genuine form token, older than its lifetime (the page was open a long time)."""


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions for the inline scripts in ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def content_security_policy(script_hashes: list[str], *, form_targets: tuple[str, ...]) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    forms = " ".join(["'self'", *form_targets])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        f"form-action {forms}; object-src 'none'"
    )


def secure_headers(response: Response, policy: str) -> Response:
    response.headers["Content-Security-Policy"] = policy
    # "same-origin", not "no-referrer": with no-referrer Chromium sends `Origin: null` on
    # form posts, and the Origin check needs the real one. Nothing leaves for other sites.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return response


class FormTokens:
    """Signed, short-lived tokens for forms shown before anyone signs in.

    Each token carries a random key: the public form uses it as the contact's idempotency
    key, so a double click or a resubmitted page makes one contact.
    """

    def __init__(self, key_dir: Path, *, max_age_seconds: int = FORM_TOKEN_MAX_AGE_SECONDS) -> None:
        path = key_dir / FORM_SECRET_FILE
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another worker made it first
                write_private_file(path, secrets.token_bytes(32))
        self._serializer = URLSafeTimedSerializer(read_private_file(path), salt="hub.web.forms")
        self._max_age = max_age_seconds

    def issue(self, purpose: str) -> str:
        return self._serializer.dumps({"for": purpose, "key": secrets.token_urlsafe(24)})

    def key_of(self, token: str | None, purpose: str) -> str:
        """The token's idempotency key; FormRefused when forged, expired or for another form."""
        if not token:
            raise FormRefused()
        try:
            payload = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired:  # checked only once the signature is found genuine
            raise FormExpired() from None
        except BadSignature:
            raise FormRefused() from None
        if not isinstance(payload, dict) or payload.get("for") != purpose:
            raise FormRefused()
        return str(payload["key"])


def check_origin(request: Request) -> None:
    """Refuse a browser POST whose Origin is another site (CSRF defence in depth)."""
    origin = request.headers.get("origin")
    if origin is None:
        # Browsers send Origin on every POST; fetch metadata says if this one is cross-site.
        if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            raise FormRefused()
        return
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin != own:
        raise FormRefused()


def check_csrf(expected: str, sent: str | None) -> None:
    if not sent or not secrets.compare_digest(expected, sent):
        raise FormRefused()
