#!/usr/bin/env node
// Corpus check for JavaScript / TypeScript (issue 13): on any tree you point it at (it clones
// nothing), counts the AWS SDK client constructions with an independent reader (the TypeScript
// compiler API's parser, and its own, scope-blind name resolution), runs `awsredirect check
// --format json` on the same tree, and prints per language how many constructions `patch`
// redirects (AR001 with a fix), how many `check` reports otherwise (AR004 / AR005 / AR007), how
// many already set `endpoint`, and how many are neither — listed, to be read by a person. It
// also lists findings at constructions the independent count does not know.
//
//     node scripts/corpus-js.mjs TREE [--bin target/debug/awsredirect] [--list]
//
// `typescript` is resolved from $TYPESCRIPT (a package directory), target/node/node_modules
// (scripts/test installs it there) or the working directory. The v2 service list is the
// generated data/aws-sdk-v2-services.txt.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const tree = args.find((a) => !a.startsWith("--"));
if (!tree) {
  console.error("usage: node scripts/corpus-js.mjs TREE [--bin PATH] [--list]");
  process.exit(2);
}
const binIndex = args.indexOf("--bin");
const bin = binIndex >= 0 ? args[binIndex + 1] : path.join(root, "target/debug/awsredirect");
const list = args.includes("--list");

function loadTypeScript() {
  const candidates = [
    process.env.TYPESCRIPT,
    path.join(root, "target/node/node_modules/typescript"),
    path.join(process.cwd(), "node_modules/typescript"),
  ].filter(Boolean);
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, "package.json"))) {
      return createRequire(path.join(dir, "package.json"))(dir);
    }
  }
  console.error("typescript not found: set TYPESCRIPT to an installed typescript@5 package");
  process.exit(2);
}
const ts = loadTypeScript();

const v2Services = new Map(
  fs
    .readFileSync(path.join(root, "data/aws-sdk-v2-services.txt"), "utf8")
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split(" "))
    .map(([id, name]) => [name, id]),
);
const v2Ids = new Set(v2Services.values());

const EXTENSIONS = new Map([
  [".js", "JavaScript"], [".mjs", "JavaScript"], [".cjs", "JavaScript"], [".jsx", "JavaScript"],
  [".ts", "TypeScript"], [".mts", "TypeScript"], [".cts", "TypeScript"], [".tsx", "TypeScript"],
]);
const SKIP_DIRS = new Set([".git", "node_modules", "cdk.out", ".aws-sam", ".venv", "venv"]);

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* walk(full);
    } else if (entry.isFile() && EXTENSIONS.has(path.extname(entry.name)) && !entry.name.endsWith(".d.ts")) {
      yield full;
    }
  }
}

// What a name or expression stands for: a module and a member path, or undefined.
function moduleOf(node) {
  if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])) {
    const callee = node.expression;
    if ((ts.isIdentifier(callee) && callee.text === "require") || callee.kind === ts.SyntaxKind.ImportKeyword) {
      return { module: node.arguments[0].text, path: [] };
    }
  }
  return undefined;
}

function analyse(file, text, language) {
  const kind = file.endsWith("x") ? ts.ScriptKind.TSX : language === "TypeScript" ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const bindings = new Map(); // name -> expression node or {module, path}
  const objects = new Map(); // name -> object literal
  const bind = (name, value) => {
    if (!bindings.has(name)) bindings.set(name, value);
  };
  const news = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.importClause) {
      const module = node.moduleSpecifier.text;
      const clause = node.importClause;
      if (clause.name) bind(clause.name.text, { module, path: ["default"] });
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) bind(named.name.text, { module, path: [] });
      if (named && ts.isNamedImports(named)) {
        for (const spec of named.elements) bind(spec.name.text, { module, path: [(spec.propertyName ?? spec.name).text] });
      }
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) {
        bind(node.name.text, { module: ref.expression.text, path: [] });
      } else {
        bind(node.name.text, ref);
      }
    } else if (ts.isVariableDeclaration(node) && node.initializer) {
      let init = node.initializer;
      while (ts.isAwaitExpression(init) || ts.isParenthesizedExpression(init) || ts.isAsExpression(init)) init = init.expression;
      if (ts.isIdentifier(node.name)) {
        bind(node.name.text, init);
        if (ts.isObjectLiteralExpression(init)) objects.set(node.name.text, init);
      } else if (ts.isObjectBindingPattern(node.name)) {
        for (const element of node.name.elements) {
          if (!ts.isIdentifier(element.name)) continue;
          const key = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : element.name.text;
          bind(element.name.text, { of: init, path: [key] });
        }
      }
    } else if (ts.isNewExpression(node)) {
      news.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  const resolve = (node, depth = 0) => {
    if (depth > 20 || !node) return undefined;
    if (node.module !== undefined) return node;
    if (node.of !== undefined) {
      const base = resolve(node.of, depth + 1);
      return base && { module: base.module, path: [...base.path, ...node.path] };
    }
    const direct = moduleOf(node);
    if (direct) return direct;
    if (ts.isIdentifier(node)) return resolve(bindings.get(node.text), depth + 1);
    if (ts.isPropertyAccessExpression(node) || ts.isQualifiedName(node)) {
      const base = resolve(ts.isQualifiedName(node) ? node.left : node.expression, depth + 1);
      const member = ts.isQualifiedName(node) ? node.right.text : node.name.text;
      return base && { module: base.module, path: [...base.path, member] };
    }
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node)) {
      return resolve(node.expression, depth + 1);
    }
    // X-Ray's captureAWS(AWS) returns the SDK it is given.
    if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const callee = resolve(node.expression, depth + 1);
      const member = callee && callee.path.filter((p) => p !== "default");
      if (callee && /^aws-xray-sdk(-core)?$/.test(callee.module) && member.join(".") === "captureAWS") {
        return resolve(node.arguments[0], depth + 1);
      }
    }
    return undefined;
  };

  const found = [];
  for (const node of news) {
    const target = resolve(node.expression);
    if (!target) continue;
    const what = classify(target);
    if (!what) continue;
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    let options = node.arguments?.[0];
    if (options && ts.isIdentifier(options) && objects.has(options.text)) options = objects.get(options.text);
    const endpoint = options && ts.isObjectLiteralExpression(options) &&
      options.properties.some((p) => p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === "endpoint");
    const service = options && ts.isObjectLiteralExpression(options) &&
      options.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "service");
    found.push({ line: line + 1, column: character + 1, what, endpoint, service });
  }
  return found;
}

