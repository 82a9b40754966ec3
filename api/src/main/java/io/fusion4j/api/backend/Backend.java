package io.fusion4j.api.backend;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.FlopCounter;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

/**
 * The whole kernel set fusion4j's models need, forward and backward. A backend owns tensor
 * storage; models never touch raw memory and never need a kernel outside this interface.
 *
 * <h2>Contract every implementation keeps (checked by the {@code tck} module)</h2>
 * <ul>
 *   <li>Arguments are validated before any work, with {@link KernelChecks}; a violation throws
 *       {@link IllegalArgumentException} naming the kernel, the argument, what was expected and what
 *       was found. Dead arena tensors are rejected.</li>
 *   <li>Floating-point kernels take {@link DType#F32} tensors; BF16 is a storage type converted by
 *       {@link #copy}. Index arguments are {@link DType#I32}.</li>
 *   <li>Except {@link #gemm}, {@link #groupedGemm} and {@link #groupedGemmWeightGrad}, tensors must be
 *       plain (not transposed) views. Outputs may not alias inputs unless a method says so.</li>
 *   <li>Results match an f64 reference within the tolerances in the TCK; with the same inputs and
 *       thread count a kernel returns the same bits every time.</li>
 *   <li>Backward kernels overwrite their input-gradient outputs. Parameter-gradient outputs (named
 *       {@code dWeight}, {@code dBias}, {@code dTable}, {@code db}) and scatter-add outputs accumulate.</li>
 *   <li>Every kernel adds the floating-point operations it performed to {@link #flops()}: exactly what
 *       {@link KernelFlops} gives for its arguments, the one table of formulas all backends share.</li>
 * </ul>
 *
 * <p>Shapes: "rows" are all dims but the last; "[R, C]" means any shape with {@code R} rows of
 * {@code C} columns.
 */
public interface Backend extends AutoCloseable {

    /** Provider name, e.g. {@code "cpu"}. */
    String name();

    /** A one-line description of the device (CPU model and vector width, GPU name, ...). */
    String deviceDescription();

    /** Worker threads the backend uses for one kernel. */
    int threads();

    /** Counter of the floating-point operations performed by this backend's kernels. */
    FlopCounter flops();

    /**
     * The device's fp32 peak for this backend's {@link #threads()}, for model-FLOPs utilisation: measured or from a
     * datasheet, as its source says. Empty where the backend does not know it (callers then say what they assume).
     * May take a moment the first time (a backend may measure it once).
     */
    default java.util.Optional<PeakFlops> fp32Peak() {
        return java.util.Optional.empty();
    }

    /**
     * The peak of this backend's matrix products in its {@link #precision()}, for MFU: the fp32 peak for fp32; for
     * bf16 what the backend knows of the bf16 instructions it uses. Empty where it knows none.
     */
    default java.util.Optional<PeakFlops> matmulPeak() {
        return precision() == Precision.FP32 ? fp32Peak() : java.util.Optional.empty();
    }

    /** The format of this backend's matrix products (see {@link Precision}); fp32 unless created with another. */
    default Precision precision() {
        return Precision.FP32;
    }

    // ---------------------------------------------------------------- memory

    /** A zero-filled tensor that lives until it is unreachable (or until {@link #close()}). */
    Tensor allocate(DType dtype, Shape shape);

    /** A new, empty per-step arena. */
    StepArena newArena();

    /** Copies host floats into {@code dst} (F32, or BF16 with round-to-nearest-even). */
    void copyFromHost(float[] src, Tensor dst);

    /** Copies host ints into an I32 tensor. */
    void copyFromHost(int[] src, Tensor dst);

    /** Copies an F32 or BF16 tensor to host floats. */
    void copyToHost(Tensor src, float[] dst);

    /** Copies an I32 tensor to host ints. */
    void copyToHost(Tensor src, int[] dst);

    /** Copies {@code src} into {@code dst} of equal element count, converting F32 and BF16 either way. */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of a floating-point tensor to {@code value}. */
    void fill(Tensor t, float value);

