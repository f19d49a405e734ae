import { useId } from "react";
import { FieldError } from "./FieldError";
import { parseSeedInput, seedInputText } from "./seedInput";
import { useApp } from "./StoreContext";
import { RANDOM_SEED } from "../params";

/** The seed as A1111 has it: empty or −1 draws a new one each time; 🎲 goes back to random, ♻ reuses the last image's seed. */
export function SeedField() {
  const id = useId();
  const hintId = useId();
  const seed = useApp((s) => s.params.seed);
  const lastSeed = useApp((s) => s.images.at(-1)?.seed);
  const setParam = useApp((s) => s.setParam);
  return (
    <div className="field">
      <label htmlFor={id}>Seed</label>
      <div className="seed-row">
        <input
          id={id}
          type="number"
          min={-1}
          aria-describedby={hintId}
          value={seedInputText(seed)}
          placeholder="random"
          onChange={(e) => setParam("seed", parseSeedInput(e.target.value))}
        />
        <button
          type="button"
          className="icon"
          aria-label="Random seed"
          title="Random seed (−1)"
          disabled={seed === RANDOM_SEED}
          onClick={() => setParam("seed", RANDOM_SEED)}
        >
          🎲
        </button>
        <button
          type="button"
          className="icon"
          aria-label="Reuse last seed"
          title={lastSeed === undefined ? "No image yet" : `Reuse seed ${lastSeed}`}
          disabled={lastSeed === undefined}
          onClick={() => lastSeed !== undefined && setParam("seed", lastSeed)}
        >
          ♻
        </button>
      </div>
      <p className="hint" id={hintId}>
        {seed === RANDOM_SEED ? "Random: a new seed each time (empty or −1)." : "A batch counts up from this seed."}
      </p>
      <FieldError field="seed" />
    </div>
  );
}
