"""The data contract page is the code's contract: generated, current, and complete."""

from helpers.intake import contract, contract_doc, rules


def test_the_committed_page_is_the_one_the_code_writes():
    assert contract_doc.DOC_PATH.read_text(encoding="utf-8") == contract_doc.render(), (
        "docs/data-contract.md is out of date: run make contract-doc"
    )


def test_every_table_column_and_rule_is_on_the_page():
    page = contract_doc.render()
    for table in (*contract.TABLES, rules.CATEGORY_RULES_TABLE):
        section = page.split(f"### `{table.name}`", 1)[1].split("\n### ", 1)[0]
        for column in table.columns:
            assert f"| `{column.name}` |" in section, (table.name, column.name)
        for value in (v for c in table.columns for v in c.values):
            assert f"`{value}`" in section, (table.name, value)
        cross = [r for r in rules.rules_for(table) if r not in rules.column_rules(table)]
        for rule in cross:
            assert rule.rule in section, (table.name, rule.rule)


def test_check_mode_reports_a_stale_page(tmp_path, capsys):
    stale = tmp_path / "data-contract.md"
    stale.write_text("# an old contract\n", encoding="utf-8")
    assert contract_doc.main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert contract_doc.main(["--out", str(stale)]) == 0
    assert contract_doc.main(["--check", "--out", str(stale)]) == 0
