"""Image automation: choosing the latest tag by policy, rewriting setter markers, and commit messages."""
