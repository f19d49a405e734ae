/**
 * A local stand-in for the Hugging Face hub, for end-to-end tests and benchmarks: serves folders in the
 * hub's URL layout `/{owner}/{name}/resolve/{revision}/{path}` on loopback, with Range requests, CORS
 * and `Cross-Origin-Resource-Policy: cross-origin` (the app's page is cross-origin isolated), a byte
 * counter, an optional throttle and a switch that cuts a response midway (for resume tests).
 *
 * Control endpoints (JSON): GET /_hub/stats, POST /_hub/reset, POST /_hub/fail {afterBytes?, status?,
 * corruptAt?, truncateTo?, path?, times?}, POST /_hub/throttle {bytesPerSecond}. Like huggingface.co, a
 * 404 says in X-Error-Code whether the repo (RepoNotFound) or only the file (EntryNotFound) is missing.
 *
 * With `cdn: true` it answers as huggingface.co does for LFS files (everything but JSON and text): a 302
 * carrying X-Linked-Etag (the file's SHA-256) and X-Linked-Size to a CDN on another origin, whose CORS
 * is that of Hugging Face's xet CDN as observed (huggingface/datasets#7931): ETag = the quoted SHA-256,
 * Access-Control-Allow-Headers without Range or If-Range, Accept-Ranges/Content-Range/ETag exposed. A
 * browser request with If-Range then fails its preflight there, as it does against the real CDN.
 *
 * Standalone: npx tsx e2e/hub/server.ts [--port 8090] [--root DIR] [--tiny public/models/tiny-shapes]
 */
import { createHash } from "node:crypto";
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
  /** Redirect LFS files to a second, CDN-like origin with Hugging Face's CDN's CORS and SHA-256 ETags. */
  cdn?: boolean;
}

/** The next matching GETs (`times`, default 1) are cut after `afterBytes` body bytes or answered with `status`. */
export interface FailRule {
  afterBytes?: number;
  status?: number;
  /** Serve the file with the byte at this offset flipped: same size, other SHA-256. */
  corruptAt?: number;
  /** Send only this many body bytes with a Content-Length that says so, ending cleanly (a cut the response hides). */
  truncateTo?: number;
  /** Only requests whose path contains this. */
  path?: string;
  times?: number;
}

export interface HubRequestLog {
  method: string;
  /** "cdn" for the second origin of `cdn` mode. */
  origin: "hub" | "cdn";
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
  bytesSent: number;
}

export interface Hub {
  url: string;
  port: number;
  /** The CDN origin in `cdn` mode. */
  cdnUrl?: string;
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

/** As huggingface.co answers a resolve request (its CORS lets a page read the redirect's linked size and hash). */
const HF_EXPOSE =
  "X-Repo-Commit, X-Request-Id, X-Error-Code, X-Error-Message, X-Total-Count, ETag, Link, Accept-Ranges, Content-Range, " +
  "Content-Length, X-Linked-Size, X-Linked-ETag";
/** Hugging Face's xet CDN, as answered in 2026 (huggingface/datasets#7931): no If-Range, no CORP header. */
const CDN_CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Content-Range, Content-Type, Content-Disposition, ETag",
  "Access-Control-Expose-Headers": "Accept-Ranges, Content-Range, Content-Type, Content-Disposition, ETag, X-Cache",
};
/** Files a hub repo keeps in git rather than LFS: served directly even in `cdn` mode. */
const IN_GIT = /\.(json|txt|md)$/;

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/models/__fixtures__");
const DIFFUSERS_CONFIGS = path.join(FIXTURES, "tiny-shapes-diffusers");
const XL_DIFFUSERS_CONFIGS = path.join(FIXTURES, "tiny-shapes-xl-diffusers");

/** Random-weight twins of the catalog's hub models, in their real repos' layouts (tools/twins/). */
export const TWINS = path.join(FIXTURES, "twins");

