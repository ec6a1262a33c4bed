"""The translation catalog of amlx_lab: extract, update, compile and check.

One gettext domain, ``amlx_lab``, holds every sentence the product shows a
person: the labextension's (``trans.__`` calls, read by ``extract_ts.js``),
the settings schema's titles and descriptions (with the contexts
JupyterLab's server translates them under), and the Python package's
(``_()``/``_n()`` calls, read by babel). The sources kept in git are the
template ``amlx_lab/locale/amlx_lab.pot`` and one
``amlx_lab/locale/<lang>/LC_MESSAGES/amlx_lab.po`` per language; ``compile``
writes next to each ``.po`` the ``.mo`` the server and the CLI read and the
``.json`` JupyterLab's frontend reads (both shipped in the wheel).

    python tools/i18n/catalog.py update    # after changing strings: new template, .po files merged
    python tools/i18n/catalog.py compile   # after translating: .mo and .json
    python tools/i18n/catalog.py check     # make lint: all of the above is current and complete

``check`` fails when a string is not wrapped where the frontend shows it, the
template is stale, a message has no translation (or a fuzzy one), a
translation drops or adds a placeholder, or a compiled file differs from its
``.po``.
"""

from __future__ import annotations

import gettext
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "amlx_lab"
LOCALE_DIR = ROOT / "amlx_lab" / "locale"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
TS_SOURCES = ROOT / "labextension" / "src"
SCHEMA_DIR = ROOT / "schema"
PY_PACKAGE = ROOT / "amlx_lab"
#: Python calls that mark a sentence: _("..."), _n("one", "many", n), N_("...") for module-level constants.
PY_KEYWORDS = {"_": None, "_n": (1, 2), "N_": None}
#: Parts of the package whose output is not for a person reading amlx_lab (the scoring server speaks its HTTP API).
PY_EXCLUDED = ("labextension", "serving")

PLACEHOLDER = re.compile(r"%\d+|\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}")


@dataclass
class Extracted:
    """Messages keyed by (context, id), plus the frontend strings found outside ``trans``."""

    messages: dict[tuple[str | None, str], Message] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, msgid: str, *, plural: str | None = None, context: str | None = None, where: tuple[str, int]) -> None:
        key = (context, msgid)
        found = self.messages.get(key)
        if found is None:
            ident: str | tuple[str, str] = (msgid, plural) if plural else msgid
            found = self.messages[key] = Message(ident, context=context, locations=[])
        elif plural and not found.pluralizable:
            found.id = (msgid, plural)
        found.locations.append(where)


def extract() -> Extracted:
    """Every translatable message of the frontend, the settings schema and the Python package."""
    found = Extracted()
    _extract_typescript(found)
    _extract_schema(found)
    _extract_python(found)
    return found


def _extract_typescript(found: Extracted) -> None:
    result = subprocess.run(
        ["node", str(Path(__file__).with_name("extract_ts.js")), str(TS_SOURCES.relative_to(ROOT))],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    data = json.loads(result.stdout)
    for item in data["messages"]:
        found.add(item["msgid"], plural=item.get("msgid_plural"), context=item.get("msgctxt"),
                  where=(item["file"], item["line"]))
    found.problems += [f"{p['file']}:{p['line']}: {p['text']}" for p in data["problems"]]


def _extract_schema(found: Extracted) -> None:
    # the very selectors and contexts the server translates the schema with
    from jupyterlab_server.translation_utils import _prepare_schema_patterns

    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        domain = schema.get("jupyter.lab.internationalization", {}).get("domain")
        if domain != DOMAIN:
            found.problems.append(f"{path.relative_to(ROOT)}: jupyter.lab.internationalization.domain must be {DOMAIN!r}")
        patterns = _prepare_schema_patterns(schema)
        for pointer, text in _strings(schema, ""):
            for pattern, context in patterns.items():
                if pattern.fullmatch(pointer):
                    found.add(text, context=context, where=(f"{path.relative_to(ROOT)}#{pointer}", 0))
                    break


def _strings(node: object, prefix: str) -> list[tuple[str, str]]:
    """(JSON pointer as JupyterLab writes it, string) for every string in the schema."""
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}/{key}"
            if isinstance(value, str):
                out.append((path, value))
            else:
                out += _strings(value, path)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict):
                out += _strings(item, f"{prefix}[{i}]")
    return out


def _extract_python(found: Extracted) -> None:
    method_map = [(f"{part}/**.py", "ignore") for part in PY_EXCLUDED] + [("**.py", "python")]
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PY_PACKAGE), method_map=method_map, keywords=PY_KEYWORDS, comment_tags=(), strip_comment_tags=True,
    ):
        where = (f"amlx_lab/{filename}", lineno)
        if isinstance(message, tuple):
            found.add(message[0], plural=message[1], context=context, where=where)
        else:
            found.add(message, context=context, where=where)


def template(found: Extracted) -> Catalog:
    catalog = Catalog(domain=DOMAIN, project=DOMAIN, version=_version(), charset="utf-8", fuzzy=False)
    for message in sorted(found.messages.values(), key=lambda m: (m.locations[0], m.context or "")):
        catalog[message.id] = Message(message.id, context=message.context, locations=sorted(set(message.locations)))
    return catalog


