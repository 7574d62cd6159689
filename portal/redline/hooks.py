"""The redline's part in recording a decision: the text (or .docx file) given with the decision is
compared with the consulted draft at once, when it has articles and there is a draft."""
from __future__ import annotations

from ..catalogue.services import decision_recorded
from . import services as svc


@decision_recorded.connect
def compare_recorded_decision(item, actor=None, text: str = "", document=None, **_extra) -> None:
    svc.save_from_decision(actor, item, text, document)
