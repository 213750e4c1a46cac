import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, within } from "./helpers";
import { makeCertificate, openSession, request } from "./tls-helpers";

const core = resolve(__dirname, "../..");
const fixtures = join(core, "test/fixtures");
let dir: string;
let bin: string;

// The CLI runs as a real process: bundle bin.ts once (as tsup would) and start it with node.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "channels-cli-"));
  bin = join(dir, "channels.mjs");
  buildSync({
    entryPoints: [join(core, "src/server/bin.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    external: ["bufferutil", "utf-8-validate"],
    outfile: bin,
    logLevel: "error",
    // ws is CommonJS: give the ESM bundle a require().
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** The environment without pnpm's NODE_PATH (which would let an app outside the repo resolve its packages). */
function withoutNodePath(): NodeJS.ProcessEnv {
  const { NODE_PATH: _, ...env } = process.env;
  return env;
}

async function startCli(args: string[], cwd = fixtures): Promise<Running> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...withoutNodePath(), NODE_ENV: "test" },
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await within(
    new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /on (https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) resolve(match[1] as string);
      });
      child.stderr.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      exited.then((code) => reject(new Error(`CLI exited with ${code}: ${out}`)));
    }),
    10_000,
    "the CLI to listen",
  );
  return { child, url, output: () => out, exited };
}

