// fusion4j CUDA kernels. Compiled to PTX by the build (nvcc) or at run time (NVRTC).
// Every kernel is deterministic: no floating-point atomics; reductions across rows run in a fixed
// order, so the same inputs give the same bits (the TCK checks it).
// Conventions: extern "C" names, grid-stride loops for element-wise work, one block per row for
// row kernels (blockDim.x == ROW_THREADS), 64-bit element counts.

#define ROW_THREADS 256
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#define FULL_MASK 0xffffffffu

typedef unsigned short bf16_bits;

__device__ __forceinline__ float bf16_to_float(bf16_bits h) {
    return __uint_as_float(((unsigned int) h) << 16);
}

__device__ __forceinline__ bf16_bits float_to_bf16(float f) {
    unsigned int bits = __float_as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (bf16_bits) ((bits >> 16) | 0x40u);
    }
    unsigned int rounding = 0x7fffu + ((bits >> 16) & 1u);
    return (bf16_bits) ((bits + rounding) >> 16);
}

__device__ __forceinline__ float sigmoidf_(float x) { return 1.0f / (1.0f + expf(-x)); }

// Block-wide sum of one float per thread (blockDim.x == ROW_THREADS); result valid in every thread.
__device__ float block_sum(float v) {
    __shared__ float partial[ROW_THREADS / 32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float total = 0.0f;
    for (int w = 0; w < ROW_THREADS / 32; w++) total += partial[w];
    return total;
}

__device__ float block_max(float v) {
    __shared__ float partial[ROW_THREADS / 32];
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float m = -INFINITY;
    for (int w = 0; w < ROW_THREADS / 32; w++) m = fmaxf(m, partial[w]);
    return m;
}

#define GRID_STRIDE(i, n) for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n); \
                               i += (long long) blockDim.x * gridDim.x)

// ------------------------------------------------------------------ memory and conversion

extern "C" __global__ void fill_f32(float* x, long long n, float v) { GRID_STRIDE(i, n) x[i] = v; }
extern "C" __global__ void fill_bf16(bf16_bits* x, long long n, float v) { GRID_STRIDE(i, n) x[i] = float_to_bf16(v); }
extern "C" __global__ void f32_to_bf16(const float* a, bf16_bits* b, long long n) { GRID_STRIDE(i, n) b[i] = float_to_bf16(a[i]); }
extern "C" __global__ void bf16_to_f32(const bf16_bits* a, float* b, long long n) { GRID_STRIDE(i, n) b[i] = bf16_to_float(a[i]); }

// ------------------------------------------------------------------ element-wise

extern "C" __global__ void axpby_f32(float alpha, const float* a, float beta, const float* b, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = alpha * a[i] + beta * b[i];
}
// bcols == 0: b has a's shape; otherwise b is one row of bcols broadcast over a's rows.
extern "C" __global__ void add_f32(const float* a, const float* b, float* out, long long n, long long bcols) {
    GRID_STRIDE(i, n) out[i] = a[i] + b[bcols ? i % bcols : i];
}
extern "C" __global__ void mul_f32(const float* a, const float* b, float* out, long long n, long long bcols) {
    GRID_STRIDE(i, n) out[i] = a[i] * b[bcols ? i % bcols : i];
}
extern "C" __global__ void scale_f32(const float* a, float s, float* out, long long n) { GRID_STRIDE(i, n) out[i] = s * a[i]; }
extern "C" __global__ void mul_rows_f32(const float* x, const float* s, float* out, long long n, long long cols) {
    GRID_STRIDE(i, n) out[i] = x[i] * s[i / cols];
}
extern "C" __global__ void silu_f32(const float* x, float* out, long long n) { GRID_STRIDE(i, n) out[i] = x[i] * sigmoidf_(x[i]); }
extern "C" __global__ void silu_bwd_f32(const float* x, const float* dy, float* dx, long long n) {
    GRID_STRIDE(i, n) { float s = sigmoidf_(x[i]); dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s)); }
}
#define GELU_C 0.7978845608028654f
#define GELU_A 0.044715f
extern "C" __global__ void gelu_f32(const float* x, float* out, long long n) {
    GRID_STRIDE(i, n) { float v = x[i]; out[i] = 0.5f * v * (1.0f + tanhf(GELU_C * (v + GELU_A * v * v * v))); }
}
extern "C" __global__ void gelu_bwd_f32(const float* x, const float* dy, float* dx, long long n) {
    GRID_STRIDE(i, n) {
        float v = x[i];
        float t = tanhf(GELU_C * (v + GELU_A * v * v * v));
        float du = GELU_C * (1.0f + 3.0f * GELU_A * v * v);
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
    }
}
extern "C" __global__ void sigmoid_f32(const float* x, float* out, long long n) { GRID_STRIDE(i, n) out[i] = sigmoidf_(x[i]); }
extern "C" __global__ void sigmoid_bwd_f32(const float* y, const float* dy, float* dx, long long n) {
    GRID_STRIDE(i, n) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}
