#!/usr/bin/env python
"""Django's command-line utility for the BetterForm site (same as ``python -m betterform_site``)."""

from betterform_site.__main__ import main

if __name__ == "__main__":
    main()
