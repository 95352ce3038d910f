"""The GraphQL documents the client sends, one constant per operation.

Every value travels in ``variables``; no document is ever built by formatting values into it.
Each document is named (the name appears in logs) and validates against monday's published
schema for the API version we send (github.com/mondaycom/mcp,
``packages/agent-toolkit/src/monday-graphql/schema.graphql``) and against
``testing/schema.graphql``, the subset of it the fake server executes.
"""

from __future__ import annotations

import functools

import graphql

ITEMS_PER_CALL = 100  # monday's maximum for items(ids: ...)
MAX_PAGE_SIZE = 500  # monday's maximum for items_page / next_items_page

# Each kind is read the way monday's schema offers it (API 2023-10 on): ``text`` is "" for
# mirror and connect-boards columns and ``value`` null for them, dependency and formula
# columns, whose shown value is ``display_value``; a numbers column's typed value is ``number``.
_COLUMN_VALUE_FIELDS = """
fragment ColumnValueFields on ColumnValue {
  id
  type
  text
  value
  column { title }
  ... on StatusValue { label index }
  ... on NumbersValue { number }
  ... on MirrorValue { display_value }
  ... on BoardRelationValue { display_value }
  ... on DependencyValue { display_value }
  ... on FormulaValue { display_value }
}
"""

# Only the columns asked for are read: ``$column_ids`` for the item and
# ``$subitem_column_ids`` for its subitems (a variable left out means every column).
# monday computes a formula's ``display_value`` for at most 5 formula columns a request and
# 10,000 formula values a minute (API reference, "Formula"), so a sync asks only for the
# columns its mapping reads (``mapping.item_column_ids``, ``mapping.subitem_column_ids``).
_ITEM_FIELDS = """
fragment ItemFields on Item {
  id
  name
  state
  board { id }
  group { id }
  column_values(ids: $column_ids) { ...ColumnValueFields }
  subitems {
    id
    name
    board { id }
    group { id }
    column_values(ids: $subitem_column_ids) { ...ColumnValueFields }
  }
}
"""

# A board page without subitems: what reconcile needs (each item's state and trigger column).
_ITEM_ROW_FIELDS = """
fragment ItemRowFields on Item {
  id
  name
  state
  board { id }
  group { id }
  column_values(ids: $column_ids) { ...ColumnValueFields }
}
"""

_COLUMNS = "$column_ids: [String!]"
_ALL_COLUMNS = _COLUMNS + ", $subitem_column_ids: [String!]"

# What a sync reads besides the columns: whether the item is still active (``items(ids)``
# returns archived and deleted items too), its files (to find a PDF already put there) and its
# latest updates (to find an update already posted), each at monday's default limit.
GET_ITEMS = (
    f"""
query GetItems($ids: [ID!]!, $limit: Int!, {_ALL_COLUMNS}) {{
  items(ids: $ids, limit: $limit) {{
    ...ItemFields
    assets {{ id name url public_url }}
    updates(limit: 25) {{ id text_body }}
  }}
}}
"""
    + _ITEM_FIELDS
    + _COLUMN_VALUE_FIELDS
)

BOARD_ITEMS_PAGE = (
    f"""
query BoardItemsPage($board_id: ID!, $limit: Int!, {_ALL_COLUMNS}) {{
  boards(ids: [$board_id]) {{
    id
    items_page(limit: $limit) {{ cursor items {{ ...ItemFields }} }}
  }}
}}
"""
    + _ITEM_FIELDS
    + _COLUMN_VALUE_FIELDS
)

NEXT_ITEMS_PAGE = (
    f"""
query NextItemsPage($cursor: String!, $limit: Int!, {_ALL_COLUMNS}) {{
  next_items_page(cursor: $cursor, limit: $limit) {{ cursor items {{ ...ItemFields }} }}
}}
"""
    + _ITEM_FIELDS
    + _COLUMN_VALUE_FIELDS
)

BOARD_ITEM_ROWS_PAGE = (
    f"""
query BoardItemRowsPage($board_id: ID!, $limit: Int!, {_COLUMNS}) {{
  boards(ids: [$board_id]) {{
    id
    items_page(limit: $limit) {{ cursor items {{ ...ItemRowFields }} }}
  }}
}}
"""
    + _ITEM_ROW_FIELDS
    + _COLUMN_VALUE_FIELDS
)

NEXT_ITEM_ROWS_PAGE = (
    f"""
query NextItemRowsPage($cursor: String!, $limit: Int!, {_COLUMNS}) {{
  next_items_page(cursor: $cursor, limit: $limit) {{ cursor items {{ ...ItemRowFields }} }}
}}
"""
    + _ITEM_ROW_FIELDS
    + _COLUMN_VALUE_FIELDS
)

