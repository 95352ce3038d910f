"""What the customer types on the quote page (``betterform.answer_input.clean_text``):
invisible names and bidirectional embedding, override and isolate controls. A name of only
zero-width characters is no name (required); ``"Ada\\u202e"`` is refused with a message rather
than stored and carried into the signed PDF and monday; a zero-width joiner inside a real name
is kept."""

from __future__ import annotations

from typing import Any

import pytest

from betterform import answering, services
from betterform.answer_input import BIDI_CONTROLS, clean_text
from betterform.answering import AnswerInvalid
from betterform.models import Quote, QuoteAnswer

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
# A family emoji: man, ZWJ, woman, ZWJ, girl; and a Persian name with a zero-width non-joiner.
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sent_quote(rep, submission) -> Quote:
    quote = services.build_quote(submission(owner=rep))
    return services.update_quote(quote, status=Quote.Status.SENT, customer_name="Ada Lovelace")


def _accept(quote: Quote, signer_name: str) -> tuple[QuoteAnswer, bool]:
    return answering.accept_quote(
        quote, signer_name=signer_name, consent=True, ip_address="203.0.113.7", user_agent=AGENT
    )


@pytest.mark.parametrize(
    "value",
    ["\u200b\u200b", "\u200b \u200b", " \ufeff\u2060 ", "\u200d", "\u200e\u200f", "\u00ad"],
)
def test_a_value_of_only_format_characters_is_blank(value):
    assert clean_text(value, "name", 200) == ("", "")
    assert clean_text(value, "reason", 2000, multiline=True) == ("", "")


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_every_bidi_embedding_override_and_isolate_control_is_refused(control):
    for value in (f"Ada{control}", f"{control}Ada Lovelace", f"Ada {control}Lovelace{control}"):
        cleaned, error = clean_text(value, "name", 200)
        assert cleaned == ""
        assert error.startswith("The name holds an invisible character that changes the direc")
        assert "type it again without it" in error
    assert clean_text(f"Too\n{control}dear", "reason", 2000, multiline=True)[1]


@pytest.mark.parametrize(
    "value", [FAMILY, f"Ada {FAMILY}", PERSIAN, "Ada\u200bLovelace", "\u05d0\u200f Ada"]
)
def test_format_characters_inside_visible_text_are_kept(value):
    assert clean_text(value, "name", 200) == (value, "")


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u200b \u2060", "\ufeff"])
def test_an_invisible_signature_is_the_missing_name(sent_quote, name):
    with pytest.raises(AnswerInvalid) as refused:
        _accept(sent_quote, name)
    assert refused.value.errors == {"signer_name": "Type your full name to sign."}
    assert not QuoteAnswer.objects.exists()
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.SENT


@pytest.mark.parametrize("name", ["Ada\u202e", "\u202eecalevol adA", "Ada \u2067Lovelace\u2069"])
def test_a_signature_with_a_direction_override_is_refused_and_not_stored(sent_quote, name):
    with pytest.raises(AnswerInvalid) as refused:
        _accept(sent_quote, name)
    assert set(refused.value.errors) == {"signer_name"}
    assert "changes the direction of the text" in refused.value.errors["signer_name"]
    assert not QuoteAnswer.objects.exists()
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.SENT


def test_a_name_with_a_zero_width_joiner_signs(sent_quote):
    answer, created = _accept(sent_quote, f"  Ada  {FAMILY} ")
    assert created and answer.signer_name == f"Ada {FAMILY}"


def test_a_declining_reason_with_an_override_is_refused_an_invisible_one_is_none(rep, submission):
    first = services.update_quote(
        services.build_quote(submission(owner=rep)), status=Quote.Status.SENT
    )
    with pytest.raises(AnswerInvalid) as refused:
        answering.decline_quote(first, reason="Too \u202edear", ip_address="::1", user_agent="")
    assert set(refused.value.errors) == {"reason"}
    answer, created = answering.decline_quote(
        first, reason="\u200b\n\u200b", ip_address="::1", user_agent=""
    )
    assert created and answer.reason == ""
