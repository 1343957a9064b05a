"""The error hierarchy. The CLI turns any :class:`CorpusBuilderError` into one line and exit 1."""


class CorpusBuilderError(Exception):
    """Base of every error a user can cause and fix; the message says what to do."""


class InputError(CorpusBuilderError):
    """An input file, folder or record cannot be read (message names it and the reason)."""


class ConfigError(CorpusBuilderError):
    """A bad option or configuration value (message names the option and the accepted values)."""


class ReleaseError(CorpusBuilderError):
    """A release cannot be written or does not validate (existing version, schema violation...)."""


class StudioError(CorpusBuilderError):
    """Label Studio is unreachable, refused a request, or sent data that cannot be merged."""
