"""The signing avatar: HamNoSys 4.0 parsed in full (scenes.signing.hamnosys) and signed by a 2D avatar
(scenes.signing.animator), shown by the "signing" scene."""

from scenes.signing.scene import SigningScene

__all__ = ["SigningScene"]
