#!/usr/bin/env node
// Independent count of AWS SDK client constructions in JavaScript / TypeScript, for
// scripts/corpus-check. It shares no code with awsredirect: it parses with the TypeScript
// compiler API (syntax only, no type checking) and resolves names per file.
//
// Usage: node scripts/corpus-check-js.cjs NODE_MODULES < files.json > constructions.json
//   NODE_MODULES  a node_modules directory holding `typescript` and `aws-sdk` (v2; its
//                 apis/metadata.json is the list of v2 service classes)
//   files.json    {"root": DIR, "files": [relative paths]}
// Prints {"constructions": [...], "unparsed": [...]}; each construction has path, line,
// end_line (1-based), kind, name, has_endpoint and text (the `new` expression's source).
//
// Counted: `new X(...)` where X is
//   - an export of `@aws-sdk/client-*` ending in `Client` (kind v3), or the package's
//     aggregated client (`S3` of client-s3, `SecretsManager` of client-secrets-manager; kind
//     v3-aggregated), imported, required, or reached through a namespace import;
//   - a member of the aws-sdk v2 namespace naming a v2 service (kind v2): `require("aws-sdk")`,
//     `import AWS from` / `import * as AWS from` / `import AWS = require(...)`, the same through
//     `aws-sdk/clients/all`, and X-Ray's `captureAWS(<namespace>)`; destructured or named
//     imports of such members; `import S3 = AWS.S3`;
//   - the default export of `aws-sdk/clients/<service>` (kind v2);
//   - `<v2 namespace>.DynamoDB.DocumentClient` (kind v2-document-client).
"use strict";
const fs = require("fs");
const path = require("path");

const nodeModules = process.argv[2];
if (!nodeModules) {
  console.error("usage: corpus-check-js.cjs NODE_MODULES < files.json");
  process.exit(2);
}
const ts = require(path.join(nodeModules, "typescript"));
const metadata = JSON.parse(
  fs.readFileSync(path.join(nodeModules, "aws-sdk", "apis", "metadata.json"), "utf8"),
);
// v2 class names (S3, DynamoDB, ...) and module ids (s3, dynamodb, ...).
const V2_CLASSES = new Set(Object.values(metadata).map((m) => m.name));
const V2_MODULES = new Map(Object.entries(metadata).map(([id, m]) => [id, m.name]));

const input = JSON.parse(fs.readFileSync(0, "utf8"));

function scriptKind(file) {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".tsx") return ts.ScriptKind.TSX;
  if (ext === ".jsx") return ts.ScriptKind.JSX;
  if (ext === ".ts" || ext === ".mts" || ext === ".cts") return ts.ScriptKind.TS;
  return ts.ScriptKind.JS;
}

function unparen(node) {
  while (node && (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) ||
    ts.isNonNullExpression(node) || (ts.isTypeAssertionExpression && ts.isTypeAssertionExpression(node)))) {
    node = node.expression;
  }
  return node;
}

// The module a `require("m")` / `await import("m")` names, else null.
function requiredModule(node) {
  node = unparen(node);
  if (node && ts.isAwaitExpression(node)) node = unparen(node.expression);
  if (node && ts.isCallExpression(node) && node.arguments.length >= 1 &&
    ts.isStringLiteralLike(node.arguments[0])) {
    const callee = node.expression;
    if ((ts.isIdentifier(callee) && callee.text === "require") ||
      callee.kind === ts.SyntaxKind.ImportKeyword) {
      return node.arguments[0].text;
    }
  }
  return null;
}

function v3Package(module) {
  return typeof module === "string" && /^@aws-sdk\/client-[a-z0-9-]+$/.test(module);
}

// The aggregated client of `@aws-sdk/client-secrets-manager` is `SecretsManager`: the package
// name without dashes, compared case-insensitively (exception classes never match).
function isAggregated(name, module) {
  const m = /^@aws-sdk\/client-([a-z0-9-]+)$/.exec(module || "");
  return !!m && m[1].replace(/-/g, "") === name.toLowerCase();
}

