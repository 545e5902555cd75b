"""Every example command in README.md (sections "Use" and "Cookbook") and in
the man page's EXAMPLES section runs, against the test server, and gives
sensible output. The zsh and fish completions offer exactly the long
options of --help (the bash one is checked in test_output.py), and
`meson install` puts the program, the man page and the three completions
in place.

Each example runs with `sh -c` in a temporary directory holding urls.txt (a
few of the test server's JSON URLs), with http://localhost:8080 replaced by
the server's address and a PATH whose first entry holds a link `urlfan` to
the binary under test."""
import json
import os
import pty
import re
import select
import shutil
import subprocess
import time

import pytest

from conftest import URLFAN, records, run

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("URLFAN_SOURCE_ROOT") or os.path.dirname(TESTS_DIR)
README = os.path.join(SOURCE_ROOT, "README.md")
MAN_PAGE = os.path.join(SOURCE_ROOT, "man", "urlfan.1.scd")
COMPLETIONS = os.path.join(SOURCE_ROOT, "completions")
DOC_BASE = "http://localhost:8080"
# urls.txt: JSON endpoints only, since the README's jq example reads
# .body.name from every record ("A list of JSON APIs into jq").
URL_PATHS = ["/json", "/delay/0?x=1", "/json?x=1"]


def markdown_sections(text):
    sections, name = {}, None
    for line in text.splitlines():
        m = re.match(r"^#{1,6} (.*)$", line)
        if m:
            name = m.group(1).strip()
            sections[name] = []
        elif name is not None:
            sections[name].append(line)
    return sections


def readme_examples():
    """Command lines of the 4-space-indented code blocks in "Use" and
    "Cookbook": not comments, not continuation lines of a sample record."""
    with open(README, encoding="utf-8") as f:
        sections = markdown_sections(f.read())
    out, samples = [], []
    for name in ("Use", "Cookbook"):
        assert name in sections, "README.md has no section %r" % name
        for line in sections[name]:
            if not line.startswith("    "):
                continue
            code = line[4:]
            if not code.strip() or code.startswith("#"):
                continue
            if code.startswith((" ", "{")):  # a sample record, not a command
                samples.append(code)
                continue
            out.append((name, code))
    return out, samples


def unescape_scdoc(text):
    return re.sub(r"\\(.)", r"\1", text)


