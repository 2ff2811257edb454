"""The Targets table says which figures of the benchmark issue a run meets and by how much it misses."""

from __future__ import annotations

from benchmarks.run import _model_speed_lines, _stage_lines, _targets, stage_medians


def _set(name: str, **values) -> dict:
    base = {"set": name, "neutral_false_redactions": 0, "neutral_words": 0}
    base.update(values)
    return base


def test_met_and_missed_figures_with_their_gaps():
    report = {
        "sets": [
            _set(
                "synthetic",
                phi_word_recall=0.995,
                face_recall=0.9,
                neutral_false_redactions=3,
                neutral_words=20,
            ),
            _set("speed12", seconds_median=1.5, maxrss_self_mb=1400.0),
        ]
    }
    table = "\n".join(_targets(report))
    assert "| PHI-word recall | synthetic | 99.0% | 99.5% | met |" in table
    assert "| face recall | synthetic | 99.0% | 90.0% | missed by 9.0 points |" in table
    assert "| neutral signage covered | synthetic | 10.0% | 15.0% | missed by 5.0 points |" in table
    assert "| median s per 12 MP photo | speed12 | 1.00 | 1.50 | missed by 50% |" in table
    assert "| peak RSS (MB) | speed12 | 1536 | 1400 | met |" in table
    # Sets that did not run and figures a set has no value for are left out.
    rows = "\n".join(line for line in table.splitlines() if line.startswith("| ") and "---" not in line)
    assert "ICDAR" not in rows and "barcode" not in rows


def test_no_table_without_the_sets():
    assert _targets({"sets": [_set("faces_dlib")]}) == []


def test_model_speed_is_shown_before_and_after_the_sets():
    speed = {
        "before": {"det_1600_s": 0.283, "rec_line_ms": 12.3},
        "after": {"det_1600_s": 0.41, "rec_line_ms": 19.0},
    }
    line = " ".join(_model_speed_lines(speed))
    assert "0.283 s before the sets and 0.410 s after" in line
    assert "12.3 / 19.0 ms per line" in line
    assert _model_speed_lines(None) == []


def test_stage_medians_count_a_stage_a_photo_skipped_as_zero_and_leave_out_errors():
    results = [
        {"status": "ok", "seconds": 3.0, "scan_seconds": 2.6, "timings": {"ocr": 2.0, "faces": 0.5}},
        {"status": "ok", "seconds": 2.0, "scan_seconds": 1.8, "timings": {"ocr": 1.5, "faces": 0.7}},
        {
            "status": "ok",
            "seconds": 1.0,
            "scan_seconds": 0.7,
            "timings": {"ocr": 0.6, "faces": 0.4, "faces_turned": 0.3},
        },
        {"status": "error", "seconds": 9.0, "regions": []},
    ]
    stages = stage_medians(results)
    assert stages["ocr"] == 1.5
    assert stages["faces"] == 0.5
    assert stages["faces_turned"] == 0.0  # run on one photo of three
    assert abs(stages["outside_scan"] - 0.3) < 1e-9
    assert stage_medians([{"status": "error", "seconds": 1.0}]) == {}


def test_stage_line_says_what_runs_beside_the_ocr():
    report = {
        "sets": [
            _set("synthetic", stage_seconds_median={"ocr": 9.0}),
            _set(
                "speed12",
                stage_seconds_median={
                    "ocr": 2.4,
                    "classify": 0.1,
                    "faces": 0.7,
                    "codes": 0.25,
                    "outside_scan": 0.3,
                },
            ),
        ]
    }
    line = " ".join(_stage_lines(report))
    assert "OCR 2.40 s, classify 0.10 s" in line
    assert "beside the OCR, sharing the cores with it, faces 0.70 s and codes 0.25 s" in line
    assert "loading, redaction and export 0.30 s." in line
    # A report from before the stage medians were kept, or without speed12, has no line.
    assert _stage_lines({"sets": [_set("speed12")]}) == []
    assert _stage_lines({"sets": [_set("synthetic", stage_seconds_median={"ocr": 1.0})]}) == []
