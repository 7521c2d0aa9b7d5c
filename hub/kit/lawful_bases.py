"""The lawful bases UK law gives for sharing safeguarding information, coded.

Settings add a council's own (``HUB_EXTRA_LAWFUL_BASES``); disclosures name one of them.
"""

from __future__ import annotations

from enum import StrEnum


class LawfulBasis(StrEnum):
    """The coded lawful bases an agency may disclose under."""

    public_task = "uk_gdpr_6_1_e"
    safeguarding = "uk_gdpr_9_2_g_dpa_sch1_para18"
    health_social_care = "uk_gdpr_9_2_h_dpa_sch1_para2"
    law_enforcement = "dpa_2018_s35_sch8_para4"


LAWFUL_BASIS_TEXT = {
    LawfulBasis.public_task: "UK GDPR Art 6(1)(e): public task",
    LawfulBasis.safeguarding: (
        "UK GDPR Art 9(2)(g) with DPA 2018 Sch 1 para 18: safeguarding of children "
        "and of individuals at risk"
    ),
    LawfulBasis.health_social_care: (
        "UK GDPR Art 9(2)(h) with DPA 2018 Sch 1 para 2: health or social care"
    ),
    LawfulBasis.law_enforcement: "DPA 2018 s35 with Sch 8 para 4: law enforcement, safeguarding",
}
