"""Where a model's example request comes from: its own MLflow input example, else a real row of the
data its job read, never made-up values when real ones exist (files on disk, no model loaded)."""

from __future__ import annotations

import json
from pathlib import Path

from amlx_lab.backends.local.model_example import mlflow_input_example, training_row
from amlx_lab.records import ModelColumn

COLUMNS = (ModelColumn("Age", "double"), ModelColumn("Pclass", "long"), ModelColumn("Sex", "string"))


def _mlmodel(folder: Path, example: object, **info: str) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "input_example.json").write_text(json.dumps(example))
    return {"saved_input_example_info": {"artifact_path": "input_example.json", "type": "dataframe", **info}}


def test_an_mlflow_split_example_becomes_rows_of_the_request(tmp_path: Path) -> None:
    mlmodel = _mlmodel(tmp_path, {"columns": ["Age", "Pclass"], "data": [[22.0, 3], [38.0, 1]]}, pandas_orient="split")
    assert mlflow_input_example(tmp_path, mlmodel) == {"data": [{"Age": 22.0, "Pclass": 3}, {"Age": 38.0, "Pclass": 1}]}


def test_records_are_kept_and_other_shapes_use_mlflows_serving_body(tmp_path: Path) -> None:
    records = _mlmodel(tmp_path / "a", [{"x": 1}], pandas_orient="records")
    assert mlflow_input_example(tmp_path / "a", records) == {"data": [{"x": 1}]}
    tensor = _mlmodel(tmp_path / "b", [[1, 2], [3, 4]], type="ndarray", serving_input_path="serving.json")
    (tmp_path / "b" / "serving.json").write_text(json.dumps({"inputs": [[1, 2], [3, 4]]}))
    assert mlflow_input_example(tmp_path / "b", tensor) == {"inputs": [[1, 2], [3, 4]]}


def test_no_example_when_mlflow_saved_none_or_it_points_outside(tmp_path: Path) -> None:
    assert mlflow_input_example(tmp_path, {"flavors": {}}) is None
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps({"columns": ["a"], "data": [[1]]}))
    model = tmp_path / "model"
    model.mkdir()
    escaping = {"saved_input_example_info": {"artifact_path": "../secret.json"}}
    assert mlflow_input_example(model, escaping) is None
    (model / "link.json").symlink_to(outside)
    assert mlflow_input_example(model, {"saved_input_example_info": {"artifact_path": "link.json"}}) is None


def test_the_first_complete_row_of_the_data_in_the_models_columns(tmp_path: Path) -> None:
    data = tmp_path / "titanic.csv"
    data.write_text(
        "PassengerId,Survived,Pclass,Name,Sex,Age\n"
        '1,0,3,"Braund, Mr. Owen Harris",male,\n'  # no age: not a complete row
        '2,1,1,"Cumings, Mrs. John",female,38\n'
    )
    assert training_row(COLUMNS, [data]) == {"data": [{"Age": 38.0, "Pclass": 1, "Sex": "female"}]}


def test_files_without_the_columns_symlinks_and_other_formats_are_passed_over(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    parquet = tmp_path / "data.parquet"
    parquet.write_bytes(b"PAR1")
    real = tmp_path / "real.tsv"
    real.write_text("Age\tPclass\tSex\n22\t3\tmale\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert training_row(COLUMNS, [other, parquet, link, tmp_path / "missing.csv"]) is None
    assert training_row(COLUMNS, [other, real]) == {"data": [{"Age": 22.0, "Pclass": 3, "Sex": "male"}]}
    assert training_row(None, [real]) is None


def test_a_value_that_does_not_fit_its_column_makes_the_row_incomplete(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("Age,Pclass,Sex\n22,first,male\n30,2.0,female\n")
    assert training_row(COLUMNS, [data]) == {"data": [{"Age": 30.0, "Pclass": 2, "Sex": "female"}]}
    untyped = (ModelColumn("n", "any"), ModelColumn("x", "any"), ModelColumn("s", "any"))
    data.write_text("n,x,s\n3,0.5,abc\n")
    assert training_row(untyped, [data]) == {"data": [{"n": 3, "x": 0.5, "s": "abc"}]}
