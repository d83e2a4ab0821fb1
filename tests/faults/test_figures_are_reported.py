from tests.support.figures import Figures


def test_a_figure_is_kept_rounded_for_the_summary(figures: Figures) -> None:
    figures.record("fault_suite_example_s", 1.23456)
    assert figures.values["fault_suite_example_s"] == 1.235
    del figures.values["fault_suite_example_s"]
