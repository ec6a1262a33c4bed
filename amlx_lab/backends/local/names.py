"""Names: Azure-style job names and the rules user-chosen names must follow.

Azure ML names jobs ``<adjective>_<noun>_<10 random characters>`` (for
example ``sincere_tail_8bwq3k4kxq``); local jobs look the same so that logs,
folders and CLI output read alike on both targets.
"""

from __future__ import annotations

import re
import secrets
import string

from ...errors import ValidationError

_ADJECTIVES = (
    "amber", "bold", "brave", "bright", "busy", "calm", "clever", "cool", "crisp", "dreamy",
    "eager", "epic", "fair", "frank", "gentle", "glad", "good", "happy", "honest", "jolly",
    "keen", "kind", "lively", "loyal", "lucid", "mellow", "merry", "modest", "neat", "nice",
    "noble", "olive", "polite", "proud", "quick", "quiet", "rapid", "ready", "shy", "silly",
    "sincere", "sleepy", "smart", "solid", "sunny", "sweet", "swift", "tidy", "upbeat", "vivid",
    "warm", "wise", "witty", "zen",
)
_NOUNS = (
    "apple", "arch", "badge", "basket", "bean", "bell", "boat", "branch", "brush", "cactus",
    "camel", "candle", "car", "cherry", "cloud", "coat", "comet", "crown", "cup", "date",
    "door", "dream", "egg", "engine", "feather", "fig", "flag", "garden", "glove", "grape",
    "heart", "island", "jelly", "kettle", "kite", "lamp", "leaf", "lemon", "lime", "loaf",
    "map", "mango", "moon", "nail", "night", "orange", "owl", "pear", "pencil", "plum",
    "pot", "rail", "river", "rose", "salt", "seed", "shoe", "snake", "spoon", "star",
    "stone", "sun", "tail", "tiger", "tomato", "train", "tree", "truck", "vase", "yacht",
)
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits

JOB_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{2,254}$")
# Azure ML asset and experiment names: start with a letter or digit; letters, digits, '-', '_', '.'.
ASSET_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")


def new_job_name() -> str:
    """A fresh ``adjective_noun_xxxxxxxxxx`` name; collisions are checked by the caller."""
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(10))
    return f"{secrets.choice(_ADJECTIVES)}_{secrets.choice(_NOUNS)}_{suffix}"


def check_job_name(name: object) -> str:
    """A job name as given by a caller; anything else could escape the jobs folder."""
    if not isinstance(name, str) or not JOB_NAME_RE.match(name):
        raise ValidationError(f"{name!r} is not a job name (like calm_lamp_x1y2z3a4b5).", field="name")
    return name


def check_asset_name(name: object, *, field: str = "name", kind: str = "data asset") -> str:
    """A data asset or experiment name in Azure ML's alphabet (also safe as a folder name)."""
    if not isinstance(name, str) or not ASSET_NAME_RE.match(name) or name in {".", ".."}:
        raise ValidationError(
            f"{name!r} is not a valid {kind} name: use 1 to 255 letters, digits, '-', '_' or '.', "
            "starting with a letter or digit.",
            field=field,
        )
    return name
