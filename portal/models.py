"""Imports every feature's models so that ``db.metadata`` knows all tables (for Alembic)."""
from .accounts.models import Account  # noqa: F401
from .audit.models import AuditEntry, DataVersion  # noqa: F401
from .board.models import (  # noqa: F401
                               BoardApprover,
                               BoardMessage,
                               BoardReminder,
                               BoardReply,
                               BoardTransfer,
                               PolicyEvaluation,
)
from .calendar.models import CalendarDay, CalendarYear  # noqa: F401
from .catalogue.models import (  # noqa: F401  # noqa: F401
                               CatalogueChange,
                               DecisionDocument,
                               DecisionEvent,
                               DecisionItem,
                               Topic,
                               YearlyCatalogue,
)
from .consultation.models import (  # noqa: F401
                               Campaign,
                               Comment,
                               CommentBand,
                               Consultation,
                               ConsultationSection,
                               OfflineOpinion,
                               OfflineOpinionItem,
)
from .exports.models import ExportChunk, ExportJob  # noqa: F401
from .feedback.models import (  # noqa: F401
                               AdoptionReport,
                               CalendarWarning,
                               DeadlineReminder,
                               ReportEntry,
                               ReportVersion,
                               Theme,
                               ThemeAssignment,
)
from .meetings.models import Meeting, MeetingApplication, MeetingSeat  # noqa: F401
from .notifications.models import InboxMessage, OutboxEmail  # noqa: F401
from .open_days.models import (  # noqa: F401
                               OpenActivity,
                               OpenRegistration,
                               OpenSlot,
                               QuestionnaireAnswer,
                               SummaryItem,
)
from .oversight.models import Assessment, MonthlyReminder, TargetNotice  # noqa: F401
from .redline.models import ArticleMatch, ChangeTheme, FinalArticle, FinalText  # noqa: F401
from .search import SearchToken  # noqa: F401
from .subscriptions.models import Delivery, Event, Subscriber, Subscription  # noqa: F401
from .units.models import Unit  # noqa: F401
