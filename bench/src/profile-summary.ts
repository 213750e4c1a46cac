// Summarises a `--cpu-prof` profile (from `pnpm bench --profile`): the functions with the most
// self time, and the files where the time goes. `tsx src/profile-summary.ts profiles/X.cpuprofile [top]`
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: tsx src/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
const top = Number(topArg ?? 30);
// Shares of busy time: idle samples (waiting on sockets, between phases) are left out.
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
const total = profile.samples.filter((id) => !idleIds.has(id)).length;
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0 || idleIds.has(node.id)) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, "").replace(/.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "");
  const key = `${functionName || "(anonymous)"}  ${where}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  const fileKey = where || functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
}
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
};
show("self time by function", byFunction);
show("self time by file", byFile);

// `--callers=name`: who calls a function (two frames up), e.g. which writes a native write serves.
const callersOf = process.argv.find((arg) => arg.startsWith("--callers="))?.slice(10);
if (callersOf) {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const chains = new Map<string, number>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== callersOf || !node.hitCount) continue;
    const frames: string[] = [];
    for (let p = parent.get(node.id); p && frames.length < 9; p = parent.get(p.id)) {
      frames.push(
        `${p.callFrame.functionName || "(anonymous)"}@${p.callFrame.url.split("/").slice(-2).join("/")}`,
      );
    }
    const key = frames.join(" < ");
    chains.set(key, (chains.get(key) ?? 0) + node.hitCount);
  }
  void byId;
  show(`callers of ${callersOf}`, chains);
}
