"""Errors Django raises before a view runs still reach API clients as clear JSON."""

import pytest


@pytest.mark.django_db
def test_an_oversized_body_is_a_413_that_names_the_limit(api_client, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("u"))
    response = api_client.patch(
        "/api/auth/users/me/", {"first_name": "x" * (3 * 1024 * 1024)}, format="json"
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than the limit of 2621440 bytes."
    }