function classify({ module, path: full }) {
  const path = full[0] === "default" ? full.slice(1) : full;
  const joined = path.join(".");
  if (["aws-sdk", "aws-sdk/global", "aws-sdk/clients/all"].includes(module)) {
    if (joined === "DynamoDB.DocumentClient") return "v2 client";
    if (joined === "S3.ManagedUpload") return "v2 ManagedUpload";
    if (path.length === 1 && v2Services.has(path[0])) return "v2 client";
    return undefined;
  }
  const id = module.startsWith("aws-sdk/clients/") && module.slice("aws-sdk/clients/".length);
  if (id && v2Ids.has(id)) {
    if (joined === "" || (id === "dynamodb" && joined === "DocumentClient")) return "v2 client";
    if (id === "s3" && joined === "ManagedUpload") return "v2 ManagedUpload";
    return undefined;
  }
  if (module.startsWith("@aws-sdk/client-") && path.length === 1) {
    const compact = module.slice("@aws-sdk/client-".length).replaceAll("-", "");
    const name = path[0];
    const bare = name.endsWith("Client") ? name.slice(0, -6) : name;
    if (name.endsWith("Client") || bare.toLowerCase() === compact) return "v3 client";
  }
  return undefined;
}

// awsredirect's findings, by file, line and column of their start.
// `check` exits 1 when it reports anything; its JSON is on stdout either way.
const run = spawnSync(bin, ["check", "--format", "json", tree], { maxBuffer: 1 << 30, encoding: "utf8" });
if (run.status !== 0 && run.status !== 1) {
  console.error(`awsredirect check exited ${run.status}: ${run.stderr}`);
}
const report = JSON.parse(run.stdout || "{}");
const findings = new Map();
for (const d of report.diagnostics ?? []) {
  findings.set(`${path.resolve(d.path)}:${d.line}:${d.column}`, d);
}

const totals = new Map();
const neither = [];
const matched = new Set();
for (const file of walk(path.resolve(tree))) {
  const language = EXTENSIONS.get(path.extname(file));
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes("aws-sdk")) continue;
  let found;
  try {
    found = analyse(file, text, language);
  } catch {
    continue;
  }
  const t = totals.get(language) ?? { found: 0, redirected: 0, reported: 0, alreadySet: 0, notASite: 0, neither: 0 };
  totals.set(language, t);
  for (const c of found) {
    t.found += 1;
    const key = `${file}:${c.line}:${c.column}`;
    const finding = findings.get(key);
    if (finding) matched.add(key);
    if (finding && finding.code === "AR001" && finding.fixable) t.redirected += 1;
    else if (finding) t.reported += 1;
    else if (c.what === "v2 ManagedUpload" && c.service) t.notASite += 1;
    else if (c.endpoint) t.alreadySet += 1;
    else {
      t.neither += 1;
      neither.push(`${path.relative(process.cwd(), file)}:${c.line}:${c.column} ${c.what}`);
    }
  }
}

console.log(`corpus: ${tree}`);
console.log("language    found  redirected  reported  endpoint-set  upload-with-service  neither");
for (const [language, t] of totals) {
  console.log(
    `${language.padEnd(10)} ${String(t.found).padStart(6)} ${String(t.redirected).padStart(11)} ${String(t.reported).padStart(9)} ${String(t.alreadySet).padStart(13)} ${String(t.notASite).padStart(20)} ${String(t.neither).padStart(8)}`,
  );
}
const unknown = [...findings.entries()].filter(
  ([key, d]) => !matched.has(key) && ["AR001", "AR004", "AR005", "AR007"].includes(d.code) && EXTENSIONS.has(path.extname(d.path)),
);
console.log(`findings at constructions the independent count does not know: ${unknown.length}`);
if (list) {
  for (const line of neither) console.log(`neither: ${line}`);
  for (const [key, d] of unknown) console.log(`only awsredirect: ${path.relative(process.cwd(), key)} ${d.code} ${d.message}`);
}
