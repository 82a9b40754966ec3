package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;

/** Fused attention forward and backward with every kind of mask description. */
public abstract class AttentionConformance extends NormConformance {

    static List<Arguments> attentionCases() {
        return List.of(
                Arguments.of("causal", 2, 70, 2, 20),
                Arguments.of("causal", 1, 130, 1, 64),
                Arguments.of("causal", 1, 1, 1, 8),
                Arguments.of("causal", 1, 40, 2, 32),
                Arguments.of("bidirectional", 2, 33, 2, 16),
                Arguments.of("mixed", 2, 90, 2, 12));
    }

    /** Row 0: two image spans (one crossing the 64-key block edge); row 1: two documents, an image, padding. */
    static AttentionMask mask(String kind, int b, int t) {
        return switch (kind) {
            case "causal" -> AttentionMask.causal(b, t);
            case "bidirectional" -> AttentionMask.bidirectional(b, t);
            case "mixed" -> AttentionMask.builder(b, t).causal(true)
                    .bidirectionalSpan(0, 5, 20).bidirectionalSpan(0, 50, 80)
                    .documentStart(1, 40).bidirectionalSpan(1, 45, 60).validLength(1, 75)
                    .build();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0} B={1} T={2} H={3} D={4}")
    @MethodSource("attentionCases")
    void attentionMatchesF64AndFiniteDifferences(String kind, int b, int t, int h, int d) {
        SplittableRandom r = rng("attn" + kind + t + d);
        AttentionMask mask = mask(kind, b, t);
        int n = b * t * h * d;
        float[] q = uniform(r, n, -1, 1);
        float[] k = uniform(r, n, -1, 1);
        float[] v = uniform(r, n, -1, 1);
        float[] dOut = uniform(r, n, -1, 1);
        float scale = (float) (1 / Math.sqrt(d));
        Tensor tq = tensor(q, b, t, h, d);
        Tensor tk = tensor(k, b, t, h, d);
        Tensor tv = tensor(v, b, t, h, d);
        Tensor out = zeros(b, t, h, d);
        Tensor lse = zeros(b, h, t);
        long before = backend.flops().total();
        backend.attention(tq, tk, tv, mask, scale, out, lse);
        assertThat(backend.flops().total() - before).isEqualTo(4L * d * h * mask.visiblePairs());
        double[] lseRef = new double[b * h * t];
        double[] qd = Reference.d(q);
        double[] kd = Reference.d(k);
        double[] vd = Reference.d(v);
        assertClose("attention out", read(out), Reference.attention(qd, kd, vd, mask, scale, b, t, h, d, lseRef),
                1e-5 * Math.sqrt(t) * 4, 1e-4);
        assertClose("attention lse", read(lse), lseRef, 1e-5, 1e-5);

        Tensor dq = zeros(b, t, h, d);
        Tensor dk = zeros(b, t, h, d);
        Tensor dv = zeros(b, t, h, d);
        backend.attentionBackward(tq, tk, tv, out, lse, tensor(dOut, b, t, h, d), mask, scale, dq, dk, dv);
        double[] g = Reference.d(dOut);
        int[] cs = coords(r, n, 24);
        assertGradient("dq", read(dq), cs, Reference.numericGradient(
                x -> Reference.weighted(Reference.attention(x, kd, vd, mask, scale, b, t, h, d, null), g), qd, cs, 1e-5));
        assertGradient("dk", read(dk), cs, Reference.numericGradient(
                x -> Reference.weighted(Reference.attention(qd, x, vd, mask, scale, b, t, h, d, null), g), kd, cs, 1e-5));
        assertGradient("dv", read(dv), cs, Reference.numericGradient(
                x -> Reference.weighted(Reference.attention(qd, kd, x, mask, scale, b, t, h, d, null), g), vd, cs, 1e-5));
    }

    @Test
    void paddedQueriesGetZeroOutputAndNoGradient() {
        int b = 1, t = 10, h = 1, d = 4;
        AttentionMask mask = AttentionMask.builder(b, t).validLength(0, 6).build();
        SplittableRandom r = rng("padding");
        float[] q = uniform(r, t * d, -1, 1);
        Tensor tq = tensor(q, b, t, h, d);
        Tensor out = zeros(b, t, h, d);
        Tensor lse = zeros(b, h, t);
        backend.attention(tq, tq, tq, mask, 0.5f, out, lse);
        float[] o = read(out);
        for (int i = 6 * d; i < t * d; i++) {
            assertThat(o[i]).as("padded output " + i).isZero();
        }
        assertThat(read(lse)[7]).isEqualTo(Float.NEGATIVE_INFINITY);
        Tensor dk = zeros(b, t, h, d);
        backend.attentionBackward(tq, tq, tq, out, lse, tensor(uniform(r, t * d, -1, 1), b, t, h, d), mask, 0.5f,
                zeros(b, t, h, d), dk, zeros(b, t, h, d));
        float[] g = read(dk);
        for (int i = 6 * d; i < t * d; i++) {
            assertThat(g[i]).as("gradient of padded key " + i).isZero();
        }
    }

    /**
     * A packed row whose padding follows a document that starts after position 0: the padded queries' empty key
     * range sits at that start, inside the key block of the earlier document's queries, and a whole group of them
     * sees nothing (positions 8..11 of 12; a one-token document at 0, the next from 1, valid to 7). Every gradient
     * is finite and matches finite differences, and padded keys get none.
     */
    @Test
    void paddingAfterALaterDocumentStartGivesExactGradients() {
        int b = 1, t = 12, h = 1, d = 8;
        AttentionMask mask = AttentionMask.builder(b, t).documentStart(0, 1).validLength(0, 7).build();
        SplittableRandom r = rng("padding after a document start");
        int n = b * t * h * d;
        float[] q = uniform(r, n, -1, 1);
        float[] k = uniform(r, n, -1, 1);
        float[] v = uniform(r, n, -1, 1);
        float[] dOut = uniform(r, n, -1, 1);
        double[] qd = Reference.d(q);
        double[] kd = Reference.d(k);
        double[] vd = Reference.d(v);
        float scale = (float) (1 / Math.sqrt(d));
        Tensor tq = tensor(q, b, t, h, d);
        Tensor tk = tensor(k, b, t, h, d);
        Tensor tv = tensor(v, b, t, h, d);
        Tensor out = zeros(b, t, h, d);
        Tensor lse = zeros(b, h, t);
        backend.attention(tq, tk, tv, mask, scale, out, lse);
        Tensor dq = zeros(b, t, h, d);
        Tensor dk = zeros(b, t, h, d);
        Tensor dv = zeros(b, t, h, d);
        backend.attentionBackward(tq, tk, tv, out, lse, tensor(dOut, b, t, h, d), mask, scale, dq, dk, dv);
        double[] g = Reference.d(dOut);
        int[] all = coords(r, n, n);
        assertGradient("dq", read(dq), all, Reference.numericGradient(
                x -> Reference.weighted(Reference.attention(x, kd, vd, mask, scale, b, t, h, d, null), g), qd, all, 1e-5));
        assertGradient("dk", read(dk), all, Reference.numericGradient(
                x -> Reference.weighted(Reference.attention(qd, x, vd, mask, scale, b, t, h, d, null), g), kd, all, 1e-5));
        assertGradient("dv", read(dv), all, Reference.numericGradient(
                x -> Reference.weighted(Reference.attention(qd, kd, x, mask, scale, b, t, h, d, null), g), vd, all, 1e-5));
        float[] gk = read(dk);
        float[] gv = read(dv);
        for (int i = 7 * d; i < n; i++) {
            assertThat(gk[i]).as("dk of padded key " + i).isZero();
            assertThat(gv[i]).as("dv of padded key " + i).isZero();
        }
    }

    @Test
    void attentionRejectsAMaskOfTheWrongSize() {
        Tensor q = zeros(2, 8, 1, 4);
        assertThatThrownBy(() -> backend.attention(q, q, q, AttentionMask.causal(2, 9), 1f, zeros(2, 8, 1, 4),
                zeros(2, 1, 8))).hasMessageContaining("mask").hasMessageContaining("length 9");
    }
}
