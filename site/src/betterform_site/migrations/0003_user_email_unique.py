"""One email, one account: a unique index on ``lower(email)`` of ``auth_user`` (blank emails
aside), after settling the duplicates already stored.

Rule for duplicates (one address, in any case, on several accounts): the address stays on one
account, chosen active before inactive, then earliest joined, then lowest id; every other
account of the group gets a blank email. No user is deleted, and each change is logged
(warning, logger ``betterform_site.accounts``) with both accounts' ids and usernames and the
address, so an administrator can give another address to the accounts that lost theirs.

Why plain SQL: a migration of this app cannot add a ``UniqueConstraint`` to ``auth.User``
(the operation changes the state of its own app's models, and a constraint put into
``auth.User``'s state that its ``Meta`` lacks makes ``makemigrations`` want to remove it). The
statement is the same on SQLite and PostgreSQL (both have expression and partial indexes), it
changes no model state, and reversing the migration drops the index (the blanked emails stay
blank). On SQLite, Django rebuilds a table to alter it and keeps only the indexes its models
declare: should a Django upgrade alter ``auth_user`` there, ``tests/site/test_accounts_email.py``
notices the index is gone.
"""

import logging

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower

logger = logging.getLogger("betterform_site.accounts")

INDEX = "auth_user_email_lower_uniq"


def keep_one_account_per_email(apps, schema_editor):
    """Blank the email of every account but one in each group sharing an address."""
    User = apps.get_model("auth", "User")
    users = User._default_manager.db_manager(schema_editor.connection.alias)
    users = users.exclude(email="").annotate(email_key=Lower("email"))
    shared = (
        users.values("email_key").annotate(accounts=Count("pk")).filter(accounts__gt=1)
    ).values_list("email_key", flat=True)
    for key in list(shared):
        keeper, *others = users.filter(email_key=key).order_by("-is_active", "date_joined", "pk")
        for other in others:
            logger.warning(
                "email %r shared: kept on user %s (%s), blanked on user %s (%s)",
                other.email,
                keeper.pk,
                keeper.username,
                other.pk,
                other.username,
            )
            users.filter(pk=other.pk).update(email="")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("betterform_site", "0002_realtime_event"),
    ]

    operations = [
        migrations.RunPython(keep_one_account_per_email, migrations.RunPython.noop),
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON auth_user (LOWER(email)) WHERE email <> ''",
            f"DROP INDEX {INDEX}",
        ),
    ]
