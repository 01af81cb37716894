#!/usr/bin/python3
"""Our own PyTorch SPADE: the measuring stick for SPADE Studio's TF.js model.

Written from the semantics of src/model (and the NVlabs/SPADE paper and options), not copied
from NVlabs. It loads our safetensors checkpoints (parsed by hand: u64 header length, JSON
header, raw little-endian data; tensors in PyTorch layout named G.*, E.*, D.*; the options
in __metadata__.config), so both sides run the SAME weights. PyTorch is never a dependency
of the product: `spade bench` uses this only when /usr/bin/python3 has torch.

Modes (all print one JSON object on stdout; errors print one line and exit 2 for bad input):
  forward  --checkpoint C --labels ids.npy [--instances inst.npy] [--z z.npy | --seed S]
           [--out out.npy] [--runs N]
      Eval-mode generator forward. Writes (N, H, W, 3) float32 in [-1, 1] to --out.
      Reports the cold (first) and warm (median of --runs) latency and the peak RSS.
  train    --checkpoint C --labels ids.npy --images img.npy [--instances inst.npy]
           [--eps eps.npy] --steps K [--lr --beta1 --beta2 --no_TTUR] [--save after.safetensors]
      K NVlabs train steps on one fixed batch (G step, then D step, as pix2pix_trainer does),
      reporting the losses of every step and the step times. For a deterministic cross-check
      with use_vae give --eps: (K, 2, N, z_dim) with [k, 0] for the G step and [k, 1] for the
      D step's regenerated fake (NVlabs draws a fresh eps in each), or (N, z_dim) for all.
  params   --checkpoint C      parameter counts per net.
  encode   --checkpoint C --image img.npy      the encoder's eval-mode mu and logvar (lists)
      for one (H, W, 3) image; the cross-check for `spade encode`.
  verify   --fixtures test/fixtures/spade-reference
      Checks this implementation against the NVlabs reference outputs (eval, train, gradients,
      buffers after a train step, encoder, discriminator, losses).

ids.npy: (N, H, W) model channel ids (dontcare already mapped to label_nc), any numeric dtype.
img.npy: (N, H, W, 3) in [-1, 1] (NHWC, as our .npy files are).
"""
import argparse
import json
import os
import resource
import struct
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the caller checks for this exit code and message
    sys.stderr.write(f"torch_spade: PyTorch is not installed for {sys.executable} ({e})\n")
    sys.exit(3)


class InputError(Exception):
    """Bad input (a file or a flag): one line, exit 2."""

    def __init__(self, message, file=None):
        super().__init__(f"{file}: {message}" if file else message)


# ---------------------------------------------------------------------------------------------
# Checkpoint I/O (our format), by hand.

DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "U8": "u1"}

DEFAULTS = dict(
    label_nc=182, contain_dontcare_label=False, no_instance=False, output_nc=3, ngf=64, ndf=64, z_dim=256,
    crop_size=256, aspect_ratio=1.0, num_upsampling_layers="normal", use_vae=False,
    norm_G="spectralspadesyncbatch3x3", norm_E="spectralinstance", norm_D="spectralinstance",
    n_layers_D=4, num_D=2, no_ganFeat_loss=False, gan_mode="hinge", lambda_feat=10.0, lambda_kld=0.05,
    spade_hidden=128,
)


