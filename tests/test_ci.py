"""urlfan in CI jobs and for curl's regulars (issue 22): JUnit and Markdown
reports, --max-failures, --only-failed, curl's auth and TLS options, -H
@FILE, -K config files, a cookie jar, and -O mirrors that refresh with -N
and -R. Against the bundled server, and against Debian's python3-httpbin
where it has the endpoint (started on 127.0.0.1, port 0, by a fixture;
skipped when the package is missing)."""
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import Server, records, run


def seen(srv, tag):
    return srv.seen(tag)


def header_of(req, name):
    return [v for k, v in req["headers"] if k.lower() == name.lower()]


# ---------------------------------------------------------------------------
# 1. Reports CI systems read
# ---------------------------------------------------------------------------

def mixed_urls(srv):
    return [srv.url("/json"), srv.url("/status/404"), srv.url("/status/500?x=<&>"),
            "http://127.0.0.1:1/refused", "http://user:s3cret@127.0.0.1:%d/json?a" % srv.port]


@pytest.mark.parametrize("fmt", [["-J"], ["--format", "text"], ["-w", "%{status}\\n"],
                                 ["--format", "body"]])
def test_junit_report_has_a_testcase_per_request_and_a_failure_per_non_ok(srv, tmp_path, fmt):
    report = tmp_path / "junit.xml"
    urls = mixed_urls(srv)
    p = run([*fmt, "--report-junit", str(report), *urls])
    assert p.returncode == 3, p.stderr
    root = ET.parse(report).getroot()  # Python's XML parser reads it
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    cases = suite.findall("testcase")
    assert len(cases) == len(urls)
    assert sorted(c.get("name") for c in cases) == sorted(
        u.replace("s3cret", "***") for u in urls)
    assert b"s3cret" not in report.read_bytes()
    failures = {c.get("name"): c.find("failure") for c in cases}
    failed = {n: f for n, f in failures.items() if f is not None}
    assert set(failed) == {urls[1], urls[2], urls[3]}
    assert failed[urls[1]].get("type") == "status" and "404" in failed[urls[1]].get("message")
    assert failed[urls[3]].get("type") == "connect" and failed[urls[3]].get("message")
    for attr, want in (("tests", 5), ("failures", 3), ("errors", 0), ("skipped", 0)):
        assert int(suite.get(attr)) == want and int(root.get(attr)) == want, attr
    assert all(float(c.get("time")) >= 0 for c in cases)
    assert float(suite.get("time")) >= 0 and suite.get("timestamp")
    # Nothing is left beside it.
    assert os.listdir(tmp_path) == ["junit.xml"]


def test_markdown_report_has_totals_slowest_and_every_failure(srv, tmp_path):
    md = tmp_path / "summary.md"
    urls = mixed_urls(srv) + [srv.url("/delay/0.3")]
    p = run(["-J", "--no-body", "--report-markdown", str(md), *urls])
    assert p.returncode == 3
    text = md.read_text()
    assert text.startswith("## urlfan: 6 requests, 3 ok, 3 failed\n")
    assert "| 6 | 3 | 3 | 0 |" in text
    slowest = text.split("### Slowest requests", 1)[1].split("###", 1)[0]
    rows = [l for l in slowest.splitlines() if l.startswith("| ") and " s |" in l]
    assert "/delay/0.3" in rows[0]  # slowest first
    failures = text.split("### Failures", 1)[1]
    rows = [l for l in failures.splitlines() if l.startswith("| ") and "---" not in l][1:]
    assert len(rows) == 3
    assert any(r.startswith("| 404 | status |") for r in rows)
    assert any(r.startswith("| - | connect |") for r in rows)
    # Markdown's own characters in a URL do not break the table.
    assert all(r.count(" | ") == 3 for r in rows), rows
    assert "s3cret" not in text
    # All ok: no failures table.
    run(["-J", "--report-markdown", str(md), srv.url("/json")])
    assert "No failures." in md.read_text()


