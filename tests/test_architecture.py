"""The tree is the flow, and stays that way: these tests read the source, not the behaviour.

The rule (README, "Architecture"): packages stand in layers, and every import points down.

    cli
    filing
    tracking
    checks | review
    backends
    ledger | questionnaire
    aws
    core

Packages on one line are siblings: neither imports the other. `simulator` stands beside them
all: it may import `aws` and `core` (botocore's data, errors), and only `cli` imports it.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = "pinpoint_sandbox"
SOURCE = Path(__file__).resolve().parent.parent / "src" / PACKAGE
LAYERS: list[set[str]] = [
    {"cli"},
    {"filing"},
    {"tracking"},
    {"checks", "review"},
    {"backends"},
    {"ledger", "questionnaire"},
    {"aws"},
    {"core"},
]
BESIDE = {"simulator": {"aws", "core"}}  # what the simulator may import
MAX_LAYERS = 9
MAX_FUNCTION_LINES = 60
MAX_ANY = 150
CONCRETE_BACKENDS = ("manual", "support", "service_quotas")


def _modules() -> dict[str, Path]:
    found = {}
    for path in SOURCE.rglob("*.py"):
        parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _import_nodes(tree: ast.Module, *, functions: bool) -> list[ast.Import | ast.ImportFrom]:
    """Import statements; `functions=False` keeps those run when the module is imported."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if functions:
                    walk(node.body)
            elif (not functions and isinstance(node, ast.If)
                  and "TYPE_CHECKING" in ast.unparse(node.test)):
                walk(node.orelse)  # type-only imports never run
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            else:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        walk([child])
                for name in ("body", "orelse", "finalbody", "handlers"):
                    block = getattr(node, name, None)
                    if isinstance(block, list):
                        walk([n for n in block if isinstance(n, ast.stmt)]
                             + [s for h in block if isinstance(h, ast.ExceptHandler)
                                for s in h.body])

    walk(tree.body)
    return found


