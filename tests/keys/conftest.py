"""Key tests share the crypto kit's one SoftHSM2 token (SoftHSM reads its config once)."""

from tests.kit.conftest import softhsm_token

__all__ = ["softhsm_token"]