extern "C" __global__ void swiglu_f32(const float* g, const float* u, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = g[i] * sigmoidf_(g[i]) * u[i];
}
extern "C" __global__ void swiglu_bwd_f32(const float* g, const float* u, const float* d, float* dg, float* du, long long n) {
    GRID_STRIDE(i, n) {
        float s = sigmoidf_(g[i]);
        dg[i] = d[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
        du[i] = d[i] * g[i] * s;
    }
}
extern "C" __global__ void bce_f32(const float* x, const float* t, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = fmaxf(x[i], 0.0f) - x[i] * t[i] + log1pf(expf(-fabsf(x[i])));
}
extern "C" __global__ void bce_bwd_f32(const float* x, const float* t, float scale, float* dx, long long n) {
    GRID_STRIDE(i, n) dx[i] = scale * (sigmoidf_(x[i]) - t[i]);
}

// ------------------------------------------------------------------ row kernels (one block per row)

// op: 0 sum, 1 mean, 2 max, 3 sum of squares
extern "C" __global__ void reduce_rows_f32(const float* x, float* out, int cols, int op) {
    const float* row = x + (long long) blockIdx.x * cols;
    float acc = op == 2 ? -INFINITY : 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = row[c];
        acc = op == 2 ? fmaxf(acc, v) : acc + (op == 3 ? v * v : v);
    }
    float r = op == 2 ? block_max(acc) : block_sum(acc);
    if (threadIdx.x == 0) out[blockIdx.x] = op == 1 ? r / cols : r;
}
extern "C" __global__ void row_dot_f32(const float* a, const float* b, float* out, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += a[base + c] * b[base + c];
    float r = block_sum(acc);
    if (threadIdx.x == 0) out[blockIdx.x] = r;
}
// Per-block partial sums of squares in double; the host adds the partials in order.
extern "C" __global__ void sum_squares_partial_f32(const float* x, long long n, double* partial) {
    __shared__ double s[ROW_THREADS];
    double acc = 0.0;
    GRID_STRIDE(i, n) acc += (double) x[i] * x[i];
    s[threadIdx.x] = acc;
    __syncthreads();
    for (int o = blockDim.x / 2; o > 0; o >>= 1) {
        if (threadIdx.x < o) s[threadIdx.x] += s[threadIdx.x + o];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}
extern "C" __global__ void rmsnorm_f32(const float* x, const float* w, float eps, float* out, float* rstd, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += x[base + c] * x[base + c];
    float rs = rsqrtf(block_sum(acc) / cols + eps);
    if (threadIdx.x == 0) rstd[blockIdx.x] = rs;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) out[base + c] = x[base + c] * rs * w[c];
}
extern "C" __global__ void rmsnorm_bwd_dx_f32(const float* x, const float* w, const float* rstd, const float* dy,
                                               float* dx, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float rs = rstd[blockIdx.x];
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += w[c] * dy[base + c] * x[base + c];
    float k = rs * rs * rs * block_sum(acc) / cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dx[base + c] = rs * w[c] * dy[base + c] - k * x[base + c];
}
// Column reductions: one thread per column walks every row in order (deterministic, coalesced).
extern "C" __global__ void rmsnorm_bwd_dw_f32(const float* x, const float* rstd, const float* dy, float* dw, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    float acc = 0.0f;
    for (int r = 0; r < rows; r++) acc += dy[(long long) r * cols + c] * x[(long long) r * cols + c] * rstd[r];
    dw[c] += acc;
}
extern "C" __global__ void layernorm_f32(const float* x, const float* w, const float* b, float eps, float* out,
                                          float* mean, float* rstd, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += x[base + c];
    float mu = block_sum(acc) / cols;
    float var = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) { float d = x[base + c] - mu; var += d * d; }
    float rs = rsqrtf(block_sum(var) / cols + eps);
    if (threadIdx.x == 0) { mean[blockIdx.x] = mu; rstd[blockIdx.x] = rs; }
    for (int c = threadIdx.x; c < cols; c += blockDim.x) out[base + c] = (x[base + c] - mu) * rs * w[c] + b[c];
}
extern "C" __global__ void layernorm_bwd_dx_f32(const float* x, const float* w, const float* mean, const float* rstd,
                                                 const float* dy, float* dx, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float mu = mean[blockIdx.x], rs = rstd[blockIdx.x];
    float sg = 0.0f, sgx = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float g = dy[base + c] * w[c];
        sg += g;
        sgx += g * (x[base + c] - mu) * rs;
    }
    float mg = block_sum(sg) / cols;
    float mgx = block_sum(sgx) / cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float xh = (x[base + c] - mu) * rs;
        dx[base + c] = rs * (dy[base + c] * w[c] - mg - xh * mgx);
    }
}
extern "C" __global__ void layernorm_bwd_dwdb_f32(const float* x, const float* mean, const float* rstd, const float* dy,
                                                   float* dw, float* db, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    float aw = 0.0f, ab = 0.0f;
    for (int r = 0; r < rows; r++) {
        long long i = (long long) r * cols + c;
        aw += dy[i] * (x[i] - mean[r]) * rstd[r];
        ab += dy[i];
    }
    dw[c] += aw;
    db[c] += ab;
}
extern "C" __global__ void softmax_f32(const float* x, float* out, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, x[base + c]);
    m = block_max(m);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(x[base + c] - m);
    float inv = 1.0f / block_sum(s);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) out[base + c] = expf(x[base + c] - m) * inv;
}
extern "C" __global__ void softmax_bwd_f32(const float* y, const float* dy, float* dx, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += y[base + c] * dy[base + c];
    float d = block_sum(acc);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dx[base + c] = y[base + c] * (dy[base + c] - d);
}
extern "C" __global__ void cross_entropy_f32(const float* x, const int* t, float z, float* loss, float* lse, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, x[base + c]);
    m = block_max(m);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(x[base + c] - m);
    float l = m + logf(block_sum(s));
    if (threadIdx.x == 0) {
        int target = t[blockIdx.x];
        lse[blockIdx.x] = l;
        loss[blockIdx.x] = target < 0 ? 0.0f : l - x[base + target] + z * l * l;
    }
}
extern "C" __global__ void cross_entropy_bwd_f32(const float* x, const int* t, const float* lse, float z, float scale,
                                                  float* dx, int cols) {
    long long base = (long long) blockIdx.x * cols;
    int target = t[blockIdx.x];
    float l = lse[blockIdx.x];
    float coef = scale * (1.0f + 2.0f * z * l);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        dx[base + c] = target < 0 ? 0.0f : coef * expf(x[base + c] - l) - (c == target ? scale : 0.0f);
    }
}
extern "C" __global__ void mse_f32(const float* p, const float* t, float* out, int cols) {
    long long base = (long long) blockIdx.x * cols;
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) { float d = p[base + c] - t[base + c]; acc += d * d; }
    float r = block_sum(acc);
    if (threadIdx.x == 0) out[blockIdx.x] = r / cols;
}

