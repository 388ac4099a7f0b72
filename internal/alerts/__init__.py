"""Alerts (docs/alerts.md): webhook subscriptions, the announce at a job's or scheduled run's end, and durable
delivery (AlertDeliveryWorkflow)."""
