"""Full-text search over the active messages of every conversation, through the FTS5 index the schema keeps.

The index holds every message row, old branches included; only the active ones are returned, so a hit
always points at something its conversation shows now.
"""

from __future__ import annotations

from tui.core.chat.conversation import Role
from tui.core.history.connection import HistoryConnection
from tui.core.history.model import SearchHit
from tui.core.history.rows import fts_query


def search_active(connection: HistoryConnection, query: str, limit: int, mark: tuple[str, str]) -> list[SearchHit]:
    """Best matches first (FTS5 bm25); any text is a safe query, and one with no words finds nothing."""
    match = fts_query(query)
    if match is None:
        return []
    rows = connection.read(
        "SELECT m.conversation_id, c.title, m.id, m.role, snippet(messages_fts, 0, ?, ?, '…', 12), "
        "c.updated_at FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
        "JOIN conversations c ON c.id = m.conversation_id "
        "WHERE messages_fts MATCH ? AND m.superseded_by IS NULL ORDER BY messages_fts.rank LIMIT ?",
        (mark[0], mark[1], match, limit),
    )
    return [SearchHit(row[0], row[1], row[2], Role(row[3]), row[4], row[5]) for row in rows]
