#!/usr/bin/env node
// The `awsredirect` command of the npm package: finds the native binary in the platform package
// npm installed as an optional dependency (`@awsredirect/<platform>-<arch>`, the esbuild / biome
// layout; nothing is downloaded after install) and runs it with the same arguments, standard
// streams and exit code. AWSREDIRECT_BINARY names another binary to run instead.
"use strict";

const { spawnSync } = require("child_process");

function binaryPath() {
  if (process.env.AWSREDIRECT_BINARY) {
    return process.env.AWSREDIRECT_BINARY;
  }
  const platformPackage = `@awsredirect/${process.platform}-${process.arch}`;
  const executable = process.platform === "win32" ? "awsredirect.exe" : "awsredirect";
  try {
    return require.resolve(`${platformPackage}/bin/${executable}`);
  } catch {
    process.stderr.write(
      `awsredirect: the package ${platformPackage} that carries the binary for this platform is not installed.\n` +
        "npm installs it as an optional dependency of awsredirect; reinstall without --no-optional / --omit=optional,\n" +
        "or use another distribution (pip install awsredirect, cargo binstall awsredirect) on this platform.\n",
    );
    process.exit(1);
  }
}

const result = spawnSync(binaryPath(), process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  process.stderr.write(`awsredirect: cannot run the binary: ${result.error.message}\n`);
  process.exit(1);
}
if (result.signal) {
  // Ended by a signal (Ctrl-C on `awsredirect serve`): end the same way, so callers see it.
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 1 : result.status);
