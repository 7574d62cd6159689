"""The subscriptions' section on "my participation"."""
from __future__ import annotations

from ..sections import section
from . import services as svc


@section("me", "subscriptions/_me_section.html", order=5)
def my_subscriptions(account):
    subscriber = svc.subscriber_of_account(account)
    return {"count": len(subscriber.subscriptions) if subscriber else 0}