    // ---------------------------------------------------------------- GEMM

    /**
     * {@code c = alpha * a @ b + beta * c}. Rank 2 ({@code a [M,K]}, {@code b [K,N]}, {@code c [M,N]}) or
     * rank 3 batched with equal batch dims. {@code a} and {@code b} may be transposed views ({@link Tensor#t()});
     * {@code c} may not. With {@code beta == 0} the old contents of {@code c} are ignored (NaN included).
     */
    void gemm(Tensor a, Tensor b, Tensor c, float alpha, float beta);

    /**
     * Grouped GEMM for experts: rows {@code offsets[g] .. offsets[g+1]} of {@code a [R,K]} are multiplied by
     * {@code b[g]} ({@code b [G,K,N]}, or a transposed view of {@code [G,N,K]}) into the same rows of
     * {@code c [R,N]}: {@code c_g = a_g @ b[g] + beta * c_g}. {@code offsets} is I32 {@code [G+1]}, non-decreasing,
     * from 0 to at most R; empty groups are allowed; rows past {@code offsets[G]} are left untouched. With
     * {@code beta == 0} the old contents of the groups' rows are ignored (NaN included).
     */
    void groupedGemm(Tensor a, Tensor b, Tensor offsets, Tensor c, float beta);

    /**
     * Weight gradient of {@link #groupedGemm}: {@code db[g] = beta * db[g] + a_gᵀ @ dy_g} for
     * {@code a [R,K]}, {@code dy [R,N]}, {@code db [G,K,N]}. An empty group leaves {@code beta * db[g]}. With
     * {@code beta == 0} the old contents of {@code db} are ignored (NaN included), so an empty group's is zero.
     */
    void groupedGemmWeightGrad(Tensor a, Tensor dy, Tensor offsets, Tensor db, float beta);

    // ---------------------------------------------------------------- element-wise

    /** {@code out = a + b}; {@code b} has {@code a}'s shape or its last dim only (row broadcast). Out may alias a. */
    void add(Tensor a, Tensor b, Tensor out);

    /** {@code out = a * b}; {@code b} has {@code a}'s shape or its last dim only (row broadcast). Out may alias a. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** {@code out = alpha * a + beta * b}, equal shapes. Out may alias a or b. */
    void axpby(float alpha, Tensor a, float beta, Tensor b, Tensor out);

    /** {@code out = s * a}. Out may alias a. */
    void scale(Tensor a, float s, Tensor out);

    /** {@code out[r, c] = x[r, c] * s[r]} for {@code x [R,C]}, {@code s [R]}. Out may alias x. */
    void mulRows(Tensor x, Tensor s, Tensor out);

    /** {@code out[r] = sum_c a[r,c] * b[r,c]}: row-wise dot products, {@code out [R]}. */
    void rowDot(Tensor a, Tensor b, Tensor out);

    /** {@code out = x * sigmoid(x)}. */
    void silu(Tensor x, Tensor out);

    /** {@code dx = dy * d silu(x) / dx}. */
    void siluBackward(Tensor x, Tensor dy, Tensor dx);

    /** GELU, tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    void gelu(Tensor x, Tensor out);

    /** Gradient of {@link #gelu}. */
    void geluBackward(Tensor x, Tensor dy, Tensor dx);

    /** {@code out = 1 / (1 + exp(-x))}. */
    void sigmoid(Tensor x, Tensor out);

    /** {@code dx = dy * y * (1 - y)} where {@code y} is the sigmoid output. */
    void sigmoidBackward(Tensor y, Tensor dy, Tensor dx);

    /** Fused SwiGLU: {@code out = silu(gate) * up}. */
    void swiglu(Tensor gate, Tensor up, Tensor out);

    /** Gradients of {@link #swiglu}: writes {@code dGate} and {@code dUp}. */
    void swigluBackward(Tensor gate, Tensor up, Tensor dOut, Tensor dGate, Tensor dUp);

