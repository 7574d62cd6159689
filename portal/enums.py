"""Enumerations whose members carry their label: stored as the value, shown as the label.

    class RegistrationStatus(LabeledEnum):
        confirmed = "confirmed", _l("Confirmed")
        waiting = "waiting", _l("On the waiting list")

    RegistrationStatus.waiting == "waiting"          # a str: compares with column values
    RegistrationStatus("waiting").label              # "候补中" under zh_CN
    RegistrationStatus.choices()                     # [(value, label), ...] for a SelectField
    RegistrationStatus.label_of(registration.status) # label of a stored value ("" if unknown)

Labels are lazy strings (``flask_babel.lazy_gettext``), so they are translated when shown.
"""
from __future__ import annotations

import enum
from typing import Any


class LabeledEnum(enum.StrEnum):
    _label: Any

    def __new__(cls, value: str, label: Any = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member._label) for member in cls]

    @classmethod
    def label_of(cls, value: str | None) -> str:
        try:
            return cls(value or "").label
        except ValueError:
            return ""

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)
