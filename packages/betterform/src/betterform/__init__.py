"""betterform: quote forms, validated submissions, priced quotes and their audit history."""

__version__ = "0.1.0"
