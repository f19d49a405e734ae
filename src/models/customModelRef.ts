/**
 * What the user types to add a custom model — a Hugging Face repo id (`owner/name`, optionally
 * `@revision`) or the address of a repo on any hub with the same layout — and the id the model gets.
 */
import { AppError } from "../errors";
import { normalizeHubBase } from "../hub/urls";

/** Where a repo lives: hub address, `owner/name`, branch or commit. */
export interface ModelRef {
  hubBase: string;
  repo: string;
  revision: string;
}

const HOW_TO_ENTER =
  'Enter a Hugging Face repo id such as "owner/name" (or "owner/name@revision"), or the address of a repository, ' +
  "e.g. https://huggingface.co/owner/name.";

/** The input is neither `owner/name[@revision]` nor the address of a repository. */
export class InvalidModelRefError extends AppError {
  override name = "InvalidModelRefError";
  static of(input: string, why: string): InvalidModelRefError {
    return new InvalidModelRefError(`"${input}" ${why}. ${HOW_TO_ENTER}`, { input });
  }
}

// Hugging Face's rules: letters, digits, "-", "_", "."; no "--" or ".." (its cache uses "--" as a separator)
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;
const REVISION = /^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$/;
const validName = (s: string) => NAME.test(s) && !s.includes("--") && !s.includes("..");
const validRevision = (s: string) => REVISION.test(s) && !s.includes("..");

/** `owner/name`, `owner/name@rev`, or a repo's address (`…/owner/name`, `…/owner/name/tree/rev/…`) → where it lives. */
export function parseModelRef(input: string, hubBase: string): ModelRef {
  const text = input.trim();
  if (text === "") throw InvalidModelRefError.of(input, "is empty");
  if (/^https?:\/\//i.test(text)) return parseRepoUrl(input, text);
  const m = /^([^/@\s]+)\/([^/@\s]+)(?:@(\S+))?$/.exec(text);
  if (!m) throw InvalidModelRefError.of(input, "is not a repo id");
  return checked(input, { hubBase, repo: `${m[1]}/${m[2]}`, revision: m[3] ?? "main" });
}

function parseRepoUrl(input: string, text: string): ModelRef {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw InvalidModelRefError.of(input, "is not a valid address");
  }
  let segments: string[];
  try {
    segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw InvalidModelRefError.of(input, "is not a valid address");
  }
  if (segments[0] === "datasets" || segments[0] === "spaces") {
    throw InvalidModelRefError.of(input, `is a ${segments[0] === "datasets" ? "dataset" : "Space"}, not a model repository`);
  }
  // …/owner/name/{tree,resolve,blob}/revision/… as the hub's pages and download links have it
  const at = segments.findIndex((s, i) => i >= 2 && (s === "tree" || s === "resolve" || s === "blob"));
  const end = at >= 0 ? at : segments.length;
  if (end < 2) throw InvalidModelRefError.of(input, "does not end in a repository's owner/name");
  const hubBase = normalizeHubBase(`${url.origin}/${segments.slice(0, end - 2).join("/")}`);
  if (!hubBase) throw InvalidModelRefError.of(input, "is not an http(s) address");
  const revision = at >= 0 && segments[at + 1] ? segments[at + 1] : "main";
  return checked(input, { hubBase, repo: `${segments[end - 2]}/${segments[end - 1]}`, revision });
}

function checked(input: string, ref: ModelRef): ModelRef {
  const [owner, name] = ref.repo.split("/");
  if (!validName(owner) || !validName(name)) {
    throw InvalidModelRefError.of(input, "is not a valid repo id (owner and name are letters, digits, '-', '_' and '.')");
  }
  if (!validRevision(ref.revision)) throw InvalidModelRefError.of(input, `names an invalid revision "${ref.revision}"`);
  return ref;
}

const ID_PREFIX = "custom--";

/** A cache key and file-name-safe id, distinct from every catalog id. */
export function customModelId(ref: ModelRef): string {
  const [owner, name] = ref.repo.split("/");
  const revision = ref.revision === "main" ? "" : `--${ref.revision.replace(/[^\w.-]/g, "_")}`;
  return `${ID_PREFIX}${owner}--${name}${revision}`;
}

export const isCustomModelId = (id: string): boolean => id.startsWith(ID_PREFIX);
