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


def json_error_text(e: Exception, *, line: bool = True) -> str:
    """What went wrong in a JSON text, for a one-line message: ``json.JSONDecodeError``'s message
    with its position (``"Invalid control character, line 1 column 26"``; ``line=False`` gives
    the column only, for a JSON Lines record whose line is already named). The bare ``e.msg``
    reads clipped (``"Invalid control character at"``: fresh-user trial). Any other error: its text."""
    import json

    if isinstance(e, json.JSONDecodeError):
        msg = e.msg.removesuffix(" at").strip()
        return f"{msg}, line {e.lineno} column {e.colno}" if line else f"{msg}, column {e.colno}"
    return str(e)
