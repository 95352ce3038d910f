"""A document kept as a record (a PDF a customer answered, a signed copy): never rendered
again or deleted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("createpdf", "0005_document_report"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="kept",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Kept as a record: never rendered again or deleted.",
            ),
        ),
    ]
