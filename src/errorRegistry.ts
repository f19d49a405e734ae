/**
 * Every named error that can cross the worker boundary, by the name it crosses with. The worker sends
 * `serializeError(err)`; the client rebuilds the same class here, with its message and data, so code on
 * either side tells errors apart with `instanceof` rather than by comparing names. A new error class is
 * added here (errorRegistry.test.ts fails for one that is not).
 */
import {
  AppError,
  EngineStalledError,
  GPUDeviceLostError,
  InvalidParamsError,
  JobCancelledError,
  LoraError,
  ModelLoadError,
  ShaderF16UnsupportedError,
  WebGPUUnavailableError,
  type ErrorData,
  type SerializedError,
} from "./errors";
import { HubAccessDeniedError, HubFileNotFoundError, HubNetworkError, HubStatusError } from "./hub/errors";
import { ManifestError } from "./manifest";
import { SchedulerConfigError } from "./schedulerConfig";
import { InvalidModelRefError } from "./models/customModelRef";
import { HubUnreachableError, ModelConfigError, ModelRepoNotFoundError, NoOnnxFilesError } from "./models/errors";
import {
  CacheCorruptError,
  CacheReadError,
  DamagedModelFileError,
  DownloadFailedError,
  DownloadOfflineError,
  FileTooLargeError,
  IntegrityError,
  ModelNotDownloadedError,
  NotOnnxError,
  QuotaExceededError,
} from "./storage/errors";

/** What the registry can rebuild: a class made from a message and, for AppErrors, its data. */
export type ErrorClass = new (message: string, data?: ErrorData) => Error;

/** Keyed by the name each class gives its errors (not by the class's own name, which a minifier may change). */
export const ERROR_CLASSES = {
  // engine and params
  InvalidParamsError,
  WebGPUUnavailableError,
  ShaderF16UnsupportedError,
  ModelLoadError,
  GPUDeviceLostError,
  EngineStalledError,
  JobCancelledError,
  ManifestError,
  SchedulerConfigError,
  // LoRA
  LoraError,
  // hub
  HubFileNotFoundError,
  HubAccessDeniedError,
  HubStatusError,
  HubNetworkError,
  // custom models
  InvalidModelRefError,
  ModelRepoNotFoundError,
  NoOnnxFilesError,
  ModelConfigError,
  HubUnreachableError,
  // weight cache and downloads
  QuotaExceededError,
  NotOnnxError,
  DownloadFailedError,
  DownloadOfflineError,
  IntegrityError,
  CacheCorruptError,
  CacheReadError,
  FileTooLargeError,
  DamagedModelFileError,
  ModelNotDownloadedError,
} satisfies Record<string, ErrorClass>;

const BY_NAME: ReadonlyMap<string, ErrorClass> = new Map(Object.entries(ERROR_CLASSES));

/** The error the worker sent, as its own class; a name not registered (a TypeError, a RangeError) keeps its name on an AppError. */
export function deserializeError(e: SerializedError): Error {
  const Known = BY_NAME.get(e.name);
  if (Known) return new Known(e.message, e.data);
  const err = new AppError(e.message, e.data);
  err.name = e.name;
  return err;
}