def test_reports_are_written_after_an_early_stop_with_skipped_requests(srv, tmp_path):
    report, md = tmp_path / "j.xml", tmp_path / "m.md"
    urls = [srv.url("/status/500?tag=stopj")] + [srv.url("/json?tag=stopj&n=%d" % i)
                                                 for i in range(30)]
    p = run(["-J", "--no-body", "-j", "1", "--fail-early", "--report-junit", str(report),
             "--report-markdown", str(md), *urls])
    assert p.returncode == 1, p.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    cases = suite.findall("testcase")
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert skipped and int(suite.get("skipped")) == len(skipped)
    assert all("--max-failures 1" in c.find("skipped").get("message") for c in skipped)
    assert int(suite.get("failures")) == 1
    assert "The run stopped early: --max-failures 1 reached." in md.read_text()


def test_a_report_that_cannot_be_written_is_exit_3(srv, tmp_path):
    p = run(["-J", "--report-junit", str(tmp_path / "no" / "dir" / "j.xml"), srv.url("/json")])
    assert p.returncode == 3 and b"--report-junit: cannot write" in p.stderr


# ---------------------------------------------------------------------------
# 2. Stopping early
# ---------------------------------------------------------------------------

def test_max_failures_makes_far_fewer_requests_than_the_list_holds(srv, tmp_path):
    lines = [srv.url("/status/500?tag=maxf&i=%d" % i) for i in range(3)]
    lines += [srv.url("/json?tag=maxf&i=%d" % i) for i in range(300)]
    f = tmp_path / "urls.txt"
    f.write_text("\n".join(lines) + "\n")
    p = run(["-J", "--no-body", "-j", "2", "--max-failures", "1", "-i", str(f)])
    made = len(seen(srv, "maxf"))
    assert made <= 4, made  # the failure and what was in flight beside it
    assert p.returncode == 1, p.stderr  # a status: the failures' exit status
    assert b"--max-failures" in p.stderr
    recs = records(p.stdout)
    started = [r for r in recs if r["attempts"]]
    assert len(started) == made
    for r in recs:
        if not r["attempts"]:
            assert r["error"] == {"kind": "aborted",
                                  "message": "not started: --max-failures 1 reached"}
    # Without the limit, every line is fetched.
    srv.reset()
    run(["-J", "--no-body", "-j", "2", "-i", str(f)])
    assert len(seen(srv, "maxf")) == len(lines)


def test_max_failures_loses_nothing_with_save_unfinished(srv, tmp_path):
    lines = [srv.url("/json?tag=mfsave&i=0"), "http://127.0.0.1:1/a", "http://127.0.0.1:1/b"]
    lines += [srv.url("/json?tag=mfsave&i=%d" % i) for i in range(1, 200)]
    f, left = tmp_path / "urls.txt", tmp_path / "left.txt"
    f.write_text("\n".join(lines) + "\n")
    p = run(["-J", "--no-body", "-j", "1", "--max-failures", "2", "--save-unfinished",
             str(left), "-i", str(f)])
    assert p.returncode == 3, p.stderr  # connect errors
    ok = {r["url"] for r in records(p.stdout) if r["ok"]}
    saved = left.read_text().split()
    assert sorted(ok | set(saved)) == sorted(lines) and not ok & set(saved)
    assert len(seen(srv, "mfsave")) < 10


def test_fail_early_is_max_failures_1_and_retries_count_once(srv):
    urls = [srv.url("/status/503?tag=fe1")] + [srv.url("/json?tag=fe1&i=%d" % i)
                                               for i in range(20)]
    p = run(["-J", "--no-body", "-j", "1", "--fail-early", "--retry", "2", "--retry-delay", "0",
             *urls])
    assert p.returncode == 1
    heads = seen(srv, "fe1")
    assert [h["target"].split("?")[0] for h in heads] == ["/status/503"] * 3


# ---------------------------------------------------------------------------
# 3. A failures-only view
# ---------------------------------------------------------------------------

def test_only_failed_keeps_the_records_lines_and_text_of_failures(srv):
    urls = [srv.url("/json"), srv.url("/status/404"), srv.url("/json?2"),
            "http://127.0.0.1:1/x"]
    p = run(["-J", "--no-body", "--only-failed", *urls])
    assert p.returncode == 3
    assert sorted(r["index"] for r in records(p.stdout)) == [1, 3]
    p = run(["-w", "%{index} %{ok}\\n", "--only-failed", *urls])
    assert sorted(p.stdout.decode().splitlines()) == ["1 false", "3 false"]
    p = run(["--format", "text", "--color", "never", "--only-failed", *urls])
    out = p.stdout.decode()
    assert "/status/404" in out and "ERR http://127.0.0.1:1/x" in out
    assert "/json" not in out
    # --order input does not wait for the records left out.
    p = run(["-J", "--no-body", "--order", "input", "--only-failed", *urls])
    assert [r["index"] for r in records(p.stdout)] == [1, 3]


