"""The agency representative's pages, under one router."""

from __future__ import annotations

from fastapi import APIRouter

from hub.web.agency import checks, disclosures, records

router = APIRouter(include_in_schema=False)
router.include_router(checks.router)
router.include_router(disclosures.router)
router.include_router(records.router)
