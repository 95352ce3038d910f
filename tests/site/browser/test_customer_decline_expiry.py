"""The customer says no, or lets the quote run out (issue 16), on a 360x740 phone against the
live server, with the deal on the fake monday: a decline with a reason moves the item to
"Quote declined" and says why; a quote past its ``valid_until`` can no longer be accepted, and
the cron command marks it expired, which moves the item to "Quote expired"."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from betterform.models import Quote
from tests.site.browser.conftest import fits_the_phone, money, quote_link

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "We went with a cheaper finish this year."


def test_the_customer_declines_with_a_reason_and_the_monday_item_says_why(
    monday_deals, phone_page, shoot
):
    deals = monday_deals
    quote = deals.request_quote(1)
    [email] = mail.outbox
    assert email.to == ["Northwind Traders <facilities@northwind.example.com>"]

    page = phone_page
    page.goto(quote_link(email.body))
    fits_the_phone(page)
    page.get_by_label(re.compile(r"reason", re.I)).fill(REASON)
    page.get_by_role("button", name=re.compile(r"^Decline", re.I)).click()
    answered = page.get_by_role("status")
    expect(answered).to_contain_text("This quote was declined")
    expect(answered).to_contain_text(f"Reason given: {REASON}")
    expect(page.get_by_role("button", name=re.compile(r"^Accept", re.I))).to_have_count(0)
    fits_the_phone(page)
    shoot(page, "customer-quote-declined")

    quote.refresh_from_db()
    assert quote.status == Quote.Status.REJECTED
    assert quote.answer.decision == "declined" and quote.answer.reason == REASON
    assert quote.submission.status == "rejected"

    deals.run_worker()
    item = deals.item(1)
    assert item.label(deals.mapping.status_column_id) == "Quote declined"
    update = item.updates[0].body  # newest first, as monday lists them
    assert f"declined quote {quote.number}" in update and REASON in update
    assert len(item.files) == 1, "nothing was signed: only the quote's PDF is on the item"


def test_a_quote_past_its_date_cannot_be_accepted_and_the_cron_marks_it_expired(
    monday_deals, phone_page, shoot
):
    deals = monday_deals
    quote = deals.request_quote(2)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Quote.objects.filter(pk=quote.pk).update(valid_until=yesterday)
    [email] = mail.outbox

    page = phone_page
    page.goto(quote_link(email.body))
    fits_the_phone(page)
    expect(page.locator("main")).to_contain_text("This quote has expired")
    expect(page.locator("main")).to_contain_text(money(quote))  # still readable
    expect(page.get_by_role("button", name=re.compile(r"^Accept", re.I))).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    shoot(page, "customer-quote-expired")

    # the page alone changes nothing: the cron command marks it
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    out = io.StringIO()
    call_command("expire_quotes", stdout=out)
    assert quote.number in out.getvalue()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.EXPIRED

    deals.run_worker()
    item = deals.item(2)
    assert item.label(deals.mapping.status_column_id) == "Quote expired"
    assert f"Quote {quote.number} expired" in item.updates[0].body
    page.reload()
    expect(page.locator("main")).to_contain_text("This quote has expired")
    expect(page.get_by_role("button", name=re.compile(r"^Accept", re.I))).to_have_count(0)
