"""Links scored and decoded into drafts under the constraints; restatements merged; operations joined."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..pipeline import EventLayer
from .context import ROLES, Candidate, Context, following_table, window
from .features import MERGE_CONFLICT_ROLES, OTHER_NUMBERS, OTHER_PLACES, ROWS_AT_ONCE, SHARED_NAMES, merge_features, pair_matrix
from .weights import LinkerWeights


@dataclass
class Draft:
    """An event being decoded: its trigger mentions (indices) and linked candidates with their scores."""

    mentions: list[int]
    args: dict[int, float] = field(default_factory=dict)


def arg_keys(ctx: Context, d: Draft, role: str | None = None) -> set[tuple[str, str]]:
    """The values (``Candidate.key``) a draft holds, of one role or of all."""
    return {ctx.candidates[j].key() for j in d.args if role is None or ctx.candidates[j].role == role}


def share_listed_places(ctx: Context, drafts: list[Draft]) -> list[Draft]:
    """A place listed with an event's place is the event's place too: the linker scores each name on its
    own and drops some names of a list, which the annotation never separates (dev, annotated spans: 30 places
    tagged but not linked, later names of lists among them)."""
    for d in drafts:
        for j, p in list(d.args.items()):
            for k in ctx.coordinated.get(j, ()):
                d.args.setdefault(k, p)
    return drafts


def link(ctx: Context, layer: EventLayer, weights: LinkerWeights) -> dict[tuple[int, int], float]:
    """Probability that candidate j is an argument of trigger i, for every pair in a trigger's window."""
    pairs = [(i, j) for i in range(len(ctx.triggers)) for j in window(ctx, i)]
    probs = [p for a in range(0, len(pairs), ROWS_AT_ONCE)
             for p in weights.link(pair_matrix(ctx, pairs[a:a + ROWS_AT_ONCE], layer, weights.types))]
    return dict(zip(pairs, map(float, probs)))


def _differ(a: set[Any] | None, b: set[Any] | None) -> bool:
    """Both state values of a role and share none ("5 mines in A" / "7 shells in B"): two facts."""
    return bool(a and b and not a & b)


def _conflict_key(c: Candidate) -> str:
    """What two mentions must share not to state two facts: a number by its value alone (a headline drops the
    unit: "kills five" / "killing five people"), a name as written."""
    return f"{c.quantity.value:g}" if c.quantity is not None else c.text.lower()


def decode(ctx: Context, scores: dict[tuple[int, int], float], merge_probs: dict[tuple[int, int], float], weights: LinkerWeights) -> list[Draft]:
    """Events from pair scores: quantities to their best trigger, shared actors and places, mentions merged
    (table-driven cases in tests/test_learned.py)."""
    n = len(ctx.triggers)
    clusters: list[list[int]] = []
    cluster_of_head: dict[int, int] = {}
    earlier: dict[int, list[int]] = {}  # trigger -> the triggers it has a merge score with
    for a, b in merge_probs:
        if ctx.triggers[a].type == ctx.triggers[b].type:  # types never merge, whatever the scores say
            earlier.setdefault(b, []).append(a)
    by_cand: dict[int, list[tuple[float, int]]] = {}
    for (i, j), p in scores.items():
        if p >= weights.threshold(ctx.candidates[j].role):
            by_cand.setdefault(j, []).append((p, i))
    # what each mention states on its own: two mentions that give different numbers (or name different
    # doers) are two facts however alike their sentences ("WHO flew 29 tonnes...; the UNICEF convoy brought eight trucks")
    own: dict[tuple[int, str], set[str]] = {}
    for j, hits in by_cand.items():
        c = ctx.candidates[j]
        if c.role in MERGE_CONFLICT_ROLES:
            for _, i in (hits if c.role != "quantity" else [max(hits)]):
                own.setdefault((i, c.role), set()).add(_conflict_key(c))
    cluster_keys: list[dict[str, set[str]]] = []
    for i in range(n):
        best, best_p = None, weights.merge_threshold
        for c in sorted(cluster_of_head[a] for a in earlier.get(i, ()) if a in cluster_of_head):
            p = merge_probs[(clusters[c][0], i)]
            if p > best_p and not any(_differ(own.get((i, r)), cluster_keys[c].get(r)) for r in MERGE_CONFLICT_ROLES):
                best, best_p = c, p
        if best is None:
            cluster_of_head[i] = len(clusters)
            clusters.append([i])
            cluster_keys.append({})
            best = len(clusters) - 1
        else:
            clusters[best].append(i)
        for r in MERGE_CONFLICT_ROLES:
            cluster_keys[best].setdefault(r, set()).update(own.get((i, r), ()))
    owner = {i: c for c, members in enumerate(clusters) for i in members}
    drafts = [Draft(members) for members in clusters]
    for j, hits in by_cand.items():
        if ctx.candidates[j].role == "quantity":
            p, i = max(hits)  # a quantity belongs to one event
            d = drafts[owner[i]]
            d.args[j] = max(d.args.get(j, 0.0), p)
        else:
            for p, i in hits:
                d = drafts[owner[i]]
                d.args[j] = max(d.args.get(j, 0.0), p)
    return keep_places_in_mentions(ctx, share_listed_places(ctx, join_operations(ctx, drafts)))


