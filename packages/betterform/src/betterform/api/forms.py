"""The forms API: ``/forms/`` for staff, reps and API clients, and the anonymous public
endpoint ``/public/forms/<public token>/`` where customers read a published form and submit
their answers. Registered on the app's router by ``register(router)``; the public route comes
from ``public_urls()``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, ProtectedError, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from betterform import services
from betterform.api.errors import Conflict
from betterform.api.history import HistoryMixin, record_revision
from betterform.api.history_schema import history_schema
from betterform.api.permissions import IsStaffRepOrAPIKey, scope_to_owner
from betterform.api.serializers_forms import (
    VERSION_ANNOTATION,
    FormSerializer,
    PublicFormSerializer,
)
from betterform.api.serializers_submissions import (
    PublicSubmissionSerializer,
    SubmissionReceiptSerializer,
)
from betterform.filters import FormFilter
from betterform.models import Form, FormVersion
from createpdf import converters
from createpdf.parsers import JSONParser

_NOT_FOUND = OpenApiResponse(description="No such form that you can see.")
_CONFLICT = OpenApiResponse(description="The form has submissions; unpublish it instead.")


@extend_schema_view(
    retrieve=extend_schema(responses={200: FormSerializer, 404: _NOT_FOUND}),
    destroy=extend_schema(responses={204: None, 404: _NOT_FOUND, 409: _CONFLICT}),
    **history_schema(FormSerializer),
)
class FormViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Quote forms. Reps see and change only their own; staff and API clients all of them.

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings).

    list:
    A rep gets the forms they own; staff and API clients get every form.

    create:
    The form belongs to you (to nobody for an API key client) and is closed to customers
    unless ``published`` is true (see ``publish_form``). Its ``schema`` is checked: each
    problem is listed under ``schema`` with its path. The first form version is stored with it.

    update, partial_update:
    A changed ``schema`` is checked as on create and stored as a new form version; existing
    submissions keep the version they answered, new ones answer this one.

    destroy:
    A form that has submissions cannot be deleted (409): unpublish it instead. A deleted form's
    last version is kept: ``list_deleted_forms`` lists it and ``recover_form`` brings it back.
    """

    serializer_class = FormSerializer
    permission_classes = [IsStaffRepOrAPIKey]
    parser_classes = [JSONParser]
    filterset_class = FormFilter
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Form]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no request user
            return Form.objects.none()
        latest = FormVersion.objects.filter(form=OuterRef("pk")).order_by("-number")
        forms = Form.objects.select_related("owner").annotate(
            **{VERSION_ANNOTATION: Subquery(latest.values("number")[:1])}
        )
        return scope_to_owner(forms, self.request)

    def perform_destroy(self, instance: Form) -> None:
        try:
            super().perform_destroy(instance)
        except ProtectedError:
            raise Conflict(
                "This form has submissions, so it cannot be deleted; unpublish it instead."
            ) from None

    def after_revert(self, instance: Form) -> None:
        """Reverting restores the row as it was; record the restored schema as a version so
        new submissions are checked against it."""
        services.save_form(instance)
        instance.__dict__.pop(VERSION_ANNOTATION, None)  # may be a version behind now

    @extend_schema(request=None, responses={200: FormSerializer, 404: _NOT_FOUND})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish a form.

        Open the form to customers: its ``public_url`` (``get_public_form`` and
        ``submit_public_form``, no credentials) answers from now on. The answer is the form."""
        return self._set_published(request, published=True)

    @extend_schema(request=None, responses={200: FormSerializer, 404: _NOT_FOUND})
    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, pk: str | None = None) -> Response:
        """Unpublish a form.

        Close the form's public URL to customers (it answers 404 from now on); the form, its
        token and its submissions stay, and publishing it again reopens the same URL. The
        answer is the form."""
        return self._set_published(request, published=False)

    def _set_published(self, request: Request, *, published: bool) -> Response:
        form = self.get_object()
        verb = "Published" if published else "Unpublished"
        with record_revision(request, f"{verb} through the API (forms)."):
            services.set_published(form, published)
        return Response(self.get_serializer(form).data)


class PublicSubmitThrottle(ScopedRateThrottle):
    """``public_submit`` rate for anonymous submissions; when a site has not configured that
    scope it falls back to the ``anon`` rate instead of failing every request."""

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES  # read now, so settings changes apply
        return rates.get(self.scope) or rates.get("anon")


class PublicFormView(APIView):
    """A published form, by its unguessable public token: read it, or submit answers."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_scope = "public_submit"

    def get_throttles(self) -> list[BaseThrottle]:
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(PublicSubmitThrottle())
        return throttles

    def get_form(self, token: str) -> Form:
        return get_object_or_404(
            Form.objects.select_related("owner"), public_token=token, published=True
        )

    @extend_schema(
        operation_id="get_public_form",
        responses={200: PublicFormSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, token: str) -> Response:
        """Get a published form.

        What a customer needs to fill in the form (its name, description and ``schema``), by
        the public token of its ``public_url``; no credentials. A 404 when no published form
        has that token (an unpublished form's too)."""
        return Response(PublicFormSerializer(self.get_form(token)).data)

    @extend_schema(
        operation_id="submit_public_form",
        request=PublicSubmissionSerializer,
        responses={
            201: SubmissionReceiptSerializer,
            400: OpenApiResponse(description="Answers or customer invalid, by field."),
            404: _NOT_FOUND,
            429: OpenApiResponse(description="Too many submissions; retry later."),
        },
    )
    def post(self, request: Request, token: str) -> Response:
        """Submit answers to a published form.

        A customer's ``answers`` (and optionally who they are, ``customer``), with no
        credentials. The answers are checked against the form's current version: a 400 names
        each field at fault. The answer (201) is a receipt: the submission's id, status
        (``submitted``) and time; the form's owner follows it up. Limited per client address
        (the site's ``public_submit`` rate): past it, a 429 with ``Retry-After``."""
        form = self.get_form(token)
        serializer = PublicSubmissionSerializer(data=request.data, context={"form": form})
        serializer.is_valid(raise_exception=True)
        with record_revision(request, "Submitted through the public form."):
            submission = serializer.save()
        return Response(SubmissionReceiptSerializer(submission).data, status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the app's router."""
    router.register("forms", FormViewSet, basename="form")


def public_urls() -> list[URLPattern]:
    """Anonymous endpoints: the published form and its submissions, by public token."""
    converters.register()
    return [
        path("public/forms/<urltext:token>/", PublicFormView.as_view(), name="public-form"),
    ]
