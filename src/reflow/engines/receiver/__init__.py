"""Receivers: the webhook path, each sender's request validation, and the objects a valid request reconciles."""