# ---------------------------------------------------------------------------
# 4. curl's options that libcurl already does
# ---------------------------------------------------------------------------

def body_of(p):
    recs = records(p.stdout)
    assert len(recs) == 1, p.stderr
    return recs[0]["body"]


def test_header_file_sends_each_header(srv, tmp_path):
    hf = tmp_path / "headers.txt"
    hf.write_text("X-One: 1\r\nX-Two: two words\n\n# a comment\nAuthorization: Bearer hidden\n")
    p = run(["-J", "-H", "X-Zero: 0", "-H", "@%s" % hf, "-vv", srv.url("/headers?tag=hfile")])
    (req,) = seen(srv, "hfile")
    assert header_of(req, "X-Zero") == ["0"]
    assert header_of(req, "X-One") == ["1"]
    assert header_of(req, "X-Two") == ["two words"]
    assert header_of(req, "Authorization") == ["Bearer hidden"]
    assert b"hidden" not in p.stderr  # masked in the trace, as -u is
    bad = tmp_path / "bad.txt"
    bad.write_text("X-One: 1\nno colon here\n")
    p = run(["-J", "-H", "@%s" % bad, srv.url("/headers")])
    assert p.returncode == 2 and b"no colon here" in p.stderr


def test_oauth2_bearer_aws_sigv4_and_proxy_user_are_sent_and_masked(srv):
    # --no-body: the server's body echoes what it got.
    p = run(["-J", "--no-body", "-vv", "--oauth2-bearer", "tok-123-secret",
             srv.url("/headers?tag=bearer")])
    (req,) = seen(srv, "bearer")
    assert header_of(req, "Authorization") == ["Bearer tok-123-secret"]
    assert b"tok-123-secret" not in p.stderr and b"tok-123-secret" not in p.stdout
    p = run(["-J", "--no-body", "-vv", "--aws-sigv4", "aws:amz:us-east-1:s3", "-u", "AKIDEXAMPLE:sig-secret",
             srv.url("/headers?tag=sigv4")])
    (req,) = seen(srv, "sigv4")
    (auth,) = header_of(req, "Authorization")
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), auth
    assert header_of(req, "x-amz-date")
    assert b"sig-secret" not in p.stderr + p.stdout
    # -U: the proxy's credentials go to the proxy (here the server acts
    # as one: libcurl sends the absolute URL and Proxy-Authorization).
    p = run(["-J", "--no-body", "-vv", "-x", srv.url(""), "-U", "pu:proxy-secret",
             "http://proxied.example/headers?tag=proxyuser"])
    (req,) = seen(srv, "proxyuser")
    assert header_of(req, "Proxy-Authorization") == ["Basic cHU6cHJveHktc2VjcmV0"]
    assert b"proxy-secret" not in p.stderr + p.stdout
    p = run(["-J", "--aws-sigv4", "aws:amz", srv.url("/json")])
    assert p.returncode == 2 and b"--aws-sigv4 needs --user" in p.stderr


def test_retry_all_errors_retries_a_404(srv):
    p = run(["-J", "--no-body", "--retry", "2", "--retry-delay", "0", "--retry-all-errors",
             srv.url("/status/404?tag=rae")])
    assert records(p.stdout)[0]["attempts"] == 3
    assert len(seen(srv, "rae")) == 3
    run(["-J", "--no-body", "--retry", "2", srv.url("/status/404?tag=rae2")])
    assert len(seen(srv, "rae2")) == 1


@pytest.mark.parametrize("args,hint", [
    (["--proxy-digest"], b"use -U USER:PASSWORD"),
    (["--tlsv1.1"], b"use --tlsv1.2"),
    (["-z", "x"], b"use -O DIR -N"),
    (["--etag-save", "x"], b"use -O DIR -N"),
])
def test_curl_options_still_not_taken_say_what_to_do(srv, args, hint):
    p = run([*args, srv.url("/json")])
    assert p.returncode == 2 and hint in p.stderr, p.stderr
    assert p.stderr.count(b"\n") == 1


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "server.pem"), str(d / "server-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-days", "2", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    # --pinnedpubkey's sha256//BASE64 of the key, as curl's man page makes it.
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"],
                         check=True, capture_output=True, timeout=60).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         check=True, capture_output=True, timeout=60).stdout
    import base64
    import hashlib
    pin = "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    capath = d / "capath"
    capath.mkdir()
    shutil.copy(cert, capath / "server.pem")
    subprocess.run(["openssl", "rehash", str(capath)], check=True, capture_output=True,
                   timeout=60)
    s = Server(["--tls-cert", cert, "--tls-key", key])
    s.cert, s.pin, s.capath = cert, pin, str(capath)
    yield s
    s.stop()


