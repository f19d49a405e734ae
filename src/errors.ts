/**
 * Named errors with fix-it text. They cross the worker boundary as { name, message, data } and are
 * rebuilt on the other side as the same class (src/errorRegistry.ts), so the UI can tell a bad prompt from a
 * missing GPU feature with `instanceof`.
 */

/** The facts an error carries (which file, which status), kept simple enough to cross postMessage. */
export type ErrorData = Record<string, string | number | boolean>;

export interface SerializedError {
  name: string;
  message: string;
  data?: ErrorData;
}

/** Every named error of the app: `(message, data)` is the one constructor the registry rebuilds them with. */
export class AppError extends Error {
  constructor(
    message: string,
    readonly data: ErrorData = {},
  ) {
    super(message);
  }
}

/** The message of anything thrown: an Error's message, a thrown string as is, else its text. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === "string" ? err : String(err);
}

/**
 * The base of an AppError class whose errors carry `name`: written out as a string because a minifier may rename
 * the class itself, and the name is what crosses the worker boundary.
 */
function namedError(name: string) {
  return class extends AppError {
    override name = name;
  };
}

/** A generation setting is out of range; `data.field` names the form field. */
export class InvalidParamsError extends namedError("InvalidParamsError") {}

export class WebGPUUnavailableError extends namedError("WebGPUUnavailableError") {}

export class ShaderF16UnsupportedError extends namedError("ShaderF16UnsupportedError") {}

/** A model file is missing, not ONNX, or does not have the inputs the manifest promises. */
export class ModelLoadError extends namedError("ModelLoadError") {}

/** A LoRA file cannot be read or does not fit the model it is applied to. */
export class LoraError extends namedError("LoraError") {}

/** The GPU went away (a driver reset, the browser's GPU process crashed); nothing on it can be used again. */
export class GPUDeviceLostError extends namedError("GPUDeviceLostError") {}

/** A model run went on far longer than its runs before it: the backend is stuck and will not answer. */
export class EngineStalledError extends namedError("EngineStalledError") {}

/** Errors after which the engine's runtime cannot be trusted: the worker is replaced and the job retried. */
export function needsNewEngine(err: Error): boolean {
  return err instanceof GPUDeviceLostError || err instanceof EngineStalledError;
}

export class JobCancelledError extends namedError("JobCancelledError") {
  constructor(message = "Generation cancelled.", data: ErrorData = {}) {
    super(message, data);
  }
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof AppError) return { name: err.name, message: err.message, data: err.data };
  if (err instanceof Error) return { name: err.name, message: err.message || err.name };
  return { name: "Error", message: typeof err === "string" ? err : "Unknown error" };
}
