"""The fixed vocabulary the firewall policy is written in.

A policy line naming anything outside these lists is refused at load, so a typo can
never silently grant or deny.
"""

from __future__ import annotations

from enum import StrEnum

from hub.auth.principal import Role


class Kind(StrEnum):
    principal = "principal"
    contact = "contact"
    contact_outcome = "contact_outcome"
    enquiry = "enquiry"
    agency_match = "agency_match"
    check_request = "check_request"
    disclosure = "disclosure"
    agency_record = "agency_record"
    information_product = "information_product"
    da_notification = "da_notification"
    missing_episode = "missing_episode"
    audit_log = "audit_log"
    disclosure_register = "disclosure_register"
    user = "user"
    agency = "agency"
    key = "key"
    policy = "policy"
    # Management information: the dashboard's figures and Ofsted's Annex A lists.
    management_information = "management_information"
    # A person's record of access: what the hub holds about one person, by reference, and
    # every disclosure about them and its reads (information governance, for subject access).
    person_record = "person_record"


class Action(StrEnum):
    create = "create"
    read = "read"
    list = "list"
    update = "update"
    screen = "screen"
    rerate = "rerate"
    override_consent = "override_consent"
    run = "run"
    respond = "respond"
    release = "release"
    import_ = "import"
    break_glass = "break_glass"
    review = "review"
    authorise = "authorise"
    disseminate = "disseminate"
    acknowledge = "acknowledge"
    verify = "verify"
    export = "export"
    rotate = "rotate"
    shred = "shred"
    reload = "reload"
    # Unseal one item's content for one reader who states a purpose, logged with it.
    open = "open"
    # Put a case on legal hold, or lift the hold, with a reason: a held case is never
    # destroyed under the retention schedule. It shows no content.
    hold = "hold"


class Reach(StrEnum):
    any = "any"
    own = "own"


ROLES = tuple(Role)
KINDS = tuple(Kind)
ACTIONS = tuple(Action)

# Case content: what children, families and agencies told the hub.
CONTENT_KINDS = (
    Kind.contact,
    Kind.enquiry,
    Kind.disclosure,
    Kind.agency_record,
    Kind.information_product,
)
# Opening one item with a stated purpose that is logged: information governance's only
# way to case content (a subject access request), and nobody else's action. IG may also
# put a case on legal hold (``hold``), which shows nothing of it.
ALL_BUT_OPEN = tuple(action for action in ACTIONS if action not in (Action.open, Action.hold))


# What the design says each role must never do. The firewall refuses to load a policy
# that grants any of these, so a bad edit to policy.csv cannot open the hub up.
NEVER: tuple[tuple[Role, Kind, tuple[Action, ...] | None], ...] = (
    # Operational teams never see inside the hub.
    (Role.operational, Kind.contact, None),
    (Role.operational, Kind.enquiry, None),
    (Role.operational, Kind.disclosure, None),
    (Role.operational, Kind.check_request, None),
    (Role.operational, Kind.agency_record, None),
    (Role.operational, Kind.audit_log, None),
    (Role.operational, Kind.disclosure_register, None),
    (Role.operational, Kind.management_information, None),
    (Role.operational, Kind.person_record, None),
    # Referrers never read hub work.
    (Role.referrer, Kind.contact, (Action.read, Action.list, Action.update, Action.hold)),
    (Role.referrer, Kind.enquiry, None),
    (Role.referrer, Kind.disclosure, None),
    (Role.referrer, Kind.agency_record, None),
    (Role.referrer, Kind.information_product, None),
    (Role.referrer, Kind.management_information, None),
    (Role.referrer, Kind.person_record, None),
    # Hub staff never read agency stores directly (break-glass is its own action).
    (Role.mash_admin, Kind.agency_record, None),
    (Role.mash_social_worker, Kind.agency_record, None),
    (Role.mash_manager, Kind.agency_record, (Action.read, Action.list, Action.update)),
    (Role.mash_admin, Kind.disclosure, None),
    # Only managers and IG put a case on legal hold or lift it.
    *(
        (role, kind, (Action.hold,))
        for role in Role
        if role not in (Role.mash_manager, Role.ig_officer)
        for kind in Kind
    ),
    *(
        (role, kind, (Action.hold,))
        for role in (Role.mash_manager, Role.ig_officer)
        for kind in Kind
        if kind is not Kind.contact
    ),
    # Nobody alters the audit log.
    *((role, Kind.audit_log, (Action.update, Action.create)) for role in Role),
    # Information governance reads the log and changes nothing. It opens case content only
    # one item at a time, with a purpose that is logged (``open``), and in no other way.
    *((Role.ig_officer, kind, ALL_BUT_OPEN) for kind in CONTENT_KINDS),
    # Nobody else opens: they read what their role lets them read, or nothing.
    *(
        (role, kind, (Action.open,))
        for role in Role
        if role is not Role.ig_officer
        for kind in Kind
    ),
    # System administrators manage; they never read personal content.
    *(
        (Role.sysadmin, kind, None)
        for kind in (
            Kind.contact,
            Kind.enquiry,
            Kind.disclosure,
            Kind.agency_record,
            Kind.information_product,
            Kind.check_request,
            Kind.da_notification,
            Kind.missing_episode,
            Kind.audit_log,
            Kind.management_information,
            Kind.person_record,
        )
    ),
)

# Agency representatives only ever reach their own agency's records and inbox.
OWN_ONLY: tuple[tuple[Role, Kind], ...] = (
    (Role.agency_rep, Kind.agency_record),
    (Role.agency_rep, Kind.check_request),
    (Role.agency_rep, Kind.disclosure),
    (Role.operational, Kind.information_product),
    (Role.referrer, Kind.contact_outcome),
)
