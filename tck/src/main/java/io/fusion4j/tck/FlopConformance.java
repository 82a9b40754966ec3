package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.AdamWStep;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.ConvGeometry;
import io.fusion4j.api.backend.KernelFlops;
import io.fusion4j.api.backend.Reduction;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * FLOP counting: every kernel of {@link Backend} adds exactly what {@link KernelFlops} says for its arguments,
 * and a few of those formulas equal hand-computed closed forms. The shapes are chosen so that counting from
 * the wrong tensor (output rows instead of source rows, all rows instead of the grouped ones, T² instead of the
 * visible pairs) gives a different number.
 */
public abstract class FlopConformance extends OptimizerRandomConformance {
    /**
     * The kernels of {@link Backend}: its instance methods, inherited and default ones included, but
     * {@link KernelFlops#NOT_KERNELS}.
     */
    static Set<String> kernelNames() {
        return Arrays.stream(Backend.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .map(Method::getName)
                .filter(n -> !KernelFlops.NOT_KERNELS.contains(n))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Runs kernels one at a time, asserting each one's counted FLOPs, and remembers which kernels it saw. */
    private final class Ledger {
        final Set<String> seen = new TreeSet<>();

        void check(String kernel, long expected, Runnable call) {
            long before = backend.flops().total();
            call.run();
            assertThat(backend.flops().total() - before).as("FLOPs counted by " + kernel).isEqualTo(expected);
            seen.add(kernel);
        }
    }

    @Test
    void everyBackendMethodIsAKernelWithAFormula() {
        Set<String> kernels = kernelNames();
        assertThat(kernels).contains("gemm", "groupedGemm", "attention", "embedding", "copyFromHost", "randomNormal");
        List<Method> entries = Arrays.stream(KernelFlops.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()))
                .toList();
        assertThat(entries).allSatisfy(m -> assertThat(m.getReturnType()).as("KernelFlops." + m.getName() + " returns")
                .isEqualTo(long.class));
        Set<String> formulas = entries.stream().map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
        assertThat(formulas).as("kernels of Backend with a KernelFlops entry").containsAll(kernels);
        assertThat(kernels).as("KernelFlops entries that name a kernel of Backend").containsAll(formulas);
    }

    @Test
    void everyKernelCountsWhatKernelFlopsSays() {
        SplittableRandom r = rng("flopsPerKernel");
        Ledger l = new Ledger();

        // Memory: movement counts nothing, on every path (F32, I32, BF16 conversion).
        float[] host = uniform(r, 12, -1, 1);
        Tensor x = zeros(3, 4);
        Tensor ids = backend.allocate(DType.I32, Shape.of(3));
        Tensor bf = backend.allocate(DType.BF16, Shape.of(3, 4));
        l.check("copyFromHost", KernelFlops.copyFromHost(), () -> backend.copyFromHost(host, x));
        l.check("copyFromHost", KernelFlops.copyFromHost(), () -> backend.copyFromHost(new int[]{4, 0, 2}, ids));
        l.check("copyToHost", KernelFlops.copyToHost(), () -> backend.copyToHost(x, new float[12]));
        l.check("copyToHost", KernelFlops.copyToHost(), () -> backend.copyToHost(ids, new int[3]));
        l.check("copy", KernelFlops.copy(), () -> backend.copy(x, bf));
        l.check("copy", KernelFlops.copy(), () -> backend.copy(bf, zeros(3, 4)));
        Tensor filled = zeros(3, 4);
        l.check("fill", KernelFlops.fill(), () -> backend.fill(filled, 2f));

        // GEMM: plain, transposed and batched; grouped with an empty group and a row past offsets[G].
        Tensor a = tensor(uniform(r, 12, -1, 1), 3, 4);
        Tensor b = tensor(uniform(r, 20, -1, 1), 4, 5);
        Tensor bt = tensor(uniform(r, 20, -1, 1), 5, 4).t();
        Tensor c = zeros(3, 5);
        l.check("gemm", KernelFlops.gemm(a, b), () -> backend.gemm(a, b, c, 1f, 0f));
        l.check("gemm", KernelFlops.gemm(a, bt), () -> backend.gemm(a, bt, c, 0.5f, 1f));
        Tensor a3 = tensor(uniform(r, 2 * 12, -1, 1), 2, 3, 4);
        Tensor b3 = tensor(uniform(r, 2 * 20, -1, 1), 2, 4, 5);
        Tensor c3 = zeros(2, 3, 5);
        l.check("gemm", KernelFlops.gemm(a3, b3), () -> backend.gemm(a3, b3, c3, 1f, 0f));
        int[] offsets = {0, 2, 2, 5};
        Tensor off = ints(offsets, 4);
        Tensor ga = tensor(uniform(r, 6 * 3, -1, 1), 6, 3);
        Tensor gb = tensor(uniform(r, 3 * 3 * 7, -1, 1), 3, 3, 7);
        Tensor gc = zeros(6, 7);
        l.check("groupedGemm", KernelFlops.groupedGemm(ga, gb, offsets[3]), () -> backend.groupedGemm(ga, gb, off, gc, 0f));
        Tensor gdb = zeros(3, 3, 7);
        l.check("groupedGemmWeightGrad", KernelFlops.groupedGemmWeightGrad(ga, gc, offsets[3]),
                () -> backend.groupedGemmWeightGrad(ga, gc, off, gdb, 1f));

        // Element-wise, on [3,4] with a row vector [4] and per-row scalars [3].
        Tensor y = tensor(uniform(r, 12, -1, 1), 3, 4);
        Tensor dy = tensor(uniform(r, 12, -1, 1), 3, 4);
        Tensor out = zeros(3, 4);
        Tensor out2 = zeros(3, 4);
        Tensor row = tensor(uniform(r, 4, -1, 1), 4);
        Tensor perRow = tensor(uniform(r, 3, 0.5, 1.5), 3);
        Tensor rows = zeros(3);
        l.check("add", KernelFlops.add(x), () -> backend.add(x, y, out));
        l.check("add", KernelFlops.add(x), () -> backend.add(x, row, out));
        l.check("mul", KernelFlops.mul(x), () -> backend.mul(x, y, out));
        l.check("mul", KernelFlops.mul(x), () -> backend.mul(x, row, out));
        l.check("axpby", KernelFlops.axpby(x), () -> backend.axpby(0.5f, x, 2f, y, out));
        l.check("scale", KernelFlops.scale(x), () -> backend.scale(x, 3f, out));
        l.check("mulRows", KernelFlops.mulRows(x), () -> backend.mulRows(x, perRow, out));
        l.check("rowDot", KernelFlops.rowDot(x), () -> backend.rowDot(x, y, rows));
        l.check("silu", KernelFlops.silu(x), () -> backend.silu(x, out));
        l.check("siluBackward", KernelFlops.siluBackward(x), () -> backend.siluBackward(x, dy, out));
        l.check("gelu", KernelFlops.gelu(x), () -> backend.gelu(x, out));
        l.check("geluBackward", KernelFlops.geluBackward(x), () -> backend.geluBackward(x, dy, out));
        l.check("sigmoid", KernelFlops.sigmoid(x), () -> backend.sigmoid(x, out));
        l.check("sigmoidBackward", KernelFlops.sigmoidBackward(out), () -> backend.sigmoidBackward(out, dy, out2));
        l.check("swiglu", KernelFlops.swiglu(x), () -> backend.swiglu(x, y, out));
        l.check("swigluBackward", KernelFlops.swigluBackward(x), () -> backend.swigluBackward(x, y, dy, out, out2));

        // Reductions and norms.
        for (Reduction op : Reduction.values()) {
            l.check("reduceLastDim", KernelFlops.reduceLastDim(op, x), () -> backend.reduceLastDim(op, x, rows));
        }
        l.check("squaredNorm", KernelFlops.squaredNorm(x), () -> backend.squaredNorm(x));
        Tensor w = tensor(uniform(r, 4, 0.5, 1.5), 4);
        Tensor bias = tensor(uniform(r, 4, -1, 1), 4);
        Tensor mean = zeros(3);
        Tensor rstd = zeros(3);
        Tensor dw = zeros(4);
        Tensor db = zeros(4);
        l.check("rmsNorm", KernelFlops.rmsNorm(x), () -> backend.rmsNorm(x, w, 1e-5f, out, rstd));
        l.check("rmsNormBackward", KernelFlops.rmsNormBackward(x), () -> backend.rmsNormBackward(x, w, rstd, dy, out2, dw));
        l.check("layerNorm", KernelFlops.layerNorm(x), () -> backend.layerNorm(x, w, bias, 1e-5f, out, mean, rstd));
        l.check("layerNormBackward", KernelFlops.layerNormBackward(x),
                () -> backend.layerNormBackward(x, w, mean, rstd, dy, out2, dw, db));
        l.check("softmax", KernelFlops.softmax(x), () -> backend.softmax(x, out));
        l.check("softmaxBackward", KernelFlops.softmaxBackward(out), () -> backend.softmaxBackward(out, dy, out2));

        // Positions and attention: B=2, T=5, H=2, D=4; row 1 has two documents and padding, so the visible
        // pairs are neither B·T² nor the causal count.
        Tensor xr = tensor(uniform(r, 2 * 5 * 2 * 4, -1, 1), 2, 5, 2, 4);
        Tensor pos = ints(new int[]{0, 1, 2, 3, 4, 0, 1, 0, 1, 2}, 2, 5);
        Tensor xro = zeros(2, 5, 2, 4);
        l.check("rope", KernelFlops.rope(xr), () -> backend.rope(xr, pos, 10000f, xro));
        l.check("ropeBackward", KernelFlops.ropeBackward(xro), () -> backend.ropeBackward(xro, pos, 10000f, xr));
        AttentionMask mask = AttentionMask.builder(2, 5).causal(true).bidirectionalSpan(0, 1, 3)
                .documentStart(1, 2).validLength(1, 4).build();
        Tensor q = tensor(uniform(r, 80, -1, 1), 2, 5, 2, 4);
        Tensor k = tensor(uniform(r, 80, -1, 1), 2, 5, 2, 4);
        Tensor v = tensor(uniform(r, 80, -1, 1), 2, 5, 2, 4);
        Tensor dOut = tensor(uniform(r, 80, -1, 1), 2, 5, 2, 4);
        Tensor ao = zeros(2, 5, 2, 4);
        Tensor lse = zeros(2, 2, 5);
        l.check("attention", KernelFlops.attention(q, mask), () -> backend.attention(q, k, v, mask, 0.5f, ao, lse));
        l.check("attentionBackward", KernelFlops.attentionBackward(q, mask), () -> backend.attentionBackward(
                q, k, v, ao, lse, dOut, mask, 0.5f, zeros(2, 5, 2, 4), zeros(2, 5, 2, 4), zeros(2, 5, 2, 4)));

        // Losses, one target ignored.
        Tensor targets = ints(new int[]{1, -1, 3}, 3);
        Tensor ceLse = zeros(3);
        l.check("crossEntropy", KernelFlops.crossEntropy(x), () -> backend.crossEntropy(x, targets, 1e-4f, rows, ceLse));
        l.check("crossEntropyBackward", KernelFlops.crossEntropyBackward(x),
                () -> backend.crossEntropyBackward(x, targets, ceLse, 1e-4f, 0.5f, out));
        l.check("mse", KernelFlops.mse(x), () -> backend.mse(x, y, rows));
        l.check("mseBackward", KernelFlops.mseBackward(x), () -> backend.mseBackward(x, y, 0.5f, out));
        Tensor probs = tensor(uniform(r, 12, 0, 1), 3, 4);
        l.check("bceWithLogits", KernelFlops.bceWithLogits(x), () -> backend.bceWithLogits(x, probs, out));
        l.check("bceWithLogitsBackward", KernelFlops.bceWithLogitsBackward(x),
                () -> backend.bceWithLogitsBackward(x, probs, 0.5f, out));

        // Gather and scatter between a table of 5 rows and 3 picked rows: scatter counts the 3, not the 5; then
        // top-k with its backward, a transpose, and indices into the 3 picked rows composed with them.
        Tensor table = tensor(uniform(r, 20, -1, 1), 5, 4);
        Tensor acc = zeros(5, 4);
        l.check("gatherRows", KernelFlops.gatherRows(), () -> backend.gatherRows(table, ids, out));
        l.check("scatterAddRows", KernelFlops.scatterAddRows(x), () -> backend.scatterAddRows(x, ids, perRow, acc));
        l.check("scatterAddRows", KernelFlops.scatterAddRows(x), () -> backend.scatterAddRows(x, ids, null, acc));
        l.check("embedding", KernelFlops.embedding(), () -> backend.embedding(table, ids, out));
        l.check("embeddingBackward", KernelFlops.embeddingBackward(x), () -> backend.embeddingBackward(x, ids, acc));
        Tensor topValues = zeros(3, 2);
        Tensor topIndices = backend.allocate(DType.I32, Shape.of(3, 2));
        l.check("topK", KernelFlops.topK(), () -> backend.topK(x, 2, topValues, topIndices));
        Tensor dScores = zeros(3, 4);
        l.check("topKBackward", KernelFlops.topKBackward(), () -> backend.topKBackward(topValues, topIndices, dScores));
        Tensor xt = zeros(4, 3);
        l.check("transpose", KernelFlops.transpose(), () -> backend.transpose(x, xt));
        Tensor subset = ints(new int[]{2, 0, 2, 1}, 4);
        Tensor composed = backend.allocate(DType.I32, Shape.of(4));
        l.check("gatherIndices", KernelFlops.gatherIndices(), () -> backend.gatherIndices(ids, subset, composed));

        // im2col/col2im: [1,2,4,4] with a 3×3 kernel, stride 1, padding 1 gives cols [16, 18], 2.25× the image.
        ConvGeometry g = new ConvGeometry(3, 3, 1, 1);
        Tensor img = tensor(uniform(r, 32, -1, 1), 1, 2, 4, 4);
        Tensor cols = zeros(16, 18);
        Tensor dImg = zeros(1, 2, 4, 4);
        l.check("im2col", KernelFlops.im2col(), () -> backend.im2col(img, g, cols));
        l.check("col2im", KernelFlops.col2im(cols), () -> backend.col2im(cols, g, dImg));

        // Optimizer and random numbers.
        Tensor p = tensor(uniform(r, 7, -1, 1), 7);
        Tensor grad = tensor(uniform(r, 7, -1, 1), 7);
        Tensor m1 = zeros(7);
        Tensor m2 = zeros(7);
        AdamWStep step = new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1, 1f);
        l.check("adamw", KernelFlops.adamw(p), () -> backend.adamw(p, grad, m1, m2, step));
        Tensor noise = zeros(9);
        l.check("randomUniform", KernelFlops.randomUniform(), () -> backend.randomUniform(noise, 5L, 0L));
        l.check("randomNormal", KernelFlops.randomNormal(), () -> backend.randomNormal(noise, 5L, 0L));

        assertThat(l.seen).as("kernels whose FLOPs were checked").isEqualTo(kernelNames());
    }

