"""followup-rules: a traceable-advice rules engine with a YAML policy DSL."""

__version__ = "1.0.0"
