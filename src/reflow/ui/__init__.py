"""`reflow ui`: a web UI fed by watches, pushing changes to the page, acting with the viewer's identity."""