/** The catalog's hub repos, each served from its twin. */
export function twinRepos(): Record<string, HubRepo> {
  const repos = ["schmuell/sd-turbo-ort-web", "aislamov/lcm-dreamshaper-v7-onnx", "webnn/sdxl-turbo", "stabilityai/sdxl-turbo"];
  return Object.fromEntries(repos.map((repo) => [repo, { dir: path.join(TWINS, repo) }]));
}

/**
 * Serves the built-in model as `test/tiny-shapes`, and the catalog's hub repos from their twins. In
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
    ...twinRepos(),
  };
}

/**
 * The built-in SDXL-interface model in `test/tiny-shapes-xl-diffusers`, with no model.json but an SDXL export's
 * diffusers configs; and the catalog's hub repos from their twins.
 */
export function tinyShapesXlRepos(xlDir: string): Record<string, HubRepo> {
  return {
    "test/tiny-shapes-xl-diffusers": {
      dir: xlDir,
      overlay: XL_DIFFUSERS_CONFIGS,
      hide: ["model.json"],
      rename: { "tokenizer/tokenizer.json": "tokenizer.json", "tokenizer_2/tokenizer.json": "tokenizer.json" },
    },
    ...twinRepos(),
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

  async function controlRequest(req: IncomingMessage, res: ServerResponse, action: string) {
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

  const hashes = new Map<string, { key: string; sha256: string; sha1: string }>();
  /** The file's SHA-256 (an LFS ETag) and SHA-1 (standing in for a git blob id), computed once per version. */
  async function digests(file: string, stat: { size: number; mtimeMs: number }) {
    const key = `${stat.size}-${stat.mtimeMs}`;
    const known = hashes.get(file);
    if (known?.key === key) return known;
    const sha256 = createHash("sha256");
    const sha1 = createHash("sha1");
    for await (const chunk of createReadStream(file)) {
      sha256.update(chunk as Buffer);
      sha1.update(chunk as Buffer);
    }
    const value = { key, sha256: sha256.digest("hex"), sha1: sha1.digest("hex") };
    hashes.set(file, value);
    return value;
  }

  /** The file behind `/{owner}/{name}/resolve/{rev}/{path}` (or the CDN's `/cdn/{owner}/{name}/{rev}/{path}`). */
  async function locate(urlPath: string, cdn: boolean) {
    const m = (cdn ? /^\/cdn\/([^/]+\/[^/]+)\/([^/]+)\/(.+)$/ : /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/).exec(urlPath);
    const repo = m ? decodeURIComponent(m[1]) : undefined;
    const repoPath = m ? m[3].split("/").map(decodeURIComponent).join("/") : "";
    const file = m && repo ? await resolveFile(repo, repoPath) : undefined;
    const stat = file ? await fs.stat(file).catch(() => undefined) : undefined;
    return { repo, revision: m?.[2], repoPath, file, stat: stat?.isFile() ? stat : undefined };
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, urlPath: string, entry: HubRequestLog) {
    const cdn = entry.origin === "cdn";
    const cors = cdn ? CDN_CORS : options.cdn ? { ...CORS, "Access-Control-Expose-Headers": HF_EXPOSE } : CORS;
    const finish = (status: number, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { ...cors, ...headers }).end();
    };
    const { repo, revision, repoPath, file, stat } = await locate(urlPath, cdn);
    if (!file || !stat) {
      if (cdn) return finish(404);
      return finish(404, { "X-Error-Code": repo && (await repoExists(repo)) ? "EntryNotFound" : "RepoNotFound" });
    }
    const size = stat.size;
    if (options.cdn && !cdn && !IN_GIT.test(repoPath)) {
      // huggingface.co: the LFS file's hash and size on the redirect, the bytes from the CDN
      const { sha256, sha1 } = await digests(file, stat);
      return finish(302, {
        Location: `${cdnBase}/cdn/${repo}/${revision}/${repoPath}`,
        ETag: `"${sha1}"`,
        "X-Linked-Etag": `"${sha256}"`,
        "X-Linked-Size": String(size),
      });
    }
    // rules shape the bytes a GET sends; a HEAD before it leaves them for that GET
    const rule = req.method === "GET" ? takeRule(urlPath) : undefined;
    if (rule?.status) return finish(rule.status);

    const etag = options.cdn
      ? `"${(await digests(file, stat))[cdn ? "sha256" : "sha1"]}"`
      : `"${size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const ifRange = req.headers["if-range"];
    const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : undefined;
    if (range === "unsatisfiable") return finish(416, { "Content-Range": `bytes */${size}` });
    const { start } = range ?? { start: 0 };
    const end = Math.min(range?.end ?? size - 1, rule?.truncateTo !== undefined ? start + rule.truncateTo - 1 : Infinity);
    const status = range ? 206 : 200;
    entry.status = status;
    res.writeHead(status, {
      ...cors,
      "Content-Type": file.endsWith(".json") ? "application/json" : "application/octet-stream",
      "Content-Length": String(end - start + 1),
      "Accept-Ranges": "bytes",
      ETag: etag,
      ...(range ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD" || size === 0 || end < start) return void res.end();

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

  const handler = (origin: "hub" | "cdn") => (req: IncomingMessage, res: ServerResponse) => {
    const urlPath = new URL(req.url ?? "/", "http://hub").pathname;
    const entry: HubRequestLog = { method: req.method ?? "GET", origin, path: urlPath, status: 0, bytesSent: 0 };
    if (typeof req.headers.range === "string") entry.range = req.headers.range;
    if (typeof req.headers["if-range"] === "string") entry.ifRange = req.headers["if-range"];
    const control = origin === "hub" && urlPath.startsWith("/_hub/");
    if (!control) {
      log.push(entry);
      if (log.length > MAX_LOG) log = log.slice(-MAX_LOG);
    }
    if (req.method === "OPTIONS") {
      const preflight =
        origin === "cdn"
          ? { ...CDN_CORS, "Access-Control-Allow-Methods": "GET, HEAD" }
          : {
              ...CORS,
              "Access-Control-Allow-Methods": "GET, HEAD, POST",
              // like the real CDN, strict mode allows no If-Range (simple Range needs no preflight)
              "Access-Control-Allow-Headers": options.cdn ? "Range, Content-Type" : "Range, If-Range, Content-Type",
            };
      res.writeHead(204, { ...preflight, "Access-Control-Max-Age": "600" });
      entry.status = 204;
      return void res.end();
    }
    const handled = control
      ? controlRequest(req, res, urlPath.slice("/_hub/".length))
      : req.method === "GET" || req.method === "HEAD"
        ? serveFile(req, res, urlPath, entry)
        : Promise.resolve(void res.writeHead(405, CORS).end());
    handled.catch(() => {
      if (!res.headersSent) res.writeHead(500, CORS).end();
      else res.destroy();
    });
  };

  const listen = async (origin: "hub" | "cdn", port: number) => {
    const server = createServer(handler(origin));
    // loopback only and a bounded number of sockets: this is a test fixture, never a public server
    server.maxConnections = 64;
    server.keepAliveTimeout = 2000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    const address = server.address();
    return { server, port: typeof address === "object" && address ? address.port : 0 };
  };
  const cdnServer = options.cdn ? await listen("cdn", 0) : undefined;
  const cdnBase = cdnServer ? `http://127.0.0.1:${cdnServer.port}` : "";
  const { server, port } = await listen("hub", options.port ?? 0);
  const servers = [server, ...(cdnServer ? [cdnServer.server] : [])];

  const hub: Hub = {
    url: `http://127.0.0.1:${port}`,
    port,
    ...(cdnServer ? { cdnUrl: cdnBase } : {}),
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
      Promise.all(
        servers.map(
          (srv) =>
            new Promise<void>((resolve) => {
              srv.closeAllConnections();
              srv.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
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