def test_tls_versions_pins_capath_and_ciphers(tls):
    url = "https://localhost:%d/json" % tls.ports["TLSPORT"]
    base = ["-J", "--no-body", "--resolve", "localhost:%d:127.0.0.1" % tls.ports["TLSPORT"]]

    def one(*args):
        (r,) = records(run([*base, *args, url]).stdout)
        return r

    assert one("--cacert", tls.cert, "--tlsv1.2", "--tls-max", "1.2")["ok"]
    assert one("--cacert", tls.cert, "--tlsv1.3")["ok"]
    assert one("--capath", tls.capath)["ok"]
    assert one("--cacert", tls.cert, "--pinnedpubkey", tls.pin)["ok"]
    bad = one("--cacert", tls.cert, "--pinnedpubkey",
              "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    assert not bad["ok"] and bad["error"]["kind"] == "tls"
    assert one("--cacert", tls.cert, "--tls-max", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256")["ok"]
    assert one("--cacert", tls.cert, "--tlsv1.3", "--tls13-ciphers", "TLS_AES_128_GCM_SHA256")["ok"]
    assert not one("--cacert", tls.cert, "--tls-max", "1.2", "--ciphers", "NO-SUCH-CIPHER")["ok"]
    # A certificate missing from --capath is not trusted.
    assert not one("--capath", os.path.dirname(tls.capath))["ok"]


# ---------------------------------------------------------------------------
# 5. Config files in curl's syntax
# ---------------------------------------------------------------------------

def test_config_file_with_url_and_header_lines(srv, tmp_path):
    conf = tmp_path / "ci.conf"
    conf.write_text("# shared by the CI jobs\n"
                    "url = \"%s\"\n"
                    "header = \"X-From-Config: yes, it is\"\n"
                    "--user-agent: ci-bot/1\n"
                    "-J\n"
                    "no-body\n" % srv.url("/headers?tag=kconf"))
    p = run(["-K", str(conf)], env={"XDG_CONFIG_HOME": str(tmp_path / "none")})
    assert p.returncode == 0, p.stderr
    (rec,) = records(p.stdout)
    (req,) = seen(srv, "kconf")
    assert header_of(req, "X-From-Config") == ["yes, it is"]
    assert header_of(req, "User-Agent") == ["ci-bot/1"]
    assert "body" not in rec
    bad = tmp_path / "bad.conf"
    bad.write_text("silent\nretry three\n")
    p = run(["-K", str(bad), srv.url("/json")])
    assert p.returncode == 2 and b"--retry: 'three'" in p.stderr


def test_default_config_file_is_read_first_unless_disable(srv, tmp_path):
    d = tmp_path / "xdg" / "urlfan"
    d.mkdir(parents=True)
    (d / "config").write_text("header = \"X-Default: 1\"\nformat ndjson\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    p = run(["--no-body", srv.url("/headers?tag=defconf")], env=env)
    (req,) = seen(srv, "defconf")
    assert header_of(req, "X-Default") == ["1"]
    assert records(p.stdout)[0]["status"] == 200  # ndjson from the file
    # The command line comes after it: its --format wins.
    p = run(["--format", "text", "--color", "never", srv.url("/json")], env=env)
    assert p.stdout.startswith(b"200 ")
    p = run(["-q", "-J", srv.url("/headers?tag=defconf2")], env=env)
    (req,) = seen(srv, "defconf2")
    assert not header_of(req, "X-Default")
    # Without XDG_CONFIG_HOME: ~/.config/urlfan/config.
    home = tmp_path / "home"
    (home / ".config" / "urlfan").mkdir(parents=True)
    (home / ".config" / "urlfan" / "config").write_text("header = \"X-Home: 1\"\n")
    run(["-J", srv.url("/headers?tag=homeconf")], env={"HOME": str(home), "XDG_CONFIG_HOME": ""})
    (req,) = seen(srv, "homeconf")
    assert header_of(req, "X-Home") == ["1"]


def test_the_suite_does_not_read_the_developers_config(srv, tmp_path):
    # conftest points XDG_CONFIG_HOME at an empty directory, so a config
    # file in the developer's home changes nothing the suite sees.
    home = tmp_path / "home"
    (home / ".config" / "urlfan").mkdir(parents=True)
    (home / ".config" / "urlfan" / "config").write_text("header = \"X-Mine: 1\"\n")
    run(["-J", srv.url("/headers?tag=mine")], env={"HOME": str(home)})
    (req,) = seen(srv, "mine")
    assert not header_of(req, "X-Mine")


# ---------------------------------------------------------------------------
# 6. A cookie jar
# ---------------------------------------------------------------------------

def jar_cookies(path):
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            f = line.split("\t")
            assert len(f) == 7, line  # Netscape format
            out[f[5]] = f[6]
    return out


def test_cookie_jar_shares_one_store_and_is_written_at_the_end(srv, tmp_path):
    jar = tmp_path / "jar.txt"
    p = run(["-J", "-j", "1", "-c", str(jar), srv.url("/set-cookie?sess=abc"),
             srv.url("/headers?tag=jar1")])
    assert p.returncode == 0, p.stderr
    (req,) = seen(srv, "jar1")
    assert header_of(req, "Cookie") == ["sess=abc"]  # set by another request of the run
    assert jar_cookies(jar) == {"sess": "abc"}
    assert oct(os.stat(jar).st_mode & 0o777) == "0o600"
    # Log in, then fetch: a second run reads the jar with -b and adds to it.
    p = run(["-J", "-b", str(jar), "-c", str(jar), srv.url("/headers?tag=jar2"),
             srv.url("/set-cookie?more=1")])
    (req,) = seen(srv, "jar2")
    assert header_of(req, "Cookie") == ["sess=abc"]
    assert jar_cookies(jar) == {"sess": "abc", "more": "1"}
    # A jar that cannot be written: one message, exit status 3.
    p = run(["-J", "-c", str(tmp_path / "no" / "jar"), srv.url("/set-cookie?z=1")])
    assert p.returncode == 3 and b"--cookie-jar: cannot write" in p.stderr
    # Without -c each request starts from -b's cookies alone.
    run(["-J", "-j", "1", "-b", "x=1", srv.url("/set-cookie?y=2"), srv.url("/headers?tag=jar3")])
    (req,) = seen(srv, "jar3")
    assert header_of(req, "Cookie") == ["x=1"]


# ---------------------------------------------------------------------------
# 7. Mirrors that refresh
# ---------------------------------------------------------------------------

def test_newer_makes_only_conditional_requests_over_an_unchanged_list(srv, tmp_path):
    out = tmp_path / "mirror"
    urls = [srv.url("/lastmod/a?tag=mir"), srv.url("/lastmod/b?tag=mir"),
            srv.url("/lastmod/c?tag=mir")]
    args = ["-J", "-O", str(out), "--name", "%{path}", "-N", "-R", *urls]
    first = records(run(args).stdout)
    assert sorted(r["file_state"] for r in first) == ["new"] * 3
    files = sorted(os.listdir(out / "lastmod"))
    assert files == ["a", "b", "c"]
    # -R: the files carry the server's Last-Modified.
    lm = 1445412480  # Wed, 21 Oct 2015 07:28:00 GMT
    assert all(os.stat(out / "lastmod" / f).st_mtime == lm for f in files)
    assert all(not header_of(h, "If-Modified-Since") for h in seen(srv, "mir"))
    srv.reset()
    again = records(run(args).stdout)
    heads = seen(srv, "mir")
    assert len(heads) == 3
    assert all(header_of(h, "If-Modified-Since") == ["Wed, 21 Oct 2015 07:28:00 GMT"]
               for h in heads)
    assert all(r["status"] == 304 and r["file_state"] == "kept" and r["ok"] for r in again)
    assert sorted(r["file"] for r in again) == sorted(r["file"] for r in first)
    assert sorted(os.listdir(out / "lastmod")) == files  # no a.1 copies
    # A file older than the document is refreshed in place.
    os.utime(out / "lastmod" / "a", (1000000000, 1000000000))
    (out / "lastmod" / "a").write_text("stale")
    os.utime(out / "lastmod" / "a", (1000000000, 1000000000))
    third = {r["url"]: r for r in records(run(args).stdout)}
    assert third[urls[0]]["file_state"] == "refreshed" and third[urls[0]]["status"] == 200
    assert json.loads((out / "lastmod" / "a").read_text()) == {"doc": "a"}
    assert sorted(os.listdir(out / "lastmod")) == files
    # Without -N a rerun writes copies, as before.
    run(["-J", "-O", str(out), "--name", "%{path}", urls[1]])
    assert "b.1" in os.listdir(out / "lastmod")


def test_newer_and_remote_time_need_output_dir(srv):
    for opt in ("-N", "-R"):
        p = run([opt, srv.url("/json")])
        assert p.returncode == 2 and b"needs --output-dir" in p.stderr


# ---------------------------------------------------------------------------
# Against Debian's python3-httpbin
# ---------------------------------------------------------------------------

HTTPBIN = r"""
from werkzeug.serving import make_server
from httpbin import app
s = make_server("127.0.0.1", 0, app, threaded=True)
print("PORT", s.server_port, flush=True)
s.serve_forever()
"""


@pytest.fixture(scope="module")
def httpbin():
    py = "/usr/bin/python3"
    probe = subprocess.run([py, "-c", "import httpbin, werkzeug"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("python3-httpbin is not installed (scripts/setup installs it)")
    proc = subprocess.Popen([py, "-c", HTTPBIN], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().split()
    assert line and line[0] == "PORT", line
    base = "http://127.0.0.1:%s" % line[1]
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_httpbin_digest_basic_and_bearer(httpbin):
    p = run(["-J", "--digest", "-u", "u:p", httpbin + "/digest-auth/auth/u/p"])
    (r,) = records(p.stdout)
    assert r["status"] == 200 and r["body"] == {"authenticated": True, "user": "u"}
    # Without --digest the same URL refuses Basic.
    (r,) = records(run(["-J", "-u", "u:p", httpbin + "/digest-auth/auth/u/p"]).stdout)
    assert r["status"] == 401
    (r,) = records(run(["-J", "--anyauth", "-u", "u:p", httpbin + "/digest-auth/auth/u/p"]).stdout)
    assert r["status"] == 200
    (r,) = records(run(["-J", "--basic", "-u", "u:p", httpbin + "/basic-auth/u/p"]).stdout)
    assert r["status"] == 200 and r["body"]["authenticated"] is True
    p = run(["-J", "--oauth2-bearer", "tok-xyz", httpbin + "/bearer"])
    (r,) = records(p.stdout)
    assert r["status"] == 200 and r["body"] == {"authenticated": True, "token": "tok-xyz"}
    (r,) = records(run(["-J", httpbin + "/bearer"]).stdout)
    assert r["status"] == 401


def test_httpbin_header_file_and_config_file(httpbin, tmp_path):
    hf = tmp_path / "h.txt"
    hf.write_text("X-A: 1\nX-B: 2\n")
    (r,) = records(run(["-J", "-H", "@%s" % hf, httpbin + "/headers"]).stdout)
    assert r["body"]["headers"]["X-A"] == "1" and r["body"]["headers"]["X-B"] == "2"
    conf = tmp_path / "c.conf"
    conf.write_text("url = %s/headers\nheader = \"X-Conf: from -K\"\n-J\n" % httpbin)
    (r,) = records(run(["-K", str(conf)]).stdout)
    assert r["body"]["headers"]["X-Conf"] == "from -K"


def test_httpbin_cookie_jar_holds_the_cookie_it_set(httpbin, tmp_path):
    jar = tmp_path / "jar"
    p = run(["-J", "-c", str(jar), httpbin + "/cookies/set?flavour=oat"])
    (r,) = records(p.stdout)
    # /cookies/set redirects to /cookies, which shows what came back.
    assert r["status"] == 200 and r["body"] == {"cookies": {"flavour": "oat"}}
    assert jar_cookies(jar) == {"flavour": "oat"}
    (r,) = records(run(["-J", "-b", str(jar), httpbin + "/cookies"]).stdout)
    assert r["body"] == {"cookies": {"flavour": "oat"}}
