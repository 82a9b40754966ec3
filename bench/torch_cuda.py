#!/usr/bin/env python3
"""PyTorch on the same GPU, beside `fusion4j bench ... --backend cuda` (issue 4's comparison).

Usage (on the GPU machine, whose python3 has PyTorch):
    python3 bench/torch_cuda.py gemm            # fp32 (TF32 off) and bf16 GEMM TFLOP/s, the PERF.md shapes
    python3 bench/torch_cuda.py train           # dense decoder d=1024, 8 layers, T=1024: eager tokens/s and MFU

Each figure: median, min and max over --reps timed samples after warm-up, synchronised with CUDA events.
"""
import argparse, statistics, torch, torch.nn as nn, torch.nn.functional as F

SHAPES = ["256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048", "8192x256x1024", "8192x1024x256",
          "4096x4096x4096"]
PEAKS = {"H100 PCIe": 756, "H100 NVL": 835, "H100": 989, "H200": 989, "A100": 312}


def peak():
    name = torch.cuda.get_device_name()
    return next(((k, v) for k, v in PEAKS.items() if k in name), (name, None))


def timed(fn, reps, inner):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    out = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(inner):
            fn()
        b.record()
        b.synchronize()
        out.append(a.elapsed_time(b) / 1e3 / inner)
    return out


def gemm(reps):
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"# torch {torch.__version__} on {torch.cuda.get_device_name()}")
    for s in SHAPES:
        m, k, n = map(int, s.split("x"))
        for dtype in (torch.float32, torch.bfloat16):
            a = torch.randn(m, k, device="cuda", dtype=dtype)
            b = torch.randn(k, n, device="cuda", dtype=dtype)
            c = torch.empty(m, n, device="cuda", dtype=dtype)
            flop = 2.0 * m * n * k
            t = timed(lambda: torch.mm(a, b, out=c), reps, max(1, int(2e11 / flop)))
            tf = [flop / x / 1e12 for x in t]
            print(f"torch gemm {s} {str(dtype)[6:]} TFLOP/s median={statistics.median(tf):.2f} "
                  f"min={min(tf):.2f} max={max(tf):.2f}", flush=True)


class Block(nn.Module):
    def __init__(self, d, heads, hidden):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = nn.RMSNorm(d), nn.RMSNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.w1, self.w3, self.w2 = (nn.Linear(d, hidden, bias=False), nn.Linear(d, hidden, bias=False),
                                     nn.Linear(hidden, d, bias=False))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.n1(x)).view(b, t, 3, self.heads, d // self.heads).unbind(2)
        a = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True)
        x = x + self.o(a.transpose(1, 2).reshape(b, t, d))
        h = self.n2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


def train(reps, d=1024, layers=8, heads=16, hidden=2816, vocab=32000, t=1024, batch=8):
    torch.backends.cuda.matmul.allow_tf32 = False
    emb, head = nn.Embedding(vocab, d).cuda(), nn.Linear(d, vocab, bias=False).cuda()
    blocks = nn.ModuleList(Block(d, heads, hidden) for _ in range(layers)).cuda()
    norm = nn.RMSNorm(d).cuda()
    params = list(emb.parameters()) + list(blocks.parameters()) + list(norm.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=3e-4, weight_decay=0.1)
    x = torch.randint(0, vocab, (batch, t + 1), device="cuda")

    def step():
        h = emb(x[:, :-1])
        for blk in blocks:
            h = blk(h)
        loss = F.cross_entropy(head(norm(h)).float().view(-1, vocab), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    times = timed(step, reps, 1)
    n_active = layers * (4 * d * d + 3 * d * hidden) + d * vocab
    flop_per_token = 6 * n_active + 12 * layers * t * d
    tps = [batch * t / s for s in times]
    name, pk = peak()
    mfu = f" MFU={flop_per_token * statistics.median(tps) / 1e12 / pk * 100:.1f}% of {pk} TFLOP/s ({name})" if pk else ""
    print(f"torch train dense d={d} L={layers} T={t} B={batch} fp32 tokens/s median={statistics.median(tps):.0f} "
          f"min={min(tps):.0f} max={max(tps):.0f}{mfu}", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["gemm", "train"])
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args()
    (gemm if args.what == "gemm" else train)(args.reps)
