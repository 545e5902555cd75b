"""scripts/bench runs end to end at --size tiny: every case measured with
urlfan and curl, every run checked, the markdown report written.

The harness starts its own nginx and test server on 127.0.0.1; it needs the
Debian packages nginx and curl (wget2, wrk and time are optional: the
harness skips what is missing). Without nginx the test is skipped."""
import os
import shutil
import signal
import subprocess
import sys

import pytest

ROOT = os.environ.get("URLFAN_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
URLFAN = os.environ.get("URLFAN") or os.path.join(ROOT, "build", "src", "urlfan")
BENCH = os.path.join(ROOT, "scripts", "bench")

CASES = ["throughput", "memory", "delay-4", "delay-many", "large-bodies", "json-20k"]
SECTIONS = ["## How to run", "## Machine", "## Versions", "## Commands", "## Results",
            "## What it shows"]
TIMEOUT = 600


def table_rows(text):
    """(case, tool, status) of each body row of the markdown results table."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| ") or line.startswith("| case |"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 13 and cells[0] in CASES:
            rows.append((cells[0], cells[1], cells[-1]))
    return rows


def run_bench(args):
    proc = subprocess.Popen([sys.executable, BENCH, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # lets the harness stop its servers
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        pytest.fail("scripts/bench took over %d s\n%s" % (TIMEOUT, err[-3000:]))
    return proc.returncode, out, err


def test_bench_tiny(tmp_path):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed (scripts/bench serves its files with it)")
    doc = tmp_path / "PERF.md"
    rc, out, err = run_bench(["--size", "tiny", "--runs", "1", "--doc", str(doc),
                              "--urlfan", URLFAN])
    assert rc == 0, "scripts/bench failed (%d)\n%s\n%s" % (rc, out[-4000:], err[-4000:])

    rows = table_rows(out)
    for case in CASES:
        tools = {tool: status for c, tool, status in rows if c == case}
        assert tools, "no row for case %s in\n%s" % (case, out)
        if all(s.startswith("skipped") for s in tools.values()):
            # Only the -O case may be skipped, and only when urlfan lacks -O.
            assert case == "large-bodies", tools
            continue
        assert "urlfan" in tools and tools["urlfan"] == "ok", (case, tools)
        assert "curl" in tools and tools["curl"] == "ok", (case, tools)
        assert not any(s.startswith("FAILED") for s in tools.values()), (case, tools)

    text = doc.read_text()
    for section in SECTIONS:
        assert section in text, "%s missing from the report" % section
    assert sorted(table_rows(text)) == sorted(rows)
    assert "- urlfan: urlfan " in text  # `urlfan --version`'s first line


def test_urlfan_does_not_load_libm():
    """Loading libm.so costs about 0.4 MiB of resident memory, against a
    12 MiB budget (docs/PERFORMANCE.md), so src/num.c does the little
    floating-point maths urlfan needs. A new ceil() or log2() call would
    bring libm back; this catches it."""
    out = subprocess.run(["readelf", "-d", URLFAN], capture_output=True, text=True,
                         check=True).stdout
    needed = [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]
    assert "libcurl.so.4" in needed
    assert not [n for n in needed if n.startswith("libm.so")], needed
