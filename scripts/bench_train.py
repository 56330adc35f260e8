"""Training throughput on one base model: tokens/s per optimizer step, for a few settings.

Loads the base GGUF in torch once, builds examples from a corpus file, then
times forward + backward (+ AdamW step) over the same few examples for each
setting: the loss on the generated tokens only (the LM head at those
positions) against the loss on every token (the LM head everywhere), LoRA on
all layers against fewer, the prompt with and without the worked examples.
The first example of each setting is a warm-up and is not counted.  Both wall
time and this process's CPU time are reported: on a shared machine the CPU
figure (tokens per CPU second) is the one that compares settings fairly; with
``--threads 1`` it is also the single-core throughput.

    .venv/bin/python scripts/bench_train.py --corpus corpus.jsonl [--model PATH] [--examples 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from cwm_lsp.engine.llama_loader import open_vocabulary
from cwm_lsp.model.default import ensure_default_model
from cwm_lsp.train import lora
from cwm_lsp.train.base import full_loss, generated_loss, load_base
from cwm_lsp.train.dataset import load_rows, make_dataset

SETTINGS = [
    # (name, fewshot, loss, layers, rank)
    ("generated, all layers, r16", False, "generated", "all", 16),
    ("all tokens, all layers, r16", False, "all", "all", 16),
    ("generated, last 12 layers, r16", False, "generated", "last:12", 16),
    ("generated, last 6 layers, r16", False, "generated", "last:6", 16),
    ("generated, all layers, r8", False, "generated", "all", 8),
    ("generated, all layers, r16, few-shot prompt", True, "generated", "all", 16),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--model", default="")
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    path = args.model or str(ensure_default_model(verify=False))
    vocab = open_vocabulary(path)
    rows = load_rows(args.corpus)
    data = {
        fewshot: make_dataset(rows, vocab, seed=0, fewshot=fewshot, max_tokens=4096, holdout=0)
        for fewshot in (False, True)
    }
    started = time.perf_counter()
    model = load_base(path)
    print(f"base model loaded in torch in {time.perf_counter() - started:.1f} s")
    n_layers = len(lora.decoder_layers(model))
    results = []
    for name, fewshot, loss_kind, layers, rank in SETTINGS:
        spec = lora.LoraSpec(
            rank=rank, alpha=2.0 * rank, layers=lora.parse_layers(layers, n_layers)
        )
        attached = lora.attach(model, spec, seed=0)
        params = lora.parameters(attached)
        optimizer = torch.optim.AdamW(params, lr=1e-4)
        examples = data[fewshot].train[: args.examples + 1]
        tokens = generated = 0
        seconds = cpu = 0.0
        for i, example in enumerate(examples):
            t0, c0 = time.perf_counter(), time.process_time()
            if loss_kind == "all":
                loss = full_loss(model, example.ids)
            else:
                loss = generated_loss(model, example.ids, example.generated)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if i:  # the first is a warm-up
                seconds += time.perf_counter() - t0
                cpu += time.process_time() - c0
                tokens += len(example.ids)
                generated += len(example.generated)
        lora.detach(model, attached)
        row = {
            "setting": name,
            "trainable": lora.count(attached.values()),
            "tokens": tokens,
            "generated": generated,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "tokens_per_s": round(tokens / seconds, 1),
            "tokens_per_cpu_s": round(tokens / cpu, 1),
        }
        results.append(row)
        print(
            f"{name:45s} {row['trainable']:>10,} params  {tokens:5d} tokens "
            f"({generated} generated) in {seconds:6.1f} s ({cpu:6.1f} CPU s): "
            f"{row['tokens_per_s']:6.1f} tok/s, {row['tokens_per_cpu_s']:6.1f} tok per CPU s",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
