#!/usr/bin/python3
"""PyTorch CPU reference for `fusion4j bench sample`: images per second of Transfusion DDIM sampling with classifier-free
guidance on the `transfusion` model of ../shared/bench/torch_train.py (same trunk: d=256, 4 layers, 4 heads, SwiGLU 1024,
RoPE, vocab 1024; Linear(16,d) patch encoder, sinusoidal-256 timestep MLP, final RMSNorm, Linear(d,16) noise head),
randomly initialised (a step's cost does not depend on the weights).
One image: 64 patches of 16 floats from N(0,1); for each of the 50 respaced DDIM steps (t from 1000 down to 1, eta 0) two
forwards under no_grad, batch 1: the caption prefix (128 ids ending with BOI) + the 64 patches, and the caption-less
prefix (BOS, BOI) + the patches; mask causal and bidirectional among the patches; eps = eps_u + w (eps_c - eps_u), w=3.
Like fusion4j's sampler, every step runs the whole sequence (no prefix cache). Unlike it, the LM head is not run (the
noise prediction needs only the patch head).
Usage: PYTHON torch_sample.py [--threads 2] [--images 3] [--warmup 1] [--steps 50] [--guidance 3]
       PYTHON: the interpreter ../shared/bench/setup.sh prints last (the one run.sh uses).
"""
import argparse, math, time, statistics, torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2); p.add_argument("--images", type=int, default=3)
p.add_argument("--warmup", type=int, default=1); p.add_argument("--steps", type=int, default=50)
p.add_argument("--guidance", type=float, default=3.0)
args = p.parse_args()
torch.set_num_threads(args.threads); torch.set_num_interop_threads(1)
torch.manual_seed(0)
V, D, L, H, FF, PATCH, NP, TSTEPS = 1024, 256, 4, 4, 1024, 16, 64, 1000
HD = D // H

class RMSNorm(nn.Module):
    def __init__(s, d, eps=1e-6): super().__init__(); s.w = nn.Parameter(torch.ones(d)); s.eps = eps
    def forward(s, x): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + s.eps) * s.w

def rope(x):
    t, hd = x.shape[2], x.shape[3]
    inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
    f = torch.outer(torch.arange(t).float(), inv); c, s = f.cos(), f.sin()
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * c - x2 * s, x1 * s + x2 * c), -1).flatten(-2)

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.n1, s.n2 = RMSNorm(D), RMSNorm(D)
        s.qkv = nn.Linear(D, 3 * D, bias=False); s.o = nn.Linear(D, D, bias=False)
        s.w13 = nn.Linear(D, 2 * FF, bias=False); s.w2 = nn.Linear(FF, D, bias=False)
    def forward(s, x, mask):
        b, t, _ = x.shape
        q, k, v = s.qkv(s.n1(x)).view(b, t, 3, H, HD).permute(2, 0, 3, 1, 4)
        att = (rope(q) @ rope(k).transpose(-1, -2)) * (1.0 / math.sqrt(HD))
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        h = x + s.o((att @ v).transpose(1, 2).reshape(b, t, D))
        a, g = s.w13(s.n2(h)).chunk(2, -1)
        return h + s.w2(F.silu(a) * g)

class Transfusion(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = nn.Embedding(V, D); s.blocks = nn.ModuleList(Block() for _ in range(L)); s.nf = RMSNorm(D)
        s.pin = nn.Linear(PATCH, D); s.pout = nn.Linear(D, PATCH); s.t1 = nn.Linear(256, D); s.t2 = nn.Linear(D, D)
    def noise(s, ids, x, t):            # ids [1, n] ending with BOI, x [64, 16], t int: the predicted noise [64, 16]
        n = ids.shape[1]; T = n + NP
        f = torch.exp(-math.log(10000) * torch.arange(128).float() / 128) * float(t)
        te = s.t2(F.silu(s.t1(torch.cat([f.sin(), f.cos()]))))
        h = torch.cat([s.emb(ids), (s.pin(x) + te).unsqueeze(0)], 1)
        mask = torch.ones(T, T, dtype=torch.bool).triu(1); mask[n:, n:] = False
        for blk in s.blocks: h = blk(h, mask)
        return s.pout(s.nf(h[0, n:]))

def alpha_bar():                          # cosine schedule, beta clipped at 0.999, as DiffusionSchedule
    f = lambda t: math.cos((t / TSTEPS + 0.008) / 1.008 * math.pi / 2) ** 2
    ab = [1.0]
    for t in range(1, TSTEPS + 1): ab.append(ab[-1] * (1 - min(1 - f(t) / f(t - 1), 0.999)))
    return ab
AB = alpha_bar()
TS = [round(TSTEPS - i * (TSTEPS - 1) / (args.steps - 1)) for i in range(args.steps)] if args.steps > 1 else [TSTEPS]

model = Transfusion().eval()
g = torch.Generator().manual_seed(2)
BOS, BOI = 1020, 1022
cond = torch.cat([torch.tensor([BOS]), torch.randint(0, 1020, (126,), generator=g), torch.tensor([BOI])]).unsqueeze(0)
free = torch.tensor([[BOS, BOI]])
def image():
    x = torch.randn(NP, PATCH, generator=g)
    for i, t in enumerate(TS):
        nxt = TS[i + 1] if i + 1 < len(TS) else 0
        e = model.noise(cond, x, t)
        if args.guidance != 1: u = model.noise(free, x, t); e = u + args.guidance * (e - u)
        x0 = (x - math.sqrt(1 - AB[t]) * e) / math.sqrt(AB[t])
        x = math.sqrt(AB[nxt]) * x0 + math.sqrt(1 - AB[nxt]) * e
    return x
with torch.no_grad():
    for _ in range(args.warmup): image()
    ts = []
    for _ in range(args.images):
        t0 = time.perf_counter(); x = image(); ts.append(time.perf_counter() - t0)
med = statistics.median(ts); fw = args.steps * (2 if args.guidance != 1 else 1)
print(f"sample torch={torch.__version__} threads={args.threads} DDIM-{args.steps} cfg={args.guidance} images={len(ts)} "
      f"s/image median={med:.3f} min={min(ts):.3f} max={max(ts):.3f} images/s={1 / med:.2f} ms/forward={1000 * med / fw:.1f} "
      f"finite={bool(torch.isfinite(x).all())}", flush=True)
