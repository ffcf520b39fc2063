"""The learned event layer: triggers from the tagger, arguments linked by a classifier, restatements merged.

Triggers come from a trigger head over words (the encoder's vector, the ontology's cues for the word
and its sentence, the tagger's own ``EVT_<TYPE>`` guess: same forward pass as the entities). For
each trigger, every ACTOR, PLACE and quantity within its sentence and the neighbouring ones is a
candidate argument.
A small network scores each (trigger, candidate) pair from the encoder's span representations
(mean of the last hidden states over the trigger, the candidate and the words between them) and hand
features: distance, order, same clause, same-role rivals nearer the trigger, triggers in between,
speaker, possessive, agent and reference-point cues, dateline and headline position, word shape.
Decoding keeps the constraints: a quantity goes to the one trigger that scores it highest (and
only above the threshold); actors and places may be shared. A second scorer says whether two
triggers of one type state the same fact (headline, lead, quote): those become one event that
keeps every evidence span, unless the two mentions were linked to different numbers or doers; two
verbs of one operation in a sentence join (``join_operations``).
Dates, units, qualifiers and admin parents stay rules (dates.py, quantities.py, arguments.py). The
event's confidence is the probability, from a logistic model over ``event_features`` fitted on dev
by training, that the event is right.

Weights live in the model directory (``event_layer.npz`` + ``event_layer.json``); inference is
numpy only.

One module per step, each reading only those above it:

- ``context``: a report prepared (trigger and candidate spans, sentences, tables, encoder states, windows);
- ``features``: the hand features of the pair and merge scorers;
- ``weights``: the networks and settings saved in the model directory;
- ``triggers``: the trigger head's words, decoding and rescue;
- ``decoding``: links and merges decoded into drafts under the constraints;
- ``assembly``: drafts made event records (arguments, dates, confidence features);
- ``layer``: ``LearnedEventLayer``, the callable over them.
"""

from .context import TriggerSpan, split_tags
from .layer import LearnedEventLayer
from .weights import LinkerWeights

__all__ = ["LearnedEventLayer", "LinkerWeights", "TriggerSpan", "split_tags"]
