"""Real time: Socket.IO events for documents, quotes and monday syncs.

The apps know nothing of Socket.IO: they send Django signals. ``bridge`` turns each signal into
a ``Message`` (``messages``) and hands it to this process's publisher (``publishers``):

- with ``REDIS_URL``: a write-only Redis manager; every web process's ``AsyncRedisManager``
  receives the message and delivers it to its own clients;
- without it: a row in the ``RealtimeEvent`` outbox table, which every web process polls
  (``relay``) and delivers. The worker and the web server share the database already, so the
  default run command needs nothing more.

``server`` holds the Socket.IO server: authentication on connect (``access``), the user's and
staff rooms, and ``subscribe``/``state`` for one object with the REST API's permissions.
"""
