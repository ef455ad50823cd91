"""Training layer: label catalogue, annotated records, synthetic data, trainer, evaluator."""
