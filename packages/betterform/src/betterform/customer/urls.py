"""The customer's pages, by unguessable token. Include them at the site's root::

path("", include("betterform.customer.urls")),
"""

from django.urls import path

from betterform.customer import views_form, views_quote
from createpdf import converters

converters.register()

app_name = "betterform_customer"

urlpatterns = [
    path("f/<urltext:token>/", views_form.form_page, name="form"),
    path("f/<urltext:token>/thanks/", views_form.thanks_page, name="form-thanks"),
    path("q/<urltext:token>/", views_quote.quote_page, name="quote"),
    path("q/<urltext:token>/pdf/", views_quote.quote_pdf, name="quote-pdf"),
    path("q/<urltext:token>/signed.pdf", views_quote.signed_pdf, name="quote-signed-pdf"),
    path("q/<urltext:token>/accept/", views_quote.accept, name="quote-accept"),
    path("q/<urltext:token>/decline/", views_quote.decline, name="quote-decline"),
]
