"""The token classifier: the model directory (artifacts), sub-token alignment, inference backends,
the tagger, training and the model card. Reads data/, never events/."""
