"""The BetterForm site: composes createpdf, betterform and monday_integration into one service."""

__version__ = "0.1.0"
