"""The benchmark's smoke run (CI: ``python -m tests.perf.bench --smoke`` in .ci/run, under
``set -e``) fails when any response is not a 200: a page that answers 404 makes it exit 1 and name
the page and its statuses, whatever its speed."""
from __future__ import annotations

import shutil

import pytest

from tests.perf import bench


def test_the_smoke_run_fails_on_a_non_200(monkeypatch, capsys):
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    real_pages = bench.pages

    def pages(ids):
        hot = real_pages(ids)[1]  # /decisions/<id>: answered 200
        return [hot, ("a page that is gone", ["/decisions/999999999"])]

    monkeypatch.setattr(bench, "pages", pages)
    assert bench.main(["--smoke", "--duration", "1"]) == 1
    out, err = capsys.readouterr()
    assert "requests were not answered 200: the run fails" in err
    assert "a page that is gone: statuses {404:" in err
    assert "/decisions/<id>: statuses" not in err
    assert "| a page that is gone |" in out


def test_the_smoke_run_passes_when_every_page_answers_200(monkeypatch):
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    real_pages = bench.pages
    monkeypatch.setattr(bench, "pages", lambda ids: real_pages(ids)[:2])
    assert bench.main(["--smoke", "--duration", "1"]) == 0
