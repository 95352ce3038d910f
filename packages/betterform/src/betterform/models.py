"""Forms and their versions, submissions, quotes and quote lines, and the company profile."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

import reversion
from django.conf import settings
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from betterform.logos import LOGO_EXTENSIONS, validate_logo
from betterform.pricing import LineAmounts, line_amounts
from createpdf.storable import StorableJSONField

ZERO = Decimal("0.00")


def new_public_token() -> str:
    return secrets.token_urlsafe(16)


def new_customer_token() -> str:
    """The quote page's token (``/q/<token>/``): 256 random bits, 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


@reversion.register()
class Form(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    schema = StorableJSONField(
        help_text="Sections of typed fields; see betterform.schema.",
    )
    published = models.BooleanField(default=False)
    public_token = models.CharField(max_length=40, unique=True, default=new_public_token)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="betterform_forms",
        # The (owner, name, id) index below serves every lookup by owner (its first column),
        # the user deletion's SET NULL included; a second index on owner alone costs writes.
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        # Each sortable column (API and admin) with the id that breaks its ties (the keyset of
        # ``?cursor=``), and the owner's list. On PostgreSQL, trigram indexes serve ``search``
        # on every model here (betterform.trigram, migration 0002).
        indexes = [
            models.Index(fields=["name", "id"], name="bf_form_name_id"),
            models.Index(fields=["created_at", "id"], name="bf_form_created_id"),
            models.Index(fields=["updated_at", "id"], name="bf_form_updated_id"),
            models.Index(fields=["owner", "name", "id"], name="bf_form_owner_name_id"),
        ]

    def __str__(self) -> str:
        return self.name


class FormVersion(models.Model):
    """The schema as it was: a submission keeps the meaning of its answers when the form
    changes later. A new version is recorded whenever the schema changes."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = StorableJSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="betterform_form_version")
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


@reversion.register()
class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        SUBMITTED = "submitted"
        QUOTED = "quoted"
        SENT = "sent"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    class Source(models.TextChoices):
        API = "api"
        PUBLIC = "public"
        MONDAY = "monday"

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    answers = StorableJSONField(default=dict, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_phone = models.CharField(max_length=40, blank=True)
    customer_company = models.CharField(max_length=200, blank=True)
    customer_address = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    external_reference = models.CharField(max_length=100, blank=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="betterform_submissions",
        # The (owner, created_at, id) index below serves every lookup by owner (its first column),
        # the user deletion's SET NULL included; a second index on owner alone costs writes.
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Each sortable column with the id that breaks its ties (the keyset of ``?cursor=``),
        # the owner's list, and ``?customer_email=`` (case-insensitive: on lower(email)).
        indexes = [
            models.Index(fields=["created_at", "id"], name="bf_sub_created_id"),
            models.Index(fields=["updated_at", "id"], name="bf_sub_updated_id"),
            models.Index(fields=["status", "created_at", "id"], name="bf_sub_status_created_id"),
            models.Index(fields=["status", "id"], name="bf_sub_status_id"),
            models.Index(fields=["owner", "created_at", "id"], name="bf_sub_owner_created_id"),
            models.Index(Lower("customer_email"), name="bf_sub_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.form} #{self.pk} ({self.customer_name or self.customer_email or '-'})"


@reversion.register(follow=["lines"])
class Quote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        SENT = "sent"
        ACCEPTED = "accepted"
        REJECTED = "rejected"
        EXPIRED = "expired"

    number = models.CharField(max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    form = models.ForeignKey(
        Form, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    title = models.CharField(max_length=200, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, editable=False)
    discount_total = models.DecimalField(
        max_digits=14, decimal_places=2, default=ZERO, editable=False
    )
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, editable=False)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, editable=False)
    # The customer's side (``betterform.customer``): the quote page's unguessable token, when
    # the quote was last e-mailed, how often its page was opened, and the reminder sent.
    customer_token = models.CharField(
        max_length=64, unique=True, default=new_customer_token, editable=False
    )
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_viewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_viewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    view_count = models.PositiveIntegerField(default=0, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    previous_version = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="later_versions",
        editable=False,
        help_text="The locked quote this one was copied from (services.new_version).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="betterform_quotes",
        # The (owner, created_at, id) index below serves every lookup by owner (its first column),
        # the user deletion's SET NULL included; a second index on owner alone costs writes.
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-sequence"]
        # Each sortable column with the id that breaks its ties (the keyset of ``?cursor=``;
        # ``number`` is unique already), the status filter and the owner's list in the list's
        # order.
        indexes = [
            models.Index(fields=["created_at", "id"], name="bf_quote_created_id"),
            models.Index(fields=["total", "id"], name="bf_quote_total_id"),
            models.Index(fields=["status", "created_at", "id"], name="bf_quote_status_created_id"),
            models.Index(fields=["owner", "created_at", "id"], name="bf_quote_owner_created_id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="betterform_quote_sequence")
        ]

    def __str__(self) -> str:
        return self.number


@reversion.register()
class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    unit = models.CharField(max_length=40, blank=True)
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent, e.g. 21.00",
    )
    discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    source_key = models.CharField(
        max_length=100, blank=True, help_text="The form field or fee this line was priced from."
    )

    class Meta:
        ordering = ["quote", "position", "id"]

    def __str__(self) -> str:
        return self.description

    @cached_property
    def amounts(self) -> LineAmounts:
        """Gross, discount, net, tax and total, by the one rounding rule (``pricing``); worked
        out once per loaded line, however many places show them."""
        return line_amounts(self.quantity, self.unit_price, self.tax_rate, self.discount_percent)


class QuoteNumberSequence(models.Model):
    """The last quote number used in a year; rows are locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CompanyProfile(models.Model):
    """The seller printed on quote PDFs, and the defaults of new quotes; one row at most (its
    id is always 1). Read and written through ``betterform.company``, which falls back to the
    ``BETTERFORM_COMPANY`` setting while no name is filled in here."""

    SINGLETON_ID = 1

    name = models.CharField(max_length=200, blank=True, help_text="As printed on quotes.")
    address = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=200, blank=True, help_text="e.g. www.example.com")
    registration = models.CharField(
        max_length=100, blank=True, help_text="VAT or company registration number, as printed."
    )
    logo = models.FileField(
        upload_to="betterform/company/",
        blank=True,
        validators=[FileExtensionValidator(LOGO_EXTENSIONS), validate_logo],
        help_text="PNG, JPEG or SVG, at most 256 KB; printed at the top of every quote.",
    )
    default_currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as EUR.")],
        help_text="For new quotes that do not name one; empty: the BETTERFORM_DEFAULT_CURRENCY "
        "setting.",
    )
    default_tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent (e.g. 21.00), for new quote lines that do not give one; empty: 0.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "company profile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="betterform_company_profile_singleton"
            )
        ]

    def __str__(self) -> str:
        return self.name or "Company profile"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = self.SINGLETON_ID  # a second "new" profile updates the one row
        super().save(*args, **kwargs)


# The customer's answer and the e-mails a quote was sent in (kept in their own module).
from betterform.models_customer import QuoteAnswer, QuoteEmail  # noqa: E402

__all__ = [
    "CompanyProfile",
    "Form",
    "FormVersion",
    "Quote",
    "QuoteAnswer",
    "QuoteEmail",
    "QuoteLine",
    "QuoteNumberSequence",
    "Submission",
]
