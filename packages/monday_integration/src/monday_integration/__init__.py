"""monday_integration: monday.com webhooks, GraphQL client and the item-to-quote sync pipeline."""

__version__ = "0.1.0"
