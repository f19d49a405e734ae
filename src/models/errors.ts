/**
 * Why a custom model cannot be added, as named errors with fix-it text that say which repository and what to
 * change. They extend AppError, so they cross the worker boundary by name (src/errorRegistry.ts).
 */
import { AppError } from "../errors";
import type { ModelRef } from "./customModelRef";

/** The hub has no such repo or revision, or the repo holds neither model.json nor model_index.json. */
export class ModelRepoNotFoundError extends AppError {
  override name = "ModelRepoNotFoundError";
  static of(ref: ModelRef, detail: string): ModelRepoNotFoundError {
    return new ModelRepoNotFoundError(
      `${ref.repo}@${ref.revision} on ${ref.hubBase}: ${detail}. Check the repo id's spelling and revision, and the hub address.`,
      { repo: ref.repo, revision: ref.revision, hub: ref.hubBase },
    );
  }
}

/** The repo is a diffusers model, but not exported to ONNX (or lacks a part). */
export class NoOnnxFilesError extends AppError {
  override name = "NoOnnxFilesError";
  static of(ref: ModelRef, missing: string[]): NoOnnxFilesError {
    return new NoOnnxFilesError(
      `${ref.repo} has no ONNX ${missing.join(", ")} (looked for model.onnx and its _fp16, _q4, _q4f16 and _int8 variants). ` +
        `It may hold PyTorch weights only: look for an ONNX export of the model (often a repo named …-onnx).`,
      { repo: ref.repo, missing: missing.join(",") },
    );
  }
}

/** A config the app needs is missing, invalid or describes something the engine does not run. */
export class ModelConfigError extends AppError {
  override name = "ModelConfigError";
  static of(ref: ModelRef, detail: string): ModelConfigError {
    return new ModelConfigError(
      `${ref.repo} cannot be used: ${detail}. A model.json (this app's manifest) at the repo's root would describe it instead.`,
      { repo: ref.repo },
    );
  }
}

/** The hub could not be asked at all (offline, blocked by CORS, server error). */
export class HubUnreachableError extends AppError {
  override name = "HubUnreachableError";
  static of(hubBase: string, detail: string): HubUnreachableError {
    return new HubUnreachableError(
      `${hubBase} could not be reached (${detail}). Check the connection and the hub address, then add the model again; ` +
        `models already downloaded are not affected.`,
      { hub: hubBase },
    );
  }
}
