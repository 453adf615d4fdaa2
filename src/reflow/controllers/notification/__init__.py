"""The notification controller: event ingest, Alerts and Providers (and, beside them, Receivers)."""
