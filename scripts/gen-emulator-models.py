#!/usr/bin/env python3
"""Generates the emulator's typed shapes from the public botocore service models.

For every service in emulator/models/implemented.json it reads botocore's
`data/<service>/<version>/service-2.json(.gz)` (the same models the SDKs use; Apache-2.0,
https://github.com/boto/botocore/tree/develop/botocore/data), keeps the listed operations and
the shapes they reach (documentation dropped), and writes

- emulator/models/<service>.json: the trimmed model, read at run time by the codecs and the
  validator (required members, enums, lengths, ranges, patterns, wire names, error traits);
- emulator/src/generated/<service>.rs: one Rust struct per structure shape, the `Operation`
  enum, one error constant per error shape and the `Operations` trait a service implements.

Run it with a Python that has botocore installed (scripts/test's target/venv has one), or pass
the data directory:

    target/venv/bin/python scripts/gen-emulator-models.py [BOTOCORE_DATA_DIR]

`--from-trimmed` regenerates the Rust from the checked-in trimmed models; `--check` fails when
the checked-in Rust differs from what they generate (run by tests/e2e/test_emulator_models.py).
"""
import gzip
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODELS = ROOT / "emulator" / "models"
GENERATED = ROOT / "emulator" / "src" / "generated"

KEEP_SHAPE_KEYS = {
    "type", "members", "required", "member", "key", "value", "enum", "min", "max",
    "pattern", "exception", "error", "flattened", "union", "timestampFormat", "payload",
    "locationName", "xmlNamespace", "streaming", "document", "sensitive", "event",
    "eventstream",
}
KEEP_MEMBER_KEYS = {
    "shape", "location", "locationName", "flattened", "xmlAttribute", "xmlNamespace",
    "jsonvalue", "queryName", "timestampFormat", "hostLabel", "streaming", "idempotencyToken",
}
KEEP_OPERATION_KEYS = {"name", "http", "input", "output", "errors", "endpoint"}
KEEP_METADATA_KEYS = {
    "apiVersion", "endpointPrefix", "jsonVersion", "protocol", "serviceId", "signingName",
    "targetPrefix", "xmlNamespace", "awsQueryCompatible", "globalEndpoint",
}

RUST_KEYWORDS = {
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
    "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
}
RESERVED_TYPES = {"Option", "Result", "String", "Vec", "Box", "Error", "Value", "Blob", "Empty",
                  "Operation", "Operations"}


def botocore_dir() -> tuple[pathlib.Path, str]:
    if len(sys.argv) > 1 and sys.argv[1] != "--from-trimmed":
        return pathlib.Path(sys.argv[1]), "a botocore data directory"
    import botocore

    return pathlib.Path(botocore.__file__).parent / "data", f"botocore {botocore.__version__}"


def load_full(directory: pathlib.Path, service: str) -> dict:
    versions = sorted(p for p in (directory / service).iterdir() if p.is_dir())
    latest = versions[-1]
    plain = latest / "service-2.json"
    if plain.exists():
        return json.loads(plain.read_text())
    return json.loads(gzip.decompress((latest / "service-2.json.gz").read_bytes()))


def trim(model: dict, operations: list[str], source: str, unenforced: set[str]) -> dict:
    ops = {}
    for name in operations:
        op = model["operations"][name]
        ops[name] = {k: v for k, v in op.items() if k in KEEP_OPERATION_KEYS}
    reached: set[str] = set()

    def visit(shape_name: str) -> None:
        if shape_name in reached:
            return
        reached.add(shape_name)
        shape = model["shapes"][shape_name]
        for member in shape.get("members", {}).values():
            visit(member["shape"])
        for key in ("member", "key", "value"):
            if key in shape:
                visit(shape[key]["shape"])

    for op in ops.values():
        for key in ("input", "output"):
            if key in op:
                visit(op[key]["shape"])
        for err in op.get("errors", []):
            visit(err["shape"])
    shapes = {}
    for name in sorted(reached):
        shape = {k: v for k, v in model["shapes"][name].items()
                 if k in KEEP_SHAPE_KEYS and k not in unenforced}
        if "members" in shape:
            shape["members"] = {
                m: {k: v for k, v in spec.items() if k in KEEP_MEMBER_KEYS}
                for m, spec in shape["members"].items()
            }
        for key in ("member", "key", "value"):
            if key in shape:
                shape[key] = {k: v for k, v in shape[key].items() if k in KEEP_MEMBER_KEYS}
        shapes[name] = shape
    metadata = {k: v for k, v in model["metadata"].items() if k in KEEP_METADATA_KEYS}
    return {"source": source, "metadata": metadata, "operations": ops, "shapes": shapes}


