"""A report's name and parameters on its document: the worker builds the context from them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("createpdf", "0004_deletion"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="report",
            field=models.JSONField(
                blank=True,
                editable=False,
                help_text=(
                    "A report's name and parameters; the worker builds the context from them."
                ),
                null=True,
            ),
        ),
    ]
