"""PyTorch CPU figures beside bench/wasm_grad_kernels.ts (a measuring stick; the product never
needs Python). Same conv shapes, the same toy generator (TOY in bench/toy_config.ts: 128²,
ngf 8, spade_hidden 32, 35 labels + instance edges, spectral sync-batch SPADE) and the same
whole training step (G step + D step, hinge + feature matching, two Adams). The networks are
written here from the SPADE paper's architecture; the parameter counts printed must equal
the TypeScript ones (G 2063227, D 368162), which checks that both build the same network.

    /usr/bin/python3 bench/torch_reference.py [--threads 2] [--reps 5]
"""
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

LABEL_NC, SEM_NC, NGF, NDF, HIDDEN, SIZE = 35, 36, 8, 16, 32, 128
N_LAYERS_D, NUM_D = 4, 2

SHAPES = [  # name, x NHWC, filter HWIO, stride, pad (as in the TypeScript bench)
    ('TESTING.md §4 layer 128²×128→16 3x3', (1, 128, 128, 128), (3, 3, 128, 16), 1, 1),
    ('toy G up_3 mlp_shared 128²×36→32 3x3', (1, 128, 128, 36), (3, 3, 36, 32), 1, 1),
    ('toy G up_3 mlp_gamma 128²×32→16 3x3', (1, 128, 128, 32), (3, 3, 32, 16), 1, 1),
    ('toy G up_3 conv_0 128²×16→8 3x3', (1, 128, 128, 16), (3, 3, 16, 8), 1, 1),
    ('toy G head_0 conv 8²×128→128 3x3', (1, 8, 8, 128), (3, 3, 128, 128), 1, 1),
    ('D model0 128²×39→64 4x4 s2 (batch 2)', (2, 128, 128, 39), (4, 4, 39, 64), 2, 2),
    ('D model3 17²×256→512 4x4 s1 (batch 2)', (2, 17, 17, 256), (4, 4, 256, 512), 1, 2),
]


def timed(f, reps):
    """'wall (cpu) ms', medians after one warm-up. CPU time counts all of this process's threads."""
    f()
    walls, cpus = [], []
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        f()
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    one = lambda ms: f'{ms:.0f}' if ms >= 100 else f'{ms:.1f}'
    return f'{one(med(walls))} ({one(med(cpus))})'


