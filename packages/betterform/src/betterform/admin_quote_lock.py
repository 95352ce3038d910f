"""An accepted, declined or expired quote is read-only in the admin, as it is in the API (409,
``services.QuoteLocked``): the customer's answer records the PDF they were shown, so the quote
must not change under it (issue 16).

``QuoteLockAdmin`` (a mixin for ``QuoteAdmin``) shows a locked quote as a view-only page with
a note saying why and how to make a new version, refuses its save, delete and history revert
with that message, and checks the lock again when a form is saved (the customer may answer
while the rep edits: ``QuoteAdminForm``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from betterform import services
from betterform.admin_quote_customer import is_locked, lock_message
from betterform.models import Quote


class QuoteAdminForm(forms.ModelForm):
    class Meta:
        model = Quote
        # The quote's editable fields; the admin's fieldsets choose among them.
        fields = [
            "title", "status", "form", "owner", "customer_name", "customer_email", "currency",
            "valid_until", "notes",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The change view runs in a transaction: check_unlocked's row lock holds to its end,
        # so an answer being recorded now waits for this save, or this save sees it.
        try:
            services.check_unlocked(self.instance)
        except services.QuoteLocked as locked:
            raise ValidationError(str(locked)) from None
        return cleaned


class QuoteLockAdmin:
    """Mixed into ``QuoteAdmin`` (a ``RestoringVersionAdmin``)."""

    form = QuoteAdminForm

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_locked(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_locked(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]

    def _refused(self, request: HttpRequest, object_id: str) -> HttpResponse | None:
        """A redirect to the (view-only) page with why, when the quote is locked."""
        quote = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        message = lock_message(quote) if is_locked(quote) else None
        if message is None:
            return None
        messages.error(request, message)
        return redirect(reverse("admin:betterform_quote_change", args=[quote.pk]))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A save posted to a locked quote (opened before the customer answered) is answered
        with the page and why, not a bare 403."""
        if request.method == "POST" and (refused := self._refused(request, object_id)):
            return refused
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def revision_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """History's revert would restore an older version (and its status) over the lock."""
        if refused := self._refused(request, object_id):
            return refused
        return super().revision_view(request, object_id, version_id, extra_context)  # type: ignore[misc]
