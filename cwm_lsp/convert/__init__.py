"""Converting a CWM checkpoint (Hugging Face safetensors) to a GGUF llama.cpp loads.

:mod:`~cwm_lsp.convert.converter` is the ``cwm-lsp model convert`` command;
it reads the checkpoint (:mod:`~cwm_lsp.convert.checkpoint`), maps its
tensors (:mod:`~cwm_lsp.convert.tensors`), writes the vocabulary with CWM's
trace tokens (:mod:`~cwm_lsp.convert.tokenizer`) and quantizes through
llama.cpp (:mod:`cwm_lsp.engine.llama_quantize`).
"""
