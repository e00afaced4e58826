"""Errors that stop the show before it starts; the CLI prints them as one clear line."""


class StartupError(RuntimeError):
    """The show cannot start (a missing or corrupt model file, a scene that fails its set-up)."""
