"""The yardstick: frozen metrics (SPEC.md), the evaluation run and the error report. Depends only
on the schema and data/: it never imports what it scores."""
