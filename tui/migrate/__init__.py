"""Thread → conversation migration (CONTRACT §6): mapping, the record, the engine. No UI import."""

from tui.migrate.engine import Migrator, Options, Progress, RateGate
from tui.migrate.mapping import BATCH_SIZE, MappedMessage, conversation_metadata, map_message
from tui.migrate.record import RECORD_NAME, MigrationRecord
from tui.migrate.results import ConversationGone, MigrationFailed, TailConflict, ThreadResult

__all__ = [
    "BATCH_SIZE",
    "RECORD_NAME",
    "ConversationGone",
    "MappedMessage",
    "MigrationFailed",
    "MigrationRecord",
    "Migrator",
    "Options",
    "Progress",
    "RateGate",
    "TailConflict",
    "ThreadResult",
    "conversation_metadata",
    "map_message",
]
