from scenes.sonification.scene import SonificationScene

__all__ = ["SonificationScene"]