// ------------------------------------------------------------------ rope

// x [rows, heads, dim] with rows = B*T; sign 1 forward, -1 inverse rotation.
extern "C" __global__ void rope_f32(const float* x, const int* pos, float theta, float* out, int rows, int heads, int dim,
                                     float sign) {
    int half = dim / 2;
    long long n = (long long) rows * heads * half;
    GRID_STRIDE(idx, n) {
        int i = (int) (idx % half);
        long long rh = idx / half;
        int r = (int) (rh / heads);
        double ang = (double) pos[r] * pow((double) theta, -2.0 * i / dim);
        float c = (float) cos(ang), s = sign * (float) sin(ang);
        long long base = rh * dim;
        float a = x[base + i], b = x[base + i + half];
        out[base + i] = a * c - b * s;
        out[base + i + half] = a * s + b * c;
    }
}

// ------------------------------------------------------------------ attention
// q, k, v, out [B,T,H,D]; lse, di [B,H,T]; keyStart/keyEnd [B*T]. One warp per (b, h, query), D <= 256.

#define MAX_D_PER_LANE 8

extern "C" __global__ void attention_fwd_f32(const float* q, const float* k, const float* v, float* out, float* lse,
                                              const int* keyStart, const int* keyEnd, int B, int T, int H, int D,
                                              float scale) {
    long long warp = (blockIdx.x * (long long) blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= (long long) B * H * T) return;
    int i = (int) (warp % T), h = (int) ((warp / T) % H), b = (int) (warp / ((long long) T * H));
    long long qo = (((long long) b * T + i) * H + h) * D;
    float qr[MAX_D_PER_LANE], acc[MAX_D_PER_LANE];
    for (int s = 0; s < MAX_D_PER_LANE; s++) {
        int d = lane + 32 * s;
        qr[s] = d < D ? q[qo + d] : 0.0f;
        acc[s] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    int j0 = keyStart[b * T + i], j1 = keyEnd[b * T + i];
    for (int j = j0; j < j1; j++) {
        long long ko = (((long long) b * T + j) * H + h) * D;
        float dot = 0.0f;
        for (int s = 0; s < MAX_D_PER_LANE; s++) { int d = lane + 32 * s; if (d < D) dot += qr[s] * k[ko + d]; }
        for (int o = 16; o > 0; o >>= 1) dot += __shfl_xor_sync(FULL_MASK, dot, o);
        float sc = dot * scale;
        float nm = fmaxf(m, sc);
        float f = m == -INFINITY ? 0.0f : expf(m - nm);
        float p = expf(sc - nm);
        l = l * f + p;
        for (int s = 0; s < MAX_D_PER_LANE; s++) { int d = lane + 32 * s; if (d < D) acc[s] = acc[s] * f + p * v[ko + d]; }
        m = nm;
    }
    for (int s = 0; s < MAX_D_PER_LANE; s++) {
        int d = lane + 32 * s;
        if (d < D) out[qo + d] = l > 0.0f ? acc[s] / l : 0.0f;
    }
    if (lane == 0) lse[((long long) b * H + h) * T + i] = l > 0.0f ? m + logf(l) : -INFINITY;
}

// D_i = dot(dO_i, O_i) per (b, h, i), written to di [B,H,T].
extern "C" __global__ void attention_di_f32(const float* out, const float* dout, float* di, int B, int T, int H, int D) {
    long long warp = (blockIdx.x * (long long) blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= (long long) B * H * T) return;
    int i = (int) (warp % T), h = (int) ((warp / T) % H), b = (int) (warp / ((long long) T * H));
    long long o = (((long long) b * T + i) * H + h) * D;
    float acc = 0.0f;
    for (int d = lane; d < D; d += 32) acc += out[o + d] * dout[o + d];
    for (int s = 16; s > 0; s >>= 1) acc += __shfl_xor_sync(FULL_MASK, acc, s);
    if (lane == 0) di[((long long) b * H + h) * T + i] = acc;
}

// dQ: one warp per query, over its visible keys.
extern "C" __global__ void attention_bwd_dq_f32(const float* q, const float* k, const float* v, const float* lse,
                                                 const float* di, const float* dout, float* dq, const int* keyStart,
                                                 const int* keyEnd, int B, int T, int H, int D, float scale) {
    long long warp = (blockIdx.x * (long long) blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= (long long) B * H * T) return;
    int i = (int) (warp % T), h = (int) ((warp / T) % H), b = (int) (warp / ((long long) T * H));
    long long qo = (((long long) b * T + i) * H + h) * D;
    long long ri = ((long long) b * H + h) * T + i;
    float l = lse[ri], dI = di[ri];
    float qr[MAX_D_PER_LANE], gr[MAX_D_PER_LANE], acc[MAX_D_PER_LANE];
    for (int s = 0; s < MAX_D_PER_LANE; s++) {
        int d = lane + 32 * s;
        qr[s] = d < D ? q[qo + d] : 0.0f;
        gr[s] = d < D ? dout[qo + d] : 0.0f;
        acc[s] = 0.0f;
    }
    int j0 = keyStart[b * T + i], j1 = l == -INFINITY ? j0 : keyEnd[b * T + i];
    for (int j = j0; j < j1; j++) {
        long long ko = (((long long) b * T + j) * H + h) * D;
        float s_ = 0.0f, dp = 0.0f;
        for (int s = 0; s < MAX_D_PER_LANE; s++) {
            int d = lane + 32 * s;
            if (d < D) { s_ += qr[s] * k[ko + d]; dp += gr[s] * v[ko + d]; }
        }
        for (int o = 16; o > 0; o >>= 1) { s_ += __shfl_xor_sync(FULL_MASK, s_, o); dp += __shfl_xor_sync(FULL_MASK, dp, o); }
        float p = expf(s_ * scale - l);
        float ds = p * (dp - dI);
        for (int s = 0; s < MAX_D_PER_LANE; s++) { int d = lane + 32 * s; if (d < D) acc[s] += scale * ds * k[ko + d]; }
    }
    for (int s = 0; s < MAX_D_PER_LANE; s++) { int d = lane + 32 * s; if (d < D) dq[qo + d] = acc[s]; }
}

// dK, dV: one warp per key, over the queries whose range holds it (scanned in order: deterministic).
extern "C" __global__ void attention_bwd_dkdv_f32(const float* q, const float* k, const float* v, const float* lse,
                                                   const float* di, const float* dout, float* dk, float* dv,
                                                   const int* keyStart, const int* keyEnd, int B, int T, int H, int D,
                                                   float scale) {
    long long warp = (blockIdx.x * (long long) blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= (long long) B * H * T) return;
    int j = (int) (warp % T), h = (int) ((warp / T) % H), b = (int) (warp / ((long long) T * H));
    long long ko = (((long long) b * T + j) * H + h) * D;
    float kr[MAX_D_PER_LANE], vr[MAX_D_PER_LANE], ak[MAX_D_PER_LANE], av[MAX_D_PER_LANE];
    for (int s = 0; s < MAX_D_PER_LANE; s++) {
        int d = lane + 32 * s;
        kr[s] = d < D ? k[ko + d] : 0.0f;
        vr[s] = d < D ? v[ko + d] : 0.0f;
        ak[s] = 0.0f;
        av[s] = 0.0f;
    }
    for (int i = 0; i < T; i++) {
        if (!(keyStart[b * T + i] <= j && j < keyEnd[b * T + i])) continue;
        long long ri = ((long long) b * H + h) * T + i;
        float l = lse[ri];
        if (l == -INFINITY) continue;
        long long qo = (((long long) b * T + i) * H + h) * D;
        float s_ = 0.0f, dp = 0.0f;
        for (int s = 0; s < MAX_D_PER_LANE; s++) {
            int d = lane + 32 * s;
            if (d < D) { s_ += q[qo + d] * kr[s]; dp += dout[qo + d] * vr[s]; }
        }
        for (int o = 16; o > 0; o >>= 1) { s_ += __shfl_xor_sync(FULL_MASK, s_, o); dp += __shfl_xor_sync(FULL_MASK, dp, o); }
        float p = expf(s_ * scale - l);
        float ds = p * (dp - di[ri]);
        for (int s = 0; s < MAX_D_PER_LANE; s++) {
            int d = lane + 32 * s;
            if (d < D) { av[s] += p * dout[qo + d]; ak[s] += scale * ds * q[qo + d]; }
        }
    }
    for (int s = 0; s < MAX_D_PER_LANE; s++) {
        int d = lane + 32 * s;
        if (d < D) { dk[ko + d] = ak[s]; dv[ko + d] = av[s]; }
    }
}

// ------------------------------------------------------------------ gather, scatter, indices, top-k

// Writes the smallest position whose index is outside [0, bound) to *firstBad (initialised to n by the host).
extern "C" __global__ void check_indices_i32(const int* idx, long long n, int bound, long long* firstBad) {
    GRID_STRIDE(i, n) if (idx[i] < 0 || idx[i] >= bound) atomicMin((unsigned long long*) firstBad, (unsigned long long) i);
}
extern "C" __global__ void gather_rows_f32(const float* src, const int* idx, float* out, long long m, int d) {
    GRID_STRIDE(i, m * d) out[i] = src[(long long) idx[i / d] * d + i % d];
}
// One thread per column walks the rows in order: repeated indices accumulate deterministically.
extern "C" __global__ void scatter_add_rows_f32(const float* src, const int* idx, const float* w, float* out, long long m,
                                                 int d) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= d) return;
    for (long long r = 0; r < m; r++) out[(long long) idx[r] * d + c] += (w ? w[r] : 1.0f) * src[r * d + c];
}
// dx is zeroed first by fill_f32; indices in a row are distinct, so plain stores cannot race.
extern "C" __global__ void topk_bwd_f32(const float* dv, const int* inds, float* dx, long long rows, int k, int cols) {
    GRID_STRIDE(i, rows * k) dx[(i / k) * cols + inds[i]] = dv[i];
}
extern "C" __global__ void transpose_f32(const float* x, float* out, int rows, int cols) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        out[c * rows + r] = x[i];
    }
}
extern "C" __global__ void gather_indices_i32(const int* table, const int* idx, int* out, long long m) {
    GRID_STRIDE(i, m) out[i] = table[idx[i]];
}
// One thread per row: k rounds of "largest below the previous (value desc, index asc)".
extern "C" __global__ void topk_f32(const float* x, int rows, int cols, int k, float* vals, int* inds) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const float* row = x + (long long) r * cols;
    float pv = INFINITY;
    int pi = -1;
    for (int j = 0; j < k; j++) {
        float bv = -INFINITY;
        int bi = -1;
        for (int c = 0; c < cols; c++) {
            float v = row[c] == 0.0f ? 0.0f : row[c];
            bool after = v < pv || (v == pv && c > pi);
            bool better = bi < 0 || v > bv || (v == bv && c < bi);
            if (after && better) { bv = v; bi = c; }
        }
        vals[(long long) r * k + j] = row[bi];
        inds[(long long) r * k + j] = bi;
        pv = bv;
        pi = bi;
    }
}