# ``settings`` (JSON), not ``settings_str``, deprecated since API 2025-10 (monday's changelog,
# "Deprecating settings_str field on columns"; the published schema).
BOARD_COLUMNS = """
query BoardColumns($board_id: ID!) {
  boards(ids: [$board_id]) {
    id
    columns { id title type settings }
  }
}
"""

# The account's boards, a page at a time (monday's ``boards`` takes ``limit`` and ``page``,
# 1-based): the admin's board picker.
BOARDS = """
query Boards($limit: Int!, $page: Int!) {
  boards(limit: $limit, page: $page, state: active) { id name }
}
"""

CHANGE_COLUMN_VALUE = """
mutation ChangeColumnValue($board_id: ID!, $item_id: ID!, $column_id: String!, $value: JSON!) {
  change_column_value(
    board_id: $board_id, item_id: $item_id, column_id: $column_id, value: $value
  ) { id }
}
"""

CHANGE_SIMPLE_COLUMN_VALUE = """
mutation ChangeSimpleColumnValue(
  $board_id: ID!, $item_id: ID!, $column_id: String!, $value: String
) {
  change_simple_column_value(
    board_id: $board_id, item_id: $item_id, column_id: $column_id, value: $value
  ) { id }
}
"""

CHANGE_MULTIPLE_COLUMN_VALUES = """
mutation ChangeMultipleColumnValues($board_id: ID!, $item_id: ID!, $column_values: JSON!) {
  change_multiple_column_values(
    board_id: $board_id, item_id: $item_id, column_values: $column_values
  ) { id }
}
"""

CREATE_UPDATE = """
mutation CreateUpdate($item_id: ID!, $body: String!) {
  create_update(item_id: $item_id, body: $body) { id }
}
"""

# Sent as multipart to the file endpoint as monday's JS SDK sends it: this document in part
# ``query``, the variables as JSON in part ``variables`` (``file`` null), part ``map`` =
# ``{"0": ["variables.file"]}`` and the file in part ``0``.
ADD_FILE_TO_COLUMN = """
mutation AddFileToColumn($item_id: ID!, $column_id: String!, $file: File!) {
  add_file_to_column(item_id: $item_id, column_id: $column_id, file: $file) {
    id name url public_url
  }
}
"""

CREATE_WEBHOOK = """
mutation CreateWebhook(
  $board_id: ID!, $url: String!, $event: WebhookEventType!, $config: JSON
) {
  create_webhook(board_id: $board_id, url: $url, event: $event, config: $config) {
    id board_id
  }
}
"""

DELETE_WEBHOOK = """
mutation DeleteWebhook($id: ID!) {
  delete_webhook(id: $id) { id board_id }
}
"""

# The token's user: webhooks name whoever made a change in ``userId``, so the changes this
# integration makes come back carrying this id (``identity``); the account's slug is the
# subdomain of its item links.
ME = """
query Me {
  me { id name account { id slug } }
}
"""

ALL = {
    "GetItems": GET_ITEMS,
    "BoardItemsPage": BOARD_ITEMS_PAGE,
    "NextItemsPage": NEXT_ITEMS_PAGE,
    "BoardItemRowsPage": BOARD_ITEM_ROWS_PAGE,
    "NextItemRowsPage": NEXT_ITEM_ROWS_PAGE,
    "BoardColumns": BOARD_COLUMNS,
    "Boards": BOARDS,
    "ChangeColumnValue": CHANGE_COLUMN_VALUE,
    "ChangeSimpleColumnValue": CHANGE_SIMPLE_COLUMN_VALUE,
    "ChangeMultipleColumnValues": CHANGE_MULTIPLE_COLUMN_VALUES,
    "CreateUpdate": CREATE_UPDATE,
    "AddFileToColumn": ADD_FILE_TO_COLUMN,
    "CreateWebhook": CREATE_WEBHOOK,
    "DeleteWebhook": DELETE_WEBHOOK,
    "Me": ME,
}


@functools.lru_cache(maxsize=128)
def operation_of(query: str) -> tuple[str, str]:
    """``("query" | "mutation", name)`` of a document's first operation."""
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError:
        return "query", "invalid"  # monday will answer with the syntax error
    for definition in document.definitions:
        if isinstance(definition, graphql.OperationDefinitionNode):
            name = definition.name.value if definition.name else "anonymous"
            return definition.operation.value, name
    return "query", "anonymous"
