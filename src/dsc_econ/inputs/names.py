"""One name per assumption: parameter keys, friendly aliases and did-you-mean.

``parameters/names.yaml`` maps friendly aliases (``abstinence``) to parameter keys
(``pathways.gamma``). :class:`Names` resolves any spelling a user may type to the key:

1. the key itself (``pathways.gamma``);
2. an alias (``abstinence``);
3. a unique trailing part of a key (``gamma``, ``untreated.total``).

Anything else is an error whose did-you-mean lists keys and aliases together
(``pathways.gamma (abstinence)``). :class:`~dsc_econ.inputs.parameters.ParameterSet`
uses it, so ``--set``, scenario files, uncertainty files and the sensitivity commands
accept both spellings.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NAMES_FILE", "Names", "load_names", "tail_index"]

NAMES_FILE = "names.yaml"
"""Name of the alias registry at the root of a parameter folder."""

_ALIAS = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Names:
    """Aliases of parameter keys (alias -> key), and the key -> alias view."""

    aliases: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @functools.cached_property
    def alias_of(self) -> dict[str, str]:
        """Key -> its alias."""
        return {key: alias for alias, key in self.aliases.items()}

    def label(self, key: str) -> str:
        """``key (alias)`` where the key has an alias, else the key."""
        alias = self.alias_of.get(key)
        return f"{key} ({alias})" if alias else key

    def candidates(self, name: str, keys: Iterable[str]) -> list[str]:
        """Keys whose trailing dotted parts equal ``name`` (``gamma`` -> pathways.gamma)."""
        return [k for k in keys if k == name or k.endswith("." + name)]

    def resolve(
        self,
        name: str,
        keys: Mapping[str, object] | Iterable[str],
        tails: Mapping[str, str | None] | None = None,
    ) -> str | None:
        """The key ``name`` stands for, or None when it names nothing (or is ambiguous).

        ``tails`` may pass :func:`tail_index` of ``keys``, built once: the lookup of a
        trailing part is then a dict access instead of a scan of every key (a set with
        thousands of sites asks for thousands of names).
        """
        keys = keys if isinstance(keys, Mapping) else set(keys)
        if name in keys:
            return name
        if name in self.aliases:
            return self.aliases[name]
        if tails is not None:
            return tails.get(name) if name else None
        found = self.candidates(name, keys) if name else []
        return found[0] if len(found) == 1 else None


    def unknown(self, name: str, keys: Iterable[str], what: str = "parameter") -> str:
        """The error text for an unknown name: did-you-mean over keys and aliases."""
        keys = list(keys)
        ambiguous = self.candidates(name, keys)
        if len(ambiguous) > 1:
            shown = ", ".join(self.label(k) for k in ambiguous[:8])
            return f"{what} {name!r} is ambiguous; did you mean {shown}?"
        spellings = {k: k for k in keys}
        spellings.update({a: k for a, k in self.aliases.items()})
        spellings.update({k.rsplit(".", 1)[-1]: k for k in keys if "." in k})
        close = difflib.get_close_matches(name, list(spellings), n=6, cutoff=0.6)
        hits = list(dict.fromkeys(spellings[c] for c in close))[:3]
        hint = f"; did you mean {', '.join(self.label(k) for k in hits)}?" if hits else ""
        return f"unknown {what} {name!r}{hint}"


def tail_index(keys: Iterable[str]) -> dict[str, str | None]:
    """Every trailing dotted part of the keys -> the one key it ends, or None when
    several keys end with it (ambiguous): :meth:`Names.resolve` in one dict access.

    Linear in the total number of dotted parts of the keys.

    >>> tail_index(["pathways.gamma", "a.gamma", "a.b"])["gamma"] is None
    True
    >>> tail_index(["pathways.gamma", "a.b"])["gamma"]
    'pathways.gamma'
    """
    index: dict[str, str | None] = {}
    for key in keys:
        parts = key.split(".")
        for i in range(len(parts)):
            tail = ".".join(parts[i:])
            index[tail] = key if tail not in index or index[tail] == key else None
    return index


def read_names(path: str | Path, keys: Iterable[str] | None = None) -> Names:
    """Read and check an alias file; errors name the file, alias and key."""
    from .parameters import ParameterError, read_yaml

    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ParameterError(f"{path}: expected a mapping alias -> parameter key")
    known = set(keys) if keys is not None else None
    aliases: dict[str, str] = {}
    seen: dict[str, str] = {}
    for alias, key in raw.items():
        alias, key = str(alias), str(key)
        if not _ALIAS.match(alias) or "." in alias:
            raise ParameterError(
                f"{path}: alias {alias!r} must be lower-case letters, digits and '_'"
            )
        if known is not None:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ParameterError(f"{path}: {alias}: unknown parameter {key!r}{hint}")
            if alias in known:
                raise ParameterError(f"{path}: alias {alias!r} is also a parameter key")
        if key in seen:
            raise ParameterError(
                f"{path}: {key} has two aliases ({seen[key]!r} and {alias!r}); one name "
                "per assumption"
            )
        seen[key] = alias
        aliases[alias] = key
    return Names(aliases, str(path))


def load_names(directory: str | Path | None, keys: Iterable[str] | None = None) -> Names:
    """The alias registry of a parameter folder (its own ``names.yaml``, else bundled).

    A folder without ``names.yaml`` uses the bundled aliases whose keys it defines.
    """
    from .parameters import data_dir

    own = Path(directory) / NAMES_FILE if directory is not None else None
    if own is not None and own.is_file():
        return read_names(own, keys)
    names = read_names(data_dir("parameters") / NAMES_FILE)
    if keys is not None:
        known = set(keys)
        names = Names({a: k for a, k in names.aliases.items() if k in known}, names.source)
    return names