// ------------------------------------------------------------------ im2col / col2im

extern "C" __global__ void im2col_f32(const float* x, float* cols, int B, int C, int Hh, int W, int kh, int kw,
                                       int stride, int pad, int oh, int ow) {
    long long n = (long long) B * oh * ow * C * kh * kw;
    GRID_STRIDE(i, n) {
        int kx = (int) (i % kw), ky = (int) ((i / kw) % kh), c = (int) ((i / ((long long) kw * kh)) % C);
        long long row = i / ((long long) kw * kh * C);
        int xx = (int) (row % ow), y = (int) ((row / ow) % oh), b = (int) (row / ((long long) ow * oh));
        int iy = y * stride - pad + ky, ix = xx * stride - pad + kx;
        cols[i] = iy >= 0 && iy < Hh && ix >= 0 && ix < W ? x[(((long long) b * C + c) * Hh + iy) * W + ix] : 0.0f;
    }
}
// One thread per input pixel gathers every patch entry that came from it, in a fixed order.
extern "C" __global__ void col2im_f32(const float* cols, float* dx, int B, int C, int Hh, int W, int kh, int kw,
                                       int stride, int pad, int oh, int ow) {
    long long n = (long long) B * C * Hh * W;
    GRID_STRIDE(i, n) {
        int ix = (int) (i % W), iy = (int) ((i / W) % Hh), c = (int) ((i / ((long long) W * Hh)) % C);
        int b = (int) (i / ((long long) W * Hh * C));
        float acc = 0.0f;
        for (int ky = 0; ky < kh; ky++) {
            int ty = iy + pad - ky;
            if (ty < 0 || ty % stride) continue;
            int y = ty / stride;
            if (y >= oh) continue;
            for (int kx = 0; kx < kw; kx++) {
                int tx = ix + pad - kx;
                if (tx < 0 || tx % stride) continue;
                int xx = tx / stride;
                if (xx >= ow) continue;
                long long row = ((long long) b * oh + y) * ow + xx;
                acc += cols[row * C * kh * kw + (long long) c * kh * kw + ky * kw + kx];
            }
        }
        dx[i] = acc;
    }
}

