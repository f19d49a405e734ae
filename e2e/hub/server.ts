/**
 * A local stand-in for the Hugging Face hub, for end-to-end tests and benchmarks: serves folders in the
 * hub's URL layout `/{owner}/{name}/resolve/{revision}/{path}` on loopback, with Range requests, CORS
 * and `Cross-Origin-Resource-Policy: cross-origin` (the app's page is cross-origin isolated), a byte
 * counter, an optional throttle and a switch that cuts a response midway (for resume tests).
 *
 * Control endpoints (JSON): GET /_hub/stats, POST /_hub/reset, POST /_hub/fail {afterBytes?, status?,
 * corruptAt?, path?, times?}, POST /_hub/throttle {bytesPerSecond}. Like huggingface.co, a 404 says in
 * X-Error-Code whether the repo (RepoNotFound) or only the file (EntryNotFound) is missing.
 *
 * Standalone: npx tsx e2e/hub/server.ts [--port 8090] [--root DIR] [--tiny public/models/tiny-shapes]
 */
import { createReadStream, promises as fs } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A repository served from a folder; `rename` maps a path in the repo to a path under `dir`. */
export interface HubRepo {
  dir: string;
  rename?: Record<string, string>;
  /** A folder whose files are served in front of `dir`'s (configs a repo has and the model folder lacks). */
  overlay?: string;
  /** Paths answered with 404 although `dir` has them. */
  hide?: string[];
}

export interface HubOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Folder holding `{owner}/{name}/...` for repos not listed in `repos`. */
  root: string;
  repos?: Record<string, HubRepo>;
  bytesPerSecond?: number;
}

/** The next matching responses (`times`, default 1) are cut after `afterBytes` body bytes or answered with `status`. */
export interface FailRule {
  afterBytes?: number;
  status?: number;
  /** Serve the file with the byte at this offset flipped: same size, other SHA-256. */
  corruptAt?: number;
  /** Only requests whose path contains this. */
  path?: string;
  times?: number;
}

export interface HubRequestLog {
  method: string;
  path: string;
  range?: string;
  status: number;
  bytesSent: number;
}

export interface Hub {
  url: string;
  port: number;
  /** Body bytes written since start or the last reset. */
  bytesSent(): number;
  requests(): HubRequestLog[];
  reset(): void;
  fail(rule: FailRule): void;
  throttle(bytesPerSecond: number | undefined): void;
  close(): Promise<void>;
}

const MAX_LOG = 1000;
const MAX_CONTROL_BODY = 4096;
const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges, ETag, X-Error-Code",
  "Cross-Origin-Resource-Policy": "cross-origin",
};

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/models/__fixtures__");
const DIFFUSERS_CONFIGS = path.join(FIXTURES, "tiny-shapes-diffusers");
const XL_DIFFUSERS_CONFIGS = path.join(FIXTURES, "tiny-shapes-xl-diffusers");

/**
 * Serves the built-in model as `test/tiny-shapes`, and also under SD-Turbo's repo and file names. In
 * `test/tiny-shapes-diffusers` it has no model.json but diffusers' configs, as an ONNX export of the hub would.
 */
export function tinyShapesRepos(modelDir: string): Record<string, HubRepo> {
  return {
    "test/tiny-shapes": { dir: modelDir },
    "test/tiny-shapes-diffusers": {
      dir: modelDir,
      overlay: DIFFUSERS_CONFIGS,
      hide: ["model.json"],
      rename: { "tokenizer/tokenizer.json": "tokenizer.json" },
    },
    "schmuell/sd-turbo-ort-web": { dir: modelDir, rename: { "tokenizer/tokenizer_config.json": "tokenizer_config.json" } },
    "openai/clip-vit-large-patch14": { dir: modelDir },
  };
}

/**
 * The built-in SDXL-interface model under webnn/sdxl-turbo's file names, so the catalog entry's layout
 * (flat q4f16 files, two text encoders) goes through download → cache → load; its 4-bit U-Net has the
 * real export's float16 inputs and outputs. In `test/tiny-shapes-xl-diffusers` it has no model.json but an
 * SDXL export's diffusers configs.
 */