@functools.cache
def _graph(functions: bool) -> dict[str, frozenset[str]]:
    """module -> the project modules it imports (TYPE_CHECKING imports included)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        graph[module]  # every module is a node
        for node in _import_nodes(ast.parse(path.read_text("utf-8")), functions=functions):
            if isinstance(node, ast.ImportFrom):
                if not node.module or not node.module.startswith(PACKAGE) or node.level:
                    continue
                targets = [_resolve(f"{node.module}.{a.name}") or _resolve(node.module)
                           for a in node.names]
            else:
                targets = [_resolve(a.name) for a in node.names if a.name.startswith(PACKAGE)]
            graph[module].update(t for t in targets if t and t != module)
    return {m: frozenset(ts) for m, ts in graph.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _rank(package: str) -> int | None:
    return next((i for i, layer in enumerate(LAYERS) if package in layer), None)


def test_every_package_has_a_place_in_the_layers() -> None:
    packages = {_package(m) for m in MODULES} - {""}
    placed = set().union(*LAYERS) | set(BESIDE)
    top_level = {_package(m) for m in MODULES
                 if m.count(".") == 1 and MODULES[m].name != "__init__.py"}
    assert packages <= placed | top_level
    assert top_level - placed <= {"__main__"}, f"modules loose in the top package: {top_level}"


def test_every_import_points_down_a_layer() -> None:
    wrong = []
    for module, targets in _graph(functions=True).items():
        here = _package(module)
        for target in targets:
            there = _package(target)
            if here == there or there == "":
                continue
            if here in BESIDE or there in BESIDE:
                allowed = (there in BESIDE.get(here, set())) or (here == "cli" or
                                                                  here == "__main__")
            elif here == "__main__":
                allowed = True
            else:
                rank_here, rank_there = _rank(here), _rank(there)
                allowed = None not in (rank_here, rank_there) and rank_here < rank_there  # type: ignore[operator]
            if not allowed:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports that do not point down a layer:\n" + "\n".join(sorted(wrong))


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_modules_or_packages() -> None:
    modules = _graph(functions=True)
    assert _cycles(dict(modules)) == []
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in modules.items():
        packages[_package(module)].update(_package(t) for t in targets)
    for package, targets in packages.items():
        targets.discard(package)
    assert _cycles({p: frozenset(t) for p, t in packages.items()}) == []


def _depth(graph: dict[str, frozenset[str]]) -> tuple[int, list[str]]:
    @functools.cache
    def chain(module: str) -> tuple[str, ...]:
        longest = max((chain(t) for t in graph[module]), key=len, default=())
        return (module, *longest)

    best = max((chain(m) for m in graph if _package(m) not in BESIDE), key=len)
    return len(best), list(best)


def test_the_layers_are_at_most_nine_deep() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in _graph(functions=True).items():
        packages[_package(module)].update(_package(t) for t in targets)
    graph = {p: frozenset(t - {p}) for p, t in packages.items()}
    depth, chain = _depth(graph)
    assert depth <= MAX_LAYERS, chain


def test_importing_a_module_loads_at_most_nine_layers_of_modules() -> None:
    """The import-time chain: imports inside functions run later, when needed, and
    `TYPE_CHECKING` imports never run."""
    depth, chain = _depth(_graph(functions=False))
    assert depth <= MAX_LAYERS, " -> ".join(chain)


def test_only_the_registry_imports_a_concrete_backend() -> None:
    concrete = {f"{PACKAGE}.backends.{name}" for name in CONCRETE_BACKENDS}
    wrong = [f"{m} -> {t}" for m, targets in _graph(functions=True).items()
             for t in targets & concrete
             if m != f"{PACKAGE}.backends.registry" and not m.startswith(f"{PACKAGE}.backends.")]
    assert not wrong, "\n".join(sorted(wrong))


def test_a_backend_imports_only_the_backend_base_and_the_lower_layers() -> None:
    allowed = (f"{PACKAGE}.backends.base", f"{PACKAGE}.aws.", f"{PACKAGE}.core.",
               f"{PACKAGE}.ledger.")
    wrong = [f"{m} -> {t}" for m, targets in _graph(functions=True).items()
             if m in {f"{PACKAGE}.backends.{n}" for n in CONCRETE_BACKENDS}
             for t in targets if not t.startswith(allowed) and t != f"{PACKAGE}.backends.base"]
    assert not wrong, "\n".join(sorted(wrong))


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


# AWS's own service names, which happen to be spelled like two backends: the botocore client
# names, declared once in the AWS layer.
AWS_SERVICE_NAMES = {("aws/session.py", "support"), ("aws/session.py", "service-quotas")}


def test_no_backend_name_outside_the_backends_and_the_cli() -> None:
    from pinpoint_sandbox.backends import registry

    names = set(registry.names())
    wrong = []
    for module, path in MODULES.items():
        if _package(module) in {"backends", "cli", *BESIDE}:
            continue
        where = str(path.relative_to(SOURCE))
        wrong += [f"{where}:{line}: {value!r}" for line, value in _string_constants(path)
                  if value in names and (where, value) not in AWS_SERVICE_NAMES]
    assert not wrong, "\n".join(wrong)


def test_thread_pools_are_built_in_one_module() -> None:
    builders = re.compile(r"\b(ThreadPoolExecutor|ProcessPoolExecutor|threading\.Thread)\(")
    found = {str(p.relative_to(SOURCE)) for p in SOURCE.rglob("*.py")
             if builders.search(p.read_text("utf-8"))}
    # The simulator's HTTP server runs in its own thread; it is not a pool.
    assert found <= {"aws/pool.py", "simulator/server.py"}, found


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(SOURCE)}:{node.lineno} {node.name} {lines}")
    assert not long, "\n".join(long)


def _any_count(path: Path) -> int:
    tokens = tokenize.tokenize(io.BytesIO(path.read_bytes()).readline)
    return sum(1 for t in tokens if t.type == tokenize.NAME and t.string == "Any")


def test_any_stays_at_the_boundaries() -> None:
    counts = {str(p.relative_to(SOURCE)): _any_count(p) for p in SOURCE.rglob("*.py")
              if "simulator" not in p.relative_to(SOURCE).parts}
    total = sum(counts.values())
    worst = sorted(counts.items(), key=lambda kv: -kv[1])[:8]
    assert total <= MAX_ANY, f"{total} uses of Any outside the simulator; most in {worst}"


ORGANIZATION_OPTIONS = ("--organization", "--ou", "--exclude", "--tag", "--role-name",
                        "--external-id", "--session-duration", "--max-concurrency")


def test_the_organization_options_are_declared_once() -> None:
    """Each option is spelled once, and one bundle (a dataclass) carries them: no command
    lists them as its own parameters."""
    cli = SOURCE / "cli"
    for option in ORGANIZATION_OPTIONS:
        quoted = re.compile(rf"""["']{re.escape(option)}["']""")
        places = [f"{p.name}:{i}" for p in cli.rglob("*.py")
                  for i, line in enumerate(p.read_text("utf-8").splitlines(), 1)
                  if quoted.search(line)]
        assert len(places) == 1, f"{option} declared in {places}"
    holders = [f"{p.name}:{node.name}" for p in cli.rglob("*.py")
               for node in ast.walk(ast.parse(p.read_text("utf-8")))
               if isinstance(node, (ast.FunctionDef, ast.ClassDef))
               and {"ou", "exclude", "session_duration"} <= {
                   *(a.arg for a in getattr(getattr(node, "args", None), "args", [])),
                   *(a.arg for a in getattr(getattr(node, "args", None), "kwonlyargs", [])),
                   *(t.target.id for t in getattr(node, "body", [])
                     if isinstance(t, ast.AnnAssign) and isinstance(t.target, ast.Name))}]
    assert len(holders) == 1, f"the organization options are listed in {holders}"


@pytest.mark.parametrize("layer", ["filing", "tracking", "checks", "backends", "ledger", "aws"])
def test_the_library_never_imports_the_cli(layer: str) -> None:
    wrong = [f"{m} -> {t}" for m, targets in _graph(functions=True).items()
             if _package(m) == layer for t in targets if _package(t) == "cli"]
    assert not wrong
