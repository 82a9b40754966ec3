package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.random.Philox;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

/**
 * The codebook of a VQ tokenizer: {@code quantizer.codebook [K, D]} with its EMA state {@code quantizer.ema_count [K]}
 * and {@code quantizer.ema_sum [K, D]}. All three are parameters (so checkpoints and resume carry them) that AdamW
 * never updates: {@link VqAutoencoder#allocate} freezes them, and {@link #update} moves the codebook toward the
 * encoder outputs assigned to each code by an exponential moving average, restarting codes that fell out of use.
 *
 * <p>The EMA arithmetic runs on the host over {@code K·D} floats (a few thousand) per micro-batch: the division by
 * the smoothed counts and the random restarts have no kernel, and the cost is small beside the convolutions. Host
 * buffers are kept between steps, so a step of the same size allocates none. Not thread-safe.
 */
public final class VectorQuantizer {
    public static final String CODEBOOK = "quantizer.codebook";
    public static final String EMA_COUNT = "quantizer.ema_count";
    public static final String EMA_SUM = "quantizer.ema_sum";
    /** Laplace smoothing of the EMA counts, so a code that lost its rows never divides by zero. */
    static final float COUNT_EPS = 1e-5f;

    /** What one micro-batch's assignment looked like. */
    public record Usage(double perplexity, int used, int restarted) {
    }

    private final Parameters params;
    private final int codes;
    private final int dim;
    private final float decay;
    private final float deadBelow;
    private final float[] count;
    private final float[] sum;
    private final float[] book;
    private final float[] batchCount;
    private final float[] batchSum;
    /** Host copies of the last micro-batch's codes and latent rows, exactly its size (host copies take exact lengths). */
    private int[] assigned = new int[0];
    private float[] latents = new float[0];

    VectorQuantizer(Parameters params, int codes, int dim, float decay, float deadBelow) {
        this.params = params;
        this.codes = codes;
        this.dim = dim;
        this.decay = decay;
        this.deadBelow = deadBelow;
        params.declare(CODEBOOK, Shape.of(codes, dim), new Parameters.Init.Normal(1f), false);
        params.declare(EMA_COUNT, Shape.of(codes), new Parameters.Init.Constant(0f), false);
        params.declare(EMA_SUM, Shape.of(codes, dim), new Parameters.Init.Constant(0f), false);
        count = new float[codes];
        sum = new float[codes * dim];
        book = new float[codes * dim];
        batchCount = new float[codes];
        batchSum = new float[codes * dim];
    }

    public int codes() {
        return codes;
    }

    public int dim() {
        return dim;
    }

    /** The codebook {@code [K, D]} on the backend. */
    public Tensor codebook() {
        return params.get(CODEBOOK).value();
    }

    /**
     * The nearest code of every row of {@code z [N, D]}, as I32 {@code [N]} in {@code arena}: the largest
     * {@code 2 z·e − ‖e‖²} (one GEMM, a row add, top-1), ties to the lower code, so encoding is deterministic.
     */
    public Tensor nearest(Backend backend, StepArena arena, Tensor z) {
        if (z.rank() != 2 || z.dim(1) != dim) {
            throw new IllegalArgumentException("nearest: expected latent rows [N, " + dim + "], found " + z.shape());
        }
        long n = z.dim(0);
        Tensor e = codebook();
        Tensor scores = arena.allocate(DType.F32, Shape.of(n, codes));
        backend.gemm(z, e.t(), scores, 2f, 0f);
        Tensor norms = arena.allocate(DType.F32, Shape.of(codes));
        backend.rowDot(e, e, norms);
        backend.scale(norms, -1f, norms);
        backend.add(scores, norms, scores);
        Tensor best = arena.allocate(DType.F32, Shape.of(n, 1));
        Tensor idx = arena.allocate(DType.I32, Shape.of(n, 1));
        backend.topK(scores, 1, best, idx);
        return idx.reshape(n);
    }

    /** The code vectors of {@code idx [N]}: {@code [N, D]} in {@code arena}. */
    public Tensor lookup(Backend backend, StepArena arena, Tensor idx) {
        Tensor out = arena.allocate(DType.F32, Shape.of(idx.numel(), dim));
        backend.gatherRows(codebook(), idx, out);
        return out;
    }

