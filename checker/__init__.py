"""budget-check: exact parameter counts and budgets for model specs written in YAML."""

__version__ = "0.1.0"
