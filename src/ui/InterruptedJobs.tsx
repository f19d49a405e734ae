import { useApp } from "./StoreContext";

/** Jobs that had not run when the page last closed: offered again, never run unasked. */
export function InterruptedJobs() {
  const jobs = useApp((s) => s.interrupted);
  const rerun = useApp((s) => s.rerunInterrupted);
  const discard = useApp((s) => s.discardInterrupted);
  if (jobs.length === 0) return null;
  return (
    <section className="interrupted" aria-label="Jobs from your last visit">
      <h2>{jobs.length === 1 ? "1 job" : `${jobs.length} jobs`} had not run when the page closed</h2>
      <ul>
        {jobs.map((job) => (
          <li key={job.id}>
            <span className="job-prompt">{job.params.prompt || "(no prompt)"}</span>{" "}
            <span className="job-meta">
              seed {job.params.seed} · {job.params.steps} steps · {job.params.width}×{job.params.height}
            </span>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={rerun}>
          Run them again
        </button>
        <button type="button" onClick={discard}>
          Discard
        </button>
      </div>
    </section>
  );
}
