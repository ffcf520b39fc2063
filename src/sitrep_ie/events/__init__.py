"""The event layer: tagged entities -> event records. Segmentation, quantities, dates, the
ontology, typing, arguments and the pipeline that runs them, all driven by configs/ (ontology,
normalisation, lexicon). Pure functions of text and entities: no model."""
