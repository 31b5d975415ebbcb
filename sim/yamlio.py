"""The one YAML loader of the project: PyYAML's safe loader with YAML 1.2 core-schema floats.

PyYAML implements YAML 1.1, where a float needs a dot and a signed exponent: `1e-4`, `1E5`
and `1.0e4` are strings there, so `--set ai_agents.base_harm_rate=1e-4` would be refused.
`Loader` swaps that float rule for the YAML 1.2 core schema's (a dot or an exponent, the
exponent sign optional; `.inf`, `-.inf`, `.nan` as before) and keeps PyYAML's `_` digit
separators; it drops only the YAML 1.1 base-60 floats (`1:30.5`). Everything else, and
every type that can be built, is `yaml.SafeLoader`'s: nothing is evaluated as code.

A mapping that repeats a key is an error (`yaml.constructor.ConstructorError` naming the key
and both lines), not PyYAML's silent "the last one wins": `seed: 1` followed by `seed: 2`
is almost always a paste mistake. Keys merged in with `<<: *anchor` may be overridden, as
YAML intends. Scenario files, `--set` values, sweep specs and the dashboard's YAML boxes all
read through `load`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

FLOAT_TAG = "tag:yaml.org,2002:float"
MERGE_TAG = "tag:yaml.org,2002:merge"
FLOAT = re.compile(
    r"""^(?:
        [-+]? (?: [0-9][0-9_]* \. [0-9_]* | \. [0-9][0-9_]* ) (?: [eE] [-+]? [0-9]+ )?
      | [-+]? [0-9][0-9_]* [eE] [-+]? [0-9]+
      | [-+]? \. (?: inf | Inf | INF )
      | \. (?: nan | NaN | NAN )
    )$""",
    re.X,
)


class Loader(yaml.SafeLoader):
    """`yaml.SafeLoader` with the YAML 1.2 core-schema float resolver (see the module doc)."""

    # Own copies of the resolver lists: `add_implicit_resolver` would otherwise append to
    # the lists it shares with `yaml.SafeLoader` and change every safe loader in the process.
    yaml_implicit_resolvers: ClassVar[dict[str, list]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != FLOAT_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        """`SafeLoader`'s mapping, refusing a key written twice (merged keys excepted)."""
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(self, node)
        return super().construct_mapping(node, deep=deep)


def _check_duplicates(loader: Loader, node: yaml.MappingNode) -> None:
    first: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
            continue  # complex keys are left to PyYAML; `<<` merges may override
        key = loader.construct_object(key_node)
        try:
            seen = first.setdefault(key, key_node)
        except TypeError:  # unhashable: PyYAML reports it
            continue
        if seen is not key_node:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"duplicate key {key_node.value!r} on lines {seen.start_mark.line + 1} and "
                f"{key_node.start_mark.line + 1}",
                key_node.start_mark,
            )


Loader.add_implicit_resolver(FLOAT_TAG, FLOAT, list("-+0123456789."))


def load(text: str) -> Any:
    """Parse one YAML document (str or bytes) with `Loader`; errors are `yaml.YAMLError`."""
    return yaml.load(text, Loader=Loader)
