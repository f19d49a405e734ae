import { ActionBar } from "./ActionBar";
import { EmbedSnippet } from "./EmbedSnippet";
import { errorTitle } from "./errorTitles";
import { GalleryPanel } from "./GalleryPanel";
import { InterruptedJobs } from "./InterruptedJobs";
import { LoraPanel } from "./LoraPanel";
import { ModelPicker } from "./ModelPicker";
import { ModeTabs } from "./ModeTabs";
import { OfflineReady } from "./OfflineReady";
import { PngInfo } from "./PngInfo";
import { PromptForm } from "./PromptForm";
import { QueuePanel } from "./QueuePanel";
import { ResultPanel } from "./ResultPanel";
import { SourcePanel } from "./SourcePanel";
import { useApp } from "./StoreContext";
import { ThemePicker } from "./ThemePicker";
import { useEscapeCancels } from "./useEscapeCancels";

function BackendBadge() {
  const backend = useApp((s) => s.backend);
  const problem = useApp((s) => s.backendProblem);
  if (!backend && problem) {
    return (
      <p className="backend" data-backend="none">
        Backend: <strong>none</strong> — {errorTitle(problem.name)}. {problem.message}
      </p>
    );
  }
  if (!backend) return <p className="backend">Backend: chosen when the model loads.</p>;
  return (
    <p className="backend" data-backend={backend.name}>
      Backend: <strong>{backend.name === "webgpu" ? "WebGPU" : "WASM"}</strong> — {backend.reason}
    </p>
  );
}

export function App() {
  const modelName = useApp((s) => s.manifest?.name ?? s.model.name);
  useEscapeCancels();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to the prompt
      </a>
      <header>
        <div className="title-row">
          <h1>Diffusion in your browser</h1>
          <ThemePicker />
        </div>
        <OfflineReady />
        <p className="model">
          Model: <strong>{modelName}</strong>
        </p>
        <BackendBadge />
        <ModelPicker />
      </header>
      <main id="main" tabIndex={-1}>
        <div className="column">
          <ModeTabs />
          <SourcePanel />
          <PromptForm />
          <ActionBar />
          <LoraPanel />
          <PngInfo />
          <InterruptedJobs />
          <QueuePanel />
        </div>
        <ResultPanel />
      </main>
      <aside aria-label="Saved images and sharing">
        <GalleryPanel />
        <EmbedSnippet />
      </aside>
    </div>
  );
}
