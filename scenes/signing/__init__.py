"""The signing avatar: HamNoSys 4.0 parsed in full (signlang.hamnosys) and signed by a 2D avatar
(signlang.animator), shown by the "signing" scene."""

from scenes.signing.scene import SigningScene

__all__ = ["SigningScene"]
