"""stdsearch: a search engine for Chinese standards, laws and policy texts.

The pipeline, one module per stage: crawl → parse → clauses → store → index → search →
web / api / cli, chained in :mod:`stdsearch.pipeline`.
"""

__version__ = "0.1.0"
