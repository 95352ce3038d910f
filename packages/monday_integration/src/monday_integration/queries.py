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

_ITEM_FIELDS = """
fragment ItemFields on Item {
  id
  name
  board { id }
  group { id }
  column_values { ...ColumnValueFields }
  subitems {
    id
    name
    board { id }
    group { id }
    column_values { ...ColumnValueFields }
  }
}
"""

# What a sync reads besides the columns: whether the item is still active (``items(ids)``
# returns archived and deleted items too), its files (to find a PDF already put there) and its
# latest updates (to find an update already posted), each at monday's default limit.
GET_ITEMS = (
    """
query GetItems($ids: [ID!]!, $limit: Int!) {
  items(ids: $ids, limit: $limit) {
    ...ItemFields
    state
    assets { id name url public_url }
    updates(limit: 25) { id text_body }
  }
}
"""
    + _ITEM_FIELDS
    + _COLUMN_VALUE_FIELDS
)

BOARD_ITEMS_PAGE = (
    """
query BoardItemsPage($board_id: ID!, $limit: Int!) {
  boards(ids: [$board_id]) {
    id
    items_page(limit: $limit) { cursor items { ...ItemFields } }
  }
}
"""
    + _ITEM_FIELDS
    + _COLUMN_VALUE_FIELDS
)

NEXT_ITEMS_PAGE = (
    """
query NextItemsPage($cursor: String!, $limit: Int!) {
  next_items_page(cursor: $cursor, limit: $limit) { cursor items { ...ItemFields } }
}
"""
    + _ITEM_FIELDS
    + _COLUMN_VALUE_FIELDS
)

BOARD_COLUMNS = """
query BoardColumns($board_id: ID!) {
  boards(ids: [$board_id]) {
    id
    columns { id title type settings_str }
  }
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

ALL = {
    "GetItems": GET_ITEMS,
    "BoardItemsPage": BOARD_ITEMS_PAGE,
    "NextItemsPage": NEXT_ITEMS_PAGE,
    "BoardColumns": BOARD_COLUMNS,
    "ChangeColumnValue": CHANGE_COLUMN_VALUE,
    "ChangeSimpleColumnValue": CHANGE_SIMPLE_COLUMN_VALUE,
    "ChangeMultipleColumnValues": CHANGE_MULTIPLE_COLUMN_VALUES,
    "CreateUpdate": CREATE_UPDATE,
    "AddFileToColumn": ADD_FILE_TO_COLUMN,
    "CreateWebhook": CREATE_WEBHOOK,
    "DeleteWebhook": DELETE_WEBHOOK,
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
