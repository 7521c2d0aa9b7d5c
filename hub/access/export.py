"""The subject access export as a zip: a readable HTML document and the same as JSON.

The IG officer hands these to their redaction process: the HTML to read and redact, the
JSON for a redaction tool or a case file. Each part that is about another person (another
household member, the referrer), written in someone's own words, or shared under an
agency's handling caveat carries a visible mark in both, with what to do about it.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from html import escape
from typing import Any

from starlette.responses import Response

from hub.access.service import PersonExport
from hub.kit.working_time import LONDON

FILE_NAME = "record-of-access.zip"
_MARK_WORDS = {
    "another_person": "ABOUT ANOTHER PERSON: redact before release",
    "free_text": "FREE TEXT: may name other people; read before release",
    "caveat": "AGENCY CAVEAT: ask the agency before release",
}


def _uk(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value).astimezone(LONDON)
    return f"{moment.day} {moment:%B %Y %H:%M} (UK time)"


def _mark(code: str | None) -> str:
    if not code:
        return ""
    return f'<p class="mark mark-{escape(code)}"><strong>{escape(_MARK_WORDS[code])}</strong></p>'


def _pairs(values: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th scope='row'>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
        for k, v in values.items()
    )
    return f"<table>{rows}</table>"


def _table(head: list[str], rows: list[list[str]]) -> str:
    header = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _document(doc: dict[str, Any]) -> str:
    record = doc["record"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Record of access</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
        "table{border-collapse:collapse;margin:0 0 1em}th,td{border:1px solid #666;"
        "padding:.3em .5em;text-align:left;vertical-align:top}"
        ".mark{background:#ffdd00;padding:.3em;display:inline-block}"
        ".marked{border-left:6px solid #d4351c;padding-left:.8em}</style></head><body>",
        "<h1>Record of access</h1>",
        f"<p>Made {escape(_uk(doc['made_at']))} by {escape(doc['made_by'])}. The purpose is "
        "sealed with the export's entry in the audit log.</p>",
        "<h2>Marks</h2><ul>",
        *(
            f"<li><strong>{escape(_MARK_WORDS[k].split(':')[0])}</strong>: {escape(v)}</li>"
            for k, v in doc["marks"].items()
        ),
        "</ul><h2>What the hub holds</h2>",
        _table(
            ["Reference", "Received", "Role in the case", "State", "Enquiry", "Products"],
            [
                [
                    c["reference"],
                    _uk(c["received_at"]),
                    c["role"],
                    c["status"],
                    c["enquiry_status"] or "none",
                    ", ".join(
                        f"{p['status']} ({p['receiving_team'] or '-'})" for p in c["products"]
                    )
                    or "none",
                ]
                for c in record["contacts"]
            ],
        ),
        "<h2>Who read each contact</h2>",
        *(_reads(f"Contact {c['reference']}", c["reads"]) for c in record["contacts"]),
        "<h2>Police notifications and missing episodes</h2>",
        _table(
            ["Record", "When", "Role", "State"],
            [
                [
                    r["kind"].replace("_", " ") + (f" {r['reference']}" if r["reference"] else ""),
                    _uk(r["at"]),
                    r["role"],
                    r["state"],
                ]
                for r in record["other_records"]
            ],
        )
        if record["other_records"]
        else "<p>None.</p>",
        "<h2>Disclosures about the person, and every read of them</h2>",
    ]
    for d in record["disclosures"]:
        parts.append(
            f"<h3>{escape(d['agency'])}, {escape(_uk(d['disclosed_at']))}, "
            f"contact {escape(d['contact_reference'])}</h3>"
        )
        if d["caveat"]:
            parts.append(_mark("caveat"))
        parts.append(
            _pairs(
                {
                    "How it answered": d["kind"],
                    "Lawful basis": d["lawful_basis"] or "none",
                    "Fields": ", ".join(d["fields"]) or "none",
                    "Caveat": d["caveat"] or "none",
                }
            )
        )
        parts.append(_reads("Read since", d["reads"]))
    parts.append("<h2>Content opened with a purpose</h2>")
    if not doc["opened_contacts"] and not doc["opened_disclosures"]:
        parts.append("<p>Nothing was opened: no content is in this export.</p>")
    parts.extend(_opened_contact(c) for c in doc["opened_contacts"])
    parts.extend(_opened_disclosure(d) for d in doc["opened_disclosures"])
    parts.append("</body></html>")
    return "\n".join(parts)


def _reads(title: str, reads: list[dict[str, Any]]) -> str:
    if not reads:
        return f"<p>{escape(title)}: not read.</p>"
    return f"<h4>{escape(title)}</h4>" + _table(
        ["Who", "Role", "When", "Action", "Through product", "Purpose"],
        [
            [
                r["reader"],
                r["reader_role"],
                _uk(r["at"]),
                r["action"],
                r["through_product"] or "",
                r["purpose"],
            ]
            for r in reads
        ],
    )


def _opened_contact(c: dict[str, Any]) -> str:
    parts = [f"<h3>Contact {escape(c['reference'])}</h3>"]
    for person in c["people"]:
        parts.append(f"<div class='{'marked' if person['mark'] else ''}'>")
        parts.append(_mark(person["mark"]))
        parts.append(f"<p>{escape(person['about'])}: {escape(person['role'])}</p>")
        parts.append(_pairs(person["details"]) + "</div>")
    for name, label in (("concern", "The worry"), ("consent_reason", "Consent")):
        if c[name]:
            parts.append(f"<div class='marked'><h4>{label}</h4>{_mark(c[name]['mark'])}")
            parts.append(f"<p>{escape(c[name]['text'])}</p></div>")
    if c["referrer"]:
        parts.append("<div class='marked'><h4>The referrer</h4>")
        parts.append(_mark("another_person") + _pairs(c["referrer"]["details"]) + "</div>")
    return "\n".join(parts)


def _opened_disclosure(d: dict[str, Any]) -> str:
    where = f"{escape(d['agency'])} (contact {escape(d['contact_reference'])})"
    parts = [f"<h3>Disclosure by {where}</h3>"]
    if d["mark"]:
        parts.append(f"<div class='marked'>{_mark(d['mark'])}")
        parts.append(f"<p>{escape(d['caveat_note'] or '')}: {escape(d['caveat_text'] or '')}</p>")
    for record in d["content"].get("records") or []:
        parts.append(_pairs(record))
    if d["content"].get("summary"):
        parts.append(_mark("free_text") + f"<p>{escape(d['content']['summary'])}</p>")
    if d["mark"]:
        parts.append("</div>")
    return "\n".join(parts)


def zipped(export: PersonExport) -> bytes:
    """The export as a zip: ``record-of-access.html`` and ``record-of-access.json``."""
    doc = json.loads(export.model_dump_json())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped_file:
        zipped_file.writestr("record-of-access.html", _document(doc))
        zipped_file.writestr("record-of-access.json", json.dumps(doc, indent=2, sort_keys=True))
    return out.getvalue()


def download(export: PersonExport) -> Response:
    """The zip as a download the browser keeps no copy of."""
    return Response(
        zipped(export),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{FILE_NAME}"',
            "Cache-Control": "no-store",
        },
    )