    @Test
    void countsMatchHandComputedClosedForms() {
        SplittableRandom r = rng("flopsClosedForms");
        // GEMM 3×4×5 (M×K×N): 2·3·5·4 = 120, also through a transposed view; twice that for two batches.
        Tensor a = tensor(uniform(r, 12, -1, 1), 3, 4);
        Tensor bt = tensor(uniform(r, 20, -1, 1), 5, 4).t();
        assertThat(counted(() -> backend.gemm(a, bt, zeros(3, 5), 1f, 0f))).isEqualTo(120);
        assertThat(counted(() -> backend.gemm(zeros(2, 3, 4), zeros(2, 4, 5), zeros(2, 3, 5), 1f, 0f))).isEqualTo(240);

        // Grouped GEMM, offsets [0,2,2,5] over 6 rows, K=3, N=7: rows 0-4 are in groups, so 2·5·3·7 = 210.
        Tensor off = ints(new int[]{0, 2, 2, 5}, 4);
        Tensor ga = tensor(uniform(r, 18, -1, 1), 6, 3);
        Tensor gc = zeros(6, 7);
        assertThat(counted(() -> backend.groupedGemm(ga, zeros(3, 3, 7), off, gc, 0f))).isEqualTo(210);
        assertThat(counted(() -> backend.groupedGemmWeightGrad(ga, gc, off, zeros(3, 3, 7), 0f))).isEqualTo(210);

        // Causal T=4: 1+2+3+4 = 10 visible pairs; H=2, D=3: forward 4·2·3·10 = 240, backward 10·2·3·10 = 600.
        AttentionMask causal = AttentionMask.causal(1, 4);
        assertThat(causal.visiblePairs()).isEqualTo(10);
        Tensor q = tensor(uniform(r, 24, -1, 1), 1, 4, 2, 3);
        Tensor o = zeros(1, 4, 2, 3);
        Tensor lse = zeros(1, 2, 4);
        assertThat(counted(() -> backend.attention(q, q, q, causal, 0.5f, o, lse))).isEqualTo(240);
        assertThat(counted(() -> backend.attentionBackward(q, q, q, o, lse, q, causal, 0.5f, zeros(1, 4, 2, 3),
                zeros(1, 4, 2, 3), zeros(1, 4, 2, 3)))).isEqualTo(600);

        // Element-wise on 2×3 = 6 elements: SiLU 5 each, SwiGLU 6, AdamW 14; scatter-add 2 per source element.
        Tensor x = tensor(uniform(r, 6, -1, 1), 2, 3);
        assertThat(counted(() -> backend.silu(x, zeros(2, 3)))).isEqualTo(30);
        assertThat(counted(() -> backend.swiglu(x, x, zeros(2, 3)))).isEqualTo(36);
        assertThat(counted(() -> backend.adamw(zeros(2, 3), x, zeros(2, 3), zeros(2, 3),
                new AdamWStep(1e-3f, 0.9f, 0.95f, 1e-8f, 0f, 1, 1f)))).isEqualTo(84);
        Tensor twice = ints(new int[]{3, 3}, 2);
        assertThat(counted(() -> backend.scatterAddRows(x, twice, null, zeros(4, 3)))).isEqualTo(12);
        assertThat(counted(() -> backend.copy(x, zeros(2, 3)))).isZero();
    }

    /** FLOPs {@code call} adds to the counter; {@code allocate}, which the lambdas may call, is not a kernel. */
    private long counted(Runnable call) {
        long before = backend.flops().total();
        call.run();
        return backend.flops().total() - before;
    }
}
