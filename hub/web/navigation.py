"""The service navigation: the links a signed-in person sees, each one asked of the firewall.

A link is shown only when the decision point says the person may do what the page does
(``decision_point.may``: no audit entry, nothing raised). The page itself still asks again
through ``require()`` when it is opened, so a link is a convenience, never a permission.

Each area of the pages adds its links here, in the order they appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.auth.principal import Principal
from hub.policy import decision_point
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str
    action: Action
    kind: Kind
    # For an agency's own pages: the resource is owned by the person's own agency.
    own_agency: bool = False
    # For a page of what is one's own (a team's products, a referrer's contacts): the
    # resource is owned by the person's scope, as the firewall means "own".
    own_scope: bool = False

    def resource(self, principal: Principal) -> Resource:
        if self.own_agency:
            return Resource(self.kind, owner=principal.agency or "")
        if self.own_scope:
            return Resource(self.kind, owner=principal.scope)
        return Resource(self.kind)


LINKS: list[Link] = [
    Link("Screening board", "/", Action.list, Kind.contact),
    Link("Enquiries", "/enquiries", Action.list, Kind.enquiry),
    # An agency's own pages, offered for what only its representatives may do there (hub
    # staff may list every agency's check requests and disclosures). First for them: a
    # person's first link is where they start.
    Link("Check requests", "/checks", Action.respond, Kind.check_request, own_agency=True),
    Link("Disclosures", "/disclosures", Action.release, Kind.disclosure, own_agency=True),
    Link("Records", "/records", Action.list, Kind.agency_record, own_agency=True),
    # Recording a phone or email contact is hub work: offered to those who may list contacts
    # (a referrer or an agency uses the public form, which any of them may send).
    Link("Record a contact", "/intake/contact", Action.list, Kind.contact),
    Link("Police notifications", "/intake/notifications", Action.create, Kind.da_notification),
    Link("Triage", "/triage", Action.list, Kind.da_notification),
    Link("Missing", "/missing", Action.list, Kind.missing_episode),
    # The rota routes the hub's contacts: for whoever may list them.
    Link("Rota", "/rota", Action.list, Kind.contact),
    # Management information: the dashboard's figures, for whoever may read them (managers).
    Link("Reports", "/reports", Action.read, Kind.management_information),
    # The IG pages: for whoever may list the disclosure register (and the audit log).
    Link("Information governance", "/governance", Action.list, Kind.disclosure_register),
    # A person's record of access, for subject access requests: whoever may read one.
    Link("Record of access", "/governance/people", Action.read, Kind.person_record),
    # Only a team may acknowledge what was sent to it: the hub, which may list every
    # product, is not offered a team's inbox.
    Link(
        "Products for my team",
        "/team/products",
        Action.acknowledge,
        Kind.information_product,
        own_scope=True,
    ),
    Link("My referrals", "/my/referrals", Action.list, Kind.contact_outcome, own_scope=True),
    # The system administrator's pages: for whoever may read the firewall policy.
    Link("System administration", "/admin", Action.read, Kind.policy),
]


def navigation_for(principal: Principal, path: str) -> list[dict[str, object]]:
    """GOV.UK service navigation items for this person, the current page marked."""
    items: list[dict[str, object]] = []
    for link in LINKS:
        if not decision_point.may(principal, link.action, link.resource(principal)):
            continue
        current = path == link.href if link.href == "/" else path.startswith(link.href)
        # A page under a later, longer link is that link's, not this one's.
        current = current and not any(
            other.href != link.href
            and other.href.startswith(link.href + "/")
            and path.startswith(other.href)
            for other in LINKS
        )
        items.append({"href": link.href, "text": link.text, "active": current})
    return items
