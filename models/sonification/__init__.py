"""Image sonification models: datasets, FactorVAEs, synth head, mapper, ONNX runtime (MODEL_CARD.md)."""
