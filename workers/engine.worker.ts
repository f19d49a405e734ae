import { fetchSource } from "../src/engine/fetchSource";
import { createWebRuntime, probeDevice } from "../src/engine/webRuntime";
import { openWeightCache } from "../src/storage/weightCache";
import type { WorkerEvent, WorkerRequest } from "../src/protocol";
import { createHandler } from "./handler";
import { ORT_ASSETS } from "./ortAssets";

const post = (event: WorkerEvent, transfer: Transferable[] = []) => self.postMessage(event, { transfer });
const handle = createHandler(
  { createRuntime: (choice) => createWebRuntime(choice, ORT_ASSETS), openSource: fetchSource, cache: openWeightCache(), probeDevice },
  post,
);
self.onmessage = (e: MessageEvent<WorkerRequest>) => handle(e.data);
