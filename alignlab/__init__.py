"""alignlab: a hands-on LLM alignment course on a model you train yourself.

Importing the package keeps Hugging Face progress bars and info logs quiet (they go to stderr, which
notebooks show in red and nbgrader counts against a test cell), and turns off the usage telemetry that TRL's
trainers send to the hub from a background thread (the course makes no network connection unless a learner
names a hub model); set the variables yourself to override.
"""
import os

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
