"""Problems a fresh pair of eyes found by using narrate as a newcomer and attacking it (branch
fresh-eyes): each test names the input, the exit code and the message, and checks nothing outside
narrate's folders changed."""

from __future__ import annotations

import time

from conftest import assert_clean_failure, narrate, snapshot

FEED_BOOK = ("version: 1\nbooks:\n  notes:\n    title: Field Notes\n    author: Me\n    sources: articles/*.md\n"
             "    output: out\n    formats: [chapters]\n    feed:\n      base_url: https://example.org/notes/\n"
             "      description: Short articles.\n      image: https://example.org/a.png\n{date}")


def _bomb_front_matter() -> str:
    """A 'billion laughs' in a chapter's front matter: 9**9 strings when expanded, 1 KB as written."""
    lines = ["---", "a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join([*lines, "title: *i", "description: *i", "---", "# Roads", "", "Roads are long.", ""])


def _without(shot: dict, *folders: str) -> dict:
    return {k: v for k, v in shot.items() if not any(k == f or k.startswith(f + "/") for f in folders)}


def test_an_alias_bomb_in_a_chapters_front_matter_is_not_expanded(tmp_path):
    """A chapter's front matter was read with plain yaml.safe_load: `narrate plan` then spent minutes
    (and gigabytes) turning 9**9 aliased strings into the feed's recipe. Front matter is bounded like a
    manifest: one that expands past the limit is read as no front matter (never spoken)."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "roads.md").write_text(_bomb_front_matter())
    (tmp_path / "m.yaml").write_text(FEED_BOOK.format(date="      date: 2024-05-01\n"))
    before = snapshot(tmp_path)
    start = time.monotonic()
    done = narrate("plan", "m.yaml", cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start < 30
    assert "2 of 2 segments to synthesize, 20 characters" in done.stdout, done.stdout
    done = narrate("text", "articles/roads.md", cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and done.stdout == "Title: Roads\n\n# Roads\n\nRoads are long.\n", done.stdout
    assert _without(snapshot(tmp_path), ".narrate-cache") == before


def test_an_alias_bomb_in_front_matter_reads_as_none_in_process():
    from narrate.text.markdown import split_front_matter

    start = time.monotonic()
    front, body = split_front_matter(_bomb_front_matter())
    assert (front, body) == ({}, "# Roads\n\nRoads are long.\n")
    assert time.monotonic() - start < 1
    # a cycle through an anchor, and ordinary aliases, still work as before
    assert split_front_matter("---\na: &x [1]\nb: *x\n---\nHi\n") == ({"a": [1], "b": [1]}, "Hi\n")
    assert split_front_matter("---\na: &x [*x]\n---\nHi\n") == ({}, "Hi\n")


def test_an_impossible_date_in_front_matter_is_named_not_dropped_with_the_title(tmp_path):
    """`date: 2024-02-30` made PyYAML raise, so the whole front matter was dropped without a word: the
    episode silently lost its title, guid and description and took feed.date instead, while
    `date: yesterday` was a located error. Both are now the same error."""
    from narrate.text.markdown import split_front_matter

    front, _ = split_front_matter("---\ntitle: My Title\ndate: 2024-02-30\n---\nHi\n")
    assert front == {"title": "My Title", "date": "2024-02-30"}
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "roads.md").write_text("---\ntitle: My Title\ndate: 2024-02-30\n---\n# Roads\n\nLong.\n")
    (tmp_path / "m.yaml").write_text(FEED_BOOK.format(date="      date: 2024-05-01\n"))
    before = snapshot(tmp_path)
    done = narrate("plan", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, "articles/roads.md:3: books.notes.feed: unreadable `date:` in the front matter")
    assert _without(snapshot(tmp_path), ".narrate-cache") == before


def test_a_servers_error_body_cannot_rewrite_the_terminal(tmp_path):
    """A lying server's 400 body with an ANSI colour escape and a right-to-left override (U+202E) went
    to stderr raw in `error: lib/en-US/hi [...]: ... HTTP 400: ...` lines (click strips ANSI only when
    stderr is not a terminal; nothing strips U+202E). Every character is now escaped as the README says."""
    from test_hostile_providers import Scripted

    body = b'{"error": {"message": "\x1b[31mRED\x1b[0m \xe2\x80\xae evil"}}'  # not JSON: raw controls in a string
    (tmp_path / "m.yaml").write_text(
        "version: 1\nproviders:\n  liar:\n    kind: openai\n    base_url: {url}/v1\n    max_attempts: 1\n"
        "libraries:\n  lib:\n    output: out\n    provider: liar\n    formats: [wav]\n"
        "    languages: {{en-US: {{voice: alloy}}}}\n    prompts:\n      hi: Hello there.\n")
    with Scripted(lambda h, _: h.reply(400, body, "application/json")) as server:
        (tmp_path / "m.yaml").write_text((tmp_path / "m.yaml").read_text().replace("{url}", server.url)
                                         .replace("{{", "{").replace("}}", "}"))
        before = snapshot(tmp_path)
        done = narrate("-q", "build", "m.yaml", cwd=tmp_path)
    assert_clean_failure(done, 1, "error: lib/en-US/hi [liar, 12 chars, ",
                         'liar status 400: HTTP 400: {"error": {"message": "\\x1b[31mRED\\x1b[0m \\u202e evil"}}')
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr
    assert _without(snapshot(tmp_path), "out", ".narrate-cache", "narrate.lock") == before


def test_a_voice_list_from_a_lying_server_cannot_rewrite_the_terminal(tmp_path, monkeypatch):
    """`narrate voices` printed an ElevenLabs-compatible server's voice names, labels and descriptions
    as they came: an OSC title escape, a bell, U+202E and newlines that forge table rows reached stdout."""
    import json

    from test_hostile_providers import Handler, Scripted

    listing = {"voices": [{"voice_id": "v1", "name": "Evil\u202eName\x1b]0;pwned\x07",
                           "labels": {"gender": "x\x1b[31m", "description": "d\n\nfake line"}}]}
    monkeypatch.setattr(Handler, "do_GET", lambda h: h.reply(200, json.dumps(listing).encode(), "application/json"),
                        raising=False)
    with Scripted(lambda h, _: h.reply(404, b"", "text/plain")) as server:
        (tmp_path / "m.yaml").write_text(
            f"version: 1\nproviders:\n  el:\n    kind: elevenlabs\n    base_url: {server.url}\n"
            "libraries:\n  a:\n    output: out\n    provider: el\n    formats: [wav]\n"
            "    languages: {en-US: {voice: v1}}\n    prompts:\n      hi: Hello there.\n")
        before = snapshot(tmp_path)
        done = narrate("voices", "--manifest", "m.yaml", "--provider", "el", cwd=tmp_path,
                       env={"ELEVENLABS_API_KEY": "k" * 20})
    assert done.returncode == 0, done.stderr
    assert not any(c in done.stdout for c in "\x1b\x07\u202e"), repr(done.stdout)
    lines = done.stdout.splitlines()
    assert len(lines) == 2, lines  # the header and one voice: no forged rows
    assert lines[1].split() == ["v1", "multilingual", "x\\x1b[31m", "Evil\\u202eName\\x1b]0;pwned\\x07,",
                                "d\\n\\nfake", "line"], lines[1]
    assert snapshot(tmp_path) == before


def test_money_with_a_scale_is_said_whole():
    """`$1.5 million` lost its dollars ("$one point five million": the money pass left decimals with a
    scale "to the decimal pass", which never says the symbol), and the abbreviations articles use glued
    the letter to the currency: `$20k` -> "twenty dollarsk", `$1.5M` -> "one dollar and fifty centsM"."""
    from narrate.text.normalize import normalize

    cases = {"They raised $1.5 million.": "They raised one point five million dollars.",
             "A $20k budget.": "A twenty thousand dollar budget.",  # before its noun: an adjective
             "Revenue hit $1.5M this year.": "Revenue hit one point five million dollars this year.",
             "It cost $5M.": "It cost five million dollars.",
             "Worth $2bn, or USD 3B.": "Worth two billion dollars, or three billion dollars.",
             "$2 million": "two million dollars",  # unchanged
             "It costs $5.": "It costs five dollars.",  # unchanged
             "Only $0.99 today.": "Only ninety-nine cents today."}  # unchanged
    assert {text: normalize(text, "en-US") for text in cases} == cases


def test_money_with_a_scale_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  a:\n    output: out\n    formats: [wav]\n"
                                     "    languages: {en-US: {voice: en-us}}\n    prompts:\n"
                                     "      hi: We raised $1.5M.\n")
    done = narrate("plan", "--json", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = narrate("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import json

    rows = json.loads((tmp_path / "out" / "index.json").read_text())["prompts"]
    assert [(r["text"], r["spoken"]) for r in rows] == [("We raised $1.5M.", "We raised one point five million dollars.")]


def test_zero_shards_is_named_as_such(tmp_path):
    """`--shard 1/0` said "shards are numbered 1 to 1", which 1/0 is not wrong about K; N is the problem."""
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  a:\n    output: out\n    formats: [wav]\n"
                                     "    languages: {en-US: {voice: en-us}}\n    prompts:\n      hi: Hello.\n")
    before = snapshot(tmp_path)
    for value in ("1/0", "0/0"):
        done = narrate("-q", "build", "--shard", value, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, f"error: --shard {value}: K must be between 1 and N, and N at least 1 "
                                      "(N is the number of shards)")
        assert "numbered 1 to 1" not in done.stderr
    assert snapshot(tmp_path) == before


def test_a_nul_in_a_chapter_is_not_spoken_or_captioned_as_a_replacement_character(tmp_path):
    """markdown-it turns NUL into U+FFFD (CommonMark's rule for a renderer): `Hello\\0 world.` reached
    the segment text and the WebVTT cue as "Hello\\ufffd world." while \\x01 and \\x7f were dropped."""
    from narrate.text.markdown import markdown_to_speakable, speakable_text

    doc = markdown_to_speakable("# T\n\nHello\x00 world. Call\x01 us\x7f now.\n")
    assert speakable_text(doc) == "# T\n\nHello world. Call us now.\n"
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "01.md").write_bytes(b"# Title\n\nHello\x00 world.\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b:\n    sources: ch/*.md\n    output: out\n"
                                     "    formats: [chapters]\n    transcripts: {formats: [vtt]}\n")
    done = narrate("text", "ch/01.md", "--manifest", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "Title: Title\n\nTitle\n\nHello world.\n", repr(done.stdout)


def test_a_gzip_bomb_is_decoded_only_up_to_the_cap():
    """httpx decodes each raw chunk whole: one 64 KiB read of a gzip bomb became 64 MB in memory before
    the cap was checked (a narrate build peaked at 335 MB RSS against a 4.7 MB cap, once per request in
    flight). The body is now inflated at most cap + 1 bytes at a time."""
    import gzip
    import tracemalloc

    import httpx
    import pytest

    from narrate.errors import InvalidAudioError
    from narrate.providers.transfer import read_body

    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=1)  # 64 MiB of zeros in ~280 KiB
    for encoding in ("gzip", "x-gzip", "deflate"):
        data = bomb if "gzip" in encoding else __import__("zlib").compress(bytes(64 * 1024 * 1024), 1)
        response = httpx.Response(200, headers={"content-encoding": encoding}, stream=httpx.ByteStream(data))
        tracemalloc.start()
        try:
            with pytest.raises(InvalidAudioError, match="passed the 1000000-byte limit"):
                read_body(response, provider="p", max_bytes=1_000_000, deadline=time.monotonic() + 30, budget_s=30)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8_000_000, (encoding, peak)
    # a well-behaved compressed body still arrives whole
    audio = bytes(range(256)) * 1000
    for encoding, data in (("gzip", gzip.compress(audio)), ("deflate", __import__("zlib").compress(audio)),
                           ("identity", audio)):
        response = httpx.Response(200, headers={"content-encoding": encoding}, stream=httpx.ByteStream(data))
        assert read_body(response, provider="p", max_bytes=1_000_000, deadline=time.monotonic() + 30,
                         budget_s=30) == audio


def test_serve_bounds_request_bodies_and_survives_a_client_that_hangs_up(tmp_path):
    """`narrate serve` read every request body whole with no limit (a client could make it buffer
    gigabytes), and a client that declared a large Content-Length and hung up printed a starlette
    `ClientDisconnect` traceback on the server's console."""
    import socket

    import httpx

    from conftest import serve_process

    with serve_process(tmp_path, "--fault-rate", "0") as url:
        port = int(url.rsplit(":", 1)[1])
        big = httpx.post(url + "/v1/audio/speech", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                         headers={"content-type": "application/json"}, timeout=30)
        assert big.status_code == 413, big.text
        assert big.json()["error"]["message"] == "the body is over 1048576 bytes"
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:  # declares 100 GB: refused unread
            sock.sendall(b"POST /v1/speak HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                         b"content-length: 99999999999\r\n\r\n{}")
            assert sock.recv(64).startswith(b"HTTP/1.1 413 ")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:  # declares 500 KB, sends 2, hangs up
            sock.sendall(b"POST /v1/audio/speech HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                         b"content-length: 500000\r\n\r\n{}")
            time.sleep(0.5)
        ok = httpx.post(url + "/v1/audio/speech", json={"model": "tts-1", "input": "Hello.", "voice": "alloy"},
                        timeout=60)
        assert ok.status_code == 200 and len(ok.content) > 1000
        time.sleep(0.5)
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert "Traceback" not in log and "ClientDisconnect" not in log, log


def test_a_retry_after_past_the_budget_says_why_it_gave_up_at_once():
    """A 429 storm answering `Retry-After: 99999999` failed the segment with `HTTP 429: Too Many Requests
    (gave up after 1 attempt in 0.0s)`: nothing said why a retryable status was not retried."""
    import httpx
    import pytest

    from narrate.errors import ProviderError
    from narrate.providers import http
    from test_http import Script, client, ok

    for after, limit in (("99999999", "max_retry_after_s 120 s"), ("200", "max_retry_after_s 120 s"),
                         ("100", "the 30 s left of max_retry_time_s")):
        script = Script([httpx.Response(429, headers={"retry-after": after})])
        with http.set_testing(), pytest.raises(ProviderError) as info:
            client(script, max_attempts=3, max_retry_time_s=30).call("GET", "/x", handle=ok)
        assert str(info.value).endswith(f"HTTP 429: Too Many Requests (gave up after 1 attempt in 0.0s: the server "
                                        f"asked to wait {int(after)} s, past {limit})"), str(info.value)


def test_init_refused_by_a_symlink_writes_nothing(tmp_path):
    """`narrate init` into a folder whose `.gitignore` (or `content/guide`) is a symlink leading out
    was refused only when it reached that file: narrate.yaml, lexicon.yaml, the chapters and the
    workflow were already written, and a second `init` then refused because they existed."""
    outside = tmp_path / "outside.txt"
    outside.write_text("original\n")
    for link, target in ((".gitignore", outside), ("content/guide", tmp_path / "elsewhere")):
        project = tmp_path / f"p-{link.replace('/', '-')}"
        (project / link).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "elsewhere").mkdir(exist_ok=True)
        (project / link).symlink_to(target)
        before = snapshot(tmp_path)
        done = narrate("init", str(project), cwd=tmp_path)
        assert_clean_failure(done, 1, f"is a symlink to {target}, outside the output folder {project}; "
                                      "nothing written there")
        assert snapshot(tmp_path) == before, link
    assert outside.read_text() == "original\n"
