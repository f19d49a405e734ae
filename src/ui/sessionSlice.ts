/**
 * What a reload brings back besides the settings: the jobs that had not run (offered again, not run by
 * themselves: the user may have closed the page to stop them) and the last finished image from the gallery.
 */
import { newJobId } from "./formSlice";
import type { QueuedJob } from "./queue";
import type { FinishedImage } from "./queueSlice";
import type { SliceCreator, StoreDeps } from "./store";

export interface SessionSlice {
  /** Jobs that were waiting or running when the page last closed. */
  interrupted: QueuedJob[];
  /** Queues the interrupted jobs again, with their seeds, and clears the list. */
  rerunInterrupted(): void;
  discardInterrupted(): void;
  /** Shows the newest gallery image in the result frame, unless this visit already made one. */
  restoreLastResult(): Promise<void>;
}

export const createSessionSlice =
  (deps: StoreDeps): SliceCreator<SessionSlice> =>
  (set, get) => ({
    interrupted: [],

    rerunInterrupted() {
      const jobs = get().interrupted.map((job) => ({ ...job, id: newJobId() }));
      set({ interrupted: [] });
      get().enqueue(jobs);
    },
    discardInterrupted: () => set({ interrupted: [] }),

    async restoreLastResult() {
      const gallery = deps.gallery;
      if (!gallery) return;
      try {
        const [record] = await gallery.page(0, 1);
        const blob = record && (await gallery.png(record.id));
        if (!record || !blob || get().images.length > 0) return;
        const image: FinishedImage = {
          jobId: `gallery-${record.id}`,
          url: URL.createObjectURL(blob),
          blob,
          seed: record.params.seed,
          parameters: record.parameters,
          width: record.width,
          height: record.height,
          params: record.params,
          modelId: record.modelId,
          // the gallery keeps the image and its parameters, not what the engine warned about at the time
          warnings: [],
        };
        set({ images: [image], selected: 0 });
      } catch (err) {
        // the gallery slice reports an unusable gallery on its own; the result frame just stays empty
        console.warn("The last image could not be read back from the gallery.", err);
      }
    },
  });
