from scenes.testcard.scene import TestcardScene

__all__ = ["TestcardScene"]
