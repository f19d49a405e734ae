import "fake-indexeddb/auto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createStore } from "idb-keyval";
import { describe, expect, it } from "vitest";
import { decodePng } from "../src/png/encodePng";
import { readGenerationInfo } from "../src/png/parameters";
import type { GenerateJob, LoraChoice, WorkerEvent } from "../src/protocol";
import { createWeightCache } from "../src/storage/weightCache";
import { countingRuntime, fakeDeps } from "./fakeDeps";
import { createHandler } from "./handler";

/**
 * LoRAs through the worker: stored in the weight cache, applied to the built-in model, sessions rebuilt only when
 * the set changes, warnings for keys that match nothing, A1111's `Lora hashes` (the expected hash is Python's
 * hashlib over the file as A1111's addnet_hash_safetensors reads it, tools/lora/make_unit_fixtures.py).
 */
const FIXTURES = join(__dirname, "../src/engine/lora/__fixtures__");
const LORA = new Uint8Array(readFileSync(join(FIXTURES, "tiny-shapes-style.safetensors")));
const { addnetHash } = JSON.parse(readFileSync(join(FIXTURES, "tiny-shapes-style.json"), "utf8")) as { addnetHash: string };
const folder = join(__dirname, "../public/models/tiny-shapes");
let dbCount = 0;

function setup() {
  const events: WorkerEvent[] = [];
  const { runtime, sessions } = countingRuntime();
  const cache = Promise.resolve(createWeightCache(createStore(`lora-test-${++dbCount}`, "weights")));
  const handle = createHandler(
    fakeDeps(async () => runtime, { cache }),
    (e) => events.push(e),
  );
  const settled = (id: string) =>
    expect
      .poll(() => events.find((e) => e.id === id && ["result", "error", "loras", "cancelled"].includes(e.kind)), { timeout: 30_000 })
      .toBeDefined()
      .then(() => events.find((e) => e.id === id && ["result", "error", "loras", "cancelled"].includes(e.kind))!);
  return { events, handle, settled, sessions };
}

const job = (prompt: string, loras: LoraChoice[] = []): GenerateJob => ({
  modelId: "tiny-shapes",
  modelBase: folder,
  backend: "wasm",
  loras,
  previews: false,
  params: { prompt, negativePrompt: "", steps: 2, guidance: 4, seed: 3, width: 64, height: 64, sampler: "Euler" },
});

describe("LoRAs in the worker", () => {
  it("stores a LoRA file, lists it, and refuses a file that is no LoRA", async () => {
    const { handle, settled } = setup();
    handle({ kind: "loras", id: "add", action: { op: "add", name: "tiny-shapes-style", data: LORA } });
    expect(await settled("add")).toEqual({ kind: "loras", id: "add", loras: [{ name: "tiny-shapes-style", bytes: LORA.length }] });
    handle({ kind: "loras", id: "bad", action: { op: "add", name: "page", data: new TextEncoder().encode("<!doctype html>") } });
    expect(await settled("bad")).toMatchObject({
      kind: "error",
      error: { name: "LoraError", message: expect.stringMatching(/page\.safetensors is not a \.safetensors file/) },
    });
    handle({ kind: "loras", id: "rm", action: { op: "remove", name: "tiny-shapes-style" } });
    expect(await settled("rm")).toEqual({ kind: "loras", id: "rm", loras: [] });
  });

  it("applies a panel LoRA and a prompt tag, rebuilding sessions only when the set changes", async () => {
    const { events, handle, settled, sessions } = setup();
    handle({ kind: "loras", id: "add", action: { op: "add", name: "tiny-shapes-style", data: LORA } });
    await settled("add");
    handle({ kind: "generate", id: "plain", job: job("a red star") });
    const plain = await settled("plain");
    const created = sessions.created;

    handle({ kind: "generate", id: "panel", job: job("a red star", [{ name: "tiny-shapes-style", strength: 1 }]) });
    const panel = await settled("panel");
    expect(panel.kind).toBe("result");
    const statuses = events.filter((e) => e.id === "panel" && e.kind === "status").map((e) => (e.kind === "status" ? e.status : undefined));
    expect(statuses.some((s) => s?.status === "progress" && s.applyingLora)).toBe(true);
    const done = statuses.find((s) => s?.status === "done");
    expect(done?.status === "done" && done.warnings).toEqual([
      expect.stringMatching(/LoRA "tiny-shapes-style": 1 key\(s\) not applied .*lora_unet_no_such_block_proj/),
    ]);
    if (panel.kind !== "result" || plain.kind !== "result") return;
    const info = readGenerationInfo(panel.result.png);
    expect(info?.prompt).toBe("a red star <lora:tiny-shapes-style:1>");
    expect(info?.extra["Lora hashes"]).toBe(`tiny-shapes-style: ${addnetHash}`);
    const a = decodePng(plain.result.png).rgba;
    const b = decodePng(panel.result.png).rgba;
    expect(a.some((v, i) => Math.abs(v - b[i]) > 8)).toBe(true);

    const rebuilt = sessions.created;
    expect(rebuilt).toBe(created * 2);
    handle({ kind: "generate", id: "again", job: job("a blue star", [{ name: "tiny-shapes-style", strength: 1 }]) });
    await settled("again");
    expect(sessions.created).toBe(rebuilt);

    // the tag replaces the panel's strength for that LoRA, and is kept in the prompt as typed
    handle({ kind: "generate", id: "tag", job: job("a red star <lora:tiny-shapes-style:0.5>", [{ name: "tiny-shapes-style", strength: 1 }]) });
    const tagged = await settled("tag");
    expect(sessions.created).toBe(rebuilt + created);
    expect(tagged.kind === "result" && readGenerationInfo(tagged.result.png)?.prompt).toBe("a red star <lora:tiny-shapes-style:0.5>");
  });

  it("says which LoRA a prompt names that is not stored", async () => {
    const { handle, settled } = setup();
    handle({ kind: "generate", id: "g", job: job("a star <lora:missing:0.8>") });
    expect(await settled("g")).toMatchObject({
      kind: "error",
      error: { name: "InvalidParamsError", message: expect.stringMatching(/No LoRA named "missing" is stored/), data: { field: "prompt" } },
    });
  });
});