def snake(name: str) -> str:
    out = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    out = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", out)
    out = re.sub(r"[^A-Za-z0-9_]", "_", out).lower()
    if out[0].isdigit():
        out = "n" + out
    if out in {"self", "super", "crate"}:
        return out + "_"
    if out in RUST_KEYWORDS:
        return "r#" + out
    return out


def constant(name: str) -> str:
    return snake(name).removeprefix("r#").upper()


def type_name(shape_name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9]", "", shape_name)
    base = base[0].upper() + base[1:]
    return base + "Shape" if base in RESERVED_TYPES else base


class RustWriter:
    def __init__(self, service: str, model: dict, spec: dict):
        self.service = service
        self.model = model
        self.shapes = model["shapes"]
        self.validation_code = spec["validation_code"]
        self.missing_code = spec["missing_code"]
        self.missing_message = spec.get("missing_message")
        self.error_namespace = spec.get("error_namespace")
        self.list_members_whole = spec.get("list_members_whole", False)
        self.query_codes = spec.get("query_codes", {})
        self.cycles = self.find_boxed_edges()

    def find_boxed_edges(self) -> set[tuple[str, str]]:
        """Structure→structure member edges that close a cycle: those members are boxed."""
        boxed = set()

        def reaches(start: str, goal: str) -> bool:
            seen, stack = set(), [start]
            while stack:
                name = stack.pop()
                if name == goal:
                    return True
                if name in seen:
                    continue
                seen.add(name)
                shape = self.shapes[name]
                for m in shape.get("members", {}).values():
                    stack.append(m["shape"])
                for key in ("member", "key", "value"):
                    if key in shape:
                        stack.append(shape[key]["shape"])
            return False

        for name, shape in self.shapes.items():
            if shape["type"] != "structure":
                continue
            for member in shape.get("members", {}).values():
                target = member["shape"]
                if self.shapes[target]["type"] == "structure" and reaches(target, name):
                    boxed.add((name, target))
        return boxed

    def rust_type(self, shape_name: str) -> str:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "string":
            return "String"
        if kind == "boolean":
            return "bool"
        if kind == "integer":
            return "i32"
        if kind == "long":
            return "i64"
        if kind in ("double", "float", "timestamp"):
            return "f64"
        if kind == "blob":
            return "crate::model::Blob"
        if kind == "list":
            return f"Vec<{self.rust_type(shape['member']['shape'])}>"
        if kind == "map":
            return ("std::collections::BTreeMap<String, "
                    f"{self.rust_type(shape['value']['shape'])}>")
        if kind == "structure":
            if shape.get("document"):
                return "serde_json::Value"
            return type_name(shape_name)
        raise ValueError(f"{self.service}: unknown shape type {kind} for {shape_name}")

    def write(self) -> str:
        meta = self.model["metadata"]
        lines = [
            f"//! Typed shapes of {meta['serviceId']} ({meta['apiVersion']}), generated by "
            "scripts/gen-emulator-models.py",
            f"//! from the trimmed botocore model emulator/models/{self.service}.json "
            f"({self.model['source']}). Do not edit.",
            "#![allow(dead_code, clippy::all, clippy::pedantic)]",
            "",
            "use serde::{Deserialize, Serialize};",
            "",
            "use crate::context::Context;",
            "use crate::error::ApiError;",
            "use crate::model::ServiceModel;",
            "",
            "/// The trimmed model, read by the codecs and the validator.",
            f"pub static MODEL: ServiceModel = ServiceModel::new({json.dumps(self.service)}, "
            f"{json.dumps(self.validation_code)}, "
            f"include_str!(\"../../models/{self.service}.json\"))"
            + (f".with_error_namespace({json.dumps(self.error_namespace)})"
               if self.error_namespace else "")
            + self.missing_member_call()
            + (".with_list_members_whole()" if self.list_members_whole else "") + ";",
            "",
        ]
        lines += self.write_operations()
        lines += self.write_errors()
        for name, shape in self.shapes.items():
            if shape["type"] == "structure" and not shape.get("document"):
                lines += self.write_struct(name, shape)
        return "\n".join(lines) + "\n"

    def missing_member_call(self) -> str:
        """`.with_missing_member(..)` when the service answers missing members its own way."""
        if self.missing_code == self.validation_code and self.missing_message is None:
            return ""
        message = (f"Some({json.dumps(self.missing_message)})"
                   if self.missing_message is not None else "None")
        return f".with_missing_member({json.dumps(self.missing_code)}, {message})"

    def io_type(self, op: dict, key: str) -> str:
        return type_name(op[key]["shape"]) if key in op else "crate::model::Empty"

    def write_operations(self) -> list[str]:
        ops = self.model["operations"]
        lines = ["/// The operations the emulator implements, from the model.",
                 "#[derive(Debug, Clone, Copy, PartialEq, Eq)]", "pub enum Operation {"]
        lines += [f"    {name}," for name in ops]
        lines += ["}", "", "impl Operation {",
                  "    /// Every implemented operation.",
                  "    pub const ALL: &'static [Operation] = &["]
        lines += [f"        Operation::{name}," for name in ops]
        lines += ["    ];", "", "    /// The operation's name on the wire.",
                  "    pub fn name(self) -> &'static str {", "        match self {"]
        lines += [f"            Operation::{name} => {json.dumps(name)}," for name in ops]
        lines += ["        }", "    }", "",
                  "    /// The implemented operation with this name.",
                  "    pub fn from_name(name: &str) -> Option<Operation> {",
                  "        Operation::ALL.iter().copied().find(|op| op.name() == name)",
                  "    }", "}", ""]
        lines += ["/// What a service implements: one method per operation, typed input in, typed "
                  "output or error out.",
                  "#[allow(async_fn_in_trait)]", "pub trait Operations {"]
        for name, op in ops.items():
            lines.append(f"    async fn {snake(name)}(&self, ctx: &Context, input: "
                         f"{self.io_type(op, 'input')}) -> Result<{self.io_type(op, 'output')}, "
                         "ApiError>;")
        lines += ["}", "",
                  "/// Runs `operation` on `service`: the decoded input in, the output to encode out.",
                  "pub async fn call<S: Operations>(service: &S, ctx: &Context, operation: "
                  "Operation, input: serde_json::Value) -> Result<serde_json::Value, ApiError> {",
                  "    match operation {"]
        for name, op in ops.items():
            lines.append(f"        Operation::{name} => crate::model::encode(service."
                         f"{snake(name)}(ctx, crate::model::decode(input)?).await?),")
        lines += ["    }", "}", ""]
        lines += [
            "/// Answers a request with `service`'s operations, in the model's protocol.",
            "pub async fn handle<S: Operations>(service: &S, ctx: &Context, req: &crate::http::Request) -> crate::http::Response {",
            "    let (operation, result) = match crate::protocols::modeled::decode(&MODEL, req) {",
            "        Ok((name, input)) => {",
            "            let result = match Operation::from_name(&name) {",
            "                Some(op) => call(service, ctx, op, input).await,",
            f"                None => Err(ApiError::not_implemented({json.dumps(self.model['metadata']['serviceId'])}, &name)),",
            "            };",
            "            (name, result)",
            "        }",
            "        Err(err) => (String::new(), Err(err)),",
            "    };",
            "    crate::protocols::modeled::encode(&MODEL, &operation, result, &ctx.request_id)",
            "}",
            "",
        ]
        return lines

    def write_errors(self) -> list[str]:
        meta = self.model["metadata"]
        compatible = "awsQueryCompatible" in meta
        query = meta["protocol"] in ("query", "ec2")
        lines = ["/// The modeled errors: code, status and fault as the service sends them.",
                 "pub mod errors {", "    #[allow(unused_imports)]", "    use crate::model::ErrorShape;", ""]
        for name, shape in self.shapes.items():
            if not shape.get("exception"):
                continue
            trait = shape.get("error", {})
            status = trait.get("httpStatusCode", 400)
            sender = trait.get("senderFault", status < 500)
            code = trait.get("code", name) if query else name
            legacy = trait.get("code", self.query_codes.get(name))
            query_code = f"Some({json.dumps(legacy)})" if compatible and legacy else "None"
            lines.append(f"    pub const {constant(name)}: ErrorShape = ErrorShape {{ code: "
                         f"{json.dumps(code)}, status: {status}, query_code: {query_code}, "
                         f"sender_fault: {'true' if sender else 'false'} }};")
        lines += ["}", ""]
        return lines

    def write_struct(self, name: str, shape: dict) -> list[str]:
        required = set(shape.get("required", []))
        lines = [f"/// The `{name}` shape.",
                 "#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]",
                 f"pub struct {type_name(name)} {{"]
        used = set()
        for member, spec in shape.get("members", {}).items():
            field = snake(member)
            while field in used:
                field += "_"
            used.add(field)
            ty = self.rust_type(spec["shape"])
            if (name, spec["shape"]) in self.cycles:
                ty = f"Box<{ty}>"
            lines.append(f"    #[serde(rename = {json.dumps(member)}"
                         + (")]" if member in required
                            else ", default, skip_serializing_if = \"Option::is_none\")]"))
            lines.append(f"    pub {field}: {ty if member in required else f'Option<{ty}>'},")
        lines += ["}", ""]
        return lines