def _version() -> str:
    return json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["version"]


def _po_text(catalog: Catalog, **options: bool) -> str:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, sort_output=False, ignore_obsolete=True, **options)
    # the header's dates change at every run; they carry nothing a reader needs
    text = buffer.getvalue().decode("utf-8")
    return re.sub(r'"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', "", text)


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


def update() -> None:
    """Write the template from the sources and merge it into every language's ``.po``."""
    found = extract()
    for problem in found.problems:
        print(f"warning: {problem}", file=sys.stderr)
    pot = template(found)
    TEMPLATE.write_text(_po_text(pot), encoding="utf-8")
    for path in po_files():
        catalog = read_catalog(path)
        catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
        catalog.version = pot.version
        catalog.fuzzy = False
        path.write_text(_po_text(catalog, include_previous=False), encoding="utf-8")
    print(f"{len(pot)} messages in {TEMPLATE.relative_to(ROOT)}; merged into {len(po_files())} catalogs")


def compiled(path: Path) -> tuple[bytes, str]:
    """The ``.mo`` bytes and the frontend's ``.json`` text for one ``.po``."""
    catalog = read_catalog(path)
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    language = str(catalog.locale).replace("_", "-") if catalog.locale else path.parent.parent.name
    data: dict[str, object] = {
        "": {"domain": DOMAIN, "language": language, "plural_forms": catalog.plural_forms, "version": _version()},
    }
    for message in catalog:
        if not message.id or message.fuzzy or not _translated(message):
            continue
        key = f"{message.context}\x04{_singular(message)}" if message.context else _singular(message)
        if message.pluralizable:
            forms = list(message.string)
            # JupyterLab's Gettext takes a plural entry only with two forms or more (Japanese has one)
            data[key] = forms if len(forms) > 1 else [*forms, ""]
        else:
            data[key] = [message.string]
    return mo.getvalue(), json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def compile_all() -> None:
    for path in po_files():
        mo, js = compiled(path)
        path.with_suffix(".mo").write_bytes(mo)
        path.with_suffix(".json").write_text(js, encoding="utf-8")
        print(f"compiled {path.relative_to(ROOT)}")


def _singular(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(s.strip() for s in strings)


def _placeholders(text: str) -> list[str]:
    return sorted(m.split(":")[0].split("!")[0] for m in PLACEHOLDER.findall(text))


def check() -> list[str]:
    """Everything that is not current or complete, one sentence each (empty: all good)."""
    found = extract()
    problems = list(found.problems)
    pot = template(found)
    # the messages, not their locations: moving a string within its file needs no update
    if not TEMPLATE.exists() or _keys(read_catalog(TEMPLATE)) != _keys(pot):
        problems.append(f"{TEMPLATE.relative_to(ROOT)} is not what the sources give: run `python tools/i18n/catalog.py update`")
    wanted = {(m.context, _singular(m)) for m in pot if m.id}
    for path in po_files():
        name = path.relative_to(ROOT)
        catalog = read_catalog(path)
        have = {(m.context, _singular(m)): m for m in catalog if m.id}
        for key in sorted(wanted - have.keys(), key=str):
            problems.append(f"{name}: missing {key[1]!r}: run `python tools/i18n/catalog.py update`")
        for key in sorted(have.keys() - wanted, key=str):
            problems.append(f"{name}: {key[1]!r} is no longer used: run `python tools/i18n/catalog.py update`")
        for key, message in have.items():
            if message.fuzzy:
                problems.append(f"{name}: fuzzy translation of {key[1]!r}")
            elif not _translated(message):
                problems.append(f"{name}: no translation for {key[1]!r}")
            else:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                # a language with one plural form (Japanese) writes the count the plural source names
                source = message.id[1] if isinstance(message.id, tuple) and len(strings) == 1 else key[1]
                if any(_placeholders(s) != _placeholders(source) for s in strings):
                    problems.append(f"{name}: the translation of {key[1]!r} has other placeholders")
        mo, js = compiled(path)
        mo_path, js_path = path.with_suffix(".mo"), path.with_suffix(".json")
        if not mo_path.exists() or _mo_messages(mo_path.read_bytes()) != _mo_messages(mo):
            problems.append(f"{mo_path.relative_to(ROOT)} is stale: run `python tools/i18n/catalog.py compile`")
        if not js_path.exists() or json.loads(js_path.read_text(encoding="utf-8")) != json.loads(js):
            problems.append(f"{js_path.relative_to(ROOT)} is stale: run `python tools/i18n/catalog.py compile`")
    return problems


def _keys(catalog: Catalog) -> set[tuple[str | None, object]]:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


def _mo_messages(data: bytes) -> dict[object, str]:
    """What a .mo translates (header aside), as Python's gettext reads it."""
    messages = dict(gettext.GNUTranslations(io.BytesIO(data))._catalog)  # type: ignore[attr-defined]
    messages.pop("", None)
    return messages


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"i18n: {len(problems)} problems (see tools/i18n/catalog.py)", file=sys.stderr)
            return 1
        print(f"i18n: catalogs current and complete ({', '.join(p.parent.parent.name for p in po_files())})")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
