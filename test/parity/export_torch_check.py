#!/usr/bin/python3
"""An exported NVlabs run folder as PyTorch sees it (test/parity/export_torch.test.ts runs this).

Loads each latest_net_*.pth with torch.load(weights_only=True), checks the dtypes PyTorch's
own networks give (int64 counters, float32 the rest), loads them strictly into
bench/torch_spade.py's networks (built from the folder's opt.txt at NVlabs' fixed SPADE width),
and writes G's eval-mode picture for the given labels. Prints one JSON object.

usage: export_torch_check.py <run folder> --labels ids.npy [--instances inst.npy] [--z z.npy] --out out.npy
"""
import argparse
import json
import os
import sys
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch_spade as ts  # noqa: E402

NVLABS_SPADE_HIDDEN = 128


def read_opt_txt(path):
    """`name: value [default: ...]` lines, typed like torch_spade's DEFAULTS."""
    cfg = dict(ts.DEFAULTS)
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("\t[default:")[0].strip()
            if ":" not in line or line.startswith("---"):
                continue
            key, value = (s.strip() for s in line.split(":", 1))
            if key not in cfg:
                continue
            default = ts.DEFAULTS[key]
            if isinstance(default, bool):
                cfg[key] = value == "True"
            elif isinstance(default, int):
                cfg[key] = int(value)
            elif isinstance(default, float):
                cfg[key] = float(value)
            else:
                cfg[key] = value
    cfg["spade_hidden"] = NVLABS_SPADE_HIDDEN
    return cfg


def load_strict(net, path):
    sd = torch.load(path, weights_only=True)
    wrong = [k for k, t in sd.items() if t.dtype != (torch.int64 if k.endswith("num_batches_tracked") else torch.float32)]
    net.load_state_dict(sd, strict=True)
    return {"tensors": len(sd), "wrong_dtypes": wrong}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("run")
    p.add_argument("--labels", required=True)
    p.add_argument("--instances")
    p.add_argument("--z")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    cfg = read_opt_txt(os.path.join(a.run, "opt.txt"))
    nets = {"G": ts.Generator(cfg), "D": ts.MultiscaleD(cfg)}
    if cfg["use_vae"]:
        nets["E"] = ts.Encoder(cfg)
    report = {name: load_strict(net, os.path.join(a.run, f"latest_net_{name}.pth")) for name, net in nets.items()}
    holder = types.SimpleNamespace(cfg=cfg)
    ids = np.load(a.labels)
    inst = np.load(a.instances) if a.instances else None
    sem = ts.Model.semantics(holder, ids, inst)
    z = torch.from_numpy(np.load(a.z).astype(np.float32).reshape(1, -1)) if a.z else None
    G = nets["G"].eval()
    with torch.no_grad():
        out = G(sem, z)
    np.save(a.out, out.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32))
    print(json.dumps({"nets": report, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
