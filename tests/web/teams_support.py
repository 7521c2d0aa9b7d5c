"""What the team pages' tests share: a case made through the API as the hub makes it (a
professional's referral, screening, an enquiry, two agencies' answers, a product compiled,
authorised and sent to a team), and the people who sign in to see it."""

from __future__ import annotations

from dataclasses import dataclass

from tests.web.enquiry_support import CHILD, MOTHER, REASON, Api

# Demo people, by the name the dev sign-in page gives them (hub.web.people).
DUTY_A = "Duty and Assessment A practitioner"
DUTY_B = "Duty and Assessment B practitioner"
SOCIAL_WORKER = "Sam Okafor, MASH social worker"
REFERRER = "Jo Teacher, professional referrer"
# The demo referrer's and manager's user ids: the case is theirs.
REFERRER_SUB = "demo-teacher"
MANAGER_SUB = "demo-manager"

CONCERN = "Wren says there is shouting every night and she hides under the bed."
ANALYSIS = "Domestic abuse with Wren present, and missed health appointments: significant harm."
POLICE_SUMMARY = "Attended address; child present during argument."
POLICE_CAVEAT = "Do not share with the father."
HEALTH_SUMMARY = "Three missed health visitor appointments since September."


@dataclass(frozen=True)
class SentCase:
    reference: str
    enquiry_id: str
    product_id: str


def case_sent_to(api: Api, team: str, *, rag: str = "red") -> SentCase:
    """A teacher's referral about Wren worked through the hub, and its product sent to
    ``team`` with what police (caveated, then released) and health shared."""
    police_record = api.record(
        "police", record_type="domestic_incident", occurred_on="2026-10-02", summary=POLICE_SUMMARY
    )
    sent = api.post(
        "/contacts",
        {
            "children": [CHILD | {"school": "Riverside Primary"}],
            "adults": [MOTHER | {"relationship": "mother"}],
            "worries": ["domestic_abuse", "neglect"],
            "concern": CONCERN,
            "consent": {"status": "obtained"},
        },
        "referrer",
        sub=REFERRER_SUB,
    )
    listed = api.get("/contacts", "mash_admin")["items"]
    contact_id = next(c["id"] for c in listed if c["reference"] == sent["reference"])
    screening = {"threshold_level": 4, "threshold_reason": REASON, "rag": rag}
    api.post(f"/contacts/{contact_id}/screening", screening, "mash_social_worker")
    outcome = {"outcome": "mash_enquiry", "reason": REASON}
    api.post(f"/contacts/{contact_id}/outcome", outcome, "mash_social_worker")
    enquiry = api.post("/enquiries", {"contact_id": contact_id}, "mash_social_worker")
    api.post(
        f"/enquiries/{enquiry['id']}/checks",
        {"agencies": ["police", "health"], "question": "Any involvement with Wren's family?"},
        "mash_social_worker",
    )
    police = api.disclose(
        "police",
        {
            "kind": "fields",
            "records": [
                {"record_id": police_record, "fields": ["record_type", "occurred_on", "summary"]}
            ],
            "purpose": "safeguarding enquiry",
            "lawful_basis": "dpa_2018_s35_sch8_para4",
            "consent": "not_sought",
            "proportionality": "Recent incident with the child present; relevant to risk.",
            "caveat": {"code": "police_intelligence", "text": POLICE_CAVEAT},
        },
    )
    api.post(f"/disclosures/{police}/release", {"reason": REASON}, "agency_rep", agency="police")
    health = api.disclose(
        "health",
        {
            "kind": "summary",
            "summary": HEALTH_SUMMARY,
            "purpose": "safeguarding enquiry",
            "lawful_basis": "uk_gdpr_9_2_h_dpa_sch1_para2",
            "consent": "not_sought",
            "proportionality": "Health picture needed to judge neglect.",
        },
    )
    product = api.post(
        f"/enquiries/{enquiry['id']}/products",
        {
            "analysis": ANALYSIS,
            "proposed_outcome": "strategy_discussion",
            "disclosure_ids": [police, health],
            "receiving_team": team,
            "team_reason": "This team assessed Wren last year and knows the family.",
        },
        "mash_social_worker",
    )
    api.post(
        f"/products/{product['id']}/authorisation",
        {"decision": "authorise", "reason": REASON},
        "mash_manager",
        sub=MANAGER_SUB,
    )
    api.post(f"/products/{product['id']}/dissemination", None, "mash_manager", sub=MANAGER_SUB)
    return SentCase(str(sent["reference"]), str(enquiry["id"]), str(product["id"]))


def reads_by(api: Api, agency: str, reader: str) -> int:
    """How often ``reader`` has read what ``agency`` disclosed, as the agency sees it."""
    disclosures = api.get(f"/agencies/{agency}/disclosures", "agency_rep", agency=agency)
    return sum(
        1
        for d in disclosures
        for r in d["later_reads"]
        if r["reader"] == reader and r["action"] == "read"
    )
