"""Pages. They hold no data themselves: the board fetches the API with the user's own token,
so every figure on screen went through the firewall and the audit log like any other read."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

# Pages are public shells; the data behind them needs a token. No third-party anything.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)


def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/", response_class=HTMLResponse)
def board(request: Request) -> Response:
    return _secure(templates.TemplateResponse(request, "board.html", {}))


@router.get("/static/{name}")
def static(name: str) -> Response:
    allowed = {"board.js": "text/javascript", "board.css": "text/css"}
    if name not in allowed:
        return Response(status_code=404)
    return _secure(Response((HERE / "static" / name).read_bytes(), media_type=allowed[name]))