def man_examples_section():
    with open(MAN_PAGE, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^# EXAMPLES\n(.*?)(?=^# |\Z)", text, re.M | re.S)
    assert m, "the man page has no EXAMPLES section"
    return m.group(1)


def man_examples():
    """The commands of the EXAMPLES section's literal blocks (```), a
    command continued over lines by a trailing backslash or pipe joined."""
    out = []
    for block in re.findall(r"^```\n(.*?)^```$", man_examples_section(), re.M | re.S):
        cmd = unescape_scdoc(block).replace("\\\n", " ")
        cmd = re.sub(r"\|\n\s*", "| ", cmd)
        out += [("EXAMPLES", line) for line in cmd.splitlines() if line.strip()]
    return out


README_EXAMPLES, README_SAMPLES = readme_examples()
MAN_EXAMPLES = man_examples()


def test_examples_are_found():
    # The tests below must not pass vacuously.
    assert len(README_EXAMPLES) >= 5, README_EXAMPLES
    assert len(MAN_EXAMPLES) >= 5, MAN_EXAMPLES
    for _, cmd in README_EXAMPLES + MAN_EXAMPLES:
        assert re.search(r"(^|\| *)(echo .*\| *)?urlfan\b", cmd), cmd


@pytest.fixture
def workdir(srv, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(os.path.abspath(URLFAN), str(bindir / "urlfan"))
    cwd = tmp_path / "work"
    cwd.mkdir()
    (cwd / "urls.txt").write_text("".join(srv.url(p) + "\n" for p in URL_PATHS))
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return cwd, env


def run_example(cmd, srv, workdir):
    cwd, env = workdir
    base = "http://127.0.0.1:%d" % srv.port
    assert DOC_BASE in cmd or "urls.txt" in cmd, cmd  # it talks to the server
    shell_cmd = cmd.replace(DOC_BASE, base)
    p = subprocess.run(["sh", "-c", shell_cmd], cwd=str(cwd), env=env, capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    assert p.returncode == 0, "%s\nexit %d\nstdout: %r\nstderr: %r" % (
        shell_cmd, p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    # It went through the link on PATH, to the server.
    assert srv.stats()["total"] > 0, shell_cmd
    return p, cwd


def check_output(cmd, p, cwd):
    outputs = re.findall(r">\s*([\w.-]+)", cmd)
    if outputs:
        # Every request line has exactly one record over the output files
        # (a second run with --skip-done adds none).
        indexes = []
        for name in outputs:
            path = cwd / name
            assert path.is_file(), (cmd, name)
            recs = records(path.read_bytes())
            assert all(r["ok"] for r in recs)
            if "--order input" in cmd:
                assert [r["index"] for r in recs] == sorted(r["index"] for r in recs)
            indexes += [r["index"] for r in recs]
        assert sorted(indexes) == list(range(len(URL_PATHS))), (cmd, indexes)
    else:
        assert p.stdout.strip(), cmd
    m = re.search(r"-O (\S+)", cmd)
    if m:
        d = cwd / m.group(1)
        files = [os.path.join(dp, f) for dp, _, fs in os.walk(d) for f in fs]
        assert len(files) == len(URL_PATHS), files
        assert all(os.path.getsize(f) > 0 for f in files)
    if "| jq" in cmd:
        assert b"error" not in p.stderr.lower(), p.stderr


@pytest.mark.parametrize("section,cmd", README_EXAMPLES, ids=lambda v: v[:60])
def test_readme_example_runs(srv, workdir, section, cmd):
    p, cwd = run_example(cmd, srv, workdir)
    check_output(cmd, p, cwd)


@pytest.mark.parametrize("section,cmd", MAN_EXAMPLES, ids=lambda v: v[:60])
def test_man_page_example_runs(srv, workdir, section, cmd):
    p, cwd = run_example(cmd, srv, workdir)
    check_output(cmd, p, cwd)


def test_readme_sample_record_matches_a_real_one(srv):
    """The README's sample -J record has the fields, in the order, that a
    real record of /json has."""
    assert README_SAMPLES, "README.md shows no sample record"
    sample = json.loads(" ".join(README_SAMPLES))
    p = run(["-J", srv.url("/json")])
    (real,) = records(p.stdout)
    assert list(sample) == list(real)
    assert list(sample["time"]) == list(real["time"])
    for key in ("index", "method", "status", "ok", "http_version", "content_type", "attempts"):
        assert type(sample[key]) is type(real[key]), key


def test_meson_install_puts_everything_in_place(tmp_path):
    """`meson install --destdir X` installs the program, the man page and
    the bash completion, and the installed program runs."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(URLFAN)))
    if not os.path.exists(os.path.join(build, "build.ninja")):
        pytest.skip("URLFAN is not inside a meson build directory")
    dest = tmp_path / "dest"
    p = subprocess.run(["meson", "install", "-C", build, "--destdir", str(dest),
                        "--no-rebuild", "--quiet"], capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    found = {os.path.relpath(os.path.join(d, f), dest)
             for d, _, files in os.walk(dest) for f in files}
    binary = [f for f in found if f.endswith("bin/urlfan")]
    man = [f for f in found if f.endswith("man1/urlfan.1")]
    completion = [f for f in found if f.endswith("bash-completion/completions/urlfan")]
    zsh = [f for f in found if f.endswith("zsh/site-functions/_urlfan")]
    fish = [f for f in found if f.endswith("fish/vendor_completions.d/urlfan.fish")]
    assert binary and man and completion and zsh and fish, sorted(found)
    # Each completion as it is in the source tree, and all under one prefix.
    for got, src in ((completion[0], "urlfan.bash"), (zsh[0], "_urlfan"),
                     (fish[0], "urlfan.fish")):
        with open(os.path.join(COMPLETIONS, src), "rb") as f:
            assert (dest / got).read_bytes() == f.read(), got
    prefix = binary[0].rsplit("bin/urlfan", 1)[0]
    assert all(f.startswith(prefix) for f in completion + zsh + fish), (prefix, found)
    p = subprocess.run([str(dest / binary[0]), "--version"], capture_output=True, timeout=10)
    assert p.returncode == 0 and p.stdout.startswith(b"urlfan ")
    text = (dest / man[0]).read_text()
    assert ".TH" in text and "urlfan" in text


# ---------------------------------------------------------------------------
# zsh and fish completions against --help
# ---------------------------------------------------------------------------


def help_long_options():
    p = run(["--help"])
    assert p.returncode == 0
    opts = set(re.findall(r"^\s+(?:-\w, )?(--[a-z0-9][a-z0-9.-]*)", p.stdout.decode(), re.M))
    assert len(opts) >= 60, opts  # the parse found the option list
    return opts


def read(name):
    with open(os.path.join(COMPLETIONS, name), encoding="utf-8") as f:
        return f.read()


def test_zsh_completion_lists_every_long_option():
    text = read("_urlfan")
    assert text.startswith("#compdef urlfan\n")
    # The option specs: '--opt[...]', '(-x --opt)'{-x,--opt}'[...]', '*--opt[...]'.
    specs = set(re.findall(r"'\*?(--[a-z0-9][a-z0-9.-]*)=?-?\[", text))
    specs |= set(re.findall(r"\{-\w,(--[a-z0-9][a-z0-9.-]*)\}", text))
    helped = help_long_options()
    assert specs == helped, (sorted(helped - specs), sorted(specs - helped))


def test_fish_completion_lists_every_long_option():
    text = read("urlfan.fish")
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    assert all(l.startswith("complete -c urlfan ") for l in lines), lines
    longs = {"--" + m for m in re.findall(r" -l (\S+)", text)}
    helped = help_long_options()
    assert longs == helped, (sorted(helped - longs), sorted(longs - helped))
    # Short options go with their long ones, as --help pairs them.
    pairs = dict(re.findall(r"^\s+(-\w), (--[a-z0-9.-]+)", run(["--help"]).stdout.decode(), re.M))
    fished = {"-" + s: "--" + l for s, l in re.findall(r" -s (\S) -l (\S+)", text)}
    assert fished == pairs


def test_fish_completes_every_long_option_and_values():
    fish = shutil.which("fish")
    if not fish:
        pytest.skip("fish is not installed (scripts/test installs it)")
    path = os.path.join(COMPLETIONS, "urlfan.fish")

    def complete(line):
        p = subprocess.run([fish, "--no-config", "-c", 'source "$argv[1]"; complete -C "$argv[2]"',
                            path, line], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return {l.split("\t")[0] for l in p.stdout.splitlines()}

    assert complete("urlfan --") == help_long_options()
    assert complete("urlfan --format ") == {"text", "ndjson", "json", "body"}
    assert complete("urlfan --cert-type ") == {"PEM", "DER", "P12"}


def test_zsh_completes_options_and_values():
    """zsh, interactive on a pty, loads _urlfan from $fpath and completes."""
    zsh = shutil.which("zsh")
    if not zsh:
        pytest.skip("zsh is not installed (scripts/test installs it)")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm", "HOME": "/nonexistent"}
    master, slave = pty.openpty()
    proc = subprocess.Popen([zsh, "-f", "-i"], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    seen = [b""]

    def until(pattern):
        deadline = time.monotonic() + 30
        while not re.search(pattern, seen[0]):
            left = deadline - time.monotonic()
            assert left > 0, "no %r from zsh: %r" % (pattern, seen[0][-2000:])
            if select.select([master], [], [], left)[0]:
                seen[0] += os.read(master, 65536)

    try:
        os.write(master, b"fpath=(%s $fpath); autoload -U compinit; compinit -u; "
                         b"echo READY-$((6*7))\n" % COMPLETIONS.encode())
        until(rb"READY-42")
        os.write(master, b"urlfan --limit-r\t")
        # The one option with that prefix, inserted (and a space, shown
        # bold while zsh may take it back).
        until(rb"urlfan --limit-rate(\x1b\[1m)? ")
        os.write(master, b"\x15urlfan --cert-type \t")  # ^U: a new line
        until(rb"DER\s+P12\s+PEM|PEM\s+DER\s+P12|DER.*P12.*PEM")
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def test_man_page_examples_survive_80_columns(tmp_path):
    """MANWIDTH=80 man: the examples are literal blocks, so no example URL
    is filled, hyphenated (U+2010) or cut, and every example line fits."""
    if not (shutil.which("scdoc") and shutil.which("man")):
        pytest.skip("scdoc or man missing")
    page = tmp_path / "urlfan.1"
    with open(MAN_PAGE, "rb") as src, open(page, "wb") as dst:
        subprocess.run(["scdoc"], stdin=src, stdout=dst, check=True, timeout=60)
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
    shown = subprocess.run(["man", "-l", str(page)], env=env, capture_output=True, check=True,
                           timeout=60).stdout.decode()
    shown = re.sub(r".\x08", "", shown)  # overstrike bold/underline
    section = shown.split("\nEXAMPLES\n", 1)[1].split("\nSEE ALSO\n", 1)[0]
    urls = [u for _, cmd in MAN_EXAMPLES for u in re.findall(r"https?://[^\s'\"]+", cmd)]
    assert len(urls) >= 6, urls
    for url in urls:
        assert url in section, url
    example_lines = [line for line in section.splitlines() if line.startswith(" " * 11)]
    assert len(example_lines) >= len(MAN_EXAMPLES)
    for line in example_lines:
        assert "\u2010" not in line and len(line) <= 80, line