def read_safetensors(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(f"cannot read checkpoint: {e.strerror}", path)
    if len(raw) < 8:
        raise InputError("not a safetensors file (shorter than 8 bytes)", path)
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise InputError(f"safetensors header length {n} runs past the end of the file", path)
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("safetensors header is not valid JSON", path)
    meta = header.pop("__metadata__", {}) or {}
    data = memoryview(raw)[8 + n:]
    tensors = {}
    for name, e in header.items():
        if e.get("dtype") not in DTYPES:
            raise InputError(f"tensor {name}: unsupported dtype {e.get('dtype')}", path)
        begin, end = e["data_offsets"]
        if end > len(data) or begin > end:
            raise InputError(f"tensor {name}: data_offsets run past the end of the data", path)
        arr = np.frombuffer(data[begin:end], dtype=DTYPES[e["dtype"]]).astype(np.float32).reshape(e["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def write_safetensors(path, tensors, meta):
    """Our format back out (all F32), atomically: temp file in the same folder, then rename."""
    names = sorted(tensors)
    header = {"__metadata__": meta}
    blobs, offset = [], 0
    for name in names:
        b = tensors[name].detach().cpu().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_config(meta, path):
    if meta.get("format") != "spade-studio/1":
        raise InputError("not a SPADE Studio checkpoint (metadata.format is not spade-studio/1)", path)
    try:
        cfg = {**DEFAULTS, **json.loads(meta["config"])}
    except (KeyError, json.JSONDecodeError):
        raise InputError("metadata.config is missing or not JSON", path)
    return cfg


def load_npy(path, what):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read {what}: {e}", path)


# ---------------------------------------------------------------------------------------------
# Layers. Module and attribute names follow the state-dict keys of src/model exactly, so that
# load_state_dict(strict=True) checks the whole structure against the checkpoint.

def normalize(t):
    return t / torch.clamp(t.norm(), min=1e-12)


class Conv(nn.Module):
    """Conv2d with symmetric zero padding, optionally spectral-normalised (weight_orig, u, v)."""

    def __init__(self, cin, cout, k, stride=1, pad=None, bias=True, spectral=False):
        super().__init__()
        self.stride, self.pad, self.spectral = stride, k // 2 if pad is None else pad, spectral
        w = nn.Parameter(torch.zeros(cout, cin, k, k))
        if spectral:
            self.weight_orig = w
            self.register_buffer("weight_u", torch.zeros(cout))
            self.register_buffer("weight_v", torch.zeros(cin * k * k))
        else:
            self.weight = w
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None

    def kernel(self):
        if not self.spectral:
            return self.weight
        w = self.weight_orig
        wm = w.reshape(w.shape[0], -1)
        u, v = self.weight_u, self.weight_v
        if self.training:
            # One power iteration per train-mode forward; u, v are constants for the gradient.
            with torch.no_grad():
                v = normalize(torch.mv(wm.t(), u))
                u = normalize(torch.mv(wm, v))
                self.weight_u.copy_(u)
                self.weight_v.copy_(v)
            u, v = u.clone(), v.clone()
        sigma = torch.dot(u, torch.mv(wm, v))
        return w / sigma

    def forward(self, x):
        return F.conv2d(x, self.kernel(), self.bias, self.stride, self.pad)


class Linear(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(fout, fin))
        self.bias = nn.Parameter(torch.zeros(fout))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class BatchNorm(nn.Module):
    """BatchNorm2d: batch statistics in train mode (running stats updated, unbiased variance)."""

    def __init__(self, nc, affine):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(nc)) if affine else None
        self.bias = nn.Parameter(torch.zeros(nc)) if affine else None
        self.register_buffer("running_mean", torch.zeros(nc))
        self.register_buffer("running_var", torch.ones(nc))
        # float, as our checkpoints store every tensor (PyTorch keeps an int64 counter).
        self.register_buffer("num_batches_tracked", torch.zeros(()))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.num_batches_tracked += 1
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training, 0.1, 1e-5)


class InstanceNorm(nn.Module):
    def forward(self, x):
        return F.instance_norm(x, eps=1e-5)


def lrelu(x):
    return F.leaky_relu(x, 0.2)


def nearest(x, size):
    return F.interpolate(x, size=size, mode="nearest")


def parse_norm_g(s):
    spectral = "spectral" in s
    rest = s.replace("spectral", "")
    if not rest.startswith("spade"):
        raise InputError(f"norm_G '{s}' is not [spectral]spade<norm><k>x<k>")
    body = rest[len("spade"):]
    kernel = int(body[-3])
    sub = body[:-3]
    if sub not in ("batch", "syncbatch", "instance"):
        raise InputError(f"norm_G '{s}': param-free norm '{sub}' is not batch, syncbatch or instance")
    return spectral, sub, kernel


def parse_plain_norm(s):
    spectral = s.startswith("spectral")
    sub = s[len("spectral"):] if spectral else s
    if sub in ("", "none"):
        return spectral, "none"
    if sub in ("batch", "sync_batch", "syncbatch"):
        return spectral, "batch"
    if sub == "instance":
        return spectral, "instance"
    raise InputError(f"norm '{s}' is not [spectral](none|batch|sync_batch|instance)")


def norm_conv(spec, cin, cout, k, stride, pad):
    """get_nonspade_norm_layer: Sequential(conv without bias, norm) at .0/.1, or the bare conv."""
    spectral, sub = spec
    if sub == "none":
        return Conv(cin, cout, k, stride, pad, bias=True, spectral=spectral)
    norm = BatchNorm(cout, True) if sub == "batch" else InstanceNorm()
    return nn.Sequential(Conv(cin, cout, k, stride, pad, bias=False, spectral=spectral), norm)


class SPADE(nn.Module):
    def __init__(self, spec, norm_nc, label_nc, nhidden):
        super().__init__()
        _, sub, ks = spec
        self.param_free_norm = InstanceNorm() if sub == "instance" else BatchNorm(norm_nc, False)
        self.mlp_shared = nn.Sequential(Conv(label_nc, nhidden, ks))
        self.mlp_gamma = Conv(nhidden, norm_nc, ks)
        self.mlp_beta = Conv(nhidden, norm_nc, ks)

    def forward(self, x, seg):
        normalized = self.param_free_norm(x)
        actv = F.relu(self.mlp_shared(nearest(seg, x.shape[2:])))
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class ResBlock(nn.Module):
    def __init__(self, fin, fout, spec, sem_nc, nhidden):
        super().__init__()
        spectral = spec[0]
        fmid = min(fin, fout)
        self.learned = fin != fout
        self.conv_0 = Conv(fin, fmid, 3, spectral=spectral)
        self.conv_1 = Conv(fmid, fout, 3, spectral=spectral)
        if self.learned:
            self.conv_s = Conv(fin, fout, 1, bias=False, spectral=spectral)
        self.norm_0 = SPADE(spec, fin, sem_nc, nhidden)
        self.norm_1 = SPADE(spec, fmid, sem_nc, nhidden)
        if self.learned:
            self.norm_s = SPADE(spec, fin, sem_nc, nhidden)

    def forward(self, x, seg):
        xs = self.conv_s(self.norm_s(x, seg)) if self.learned else x
        dx = self.conv_0(lrelu(self.norm_0(x, seg)))
        dx = self.conv_1(lrelu(self.norm_1(dx, seg)))
        return xs + dx


def semantic_nc(cfg):
    return cfg["label_nc"] + (1 if cfg["contain_dontcare_label"] else 0) + (0 if cfg["no_instance"] else 1)


def py_round(x):
    return int(round(x))  # Python 3 rounds half to even, as NVlabs does


class Generator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        nf, sem, hidden = cfg["ngf"], semantic_nc(cfg), cfg["spade_hidden"]
        spec = parse_norm_g(cfg["norm_G"])
        self.n_up = {"normal": 5, "more": 6, "most": 7}[cfg["num_upsampling_layers"]]
        self.sw = cfg["crop_size"] // 2 ** self.n_up
        self.sh = py_round(self.sw / cfg["aspect_ratio"])
        self.use_vae, self.nf = cfg["use_vae"], nf
        self.fc = Linear(cfg["z_dim"], 16 * nf * self.sw * self.sh) if self.use_vae else Conv(sem, 16 * nf, 3)
        widths = [("head_0", 16, 16), ("G_middle_0", 16, 16), ("G_middle_1", 16, 16),
                  ("up_0", 16, 8), ("up_1", 8, 4), ("up_2", 4, 2), ("up_3", 2, 1)]
        for name, a, b in widths:
            setattr(self, name, ResBlock(a * nf, b * nf, spec, sem, hidden))
        self.ups = ["up_0", "up_1", "up_2", "up_3"]
        final_nc = nf
        if self.n_up == 7:
            final_nc = nf // 2
            self.up_4 = ResBlock(nf, final_nc, spec, sem, hidden)
            self.ups.append("up_4")
        self.conv_img = Conv(final_nc, 3, 3)

    def forward(self, seg, z=None):
        if self.use_vae:
            x = self.fc(z).view(z.shape[0], 16 * self.nf, self.sh, self.sw)
        else:
            x = self.fc(nearest(seg, (self.sh, self.sw)))
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")  # noqa: E731
        x = up(self.head_0(x, seg))
        x = self.G_middle_0(x, seg)
        if self.n_up > 5:
            x = up(x)
        x = self.G_middle_1(x, seg)
        for name in self.ups:
            x = getattr(self, name)(up(x), seg)
        return torch.tanh(self.conv_img(lrelu(x)))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ndf = cfg["ngf"]  # as NVlabs: the encoder's width follows ngf
        spec = parse_plain_norm(cfg["norm_E"])
        widths = [3, ndf, ndf * 2, ndf * 4, ndf * 8, ndf * 8, ndf * 8]
        for i in range(6):  # layer6 always (NVlabs only builds it for crop >= 256 and crashes otherwise)
            setattr(self, f"layer{i + 1}", norm_conv(spec, widths[i], widths[i + 1], 3, 2, 1))
        self.fc_mu = Linear(ndf * 8 * 4 * 4, cfg["z_dim"])
        self.fc_var = Linear(ndf * 8 * 4 * 4, cfg["z_dim"])

    def forward(self, x):
        if x.shape[2] != 256 or x.shape[3] != 256:
            x = F.interpolate(x, size=(256, 256), mode="bilinear", align_corners=False)
        for i in range(6):
            layer = getattr(self, f"layer{i + 1}")
            x = layer(x if i == 0 else lrelu(x))
        x = lrelu(x).reshape(x.shape[0], -1)
        return self.fc_mu(x), self.fc_var(x)


class NLayerD(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        kw, pad = 4, 2
        spec = parse_plain_norm(cfg["norm_D"])
        in_nc = cfg["label_nc"] + cfg["output_nc"] + (1 if cfg["contain_dontcare_label"] else 0) + (0 if cfg["no_instance"] else 1)
        nf = cfg["ndf"]
        self.n = cfg["n_layers_D"]
        self.model0 = nn.Sequential(Conv(in_nc, nf, kw, 2, pad))
        for i in range(1, self.n):
            prev, nf = nf, min(nf * 2, 512)
            setattr(self, f"model{i}", nn.Sequential(norm_conv(spec, prev, nf, kw, 1 if i == self.n - 1 else 2, pad)))
        setattr(self, f"model{self.n}", nn.Sequential(Conv(nf, 1, kw, 1, pad)))

    def forward(self, x):
        feats = []
        for i in range(self.n + 1):
            x = getattr(self, f"model{i}")(x)
            if i < self.n:
                x = lrelu(x)
            feats.append(x)
        return feats


class MultiscaleD(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.num_D, self.all_feats = cfg["num_D"], not cfg["no_ganFeat_loss"]
        for i in range(self.num_D):
            setattr(self, f"discriminator_{i}", NLayerD(cfg))

    def forward(self, x):
        out = []
        for i in range(self.num_D):
            feats = getattr(self, f"discriminator_{i}")(x)
            out.append(feats if self.all_feats else feats[-1:])
            if i < self.num_D - 1:
                x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
        return out


# ---------------------------------------------------------------------------------------------
# Losses (hinge by default; per scale on the last map, averaged over scales).

def gan_loss_one(pred, real, for_d, mode):
    if mode == "hinge":
        if not for_d:
            return -pred.mean()
        return -torch.clamp(pred - 1, max=0).mean() if real else -torch.clamp(-pred - 1, max=0).mean()
    if mode == "ls":
        return ((pred - (1.0 if real else 0.0)) ** 2).mean()
    if mode == "original":
        return F.binary_cross_entropy_with_logits(pred, torch.full_like(pred, 1.0 if real else 0.0))
    return -pred.mean() if real else pred.mean()  # 'w'


def gan_loss(pred, real, for_d, mode):
    return sum(gan_loss_one(s[-1], real, for_d, mode) for s in pred) / len(pred)


def feat_loss(fake, real, lambda_feat):
    total = torch.zeros(())
    for f, r in zip(fake, real):
        for j in range(len(f) - 1):
            total = total + F.l1_loss(f[j], r[j].detach()) * lambda_feat / len(fake)
    return total


def kld(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


# ---------------------------------------------------------------------------------------------

class Model:
    def __init__(self, path, cfg=None):
        tensors, self.meta = read_safetensors(path)
        self.cfg = cfg or load_config(self.meta, path)
        self.path = path
        nets = {"G": {}, "E": {}, "D": {}}
        for k, t in tensors.items():
            if k[:2] in ("G.", "E.", "D.") and not k.endswith(".weight_effective"):
                nets[k[0]][k[2:]] = t
        self.G = self._load(Generator(self.cfg), nets["G"], "G")
        self.E = self._load(Encoder(self.cfg), nets["E"], "E") if nets["E"] else None
        self.D = self._load(MultiscaleD(self.cfg), nets["D"], "D") if nets["D"] else None
        if self.cfg["use_vae"] and self.E is None:
            sys.stderr.write(f"torch_spade: note: {path} has no encoder (E); VAE training needs one\n")

    def _load(self, net, sd, name):
        try:
            net.load_state_dict(sd, strict=True)
        except RuntimeError as e:
            first = str(e).strip().splitlines()
            raise InputError(f"net {name} does not match the options: {' '.join(x.strip() for x in first[:3])}", self.path)
        return net

    def semantics(self, ids, instances):
        cfg = self.cfg
        nc = cfg["label_nc"] + (1 if cfg["contain_dontcare_label"] else 0)
        ids = torch.from_numpy(np.asarray(ids).astype(np.int64))
        if ids.dim() == 2:
            ids = ids[None]
        if ids.min() < 0 or ids.max() >= nc:
            raise InputError(f"label ids outside 0..{nc - 1}")
        n, h, w = ids.shape
        sem = torch.zeros(n, nc, h, w).scatter_(1, ids[:, None], 1.0)
        if not cfg["no_instance"]:
            if instances is None:
                raise InputError("this model uses instance maps (no_instance is false): give --instances")
            t = torch.from_numpy(np.asarray(instances).astype(np.int64)).reshape(n, 1, h, w)
            e = torch.zeros(n, 1, h, w, dtype=torch.bool)
            dx = t[:, :, :, 1:] != t[:, :, :, :-1]
            dy = t[:, :, 1:, :] != t[:, :, :-1, :]
            e[:, :, :, 1:] |= dx
            e[:, :, :, :-1] |= dx
            e[:, :, 1:, :] |= dy
            e[:, :, :-1, :] |= dy
            sem = torch.cat([sem, e.float()], 1)
        return sem

    def state(self):
        out = {}
        for name, net in (("G", self.G), ("E", self.E), ("D", self.D)):
            if net is not None:
                for k, t in net.state_dict().items():
                    out[f"{name}.{k}"] = t
        return out


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def on_device(m, device):
    """Moves the model's nets to device (cpu, or cuda for the GPU bench); returns a sync function for timing."""
    for net in (m.G, m.E, m.D):
        if net is not None:
            net.to(device)
    return torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)


def cmd_forward(a):
    m = Model(a.checkpoint)
    sync = on_device(m, a.device)
    labels = load_npy(a.labels, "label ids")
    inst = load_npy(a.instances, "instance ids") if a.instances else None
    sem = m.semantics(labels, inst).to(a.device)
    n = sem.shape[0]
    z = None
    if m.cfg["use_vae"]:
        if a.z:
            zz = load_npy(a.z, "style code").astype(np.float32)
            if zz.size != n * m.cfg["z_dim"]:
                raise InputError(f"style code has {zz.size} values, the model needs {n} x {m.cfg['z_dim']}", a.z)
            z = torch.from_numpy(zz.reshape(n, m.cfg["z_dim"]).copy())
        else:
            z = torch.randn(n, m.cfg["z_dim"], generator=torch.Generator().manual_seed(a.seed))
        z = z.to(a.device)
    m.G.eval()
    rss0 = rss_mb()
    times = []
    with torch.no_grad():
        t0 = time.perf_counter()
        out = m.G(sem, z)
        sync()
        cold = (time.perf_counter() - t0) * 1000
        for _ in range(a.runs):
            t0 = time.perf_counter()
            m.G(sem, z)
            sync()
            times.append((time.perf_counter() - t0) * 1000)
    if a.out:
        np.save(a.out, out.permute(0, 2, 3, 1).contiguous().cpu().numpy().astype(np.float32))
    return {
        "fwd_ms_cold": cold, "fwd_ms_median": median(times) if times else None, "fwd_ms_all": times,
        "peak_mb": rss_mb(), "peak_mb_before_forward": rss0, "threads": torch.get_num_threads(),
        "torch": torch.__version__, "params_G": sum(p.numel() for p in m.G.parameters()),
    }


def cmd_train(a):
    m = Model(a.checkpoint)
    cfg = m.cfg
    if m.D is None:
        raise InputError("training needs a discriminator (D.*) in the checkpoint", a.checkpoint)
    if cfg["use_vae"] and m.E is None:
        raise InputError("use_vae training needs an encoder (E.*) in the checkpoint", a.checkpoint)
    sync = on_device(m, a.device)
    sem = m.semantics(load_npy(a.labels, "label ids"), load_npy(a.instances, "instance ids") if a.instances else None).to(a.device)
    img = torch.from_numpy(load_npy(a.images, "images").astype(np.float32)).permute(0, 3, 1, 2).contiguous().to(a.device)
    n = sem.shape[0]
    if img.shape[0] != n or img.shape[2:] != sem.shape[2:]:
        raise InputError(f"images have shape {tuple(img.shape)} (NCHW) but the labels give {n}x{tuple(sem.shape[2:])}", a.images)
    eps = None
    if cfg["use_vae"] and a.eps:
        e = load_npy(a.eps, "eps").astype(np.float32)
        zd = cfg["z_dim"]
        if e.shape == (a.steps, 2, n, zd):
            eps = torch.from_numpy(e.copy())
        elif e.size == n * zd:
            eps = torch.from_numpy(np.broadcast_to(e.reshape(1, 1, n, zd), (a.steps, 2, n, zd)).copy())
        else:
            raise InputError(f"eps must be ({a.steps}, 2, {n}, {zd}) or ({n}, {zd}), got {e.shape}", a.eps)
    gen = torch.Generator().manual_seed(a.seed)

    # NVlabs: with TTUR (default) G gets lr/2 and D lr*2, betas (beta1, beta2) = (0, 0.9);
    # with --no_TTUR both get lr and the defaults become (0.5, 0.999).
    beta1 = a.beta1 if a.beta1 is not None else (0.5 if a.no_TTUR else 0.0)
    beta2 = a.beta2 if a.beta2 is not None else (0.999 if a.no_TTUR else 0.9)
    lr_G, lr_D = (a.lr, a.lr) if a.no_TTUR else (a.lr / 2, a.lr * 2)
    G_params = list(m.G.parameters()) + (list(m.E.parameters()) if cfg["use_vae"] else [])
    opt_G = torch.optim.Adam(G_params, lr=lr_G, betas=(beta1, beta2))
    opt_D = torch.optim.Adam(m.D.parameters(), lr=lr_D, betas=(beta1, beta2))
    for net in (m.G, m.E, m.D):
        if net is not None:
            net.train()

    def fake_image(k, phase):
        if not cfg["use_vae"]:
            return m.G(sem), None
        mu, logvar = m.E(img)
        e = (eps[k, phase] if eps is not None else torch.randn(mu.shape, generator=gen)).to(mu.device)
        z = e * torch.exp(0.5 * logvar) + mu
        return m.G(sem, z), kld(mu, logvar) * cfg["lambda_kld"]

    def discriminate(fake):
        out = m.D(torch.cat([torch.cat([sem, fake], 1), torch.cat([sem, img], 1)], 0))
        return [[t[:n] for t in s] for s in out], [[t[n:] for t in s] for s in out]

    steps, times = [], []
    rss0 = rss_mb()
    for k in range(a.steps):
        t0 = time.perf_counter()
        # Generator step (E trains with G under use_vae).
        opt_G.zero_grad()
        fake, kld_loss = fake_image(k, 0)
        pred_fake, pred_real = discriminate(fake)
        losses = {"G_GAN": gan_loss(pred_fake, True, False, cfg["gan_mode"])}
        total = losses["G_GAN"]
        if not cfg["no_ganFeat_loss"]:
            losses["G_GAN_Feat"] = feat_loss(pred_fake, pred_real, cfg["lambda_feat"])
            total = total + losses["G_GAN_Feat"]
        if kld_loss is not None:
            losses["G_KLD"] = kld_loss
            total = total + kld_loss
        total.backward()
        opt_G.step()
        # Discriminator step on a freshly generated (train-mode, no-grad) fake, as NVlabs does.
        opt_D.zero_grad()
        with torch.no_grad():
            fake, _ = fake_image(k, 1)
        pred_fake, pred_real = discriminate(fake.detach())
        losses["D_Fake"] = gan_loss(pred_fake, False, True, cfg["gan_mode"])
        losses["D_real"] = gan_loss(pred_real, True, True, cfg["gan_mode"])
        (losses["D_Fake"] + losses["D_real"]).backward()
        opt_D.step()
        sync()
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        steps.append({"step": k + 1, "ms": ms, **{key: float(v) for key, v in losses.items()}})
    if a.save:
        write_safetensors(a.save, m.state(), {**m.meta, "note": f"after {a.steps} torch_spade.py train steps"})
    return {
        "steps": steps, "step_ms_cold": times[0] if times else None,
        "step_ms_median": median(times[1:]) if len(times) > 1 else (times[0] if times else None),
        "peak_mb": rss_mb(), "peak_mb_before_train": rss0, "lr_G": lr_G, "lr_D": lr_D, "betas": [beta1, beta2],
        "threads": torch.get_num_threads(), "torch": torch.__version__,
    }


def cmd_params(a):
    m = Model(a.checkpoint)
    count = lambda net: sum(p.numel() for p in net.parameters()) if net is not None else None  # noqa: E731
    return {"G": count(m.G), "E": count(m.E), "D": count(m.D), "config": m.cfg}


def cmd_encode(a):
    """The encoder's eval-mode (mu, logvar) for one float32 (H, W, 3) image in [-1, 1]."""
    m = Model(a.checkpoint)
    if m.E is None:
        raise InputError("the checkpoint has no encoder (E.*)", a.checkpoint)
    img = load_npy(a.image, "image").astype(np.float32)
    if img.ndim != 3 or img.shape[2] != 3:
        raise InputError(f"image must have shape (H, W, 3), got {img.shape}", a.image)
    m.E.eval()
    with torch.no_grad():
        mu, logvar = m.E(torch.from_numpy(img.copy()).permute(2, 0, 1)[None])
    return {"mu": mu[0].tolist(), "logvar": logvar[0].tolist(), "torch": torch.__version__}


def cmd_verify(a):
    """Checks this implementation against the NVlabs/SPADE reference fixtures (outputs, train mode,
    gradients, buffers after a train step, encoder, discriminator, losses)."""
    worst = {}

    def check(name, got, want, tol):
        got, want = got.detach().reshape(-1), want.reshape(-1)
        if got.numel() != want.numel():
            raise AssertionError(f"{name}: {got.numel()} values, the reference has {want.numel()}")
        err = float((got - want).abs().max()) / max(float(want.abs().max()), 1.0)
        worst[name] = err
        if not err <= tol:
            raise AssertionError(f"{name}: relative error {err:.3g} > {tol}")

    for case in ("gen_normal_vae", "gen_more_noinst_novae"):
        d = os.path.join(a.fixtures, case)
        io, _ = read_safetensors(os.path.join(d, "io.safetensors"))
        with open(os.path.join(d, "case.json")) as f:
            opts = json.load(f)["options"]
        cfg = {**DEFAULTS, **{k: v for k, v in opts.items() if k in DEFAULTS and v is not None}}
        m = Model(os.path.join(d, "weights.safetensors"), cfg)
        sem = io["label_onehot"]
        z = io["z"] if cfg["use_vae"] else None
        m.G.eval()
        with torch.no_grad():
            check(f"{case}/out_eval", m.G(sem, z), io["out_eval"], 1e-4)
        m.G.train()
        out = m.G(sem, z)
        check(f"{case}/out_train", out, io["out_train"], 1e-4)
        params = dict(m.G.named_parameters())
        keys = [k[len("grad/"):] for k in io if k.startswith("grad/")]
        grads = torch.autograd.grad((out * io["R"]).sum(), [params[k] for k in keys])
        for k, g in zip(keys, grads):
            check(f"{case}/grad/{k}", g, io[f"grad/{k}"], 1e-3)
        buffers = dict(m.G.named_buffers())
        for k in io:
            if k.startswith("post_train/G."):
                check(f"{case}/{k}", buffers[k[len("post_train/G."):]], io[k], 1e-4)
        if m.E is not None:
            m.E.eval()
            mu, logvar = m.E(io["image"])
            check(f"{case}/E/mu", mu, io["E/mu"], 1e-4)
            check(f"{case}/E/logvar", logvar, io["E/logvar"], 1e-4)
            check(f"{case}/loss/KLD", kld(mu, logvar), io["loss/KLD"], 1e-4)
            check(f"{case}/E/z_reparam", io["E/eps"] * torch.exp(0.5 * logvar) + mu, io["E/z_reparam"], 1e-4)
            m.E.train()
            mu, logvar = m.E(io["image"])
            check(f"{case}/E/mu_train", mu, io["E/mu_train"], 1e-4)
        if m.D is not None:
            n = sem.shape[0]
            x = torch.cat([torch.cat([sem, io["out_eval"]], 1), torch.cat([sem, io["image"]], 1)], 0)
            m.D.eval()
            with torch.no_grad():
                feats = m.D(x)
            for i, scale in enumerate(feats):
                for j, t in enumerate(scale):
                    check(f"{case}/D/eval/scale{i}/layer{j}", t, io[f"D/eval/scale{i}/layer{j}"], 1e-4)
            fake, real = [[t[:n] for t in s] for s in feats], [[t[n:] for t in s] for s in feats]
            check(f"{case}/loss/G_hinge", gan_loss(fake, True, False, "hinge"), io["loss/G_hinge"], 1e-4)
            check(f"{case}/loss/D_fake", gan_loss(fake, False, True, "hinge"), io["loss/D_fake"], 1e-4)
            check(f"{case}/loss/D_real", gan_loss(real, True, True, "hinge"), io["loss/D_real"], 1e-4)
            check(f"{case}/loss/GAN_feat", feat_loss(fake, real, cfg["lambda_feat"]), io["loss/GAN_feat"], 1e-4)
            m.D.train()
            feats = m.D(x)
            for i, scale in enumerate(feats):
                check(f"{case}/D/train/scale{i}/out", scale[-1], io[f"D/train/scale{i}/out"], 1e-4)
            total = gan_loss([[t[:n] for t in s] for s in feats], False, True, "hinge") + \
                gan_loss([[t[n:] for t in s] for s in feats], True, True, "hinge")
            check(f"{case}/loss/D_train_total", total, io["loss/D_train_total"], 1e-4)
            dparams = dict(m.D.named_parameters())
            keys = [k[len("D_grad/"):] for k in io if k.startswith("D_grad/")]
            for k, g in zip(keys, torch.autograd.grad(total, [dparams[k] for k in keys])):
                check(f"{case}/D_grad/{k}", g, io[f"D_grad/{k}"], 1e-3)
    return {"checked": len(worst), "worst": max(worst.values()), "worst_name": max(worst, key=worst.get)}


def main(argv):
    p = argparse.ArgumentParser(prog="torch_spade.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--fixtures", required=True, help="test/fixtures/spade-reference")
    v.add_argument("--threads", type=int, default=2)
    for mode in ("forward", "train", "params", "encode"):
        s = sub.add_parser(mode)
        s.add_argument("--checkpoint", required=True)
        s.add_argument("--threads", type=int, default=2)
        s.add_argument("--device", default="cpu", help="cpu, or cuda (the GPU bench, scripts/bench_gpu.mjs)")
        if mode == "params":
            continue
        if mode == "encode":
            s.add_argument("--image", required=True, help="float32 .npy (H, W, 3) in [-1, 1]")
            continue
        s.add_argument("--labels", required=True)
        s.add_argument("--instances")
        s.add_argument("--seed", type=int, default=0)
        s.add_argument("--json", help="also write the result JSON to this file")
        if mode == "forward":
            s.add_argument("--z")
            s.add_argument("--out")
            s.add_argument("--runs", type=int, default=3)
        else:
            s.add_argument("--images", required=True)
            s.add_argument("--eps")
            s.add_argument("--steps", type=int, default=1)
            s.add_argument("--lr", type=float, default=0.0002)
            s.add_argument("--beta1", type=float)
            s.add_argument("--beta2", type=float)
            s.add_argument("--no_TTUR", action="store_true")
            s.add_argument("--save")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        result = {"forward": cmd_forward, "train": cmd_train, "params": cmd_params, "encode": cmd_encode, "verify": cmd_verify}[a.mode](a)
    except InputError as e:
        sys.stderr.write(f"torch_spade: {e}\n")
        return 2
    except AssertionError as e:
        sys.stderr.write(f"torch_spade: verify failed: {e}\n")
        return 1
    text = json.dumps(result)
    if getattr(a, "json", None):
        with open(a.json, "w") as f:
            f.write(text)
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
