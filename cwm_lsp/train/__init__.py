"""Training a LoRA adapter for the generic prompt format, and exporting it as a GGUF LoRA.

:mod:`.examples` turns corpus rows (:mod:`cwm_lsp.corpus`) into token ids and
a mask of the tokens the model generates at inference, by running the
format itself on a teacher-forcing engine (:mod:`.teacher`); :mod:`.base`
loads the base model in torch (the GGUF de-quantized by transformers) and
computes the loss on the masked positions only; :mod:`.lora` adds the
adapter; :mod:`.trainer` runs the loop (fixed seed, time budget,
checkpoints, resume); :mod:`.export` writes the adapter as a GGUF LoRA that
llama.cpp applies at run time.  Needs the ``train`` extra (torch,
transformers, accelerate, gguf); llama.cpp is used for the vocabulary only,
through :mod:`cwm_lsp.engine`.
"""
