"""Who a signed-in person is, in words, and the demo people of dev mode."""

from __future__ import annotations

from dataclasses import dataclass

from hub.auth.principal import Principal, Role

ROLE_NAMES: dict[str, str] = {
    Role.referrer: "professional referrer",
    Role.mash_admin: "MASH admin officer",
    Role.mash_social_worker: "MASH social worker",
    Role.mash_manager: "MASH manager",
    Role.agency_rep: "agency representative",
    Role.operational: "operational practitioner",
    Role.ig_officer: "information governance officer",
    Role.sysadmin: "system administrator",
}
TEAM_NAMES: dict[str, str] = {
    "early_help": "Early Help",
    "duty_a": "Duty and Assessment A",
    "duty_b": "Duty and Assessment B",
    "duty_c": "Duty and Assessment C",
    "duty_d": "Duty and Assessment D",
    "ooh": "Out of hours",
    "police_operational": "Police operational",
}


@dataclass(frozen=True, slots=True)
class DemoPerson:
    key: str
    name: str
    principal: Principal

    @property
    def describes(self) -> str:
        role = ROLE_NAMES[self.principal.role]
        if self.principal.agency:
            return f"{role}, {self.principal.agency}"
        if self.principal.team:
            return f"{role}, {TEAM_NAMES.get(self.principal.team, self.principal.team)}"
        return role


def demo_people(agencies: tuple[str, ...], teams: tuple[str, ...]) -> list[DemoPerson]:
    """One fictional person per role, agency and team; the subs match the demo data's."""
    people = [
        DemoPerson("sw", "Sam Okafor", Principal("demo-sw", Role.mash_social_worker)),
        DemoPerson("manager", "Priya Shah", Principal("demo-manager", Role.mash_manager)),
        DemoPerson("admin", "Alex Morgan", Principal("demo-admin", Role.mash_admin)),
        DemoPerson("referrer", "Jo Teacher", Principal("demo-teacher", Role.referrer)),
        DemoPerson("ig", "Morgan Reed", Principal("demo-ig", Role.ig_officer)),
        DemoPerson("sysadmin", "Chris Lee", Principal("demo-sysadmin", Role.sysadmin)),
    ]
    people += [
        DemoPerson(
            f"rep-{agency}",
            f"{agency.replace('_', ' ').title()} representative",
            Principal(f"demo-{agency}-rep", Role.agency_rep, agency=agency),
        )
        for agency in agencies
    ]
    people += [
        DemoPerson(
            f"team-{team}",
            f"{TEAM_NAMES.get(team, team)} practitioner",
            Principal(f"demo-{team}-practitioner", Role.operational, team=team),
        )
        for team in teams
    ]
    return people
