"""Pure domain layer: no Textual, no Rich, no llama_cpp, no filesystem work at import time."""
