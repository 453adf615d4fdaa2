"""`reflow demo`: an application built on the controllers — the GitOps loop shown end to end on a local plane."""
