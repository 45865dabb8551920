"""Persistent PyTorch timing worker for bench/vs-torch.mjs (one JSON command per stdin line).

Imports the anchors' ref_model (path in argv[1]); torch.set_num_threads(THREADS, default 2).
Commands: {"work": "train", "size": 128, "batch": 4} | {"work": "infer", "size": 512}
          {"warm": true, ...} runs without timing. Reply: {"ms": ..., "cpu_ms": ...} per line.
"""
import json
import os
import sys
import time

sys.path.insert(0, sys.argv[1])
import torch  # noqa: E402
from ref_model import GANTrainer, JohnsonGenerator  # noqa: E402

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
torch.manual_seed(0)
W = int(os.environ.get("WIDTH", "16"))
trainers, gens, inputs = {}, {}, {}


def job(cmd):
    size = cmd["size"]
    if cmd["work"] == "train":
        key = (size, cmd["batch"])
        if key not in trainers:
            trainers[key] = GANTrainer(w=W, size=size, batch=cmd["batch"])
            inputs[("t",) + key] = torch.rand(cmd["batch"], 3, size, size)
        tr, x = trainers[key], inputs[("t",) + key]
        return lambda: tr.step(x)
    if W not in gens:
        gens[W] = JohnsonGenerator(W).eval()
    key = ("i", size)
    if key not in inputs:
        inputs[key] = torch.rand(1, 3, size, size)
    g, x = gens[W], inputs[key]

    def f():
        with torch.inference_mode():
            g(x)
    return f


print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    fn = job(cmd)
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    ms, cpu = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
    print(json.dumps({"ms": ms, "cpu_ms": cpu}), flush=True)
