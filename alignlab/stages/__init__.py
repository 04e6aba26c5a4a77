"""One module per stage; importing this package registers every stage with the pipeline."""
from . import pretraining  # noqa: F401
