"""Posting the public form page: the submission exactly as the JSON endpoint makes it (its own
serializer, so the same service, checks and messages), then the priced quote when the form
prices its answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import reversion
from rest_framework.exceptions import ValidationError

from betterform import services
from betterform.answers import AnswersError, clean_answers
from betterform.api.serializers_submissions import PublicSubmissionSerializer
from betterform.models import Form, Quote, Submission
from betterform.pricing import price_answers
from betterform.schema import fields

logger = logging.getLogger(__name__)

REVISION_COMMENT = "Submitted through the public form page."


@dataclass
class SubmissionInvalid(Exception):
    """What the page shows next to each input: ``answers`` by field key, ``customer`` by
    detail (``email``, ...), and ``general`` problems with the answers as a whole."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    customer: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def _messages(detail: Any) -> list[str]:
    return [str(item) for item in detail] if isinstance(detail, list) else [str(detail)]


def _invalid(detail: Any) -> SubmissionInvalid:
    """A DRF error detail (``{"answers": {...} or [...], "customer": {...}}``) by input."""
    invalid = SubmissionInvalid()
    detail = detail if isinstance(detail, dict) else {"answers": detail}
    for name, problems in detail.items():
        if name in ("answers", "customer") and isinstance(problems, dict):
            target = invalid.answers if name == "answers" else invalid.customer
            target.update({key: _messages(value) for key, value in problems.items()})
        else:
            invalid.general.extend(_messages(problems))
    return invalid


def submit(
    form: Form,
    *,
    answers: dict[str, Any],
    customer: dict[str, str],
    problems: dict[str, list[str]] | None = None,
) -> Submission:
    """Store the customer's submission (source ``public``, owned by the form's owner) as
    ``POST /api/public/forms/<token>/`` does; raises ``SubmissionInvalid``. ``problems`` (field
    key -> messages: answers the page could not read, ``schema_form.read_answers``) are
    refused with every other error, and nothing is stored."""
    serializer = PublicSubmissionSerializer(
        data={"answers": answers, "customer": customer}, context={"form": form}
    )
    valid = serializer.is_valid()
    if not valid or problems:
        invalid = _invalid(serializer.errors) if not valid else SubmissionInvalid()
        try:  # the service checks the answers after the customer: show both at once
            clean_answers(services.current_version(form).schema, answers)
        except AnswersError as error:
            invalid.answers = {**error.errors, **invalid.answers}
        invalid.answers.update(problems or {})  # what was posted, not what was left out
        raise invalid
    try:
        with reversion.create_revision():
            reversion.set_comment(REVISION_COMMENT)
            return serializer.save()
    except ValidationError as error:
        raise _invalid(error.detail) from None
    except ValueError as error:  # limits.DoesNotFit: a detail its column cannot hold
        raise SubmissionInvalid(general=[str(error)]) from None


def prices_answers(schema: dict[str, Any]) -> bool:
    """Whether the form turns answers into quote lines (``betterform.pricing``): pricing
    rules of its own, a priced field, or a priced option."""
    if schema.get("pricing"):
        return True
    return any(
        spec.get("pricing") or any("price" in option for option in spec.get("options", []))
        for spec in fields(schema).values()
    )


class QuoteNotBuilt(Exception):
    """The form prices these answers, but no quote could be built from them (logged); the
    submission is stored, and the form's owner sends the quote."""


def priced_quote(submission: Submission) -> Quote | None:
    """The quote ``services.build_quote`` prices from the submission, when its form prices
    answers and these answers come to at least one line; None otherwise (the form's owner
    follows the submission up). Raises ``QuoteNotBuilt`` (logged) when pricing or building
    fails: lines a quote cannot hold (``DoesNotFit``, ``LinesInvalid``), a number no decimal
    arithmetic takes, or any other error; the submission is stored all the same (the quote
    is built in a transaction of its own, so nothing of it is left)."""
    schema = submission.form_version.schema
    if not prices_answers(schema):
        return None
    try:
        if not price_answers(schema, submission.answers):
            return None
        with reversion.create_revision():
            reversion.set_comment(REVISION_COMMENT)
            return services.build_quote(submission)
    except (ValueError, ArithmeticError) as error:  # ValueError: LinesInvalid, DoesNotFit
        logger.warning("submission %s: no quote built: %s", submission.pk, error)
        raise QuoteNotBuilt(str(error)) from error
    except Exception as error:
        logger.exception("submission %s: no quote built", submission.pk)
        raise QuoteNotBuilt(str(error)) from error
