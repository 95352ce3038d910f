"""Resolvers for ``schema.graphql``; :func:`attach` wires them onto the built schema.

Resolvers receive ``info.context`` (a :class:`~monday_integration.testing.graphql_api.Context`)
and raise :class:`~monday_integration.testing.errors.MondayApiError` for application errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLSchema, value_from_ast_untyped

from monday_integration.testing import computed, errors
from monday_integration.testing.value_types import attach_values
from monday_integration.testing.views import Upload

MAX_ITEM_IDS = 100


def _decode_json(value: Any, argument: str) -> Any:
    """monday's ``JSON`` arguments are JSON-encoded strings; an object literal works too."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise errors.MondayApiError(
            f"{argument} is not valid JSON: {exc.msg}",
            "JsonParseException",
            status_code=400,
            error_data={"argument": argument},
        ) from None


# -- Query -----------------------------------------------------------------------------------
def q_boards(_root, info, ids=None, limit=25, page=1, state=None):
    store = info.context.state
    with store.lock:
        if ids is not None:
            return [b for b in (store.boards.get(_int(i)) for i in ids) if b is not None]
        boards = [b for b in store.boards.values() if b.kind == "board"]
    return _page(boards, limit, page)


def q_items(_root, info, ids=None, limit=25, page=1, exclude_nonactive=None):
    """Archived and deleted items too, unless ``exclude_nonactive`` (monday's "Items")."""
    state = info.context.state
    if ids is None:
        with state.lock:
            ids = [i for b in state.boards.values() if b.kind == "board" for i in b.item_ids]
    elif len(ids) > MAX_ITEM_IDS:
        raise errors.invalid_argument(
            f"The items query accepts at most {MAX_ITEM_IDS} ids, got {len(ids)}",
            max_ids=MAX_ITEM_IDS,
        )
    found = {}
    for item_id in ids:
        item = state.find_item(item_id)
        if item is not None and not (exclude_nonactive and _state(info, item) != "active"):
            found.setdefault(item.id, item)
    return _page(list(found.values()), limit, page)


def _page(found: list[Any], limit: int | None, page: int | None) -> list[Any]:
    """monday's ``limit``/``page`` (``page`` starts at 1); a null limit is the default 25."""
    size = limit if limit and limit > 0 else 25
    start = (max(page or 1, 1) - 1) * size
    return found[start : start + size]


def q_next_items_page(_root, info, cursor, limit=25):
    items, next_cursor = info.context.pager.next_page(cursor, limit)
    return {"cursor": next_cursor, "items": items}


def q_me(_root, info):
    """The token's user, as monday's ``me`` answers: mutations are made as this user, and the
    webhooks they cause carry its id as ``userId``."""
    return info.context.me


def q_complexity(_root, info):
    return info.context.complexity


# -- object fields ---------------------------------------------------------------------------
def board_columns(board, _info, ids=None, types=None):
    return [
        c
        for c in board.columns.values()
        if (ids is None or c.id in ids) and (types is None or c.type in types)
    ]


def board_items_page(board, info, limit=25, cursor=None, query_params=None):
    pager = info.context.pager
    if cursor:
        items, next_cursor = pager.next_page(cursor, limit)
    else:
        items, next_cursor = pager.first_page(board, limit, query_params)
    return {"cursor": next_cursor, "items": items}


def item_board(item, info):
    return info.context.state.boards.get(item.board_id)


def item_group(item, info):
    board = info.context.state.boards.get(item.board_id)
    return next((g for g in board.groups if g.id == item.group_id), None) if board else None


def item_column_values(item, info, ids=None, types=None):
    state = info.context.state
    with state.lock:
        cells = state.cells(item, ids, info.context.base_url)
        cells = [c for c in cells if types is None or c.type in types]
        return computed.complete(state, item, cells)


def item_subitems(item, info):
    items = info.context.state.items
    return [items[i] for i in list(item.subitem_ids) if i in items]


def item_parent(item, info):
    return info.context.state.find_item(item.parent_id) if item.parent_id else None


def item_updates(item, info, limit=25, page=1):
    updates = info.context.state.updates
    return _page([updates[u] for u in list(item.update_ids) if u in updates], limit, page)


def item_assets(item, info):
    assets = info.context.state.assets
    return [assets[a] for a in list(item.asset_ids) if a in assets]


# -- Mutation --------------------------------------------------------------------------------
def _change(info, item_id, changes, board_id, create_labels):
    if item_id is None:
        raise errors.item_not_found(None)
    ctx = info.context
    return ctx.state.change_values(
        item_id,
        changes,
        board_id=board_id,
        user_id=ctx.user_id,
        create_labels=bool(create_labels),
    )


def m_change_column_value(
    _root, info, board_id, column_id, value, item_id=None, create_labels_if_missing=None
):
    decoded = _decode_json(value, "value")
    return _change(info, item_id, {column_id: decoded}, board_id, create_labels_if_missing)


def m_change_simple_column_value(
    _root, info, board_id, column_id, value=None, item_id=None, create_labels_if_missing=None
):
    return _change(info, item_id, {column_id: value}, board_id, create_labels_if_missing)


