/**
 * The widget's compact UI in plain DOM: the embed page loads no React, so it starts fast inside someone
 * else's page. All text goes in through textContent or attributes, never as HTML, so nothing a host
 * page or a user sends can become markup.
 */
import { runProgress } from "../ui/queue";
import type { AppState, AppStore } from "../ui/store";
import type { EmbedUi } from "./options";

/** An element with string attributes and optional text (set as text, never parsed as HTML). */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function mountWidget(root: HTMLElement, store: AppStore, ui: EmbedUi): void {
  const prompt = el("textarea", { id: "embed-prompt", rows: "2", placeholder: "a red star on a blue background" });
  const generate = el("button", { type: "submit", disabled: "" }, "Generate");
  const cancel = el("button", { type: "button", disabled: "" }, "Cancel");
  const problem = el("p", { class: "problem", role: "alert", hidden: "" });
  const form = el("form", { class: "embed-form", novalidate: "" });
  const actions = el("div", { class: "actions" });
  actions.append(generate, cancel);
  form.append(el("label", { for: prompt.id }, "Prompt"), prompt, problem, actions);
  const bar = el("progress", { max: "1", value: "0", "aria-label": "Generation progress" });
  const status = el("span", { class: "status" });
  // the status line changes every step; a screen reader hears only the start, each quarter and the end
  const announcer = el("span", { class: "visually-hidden", role: "status", "aria-label": "Progress announcements" });
  const progress = el("div", { class: "progress" });
  progress.append(bar, status, announcer);
  const error = el("p", { class: "error", role: "alert", hidden: "" });
  const image = el("img", { hidden: "" });
  const placeholder = el("p", { class: "placeholder" }, "Your image appears here.");
  const preview = el("canvas", { role: "img", hidden: "" });
  const frame = el("div", { class: "frame" });
  frame.append(image, preview, placeholder);
  let drawn: AppState["preview"];
  const download = el("a", { hidden: "" }, "Download PNG");
  if (ui === "full") root.append(form);
  root.append(progress, error, frame, download);

  const submit = () => {
    store.getState().setParam("prompt", prompt.value);
    store.getState().generate();
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  prompt.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  });
  // the widget shows no queue, so its Cancel stops everything its user asked for
  cancel.addEventListener("click", () => {
    store.getState().clearQueue();
    store.getState().cancel();
  });

  const render = (s: AppState) => {
    const run = runProgress(s.tally, s.current && { job: s.current, step: s.step }, s.queue);
    bar.max = Math.max(run.max, 1);
    bar.value = run.value;
    const prefix = run.jobsTotal > 1 && s.current ? `Image ${run.jobIndex}/${run.jobsTotal} — ` : "";
    status.textContent = !s.manifest && !s.error ? "Loading…" : prefix + (s.statusText || "Ready.");
    if (announcer.textContent !== s.announcement) announcer.textContent = s.announcement;
    error.hidden = !s.error;
    error.textContent = s.error?.message ?? "";
    problem.hidden = s.formProblems.length === 0;
    problem.textContent = s.formProblems.map((p) => p.message).join(" ");
    generate.disabled = !s.manifest;
    cancel.disabled = !s.current && s.queue.length === 0;
    if (document.activeElement !== prompt && prompt.value !== s.params.prompt) prompt.value = s.params.prompt;

    const shown = s.current ? undefined : s.images[s.selected];
    const live = s.current ? s.preview : undefined;
    image.hidden = !shown;
    preview.hidden = !live;
    placeholder.hidden = Boolean(shown || live);
    download.hidden = !shown;
    if (live && live !== drawn) {
      drawn = live;
      preview.width = live.image.width;
      preview.height = live.image.height;
      preview.setAttribute("aria-label", `Preview after step ${live.step}`);
      preview.getContext("2d")?.putImageData(new ImageData(new Uint8ClampedArray(live.image.data), live.image.width, live.image.height), 0, 0);
    }
    if (!shown) {
      placeholder.textContent = s.current ? "Working…" : "Your image appears here.";
      return;
    }
    if (image.src !== shown.url) {
      image.src = shown.url;
      image.alt = `Generated image, seed ${shown.seed}`;
      download.href = shown.url;
      download.download = `${shown.modelId}-${shown.seed}.png`;
    }
  };
  store.subscribe(render);
  render(store.getState());
}
