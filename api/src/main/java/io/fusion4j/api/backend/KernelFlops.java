package io.fusion4j.api.backend;

import io.fusion4j.api.tensor.Tensor;

/**
 * The floating-point operations each {@link Backend} kernel counts: one static method per kernel, same name,
 * computed from the kernel's arguments (shapes, the attention mask, the rows in groups). Every backend adds
 * {@code KernelFlops.<kernel>(...)} to its {@link Backend#flops()} counter and the TCK checks that it did, so
 * the loss-vs-FLOPs curves and FLOPs-matched comparisons of the evaluation suite rest on one definition
 * instead of a copy per backend that could drift.
 *
 * <h2>Convention</h2>
 * <ul>
 *   <li>A multiply-add counts 2; an add, multiply, subtraction, negation or comparison counts 1.</li>
 *   <li>An {@code exp}, {@code tanh} or division counts 1, like an add (e.g. sigmoid
 *       {@code 1/(1+exp(-x))} is 4: negate, exp, add, divide).</li>
 *   <li>Memory movement counts 0: copies, dtype conversions, fills, gathers, im2col, top-k selection, and
 *       random-number generation (integer Philox rounds; the Box–Muller of {@code randomNormal} is not
 *       counted either: it is input noise, not model math).</li>
 *   <li>Work done once per row (a mean's divide, the {@code sqrt} of a norm) is left out: every formula is
 *       a multiple of an element count, a visible-pair count or a product of GEMM dims.</li>
 *   <li>Attention counts only visible (query, key) pairs, never the full T×T.</li>
 * </ul>
 * The numbers are those the CPU backend has always counted; recorded benchmark and training figures depend on
 * them, so a change here is a change of every reported FLOP figure.
 *
 * <h2>Table</h2>
 * {@code n} is the element count of the tensor named; GEMM dims as in {@link Backend#gemm}.
 * <table>
 *   <caption>FLOPs per kernel</caption>
 *   <tr><th>kernel</th><th>FLOPs</th></tr>
 *   <tr><td>copyFromHost, copyToHost, copy, fill</td><td>0</td></tr>
 *   <tr><td>gemm</td><td>2·batches·M·N·K</td></tr>
 *   <tr><td>groupedGemm, groupedGemmWeightGrad</td><td>2·offsets[G]·K·N (only the rows in groups)</td></tr>
 *   <tr><td>add, mul, scale, mulRows</td><td>n(a or x)</td></tr>
 *   <tr><td>axpby</td><td>3·n(a)</td></tr>
 *   <tr><td>rowDot</td><td>2·n(a)</td></tr>
 *   <tr><td>silu / siluBackward</td><td>5·n(x) / 9·n(x)</td></tr>
 *   <tr><td>gelu / geluBackward</td><td>9·n(x) / 18·n(x)</td></tr>
 *   <tr><td>sigmoid / sigmoidBackward</td><td>4·n(x) / 3·n(y)</td></tr>
 *   <tr><td>swiglu / swigluBackward</td><td>6·n(gate) / 14·n(gate)</td></tr>
 *   <tr><td>reduceLastDim</td><td>2·n(x) for SUM_OF_SQUARES, n(x) for SUM, MEAN and MAX</td></tr>
 *   <tr><td>squaredNorm</td><td>2·n(x)</td></tr>
 *   <tr><td>rmsNorm / rmsNormBackward</td><td>4·n(x) / 10·n(x)</td></tr>
 *   <tr><td>layerNorm / layerNormBackward</td><td>8·n(x) / 14·n(x)</td></tr>
 *   <tr><td>softmax / softmaxBackward</td><td>5·n(x) / 4·n(y)</td></tr>
 *   <tr><td>rope / ropeBackward</td><td>3·n(x) / 3·n(dy)</td></tr>
 *   <tr><td>attention</td><td>4·H·D·visiblePairs (q·k and p·v per pair)</td></tr>
 *   <tr><td>attentionBackward</td><td>10·H·D·visiblePairs (scores recomputed, dV, dP, dQ, dK)</td></tr>
 *   <tr><td>crossEntropy / crossEntropyBackward</td><td>4·n(logits) / 4·n(logits)</td></tr>
 *   <tr><td>mse / mseBackward</td><td>3·n(pred) / 3·n(pred)</td></tr>
 *   <tr><td>bceWithLogits / bceWithLogitsBackward</td><td>7·n(logits) / 5·n(logits)</td></tr>
 *   <tr><td>gatherRows, embedding</td><td>0</td></tr>
 *   <tr><td>scatterAddRows, embeddingBackward</td><td>2·n(src or dOut), with or without weights</td></tr>
 *   <tr><td>topK, topKBackward, transpose, gatherIndices</td><td>0</td></tr>
 *   <tr><td>im2col / col2im</td><td>0 / n(cols) (the adds that sum overlaps)</td></tr>
 *   <tr><td>adamw</td><td>14·n(param)</td></tr>
 *   <tr><td>randomUniform, randomNormal</td><td>0</td></tr>
 * </table>
 */
