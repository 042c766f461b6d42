"""The ledger's vocabulary: who bears a cost or receives a saving (agencies), what
kind of value it is (value types) and which values each perspective counts.

Read from ``agencies.yaml`` in a parameter folder (a registry, not parameters: the
loader skips it), else the bundled one, so a project may name its own agencies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .parameters import ParameterError, data_dir, read_yaml

__all__ = ["PERSPECTIVES", "VOCABULARY_FILE", "Vocabulary", "load_vocabulary"]

VOCABULARY_FILE = "agencies.yaml"
PERSPECTIVES: tuple[str, ...] = ("fiscal", "economic", "social")
"""fiscal = public budgets; economic = fiscal + economic; social = all values."""
_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


class Vocabulary:
    """Agencies, value types and perspectives of a ledger (from ``agencies.yaml``)."""

    def __init__(self, raw: Mapping[str, Any], source: str) -> None:
        self.source = source
        try:
            self.agencies: dict[str, dict] = dict(raw["agencies"])
            self.value_types: dict[str, dict] = dict(raw["value_types"])
        except (KeyError, TypeError) as exc:
            raise ParameterError(
                f"{source}: needs mappings 'agencies' and 'value_types'"
            ) from exc
        for kind, table in (("agencies", self.agencies), ("value_types", self.value_types)):
            for name, spec in table.items():
                if not isinstance(spec, Mapping) or not _ID.fullmatch(str(name)):
                    raise ParameterError(
                        f"{source}: {kind}.{name}: expected an id (a letter, then "
                        "letters, digits or '_') with a mapping (label, description)"
                    )
        for vt, spec in self.value_types.items():
            bad = [p for p in spec.get("perspectives", []) if p not in PERSPECTIVES]
            if bad:
                raise ParameterError(
                    f"{source}: value_types.{vt}.perspectives: unknown {bad!r}; "
                    f"known: {list(PERSPECTIVES)}"
                )

    def label(self, agency: str) -> str:
        """Plain name of an agency (its id when no label is given)."""
        return str(self.agencies.get(agency, {}).get("label", agency))

    def in_perspective(self, perspective: str) -> list[str]:
        """Value types counted in a perspective."""
        return [
            vt
            for vt, spec in self.value_types.items()
            if perspective in spec.get("perspectives", [])
        ]

    @property
    def fiscal(self) -> list[str]:
        """Value types that fall on a public budget."""
        return self.in_perspective("fiscal")


def load_vocabulary(params: Any = None, folder: str | Path | None = None) -> Vocabulary:
    """The agency vocabulary of a parameter folder, else the bundled one.

    Parameters
    ----------
    params : ParameterSet, optional
        Its folder (``params.source``) is searched for ``agencies.yaml``.
    folder : path, optional
        A parameter folder to search instead (e.g. the ``--base`` of ``dsc-econ new``,
        before any parameters are loaded from it).

    Returns
    -------
    Vocabulary
        Its ``source`` is ``agencies.yaml`` for the bundled file, else the file's path.
    """
    bundled = data_dir("parameters") / VOCABULARY_FILE
    if folder is not None:
        root = Path(folder)
    else:
        root = Path(getattr(params, "source", "") or data_dir("parameters"))
    path = root / VOCABULARY_FILE
    if not path.is_file():
        path = bundled
    raw = read_yaml(path)
    same = path.resolve() == bundled.resolve()
    return Vocabulary(
        raw if isinstance(raw, dict) else {}, VOCABULARY_FILE if same else str(path)
    )
