import { EmbedSnippet } from "./EmbedSnippet";
import { GalleryPanel } from "./GalleryPanel";
import { LoraPanel } from "./LoraPanel";
import { ModelPicker } from "./ModelPicker";
import { ModeTabs } from "./ModeTabs";
import { PngInfo } from "./PngInfo";
import { PromptForm } from "./PromptForm";
import { QueuePanel } from "./QueuePanel";
import { ResultPanel } from "./ResultPanel";
import { SourcePanel } from "./SourcePanel";
import { useApp } from "./StoreContext";

function BackendBadge() {
  const backend = useApp((s) => s.backend);
  if (!backend) return <p className="backend">Backend: chosen when the model loads.</p>;
  return (
    <p className="backend" data-backend={backend.name}>
      Backend: <strong>{backend.name === "webgpu" ? "WebGPU" : "WASM"}</strong> — {backend.reason}
    </p>
  );
}

export function App() {
  const modelName = useApp((s) => s.manifest?.name ?? s.model.name);
  return (
    <div className="app">
      <header>
        <h1>Diffusion in your browser</h1>
        <p className="model">
          Model: <strong>{modelName}</strong>
        </p>
        <BackendBadge />
        <ModelPicker />
      </header>
      <main>
        <div className="column">
          <ModeTabs />
          <SourcePanel />
          <PromptForm />
          <LoraPanel />
          <PngInfo />
          <QueuePanel />
        </div>
        <ResultPanel />
      </main>
      <GalleryPanel />
      <EmbedSnippet />
    </div>
  );
}
