"""Characters no database stores (``createpdf.storable``): NUL and lone surrogates, refused
with where they are, or made storable for data that must be kept."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from createpdf.models import Document, DocumentTemplate
from createpdf.storable import find_unstorable, make_storable, validate_storable_json

EMOJI = "\U0001f600"  # in JSON text a surrogate pair, "\ud83d\ude00": one character, stored


def test_find_unstorable_walks_strings_keys_and_lists():
    value = {"a": ["ok", {"b\x00": "x"}], "c": "d\x00e", "n": 1}
    assert find_unstorable(value) == ("a[1].b\\u0000", "a NUL character (\\u0000)")
    assert find_unstorable({"a": ["ok"], "c": "d\x00"}) == ("c", "a NUL character (\\u0000)")
    lone = {"lines": [{"description": "cut emoji \ud83d"}]}
    assert find_unstorable(lone) == ("lines[0].description", "a lone surrogate (\\ud83d)")
    assert find_unstorable({"\udc00": 1}) == ("\\udc00", "a lone surrogate (\\udc00)")
    assert find_unstorable("\x00") == ("(the value)", "a NUL character (\\u0000)")
    assert find_unstorable({"ok": [EMOJI, "Ü", 1.5, None, True]}) is None


def test_make_storable_drops_nul_and_replaces_lone_surrogates():
    value = {"a": ["ok", {"b\x00": "x\ud800y"}], "c": "d\x00e", "n": 1, "e": EMOJI}
    assert make_storable(value) == {"a": ["ok", {"b": "x\ufffdy"}], "c": "de", "n": 1, "e": EMOJI}
    assert find_unstorable(make_storable(value)) is None
    assert make_storable("\udfff\x00") == "\ufffd"


def test_the_model_validator_names_where():
    with pytest.raises(ValidationError) as raised:
        validate_storable_json({"who": {"name": "Ada\ud800"}})
    assert raised.value.messages == [
        "who.name holds a lone surrogate (\\ud800), which cannot be stored; remove it."
    ]
    validate_storable_json({"who": EMOJI})


def _post_raw(client, body: dict):
    """JSON text as a client writes it: ``json.dumps`` escapes a lone surrogate as
    ``\\udXXX`` (RFC 8259 allows it), which ``json.loads`` turns back into one."""
    return client.post("/api/pdf/documents/", json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("context", "where", "what"),
    [
        ({"who": "Ada\ud800"}, "context.who", "a lone surrogate (\\ud800)"),
        ({"rows": [{"\udc01": 1}]}, "context.rows[0].\\udc01", "a lone surrogate (\\udc01)"),
        ({"who": "A\x00"}, "context.who", "a NUL character (\\u0000)"),
    ],
    ids=["value", "key", "nul"],
)
def test_a_document_context_with_an_unstorable_character_is_a_400(rep_client, context, where, what):
    DocumentTemplate.objects.create(slug="hello", name="Hello", html="<p>{{ who }}</p>")
    response = _post_raw(rep_client, {"template": "hello", "context": context})
    assert response.status_code == 400, response.content
    assert f"{where} holds {what}, which cannot be stored" in response.json()["detail"]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_surrogate_pair_is_one_character_and_is_stored(rep_client):
    DocumentTemplate.objects.create(slug="hello", name="Hello", html="<p>{{ who }}</p>")
    response = _post_raw(rep_client, {"template": "hello", "context": {"who": EMOJI}})
    assert response.status_code == 202, response.content
    assert Document.objects.get().context == {"who": EMOJI}


@pytest.mark.django_db
def test_the_template_admin_refuses_a_sample_context_it_could_not_store(admin_client):
    response = admin_client.post(
        "/admin/createpdf/documenttemplate/add/",
        {
            "slug": "hello",
            "name": "Hello",
            "html": "<p>{{ who }}</p>",
            "css": "",
            "sample_context": '{"who": "Ada\\ud800"}',  # the JSON text as typed
            "active": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["sample_context"]
    assert errors == ["who holds a lone surrogate (\\ud800), which cannot be stored; remove it."]
    assert not DocumentTemplate.objects.exists()
