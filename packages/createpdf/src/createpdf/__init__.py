"""createpdf: sandboxed Jinja2 templates rendered to PDF with WeasyPrint, as background jobs.

Depends on no other BetterForm app, so any Django site can install it alone.
"""

__version__ = "0.1.0"
