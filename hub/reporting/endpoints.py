"""Management information routes: thin, one service call each.

Mount under the authenticated parent router (``/api/v1``): every route needs a principal.
The window is two calendar dates, which name no one; by default the last six months.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hub.auth.dependencies import CurrentPrincipal
from hub.db import SessionDep, TransactionalRoute
from hub.dependencies import KeyringDep
from hub.kit.errors import STANDARD_ERRORS
from hub.reporting import service
from hub.reporting.annex_a import as_csv, as_xlsx
from hub.reporting.schemas import AgencyChecksOut, DashboardOut, DayCount, WeekOut

router = APIRouter(
    prefix="/reports", tags=["management information"], route_class=TransactionalRoute
)

FirstDay = Annotated[date | None, Query(alias="from", description="first day (London), included")]
LastDay = Annotated[date | None, Query(alias="to", description="last day (London), included")]

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(window: service.Window, extension: str) -> dict[str, str]:
    name = f"annex-a-list-1_{window.first_day.isoformat()}_{window.last_day.isoformat()}"
    return {"Content-Disposition": f'attachment; filename="{name}.{extension}"'}


@router.get("/annex-a/list-1.csv", responses=STANDARD_ERRORS)
def annex_a_list1_csv(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    first_day: FirstDay = None,
    last_day: LastDay = None,
) -> Response:
    """Ofsted ILACS Annex A, List 1 (contacts) as CSV."""
    window, rows = service.annex_a_list1(
        session, principal, first_day=first_day, last_day=last_day, keyring=keyring
    )
    return Response(as_csv(rows), media_type=CSV_TYPE, headers=attachment(window, "csv"))


@router.get("/annex-a/list-1.xlsx", responses=STANDARD_ERRORS)
def annex_a_list1_xlsx(
    session: SessionDep,
    principal: CurrentPrincipal,
    keyring: KeyringDep,
    first_day: FirstDay = None,
    last_day: LastDay = None,
) -> Response:
    """Ofsted ILACS Annex A, List 1 (contacts) as an Excel workbook."""
    window, rows = service.annex_a_list1(
        session, principal, first_day=first_day, last_day=last_day, keyring=keyring
    )
    return Response(as_xlsx(rows), media_type=XLSX_TYPE, headers=attachment(window, "xlsx"))


def dashboard_out(figures: service.Dashboard) -> DashboardOut:
    return DashboardOut(
        first_day=figures.window.first_day,
        last_day=figures.window.last_day,
        contacts=figures.contacts,
        contacts_per_day=[DayCount(day=d, contacts=n) for d, n in figures.contacts_per_day],
        contacts_by_channel=figures.contacts_by_channel,
        screening_weeks=[
            WeekOut(
                week_starting=w.week_starting,
                on_time=w.on_time,
                breached=w.breached,
                percent_on_time=w.percent_on_time,
            )
            for w in figures.weeks
        ],
        breaches=figures.breaches,
        outcomes=figures.outcomes,
        checks_by_agency=[
            AgencyChecksOut(
                agency=c.agency, asked=c.asked, on_time=c.on_time, late=c.late, waiting=c.waiting
            )
            for c in figures.checks
        ],
        decided=figures.decided,
        average_hours_to_decision=figures.average_hours_to_decision,
    )


@router.get("/dashboard", response_model=DashboardOut, responses=STANDARD_ERRORS)
def dashboard(
    session: SessionDep,
    principal: CurrentPrincipal,
    first_day: FirstDay = None,
    last_day: LastDay = None,
) -> DashboardOut:
    """The manager's figures for a window of contacts received."""
    figures = service.dashboard(session, principal, first_day=first_day, last_day=last_day)
    return dashboard_out(figures)
