"""The written text stays the written text (issue 11 item 6, DESIGN.md 2.12): index.json, the lock,
release transcripts and the review page show what the author wrote, with the spoken form beside it
where the lexicon or the normaliser changed it."""

from __future__ import annotations

import json
import tarfile

import pytest

from conftest import narrate_in
from fakes import FakeProvider
from narrate.manifest import load_manifest
from narrate.plan import plan_manifest
from narrate.prepare import load_lexicon

MANIFEST = """\
version: 1
lexicon: {Northwind: North wind}
package: {output: dist}
libraries:
  shop:
    output: out/shop
    layout: flat
    formats: [wav]
    languages: {en-US: en-us}
    prompts:
      price: "Northwind costs $5."
      hello: "Hello there."
"""
SPOKEN = "North wind costs five dollars."


def test_jobs_keep_both_forms(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    manifest = load_manifest(tmp_path / "m.yaml")
    plan = plan_manifest(manifest, {"espeak": FakeProvider()}, load_lexicon(manifest))
    jobs = {j.name: j for j in plan.jobs}
    assert (jobs["price"].record, jobs["price"].spoken) == ("Northwind costs $5.", SPOKEN)
    assert (jobs["hello"].record, jobs["hello"].spoken) == ("Hello there.", None)
    assert plan.segments[jobs["price"].segments[0]].request.text == SPOKEN


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("written")
    (root / "m.yaml").write_text(MANIFEST)
    done = narrate_in("-q", "build", "m.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def test_index_shows_written_text_and_spoken_beside(built):
    index = json.loads((built / "out" / "shop" / "index.json").read_text())
    rows = {r["name"]: r for r in index["prompts"]}
    assert rows["price"]["text"] == "Northwind costs $5."
    assert rows["price"]["spoken"] == SPOKEN
    assert rows["hello"]["text"] == "Hello there." and "spoken" not in rows["hello"]


def test_lock_keeps_the_written_text(built):
    lock = json.loads((built / "narrate.lock").read_text())
    entry = lock["manifests"]["m.yaml"]["prompts"]["shop/en-US/price"]
    assert (entry["text"], entry["spoken"]) == ("Northwind costs $5.", SPOKEN)
    assert "spoken" not in lock["manifests"]["m.yaml"]["prompts"]["shop/en-US/hello"]


def test_transcript_shows_the_written_text(built):
    done = narrate_in("-q", "package", "m.yaml", "--format", "tar.gz", cwd=built)
    assert done.returncode == 0, done.stderr
    (archive,) = (built / "dist").glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        name = next(n for n in tar.getnames() if n.endswith("shop-en-US.txt"))
        transcript = tar.extractfile(name).read().decode()
    assert transcript == "hello: Hello there.\nprice: Northwind costs $5.\n"


def test_review_page_shows_both(built):
    done = narrate_in("-q", "report", "m.yaml", "-o", "review.html", cwd=built)
    assert done.returncode == 0, done.stderr
    page = (built / "review.html").read_text()
    assert 'lang="en-US">Northwind costs $5.</td>' in page
    assert '<td class="said" lang="en-US">North wind costs five dollars.</td><td class="num">' in page
    assert 'lang="en-US">Hello there.</td>' in page and page.count('class="said"') == 1
