/** Starts a download of `blob` under `name`, as a link with a `download` attribute would. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  // The browser reads the URL asynchronously once the download starts; revoking at once can cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** "12.3 kB": decimal units, as operating systems show file sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
