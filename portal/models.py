"""Imports every feature's models so that ``db.metadata`` knows all tables (for Alembic)."""
from .accounts.models import Account  # noqa: F401
from .audit.models import AuditEntry  # noqa: F401
from .calendar.models import CalendarDay, CalendarYear  # noqa: F401
from .notifications.models import InboxMessage, OutboxEmail  # noqa: F401
from .units.models import Unit  # noqa: F401
from .catalogue.models import DecisionEvent, DecisionItem, Topic  # noqa: F401
