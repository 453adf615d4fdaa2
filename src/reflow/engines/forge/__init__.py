"""Forges' REST APIs for what git alone cannot do: opening a pull request (Gitea and Forgejo)."""
