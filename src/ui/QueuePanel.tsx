import { MODE_LABELS } from "./editing";
import type { QueuedJob } from "./queue";
import { useApp } from "./StoreContext";

function JobSummary({ job }: { job: QueuedJob }) {
  const { prompt, seed, steps, width, height, denoisingStrength } = job.params;
  return (
    <span className="job-summary">
      <span className="job-prompt">{prompt === "" ? "(empty prompt)" : prompt}</span>
      <span className="job-meta">
        seed {seed} · {steps} steps · {width}×{height}
        {job.batch ? ` · batch ${job.batch.index} of ${job.batch.size}` : ""}
        {job.edit ? ` · ${MODE_LABELS[job.edit.mode]} of “${job.edit.sourceName}”, strength ${denoisingStrength}` : ""}
      </span>
    </span>
  );
}

function WaitingJob({ job, index, last }: { job: QueuedJob; index: number; last: boolean }) {
  const moveJob = useApp((s) => s.moveJob);
  const cancelJob = useApp((s) => s.cancelJob);
  return (
    <li>
      <JobSummary job={job} />
      <span className="job-actions">
        <button type="button" aria-label="Move up" title="Move up" disabled={index === 0} onClick={() => moveJob(job.id, -1)}>
          ↑
        </button>
        <button type="button" aria-label="Move down" title="Move down" disabled={last} onClick={() => moveJob(job.id, 1)}>
          ↓
        </button>
        <button type="button" onClick={() => cancelJob(job.id)}>
          Remove
        </button>
      </span>
    </li>
  );
}

/** The running job and the jobs waiting behind it, which the user can reorder or remove. */
export function QueuePanel() {
  const current = useApp((s) => s.current);
  const queue = useApp((s) => s.queue);
  const cancelJob = useApp((s) => s.cancelJob);
  if (!current && queue.length === 0) return null;
  return (
    <section className="queue" aria-labelledby="queue-heading">
      <h2 id="queue-heading">
        Queue <span className="count">({queue.length} waiting)</span>
      </h2>
      <ol>
        {current && (
          <li className="running" aria-current="true">
            <JobSummary job={current} />
            <span className="job-actions">
              <span className="badge">running</span>
              <button type="button" title="Stop this job and go on with the next" onClick={() => cancelJob(current.id)}>
                Skip
              </button>
            </span>
          </li>
        )}
        {queue.map((job, i) => (
          <WaitingJob key={job.id} job={job} index={i} last={i === queue.length - 1} />
        ))}
      </ol>
    </section>
  );
}
