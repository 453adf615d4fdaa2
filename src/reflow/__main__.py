"""Run the reflow command as `python -m reflow`."""

from reflow.cli.main import main

main()
