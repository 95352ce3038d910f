"""The company profile in the admin: one row, edited in place.

The list page goes straight to that row's change page (or to the add page before it exists);
there is no second row to add and none to delete. Saving validates through
``betterform.company.validate_profile``, the rule every other writer uses, and shows its errors
on their fields. Registered from ``betterform.admin``; plain ``ModelAdmin``, so it works in any
project's admin site.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse

from betterform import company, logos
from betterform.models import CompanyProfile


class _ShownLogo:
    """What the file input's "Currently:" line shows and links to."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __str__(self) -> str:
        return self.name


class LogoInput(forms.ClearableFileInput):
    """The stored logo links to the admin's own logo view (``CompanyProfileAdmin.logo_view``):
    the site serves no media files (quote PDFs live there too), so the stock ``MEDIA_URL``
    link was a 404."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            url = reverse("admin:betterform_companyprofile_logo")
            context["widget"]["value"] = _ShownLogo(str(value).rsplit("/", 1)[-1], url)
        return context


class CompanyProfileForm(forms.ModelForm):
    class Meta:
        model = CompanyProfile
        fields = [
            "name", "address", "email", "phone", "website", "registration", "logo",
            "default_currency", "default_tax_rate",
        ]  # fmt: skip
        widgets = {"logo": LogoInput}

    def clean_default_currency(self) -> str:
        return company.normalise_currency(self.cleaned_data["default_currency"])

    def _post_clean(self) -> None:
        super()._post_clean()  # builds the instance and runs the model's own validation
        if self.errors:
            return
        try:
            company.validate_profile(self.instance)  # the rule every other writer uses
        except ValidationError as error:
            self._update_errors(error)


@admin.register(CompanyProfile)
class CompanyProfileAdmin(admin.ModelAdmin):
    form = CompanyProfileForm
    fieldsets = [
        (
            "Printed on quotes",
            {
                "fields": ["name", "address", "email", "phone", "website", "registration", "logo"],
                "description": "While the name is empty, quotes show the BETTERFORM_COMPANY "
                "setting (or placeholders) instead.",
            },
        ),
        ("Defaults for new quotes", {"fields": ["default_currency", "default_tax_rate"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and company.get_profile() is None

    def get_urls(self) -> list[Any]:
        logo = path(
            "logo/",
            self.admin_site.admin_view(self.logo_view),
            name="betterform_companyprofile_logo",
        )
        return [logo, *super().get_urls()]

    def logo_view(self, request: HttpRequest) -> HttpResponse:
        """The stored logo, to those who may view the profile; 404 without one."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        profile = company.get_profile()
        if profile is None or not profile.logo:
            raise Http404("No logo is stored.")
        try:
            with profile.logo.open("rb") as file:
                content = file.read()
        except OSError:
            raise Http404("The logo is missing from the storage.") from None
        response = HttpResponse(content, content_type=logos.logo_content_type(content))
        # An SVG is a document: served from our origin it must not run anything.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """No list of one row: open the profile, or the form that creates it."""
        profile = company.get_profile()
        if profile is not None:
            url = reverse("admin:betterform_companyprofile_change", args=[profile.pk])
        elif self.has_add_permission(request):
            url = reverse("admin:betterform_companyprofile_add")
        else:
            return super().changelist_view(request, extra_context)
        return HttpResponseRedirect(url)

    def save_model(
        self, request: HttpRequest, obj: CompanyProfile, form: Any, change: bool
    ) -> None:
        company.save_profile(obj)

    def response_post_save_change(self, request: HttpRequest, obj: CompanyProfile) -> HttpResponse:
        # The list would only bounce back here; stay on the profile.
        return HttpResponseRedirect(request.path)

    def response_post_save_add(self, request: HttpRequest, obj: CompanyProfile) -> HttpResponse:
        url = reverse("admin:betterform_companyprofile_change", args=[obj.pk])
        return HttpResponseRedirect(url)