def rustfmt(text: str) -> str:
    out = subprocess.run(["rustfmt", "--edition", "2021", "--emit", "stdout"], input=text,
                         capture_output=True, text=True, check=True)
    return out.stdout


def main() -> None:
    check = "--check" in sys.argv
    stale = []
    wanted = json.loads((MODELS / "implemented.json").read_text())
    from_trimmed = check or "--from-trimmed" in sys.argv
    if not from_trimmed:
        directory, source = botocore_dir()
    GENERATED.mkdir(exist_ok=True)
    modules = []
    for service, spec in wanted.items():
        if service.startswith("_"):
            continue
        path = MODELS / f"{service}.json"
        if from_trimmed:
            trimmed = json.loads(path.read_text())
        else:
            trimmed = trim(load_full(directory, service), spec["operations"], source,
                           set(spec.get("unenforced", [])))
            path.write_text(json.dumps(trimmed, indent=1) + "\n")
        rust = rustfmt(RustWriter(service, trimmed, spec).write())
        target = GENERATED / f"{service}.rs"
        if check:
            if not target.exists() or target.read_text() != rust:
                stale.append(str(target))
        else:
            target.write_text(rust)
        modules.append(service)
    index = ["//! Typed shapes generated from the botocore models (scripts/gen-emulator-models.py).",
             "//! One module per emulated service; do not edit."]
    index += [f"pub mod {m};" for m in modules]
    index_text = rustfmt("\n".join(index) + "\n")
    if check:
        if (GENERATED / "mod.rs").read_text() != index_text:
            stale.append(str(GENERATED / "mod.rs"))
        if stale:
            sys.exit("stale generated code (run scripts/gen-emulator-models.py --from-trimmed): "
                     + ", ".join(stale))
        return
    (GENERATED / "mod.rs").write_text(index_text)


if __name__ == "__main__":
    main()