export function tinyShapesXlRepos(xlDir: string): Record<string, HubRepo> {
  return {
    "test/tiny-shapes-xl-diffusers": {
      dir: xlDir,
      overlay: XL_DIFFUSERS_CONFIGS,
      hide: ["model.json"],
      rename: { "tokenizer/tokenizer.json": "tokenizer.json", "tokenizer_2/tokenizer.json": "tokenizer.json" },
    },
    "webnn/sdxl-turbo": {
      dir: xlDir,
      rename: {
        "text_encoder_model_q4f16.onnx": "text_encoder/model.onnx",
        "text_encoder_2_model_q4f16.onnx": "text_encoder_2/model.onnx",
        "unet_model_q4f16.onnx": "unet/model_q4.onnx",
        "vae_decoder_model_q4f16.onnx": "vae_decoder/model.onnx",
      },
    },
    "openai/clip-vit-large-patch14": { dir: xlDir },
  };
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range) → inclusive [start, end]; "unsatisfiable" or undefined (ignore). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const n = Math.min(Number(m[2]), size);
    return n > 0 ? { start: size - n, end: size - 1 } : "unsatisfiable";
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start < size && start <= end ? { start, end } : "unsatisfiable";
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
      if (body.length > MAX_CONTROL_BODY) req.destroy(new Error("control body too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

export async function startHub(options: HubOptions): Promise<Hub> {
  const root = path.resolve(options.root);
  const repos = options.repos ?? {};
  let total = 0;
  // responses still streaming from before a reset must not count after it
  let generation = 0;
  let log: HubRequestLog[] = [];
  let rules: (FailRule & { left: number })[] = [];
  let rate = options.bytesPerSecond;

  /** Whether the hub has the repo at all (for X-Error-Code). */
  async function repoExists(repo: string): Promise<boolean> {
    if (repos[repo]) return true;
    const dir = path.resolve(root, repo);
    return dir.startsWith(root + path.sep) && (await fs.stat(dir).catch(() => undefined))?.isDirectory() === true;
  }

  /** The file behind a repo path, or undefined when it would leave the repo's folder or is hidden. */
  async function resolveFile(repo: string, filePath: string): Promise<string | undefined> {
    const mapped = repos[repo];
    if (mapped?.hide?.includes(filePath)) return undefined;
    const inside = (dir: string, p: string) => {
      const base = path.resolve(dir);
      const file = path.resolve(base, p);
      return file.startsWith(base + path.sep) ? file : undefined;
    };
    const over = mapped?.overlay ? inside(mapped.overlay, filePath) : undefined;
    if (over && (await fs.stat(over).catch(() => undefined))?.isFile()) return over;
    return inside(mapped ? mapped.dir : path.join(root, repo), mapped?.rename?.[filePath] ?? filePath);
  }

  function takeRule(urlPath: string): FailRule | undefined {
    const rule = rules.find((r) => r.left > 0 && (!r.path || urlPath.includes(r.path)));
    if (rule) rule.left -= 1;
    rules = rules.filter((r) => r.left > 0);
    return rule;
  }

  async function control(req: IncomingMessage, res: ServerResponse, action: string) {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json", ...CORS }).end(JSON.stringify(value));
    };
    if (action === "stats") return json(200, { bytesSent: total, requests: log });
    if (req.method !== "POST") return json(405, { error: "POST only" });
    const body = (await readBody(req)) || "{}";
    if (action === "reset") {
      hub.reset();
      return json(200, { ok: true });
    }
    if (action === "fail") {
      hub.fail(JSON.parse(body) as FailRule);
      return json(200, { ok: true });
    }
    if (action === "throttle") {
      hub.throttle((JSON.parse(body) as { bytesPerSecond?: number }).bytesPerSecond);
      return json(200, { ok: true });
    }
    return json(404, { error: `no control action ${action}` });
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, urlPath: string, entry: HubRequestLog) {
    const m = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(urlPath);
    const repo = m ? decodeURIComponent(m[1]) : undefined;
    const file = m && repo ? await resolveFile(repo, m[2].split("/").map(decodeURIComponent).join("/")) : undefined;
    const stat = file ? await fs.stat(file).catch(() => undefined) : undefined;
    const rule = takeRule(urlPath);
    const finish = (status: number, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { ...CORS, ...headers }).end();
    };
    if (rule?.status) return finish(rule.status);
    if (!file || !stat?.isFile()) {
      return finish(404, { "X-Error-Code": repo && (await repoExists(repo)) ? "EntryNotFound" : "RepoNotFound" });
    }

    const size = stat.size;
    const etag = `"${size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const ifRange = req.headers["if-range"];
    const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : undefined;
    if (range === "unsatisfiable") return finish(416, { "Content-Range": `bytes */${size}` });
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const status = range ? 206 : 200;
    entry.status = status;
    res.writeHead(status, {
      ...CORS,
      "Content-Type": file.endsWith(".json") ? "application/json" : "application/octet-stream",
      "Content-Length": String(end - start + 1),
      "Accept-Ranges": "bytes",
      ETag: etag,
      ...(range ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD" || size === 0) return void res.end();

    const cutAt = rule?.afterBytes;
    const corruptAt = rule?.corruptAt;
    const born = generation;
    const stream = createReadStream(file, { start, end });
    res.on("close", () => stream.destroy());
    stream.on("data", (chunk: Buffer | string) => {
      let piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (cutAt !== undefined) piece = piece.subarray(0, Math.max(0, cutAt - entry.bytesSent));
      const flip = corruptAt !== undefined ? corruptAt - start - entry.bytesSent : -1;
      if (flip >= 0 && flip < piece.length) {
        piece = Buffer.from(piece);
        piece[flip] ^= 0xff;
      }
      entry.bytesSent += piece.length;
      if (born === generation) total += piece.length;
      if (cutAt !== undefined && entry.bytesSent >= cutAt) {
        // cut the connection once these bytes are on the wire, as a dropped network would
        stream.destroy();
        res.write(piece, () => res.destroy());
        return;
      }
      const flowing = res.write(piece);
      if (!flowing || rate) {
        stream.pause();
        const delay = rate ? (piece.length / rate) * 1000 : 0;
        const resume = () => setTimeout(() => stream.resume(), delay);
        if (flowing) resume();
        else res.once("drain", resume);
      }
    });
    stream.on("end", () => res.end());
    stream.on("error", () => res.destroy());
  }

  const server = createServer((req, res) => {
    const urlPath = new URL(req.url ?? "/", "http://hub").pathname;
    const entry: HubRequestLog = { method: req.method ?? "GET", path: urlPath, status: 0, bytesSent: 0 };
    if (typeof req.headers.range === "string") entry.range = req.headers.range;
    if (!urlPath.startsWith("/_hub/")) {
      log.push(entry);
      if (log.length > MAX_LOG) log = log.slice(-MAX_LOG);
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        ...CORS,
        "Access-Control-Allow-Methods": "GET, HEAD, POST",
        "Access-Control-Allow-Headers": "Range, If-Range, Content-Type",
        "Access-Control-Max-Age": "600",
      });
      entry.status = 204;
      return void res.end();
    }
    const handled = urlPath.startsWith("/_hub/")
      ? control(req, res, urlPath.slice("/_hub/".length))
      : req.method === "GET" || req.method === "HEAD"
        ? serveFile(req, res, urlPath, entry)
        : Promise.resolve(void res.writeHead(405, CORS).end());
    handled.catch(() => {
      if (!res.headersSent) res.writeHead(500, CORS).end();
      else res.destroy();
    });
  });
  // loopback only and a bounded number of sockets: this is a test fixture, never a public server
  server.maxConnections = 64;
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  const hub: Hub = {
    url: `http://127.0.0.1:${port}`,
    port,
    bytesSent: () => total,
    requests: () => log.map((e) => ({ ...e })),
    reset() {
      generation += 1;
      total = 0;
      log = [];
      rules = [];
    },
    fail(rule) {
      rules.push({ ...rule, left: rule.times ?? 1 });
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond && bytesPerSecond > 0 ? bytesPerSecond : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return hub;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const tiny = argValue(args, "--tiny") ?? "public/models/tiny-shapes";
  const hub = await startHub({
    port: Number(argValue(args, "--port") ?? 8090),
    root: argValue(args, "--root") ?? "e2e/hub/repos",
    repos: tinyShapesRepos(tiny),
  });
  console.log(`hub listening on ${hub.url} (test/tiny-shapes, test/tiny-shapes-diffusers and schmuell/sd-turbo-ort-web serve ${tiny})`);
}
