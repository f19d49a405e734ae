"""Reference values of diffusers' LCM guidance-scale embedding (LatentConsistencyModelPipeline.get_guidance_scale_embedding,
float32), for src/engine/guidanceEmbedding.test.ts. The formula is restated here from the pipeline's source so the
fixture can be made without diffusers installed:

    /work/.venv/bin/python tools/reference/guidance_embedding.py > src/engine/__fixtures__/guidance_embedding.json
"""
import json

import torch


def guidance_scale_embedding(w: torch.Tensor, embedding_dim: int) -> torch.Tensor:
    w = w * 1000.0
    half_dim = embedding_dim // 2
    emb = torch.log(torch.tensor(10000.0)) / (half_dim - 1)
    emb = torch.exp(torch.arange(half_dim, dtype=torch.float32) * -emb)
    emb = w.to(torch.float32)[:, None] * emb[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=1)
    if embedding_dim % 2 == 1:
        emb = torch.nn.functional.pad(emb, (0, 1))
    return emb


cases = []
for guidance, dim in [(8.0, 256), (1.0, 256), (1.5, 256), (4.5, 7), (2.0, 8)]:
    # the pipeline embeds w = guidance_scale - 1
    values = guidance_scale_embedding(torch.tensor([guidance - 1.0]), dim)[0].tolist()
    cases.append({"guidance": guidance, "dim": dim, "values": values})
print(json.dumps({"source": f"torch {torch.__version__}", "cases": cases}))
