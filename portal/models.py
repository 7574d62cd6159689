"""Imports every feature's models so that ``db.metadata`` knows all tables (for Alembic)."""
from .accounts.models import Account  # noqa: F401
from .audit.models import AuditEntry  # noqa: F401
from .calendar.models import CalendarDay, CalendarYear  # noqa: F401
from .notifications.models import InboxMessage, OutboxEmail  # noqa: F401
from .units.models import Unit  # noqa: F401
from .catalogue.models import DecisionEvent, DecisionItem, Topic  # noqa: F401
from .meetings.models import Meeting, MeetingApplication, MeetingSeat  # noqa: F401
from .catalogue.models import CatalogueChange, DecisionDocument, YearlyCatalogue  # noqa: F401
from .search import SearchToken  # noqa: F401
from .open_days.models import (OpenActivity, OpenRegistration, OpenSlot,  # noqa: F401
                               QuestionnaireAnswer, SummaryItem)
from .consultation.models import (Campaign, Comment, CommentBand, Consultation,  # noqa: F401
                                  ConsultationSection, OfflineOpinion, OfflineOpinionItem)
from .feedback.models import (AdoptionReport, CalendarWarning, DeadlineReminder,  # noqa: F401
                              ReportEntry, ReportVersion, Theme, ThemeAssignment)
