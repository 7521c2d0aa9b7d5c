"""Wiring the pages into the app: routes, assets, sessions, sign-in and HTML error pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from hub.auth.claims import ClaimsMapping
from hub.auth.oidc import IdentityProvider
from hub.kit.errors import HubError, NotFound
from hub.settings import Settings
from hub.web import docs, endpoints
from hub.web.admin import endpoints as admin
from hub.web.agency import endpoints as agency
from hub.web.board import contact
from hub.web.board import endpoints as board
from hub.web.desk import endpoints as desk
from hub.web.enquiries import endpoints as enquiries
from hub.web.governance import endpoints as governance
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.refer import endpoints as refer
from hub.web.reporting import pages as reporting
from hub.web.security import FormTokens, content_security_policy, inline_script_hashes
from hub.web.sessions import SessionRules
from hub.web.teams import endpoints as teams
from hub.web.templating import HERE, render, templates

GOVUK_DIST = Path("govuk-frontend") / "dist" / "govuk"
BUILT_STYLESHEET = HERE / "static" / "build" / "hub.css"
# Paths that answer JSON whatever happens; everything else is a page and answers HTML.
API_PREFIXES = ("/api/", "/openapi.json", "/health", "/.well-known/")
PAGE_ERRORS: dict[int | str, tuple[str, str]] = {
    403: ("This form has expired", "Go back, reload the page and try again."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    "forbidden": ("You cannot do this", "Your role in the hub does not allow it."),
    "destroyed": (
        "This case's content was destroyed",
        "It was kept for as long as the retention schedule says and then destroyed. "
        "The audit log still records what was done with it.",
    ),
    429: ("Too many requests", "Wait a minute, then try again."),
}

assets = APIRouter(include_in_schema=False)


@assets.get("/assets/hub.css")
def stylesheet() -> Response:
    if not BUILT_STYLESHEET.exists():
        raise NotFound("The stylesheet is not built; run `make run`, which runs npm.")
    return FileResponse(BUILT_STYLESHEET, media_type="text/css")


@assets.get("/assets/govuk-frontend.min.js")
def govuk_script(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    path = settings.web_assets_dir / GOVUK_DIST / "govuk-frontend.min.js"
    if not path.exists():
        raise NotFound()
    return FileResponse(path, media_type="text/javascript")


@assets.get("/static/{name}")
def own_static(name: str) -> Response:
    allowed = {
        "init.mjs": "text/javascript",
        "docs.js": "text/javascript",
        "agency-import.mjs": "text/javascript",
        "board.mjs": "text/javascript",
    }
    if name not in allowed:
        raise NotFound()
    return FileResponse(HERE / "static" / name, media_type=allowed[name])


def _script_hashes() -> list[str]:
    """Hashes of the inline scripts in GOV.UK's page template (one: it marks JS as on)."""
    sample = templates.env.get_template("error.html").render(
        title="", message="", council_name="", role_names=ROLE_NAMES, team_names=TEAM_NAMES
    )
    return inline_script_hashes(sample)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def install(app: FastAPI, settings: Settings) -> None:
    form_targets = (_origin(settings.idp_issuer),) if settings.idp_issuer else ()
    app.state.content_security_policy = content_security_policy(
        _script_hashes(), form_targets=form_targets
    )
    app.state.form_tokens = FormTokens(settings.key_dir)
    app.state.session_rules = SessionRules(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
        secure=not settings.dev_mode,
    )
    signs_in = bool(settings.idp_issuer and settings.idp_client_id and settings.idp_role_map)
    app.state.identity_provider = IdentityProvider(settings) if signs_in else None
    app.state.claims_mapping = (
        ClaimsMapping.parse(
            settings.idp_roles_claim,
            settings.idp_role_map,
            agencies=settings.agencies,
            teams=settings.teams,
        )
        if settings.idp_role_map
        else None
    )

    app.openapi = lambda: docs.bearer_openapi(app)  # type: ignore[method-assign]
    app.include_router(assets)
    app.include_router(docs.router)
    app.include_router(endpoints.router)
    app.include_router(refer.router)
    app.include_router(enquiries.router)
    app.include_router(desk.router)
    app.include_router(agency.router)
    app.include_router(board.router)
    app.include_router(contact.router)
    app.include_router(reporting.router)
    app.include_router(governance.router)
    app.include_router(teams.router)
    app.include_router(admin.router)
    govuk_assets = settings.web_assets_dir / GOVUK_DIST / "assets"
    app.mount("/assets", StaticFiles(directory=govuk_assets, check_dir=False), name="assets")
    _install_page_errors(app)


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


JsonHandler = Callable[[Request, Exception], Awaitable[Response]]


def _install_page_errors(app: FastAPI) -> None:
    """Pages answer errors with a page; the API keeps its JSON (the handlers already set)."""
    # The API's handlers (hub.kit.errors) are coroutines; typed here as what they are.
    json_hub_error: JsonHandler = app.exception_handlers[HubError]  # type: ignore[assignment]
    json_http_error: JsonHandler = app.exception_handlers[StarletteHTTPException]  # type: ignore[assignment]
    json_validation: JsonHandler = app.exception_handlers[RequestValidationError]  # type: ignore[assignment]

    def page(request: Request, status: int, code: str = "") -> Response:
        title, message = PAGE_ERRORS.get(code) or PAGE_ERRORS.get(
            status, ("Sorry, there is a problem", "Try again later.")
        )
        return render(
            request,
            "error.html",
            {
                "title": title,
                "message": message,
                "role_names": ROLE_NAMES,
                "team_names": TEAM_NAMES,
            },
            status_code=status,
        )

    async def hub_error(request: Request, exc: Exception) -> Response:
        if _is_page(request) and isinstance(exc, HubError):
            return page(request, exc.status, exc.code)
        return await json_hub_error(request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        if _is_page(request) and isinstance(exc, StarletteHTTPException):
            return page(request, exc.status_code)
        return await json_http_error(request, exc)

    async def validation_error(request: Request, exc: Exception) -> Response:
        if _is_page(request):
            return page(request, 400)
        return await json_validation(request, exc)

    app.add_exception_handler(HubError, hub_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
