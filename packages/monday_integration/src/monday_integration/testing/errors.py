"""monday-style application errors and the JSON bodies the fake answers with."""

from __future__ import annotations

from typing import Any


class MondayApiError(Exception):
    """An application error: becomes one entry of a 200 response's ``errors`` array.

    graphql-core copies ``extensions`` from the original exception into the GraphQL error, so a
    resolver can raise this and the answer carries monday's ``code``/``status_code``/``error_data``.
    """

    def __init__(
        self,
        message: str,
        code: str,
        *,
        status_code: int = 200,
        error_data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.extensions: dict[str, Any] = {
            "code": code,
            "status_code": status_code,
            "error_data": error_data or {},
        }


def item_not_found(item_id: object) -> MondayApiError:
    return MondayApiError(
        "Item not found",
        "InvalidItemIdException",
        status_code=404,
        error_data={"item_id": _as_id(item_id)},
    )


def board_not_found(board_id: object) -> MondayApiError:
    return MondayApiError(
        "Board not found",
        "InvalidBoardIdException",
        status_code=200,
        error_data={"board_id": _as_id(board_id)},
    )


def column_not_found(column_id: str) -> MondayApiError:
    return MondayApiError(
        "This column ID doesn't exist for the board",
        "InvalidColumnIdException",
        status_code=200,
        error_data={"column_id": column_id},
    )


def invalid_argument(message: str, **error_data: Any) -> MondayApiError:
    return MondayApiError(
        message, "InvalidArgumentException", status_code=400, error_data=error_data
    )


def error_body(
    message: str,
    code: str,
    status_code: int,
    request_id: str,
    *,
    account_id: int | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """A transport-level error body (401, 409, 429, 5xx) in monday's current shape."""
    body: dict[str, Any] = {
        "errors": [
            {
                "message": message,
                "extensions": {"code": code, "status_code": status_code, **extensions},
            }
        ],
        "extensions": {"request_id": request_id},
    }
    if account_id is not None:
        body["account_id"] = account_id
    return body


def _as_id(value: object) -> object:
    text = str(value)
    return int(text) if text.isdigit() else text
