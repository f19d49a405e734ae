import type * as Ort from "onnxruntime-common";
import * as ortNode from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { EngineStalledError, GPUDeviceLostError } from "../errors";
import { Runtime, type BackendInfo, type OrtModule } from "./runtime";

const webgpu: BackendInfo = { name: "webgpu", reason: "test", threads: 1, shaderF16: false, maxBufferBytes: 2 ** 30 };

/** The message Chromium's WebGPU gives onnxruntime-web when the GPU process has gone (issue 17). */
const CHROMIUM_LOSS = "Failed to execute 'mapAsync' on 'GPUBuffer': A valid external Instance reference no longer exists.";

/**
 * An onnxruntime whose sessions answer each run as `behave` says: a value, an error, or never. Only the
 * session members the Runtime reads are provided.
 */
function fakeOrt(behave: (call: number) => Promise<Ort.InferenceSession.ReturnType>): OrtModule {
  let calls = 0;
  const session = {
    inputMetadata: [{ name: "x", isTensor: true, type: "float32", shape: [1] }],
    outputNames: ["y"],
    run: () => behave(calls++),
    release: async () => undefined,
  };
  // a test double: the Runtime uses create() and the members above, nothing else of the class
  const InferenceSession = { create: async () => session } as unknown as typeof ortNode.InferenceSession;
  return { InferenceSession, Tensor: ortNode.Tensor };
}

const answer = async () => ({ y: new ortNode.Tensor("float32", new Float32Array([1]), [1]) });
const never = () => new Promise<never>(() => undefined);
const feeds = () => ({ x: new ortNode.Tensor("float32", new Float32Array([0]), [1]) });

describe("Runtime guards", () => {
  it("turns a run that never settles into EngineStalledError, scaled from the session's previous run, and fails later runs at once", async () => {
    const rt = new Runtime(
      fakeOrt((call) => (call < 2 ? answer() : never())),
      webgpu,
      ["webgpu"],
      {},
      {
        watchdog: { minMs: 40, factor: 10, firstRunMs: 1000 },
      },
    );
    const session = await rt.createSession(new Uint8Array());
    await session.run(feeds());
    await session.run(feeds());
    const t0 = performance.now();
    await expect(session.run(feeds())).rejects.toBeInstanceOf(EngineStalledError);
    // the previous run took about nothing, so the floor decides
    expect(performance.now() - t0).toBeLessThan(500);
    expect(rt.broken).toBeInstanceOf(EngineStalledError);
    await expect(session.run(feeds())).rejects.toBeInstanceOf(EngineStalledError);
    await expect(rt.createSession(new Uint8Array())).rejects.toBeInstanceOf(EngineStalledError);
  });

  it("gives a session's first run the long first-run allowance", async () => {
    const slowFirst = () => new Promise<Ort.InferenceSession.ReturnType>((resolve) => setTimeout(() => resolve(answer()), 120));
    const rt = new Runtime(fakeOrt(slowFirst), webgpu, ["webgpu"], {}, { watchdog: { minMs: 40, factor: 1, firstRunMs: 1000 } });
    const session = await rt.createSession(new Uint8Array());
    await expect(session.run(feeds())).resolves.toHaveProperty("y");
    expect(rt.broken).toBeUndefined();
  });

  it("reads Chromium's mapAsync error as a lost GPU device", async () => {
    const rt = new Runtime(
      fakeOrt(() => Promise.reject(new DOMException(CHROMIUM_LOSS, "AbortError"))),
      webgpu,
      ["webgpu"],
    );
    const session = await rt.createSession(new Uint8Array());
    const err = await session.run(feeds()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GPUDeviceLostError);
    expect((err as Error).message).toMatch(/^The GPU was reset \(.*mapAsync.*\)\. Retrying on a new device\.$/);
    expect(rt.broken).toBe(err);
  });

  it("fails the run in flight as soon as the device is reported lost", async () => {
    const rt = new Runtime(fakeOrt(never), webgpu, ["webgpu"]);
    const session = await rt.createSession(new Uint8Array());
    const run = session.run(feeds());
    rt.markBroken(new GPUDeviceLostError("The GPU was reset (test). Retrying on a new device."));
    await expect(run).rejects.toBeInstanceOf(GPUDeviceLostError);
  });

  it("leaves ordinary onnxruntime errors as they are, and the runtime usable", async () => {
    const rt = new Runtime(
      fakeOrt((call) => (call === 0 ? Promise.reject(new Error("Got invalid dimensions for input: x")) : answer())),
      webgpu,
      ["webgpu"],
    );
    const session = await rt.createSession(new Uint8Array());
    await expect(session.run(feeds())).rejects.toThrow("Got invalid dimensions");
    await expect(session.run(feeds())).resolves.toHaveProperty("y");
  });
});
