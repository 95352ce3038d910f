"""``POST /quotes/<id>/send/``: e-mail a quote to its customer (``betterform.sending``).

``QuoteSendMixin`` sits in ``QuoteViewSet``'s bases; it finds the quote through the viewset's
``get_object`` (a rep sends only their own quotes: anyone else's is a 404).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from betterform import sending
from betterform.api.errors import Conflict
from betterform.api.serializers_quotes import QuoteSerializer
from betterform.models import QuoteEmail
from createpdf.access import user_of


class QuoteSendSerializer(serializers.Serializer):
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=sending.MESSAGE_MAX_LENGTH,
        help_text="Your own words, put above the quote's details in the e-mail.",
    )


class QuoteEmailSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteEmail
        fields = ["id", "to_email", "subject", "sent_at", "kind"]
        read_only_fields = fields


class QuoteSentSerializer(serializers.Serializer):
    quote = QuoteSerializer(read_only=True)
    email = QuoteEmailSerializer(read_only=True)


class QuoteSendMixin:
    """Adds the ``send`` action to the quotes viewset."""

    @extend_schema(
        operation_id="send_quote",
        request=QuoteSendSerializer,
        responses={
            200: QuoteSentSerializer,
            400: OpenApiResponse(description="The message is longer than 5000 characters."),
            404: OpenApiResponse(description="No such quote that you can see."),
            409: OpenApiResponse(
                description="The quote cannot be sent now; ``detail`` says why and what to do: "
                "no customer e-mail, answered or locked (accepted, declined, expired), past its "
                "valid_until, its PDF failed or is not ready yet, or the mail server refused."
            ),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=QuoteSendSerializer)
    def send(self, request: Request, pk: str | None = None) -> Response:
        """E-mail the quote to its customer.

        The customer gets the quote's current PDF attached and the link to its page, where
        they accept or decline it, with your ``message`` if you write one. It comes from the
        company (the company profile's name), Reply-To the quote's owner. The quote becomes
        ``sent`` (its submission too, when ``quoted``). Sending again sends the current
        version: the PDF is rendered again if the quote changed. A 409 whose ``detail`` says
        what to do when it cannot be sent; nothing is sent or recorded then. The answer is
        the quote and the e-mail recorded."""
        quote = self.get_object()  # type: ignore[attr-defined]
        body = QuoteSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            email = sending.send_quote(
                quote, message=body.validated_data.get("message", ""), sent_by=user_of(request)
            )
        except sending.SendError as error:
            raise Conflict(str(error)) from None
        context = self.get_serializer_context()  # type: ignore[attr-defined]
        return Response(
            {
                "quote": QuoteSerializer(quote, context=context).data,
                "email": QuoteEmailSerializer(email, context=context).data,
            }
        )