    // ---------------------------------------------------------------- reductions and norms

    /** Reduces {@code x [R,C]} along the last dim into {@code out [R]}. */
    void reduceLastDim(Reduction op, Tensor x, Tensor out);

    /** Sum of squares of all elements, accumulated in double and returned to the host. */
    double squaredNorm(Tensor x);

    /** RMSNorm: {@code out = x * rstd * weight}, {@code rstd[r] = 1/sqrt(mean(x[r]^2) + eps)} saved in {@code rstd [R]}. */
    void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd);

    /** RMSNorm backward: writes {@code dx}, accumulates {@code dWeight}. */
    void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight);

    /** LayerNorm with affine weight and bias; saves {@code mean [R]} and {@code rstd [R]}. */
    void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd);

    /** LayerNorm backward: writes {@code dx}, accumulates {@code dWeight} and {@code dBias}. */
    void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy,
                           Tensor dx, Tensor dWeight, Tensor dBias);

    /** Softmax along the last dim. Out may alias x. */
    void softmax(Tensor x, Tensor out);

    /** Softmax backward from its output: {@code dx = y * (dy - sum(dy * y))}. */
    void softmaxBackward(Tensor y, Tensor dy, Tensor dx);

    // ---------------------------------------------------------------- positions and attention

    /**
     * Rotary position embedding on {@code x [B,T,H,D]} (D even) with positions I32 {@code [B,T]}, rotate-half
     * pairing: element {@code i < D/2} pairs with {@code i + D/2}, angle {@code pos * theta^(-2i/D)}. Out may alias x.
     */
    void rope(Tensor x, Tensor positions, float theta, Tensor out);

    /** Gradient of {@link #rope}: the inverse rotation applied to {@code dy}. dx may alias dy. */
    void ropeBackward(Tensor dy, Tensor positions, float theta, Tensor dx);

    /**
     * Fused attention, {@code q, k, v, out [B,T,H,D]}: {@code out = softmax(scale * q kᵀ + mask) v} per batch row
     * and head, where {@code mask} gives each query a contiguous key range. Saves the log-sum-exp of each row in
     * {@code lse [B,H,T]} for the backward. Never materialises a T×T matrix. A query with no visible key
     * gets {@code out = 0} and {@code lse = -inf}.
     */
    void attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse);

    /** Backward of {@link #attention}: writes {@code dq}, {@code dk}, {@code dv} from {@code dOut}. */
    void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dOut,
                           AttentionMask mask, float scale, Tensor dq, Tensor dk, Tensor dv);

    // ---------------------------------------------------------------- losses

    /**
     * Cross-entropy from logits {@code [N,V]} and I32 targets {@code [N]}: per-row
     * {@code loss = lse - logit[target] + zLoss * lse^2} into {@code losses [N]}, log-sum-exp into {@code lse [N]}.
     * A negative target marks an ignored row (loss 0). A target {@code >= V} is an error.
     */
    void crossEntropy(Tensor logits, Tensor targets, float zLoss, Tensor losses, Tensor lse);

    /** Backward of {@link #crossEntropy} for upstream gradient {@code gradScale} on every row's loss. */
    void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, float zLoss, float gradScale, Tensor dLogits);

    /** Mean squared error per row: {@code out[r] = mean_c (pred - target)^2}, {@code out [R]}. */
    void mse(Tensor pred, Tensor target, Tensor out);

    /** Backward of {@link #mse} for upstream gradient {@code gradScale} on every row: {@code dPred = gradScale * 2 (pred - target) / C}. */
    void mseBackward(Tensor pred, Tensor target, float gradScale, Tensor dPred);

    /** Element-wise binary cross-entropy with logits: {@code max(x,0) - x t + log(1 + exp(-|x|))}. */
    void bceWithLogits(Tensor logits, Tensor targets, Tensor out);

    /** Backward of {@link #bceWithLogits}: {@code dLogits = gradScale * (sigmoid(x) - t)}. */
    void bceWithLogitsBackward(Tensor logits, Tensor targets, float gradScale, Tensor dLogits);

    // ---------------------------------------------------------------- gather, scatter, top-k

    /** {@code out[m] = src[idx[m]]} for {@code src [N,D]}, I32 {@code idx [M]}, {@code out [M,D]}. */
    void gatherRows(Tensor src, Tensor idx, Tensor out);

    /**
     * {@code out[idx[m]] += w[m] * src[m]} for {@code src [M,D]}, {@code idx [M]}, {@code out [N,D]}; {@code weights [M]} may
     * be null (weight 1). Repeated indices accumulate.
     */
    void scatterAddRows(Tensor src, Tensor idx, Tensor weights, Tensor out);

    /** Embedding lookup: {@code out[n] = table[ids[n]]}. */
    default void embedding(Tensor table, Tensor ids, Tensor out) {
        gatherRows(table, ids, out);
    }

    /** Embedding backward: {@code dTable[ids[n]] += dOut[n]}. */
    default void embeddingBackward(Tensor dOut, Tensor ids, Tensor dTable) {
        scatterAddRows(dOut, ids, null, dTable);
    }

    /**
     * The {@code k} largest values of each row of {@code x [R,C]}, in descending order, into {@code values [R,k]} and their
     * column indices into I32 {@code indices [R,k]}. Ties go to the lower index. NaN is rejected.
     */
    void topK(Tensor x, int k, Tensor values, Tensor indices);

    /**
     * Backward of {@link #topK}: {@code dx [R,C]} is overwritten with zeros except {@code dx[r, indices[r,j]] =
     * dValues[r,j]} for {@code dValues [R,k]} and I32 {@code indices [R,k]} (indices in a row are distinct, as topK
     * gives them).
     */
    void topKBackward(Tensor dValues, Tensor indices, Tensor dx);

    /** {@code out [C,R] = xᵀ} for {@code x [R,C]} (a copy, no FLOPs): routers turn token×expert scores into expert rows. */
    void transpose(Tensor x, Tensor out);

    /**
     * Index composition: {@code out[m] = table[idx[m]]}, all I32 and rank 1; every {@code idx[m]} in
     * {@code [0, table.numel())}. Maps indices into a subset (one modality's rows) back to the whole batch.
     */
    void gatherIndices(Tensor table, Tensor idx, Tensor out);

    // ---------------------------------------------------------------- convolution helpers

    /** Unfolds {@code x [B,C,H,W]} into {@code cols [B*OH*OW, C*KH*KW]} (zero padding). */
    void im2col(Tensor x, ConvGeometry geometry, Tensor cols);

    /** Adjoint of {@link #im2col}: folds {@code cols} back into {@code dx [B,C,H,W]}, summing overlaps (overwrites dx). */
    void col2im(Tensor cols, ConvGeometry geometry, Tensor dx);

    // ---------------------------------------------------------------- optimizer

    /**
     * One fused AdamW update of {@code param} from {@code grad} (multiplied by {@code step.gradScale()} first, which is
     * how global-norm clipping is applied), updating moments {@code m} and {@code v} in place. Weight decay is
     * decoupled: {@code param -= lr * weightDecay * param}.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step);

    // ---------------------------------------------------------------- random numbers

    /**
     * Uniform floats in {@code [0,1)} from Philox4x32-10: element {@code e} takes 32-bit word {@code (offset + e) mod 4} of
     * block {@code (offset + e) / 4} with key {@code seed}, as {@code (word >>> 8) * 2^-24}. See {@link io.fusion4j.api.random.Philox}.
     */
    void randomUniform(Tensor out, long seed, long offset);

    /** Standard normal floats from Philox4x32-10 through Box–Muller; see {@link io.fusion4j.api.random.Philox#normal}. */
    void randomNormal(Tensor out, long seed, long offset);

    /** Waits for queued work (a no-op on synchronous backends). */
    default void synchronize() {
    }

    /** Releases the backend's threads and memory. */
    @Override
    void close();
}