// ------------------------------------------------------------------ optimizer and random numbers

extern "C" __global__ void adamw_f32(float* p, const float* g, float* m, float* v, long long n, float lr, float b1,
                                      float b2, float eps, float wd, float gradScale, float bc1, float bc2) {
    GRID_STRIDE(i, n) {
        float gr = g[i] * gradScale;
        float m1 = b1 * m[i] + (1.0f - b1) * gr;
        float v1 = b2 * v[i] + (1.0f - b2) * gr * gr;
        m[i] = m1;
        v[i] = v1;
        p[i] = p[i] * (1.0f - lr * wd) - (lr / bc1) * m1 / (sqrtf(v1) * rsqrtf(bc2) + eps);
    }
}

__device__ void philox4x32_10(unsigned int c[4], unsigned int k0, unsigned int k1) {
    for (int r = 0; r < 10; r++) {
        unsigned int hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
        unsigned int hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
        unsigned int n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
        c[0] = n0; c[1] = lo1; c[2] = n2; c[3] = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}
extern "C" __global__ void philox_uniform_f32(float* out, long long n, unsigned int k0, unsigned int k1,
                                               unsigned long long offset) {
    GRID_STRIDE(e, n) {
        unsigned long long g = offset + e, blk = g >> 2;
        unsigned int c[4] = {(unsigned int) blk, (unsigned int) (blk >> 32), 0u, 0u};
        philox4x32_10(c, k0, k1);
        out[e] = (c[g & 3] >> 8) * (1.0f / 16777216.0f);
    }
}
extern "C" __global__ void philox_normal_f32(float* out, long long n, unsigned int k0, unsigned int k1,
                                              unsigned long long offset) {
    GRID_STRIDE(e, n) {
        unsigned long long g = offset + e, pair = g >> 1, blk = pair >> 1;
        unsigned int c[4] = {(unsigned int) blk, (unsigned int) (blk >> 32), 0u, 0u};
        philox4x32_10(c, k0, k1);
        int w = (int) (pair & 1) * 2;
        double u1 = (double) (((c[w] >> 8) + 1u) * (1.0f / 16777216.0f));
        double u2 = (double) ((c[w + 1] >> 8) * (1.0f / 16777216.0f));
        double r = sqrt(-2.0 * log(u1)), th = 2.0 * 3.14159265358979323846 * u2;
        out[e] = (float) ((g & 1) == 0 ? r * cos(th) : r * sin(th));
    }
}

// ------------------------------------------------------------------ GEMM without cuBLAS

// C[M,N] = alpha * A B + beta * C per batch; A(r,p) = A[r*rsA + p*csA], B(p,j) = B[p*rsB + j*csB].
#define TILE 32
extern "C" __global__ void sgemm_strided_f32(const float* A, const float* Bm, float* C, int M, int N, int K,
                                              long long rsA, long long csA, long long rsB, long long csB, int ldc,
                                              long long strideA, long long strideB, long long strideC,
                                              float alpha, float beta) {
    __shared__ float As[TILE][TILE + 1];
    __shared__ float Bs[TILE][TILE + 1];
    const float* a = A + blockIdx.z * strideA;
    const float* bb = Bm + blockIdx.z * strideB;
    float* c = C + blockIdx.z * strideC;
    int row = blockIdx.y * TILE + threadIdx.y, col = blockIdx.x * TILE + threadIdx.x;
    float acc = 0.0f;
    for (int p0 = 0; p0 < K; p0 += TILE) {
        int pa = p0 + threadIdx.x, pb = p0 + threadIdx.y;
        As[threadIdx.y][threadIdx.x] = row < M && pa < K ? a[row * rsA + pa * csA] : 0.0f;
        Bs[threadIdx.y][threadIdx.x] = pb < K && col < N ? bb[pb * rsB + col * csB] : 0.0f;
        __syncthreads();
        for (int p = 0; p < TILE; p++) acc += As[threadIdx.y][p] * Bs[p][threadIdx.x];
        __syncthreads();
    }
    if (row < M && col < N) {
        long long o = (long long) row * ldc + col;
        c[o] = alpha * acc + (beta == 0.0f ? 0.0f : beta * c[o]);
    }
}

// Writes the smallest position holding NaN to *firstNan (initialised to n by the host).
extern "C" __global__ void first_nan_f32(const float* x, long long n, long long* firstNan) {
    GRID_STRIDE(i, n) if (x[i] != x[i]) atomicMin((unsigned long long*) firstNan, (unsigned long long) i);
}
