"""No identifier of the dataset reaches any output of a report run."""

from __future__ import annotations

import base64

import pytest
from conftest import make_valid_frames
from report_runs import build_smoke_report

from helpers import contract
from helpers.dataset import Dataset
from helpers.load import load_dataset
from helpers.privacy import scan_outputs, tokenize


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


@pytest.fixture
def ds() -> Dataset:
    frames = make_valid_frames()
    frames["members"].loc[0, "member_id"] = "M000123"
    frames["applications"].loc[0, "member_id"] = "M000123"
    return Dataset.from_frames(frames)


@pytest.mark.slow
def test_no_output_of_a_run_holds_an_identifier_of_its_dataset(smoke):
    assert smoke.result.returncode == 0, smoke.result.stderr
    ds = load_dataset(smoke.data)
    outputs = [p for p in smoke.folder.rglob("*") if p.is_file()]
    assert {p.suffix for p in outputs} >= {".html", ".csv", ".ipynb", ".json"}
    assert scan_outputs(ds, smoke.folder) == []


@pytest.mark.slow
def test_the_scan_reads_every_identifier_column_of_the_run(smoke):
    # A planted identifier of each column is found: the scan really looks at them all.
    ds = load_dataset(smoke.data)
    planted = smoke.folder.parent / "planted"
    planted.mkdir(exist_ok=True)
    values = []
    for table, columns in contract.IDENTIFIER_COLUMNS.items():
        if not ds.has(table):
            continue
        for column in columns:
            value = ds.scalar(f'SELECT min("{column}") FROM "{table}"')
            if value is not None:
                values.append(value)
    (planted / "page.html").write_text("".join(f"<td>{v}</td>" for v in values))
    found = {hit.value for hit in scan_outputs(ds, planted)}
    assert found == set(values)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("<td>M000123</td>", "page.html"),
        ("year,member\n2022,M000123\n", "kpis.csv"),
        ('{"text/plain": ["member M000123."]}', "notebooks/funnel.ipynb"),
        ("(M000123), then", "notes.md"),
        # Inside a chart and inside a chart's CSV, carried base64-encoded by the page.
        (f'<img src="data:image/svg+xml;base64,{b64("<text>M000123</text>")}">', "chart.html"),
        (f'<a href="data:text/csv;charset=utf-8;base64,{b64("label,M000123")}">', "csv.html"),
    ],
)
def test_an_identifier_anywhere_in_any_file_is_found(tmp_path, ds, text, name):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    hits = scan_outputs(ds, tmp_path)
    assert {(h.file, h.value) for h in hits} == {(name, "M000123")}
    assert {h.column for h in hits} == {"member_id"}


def test_figures_and_words_are_not_identifiers(tmp_path, ds):
    (tmp_path / "index.html").write_text(
        "<p>1,325 visitors; M0001234 and XM000123 are other words; m2x, e1e1e1</p>"
    )
    assert scan_outputs(ds, tmp_path) == []


def test_tokens_keep_identifiers_whole_and_skip_long_blobs():
    tokens = tokenize('id="app-2022-0001" src="data:image/png;base64,' + "A" * 500 + '"')
    assert "app-2022-0001" in tokens
    assert all(len(t) <= 128 for t in tokens)


def test_the_bytes_of_an_embedded_image_are_not_read_as_words():
    # Real base64 holds "+" and "/", which would cut it into short, identifier-like pieces.
    image = "data:image/png;base64,iVBORw0KGgo+E119/m2x+AAAA=="
    tokens = tokenize(f'<img src="{image}" alt="Chart: E120">')
    assert "E119" not in tokens and "E120" in tokens
