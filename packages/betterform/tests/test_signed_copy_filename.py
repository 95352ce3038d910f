"""The signed copy's file name: "Quote Q-2026-0031 (signed)" is stored, downloaded and uploaded
to monday as ``Quote-Q-2026-0031-signed-<id>.pdf``, one dash between the words."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pytest

from betterform import answering, services
from betterform.models import Quote
from betterform.signed_copy import ensure_signed_copy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_the_signed_copy_is_named_quote_number_signed_id(rep, submission) -> None:
    quote = services.build_quote(submission(owner=rep))
    services.update_quote(quote, status=Quote.Status.SENT)
    answer, _ = answering.accept_quote(
        quote, signer_name="Ada Lovelace", consent=True, ip_address=None, user_agent=""
    )

    signed = ensure_signed_copy(answer)

    expected = f"Quote-{quote.number}-signed-{signed.pk}.pdf"
    assert signed.filename == expected
    assert PurePosixPath(signed.file.name).name == expected
