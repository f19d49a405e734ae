/**
 * One table from a named error (as it crosses the worker boundary) to the title a person reads above its
 * message. Names not in the table are spelled out from their words, so a new error never shows as code.
 */
const TITLES: Record<string, string> = {
  Error: "Something went wrong",
  InvalidParamsError: "Check the settings",
  WebGPUUnavailableError: "WebGPU is not available here",
  ShaderF16UnsupportedError: "This GPU can't run half precision",
  ModelLoadError: "The model could not be loaded",
  ManifestError: "The model's description is not valid",
  SourceImageError: "The source image could not be used",
  QuotaExceededError: "Not enough storage for this model",
  HubFileNotFoundError: "A model file is missing on the hub",
  HubAccessDeniedError: "The model hub refused the download",
  HubUnreachableError: "The model hub could not be reached",
  HubNetworkError: "The model hub could not be reached",
  HubStatusError: "The model hub answered with an error",
  NotOnnxError: "The hub sent something that is not a model",
  DownloadFailedError: "The download failed",
  DownloadOfflineError: "You are offline",
  IntegrityError: "A downloaded file is damaged",
  CacheCorruptError: "A stored model file is damaged",
  ModelNotDownloadedError: "The model is not downloaded yet",
  ModelRepoNotFoundError: "No such model repository",
  NoOnnxFilesError: "The repository has no ONNX model",
  ModelConfigError: "The model's configuration is not usable",
  InvalidModelRefError: "That is not a model name or address",
  JobCancelledError: "Cancelled",
};

/** "DeviceLostError" → "Device lost"; acronyms such as GPU or ONNX stay whole. */
function spellOut(name: string): string {
  const words = name.replace(/Error$/, "").match(/[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+/g) ?? [];
  if (words.length === 0) return TITLES.Error;
  const [first, ...rest] = words;
  return [first, ...rest.map((w) => (w === w.toUpperCase() ? w : w.toLowerCase()))].join(" ");
}

export function errorTitle(name: string): string {
  return TITLES[name] ?? spellOut(name);
}
