"""/docs: the API's Swagger UI, served by the hub from its npm install (works offline).

The OpenAPI document declares the bearer scheme, so "Authorize" takes a token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, Response

from hub.kit.errors import NotFound
from hub.settings import Settings
from hub.web.security import secure_headers

router = APIRouter(include_in_schema=False)

SWAGGER_FILES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
}

DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>MASH Hub API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


def bearer_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with the bearer scheme every /api/v1 route takes."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    document.setdefault("components", {})["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An ES256 token from the council's identity provider "
            "(or, in dev mode, `mash-hub token issue`).",
        }
    }
    document["security"] = [{"bearer": []}]
    app.openapi_schema = document
    return document


@router.get("/docs")
def docs(request: Request) -> Response:
    # Swagger UI sets inline styles; its page gets a policy of its own.
    response = HTMLResponse(DOCS_PAGE)
    secure_headers(
        response,
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'; object-src 'none'",
    )
    return response


@router.get("/docs/assets/{name}")
def docs_asset(request: Request, name: str) -> Response:
    if name not in SWAGGER_FILES:
        raise NotFound()
    settings: Settings = request.app.state.settings
    path = settings.web_assets_dir / "swagger-ui-dist" / name
    if not path.exists():
        raise NotFound("Swagger UI is not installed; run `make run`, which runs npm.")
    return FileResponse(path, media_type=SWAGGER_FILES[name])
