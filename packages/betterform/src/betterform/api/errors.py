from rest_framework import exceptions, status


class Conflict(exceptions.APIException):
    """409: the request is valid but the object's state does not allow it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's current state does not allow this."
    default_code = "conflict"
