"""Where things live: one home directory holds corpus/, index/ and vectors/.

The home is ``--home``, else ``$STDSEARCH_HOME``, else the current directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "STDSEARCH_HOME"


@dataclass(frozen=True)
class Home:
    """The paths of one stdsearch home directory."""

    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Home:
        """The home named by the argument, the environment, or the current directory."""
        chosen = home or os.environ.get(HOME_ENV) or os.getcwd()
        return cls(Path(chosen).expanduser().resolve())

    @property
    def corpus(self) -> Path:
        """corpus/: sources.toml, raw/, docs/ (the source of truth)."""
        return self.root / "corpus"

    @property
    def docs(self) -> Path:
        """corpus/docs/: one JSON file per document, as homes before the documents table kept
        them (read, and replaced by a row at the document's next write)."""
        return self.corpus / "docs"

    @property
    def documents(self) -> Path:
        """corpus/documents.sqlite3: the stored documents, one JSON row each."""
        return self.corpus / "documents.sqlite3"

    @property
    def raw(self) -> Path:
        """corpus/raw/: fetched bytes with their provenance."""
        return self.corpus / "raw"

    @property
    def samples(self) -> Path:
        """corpus/samples/: documents bundled with the project, ingested on first serve."""
        return self.corpus / "samples"

    @property
    def sources(self) -> Path:
        """corpus/sources.toml: the crawl sources."""
        return self.corpus / "sources.toml"

    @property
    def index(self) -> Path:
        """index/: the live Whoosh index (derived; rebuilt from the stored documents)."""
        return self.root / "index"

    @property
    def vectors(self) -> Path:
        """vectors/: the clause vectors (derived; beside whichever engine holds the clauses)."""
        return self.root / "vectors"
