"""The one family of errors ``aec`` raises on purpose, each with a one-line message
(the command prints it as it is). A ValueError, so callers that caught those before still do."""


class AecError(ValueError):
    """Base of every error aec raises on purpose: a file that is no valid digit file
    (aec.format.FormatError), an input that cannot be read (aec.inputs.InputError), bad
    coding tables (aec.tables.TablesError), missing or damaged models (ModelsError), or a
    quality level that does not exist."""


class ModelsError(AecError):
    """The models folder lacks a model, or LiteRT cannot run one of its files."""
