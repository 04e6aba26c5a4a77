"""One module per stage; importing this package registers every stage with the pipeline."""
from . import constitutional, preference, pretraining, reasoning, rlhf, safety, sft, sweeps  # noqa: F401