def keep_places_in_mentions(ctx: Context, drafts: list[Draft]) -> list[Draft]:
    """A place belongs to an event only when one of the event's mention sentences names it (GUIDELINES
    4.3: a place named only in another sentence does not carry over, except the rows of a table that breaks
    the event down); the linker's window spans the neighbouring sentences for actors ("They also ...") and
    would otherwise hand places across."""
    for d in drafts:
        sents = {ctx.sentence_of[i] for i in d.mentions}
        sents |= {k for s in list(sents) if (table := following_table(ctx, s)) for k in range(table[0], table[1] + 1)}
        named = set().union(*(ctx.sentence_keys(s) for s in sents))
        for j in [j for j in d.args if ctx.candidates[j].role == "place" and ctx.candidates[j].key() not in named]:
            del d.args[j]
    return drafts


def join_operations(ctx: Context, drafts: list[Draft]) -> list[Draft]:
    """Drafts of one type are one fact when their triggers share a sentence ("removed 1,412 hazards and
    cleared 26,700 m2") or they hold the same quantity ("275 devices" in the lead and again in the
    quote), unless their places or their actors differ ("5 mines in A and 7 in B"). The annotation
    marks one trigger per fact, so the merge network never saw two verbs of one fact
    (table-driven cases in tests/test_learned.py)."""
    role_keys: dict[int, dict[str, set[tuple[str, str]]]] = {}  # id(draft) -> role -> values, kept as drafts join

    def keys(d: Draft, role: str) -> set[tuple[str, str]]:
        if id(d) not in role_keys:
            role_keys[id(d)] = {r: arg_keys(ctx, d, r) for r in ROLES}
        return role_keys[id(d)][role]

    def anchors(d: Draft) -> set[tuple[str, object]]:  # what makes two drafts of one type one fact
        return {("sentence", ctx.sentence_of[i]) for i in d.mentions} | {("value", k) for k in keys(d, "quantity")}

    out: list[Draft] = []
    # (type, anchor) -> drafts kept: a draft is checked against those sharing an anchor, not all (linear in long reports)
    by_anchor: dict[tuple[str, tuple[str, object]], list[Draft]] = {}
    filed: set[tuple[tuple[str, tuple[str, object]], int]] = set()
    for d in drafts:
        ty = ctx.triggers[d.mentions[0]].type
        new = anchors(d)
        into = next((o for a in sorted(new, key=str) for o in by_anchor.get((ty, a), ())
                     if not any(_differ(keys(o, r), keys(d, r)) for r in ("place", "actor"))), None)
        if into is None:
            out.append(d)
            into = d
        else:
            into.mentions += d.mentions  # sorted once at the end: a growing event is not re-sorted at every join
            for j, p in d.args.items():
                into.args[j] = max(into.args.get(j, 0.0), p)
            for r in ROLES:
                keys(into, r).update(keys(d, r))
        for a in new:  # the anchors of ``into`` grow by d's
            if ((ty, a), id(into)) not in filed:
                filed.add(((ty, a), id(into)))
                by_anchor.setdefault((ty, a), []).append(into)
    for d in out:
        d.mentions.sort()
    return out


MERGE_REACH = 16  # same-type triggers a mention is compared with, before it and at the start of the report (corpus: at most 7 a type)


def merge_pairs(ctx: Context) -> list[tuple[int, int]]:
    """Trigger pairs (a < b) of one type that may state one fact: b against the ``MERGE_REACH`` same-type
    triggers before it and the first ``MERGE_REACH`` of the report (headline and lead). Every pair in a
    report of up to ``MERGE_REACH`` triggers a type; linear, not quadratic, in longer ones."""
    pairs = []
    for members in ctx.trigger_index().by_type.values():
        for r, b in enumerate(members):
            reach = set(members[max(0, r - MERGE_REACH):r]) | set(members[:min(r, MERGE_REACH)])
            pairs += [(a, b) for a in sorted(reach)]
    return sorted(pairs, key=lambda p: (p[1], p[0]))


def merge_scores(ctx: Context, weights: LinkerWeights) -> dict[tuple[int, int], float]:
    pairs = merge_pairs(ctx)
    if not pairs:
        return {}
    feats = np.stack([merge_features(ctx, a, b) for a, b in pairs])
    probs = weights.merge(feats)
    # a veto the network cannot learn from restatements alone: two mentions whose sentences give
    # different numbers AND different places state two facts ("1.7 tonnes to Kafr Nan" / "36 trucks to Talbiseh")
    probs = np.where((feats[:, OTHER_NUMBERS] > 0) & (feats[:, SHARED_NAMES] == 0) & (feats[:, OTHER_PLACES] > 0), 0.0, probs)
    # nor can it learn the words that announce a new fact in a later sentence ("They also repaired ...")
    said_new = np.asarray([b in ctx.new_facts and ctx.sentence_of[a] != ctx.sentence_of[b] for a, b in pairs])
    probs = np.where(said_new, 0.0, probs)
    return dict(zip(pairs, map(float, probs)))
