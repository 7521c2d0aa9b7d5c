"""The screening board (the home page of whoever may list contacts) and its refresh.

The board is drawn whole on a GET of ``/``; its filters are a GET form of codes only
(ratings, flags, whose), never anything about a child. While it stays open, its script
asks ``/board/changes`` for what changed since the board was drawn (the ``since`` token is
the time it was drawn, nothing more) and gets back only the changed cards, each drawn by
the same template, and the ones to take away. Each drawing is one list entry in the audit
log, through the screening service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import QueryParams

from hub.db import SessionDep
from hub.dependencies import KeyringDep
from hub.kit.errors import BadRequest, NotFound
from hub.screening.board import (
    FLAG_CODES,
    RAGS,
    BoardCard,
    BoardFilters,
    BoardOut,
    Whose,
    screening_board,
)
from hub.web.board.present import PRESENT, local_clock, sort_key
from hub.web.dependencies import PagePerson
from hub.web.people import ROLE_NAMES, TEAM_NAMES
from hub.web.security import secure_headers
from hub.web.templating import render, templates

router = APIRouter(include_in_schema=False)

# The since token: microseconds since the epoch, which bounds what a forged one can ask for.
LATEST_SINCE = 10**17


def filters_from(query: QueryParams) -> BoardFilters:
    """The board's filters from its GET form; anything not on the form is ignored."""
    whose = query.get("whose", Whose.everyone)
    return BoardFilters(
        rags=frozenset(r for r in query.getlist("rag") if r in RAGS),
        flags=frozenset(f for f in query.getlist("flag") if f in FLAG_CODES),
        whose=Whose(whose) if whose in {w.value for w in Whose} else Whose.everyone,
    )


def filter_query(filters: BoardFilters) -> str:
    pairs: list[tuple[str, str]] = [("rag", r) for r in RAGS if r in filters.rags]
    pairs += [("flag", f) for f in FLAG_CODES if f in filters.flags]
    if filters.whose is not Whose.everyone:
        pairs.append(("whose", filters.whose.value))
    return urlencode(pairs)


def since_token(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def since_from(token: str | None) -> datetime:
    if not token or not token.isdigit() or int(token) > LATEST_SINCE:
        raise BadRequest("The board's refresh token is not valid.", code="bad_since")
    return datetime.fromtimestamp(int(token) / 1_000_000, tz=UTC)


def columns_of(board: BoardOut) -> dict[str, list[BoardCard]]:
    columns: dict[str, list[BoardCard]] = {rag: [] for rag in RAGS}
    for card in board.cards:
        columns[card.rag].append(card)
    return columns


def board_page(request: Request, session: SessionDep, keyring: KeyringDep) -> Response:
    """The whole board, as the home page draws it for whoever may list contacts."""
    signed_in = request.state.signed_in
    filters = filters_from(request.query_params)
    board = screening_board(session, signed_in.principal, keyring=keyring, filters=filters)
    query = filter_query(filters)
    return render(
        request,
        "board/board.html",
        {
            **PRESENT,
            "title": "Screening board",
            "role_names": ROLE_NAMES,
            "team_names": TEAM_NAMES,
            "board": board,
            "columns": columns_of(board),
            "filters": filters,
            "flag_codes": FLAG_CODES,
            "rags": RAGS,
            "now": board.drawn_at,
            "since": since_token(board.drawn_at),
            "refresh_href": "/" + (f"?{query}" if query else ""),
            "changes_href": "/board/changes" + (f"?{query}" if query else ""),
        },
    )


@router.get("/board/changes")
def board_changes(
    request: Request, session: SessionDep, person: PagePerson, keyring: KeyringDep
) -> Response:
    """The cards that changed since the board was drawn, for its script: JSON of card HTML."""
    if person.signed_in is None:
        raise NotFound()
    since = since_from(request.query_params.get("since"))
    filters = filters_from(request.query_params)
    board = screening_board(
        session, person.signed_in.principal, keyring=keyring, filters=filters, since=since
    )
    card_template = templates.env.get_template("board/card_fragment.html")
    now = board.drawn_at
    cards = [
        {
            "id": str(card.contact_id),
            "rag": card.rag,
            "sort": sort_key(card),
            "html": card_template.render(**PRESENT, card=card, now=now),
        }
        for card in board.cards
    ]
    response = JSONResponse(
        {
            "since": since_token(now),
            "now": now.isoformat(),
            "clock": local_clock(now),
            "cards": cards,
            "removed": [str(i) for i in board.removed],
        },
        headers={"Cache-Control": "no-store"},
    )
    secure_headers(response, request.app.state.content_security_policy)
    return response
