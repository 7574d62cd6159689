from __future__ import annotations

import enum
import time
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import Model


class Role(str, enum.Enum):
    resident = "resident"
    staff = "staff"
    admin = "admin"


class Account(UserMixin, Model):
    """An account (账号): a resident (公众), unit staff (工作人员) or admin (管理员)."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR mobile IS NOT NULL", name="has_login"),
        CheckConstraint("role IN ('resident', 'staff', 'admin')", name="role_known"),
        CheckConstraint("role <> 'staff' OR unit_id IS NOT NULL", name="staff_has_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.resident.value)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    is_active_flag: Mapped[bool] = mapped_column("is_active", default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    # Changing it ends every session and remember-me cookie of the account (logout, password
    # change or reset, deactivation, role change): both carry it (``get_id``).
    session_token: Mapped[str] = mapped_column(String(32))
    # When the email address or mobile number was proven by a code (None: not yet). Residents
    # comment and sign up only once verified (``portal.auth.access.verified_required``).
    verified_at: Mapped[datetime | None]
    # The pending verification code: a keyed hash of the 6 digits, its expiry and failed tries.
    verify_code_hash: Mapped[str | None] = mapped_column(String(64))
    verify_code_expires_at: Mapped[datetime | None]
    verify_attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    unit = relationship("Unit", lazy="joined")

    def get_id(self) -> str:
        """What the session and the remember-me cookie hold (both signed with SECRET_KEY): the
        account, its current session token and the login time (real time, in seconds), so that a
        remember-me cookie is refused after REMEMBER_COOKIE_DURATION even if replayed."""
        return f"{self.id}:{self.session_token}:{int(time.time())}"

    @property
    def is_verified(self) -> bool:
        """Staff and admin accounts are created by an admin; residents prove their login."""
        return self.role != Role.resident.value or self.verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_flag

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    @property
    def is_staff(self) -> bool:
        return self.role == Role.staff.value

    @property
    def login(self) -> str:
        return self.email or self.mobile or ""

    @property
    def masked_name(self) -> str:
        from ..textutil import mask_name

        return mask_name(self.name)

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.role}>"