function runCli(args: string[], cwd = fixtures): { status: number | null; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [bin, ...args], {
      cwd,
      env: withoutNodePath(),
      encoding: "utf8",
      stdio: "pipe",
    });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { status: number | null; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("channels CLI", () => {
  it("serves an ES module app (lifespan, HTTP, WebSocket) and shuts down gracefully on SIGTERM", async () => {
    const cli = await startCli(["serve", "./esm-app.mjs", "--port", "0", "--host", "127.0.0.1"]);
    expect(await (await fetch(`${cli.url}/hi`)).text()).toBe("hello from esm /hi");
    const client = await connect(`${cli.url.replace("http", "ws")}/ws/`);
    client.ws.send("x");
    expect(await client.text(0)).toBe("esm echo: x");
    cli.child.kill("SIGTERM");
    expect((await client.closed).code).toBe(1001);
    expect(await within(cli.exited, 10_000)).toBe(0);
    expect(cli.output()).toContain("esm-app: lifespan shutdown");
  });

  it("serves a CommonJS app (module.exports) and stops on SIGINT", async () => {
    const cli = await startCli(["serve", resolve(fixtures, "cjs-app.cjs"), "--port", "0"]);
    expect(await (await fetch(cli.url)).text()).toBe("hello from cjs");
    const client = await connect(cli.url.replace("http", "ws"));
    client.ws.send("y");
    expect(await client.text(0)).toBe("cjs echo: y");
    client.ws.close();
    await client.closed;
    cli.child.kill("SIGINT");
    expect(await within(cli.exited, 10_000)).toBe(0);
  });

  it("selects a named export with module:export", async () => {
    const cli = await startCli(["serve", "esm-app.mjs:other", "--port", "0"]);
    expect(await (await fetch(cli.url)).text()).toBe("other export");
    cli.child.kill("SIGTERM");
    expect(await within(cli.exited, 10_000)).toBe(0);
  });

  it("--help lists every option with its default", () => {
    const { status, stdout } = runCli(["--help"]);
    expect(status).toBe(0);
    const flags = [
      "--host <value>",
      "--port <n>",
      "--root-path <value>",
      "--proxy-headers",
      "--handshake-timeout-ms <n>",
      "--ping-interval-ms <n>",
      "--ping-timeout-ms <n>",
      "--max-message-bytes <n>",
      "--max-buffered-bytes <n>",
      "--application-close-timeout-ms <n>",
      "--http-timeout-ms <n>",
      "--per-message-deflate",
      "--tls-key <value>",
      "--tls-cert <value>",
      "--http2",
      "--h2c",
      "--no-access-log",
      "--layer <value>",
    ];
    for (const flag of flags) {
      const line = stdout.split("\n").find((l) => l.trim().startsWith(flag));
      expect(line, flag).toMatch(/\(default: [^)]+\)$/);
    }
    expect(stdout).toMatch(/--host <value> .*\(default: 127\.0\.0\.1\)/);
    expect(stdout).toMatch(/--port <n> .*\(default: 8000\)/);
    expect(runCli(["serve", "--help"]).stdout).toContain("channels worker <module>[:export] <channel>");
  });

  it("exits 2 with the usage on a bad command line, 1 on a missing module", () => {
    const bad = runCli(["serve", "esm-app.mjs", "--port", "eighty"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--port takes a number");
    expect(runCli(["frobnicate"]).status).toBe(2);
    expect(runCli(["serve", "esm-app.mjs", "--bogus"]).status).toBe(2);
    const missing = runCli(["serve", "./nope.mjs", "--port", "0"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("Cannot find the application module");
    const noExport = runCli(["serve", "esm-app.mjs:missing", "--port", "0"]);
    expect(noExport.status).toBe(1);
    expect(noExport.stderr).toContain('no function export "missing"');
  });

  it("serves HTTP/2 and wss:// over TLS with --tls-key, --tls-cert and --http2", async () => {
    const certificate = makeCertificate();
    try {
      const cli = await startCli([
        "serve",
        "./esm-app.mjs",
        "--port",
        "0",
        "--tls-key",
        certificate.keyPath,
        "--tls-cert",
        certificate.certPath,
        "--http2",
      ]);
      expect(cli.url).toMatch(/^https:/);
      const session = await openSession(cli.url, certificate.cert);
      const response = await request(session, "/over-h2");
      expect(response.body.toString()).toBe("hello from esm /over-h2");
      session.close();
      const client = await connect(`${cli.url.replace("https", "wss")}/ws/`, undefined, {
        ca: certificate.cert,
      });
      client.ws.send("z");
      expect(await client.text(0)).toBe("esm echo: z");
      cli.child.kill("SIGTERM");
      expect((await client.closed).code).toBe(1001);
      expect(await within(cli.exited, 10_000)).toBe(0);
    } finally {
      certificate.remove();
    }
  });

  it("refuses TLS and HTTP/2 flags that do not fit together, saying what to do", () => {
    const noTls = runCli(["serve", "esm-app.mjs", "--port", "0", "--http2"]);
    expect(noTls.status).toBe(1);
    expect(noTls.stderr).toContain("http2: true needs tls");
    const halfTls = runCli(["serve", "esm-app.mjs", "--port", "0", "--tls-cert", "cert.pem"]);
    expect(halfTls.status).toBe(1);
    expect(halfTls.stderr).toContain("--tls-key is missing");
    const unreadable = runCli([
      "serve",
      "esm-app.mjs",
      "--port",
      "0",
      "--tls-key",
      "nope.pem",
      "--tls-cert",
      "nope.pem",
    ]);
    expect(unreadable.status).toBe(1);
    expect(unreadable.stderr).toContain("Cannot read the TLS private key --tls-key nope.pem");
    expect(runCli(["serve", "esm-app.mjs", "--http2", "--h2c"]).status).toBe(2);
  });

  it("with no arguments exits 2 with the usage on stderr; --help prints it on stdout and exits 0", () => {
    const none = runCli([]);
    expect(none.status).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain("channels serve <module>[:export]");
    const help = runCli(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("channels serve <module>[:export]");
  });

  it("--h2c's help says what h2c carries: WebSockets as HTTP/2 streams (RFC 8441)", () => {
    const line = runCli(["--help"])
      .stdout.split("\n")
      .find((l) => l.trim().startsWith("--h2c"));
    expect(line).toContain("RFC 8441");
    expect(line).not.toContain("no WebSockets");
  });

  describe("a TypeScript module", () => {
    let app: string;
    beforeAll(() => {
      app = mkdtempSync(join(tmpdir(), "channels-ts-app-"));
      writeFileSync(join(app, "package.json"), '{ "type": "module" }\n');
      copyFileSync(join(fixtures, "ts-app.ts"), join(app, "ts-app.ts"));
      copyFileSync(join(fixtures, "ts-greeting.ts"), join(app, "ts-greeting.ts"));
    });
    afterAll(() => rmSync(app, { recursive: true, force: true }));

    it("without tsx: exits 1 saying the exact commands that work", () => {
      const result = runCli(["serve", "./ts-app.ts", "--port", "0"], app);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("npm install --save-dev tsx");
      expect(result.stderr).toContain("npx tsc && npx channels serve ./ts-app.js");
      expect(result.stderr).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
    });

    it("with tsx installed in the project: runs it through tsx", async () => {
      // This monorepo has tsx (through vite); link it into the app as `npm i -D tsx` would.
      const fromVitest = createRequire(createRequire(import.meta.url).resolve("vitest"));
      const tsx = dirname(createRequire(fromVitest.resolve("vite")).resolve("tsx/package.json"));
      const modules = join(app, "node_modules");
      rmSync(modules, { recursive: true, force: true });
      execFileSync("mkdir", ["-p", modules]);
      symlinkSync(tsx, join(modules, "tsx"), "dir");
      try {
        const cli = await startCli(["serve", "./ts-app.ts", "--port", "0"], app);
        expect(await (await fetch(`${cli.url}/x`)).text()).toBe("hello from typescript /x");
        cli.child.kill("SIGTERM");
        expect(await within(cli.exited, 10_000)).toBe(0);
      } finally {
        rmSync(modules, { recursive: true, force: true });
      }
    });
  });

  it("worker refuses a process-local layer (in-memory), saying why and what to use", () => {
    const result = runCli(["worker", "in-process-layer-app.mjs", "jobs"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("lives inside one process");
    expect(result.stderr).toContain("RedisChannelLayer");
  });

  it("worker refuses to start without a registered layer", () => {
    const result = runCli(["worker", "esm-app.mjs", "jobs"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('No channel layer registered as "default"');
  });
});
