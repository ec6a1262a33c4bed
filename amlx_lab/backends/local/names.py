"""Fresh Azure-style job names (the rules for user-chosen names are in ``amlx_lab.names``).

Azure ML names jobs ``<adjective>_<noun>_<10 random characters>`` (for
example ``sincere_tail_8bwq3k4kxq``); local jobs look the same so that logs,
folders and CLI output read alike on both targets.
"""

from __future__ import annotations

import secrets
import string


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

def new_job_name() -> str:
    """A fresh ``adjective_noun_xxxxxxxxxx`` name; collisions are checked by the caller."""
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(10))
    return f"{secrets.choice(_ADJECTIVES)}_{secrets.choice(_NOUNS)}_{suffix}"
