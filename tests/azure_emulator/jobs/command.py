"""A job's command line with ``${{inputs.x}}`` / ``${{outputs.x}}`` resolved, as Azure ML resolves it.

``$[[ ... ]]`` marks an optional part: kept (without the brackets) when every input it names was given,
dropped otherwise.
"""

from __future__ import annotations

import re

_OPTIONAL = re.compile(r"\$\[\[(.*?)\]\]", re.DOTALL)
_REFERENCE = re.compile(r"\$\{\{\s*(inputs|outputs)\.([A-Za-z0-9_.-]+)\s*\}\}")


class CommandError(ValueError):
    pass


def render(command: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    values = {"inputs": inputs, "outputs": outputs}

    def known(match: re.Match[str]) -> bool:
        return match.group(2) in values[match.group(1)]

    def optional(match: re.Match[str]) -> str:
        part = match.group(1)
        return part if all(known(ref) for ref in _REFERENCE.finditer(part)) else ""

    def substitute(match: re.Match[str]) -> str:
        if not known(match):
            raise CommandError(
                f"The command refers to ${{{{{match.group(1)}.{match.group(2)}}}}}, which the job does not define."
            )
        return values[match.group(1)][match.group(2)]

    return _REFERENCE.sub(substitute, _OPTIONAL.sub(optional, command))
