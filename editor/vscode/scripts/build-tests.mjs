// Bundles each test/*.test.ts into out/test/*.test.js for `node --test`,
// with the `vscode` module replaced by the hand-written stub test/vscode-stub.ts.
import * as esbuild from "esbuild";
import { readdirSync, rmSync } from "node:fs";

const tests = readdirSync("test")
  .filter((name) => name.endsWith(".test.ts"))
  .map((name) => `test/${name}`);

rmSync("out", { recursive: true, force: true });
await esbuild.build({
  entryPoints: tests,
  bundle: true,
  outdir: "out/test",
  platform: "node",
  target: "node20",
  format: "cjs",
  alias: { vscode: "./test/vscode-stub.ts" },
  sourcemap: "inline",
  logLevel: "warning",
});
