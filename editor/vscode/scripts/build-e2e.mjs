// Bundles the end-to-end suite (e2e/*.e2e.ts) into e2e/out/ for `node --test`;
// playwright-core stays external (e2e/node_modules, installed by install-e2e.sh).
import * as esbuild from "esbuild";
import { readdirSync, rmSync } from "node:fs";

const suites = readdirSync("e2e")
  .filter((name) => name.endsWith(".e2e.ts"))
  .map((name) => `e2e/${name}`);

rmSync("e2e/out", { recursive: true, force: true });
await esbuild.build({
  entryPoints: suites,
  bundle: true,
  outdir: "e2e/out",
  platform: "node",
  target: "node20",
  format: "cjs",
  external: ["playwright-core"],
  sourcemap: "inline",
  logLevel: "warning",
});