    /**
     * The straight-through estimator: forward the code vectors {@code quantized}, backward the gradient passed
     * unchanged to the encoder output {@code z} (the quantization is treated as the identity).
     */
    public static Var straightThrough(Graph g, Var z, Tensor quantized) {
        if (!quantized.shape().equals(z.value().shape())) {
            throw new IllegalArgumentException("straightThrough: quantized " + quantized.shape()
                    + " must have the shape of z " + z.value().shape());
        }
        return g.op(quantized, (dy, gr) -> gr.pass(z, dy), z);
    }

    /**
     * One EMA step from the rows {@code z [N, D]} and their codes {@code idx [N]}, then the restart of every code whose
     * EMA count is below {@code deadBelow}: it becomes row {@code floor(u·N)} of {@code z}, {@code u} the Philox
     * uniform of {@code (key, offset + code)}, with count 1. Returns the assignment's statistics.
     */
    public Usage update(Backend backend, Tensor z, Tensor idx, long key, long offset) {
        int n = hostCopies(backend, z, idx);
        Tensor countT = params.get(EMA_COUNT).value();
        Tensor sumT = params.get(EMA_SUM).value();
        backend.copyToHost(countT, count);
        backend.copyToHost(sumT, sum);
        backend.copyToHost(codebook(), book);
        java.util.Arrays.fill(batchCount, 0f);
        java.util.Arrays.fill(batchSum, 0f);
        for (int r = 0; r < n; r++) {
            int k = assigned[r];
            batchCount[k] += 1f;
            for (int d = 0; d < dim; d++) {
                batchSum[k * dim + d] += latents[r * dim + d];
            }
        }
        double total = 0;
        for (int k = 0; k < codes; k++) {
            count[k] = decay * count[k] + (1 - decay) * batchCount[k];
            total += count[k];
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] = decay * sum[i] + (1 - decay) * batchSum[i];
        }
        int restarted = 0;
        for (int k = 0; k < codes; k++) {
            if (count[k] < deadBelow) {
                int r = Math.min(n - 1, (int) (Philox.uniform(key, offset + k) * n));
                System.arraycopy(latents, r * dim, book, k * dim, dim);
                System.arraycopy(latents, r * dim, sum, k * dim, dim);
                count[k] = 1f;
                restarted++;
            } else {
                double smoothed = (count[k] + COUNT_EPS) / (total + codes * COUNT_EPS) * total;
                for (int d = 0; d < dim; d++) {
                    book[k * dim + d] = (float) (sum[k * dim + d] / smoothed);
                }
            }
        }
        backend.copyFromHost(count, countT);
        backend.copyFromHost(sum, sumT);
        backend.copyFromHost(book, codebook());
        Usage u = usage(batchCount, n);
        return new Usage(u.perplexity(), u.used(), restarted);
    }

    /** The statistics of codes {@code idx [N]} without updating anything (validation, evaluation). */
    public Usage usage(Backend backend, Tensor idx) {
        int n = (int) idx.numel();
        if (assigned.length != n) {
            assigned = new int[n]; // host copies take exact lengths; a run of equal batches sizes this once
        }
        backend.copyToHost(idx, assigned);
        java.util.Arrays.fill(batchCount, 0f);
        for (int r = 0; r < n; r++) {
            batchCount[assigned[r]] += 1f;
        }
        return usage(batchCount, n);
    }

    /** Perplexity {@code exp(−Σ p log p)} and distinct codes of a histogram over {@code n} rows. */
    static Usage usage(float[] histogram, int n) {
        double entropy = 0;
        int used = 0;
        for (float c : histogram) {
            if (c > 0) {
                double p = (double) c / n;
                entropy -= p * Math.log(p);
                used++;
            }
        }
        return new Usage(Math.exp(entropy), used, 0);
    }

    private int hostCopies(Backend backend, Tensor z, Tensor idx) {
        int n = (int) idx.numel();
        if (z.rank() != 2 || z.dim(0) != n || z.dim(1) != dim) {
            throw new IllegalArgumentException("update: expected z [" + n + ", " + dim + "] for " + n + " codes, found "
                    + z.shape());
        }
        if (assigned.length != n) {
            assigned = new int[n];
        }
        if (latents.length != n * dim) {
            latents = new float[n * dim];
        }
        backend.copyToHost(idx, assigned);
        backend.copyToHost(z, latents);
        return n;
    }
}
