"""urlfan's module boundaries, checked on the sources' #include lines.

The one list of the layers is README.md's "How it works": its "Layers,
lowest first" line orders them, and each module's line names the layer
it is in. A file may include headers of its own layer and of lower ones,
never of a higher one, directly or through other headers: so the engine
renders nothing (no engine file reaches an output header) and input
parsing knows nothing of the command line. No two modules include each
other, through any chain of .c and .h files. The README names every
module in src/, and nothing else."""
import os
import re
import shutil
import subprocess

import pytest

SOURCE_ROOT = os.environ.get("URLFAN_SOURCE_ROOT") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(SOURCE_ROOT, "src")
README = os.path.join(SOURCE_ROOT, "README.md")


def how_it_works():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return text.split("## How it works", 1)[1].split("\n## ", 1)[0]


def layers():
    """(the layers, lowest first; {module: layer}; {family prefix: module})
    as the README lists them. A module line is "- `src/NAME.c` (LAYER...)";
    a backticked `src/NAME_*.c` on it makes every src/NAME_*.c file part of
    module NAME (one file per backend)."""
    section = how_it_works()
    m = re.search(r"^Layers, lowest first: `([a-z <]+)`", section, re.M)
    assert m, "README's How it works has no 'Layers, lowest first: `a < b`' line"
    order = [w.strip() for w in m.group(1).split("<")]
    layer_of, families = {}, {}
    # A list item and the indented lines that continue it.
    for line in re.findall(r"^- .*(?:\n  .*)*", section, re.M):
        lm = re.match(r"^- `src/([a-z0-9_]+)\.[ch]`[^(]*\(([a-z]+)", line)
        if not lm:
            continue
        name, layer = lm.groups()
        assert layer in order, "%s: layer %r is not in %s" % (name, layer, order)
        assert name not in layer_of, "%s is listed twice" % name
        layer_of[name] = layer
        for fam in re.findall(r"`src/([a-z0-9]+)_\*\.[ch]`", line):
            families[fam + "_"] = fam
    return order, layer_of, families


def module(filename, families):
    stem = os.path.splitext(filename)[0]
    for prefix, name in families.items():
        if stem.startswith(prefix):
            return name
    return stem


def includes():
    """{file: set of local headers it includes directly}."""
    graph = {}
    for name in os.listdir(SRC):
        if not name.endswith((".c", ".h")):
            continue
        with open(os.path.join(SRC, name), encoding="utf-8") as f:
            graph[name] = set(re.findall(r'^\s*#\s*include "([^"]+)"', f.read(), re.M))
    return graph


def reach(graph, start):
    """Every header start includes, directly or through others."""
    seen, todo = set(), list(graph.get(start, ()))
    while todo:
        h = todo.pop()
        if h in seen:
            continue
        seen.add(h)
        todo.extend(graph.get(h, ()))
    return seen


def layer_violations(graph, order, layer_of, families):
    """["a.c -> b.h (low -> high)"] for each header a file reaches that is
    in a higher layer than the file's own."""
    rank = {layer: i for i, layer in enumerate(order)}
    bad = []
    for f in sorted(graph):
        mine = layer_of.get(module(f, families))
        if mine is None:
            bad.append("%s (not in the README's list)" % f)
            continue
        for h in sorted(reach(graph, f)):
            theirs = layer_of.get(module(h, families))
            if theirs is None or rank[theirs] > rank[mine]:
                bad.append("%s -> %s (%s -> %s)" % (f, h, mine, theirs))
    return bad


def module_cycles(graph, families):
    """Each cycle among modules (a .c or .h of one including a header of
    the next), as a list of module names; [] when there is none."""
    edges = {}
    for f, hs in graph.items():
        a = module(f, families)
        edges.setdefault(a, set()).update(
            module(h, families) for h in hs if module(h, families) != a)
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return cycles


def with_include(graph, f, h):
    """graph with one more #include line, for the checks' own tests."""
    g = {k: set(v) for k, v in graph.items()}
    g.setdefault(f, set()).add(h)
    return g


def test_every_file_includes_only_its_layer_and_below():
    order, layer_of, families = layers()
    bad = layer_violations(includes(), order, layer_of, families)
    assert not bad, "\n".join(bad)


def test_layer_check_fails_on_an_upward_include():
    order, layer_of, families = layers()
    graph = includes()
    base = set(layer_violations(graph, order, layer_of, families))

    def added(f, h):
        bad = layer_violations(with_include(graph, f, h), order, layer_of, families)
        return [b for b in bad if b not in base]

    # Directly: the engine naming an output module.
    assert added("fetch.c", "resume.h") == ["fetch.c -> resume.h (engine -> output)"]
    # Through another header: every engine file that reaches sink.h.
    bad = added("sink.h", "template.h")
    assert "fetch.c -> template.h (engine -> output)" in bad, bad
    assert "xfer.c -> template.h (engine -> output)" in bad, bad
    # Input knows nothing of the command line, nor of the config it makes.
    for h in ("opts.h", "config.h"):
        assert "source.c -> %s" % h in " ".join(added("source.h", h))
    # A header of a module the README does not list is in no layer.
    assert added("url.c", "nowhere.h") == ["url.c -> nowhere.h (input -> None)"]


def test_poller_backends_are_one_engine_module():
    order, layer_of, families = layers()
    assert module("poller_epoll.c", families) == "poller"
    assert module("poller_poll.c", families) == "poller"
    assert layer_of["poller"] == "engine"
    for name in ("fetch", "xfer", "setopt", "body", "sink"):
        assert layer_of[name] == "engine", name
    for name in ("output", "view", "record", "template", "savedir", "progress", "filesink",
                 "resume"):
        assert layer_of[name] == "output", name
    assert order.index("engine") < order.index("output")


def test_no_include_cycle_among_modules():
    order, layer_of, families = layers()
    graph = includes()
    assert module_cycles(graph, families) == []
    # The check must be able to fail: json.c includes json_string.h, so
    # json_string.c including json.h (as it once did) closes a cycle.
    cycles = module_cycles(with_include(graph, "json_string.c", "json.h"), families)
    assert [sorted(set(c)) for c in cycles] == [["json", "json_string"]], cycles
    # A longer one, through headers only.
    cycles = module_cycles(with_include(graph, "buf.h", "msg.h"), families)
    assert any(c[0] == c[-1] and "buf" in c and "msg" in c for c in cycles), cycles


def test_readme_names_every_module_once_with_its_layer():
    order, layer_of, families = layers()
    modules = sorted({module(f, families) for f in os.listdir(SRC)
                      if f.endswith((".c", ".h"))})
    assert sorted(layer_of) == modules, (sorted(set(modules) - set(layer_of)),
                                         sorted(set(layer_of) - set(modules)))


def test_sources_follow_clang_format():
    """The committed .clang-format is the style, and CI enforces it."""
    exe = shutil.which("clang-format")
    if not exe:
        pytest.skip("clang-format is not installed (scripts/test installs it)")
    files = sorted(os.path.join(SRC, f) for f in os.listdir(SRC) if f.endswith((".c", ".h")))
    files += [os.path.join(SOURCE_ROOT, "bench", f) for f in ("floor.c", "json_body.c", "relay.c")]
    p = subprocess.run([exe, "--dry-run", "--Werror", "--style=file", *files],
                       cwd=SOURCE_ROOT, capture_output=True, text=True)
    assert p.returncode == 0, "run: clang-format -i src/*.[ch] bench/*.c\n" + p.stderr[:3000]
