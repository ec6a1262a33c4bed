"""Azure's training algorithms as the local engine trains them: searched by FLAML, or plain defaults.

Each Azure algorithm maps onto FLAML estimators that search its
hyperparameters (``LightGBM`` -> ``lgbm``), onto a plain scikit-learn default
trained once (``DecisionTree``, the naive Bayes models, kernel ``SVM``, which
FLAML lacks), or both. The strongest plain defaults, a random forest and
histogram gradient boosting (and logistic regression for classification),
are always tried unless the job excludes their algorithm: on data of a few
hundred rows they are hard to beat, and a leaderboard that starts with them
is never worse than a good default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Azure algorithm -> FLAML estimators that search it.
SEARCHED: dict[str, dict[str, tuple[str, ...]]] = {
    "classification": {
        "LightGBM": ("lgbm",),
        "RandomForest": ("rf",),
        "ExtremeRandomTrees": ("extra_tree",),
        "XGBoostClassifier": ("xgboost", "xgb_limitdepth"),
        "GradientBoosting": ("histgb",),
        "LogisticRegression": ("lrl1", "lrl2"),
        "SGD": ("sgd",),
        "KNN": ("kneighbor",),
        "LinearSVM": ("svc",),
    },
    "regression": {
        "LightGBM": ("lgbm",),
        "RandomForest": ("rf",),
        "ExtremeRandomTrees": ("extra_tree",),
        "XGBoostRegressor": ("xgboost", "xgb_limitdepth"),
        "GradientBoosting": ("histgb",),
        "ElasticNet": ("enet",),
        "LassoLars": ("lassolars",),
        "SGD": ("sgd",),
        "KNN": ("kneighbor",),
    },
}
#: What FLAML searches when the job allows every algorithm (its own defaults, plus ElasticNet for regression).
DEFAULT_SEARCH: dict[str, tuple[str, ...]] = {
    "classification": ("lgbm", "rf", "xgboost", "extra_tree", "xgb_limitdepth", "lrl1", "sgd"),
    "regression": ("lgbm", "rf", "xgboost", "extra_tree", "xgb_limitdepth", "sgd", "enet"),
}
ALWAYS_TRIED = {
    "classification": ("RandomForest", "GradientBoosting", "LogisticRegression"),
    "regression": ("RandomForest", "GradientBoosting"),
}


def _plain(kind: str, algorithm: str) -> Callable[[], Any] | None:
    """A factory of the plain scikit-learn default for ``algorithm``, if there is one."""
    from sklearn import ensemble, linear_model, naive_bayes, pipeline, preprocessing, svm, tree

    factories: dict[str, dict[str, Callable[[], Any]]] = {
        "classification": {
            "RandomForest": lambda: ensemble.RandomForestClassifier(random_state=0),
            "GradientBoosting": lambda: ensemble.HistGradientBoostingClassifier(random_state=0),
            "LogisticRegression": lambda: linear_model.LogisticRegression(max_iter=1000),
            "DecisionTree": lambda: tree.DecisionTreeClassifier(random_state=0),
            "BernoulliNaiveBayes": lambda: naive_bayes.BernoulliNB(),
            "MultinomialNaiveBayes": lambda: pipeline.Pipeline(
                [("nonnegative", preprocessing.MinMaxScaler(clip=True)), ("model", naive_bayes.MultinomialNB())]
            ),
            "SVM": lambda: svm.SVC(probability=True, random_state=0),
        },
        "regression": {
            "RandomForest": lambda: ensemble.RandomForestRegressor(random_state=0),
            "GradientBoosting": lambda: ensemble.HistGradientBoostingRegressor(random_state=0),
            "DecisionTree": lambda: tree.DecisionTreeRegressor(random_state=0),
        },
    }
    return factories[kind].get(algorithm)


@dataclass(frozen=True)
class Candidates:
    """What one job trains: plain defaults (Azure name -> factory) and FLAML estimators (name -> Azure name)."""

    plain: dict[str, Callable[[], Any]]
    searched: dict[str, str]
    skipped: dict[str, str]  # Azure name -> why the local engine does not train it

    def notes(self) -> list[str]:
        return [f"{name} is not trained locally: {why}" for name, why in self.skipped.items()]


def candidates(task: str, allowed: tuple[str, ...] | None, blocked: tuple[str, ...] | None) -> Candidates:
    """The candidates for a job's allowed and blocked algorithms (Azure names, already canonical)."""
    from .settings import ALGORITHMS, SERIES_ONLY_ALGORITHMS

    kind = "classification" if task == "classification" else "regression"
    names = [a for a in (allowed if allowed is not None else ALGORITHMS[task]) if a not in set(blocked or ())]
    explicit = allowed is not None
    plain: dict[str, Callable[[], Any]] = {}
    searched: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for name in names:
        if name in SERIES_ONLY_ALGORITHMS:
            skipped[name] = "it models the series alone; the local engine forecasts with regression algorithms"
            continue
        factory = _plain(kind, name)
        if factory is not None and (explicit or name in ALWAYS_TRIED[kind]):
            plain[name] = factory
        for estimator in SEARCHED[kind].get(name, ()):
            if explicit or estimator in DEFAULT_SEARCH[kind]:
                searched[estimator] = name
    return Candidates(plain, searched, skipped)


def flaml_estimator(flaml_task: Any, name: str, config: dict[str, Any], n_jobs: int) -> Any:
    """The unfitted scikit-learn-style model a FLAML trial trained, with the trial's hyperparameters."""
    learner_class = flaml_task.estimators[name]
    learner = learner_class(task=flaml_task.name if hasattr(flaml_task, "name") else flaml_task, n_jobs=n_jobs, **config)
    return learner.estimator_class(**learner.params)


def single_threaded(model: Any) -> Any:
    """The model with ``n_jobs=1`` wherever it has the parameter: a deployed model answers one request at a time."""
    params = model.get_params(deep=True)
    changes = {k: 1 for k in params if k == "n_jobs" or k.endswith("__n_jobs")}
    if "nthread" in params:
        changes["nthread"] = 1
    return model.set_params(**changes) if changes else model
