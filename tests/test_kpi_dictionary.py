"""The KPI dictionary is the registry's declarations and the catalogs' words."""

from helpers.core.safe_csv import read_frame
from helpers.figures import registry
from helpers.pages import i18n, kpi_dictionary


def test_one_row_per_declared_metric_with_its_words_in_each_language():
    frame = kpi_dictionary.dictionary_frame()
    assert list(frame["metric"]) == [m.id for m in registry.METRICS]
    row = frame.set_index("metric").loc["co2e_per_user_kg"]
    assert row["direction"] == "lower" and row["section"] == "carbon"
    for lang in i18n.LANGUAGES:
        assert row[f"label_{lang}"] == i18n.t("metric.co2e_per_user_kg", lang)
        assert row[f"definition_{lang}"] == i18n.t("definition.co2e_per_user_kg", lang)
    shares = frame.set_index("metric").loc["segment_share"]
    assert shares["direction"] == "higher" and shares["neutral_for"] == "non_underserved"


def test_the_file_reads_back_as_written(tmp_path):
    path = kpi_dictionary.write_dictionary(tmp_path / kpi_dictionary.DICTIONARY_FILE)
    back = read_frame(path, keep_default_na=False, dtype=str)
    assert back.equals(kpi_dictionary.dictionary_frame().astype(str))
