"""Every admin action that changes something needs the change permission: Django offers an
action declaring no permission to anyone who may view the list, and a view-only user replayed
monday events in bulk while the event page's Replay button refused them."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client

pytestmark = pytest.mark.django_db

OURS = {"createpdf", "betterform", "monday_integration", "betterform_site"}
CHANGING_ACTIONS = {
    "monday_integration.webhookevent": ["replay_selected"],
    "createpdf.document": ["rerender_selected"],
    "betterform.quote": ["render_quote_pdfs", "send_to_customer", "make_new_version"],
    "betterform.submission": ["build_quote"],
}


@pytest.mark.parametrize("label", sorted(CHANGING_ACTIONS))
def test_a_view_only_user_is_offered_no_changing_action(label, django_user_model):
    app_label, model_name = label.split(".")
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=f"view_{model_name}")
    )
    client = Client()
    client.force_login(user)
    response = client.get(f"/admin/{app_label}/{model_name}/")
    assert response.status_code == 200
    form = response.context["action_form"]  # None when no action is offered at all
    offered = {choice[0] for choice in form.fields["action"].choices} if form else set()
    assert not offered & set(CHANGING_ACTIONS[label]), offered


def test_every_action_declares_its_permissions():
    """A new action without ``permissions=`` is offered to view-only users: declare one."""
    undeclared = [
        f"{model._meta.label_lower}.{getattr(action, '__name__', action)}"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OURS
        for action in model_admin.actions or []
        if not getattr(
            getattr(model_admin, action, action) if isinstance(action, str) else action,
            "allowed_permissions",
            None,
        )
    ]
    assert undeclared == []
