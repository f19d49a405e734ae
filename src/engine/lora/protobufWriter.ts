/** Just enough protobuf writing to build small ONNX graphs (the LoRA kernel's, the bench's synthetic U-Net). */
export class ProtoWriter {
  private parts: Uint8Array[] = [];
  length = 0;

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  varint(v: number): this {
    const out: number[] = [];
    while (v >= 128) {
      out.push((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return this.bytes(Uint8Array.from(out));
  }

  /** A varint field. */
  int(field: number, v: number): this {
    return this.varint(field * 8).varint(v);
  }

  string(field: number, s: string): this {
    const b = new TextEncoder().encode(s);
    return this.varint(field * 8 + 2)
      .varint(b.length)
      .bytes(b);
  }

  /** A length-delimited field holding another message, or raw bytes. */
  message(field: number, inner: ProtoWriter | Uint8Array): this {
    this.varint(field * 8 + 2).varint(inner.length);
    if (inner instanceof Uint8Array) return this.bytes(inner);
    for (const p of inner.parts) this.bytes(p);
    return this;
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
