"""scripts/bench runs end to end at --size tiny: every case measured with
urlfan, the floor (bench/floor.c) and curl, every run checked, the markdown
report written.

The harness starts its own nginx on 127.0.0.1; it needs the Debian packages
nginx and curl (wget2, wrk, time and the echo module behind the /delay
cases, libnginx-mod-http-echo, are optional: the harness skips what is
missing). Without nginx the test is skipped."""
import json
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
            "### urlfan against each peer", "## What it shows"]
# Each case's tools that must run and pass (large-bodies writes files, so
# curl is there as "curl -o FILE"; the other peers are optional).
REQUIRED = {case: {"urlfan", "floor", "curl"} for case in CASES}
REQUIRED["large-bodies"] = {"urlfan", "floor", "curl -o FILE"}
for case in ("throughput", "delay-4", "delay-many", "json-20k"):
    REQUIRED[case].add("curl -o /dev/null")
TIMEOUT = 600


def tables(text):
    """Every markdown table in text, as (header cells, body rows of cells)."""
    out, head, rows = [], None, []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if head is None:
                head = cells
            elif not set(line) <= set("|-"):
                rows.append(cells)
        elif head is not None:
            out.append((head, rows))
            head, rows = None, []
    return out


def results(text):
    """(case, tool, status) of each row of the results table."""
    for head, rows in tables(text):
        if head[:2] == ["case", "tool"] and head[-1] == "status":
            return [(r[0], r[1], r[-1]) for r in rows]
    return []


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

    rows = results(out)
    for case in CASES:
        tools = {tool: status for c, tool, status in rows if c == case}
        assert tools, "no row for case %s in\n%s" % (case, out)
        if all(s.startswith("skipped") for s in tools.values()):
            # Only the -O case may be skipped, when urlfan lacks -O, and the
            # /delay cases, when nginx's echo module is not installed.
            why = next(iter(tools.values()))
            assert (case == "large-bodies" and "-O" in why) or \
                (case.startswith("delay") and "echo module" in why), (case, tools)
            continue
        for tool in REQUIRED[case]:
            assert tools.get(tool) == "ok", (case, tool, tools)
        assert not any(s.startswith("FAILED") for s in tools.values()), (case, tools)

    # The ratio tables name the floor and both curl variants as peers, and
    # the targets compare urlfan's CPU per request with the floor's.
    ratio_heads = [head for head, _ in tables(out) if head[:3] == ["case", "N", "urlfan"]]
    assert len(ratio_heads) == 3, ratio_heads
    for head in ratio_heads:
        assert {"÷ floor", "÷ curl", "÷ curl -o /dev/null"} <= set(head), head
    assert "CPU per request <= 1.10x the floor's" in out
    assert "CPU per request <= 1.15x the floor's" in out
    assert "load average (1, 5, 15 min) before the run" in out

    text = doc.read_text()
    for section in SECTIONS:
        assert section in text, "%s missing from the report" % section
    assert sorted(results(text)) == sorted(rows)
    assert "- urlfan: urlfan " in text  # `urlfan --version`'s first line
    assert "- `curl -o /dev/null`: " in text and "- `floor`: " in text


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


NET_CASES = ["shuffled", "wide", "https", "sorted", "slow", "dead", "wide-https", "wide-sorted",
             "wide-slow"]


def test_bench_net_tiny(tmp_path):
    """`scripts/bench net` at its tiny size (2 hosts, a few URLs, RTT 20 ms,
    one round, urlfan and curl): the report has its three tables with a row
    per case and a column per tool, and the connections the relay
    (bench/relay.c) counted are the connections the tools made. A mechanism
    check: nothing here depends on timing."""
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed (scripts/bench net serves with it)")
    if not shutil.which("curl") or not shutil.which("openssl"):
        pytest.skip("curl or openssl is not installed")
    runs_json = tmp_path / "net.json"
    doc = tmp_path / "NET.md"
    rc, out, err = run_bench(["net", "--size", "tiny", "--rtt", "20", "--rounds", "1",
                              "--tools", "urlfan,curl", "--no-install", "--urlfan", URLFAN,
                              "--json", str(runs_json), "--doc", str(doc)])
    assert rc == 0, "scripts/bench net failed (%d)\n%s\n%s" % (rc, out[-4000:], err[-4000:])
    data = json.loads(runs_json.read_text())
    runs = data["runs"]
    cases = [c for c in NET_CASES if any(r["case"] == c for r in runs)]
    # Only the slow cases may be missing (nginx's echo module not installed).
    assert set(NET_CASES) - set(cases) <= {"slow", "wide-slow"}, cases
    if "slow" not in cases:
        assert any("echo module" in n for n in data["notes"]), data["notes"]

    # The report: ratio, connections and CPU tables, one row per case and a
    # column per tool; the ratio table also has the bound.
    heads = [(head, rows) for head, rows in tables(out) if "urlfan" in head]
    assert len(heads) == 3, heads
    ratio, conns, cpu = heads
    assert ratio[0][:3] == ["case (RTT 20 ms)", "bound", "ideal client"], ratio[0]
    for head, rows in heads:
        assert head[-2:] == ["urlfan", "curl --parallel"], head
        assert len(rows) == len(cases), rows
    for row in ratio[1]:
        assert row[1].endswith(")") and " s (" in row[1], row  # "0.05 s (global)"
        assert all(c.endswith("×") for c in row[2:]), row
    assert ("| case (RTT 20 ms) | bound | ideal client | urlfan | curl --parallel |"
            in doc.read_text())

    by = {(r["case"], r["tool"]): r for r in runs}
    for (case, tool), r in by.items():
        assert not r["error"], r
        assert r["bound"] > 0 and r["wall"] > 0 and r["cpu"] >= 0, r
        # The ideal client is a schedule within the same costs and caps:
        # never faster than the bound.
        assert r["floor"] >= r["bound"] * 0.999, r
    # The relay saw exactly the connections curl says it made
    # (-w %{num_connects}, summed over its transfers), counting the host
    # that never answers (the refusing one accepts nothing).
    for case in cases:
        r = by[(case, "curl")]
        assert r["conns"] + r["conns_blackhole"] == r["client_conns"], r
    # Over https curl --parallel waits to multiplex on HTTP/2: one
    # connection per host, two hosts.
    assert by[("https", "curl")]["conns"] == 2
    # Every live host was connected to at least once, and no tool needed
    # more connections than requests (6 URLs on 2 hosts; 6 on 1 host).
    for case in cases:
        for tool in ("urlfan", "curl"):
            n = by[(case, tool)]["conns"]
            hosts = 1 if case.endswith("sorted") else 2
            assert hosts <= n <= by[(case, tool)]["served"], (case, tool, n)
    # The dead case: both tools tried the host that never answers (the
    # relay accepted there) and still fetched every live URL (nginx's count
    # is checked by the harness: no error).
    for tool in ("urlfan", "curl"):
        assert by[("dead", tool)]["conns_blackhole"] >= 1, by[("dead", tool)]
