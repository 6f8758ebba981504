"""User-facing errors: every one carries a message a person can act on."""


class PosecheckError(Exception):
    """Base for errors shown to the user as a plain message (never a traceback)."""


class ModelError(PosecheckError):
    """The pose model could not be found, downloaded or verified."""


class SourceError(PosecheckError):
    """A camera, video, image or folder could not be read."""


class SpecError(PosecheckError):
    """An exercise spec or patient profile is invalid."""


class LandmarkFileError(PosecheckError):
    """A recorded landmark file could not be read."""
