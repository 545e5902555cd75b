"""urlfan's module boundaries, checked on the sources' #include lines.

The engine (the event loop and everything that drives libcurl or decides
what to start) renders nothing: no engine module includes an output module,
directly or through other headers. Input parsing does not depend on the
command line. Headers include no cycle. README.md's "How it works" names
every module, one line each, on its side."""
import os
import re
import shutil
import subprocess

import pytest

SOURCE_ROOT = os.environ.get("URLFAN_SOURCE_ROOT") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(SOURCE_ROOT, "src")
README = os.path.join(SOURCE_ROOT, "README.md")

ENGINE = {"fetch", "xfer", "setopt", "hostlimit", "retry", "body", "deadlines", "ratelimit",
          "adaptive"}
OUTPUT = {"output", "record", "template", "savedir", "progress", "filesink"}
INPUT = {"source"}


def includes():
    """{file: set of local headers it includes directly}."""
    graph = {}
    for name in os.listdir(SRC):
        if not name.endswith((".c", ".h")):
            continue
        with open(os.path.join(SRC, name), encoding="utf-8") as f:
            graph[name] = set(re.findall(r'^#include "([^"]+)"', f.read(), re.M))
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


def module(filename):
    return os.path.splitext(filename)[0]


def test_engine_includes_no_output_module():
    graph = includes()
    bad = []
    for f in graph:
        if module(f) in ENGINE:
            for h in reach(graph, f):
                if module(h) in OUTPUT:
                    bad.append("%s -> %s" % (f, h))
    assert not bad, bad
    # The check must be able to fail: output modules do include each other.
    assert "template.h" in reach(graph, "filesink.c")


def test_xfer_and_fetch_do_not_name_template_or_savedir():
    for f in ("xfer.c", "xfer.h", "fetch.c", "fetch.h"):
        with open(os.path.join(SRC, f), encoding="utf-8") as fh:
            text = fh.read()
        assert '#include "template.h"' not in text and '#include "savedir.h"' not in text, f


def test_input_does_not_depend_on_the_command_line():
    graph = includes()
    for f in ("source.c", "source.h"):
        assert "opts.h" not in reach(graph, f), f


def test_headers_include_no_cycle():
    graph = includes()
    for h in graph:
        if h.endswith(".h"):
            assert h not in reach(graph, h), "include cycle through %s" % h


def test_readme_names_every_module_once_with_its_side():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## How it works", 1)[1].split("\n## ", 1)[0]
    modules = sorted({module(f) for f in os.listdir(SRC)
                      if f.endswith((".c", ".h")) and f != "main.c"} | {"main"})
    listed = re.findall(r"^- `src/([a-z0-9_]+)\.[ch][^`]*`", section, re.M)
    assert sorted(listed) == modules, (sorted(set(modules) - set(listed)),
                                       sorted(set(listed) - set(modules)))
    for line in section.splitlines():
        m = re.match(r"^- `src/([a-z0-9_]+)\.", line)
        if m and m.group(1) in ENGINE:
            assert "engine" in line, line
        if m and m.group(1) in OUTPUT:
            assert "output" in line, line


def test_sources_follow_clang_format():
    """The committed .clang-format is the style, and CI enforces it."""
    exe = shutil.which("clang-format")
    if not exe:
        pytest.skip("clang-format is not installed (scripts/test installs it)")
    files = sorted(os.path.join(SRC, f) for f in os.listdir(SRC) if f.endswith((".c", ".h")))
    files += [os.path.join(SOURCE_ROOT, "bench", f) for f in ("floor.c", "json_body.c")]
    p = subprocess.run([exe, "--dry-run", "--Werror", "--style=file", *files],
                       cwd=SOURCE_ROOT, capture_output=True, text=True)
    assert p.returncode == 0, "run: clang-format -i src/*.[ch] bench/*.c\n" + p.stderr[:3000]