public final class KernelFlops {
    /**
     * The methods of {@link Backend} that are not kernels: they describe or manage the backend, count nothing and
     * have no formula here. The TCK's FLOP check and {@code bench train --kernel-times} both read this one list.
     */
    public static final java.util.Set<String> NOT_KERNELS = java.util.Set.of("name", "deviceDescription", "threads",
            "flops", "fp32Peak", "precision", "matmulPeak", "allocate", "newArena", "synchronize", "close");

    private KernelFlops() {
    }

    // ---------------------------------------------------------------- memory

    /** Host to device: movement, 0. */
    public static long copyFromHost() {
        return 0;
    }

    /** Device to host: movement, 0. */
    public static long copyToHost() {
        return 0;
    }

    /** Copy or dtype conversion: movement, 0. */
    public static long copy() {
        return 0;
    }

    /** Fill: movement, 0. */
    public static long fill() {
        return 0;
    }

    // ---------------------------------------------------------------- GEMM

    /** {@code 2·batches·M·N·K}: one multiply-add per (row, column, depth) of every batch. */
    public static long gemm(long batches, long m, long n, long k) {
        return 2L * m * n * k * batches;
    }

    /** {@link #gemm(long, long, long, long)} from the operands of {@link Backend#gemm} (views are logical, so a transposed view counts as its product). */
    public static long gemm(Tensor a, Tensor b) {
        return gemm(a.rank() == 3 ? a.dim(0) : 1, a.dim(-2), b.dim(-1), a.dim(-1));
    }

    /**
     * {@code 2·rowsInGroups·K·N}. {@code rowsInGroups} is {@code offsets[G]}, the rows that belong to a group
     * (offsets start at 0); rows past it are untouched and not counted. Taking it as a number lets a device
     * backend count without reading the offsets back (both backends today do read them, to validate).
     */
    public static long groupedGemm(long rowsInGroups, long k, long n) {
        return 2L * rowsInGroups * n * k;
    }

    /** {@link #groupedGemm(long, long, long)} with K from {@code a [R,K]} and N from {@code b [G,K,N]}. */
    public static long groupedGemm(Tensor a, Tensor b, long rowsInGroups) {
        return groupedGemm(rowsInGroups, a.dim(1), b.dim(2));
    }

    /** Same products as the forward: {@code 2·rowsInGroups·K·N} with K from {@code a [R,K]}, N from {@code dy [R,N]}. */
    public static long groupedGemmWeightGrad(Tensor a, Tensor dy, long rowsInGroups) {
        return groupedGemm(rowsInGroups, a.dim(1), dy.dim(1));
    }

    // ---------------------------------------------------------------- element-wise

    /** One add per element of {@code a} (row broadcast included). */
    public static long add(Tensor a) {
        return a.numel();
    }

    /** One multiply per element of {@code a}. */
    public static long mul(Tensor a) {
        return a.numel();
    }

    /** {@code alpha·a + beta·b}: three per element. */
    public static long axpby(Tensor a) {
        return 3L * a.numel();
    }

    /** One multiply per element. */
    public static long scale(Tensor a) {
        return a.numel();
    }

    /** One multiply per element of {@code x}. */
    public static long mulRows(Tensor x) {
        return x.numel();
    }

    /** One multiply-add per element of {@code a}. */
    public static long rowDot(Tensor a) {
        return 2L * a.numel();
    }

    /** Sigmoid (4) and a multiply: 5 per element. */
    public static long silu(Tensor x) {
        return 5L * x.numel();
    }

    /** {@code dy·s·(1 + x·(1 - s))} with the sigmoid {@code s}: 9 per element. */
    public static long siluBackward(Tensor x) {
        return 9L * x.numel();
    }

    /** Tanh approximation: 9 per element. */
    public static long gelu(Tensor x) {
        return 9L * x.numel();
    }

    /** 18 per element. */
    public static long geluBackward(Tensor x) {
        return 18L * x.numel();
    }

    /** Negate, exp, add, divide: 4 per element. */
    public static long sigmoid(Tensor x) {
        return 4L * x.numel();
    }

    /** {@code dy·y·(1 - y)}: 3 per element of {@code y}. */
    public static long sigmoidBackward(Tensor y) {
        return 3L * y.numel();
    }

    /** SiLU (5) and the multiply by {@code up}: 6 per element of {@code gate}. */
    public static long swiglu(Tensor gate) {
        return 6L * gate.numel();
    }

    /** 14 per element of {@code gate}. */
    public static long swigluBackward(Tensor gate) {
        return 14L * gate.numel();
    }

    // ---------------------------------------------------------------- reductions and norms

    /** A multiply-add per element for {@link Reduction#SUM_OF_SQUARES}, one operation per element otherwise. */
    public static long reduceLastDim(Reduction op, Tensor x) {
        return (op == Reduction.SUM_OF_SQUARES ? 2L : 1L) * x.numel();
    }

    /** A multiply-add per element. */
    public static long squaredNorm(Tensor x) {
        return 2L * x.numel();
    }