class Spade(nn.Module):
    def __init__(self, nc):
        super().__init__()
        self.param_free_norm = nn.BatchNorm2d(nc, affine=False)  # sync-batch on one process
        self.mlp_shared = nn.Sequential(nn.Conv2d(SEM_NC, HIDDEN, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(HIDDEN, nc, 3, padding=1)
        self.mlp_beta = nn.Conv2d(HIDDEN, nc, 3, padding=1)

    def forward(self, x, seg):
        seg = F.interpolate(seg, size=x.shape[2:], mode='nearest')
        actv = self.mlp_shared(seg)
        return self.param_free_norm(x) * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class Block(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        mid = min(fin, fout)
        self.learned = fin != fout
        self.conv_0 = spectral_norm(nn.Conv2d(fin, mid, 3, padding=1))
        self.conv_1 = spectral_norm(nn.Conv2d(mid, fout, 3, padding=1))
        self.norm_0, self.norm_1 = Spade(fin), Spade(mid)
        if self.learned:
            self.conv_s = spectral_norm(nn.Conv2d(fin, fout, 1, bias=False))
            self.norm_s = Spade(fin)

    def forward(self, x, seg):
        xs = self.conv_s(self.norm_s(x, seg)) if self.learned else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return xs + dx


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        nf = NGF
        self.sw = SIZE // 2 ** 5  # 'normal': five upsamplings
        self.fc = nn.Conv2d(SEM_NC, 16 * nf, 3, padding=1)
        self.head_0, self.G_middle_0, self.G_middle_1 = Block(16 * nf, 16 * nf), Block(16 * nf, 16 * nf), Block(16 * nf, 16 * nf)
        self.ups = nn.ModuleList([Block(16 * nf, 8 * nf), Block(8 * nf, 4 * nf), Block(4 * nf, 2 * nf), Block(2 * nf, nf)])
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)

    def forward(self, seg):
        up = lambda t: F.interpolate(t, scale_factor=2, mode='nearest')
        x = self.fc(F.interpolate(seg, size=(self.sw, self.sw), mode='nearest'))
        x = up(self.head_0(x, seg))
        x = self.G_middle_1(self.G_middle_0(x, seg), seg)
        for block in self.ups:
            x = block(up(x), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


class NLayerD(nn.Module):
    def __init__(self):
        super().__init__()
        nf = NDF
        layers = [nn.Sequential(nn.Conv2d(SEM_NC + 3, nf, 4, 2, 2), nn.LeakyReLU(0.2))]
        for n in range(1, N_LAYERS_D):
            prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == N_LAYERS_D - 1 else 2
            layers.append(nn.Sequential(spectral_norm(nn.Conv2d(prev, nf, 4, stride, 2, bias=False)), nn.InstanceNorm2d(nf), nn.LeakyReLU(0.2)))
        layers.append(nn.Sequential(nn.Conv2d(nf, 1, 4, 1, 2)))
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return feats


class MultiscaleD(nn.Module):
    def __init__(self):
        super().__init__()
        self.ds = nn.ModuleList([NLayerD() for _ in range(NUM_D)])

    def forward(self, x):
        out = []
        for i, d in enumerate(self.ds):
            out.append(d(x))
            if i < NUM_D - 1:
                x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
        return out


def count(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--reps', type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    print(f'# PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads; load average {os.getloadavg()[0]:.1f} at start')

    print(f'\n## conv kernels: wall (CPU) ms, median of {a.reps}')
    print('| layer | forward | dW | dX |')
    print('|---|---|---|---|')
    for name, xs, fs, s, p in SHAPES:
        n, h, w, ci = xs
        kh, kw, _, co = fs
        x = torch.randn(n, ci, h, w)
        wt = torch.randn(co, ci, kh, kw)
        y = F.conv2d(x, wt, stride=s, padding=p)
        dy = torch.randn_like(y)
        fwd = timed(lambda: F.conv2d(x, wt, stride=s, padding=p), a.reps)
        dW = timed(lambda: torch.nn.grad.conv2d_weight(x, wt.shape, dy, stride=s, padding=p), a.reps)
        dX = timed(lambda: torch.nn.grad.conv2d_input(x.shape, wt, dy, stride=s, padding=p), a.reps)
        print(f'| {name} | {fwd} | {dW} | {dX} |')

    G, D = Generator(), MultiscaleD()
    seg = torch.zeros(1, SEM_NC, SIZE, SIZE)
    seg[:, torch.randint(0, LABEL_NC, (1,)).item()] = 1
    seg[:, LABEL_NC, ::7] = 1
    real = torch.rand(1, 3, SIZE, SIZE) * 2 - 1
    R = torch.randn(1, 3, SIZE, SIZE)
    optG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0, 0.9))

    def g_fwd():
        with torch.no_grad():
            G(seg)

    def g_fwd_bwd():
        G.zero_grad(set_to_none=True)
        (G(seg) * R).sum().backward()

    def g_step():
        g_fwd_bwd()
        optG.step()

    print(f'\n## toy SPADE generator, 128², batch 1, train mode: wall (CPU) ms, median of {a.reps}; G {count(G)} params')
    print('| forward | forward + backward | train step (+ Adam) |')
    print('|---|---|---|')
    print(f'| {timed(g_fwd, a.reps)} | {timed(g_fwd_bwd, a.reps)} | {timed(g_step, a.reps)} |')

    optG2 = torch.optim.Adam(G.parameters(), 1e-4, betas=(0, 0.9))
    optD = torch.optim.Adam(D.parameters(), 4e-4, betas=(0, 0.9))

    def hinge_g(pred):
        return -sum(p[-1].mean() for p in pred) / len(pred)

    def full_step():
        # Generator step: GAN hinge + feature matching (lambda 10), as Pix2PixModel.
        optG2.zero_grad(set_to_none=True)
        fake = G(seg)
        pred = D(torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0))
        pf = [[t[:1] for t in s] for s in pred]
        pr = [[t[1:].detach() for t in s] for s in pred]
        feat = sum(F.l1_loss(f, r) for sf, sr in zip(pf, pr) for f, r in zip(sf[:-1], sr[:-1])) * 10 / NUM_D
        (hinge_g(pf) + feat).backward()
        optG2.step()
        # Discriminator step on a fake made without a tape.
        optD.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = G(seg)
        pred = D(torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0))
        loss = sum(-torch.clamp(-s[-1][:1] - 1, max=0).mean() - torch.clamp(s[-1][1:] - 1, max=0).mean() for s in pred) / NUM_D
        loss.backward()
        optD.step()

    print(f'\n## whole SPADE train step (G step + D step + both Adams; D {count(D)} params, ndf {NDF}, num_D {NUM_D}, n_layers_D {N_LAYERS_D}, batch 1)')
    print(f'median: {timed(full_step, max(1, a.reps // 2))} ms')


if __name__ == '__main__':
    main()
