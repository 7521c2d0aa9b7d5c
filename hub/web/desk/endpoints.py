"""The desk's pages, as one router for ``hub.web.setup``."""

from __future__ import annotations

from fastapi import APIRouter

from hub.web.desk import intake, missing, rota, triage

router = APIRouter(include_in_schema=False)
router.include_router(intake.router)
router.include_router(triage.router)
router.include_router(missing.router)
router.include_router(rota.router)
