"""The tools `reflow mcp` offers: the CLI's own verbs, with bounded answers and Secret values masked."""