def m_change_multiple_column_values(
    _root, info, board_id, column_values, item_id=None, create_labels_if_missing=None
):
    decoded = _decode_json(column_values, "column_values")
    if not isinstance(decoded, dict):
        raise errors.MondayApiError(
            "column_values must be a JSON object of column id to value",
            "ColumnValueException",
            error_data={"column_values": decoded},
        )
    return _change(info, item_id, decoded, board_id, create_labels_if_missing)


def m_create_update(_root, info, body, item_id=None, parent_id=None):
    if item_id is None:
        raise errors.item_not_found(None)
    ctx = info.context
    return ctx.state.add_update(item_id, body, user_id=ctx.user_id, parent_id=parent_id)


def m_add_file_to_column(_root, info, item_id, column_id, file):
    ctx = info.context
    return ctx.state.add_file(item_id, column_id, file, user_id=ctx.user_id)


def m_create_webhook(_root, info, board_id, url, event, config=None):
    ctx = info.context
    ctx.state.board(board_id)
    config = _decode_json(config, "config")
    if config is not None and not isinstance(config, dict):
        raise errors.invalid_argument("config must be a JSON object")
    if event == "change_specific_column_value" and not (config or {}).get("columnId"):
        raise errors.invalid_argument(
            'change_specific_column_value needs config {"columnId": "..."}'
        )
    ctx.verify_webhook_url(url)
    return ctx.state.add_webhook(board_id, url, event, config)


def m_delete_webhook(_root, info, id):
    return info.context.state.delete_webhook(id)


# -- scalars and wiring ----------------------------------------------------------------------
def _parse_file(value: Any) -> Upload:
    if isinstance(value, Upload):
        return value
    raise GraphQLError("File variables must be sent as a multipart upload to /v2/file")


def _field(type_: Any, name: str, resolve: Callable[..., Any]) -> None:
    type_.fields[name].resolve = resolve


def _may_answer_null(name: str, resolve: Callable[..., Any]) -> Callable[..., Any]:
    """``resolve``, unless the ``testing.nulls`` fault says this call answers null."""

    def resolver(root: Any, info: Any, **arguments: Any) -> Any:
        if info.context.take_null(name):
            return None
        return resolve(root, info, **arguments)

    return resolver


def attach(schema: GraphQLSchema) -> GraphQLSchema:
    t = schema.type_map
    json_scalar, file_scalar = t["JSON"], t["File"]
    json_scalar.serialize = lambda value: value
    json_scalar.parse_value = lambda value: value
    json_scalar.parse_literal = lambda node, variables=None: value_from_ast_untyped(node, variables)
    file_scalar.parse_value = _parse_file
    file_scalar.serialize = lambda value: getattr(value, "filename", value)
    compare = t["CompareValue"]  # a string, a number or a list of them
    compare.parse_literal = lambda node, variables=None: value_from_ast_untyped(node, variables)
    attach_values(schema)
    query, mutation = schema.query_type, schema.mutation_type
    for name, resolver in {
        "boards": q_boards,
        "items": q_items,
        "next_items_page": q_next_items_page,
        "complexity": q_complexity,
        "me": q_me,
    }.items():
        _field(query, name, resolver)
    for name, resolver in {
        "change_column_value": m_change_column_value,
        "change_simple_column_value": m_change_simple_column_value,
        "change_multiple_column_values": m_change_multiple_column_values,
        "create_update": m_create_update,
        "add_file_to_column": m_add_file_to_column,
        "create_webhook": m_create_webhook,
        "delete_webhook": m_delete_webhook,
    }.items():
        _field(mutation, name, _may_answer_null(name, resolver))
    _field(t["Board"], "columns", board_columns)
    _field(t["Board"], "items_page", board_items_page)
    _field(t["Column"], "settings", lambda column, _info: column.settings_json())
    _field(t["Column"], "settings_str", lambda column, _info: column.settings_str())
    item = t["Item"]
    _field(item, "board", item_board)
    _field(item, "group", item_group)
    _field(item, "column_values", item_column_values)
    _field(item, "subitems", item_subitems)
    _field(item, "parent_item", item_parent)
    _field(item, "updates", item_updates)
    _field(item, "assets", item_assets)
    _field(item, "state", lambda item, info: _state(info, item))
    _field(t["Board"], "state", lambda _board, _info: "active")
    _field(t["Update"], "text_body", lambda update, _info: update.text_body)
    _field(t["Asset"], "url", lambda asset, info: asset.url(info.context.base_url))
    _field(t["Asset"], "public_url", lambda asset, info: asset.public_url(info.context.base_url))
    _field(
        t["Webhook"],
        "config",
        lambda hook, _info: None if hook.config is None else json.dumps(hook.config),
    )
    return schema


def _state(info: Any, item: Any) -> str:
    """``active``, ``archived`` or ``deleted``: monday keeps archived and deleted items readable
    by id (``State.item_state``; ``fake.archive_item``, ``fake.delete_item``)."""
    return info.context.state.item_state(item.id)


def _int(value: Any) -> int:
    text = str(value)
    return int(text) if text.isdigit() else -1
