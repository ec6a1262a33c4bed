#!/usr/bin/env node
/**
 * The translatable strings of the labextension, read with the TypeScript
 * compiler's own parser (no regular expressions over source text).
 *
 * A message is a call `trans.__('…')`, `trans._n('…', '…', n)`,
 * `trans._p('context', '…')` or `trans._np('context', '…', '…', n)` on one
 * of the bundle names JupyterLab's extractor accepts (`trans`,
 * `this.trans`, `this._trans`, `props.trans`, `this.props.trans`), with
 * literal arguments. It also reports what looks like a user-visible string
 * that does not go through the bundle: JSX text with words in it, and
 * literal `title`, `label`, `caption`, `placeholder`, `aria-label` and `alt`
 * values. `tools/i18n/catalog.py` turns the messages into the template and
 * fails `make lint` on a miss.
 *
 * Usage: node tools/i18n/extract_ts.js SRC_DIR  ->  JSON on stdout:
 *   {"messages": [{msgid, msgid_plural?, msgctxt?, file, line}], "problems": [{file, line, text}]}
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const BUNDLES = new Set(['trans', 'this.trans', 'this._trans', 'props.trans', 'this.props.trans']);
// function -> [context index, singular index, plural index]
const FUNCTIONS = { __: [null, 0, null], _n: [null, 0, 1], _p: [0, 1, null], _np: [0, 1, 2] };
const VISIBLE_PROPERTIES = new Set(['title', 'label', 'caption', 'placeholder', 'aria-label', 'alt', 'okLabel']);
const WORDS = /[A-Za-z]{2,}/;

function sourceFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__tests__' && entry.name !== 'generated') {
        found.push(...sourceFiles(full));
      }
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      found.push(full);
    }
  }
  return found.sort();
}

function literal(node) {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;
}

function extract(root) {
  const messages = [];
  const problems = [];
  for (const file of sourceFiles(root)) {
    const text = fs.readFileSync(file, 'utf8');
    const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
    const where = node => ({
      file: path.relative(process.cwd(), file).split(path.sep).join('/'),
      line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    });
    const visit = node => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const fn = node.expression.name.text;
        const bundle = node.expression.expression.getText(source);
        if (fn in FUNCTIONS && BUNDLES.has(bundle)) {
          const [ctx, one, many] = FUNCTIONS[fn];
          const message = { msgid: literal(node.arguments[one]), ...where(node) };
          if (ctx !== null) {
            message.msgctxt = literal(node.arguments[ctx]);
          }
          if (many !== null) {
            message.msgid_plural = literal(node.arguments[many]);
          }
          if (message.msgid === null || message.msgctxt === null || message.msgid_plural === null) {
            problems.push({ ...where(node), text: `${bundle}.${fn} needs literal strings: ${node.getText(source)}` });
          } else {
            messages.push(message);
          }
        }
      } else if (ts.isJsxText(node)) {
        const shown = node.text.trim();
        if (WORDS.test(shown)) {
          problems.push({ ...where(node), text: `JSX text not translated: ${JSON.stringify(shown)}` });
        }
      } else if (ts.isJsxAttribute(node) && VISIBLE_PROPERTIES.has(node.name.getText(source))) {
        const value = literal(node.initializer) ?? literal(node.initializer?.expression);
        if (value !== null && WORDS.test(value)) {
          problems.push({ ...where(node), text: `${node.name.getText(source)}="${value}" not translated` });
        }
      } else if (ts.isPropertyAssignment(node) && VISIBLE_PROPERTIES.has(node.name.getText(source).replace(/['"]/g, ''))) {
        const value = literal(node.initializer);
        if (value !== null && WORDS.test(value)) {
          problems.push({ ...where(node), text: `${node.name.getText(source)}: '${value}' not translated` });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { messages, problems };
}

const root = process.argv[2] || 'labextension/src';
process.stdout.write(JSON.stringify(extract(root), null, 1) + '\n');
