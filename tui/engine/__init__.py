"""Engines that turn a rendered prompt into tokens. Only ``engine.llama`` imports llama_cpp."""
