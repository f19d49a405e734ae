/**
 * Engine overhead in Node (onnxruntime-node): wall time of a generation with previews on, divided by
 * the time spent inside session.run, and the mean time of each model part's run.
 *
 *   npx tsx bench/engine.ts [--steps 20] [--runs 5] [--warmup-s 10] [--threads 1] [--size 64] [--guidance 4] [--sampler Euler]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { benchArgs, benchOptions } from "./engineMeasure";
import { measureNode } from "./engineNode";

const { values } = parseArgs({ options: benchArgs });
const result = await measureNode(Number(values.threads), benchOptions(values));
console.log(JSON.stringify({ bench: "engine-overhead-node", load1: loadavg()[0], ...result }));
