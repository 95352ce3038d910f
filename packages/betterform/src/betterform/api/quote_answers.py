"""``POST /quotes/<id>/record_answer/``: record the answer a customer gave a team member by
phone, e-mail or on paper (``betterform.recorded_answers.record_answer``).

``QuoteAnswerMixin`` sits in ``QuoteViewSet``'s bases; it finds the quote through the viewset's
``get_object`` (a rep records answers only on their own quotes: anyone else's is a 404; staff
and API key clients on any). It is the only way a quote becomes accepted or rejected through
the API: writing ``status`` is refused (``services.check_settable_status``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from betterform import answering, recorded_answers
from betterform.api.errors import Conflict
from betterform.api.history import record_revision
from betterform.api.permissions import api_key_of
from betterform.api.serializers_quotes import QuoteSerializer
from betterform.models import QuoteAnswer
from createpdf.access import api_key_id, user_of


class RecordAnswerSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=QuoteAnswer.Decision.choices, help_text="What the customer answered."
    )
    signer_name = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Who answered, and how: e.g. 'Eva Jansen by phone'. Required to accept.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Why they declined, if they said (at most {answering.MAX_REASON} characters).",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"How the answer came in (at most {answering.MAX_REASON} characters).",
    )


class QuoteAnswerMixin:
    """Adds the ``record_answer`` action to the quotes viewset."""

    @extend_schema(
        operation_id="record_quote_answer",
        summary="Record the customer's answer",
        request=RecordAnswerSerializer,
        responses={
            201: OpenApiResponse(QuoteSerializer, description="Recorded: the quote, locked."),
            200: OpenApiResponse(
                QuoteSerializer,
                description="The quote already had an answer: the quote with that answer, "
                "unchanged (whatever this request said).",
            ),
            400: OpenApiResponse(
                description="Bad input, per field: no decision, no `signer_name` to accept, a "
                "text too long or holding control characters."
            ),
            404: OpenApiResponse(description="No such quote that you can see."),
            409: OpenApiResponse(
                description="No answer can be recorded; ``detail`` says why: the quote expired "
                "(or is past its valid_until), is not draft or sent, or its PDF cannot be "
                "prepared now."
            ),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=RecordAnswerSerializer)
    def record_answer(self, request: Request, pk: str | None = None) -> Response:
        """Record the customer's answer.

        For an answer the customer gave you by phone, e-mail or on paper: ``accepted`` with
        ``signer_name`` (who accepted, and how: "Eva Jansen by phone"), or ``declined`` with
        an optional ``reason``; ``note`` says how it came in. As when the customer answers on
        the quote page: the current PDF is kept and its sha256 recorded (``shown_sha256``),
        the quote becomes ``accepted`` or ``rejected`` and is locked, its submission follows,
        the monday item moves to the mapping's label with an update saying who recorded it,
        and the real-time events go out. The answer names you (``recorded_by``); it has no
        signed copy, since nobody signed. 201 with the quote; an answer recorded before comes
        back unchanged with 200."""
        quote = self.get_object()  # type: ignore[attr-defined]
        body = RecordAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = api_key_of(request)
        data = body.validated_data
        words = f"{data['decision'].capitalize()} answer recorded through the API."
        try:
            with record_revision(request, words):
                _, created = recorded_answers.record_answer(
                    quote,
                    decision=data["decision"],
                    signer_name=data.get("signer_name", ""),
                    reason=data.get("reason", ""),
                    note=data.get("note", ""),
                    recorded_by=user_of(request),
                    recorded_by_key=api_key_id(request) or (str(key.pk) if key else ""),
                    key_name=key.name if key is not None else "",
                )
        except answering.AnswerInvalid as error:
            raise serializers.ValidationError(error.errors) from None
        except answering.QuoteClosed as error:
            raise Conflict(str(error)) from None
        quote = self.get_queryset().get(pk=quote.pk)  # type: ignore[attr-defined]
        context = self.get_serializer_context()  # type: ignore[attr-defined]
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(QuoteSerializer(quote, context=context).data, status=code)
