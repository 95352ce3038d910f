"""The customer's pages: the public form (``/f/<token>/``) and the quote page (``/q/<token>/``).

Server-rendered Django views for people who never log in; include ``betterform.customer.urls``
at the site's root.
"""
