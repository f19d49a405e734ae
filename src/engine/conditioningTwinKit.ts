/** What the conditioning twin tests (SD-Turbo's one encoder, SDXL-Turbo's two) share to check prompts against A1111's. */
import type { LoadedTextEncoder } from "./conditioning";

/** The encoder with every input_ids batch it is given recorded, one array of ids per row. */
export function recording(enc: LoadedTextEncoder, rows: number[][]): LoadedTextEncoder {
  return {
    ...enc,
    session: {
      ...enc.session,
      inputs: enc.session.inputs,
      outputNames: enc.session.outputNames,
      run: (feeds) => {
        const ids = Array.from(feeds.input_ids.data as Int32Array | BigInt64Array, Number);
        const length = feeds.input_ids.dims[1];
        for (let r = 0; r < ids.length / length; r++) rows.push(ids.slice(r * length, (r + 1) * length));
        return enc.session.run(feeds);
      },
    },
  };
}

/** The largest difference from the reference, relative to the reference's largest magnitude. */
export function relativeError(got: Float32Array, want: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / scale;
}

/** A prompt as a test's name: quoted, long ones cut to 50 characters with their length said. */
export const label = (p: string) => JSON.stringify(p.length > 50 ? `${p.slice(0, 50)}… (${p.length} chars)` : p);
