"""What every target checks the same way for online endpoints: traffic splits, key names, the copyable curl."""

from __future__ import annotations

import json
import shlex
from typing import Any

from ..errors import ValidationError
from ..i18n import _

KEY_NAMES = ("primary", "secondary")
MAX_PAYLOAD = 10 * 1024 * 1024  # the local scoring server's default body limit


def check_traffic(traffic: object, *, field: str = "traffic") -> dict[str, int]:
    """Whole percentages from 0 to 100 per deployment, summing to 100."""
    if not isinstance(traffic, dict) or not traffic:
        raise ValidationError(_('traffic must be an object such as {"blue": 90, "green": 10}.'), field=field)
    for name, share in traffic.items():
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
            raise ValidationError(_("traffic for {name!r} must be a whole number from 0 to 100.").format(
                name=name), field=f"{field}.{name}")
    total = sum(traffic.values())
    if total != 100:
        raise ValidationError(_("traffic must add up to 100 (it adds up to {total}).").format(total=total), field=field)
    return {str(k): int(v) for k, v in traffic.items()}


def check_key_name(which: object) -> str:
    if which not in KEY_NAMES:
        raise ValidationError(_("regenerate must be 'primary' or 'secondary'."), field="regenerate")
    return str(which)


def shell_quote_json(payload: Any) -> str:
    return shlex.quote(json.dumps(payload))


def curl_command(scoring_uri: str, key: str, payload: Any) -> str:
    """The seed's curl: POST the JSON to the scoring URI with the key as a bearer token."""
    return (
        f"curl -X POST {scoring_uri} -H \"Authorization: Bearer {key}\" "
        f"-H \"Content-Type: application/json\" -d {shell_quote_json(payload)}"
    )


def encode_payload(payload: Any, *, field: str = "payload") -> bytes:
    if not isinstance(payload, (dict, list)):
        raise ValidationError(_("payload must be a JSON object (or array), e.g. {\"data\": [{...}]}."), field=field)
    try:
        body = json.dumps(payload, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("payload cannot be sent as JSON: {exc}.").format(exc=exc), field=field) from None
    if len(body) > MAX_PAYLOAD:
        raise ValidationError(_("payload is larger than {value} MiB.").format(value=MAX_PAYLOAD // (1024 * 1024)), field=field)
    return body
