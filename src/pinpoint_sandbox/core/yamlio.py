"""Bounded YAML reading for every file a user hands the tool (answers, batch, `--set`, scenarios).

PyYAML shares aliased nodes, so a "billion laughs" document loads in a blink — and then anything
that walks the value (validation, `repr()`) runs for minutes and gigabytes. Here composition
counts the *expanded* size of every node (an alias counts its whole target again) and stops at
`MAX_NODES`, and files are read at most `MAX_BYTES` at a time. Errors are one line that names
the file and the problem, never the file's contents. PyYAML is imported lazily (startup time).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.core.jsonvalue import JsonObject

if TYPE_CHECKING:
    import yaml

# Answers files are a few KiB and a batch of a thousand targets ~200 KiB: 1 MiB is plenty.
MAX_BYTES = 1024 * 1024
# Expanded values (scalars count one per 100 characters): ~10,000 for a full 1 MiB file.
MAX_NODES = 100_000
# Nesting depth: answers are two levels deep, batch files four.
MAX_DEPTH = 32


class YamlLimitError(UsageError):
    """The document is too big, too deep or expands too much: never worth reading further."""


@cache
def _loader_class() -> type[yaml.SafeLoader]:
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        """SafeLoader that weighs each composed node by its expanded size."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.weights: dict[int, int] = {}
            self.depth = 0

        def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
            if self.check_event(yaml.AliasEvent):
                node = super().compose_node(parent, index)
                if id(node) not in self.weights:  # its anchor is still being composed
                    raise YamlLimitError("an alias refers to itself (a recursive structure)")
                return node
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise YamlLimitError(f"nested more than {MAX_DEPTH} levels deep")
            try:
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
            self.weights[id(node)] = self._weigh(node)
            return node

        def _weigh(self, node: yaml.Node | None) -> int:
            if node is None:  # never composed, but the stubs allow it
                return 1
            if isinstance(node, yaml.ScalarNode):
                return 1 + len(node.value) // 100
            children = (
                [part for pair in node.value for part in pair]
                if isinstance(node, yaml.MappingNode)
                else node.value
            )
            total = 1 + sum(self.weights[id(child)] for child in children)
            if total > MAX_NODES:
                raise YamlLimitError(
                    f"expands to more than {MAX_NODES:,} values through aliases (an alias bomb?)"
                )
            return total

    return BoundedLoader


def load_yaml(text: str, name: str) -> object:
    """The value of one YAML document; UsageError (one line, prefixed `name: `) when it is not."""
    import yaml

    if len(text) > MAX_BYTES:
        raise YamlLimitError(f"{name}: larger than {_size(MAX_BYTES)}")
    loader = _loader_class()(text)
    try:
        return loader.get_single_data()
    except YamlLimitError as exc:
        raise YamlLimitError(f"{name}: not read: {exc.message}") from None
    except RecursionError:
        raise YamlLimitError(f"{name}: not read: nested too deeply") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{name}: not valid YAML{_where(exc)}: {_problem(exc)}") from None
    finally:
        loader.dispose()


def is_syntax_error(exc: UsageError) -> bool:
    """True for plain YAML syntax errors (not the limits above), e.g. to keep `--set` prose."""
    return not isinstance(exc, YamlLimitError)


def read_yaml_file(path: Path, what: str, *, max_bytes: int = MAX_BYTES) -> object:
    """Read and parse a YAML file the user named; `what` is e.g. "answers file".

    Problems are one line naming the file: missing, a directory, unreadable, too large, not
    UTF-8 text (a binary file), not YAML. The file's contents are never quoted.
    """
    from pinpoint_sandbox.core.safeio import read_bounded

    path = Path(path)
    if not path.exists():
        raise UsageError(f"{what} not found: {path}")
    if path.is_dir():
        raise UsageError(f"{what} {path} is a directory, not a YAML file")
    # A regular file only (a FIFO or /dev/zero is exit 2 at once), read with a size bound.
    try:
        raw = read_bounded(path, what, max_bytes)
    except UsageError as exc:
        if "larger than" in exc.message:
            raise YamlLimitError(
                f"{what} {path} is larger than {_size(max_bytes)}: not a file this tool reads"
            ) from None
        raise
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path} is not UTF-8 text (a binary file?)") from None
    return load_yaml(text, path.name)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", None) or "syntax error")
    if "\\t" in problem or "\t" in problem:
        problem += " (indent with spaces, not tabs)"
    # PyYAML's problem text is fixed prose, but may quote a token: keep it short.
    return problem if len(problem) <= 120 else problem[:117] + "..."


def packaged_mapping(package: str, *parts: str) -> JsonObject:
    """A YAML mapping shipped inside the package (vocabularies, translations): trusted data,
    so a file that is not a mapping is a packaging bug and fails loudly."""
    from importlib.resources import files

    import yaml

    resource = files(package).joinpath(*parts)
    data = yaml.safe_load(resource.read_text("utf-8"))
    if not isinstance(data, dict):
        raise RuntimeError(f"{package}/{'/'.join(parts)} is not a mapping")
    return data
