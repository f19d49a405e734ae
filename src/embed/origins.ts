/**
 * Which host pages may drive the widget: the `origins` parameter of the embed URL, a comma-separated list
 * of origins such as `https://shop.example,https://www.shop.example`. `*` (alone) allows any origin and
 * must be chosen explicitly; without the parameter the API is off and only the widget's own form works.
 */
export type Allowlist = { kind: "any" } | { kind: "origins"; origins: ReadonlySet<string> };

export interface ParsedOrigins {
  allow: Allowlist;
  /** Entries that were ignored, and why, for the site owner's console. */
  problems: string[];
}

const MAX_ENTRIES = 50;

export function parseOrigins(raw: string | null): ParsedOrigins {
  const entries = (raw ?? "")
    .split(/[\s,]+/)
    .filter((e) => e !== "")
    .slice(0, MAX_ENTRIES);
  const problems: string[] = [];
  if (entries.includes("*")) {
    if (entries.length === 1) return { allow: { kind: "any" }, problems };
    problems.push("'*' allows every origin and must be the only entry; it was ignored.");
  }
  const origins = new Set<string>();
  for (const entry of entries) {
    if (entry === "*") continue;
    if (entry.includes("*")) {
      problems.push(`'${entry.slice(0, 100)}': wildcards in a host are not supported; list each origin.`);
      continue;
    }
    const origin = originOf(entry);
    if (origin) origins.add(origin);
    else problems.push(`'${entry.slice(0, 100)}' is not an origin: write it as scheme://host or scheme://host:port, e.g. https://example.com.`);
  }
  return { allow: { kind: "origins", origins }, problems };
}

/** The origin an entry names, or undefined when it names something else (a path, a page, credentials). */
function originOf(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  // `new URL` accepts "https://a.example/page" too; only an entry that names nothing but an origin counts.
  const plain = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
  const web = url.protocol === "https:" || url.protocol === "http:";
  return web && plain ? url.origin : undefined;
}

export function isAllowed(allow: Allowlist, origin: string): boolean {
  return allow.kind === "any" || allow.origins.has(origin);
}

/** The `origins` value for an allowlist, as the snippet generator writes it. */
export function formatOrigins(allow: Allowlist): string {
  return allow.kind === "any" ? "*" : [...allow.origins].join(",");
}
