"""catalog: a catalogue and license auditor for models on the Hugging Face Hub."""

__version__ = "0.1.0"