    /** Square-and-sum (2), scale by rstd and by weight: 4 per element of {@code x}. */
    public static long rmsNorm(Tensor x) {
        return 4L * x.numel();
    }

    /** 10 per element of {@code x}, the weight gradient included. */
    public static long rmsNormBackward(Tensor x) {
        return 10L * x.numel();
    }

    /** 8 per element of {@code x}. */
    public static long layerNorm(Tensor x) {
        return 8L * x.numel();
    }

    /** 14 per element of {@code x}, weight and bias gradients included. */
    public static long layerNormBackward(Tensor x) {
        return 14L * x.numel();
    }

    /** Max, subtract, exp, sum, normalise: 5 per element. */
    public static long softmax(Tensor x) {
        return 5L * x.numel();
    }

    /** {@code y·(dy - sum(dy·y))}: 4 per element of {@code y}. */
    public static long softmaxBackward(Tensor y) {
        return 4L * y.numel();
    }

    // ---------------------------------------------------------------- positions and attention

    /** Two multiplies and an add per output element. */
    public static long rope(Tensor x) {
        return 3L * x.numel();
    }

    /** The inverse rotation: 3 per element of {@code dy}. */
    public static long ropeBackward(Tensor dy) {
        return 3L * dy.numel();
    }

    /** {@code 4·heads·headDim·visiblePairs}: a D-long dot for the score and a D-long multiply-add into the output per pair. */
    public static long attention(AttentionMask mask, long heads, long headDim) {
        return 4L * headDim * heads * mask.visiblePairs();
    }

    /** {@link #attention(AttentionMask, long, long)} with H and D from {@code q [B,T,H,D]}. */
    public static long attention(Tensor q, AttentionMask mask) {
        return attention(mask, q.dim(2), q.dim(3));
    }

    /** {@code 10·heads·headDim·visiblePairs}: scores recomputed, then dV, dP, dQ and dK, each 2·D per pair. */
    public static long attentionBackward(AttentionMask mask, long heads, long headDim) {
        return 10L * headDim * heads * mask.visiblePairs();
    }

    /** {@link #attentionBackward(AttentionMask, long, long)} with H and D from {@code q [B,T,H,D]}. */
    public static long attentionBackward(Tensor q, AttentionMask mask) {
        return attentionBackward(mask, q.dim(2), q.dim(3));
    }

    // ---------------------------------------------------------------- losses

    /** Max, subtract, exp, sum per logit: 4 per element of {@code logits}. */
    public static long crossEntropy(Tensor logits) {
        return 4L * logits.numel();
    }

    /** 4 per element of {@code logits}. */
    public static long crossEntropyBackward(Tensor logits) {
        return 4L * logits.numel();
    }

    /** Subtract, square, sum: 3 per element of {@code pred}. */
    public static long mse(Tensor pred) {
        return 3L * pred.numel();
    }

    /** 3 per element of {@code pred}. */
    public static long mseBackward(Tensor pred) {
        return 3L * pred.numel();
    }

    /** 7 per element of {@code logits}. */
    public static long bceWithLogits(Tensor logits) {
        return 7L * logits.numel();
    }

    /** Sigmoid, subtract, scale: 5 per element of {@code logits}. */
    public static long bceWithLogitsBackward(Tensor logits) {
        return 5L * logits.numel();
    }

    // ---------------------------------------------------------------- gather, scatter, top-k

    /** A gather moves rows: 0. */
    public static long gatherRows() {
        return 0;
    }

    /** A multiply-add per element of {@code src}; counted the same when {@code weights} is null (weight 1). */
    public static long scatterAddRows(Tensor src) {
        return 2L * src.numel();
    }

    /** {@link Backend#embedding} is {@link Backend#gatherRows}: 0. */
    public static long embedding() {
        return gatherRows();
    }

    /** {@link Backend#embeddingBackward} is {@link Backend#scatterAddRows} of {@code dOut}. */
    public static long embeddingBackward(Tensor dOut) {
        return scatterAddRows(dOut);
    }

    /** Selection by comparisons, not arithmetic: 0. */
    public static long topK() {
        return 0;
    }

    /** Scattering the selected values back moves them: 0. */
    public static long topKBackward() {
        return 0;
    }

    /** A transpose moves elements: 0. */
    public static long transpose() {
        return 0;
    }

    /** Index composition moves integers: 0. */
    public static long gatherIndices() {
        return 0;
    }

    // ---------------------------------------------------------------- convolution helpers

    /** Unfolding moves elements: 0. */
    public static long im2col() {
        return 0;
    }

    /** One add per element of {@code cols}, folding overlaps together. */
    public static long col2im(Tensor cols) {
        return cols.numel();
    }

    // ---------------------------------------------------------------- optimizer and random numbers

    /** 14 per element of {@code param}: moments, bias correction, step and decoupled decay. */
    public static long adamw(Tensor param) {
        return 14L * param.numel();
    }

    /** Integer Philox rounds: 0. */
    public static long randomUniform() {
        return 0;
    }

    /** Philox and Box–Muller: counted 0 (noise for the inputs, not model math). */
    public static long randomNormal() {
        return 0;
    }
}
