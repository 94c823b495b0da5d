"""Relevance evaluation: run labelled questions through the normal search path and score them.

``data`` loads queries, qrels and a STARD-style article corpus; ``metrics`` holds the ranking
metrics as plain functions; ``harness`` ingests the corpus's law files through the pipeline,
maps hits to article ids by (source file, article label) and reports the metrics; ``command``
is the ``stdsearch eval`` command.
"""

from stdsearch.evaluation.harness import EvalReport, evaluate
from stdsearch.evaluation.metrics import mrr_at, ndcg_at, recall_at

__all__ = ["EvalReport", "evaluate", "mrr_at", "ndcg_at", "recall_at"]