function analyse(rel, text) {
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, scriptKind(rel));
  const parseErrors = sf.parseDiagnostics ? sf.parseDiagnostics.length : 0;
  // name -> binding: {t: "v2ns"} | {t: "v2class", name} | {t: "v3ns"} | {t: "v3class", name}
  const bindings = new Map();
  const objectLiterals = new Map(); // name -> ObjectLiteralExpression (for has_endpoint)

  // What an expression evaluates to, as far as the SDK goes.
  function valueOf(expr) {
    expr = unparen(expr);
    if (!expr) return null;
    const mod = requiredModule(expr);
    if (mod !== null) {
      if (mod === "aws-sdk" || mod === "aws-sdk/clients/all" || mod === "aws-sdk/global") return { t: "v2ns", module: mod };
      const m = /^aws-sdk\/clients\/([a-z0-9]+)(\.js)?$/.exec(mod);
      if (m && V2_MODULES.has(m[1])) return { t: "v2class", name: V2_MODULES.get(m[1]) };
      if (v3Package(mod)) return { t: "v3ns", module: mod };
      return null;
    }
    if (ts.isIdentifier(expr)) return bindings.get(expr.text) || null;
    if (ts.isPropertyAccessExpression(expr)) {
      const base = valueOf(expr.expression);
      const name = expr.name.text;
      if (base && base.t === "v2ns" && V2_CLASSES.has(name)) return { t: "v2class", name };
      if (base && base.t === "v2ns" && name === "default") return base;
      if (base && base.t === "v2class" && base.name === "DynamoDB" && name === "DocumentClient") {
        return { t: "v2doc", name: "DynamoDB.DocumentClient" };
      }
      if (base && base.t === "v3ns") return { t: "v3class", name, module: base.module };
      return null;
    }
    // AWSXRay.captureAWS(ns) / captureAWS(ns) return the namespace.
    if (ts.isCallExpression(expr) && expr.arguments.length >= 1) {
      const callee = unparen(expr.expression);
      const calleeName = ts.isIdentifier(callee) ? callee.text
        : ts.isPropertyAccessExpression(callee) ? callee.name.text : null;
      if (calleeName === "captureAWS") {
        const inner = valueOf(expr.arguments[0]);
        if (inner && inner.t === "v2ns") return inner;
      }
    }
    return null;
  }

  function bindPattern(pattern, value) {
    if (!value) return;
    if (ts.isIdentifier(pattern)) {
      bindings.set(pattern.text, value);
      return;
    }
    if (ts.isObjectBindingPattern(pattern)) {
      for (const el of pattern.elements) {
        if (el.dotDotDotToken) continue;
        const prop = el.propertyName
          ? (ts.isIdentifier(el.propertyName) || ts.isStringLiteralLike(el.propertyName) ? el.propertyName.text : null)
          : (ts.isIdentifier(el.name) ? el.name.text : null);
        if (!prop) continue;
        let member = null;
        if (value.t === "v2ns" && V2_CLASSES.has(prop)) member = { t: "v2class", name: prop };
        if (value.t === "v3ns") member = { t: "v3class", name: prop, module: value.module };
        if (member) bindPattern(el.name, member);
      }
    }
  }

  // Pass 1: bindings, in source order, to a fixed point (two sweeps cover aliases of aliases).
  function collect(node) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier) && node.importClause) {
      const mod = node.moduleSpecifier.text;
      const clause = node.importClause;
      const nsValue = (mod === "aws-sdk" || mod === "aws-sdk/clients/all" || mod === "aws-sdk/global") ? { t: "v2ns", module: mod }
        : v3Package(mod) ? { t: "v3ns", module: mod } : null;
      const m = /^aws-sdk\/clients\/([a-z0-9]+)(\.js)?$/.exec(mod);
      const v2single = m && V2_MODULES.has(m[1]) ? { t: "v2class", name: V2_MODULES.get(m[1]) } : null;
      if (clause.name) {
        if (nsValue && nsValue.t === "v2ns") bindings.set(clause.name.text, nsValue);
        if (v2single) bindings.set(clause.name.text, v2single);
      }
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) {
        if (nsValue) bindings.set(nb.name.text, nsValue);
        if (v2single) bindings.set(nb.name.text, v2single);
      }
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) {
          const imported = (el.propertyName || el.name).text;
          if (nsValue && nsValue.t === "v2ns" && V2_CLASSES.has(imported)) bindings.set(el.name.text, { t: "v2class", name: imported });
          if (nsValue && nsValue.t === "v3ns") bindings.set(el.name.text, { t: "v3class", name: imported, module: mod });
          if (v2single && imported === "default") bindings.set(el.name.text, v2single);
        }
      }
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (ts.isExternalModuleReference(ref) && ref.expression && ts.isStringLiteralLike(ref.expression)) {
        const fake = ts.factory.createCallExpression(ts.factory.createIdentifier("require"), undefined,
          [ts.factory.createStringLiteral(ref.expression.text)]);
        const v = valueOf(fake);
        if (v) bindings.set(node.name.text, v);
      } else if (ts.isQualifiedName(ref) || ts.isIdentifier(ref)) {
        // import Y = X.S3 : rebuild as a property access chain
        const parts = [];
        let q = ref;
        while (ts.isQualifiedName(q)) { parts.unshift(q.right.text); q = q.left; }
        let v = bindings.get(q.text) || null;
        for (const p of parts) {
          if (!v) break;
          if (v.t === "v2ns") v = V2_CLASSES.has(p) ? { t: "v2class", name: p } : null;
          else if (v.t === "v2class" && v.name === "DynamoDB" && p === "DocumentClient") v = { t: "v2doc", name: "DynamoDB.DocumentClient" };
          else if (v.t === "v3ns") v = { t: "v3class", name: p, module: v.module };
          else v = null;
        }
        if (v) bindings.set(node.name.text, v);
      }
    } else if (ts.isVariableDeclaration(node) && node.initializer) {
      bindPattern(node.name, valueOf(node.initializer));
      const init = unparen(node.initializer);
      if (ts.isIdentifier(node.name) && init && ts.isObjectLiteralExpression(init)) {
        objectLiterals.set(node.name.text, init);
      }
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(node.left)) {
      const v = valueOf(node.right);
      if (v) bindings.set(node.left.text, v);
    }
    ts.forEachChild(node, collect);
  }
  collect(sf);
  collect(sf);

  function hasEndpointProp(obj) {
    return obj.properties.some((p) => {
      const n = p.name;
      const name = n && (ts.isIdentifier(n) || ts.isStringLiteralLike(n)) ? n.text : null;
      return name === "endpoint";
    });
  }

  const out = [];
  function visit(node) {
    if (ts.isNewExpression(node)) {
      const v = valueOf(node.expression);
      let kind = null;
      let name = v && v.name;
      if (v && v.t === "v2class") kind = "v2";
      else if (v && v.t === "v2doc") kind = "v2-document-client";
      else if (v && v.t === "v3class") {
        if (/Client$/.test(v.name)) kind = "v3";
        else if (isAggregated(v.name, v.module)) kind = "v3-aggregated";
      }
      if (kind) {
        let hasEndpoint = false;
        let endpointVia = null;
        const first = node.arguments && node.arguments[0] ? unparen(node.arguments[0]) : null;
        if (first && ts.isObjectLiteralExpression(first)) {
          hasEndpoint = hasEndpointProp(first);
          if (hasEndpoint) endpointVia = "literal";
        } else if (first && ts.isIdentifier(first) && objectLiterals.has(first.text)) {
          hasEndpoint = hasEndpointProp(objectLiterals.get(first.text));
          if (hasEndpoint) endpointVia = "binding";
        }
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        const end = sf.getLineAndCharacterOfPosition(node.getEnd());
        out.push({
          path: rel, line: start.line + 1, column: start.character + 1, end_line: end.line + 1,
          kind, name, has_endpoint: hasEndpoint, endpoint_via: endpointVia, text: node.getText(sf),
        });
      }
    }
    ts.forEachChild(node, visit);
  }
  visit(sf);
  return { constructions: out, parseErrors };
}

const result = { constructions: [], unparsed: [] };
for (const rel of input.files) {
  let text;
  try {
    text = fs.readFileSync(path.join(input.root, rel), "utf8");
  } catch (e) {
    result.unparsed.push({ path: rel, error: String(e) });
    continue;
  }
  // Files that never mention an SDK cannot hold a construction: skip the parse.
  if (!/aws-sdk/.test(text)) continue;
  try {
    const r = analyse(rel, text);
    if (r.parseErrors > 0) result.unparsed.push({ path: rel, error: `${r.parseErrors} syntax errors (counted anyway)` });
    result.constructions.push(...r.constructions);
  } catch (e) {
    result.unparsed.push({ path: rel, error: String(e && e.stack || e) });
  }
}
process.stdout.write(JSON.stringify(result));
