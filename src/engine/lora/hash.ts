/**
 * The LoRA hash AUTOMATIC1111 writes as `Lora hashes: "name: <hash>"`: SHA-256 of a .safetensors file's data
 * after its header (kohya's / sd-webui-additional-networks' addnet hash, so editing the metadata keeps it), first
 * 12 hex digits (A1111's modules/hashes.py addnet_hash_safetensors; extensions-builtin/Lora/network.py shorthash).
 */
export async function loraShortHash(file: Uint8Array): Promise<string> {
  const headerLength = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const data = file.subarray(8 + headerLength);
  // subtle.digest wants a BufferSource it may read whole; a view is enough
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  return Array.from(digest.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
}
