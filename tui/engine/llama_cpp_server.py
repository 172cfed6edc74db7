"""``python -m tui.engine.llama_cpp_server ARGS``: llama-cpp-python's own OpenAI-compatible server
(``python -m llama_cpp.server ARGS``), loading models with the parameters shotglass loads with.

The tests and benchmarks serve the embedded model through it: on a CPU with AMX, the plain server crashes
in llama.cpp's AMX kernels (see ``load_options.use_cpu_extra_buffers``).
"""

from __future__ import annotations

import runpy
import sys

from tui.engine.llama import default_model_params, model_param_overrides


def main() -> None:
    sys.argv[0] = "llama_cpp.server"
    with default_model_params(model_param_overrides()):
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
