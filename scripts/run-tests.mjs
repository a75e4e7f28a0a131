#!/usr/bin/env node
// Runs the test suites with Node's built-in runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [unit|conformance|e2e|conformance-1b|all] [extra node --test flags]
// No suite argument runs unit + conformance + e2e (what CI runs); conformance-1b is opt-in (slow).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const suites = {
  unit: ["src", "test/unit", "test/kernels"],
  conformance: ["test/conformance"],
  e2e: ["test/e2e"],
  browser: ["test/browser"],
  "conformance-1b": ["test/conformance-1b"],
};

function findTests(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const args = process.argv.slice(2);
const chosen = args[0] && !args[0].startsWith("-") ? args.shift() : "default";
const names = chosen === "default" ? ["unit", "conformance", "e2e", "browser"] : chosen === "all" ? Object.keys(suites) : [chosen];
const files = [];
for (const name of names) {
  if (!suites[name]) {
    console.error(`Unknown test suite "${name}"; expected one of: ${Object.keys(suites).join(", ")}, all`);
    process.exit(2);
  }
  for (const dir of suites[name]) findTests(join(root, dir), files);
}
if (files.length === 0) {
  console.error(`No test files found for suite "${chosen}"`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", ...args, ...files], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
