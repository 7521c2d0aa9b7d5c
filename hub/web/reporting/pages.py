"""``/reports``: the manager's dashboard for a chosen window, and List 1's downloads."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.db import SessionDep
from hub.dependencies import KeyringDep
from hub.reporting import service
from hub.reporting.annex_a import as_csv, as_xlsx
from hub.reporting.endpoints import CSV_TYPE, XLSX_TYPE, FirstDay, LastDay, attachment
from hub.web.dependencies import PagePerson
from hub.web.desk.pages import errors_context, shell, to_sign_in
from hub.web.reporting import charts
from hub.web.templating import render

router = APIRouter(prefix="/reports", include_in_schema=False)

CHANNELS = {
    "web_form": "Web form",
    "phone": "Phone",
    "email": "Email",
    "police_notification": "Police notification",
}
OUTCOMES = {
    "nfa": "No further action",
    "signpost": "Signposted",
    "early_help": "Early help",
    "mash_enquiry": "MASH enquiry",
    "child_in_need_assessment": "Child in need assessment (section 17)",
    "strategy_discussion": "Strategy discussion (section 47)",
}
ENDS = {"from": "first day", "to": "last day"}


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date_from(
    request: Request, end: str, errors: dict[str, str]
) -> tuple[date | None, dict[str, str]]:
    """A GOV.UK date input's three fields, ``from-day`` etc.; absent means the default."""
    typed = {
        part: request.query_params.get(f"{end}-{part}", "").strip()[:4]
        for part in ("day", "month", "year")
    }
    if not any(typed.values()):
        return None, typed
    try:
        return date(int(typed["year"]), int(typed["month"]), int(typed["day"])), typed
    except ValueError:
        errors[f"{end}-day"] = f"Enter the {ENDS[end]} as a real date, for example 1 6 2026"
        return None, typed


def _chosen_window(
    request: Request,
) -> tuple[date | None, date | None, dict[str, str], dict[str, dict[str, str]]]:
    errors: dict[str, str] = {}
    first, typed_from = _date_from(request, "from", errors)
    last, typed_to = _date_from(request, "to", errors)
    if first and last and first > last:
        errors["from-day"] = "The first day must be on or before the last day"
        first = last = None
    if first and last and last - first > service.LONGEST_WINDOW:
        errors["from-day"] = "Choose a window of three years or less"
        first = last = None
    if errors:
        first = last = None
    return first, last, errors, {"from": typed_from, "to": typed_to}


def _figures_context(figures: service.Dashboard) -> dict[str, object]:
    per_day = [(f"{d.day} {d:%b}", n) for d, n in figures.contacts_per_day]
    by_channel = [(CHANNELS.get(c, c), n) for c, n in figures.contacts_by_channel.items()]
    weeks = [(f"w/c {day_text(w.week_starting)}", w.percent_on_time or 0) for w in figures.weeks]
    outcomes = [(OUTCOMES[code], n) for code, n in figures.outcomes.items()]
    checks = [
        (
            c.agency.title(),
            round(100 * c.on_time / (c.on_time + c.late)) if c.on_time + c.late else 0,
        )
        for c in figures.checks
    ]
    average = figures.average_hours_to_decision
    return {
        "figures": figures,
        "per_day_chart": charts.columns(per_day),
        "channel_chart": charts.horizontal(by_channel),
        "weeks_chart": charts.horizontal(weeks, suffix="%", largest=100),
        "outcomes_chart": charts.horizontal(outcomes),
        "checks_chart": charts.horizontal(checks, suffix="%", largest=100),
        "channels": CHANNELS,
        "outcome_names": OUTCOMES,
        "day_text": day_text,
        "busiest": max(figures.contacts_per_day, key=lambda dn: dn[1], default=None),
        "average_text": None if average is None else _hours_text(average),
    }


def _hours_text(hours: float) -> str:
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


@router.get("")
def dashboard(request: Request, session: SessionDep, person: PagePerson) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    first, last, errors, typed = _chosen_window(request)
    figures = service.dashboard(session, person.signed_in.principal, first_day=first, last_day=last)
    window = figures.window
    query = f"from={window.first_day.isoformat()}&to={window.last_day.isoformat()}"
    return render(
        request,
        "reporting/dashboard.html",
        shell(
            title="Management information",
            window_text=f"{day_text(window.first_day)} to {day_text(window.last_day)}",
            typed=typed,
            shown={
                "from": window.first_day,
                "to": window.last_day,
            },
            csv_href=f"/reports/annex-a/list-1.csv?{query}",
            xlsx_href=f"/reports/annex-a/list-1.xlsx?{query}",
            **errors_context(errors),
            **_figures_context(figures),
        ),
        status_code=400 if errors else 200,
    )


@router.get("/annex-a/list-1.csv")
def list1_csv(
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    first_day: FirstDay = None,
    last_day: LastDay = None,
) -> Response:
    """The download link on the dashboard: the same export, and audit entry, as the API's."""
    if person.signed_in is None:
        return to_sign_in()
    window, rows = service.annex_a_list1(
        session, person.signed_in.principal, first_day=first_day, last_day=last_day, keyring=keyring
    )
    return Response(as_csv(rows), media_type=CSV_TYPE, headers=attachment(window, "csv"))


@router.get("/annex-a/list-1.xlsx")
def list1_xlsx(
    session: SessionDep,
    person: PagePerson,
    keyring: KeyringDep,
    first_day: FirstDay = None,
    last_day: LastDay = None,
) -> Response:
    if person.signed_in is None:
        return to_sign_in()
    window, rows = service.annex_a_list1(
        session, person.signed_in.principal, first_day=first_day, last_day=last_day, keyring=keyring
    )
    return Response(as_xlsx(rows), media_type=XLSX_TYPE, headers=attachment(window, "xlsx"))
