#!/usr/bin/env node
// Builds the npm packages of awsredirect and packs them with `npm pack`; the version of every
// package (and of the main package's optional dependencies) is Cargo.toml's.
//
//   node scripts/npm-pack.mjs platform <platform>-<arch> <binary> <out-dir>
//       the package `@awsredirect/<platform>-<arch>` carrying <binary> (as bin/awsredirect, or
//       bin/awsredirect.exe on win32), e.g. `linux-x64` for Node's process.platform / process.arch
//   node scripts/npm-pack.mjs main <out-dir>
//       the package `awsredirect`: npm/awsredirect/ (the launcher) with the versions written in
//
// Each package is staged in <out-dir>/stage/<name>/ and its tarball written to <out-dir>; the
// tarball's path is printed. The release workflow runs it for every platform.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// Node's names of the platforms the release workflow builds.
const PLATFORMS = {
  "darwin-arm64": { os: "darwin", cpu: "arm64" },
  "darwin-x64": { os: "darwin", cpu: "x64" },
  "linux-arm64": { os: "linux", cpu: "arm64" },
  "linux-x64": { os: "linux", cpu: "x64" },
  "win32-x64": { os: "win32", cpu: "x64" },
};

function fail(message) {
  process.stderr.write(`npm-pack: ${message}\n`);
  process.exit(2);
}

function cargoVersion() {
  const manifest = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
  // [workspace.package] (the workspace's one version) or [package]: the first `version = "…"`
  // at the start of a line.
  const found = /^version\s*=\s*"([^"]+)"/m.exec(manifest);
  if (!found) fail("no version in Cargo.toml");
  return found[1];
}

function pack(stage, outDir) {
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", path.resolve(outDir)], {
    cwd: stage,
    encoding: "utf8",
  });
  return path.join(path.resolve(outDir), name.trim().split("\n").pop());
}

function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

function platformPackage(platform, binary, outDir, version) {
  const target = PLATFORMS[platform];
  if (!target) fail(`unknown platform ${platform}; one of ${Object.keys(PLATFORMS).join(", ")}`);
  if (!fs.existsSync(binary)) fail(`no binary at ${binary}`);
  const main = JSON.parse(fs.readFileSync(path.join(root, "npm/awsredirect/package.json"), "utf8"));
  const name = `@awsredirect/${platform}`;
  const stage = path.join(outDir, "stage", `awsredirect-${platform}`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(path.join(stage, "bin"), { recursive: true });
  const executable = target.os === "win32" ? "awsredirect.exe" : "awsredirect";
  fs.copyFileSync(binary, path.join(stage, "bin", executable));
  fs.chmodSync(path.join(stage, "bin", executable), 0o755);
  writeJson(path.join(stage, "package.json"), {
    name,
    version,
    description: `The ${platform} binary of awsredirect (installed by the awsredirect package)`,
    license: main.license,
    repository: main.repository,
    os: [target.os],
    cpu: [target.cpu],
    files: [`bin/${executable}`],
    preferUnplugged: true,
  });
  fs.writeFileSync(
    path.join(stage, "README.md"),
    `# ${name}\n\nThe native \`awsredirect\` binary for ${platform}. Install \`awsredirect\` instead: it picks this package on ${platform}.\n`,
  );
  return pack(stage, outDir);
}

function mainPackage(outDir, version) {
  const source = path.join(root, "npm", "awsredirect");
  const stage = path.join(outDir, "stage", "awsredirect");
  fs.rmSync(stage, { recursive: true, force: true });
  fs.cpSync(source, stage, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(stage, "package.json"), "utf8"));
  manifest.version = version;
  manifest.optionalDependencies = Object.fromEntries(
    Object.keys(PLATFORMS).map((platform) => [`@awsredirect/${platform}`, version]),
  );
  writeJson(path.join(stage, "package.json"), manifest);
  return pack(stage, outDir);
}

const [command, ...args] = process.argv.slice(2);
const version = cargoVersion();
if (command === "platform" && args.length === 3) {
  const [platform, binary, outDir] = args;
  fs.mkdirSync(outDir, { recursive: true });
  process.stdout.write(platformPackage(platform, path.resolve(binary), outDir, version) + "\n");
} else if (command === "main" && args.length === 1) {
  fs.mkdirSync(args[0], { recursive: true });
  process.stdout.write(mainPackage(args[0], version) + "\n");
} else {
  fail("usage: npm-pack.mjs platform <platform>-<arch> <binary> <out-dir> | main <out-dir>");
}
