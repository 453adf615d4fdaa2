"""`reflow mcp`'s server: tools with checked arguments and bounded answers, reflow's CRD reference as resources,
and the stdio and bearer-token HTTP transports; the tools themselves are the CLI's verbs (`cli/mcptools`)."""
