"""Data: the label set, Label Studio exports (import), the corpus authoring format, the Label Studio
loop, and corpus statistics. Depends on nothing else in the package but config, errors and schema."""
