#!/usr/bin/env python
"""Evaluate stdsearch on STARD-format questions: a thin wrapper over ``stdsearch eval``.

    python scripts/eval_stard.py --laws ../shared/data/laws \
        --corpus ../shared/data/stard/corpus.jsonl.gz --queries ../shared/data/stard/queries.dev.tsv \
        --qrels ../shared/data/stard/qrels.dev.tsv --home /tmp/stard-home [--json] [--compare]
"""

from stdsearch.evaluation.command import eval_command

if __name__ == "__main__":
    eval_command(obj={})
