"""Writes src/engine/__fixtures__/torch_randn.json: torch.randn outputs that random.test.ts must reproduce.

Run from the repository root with a CPU PyTorch: python3 tools/reference/torch_randn.py
The vectorised path's last bits depend on the CPU kernel, so run it on x86-64 with AVX2
(the header records which capability produced the numbers).
"""
import json
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[2] / "src" / "engine" / "__fixtures__" / "torch_randn.json"

SEEDS = [0, 1, 42, 1234, 2**31 - 1, 2**32 - 1, 2**32, 2**32 + 5, 2**53 - 1, 2**63 - 1, 2**64 - 1, -1]
SHAPES = [[0], [1], [5], [15], [16], [17], [31], [33], [100], [2, 7], [1, 4, 8, 8], [1, 4, 64, 64]]
FULL_LIMIT = 256  # store every value up to this many elements, a sample beyond
SAMPLE = 64
# Each sequence draws from one generator in order, as a sampler does step after step.
SEQUENCES = [
    (42, [[1, 4, 8, 8], [5], [1, 4, 8, 8]]),
    (42, [[5], [5]]),  # the second call starts with the first call's cached Box-Muller sine
    (7, [[3], [16], [1], [1]]),  # the cache outlives a vectorised call in between
    (1234, [[17], [33], [2], [1, 4, 8, 8], [1]]),
]


def floats(tensor):
    """Shortest decimal that rounds back to the same float32, to keep the file small."""
    return [float(str(v)) for v in tensor.flatten().numpy()]


def randn(shape, generator):
    return torch.randn(shape, generator=generator, dtype=torch.float32)


def case(seed, shape):
    values = randn(shape, torch.Generator("cpu").manual_seed(seed))
    entry = {"seed": str(seed), "shape": shape}
    if values.numel() <= FULL_LIMIT:
        entry["values"] = floats(values)
        return entry
    flat = values.flatten()
    entry["head"] = floats(flat[:SAMPLE])
    entry["tail"] = floats(flat[-SAMPLE:])
    # Added left to right in float64 so the test can compare it exactly.
    entry["sum"] = float(np.cumsum(flat.numpy().astype(np.float64))[-1])
    return entry


def sequence(seed, shapes):
    generator = torch.Generator("cpu").manual_seed(seed)
    return {"seed": str(seed), "draws": [{"shape": s, "values": floats(randn(s, generator))} for s in shapes]}


def cpu_capability():
    if hasattr(torch.backends, "cpu"):
        return torch.backends.cpu.get_cpu_capability()
    # torch < 2.0 reports it only in its build summary.
    return torch.__config__.show().split("CPU capability usage: ")[1].splitlines()[0]


def main():
    fixture = {
        "source": f"torch {torch.__version__}, CPU capability {cpu_capability()}",
        "cases": [case(seed, shape) for seed in SEEDS for shape in SHAPES],
        "sequences": [sequence(seed, shapes) for seed, shapes in SEQUENCES],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
