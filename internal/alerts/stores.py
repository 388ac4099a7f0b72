"""The alert family's stores over one pool (StateManager.alerts)."""

from __future__ import annotations

import asyncpg

from internal.alerts.alert_store import AlertStore
from internal.alerts.announce_store import AnnounceStore
from internal.alerts.subscription_store import SubscriptionStore


class AlertStores:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.subscriptions = SubscriptionStore(pool)
        self.alerts = AlertStore(pool)
        self.announce = AnnounceStore(pool)
