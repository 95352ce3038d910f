"""Real time (Socket.IO): how events travel from the process that raised them to the browsers.

With ``REDIS_URL`` set, through Redis (any number of web and worker processes); without it,
through a table that each web process polls (see ``betterform_site.realtime``).
"""

from betterform_site.env import env_int, env_list, env_str

REALTIME_REDIS_URL = env_str("REDIS_URL")
# Several sites sharing one Redis need a channel each (Redis pub/sub ignores the db number).
REALTIME_CHANNEL = env_str("REALTIME_CHANNEL", "betterform-realtime")
REALTIME_POLL_INTERVAL = 0.2  # seconds between outbox polls (no Redis)
REALTIME_OUTBOX_RETENTION = 300  # seconds an outbox row is kept
# Seconds between re-checks of each connection's token or session, user and staff rights
# (changes made through Django are also acted on at once; see realtime/revocation.py).
REALTIME_ACCESS_RECHECK = env_int("REALTIME_ACCESS_RECHECK", 5)
# Origins besides the site's own that browsers may connect from, e.g. a separate front-end.
REALTIME_ALLOWED_ORIGINS = env_list("REALTIME_ALLOWED_ORIGINS")
