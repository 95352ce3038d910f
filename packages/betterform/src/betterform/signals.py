"""Signals betterform sends; the site turns them into real-time events.

Both are sent after the transaction that wrote the quote commits, never inside it (and not at
all when it rolls back), once per service call:

``quote_created(sender=Quote, quote=...)``
    a quote was numbered and stored with its lines and totals (``services.create_quote``, or
    ``services.build_quote`` pricing a submission for the first time). A new version
    (``services.new_version``, the API's and the admin's) is one too: its
    ``quote.previous_version_id`` names the quote it was copied from (None otherwise).
``quote_updated(sender=Quote, quote=...)``
    a quote's fields, lines or totals changed (``services.update_quote``,
    ``services.recalculate`` after the admin saved lines or the API reverted a version, and
    ``services.build_quote`` re-pricing a submission). Creating a quote does not also send it.

``quote`` is the instance the service saved; a transaction holding several writes to one
quote (the admin saves the quote, then its lines) sends one signal per write, each carrying
the same instance with the values as committed.
"""

from django.dispatch import Signal

quote_created = Signal()
quote_updated = Signal()

# The customer's side (``betterform.sending``, ``betterform.answering``, ``betterform.expiry``),
# each sent after the commit, once per event, with ``quote=`` (and ``answer=`` where one was
# recorded):
#
# ``quote_sent``      the quote was e-mailed to its customer (``email=`` the QuoteEmail);
# ``quote_viewed``    its page was opened for the first time (later views only count);
# ``quote_accepted``  the customer accepted (``answer=``);
# ``quote_declined``  the customer declined (``answer=``);
# ``quote_expired``   it passed ``valid_until`` unanswered and was marked expired.
quote_sent = Signal()
quote_viewed = Signal()
quote_accepted = Signal()
quote_declined = Signal()
quote_expired = Signal()
